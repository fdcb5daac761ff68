/**
 * How threads and processes end: exit(2) of one thread (clear_child_tid wake, robust futexes), exit_group or a
 * fatal signal taking every thread, the zombie left for wait4, children reparented, SIGCHLD to the parent.
 */
import { RLIMIT } from "@uabi/uapi";
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED, SIGCHLD } from "./signal.js";
import type { KernelServices } from "./services.js";
import type { ExitInfo, Process, Thread } from "./task.js";

export class Lifecycle {
  constructor(private readonly k: KernelServices) {}

  /** Thread exit (exit(2) or the end of exit_group): clear-tid wake, robust list, then gone. */
  exitThread(t: Thread): void {
    if (t.state === "dead") return;
    const p = t.proc;
    this.k.futex.walkRobustList(t);
    if (t.clearChildTid) {
      try {
        p.mm.mem.write32(t.clearChildTid, 0);
        this.k.futex.wake(p, t.clearChildTid, 1, 0xffffffff);
      } catch {
        // Linux ignores a bad clear_child_tid address.
      }
    }
    this.reapThread(t);
    if (p.threads.length === 0 && p.alive) this.finishProcess(p, p.lastExit ?? { code: 0 });
  }

  /** The thread is gone: its wait cancelled, its CPU released, off the run queue. */
  reapThread(t: Thread): void {
    t.wait?.cancel?.();
    t.wait = undefined;
    t.state = "dead";
    this.releaseCpu(t);
    const p = t.proc;
    p.threads = p.threads.filter((x) => x !== t);
    this.k.tasks.remove(t);
    this.k.entry.forget(t);
  }

  /** Count the CPU's instructions and let the core detach from shared memory (exec replaces a CPU too). */
  releaseCpu(t: Thread): void {
    this.k.tasks.retire(t.cpu);
    t.proc.arch.releaseCpu(t.cpu);
  }

  /** exit_group or a fatal signal: every thread goes, then the process becomes a zombie for its parent. */
  exitProcess(p: Process, e: ExitInfo): void {
    if (!p.alive) return;
    // A core is written, and WCOREDUMP / CLD_DUMPED reported, only when RLIMIT_CORE allows one (do_coredump).
    if (e.core && !((p.rlimits[RLIMIT.CORE]?.[0] ?? 0n) > 0n)) e = { ...e, core: false };
    p.lastExit = e;
    for (const t of p.threads.slice() /* exitThread mutates the list */) this.exitThread(t);
    if (p.alive) this.finishProcess(p, e);
  }

  private finishProcess(p: Process, e: ExitInfo): void {
    const { tasks, tracer, signals } = this.k;
    p.exit = e;
    tracer?.exit(p, e, tasks.everMultiTask);
    p.files.closeAll();
    // exit_mm: a zombie holds no memory. The first process's pages stay readable to the host after the run.
    p.mm.release(p !== tasks.root);
    for (const c of p.children) c.parent = tasks.root === p ? undefined : p.parent;
    const parent = p.parent;
    if (parent && parent.alive) {
      const status = e.signal !== undefined ? CLD_KILLED : CLD_EXITED;
      signals.queueProcess(parent, { signo: p.exitSignal || SIGCHLD, code: e.core ? CLD_DUMPED : status, pid: p.pid, uid: p.uid, status: e.signal ?? e.code ?? 0 });
    }
  }
}
