/**
 * Futexes (kernel/futex): wait queues keyed by (address space, address), wake by bitset, requeue, and the
 * robust-list walk a dying thread does (handle_futex_death).
 */
import { EDEADLK, EPERM, ESRCH, ETIMEDOUT } from "./errno.js";
import type { AddressSpace } from "./mm.js";
import type { Process, Thread, Wait } from "./task.js";

interface FutexWaiter {
  thread: Thread;
  bitset: number;
  woken: boolean;
  /** A PI waiter: woken means ownership was handed to it (the word already holds its TID). */
  pi?: boolean;
}

/** The PI futex word (include/uapi/linux/futex.h): owner TID, plus "waiters queued" and "owner died" bits. */
export const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;

export class Futexes {
  private readonly queues = new Map<string, FutexWaiter[]>();
  private readonly mmIds = new WeakMap<AddressSpace, number>();
  private mmCount = 0;

  /** Threads sharing an address space share futex keys (private futexes are per mm). */
  private keyFor(p: Process, addr: number): string {
    let id = this.mmIds.get(p.mm);
    if (id === undefined) {
      id = ++this.mmCount;
      this.mmIds.set(p.mm, id);
    }
    return `${id}:${addr}`;
  }

  /** Leave a queue (a signal or timeout ended the wait). */
  private leave(key: string, w: FutexWaiter): void {
    const l = this.queues.get(key);
    if (!l) return;
    const i = l.indexOf(w);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.queues.delete(key);
  }

  wait(t: Thread, addr: number, bitset: number, deadline: bigint | undefined): Wait {
    const key = this.keyFor(t.proc, addr);
    const w: FutexWaiter = { thread: t, bitset, woken: false };
    const q = this.queues.get(key) ?? [];
    q.push(w);
    this.queues.set(key, q);
    const wait: Wait = {
      poll: () => (w.woken ? 0 : undefined),
      onTimeout: () => -ETIMEDOUT,
      cancel: () => this.leave(key, w),
      restartable: deadline === undefined,
      what: `futex 0x${addr.toString(16)}`,
    };
    if (deadline !== undefined) wait.deadline = deadline;
    return wait;
  }

  wake(p: Process, addr: number, n: number, bitset: number): number {
    const key = this.keyFor(p, addr);
    const q = this.queues.get(key);
    if (!q) return 0;
    let woken = 0;
    for (const w of q.slice() /* waking splices the queue */) {
      if (woken >= n) break;
      if (!(w.bitset & bitset)) continue;
      w.woken = true;
      q.splice(q.indexOf(w), 1);
      woken++;
    }
    if (q.length === 0) this.queues.delete(key);
    return woken;
  }

  /**
   * FUTEX_LOCK_PI / LOCK_PI2 / TRYLOCK_PI (kernel/futex/pi.c futex_lock_pi): take a free word (keeping OWNER_DIED),
   * EDEADLK for the owner itself, ESRCH for an owner that is no thread; else mark FUTEX_WAITERS and queue until an
   * unlock hands the lock over (the word then already names the waiter) or the owner exits while it waits (the
   * waiter takes it with OWNER_DIED, as after exit_pi_state_list). No priorities are modelled: waiters are served in arrival order.
   */
  lockPi(t: Thread, addr: number, trylock: boolean, deadline: bigint | undefined, ownerAlive: (tid: number) => boolean): number | Wait {
    const mem = t.proc.mm.mem;
    const key = this.keyFor(t.proc, addr);
    const take = (w?: FutexWaiter): number | undefined => {
      const v = mem.read32(addr);
      const owner = v & FUTEX_TID_MASK;
      if (owner === t.tid) return -EDEADLK;
      const died = owner !== 0 && !ownerAlive(owner);
      if (owner !== 0 && !died) return undefined;
      if (died && !w) return -ESRCH; // attach_to_pi_owner: no such task (handle_exit_race)
      if (w) this.leave(key, w);
      const others = (this.queues.get(key) ?? []).some((x) => x.pi);
      mem.write32(addr, (t.tid | (died ? FUTEX_OWNER_DIED : v & FUTEX_OWNER_DIED) | (others ? FUTEX_WAITERS : 0)) >>> 0);
      return 0;
    };
    const now = take();
    if (now !== undefined) return now;
    if (trylock) return -11; // EWOULDBLOCK
    mem.write32(addr, (mem.read32(addr) | FUTEX_WAITERS) >>> 0);
    const w: FutexWaiter = { thread: t, bitset: 0xffffffff, woken: false, pi: true };
    const q = this.queues.get(key) ?? [];
    q.push(w);
    this.queues.set(key, q);
    const wait: Wait = {
      poll: () => (w.woken ? 0 : take(w)),
      onTimeout: () => -ETIMEDOUT,
      cancel: () => this.leave(key, w),
      restartable: true, // futex_lock_pi answers a signal with -ERESTARTNOINTR: a mutex lock never fails with EINTR
      what: `futex-pi 0x${addr.toString(16)}`,
    };
    if (deadline !== undefined) wait.deadline = deadline;
    return wait;
  }

  /** FUTEX_UNLOCK_PI (futex_unlock_pi): only the owner; hand the lock to the first PI waiter, or free the word. */
  unlockPi(t: Thread, addr: number): number {
    const mem = t.proc.mm.mem;
    const v = mem.read32(addr);
    if ((v & FUTEX_TID_MASK) !== t.tid) return -EPERM;
    const key = this.keyFor(t.proc, addr);
    const q = this.queues.get(key) ?? [];
    const next = q.find((w) => w.pi && !w.woken);
    if (!next) {
      mem.write32(addr, 0);
      return 0;
    }
    this.leave(key, next);
    next.woken = true;
    const more = (this.queues.get(key) ?? []).some((w) => w.pi);
    mem.write32(addr, (next.thread.tid | (more ? FUTEX_WAITERS : 0)) >>> 0);
    return 0;
  }

  requeue(p: Process, from: number, to: number, nWake: number, nRequeue: number): number {
    const woken = this.wake(p, from, nWake, 0xffffffff);
    const k1 = this.keyFor(p, from);
    const k2 = this.keyFor(p, to);
    const q = this.queues.get(k1);
    if (!q) return woken;
    const moved = q.splice(0, nRequeue);
    if (q.length === 0) this.queues.delete(k1);
    if (moved.length) {
      const q2 = this.queues.get(k2) ?? [];
      q2.push(...moved);
      this.queues.set(k2, q2);
      // The waiters' cancel closures look in the old queue; re-point them.
      for (const w of moved) {
        const wt = w.thread.wait;
        if (wt) wt.cancel = () => this.leave(k2, w);
      }
    }
    return woken + moved.length;
  }

  /**
   * A dying thread's robust futexes (exit_robust_list / handle_futex_death): each lock it still holds gets
   * FUTEX_OWNER_DIED with its TID cleared (FUTEX_WAITERS kept) and one waiter woken.
   */
  walkRobustList(t: Thread): void {
    if (!t.robustList) return;
    const mem = t.proc.mm.mem;
    try {
      const head = t.robustList;
      const offset = Number(BigInt.asIntN(64, mem.read64(head + 8)));
      const pending = Number(mem.read64(head + 16));
      let entry = Number(mem.read64(head));
      const handle = (e: number) => {
        const uaddr = e - (e % 2) + offset;
        const val = mem.read32(uaddr);
        if ((val & 0x3fffffff) !== t.tid) return;
        mem.write32(uaddr, ((val & 0x80000000) | 0x40000000) >>> 0);
        if (val & 0x80000000) this.wake(t.proc, uaddr, 1, 0xffffffff);
      };
      for (let n = 0; entry !== head && n < 2048; n++) {
        const next = Number(mem.read64(entry - (entry % 2)));
        if (entry !== pending) handle(entry);
        entry = next;
      }
      if (pending) handle(pending);
    } catch {
      // A corrupt list stops the walk, as in Linux.
    }
  }
}
