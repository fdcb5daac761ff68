/**
 * `uabi study` as a library: run workloads under every configuration on both ISAs, compare each run with the
 * direct run of the same workload, attribute every difference to a catalogued cause (or report it unexplained),
 * and count what each configuration cost.
 */
import { DEFAULT_PROFILE, type CostProfile } from "@uabi/kernel";
import { CATALOGUE, DIFF_KINDS, classify, type DiffKind } from "./catalogue.js";
import { STUDY_CONFIGS, type StudyConfig } from "./configs.js";
import { differences, observe, type Observation, type Workload } from "./observe.js";
import { allWorkloads, hostWorkloads, selectWorkloads } from "./workloads.js";
import { hostBenchWorkloads } from "./host-workloads.js";
import { HOST_MECHANISMS, hostFigures, runNative, type HostFigure, type HostMachine } from "./host.js";

export { CATALOGUE, STUDY_CONFIGS, allWorkloads, selectWorkloads, observe, differences, classify };
export type { Workload, Observation, StudyConfig, DiffKind };
export { hostWorkloads } from "./workloads.js";
export { hostBenchWorkloads, generatedText } from "./host-workloads.js";
export { HOST_MECHANISMS, HostMeasureError, hostFigures, hostUnavailable, parseReflectorOutput, type HostFigure, type HostMachine, type HostRun } from "./host.js";
export { PROVOKERS, buildProvoker } from "./provoke.js";

/** Bumped when a field changes meaning or disappears. */
export const STUDY_SCHEMA_VERSION = 1;

export interface StudyCell {
  workload: string;
  config: string;
  identical: boolean;
  diffs: DiffKind[];
  causes: string[];
  unexplained: DiffKind[];
  exitStatus: number;
  cost: { kernelEntries: number; userInsns: number; handlerInsns: number; signals: number; stackBytes: number; modelledNs: number; ratioToDirect: number | null };
  /** Wall time of the simulation (ms): not a prediction of anything. */
  hostMs: number;
}

export interface StudyReport {
  schemaVersion: number;
  profile: string;
  arches: string[];
  configs: StudyConfig[];
  workloads: { id: string; arch: string; group: string; provokes: string | null; argv: readonly string[] }[];
  cells: StudyCell[];
  catalogue: { id: string; title: string; explanation: string; linux: string; status: string; reason: string; mechanisms: string; provoker: string }[];
  /** Cells with a difference no cause explains. */
  unexplained: number;
  /** `uabi study --host`: the same x86-64 workloads measured natively (scripts/study/reflector.c). */
  host: { measured: HostFigure[]; note: string; machine?: HostMachine; rounds?: number; mechanisms?: readonly string[]; durationMs?: number };
  durationMs: number;
}

export interface StudyOptions {
  workloads?: string;
  arches?: readonly ("arm64" | "x86_64")[];
  /** Configuration ids (default all). */
  configs?: readonly string[];
  profile?: CostProfile;
  maxInstructions?: number;
  /** The CPU cores' tier (`--core`); the kernel's default (jit) when absent. */
  core?: "jit" | "interp";
  onProgress?: (line: string) => void;
  /** Also run the x86-64 workloads natively (x86-64 Linux hosts only): `uabi study --host`. */
  host?: { rounds?: number; cc?: string };
}

export function studyReport(o: StudyOptions = {}): StudyReport {
  const t0 = Date.now();
  const arches = o.arches ?? ["arm64", "x86_64"];
  const profile = o.profile ?? DEFAULT_PROFILE;
  const configs = STUDY_CONFIGS.filter((c) => c.id === "direct" || !o.configs || o.configs.includes(c.id));
  const unknown = (o.configs ?? []).filter((id) => !STUDY_CONFIGS.some((c) => c.id === id));
  if (unknown.length) throw new Error(`unknown configuration ${unknown.join(", ")} (one of ${STUDY_CONFIGS.map((c) => c.id).join(", ")})`);
  // `host` selects the host set (hostBenchWorkloads): long-running real programs, kept out of `default` and `all`.
  const spec = o.workloads ?? "default";
  const pool = spec.split(",").some((p) => p.trim().startsWith("host")) ? [...allWorkloads(), ...hostBenchWorkloads()] : allWorkloads();
  const ws = selectWorkloads(spec, pool).filter((w) => arches.includes(w.arch));
  const cells: StudyCell[] = [];
  for (const [i, w] of ws.entries()) {
    // Say what runs before it runs: a workload under every configuration can take a while.
    o.onProgress?.(`(${i + 1}/${ws.length}) ${w.id} under ${configs.map((c) => c.id).join(", ")}…`);
    const runOpts = { profile, ...(o.maxInstructions ? { maxInstructions: o.maxInstructions } : {}), ...(o.core ? { core: o.core } : {}) };
    const direct = observe(w, configs[0]!, runOpts);
    for (const c of configs) {
      const run = c.id === "direct" ? direct : observe(w, c, runOpts);
      const diffs = differences(run, direct);
      const { causes, unexplained } = classify({ config: c, run, direct }, diffs);
      const k = run.counters;
      cells.push({
        workload: w.id, config: c.id, identical: diffs.length === 0, diffs, causes, unexplained, exitStatus: run.exitStatus,
        cost: {
          kernelEntries: k.kernelEntries, userInsns: k.userInsns, handlerInsns: k.handlerInsns, signals: k.signalDeliveries, stackBytes: k.stackBytes,
          modelledNs: run.modelledNs, ratioToDirect: direct.modelledNs > 0 ? run.modelledNs / direct.modelledNs : null,
        },
        hostMs: Math.round(run.hostMs),
      });
    }
    o.onProgress?.(`${w.id}: ${cells.filter((x) => x.workload === w.id && !x.identical).length} configuration(s) differ`);
  }
  let host: StudyReport["host"] = { measured: [], note: "not measured (`uabi study --host` runs the x86-64 workloads natively)" };
  if (o.host) {
    const hw = hostWorkloads(ws);
    const native = runNative(hw, { ...o.host, onProgress: (l) => o.onProgress?.(l) });
    const modelled = (workload: string, config: string) => {
      const c = cells.find((x) => x.workload === workload && x.config === config);
      const d = cells.find((x) => x.workload === workload && x.config === "direct");
      return c && d ? { modelledNs: c.cost.modelledNs, calls: d.cost.kernelEntries } : undefined;
    };
    const m = native.machine;
    host = {
      measured: hostFigures(hw, native, modelled), machine: m, rounds: native.rounds, mechanisms: HOST_MECHANISMS, durationMs: native.durationMs,
      note: `measured on ${m.cpu} (${m.cpus} CPUs), ${m.kernel}, ${m.date}, load ${m.loadavg.before.split(" ")[0]}, ${m.sched === "fifo" ? "SCHED_FIFO" : "SCHED_OTHER"}: median of ${native.rounds} interleaved runs per workload and mechanism`,
    };
  }
  return {
    schemaVersion: STUDY_SCHEMA_VERSION, profile: profile.name, arches: [...arches], configs: [...configs],
    workloads: ws.map((w) => ({ id: w.id, arch: w.arch, group: w.group, provokes: w.provokes ?? null, argv: w.argv })),
    cells,
    catalogue: CATALOGUE.map((c) => ({
      id: c.id, title: c.title, explanation: c.explanation, linux: c.linux, status: c.status.kind,
      reason: c.status.kind === "fixed" ? c.status.how : c.status.because, mechanisms: c.mechanisms, provoker: c.provoker,
    })),
    unexplained: cells.filter((c) => c.unexplained.length > 0).length,
    host,
    durationMs: Date.now() - t0,
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));

/** The text report: the behaviour matrix, the overhead matrix, and the catalogue causes that appeared. */
export function formatStudy(r: StudyReport): string {
  const L: string[] = [];
  const cfgs = r.configs.filter((c) => c.id !== "direct").map((c) => c.id);
  const ids = r.workloads.map((w) => w.id);
  const cell = (w: string, c: string) => r.cells.find((x) => x.workload === w && x.config === c);
  const wid = Math.max(8, ...ids.map((i) => i.length));
  L.push(`uabi study: ${ids.length} workloads × ${r.configs.length} configurations (${r.arches.join(", ")}), compared with direct`, "");
  L.push("Behaviour (= identical to direct; otherwise the catalogued causes, ?kind = unexplained difference):");
  const text = (w: string, c: string) => {
    const x = cell(w, c);
    if (!x) return "";
    if (x.identical) return "=";
    return [...x.causes, ...x.unexplained.map((u) => `?${u}`)].join("+");
  };
  const widths = cfgs.map((c) => Math.max(c.length, ...ids.map((w) => text(w, c).length)));
  L.push(`  ${pad("workload", wid)}  ${cfgs.map((c, i) => pad(c, widths[i]!)).join("  ")}`.trimEnd());
  for (const w of ids) L.push(`  ${pad(w, wid)}  ${cfgs.map((c, i) => pad(text(w, c), widths[i]!)).join("  ")}`.trimEnd());
  L.push("", `Cost: modelled time ÷ direct (cost profile '${r.profile}'); direct column: modelled time and kernel entries`);
  const ratio = (w: string, c: string) => {
    const x = cell(w, c);
    return x?.cost.ratioToDirect == null ? "—" : `${x.cost.ratioToDirect.toFixed(2)}`;
  };
  const directText = (w: string) => {
    const x = cell(w, "direct");
    return x ? `${(x.cost.modelledNs / 1000).toFixed(1)} µs/${x.cost.kernelEntries}` : "";
  };
  const dw = Math.max(6, ...ids.map((w) => directText(w).length));
  L.push(`  ${pad("workload", wid)}  ${pad("direct", dw)}  ${cfgs.map((c, i) => pad(c, Math.max(widths[i]!, 5))).join("  ")}`.trimEnd());
  for (const w of ids) L.push(`  ${pad(w, wid)}  ${pad(directText(w), dw)}  ${cfgs.map((c, i) => pad(ratio(w, c), Math.max(widths[i]!, 5))).join("  ")}`.trimEnd());
  const seen = new Set(r.cells.flatMap((c) => c.causes));
  L.push("", "Causes (from the catalogue in apps/uabi/src/study/catalogue.ts):");
  for (const c of r.catalogue) {
    L.push(`  ${c.id}${seen.has(c.id) ? " (seen)" : ""} — ${c.status === "fixed" ? "fixed" : "property of the mechanism"}: ${c.explanation}.`);
    L.push(`      ${c.status === "fixed" ? "fix" : "because"}: ${c.reason}. Linux: ${c.linux}. Provoked by: ${c.provoker}.`);
  }
  const un = r.cells.filter((c) => c.unexplained.length);
  L.push("", un.length ? `Unexplained differences: ${un.map((c) => `${c.workload} under ${c.config} (${c.unexplained.join(", ")})`).join("; ")}` : "Unexplained differences: none.");
  L.push(`Host measurements: ${r.host.note}.`);
  if (r.host.measured.length) L.push(...formatHost(r.host.measured));
  L.push(`(${r.cells.length} runs in ${(r.durationMs / 1000).toFixed(1)} s)`, "");
  return L.join("\n");
}

/**
 * The host table: per workload, the native direct median and calls (native/modelled); per mechanism, the added
 * time measured and modelled (µs), modelled ÷ measured (`·` where the measured overhead is within the noise or
 * the run is short) from the medians and from the fastest runs, `!` when the outputs differed from direct.
 */
export function formatHost(fs: readonly HostFigure[]): string[] {
  const mechs = ["sud", "seccomp", "ptrace"] as const;
  const ids = [...new Set(fs.map((f) => f.workload))];
  const get = (w: string, m: string) => fs.find((f) => f.workload === w && f.mechanism === m);
  const us = (ns: number | null) => (ns === null ? "—" : (ns / 1000).toFixed(ns >= 1e5 || ns <= -1e5 ? 0 : 1));
  const rows = ids.map((w) => {
    const d = get(w, "direct"), e = get(w, "exec");
    const calls = mechs.map((m) => get(w, m)?.nativeCalls).find((c) => c != null);
    const cols = [w, d ? (d.medianNs / 1e6).toFixed(2) : "—", e ? (e.medianNs / 1e6).toFixed(2) : "—", `${calls ?? "—"}/${d?.modelledCalls ?? "—"}`];
    for (const m of mechs) {
      const f = get(w, m);
      const bad = f && !f.sameAsDirect ? "!" : "";
      cols.push(f ? `${us(f.measuredOverheadNs)}${bad}` : "—", f ? us(f.predictedOverheadNs) : "—", f?.predictedOverMeasured == null ? "·" : f.predictedOverMeasured.toFixed(2),
        f?.predictedOverBest == null ? "·" : f.predictedOverBest.toFixed(2));
    }
    return cols;
  });
  const head = ["workload", "direct ms", "exec ms", "calls n/m", ...mechs.flatMap((m) => [`${m} +µs`, "model +µs", "m÷n", "best"])];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cs: string[]) => `  ${cs.map((c, i) => (i === 0 ? pad(c, widths[i]!) : c.padStart(widths[i]!))).join("  ")}`;
  const same = fs.every((f) => f.sameAsDirect);
  return [
    "Host, measured: native medians; +µs = added time over direct (measured, then modelled); m÷n = modelled ÷ measured",
    "added time (· = within the noise or short); best = the same from the fastest runs (the calibration's convention);",
    "calls n/m = calls reflected natively / the program's calls in the simulation; exec = the kernel's execve",
    line(head), ...rows.map(line),
    same ? "Outputs under every mechanism identical to the direct run (stdout, stderr, exit status)." : "! = outputs differed from the direct run.",
  ];
}

export { DIFF_KINDS };
