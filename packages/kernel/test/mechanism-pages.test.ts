/**
 * libkernel's userspace pages as the kernel sees them: untrusted user memory it reads when it needs
 * the value (umask at file creation), copied by fork, and what the userspace handlers answer from.
 */
import { describe, expect, it } from "vitest";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { FS_PAGE } from "@uabi/libkernel";
import { Kernel, FileNode } from "../src/index.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

/** Where the per-fs page lands for a program of this shape (the layout is deterministic). */
function fsPageOf(mode: "bounce" | "direct"): number {
  const k = new Kernel({ mode });
  return k.spawn(makeElf({ machine: "x86_64", code: new Uint8Array([0x0f, 0x05]) })).fsPage;
}

function creatProgram(a: X86Assembler, name: string): void {
  const path = a.newLabel(), over = a.newLabel();
  a.jmp(over, { near: true }).bind(path).bytes(new TextEncoder().encode(name + "\0")).bind(over);
  // openat(AT_FDCWD, name, O_WRONLY|O_CREAT, 0666)
  a.mov("rdi", -100).lea("rsi", xmem({ base: "rip", label: path })).mov("edx", 0o101).mov("r10d", 0o666).mov("eax", 257).syscall();
}

function modeOf(k: Kernel, path: string): number {
  const r = k.vfs.resolve(path, k.vfs.root, { pid: 0 }, { follow: true });
  if (typeof r === "number" || !r.node) throw new Error(`${path} missing`);
  return (r.node as FileNode).mode & 0o7777;
}

describe("per-fs page (umask)", () => {
  it("a umask set in userspace (bounce→user, no kernel entry) is what file creation uses", () => {
    const a = new X86Assembler();
    a.mov("edi", 0o027).mov("eax", 95).syscall(); // umask: implemented by libkernel on the fs page
    creatProgram(a, "/tmp/f");
    a.mov("edi", 0).mov("eax", 231).syscall();
    const k = new Kernel({ mode: "bounce", maxInstructions: 1e6 });
    const p = k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    expect(k.run().exitStatus).toBe(0);
    expect(p.ledger.bySyscall.get(95)!.kernelEntries).toBe(1); // the bounce only: the handler returns in userspace
    expect(modeOf(k, "/tmp/f")).toBe(0o640);
  });

  it("the page is untrusted: garbage written there is masked like umask(2) masks it", () => {
    const fsPage = fsPageOf("direct");
    const a = new X86Assembler();
    a.movabs("rax", BigInt(fsPage + FS_PAGE.umask)).mov(xmem({ base: "rax", disp: 0, size: 32 }), -1 >>> 0 | 0);
    creatProgram(a, "/tmp/g");
    a.mov("edi", 0).mov("eax", 231).syscall();
    const k = new Kernel({ maxInstructions: 1e6 });
    const p = k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    expect(p.fsPage).toBe(fsPage);
    expect(k.run().exitStatus).toBe(0);
    expect(modeOf(k, "/tmp/g")).toBe(0); // 0666 & ~0777
    expect(p.fs.umask).toBe(0o777);
  });

  it("fork gives the child its own copy: the child's userspace umask works and does not reach the parent", () => {
    const fsPage = fsPageOf("bounce");
    expect(fsPage).toBeGreaterThan(0);
    const a = new X86Assembler();
    const child = a.newLabel();
    a.mov("r15", DATA_BASE);
    a.mov("eax", 57).syscall(); // fork (x86-64: rewritten by libkernel onto clone)
    a.test("eax", "eax").j("e", child);
    // parent: wait4(-1, NULL, 0, NULL), then umask(0) returns the parent's own value
    a.mov("rdi", -1).xor("esi", "esi").xor("edx", "edx").xor("r10d", "r10d").mov("eax", 61).syscall();
    a.xor("edi", "edi").mov("eax", 95).syscall();
    a.mov("edi", "eax").mov("eax", 231).syscall();
    a.bind(child);
    a.mov("edi", 0o077).mov("eax", 95).syscall(); // child's umask: the child's page
    creatProgram(a, "/tmp/c");
    a.mov("edi", 0).mov("eax", 231).syscall();
    const k = new Kernel({ mode: "bounce", maxInstructions: 1e7 });
    k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    const r = k.run();
    expect(r.exitStatus).toBe(0o022); // the parent's umask, untouched by the child
    expect(modeOf(k, "/tmp/c")).toBe(0o600);
  });
});

describe("per-task page (robust list)", () => {
  it("set_robust_list answered in userspace (bounce→user) is what the kernel walks at thread exit", () => {
    const head = DATA_BASE + 0x100, entry = DATA_BASE + 0x200;
    const a = new X86Assembler();
    a.mov("r15", DATA_BASE);
    a.mov("rax", entry).mov(xmem("r15", 0x100), "rax"); // head.list.next = entry
    a.mov("rax", 0x10).mov(xmem("r15", 0x108), "rax"); // futex_offset
    a.mov("rax", head).mov(xmem("r15", 0x200), "rax"); // entry.next = head (one-element list)
    a.mov("eax", 186).syscall().mov(xmem({ base: "r15", disp: 0x210, size: 32 }), "eax"); // the lock word holds our tid
    a.mov("rdi", head).mov("esi", 24).mov("eax", 273).syscall(); // set_robust_list(head, 24)
    a.mov("edi", 0).mov("eax", 231).syscall();
    const k = new Kernel({ mode: "bounce", maxInstructions: 1e6 });
    const p = k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    expect(k.run().exitStatus).toBe(0);
    expect(p.ledger.bySyscall.get(273)!.kernelEntries).toBe(1); // the bounce only
    expect(p.mm.mem.read32(DATA_BASE + 0x210)).toBe(0x40000000); // FUTEX_OWNER_DIED, tid cleared
  });
});

describe("personality: fakeroot", () => {
  it("the vDSO is built with the fakeroot personality: getuid answers 0 in userspace", () => {
    const a = new X86Assembler();
    a.mov("eax", 102).syscall().mov("edi", "eax").mov("eax", 231).syscall(); // exit(getuid())
    const elf = makeElf({ machine: "x86_64", code: a.finish() });
    const plain = new Kernel({ mode: "bounce", maxInstructions: 1e6, uid: 1000 });
    plain.spawn(elf, { argv: ["t"] });
    expect(plain.run().exitStatus).toBe(1000 & 0xff);
    const fake = new Kernel({ mode: "bounce", personality: "fakeroot", maxInstructions: 1e6 });
    const p = fake.spawn(elf, { argv: ["t"] });
    expect(fake.run().exitStatus).toBe(0);
    expect(p.ledger.bySyscall.get(102)!.kernelEntries).toBe(1);
  });
});

describe("a vfork-style clone on a separate stack (musl's and glibc's posix_spawn)", () => {
  it("under bounce the x86-64 child starts on its own stack at the caller's PC, as without a mechanism", () => {
    const a = new X86Assembler();
    const child = a.newLabel();
    a.mov("r15", DATA_BASE);
    // clone(CLONE_VM|CLONE_VFORK|SIGCHLD, stack = DATA_BASE+0x800, 0, 0, 0)
    a.mov("edi", 0x100 | 0x4000 | 17).lea("rsi", xmem("r15", 0x800)).xor("edx", "edx").xor("r10d", "r10d").xor("r8d", "r8d");
    a.mov("eax", 56).syscall();
    a.test("eax", "eax").j("e", child);
    // parent: wait4(-1, &status, 0, NULL); exit_group(WEXITSTATUS(status))
    a.mov("rdi", -1).lea("rsi", xmem("r15", 0x900)).xor("edx", "edx").xor("r10d", "r10d").mov("eax", 61).syscall();
    a.mov("edi", xmem({ base: "r15", disp: 0x900, size: 32 })).shr("edi", 8).mov("eax", 231).syscall();
    a.bind(child);
    a.push(42).pop("rdi").mov("eax", 60).syscall(); // the child uses its new stack, then _exit(42)
    for (const mode of ["direct", "bounce"] as const) {
      const k = new Kernel({ mode, maxInstructions: 1e6 });
      k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
      expect(k.run().exitStatus, mode).toBe(42);
    }
  });
});
