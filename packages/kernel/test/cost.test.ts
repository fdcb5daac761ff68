import { describe, expect, it } from "vitest";
import {
  buildCalibrationReport, CalibrationError, COMPOSITES, composite, COST_PROFILE_SCHEMA, CostLedger, CostProfileError, counters,
  DEFAULT_PROFILE, DEFAULT_RUN, formatCalibration, measuredProfile, parseCalibrationOutput, parseCostProfile, predict, PROFILE_FIELDS, zeroCounters,
} from "../src/cost/index.js";

describe("CostLedger", () => {
  it("charges totals and the current syscall; nested entries stay on the outer syscall", () => {
    const l = new CostLedger();
    l.add("userInsns", 100);
    l.begin(172);
    l.add("kernelEntries");
    l.frame(48, "bounce");
    l.begin(172); // the handler re-issues: same syscall, not a second call
    l.add("kernelEntries");
    l.end();
    l.add("handlerInsns", 30);
    l.end();
    l.frame(1024, "signal");
    expect(l.total).toMatchObject({ userInsns: 100, kernelEntries: 2, bounceFrames: 1, stackBytes: 1072, handlerInsns: 30 });
    expect(l.bySyscall.get(172)).toMatchObject({ calls: 1, kernelEntries: 2, bounceFrames: 1, stackBytes: 48, handlerInsns: 30, userInsns: 0 });
    expect(l.peakFrameBytes).toBe(1024);
    expect(l.inSyscall).toBe(false);
    l.end(); // unbalanced end is ignored
    expect(l.inSyscall).toBe(false);
  });
});

describe("predict and composites", () => {
  it("prices kernel entries as round trips except rt_sigreturn, which signalNs covers", () => {
    const d = DEFAULT_PROFILE;
    const p = predict(d, counters({ kernelEntries: 3, sigreturns: 1, signalDeliveries: 1, handlerInsns: 50, sudEntries: 3, timerReads: 1 }));
    expect(p.parts.syscall).toBeCloseTo(2 * d.syscallNs);
    expect(p.parts.signal).toBe(d.signalNs);
    expect(p.parts.user).toBeCloseTo(50 * d.userInsnNs);
    expect(p.parts.sud).toBeCloseTo(3 * d.sudEntryNs);
    expect(p.parts.timer).toBeCloseTo(d.timerReadNs);
    expect(p.totalNs).toBeCloseTo(2 * d.syscallNs + d.signalNs + 50 * d.userInsnNs + 3 * d.sudEntryNs + d.timerReadNs);
    expect(predict(DEFAULT_PROFILE, zeroCounters()).totalNs).toBe(0);
  });
  it("has the composites the demo and calibration need", () => {
    expect(COMPOSITES.map((c) => c.id)).toEqual([
      "direct", "vdso-call", "sud-trap", "seccomp-trap", "seccomp-allowed", "ptrace-syscall", "ptrace-sysemu", "bounce-arm64", "bounce-x86_64-userspace-return", "ported",
    ]);
    expect(() => composite("nope")).toThrow(RangeError);
    const sud = composite("sud-trap").counters({ handlerInsns: 40 });
    const sec = composite("seccomp-trap").counters({ handlerInsns: 40, cbpfTrap: 9, cbpfReissue: 15, cbpfSigreturn: 3 });
    // seccomp-trap = SUD's shape without SUD's per-entry check, plus 3 filter runs and 27 cBPF instructions.
    expect(predict(DEFAULT_PROFILE, sec).totalNs - predict(DEFAULT_PROFILE, sud).totalNs)
      .toBeCloseTo(27 * DEFAULT_PROFILE.cbpfInsnNs + 3 * DEFAULT_PROFILE.filterRunNs - 3 * DEFAULT_PROFILE.sudEntryNs);
    const bounce = predict(DEFAULT_PROFILE, composite("bounce-arm64").counters({ handlerInsns: 40, frameBytes: 32 })).totalNs;
    const direct = predict(DEFAULT_PROFILE, composite("direct").counters({})).totalNs;
    expect(bounce / direct).toBeGreaterThan(2); // two kernel crossings (a bounce crosses into the kernel at least twice)
    expect(predict(DEFAULT_PROFILE, composite("ported").counters({ handlerInsns: 40 })).totalNs).toBeLessThan(direct);
  });
});

describe("cost profiles", () => {
  it("parses a valid profile and rejects bad ones with typed errors", () => {
    expect(parseCostProfile(JSON.parse(JSON.stringify(DEFAULT_PROFILE)))).toEqual(DEFAULT_PROFILE);
    expect(() => parseCostProfile({ ...DEFAULT_PROFILE, extra: 1 })).toThrow(CostProfileError);
    expect(() => parseCostProfile({ ...DEFAULT_PROFILE, signalNs: -1 })).toThrow(CostProfileError);
    expect(() => parseCostProfile({ ...DEFAULT_PROFILE, syscallNs: "fast" })).toThrow(CostProfileError);
    expect(() => parseCostProfile([])).toThrow(CostProfileError);
    const { cbpfInsnNs: _, ...missing } = DEFAULT_PROFILE;
    expect(() => parseCostProfile(missing)).toThrow(CostProfileError);
  });
  it("the JSON schema requires every field the type has", () => {
    expect([...COST_PROFILE_SCHEMA.required].sort()).toEqual(["name", "source", ...PROFILE_FIELDS].sort());
    expect(Object.keys(COST_PROFILE_SCHEMA.properties).sort()).toEqual(Object.keys(DEFAULT_PROFILE).sort());
  });
});

describe("calibration on a recorded run (fixtures/calibrate)", () => {
  const text = DEFAULT_RUN.text;
  const raw = parseCalibrationOutput(text);
  const report = buildCalibrationReport(raw, { kernel: "k", cc: "cc", date: DEFAULT_RUN.date });

  it("derives each primitive from its own measurements", () => {
    const p = measuredProfile(raw);
    expect(p.userInsnNs).toBeCloseTo((raw.t_straight - raw.t_call) / (raw.n_straight - raw.n_call));
    expect(p.syscallNs).toBeCloseTo(raw.t_getpid - raw.n_getpid * p.userInsnNs);
    expect(p.cbpfInsnNs).toBeCloseTo((raw.t_filter_large - raw.t_filter_small) / raw.large_filter_extra);
    expect(p.signalNs).toBeCloseTo(raw.t_kill_handled - raw.t_kill_ignored - (raw.n_kill_handled - raw.n_kill_ignored) * p.userInsnNs);
    // One signal-delivery-stop, less the queueing and dequeueing a traced ignored signal pays and a syscall stop does not.
    const queue = raw.t_kill_queued - raw.t_kill_discarded - (raw.n_kill_queued - raw.n_kill_discarded) * p.userInsnNs;
    expect(queue).toBeGreaterThan(0);
    expect(p.ptraceStopNs).toBeCloseTo(raw.t_ptrace_kill_ignored - raw.t_kill_ignored - queue);
    expect(p.timerReadNs).toBeCloseTo(raw.t_timer - raw.n_timer * p.userInsnNs);
    expect(p.sudEntryNs).toBeCloseTo(raw.t_sud_allowed - raw.t_getpid);
    expect(() => parseCostProfile(p)).not.toThrow();
    // No composite measurement feeds a primitive: changing every composite's time leaves the profile alone.
    const shifted = { ...raw, t_stub_getpid: 1, t_vdso: 1, t_sud_trap: 1, t_seccomp_trap: 1, t_seccomp_allowed: 1, t_ptrace_syscall: 1 };
    expect(measuredProfile(shifted)).toEqual(p);
  });

  it("predicts each native composite from primitives through the shared formulas", () => {
    expect(report.composites.map((c) => c.id)).toEqual(["direct", "vdso-call", "sud-trap", "seccomp-trap", "seccomp-allowed", "ptrace-syscall"]);
    expect(report.composites[0]!.measuredNs).toBe(raw.t_stub_getpid);
    for (const c of report.composites.slice(1)) {
      expect(c.predictedNs).toBeCloseTo(predict(report.profile, c.counters).totalNs);
      expect(c.ratio).toBeCloseTo(c.predictedNs / c.measuredNs);
      expect(c.measuredNs).toBe(raw[`t_${c.id.replace("-call", "").replace("-", "_")}` as keyof typeof raw]);
    }
    // cBPF work our engine counts for the calibration filter: trap entry from above the window (guard 2
    // + window 7), re-issue from the stub (2 + 13), rt_sigreturn (guard passes it after 3).
    expect(report.composites.find((c) => c.id === "seccomp-trap")!.counters).toMatchObject({ cbpfInsns: 9 + 15 + 3, filterRuns: 3, kernelEntries: 3, sigreturns: 1 });
    expect(report.composites.find((c) => c.id === "seccomp-allowed")!.counters.cbpfInsns).toBe(15);
    expect(report.composites.find((c) => c.id === "sud-trap")!.counters).toMatchObject({ sudEntries: 3, signalDeliveries: 1 });
    expect(report.composites.find((c) => c.id === "vdso-call")!.counters.timerReads).toBe(1);
  });

  it("formats a readable report", () => {
    const s = formatCalibration(report);
    expect(s).toContain("signal delivery + rt_sigreturn");
    expect(s).toContain("SUD check per kernel entry");
    expect(s).toMatch(/sud-trap\s+\S+ [nµ]s\s+\S+ [nµ]s\s+\d+\.\d\d/);
  });

  it("rejects incomplete or garbled output", () => {
    expect(() => parseCalibrationOutput(text.replace(/^t_vdso .*$/m, ""))).toThrow(CalibrationError);
    expect(() => parseCalibrationOutput(text + "what is this\n")).toThrow(CalibrationError);
    expect(() => parseCalibrationOutput(text.replace(/^t_sud_trap .*$/m, "t_sud_trap -1.000"))).toThrow(CalibrationError);
    expect(() => parseCalibrationOutput(text.replace(/^n_call .*$/m, "n_call 0"))).toThrow(/single-step/);
  });
});
