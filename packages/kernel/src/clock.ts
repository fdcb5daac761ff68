/**
 * Kernel time. In virtual mode (the default) CLOCK_MONOTONIC is a boot offset plus the instructions every
 * CPU has retired, so runs are deterministic; sleeps skip ahead. In real mode the host's clocks are read
 * (process.hrtime where there is one, performance.now elsewhere), first at the first reading, not at
 * construction.
 */

/** Boot time offset so CLOCK_MONOTONIC does not start at 0 (Linux starts near boot uptime). */
export const MONOTONIC_BASE_NS = 1_000_000_000n;
/** CLOCK_REALTIME at boot in virtual mode: 2024-01-01T00:00:00Z. */
export const REALTIME_BASE_NS = 1_704_067_200_000_000_000n;

function hostMonotonicNs(): bigint {
  const hr = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
  return hr ? hr() : BigInt(Math.round(performance.now() * 1e6));
}

/** MONOTONIC_BASE_NS as a Number (exact). */
const MONOTONIC_BASE = 1e9;
/** realtime − monotonic in virtual mode: a constant. */
export const VIRTUAL_REALTIME_OFFSET_NS = REALTIME_BASE_NS - MONOTONIC_BASE_NS;

export class KernelClock {
  /** Virtual time added by sleeps (and, in real mode, the part of a sleep the host cut short). */
  private skewNs = 0n;
  /** skewNs as a Number, and whether that is exact (a sum of exact non-negative Numbers below 2^53 is exact). */
  private skewNum = 0;
  private skewExact = true;
  private realStart: bigint | undefined;
  /** Virtual mode with a non-negative safe integer rate: time can be computed in Numbers (see virtualNs). */
  private readonly fastRate: number;

  constructor(
    private readonly mode: "virtual" | "real",
    private readonly nsPerInstruction: bigint,
    /** Instructions retired by every CPU so far. */
    private readonly retired: () => number,
  ) {
    const rate = Number(nsPerInstruction);
    this.fastRate = mode === "virtual" && rate >= 0 && Number.isSafeInteger(rate) ? rate : -1;
  }

  /**
   * Virtual CLOCK_MONOTONIC in ns as a Number, or -1 when it is not exactly one (real mode, or 2^53 ns and
   * beyond): the same value as monotonicNs without BigInt arithmetic, for the per-slice vvar refresh.
   */
  virtualNs(): number {
    return this.virtualNsAt(this.retired());
  }

  /** virtualNs when every CPU has retired `retired` instructions (the run loop has just summed them). */
  virtualNsAt(retired: number): number {
    const rate = this.fastRate;
    if (rate < 0 || !this.skewExact) return -1;
    const n = MONOTONIC_BASE + retired * rate + this.skewNum;
    // Every term is a non-negative integer, so a sum at most 2^53 - 1 had exact terms and an exact sum.
    return n <= Number.MAX_SAFE_INTEGER ? n : -1;
  }

  /** CLOCK_MONOTONIC in ns. */
  monotonicNs(): bigint {
    if (this.mode === "real") {
      const now = hostMonotonicNs();
      this.realStart ??= now;
      return now - this.realStart + MONOTONIC_BASE_NS + this.skewNs;
    }
    const n = this.virtualNs();
    if (n >= 0) return BigInt(n);
    return MONOTONIC_BASE_NS + BigInt(this.retired()) * this.nsPerInstruction + this.skewNs;
  }

  /** CLOCK_REALTIME in ns. */
  realtimeNs(): bigint {
    if (this.mode === "real") return BigInt(Date.now()) * 1_000_000n + this.skewNs;
    return REALTIME_BASE_NS + this.monotonicNs() - MONOTONIC_BASE_NS;
  }

  /** The counter the ISA cores expose (CNTVCT_EL0 / TSC): nanoseconds of CLOCK_MONOTONIC. */
  readonly counter = (): bigint => this.monotonicNs();

  /** Every thread sleeps until `deadline`: skip virtual time there, or really wait in real mode. */
  sleepUntil(deadline: bigint): void {
    const now = this.monotonicNs();
    if (deadline <= now) return;
    if (this.mode === "real") {
      const ms = Number((deadline - now) / 1_000_000n);
      if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const after = this.monotonicNs();
      if (after < deadline) this.addSkew(deadline - after);
    } else this.addSkew(deadline - now);
  }

  private addSkew(ns: bigint): void {
    this.skewNs += ns;
    this.skewNum = Number(this.skewNs);
    this.skewExact = this.skewNs >= 0n && this.skewNs <= BigInt(Number.MAX_SAFE_INTEGER);
  }
}
