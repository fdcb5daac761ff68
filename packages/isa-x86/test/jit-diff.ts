/** Differential harness: the same guest run by the interpreter alone and by the translating tier, state compared at every trap. */
import { GuestMemory, type Trap } from "@uabi/isa-core";
import { X86Cpu, type X86CpuOptions } from "../src/cpu.js";

/** Everything architectural a trap exposes: trap, rip, registers, rflags, bases, xmm, retired count. */
export function snapshot(cpu: X86Cpu, trap: Trap): string {
  const regs: string[] = [];
  for (let i = 0; i < 16; i++) regs.push(cpu.getReg(i).toString(16));
  const xmm: string[] = [];
  for (let i = 0; i < 16; i++) xmm.push(cpu.getXmm(i).map((v) => v.toString(16)).join(":"));
  const t = JSON.stringify(trap, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v));
  return `${t} rip=${cpu.pc.toString(16)} n=${cpu.counters.instructions} fl=${cpu.rflags.toString(16)} fs=${cpu.tlsBase.toString(16)} r=${regs.join(",")} x=${xmm.join(",")}`;
}

/** A deterministic PRNG (xorshift32) for budget chunks. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * An X86Cpu that logs a snapshot at every non-budget trap and, when `chunk` is given, splits each run(budget)
 * into runs of random smaller budgets (so budgets end mid-block and resume), returning only when the caller's
 * budget is spent or a real trap arrives.
 */
export class LoggingCpu extends X86Cpu {
  readonly log: string[] = [];
  constructor(mem: GuestMemory, opts: X86CpuOptions, private readonly chunk?: () => number) {
    super(mem, opts);
  }
  override run(budget: number): Trap {
    if (!this.chunk) {
      const t = super.run(budget);
      if (t.kind !== "budget") this.log.push(snapshot(this, t));
      return t;
    }
    const start = this.counters.instructions;
    for (;;) {
      const left = budget - (this.counters.instructions - start);
      const t = super.run(Math.min(left, 1 + (this.chunk() % 1999)));
      if (t.kind !== "budget") {
        this.log.push(snapshot(this, t));
        return t;
      }
      if (this.counters.instructions - start >= budget) return t;
    }
  }
}

/** Index of the first differing entry, or -1. */
export function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
