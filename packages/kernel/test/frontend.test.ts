/** The entry front end as stages, static-PIE, deadlock detection and the real clock. */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, w, xzr, mem as amem } from "@uabi/isa-arm64";
import { Kernel, ENTRY_ORDER, type EntryStage } from "../src/index.js";

const stats = (k: Kernel) => ({ syscalls: k.stats.syscalls, ...k.stats.syscallsByName });
import { makeElf, DATA_BASE } from "./elf-helper.js";

/** getpid, then exit_group(getpid's result & 0xff). */
function getpidExit(): Uint8Array {
  const a = new A64Assembler();
  a.mov(x(8), 172).svc(0).mov(x(8), 94).svc(0);
  return makeElf({ machine: "arm64", code: a.finish() });
}

describe("entry front end", () => {
  it("stages added after the built-in ones run in order before table dispatch, and can answer or kill", () => {
    const k = new Kernel();
    const seen: string[] = [];
    const answer: EntryStage = {
      name: "fake-bounce",
      run: ({ ev }) => (ev.name === "getpid" ? { kind: "handled", result: 77 } : { kind: "continue" }),
    };
    const observe: EntryStage = { name: "observe", run: ({ ev }) => (seen.push(ev.name), { kind: "continue" }) };
    k.entry.addStage(observe);
    k.entry.addStage(answer);
    const paths: string[] = [];
    k.syscallObservers.push((e) => paths.push(`${e.name}:${e.path.join(">")}:${e.result}:${e.mark}`));
    k.spawn(getpidExit());
    expect(k.run().exitStatus).toBe(77);
    expect(seen).toEqual(["getpid", "exit_group"]);
    // The path names the stages that decided something; the mark names the mechanism path (direct here).
    expect(paths).toEqual(["getpid:fake-bounce:77:direct", "exit_group:dispatch:undefined:direct"]);
    expect(stats(k)).toEqual({ syscalls: 2, getpid: 1, exit_group: 1 });

    const k2 = new Kernel();
    k2.entry.addStage({ name: "seccomp-kill", run: ({ ev }) => (ev.name === "getpid" ? { kind: "kill", signal: 31 } : { kind: "continue" }) });
    k2.spawn(getpidExit());
    expect(k2.run()).toMatchObject({ exitStatus: 128 + 31, signal: 31 });
  });

  it("a retarget is applied by the pipeline: later stages and the table see the new number, the call is counted once as it", () => {
    const k = new Kernel();
    const later: string[] = [];
    // getpid (172) becomes getppid (173): the program exits with its parent's pid (1, the modelled shell, for the first process).
    k.entry.addStage({ name: "rewrite", run: ({ ev }) => (ev.nr === 172 ? { kind: "retarget", nr: 173 } : { kind: "continue" }) });
    k.entry.addStage({ name: "after", run: ({ ev, ctx }) => (later.push(`${ev.name}/${ctx.name}`), { kind: "continue" }) });
    const events: string[] = [];
    k.syscallObservers.push((e) => events.push(`${e.nr}:${e.name}:${e.path.join(">")}`));
    k.spawn(getpidExit());
    expect(k.run().exitStatus).toBe(1);
    expect(later).toEqual(["getppid/getppid", "exit_group/exit_group"]);
    expect(events[0]).toBe("173:getppid:rewrite>dispatch");
    expect(stats(k)).toEqual({ syscalls: 2, getppid: 1, exit_group: 1 });
  });

  it("the built-in order is Linux's: SUD, ptrace, seccomp before anything that dispatches the call", () => {
    expect(ENTRY_ORDER).toEqual(["pin", "sud", "return-flag", "ptrace", "seccomp", "bounce", "control", "dispatch"]);
  });

  it("runs a static-PIE (ET_DYN without PT_INTERP) at ELF_ET_DYN_BASE", () => {
    const k = new Kernel();
    const p = k.spawn(makeElf({ machine: "arm64", code: new A64Assembler().mov(x(0), 5).mov(x(8), 94).svc(0).finish(), type: 3 }));
    expect(p.threads[0]!.cpu.pc).toBeGreaterThan(p.arch.etDynBase);
    expect(k.run().exitStatus).toBe(5);
  });

  it("every thread blocked forever ends the run as a deadlock instead of hanging", () => {
    const a = new A64Assembler();
    // futex(DATA, FUTEX_WAIT, 0, NULL): nobody will ever wake us
    a.mov(x(0), DATA_BASE).mov(x(1), 0).mov(w(2), 0).mov(x(3), 0).mov(x(8), 98).svc(0);
    a.mov(x(8), 94).svc(0);
    const k = new Kernel();
    k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
    expect(k.run()).toMatchObject({ reason: "deadlock", exitStatus: 137 });
  });

  it("nanosleep advances virtual time without burning host time; the real clock really sleeps", () => {
    const prog = () => {
      const a = new A64Assembler();
      // nanosleep({0, 30ms}, NULL) then clock_gettime(MONOTONIC, DATA+16)
      a.mov(x(9), DATA_BASE).mov(x(10), 30_000_000).str(x(10), amem(x(9), 8));
      a.mov(x(0), x(9)).mov(x(1), 0).mov(x(8), 101).svc(0);
      a.mov(x(0), 1).add(x(1), x(9), 16).mov(x(8), 113).svc(0);
      a.mov(x(0), 0).mov(x(8), 94).svc(0);
      return makeElf({ machine: "arm64", code: a.finish() });
    };
    const k = new Kernel();
    const p = k.spawn(prog());
    const t0 = Date.now();
    k.run();
    expect(Date.now() - t0).toBeLessThan(1000);
    const ns = p.mm.mem.read64(DATA_BASE + 16) * 1_000_000_000n + p.mm.mem.read64(DATA_BASE + 24);
    expect(ns - Kernel.MONOTONIC_BASE_NS).toBeGreaterThanOrEqual(30_000_000n);
    expect(ns - Kernel.MONOTONIC_BASE_NS).toBeLessThan(30_010_000n); // deterministic: sleep + a few instructions

    const kr = new Kernel({ clock: "real" });
    kr.spawn(prog());
    const t1 = Date.now();
    kr.run();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(25);
  });

  it("rt_sigsuspend: a pending signal runs its handler, the call answers EINTR, the old mask comes back", () => {
    const a = new A64Assembler();
    const handler = a.newLabel();
    a.mov(x(9), DATA_BASE);
    a.adr(x(10), handler).str(x(10), amem(x(9), 0)).mov(x(10), 0).str(x(10), amem(x(9), 8));
    a.mov(x(0), 10).mov(x(1), x(9)).mov(x(2), 0).mov(x(3), 8).mov(x(8), 134).svc(0); // rt_sigaction(SIGUSR1)
    a.mov(x(10), 1 << 9).str(x(10), amem(x(9), 0x40));
    a.mov(x(0), 0).add(x(1), x(9), 0x40).mov(x(2), 0).mov(x(3), 8).mov(x(8), 135).svc(0); // block SIGUSR1
    a.mov(x(8), 172).svc(0).mov(x(1), 10).mov(x(8), 129).svc(0); // kill(getpid(), SIGUSR1): stays pending
    a.str(xzr, amem(x(9), 0x48));
    a.add(x(0), x(9), 0x48).mov(x(1), 8).mov(x(8), 133).svc(0); // rt_sigsuspend({})
    a.str(x(0), amem(x(9), 0x50));
    a.mov(x(0), 0).mov(x(1), 0).add(x(2), x(9), 0x58).mov(x(3), 8).mov(x(8), 135).svc(0); // read the mask back
    a.ldr(x(0), amem(x(9), 0x60)).mov(x(8), 94).svc(0); // exit_group(handler ran count)
    a.bind(handler).mov(x(11), DATA_BASE).ldr(x(12), amem(x(11), 0x60)).add(x(12), x(12), 1).str(x(12), amem(x(11), 0x60)).ret();
    const k = new Kernel();
    const p = k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
    expect(k.run().exitStatus).toBe(1);
    expect(BigInt.asIntN(64, p.mm.mem.read64(DATA_BASE + 0x50))).toBe(-4n); // EINTR
    expect(p.mm.mem.read64(DATA_BASE + 0x58)).toBe(1n << 9n); // SIGUSR1 blocked again
  });
});
