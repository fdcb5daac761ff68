/** Exact fused multiply-add for binary64/binary32 (JS has no fma): exact BigInt sum, one rounding. */

// Exact fused multiply-add: the exact rational a*b+c, rounded once.
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
function roundExact(sum: bigint, e: number, prec: number, emin: number): number {
  if (sum === 0n) return 0;
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
    const half = 1n << (sb - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  const k = e + shift;
  const r = k > 1023 ? Infinity : Number(q) * 2 ** k;
  return neg ? -r : r;
}
export function fusedMulAdd(a: number, b: number, c: number, single: boolean): number {
  const naive = a * b + c;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0 || !Number.isFinite(naive)) {
    return single ? Math.fround(naive) : naive;
  }
  if (c === 0) return single ? Math.fround(a * b) : a * b;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const ep = ea + eb;
  const e = Math.min(ep, ec);
  const sum = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  return single ? roundExact(sum, e, 24, -149) : roundExact(sum, e, 53, -1074);
}

