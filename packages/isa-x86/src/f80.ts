/**
 * 80-bit x87 extended precision in software: sign, 15-bit biased exponent,
 * 64-bit significand with explicit integer bit (SDM Vol. 1 §4.2.2). Arithmetic
 * is exact on BigInt significands and rounded once, per the x87 rounding
 * control, to 64 bits — which is what musl's long double printf depends on
 * (e.g. its `round + small != round` probe near 2^64).
 */
import { isqrt } from "@uabi/isa-core";

export interface F80 {
  s: number; // 0 or 1
  e: number; // biased exponent 0..0x7fff
  m: bigint; // 64-bit significand
}

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

const BIAS = 16383;
const TOP = 1n << 63n;
export const F80_ZERO: F80 = { s: 0, e: 0, m: 0n };
export const F80_NAN: F80 = { s: 1, e: 0x7fff, m: 0xc000000000000000n }; // the x87 "real indefinite"

/**
 * Encodings the x87 rejects as operands (SDM Vol. 1 §8.2.2, "Unsupported Double Extended-Precision
 * Floating-Point Encodings"): a non-zero exponent with the integer bit clear — unnormals, pseudo-infinities and
 * pseudo-NaNs. Computing with one is an invalid operation (IE; masked response: the real indefinite), compares
 * are unordered and fxam reports "unsupported". Pseudo-denormals (exponent 0, integer bit set) are accepted.
 */
export const isUnsupported80 = (a: F80) => a.e !== 0 && a.m < TOP;
/** A NaN or an unsupported encoding: either makes an operation's result NaN and a compare unordered. */
export const isNaN80 = (a: F80) => (a.e === 0x7fff ? a.m !== TOP : a.e !== 0 && a.m < TOP);
/** A signalling NaN or an unsupported encoding: an operand that raises IE even where a quiet NaN does not. */
export const isSignaling80 = (a: F80) => (a.e === 0x7fff && a.m > TOP && (a.m & (1n << 62n)) === 0n) || isUnsupported80(a);
export const isInf80 = (a: F80) => a.e === 0x7fff && a.m === TOP;
export const isZero80 = (a: F80) => a.m === 0n && a.e === 0;

/**
 * NaN result for NaN operands (SDM Vol. 1 Table 4-7, x87 column): the real indefinite when an operand is
 * unsupported; of two NaNs the quiet one, or of two of a kind the one with the larger significand; quieted.
 */
function nanOf(a: F80, b: F80): F80 {
  if (isUnsupported80(a) || isUnsupported80(b)) return F80_NAN;
  let n = a;
  if (!isNaN80(a)) n = b;
  else if (isNaN80(b)) {
    const qa = a.m & QUIET;
    const qb = b.m & QUIET;
    if (qa !== qb) n = qa ? a : b;
    else if (b.m > a.m) n = b;
  }
  return { s: n.s, e: 0x7fff, m: n.m | QUIET };
}
const QUIET = 1n << 62n;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Exact value as mant * 2^exp (finite values only). */
function parts(a: F80): [bigint, number] {
  return [a.m, (a.e === 0 ? 1 : a.e) - BIAS - 63];
}

/**
 * Whether the last rounding incremented the significand (the x87 reports it in C1, SDM Vol. 1 8.1.3.1). Cleared by
 * `clearRounding` before an instruction; set by every rounding step after it.
 */
export let roundedUp = false;
export function clearRounding(): void {
  roundedUp = false;
}

/** Round sign·mant·2^exp2 (plus a sticky bit below it) to `prec` significant bits. Returns [q, exp] with q < 2^prec. */
function roundTo(s: number, mant: bigint, exp2: number, prec: number, minExp: number, rc: number, sticky: boolean): [bigint, number] {
  const n = bitLength(mant);
  let shift = n - prec;
  // Gradual underflow: the lowest representable bit has weight 2^minExp.
  if (exp2 + shift < minExp) shift = minExp - exp2;
  if (shift <= 0) return [mant << BigInt(-shift), exp2 + shift];
  const sh = BigInt(shift);
  let q = mant >> sh;
  const rem = mant & ((1n << sh) - 1n);
  const half = 1n << (sh - 1n);
  const inexact = rem !== 0n || sticky;
  let up = false;
  switch (rc) {
    case RC_NEAREST: up = rem > half || (rem === half && (sticky || (q & 1n) === 1n)); break;
    case RC_DOWN: up = s === 1 && inexact; break;
    case RC_UP: up = s === 0 && inexact; break;
  }
  if (up) q += 1n;
  roundedUp = up;
  let e = exp2 + shift;
  if (bitLength(q) > prec) {
    q >>= 1n;
    e++;
  }
  return [q, e];
}

/** Pack an exact (possibly sticky) value into an F80. */
export function pack(s: number, mant: bigint, exp2: number, rc = RC_NEAREST, sticky = false): F80 {
  if (mant === 0n) return { s, e: 0, m: 0n };
  const [q, e] = roundTo(s, mant, exp2, 64, 1 - BIAS - 63, rc, sticky);
  if (q === 0n) return { s, e: 0, m: 0n };
  const lead = e + bitLength(q) - 1; // exponent of the leading bit
  if (lead + BIAS >= 0x7fff) {
    const toInf = rc === RC_NEAREST || (rc === RC_UP && s === 0) || (rc === RC_DOWN && s === 1);
    roundedUp = toInf;
    return toInf ? { s, e: 0x7fff, m: TOP } : { s, e: 0x7ffe, m: 0xffffffffffffffffn };
  }
  if (bitLength(q) < 64) return { s, e: 0, m: q }; // denormal
  return { s, e: lead + BIAS, m: q };
}

/** From the raw bits of a double (NaN sign and payload preserved). */
export function fromF64Bits(bits: bigint): F80 {
  const s = Number(bits >> 63n);
  const e = Number((bits >> 52n) & 0x7ffn);
  const f = bits & 0xfffffffffffffn;
  if (e === 0x7ff) return { s, e: 0x7fff, m: TOP | (f << 11n) };
  if (e === 0 && f === 0n) return { s, e: 0, m: 0n };
  return e === 0 ? pack(s, f, -1074) : pack(s, f | (1n << 52n), e - 1075);
}
/** Raw double bits (NaN sign and payload kept; inexact results rounded per rc). */
export function toF64Bits(a: F80, rc = RC_NEAREST): bigint {
  if (isUnsupported80(a)) a = F80_NAN;
  if (isNaN80(a)) return (BigInt(a.s) << 63n) | (0x7ffn << 52n) | ((a.m >> 11n) & 0xfffffffffffffn) | (1n << 51n);
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, toF64(a, rc));
  return v.getBigUint64(0);
}
/** Raw float bits. */
export function toF32Bits(a: F80, rc = RC_NEAREST): number {
  if (isUnsupported80(a)) a = F80_NAN;
  if (isNaN80(a)) return ((a.s << 31) | (0xff << 23) | Number((a.m >> 40n) & 0x7fffffn) | (1 << 22)) >>> 0;
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, toF32(a, rc));
  return v.getUint32(0);
}
export function fromF32Bits(bits: number): F80 {
  const s = bits >>> 31;
  const e = (bits >>> 23) & 0xff;
  const f = BigInt(bits & 0x7fffff);
  if (e === 0xff) return { s, e: 0x7fff, m: TOP | (f << 40n) };
  if (e === 0 && f === 0n) return { s, e: 0, m: 0n };
  return e === 0 ? pack(s, f, -149) : pack(s, f | (1n << 23n), e - 150);
}

export function fromF64(x: number): F80 {
  if (x !== x) return F80_NAN;
  const s = x < 0 || Object.is(x, -0) ? 1 : 0;
  if (!Number.isFinite(x)) return { s, e: 0x7fff, m: TOP };
  if (x === 0) return { s, e: 0, m: 0n };
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const bits = v.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const f = bits & 0xfffffffffffffn;
  return e === 0 ? pack(s, f, -1074) : pack(s, f | (1n << 52n), e - 1075);
}

export function toF64(a: F80, rc = RC_NEAREST): number {
  if (isNaN80(a)) return NaN;
  if (isInf80(a)) return a.s ? -Infinity : Infinity;
  if (a.m === 0n) return a.s ? -0 : 0;
  const [m, e2] = parts(a);
  const [q, e] = roundTo(a.s, m, e2, 53, -1074, rc, false);
  const lead = e + bitLength(q) - 1;
  if (lead > 1023) return overflow(a.s, rc, Number.MAX_VALUE);
  // q < 2^53 exactly representable; split the power of two to stay in range.
  const h = Math.trunc(e / 2);
  const v = Number(q) * 2 ** h * 2 ** (e - h);
  return a.s ? -v : v;
}
export function toF32(a: F80, rc = RC_NEAREST): number {
  if (isNaN80(a)) return NaN;
  if (isInf80(a)) return a.s ? -Infinity : Infinity;
  if (a.m === 0n) return a.s ? -0 : 0;
  const [m, e2] = parts(a);
  const [q, e] = roundTo(a.s, m, e2, 24, -149, rc, false);
  const lead = e + bitLength(q) - 1;
  if (lead > 127) return overflow(a.s, rc, 3.4028234663852886e38);
  const v = Number(q) * 2 ** e;
  return a.s ? -v : v;
}

/** Overflow result per rounding mode: infinity or the largest finite value (SDM Vol. 1 §4.9.1.4). */
function overflow(s: number, rc: number, max: number): number {
  const inf = rc === RC_NEAREST || (rc === RC_UP && s === 0) || (rc === RC_DOWN && s === 1);
  roundedUp = inf; // overflow to infinity counts as rounded up (C1), to the largest finite value not
  const v = inf ? Infinity : max;
  return s ? -v : v;
}

export function fromInt(v: bigint): F80 {
  return v < 0n ? pack(1, -v, 0) : pack(0, v, 0);
}

/** Round to an integer per rc; undefined for NaN/inf. */
export function toInt(a: F80, rc: number): bigint | undefined {
  if (isNaN80(a) || isInf80(a)) return undefined;
  if (a.m === 0n) return 0n;
  const [m, e2] = parts(a);
  let q: bigint;
  if (e2 >= 0) q = m << BigInt(e2);
  else if (e2 < -70) q = roundShift(a.s, m, 70, rc, true);
  else q = roundShift(a.s, m, -e2, rc, false);
  return a.s ? -q : q;
}
function roundShift(s: number, m: bigint, shift: number, rc: number, allSticky: boolean): bigint {
  if (allSticky) {
    // |value| < 2^-6: rounds to 0 or 1.
    roundedUp = (rc === RC_UP && s === 0) || (rc === RC_DOWN && s === 1);
    return roundedUp ? 1n : 0n;
  }
  const sh = BigInt(shift);
  let q = m >> sh;
  const rem = m & ((1n << sh) - 1n);
  const half = 1n << (sh - 1n);
  const q0 = q;
  switch (rc) {
    case RC_NEAREST: if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n; break;
    case RC_DOWN: if (s === 1 && rem !== 0n) q += 1n; break;
    case RC_UP: if (s === 0 && rem !== 0n) q += 1n; break;
  }
  roundedUp = q !== q0;
  return q;
}

export function roundInt(a: F80, rc: number): F80 {
  if (isNaN80(a)) return nanOf(a, a);
  if (isInf80(a) || isZero80(a)) return a;
  const q = toInt(a, rc)!;
  if (q === 0n) return { s: a.s, e: 0, m: 0n };
  return fromInt(q);
}

function addExact(as: number, am: bigint, ae: number, bs: number, bm: bigint, be: number, rc: number): F80 {
  // Far-apart exponents: the smaller operand only contributes a sticky bit below the rounding point.
  let sticky = false;
  if (am !== 0n && bm !== 0n) {
    const la = ae + bitLength(am);
    const lb = be + bitLength(bm);
    if (la - lb > 130) { bm = 1n; be = la - 135; sticky = false; }
    else if (lb - la > 130) { am = 1n; ae = lb - 135; }
  }
  const e = Math.min(ae, be);
  const A = (as ? -am : am) << BigInt(ae - e);
  const B = (bs ? -bm : bm) << BigInt(be - e);
  const sum = A + B;
  if (sum === 0n) {
    const s = as === bs ? as : rc === RC_DOWN ? 1 : 0;
    return { s, e: 0, m: 0n };
  }
  return sum < 0n ? pack(1, -sum, e, rc, sticky) : pack(0, sum, e, rc, sticky);
}

export function add(a: F80, b: F80, rc = RC_NEAREST): F80 {
  if (isNaN80(a) || isNaN80(b)) return nanOf(a, b);
  if (isInf80(a) || isInf80(b)) {
    if (isInf80(a) && isInf80(b) && a.s !== b.s) return F80_NAN;
    return isInf80(a) ? a : b;
  }
  const [am, ae] = parts(a);
  const [bm, be] = parts(b);
  return addExact(a.s, am, ae, b.s, bm, be, rc);
}
export function neg(a: F80): F80 {
  return { s: a.s ^ 1, e: a.e, m: a.m };
}
export function abs(a: F80): F80 {
  return { s: 0, e: a.e, m: a.m };
}
export function sub(a: F80, b: F80, rc = RC_NEAREST): F80 {
  if (isNaN80(a) || isNaN80(b)) return nanOf(a, b); // a NaN keeps its sign: negate only numbers
  return add(a, neg(b), rc);
}
export function mul(a: F80, b: F80, rc = RC_NEAREST): F80 {
  if (isNaN80(a) || isNaN80(b)) return nanOf(a, b);
  const s = a.s ^ b.s;
  if (isInf80(a) || isInf80(b)) return isZero80(a) || isZero80(b) ? F80_NAN : { s, e: 0x7fff, m: TOP };
  const [am, ae] = parts(a);
  const [bm, be] = parts(b);
  return pack(s, am * bm, ae + be, rc);
}
export function div(a: F80, b: F80, rc = RC_NEAREST): F80 {
  if (isNaN80(a) || isNaN80(b)) return nanOf(a, b);
  const s = a.s ^ b.s;
  if (isInf80(a)) return isInf80(b) ? F80_NAN : { s, e: 0x7fff, m: TOP };
  if (isInf80(b)) return { s, e: 0, m: 0n };
  if (isZero80(b)) return isZero80(a) ? F80_NAN : { s, e: 0x7fff, m: TOP };
  if (isZero80(a)) return { s, e: 0, m: 0n };
  const [am, ae] = parts(a);
  const [bm, be] = parts(b);
  const k = 140;
  const num = am << BigInt(k);
  const q = num / bm;
  const r = num % bm;
  return pack(s, q, ae - be - k, rc, r !== 0n);
}
export function sqrt(a: F80, rc = RC_NEAREST): F80 {
  if (isNaN80(a)) return nanOf(a, a);
  if (isZero80(a)) return a;
  if (a.s) return F80_NAN;
  if (isInf80(a)) return a;
  let [m, e] = parts(a);
  // Scale to an even exponent with plenty of bits.
  let k = 140;
  if ((e - k) % 2 !== 0) k++;
  m <<= BigInt(k);
  e -= k;
  const r = isqrt(m);
  return pack(0, r, e / 2, rc, r * r !== m);
}
/** -1, 0, 1, or NaN for unordered. */
export function compare(a: F80, b: F80): number {
  if (isNaN80(a) || isNaN80(b)) return NaN;
  const za = isZero80(a);
  const zb = isZero80(b);
  if (za && zb) return 0;
  if (a.s !== b.s) return a.s ? -1 : 1;
  let mag: number;
  if (za) mag = -1;
  else if (zb) mag = 1;
  else {
    const ea = a.e === 0 ? 1 : a.e;
    const eb = b.e === 0 ? 1 : b.e;
    const la = ea + bitLength(a.m);
    const lb = eb + bitLength(b.m);
    if (la !== lb) mag = la < lb ? -1 : 1;
    else {
      const [am, ae] = parts(a);
      const [bm, be] = parts(b);
      const e = Math.min(ae, be);
      const A = am << BigInt(ae - e);
      const B = bm << BigInt(be - e);
      mag = A === B ? 0 : A < B ? -1 : 1;
    }
  }
  return a.s ? -mag : mag;
}
/** fscale: a * 2^trunc(b). */
export function scale(a: F80, b: F80, rc = RC_NEAREST): F80 {
  if (isNaN80(a) || isNaN80(b)) return nanOf(a, b);
  // SDM FSCALE table: 0·2^+inf and inf·2^-inf are invalid; otherwise an infinite scale gives 0 or inf.
  if (isInf80(b)) {
    if (b.s ? isInf80(a) : isZero80(a)) return F80_NAN;
    return b.s ? { s: a.s, e: 0, m: 0n } : { s: a.s, e: 0x7fff, m: TOP };
  }
  if (isZero80(a) || isInf80(a)) return a;
  const n = toInt(b, RC_ZERO);
  if (n === undefined) return b.s ? { s: a.s, e: 0, m: 0n } : { s: a.s, e: 0x7fff, m: TOP };
  const [m, e] = parts(a);
  const k = Number(n < -100000n ? -100000n : n > 100000n ? 100000n : n);
  return pack(a.s, m, e + k, rc);
}
/** Low three bits of the last fprem quotient (for C0/C3/C1), and whether it was a partial reduction (C2). */
export let remQuotientBits = 0;
export let remIncomplete = false;
/**
 * Remainder with a truncating quotient (fprem), computed exactly. When the exponents differ by 64 or more it
 * is partial (SDM FPREM): st(0) − st(1)·QQ·2^(D−N), C2 set, and the program repeats fprem until C2 clears. N is
 * implementation-specific (32..63): Intel parts take N = 32 + (D mod 32), so each step leaves a difference that
 * is a multiple of 32, reducing it by 32 to 63 (measured, test/fixtures/x87-edge-native.json.gz).
 */
export function rem(a: F80, b: F80, nearest = false): F80 {
  remQuotientBits = 0;
  remIncomplete = false;
  if (isNaN80(a) || isNaN80(b)) return nanOf(a, b);
  if (isInf80(a) || isZero80(b)) return F80_NAN;
  // The dividend returned as the result comes out normalised: a pseudo-denormal (exponent 0, integer bit set)
  // becomes exponent 1, as the x87 writes it (measured).
  if (isInf80(b) || isZero80(a)) return a.e === 0 && a.m >= TOP ? { s: a.s, e: 1, m: a.m } : a;
  const [am, ae] = parts(a);
  const [bm, be] = parts(b);
  const d = ae + bitLength(am) - (be + bitLength(bm)); // exponent difference
  // A partial step divides by st(1)·2^(D−N); a complete one by st(1) itself.
  const sh = d >= 64 ? d - (32 + (d % 32)) : 0;
  remIncomplete = d >= 64;
  const e = Math.min(ae, be + sh);
  const A = am << BigInt(ae - e);
  const B = bm << BigInt(be + sh - e);
  let q = A / B;
  let r = A - q * B;
  let s = a.s;
  // fprem1 (IEEE remainder): a complete step rounds the quotient to nearest, ties to even.
  if (nearest && !remIncomplete && (2n * r > B || (2n * r === B && (q & 1n) === 1n))) {
    q += 1n;
    r = B - r;
    s ^= 1;
  }
  if (!remIncomplete) remQuotientBits = Number(q & 7n);
  return r === 0n ? { s: a.s, e: 0, m: 0n } : pack(s, r, e);
}
/** fprem1: as rem, with the final quotient rounded to nearest (SDM FPREM1). */
export function rem1(a: F80, b: F80): F80 {
  return rem(a, b, true);
}

/**
 * fxtract: [exponent, significand] of a, the exponent as a value and the significand scaled into [1, 2)
 * with a's sign (denormals normalised). Zero gives [−∞, a] (and ZE, which the caller raises); ±∞ gives [+∞, a].
 */
export function extract(a: F80): [F80, F80] {
  if (isNaN80(a)) {
    const n = nanOf(a, a);
    return [n, n];
  }
  if (isInf80(a)) return [{ s: 0, e: 0x7fff, m: TOP }, a];
  if (isZero80(a)) return [{ s: 1, e: 0x7fff, m: TOP }, a];
  const [m, e] = parts(a);
  const lead = e + bitLength(m) - 1;
  return [fromInt(BigInt(lead)), pack(a.s, m, e - lead)];
}

export function fromBytes(b: Uint8Array, off = 0): F80 {
  const dv = new DataView(b.buffer, b.byteOffset + off, 10);
  const se = dv.getUint16(8, true);
  return { s: se >> 15, e: se & 0x7fff, m: dv.getBigUint64(0, true) };
}
export function toBytes(a: F80): Uint8Array {
  const out = new Uint8Array(10);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, a.m, true);
  dv.setUint16(8, (a.s << 15) | a.e, true);
  return out;
}
