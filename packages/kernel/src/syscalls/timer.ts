/** alarm, setitimer/getitimer and the POSIX timer calls; the timers themselves live in src/timers.ts. */
import { SyscallError } from "../errors.js";
import { EINVAL, EOPNOTSUPP, EPERM } from "../errno.js";
import type { Handler, SyscallContext } from "../syscall.js";
import { clockNow, timerSet, type Timer, type TimerClock } from "../timers.js";

const SIGALRM = 14, SIGVTALRM = 26, SIGPROF = 27;
const ITIMER_SIGNAL = [SIGALRM, SIGVTALRM, SIGPROF] as const;
const ITIMER_CLOCK: readonly TimerClock[] = ["monotonic", "process-cpu", "process-cpu"];
const NS = 1_000_000_000n;

function itimer(c: SyscallContext, which: number): Timer {
  const set = timerSet(c.kernel);
  let t = set.timers.find((x) => x.owner === c.proc && x.itimer === which);
  if (!t) {
    t = { owner: c.proc, itimer: which, id: -1, clock: ITIMER_CLOCK[which]!, expiry: 0n, interval: 0n, signo: ITIMER_SIGNAL[which]!, notify: 0, thread: undefined, value: 0n, overrun: 0 };
    set.timers.push(t);
  }
  return t;
}

const remaining = (c: SyscallContext, t: Timer) => (t.expiry === 0n ? 0n : ((r) => (r > 0n ? r : 1n))(t.expiry - clockNow(c.kernel, t)));

function readTimeval(c: SyscallContext, addr: number): bigint {
  const sec = c.readI64(addr), usec = c.readI64(addr + 8);
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) throw new SyscallError(EINVAL);
  return sec * NS + usec * 1000n;
}

function writeItimerval(c: SyscallContext, addr: number, interval: bigint, value: bigint): void {
  const b = new DataView(new ArrayBuffer(32));
  // Microseconds round up, so an armed timer never reads as disarmed (ns_to_timeval in get_cpu_itimer/itimer_get_remtime).
  const tv = (off: number, ns: bigint) => {
    const us = (ns + 999n) / 1000n;
    b.setBigInt64(off, us / 1_000_000n, true);
    b.setBigInt64(off + 8, us % 1_000_000n, true);
  };
  tv(0, interval);
  tv(16, value);
  c.write(addr, new Uint8Array(b.buffer));
}

function setitimer(c: SyscallContext): number {
  const which = c.int(0), newAddr = c.ptr(1), oldAddr = c.ptr(2);
  if (which < 0 || which > 2) return -EINVAL;
  // A NULL new value disarms (do_setitimer with a zeroed itimerval, as Linux accepts for compatibility).
  const interval = newAddr ? readTimeval(c, newAddr) : 0n, value = newAddr ? readTimeval(c, newAddr + 16) : 0n;
  const t = itimer(c, which);
  if (oldAddr) writeItimerval(c, oldAddr, t.interval, remaining(c, t));
  t.interval = interval;
  t.expiry = value === 0n ? 0n : clockNow(c.kernel, t) + value;
  return 0;
}

function alarm(c: SyscallContext): number {
  const t = itimer(c, 0);
  const left = remaining(c, t);
  const secs = c.uint(0);
  t.interval = 0n;
  t.expiry = secs === 0 ? 0n : clockNow(c.kernel, t) + BigInt(secs) * NS;
  // alarm_setitimer: the old value in seconds, rounded to nearest, and at least 1 while armed.
  if (left === 0n) return 0;
  const s = Number((left + NS / 2n) / NS);
  return s === 0 ? 1 : s;
}

// ------------------------------------------------------------------ POSIX timers

const CLOCKS: Record<number, TimerClock> = { 0: "realtime", 1: "monotonic", 2: "process-cpu", 3: "thread-cpu", 7: "monotonic", 11: "realtime" };

function posix(c: SyscallContext, id: number): Timer {
  const t = timerSet(c.kernel).timers.find((x) => x.owner === c.proc && x.itimer === undefined && x.id === id);
  if (!t) throw new SyscallError(EINVAL);
  return t;
}

function timerCreate(c: SyscallContext): number {
  const clk = c.int(0), sevp = c.ptr(1), idAddr = c.ptr(2);
  // The *_ALARM clocks need CAP_WAKE_ALARM, then an alarm-capable RTC the model lacks (EOPNOTSUPP).
  if (clk === 8 || clk === 9) return c.proc.cred.euid === 0 ? -EOPNOTSUPP : -EPERM;
  const clock = CLOCKS[clk];
  if (!clock) return -EINVAL;
  const set = timerSet(c.kernel);
  const id = set.nextId;
  let signo = SIGALRM, notify = 0, value = BigInt(id), thread;
  if (sevp) {
    const b = new DataView(c.read(sevp, 20).buffer);
    value = b.getBigUint64(0, true);
    signo = b.getInt32(8, true);
    notify = b.getInt32(12, true);
    if (notify !== 0 && notify !== 1 && notify !== 4) return -EINVAL; // SIGEV_THREAD is glibc's, over SIGEV_THREAD_ID
    if (notify !== 1 && (signo < 1 || signo > 64)) return -EINVAL;
    if (notify === 4) {
      thread = c.kernel.tasks.findThread(b.getInt32(16, true));
      if (!thread || thread.proc !== c.proc) return -EINVAL;
    }
  }
  c.writeI32(idAddr, id);
  set.nextId++;
  set.timers.push({ owner: c.proc, itimer: undefined, id, clock, expiry: 0n, interval: 0n, signo, notify, thread: thread ?? (clock === "thread-cpu" ? c.thread : undefined), value, overrun: 0 });
  return 0;
}

function readTimespecNs(c: SyscallContext, addr: number): bigint {
  const ts = c.readTimespec(addr);
  if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= NS) throw new SyscallError(EINVAL);
  return ts.sec * NS + ts.nsec;
}

function writeItimerspec(c: SyscallContext, addr: number, interval: bigint, value: bigint): void {
  c.writeTimespec(addr, interval);
  c.writeTimespec(addr + 16, value);
}

function timerSettime(c: SyscallContext): number {
  const t = posix(c, c.int(0));
  const flags = c.int(1), newAddr = c.ptr(2), oldAddr = c.ptr(3);
  if (flags & ~1) return -EINVAL;
  const interval = readTimespecNs(c, newAddr), value = readTimespecNs(c, newAddr + 16);
  if (oldAddr) writeItimerspec(c, oldAddr, t.interval, remaining(c, t));
  t.interval = interval;
  t.overrun = 0;
  const now = clockNow(c.kernel, t);
  // TIMER_ABSTIME: an expiry already past fires at the next check.
  t.expiry = value === 0n ? 0n : flags & 1 ? (value > 0n ? value : 1n) : now + value;
  return 0;
}

export const TIMER_HANDLERS: Record<string, Handler> = {
  alarm,
  setitimer,
  getitimer: (c) => {
    const which = c.int(0);
    if (which < 0 || which > 2) return -EINVAL;
    const t = itimer(c, which);
    writeItimerval(c, c.ptr(1), t.interval, remaining(c, t));
    return 0;
  },
  timer_create: timerCreate,
  timer_settime: timerSettime,
  timer_gettime: (c) => {
    const t = posix(c, c.int(0));
    writeItimerspec(c, c.ptr(1), t.interval, remaining(c, t));
    return 0;
  },
  timer_getoverrun: (c) => posix(c, c.int(0)).overrun,
  timer_delete: (c) => {
    const t = posix(c, c.int(0));
    const set = timerSet(c.kernel);
    set.timers.splice(set.timers.indexOf(t), 1);
    return 0;
  },
};
