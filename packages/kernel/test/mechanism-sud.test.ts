/**
 * Syscall User Dispatch as Linux ≥ 5.11 defines it (kernel/entry/syscall_user_dispatch.c): prctl 59's
 * argument checks, the selector byte, SIGSYS with SYS_USER_DISPATCH and the rolled-back registers,
 * the post-instruction-PC region test, and reset on exec; and the `sud` mechanism's own setup.
 */
import { describe, expect, it } from "vitest";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { A64Assembler, x, w, mem as amem } from "@uabi/isa-arm64";
import { Kernel, FileNode } from "../src/index.js";
import { makeElf, DATA_BASE, CODE_ADDR } from "./elf-helper.js";

const SA_SIGINFO = 4, SA_RESTORER = 0x04000000;
const SEL = DATA_BASE + 0x80;
const UC_RAX = 40 + 13 * 8; // uc_mcontext.gregs[REG_RAX] (arch/x86/include/uapi/asm/sigcontext.h)

function prctl(a: X86Assembler, op: number, mode: number, off: number, len: number, sel: number, slot: number): void {
  a.mov("edi", op).mov("esi", mode).mov("rdx", off).mov("r10", len).mov("r8", sel).mov("eax", 157).syscall();
  a.mov(xmem("r15", slot), "rax");
}

describe("syscall user dispatch (prctl 59)", () => {
  it("argument checks, SIGSYS siginfo and rollback, selector ALLOW/BLOCK/invalid (x86-64)", () => {
    const a = new X86Assembler();
    const handler = a.newLabel(), restorer = a.newLabel();
    a.mov("r15", DATA_BASE);
    // rt_sigaction(SIGSYS, {handler, SA_SIGINFO|SA_RESTORER, restorer, 0}, NULL, 8)
    a.lea("rax", xmem({ base: "rip", label: handler })).mov(xmem("r15", 0x100), "rax");
    a.mov("rax", SA_SIGINFO | SA_RESTORER).mov(xmem("r15", 0x108), "rax");
    a.lea("rax", xmem({ base: "rip", label: restorer })).mov(xmem("r15", 0x110), "rax");
    a.mov("edi", 31).lea("rsi", xmem("r15", 0x100)).xor("edx", "edx").mov("r10d", 8).mov("eax", 13).syscall();
    prctl(a, 59, 3, 0, 0, 0, 0x00); // unknown mode
    prctl(a, 59, 0, 1, 0, 0, 0x08); // OFF with an offset
    prctl(a, 59, 2, 0, 0, 0, 0x10); // inclusive with len 0
    a.mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 1); // selector = BLOCK
    prctl(a, 59, 1, 0, 0, SEL, 0x18); // exclusive ON, empty region: every call dispatched while BLOCK
    a.mov("eax", 110).syscall(); // getppid → SIGSYS
    const afterCall = a.here();
    a.mov(xmem("r15", 0x20), "rax");
    a.mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 5); // neither ALLOW nor BLOCK: SIGSYS kills
    a.mov("eax", 110).syscall();
    a.mov("edi", 0).mov("eax", 231).syscall();
    a.bind(handler);
    a.mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 0); // ALLOW, so the handler's own calls run
    a.mov("eax", xmem({ base: "rsi", disp: 8, size: 32 })).mov(xmem("r15", 0x28), "rax"); // si_code
    a.mov("rax", xmem("rsi", 16)).mov(xmem("r15", 0x30), "rax"); // si_call_addr
    a.mov("eax", xmem({ base: "rsi", disp: 24, size: 32 })).mov(xmem("r15", 0x38), "rax"); // si_syscall
    a.mov("eax", xmem({ base: "rsi", disp: 28, size: 32 })).mov(xmem("r15", 0x40), "rax"); // si_arch
    a.mov("rax", xmem("rdx", UC_RAX)).mov(xmem("r15", 0x48), "rax"); // rolled back: rax = nr
    a.mov("rax", 777).mov(xmem("rdx", UC_RAX), "rax"); // the emulated result
    a.mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 1);
    a.ret();
    a.bind(restorer).mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 0).mov("eax", 15).syscall();
    const k = new Kernel({ mode: "selective", maxInstructions: 1e6 });
    const p = k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    const r = k.run();
    const q = (o: number) => BigInt.asIntN(64, p.mm.mem.read64(DATA_BASE + o));
    expect([q(0), q(8), q(0x10), q(0x18)]).toEqual([-22n, -22n, -22n, 0n]);
    expect(q(0x28)).toBe(2n); // SYS_USER_DISPATCH
    expect(q(0x30)).toBe(BigInt(CODE_ADDR + afterCall)); // the PC after the syscall instruction
    expect(q(0x38)).toBe(110n);
    expect(q(0x40)).toBe(0xc000003en); // AUDIT_ARCH_X86_64
    expect(q(0x48)).toBe(110n);
    expect(q(0x20)).toBe(777n); // the handler's answer reached the caller
    expect(r.exitStatus).toBe(128 + 31); // the invalid selector value
  });

  it("the same on arm64: x0 rolled back to orig_x0, the vDSO sigreturn trampoline never dispatched", () => {
    const a = new A64Assembler();
    const handler = a.newLabel();
    const r = x(28);
    const sud = (mode: number, off: number, len: number, sel: number, slot: number) =>
      a.mov(x(0), 59).mov(x(1), mode).mov(x(2), off).mov(x(3), len).mov(x(4), sel).mov(x(8), 167).svc(0).str(x(0), amem(r, slot));
    a.mov(r, DATA_BASE);
    a.adr(x(9), handler).str(x(9), amem(r, 0x100)).mov(x(9), SA_SIGINFO).str(x(9), amem(r, 0x108));
    a.mov(x(0), 31).add(x(1), r, 0x100).mov(x(2), 0).mov(x(3), 8).mov(x(8), 134).svc(0); // rt_sigaction
    sud(3, 0, 0, 0, 0x00);
    sud(0, 1, 0, 0, 0x08);
    sud(2, 0, 0, 0, 0x10);
    a.mov(w(9), 1).strb(w(9), amem(r, 0x80)); // BLOCK
    sud(1, 0, 0, SEL, 0x18);
    a.mov(x(0), 1234).mov(x(8), 173).svc(0); // getppid → SIGSYS
    const afterCall = a.here();
    a.str(x(0), amem(r, 0x20));
    a.mov(w(9), 5).strb(w(9), amem(r, 0x80)).mov(x(8), 173).svc(0); // invalid selector: SIGSYS kills
    a.mov(x(0), 0).mov(x(8), 94).svc(0);
    a.bind(handler); // x1 = siginfo, x2 = ucontext; returns to __kernel_rt_sigreturn with the selector on BLOCK
    a.ldr(w(9), amem(x(1), 8)).str(x(9), amem(r, 0x28));
    a.ldr(x(9), amem(x(1), 16)).str(x(9), amem(r, 0x30));
    a.ldr(w(9), amem(x(1), 24)).str(x(9), amem(r, 0x38));
    a.ldr(w(9), amem(x(1), 28)).str(x(9), amem(r, 0x40));
    a.ldr(x(9), amem(x(2), 184)).str(x(9), amem(r, 0x48)); // uc_mcontext.regs[0]
    a.ldr(x(9), amem(x(2), 184 + 64)).str(x(9), amem(r, 0x50)); // regs[8]
    a.mov(x(9), 777).str(x(9), amem(x(2), 184));
    a.ret();
    const k = new Kernel({ mode: "selective", maxInstructions: 1e6 });
    const p = k.spawn(makeElf({ machine: "arm64", code: a.finish() }), { argv: ["t"] });
    const res = k.run();
    const q = (o: number) => BigInt.asIntN(64, p.mm.mem.read64(DATA_BASE + o));
    expect([q(0), q(8), q(0x10), q(0x18)]).toEqual([-22n, -22n, -22n, 0n]);
    expect(q(0x28) & 0xffffffffn).toBe(2n);
    expect(q(0x30)).toBe(BigInt(CODE_ADDR + afterCall));
    expect(q(0x38) & 0xffffffffn).toBe(173n);
    expect(q(0x40) & 0xffffffffn).toBe(0xc00000b7n); // AUDIT_ARCH_AARCH64
    expect(q(0x48)).toBe(1234n); // syscall_rollback: x0 = orig_x0
    expect(q(0x50)).toBe(173n);
    expect(q(0x20)).toBe(777n);
    expect(res.exitStatus).toBe(128 + 31);
  });

  it("reset on exec: a program's SUD does not follow it into the next image (x86-64)", () => {
    // b: selector at its own DATA_BASE+0x80 = BLOCK, then getppid: a surviving SUD would SIGSYS-kill it.
    const b = new X86Assembler();
    b.mov("r15", DATA_BASE).mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 1).mov("eax", 110).syscall();
    b.mov("edi", 42).mov("eax", 231).syscall();
    const a = new X86Assembler();
    const path = a.newLabel();
    a.mov("r15", DATA_BASE);
    prctl(a, 59, 1, 0, 0, SEL, 0x18);
    a.lea("rdi", xmem({ base: "rip", label: path })).xor("esi", "esi").xor("edx", "edx").mov("eax", 59).syscall();
    a.mov("edi", 1).mov("eax", 231).syscall();
    a.bind(path).bytes(new TextEncoder().encode("/bin/b\0"));
    const k = new Kernel({ mode: "selective", maxInstructions: 1e6 });
    k.vfs.addNode("/bin/b", new FileNode(0o755, makeElf({ machine: "x86_64", code: b.finish() })));
    k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["a"] });
    expect(k.run().exitStatus).toBe(42);
  });

  it("not preserved across fork: the child's getppid runs even with its selector on BLOCK (x86-64)", () => {
    const a = new X86Assembler();
    const child = a.newLabel();
    a.mov("r15", DATA_BASE);
    prctl(a, 59, 1, 0, 0, SEL, 0x18); // selector byte is 0 (ALLOW) for now
    a.mov("eax", 57).syscall().test("eax", "eax").j("e", child);
    a.mov("rdi", -1).lea("rsi", xmem("r15", 0x40)).xor("edx", "edx").xor("r10d", "r10d").mov("eax", 61).syscall();
    a.mov("edi", xmem({ base: "r15", disp: 0x40, size: 32 })).shr("edi", 8).mov("eax", 231).syscall(); // the child's exit code
    a.bind(child).mov(xmem({ base: "r15", disp: 0x80, size: 8 }), 1).mov("eax", 110).syscall();
    a.mov("edi", 42).mov("eax", 231).syscall();
    const k = new Kernel({ mode: "selective", maxInstructions: 1e7 });
    k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    expect(k.run().exitStatus).toBe(42);
  });

  it("the sud mechanism: the kernel's own SUD over the vDSO text, SIGSYS at the vDSO entry", () => {
    const a = new X86Assembler();
    a.mov("eax", 110).syscall().mov("edi", 0).mov("eax", 231).syscall();
    const k = new Kernel({ mode: "sud", maxInstructions: 1e6 });
    const p = k.spawn(makeElf({ machine: "x86_64", code: a.finish() }), { argv: ["t"] });
    const t = p.threads[0]!;
    const sud = k.mechanisms!.sudOf(t)!;
    const vd = k.vdsoFor("x86_64")!;
    expect(sud.offset).toBe(BigInt(p.vdsoBase + vd.textStart));
    expect(sud.len).toBe(BigInt(vd.textEnd - vd.textStart + 2)); // a syscall ending the text is inside (post-instruction PC)
    expect(p.sigactions[31]!.handler).toBe(p.vdsoBase + vd.entries.sigsys);
    const marks: string[] = [];
    k.syscallObservers.push((e) => marks.push(`${e.name}:${e.mark}`));
    expect(k.run().exitStatus).toBe(0);
    expect(marks.slice(0, 3)).toEqual(["getppid:sigsys", "getppid:reissue", "rt_sigreturn:reissue"]);
  });
});
