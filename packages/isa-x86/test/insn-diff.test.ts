/**
 * Replays the x86-64 differential instruction fixtures (fixtures/fuzz/insn-x86, recorded by
 * `pnpm fuzz:insn --isa x86_64 --record N` against native execution) without a native run: every sequence's
 * end state (or fault) must match the recorded native one under the declared undefined-flag tables, and the
 * translating tier and the whole-budget interpreter must agree with the stepped interpreter exactly.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeCase, diffStates, runUabi, type RecordedCase } from "./insn-diff.js";

const file = fileURLToPath(new URL("../../../fixtures/fuzz/insn-x86/cases.jsonl.gz", import.meta.url));
const cases = gunzipSync(readFileSync(file)).toString().trim().split("\n").map((l) => JSON.parse(l) as RecordedCase);

describe("x86-64 differential instruction fixtures (native results)", () => {
  it("every recorded sequence gives the native outcome in both tiers", () => {
    const failures: string[] = [];
    const mnemonics = new Set<string>();
    const outcomes = new Map<string, number>();
    for (const rc of cases) {
      const { code, st, out } = decodeCase(rc);
      const run = runUabi(code, st, true);
      for (const m of run.executed) mnemonics.add(m);
      outcomes.set(out.cls, (outcomes.get(out.cls) ?? 0) + 1);
      const d = run.bad ? [`indeterminate: ${run.bad.why}`] : diffStates(out, run.interp, run.masks);
      if (d.length || run.tierDiffs.length) failures.push(`seed ${rc.seed} code ${rc.code}: ${[...d, ...run.tierDiffs].join("; ")}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(1500);
    // The recording spans the tables: integer, SSE/SSE2 and x87 rows including the transcendentals, and faults.
    expect(mnemonics.size).toBeGreaterThanOrEqual(350);
    for (const m of ["adc", "shrd", "rcl", "div", "bsf", "cmovb", "movs", "mulpd", "cvtsi2sd", "fprem", "fscale", "fxtract", "fsin", "fpatan", "fyl2x", "f2xm1"]) expect(mnemonics).toContain(m);
    for (const k of ["end", "segv", "fpe", "ill"]) expect(outcomes.get(k) ?? 0).toBeGreaterThan(0);
  });
});
