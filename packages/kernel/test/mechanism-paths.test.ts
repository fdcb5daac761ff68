/**
 * The paths through each mechanism on both ISAs, with tiny guest programs: what the caller sees
 * (registers exactly as after a raw syscall), what each path costs (kernel entries per syscall,
 * pinned), and the talk's "what breaks" scenarios.
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, mem as amem, sp as asp } from "@uabi/isa-arm64";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { BOUNCE, TASK_PAGE } from "@uabi/libkernel";
import { Kernel, type KernelOptions, type SyscallEvent } from "../src/index.js";
import { makeElf, DATA_BASE, TEXT_BASE } from "./elf-helper.js";

type Isa = "arm64" | "x86_64";
const ISAS: readonly Isa[] = ["arm64", "x86_64"];
const NR = {
  arm64: { getpid: 172, getppid: 173, exit_group: 94, prctl: 167, seccomp: 277 },
  x86_64: { getpid: 39, getppid: 110, exit_group: 231, prctl: 157, seccomp: 317 },
} as const;
const X86_REGS = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"] as const;

interface Snapshot {
  regs: bigint[];
  sp: bigint;
  flags: bigint;
  pc: number;
  /** x8 / rax right after the tested syscall (saved to DATA_BASE before the exit call changes it). */
  nrReg: bigint;
}

/**
 * Every general register set to a distinct value, flags set by a compare, then syscall `nr`; the
 * number register is saved, and exit_group (whose entry the test snapshots) ends the program.
 */
function regsProgram(isa: Isa, nr: number): Uint8Array {
  if (isa === "arm64") {
    const a = new A64Assembler();
    for (let i = 0; i <= 30; i++) if (i !== 8) a.mov(x(i), 0x1111_0000 + i * 0x101);
    a.mov(x(28), DATA_BASE);
    a.cmp(x(0), x(1)); // N set, C clear
    a.mov(x(8), nr).svc(0);
    a.str(x(8), amem(x(28), 0));
    a.mov(x(8), NR.arm64.exit_group).svc(0);
    return makeElf({ machine: "arm64", code: a.finish() });
  }
  const a = new X86Assembler();
  X86_REGS.forEach((r, i) => {
    if (r !== "rsp") a.movabs(r, 0x1111_0000_0000n + BigInt(i) * 0x1_0101n);
  });
  a.mov("r15", DATA_BASE);
  a.cmp("rbx", "rdx"); // CF/SF set
  a.mov("eax", nr).syscall();
  a.mov(xmem("r15", 0), "rax");
  a.mov("eax", NR.x86_64.exit_group).syscall();
  return makeElf({ machine: "x86_64", code: a.finish() });
}

/** The event of the bounce itself: the thread now stands at the vDSO bounce entry with SP at the frame. */
function atBounceEntry(ev: SyscallEvent, k: Kernel): boolean {
  const t = k.findThread(ev.tid);
  return !!t && t.cpu.pc === t.proc.vdsoBase + k.vdsoFor(t.proc.arch.arch)!.entries.bounce;
}

function run(elf: Uint8Array, opts: KernelOptions, onEvent?: (ev: SyscallEvent, k: Kernel) => void) {
  const events: SyscallEvent[] = [];
  const k = new Kernel({ maxInstructions: 1e6, ...opts });
  k.syscallObservers.push((ev) => {
    events.push({ ...ev, args: [...ev.args], path: [...ev.path] });
    onEvent?.(ev, k);
  });
  const p = k.spawn(elf, { argv: ["t"] });
  const r = k.run();
  return { k, p, r, events };
}

function snapshotAtExit(isa: Isa, opts: KernelOptions, nr: number) {
  let snap: Snapshot | undefined;
  let thread: ReturnType<Kernel["findThread"]>;
  const res = run(regsProgram(isa, nr), opts, (ev, k) => {
    thread ??= k.findThread(ev.tid); // exit_group's event comes after the thread is gone: keep the object
    if (ev.nr !== NR[isa].exit_group || snap) return;
    const t = thread!;
    const cpu = t.cpu as typeof t.cpu & { nzcv?: number; rflags?: bigint | number };
    // A bounced exit_group is reported with SP at its bounce frame: the caller's SP is in the frame.
    const sp = ev.mark?.startsWith("bounce") ? t.proc.mm.mem.read64(Number(cpu.sp) + BOUNCE.frame.sp) : cpu.sp;
    const regs = Array.from({ length: isa === "arm64" ? 31 : 16 }, (_, i) => cpu.getReg(i));
    if (isa === "x86_64") regs[4] = sp;
    snap = {
      regs,
      sp,
      flags: isa === "arm64" ? BigInt(cpu.nzcv!) : BigInt(cpu.rflags!),
      pc: ev.pc,
      nrReg: t.proc.mm.mem.read64(DATA_BASE),
    };
  });
  return { ...res, snap: snap! };
}

describe.each(ISAS)("the caller sees a raw syscall (%s)", (isa) => {
  for (const call of ["getppid", "getpid"] as const) {
    it(`${call}: every register, SP, flags and the number register as in direct mode`, () => {
      const direct = snapshotAtExit(isa, {}, NR[isa][call]).snap;
      for (const opts of [{ mode: "bounce" }, { mode: "bounce", frame: "task-page" }, { mode: "selective" }, { mode: "seccomp" }, { mode: "sud" }, { mode: "ptrace" }] as const) {
        const got = snapshotAtExit(isa, opts, NR[isa][call]).snap;
        expect(got, `${call} under ${JSON.stringify(opts)}`).toEqual(direct);
      }
    });
  }
});

/** Kernel entries, signal deliveries and frames charged to one syscall. */
function costOf(isa: Isa, opts: KernelOptions, call: "getpid" | "getppid") {
  const { p, events } = run(regsProgram(isa, NR[isa][call]), opts);
  const c = p.ledger.bySyscall.get(NR[isa][call])!;
  return { c, events };
}

describe.each(ISAS)("kernel entries per path (%s)", (isa) => {
  it("direct: 1", () => {
    expect(costOf(isa, {}, "getppid").c.kernelEntries).toBe(1);
  });
  it("raw syscall bounced and passed through: 2 (the bounce, the re-issue from the vDSO)", () => {
    const { c, events } = costOf(isa, { mode: "bounce" }, "getppid");
    expect(c.kernelEntries).toBe(2);
    expect(c.bounceFrames).toBe(1);
    expect(c.stackBytes).toBeGreaterThanOrEqual(BOUNCE.frameSize);
    expect(c.handlerInsns).toBeGreaterThan(0);
    expect(events.find((e) => e.nr === NR[isa].getppid)?.mark).toBe("bounce→kernel");
  });
  it(`user-implemented: ${isa === "arm64" ? "2 — the bounce plus 1 to return (EL0 cannot restore PC, SP and NZCV at once)" : "1 — the handler returns without a kernel entry"}`, () => {
    const { c, events } = costOf(isa, { mode: "bounce" }, "getpid");
    expect(c.kernelEntries).toBe(isa === "arm64" ? 2 : 1);
    expect(events.find((e) => e.nr === NR[isa].getpid)?.mark).toBe("bounce→user");
  });
  it("task-page frame: zero stack bytes, the frame in the per-task page", () => {
    let frame = 0, taskPage = 0;
    const { p } = run(regsProgram(isa, NR[isa].getppid), { mode: "bounce", frame: "task-page" }, (ev, k) => {
      if (atBounceEntry(ev, k)) {
        const t = k.findThread(ev.tid)!;
        frame = Number(t.cpu.sp);
        taskPage = t.taskPage;
      }
    });
    const c = p.ledger.bySyscall.get(NR[isa].getppid)!;
    expect(c.kernelEntries).toBe(2);
    expect(c.bounceFrames).toBe(1);
    expect(c.stackBytes).toBe(0);
    expect(frame).toBe(taskPage + TASK_PAGE.bounceFrame);
  });
  it("selective: a call the lean table keeps runs directly (1), a moved one is bounced", () => {
    expect(costOf(isa, { mode: "selective" }, "getppid").c.kernelEntries).toBe(1);
    expect(costOf(isa, { mode: "selective" }, "getppid").c.bounceFrames).toBe(0);
    expect(costOf(isa, { mode: "selective" }, "getpid").c.kernelEntries).toBe(isa === "arm64" ? 2 : 1);
  });
  it("seccomp: trap + re-issue + rt_sigreturn = 3 entries, one SIGSYS, the filter on each entry", () => {
    const { c } = costOf(isa, { mode: "seccomp" }, "getppid");
    expect(c.kernelEntries).toBe(3);
    expect(c.signalDeliveries).toBe(1);
    expect(c.sigreturns).toBe(1);
    expect(c.filterRuns).toBe(3);
    expect(c.cbpfInsns).toBeGreaterThan(10);
  });
  it("sud: 3 entries, one SIGSYS, no cBPF", () => {
    const { c } = costOf(isa, { mode: "sud" }, "getppid");
    expect(c.kernelEntries).toBe(3);
    expect(c.signalDeliveries).toBe(1);
    expect(c.cbpfInsns).toBe(0);
  });
  it("ptrace: 1 entry; 2 stops for a call the kernel runs (PTRACE_SYSCALL entry + exit), 1 for one the supervisor emulates (PTRACE_SYSEMU)", () => {
    const { p } = run(regsProgram(isa, NR[isa].getppid), { mode: "ptrace" });
    const c = p.ledger.bySyscall.get(NR[isa].getppid)!;
    expect(c.kernelEntries).toBe(1);
    expect(c.ptraceStops).toBe(2);
    expect(p.ledger.bySyscall.get(NR[isa].exit_group)!.ptraceStops).toBe(1); // never returns: no exit stop
    const emuOpts = { mode: "ptrace", supervisor: (s: { nr: number }) => (s.nr === NR[isa].getppid ? 4242 : undefined) } as const;
    const emu = snapshotAtExit(isa, emuOpts, NR[isa].getppid);
    expect(isa === "arm64" ? emu.snap.regs[0] : emu.snap.nrReg).toBe(4242n);
    expect(emu.p.ledger.bySyscall.get(NR[isa].getppid)!.ptraceStops).toBe(1);
  });
});

describe("selective on x86-64: the lean table", () => {
  it("a superseded call (open) is bounced and rewritten onto its successor; the kernel runs openat only", () => {
    const a = new X86Assembler();
    const path = a.newLabel(), over = a.newLabel();
    a.jmp(over, { near: true }).bind(path).bytes(new TextEncoder().encode("/tmp/x\0")).bind(over);
    a.lea("rdi", xmem({ base: "rip", label: path })).mov("esi", 0o101).mov("edx", 0o644).mov("eax", 2).syscall(); // open(O_WRONLY|O_CREAT)
    a.mov("edi", "eax").mov("eax", 231).syscall();
    const { p, r, events } = run(makeElf({ machine: "x86_64", code: a.finish() }), { mode: "selective" });
    expect(r.exitStatus).toBe(3); // the first free descriptor
    expect(events.slice(0, 2).map((e) => `${e.name}:${e.mark}`)).toEqual(["open:bounce→user", "openat:reissue"]);
    expect(p.ledger.bySyscall.get(2)!.kernelEntries).toBe(2); // the bounce, and openat from the handler
    expect(p.ledger.bySyscall.has(257)).toBe(false); // charged to open, the call the program made
  });
});

describe("ported programs: zero kernel entries for userspace-implemented calls", () => {
  it.each(["aarch64-glibc", "x86_64-glibc", "x86_64-musl"])("%s ported-O2", async (target) => {
    const { corpusFixture, readFixtureBinary } = await import("@uabi/test-support");
    const f = corpusFixture(target as never, "ported-O2");
    let out = "";
    const k = new Kernel({ stdout: (d) => { out += new TextDecoder().decode(d); }, maxInstructions: 1e8 });
    const p = k.spawn(readFixtureBinary(f), { argv: f.expected.argv, env: [] });
    expect(k.run().exitStatus).toBe(0);
    expect(out).toContain("__kernel_getpid@LIBKERNEL_1: found");
    const isa = target.startsWith("aarch64") ? "arm64" : "x86_64";
    const nrs = isa === "arm64" ? [166, 92, 160] : [95, 135, 63]; // umask, personality, uname
    for (const n of nrs) expect(p.ledger.bySyscall.get(n)?.kernelEntries ?? 0, `syscall ${n}`).toBe(0);
    // getpid: __kernel_getpid enters nothing; the one entry is the raw syscall ported.c compares it with.
    expect(p.ledger.bySyscall.get(isa === "arm64" ? 172 : 39)?.kernelEntries).toBe(1);
  });
});

describe("what breaks", () => {
  it("x86-64 red zone: the bounce frame goes below the 128 bytes a leaf function may use", () => {
    const a = new X86Assembler();
    const bad = a.newLabel();
    for (let i = 1; i <= 16; i++) a.movabs("rax", 0xabcd_0000n + BigInt(i)).mov(xmem("rsp", -8 * i), "rax");
    a.mov("eax", NR.x86_64.getppid).syscall();
    for (let i = 1; i <= 16; i++) a.movabs("rax", 0xabcd_0000n + BigInt(i)).cmp(xmem("rsp", -8 * i), "rax").j("ne", bad);
    a.mov("edi", 0).mov("eax", 231).syscall();
    a.bind(bad).mov("edi", 1).mov("eax", 231).syscall();
    let userSp = 0n, frame = 0n;
    const { r } = run(makeElf({ machine: "x86_64", code: a.finish() }), { mode: "bounce" }, (ev, k) => {
      if (!atBounceEntry(ev, k)) return;
      const t = k.findThread(ev.tid)!;
      frame = t.cpu.sp;
      userSp = t.proc.mm.mem.read64(Number(frame) + BOUNCE.frame.sp);
    });
    expect(r.exitStatus).toBe(0);
    expect(frame + BigInt(BOUNCE.frameSize)).toBeLessThanOrEqual(userSp - 128n);
  });

  it.each(ISAS)("stack exhaustion when the frame is pushed kills the task like a failed signal delivery (%s)", (isa) => {
    // SP points into the read-only text: the syscall itself needs no stack (direct mode runs it), the frame does not fit.
    let elf: Uint8Array;
    if (isa === "arm64") {
      const a = new A64Assembler();
      a.mov(x(9), TEXT_BASE + 0x200).mov(asp, x(9)).mov(x(8), NR.arm64.getppid).svc(0).mov(x(0), 7).mov(x(8), 94).svc(0);
      elf = makeElf({ machine: "arm64", code: a.finish() });
    } else {
      const a = new X86Assembler();
      a.mov("rsp", TEXT_BASE + 0x200).mov("eax", NR.x86_64.getppid).syscall().mov("edi", 7).mov("eax", 231).syscall();
      elf = makeElf({ machine: "x86_64", code: a.finish() });
    }
    expect(run(elf, {}).r.exitStatus).toBe(7);
    const b = run(elf, { mode: "bounce" });
    expect(b.r.exitStatus).toBe(128 + 11);
    expect(b.events.at(-1)?.mark).toBe("bounce-failed");
  });

  it.each(ISAS)("ptrace visibility: tracing precedes the bounce, so a pass-through call stops twice (program site, vDSO re-issue) (%s)", (isa) => {
    const seen: { nr: number; pc: number }[] = [];
    const elf = twoCalls(isa);
    const { p } = run(elf, { mode: "bounce", ptraceTracer: (s) => void seen.push({ nr: s.nr, pc: s.pc }) });
    const site = (s: { nr: number; pc: number }) => `${s.nr}@${s.pc >= p.vdsoBase && s.pc < p.vdsoBase + 0x10000 ? "vdso" : "user"}`;
    // getppid and exit_group are passed through (re-issued from the vDSO, arm64 with the return flag, which the
    // kernel decodes before the tracer looks); getpid is answered in userspace and stops only at the program's site.
    const n = NR[isa];
    expect(seen.map(site)).toEqual([`${n.getppid}@user`, `${n.getppid}@vdso`, `${n.getpid}@user`, `${n.exit_group}@user`, `${n.exit_group}@vdso`]);
    // Under the ptrace mechanism itself the supervisor sees every call at the program's own site.
    const all: { nr: number; pc: number }[] = [];
    run(elf, { mode: "ptrace", supervisor: (s) => void all.push({ nr: s.nr, pc: s.pc }) });
    expect(all.map((s) => s.nr)).toEqual([NR[isa].getppid, NR[isa].getpid, NR[isa].exit_group]);
    expect(all.every((s) => s.pc < TEXT_BASE + 0x1000)).toBe(true);
  });

  it.each(ISAS)("a forged bounce frame cannot raise privileged PSTATE / RFLAGS bits (%s)", (isa) => {
    // The handler side (here: the observer, as a malicious handler would) rewrites the frame's flags.
    const forged = isa === "arm64" ? 0xf000_03c5n | (1n << 21n) : 0x0000_0000_0003_7ed7n; // DAIF+EL1h+SS / IOPL3+VM+RF+NT+TF-free user bits
    const res = snapshotAtExitWith(isa, (ev, k) => {
      if (!atBounceEntry(ev, k)) return;
      const t = k.findThread(ev.tid)!;
      t.proc.mm.mem.write64(Number(t.cpu.sp) + BOUNCE.frame.flags, forged);
    });
    if (isa === "arm64") expect(res.flags).toBe(0xfn); // only NZCV came back
    else {
      expect(res.flags & 0x3000n).toBe(0n); // IOPL
      expect(res.flags & 0x20000n).toBe(0n); // VM
      expect(res.flags & 0x10000n).toBe(0n); // RF
    }
  });

  it.each(ISAS)("a program installing its own seccomp filter is intercepted; its filter still applies (%s)", (isa) => {
    const { p, r, events } = ownFilter(isa, { mode: "seccomp" });
    expect(r.exitStatus).toBe(1); // getppid returned -EPERM from the program's filter (exit code = -result)
    const inst = events.find((e) => e.nr === NR[isa].seccomp && e.mark === "intercepted");
    expect(inst?.mark).toBe("intercepted");
    expect(inst?.result).toBe(0);
    // What it cost: the install went through a SIGSYS reflection (3 entries); later calls run both chains.
    const c = p.ledger.bySyscall.get(NR[isa].seccomp)!;
    expect(c.kernelEntries).toBe(3);
    expect(c.signalDeliveries).toBe(1);
    const g = p.ledger.bySyscall.get(NR[isa].getppid)!;
    // The window filter on the trap, the re-issue and the sigreturn; the program's on the two that execute.
    expect(g.filterRuns).toBe(5);
    // The same program in direct-like Linux terms (bounce mode: the filter is installed for real).
    const b = ownFilter(isa, { mode: "bounce" });
    expect(b.r.exitStatus).toBe(1);
    // The program's own RET_TRAP with no handler of its own: the reflection must not loop; SIGSYS kills, as on Linux.
    expect(ownFilter(isa, { mode: "seccomp" }, 0x0003_0000).r.exitStatus).toBe(128 + 31);
    expect(ownFilter(isa, { mode: "bounce" }, 0x0003_0000).r.exitStatus).toBe(128 + 31);
  });
});

describe("unmapping the vDSO", () => {
  it("breaks every bounced syscall (the task dies with SIGSEGV), where direct mode does not care (x86-64)", () => {
    const probe = new Kernel({});
    const p0 = probe.spawn(makeElf({ machine: "x86_64", code: new Uint8Array([0x0f, 0x05]) }));
    const size = probe.vdsoFor("x86_64")!.mapSize;
    const a = new X86Assembler();
    a.movabs("rdi", BigInt(p0.vdsoBase)).mov("esi", size).mov("eax", 11).syscall(); // munmap the vDSO
    a.mov("eax", 110).syscall().mov("edi", 5).mov("eax", 231).syscall();
    const elf = makeElf({ machine: "x86_64", code: a.finish() });
    expect(run(elf, {}).r.exitStatus).toBe(5);
    // Bounced, munmap is re-issued from the vDSO text it removes: the glue's next fetch faults.
    const b = run(elf, { mode: "bounce" });
    expect(b.r.exitStatus).toBe(128 + 11);
    expect(b.events.map((e) => e.name)).toEqual(["munmap", "munmap"]);
  });
});

describe("task-page frame and signals", () => {
  it("a signal delivered on return from a bounced call gets the caller's stack; its handler's own bounce uses a stack frame (x86-64)", () => {
    // main: rt_sigaction(SIGUSR1, handler); kill(getpid(), SIGUSR1) — bounced, the signal arrives while the
    // thread is in the glue on the task page's bounce stack; the handler calls getppid (bounced again).
    const a = new X86Assembler();
    const handler = a.newLabel(), restorer = a.newLabel();
    a.mov("r15", DATA_BASE);
    a.lea("rax", xmem({ base: "rip", label: handler })).mov(xmem("r15", 0x100), "rax");
    a.mov("rax", 0x04000000).mov(xmem("r15", 0x108), "rax");
    a.lea("rax", xmem({ base: "rip", label: restorer })).mov(xmem("r15", 0x110), "rax");
    a.mov("edi", 10).lea("rsi", xmem("r15", 0x100)).xor("edx", "edx").mov("r10d", 8).mov("eax", 13).syscall();
    a.mov("eax", 39).syscall().mov("edi", "eax").mov("esi", 10).mov("eax", 62).syscall();
    a.mov(xmem("r15", 0), "rsp"); // where main resumed: its own stack
    a.mov("rdi", xmem("r15", 8)).mov("eax", 231).syscall(); // exit with the handler's getppid result + 1
    a.bind(handler).mov("eax", 110).syscall().add("rax", 1).mov(xmem("r15", 8), "rax").ret();
    a.bind(restorer).mov("eax", 15).syscall();
    let mainSp = 0n;
    const { p, r } = run(makeElf({ machine: "x86_64", code: a.finish() }), { mode: "bounce", frame: "task-page" }, (ev, k) => {
      if (ev.nr === 39) mainSp ||= k.findThread(ev.tid)!.proc.mm.mem.read64(Number(k.findThread(ev.tid)!.cpu.sp) + BOUNCE.frame.sp);
    });
    expect(r.exitStatus).toBe(2); // getppid() = 1 (the modelled shell) for the first process, + 1
    expect(p.mm.mem.read64(DATA_BASE)).toBe(mainSp);
    const g = p.ledger.bySyscall.get(110)!;
    expect(g.bounceFrames).toBe(1);
    expect(g.stackBytes).toBeGreaterThan(0); // the nested bounce took a stack frame
  });
});

describe("a jump into the vDSO's syscall instruction, and pinned syscall sites", () => {
  /** Calls the `syscall` instruction inside __kernel_getppid with rax = getpid, from the program's own text. */
  function jumpIn(opts: KernelOptions) {
    const probe = new Kernel({});
    const base = probe.spawn(makeElf({ machine: "x86_64", code: new Uint8Array([0x0f, 0x05]) })).vdsoBase;
    const vd = probe.vdsoFor("x86_64") as ReturnType<Kernel["vdsoFor"]> & {
      symbols: readonly { name: string; address: number; size: number }[]; syscallSites: readonly { pc: number; nr: number | "any" }[];
    };
    const sym = vd.symbols.find((x) => x.name === "__kernel_getppid")!;
    const site = vd.syscallSites.find((x) => x.nr === NR.x86_64.getppid && x.pc > sym.address && x.pc <= sym.address + sym.size)!;
    const a = new X86Assembler();
    a.mov("eax", NR.x86_64.getpid).movabs("r11", BigInt(base + site.pc - 2)).call("r11");
    a.mov("edi", "eax").mov("eax", 231).syscall();
    return run(makeElf({ machine: "x86_64", code: a.finish() }), opts);
  }
  it("without pinning the call bypasses the bounce: it runs directly from the vDSO text", () => {
    const { p, r, events } = jumpIn({ mode: "bounce" });
    expect(r.exitStatus).toBe(p.pid);
    const ev = events.find((e) => e.nr === NR.x86_64.getpid)!;
    expect(ev.mark).toBe("direct");
    expect(p.ledger.bySyscall.get(NR.x86_64.getpid)!.bounceFrames).toBe(0);
  });
  it.each(["bounce", "seccomp", "sud"] as const)("with pinning (%s) the foreign number at that site is killed with SIGSYS", (mode) => {
    const { r, events } = jumpIn({ mode, pinSyscalls: true });
    expect(r.exitStatus).toBe(128 + 31);
    expect(events.find((e) => e.nr === NR.x86_64.getpid)?.mark).toBe("unpinned");
  });
});

describe("the talk's extended seccomp_data", () => {
  it.each(ISAS)("the window filter reads the vDSO bounds from offsets 64..79 (%s)", (isa) => {
    let loads: number[] = [];
    const { p, r } = run(regsProgram(isa, NR[isa].getppid), { mode: "seccomp", extendedSeccompData: true }, (ev, k) => {
      if (loads.length) return;
      const f = k.mechanisms!.seccompOf(k.findThread(ev.tid)!).mechanism.list()[0]!.program;
      loads = [...f.code].flatMap((code, i) => (code === 0x20 ? [f.k[i]!] : []));
    });
    expect(r.reason).toBe("exit");
    expect(loads).toEqual(expect.arrayContaining([64, 68, 72, 76])); // vdso_start / vdso_end halves
    const c = p.ledger.bySyscall.get(NR[isa].getppid)!;
    expect(c.kernelEntries).toBe(3);
    expect(c.signalDeliveries).toBe(1);
  });
});

function snapshotAtExitWith(isa: Isa, hook: (ev: SyscallEvent, k: Kernel) => void): Snapshot {
  let snap: Snapshot | undefined;
  let thread: ReturnType<Kernel["findThread"]>;
  run(regsProgram(isa, NR[isa].getppid), { mode: "bounce" }, (ev, k) => {
    thread ??= k.findThread(ev.tid);
    hook(ev, k);
    if (ev.nr !== NR[isa].exit_group || snap) return;
    const t = thread!;
    const cpu = t.cpu as typeof t.cpu & { nzcv?: number; rflags?: bigint | number };
    snap = { regs: [], sp: cpu.sp, flags: isa === "arm64" ? BigInt(cpu.nzcv!) : BigInt(cpu.rflags!), pc: ev.pc, nrReg: 0n };
  });
  return snap!;
}

/** getppid, getpid, exit_group(0). */
function twoCalls(isa: Isa): Uint8Array {
  if (isa === "arm64") {
    const a = new A64Assembler();
    a.mov(x(8), NR.arm64.getppid).svc(0).mov(x(8), NR.arm64.getpid).svc(0).mov(x(0), 0).mov(x(8), 94).svc(0);
    return makeElf({ machine: "arm64", code: a.finish() });
  }
  const a = new X86Assembler();
  a.mov("eax", NR.x86_64.getppid).syscall().mov("eax", NR.x86_64.getpid).syscall().mov("edi", 0).mov("eax", 231).syscall();
  return makeElf({ machine: "x86_64", code: a.finish() });
}

/**
 * prctl(PR_SET_NO_NEW_PRIVS, 1); seccomp(SET_MODE_FILTER, 0, &prog) with
 * `ld [0]; jeq #getppid, 0, 1; ret ERRNO(EPERM); ret ALLOW`; then exit_group(-getppid()).
 */
function ownFilter(isa: Isa, opts: KernelOptions, action = 0x0005_0000 | 1) {
  const prog = DATA_BASE + 0x100, insns = DATA_BASE + 0x200;
  const filter = new Uint8Array(32);
  const v = new DataView(filter.buffer);
  const put = (i: number, code: number, jt: number, jf: number, k: number) => {
    v.setUint16(i * 8, code, true); v.setUint8(i * 8 + 2, jt); v.setUint8(i * 8 + 3, jf); v.setUint32(i * 8 + 4, k >>> 0, true);
  };
  put(0, 0x20, 0, 0, 0);
  put(1, 0x15, 0, 1, NR[isa].getppid);
  put(2, 0x06, 0, 0, action);
  put(3, 0x06, 0, 0, 0x7fff_0000);
  let elf: Uint8Array;
  if (isa === "arm64") {
    const a = new A64Assembler();
    a.mov(x(0), 38).mov(x(1), 1).mov(x(2), 0).mov(x(3), 0).mov(x(4), 0).mov(x(8), NR.arm64.prctl).svc(0);
    a.mov(x(0), 1).mov(x(1), 0).mov(x(2), prog).mov(x(8), NR.arm64.seccomp).svc(0);
    a.mov(x(8), NR.arm64.getppid).svc(0).neg(x(0), x(0)).mov(x(8), 94).svc(0);
    elf = makeElf({ machine: "arm64", code: a.finish() });
  } else {
    const a = new X86Assembler();
    a.mov("edi", 38).mov("esi", 1).xor("edx", "edx").xor("r10d", "r10d").xor("r8d", "r8d").mov("eax", NR.x86_64.prctl).syscall();
    a.mov("edi", 1).xor("esi", "esi").mov("rdx", prog).mov("eax", NR.x86_64.seccomp).syscall();
    a.mov("eax", NR.x86_64.getppid).syscall().neg("eax").mov("edi", "eax").mov("eax", 231).syscall();
    elf = makeElf({ machine: "x86_64", code: a.finish() });
  }
  const events: SyscallEvent[] = [];
  const k = new Kernel({ maxInstructions: 1e6, ...opts });
  k.syscallObservers.push((ev) => events.push({ ...ev }));
  const p = k.spawn(elf, { argv: ["t"] });
  // struct sock_fprog { u16 len; pad; u64 filter } and the filter, in the data segment.
  const fp = new Uint8Array(16);
  new DataView(fp.buffer).setUint16(0, 4, true);
  new DataView(fp.buffer).setBigUint64(8, BigInt(insns), true);
  p.mm.mem.poke(prog, fp);
  p.mm.mem.poke(insns, filter);
  const r = k.run();
  return { k, p, r, events };
}
