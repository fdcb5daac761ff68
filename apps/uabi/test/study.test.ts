/**
 * `uabi study`: each provoking program shows its catalogued break (or its absence after a fix) under each
 * mechanism, on both ISAs; nothing is unexplained; pinning defeats the jump into the vDSO and is counted.
 */
import { describe, expect, it } from "vitest";
import { CATALOGUE, STUDY_SCHEMA_VERSION, allWorkloads, observe, selectWorkloads, studyReport, STUDY_CONFIGS } from "../src/study/index.js";

const rep = studyReport({ workloads: "study:" });
const cell = (w: string, c: string) => {
  const x = rep.cells.find((y) => y.workload === w && y.config === c);
  if (!x) throw new Error(`no cell ${w} × ${c}`);
  return x.identical ? "=" : [...x.causes, ...x.unexplained.map((u) => `?${u}`)].join("+");
};
const ARCHES = ["arm64", "x86_64"] as const;
const ALL = STUDY_CONFIGS.filter((c) => c.id !== "direct").map((c) => c.id);
const SIGSYS = ["seccomp", "sud", "seccomp+pin", "sud+pin"];

/** Expected cell per provoking program and configuration (unlisted configurations: identical to direct). */
const EXPECT: Record<string, Record<string, string>> = {
  sigaltstack: {}, // fixed: the SIGSYS path writes the new settings into the frame's uc_stack
  "sud-off": {}, // fixed: the mechanism's SUD is out of the program's reach
  "sigsys-blocked": {}, // fixed: the reflection is delivered while blocked
  "own-filter": Object.fromEntries(SIGSYS.map((c) => [c, "own-seccomp-filter"])), // fixed for bounce/selective by the stage order
  "own-sigsys": Object.fromEntries(SIGSYS.map((c) => [c, "own-sigsys-handler"])),
  "vdso-unmap": Object.fromEntries(["bounce", "bounce/task-page", "seccomp", "sud", "bounce+pin", "seccomp+pin", "sud+pin"].map((c) => [c, "vdso-unmapped"])),
  "vdso-bypass": {
    bounce: "vdso-bypass", "bounce/task-page": "vdso-bypass", seccomp: "vdso-bypass", sud: "vdso-bypass",
    "bounce+pin": "pin-refused", "selective+pin": "pin-refused", "seccomp+pin": "pin-refused", "sud+pin": "pin-refused",
  },
};

describe("uabi study: the provoking programs", () => {
  it("report shape: schemaVersion, every cell explained, a catalogue entry for every cause used", () => {
    expect(rep.schemaVersion).toBe(STUDY_SCHEMA_VERSION);
    expect(rep.unexplained).toBe(0);
    const ids = new Set(CATALOGUE.map((c) => c.id));
    for (const c of rep.cells) for (const cause of c.causes) expect(ids.has(cause)).toBe(true);
    for (const c of CATALOGUE) expect(c.linux.length).toBeGreaterThan(10);
  });
  for (const [prog, want] of Object.entries(EXPECT)) {
    it.each(ARCHES)(`${prog} (%s)`, (arch) => {
      const w = `study:${prog}/${arch}`;
      expect(Object.fromEntries(ALL.map((c) => [c, cell(w, c)]))).toEqual(Object.fromEntries(ALL.map((c) => [c, want[c] ?? "="])));
    });
  }
  it("red zone (x86-64): intact under every configuration", () => {
    for (const c of ALL) expect(cell("study:red-zone/x86_64", c)).toBe("=");
  });
  it.each(ARCHES)("pinning defeats the jump under every in-process mechanism, killed with SIGSYS and counted (%s)", (arch) => {
    const w = selectWorkloads(`study:vdso-bypass/${arch}`, allWorkloads())[0]!;
    for (const id of ["bounce+pin", "selective+pin", "seccomp+pin", "sud+pin"]) {
      const o = observe(w, STUDY_CONFIGS.find((c) => c.id === id)!);
      expect(o.exitStatus).toBe(128 + 31);
      expect(o.marks.unpinned).toBe(1);
      expect(o.unmediated).toEqual([]);
    }
    // Without pinning the jump reaches the kernel unmediated, from the vDSO text.
    const open = observe(w, STUDY_CONFIGS.find((c) => c.id === "bounce")!);
    expect(open.exitStatus).toBe(0);
    expect(open.unmediated).toEqual([{ name: "getpid", fromText: true }]);
  });
});
