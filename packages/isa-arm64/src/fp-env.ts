/**
 * What FPCR does to floating-point values beyond NaN handling: flush-to-zero (FPCR.FZ, bit 24: a subnormal
 * single or double operand is read as a zero of its sign, and a result whose exact value is below the smallest
 * normal becomes a zero of its sign, as the Arm ARM's FPUnpack and FPRound do), the rounding mode
 * (FPCR.RMode, bits 23:22), conversions to and from half precision (IEEE or, with FPCR.AHP, the alternative
 * format without infinities and NaNs), and the reciprocal and reciprocal-square-root estimates
 * (FPRecipEstimate, FPRSqrtEstimate, FPRecpX, UnsignedRecipEstimate, UnsignedRSqrtEstimate).
 * Half-precision values are never flushed (FZ16 is RES0 without FEAT_FP16).
 */
import type { Arm64Cpu } from "./cpu.js";
import { RM, RN, RP } from "./fma.js";

export const FPCR_FZ = 1 << 24;
export const FPCR_DN = 1 << 25;
export const FPCR_AHP = 1 << 26;
/** FZ or a rounding mode other than nearest: the FP fast paths (JS arithmetic) do not apply. */
export const FPCR_ENV = 0x01c00000;

export const rmodeOf = (c: Arm64Cpu) => (c.fpcr >>> 22) & 3;

const MIN_S = 2 ** -126;
const MIN_D = 2 ** -1022;

/** An operand under FZ: subnormals read as zero of their sign. */
export function flushIn(x: number, single: boolean): number {
  return x !== 0 && Math.abs(x) < (single ? MIN_S : MIN_D) ? (x < 0 ? -0 : 0) : x;
}

/**
 * A result under FZ: zero of its sign when the exact value is below the smallest normal. `r` is the rounded
 * result (or, for single precision, the exact or double-rounded value); only when it is exactly the smallest
 * normal can the exact value have been below it, which `towardZero` (the operation rounded toward zero) settles.
 */
export function flushOut(r: number, single: boolean, towardZero?: () => number): number {
  const min = single ? MIN_S : MIN_D, a = Math.abs(r);
  if (!(a <= min) || r === 0) return r; // NaN, zero or normal
  if (a < min || (towardZero !== undefined && Math.abs(towardZero()) < min)) return r < 0 ? -0 : 0;
  return r;
}

// ------------------------------------------------------------------ half precision

/** The value of half-precision bits (not NaN; with `ahp`, exponent 31 is an ordinary exponent). */
export function halfValue(h: number, ahp: boolean): number {
  const e = (h >>> 10) & 31, m = h & 0x3ff, neg = (h & 0x8000) !== 0;
  let v: number;
  if (e === 0) v = m * 2 ** -24;
  else if (e === 31 && !ahp) v = Infinity; // callers route NaNs (m != 0) elsewhere
  else v = (1024 + m) * 2 ** (e - 25);
  return neg ? -v : v;
}

/** True when half-precision `h` is a NaN in the IEEE format (the alternative format has none). */
export const halfIsNaN = (h: number, ahp: boolean) => !ahp && (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/** Round the finite or infinite value `x` to half-precision bits in `mode` (FPRoundBase with N = 16). */
export function toHalf(x: number, mode: number, ahp: boolean): number {
  const neg = x < 0 || Object.is(x, -0), sign = neg ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return ahp ? sign | 0x7fff : sign | 0x7c00; // AHP: saturate (Invalid Operation)
  if (a === 0) return sign;
  const e = a < 2 ** -1000 ? -1000 : Math.floor(Math.log2(a));
  // Math.log2 may be off by one next to a power of two: correct it exactly.
  let ex = e;
  if (a >= 2 ** -1000) { while (2 ** ex > a) ex--; while (2 ** (ex + 1) <= a) ex++; }
  let qe = ex < -14 ? -24 : ex - 10; // quantum: 2^qe
  const q = a * 2 ** -qe; // exact: a power-of-two scaling
  let m = Math.floor(q);
  const frac = q - m;
  if (frac !== 0) {
    if (mode === RN) { if (frac > 0.5 || (frac === 0.5 && (m & 1) === 1)) m++; }
    else if ((mode === RP && !neg) || (mode === RM && neg)) m++;
  }
  if (m === 2048) { m = 1024; qe++; }
  if (m < 1024) return sign | m; // subnormal (qe = -24)
  const bexp = qe + 25;
  if (ahp) return bexp >= 32 ? sign | 0x7fff : sign | (bexp << 10) | (m - 1024);
  if (bexp >= 31) {
    const toInf = mode === RN || (mode === RP && !neg) || (mode === RM && neg);
    return toInf ? sign | 0x7c00 : sign | 0x7bff;
  }
  return sign | (bexp << 10) | (m - 1024);
}

/**
 * FPConvert to half precision of a single (`bits` 32) or double (hi:lo) NaN: the alternative format has no
 * NaN (zero of the sign), FPCR.DN gives the default NaN, else sign, quiet bit and the top fraction bits.
 */
export function nanToHalf(hi: number, lo: number, dbl: boolean, fpcr: number): number {
  const sign = (hi >>> 16) & 0x8000;
  if (fpcr & FPCR_AHP) return sign;
  if (fpcr & FPCR_DN) return 0x7e00;
  const top = dbl ? (hi >>> 10) & 0x1ff : (hi >>> 13) & 0x1ff; // fraction<F-2:F-10>
  return sign | 0x7e00 | top;
}

/** FPConvert of a half-precision NaN to single (returns the word) or double (returns the high word; low word 0). */
export function halfNaNTo(h: number, dbl: boolean, fpcr: number): number {
  if (fpcr & FPCR_DN) return dbl ? 0x7ff80000 : 0x7fc00000;
  const sign = (h & 0x8000) << 16, frac = h & 0x1ff;
  return (dbl ? sign | 0x7ff80000 | (frac << 10) : sign | 0x7fc00000 | (frac << 13)) >>> 0;
}

// ------------------------------------------------------------------ estimates

/** RecipEstimate: a in 256..511 (0.5 <= x < 1 in steps of 1/512) to r in 256..511 (1 <= 1/x < 2). */
function recipEstimate(a: number): number {
  const b = Math.floor(2 ** 19 / (a * 2 + 1));
  return (b + 1) >> 1;
}

let rsqrtTable: Uint16Array | undefined;
/** RecipSqrtEstimate: a in 128..511 (0.25 <= x < 1) to r in 256..511 (1 <= 1/sqrt(x) < 2), tabulated on first use. */
function rsqrtEstimate(a: number): number {
  if (!rsqrtTable) {
    rsqrtTable = new Uint16Array(512);
    for (let i = 128; i < 512; i++) {
      const x = i < 256 ? i * 2 + 1 : ((i >> 1) << 1) * 2 + 2; // units of 1/512, or 1/256 with the bottom bit dropped
      let b = 512;
      while (x * (b + 1) * (b + 1) < 2 ** 28) b++;
      rsqrtTable[i] = (b + 1) >> 1;
    }
  }
  return rsqrtTable[a]!;
}

interface Fmt { readonly N: 32 | 64; readonly E: number; readonly F: number }
const FMT32: Fmt = { N: 32, E: 8, F: 23 };
const FMT64: Fmt = { N: 64, E: 11, F: 52 };
const M52 = (1n << 52n) - 1n;

/** FPProcessNaN of one operand: quieted, or the default NaN under FPCR.DN. */
function processNaN(bits: bigint, f: Fmt, fpcr: number): bigint {
  if (fpcr & FPCR_DN) return f.N === 32 ? 0x7fc00000n : 0x7ff8000000000000n;
  return bits | (1n << BigInt(f.F - 1));
}

function unpack(bits: bigint, f: Fmt) {
  const sign = (bits >> BigInt(f.N - 1)) & 1n;
  const exp = Number((bits >> BigInt(f.F)) & ((1n << BigInt(f.E)) - 1n));
  const frac = bits & ((1n << BigInt(f.F)) - 1n);
  const maxExp = (1 << f.E) - 1;
  return { sign, exp, frac, maxExp, signBit: sign << BigInt(f.N - 1) };
}

/** FPRecipEstimate (frecpe) on raw bits of width 32 or 64. */
export function frecpeBits(bits: bigint, dbl: boolean, fpcr: number): bigint {
  const f = dbl ? FMT64 : FMT32, F = BigInt(f.F);
  const { exp, frac, maxExp, signBit, sign } = unpack(bits, f);
  const inf = signBit | (BigInt(maxExp) << F);
  if (exp === maxExp) return frac !== 0n ? processNaN(bits, f, fpcr) : signBit;
  if (exp === 0 && (frac === 0n || (fpcr & FPCR_FZ))) return inf;
  if (exp === 0 && frac < 1n << (F - 2n)) {
    // |x| < 2^-128 (2^-1024): 1/x overflows; the rounding mode decides between infinity and the largest normal.
    const mode = (fpcr >>> 22) & 3;
    const toInf = mode === RN || (mode === RP && sign === 0n) || (mode === RM && sign === 1n);
    return toInf ? inf : signBit | ((BigInt(maxExp - 1) << F) | ((1n << F) - 1n));
  }
  if ((fpcr & FPCR_FZ) && exp >= maxExp - 2) return signBit; // the result would be subnormal: flushed
  let fraction = frac << (52n - F), e = exp;
  if (e === 0) {
    if (((fraction >> 51n) & 1n) === 0n) { e = -1; fraction = (fraction << 2n) & M52; }
    else fraction = (fraction << 1n) & M52;
  }
  const scaled = 256 + Number(fraction >> 44n);
  let resultExp = (dbl ? 2045 : 253) - e;
  const est = recipEstimate(scaled);
  fraction = BigInt(est & 0xff) << 44n;
  if (resultExp === 0) fraction = (1n << 51n) | (fraction >> 1n);
  else if (resultExp === -1) { fraction = (1n << 50n) | (fraction >> 2n); resultExp = 0; }
  return signBit | (BigInt(resultExp) << F) | (fraction >> (52n - F));
}

/** FPRSqrtEstimate (frsqrte) on raw bits of width 32 or 64. */
export function frsqrteBits(bits: bigint, dbl: boolean, fpcr: number): bigint {
  const f = dbl ? FMT64 : FMT32, F = BigInt(f.F);
  const { exp, frac, maxExp, signBit, sign } = unpack(bits, f);
  if (exp === maxExp && frac !== 0n) return processNaN(bits, f, fpcr);
  if (exp === 0 && (frac === 0n || (fpcr & FPCR_FZ))) return signBit | (BigInt(maxExp) << F);
  if (sign) return dbl ? 0x7ff8000000000000n : 0x7fc00000n;
  if (exp === maxExp) return 0n;
  let fraction = frac << (52n - F), e = exp;
  if (e === 0) {
    while (((fraction >> 51n) & 1n) === 0n) { fraction <<= 1n; e--; }
    fraction = (fraction << 1n) & M52;
  }
  // Scaled into 0.25 <= x < 1 keeping the exponent's parity.
  const scaled = (e & 1) === 1 ? 128 + Number(fraction >> 45n) : 256 + Number(fraction >> 44n);
  const resultExp = Math.floor(((dbl ? 3068 : 380) - e) / 2);
  const est = rsqrtEstimate(scaled);
  return (BigInt(resultExp) << F) | (BigInt(est & 0xff) << (F - 8n));
}

/** FPRecpX (frecpx): the exponent inverted, fraction zero; zeros and subnormals give the largest exponent below infinity. */
export function frecpxBits(bits: bigint, dbl: boolean, fpcr: number): bigint {
  const f = dbl ? FMT64 : FMT32, F = BigInt(f.F);
  const { exp, frac, maxExp, signBit } = unpack(bits, f);
  if (exp === maxExp && frac !== 0n) return processNaN(bits, f, fpcr);
  const e = exp === 0 ? maxExp - 1 : ~exp & maxExp;
  return signBit | (BigInt(e) << F);
}

/** UnsignedRecipEstimate (urecpe) of a 32-bit lane. */
export function urecpe(x: number): number {
  return x >>> 31 === 0 ? 0xffffffff : (recipEstimate(x >>> 23) << 23) >>> 0;
}

/** UnsignedRSqrtEstimate (ursqrte) of a 32-bit lane. */
export function ursqrte(x: number): number {
  return x >>> 30 === 0 ? 0xffffffff : (rsqrtEstimate(x >>> 23) << 23) >>> 0;
}
