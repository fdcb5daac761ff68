/**
 * What the kernel model counts, per process and per syscall. The model turns these into time with a
 * cost profile (profile.ts); nothing here knows about nanoseconds.
 */

export interface CostCounters {
  /** Entries into the kernel: syscalls (including re-issued and rt_sigreturn), faults, bounces. */
  kernelEntries: number;
  kernelExits: number;
  /** User-mode instructions outside the vDSO. */
  userInsns: number;
  /** User-mode instructions inside the vDSO text (libkernel handlers, trampolines). */
  handlerInsns: number;
  signalDeliveries: number;
  sigreturns: number;
  /** Frames the kernel pushed to bounce a syscall into the vDSO. */
  bounceFrames: number;
  /** User stack bytes written by the kernel (signal and bounce frames), summed. */
  stackBytes: number;
  /** cBPF instructions executed by seccomp filters. */
  cbpfInsns: number;
  /** seccomp filter programs run (one per attached filter per kernel entry). */
  filterRuns: number;
  ptraceStops: number;
  /**
   * Ordered reads of the clock counter (x86-64 rdtscp, arm64 cntvct_el0 after an isb) in user mode: the
   * vDSO's clock_gettime makes one. Priced separately because one costs as much as ~60 ordinary instructions.
   */
  timerReads: number;
  /** Kernel entries made while Syscall User Dispatch is on for the task (each pays the dispatch check). */
  sudEntries: number;
  /** Exceptions other than syscalls: page faults, undefined instructions, alignment… */
  faults: number;
}

export type CounterName = keyof CostCounters;

export const COUNTER_NAMES: readonly CounterName[] = [
  "kernelEntries", "kernelExits", "userInsns", "handlerInsns", "signalDeliveries", "sigreturns",
  "bounceFrames", "stackBytes", "cbpfInsns", "filterRuns", "ptraceStops", "timerReads", "sudEntries", "faults",
];

export function zeroCounters(): CostCounters {
  return {
    kernelEntries: 0, kernelExits: 0, userInsns: 0, handlerInsns: 0, signalDeliveries: 0, sigreturns: 0,
    bounceFrames: 0, stackBytes: 0, cbpfInsns: 0, filterRuns: 0, ptraceStops: 0, timerReads: 0, sudEntries: 0, faults: 0,
  };
}

/**
 * A syscall's zero counters, as a literal: `{ ...zeroCounters(), calls: 0 }` gave objects of differing maps (V8's
 * object spread), so every use of a new kernel's entries deoptimised the ledger's adds ("wrong map"). Same keys
 * in the same order.
 */
function zeroSyscallCost(): SyscallCost {
  return {
    kernelEntries: 0, kernelExits: 0, userInsns: 0, handlerInsns: 0, signalDeliveries: 0, sigreturns: 0,
    bounceFrames: 0, stackBytes: 0, cbpfInsns: 0, filterRuns: 0, ptraceStops: 0, timerReads: 0, sudEntries: 0, faults: 0, calls: 0,
  };
}

/** Counters with some fields set; the rest are 0. */
export function counters(partial: Partial<CostCounters>): CostCounters {
  return { ...zeroCounters(), ...partial };
}

/** a += b, in place; returns a. */
export function addCounters(a: CostCounters, b: Readonly<CostCounters>, times = 1): CostCounters {
  for (const k of COUNTER_NAMES) a[k] += b[k] * times;
  return a;
}

export function diffCounters(after: Readonly<CostCounters>, before: Readonly<CostCounters>): CostCounters {
  const d = zeroCounters();
  for (const k of COUNTER_NAMES) d[k] = after[k] - before[k];
  return d;
}

export interface SyscallCost extends CostCounters {
  calls: number;
}

/**
 * A process's ledger: totals plus a per-syscall breakdown. The kernel calls `begin(nr)` when a
 * syscall enters (before the mechanism runs) and `end()` when it completes; everything charged in
 * between — including the bounce, the vDSO handler, the re-issue and the sigreturn — lands on that
 * syscall. `add` is allocation-free.
 */
export class CostLedger {
  readonly total: CostCounters = zeroCounters();
  readonly bySyscall = new Map<number, SyscallCost>();
  /** Highest single frame the kernel pushed, in bytes. */
  peakFrameBytes = 0;
  private current: SyscallCost | null = null;
  private depth = 0;
  /** The last syscall begun and its entry: a syscall-bound program makes the same call again and again. */
  private lastNr = -1;
  private lastCost: SyscallCost | undefined;

  begin(nr: number): void {
    // A nested begin (a syscall re-issued from the handler of the first) stays on the outer syscall.
    if (this.depth++ > 0) return;
    let c = nr === this.lastNr ? this.lastCost : this.bySyscall.get(nr);
    if (!c) {
      c = zeroSyscallCost();
      this.bySyscall.set(nr, c);
    }
    this.lastNr = nr;
    this.lastCost = c;
    c.calls++;
    this.current = c;
  }

  end(): void {
    if (this.depth === 0) return;
    if (--this.depth === 0) this.current = null;
  }

  add(name: CounterName, n = 1): void {
    this.total[name] += n;
    if (this.current) this.current[name] += n;
  }

  /*
   * The counters the scheduler and the entry path add on every slice and call, as `add` does: a named property
   * each, where `add`'s key differs from call to call and makes its property access megamorphic.
   */
  addKernelEntry(): void {
    this.total.kernelEntries++;
    const c = this.current;
    if (c !== null) c.kernelEntries++;
  }
  addKernelExit(): void {
    this.total.kernelExits++;
    const c = this.current;
    if (c !== null) c.kernelExits++;
  }
  addUserInsns(n: number): void {
    this.total.userInsns += n;
    const c = this.current;
    if (c !== null) c.userInsns += n;
  }
  addHandlerInsns(n: number): void {
    this.total.handlerInsns += n;
    const c = this.current;
    if (c !== null) c.handlerInsns += n;
  }
  /* The same for the counters the SUD, seccomp, ptrace and SIGSYS paths add on every call they take. */
  addSudEntry(): void {
    this.total.sudEntries++;
    const c = this.current;
    if (c !== null) c.sudEntries++;
  }
  addPtraceStop(): void {
    this.total.ptraceStops++;
    const c = this.current;
    if (c !== null) c.ptraceStops++;
  }
  /** add("filterRuns", runs) and add("cbpfInsns", insns). */
  addFilterRuns(runs: number, insns: number): void {
    const t = this.total;
    t.filterRuns += runs;
    t.cbpfInsns += insns;
    const c = this.current;
    if (c !== null) {
      c.filterRuns += runs;
      c.cbpfInsns += insns;
    }
  }
  addSignalDelivery(): void {
    this.total.signalDeliveries++;
    const c = this.current;
    if (c !== null) c.signalDeliveries++;
  }
  addSigreturn(): void {
    this.total.sigreturns++;
    const c = this.current;
    if (c !== null) c.sigreturns++;
  }

  /** A frame of `bytes` was written to the user stack. */
  frame(bytes: number, kind: "signal" | "bounce"): void {
    // As add("stackBytes", bytes) and add("bounceFrames"), with named properties (see addKernelEntry).
    const c = this.current;
    this.total.stackBytes += bytes;
    if (c !== null) c.stackBytes += bytes;
    if (kind === "bounce") {
      this.total.bounceFrames++;
      if (c !== null) c.bounceFrames++;
    }
    if (bytes > this.peakFrameBytes) this.peakFrameBytes = bytes;
  }

  /** The syscall currently being charged, if any. */
  get inSyscall(): boolean {
    return this.depth > 0;
  }

  snapshot(): CostCounters {
    return { ...this.total };
  }
}
