/** Threads (clone + futex + clear-tid wake), fork + pipe + wait4, execve, and exit vs exit_group. */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, w, mem as amem } from "@uabi/isa-arm64";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { Kernel, FileNode } from "../src/index.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

const THREAD_FLAGS = 0x3d0f00; // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

describe("threads", () => {
  it("clone a thread, futex-wait on its clear_child_tid, see its store (arm64)", () => {
    const a = new A64Assembler();
    const child = a.newLabel(), wait = a.newLabel(), done = a.newLabel();
    a.mov(x(9), DATA_BASE);
    // glibc's pattern: parent_tid and child_tid are the same word (the thread's tid field).
    a.mov(x(0), THREAD_FLAGS).mov(x(1), DATA_BASE + 0x1000).add(x(2), x(9), 0x108).mov(x(3), 0x7777).add(x(4), x(9), 0x108);
    a.mov(x(8), 220).svc(0); // clone (arm64 order: flags, stack, ptid, tls, ctid)
    a.cbz(x(0), child);
    a.bind(wait).ldr(w(10), amem(x(9), 0x108)).cbz(w(10), done);
    a.add(x(0), x(9), 0x108).mov(x(1), 0).mov(w(2), w(10)).mov(x(3), 0).mov(x(8), 98).svc(0); // futex wait
    a.b(wait);
    a.bind(done).ldr(x(0), amem(x(9), 0x110)).mov(x(8), 94).svc(0);
    a.bind(child).mrs(x(11), "tpidr_el0").str(x(11), amem(x(9), 0x118));
    a.mov(x(10), 42).str(x(10), amem(x(9), 0x110)).mov(x(0), 0).mov(x(8), 93).svc(0); // exit (this thread only)
    const lines: string[] = [];
    const k = new Kernel({ trace: (l) => lines.push(l), quantum: 5 });
    const p = k.spawn(makeElf({ machine: "arm64", code: a.finish(), dataSize: 0x2000 }));
    const r = k.run();
    expect(r.exitStatus).toBe(42);
    const cl = lines.map((l) => /clone\(.*\) = (\d+)$/.exec(l)).find((m) => m)!;
    const tid = Number(cl[1]);
    expect(tid).toBeGreaterThan(p.pid);
    expect(p.mm.mem.read32(DATA_BASE + 0x108)).toBe(0); // cleared at thread exit
    expect(p.mm.mem.read64(DATA_BASE + 0x118)).toBe(0x7777n); // CLONE_SETTLS
    expect(lines.some((l) => l.startsWith(`[pid ${tid}] exit(0) = ?`))).toBe(true);
  });
});

describe("processes", () => {
  it("fork, pipe, a blocking read, wait4 status, exit_group (x86-64)", () => {
    const b = new X86Assembler();
    const ch = b.newLabel(), sp2 = b.newLabel();
    b.mov("r12", DATA_BASE);
    b.mov("rdi", "r12").xor("esi", "esi").mov("eax", 293).syscall();
    b.mov("eax", 57).syscall();
    b.test("eax", "eax").j("e", ch);
    b.mov("edi", xmem({ base: "r12", disp: 0, size: 32 })).lea("rsi", xmem("r12", 0x10)).mov("edx", 1).xor("eax", "eax").syscall();
    b.mov("rdi", -1).lea("rsi", xmem("r12", 0x20)).xor("edx", "edx").xor("r10d", "r10d").mov("eax", 61).syscall();
    b.mov("edi", xmem({ base: "r12", disp: 0x20, size: 32 })).shr("edi", 8);
    b.movzx("eax", xmem({ base: "r12", disp: 0x10, size: 8 })).add("edi", "eax").mov("eax", 231).syscall();
    b.bind(ch);
    b.mov("ecx", 100000).bind(sp2).dec("ecx").j("ne", sp2);
    b.mov(xmem({ base: "r12", disp: 0x30, size: 8 }), 0x78);
    b.mov("edi", xmem({ base: "r12", disp: 4, size: 32 })).lea("rsi", xmem("r12", 0x30)).mov("edx", 1).mov("eax", 1).syscall();
    b.mov("edi", 7).mov("eax", 231).syscall();
    const k = new Kernel({ quantum: 1000 });
    k.spawn(makeElf({ machine: "x86_64", code: b.finish() }));
    const events: string[] = [];
    k.syscallObservers.push((e) => events.push(`${e.pid}:${e.name}=${e.result}`));
    const r = k.run();
    expect(r.exitStatus).toBe(7 + 0x78);
    // The first process is pid 2 (pid 1 is its modelled parent, the shell), the child 3.
    expect(events).toContain("2:read=1");
    expect(events.filter((e) => e.startsWith("2:wait4="))).toEqual(["2:wait4=3"]);
  });

  it("vfork: the parent sleeps until the child exits, and sees its stores (shared memory)", () => {
    const b = new X86Assembler();
    const child = b.newLabel();
    b.mov("r12", DATA_BASE);
    b.mov("eax", 58).syscall(); // vfork
    b.test("eax", "eax").j("e", child);
    b.mov("edi", xmem({ base: "r12", disp: 0, size: 32 })).mov("eax", 231).syscall(); // exit_group(*DATA)
    b.bind(child);
    const spin = b.newLabel();
    b.mov("ecx", 50000).bind(spin).dec("ecx").j("ne", spin); // the parent must not run meanwhile
    b.mov(xmem({ base: "r12", disp: 0, size: 32 }), 33);
    b.mov("edi", 0).mov("eax", 60).syscall(); // _exit(0)
    const k = new Kernel({ quantum: 500 });
    k.spawn(makeElf({ machine: "x86_64", code: b.finish() }));
    expect(k.run().exitStatus).toBe(33);
  });

  it("execve replaces the image and keeps the pid; a missing file is ENOENT", () => {
    const target = new A64Assembler().mov(x(0), 9).mov(x(8), 94).svc(0).finish();
    const a = new A64Assembler();
    const path = a.newLabel(), bad = a.newLabel(), skip = a.newLabel();
    a.adr(x(0), bad).mov(x(1), 0).mov(x(2), 0).mov(x(8), 221).svc(0); // execve("/nope") → ENOENT
    a.mov(x(20), x(0));
    a.adr(x(0), path).mov(x(1), 0).mov(x(2), 0).mov(x(8), 221).svc(0);
    a.mov(x(0), 1).mov(x(8), 94).svc(0); // not reached
    a.b(skip);
    a.bind(path).bytes(new TextEncoder().encode("/bin/t\0\0"));
    a.bind(bad).bytes(new TextEncoder().encode("/nope\0\0\0"));
    a.bind(skip);
    const k = new Kernel();
    k.vfs.addNode("/bin/t", new FileNode(0o755, makeElf({ machine: "arm64", code: target })));
    const ev: string[] = [];
    k.syscallObservers.push((e) => ev.push(`${e.name}=${e.result}`));
    const p = k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
    const r = k.run();
    expect(r.exitStatus).toBe(9);
    expect(ev).toEqual(["execve=-2", "execve=0", "exit_group=undefined"]);
    expect(p.exePath).toBe("/bin/t");
  });
});
