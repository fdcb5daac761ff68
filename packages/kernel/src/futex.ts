/**
 * Futexes (kernel/futex): wait queues keyed by (address space, address), wake by bitset, requeue, and the
 * robust-list walk a dying thread does (handle_futex_death).
 */
import { ETIMEDOUT } from "./errno.js";
import type { AddressSpace } from "./mm.js";
import type { Process, Thread, Wait } from "./task.js";

interface FutexWaiter {
  thread: Thread;
  bitset: number;
  woken: boolean;
}

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
