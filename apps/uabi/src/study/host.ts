/**
 * `uabi study --host`: the same static x86-64 workloads run natively by scripts/study/reflector.c (built here with
 * the host's C compiler, like calibrate.c), directly through its userland exec loader and with every syscall
 * reflected through SUD, seccomp RET_TRAP and a PTRACE_SYSCALL tracer; the medians of several interleaved runs are
 * set beside the study's modelled cost of the same workload and configuration.
 *
 * Overhead is compared as added time (mechanism − direct), not as a ratio to direct: the native direct run also
 * pays for fork, loading and page faults, which the model's direct time (the program's own instructions and
 * calls) leaves out; the difference cancels them.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../app-root.js";
import { vdsoWindowFilter } from "@uabi/kernel";
import type { Workload } from "./observe.js";

export const HOST_MECHANISMS = ["direct", "exec", "sud", "seccomp", "ptrace"] as const;
export type HostMechanism = (typeof HOST_MECHANISMS)[number];
/** The study configuration whose modelled cost a native mechanism is compared with. */
export const HOST_CONFIG: Readonly<Record<HostMechanism, string | null>> = { direct: "direct", exec: null, sud: "sud", seccomp: "seccomp", ptrace: "ptrace" };

/** Where the reflector puts the page its SIGSYS handler re-issues calls from (reflector.c's STUB_ADDR). */
const STUB_ADDR = 0x7b0000000n;

export class HostMeasureError extends Error {
  override readonly name = "HostMeasureError";
}

/** One native run, as reflector.c printed it. */
export interface HostRun {
  round: number;
  workload: number;
  mechanism: HostMechanism;
  ns: number;
  status: string;
  out: string;
  err: string;
  /** Calls the SIGSYS handler reflected (sud, seccomp). */
  calls: number;
  /** Syscall stops (ptrace): two per call. */
  stops: number;
  /** stdout and stderr byte-identical to the workload's first direct run. */
  same: boolean;
  flags: string[];
}

const FLAGS: readonly [number, string][] = [[1, "execve-refused"], [2, "own-sigsys-action"], [4, "clone-new-stack"], [8, "vfork-as-fork"], [16, "clone3-enosys"], [32, "setup-failed"]];

export function parseReflectorOutput(text: string): { stub: string; sched: string; runs: HostRun[] } {
  const runs: HostRun[] = [];
  let stub = "", sched = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("stub ")) stub = line.slice(5).trim();
    if (line.startsWith("sched ")) sched = line.slice(6).trim();
    const m = /^run (\d+) (\d+) (\w+) ns=(\d+) status=(\w+:\d+) out=(\d+:[0-9a-f]+) err=(\d+:[0-9a-f]+) calls=(\d+) stops=(\d+) same=([01]) flags=(\d+)$/.exec(line);
    if (!m) continue;
    const mech = m[3] as HostMechanism;
    if (!HOST_MECHANISMS.includes(mech)) throw new HostMeasureError(`reflector: unknown mechanism ${mech}`);
    const flags = Number(m[11]);
    runs.push({
      round: Number(m[1]), workload: Number(m[2]), mechanism: mech, ns: Number(m[4]), status: m[5]!, out: m[6]!, err: m[7]!,
      calls: Number(m[8]), stops: Number(m[9]), same: m[10] === "1", flags: FLAGS.filter(([b]) => flags & b).map(([, n]) => n),
    });
  }
  return { stub, sched, runs };
}

const hex = (s: string) => Buffer.from(s).toString("hex");

/** The spec reflector.c reads on stdin; stdin files are written to `dir`. */
export function reflectorSpec(ws: readonly Workload[], dir: string, rounds: number, timeoutS: number): string {
  const filter = vdsoWindowFilter("x86_64", STUB_ADDR, STUB_ADDR + 4096n);
  const L = [`rounds ${rounds}`, `timeout ${timeoutS}`, `filter ${filter.length} ${filter.map((f) => `${f.code} ${f.jt} ${f.jf} ${f.k >>> 0}`).join(" ")}`];
  ws.forEach((w, i) => {
    // A generated program (the catalogue's provokers) is written out to run it natively.
    let path = w.path;
    if (!path) {
      path = join(dir, `elf-${i}`);
      writeFileSync(path, w.elf(), { mode: 0o755 });
    }
    const stdin = join(dir, `stdin-${i}`);
    writeFileSync(stdin, w.stdin);
    // An empty string is "-": the C side decodes hex pairs, and "" would not be a word.
    const h = (s: string) => (s === "" ? "-" : hex(s));
    L.push(`workload ${h(path)} ${w.argv.length} ${w.argv.map(h).join(" ")} ${w.env.length} ${w.env.map(h).join(" ")} ${h(stdin)}`);
  });
  return `${L.join("\n")}\n`;
}

function findSource(): string {
  const p = join(repoRoot(), "scripts/study/reflector.c");
  if (existsSync(p)) return p;
  const q = join(process.cwd(), "scripts/study/reflector.c");
  if (existsSync(q)) return q;
  throw new HostMeasureError("scripts/study/reflector.c not found");
}

/** Why this host cannot measure, or null. */
export function hostUnavailable(): string | null {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `uabi study --host needs an x86-64 Linux host (this is ${process.platform}/${process.arch}): the reflector runs the x86-64 workloads natively`;
  }
  return null;
}

/** Compiles reflector.c (cached by source hash) and returns the binary's path. */
export function buildReflector(cc = "cc"): string {
  const src = findSource();
  const code = readFileSync(src);
  const key = createHash("sha256").update(code).update(cc).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `uabi-reflector-${key}`);
  const bin = join(dir, "reflector");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  // PIE (the default) keeps the reflector away from 0x400000, where static binaries load; no stack protector:
  // the SIGSYS handler runs with the program's %fs.
  const r = spawnSync(cc, ["-O2", "-Wall", "-fno-stack-protector", "-Wl,-z,now", "-o", `${bin}.tmp`, src], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new HostMeasureError(`${cc} failed to build ${src}: ${r.error?.message ?? r.stderr}`);
  spawnSync("mv", [`${bin}.tmp`, bin]);
  return bin;
}

export interface HostMachine {
  cpu: string;
  cpus: number;
  kernel: string;
  date: string;
  loadavg: { before: string; after: string };
  /** The reflector's scheduling class for the timed runs: `fifo` (SCHED_FIFO, what a loaded host needs) or `other`. */
  sched: string;
}

function loadavg(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").trim();
  } catch {
    return "";
  }
}

export interface NativeRunResult {
  machine: HostMachine;
  runs: HostRun[];
  rounds: number;
  durationMs: number;
}

/** Runs every workload natively under every mechanism, `rounds` interleaved rounds. */
export function runNative(ws: readonly Workload[], o: { rounds?: number; cc?: string; timeoutS?: number; onProgress?: (l: string) => void } = {}): NativeRunResult {
  const why = hostUnavailable();
  if (why) throw new HostMeasureError(why);
  const bin = buildReflector(o.cc);
  const dir = mkdtempSync(join(tmpdir(), "uabi-host-"));
  const cwd = join(dir, "cwd");
  mkdirSync(cwd);
  const rounds = o.rounds ?? 7;
  const before = loadavg();
  const t0 = Date.now();
  try {
    const spec = reflectorSpec(ws, dir, rounds, o.timeoutS ?? 60);
    o.onProgress?.(`native: ${ws.length} workloads × ${HOST_MECHANISMS.length} mechanisms × ${rounds} rounds (${bin})`);
    const r = spawnSync(bin, [], { input: spec, cwd, encoding: "utf8", maxBuffer: 1 << 28, env: {} });
    if (r.error || r.status !== 0) throw new HostMeasureError(`reflector failed (status ${r.status}): ${r.error?.message ?? r.stderr}`);
    const { runs, sched } = parseReflectorOutput(r.stdout);
    return {
      machine: { cpu: cpus()[0]?.model ?? "?", cpus: cpus().length, kernel: `Linux ${release()} x86_64`, date: new Date().toISOString(), loadavg: { before, after: loadavg() }, sched },
      runs, rounds, durationMs: Date.now() - t0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** The modelled side of one workload × configuration (from the study's cells). */
export interface Modelled {
  modelledNs: number;
  /** The program's own calls in the simulation. */
  calls: number;
}

/** Measured host figures per workload and mechanism. */
export interface HostFigure {
  workload: string;
  mechanism: HostMechanism;
  medianNs: number;
  samplesNs: number[];
  runs: number;
  /** Exit status or killing signal (`exit:0`, `signal:11`), identical across runs or `mixed`. */
  status: string;
  /** Every run's stdout, stderr and exit status identical to the direct run's. */
  sameAsDirect: boolean;
  /** Calls reflected natively (sud, seccomp: the SIGSYS handler's count; ptrace: stops ÷ 2). */
  nativeCalls: number | null;
  /** The program's calls in the simulation (the study's direct run). */
  modelledCalls: number | null;
  flags: string[];
  /** Modelled time of the same workload and configuration, and of direct (ns). */
  modelledNs: number | null;
  /** Modelled ÷ modelled direct, and measured median ÷ measured direct median. */
  predictedRatio: number | null;
  measuredRatio: number | null;
  /** Added time over direct: modelled, and measured (medians). */
  predictedOverheadNs: number | null;
  measuredOverheadNs: number | null;
  /** predicted ÷ measured added time; null when the measured overhead is within the noise (see `note`). */
  predictedOverMeasured: number | null;
  /** The fastest run, its added time over the fastest direct run, and predicted ÷ that: the calibration's own
   * convention (its primitives are the best of many batches), beside the medians. Null where the median's is. */
  bestNs: number;
  bestOverheadNs: number | null;
  predictedOverBest: number | null;
  note: string;
}

/**
 * Joins native runs with the modelled cells. A measured overhead counts when it exceeds the spread of the direct
 * runs (their interquartile range) and the direct run is long enough (≥ 2 ms) for it to matter.
 */
export function hostFigures(ws: readonly Workload[], native: NativeRunResult, modelled: (workload: string, config: string) => Modelled | undefined): HostFigure[] {
  const out: HostFigure[] = [];
  ws.forEach((w, i) => {
    const mine = native.runs.filter((r) => r.workload === i);
    const directRuns = mine.filter((r) => r.mechanism === "direct");
    const direct = median(directRuns.map((r) => r.ns));
    const ds = directRuns.map((r) => r.ns).sort((a, b) => a - b);
    const iqr = ds.length >= 4 ? ds[Math.floor((3 * ds.length) / 4)]! - ds[Math.floor(ds.length / 4)]! : Infinity;
    const md = modelled(w.id, "direct");
    for (const mech of HOST_MECHANISMS) {
      const rs = mine.filter((r) => r.mechanism === mech);
      if (!rs.length) continue;
      const med = median(rs.map((r) => r.ns));
      const cfg = HOST_CONFIG[mech];
      const mm = cfg ? modelled(w.id, cfg) : undefined;
      const statuses = [...new Set(rs.map((r) => r.status))];
      const predictedOverheadNs = mm && md && mech !== "direct" ? mm.modelledNs - md.modelledNs : null;
      const measuredOverheadNs = mech === "direct" ? null : med - direct;
      let note = "";
      let pm: number | null = null;
      if (predictedOverheadNs !== null && measuredOverheadNs !== null) {
        if (direct < 2e6) note = "short: direct under 2 ms";
        else if (measuredOverheadNs <= iqr) note = "within noise: overhead under the direct runs' spread";
        else pm = predictedOverheadNs / measuredOverheadNs;
      }
      const best = Math.min(...rs.map((r) => r.ns));
      const bestOverheadNs = mech === "direct" ? null : best - Math.min(...directRuns.map((r) => r.ns));
      const calls = mech === "sud" || mech === "seccomp" ? median(rs.map((r) => r.calls)) : mech === "ptrace" ? median(rs.map((r) => r.stops)) / 2 : null;
      out.push({
        workload: w.id, mechanism: mech, medianNs: Math.round(med), samplesNs: rs.map((r) => r.ns), runs: rs.length,
        status: statuses.length === 1 ? statuses[0]! : "mixed", sameAsDirect: rs.every((r) => r.same && r.status === directRuns[0]?.status),
        nativeCalls: calls, modelledCalls: md?.calls ?? null, flags: [...new Set(rs.flatMap((r) => r.flags))],
        modelledNs: mm ? Math.round(mm.modelledNs) : null,
        predictedRatio: mm && md && md.modelledNs > 0 ? mm.modelledNs / md.modelledNs : null,
        measuredRatio: direct > 0 ? med / direct : null,
        predictedOverheadNs: predictedOverheadNs === null ? null : Math.round(predictedOverheadNs),
        measuredOverheadNs: measuredOverheadNs === null ? null : Math.round(measuredOverheadNs),
        predictedOverMeasured: pm, bestNs: best, bestOverheadNs,
        predictedOverBest: pm !== null && bestOverheadNs !== null && bestOverheadNs > 0 ? predictedOverheadNs! / bestOverheadNs : null, note,
      });
    }
  });
  return out;
}
