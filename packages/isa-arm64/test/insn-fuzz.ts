/**
 * The simulator side of the differential instruction fuzzer (scripts/fuzz/insn-arm64, replayed by
 * insn-fuzz.test.ts): one instruction word run once on each tier from a full register state, and the
 * state layout the qemu-aarch64 runner (scripts/fuzz/insn-arm64/runner.c) reads and writes.
 *
 * State: 100 little-endian u64 slots (800 bytes): x0..x30, sp, nzcv (bits 31..28), fpcr, fpsr, a pad
 * slot, then v0..v31 as (low, high) pairs.
 */
import { GuestMemory, PERM_EXEC, PERM_READ, type Trap } from "@uabi/isa-core";
import { Arm64Cpu } from "../src/index.js";

export const STATE_BYTES = 800;
export const SLOT_SP = 31, SLOT_NZCV = 32, SLOT_FPCR = 33, SLOT_FPSR = 34, SLOT_V = 36;
/** FPSR's cumulative floating-point exception bits (IOC DZC OFC UFC IXC IDC), which the core does not model. */
export const FPSR_EXC = 0x9f;
const BRK0 = 0xd4200000;

/** Signal numbers for the traps the instruction can raise (what Linux delivers for each). */
const SIGNAL: Partial<Record<Trap["kind"], number>> = { undefined: 4, breakpoint: 5, alignment: 7, "page-fault": 11 };

export interface Outcome {
  /** 0 when the instruction retired, else the signal it raised. */
  readonly sig: number;
  readonly state: Uint8Array;
}

/** Runs single instructions at a fixed PC on a fresh interpreter and a translating-tier core. */
export class InsnRunner {
  private readonly mem = new GuestMemory();
  private readonly interp: Arm64Cpu;
  private readonly jit: Arm64Cpu;
  private readonly code = new Uint8Array(8);
  private readonly cv = new DataView(this.code.buffer);
  constructor(readonly pc: number) {
    const page = pc - (pc % 4096);
    this.mem.map(page, 4096, PERM_READ | PERM_EXEC);
    this.interp = new Arm64Cpu(this.mem, { jit: false });
    // Every block is translated on its first entry, so the instruction runs in the generated function.
    this.jit = new Arm64Cpu(this.mem, { jit: true, jitThreshold: 1 });
  }

  /** Run `word` from `input` on the interpreter (tier "interp") or the translating tier ("jit"). */
  run(word: number, input: Uint8Array, tier: "interp" | "jit"): Outcome {
    this.cv.setUint32(0, word >>> 0, true);
    this.cv.setUint32(4, BRK0, true);
    this.mem.poke(this.pc, this.code);
    const c = tier === "jit" ? this.jit : this.interp;
    loadState(c, input);
    c.pc = this.pc;
    // The translating tier only enters a block that fits the budget whole: [word, brk].
    const t = c.run(tier === "jit" ? 2 : 1);
    const retired = tier === "jit" ? t.kind === "breakpoint" && t.pc === this.pc + 4 : t.kind === "budget" && t.pc === this.pc + 4;
    const sig = retired ? 0 : (SIGNAL[t.kind] ?? 99);
    return { sig, state: sig === 0 ? saveState(c) : input.slice() };
  }
}

function loadState(c: Arm64Cpu, s: Uint8Array): void {
  const v = new DataView(s.buffer, s.byteOffset, s.byteLength);
  for (let i = 0; i < 32; i++) {
    const slot = i === SLOT_SP ? 32 : i;
    c.L[slot] = v.getInt32(i * 8, true);
    c.H[slot] = v.getInt32(i * 8 + 4, true);
  }
  c.nzcv = (v.getUint32(SLOT_NZCV * 8, true) >>> 28) & 15;
  c.fpcr = v.getUint32(SLOT_FPCR * 8, true);
  c.fpsr = v.getUint32(SLOT_FPSR * 8, true);
  c.vb.set(s.subarray(SLOT_V * 8, STATE_BYTES));
}

function saveState(c: Arm64Cpu): Uint8Array {
  const s = new Uint8Array(STATE_BYTES);
  const v = new DataView(s.buffer);
  for (let i = 0; i < 32; i++) {
    const slot = i === SLOT_SP ? 32 : i;
    v.setInt32(i * 8, c.L[slot]!, true);
    v.setInt32(i * 8 + 4, c.H[slot]!, true);
  }
  v.setUint32(SLOT_NZCV * 8, (c.nzcv << 28) >>> 0, true);
  v.setUint32(SLOT_FPCR * 8, c.fpcr >>> 0, true);
  v.setUint32(SLOT_FPSR * 8, c.fpsr >>> 0, true);
  s.set(c.vb, SLOT_V * 8);
  return s;
}

const SLOT_NAMES = [...Array.from({ length: 31 }, (_, i) => `x${i}`), "sp", "nzcv", "fpcr", "fpsr", "pad",
  ...Array.from({ length: 64 }, (_, i) => `v${i >> 1}.${i & 1 ? "hi" : "lo"}`)];

/**
 * Differences between two outcomes, as "slot: want got" strings (empty: equal). FPSR's cumulative exception
 * bits are compared only with `fpsrExc` (the core does not model them; QC is always compared).
 */
export function diffOutcome(want: Outcome, got: Outcome, fpsrExc = false): string[] {
  if (want.sig !== got.sig) return [`signal: want ${want.sig} got ${got.sig}`];
  if (want.sig !== 0) return [];
  const a = new DataView(want.state.buffer, want.state.byteOffset, STATE_BYTES);
  const b = new DataView(got.state.buffer, got.state.byteOffset, STATE_BYTES);
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    if (i === 35) continue;
    let x = a.getBigUint64(i * 8, true), y = b.getBigUint64(i * 8, true);
    if (i === SLOT_FPSR && !fpsrExc) { x &= ~BigInt(FPSR_EXC); y &= ~BigInt(FPSR_EXC); }
    if (x !== y) out.push(`${SLOT_NAMES[i]}: want ${x.toString(16)} got ${y.toString(16)}`);
  }
  return out;
}
