/**
 * Calibration: measure the cost model's primitives on this machine with scripts/calibrate/calibrate.c,
 * then check the model. For each composite that exists natively (SUD trap, seccomp RET_TRAP trap,
 * seccomp-allowed syscall, vDSO clock_gettime, PTRACE_SYSCALL), the prediction from the *measured
 * primitives*, through the same composite formulas the simulator uses, is compared with the
 * composite's direct measurement. The primitives come only from measurements of each primitive alone
 * (primitives.ts); the composites are only ever predicted, then compared.
 *
 * Only runCalibration touches the host (child_process, fs), and it loads those modules when called
 * (process.getBuiltinModule), so importing this file stays safe in a browser. The `uabi calibrate`
 * command calls runCalibration and prints formatCalibration(report).
 */
import {
  AUDIT_ARCH_X86_64, BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, encodeProgram, fillSeccompData, jump,
  newSeccompDataBuffer, SECCOMP_RET_ALLOW, SECCOMP_SET_MODE_FILTER, SeccompState, type SockFilter, stmt, vdsoWindowFilter,
} from "../seccomp/index.js";
import type { CostCounters } from "./counters.js";
import { type Composite, type CompositeParams, composite, predict } from "./predict.js";
import { CalibrationError, type CalibrationRaw, measuredProfile, parseCalibrationOutput, signalQueueNs } from "./primitives.js";
import { type CostProfile, DEFAULT_PROFILE } from "./profile.js";

/** x86_64 getpid / rt_sigreturn numbers (the calibration program is x86_64-only). */
const NR_GETPID = 39;
const NR_RT_SIGRETURN = 15;

/** The filter used for the seccomp composites: trap getpid outside [stub, stub + 4096), pass everything else. */
export function calibrationTrapFilter(stub: bigint): SockFilter[] {
  return [
    stmt(BPF_LD | BPF_W | BPF_ABS, 0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, NR_GETPID, 1, 0),
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    ...vdsoWindowFilter("x86_64", stub, stub + 4096n),
  ];
}

/** cBPF instructions our engine executes for one entry through `filter`. */
function cbpfCount(filter: SockFilter[], nr: number, ip: bigint): number {
  const st = new SeccompState("x86_64");
  const bytes = encodeProgram(filter);
  const fprog = new Uint8Array(16);
  new DataView(fprog.buffer).setUint16(0, filter.length, true);
  new DataView(fprog.buffer).setBigUint64(8, 0x2000n, true);
  const r = st.seccomp(SECCOMP_SET_MODE_FILTER, 0, 0x1000n, {
    copyIn: (a, n) => (a === 0x1000n ? fprog.slice(0, n) : a === 0x2000n ? bytes.slice(0, n) : null), noNewPrivs: true, capSysAdmin: false,
  });
  if (r !== 0) throw new CalibrationError(`calibration filter rejected (${r})`);
  return st.evaluate(fillSeccompData(newSeccompDataBuffer(), { nr, arch: AUDIT_ARCH_X86_64, instructionPointer: ip, args: [] })).insns;
}

export interface CompositeCheck {
  id: string;
  title: string;
  formula: string;
  counters: CostCounters;
  /** From the measured primitives. */
  predictedNs: number;
  /** From DEFAULT_PROFILE, for comparison. */
  defaultPredictedNs: number;
  measuredNs: number;
  /** predicted / measured. */
  ratio: number;
}

/** The machine a run was made on. `cpu` and `cpus` are absent from hand-written hosts. */
export interface CalibrationHost {
  kernel: string;
  cc: string;
  date: string;
  cpu?: string;
  cpus?: number;
}

export interface CalibrationReport {
  host: CalibrationHost;
  raw: CalibrationRaw;
  profile: CostProfile;
  composites: CompositeCheck[];
  /** Where the profile JSON was written, if it was. */
  profilePath?: string;
  /** calibrate.c's output as printed (kept for recording fixtures). */
  rawText?: string;
}

/**
 * Builds the report from parsed output: pure, so a recorded run can be re-checked anywhere. `lookup`
 * finds each composite's formula (the shared COMPOSITES unless a test substitutes a mutated one).
 */
export function buildCalibrationReport(raw: CalibrationRaw, host: CalibrationHost, lookup: (id: string) => Composite = composite): CalibrationReport {
  const profile = measuredProfile(raw, "calibrated", `calibrate on ${host.cpu ? `${host.cpu}, ` : ""}${host.kernel} (${host.date})`);
  const stub = BigInt(raw.stub);
  const filter = calibrationTrapFilter(stub);
  const allow = cbpfCount(filter, NR_GETPID, stub + 2n);
  const rows: [string, CompositeParams, number][] = [
    // getpid through a call to the `syscall; ret` stub: a direct syscall with more user instructions
    // than the raw loop the syscall primitive came from (the committed calibration run has the same row).
    ["direct", { userInsns: raw.n_stub_getpid }, raw.t_stub_getpid],
    ["vdso-call", { userInsns: raw.n_vdso, timerReads: 1 }, raw.t_vdso],
    ["sud-trap", { userInsns: raw.n_sud_trap }, raw.t_sud_trap],
    ["seccomp-trap", {
      userInsns: raw.n_seccomp_trap, filters: 1,
      cbpfTrap: cbpfCount(filter, NR_GETPID, BigInt(raw.site_ip)), cbpfReissue: allow, cbpfSigreturn: cbpfCount(filter, NR_RT_SIGRETURN, 0n),
    }, raw.t_seccomp_trap],
    ["seccomp-allowed", { userInsns: raw.n_seccomp_allowed, cbpfAllow: allow, filters: 1 }, raw.t_seccomp_allowed],
    ["ptrace-syscall", { userInsns: raw.n_ptrace_syscall }, raw.t_ptrace_syscall],
  ];
  const composites = rows.map(([id, params, measuredNs]) => {
    const c = lookup(id);
    const counters = c.counters(params);
    const predictedNs = predict(profile, counters).totalNs;
    return {
      id, title: c.title, formula: c.formula, counters, predictedNs,
      defaultPredictedNs: predict(DEFAULT_PROFILE, counters).totalNs, measuredNs, ratio: predictedNs / measuredNs,
    };
  });
  return { host, raw, profile, composites };
}

export interface CalibrationOptions {
  /** C compiler (default: `cc`). */
  cc?: string;
  /** Iterations per timed loop, over all rounds (default 200000; ptrace loops use 1/5 of it). */
  iterations?: number;
  /** Rounds, each measurement in a fresh child per round, interleaved (default 15). */
  rounds?: number;
  /** Write the measured profile JSON here (default: a file in the temp build dir). */
  profilePath?: string;
  /** calibrate.c location (default: found from this file, then the working directory). */
  source?: string;
}

/** Node built-ins, loaded on first use so that the pure parts of this module run anywhere. */
function nodeHost() {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new CalibrationError("calibration needs Node.js ≥ 20.16 (process.getBuiltinModule)");
  return {
    cp: get("node:child_process") as typeof import("node:child_process"),
    fs: get("node:fs") as typeof import("node:fs"),
    os: get("node:os") as typeof import("node:os"),
    path: get("node:path") as typeof import("node:path"),
    url: get("node:url") as typeof import("node:url"),
  };
}

export function findCalibrationSource(): string {
  const { fs: { existsSync }, path: { dirname, resolve }, url: { fileURLToPath } } = nodeHost();
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [resolve(here, "../../../../scripts/calibrate/calibrate.c"), resolve("scripts/calibrate/calibrate.c")]) {
    if (existsSync(p)) return p;
  }
  throw new CalibrationError("scripts/calibrate/calibrate.c not found");
}

/** Compiles and runs calibrate.c (seconds), then builds the report and writes the profile JSON. */
export function runCalibration(opts: CalibrationOptions = {}): CalibrationReport {
  const { cp: { execFileSync, spawnSync }, fs: { mkdtempSync, rmSync, writeFileSync }, os: { tmpdir }, path: { join } } = nodeHost();
  if (process.platform !== "linux" || process.arch !== "x64") throw new CalibrationError("calibration needs Linux on x86_64");
  const cc = opts.cc ?? "cc";
  const dir = mkdtempSync(join(tmpdir(), "uabi-calibrate-"));
  const bin = join(dir, "calibrate");
  const built = spawnSync(cc, ["-O2", "-Wall", "-mno-red-zone", opts.source ?? findCalibrationSource(), "-o", bin], { encoding: "utf8" });
  if (built.error || built.status !== 0) throw new CalibrationError(`${cc} failed: ${built.error?.message ?? built.stderr}`);
  const probe = parseProbe(execFileSync(bin, ["--probe"], { encoding: "utf8", input: "1 6 0 0 2147418112\n" }));
  const filter = calibrationTrapFilter(probe);
  const input = `${filter.length} ${filter.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`).join(" ")}\n`;
  let out: string;
  try {
    out = execFileSync(bin, [String(opts.iterations ?? 200000), String(opts.rounds ?? 15)], { encoding: "utf8", input, timeout: 600_000 });
  } finally {
    rmSync(bin, { force: true }); // the directory keeps only the profile written below
  }
  const { cpus } = nodeHost().os;
  const host: CalibrationHost = {
    kernel: execFileSync("uname", ["-srm"], { encoding: "utf8" }).trim(),
    cc: execFileSync(cc, ["--version"], { encoding: "utf8" }).split("\n")[0]!,
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? "unknown CPU",
    cpus: cpus().length,
  };
  const report = buildCalibrationReport(parseCalibrationOutput(out), host);
  report.rawText = out;
  report.profilePath = opts.profilePath ?? join(dir, "profile.json");
  writeFileSync(report.profilePath, JSON.stringify(report.profile, null, 2) + "\n");
  return report;
}

function parseProbe(text: string): bigint {
  const m = /^stub (0x[0-9a-f]+)$/m.exec(text);
  if (!m) throw new CalibrationError("calibrate --probe printed no stub address");
  return BigInt(m[1]!);
}

const fmt = (ns: number) => (ns >= 10000 ? `${(ns / 1000).toFixed(1)} µs` : ns >= 100 ? `${ns.toFixed(0)} ns` : `${ns.toFixed(2)} ns`);

/** A human-readable report: primitives, then composites predicted vs measured. */
export function formatCalibration(r: CalibrationReport): string {
  const p = r.profile;
  const lines = [
    `calibration on ${r.host.cpu ? `${r.host.cpu} (${r.host.cpus ?? "?"} CPUs), ` : ""}${r.host.kernel}, ${r.host.cc}, ${r.host.date}`,
    `${r.raw.iterations} iterations per loop in ${r.raw.rounds} interleaved rounds; minimum ns per iteration over ${r.raw.rounds * r.raw.reps} batches`,
    `(traced loops: 1/5 of the iterations, ten times as many batches); instruction counts: the fewest of 64 single-stepped iterations`,
    "",
    "primitives (each measured on its own)     calibrated     default",
    `  syscall round trip (raw getpid)         ${fmt(p.syscallNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.syscallNs).padStart(10)}`,
    `  signal delivery + rt_sigreturn          ${fmt(p.signalNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.signalNs).padStart(10)}`,
    `  user instruction                        ${fmt(p.userInsnNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.userInsnNs).padStart(10)}`,
    `  cBPF instruction                        ${fmt(p.cbpfInsnNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.cbpfInsnNs).padStart(10)}`,
    `  seccomp filter run (fixed)              ${fmt(p.filterRunNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.filterRunNs).padStart(10)}`,
    `  ptrace stop                             ${fmt(p.ptraceStopNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.ptraceStopNs).padStart(10)}`,
    `    (a signal-delivery-stop less the signal's queueing, ${fmt(signalQueueNs(r.raw, p.userInsnNs))}: a syscall stop has no signal)`,
    `  clock counter read (rdtscp)             ${fmt(p.timerReadNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.timerReadNs).padStart(10)}`,
    `  SUD check per kernel entry              ${fmt(p.sudEntryNs).padStart(10)}  ${fmt(DEFAULT_PROFILE.sudEntryNs).padStart(10)}`,
    "",
    "composites (measured only to check)  predicted    measured   pred/meas   (default profile)",
    ...r.composites.map((c) =>
      `  ${c.id.padEnd(31)} ${fmt(c.predictedNs).padStart(10)}  ${fmt(c.measuredNs).padStart(10)}   ${c.ratio.toFixed(2).padStart(8)}   ${fmt(c.defaultPredictedNs).padStart(10)}`),
    "",
    ...r.composites.map((c) => `  ${c.id}: ${c.formula}`),
    "",
    `seccomp filters are installed with SECCOMP_FILTER_FLAG_SPEC_ALLOW; without it the kernel also turns on`,
    `speculation mitigations for the task and the trap measured ${fmt(r.raw.t_seccomp_trap_mitigated)} (not modelled).`,
    `Traced loops pin tracer and tracee to one CPU; the default profile is ${DEFAULT_PROFILE.source}.`,
  ];
  if (r.profilePath) lines.push("", `profile written to ${r.profilePath}`);
  return lines.join("\n");
}
