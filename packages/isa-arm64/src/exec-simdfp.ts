/**
 * Advanced SIMD floating point (three-same, two-register-misc, across-lanes) and the
 * by-element forms, lane by lane with the scalar code's NaN rules (Arm FPProcessNaNs).
 * Results go to a scratch vector first, so a destination that is also a source reads
 * its old value; Q=0 forms zero the upper half.
 */
import { roundAway, roundEven } from "./bits.js";
import type { Arm64Cpu, Handler } from "./cpu.js";
import { add, div, fusedMulAdd, mul, RN, roundTo, RZ, sqrt } from "./fma.js";
import { FPCR_AHP, FPCR_ENV, FPCR_FZ, flushIn, flushOut, frecpeBits, frecpxBits, frsqrteBits, halfIsNaN, halfNaNTo, halfValue, nanToHalf, rmodeOf, toHalf, urecpe, ursqrte } from "./fp-env.js";
import { commit, tb as tb8, td, tf, th16, tw } from "./scratch.js";
import { FP2_OPS, FP3_OPS, FP_ACROSS_OPS, fpKey, INDEXED_OPS, indexedOperand, SCALAR_PAIR_FP_OPS } from "./simd-tables.js";
import type { FieldMap } from "./table.js";

const TWO32 = 4294967296;
const FPCR_DN = 1 << 25;
const cvf = new Float32Array(1);
const cvw = new Uint32Array(cvf.buffer);
const cvd = new Float64Array(1);
const cvdw = new Uint32Array(cvd.buffer);

/** Lane i of V<r> as a number. */
const getF = (c: Arm64Cpu, r: number, i: number, dbl: boolean) => (dbl ? c.vd[r * 2 + i]! : c.vf[r * 4 + i]!);
/** Lane i of V<r> as FPUnpack reads it: under FPCR.FZ a subnormal is a zero of its sign. */
const getZ = (c: Arm64Cpu, r: number, i: number, dbl: boolean) => (c.fpcr & FPCR_FZ ? flushIn(getF(c, r, i, dbl), !dbl) : getF(c, r, i, dbl));
/** The rounding mode for an operation: nearest unless FPCR says otherwise. */
const modeOf = (c: Arm64Cpu) => (c.fpcr & FPCR_ENV ? rmodeOf(c) : RN);
function setF(i: number, v: number, dbl: boolean): void {
  if (dbl) td[i] = v;
  else tf[i] = v;
}
function laneIsNaN(c: Arm64Cpu, r: number, i: number, dbl: boolean): boolean {
  const vw = c.vw;
  if (dbl) { const hi = vw[r * 4 + 2 * i + 1]!; return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | vw[r * 4 + 2 * i]!) !== 0; }
  const w = vw[r * 4 + i]!;
  return (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
}
function laneQuiet(c: Arm64Cpu, r: number, i: number, dbl: boolean): boolean {
  return dbl ? (c.vw[r * 4 + 2 * i + 1]! & 0x80000) !== 0 : (c.vw[r * 4 + i]! & 0x400000) !== 0;
}
/** Put into scratch lane `i` the NaN an operation on lanes (regs[k], idx[k]) produces. */
function laneNaN(c: Arm64Cpu, i: number, regs: readonly number[], idx: readonly number[], dbl: boolean, flips = 0, forceDefault = false): void {
  let lo = 0, hi = dbl ? 0x7ff80000 : 0x7fc00000;
  if (!forceDefault && (c.fpcr & FPCR_DN) === 0) {
    let pick = -1;
    for (let k = 0; k < regs.length && pick < 0; k++) if (laneIsNaN(c, regs[k]!, idx[k]!, dbl) && !laneQuiet(c, regs[k]!, idx[k]!, dbl)) pick = k;
    for (let k = 0; k < regs.length && pick < 0; k++) if (laneIsNaN(c, regs[k]!, idx[k]!, dbl)) pick = k;
    if (pick >= 0) {
      const r = regs[pick]!, j = idx[pick]!, flip = (flips >> pick) & 1 ? 0x80000000 : 0;
      if (dbl) { lo = c.vw[r * 4 + 2 * j]!; hi = (c.vw[r * 4 + 2 * j + 1]! | 0x80000) ^ flip; }
      else hi = (c.vw[r * 4 + j]! | 0x400000) ^ flip;
    }
  }
  if (dbl) { tw[2 * i] = lo; tw[2 * i + 1] = hi >>> 0; }
  else tw[i] = hi >>> 0;
}

const maxF = (a: number, b: number) => Math.max(a, b);
const minF = (a: number, b: number) => Math.min(a, b);

/**
 * A binary FP operation rounded once to the format (`single`) in FPCR rounding `mode`: JS arithmetic for
 * nearest (single-precision results are rounded when stored), the exact BigInt paths of fma.ts otherwise.
 */
type Bin = (a: number, b: number, single: boolean, mode: number) => number;
const fadd: Bin = (a, b, s, m) => (m === RN ? a + b : add(a, b, s, m));
const fsub: Bin = (a, b, s, m) => (m === RN ? a - b : add(a, -b, s, m));
const fmulB: Bin = (a, b, s, m) => (m === RN ? a * b : mul(a, b, s, m));
const ARITH: Record<string, Bin> = {
  fadd, fsub, fmul: fmulB, fdiv: (a, b, s, m) => (m === RN ? a / b : div(a, b, s, m)),
  fmax: maxF, fmin: minF, fmaxnm: maxF, fminnm: minF, fabd: (a, b, s, m) => Math.abs(fsub(a, b, s, m)),
  faddp: fadd, fmaxp: maxF, fminp: minF, fmaxnmp: maxF, fminnmp: minF,
};
const CMP: Record<string, (a: number, b: number) => boolean> = {
  fcmeq: (a, b) => a === b, fcmge: (a, b) => a >= b, fcmgt: (a, b) => a > b,
  facge: (a, b) => Math.abs(a) >= Math.abs(b), facgt: (a, b) => Math.abs(a) > Math.abs(b),
};

/** FMULX: fmul, except that infinity times zero is 2.0 with the XOR of the signs (Arm ARM FPMulX). */
const fmulx: Bin = (a, b, s, m) => ((a === 0 && !Number.isFinite(b)) || (b === 0 && !Number.isFinite(a)) ? ((a < 0 || Object.is(a, -0)) !== (b < 0 || Object.is(b, -0)) ? -2 : 2) : fmulB(a, b, s, m));
const infTimesZero = (a: number, b: number) => (a === 0 && Math.abs(b) === Infinity) || (b === 0 && Math.abs(a) === Infinity);
/**
 * Newton-Raphson steps, fused (FPRecipStepFused / FPRSqrtStepFused): frecps 2 - a*b, frsqrts (3 - a*b) / 2,
 * rounded once; infinity times zero gives exactly 2.0 / 1.5. NaN operands never reach these (binLane).
 */
const STEP: Readonly<Record<string, Bin>> = {
  fmulx,
  frecps: (a, b, s, m) => (infTimesZero(a, b) ? 2 : fusedMulAdd(-a, b, 2, s, m)),
  // (3 - a*b) / 2 rounded once: halve the larger operand (exact unless both are subnormal).
  frsqrts: (a, b, s, m) => (infTimesZero(a, b) ? 1.5 : Math.abs(a) >= Math.abs(b) ? fusedMulAdd(-a / 2, b, 1.5, s, m) : fusedMulAdd(-a, b / 2, 1.5, s, m)),
};

/** One lane of a binary FP op with Arm NaN rules (maxnm/minnm ignore a single quiet NaN). */
function binLane(c: Arm64Cpu, i: number, op: Bin, nm: boolean, rn: number, jn: number, rm: number, jm: number, dbl: boolean, absNaN = false, flips = 0): void {
  const env = c.fpcr & FPCR_ENV, single = !dbl;
  let a = getF(c, rn, jn, dbl), b = getF(c, rm, jm, dbl);
  if (env & FPCR_FZ) { a = flushIn(a, single); b = flushIn(b, single); }
  if (a !== a || b !== b) {
    const an = a !== a, bn = b !== b;
    const sig = (an && !laneQuiet(c, rn, jn, dbl)) || (bn && !laneQuiet(c, rm, jm, dbl));
    if (nm && !sig && an !== bn) { setF(i, an ? b : a, dbl); return; }
    laneNaN(c, i, [rn, rm], [jn, jm], dbl, flips);
    if (absNaN) { if (dbl) tw[2 * i + 1] = tw[2 * i + 1]! & 0x7fffffff; else tw[i] = tw[i]! & 0x7fffffff; }
    return;
  }
  let r = op(a, b, single, env ? rmodeOf(c) : RN);
  if (r !== r) { laneNaN(c, i, [], [], dbl, 0, true); return; }
  if (env & FPCR_FZ) r = flushOut(r, single, () => op(a, b, single, RZ));
  setF(i, r, dbl);
}

export function simdFp3(c: Arm64Cpu, f: FieldMap["SIMD_3SAME"], pc: number): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const name = FP3_OPS[fpKey(U, size >> 1, opcode)];
  const dbl = (size & 1) === 1;
  if (!name || (dbl && !Q)) return undefined;
  const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, lanes = dbl ? 2 : Q ? 4 : 2;
  const cmp = CMP[name];
  if (cmp) {
    const ones = 0xffffffff;
    return () => {
      for (let i = 0; i < lanes; i++) {
        const t = cmp(getZ(c, n, i, dbl), getZ(c, m, i, dbl));
        if (dbl) { tw[2 * i] = t ? ones : 0; tw[2 * i + 1] = t ? ones : 0; } else tw[i] = t ? ones : 0;
      }
      commit(c, d, Q);
      return next;
    };
  }
  if (name === "fmla" || name === "fmls") {
    const neg = name === "fmls";
    return () => {
      for (let i = 0; i < lanes; i++) fmaLane(c, i, d, i, n, i, m, i, neg, dbl);
      commit(c, d, Q);
      return next;
    };
  }
  const op = STEP[name] ?? ARITH[name];
  if (!op) return undefined;
  const nm = name.includes("nm");
  if (name.endsWith("p")) {
    // Pairwise: lanes of Vn pairwise fill the low half of the result, Vm's the high half.
    const half = lanes / 2;
    return () => {
      for (let i = 0; i < half; i++) binLane(c, i, op, nm, n, 2 * i, n, 2 * i + 1, dbl);
      for (let i = 0; i < half; i++) binLane(c, half + i, op, nm, m, 2 * i, m, 2 * i + 1, dbl);
      commit(c, d, Q);
      return next;
    };
  }
  // frecps/frsqrts negate their first operand before choosing a NaN (FPRecipStepFused).
  const abs = name === "fabd", flips = name === "frecps" || name === "frsqrts" ? 1 : 0;
  return () => {
    for (let i = 0; i < lanes; i++) binLane(c, i, op, nm, n, i, m, i, dbl, abs, flips);
    commit(c, d, Q);
    return next;
  };
}

/** Scratch lane i = acc(ra, ja) ± n(jn) * m(jm), fused, with FPMulAdd's NaN order. */
function fmaLane(c: Arm64Cpu, i: number, ra: number, ja: number, rn: number, jn: number, rm: number, jm: number, neg: boolean, dbl: boolean): void {
  const x = getZ(c, rn, jn, dbl), y = getZ(c, rm, jm, dbl), z = getZ(c, ra, ja, dbl);
  const mode = modeOf(c);
  let v = fusedMulAdd(neg ? -x : x, y, z, !dbl, mode);
  if (v === v) {
    if (c.fpcr & FPCR_FZ) v = flushOut(v, !dbl, () => fusedMulAdd(neg ? -x : x, y, z, !dbl, RZ));
    setF(i, v, dbl);
    return;
  }
  const invalidProduct = (x === 0 && Math.abs(y) === Infinity) || (y === 0 && Math.abs(x) === Infinity);
  const quietAddend = z !== z && laneQuiet(c, ra, ja, dbl);
  laneNaN(c, i, [ra, rn, rm], [ja, jn, jm], dbl, neg ? 2 : 0, invalidProduct && quietAddend);
}

/** Integral rounding by FPCR.RMode (frintx, frinti). */
const MODE_ROUNDERS: readonly ((x: number) => number)[] = [roundEven, Math.ceil, Math.floor, Math.trunc];
const ROUND: Record<string, (x: number) => number> = {
  frintn: roundEven, frintm: Math.floor, frintp: Math.ceil, frintz: Math.trunc, frinta: roundAway, frintx: roundEven, frinti: roundEven,
  fcvtns: roundEven, fcvtms: Math.floor, fcvtps: Math.ceil, fcvtzs: Math.trunc, fcvtas: roundAway,
  fcvtnu: roundEven, fcvtmu: Math.floor, fcvtpu: Math.ceil, fcvtzu: Math.trunc, fcvtau: roundAway,
};

/** One fcvtxn lane: double (halves hi:lo) to single, rounded to odd (truncate, then set the LSB when inexact). */
function toOddSingle(c: Arm64Cpu, lo: number, hi: number): number {
  cvd[0] = 0;
  cvdw[0] = lo; cvdw[1] = hi;
  let x = cvd[0]!;
  // FZ: a subnormal operand is zero, and so is a result whose exact value is below the smallest normal single.
  if (c.fpcr & FPCR_FZ) x = flushOut(flushIn(x, false), true);
  if (x !== x) {
    // FPConvertNaN: sign, quiet, the top fraction bits; FPCR.DN gives the default NaN.
    if (c.fpcr & FPCR_DN) return 0x7fc00000;
    return ((hi & 0x80000000) | 0x7fc00000 | (((hi & 0xfffff) << 3) | (lo >>> 29))) >>> 0;
  }
  const r = roundTo(x, true, RZ);
  cvf[0] = r;
  return (r !== x && Number.isFinite(x) ? cvw[0]! | 1 : cvw[0]!) >>> 0;
}

/** fcvtxn/fcvtxn2 (vector: two doubles into the low or high half) and the scalar fcvtxn (element 0, rest zeroed). */
export function fcvtxn(c: Arm64Cpu, n: number, d: number, Q: number, scalar: boolean, pc: number): Handler {
  const next = pc + 4, vw = c.vw;
  return () => {
    for (let i = 0; i < 4; i++) tw[i] = scalar ? 0 : vw[d * 4 + i]!;
    const cnt = scalar ? 1 : 2, base = !scalar && Q ? 2 : 0;
    for (let i = 0; i < cnt; i++) tw[base + i] = toOddSingle(c, vw[n * 4 + 2 * i]!, vw[n * 4 + 2 * i + 1]!);
    if (!scalar && Q) { for (let i = 2; i < 4; i++) vw[d * 4 + i] = tw[i]!; }
    else commit(c, d, 0);
    return next;
  };
}

/** Half-precision fcvtn/fcvtn2 (four singles into the low or high half) and fcvtl/fcvtl2 (four halves from the low or high half). */
function fcvtHalfVector(c: Arm64Cpu, narrow: boolean, n: number, d: number, Q: number, pc: number): Handler {
  const next = pc + 4, vw = c.vw, vh = c.vh;
  const base = Q ? 4 : 0;
  if (narrow) {
    return () => {
      const ahp = (c.fpcr & FPCR_AHP) !== 0, mode = rmodeOf(c);
      for (let i = 0; i < 4; i++) tw[i] = vw[d * 4 + i]!;
      for (let i = 0; i < 4; i++) {
        const w = vw[n * 4 + i]!;
        th16[base + i] = (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0 ? nanToHalf(w, 0, false, c.fpcr) : toHalf(getZ(c, n, i, false), mode, ahp);
      }
      commit(c, d, Q);
      return next;
    };
  }
  return () => {
    const ahp = (c.fpcr & FPCR_AHP) !== 0;
    for (let i = 0; i < 4; i++) {
      const h = vh[n * 8 + base + i]!;
      if (halfIsNaN(h, ahp)) tw[i] = halfNaNTo(h, false, c.fpcr);
      else tf[i] = halfValue(h, ahp);
    }
    commit(c, d, 1);
    return next;
  };
}

/** The estimate ops on raw lane bits (frecpe, frsqrte, frecpx on s or d lanes; urecpe, ursqrte on s lanes); lanes past `lanes` are zeroed. */
const ESTIMATES: Readonly<Record<string, (bits: bigint, dbl: boolean, fpcr: number) => bigint>> = {
  frecpe: frecpeBits, frsqrte: frsqrteBits, frecpx: frecpxBits,
  urecpe: (b) => BigInt(urecpe(Number(b))), ursqrte: (b) => BigInt(ursqrte(Number(b))),
};
export function fpEstimate(c: Arm64Cpu, name: string, n: number, d: number, dbl: boolean, lanes: number, Q: number, pc: number): Handler | undefined {
  const est = ESTIMATES[name];
  if (!est) return undefined;
  const next = pc + 4, vw = c.vw;
  return () => {
    tw.fill(0);
    for (let i = 0; i < lanes; i++) {
      if (dbl) {
        const r = est((BigInt(vw[n * 4 + 2 * i + 1]!) << 32n) | BigInt(vw[n * 4 + 2 * i]!), true, c.fpcr);
        tw[2 * i] = Number(r & 0xffffffffn); tw[2 * i + 1] = Number(r >> 32n);
      } else tw[i] = Number(est(BigInt(vw[n * 4 + i]!), false, c.fpcr));
    }
    commit(c, d, Q);
    return next;
  };
}

export function simdFp2(c: Arm64Cpu, f: FieldMap["SIMD_2MISC"], pc: number): Handler | undefined {
  const { Q, U, size, opcode } = f;
  if (U === 1 && opcode === 22 && size === 1) return fcvtxn(c, f.rn, f.rd, Q, false, pc);
  const name = FP2_OPS[fpKey(U, size >> 1, opcode)];
  const dbl = (size & 1) === 1;
  if (!name) return undefined;
  const n = f.rn, d = f.rd, next = pc + 4, vw = c.vw;
  if ((name === "fcvtn" || name === "fcvtl") && !dbl) return fcvtHalfVector(c, name === "fcvtn", n, d, Q, pc);
  if (name === "fcvtn" || name === "fcvtl") {
    const narrow = name === "fcvtn";
    return () => {
      for (let i = 0; i < 4; i++) tw[i] = vw[d * 4 + i]!;
      const fz = (c.fpcr & FPCR_FZ) !== 0, mode = rmodeOf(c);
      if (narrow) {
        // fcvtn writes the low half (fcvtn2 the high half, keeping the low).
        const base = Q ? 2 : 0;
        for (let i = 0; i < 2; i++) {
          let v = c.vd[n * 2 + i]!;
          if (v === v) {
            // FZ: a subnormal operand is zero, and so is a result whose exact value is below the smallest normal single.
            if (fz) v = flushOut(flushIn(v, false), true);
            tf[base + i] = mode === RN ? v : roundTo(v, true, mode);
          }
          else if (c.fpcr & FPCR_DN) tw[base + i] = 0x7fc00000;
          else { const hi = vw[n * 4 + 2 * i + 1]!, lo = vw[n * 4 + 2 * i]!; tw[base + i] = ((hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29)) >>> 0; }
        }
        commit(c, d, Q);
      } else {
        const base = Q ? 2 : 0;
        const src = [vw[n * 4 + base]!, vw[n * 4 + base + 1]!];
        for (let i = 0; i < 2; i++) {
          const w = src[i]!;
          if ((w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0) {
            if (c.fpcr & FPCR_DN) { tw[2 * i] = 0; tw[2 * i + 1] = 0x7ff80000; }
            else { const fr = w & 0x3fffff; tw[2 * i + 1] = ((w & 0x80000000) | 0x7ff80000 | (fr >>> 3)) >>> 0; tw[2 * i] = (fr << 29) >>> 0; }
          } else { cvw[0] = w; td[i] = fz ? flushIn(cvf[0]!, true) : cvf[0]!; }
        }
        commit(c, d, 1);
      }
      return next;
    };
  }
  if (dbl && !Q) return undefined;
  const lanes = dbl ? 2 : Q ? 4 : 2;
  if (name === "frecpe" || name === "frsqrte" || ((name === "urecpe" || name === "ursqrte") && !dbl)) return fpEstimate(c, name, n, d, dbl, lanes, Q, pc);
  if (name === "fabs" || name === "fneg") {
    const neg = name === "fneg";
    return () => {
      for (let i = 0; i < 4; i++) tw[i] = vw[n * 4 + i]!;
      for (let i = 0; i < lanes; i++) {
        const k = dbl ? 2 * i + 1 : i;
        tw[k] = neg ? (tw[k]! ^ 0x80000000) >>> 0 : tw[k]! & 0x7fffffff;
      }
      commit(c, d, Q);
      return next;
    };
  }
  if (name.startsWith("fcm")) {
    const t = name === "fcmgt" ? (a: number) => a > 0 : name === "fcmeq" ? (a: number) => a === 0 : name === "fcmlt" ? (a: number) => a < 0 : name === "fcmge" ? (a: number) => a >= 0 : (a: number) => a <= 0;
    return () => {
      for (let i = 0; i < lanes; i++) {
        const r = t(getZ(c, n, i, dbl)) ? 0xffffffff : 0;
        if (dbl) { tw[2 * i] = r; tw[2 * i + 1] = r; } else tw[i] = r;
      }
      commit(c, d, Q);
      return next;
    };
  }
  if (name === "scvtf" || name === "ucvtf") {
    const uns = name === "ucvtf";
    return () => {
      const mode = modeOf(c);
      for (let i = 0; i < lanes; i++) {
        if (mode !== RN) {
          // One rounding of the exact integer in the FPCR mode.
          let v: bigint;
          if (dbl) { const w = (BigInt(vw[n * 4 + 2 * i + 1]!) << 32n) | BigInt(vw[n * 4 + 2 * i]!); v = uns ? w : BigInt.asIntN(64, w); }
          else v = BigInt(uns ? vw[n * 4 + i]! : vw[n * 4 + i]! | 0);
          setF(i, roundTo(v, !dbl, mode), dbl);
          continue;
        }
        let v: number;
        if (dbl) { const lo = vw[n * 4 + 2 * i]!, hi = vw[n * 4 + 2 * i + 1]!; v = (uns ? hi : hi | 0) * TWO32 + lo; }
        else v = uns ? vw[n * 4 + i]! : vw[n * 4 + i]! | 0;
        setF(i, v, dbl);
      }
      commit(c, d, Q);
      return next;
    };
  }
  const round = ROUND[name];
  if (name.startsWith("fcvt") && round) {
    const uns = name.endsWith("u");
    return () => {
      for (let i = 0; i < lanes; i++) { const x = getZ(c, n, i, dbl); intLane(i, x !== x ? 0 : round(x), dbl, uns); }
      commit(c, d, Q);
      return next;
    };
  }
  if (round || name === "fsqrt") {
    // frintx/frinti round in the FPCR mode; fsqrt rounds its result in it.
    const dynamic = name === "frintx" || name === "frinti";
    return () => {
      const mode = modeOf(c);
      const op = dynamic ? MODE_ROUNDERS[mode]! : round ?? (mode === RN ? Math.sqrt : (x: number) => sqrt(x, !dbl, mode));
      for (let i = 0; i < lanes; i++) {
        const x = getZ(c, n, i, dbl);
        const v = op(x);
        if (v !== v) laneNaN(c, i, [n], [i], dbl); else setF(i, v, dbl);
      }
      commit(c, d, Q);
      return next;
    };
  }
  return undefined;
}

/** Scratch lane i = the integral value r saturated to a 32- or 64-bit (un)signed integer (FPToFixed's saturation). */
function intLane(i: number, r: number, dbl: boolean, uns: boolean): void {
  if (dbl) {
    const lo64 = uns ? 0 : -9223372036854775808, hi64 = uns ? 18446744073709551616 : 9223372036854775808;
    let l: number, h: number;
    if (r >= hi64) { l = -1; h = uns ? -1 : 0x7fffffff; }
    else if (r <= lo64) { l = 0; h = uns ? 0 : -0x80000000; }
    else { h = Math.floor(r / TWO32); l = r - h * TWO32; }
    tw[2 * i] = l >>> 0; tw[2 * i + 1] = h >>> 0;
  } else {
    const lo = uns ? 0 : -2147483648, hi = uns ? 4294967295 : 2147483647;
    tw[i] = (r < lo ? lo : r > hi ? hi : r) >>> 0;
  }
}

/**
 * Fixed-point conversions with `fbits` fraction bits on `lanes` s (dbl false) or d lanes, writing
 * `bytes` of V<d> and zeroing the rest (scalar forms: one lane): fcvtzs/fcvtzu scale by 2^fbits and
 * truncate with saturation (NaN gives 0); scvtf/ucvtf round the integer once in FPCR's mode (exact
 * BigInt path), then scale by 2^-fbits, which is exact for these magnitudes.
 */
export function simdFixedCvt(c: Arm64Cpu, pc: number, op: string, n: number, d: number, dbl: boolean, lanes: number, fbits: number, bytes: number): Handler | undefined {
  const next = pc + 4, vw = c.vw;
  const keep = bytes / 4;
  const finish = () => { for (let k = 0; k < 4; k++) vw[d * 4 + k] = k < keep ? tw[k]! : 0; return next; };
  if (op === "fcvtzs" || op === "fcvtzu") {
    const uns = op === "fcvtzu", scale = 2 ** fbits;
    return () => {
      for (let i = 0; i < lanes; i++) { const x = getZ(c, n, i, dbl); intLane(i, x !== x ? 0 : Math.trunc(x * scale), dbl, uns); }
      return finish();
    };
  }
  if (op !== "scvtf" && op !== "ucvtf") return undefined;
  const uns = op === "ucvtf", scale = 2 ** -fbits;
  return () => {
    const mode = (c.fpcr >>> 22) & 3;
    for (let i = 0; i < lanes; i++) {
      let v: bigint;
      if (dbl) { const w = (BigInt(vw[n * 4 + 2 * i + 1]!) << 32n) | BigInt(vw[n * 4 + 2 * i]!); v = uns ? w : BigInt.asIntN(64, w); }
      else v = BigInt(uns ? vw[n * 4 + i]! : vw[n * 4 + i]! | 0);
      setF(i, roundTo(v, !dbl, mode) * scale, dbl);
    }
    return finish();
  };
}

/** Scalar pairwise FP (faddp, fmaxp, …): V<d> = op(V<n>[0], V<n>[1]) on s or d, with the vector forms' NaN rules. */
export function simdFpPairScalar(c: Arm64Cpu, f: FieldMap["SIMD_SCALAR_PAIR"], pc: number): Handler | undefined {
  const name = SCALAR_PAIR_FP_OPS[((f.size >> 1) << 5) | f.opcode];
  const op = name === undefined ? undefined : ARITH[name];
  if (!f.U || !name || !op) return undefined;
  const n = f.rn, d = f.rd, next = pc + 4, dbl = (f.size & 1) === 1, nm = name.includes("nm");
  return () => {
    binLane(c, 0, op, nm, n, 0, n, 1, dbl);
    if (dbl) { tw[2] = 0; tw[3] = 0; } else { tw[1] = 0; tw[2] = 0; tw[3] = 0; }
    commit(c, d, 1);
    return next;
  };
}

export function simdFpAcross(c: Arm64Cpu, f: FieldMap["SIMD_ACROSS"], pc: number): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const name = FP_ACROSS_OPS[fpKey(U, size >> 1, opcode)];
  if (!name || !Q || (size & 1)) return undefined;
  const n = f.rn, d = f.rd, next = pc + 4, nm = name.includes("nm");
  const op = name.startsWith("fmax") ? maxF : minF;
  // Reduce() is a pairwise tree: op(op(e0, e1), op(e2, e3)); the inner results go through V<d>'s scratch.
  const scratch = new Float32Array(2);
  const sw = new Uint32Array(scratch.buffer);
  return () => {
    for (let p = 0; p < 2; p++) {
      binLane(c, 0, op, nm, n, 2 * p, n, 2 * p + 1, false);
      sw[p] = tw[0]!;
    }
    // Combine the two partial results (their NaN-ness is judged from their bits).
    const a = scratch[0]!, b = scratch[1]!;
    const isSig = (w: number) => (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0 && (w & 0x400000) === 0;
    let r: number;
    const aNaN = a !== a, bNaN = b !== b;
    if (aNaN || bNaN) {
      if (nm && aNaN !== bNaN && !isSig(sw[0]!) && !isSig(sw[1]!)) { tf[0] = a !== a ? b : a; r = tw[0]!; }
      else r = ((c.fpcr & FPCR_DN) ? 0x7fc00000 : isSig(sw[0]!) ? sw[0]! | 0x400000 : isSig(sw[1]!) ? sw[1]! | 0x400000 : a !== a ? sw[0]! : sw[1]!) >>> 0;
    } else { tf[0] = op(a, b); r = tw[0]!; }
    c.vw[d * 4] = r; c.vw[d * 4 + 1] = 0; c.vw[d * 4 + 2] = 0; c.vw[d * 4 + 3] = 0;
    return next;
  };
}

export function simdIndexed(c: Arm64Cpu, f: FieldMap["SIMD_INDEXED"], pc: number): Handler | undefined {
  const { Q, U, size, L, M, rm, opcode, H } = f;
  const op = INDEXED_OPS[(U << 4) | opcode];
  if (!op) return undefined;
  if (op.fp ? size < 2 || (size === 3 && !Q) : size === 0 || size === 3) return undefined;
  const el = indexedOperand(size, H, L, M, rm);
  if (!el) return undefined;
  const n = f.rn, d = f.rd, next = pc + 4, mreg = el.reg, idx = el.index, vw = c.vw, vh = c.vh;
  if (op.fp) {
    const dbl = size === 3, lanes = dbl ? 2 : Q ? 4 : 2;
    if (op.name === "fmul" || op.name === "fmulx") {
      const mulOp = op.name === "fmul" ? ARITH.fmul! : fmulx;
      return () => {
        for (let i = 0; i < lanes; i++) binLane(c, i, mulOp, false, n, i, mreg, idx, dbl);
        commit(c, d, Q);
        return next;
      };
    }
    const neg = op.name === "fmls";
    return () => {
      for (let i = 0; i < lanes; i++) fmaLane(c, i, d, i, n, i, mreg, idx, neg, dbl);
      commit(c, d, Q);
      return next;
    };
  }
  const get = (r: number, i: number, signed: boolean) => (size === 1 ? (signed ? (vh[r * 8 + i]! << 16) >> 16 : vh[r * 8 + i]!) : signed ? vw[r * 4 + i]! | 0 : vw[r * 4 + i]!);
  if (op.long) {
    const signed = op.name === "smull", count = size === 1 ? 4 : 2, base = Q ? count : 0;
    return () => {
      const b = get(mreg, idx, signed);
      for (let i = 0; i < count; i++) {
        const a = get(n, base + i, signed);
        if (size === 1) tw[i] = (a * b) >>> 0;
        else {
          const p = BigInt.asUintN(64, BigInt(a) * BigInt(b));
          tw[2 * i] = Number(p & 0xffffffffn); tw[2 * i + 1] = Number(p >> 32n);
        }
      }
      commit(c, d, 1);
      return next;
    };
  }
  const lanes = (Q ? 16 : 8) >> size;
  const acc = op.name === "mla" ? 1 : op.name === "mls" ? -1 : 0;
  return () => {
    const b = get(mreg, idx, false);
    for (let i = 0; i < lanes; i++) {
      const p = Math.imul(get(n, i, false), b);
      const v = acc === 0 ? p : acc > 0 ? get(d, i, false) + p : get(d, i, false) - p;
      if (size === 1) th16[i] = v; else tw[i] = v >>> 0;
    }
    commit(c, d, Q);
    return next;
  };
}

// ---------------------------------------------------------------- BigInt lane engine
// The less common integer SIMD ops (saturating, halving, rounding, register shifts, pairwise
// long, narrowing with saturation, shift-and-accumulate/insert) run on exact BigInt lanes.

function readLanes(c: Arm64Cpu, reg: number, size: number, count: number, signed: boolean, first = 0): bigint[] {
  const bits = 8 << size;
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    let v = 0n;
    const byte0 = reg * 16 + (first + i) * (bits / 8);
    for (let b = bits / 8 - 1; b >= 0; b--) v = (v << 8n) | BigInt(c.vb[byte0 + b]!);
    out.push(signed ? BigInt.asIntN(bits, v) : v);
  }
  return out;
}
function writeLanes(size: number, vals: readonly bigint[], first = 0): void {
  const bytes = 1 << size;
  vals.forEach((v, i) => {
    let u = BigInt.asUintN(8 << size, v);
    for (let b = 0; b < bytes; b++) { tb8[(first + i) * bytes + b] = Number(u & 0xffn); u >>= 8n; }
  });
}
const absB = (v: bigint) => (v < 0n ? -v : v);

/** Three-same integer ops not in the fast table (halving, absolute difference, sshl/ushl): key U<<5 | opcode. */
export function simdInt3Big(c: Arm64Cpu, f: FieldMap["SIMD_3SAME"], pc: number): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const key = (U << 5) | opcode;
  const bits = 8 << size, B = BigInt(bits), signed = U === 0;
  const ops: Record<number, (a: bigint, b: bigint, d: bigint) => bigint> = {
    0: (a, b) => (a + b) >> 1n, 32: (a, b) => (a + b) >> 1n,
    2: (a, b) => (a + b + 1n) >> 1n, 34: (a, b) => (a + b + 1n) >> 1n,
    4: (a, b) => (a - b) >> 1n, 36: (a, b) => (a - b) >> 1n,
    14: (a, b) => absB(a - b), 46: (a, b) => absB(a - b),
    15: (a, b, d) => d + absB(a - b), 47: (a, b, d) => d + absB(a - b),
    8: shlBy, 40: shlBy,
  };
  const op = ops[key];
  if (!op) return undefined;
  if (size === 3 && (!Q || opcode !== 8)) return undefined;
  function shlBy(a: bigint, b: bigint): bigint {
    const s = BigInt.asIntN(8, b); // the shift is the signed low byte of each element
    if (s >= 0n) return s >= B ? 0n : a << s;
    const r = -s;
    return r >= B ? (a < 0n ? -1n : 0n) : a >> r;
  }
  const n = f.rn, m = f.rm, d = f.rd, next = pc + 4, count = (Q ? 16 : 8) >> size;
  return () => {
    const a = readLanes(c, n, size, count, signed), b = readLanes(c, m, size, count, opcode === 8 ? true : signed);
    const acc = readLanes(c, d, size, count, signed);
    writeLanes(size, a.map((x, i) => op(x, b[i]!, acc[i]!)));
    commit(c, d, Q);
    return next;
  };
}

/** Two-register-misc integer ops not in the fast table (cls, clz, pairwise long; the saturating narrows are in exec-simd-sat.ts). */
export function simdInt2Big(c: Arm64Cpu, f: FieldMap["SIMD_2MISC"], pc: number): Handler | undefined {
  const { Q, U, size, opcode } = f;
  const k = (U << 5) | opcode;
  if (size === 3) return undefined;
  const n = f.rn, d = f.rd, next = pc + 4, count = (Q ? 16 : 8) >> size, bits = 8 << size;
  if (k === 4 || k === 36) {
    return () => {
      const a = readLanes(c, n, size, count, false);
      writeLanes(size, a.map((v) => {
        let x = v;
        if (k === 4) x = (v ^ (BigInt.asIntN(bits, v) < 0n ? (1n << BigInt(bits)) - 1n : 0n)); // cls: count leading copies of the sign
        let z = 0;
        for (let i = bits - 1; i >= 0 && ((x >> BigInt(i)) & 1n) === 0n; i--) z++;
        return BigInt(k === 4 ? z - 1 : z);
      }));
      commit(c, d, Q);
      return next;
    };
  }
  if (k === 2 || k === 34 || k === 6 || k === 38) {
    const signed = U === 0, acc = k === 6 || k === 38;
    return () => {
      const a = readLanes(c, n, size, count, signed);
      const old = readLanes(c, d, size + 1, count / 2, signed);
      writeLanes(size + 1, old.map((o, i) => (acc ? o : 0n) + a[2 * i]! + a[2 * i + 1]!));
      commit(c, d, Q);
      return next;
    };
  }
  return undefined;
}

/** Shift-by-immediate ops not in the fast table: ssra/usra, srshr/urshr, srsra/ursra, sri, sli, rshrn. */
export function simdShiftBig(c: Arm64Cpu, f: FieldMap["SIMD_SHIFT"], pc: number): Handler | undefined {
  const { Q, U, immh, immb, opcode } = f;
  if (immh === 0) return undefined;
  const size = 31 - Math.clz32(immh), esize = 8 << size, immhb = (immh << 3) | immb, k = (U << 5) | opcode;
  const n = f.rn, d = f.rd, next = pc + 4;
  const right = BigInt(2 * esize - immhb), left = BigInt(immhb - esize);
  const mask = (1n << BigInt(esize)) - 1n;
  if (k === 17) {
    if (size === 3) return undefined;
    const half = 8 >> size; // narrow: source lanes are 2*esize bits
    const r2 = BigInt(2 * (8 << size) - immhb);
    return () => {
      const src = readLanes(c, n, size + 1, half, false);
      for (let i = 0; i < 4; i++) tw[i] = c.vw[d * 4 + i]!;
      writeLanes(size, src.map((v) => (v + (1n << (r2 - 1n))) >> r2), Q ? half : 0);
      commit(c, d, Q);
      return next;
    };
  }
  const table: Record<number, (a: bigint, dd: bigint) => bigint> = {
    2: (a, dd) => dd + (a >> right), 34: (a, dd) => dd + (a >> right),
    4: (a) => (a + (1n << (right - 1n))) >> right, 36: (a) => (a + (1n << (right - 1n))) >> right,
    6: (a, dd) => dd + ((a + (1n << (right - 1n))) >> right), 38: (a, dd) => dd + ((a + (1n << (right - 1n))) >> right),
    40: (a, dd) => (dd & ~(mask >> right)) | (a >> right),
    42: (a, dd) => (dd & ~((mask << left) & mask)) | ((a << left) & mask),
  };
  const op = table[k];
  if (!op || (size === 3 && !Q)) return undefined;
  const signed = U === 0 && k !== 42, count = (Q ? 16 : 8) >> size;
  return () => {
    const a = readLanes(c, n, size, count, signed);
    const dd = readLanes(c, d, size, count, false);
    writeLanes(size, a.map((x, i) => op(x, dd[i]!)));
    commit(c, d, Q);
    return next;
  };
}
