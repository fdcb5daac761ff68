/**
 * Exact IEEE arithmetic for what JS cannot do natively: a fused multiply-add, and every
 * basic operation under the directed rounding modes of FPCR.RMode. Operands are split into
 * integer significand × 2^exponent (BigInt), the exact result is formed, and it is rounded
 * once to binary64 or binary32. Only the slow paths use this (fma, RMode ≠ nearest).
 */
import { isqrt } from "@uabi/isa-core";

/** FPCR.RMode values. */
export const RN = 0;
export const RP = 1;
export const RM = 2;
export const RZ = 3;

const f64 = new Float64Array(1);
const u64v = new BigUint64Array(f64.buffer);
function decompose(x: number): [bigint, number] {
  f64[0] = x;
  const bits = u64v[0]!;
  const exp = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  let e: number;
  if (exp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = exp - 1075;
  }
  return [bits >> 63n ? -m : m, e];
}

const MAX64 = Number.MAX_VALUE;
const MAX32 = 3.4028234663852886e38;

/** Round sum × 2^e (sum ≠ 0) to the format with `mode`. */
function roundExact(sum: bigint, e: number, single: boolean, mode: number): number {
  const prec = single ? 24 : 53;
  const emin = single ? -149 : -1074;
  const neg = sum < 0n;
  const mag = neg ? -sum : sum;
  const bitlen = mag.toString(2).length;
  let shift = Math.max(bitlen - prec, emin - e);
  let q: bigint;
  if (shift <= 0) {
    q = mag;
    shift = 0;
  } else {
    const sb = BigInt(shift);
    q = mag >> sb;
    const rem = mag - (q << sb);
    if (rem !== 0n) {
      if (mode === RN) {
        const half = 1n << (sb - 1n);
        if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
      } else if ((mode === RP && !neg) || (mode === RM && neg)) q += 1n;
    }
  }
  const k = e + shift;
  let r = k > 1023 ? Infinity : Number(q) * 2 ** k;
  const max = single ? MAX32 : MAX64;
  if (r > max) {
    // Overflow: infinity when rounding away from zero in this direction, else the largest finite value.
    const toInf = mode === RN || (mode === RP && !neg) || (mode === RM && neg);
    r = toInf ? Infinity : max;
  }
  return neg ? -r : r;
}

/** The signed zero an exact zero result gets (round-toward-minus gives -0 for x + -x). */
const exactZero = (mode: number) => (mode === RM ? -0 : 0);

export function fusedMulAdd(a: number, b: number, c: number, single: boolean, mode = RN): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0) {
    // Special operands: no intermediate rounding can matter except through the final add.
    // A finite product is exact, so an infinite addend is the result even when a * b overflows in JS.
    if (Number.isFinite(a) && Number.isFinite(b) && !Number.isFinite(c)) return c;
    return mode === RN ? (single ? Math.fround(a * b + c) : a * b + c) : add(a * b, c, single, mode);
  }
  if (c === 0 && mode === RN) return single ? Math.fround(a * b) : a * b;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const ep = ea + eb;
  const e = Math.min(ep, ec);
  const sum = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (sum === 0n) return exactZero(mode);
  return roundExact(sum, e, single, mode);
}

export function add(a: number, b: number, single: boolean, mode: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a + b;
  if (a === 0 && b === 0) return Object.is(a, -0) && Object.is(b, -0) ? -0 : Object.is(a, b) ? a : exactZero(mode);
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const e = Math.min(ea, eb);
  const sum = (ma << BigInt(ea - e)) + (mb << BigInt(eb - e));
  if (sum === 0n) return exactZero(mode);
  return roundExact(sum, e, single, mode);
}

export function mul(a: number, b: number, single: boolean, mode: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0) return a * b;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  return roundExact(ma * mb, ea + eb, single, mode);
}

const bitLength = (v: bigint) => (v === 0n ? 0 : v.toString(2).length);

export function div(a: number, b: number, single: boolean, mode: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0) return a / b;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const neg = ma < 0n !== mb < 0n;
  const na = ma < 0n ? -ma : ma, nb = mb < 0n ? -mb : mb;
  // Enough quotient bits for any rounding position, plus a sticky bit for the remainder.
  const s = Math.max(0, 60 + bitLength(nb) - bitLength(na));
  const num = na << BigInt(s);
  let q = num / nb;
  let e = ea - eb - s;
  if (num % nb !== 0n) {
    q = (q << 1n) | 1n;
    e -= 1;
  }
  return roundExact(neg ? -q : q, e, single, mode);
}

export function sqrt(a: number, single: boolean, mode: number): number {
  if (!Number.isFinite(a) || a <= 0) return Math.sqrt(a);
  let [m, e] = decompose(a);
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  const t = 64; // extra bits: the root gets 32 more than the operand's half
  const n = m << BigInt(2 * t);
  let r = isqrt(n);
  let er = e / 2 - t;
  if (r * r !== n) {
    r = (r << 1n) | 1n;
    er -= 1;
  }
  return roundExact(r, er, single, mode);
}

/** Round a double (or an exact integer) to the format with `mode`. */
export function roundTo(x: number | bigint, single: boolean, mode: number): number {
  if (typeof x === "bigint") return x === 0n ? 0 : roundExact(x, 0, single, mode);
  if (!Number.isFinite(x) || x === 0) return single ? Math.fround(x) : x;
  const [m, e] = decompose(x);
  return roundExact(m, e, single, mode);
}
