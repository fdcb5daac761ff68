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
