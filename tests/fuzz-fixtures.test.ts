/**
 * The fuzzers' minimized failures (fixtures/fuzz/<target>/*.elf) stay fixed: each is replayed through its target
 * and must end in the package's typed error or succeed, within its time budget. A short seeded fuzz of every
 * target proves the harness itself still runs (and finds nothing).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { mutateInput } from "../scripts/fuzz/mutate.js";
import { TARGETS, fixtureFiles } from "../scripts/fuzz/targets.js";

/** "ok", "typed", or the untyped exception's text. */
function outcome(name: string, bytes: Uint8Array): string {
  const t = TARGETS[name]!;
  try {
    t.run(bytes);
    return "ok";
  } catch (e) {
    return t.typed(e) ? "typed" : String(e);
  }
}

describe.each(Object.keys(TARGETS))("fuzz target %s", (name) => {
  const files = fixtureFiles(name);
  it.runIf(files.length > 0).each(files.map((f) => [basename(f), f]))("replays %s without an untyped failure", (_, file) => {
    const t0 = performance.now();
    expect(["ok", "typed"]).toContain(outcome(name, new Uint8Array(readFileSync(file))));
    expect(performance.now() - t0).toBeLessThan(TARGETS[name]!.hangMs);
  });

  it("runs 40 seeded mutations with no untyped failure", () => {
    const seeds = TARGETS[name]!.seeds();
    const bad: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = outcome(name, mutateInput(seeds, 12345, i).bytes);
      if (r !== "ok" && r !== "typed") bad.push(`index ${i}: ${r}`);
    }
    expect(bad).toEqual([]);
  });
});

describe("the mutator", () => {
  it("is a function of (seed, index) and changes its seed", () => {
    const seeds = [new Uint8Array(readFileSync(fixtureFiles("spawn")[0]!))];
    const a = mutateInput(seeds, 7, 3), b = mutateInput(seeds, 7, 3), c = mutateInput(seeds, 7, 4);
    expect(a.bytes).toEqual(b.bytes);
    expect(a.ops).toEqual(b.ops);
    expect(c.bytes).not.toEqual(a.bytes);
  });
});
