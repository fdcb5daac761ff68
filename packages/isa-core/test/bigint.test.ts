import { describe, expect, it } from "vitest";
import { isqrt } from "../src/index.js";

describe("isqrt", () => {
  it("is floor(sqrt(n)) at and around perfect squares, small and huge", () => {
    for (let k = 0n; k < 300n; k++) {
      expect(isqrt(k * k)).toBe(k);
      if (k > 0n) expect(isqrt(k * k - 1n)).toBe(k - 1n);
      expect(isqrt(k * k + 2n * k)).toBe(k); // (k+1)^2 - 1
    }
    for (const bits of [53, 64, 127, 128, 281, 300]) {
      const r = (1n << BigInt(bits)) - 12345n;
      expect(isqrt(r * r)).toBe(r);
      expect(isqrt(r * r - 1n)).toBe(r - 1n);
      expect(isqrt((r + 1n) * (r + 1n) - 1n)).toBe(r);
    }
  });
  it("rejects a negative argument", () => {
    expect(() => isqrt(-1n)).toThrow(RangeError);
  });
});
