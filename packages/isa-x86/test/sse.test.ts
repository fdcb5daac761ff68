import { describe, expect, it } from "vitest";
import { loadSseFixture, replaySse } from "./sse-replay.js";

describe("SSE/SSE2 differential test (native recordings, scripts/gen-sse.ts)", () => {
  const fx = loadSseFixture();
  it("every xmm lane, rax and status flag matches native execution", () => {
    const r = replaySse(fx);
    expect(r.checked).toBeGreaterThan(3000);
    expect(r.bad.slice(0, 8)).toEqual([]);
  });
});
