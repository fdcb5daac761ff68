import { describe, expect, it } from "vitest";
import { loadAddrFixture, replayAddr } from "./addr-replay.js";

describe("address arithmetic differential test (native recordings, scripts/gen-addr.ts)", () => {
  const fx = loadAddrFixture();
  it("covers lea and loads in every base/index/scale/displacement and size shape", () => {
    expect(fx.insns.length).toBeGreaterThanOrEqual(19);
    expect(fx.cases.length).toBeGreaterThan(700);
    // The case behind sha512sum and strchr: large opposite-sign operands whose sum is small.
    expect(fx.cases[0]).toEqual([0, "6eccda24e5745d1a", "9147472da036ee46", expect.any(String), "6eccda24e5745d1a", "9147472da036ee46", "14215285ab4b60"]);
  });
  it("every result matches native execution, bit for bit", () => {
    const r = replayAddr(fx);
    expect(r.checked).toBe(fx.cases.length);
    expect(r.mismatches.slice(0, 5)).toEqual([]);
    expect(r.mismatches.length).toBe(0);
  });
  it("the translating tier computes the same addresses", () => {
    const r = replayAddr(fx, { jit: true, jitThreshold: 0 });
    expect(r.checked).toBe(fx.cases.length);
    expect(r.mismatches.slice(0, 5)).toEqual([]);
  });
});
