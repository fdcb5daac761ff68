/**
 * The run loop: pick the next runnable thread round-robin, refresh its vvar page, run its CPU for a quantum,
 * handle the trap (syscall entry, or a fault turned into a signal), then do the exit work (signal delivery)
 * before the thread returns to user mode. Blocking syscalls park their thread on a `Wait` here; the loop polls
 * waits, jumps virtual time to the next deadline when every thread sleeps, and ends the run on a deadlock.
 */
import type { Trap } from "@uabi/isa-core";
import { EINTR } from "./errno.js";
import { KernelUsageError } from "./errors.js";
import { SA_RESTART, SIGKILL, SIGTRAP, TRAP_TRACE } from "./signal.js";
import type { KernelServices } from "./services.js";
import type { Thread, Wait } from "./task.js";
import type { RunResult } from "./types.js";
import { runCpu } from "./mechanisms/runner.js";
import { fireTimers, nextTimerDeadline } from "./timers.js";

/** Every thread has exited. */
function allDead(threads: readonly Thread[]): boolean {
  for (let i = 0; i < threads.length; i++) if (threads[i]!.state !== "dead") return false;
  return true;
}

/** The thread survived what just happened to it (handlers may have ended it). */
function stillRunning(t: Thread): boolean {
  return t.state !== "dead" && t.proc.alive;
}

export class Scheduler {
  constructor(
    private readonly k: KernelServices,
    private readonly maxInstructions: number,
    private readonly quantum: number,
  ) {}

  /** pickNext's poll, made once rather than a closure per slice. */
  private readonly poll = (t: Thread): void => this.pollWait(t);

  run(): RunResult {
    const { tasks, stats } = this.k;
    const root = tasks.root;
    if (!root) throw new KernelUsageError("run() before spawn()");
    let reason: RunResult["reason"] = "exit";
    for (;;) {
      if (allDead(tasks.threads)) break;
      // No instruction retires until the slice runs (timers and waits only queue signals and end waits), so the
      // sum is also the slice's virtual time.
      const retired = tasks.retired;
      const remaining = this.maxInstructions - retired;
      if (remaining <= 0) {
        reason = "budget";
        break;
      }
      fireTimers(this.k); // alarm, setitimer, timer_create: expired timers queue their signals between slices
      const t = tasks.pickNext(this.poll);
      if (!t) {
        if (!this.advanceToNextDeadline()) {
          reason = "deadlock";
          break;
        }
        continue;
      }
      stats.contextSwitches++;
      this.runThread(t, Math.min(this.quantum, remaining), retired);
    }
    if (reason !== "exit") {
      // Budget or deadlock: every remaining process is killed (SIGKILL) so the result is final.
      for (const p of tasks.processes.values()) if (p.alive) this.k.lifecycle.exitProcess(p, { signal: SIGKILL });
    }
    stats.instructions = tasks.retired;
    stats.virtualTimeNs = this.k.clock.monotonicNs();
    stats.missingSyscalls = this.k.entry.missingSyscalls();
    stats.cost = root.ledger.snapshot();
    const ex = root.exit ?? { signal: SIGKILL };
    const res: RunResult = {
      exitStatus: ex.signal !== undefined ? 128 + ex.signal : (ex.code ?? 0),
      reason: reason === "exit" && ex.signal !== undefined ? "signal" : reason,
      stats,
    };
    if (ex.signal !== undefined) res.signal = ex.signal;
    return res;
  }

  private runThread(t: Thread, budget: number, retiredBefore: number): void {
    const p = t.proc;
    const loader = this.k.loader;
    if (p.vvarBase) loader.updateVvar(p, t, retiredBefore);
    // Single-stepping (x86-64 TF): one instruction, then the debug trap (SIGTRAP TRAP_TRACE at the next PC).
    const stepping = p.arch.singleStepping(t.cpu);
    const before = t.cpu.counters.instructions;
    const trap = runCpu(this.k.mechanisms, t, stepping ? 1 : budget);
    const retired = t.cpu.counters.instructions - before;
    p.ledger.addUserInsns(retired);
    if (p.vvarBase && t.state !== "dead") loader.syncFromPages(p, t);
    if (t.state === "dead") return;
    this.handleTrap(t, trap);
    if (stepping && retired > 0 && (trap.kind === "budget" || trap.kind === "syscall") && stillRunning(t)) {
      this.k.signals.force(t, { signo: SIGTRAP, code: TRAP_TRACE, addr: t.cpu.pc });
    }
    // Exit work only delivers pending signals: with none pending (the usual case) there is nothing to look at.
    if (t.state === "runnable" && (t.pending !== 0n || p.sharedPending !== 0n)) this.k.signals.exitWork(t);
  }

  handleTrap(t: Thread, trap: Trap): void {
    const stats = this.k.stats;
    switch (trap.kind) {
      case "budget":
        return;
      case "syscall":
        stats.kernelEntries++;
        this.k.entry.enter(t, trap.pc);
        return;
      default: {
        stats.kernelEntries++;
        stats.exceptions++;
        const l = t.proc.ledger;
        l.add("kernelEntries");
        l.add("faults");
        this.k.signals.fromFault(t, trap);
        if (t.proc.alive) l.add("kernelExits");
      }
    }
  }

  // ------------------------------------------------------------------ waits

  /** Park `t` on `wait` for the syscall it is in; it may complete at once, or be interrupted by a pending signal. */
  block(t: Thread, wait: Wait, sc: NonNullable<Thread["waitingSyscall"]>): void {
    t.state = "blocked";
    t.wait = wait;
    t.waitingSyscall = sc;
    this.pollWait(t);
    if (t.state === "blocked") this.k.signals.wake(t);
  }

  /** Finish a wait whose condition holds or whose deadline passed. */
  pollWait(t: Thread): void {
    const w = t.wait;
    if (!w) return;
    let r = w.poll();
    if (r === undefined && w.deadline !== undefined && this.k.clock.monotonicNs() >= w.deadline) {
      w.cancel?.();
      r = w.onTimeout ? w.onTimeout() : 0;
    }
    if (r !== undefined) this.finishWait(t, r);
  }

  private finishWait(t: Thread, result: number): void {
    const sc = t.waitingSyscall;
    t.wait = undefined;
    t.waitingSyscall = undefined;
    t.state = "runnable";
    t.proc.arch.setSyscallResult(t.cpu, BigInt(result));
    t.proc.ledger.addKernelExit();
    if (sc) {
      const entry = this.k.entry;
      entry.traceExit(t, this.k.table(t.proc.arch.arch)[sc.nr], sc.name, sc.args, result);
      if (sc.event) {
        sc.event.result = result;
        entry.emit(sc.event);
      }
    }
    this.k.signals.exitWork(t);
    // sigsuspend-style calls restore the caller's mask on return when no handler frame took it (restore_saved_sigmask).
    if (t.savedMask !== undefined) {
      t.sigmask = t.savedMask;
      t.savedMask = undefined;
    }
  }

  /**
   * A signal interrupts a blocked thread's wait: with SA_RESTART on the handler of signal `sig` and a
   * restartable call, the syscall restarts (the registers still hold its number and arguments); otherwise it
   * fails with EINTR.
   */
  interrupt(t: Thread, sig: number): void {
    const w = t.wait;
    if (t.state !== "blocked" || !w) return;
    w.cancel?.();
    const sc = t.waitingSyscall;
    const act = t.proc.sigactions[sig]!;
    if (w.restartable && act.handler > 1 && act.flags & SA_RESTART) {
      t.wait = undefined;
      t.waitingSyscall = undefined;
      t.state = "runnable";
      t.cpu.pc -= t.proc.arch.syscallInsnLength;
      if (sc) this.k.entry.traceExit(t, this.k.table(t.proc.arch.arch)[sc.nr], sc.name, sc.args, "restart");
      if (sc?.event) {
        sc.event.path.push("restart");
        this.k.entry.emit(sc.event);
      }
      return;
    }
    this.finishWait(t, -EINTR);
  }

  /** All threads blocked: jump virtual time to the earliest deadline. False when nothing can ever wake. */
  private advanceToNextDeadline(): boolean {
    let min: bigint | undefined;
    for (const t of this.k.tasks.threads) if (t.state === "blocked" && t.wait?.deadline !== undefined && (min === undefined || t.wait.deadline < min)) min = t.wait.deadline;
    const timer = nextTimerDeadline(this.k);
    if (timer !== undefined && (min === undefined || timer < min)) min = timer;
    if (min === undefined) return false;
    this.k.clock.sleepUntil(min);
    return true;
  }
}
