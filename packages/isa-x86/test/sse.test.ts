import { describe, expect, it } from "vitest";
import { loadSseFixture, replaySse } from "./sse-replay.js";

describe("SSE/SSE2 differential test (native recordings, scripts/gen-sse.ts)", () => {
  const fx = loadSseFixture();
  it("every xmm lane, rax and status flag matches native execution", () => {
    const r = replaySse(fx);
    expect(r.checked).toBeGreaterThan(3000);
    expect(r.bad.slice(0, 8)).toEqual([]);
  });
  it("the same with the translating tier (SSE handlers run inline from translated blocks)", () => {
    const r = replaySse(fx, { jit: true, jitThreshold: 0 });
    expect(r.checked).toBeGreaterThan(3000);
    expect(r.bad.slice(0, 8)).toEqual([]);
  });
});
