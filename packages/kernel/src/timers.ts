/**
 * Interval timers (kernel/time/itimer.c: alarm, setitimer, getitimer) and POSIX timers (kernel/time/posix-timers.c:
 * timer_create / timer_settime / timer_gettime / timer_getoverrun / timer_delete). Timers are per process; they
 * are checked by the run loop between slices (`fireTimers`) and their next deadline lets a run whose threads
 * all sleep jump to it. ITIMER_VIRTUAL / ITIMER_PROF and the CPU-time clocks count the process's retired
 * instructions (1 ns each, as clock_gettime(CLOCK_PROCESS_CPUTIME_ID) does).
 */
import type { KernelServices } from "./services.js";
import type { Process, Thread } from "./task.js";

/** What a timer's expiry is measured on. */
export type TimerClock = "monotonic" | "realtime" | "process-cpu" | "thread-cpu";

export interface Timer {
  owner: Process;
  /** ITIMER_REAL/VIRTUAL/PROF (0..2), or undefined for a POSIX timer. */
  itimer: number | undefined;
  /** POSIX timer id. */
  id: number;
  clock: TimerClock;
  /** Absolute expiry on `clock` (ns); 0n = disarmed. */
  expiry: bigint;
  interval: bigint;
  signo: number;
  /** SIGEV_SIGNAL (0), SIGEV_NONE (1), SIGEV_THREAD_ID (4). */
  notify: number;
  thread: Thread | undefined;
  value: bigint;
  overrun: number;
}

const SI_KERNEL = 0x80, SI_TIMER = -2;

class TimerSet {
  readonly timers: Timer[] = [];
  nextId = 0;
}
const SETS = new WeakMap<KernelServices, TimerSet>();
/** The kernel whose set was looked up last, and its set: the run loop asks once per slice. */
let lastKernel: KernelServices | undefined;
let lastSet: TimerSet | undefined;
function existingSet(k: KernelServices): TimerSet | undefined {
  if (k === lastKernel) return lastSet;
  const s = SETS.get(k);
  lastKernel = k;
  lastSet = s;
  return s;
}
export function timerSet(k: KernelServices): TimerSet {
  let s = existingSet(k);
  if (!s) {
    SETS.set(k, (s = new TimerSet()));
    lastKernel = k;
    lastSet = s;
  }
  return s;
}

/** The current reading of a timer's clock. */
export function clockNow(k: KernelServices, t: Pick<Timer, "clock" | "owner" | "thread">): bigint {
  switch (t.clock) {
    case "monotonic": return k.clock.monotonicNs();
    case "realtime": return k.clock.realtimeNs();
    case "process-cpu": return BigInt(t.owner.threads.reduce((n, x) => n + x.cpu.counters.instructions, 0));
    case "thread-cpu": return BigInt((t.thread ?? t.owner.threads[0])?.cpu.counters.instructions ?? 0);
  }
}

/** Deliver every expired timer's signal and re-arm periodic ones (overruns counted for POSIX timers). */
export function fireTimers(k: KernelServices): void {
  const set = existingSet(k);
  if (!set || set.timers.length === 0) return;
  for (const t of set.timers) {
    if (t.expiry === 0n) continue;
    if (!t.owner.alive) {
      t.expiry = 0n;
      continue;
    }
    const now = clockNow(k, t);
    if (now < t.expiry) continue;
    let overrun = 0;
    if (t.interval > 0n) {
      const missed = (now - t.expiry) / t.interval;
      overrun = Number(missed);
      t.expiry += (missed + 1n) * t.interval;
    } else t.expiry = 0n;
    if (t.notify === 1) continue; // SIGEV_NONE
    t.overrun = Math.min(overrun, 0x7fffffff);
    // itimers send SIGALRM/SIGVTALRM/SIGPROF as the kernel (SI_KERNEL); POSIX timers carry SI_TIMER, the timer
    // id (si_tid) and overrun, and the low 32 bits of sigev_value.
    const si = t.itimer !== undefined
      ? { signo: t.signo, code: SI_KERNEL }
      : { signo: t.signo, code: SI_TIMER, pid: t.id, uid: t.overrun, status: Number(BigInt.asIntN(32, t.value)) };
    if (t.notify === 4 && t.thread && t.thread.state !== "dead") k.signals.queueThread(t.thread, si);
    else k.signals.queueProcess(t.owner, si);
  }
  for (let i = set.timers.length - 1; i >= 0; i--) if (!set.timers[i]!.owner.alive) set.timers.splice(i, 1);
}

/** The earliest CLOCK_MONOTONIC deadline of an armed wall-clock timer (what a sleeping run may jump to). */
export function nextTimerDeadline(k: KernelServices): bigint | undefined {
  const set = SETS.get(k);
  let min: bigint | undefined;
  for (const t of set?.timers ?? []) {
    if (t.expiry === 0n || !t.owner.alive || t.notify === 1) continue;
    let d: bigint | undefined;
    if (t.clock === "monotonic") d = t.expiry;
    else if (t.clock === "realtime") d = k.clock.monotonicNs() + (t.expiry - k.clock.realtimeNs());
    if (d !== undefined && (min === undefined || d < min)) min = d;
  }
  return min;
}
