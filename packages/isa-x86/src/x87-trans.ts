/**
 * The x87 transcendentals (fsin, fcos, fsincos, fptan, fpatan, f2xm1, fyl2x, fyl2xp1) on 80-bit values: each is
 * evaluated in a small binary floating point of ~200 bits (series on BigInt significands) and rounded once to the
 * 64-bit significand per the rounding control. The trigonometric functions reduce their argument with the 66-bit
 * approximation of pi the x87 uses (Intel SDM Vol. 1 8.3.8, "Approximation of Pi"), so sin(x) for large x follows
 * the hardware rather than the true pi. Intel documents these results as accurate to 1 ulp, not correctly rounded:
 * a last-bit difference from a given part remains possible (the differential fuzzer counts them).
 */
import * as F from "./f80.js";
import type { F80 } from "./f80.js";

const PREC = 200;

/** sign·m·2^e with m ≥ 0 (a sign bit keeps -0 apart where it matters: not here). */
interface Big { s: number; m: bigint; e: number }

const bitLen = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);
function norm(s: number, m: bigint, e: number): Big {
  const n = bitLen(m);
  if (n > PREC) {
    const sh = n - PREC;
    return { s, m: m >> BigInt(sh), e: e + sh };
  }
  return { s, m, e };
}
const big = (v: number | bigint): Big => {
  const b = BigInt(v);
  return norm(b < 0n ? 1 : 0, b < 0n ? -b : b, 0);
};
function fromF80(a: F80): Big {
  return norm(a.s, a.m, (a.e === 0 ? 1 : a.e) - 16383 - 63);
}
function add(a: Big, b: Big): Big {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // Align to the smaller exponent, but never let a negligible operand blow up the width.
  const la = a.e + bitLen(a.m);
  const lb = b.e + bitLen(b.m);
  if (la - lb > PREC + 8) return a;
  if (lb - la > PREC + 8) return b;
  const e = Math.min(a.e, b.e);
  const A = (a.s ? -a.m : a.m) << BigInt(a.e - e);
  const B = (b.s ? -b.m : b.m) << BigInt(b.e - e);
  const r = A + B;
  return norm(r < 0n ? 1 : 0, r < 0n ? -r : r, e);
}
const neg = (a: Big): Big => ({ s: a.s ^ 1, m: a.m, e: a.e });
const sub = (a: Big, b: Big): Big => add(a, neg(b));
const mul = (a: Big, b: Big): Big => norm(a.s ^ b.s, a.m * b.m, a.e + b.e);
function div(a: Big, b: Big): Big {
  const sh = PREC + bitLen(b.m) - bitLen(a.m) + 2;
  return norm(a.s ^ b.s, (a.m << BigInt(Math.max(sh, 0))) / b.m, a.e - b.e - Math.max(sh, 0));
}
function sqrtB(a: Big): Big {
  let m = a.m;
  let e = a.e;
  let sh = 2 * PREC - bitLen(m);
  if ((e - sh) % 2 !== 0) sh++;
  m <<= BigInt(sh);
  e -= sh;
  // Newton's method on integers.
  let x = 1n << BigInt(Math.ceil(bitLen(m) / 2) + 1);
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return norm(0, x, e / 2);
}
/**
 * Below this magnitude relative to the result a series term no longer matters. Operands outside an instruction's
 * domain (f2xm1 with |x| > 1, fyl2xp1 with large x: results the SDM leaves undefined) converge slowly or not at
 * all, so every series also stops after MAX_TERMS.
 */
const small = (t: Big, ref: Big, n: number): boolean => t.m === 0n || n > MAX_TERMS || t.e + bitLen(t.m) < ref.e + bitLen(ref.m) - PREC - 4;
const MAX_TERMS = 400;

/** Sum of x^(2n+1)/(2n+1)! (-1)^n (odd = true) or x^(2n)/(2n)! (-1)^n: sin and cos for |x| ≤ 1. */
function trigSeries(x: Big, odd: boolean): Big {
  const x2 = mul(x, x);
  let term = odd ? x : big(1);
  let sum = term;
  for (let n = odd ? 1 : 0; ; n++) {
    const k = odd ? 2 * n : 2 * n + 1;
    term = neg(div(mul(term, x2), big(k * (k + 1))));
    if (small(term, sum, n)) return sum;
    sum = add(sum, term);
  }
}
/** atan(x) for |x| ≤ 1: two argument halvings (atan x = 2 atan(x / (1 + sqrt(1 + x²)))), then the series. */
function atanB(x: Big): Big {
  if (x.m === 0n) return x;
  let t = x;
  for (let k = 0; k < 3; k++) t = div(t, add(big(1), sqrtB(add(big(1), mul(t, t)))));
  const t2 = mul(t, t);
  let pow = t;
  let sum = t;
  for (let n = 1; ; n++) {
    pow = neg(mul(pow, t2));
    const term = div(pow, big(2 * n + 1));
    if (small(term, sum, n)) break;
    sum = add(sum, term);
  }
  return mul(sum, big(8));
}
/** atanh(x) for |x| ≤ 1/3 by its series (ln through 2 atanh((f-1)/(f+1))). */
function atanhB(x: Big): Big {
  if (x.m === 0n) return x;
  const x2 = mul(x, x);
  let pow = x;
  let sum = x;
  for (let n = 1; ; n++) {
    pow = mul(pow, x2);
    const term = div(pow, big(2 * n + 1));
    if (small(term, sum, n)) return sum;
    sum = add(sum, term);
  }
}
/** ln 2 and pi to PREC bits, computed on first use (the series cost every process ~2 ms at module load). */
let ln2: Big | null = null;
let pi: Big | null = null;
const LN2 = (): Big => (ln2 ??= mul(big(2), atanhB(div(big(1), big(3)))));
const PI = (): Big => (pi ??= sub(mul(big(16), atanB(div(big(1), big(5)))), mul(big(4), atanB(div(big(1), big(239))))));
/** ln(f) for f in [1/2, 2]. */
const lnNear1 = (f: Big): Big => mul(big(2), atanhB(div(sub(f, big(1)), add(f, big(1)))));
/** log2 of a positive finite value: its binary exponent plus log2 of the significand in [sqrt(1/2), sqrt(2)). */
function log2B(a: Big): Big {
  let k = a.e + bitLen(a.m) - 1;
  let f: Big = { s: 0, m: a.m, e: -(bitLen(a.m) - 1) };
  // Keep f near 1 for the series: [0.75, 1.5).
  if (f.m >> BigInt(bitLen(f.m) - 2) === 3n) {
    f = { s: 0, m: f.m, e: f.e - 1 };
    k++;
  }
  return add(big(k), div(lnNear1(f), LN2()));
}
/** e^y − 1 for |y| ≤ 1 (no cancellation near 0). */
function expm1B(y: Big): Big {
  let term = y;
  let sum = y;
  for (let n = 2; ; n++) {
    term = div(mul(term, y), big(n));
    if (small(term, sum, n)) return sum;
    sum = add(sum, term);
  }
}

function toF80(b: Big, rc: number): F80 {
  return F.pack(b.s, b.m, b.e, rc, true);
}

/** The 66-bit pi the x87 reduces with: pi rounded to 66 significant bits. */
let pi66: Big | null = null;
const PI66 = (): Big => {
  if (pi66 !== null) return pi66;
  const p = PI();
  const sh = bitLen(p.m) - 66;
  const m = (p.m + (1n << BigInt(sh - 1))) >> BigInt(sh);
  return (pi66 = { s: 0, m, e: p.e + sh });
};

/** Whether |x| < 2^63, the trigonometric instructions' range (outside it they set C2 and leave st(0) alone). */
export function trigInRange(a: F80): boolean {
  const v = fromF80(a);
  return v.m === 0n || v.e + bitLen(v.m) - 1 < 63;
}

/** sin and cos of a finite in-range x, reduced by multiples of pi66/2 with the exact quotient's nearest integer. */
function sinCos(x: Big): [Big, Big] {
  const half = { s: 0, m: PI66().m, e: PI66().e - 1 };
  const q = div(x, half);
  // k = nearest integer of q.
  let k = 0n;
  if (q.e >= 0) k = q.m << BigInt(q.e);
  else if (q.e > -PREC - 8) k = (q.m + (1n << BigInt(-q.e - 1))) >> BigInt(-q.e);
  if (q.s) k = -k;
  // r = x - k·(pi66/2) exactly (pi66 has 66 bits, x 64: the product and difference are exact in PREC bits).
  const r = add(x, neg(mul(big(k), half)));
  const s = trigSeries(r, true);
  const c = trigSeries(r, false);
  switch (Number(((k % 4n) + 4n) % 4n)) {
    case 0: return [s, c];
    case 1: return [c, neg(s)];
    case 2: return [neg(s), neg(c)];
    default: return [neg(c), s];
  }
}

export function sin(a: F80, rc: number): F80 {
  if (F.isZero80(a)) return a;
  return toF80(sinCos(fromF80(a))[0], rc);
}
export function cos(a: F80, rc: number): F80 {
  if (F.isZero80(a)) return { s: 0, e: 0x3fff, m: 1n << 63n };
  return toF80(sinCos(fromF80(a))[1], rc);
}
export function tan(a: F80, rc: number): F80 {
  if (F.isZero80(a)) return a;
  const [s, c] = sinCos(fromF80(a));
  return toF80(div(s, c), rc);
}
/** atan2(y, x) for finite non-zero-handled operands (the caller deals with zeros, infinities and NaNs). */
export function atan2(y: F80, x: F80, rc: number): F80 {
  const Y = fromF80(y);
  const X = fromF80(x);
  const ay = { ...Y, s: 0 };
  const ax = { ...X, s: 0 };
  // atan of the ratio ≤ 1, then the octant.
  const swap = cmpMag(ay, ax) > 0;
  let r = atanB(swap ? div(ax, ay) : div(ay, ax));
  if (swap) r = sub({ s: 0, m: PI().m, e: PI().e - 1 }, r);
  if (x.s) r = sub(PI(), r);
  if (y.s) r = neg(r);
  return toF80(r, rc);
}
function cmpMag(a: Big, b: Big): number {
  const d = add(a, neg(b));
  return d.m === 0n ? 0 : d.s ? -1 : 1;
}
/** 2^x − 1 for |x| ≤ 1. */
export function exp2m1(a: F80, rc: number): F80 {
  if (F.isZero80(a)) return a;
  return toF80(expm1B(mul(fromF80(a), LN2())), rc);
}
/** y·log2(x) for finite x > 0, finite y; exact when x is a power of two. */
export function ylog2x(y: F80, x: F80, rc: number): F80 {
  const X = fromF80(x);
  if (X.m === 1n << BigInt(bitLen(X.m) - 1)) return F.mul(y, F.fromInt(BigInt(X.e + bitLen(X.m) - 1)), rc);
  return toF80(mul(fromF80(y), log2B(X)), rc);
}
/** y·log2(1 + x) for |x| < 1 − sqrt(2)/2. */
export function ylog2xp1(y: F80, x: F80, rc: number): F80 {
  const X = fromF80(x);
  if (X.m === 0n || F.isZero80(y)) return F.mul(y, x, rc);
  const ln1p = mul(big(2), atanhB(div(X, add(big(2), X))));
  return toF80(mul(fromF80(y), div(ln1p, LN2())), rc);
}
/** pi, pi/2, pi/4, 3pi/4 rounded per rc (fpatan's exact-angle cases). */
export function piMultiple(num: number, den: number, s: number, rc: number): F80 {
  return toF80({ ...div(mul(PI(), big(num)), big(den)), s }, rc);
}
