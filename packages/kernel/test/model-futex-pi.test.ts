/** PI futexes (FUTEX_LOCK_PI/TRYLOCK_PI/UNLOCK_PI/LOCK_PI2): the word protocol glibc's and musl's PI mutexes use. */
import { describe, expect, it } from "vitest";
import { SyscallContext, type SyscallEvent, type Thread } from "../src/index.js";
import { HostSys } from "./host-sys.js";

const LOCK_PI = 6, UNLOCK_PI = 7, TRYLOCK_PI = 8, LOCK_PI2 = 13, PRIVATE = 128;
const WAITERS = 0x80000000, OWNER_DIED = 0x40000000;
const EDEADLK = -35, EPERM = -1, ESRCH = -3, EAGAIN = -11, ETIMEDOUT = -110;
const THREAD_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM FS FILES SIGHAND THREAD SYSVSEM

/** Dispatch `futex` as `t`; the event's result appears when a wait completes. */
function futexAs(s: HostSys, t: Thread, ...args: number[]): SyscallEvent {
  const row = s.k.table(s.p.arch.arch).find((r) => r?.name === "futex")!;
  const c = new SyscallContext(s.k, t);
  c.nr = row.nr;
  c.name = "futex";
  args.forEach((a, i) => (c.args[i] = BigInt.asUintN(64, BigInt(a))));
  const ev: SyscallEvent = { pid: s.p.pid, tid: t.tid, nr: row.nr, name: "futex", pc: 0, args: c.args.slice(), path: [] };
  s.k.entry.dispatch(t, c, row, ev);
  if (t.state === "blocked" && t.waitingSyscall) t.waitingSyscall.event = ev;
  return ev;
}

function withThread(): { s: HostSys; word: number; other: Thread } {
  const s = new HostSys();
  const word = s.alloc(4);
  const tid = s.call("clone", THREAD_FLAGS, s.alloc(4096) + 4096, 0, 0, 0);
  const other = s.p.threads.find((t) => t.tid === tid)!;
  expect(other).toBeDefined();
  return { s, word, other };
}

describe("PI futexes", () => {
  it("a free word is taken with the caller's TID; the owner locking again is EDEADLK; only the owner unlocks", () => {
    const { s, word, other } = withThread();
    expect(futexAs(s, s.t, word, LOCK_PI | PRIVATE, 0, 0).result).toBe(0);
    expect(s.p.mm.mem.read32(word)).toBe(s.t.tid);
    expect(futexAs(s, s.t, word, LOCK_PI | PRIVATE, 0, 0).result).toBe(EDEADLK);
    expect(futexAs(s, other, word, TRYLOCK_PI | PRIVATE, 0, 0).result).toBe(EAGAIN);
    expect(futexAs(s, other, word, UNLOCK_PI | PRIVATE, 0, 0).result).toBe(EPERM);
    expect(futexAs(s, s.t, word, UNLOCK_PI | PRIVATE, 0, 0).result).toBe(0);
    expect(s.p.mm.mem.read32(word)).toBe(0);
  });

  it("a waiter sets FUTEX_WAITERS and is handed the lock by the owner's unlock", () => {
    const { s, word, other } = withThread();
    s.p.mm.mem.write32(word, other.tid); // `other` took it in userspace (cmpxchg 0 → tid)
    const ev = futexAs(s, s.t, word, LOCK_PI | PRIVATE, 0, 0);
    expect(s.t.state).toBe("blocked");
    expect(s.p.mm.mem.read32(word)).toBe((other.tid | WAITERS) >>> 0);
    expect(futexAs(s, other, word, UNLOCK_PI | PRIVATE, 0, 0).result).toBe(0);
    expect(s.p.mm.mem.read32(word)).toBe(s.t.tid);
    s.k.scheduler.pollWait(s.t);
    expect(ev.result).toBe(0);
  });

  it("an owner that is no thread is ESRCH; one that exits while a waiter waits leaves OWNER_DIED to the waiter", () => {
    const { s, word, other } = withThread();
    s.p.mm.mem.write32(word, 99999);
    expect(futexAs(s, s.t, word, LOCK_PI | PRIVATE, 0, 0).result).toBe(ESRCH);
    s.p.mm.mem.write32(word, other.tid);
    const ev = futexAs(s, s.t, word, LOCK_PI | PRIVATE, 0, 0);
    expect(s.t.state).toBe("blocked");
    s.k.tasks.threads.splice(s.k.tasks.threads.indexOf(other), 1); // the owner is gone
    s.k.scheduler.pollWait(s.t);
    expect(ev.result).toBe(0);
    expect(s.p.mm.mem.read32(word)).toBe((s.t.tid | OWNER_DIED) >>> 0);
  });

  it("LOCK_PI2 times out on CLOCK_MONOTONIC", () => {
    const { s, word, other } = withThread();
    s.p.mm.mem.write32(word, other.tid);
    const ts = s.alloc(16);
    const deadline = s.k.clock.monotonicNs() + 5_000_000n;
    s.p.mm.mem.write64(ts, deadline / 1_000_000_000n);
    s.p.mm.mem.write64(ts + 8, deadline % 1_000_000_000n);
    const ev = futexAs(s, s.t, word, LOCK_PI2 | PRIVATE, 0, ts);
    expect(s.t.state).toBe("blocked");
    s.k.clock.sleepUntil(deadline);
    s.k.scheduler.pollWait(s.t);
    expect(ev.result).toBe(ETIMEDOUT);
  });
});
