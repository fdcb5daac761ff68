import { describe, expect, it } from "vitest";
import { loadX87Fixture, replayX87 } from "./x87-replay.js";

describe("x87 differential test (native recordings, scripts/gen-x87.ts)", () => {
  it("st(0) bit patterns, condition codes, fcomi flags and stores match native execution in all rounding modes", () => {
    const fx = loadX87Fixture();
    const r = replayX87(fx);
    expect(r.checked).toBeGreaterThan(1500);
    expect(r.bad.slice(0, 8)).toEqual([]);
  });
});

describe("x87 edge cases (native recordings, scripts/gen-x87-edge.ts)", () => {
  const fx = loadX87Fixture("x87-edge-native");
  it("covers far-apart fprem and invalid, pseudo and special encodings", () => {
    expect(fx.ops.map((o) => o.text)).toContain("1: fprem; fnstsw %ax; testb $4,%ah; jnz 1b");
    expect(fx.cases.length).toBeGreaterThan(1500);
  });
  for (const op of fx.ops) {
    it(`${op.text}: matches native execution`, () => {
      const r = replayX87({ ...fx, cases: fx.cases.filter((cs) => fx.ops[cs[0] as number] === op) });
      expect(r.bad.slice(0, 6)).toEqual([]);
    });
  }
});
