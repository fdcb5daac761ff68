/** BigInt helpers shared by the cores' exact floating-point slow paths. */

/** floor(sqrt(n)) for n ≥ 0 (Newton's iteration from an over-estimate; decreases monotonically to the root). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("isqrt of a negative number");
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
