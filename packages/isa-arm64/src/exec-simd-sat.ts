/**
 * Advanced SIMD integer operations with saturation, rounding, doubling or narrowing, vector and scalar, on
 * exact BigInt lanes (Arm ARM C7.2 pseudocode: SatQ, the shift/round helpers): the saturating and rounding
 * register shifts (sqshl … uqrshl), saturating shifts by immediate and shift-narrows (sqshrn … sqrshrun),
 * the doubling multiplies (sqdmulh, sqrdmulh, sqdmull/sqdmlal/sqdmlsl, also by element), the long
 * multiply-accumulates and absolute differences (smlal … uabdl, also by element), the high-half narrows
 * (addhn … rsubhn), polynomial multiplies (pmul, pmull), sqabs/sqneg/suqadd/usqadd and saturating add/sub.
 * Every saturation sets FPSR.QC (bit 27), as the hardware does; FPSR.QC stays set until software clears it.
 *
 * Each compiler returns undefined for encodings it does not cover (reserved sizes), so the caller falls back
 * to "unallocated". Keys are U<<5 | opcode (U<<4 | opcode for three-different and by-element).
 */
import type { Arm64Cpu, Handler } from "./cpu.js";
import { tb } from "./scratch.js";
import { indexedOperand } from "./simd-tables.js";

const QC = 1 << 27;

/** Lanes of V<reg>: `count` elements of `bits` from element `first`, as signed or unsigned BigInts. */
function lanes(c: Arm64Cpu, reg: number, bits: number, count: number, signed: boolean, first = 0): bigint[] {
  const out: bigint[] = [];
  const bytes = bits >> 3;
  for (let i = 0; i < count; i++) {
    let v = 0n;
    const b0 = reg * 16 + (first + i) * bytes;
    for (let b = bytes - 1; b >= 0; b--) v = (v << 8n) | BigInt(c.vb[b0 + b]!);
    out.push(signed ? BigInt.asIntN(bits, v) : v);
  }
  return out;
}

/** Put `vals` (each truncated to `bits`) into the scratch vector from element `first`. */
function put(bits: number, vals: readonly bigint[], first = 0): void {
  const bytes = bits >> 3;
  for (let i = 0; i < vals.length; i++) {
    let u = BigInt.asUintN(bits, vals[i]!);
    for (let b = 0; b < bytes; b++) { tb[(first + i) * bytes + b] = Number(u & 0xffn); u >>= 8n; }
  }
}

/** Saturation state of the running instruction: any lane clamped sets FPSR.QC when it commits. */
let clamped = false;
function sat(v: bigint, bits: number, signed: boolean): bigint {
  const B = BigInt(bits);
  const max = signed ? (1n << (B - 1n)) - 1n : (1n << B) - 1n;
  const min = signed ? -(1n << (B - 1n)) : 0n;
  if (v > max) { clamped = true; return max; }
  if (v < min) { clamped = true; return min; }
  return v;
}

/** Write the scratch vector to V<d>: `bytes` (8 or 16) of it, the rest zeroed; or, for `keepLow`, only the high half. */
function finish(c: Arm64Cpu, d: number, bytes: number, keepLow = false): void {
  const base = d * 16;
  if (keepLow) for (let i = 8; i < 16; i++) c.vb[base + i] = tb[i]!;
  else for (let i = 0; i < 16; i++) c.vb[base + i] = i < bytes ? tb[i]! : 0;
  if (clamped) c.fpsr |= QC;
}

/** The element a signed shift amount (the low byte of the other operand) shifts by: `(a + round) << s`, exactly. */
function shiftBy(a: bigint, s: bigint, round: boolean): bigint {
  if (s >= 0n) return a << s;
  const r = -s;
  return (a + (round ? 1n << (r - 1n) : 0n)) >> r;
}

type Op3 = (a: bigint, b: bigint, esize: number) => bigint;
/** Three-same: [operands signed, result saturates to signed/unsigned (undefined: wraps), op, element sizes allowed]. */
const SAME3: Readonly<Record<number, { signed: boolean; sat?: "s" | "u"; op: Op3; sizes?: readonly number[]; scalarSizes?: readonly number[] }>> = {
  1: { signed: true, sat: "s", op: (a, b) => a + b }, 33: { signed: false, sat: "u", op: (a, b) => a + b },
  5: { signed: true, sat: "s", op: (a, b) => a - b }, 37: { signed: false, sat: "u", op: (a, b) => a - b },
  9: { signed: true, sat: "s", op: (a, b) => shiftBy(a, BigInt.asIntN(8, b), false) },
  41: { signed: false, sat: "u", op: (a, b) => shiftBy(a, BigInt.asIntN(8, b), false) },
  10: { signed: true, op: (a, b) => shiftBy(a, BigInt.asIntN(8, b), true), scalarSizes: [3] },
  42: { signed: false, op: (a, b) => shiftBy(a, BigInt.asIntN(8, b), true), scalarSizes: [3] },
  11: { signed: true, sat: "s", op: (a, b) => shiftBy(a, BigInt.asIntN(8, b), true) },
  43: { signed: false, sat: "u", op: (a, b) => shiftBy(a, BigInt.asIntN(8, b), true) },
  22: { signed: true, sat: "s", op: (a, b, e) => (2n * a * b) >> BigInt(e), sizes: [1, 2] },
  54: { signed: true, sat: "s", op: (a, b, e) => (2n * a * b + (1n << BigInt(e - 1))) >> BigInt(e), sizes: [1, 2] },
  // pmul: carry-less product of bytes, low 8 bits.
  51: { signed: false, op: (a, b) => clmul(a, b), sizes: [0], scalarSizes: [] },
};

/** The three-same keys `satSame3` covers. */
export const SAT_SAME3_KEYS: readonly number[] = Object.keys(SAME3).map(Number);

function clmul(a: bigint, b: bigint): bigint {
  let r = 0n;
  for (let i = 0n; b >> i; i++) if ((b >> i) & 1n) r ^= a << i;
  return r;
}

/** Three-same (vector, or scalar: element 0 only, the rest of V<d> zeroed). */
export function satSame3(c: Arm64Cpu, f: { Q: number; U: number; size: number; opcode: number; rn: number; rm: number; rd: number }, pc: number, scalar: boolean): Handler | undefined {
  const e = SAME3[(f.U << 5) | f.opcode];
  const { size, Q } = f;
  if (!e) return undefined;
  if (scalar ? !(e.scalarSizes ?? e.sizes ?? [0, 1, 2, 3]).includes(size) : !(e.sizes ?? [0, 1, 2, 3]).includes(size) || (size === 3 && !Q)) return undefined;
  const bits = 8 << size, count = scalar ? 1 : (Q ? 16 : 8) >> size, n = f.rn, m = f.rm, d = f.rd, next = pc + 4;
  // Shift amounts are the signed low byte of each element of the second operand.
  const bSigned = e.signed || f.opcode === 9 || f.opcode === 10 || f.opcode === 11;
  return () => {
    clamped = false;
    const a = lanes(c, n, bits, count, e.signed), b = lanes(c, m, bits, count, bSigned);
    put(bits, a.map((x, i) => { const r = e.op(x, b[i]!, bits); return e.sat ? sat(r, bits, e.sat === "s") : r; }));
    finish(c, d, scalar ? bits >> 3 : Q ? 16 : 8);
    return next;
  };
}

/** Three-different: key U<<4 | opcode. */
export function satDiff3(c: Arm64Cpu, f: { Q: number; U: number; size: number; opcode: number; rn: number; rm: number; rd: number }, pc: number, scalar = false): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const k = (U << 4) | opcode;
  const n = f.rn, m = f.rm, d = f.rd, next = pc + 4;
  const doubling = k === 9 || k === 11 || k === 13;
  if (scalar ? !doubling || (size !== 1 && size !== 2) : size === 3 && k !== 14) return undefined;
  if (doubling && (size === 0 || size === 3)) return undefined;
  const bits = 8 << size, wide = 2 * bits;
  if (k === 4 || k === 20 || k === 6 || k === 22) {
    // addhn/raddhn/subhn/rsubhn: the high half of each wide sum/difference, into the low (Q: high) half of V<d>.
    const cnt = 64 / bits, sub = opcode === 6, round = U === 1;
    return () => {
      clamped = false;
      const a = lanes(c, n, wide, cnt, false), b = lanes(c, m, wide, cnt, false);
      for (let i = 0; i < 16; i++) tb[i] = c.vb[d * 16 + i]!;
      put(bits, a.map((x, i) => ((sub ? x - b[i]! : x + b[i]!) + (round ? 1n << BigInt(bits - 1) : 0n)) >> BigInt(bits)), Q ? cnt : 0);
      finish(c, d, 8, Q === 1);
      return next;
    };
  }
  if (k === 14 || k === 30) {
    // pmull/pmull2: carry-less 8x8 -> 16 (size 0) or 64x64 -> 128 (size 3).
    if (U || (size !== 0 && size !== 3)) return undefined;
    const cnt = size === 0 ? 8 : 1;
    return () => {
      clamped = false;
      const a = lanes(c, n, bits, cnt, false, Q ? cnt : 0), b = lanes(c, m, bits, cnt, false, Q ? cnt : 0);
      put(wide, a.map((x, i) => clmul(x, b[i]!)));
      finish(c, d, 16);
      return next;
    };
  }
  type L = (a: bigint, b: bigint, acc: bigint) => bigint;
  const satW = (v: bigint) => sat(v, wide, true);
  const ops: Record<number, L> = {
    5: (a, b, acc) => acc + (a > b ? a - b : b - a), 21: (a, b, acc) => acc + (a > b ? a - b : b - a),
    7: (a, b) => (a > b ? a - b : b - a), 23: (a, b) => (a > b ? a - b : b - a),
    8: (a, b, acc) => acc + a * b, 24: (a, b, acc) => acc + a * b,
    10: (a, b, acc) => acc - a * b, 26: (a, b, acc) => acc - a * b,
    9: (a, b, acc) => satW(acc + satW(2n * a * b)), 11: (a, b, acc) => satW(acc - satW(2n * a * b)), 13: (a, b) => satW(2n * a * b),
  };
  const op = ops[k];
  if (!op) return undefined;
  const cnt = scalar ? 1 : 64 / bits, first = scalar ? 0 : Q ? cnt : 0, signed = U === 0;
  return () => {
    clamped = false;
    const a = lanes(c, n, bits, cnt, signed, first), b = lanes(c, m, bits, cnt, signed, first);
    const acc = lanes(c, d, wide, cnt, signed);
    put(wide, a.map((x, i) => op(x, b[i]!, acc[i]!)));
    finish(c, d, scalar ? wide >> 3 : 16);
    return next;
  };
}

/** Two-register misc: sqabs, sqneg, suqadd, usqadd and the saturating narrows sqxtn, uqxtn, sqxtun (key U<<5 | opcode). */
export const SAT_MISC2_KEYS: readonly number[] = [7, 39, 3, 35, 20, 52, 50];
export function satMisc2(c: Arm64Cpu, f: { Q: number; U: number; size: number; opcode: number; rn: number; rd: number }, pc: number, scalar: boolean): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const k = (U << 5) | opcode;
  if (!SAT_MISC2_KEYS.includes(k) || (!scalar && size === 3 && !Q)) return undefined;
  const bits = 8 << size, n = f.rn, d = f.rd, next = pc + 4;
  if (k === 20 || k === 52 || k === 50) {
    // Narrow each element of twice the width into the low half (xtn2: the high half, keeping the low).
    if (size === 3) return undefined;
    const cnt = scalar ? 1 : 64 / bits;
    return () => {
      clamped = false;
      const a = lanes(c, n, 2 * bits, cnt, k !== 52);
      if (scalar) tb.fill(0); else for (let i = 0; i < 16; i++) tb[i] = c.vb[d * 16 + i]!;
      put(bits, a.map((x) => sat(x, bits, k === 20)), !scalar && Q ? cnt : 0);
      if (scalar) finish(c, d, bits >> 3);
      else finish(c, d, 8, Q === 1);
      return next;
    };
  }
  const count = scalar ? 1 : (Q ? 16 : 8) >> size;
  return () => {
    clamped = false;
    let r: bigint[];
    if (k === 7 || k === 39) r = lanes(c, n, bits, count, true).map((x) => sat(k === 7 && x >= 0n ? x : -x, bits, true));
    else {
      // suqadd: signed V<d> + unsigned V<n>, signed result; usqadd: unsigned V<d> + signed V<n>, unsigned result.
      const acc = lanes(c, d, bits, count, k === 3), src = lanes(c, n, bits, count, k === 35);
      r = acc.map((x, i) => sat(x + src[i]!, bits, k === 3));
    }
    put(bits, r);
    finish(c, d, scalar ? bits >> 3 : Q ? 16 : 8);
    return next;
  };
}

/**
 * Shift by immediate with saturation: sqshl/uqshl/sqshlu #imm and the saturating shift-narrows
 * sqshrn/sqrshrn/uqshrn/uqrshrn/sqshrun/sqrshrun (key U<<5 | opcode).
 */
export function satShift(c: Arm64Cpu, f: { Q: number; U: number; immh: number; immb: number; opcode: number; rn: number; rd: number }, pc: number, scalar: boolean): Handler | undefined {
  const { Q, U, immh, immb, opcode } = f;
  if (immh === 0) return undefined;
  const k = (U << 5) | opcode, size = 31 - Math.clz32(immh), esize = 8 << size, immhb = (immh << 3) | immb;
  const n = f.rn, d = f.rd, next = pc + 4;
  if (k === 14 || k === 46 || k === 44) {
    if (!scalar && size === 3 && !Q) return undefined;
    const sh = BigInt(immhb - esize), count = scalar ? 1 : (Q ? 16 : 8) >> size, srcSigned = k !== 46, dstSigned = k === 14;
    return () => {
      clamped = false;
      put(esize, lanes(c, n, esize, count, srcSigned).map((x) => sat(x << sh, esize, dstSigned)));
      finish(c, d, scalar ? esize >> 3 : Q ? 16 : 8);
      return next;
    };
  }
  const NARROW: Record<number, [srcSigned: boolean, dstSigned: boolean, round: boolean]> = {
    18: [true, true, false], 19: [true, true, true], 50: [false, false, false], 51: [false, false, true], 48: [true, false, false], 49: [true, false, true],
  };
  const nw = NARROW[k];
  if (!nw || size === 3) return undefined;
  const [srcSigned, dstSigned, round] = nw;
  const sh = BigInt(2 * esize - immhb), cnt = scalar ? 1 : 64 / esize;
  return () => {
    clamped = false;
    const a = lanes(c, n, 2 * esize, cnt, srcSigned);
    if (scalar) tb.fill(0); else for (let i = 0; i < 16; i++) tb[i] = c.vb[d * 16 + i]!;
    put(esize, a.map((x) => sat((x + (round ? 1n << (sh - 1n) : 0n)) >> sh, esize, dstSigned)), !scalar && Q ? cnt : 0);
    if (scalar) finish(c, d, esize >> 3);
    else finish(c, d, 8, Q === 1);
    return next;
  };
}

/**
 * Integer by-element ops with widening or saturation (key U<<4 | opcode): smlal/umlal, smlsl/umlsl,
 * sqdmlal/sqdmlsl/sqdmull (long), sqdmulh/sqrdmulh (same width); vector or scalar.
 */
export function satIndexed(c: Arm64Cpu, f: { Q: number; U: number; size: number; L: number; M: number; rm: number; opcode: number; H: number; rn: number; rd: number }, pc: number, scalar: boolean): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const k = (U << 4) | opcode;
  if (size !== 1 && size !== 2) return undefined;
  const el = indexedOperand(size, f.H, f.L, f.M, f.rm);
  if (!el) return undefined;
  const bits = 8 << size, wide = 2 * bits, n = f.rn, d = f.rd, next = pc + 4, mreg = el.reg, idx = el.index;
  const satW = (v: bigint) => sat(v, wide, true);
  const LONG: Record<number, (a: bigint, b: bigint, acc: bigint) => bigint> = {
    2: (a, b, acc) => acc + a * b, 18: (a, b, acc) => acc + a * b, 6: (a, b, acc) => acc - a * b, 22: (a, b, acc) => acc - a * b,
    3: (a, b, acc) => satW(acc + satW(2n * a * b)), 7: (a, b, acc) => satW(acc - satW(2n * a * b)), 11: (a, b) => satW(2n * a * b),
  };
  const lop = LONG[k];
  if (lop) {
    if (scalar && k !== 3 && k !== 7 && k !== 11) return undefined;
    const cnt = scalar ? 1 : 64 / bits, first = scalar ? 0 : Q ? cnt : 0, signed = U === 0;
    return () => {
      clamped = false;
      const a = lanes(c, n, bits, cnt, signed, first), b = lanes(c, mreg, bits, 1, signed, idx)[0]!;
      const acc = lanes(c, d, wide, cnt, signed);
      put(wide, a.map((x, i) => lop(x, b, acc[i]!)));
      finish(c, d, scalar ? wide >> 3 : 16);
      return next;
    };
  }
  if (k !== 12 && k !== 13) return undefined;
  const round = k === 13, count = scalar ? 1 : (Q ? 16 : 8) >> size;
  return () => {
    clamped = false;
    const a = lanes(c, n, bits, count, true), b = lanes(c, mreg, bits, 1, true, idx)[0]!;
    put(bits, a.map((x) => sat((2n * x * b + (round ? 1n << BigInt(bits - 1) : 0n)) >> BigInt(bits), bits, true)));
    finish(c, d, scalar ? bits >> 3 : Q ? 16 : 8);
    return next;
  };
}
