/**
 * Scalar floating point and the Advanced SIMD subset that glibc/musl startup,
 * string functions and printf execute (found with `qemu-aarch64 -d in_asm`).
 *
 * Scalars live in lane 0 of V<n>; every scalar write zeroes the rest of the
 * register, and every 64-bit (Q=0) vector write zeroes the upper half, as the
 * architecture requires. JS arithmetic is round-to-nearest-even; under another
 * FPCR.RMode the scalar operations take the exact BigInt path in fma.ts.
 * FP exceptions are never trapped and FPSR cumulative bits are not set.
 */
import { mulhu32, rbit32, roundAway, roundEven, vfpExpandImm } from "./bits.js";
import type { Arm64Cpu, Handler } from "./cpu.js";
import type { Compilers } from "./exec.js";
import { SAT_MISC2_KEYS, SAT_SAME3_KEYS, satDiff3, satIndexed, satMisc2, satSame3, satShift } from "./exec-simd-sat.js";
import { simdFixedCvt, simdFp2, simdFpPairScalar, simdFp3, simdFpAcross, simdIndexed, simdInt2Big, simdInt3Big, simdShiftBig } from "./exec-simdfp.js";
import { add, div, fusedMulAdd, mul, RN, roundTo, RZ, sqrt } from "./fma.js";
import { FPCR_AHP, FPCR_FZ, flushIn, flushOut, halfIsNaN, halfNaNTo, halfValue, nanToHalf, toHalf } from "./fp-env.js";
import { commit, tb, th16, tq, tw } from "./scratch.js";
import { FIXED_CVT_OPS, fixedCvtSize } from "./simd-tables.js";
import { holds } from "./state.js";
import type { FieldMap } from "./table.js";

/** FPCR.RMode (bits 23:22): 0 nearest, 1 towards +inf, 2 towards -inf, 3 towards zero. */
const roundingMode = (c: Arm64Cpu) => (c.fpcr >>> 22) & 3;
/** The directed-rounding form of the basic ops (FP_DP2 opcodes 0..3 and 8). */
type DirectedOp = (a: number, b: number, single: boolean, mode: number) => number;
const DIRECTED: Partial<Record<number, DirectedOp>> = {
  0: mul,
  1: div,
  2: add,
  3: (a, b, s, m) => add(a, -b, s, m),
  8: (a, b, s, m) => -mul(a, b, s, m), // fnmul rounds the product, then negates
};

const f64 = new Float64Array(1);

const TWO32 = 4294967296;

// ------------------------------------------------------------ scalar helpers

function rdS(c: Arm64Cpu, n: number): number {
  return c.vf[n * 4]!;
}
function rdD(c: Arm64Cpu, n: number): number {
  return c.vd[n * 2]!;
}
/** Operands as FPUnpack reads them: under FPCR.FZ a subnormal is a zero of its sign. */
function fzS(c: Arm64Cpu, n: number): number {
  const v = c.vf[n * 4]!;
  return c.fpcr & FPCR_FZ ? flushIn(v, true) : v;
}
function fzD(c: Arm64Cpu, n: number): number {
  const v = c.vd[n * 2]!;
  return c.fpcr & FPCR_FZ ? flushIn(v, false) : v;
}
function wrS(c: Arm64Cpu, n: number, v: number): void {
  c.vf[n * 4] = v;
  c.vw[n * 4 + 1] = 0;
  c.vw[n * 4 + 2] = 0;
  c.vw[n * 4 + 3] = 0;
}
function wrD(c: Arm64Cpu, n: number, v: number): void {
  c.vd[n * 2] = v;
  c.vw[n * 4 + 2] = 0;
  c.vw[n * 4 + 3] = 0;
}
/** Copy the low `words` 32-bit words of V<n> into V<d>, zeroing the rest. */
function movScalar(c: Arm64Cpu, d: number, n: number, words: number, signFlip = 0, signClear = false): void {
  const vw = c.vw;
  for (let i = 0; i < words; i++) tw[i] = vw[n * 4 + i]!;
  const top = words - 1;
  if (signClear) tw[top] = tw[top]! & 0x7fffffff;
  tw[top] = (tw[top]! ^ signFlip) >>> 0;
  for (let i = 0; i < 4; i++) vw[d * 4 + i] = i < words ? tw[i]! : 0;
}

/** Integral rounding by FPCR.RMode (frintx, frinti). */
const MODE_ROUNDERS: readonly ((x: number) => number)[] = [roundEven, Math.ceil, Math.floor, Math.trunc];
const ROUNDERS: Record<number, (x: number) => number> = {
  0: roundEven, // N
  1: Math.ceil, // P
  2: Math.floor, // M
  3: Math.trunc, // Z
  4: roundAway, // A
};

function fmax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}
function fmin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
}
function fmaxnm(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}
function fminnm(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

// ---------------------------------------------------------- NaN results (Arm FPProcessNaNs)
// JS arithmetic yields the host's NaN (x86: negative "indefinite"); A64 yields the first
// signalling operand NaN (quieted), else the first quiet one, else the positive default NaN,
// and always the default NaN when FPCR.DN is set. Results that are NaN are rewritten here.
const FPCR_DN = 1 << 25;
function isNaNReg(c: Arm64Cpu, r: number, dbl: boolean): boolean {
  const vw = c.vw;
  if (dbl) { const hi = vw[r * 4 + 1]!; return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | vw[r * 4]!) !== 0; }
  const w = vw[r * 4]!;
  return (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
}
function isQuiet(c: Arm64Cpu, r: number, dbl: boolean): boolean {
  return dbl ? (c.vw[r * 4 + 1]! & 0x80000) !== 0 : (c.vw[r * 4]! & 0x400000) !== 0;
}
/** Write V<d> = the NaN A64 returns for an operation on `srcs` (sign of source k flipped when flips bit k is set). */
function writeNaN(c: Arm64Cpu, d: number, srcs: readonly number[], dbl: boolean, flips = 0, forceDefault = false): void {
  const vw = c.vw;
  let lo = 0, hi = dbl ? 0x7ff80000 : 0x7fc00000;
  if (!forceDefault && (c.fpcr & FPCR_DN) === 0) {
    let pick = -1;
    for (let k = 0; k < srcs.length && pick < 0; k++) if (isNaNReg(c, srcs[k]!, dbl) && !isQuiet(c, srcs[k]!, dbl)) pick = k;
    for (let k = 0; k < srcs.length && pick < 0; k++) if (isNaNReg(c, srcs[k]!, dbl)) pick = k;
    if (pick >= 0) {
      const r = srcs[pick]!;
      const flip = (flips >> pick) & 1 ? 0x80000000 : 0;
      if (dbl) { lo = vw[r * 4]!; hi = (vw[r * 4 + 1]! | 0x80000) ^ flip; }
      else hi = (vw[r * 4]! | 0x400000) ^ flip;
    }
  }
  if (dbl) { vw[d * 4] = lo; vw[d * 4 + 1] = hi >>> 0; }
  else { vw[d * 4] = hi >>> 0; vw[d * 4 + 1] = 0; }
  vw[d * 4 + 2] = 0;
  vw[d * 4 + 3] = 0;
}
/** fcvt of a NaN (FPConvertNaN): keep sign and the top payload bits, force quiet. */
function convertNaN(c: Arm64Cpu, d: number, n: number, toSingle: boolean): void {
  const vw = c.vw;
  if (c.fpcr & FPCR_DN) { if (toSingle) wrS(c, d, NaN); writeNaN(c, d, [], !toSingle, 0, true); return; }
  if (toSingle) {
    const hi = vw[n * 4 + 1]!, lo = vw[n * 4]!;
    const frac = ((hi & 0x7ffff) << 3) | (lo >>> 29); // op<50:29>
    vw[d * 4] = ((hi & 0x80000000) | 0x7fc00000 | frac) >>> 0;
    vw[d * 4 + 1] = 0;
  } else {
    const w = vw[n * 4]!;
    const frac = w & 0x3fffff; // op<21:0>
    vw[d * 4 + 1] = ((w & 0x80000000) | 0x7ff80000 | (frac >>> 3)) >>> 0;
    vw[d * 4] = (frac << 29) >>> 0;
  }
  vw[d * 4 + 2] = 0;
  vw[d * 4 + 3] = 0;
}

/** fcvt h, s / fcvt h, d: one rounding in the FPCR mode (FPCR.AHP: the alternative format); the operand is flushed under FZ, the half result never. */
function fcvtToHalf(c: Arm64Cpu, n: number, d: number, dbl: boolean, pc: number): Handler {
  const next = pc + 4, vw = c.vw;
  return () => {
    let h: number;
    if (isNaNReg(c, n, dbl)) h = nanToHalf(vw[n * 4 + (dbl ? 1 : 0)]!, vw[n * 4]!, dbl, c.fpcr);
    else h = toHalf(dbl ? fzD(c, n) : fzS(c, n), roundingMode(c), (c.fpcr & FPCR_AHP) !== 0);
    vw[d * 4] = h; vw[d * 4 + 1] = 0; vw[d * 4 + 2] = 0; vw[d * 4 + 3] = 0;
    return next;
  };
}
/** fcvt s, h / fcvt d, h: exact (half subnormals are never flushed). */
function fcvtFromHalf(c: Arm64Cpu, n: number, d: number, dbl: boolean, pc: number): Handler {
  const next = pc + 4, vw = c.vw;
  return () => {
    const h = c.vh[n * 8]!, ahp = (c.fpcr & FPCR_AHP) !== 0;
    if (halfIsNaN(h, ahp)) {
      const w = halfNaNTo(h, dbl, c.fpcr);
      vw[d * 4] = dbl ? 0 : w; vw[d * 4 + 1] = dbl ? w : 0; vw[d * 4 + 2] = 0; vw[d * 4 + 3] = 0;
    } else if (dbl) wrD(c, d, halfValue(h, ahp));
    else wrS(c, d, halfValue(h, ahp));
    return next;
  };
}

type BinOp = (a: number, b: number) => number;
const FP_BINOPS: readonly BinOp[] = [
  (a, b) => a * b, (a, b) => a / b, (a, b) => a + b, (a, b) => a - b,
  fmax, fmin, fmaxnm, fminnm, (a, b) => -(a * b),
];

/** NZCV of an FP comparison: unordered 0011, equal 0110, less 1000, greater 0010. */
function fcmpFlags(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return 3;
  return a === b ? 6 : a < b ? 8 : 2;
}

/** Convert a double to an integer with rounding and saturation, into lo/hi (out). */
const cvtOut = [0, 0];
function fpToInt(x: number, round: (x: number) => number, is64: boolean, unsigned: boolean): void {
  let r = Number.isNaN(x) ? 0 : round(x);
  if (!is64) {
    const lo = unsigned ? 0 : -2147483648, hi = unsigned ? 4294967295 : 2147483647;
    r = r < lo ? lo : r > hi ? hi : r;
    cvtOut[0] = r | 0;
    cvtOut[1] = 0;
    return;
  }
  if (unsigned) {
    if (r <= 0) { cvtOut[0] = 0; cvtOut[1] = 0; return; }
    if (r >= 18446744073709551616) { cvtOut[0] = -1; cvtOut[1] = -1; return; }
  } else {
    if (r >= 9223372036854775808) { cvtOut[0] = -1; cvtOut[1] = 0x7fffffff; return; }
    if (r <= -9223372036854775808) { cvtOut[0] = 0; cvtOut[1] = -0x80000000; return; }
  }
  const hi = Math.floor(r / TWO32);
  cvtOut[0] = (r - hi * TWO32) | 0;
  cvtOut[1] = hi | 0;
}

// ------------------------------------------------------------ vector lane helpers

function lane(c: Arm64Cpu, reg: number, size: number, i: number): number {
  switch (size) {
    case 0: return c.vb[reg * 16 + i]!;
    case 1: return c.vh[reg * 8 + i]!;
    default: return c.vw[reg * 4 + i]!;
  }
}
function slane(c: Arm64Cpu, reg: number, size: number, i: number): number {
  const v = lane(c, reg, size, i);
  return size === 0 ? (v << 24) >> 24 : size === 1 ? (v << 16) >> 16 : v | 0;
}
function setT(size: number, i: number, v: number): void {
  if (size === 0) tb[i] = v;
  else if (size === 1) th16[i] = v;
  else tw[i] = v;
}
const ONES = [0xff, 0xffff, 0xffffffff];

type LaneOp = (a: number, b: number) => number;
type BigLaneOp = (a: bigint, b: bigint) => bigint;
const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);

function threeSame(c: Arm64Cpu, pc: number, f: FieldMap["SIMD_3SAME"], op: LaneOp, op64?: BigLaneOp, signed = false): Handler | undefined {
  const { Q, size } = f;
  if (size === 3 && (!Q || !op64)) return undefined;
  const n = f.rn, m = f.rm, d = f.rd, next = pc + 4;
  if (size === 3) {
    const o = op64!, vq = c.vq;
    return () => { tq[0] = o(vq[n * 2]!, vq[m * 2]!) & M64; tq[1] = o(vq[n * 2 + 1]!, vq[m * 2 + 1]!) & M64; commit(c, d, 1); return next; };
  }
  const count = (Q ? 16 : 8) >> size;
  const get = signed ? slane : lane;
  return () => {
    for (let i = 0; i < count; i++) setT(size, i, op(get(c, n, size, i), get(c, m, size, i)));
    commit(c, d, Q);
    return next;
  };
}
function pairwise(c: Arm64Cpu, pc: number, f: FieldMap["SIMD_3SAME"], op: LaneOp, op64?: BigLaneOp, signed = false): Handler | undefined {
  const { Q, size } = f;
  if (size === 3 && (!Q || !op64)) return undefined;
  const n = f.rn, m = f.rm, d = f.rd, next = pc + 4;
  if (size === 3) {
    const o = op64!, vq = c.vq;
    return () => { const a = o(vq[n * 2]!, vq[n * 2 + 1]!) & M64, b = o(vq[m * 2]!, vq[m * 2 + 1]!) & M64; tq[0] = a; tq[1] = b; commit(c, d, 1); return next; };
  }
  const count = (Q ? 16 : 8) >> size, half = count / 2;
  const get = signed ? slane : lane;
  return () => {
    // Pairs of Vn fill the low half, pairs of Vm the high half; read all before writing.
    const vals = pairVals;
    for (let i = 0; i < half; i++) {
      vals[i] = op(get(c, n, size, 2 * i), get(c, n, size, 2 * i + 1));
      vals[half + i] = op(get(c, m, size, 2 * i), get(c, m, size, 2 * i + 1));
    }
    for (let i = 0; i < count; i++) setT(size, i, vals[i]!);
    commit(c, d, Q);
    return next;
  };
}
const pairVals = new Float64Array(16);

const cmpMask = (size: number, t: boolean) => (t ? ONES[size]! : 0);
/** 64-bit-lane forms of the 2-register-misc ops (exact; lanes do not fit a double). */
const BIG_2MISC: Record<number, (a: bigint) => bigint> = {
  9: (a) => (a === 0n ? -1n : 0n),
  8: (a) => (a > 0n ? -1n : 0n),
  40: (a) => (a >= 0n ? -1n : 0n),
  41: (a) => (a <= 0n ? -1n : 0n),
  10: (a) => (a < 0n ? -1n : 0n),
  11: (a) => (a < 0n ? -a : a),
  43: (a) => -a,
};

function fpDp2Fast(c: Arm64Cpu, f: FieldMap["FP_DP2"], pc: number): Handler | undefined {
  const { ftype, opcode } = f;
  if (ftype > 1 || opcode > 8) return undefined;
  const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, dbl = ftype === 1;
  const op = FP_BINOPS[opcode]!;
  const srcs = [n, m];
  const nm = opcode === 6 || opcode === 7;
  if (dbl) {
    const vd = c.vd;
    const directed = DIRECTED[opcode];
    if (opcode === 2) return () => { const v = roundingMode(c) === RN ? vd[n * 2]! + vd[m * 2]! : add(vd[n * 2]!, vd[m * 2]!, false, roundingMode(c)); if (v !== v) writeNaN(c, d, srcs, true); else wrD(c, d, v); return next; };
    if (opcode === 0) return () => { const v = roundingMode(c) === RN ? vd[n * 2]! * vd[m * 2]! : mul(vd[n * 2]!, vd[m * 2]!, false, roundingMode(c)); if (v !== v) writeNaN(c, d, srcs, true); else wrD(c, d, v); return next; };
    return () => {
      const mode = roundingMode(c);
      if (directed && mode !== RN) {
        const v = directed(vd[n * 2]!, vd[m * 2]!, false, mode);
        if (v !== v) { writeNaN(c, d, srcs, true); if (opcode === 8) c.vw[d * 4 + 1] = c.vw[d * 4 + 1]! ^ 0x80000000; } else wrD(c, d, v);
        return next;
      }
      // fmaxnm/fminnm treat one quiet NaN as missing data, but a signalling NaN still propagates.
      if (nm && ((isNaNReg(c, n, true) && !isQuiet(c, n, true)) || (isNaNReg(c, m, true) && !isQuiet(c, m, true)))) { writeNaN(c, d, srcs, true); return next; }
      const v = op(vd[n * 2]!, vd[m * 2]!);
      if (v !== v) { writeNaN(c, d, srcs, true); if (opcode === 8) c.vw[d * 4 + 1] = c.vw[d * 4 + 1]! ^ 0x80000000; } else wrD(c, d, v);
      return next;
    };
  }
  // Single precision: the double result of +,-,*,/ rounds correctly to float (p=53 >= 2*24+2).
  const directedS = DIRECTED[opcode];
  return () => {
    if (nm && ((isNaNReg(c, n, false) && !isQuiet(c, n, false)) || (isNaNReg(c, m, false) && !isQuiet(c, m, false)))) { writeNaN(c, d, srcs, false); return next; }
    const mode = roundingMode(c);
    const v = directedS && mode !== RN ? directedS(rdS(c, n), rdS(c, m), true, mode) : op(rdS(c, n), rdS(c, m));
    // fnmul negates after the multiply, so even its NaN comes out sign-flipped.
    if (v !== v) { writeNaN(c, d, srcs, false); if (opcode === 8) c.vw[d * 4] = c.vw[d * 4]! ^ 0x80000000; } else wrS(c, d, v);
    return next;
  };
}

export const FP_SIMD = {
  FP_DP1(c, f, pc) {
    const { ftype, opcode } = f;
    if (opcode === 7 && ftype <= 1) return fcvtToHalf(c, f.rn, f.rd, ftype === 1, pc);
    if (ftype === 3 && (opcode === 4 || opcode === 5)) return fcvtFromHalf(c, f.rn, f.rd, opcode === 5, pc);
    if (ftype > 1) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, dbl = ftype === 1, words = dbl ? 2 : 1;
    const rd = dbl ? rdD : rdS;
    // Operands as FPUnpack reads them: subnormals are zeros under FPCR.FZ.
    const rdz = (cc: Arm64Cpu, r: number) => (cc.fpcr & FPCR_FZ ? flushIn(rd(cc, r), !dbl) : rd(cc, r));
    const wr = dbl ? wrD : (cc: Arm64Cpu, r: number, v: number) => wrS(cc, r, v);
    switch (opcode) {
      case 0: return () => { movScalar(c, d, n, words); return next; };
      case 1: return () => { movScalar(c, d, n, words, 0, true); return next; };
      case 2: return () => { movScalar(c, d, n, words, 0x80000000); return next; };
      case 3: return () => {
        const x = rdz(c, n), mode = roundingMode(c);
        const v = mode === RN ? Math.sqrt(x) : sqrt(x, !dbl, mode);
        if (v !== v) writeNaN(c, d, [n], dbl); else wr(c, d, v);
        return next;
      };
      case 4: return dbl ? () => {
        const v = rdz(c, n), mode = roundingMode(c);
        if (v !== v) { convertNaN(c, d, n, true); return next; }
        // A result below the smallest normal single is flushed by its exact value.
        const x = c.fpcr & FPCR_FZ ? flushOut(v, true) : v;
        wrS(c, d, mode === RN ? x : roundTo(x, true, mode));
        return next;
      } : undefined;
      case 5: return dbl ? undefined : () => { const v = rdz(c, n); if (v !== v) convertNaN(c, d, n, false); else wrD(c, d, v); return next; };
      case 8: case 9: case 10: case 11: case 12: case 14: case 15: {
        // frintx/frinti round in the FPCR mode; the others have their own.
        const dynamic = opcode === 14 || opcode === 15;
        const fixed = dynamic ? roundEven : ROUNDERS[opcode - 8]!;
        return () => {
          const r = dynamic ? MODE_ROUNDERS[roundingMode(c)]! : fixed;
          const v = r(rdz(c, n));
          if (v !== v) writeNaN(c, d, [n], dbl); else wr(c, d, v);
          return next;
        };
      }
      default: return undefined;
    }
  },
  FP_DP2(c, f, pc) {
    const fast = fpDp2Fast(c, f, pc);
    if (!fast) return undefined;
    const { ftype, opcode } = f;
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, dbl = ftype === 1, single = !dbl;
    const rd = dbl ? rdD : rdS, wr = dbl ? wrD : wrS, op = FP_BINOPS[opcode]!, directed = DIRECTED[opcode];
    const srcs = [n, m], nm = opcode === 6 || opcode === 7;
    // FPCR.FZ: operands and results below the smallest normal are zeros of their sign.
    const flushed = () => {
      const a = flushIn(rd(c, n), single), b = flushIn(rd(c, m), single);
      if (nm && ((isNaNReg(c, n, dbl) && !isQuiet(c, n, dbl)) || (isNaNReg(c, m, dbl) && !isQuiet(c, m, dbl)))) { writeNaN(c, d, srcs, dbl); return next; }
      const mode = roundingMode(c);
      const v = directed && mode !== RN ? directed(a, b, single, mode) : op(a, b);
      if (v !== v) { writeNaN(c, d, srcs, dbl); if (opcode === 8) c.vw[d * 4 + (dbl ? 1 : 0)] = c.vw[d * 4 + (dbl ? 1 : 0)]! ^ 0x80000000; return next; }
      wr(c, d, flushOut(v, single, directed ? () => directed(a, b, single, RZ) : undefined));
      return next;
    };
    return () => (c.fpcr & FPCR_FZ ? flushed() : fast());
  },
  FP_CMP(c, f, pc) {
    const { ftype, op, opc } = f;
    if (ftype > 1 || op || (opc & 7)) return undefined;
    const n = f.rn, m = f.rm, next = pc + 4, zero = (opc & 8) !== 0;
    const rd = ftype ? fzD : fzS;
    return () => { c.nzcv = fcmpFlags(rd(c, n), zero ? 0 : rd(c, m)); return next; };
  },
  FP_CSEL(c, f, pc) {
    const { ftype, cond } = f;
    if (ftype > 1) return undefined;
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, words = ftype ? 2 : 1;
    return () => { movScalar(c, d, holds(c, cond) ? n : m, words); return next; };
  },
  FP_CCMP(c, f, pc) {
    const { ftype, cond, nzcv } = f;
    if (ftype > 1) return undefined;
    const n = f.rn, m = f.rm, next = pc + 4;
    const rd = ftype ? fzD : fzS;
    return () => { c.nzcv = holds(c, cond) ? fcmpFlags(rd(c, n), rd(c, m)) : nzcv; return next; };
  },
  FP_IMM(c, f, pc) {
    const { ftype, imm8, imm5 } = f;
    if (ftype > 1 || imm5) return undefined;
    const v = vfpExpandImm(imm8), d = f.rd, next = pc + 4;
    return ftype ? () => { wrD(c, d, v); return next; } : () => { wrS(c, d, v); return next; };
  },
  FP_INT(c, f, pc) {
    const { sf, S, ftype, rmode, opcode } = f;
    if (S) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, L = c.L, H = c.H, vw = c.vw;
    const dz = d === 31 ? 33 : d;
    if (opcode >= 6) {
      if (rmode === 0 && sf === 0 && ftype === 0) {
        return opcode === 6 ? () => { L[dz] = vw[n * 4]!; H[dz] = 0; return next; } : () => { vw[d * 4] = L[n]!; vw[d * 4 + 1] = 0; vw[d * 4 + 2] = 0; vw[d * 4 + 3] = 0; return next; };
      }
      if (rmode === 0 && sf === 1 && ftype === 1) {
        return opcode === 6
          ? () => { L[dz] = vw[n * 4]!; H[dz] = vw[n * 4 + 1]!; return next; }
          : () => { vw[d * 4] = L[n]!; vw[d * 4 + 1] = H[n]!; vw[d * 4 + 2] = 0; vw[d * 4 + 3] = 0; return next; };
      }
      if (rmode === 1 && sf === 1 && ftype === 2) {
        return opcode === 6
          ? () => { L[dz] = vw[n * 4 + 2]!; H[dz] = vw[n * 4 + 3]!; return next; }
          : () => { vw[d * 4 + 2] = L[n]!; vw[d * 4 + 3] = H[n]!; return next; };
      }
      return undefined;
    }
    if (ftype > 1) return undefined;
    const dbl = ftype === 1;
    if (opcode === 2 || opcode === 3) {
      if (rmode !== 0) return undefined;
      const uns = opcode === 3;
      const get = sf
        ? uns ? () => (H[n]! >>> 0) * TWO32 + (L[n]! >>> 0) : () => H[n]! * TWO32 + (L[n]! >>> 0)
        : uns ? () => L[n]! >>> 0 : () => L[n]!;
      // Exact integer, one rounding: needed for 64-bit sources to single, and for directed modes.
      const exact = sf
        ? uns ? () => (BigInt(H[n]! >>> 0) << 32n) | BigInt(L[n]! >>> 0) : () => (BigInt(H[n]!) << 32n) | BigInt(L[n]! >>> 0)
        : uns ? () => BigInt(L[n]! >>> 0) : () => BigInt(L[n]!);
      return dbl
        ? () => { const mode = roundingMode(c); wrD(c, d, mode === RN ? get() : roundTo(exact(), false, mode)); return next; }
        : () => { const mode = roundingMode(c); wrS(c, d, mode === RN && !sf ? get() : roundTo(exact(), true, mode)); return next; };
    }
    let round: ((x: number) => number) | undefined;
    if (opcode <= 1) round = ROUNDERS[[0, 1, 2, 3][rmode]!];
    else if (opcode >= 4 && rmode === 0) round = roundAway;
    if (!round) return undefined;
    const r = round, uns = (opcode & 1) === 1, rd = dbl ? fzD : fzS;
    return () => { fpToInt(rd(c, n), r, !!sf, uns); L[dz] = cvtOut[0]!; H[dz] = cvtOut[1]!; return next; };
  },
  FP_FIXED(c, f, pc) {
    // Conversions between FP and fixed-point general registers with fbits = 64 - scale fraction bits.
    const { sf, S, ftype, rmode, opcode, scale } = f;
    if (S || ftype > 1 || (!sf && scale < 32)) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, L = c.L, H = c.H, dbl = ftype === 1, fbits = 64 - scale;
    if (rmode === 3 && opcode <= 1) {
      const uns = opcode === 1, rd = dbl ? fzD : fzS, mul = 2 ** fbits, dz = d === 31 ? 33 : d;
      return () => { fpToInt(rd(c, n) * mul, Math.trunc, !!sf, uns); L[dz] = cvtOut[0]!; H[dz] = cvtOut[1]!; return next; };
    }
    if (rmode !== 0 || (opcode !== 2 && opcode !== 3)) return undefined;
    const uns = opcode === 3, div = 2 ** -fbits;
    const exact = sf
      ? uns ? () => (BigInt(H[n]! >>> 0) << 32n) | BigInt(L[n]! >>> 0) : () => (BigInt(H[n]!) << 32n) | BigInt(L[n]! >>> 0)
      : uns ? () => BigInt(L[n]! >>> 0) : () => BigInt(L[n]!);
    // One rounding of the integer (FPCR mode), then an exact power-of-two scaling.
    return dbl
      ? () => { wrD(c, d, roundTo(exact(), false, roundingMode(c)) * div); return next; }
      : () => { wrS(c, d, roundTo(exact(), true, roundingMode(c)) * div); return next; };
  },
  FP_DP3(c, f, pc) {
    const { ftype, o1, o0 } = f;
    if (ftype > 1) return undefined;
    const n = f.rn, m = f.rm, a = f.ra, d = f.rd, next = pc + 4, single = ftype === 0;
    const rd = single ? rdS : rdD;
    const wr = single ? wrS : wrD;
    // fmadd: a + n*m; fmsub: a - n*m; fnmadd: -a - n*m; fnmsub: -a + n*m
    const negP = o0 !== o1, negA = o1 === 1;
    // NaN order is addend, op1, op2 (FPMulAdd); the negated operands' NaNs come out sign-flipped.
    const srcs = [a, n, m], flips = (negA ? 1 : 0) | (negP ? 2 : 0);
    return () => {
      const fz = (c.fpcr & FPCR_FZ) !== 0;
      const x = fz ? flushIn(rd(c, n), single) : rd(c, n), y = fz ? flushIn(rd(c, m), single) : rd(c, m), z = fz ? flushIn(rd(c, a), single) : rd(c, a);
      let v = fusedMulAdd(negP ? -x : x, y, negA ? -z : z, single, roundingMode(c));
      if (fz) v = flushOut(v, single, () => fusedMulAdd(negP ? -x : x, y, negA ? -z : z, single, RZ));
      if (v !== v) {
        // A quiet-NaN addend with inf*0 is an invalid operation: the default NaN.
        const invalidProduct = (x === 0 && Math.abs(y) === Infinity) || (y === 0 && Math.abs(x) === Infinity);
        writeNaN(c, d, srcs, !single, flips, invalidProduct && isNaNReg(c, a, !single) && isQuiet(c, a, !single));
      } else wr(c, d, v);
      return next;
    };
  },

  // ------------------------------------------------------------ Advanced SIMD
  SIMD_3SAME(c, f, pc) {
    const { Q, U, size, opcode } = f;
    if (opcode >= 24) return simdFp3(c, f, pc);
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, vw = c.vw;
    if (opcode === 3) {
      const k = (U << 2) | size;
      return () => {
        for (let i = 0; i < 4; i++) {
          const a = vw[n * 4 + i]!, b = vw[m * 4 + i]!, dd = vw[d * 4 + i]!;
          let r: number;
          switch (k) {
            case 0: r = a & b; break;
            case 1: r = a & ~b; break;
            case 2: r = a | b; break;
            case 3: r = a | ~b; break;
            case 4: r = a ^ b; break;
            case 5: r = (dd & a) | (~dd & b); break; // bsl
            case 6: r = (dd & ~b) | (a & b); break; // bit
            default: r = (dd & b) | (a & ~b); break; // bif
          }
          tw[i] = r >>> 0;
        }
        commit(c, d, Q);
        return next;
      };
    }
    const sz = size;
    const key = (U << 5) | opcode;
    if (SAT_SAME3_KEYS.includes(key)) return satSame3(c, f, pc, false);
    switch (key) {
      case 16: return threeSame(c, pc, f, (a, b) => a + b, (a, b) => a + b);
      case 48: return threeSame(c, pc, f, (a, b) => a - b, (a, b) => a - b);
      case 49: return threeSame(c, pc, f, (a, b) => cmpMask(sz, a === b), (a, b) => (a === b ? M64 : 0n));
      case 17: return threeSame(c, pc, f, (a, b) => cmpMask(sz, (a & b) !== 0), (a, b) => ((a & b) !== 0n ? M64 : 0n));
      case 38: return threeSame(c, pc, f, (a, b) => cmpMask(sz, a > b), (a, b) => (a > b ? M64 : 0n));
      case 39: return threeSame(c, pc, f, (a, b) => cmpMask(sz, a >= b), (a, b) => (a >= b ? M64 : 0n));
      case 6: return threeSame(c, pc, f, (a, b) => cmpMask(sz, a > b), (a, b) => (s64(a) > s64(b) ? M64 : 0n), true);
      case 7: return threeSame(c, pc, f, (a, b) => cmpMask(sz, a >= b), (a, b) => (s64(a) >= s64(b) ? M64 : 0n), true);
      case 52: return pairwise(c, pc, f, Math.max);
      case 53: return pairwise(c, pc, f, Math.min);
      case 20: return pairwise(c, pc, f, Math.max, undefined, true);
      case 21: return pairwise(c, pc, f, Math.min, undefined, true);
      case 23: return pairwise(c, pc, f, (a, b) => a + b, (a, b) => a + b);
      case 44: return threeSame(c, pc, f, Math.max);
      case 45: return threeSame(c, pc, f, Math.min);
      case 12: return threeSame(c, pc, f, Math.max, undefined, true);
      case 13: return threeSame(c, pc, f, Math.min, undefined, true);
      case 18: case 50: {
        // mla / mls: Vd ± Vn*Vm per lane (products wrap to the lane width).
        if (sz === 3) return undefined;
        const n = f.rn, m = f.rm, sub = key === 50, count = (Q ? 16 : 8) >> sz;
        return () => {
          for (let i = 0; i < count; i++) {
            const p = Math.imul(lane(c, n, sz, i), lane(c, m, sz, i));
            const acc = lane(c, d, sz, i);
            setT(sz, i, (sub ? acc - p : acc + p) >>> 0);
          }
          commit(c, d, Q);
          return next;
        };
      }
      case 0: case 32: case 2: case 34: case 4: case 36: case 8: case 40: case 14: case 46: case 15: case 47:
        return simdInt3Big(c, f, pc);
      case 19: return sz === 3 ? undefined : threeSame(c, pc, f, (a, b) => (sz === 2 ? Math.imul(a, b) : a * b));
      default: return undefined;
    }
  },
  SIMD_3DIFF(c, f, pc) {
    const { Q, U, size, opcode } = f;
    if (size === 3 || ![0, 1, 2, 3, 12].includes(opcode)) return satDiff3(c, f, pc);
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, count = 8 >> size, off = Q ? count : 0;
    const wideN = opcode === 1 || opcode === 3, sub = opcode === 2 || opcode === 3, mul = opcode === 12;
    const get = U ? lane : slane;
    const vals = new Float64Array(count);
    const bigVals = new Uint32Array(2 * count);
    if (size === 2 && !mul) {
      // 64-bit result lanes (and 64-bit wide operands for the *w forms): exact in BigInt.
      const vq = c.vq, vw = c.vw;
      const out = [0n, 0n];
      return () => {
        for (let i = 0; i < 2; i++) {
          const w32 = (r: number, k: number) => (U ? BigInt(vw[r * 4 + k]!) : BigInt(vw[r * 4 + k]! | 0));
          const a = wideN ? (U ? vq[n * 2 + i]! : BigInt.asIntN(64, vq[n * 2 + i]!)) : w32(n, off + i);
          const b = w32(m, off + i);
          out[i] = BigInt.asUintN(64, sub ? a - b : a + b);
        }
        tq[0] = out[0]!; tq[1] = out[1]!;
        commit(c, d, 1);
        return next;
      };
    }
    return () => {
      for (let i = 0; i < count; i++) {
        const a = wideN ? get(c, n, size + 1, i) : get(c, n, size, off + i);
        const b = get(c, m, size, off + i);
        vals[i] = mul ? a * b : sub ? a - b : a + b;
        if (mul && size === 2) {
          // 32x32 products exceed 2^53: form the 64-bit result from halves.
          const lo = Math.imul(a, b) >>> 0;
          let hi = mulhu32(a >>> 0, b >>> 0);
          if (!U) hi = hi - (a < 0 ? b : 0) - (b < 0 ? a : 0);
          bigVals[i] = lo; bigVals[count + i] = hi >>> 0;
        }
      }
      if (mul && size === 2) {
        for (let i = 0; i < count; i++) { tw[2 * i] = bigVals[i]!; tw[2 * i + 1] = bigVals[count + i]!; }
      } else if (size === 2) {
        for (let i = 0; i < count; i++) { const v = vals[i]!; const hi = Math.floor(v / TWO32); tw[2 * i] = (v - hi * TWO32) >>> 0; tw[2 * i + 1] = hi >>> 0; }
      } else for (let i = 0; i < count; i++) setT(size + 1, i, vals[i]! >>> 0);
      commit(c, d, 1);
      return next;
    };
  },
  SIMD_2MISC(c, f, pc) {
    const { Q, U, size, opcode } = f;
    if ((opcode >= 12 && opcode <= 15) || opcode >= 22) return simdFp2(c, f, pc);
    const n = f.rn, d = f.rd, next = pc + 4, k = (U << 5) | opcode, bytes = Q ? 16 : 8, vb = c.vb;
    const count = bytes >> size;
    const perLane = (op: (a: number) => number, signed = false): Handler | undefined => {
      if (size === 3) {
        if (!Q) return undefined;
        const vq = c.vq;
        const bop = BIG_2MISC[k];
        if (!bop) return undefined;
        return () => {
          for (let i = 0; i < 2; i++) tq[i] = BigInt.asUintN(64, bop(BigInt.asIntN(64, vq[n * 2 + i]!)));
          commit(c, d, 1);
          return next;
        };
      }
      const get = signed ? slane : lane;
      return () => { for (let i = 0; i < count; i++) setT(size, i, op(get(c, n, size, i)) >>> 0); commit(c, d, Q); return next; };
    };
    if (k === 5 && size === 0) return () => { for (let i = 0; i < bytes; i++) { let v = vb[n * 16 + i]!, cnt = 0; while (v) { cnt += v & 1; v >>= 1; } tb[i] = cnt; } commit(c, d, Q); return next; };
    if (k === 37 && size === 0) return () => { for (let i = 0; i < bytes; i++) tb[i] = ~vb[n * 16 + i]!; commit(c, d, Q); return next; };
    if (k === 37 && size === 1) return () => { for (let i = 0; i < bytes; i++) tb[i] = rbit32(vb[n * 16 + i]!) >>> 24; commit(c, d, Q); return next; };
    if (k === 51) {
      // shll/shll2: widen the low (shll2: the high) half's elements, each shifted left by its own width.
      if (size === 3) return undefined;
      const cnt = 8 >> size, base = Q ? cnt : 0, esize = 8 << size;
      return () => {
        for (let i = 0; i < cnt; i++) {
          const v = lane(c, n, size, base + i);
          if (size === 2) { tw[2 * i] = 0; tw[2 * i + 1] = v; } else setT(size + 1, i, (v << esize) >>> 0);
        }
        commit(c, d, 1);
        return next;
      };
    }
    if (k === 18) {
      if (size === 3) return undefined;
      const cnt = 8 >> size, base = Q ? cnt : 0;
      return () => {
        // xtn writes the low half (xtn2: the high half, keeping the low half).
        for (let i = 0; i < 16; i++) tb[i] = vb[d * 16 + i]!;
        for (let i = 0; i < cnt; i++) setT(size, base + i, size === 2 ? c.vw[n * 4 + 2 * i]! : lane(c, n, size + 1, i) & ONES[size]!);
        commit(c, d, Q);
        return next;
      };
    }
    if ((k === 0 && size < 3) || (k === 32 && size < 2) || (k === 1 && size === 0)) {
      const group = k === 0 ? 8 : k === 32 ? 4 : 2; // bytes per reversed container
      const esz = 1 << size;
      return () => {
        for (let g = 0; g < bytes; g += group)
          for (let e = 0; e < group; e += esz)
            for (let b = 0; b < esz; b++) tb[g + e + b] = vb[n * 16 + g + (group - esz - e) + b]!;
        commit(c, d, Q);
        return next;
      };
    }
    if (SAT_MISC2_KEYS.includes(k)) return satMisc2(c, f, pc, false);
    if ([4, 36, 2, 34, 6, 38].includes(k)) return simdInt2Big(c, f, pc);
    const all = size === 3 ? -1 : ONES[size]!;
    switch (k) {
      case 9: return perLane((a) => (a === 0 ? all : 0), true);
      case 8: return perLane((a) => (a > 0 ? all : 0), true);
      case 40: return perLane((a) => (a >= 0 ? all : 0), true);
      case 41: return perLane((a) => (a <= 0 ? all : 0), true);
      case 10: return perLane((a) => (a < 0 ? all : 0), true);
      case 11: return perLane((a) => Math.abs(a), true);
      case 43: return perLane((a) => -a, true);
      default: return undefined;
    }
  },
  SIMD_ACROSS(c, f, pc) {
    const { Q, U, size, opcode } = f;
    if (opcode === 12 || opcode === 15) return simdFpAcross(c, f, pc);
    const k = (U << 5) | opcode;
    if (size === 3 || (size === 2 && !Q) || ![27, 10, 26, 42, 58, 35, 3].includes(k)) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, count = (Q ? 16 : 8) >> size;
    const signed = k === 10 || k === 26 || k === 3;
    const get = signed ? slane : lane;
    const long = k === 35 || k === 3;
    return () => {
      let acc = get(c, n, size, 0);
      for (let i = 1; i < count; i++) {
        const v = get(c, n, size, i);
        acc = k === 27 || long ? acc + v : k === 10 || k === 42 ? Math.max(acc, v) : Math.min(acc, v);
      }
      tw[0] = 0; tw[1] = 0; tw[2] = 0; tw[3] = 0;
      const osz = long ? size + 1 : size;
      if (osz === 3) { const hi = Math.floor(acc / TWO32); tw[0] = (acc - hi * TWO32) >>> 0; tw[1] = hi >>> 0; }
      else setT(osz, 0, acc & (osz === 2 ? -1 : ONES[osz]!));
      commit(c, d, 1);
      return next;
    };
  },
  SIMD_COPY(c, f, pc) {
    const { Q, op, imm5, imm4 } = f;
    const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : imm5 & 8 ? 3 : -1;
    if (size < 0) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, idx = imm5 >> (size + 1), esz = 1 << size, vb = c.vb, L = c.L, H = c.H;
    const bytes = Q ? 16 : 8;
    if (op) {
      if (!Q) return undefined;
      const src = imm4 >> size;
      return () => { for (let b = 0; b < esz; b++) tb[b] = vb[n * 16 + src * esz + b]!; for (let b = 0; b < esz; b++) vb[d * 16 + idx * esz + b] = tb[b]!; return next; };
    }
    if (imm4 === 0 || imm4 === 1) {
      if (size === 3 && !Q) return undefined;
      const fromGp = imm4 === 1;
      return () => {
        if (fromGp) { tw[0] = L[n]!; tw[1] = H[n]!; }
        else for (let b = 0; b < esz; b++) tb[b] = vb[n * 16 + idx * esz + b]!;
        for (let o = esz; o < bytes; o += esz) for (let b = 0; b < esz; b++) tb[o + b] = tb[b]!;
        commit(c, d, Q);
        return next;
      };
    }
    if (imm4 === 3 && Q) {
      return () => { tw[0] = L[n]!; tw[1] = H[n]!; for (let b = 0; b < esz; b++) vb[d * 16 + idx * esz + b] = tb[b]!; return next; };
    }
    const dz = d === 31 ? 33 : d;
    if (imm4 === 5 && size < 3 && (Q || size < 2)) {
      return () => { const v = slane(c, n, size, idx); L[dz] = v; H[dz] = Q ? v >> 31 : 0; if (!Q) L[dz] = v; return next; };
    }
    if (imm4 === 7 && (size === 3) === !!Q) {
      if (size === 3) return () => { L[dz] = c.vw[n * 4 + idx * 2]!; H[dz] = c.vw[n * 4 + idx * 2 + 1]!; return next; };
      return () => { L[dz] = lane(c, n, size, idx); H[dz] = 0; return next; };
    }
    return undefined;
  },
  SIMD_MODIMM(c, f, pc) {
    const { Q, op, imm8, cmode, o2 } = f;
    if (o2) return undefined;
    const d = f.rd, next = pc + 4, vw = c.vw;
    let lo: number, hi: number; // the 64-bit pattern, replicated to both halves
    let kind: "mov" | "orr" | "bic" = "mov";
    let invert = op === 1;
    if (cmode === 15) {
      if (op && !Q) return undefined;
      if (op) {
        f64[0] = vfpExpandImm(imm8);
        const w = new Uint32Array(f64.buffer);
        lo = w[0]!; hi = w[1]!;
      } else {
        const fl = new Float32Array([vfpExpandImm(imm8)]);
        lo = hi = new Uint32Array(fl.buffer)[0]!;
      }
      invert = false;
    } else if (cmode === 14) {
      if (op) {
        let l = 0, h = 0;
        for (let i = 0; i < 4; i++) { if ((imm8 >> i) & 1) l |= 0xff << (8 * i); if ((imm8 >> (i + 4)) & 1) h |= 0xff << (8 * i); }
        lo = l >>> 0; hi = h >>> 0;
      } else lo = hi = (imm8 * 0x01010101) >>> 0;
      invert = false;
    } else if ((cmode & 8) === 0) {
      lo = hi = (imm8 << (((cmode >> 1) & 3) * 8)) >>> 0;
      if (cmode & 1) kind = op ? "bic" : "orr";
    } else if ((cmode & 12) === 8) {
      const h16 = (imm8 << (((cmode >> 1) & 1) * 8)) & 0xffff;
      lo = hi = (h16 | (h16 << 16)) >>> 0;
      if (cmode & 1) kind = op ? "bic" : "orr";
    } else {
      lo = hi = cmode & 1 ? ((imm8 << 16) | 0xffff) >>> 0 : ((imm8 << 8) | 0xff) >>> 0;
    }
    if (kind !== "mov") invert = false;
    if (invert) { lo = ~lo >>> 0; hi = ~hi >>> 0; }
    const pat = [lo, hi, lo, hi];
    if (kind === "mov") return () => { for (let i = 0; i < 4; i++) tw[i] = pat[i]!; commit(c, d, Q); return next; };
    const isBic = kind === "bic";
    return () => { for (let i = 0; i < 4; i++) tw[i] = (isBic ? vw[d * 4 + i]! & ~pat[i]! : vw[d * 4 + i]! | pat[i]!) >>> 0; commit(c, d, Q); return next; };
  },
  SIMD_SHIFT(c, f, pc) {
    const { Q, U, immh, immb, opcode } = f;
    if (immh === 0) return undefined;
    const size = 31 - Math.clz32(immh), esize = 8 << size, immhb = (immh << 3) | immb;
    const n = f.rn, d = f.rd, next = pc + 4, k = (U << 5) | opcode;
    const fixed = FIXED_CVT_OPS[k];
    if (fixed) {
      const dbl = fixedCvtSize(immh) === 3;
      if (fixedCvtSize(immh) === undefined || (dbl && !Q)) return undefined;
      return simdFixedCvt(c, pc, fixed, n, d, dbl, dbl ? 2 : Q ? 4 : 2, 2 * esize - immhb, Q ? 16 : 8);
    }
    if ([2, 34, 4, 36, 6, 38, 40, 42, 17].includes(k)) return simdShiftBig(c, f, pc);
    if ([14, 46, 44, 18, 19, 50, 51, 48, 49].includes(k)) return satShift(c, f, pc, false);
    if (size === 3) {
      if (!Q || (k !== 0 && k !== 32 && k !== 10)) return undefined;
      const vq = c.vq;
      const sh = BigInt(k === 10 ? immhb - esize : 2 * esize - immhb);
      return () => {
        for (let i = 0; i < 2; i++) {
          const v = vq[n * 2 + i]!;
          tq[i] = k === 10 ? (v << sh) & M64 : k === 32 ? v >> sh : BigInt.asUintN(64, BigInt.asIntN(64, v) >> sh);
        }
        commit(c, d, 1);
        return next;
      };
    }
    const count = (Q ? 16 : 8) >> size;
    if (k === 0 || k === 32) {
      const sh = 2 * esize - immhb;
      const get = U ? lane : slane;
      return () => { for (let i = 0; i < count; i++) { const v = get(c, n, size, i); setT(size, i, (sh >= 32 ? (v < 0 ? -1 : 0) : U ? v >>> sh : v >> sh) >>> 0); } commit(c, d, Q); return next; };
    }
    if (k === 10) {
      const sh = immhb - esize;
      return () => { for (let i = 0; i < count; i++) setT(size, i, (lane(c, n, size, i) << sh) >>> 0); commit(c, d, Q); return next; };
    }
    if (k === 16) {
      const sh = 2 * esize - immhb, cnt = 8 >> size, base = Q ? cnt : 0;
      return () => {
        for (let i = 0; i < 16; i++) tb[i] = c.vb[d * 16 + i]!;
        for (let i = 0; i < cnt; i++) {
          let v: number;
          if (size === 2) { const lo = c.vw[n * 4 + 2 * i]!, hi = c.vw[n * 4 + 2 * i + 1]!; v = sh >= 32 ? hi >>> (sh - 32) : sh === 0 ? lo : (lo >>> sh) | (hi << (32 - sh)); }
          else v = lane(c, n, size + 1, i) >>> sh;
          setT(size, base + i, v & ONES[size]!);
        }
        commit(c, d, Q);
        return next;
      };
    }
    if (k === 20 || k === 52) {
      const sh = immhb - esize, cnt = 8 >> size, base = Q ? cnt : 0;
      const get = U ? lane : slane;
      const vals = new Float64Array(cnt);
      return () => {
        for (let i = 0; i < cnt; i++) vals[i] = get(c, n, size, base + i);
        if (size === 2) for (let i = 0; i < cnt; i++) { const v = BigInt.asUintN(64, BigInt(vals[i]!) << BigInt(sh)); tw[2 * i] = Number(v & 0xffffffffn); tw[2 * i + 1] = Number(v >> 32n); }
        else for (let i = 0; i < cnt; i++) vals[i] = vals[i]! * 2 ** sh;
        if (size === 2) { /* done above */ }
        else for (let i = 0; i < cnt; i++) setT(size + 1, i, vals[i]! >>> 0);
        commit(c, d, 1);
        return next;
      };
    }
    return undefined;
  },
  SIMD_EXT(c, f, pc) {
    const { Q, op2, imm4 } = f;
    if (op2 || (!Q && imm4 >= 8)) return undefined;
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, bytes = Q ? 16 : 8, vb = c.vb;
    return () => {
      for (let i = 0; i < bytes; i++) { const j = i + imm4; tb[i] = j < bytes ? vb[n * 16 + j]! : vb[m * 16 + j - bytes]!; }
      commit(c, d, Q);
      return next;
    };
  },
  SIMD_PERM(c, f, pc) {
    const { Q, size, opcode } = f;
    if (opcode === 0 || opcode === 4 || (size === 3 && !Q)) return undefined;
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, esz = 1 << size, count = (Q ? 16 : 8) >> size, vb = c.vb;
    const part = opcode >= 5 ? 1 : 0, kind = opcode & 3; // 1 uzp, 2 trn, 3 zip
    const src = new Uint8Array(32);
    return () => {
      for (let i = 0; i < 16; i++) { src[i] = vb[n * 16 + i]!; src[16 + i] = vb[m * 16 + i]!; }
      const el = (reg: number, i: number) => reg * 16 + i * esz; // reg 0 = n, 1 = m
      for (let i = 0; i < count; i++) {
        let from: number;
        if (kind === 1) { const j = 2 * i + part; from = j < count ? el(0, j) : el(1, j - count); }
        else if (kind === 2) from = el(i & 1, (i & ~1) + part);
        else { const base = part * (count / 2); from = el(i & 1, base + (i >> 1)); }
        for (let b = 0; b < esz; b++) tb[i * esz + b] = src[from + b]!;
      }
      commit(c, d, Q);
      return next;
    };
  },
  SIMD_TBL(c, f, pc) {
    const { Q, op2, len, op } = f;
    if (op2) return undefined;
    const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, bytes = Q ? 16 : 8, vb = c.vb, tableBytes = (len + 1) * 16;
    const table = new Uint8Array(64);
    return () => {
      for (let r = 0; r <= len; r++) for (let i = 0; i < 16; i++) table[r * 16 + i] = vb[((n + r) % 32) * 16 + i]!;
      for (let i = 0; i < bytes; i++) { const ix = vb[m * 16 + i]!; tb[i] = ix < tableBytes ? table[ix]! : op ? vb[d * 16 + i]! : 0; }
      commit(c, d, Q);
      return next;
    };
  },
  SIMD_INDEXED: (c, f, pc) => simdIndexed(c, f, pc) ?? satIndexed(c, f, pc, false),
  SIMD_SCALAR_PAIR(c, f, pc) {
    const { U, size, opcode } = f;
    if (U) return simdFpPairScalar(c, f, pc);
    if (opcode !== 27 || size !== 3) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, vq = c.vq;
    return () => { tq[0] = (vq[n * 2]! + vq[n * 2 + 1]!) & M64; tq[1] = 0n; commit(c, d, 1); return next; };
  },
} satisfies Partial<Compilers>;
