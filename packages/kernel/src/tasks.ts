/**
 * The task table: processes by pid, every thread in creation order (the round-robin run queue), pid
 * allocation, and the instructions retired by threads that no longer exist.
 */
import type { Cpu } from "@uabi/isa-core";
import { Thread, type Process } from "./task.js";

export class TaskTable {
  readonly processes = new Map<number, Process>();
  /** Every live thread, in creation order. */
  readonly threads: Thread[] = [];
  /** The first process spawned: its exit is the run's result. */
  root: Process | undefined;
  private nextPid = 1;
  private cursor = 0;
  /** Instructions retired by CPUs of threads that no longer exist (or were replaced by exec). */
  private retiredDead = 0;
  /** More than one task has existed: trace lines carry `[pid N]` prefixes from then on (as strace -f). */
  everMultiTask = false;

  /** Tasks that count against the run's task limit: live threads and zombies not yet reaped. */
  get count(): number {
    let n = this.threads.length;
    for (const p of this.processes.values()) if (!p.alive && !p.reaped) n++;
    return n;
  }

  allocPid(): number {
    return this.nextPid++;
  }

  newThread(proc: Process, cpu: Cpu, tid = this.allocPid()): Thread {
    const t = new Thread(tid, proc, cpu);
    proc.threads.push(t);
    this.threads.push(t);
    if (this.threads.length > 1) this.everMultiTask = true;
    return t;
  }

  /** Take a thread off the run queue, keeping the round-robin position. */
  remove(t: Thread): void {
    const i = this.threads.indexOf(t);
    if (i < 0) return;
    this.threads.splice(i, 1);
    if (this.cursor > i) this.cursor--;
  }

  /** Count a CPU's retired instructions before it goes away. */
  retire(cpu: Cpu): void {
    this.retiredDead += cpu.counters.instructions;
  }

  /** Total instructions retired by every CPU. */
  get retired(): number {
    let n = this.retiredDead;
    for (const t of this.threads) if (t.state !== "dead") n += t.cpu.counters.instructions;
    return n;
  }

  /** The next runnable thread after the last one picked; blocked threads get their waits polled on the way. */
  pickNext(poll: (t: Thread) => void): Thread | undefined {
    const n = this.threads.length;
    for (let i = 0; i < n; i++) {
      const t = this.threads[(this.cursor + i) % n]!;
      if (t.state === "blocked") poll(t);
      if (t.state === "runnable") {
        this.cursor = (this.cursor + i + 1) % n;
        return t;
      }
    }
    return undefined;
  }

  findThread(tid: number): Thread | undefined {
    return this.threads.find((t) => t.tid === tid && t.state !== "dead");
  }

  /** kill(2) target resolution for pid > 0. */
  findProcess(pid: number): Process | undefined {
    const p = this.processes.get(pid);
    return p && p.alive ? p : undefined;
  }

  tracePrefix(t: Thread): string {
    return this.everMultiTask ? `[pid ${t.tid}] ` : "";
  }
}
