/**
 * `uabi bench [--json] [--svg FILE] [--quick]`: the figures of the README, with progress on stderr.
 *  - guest MIPS per ISA on the CPU-bound corpus fixture (`bench-O2`, one run in this process, the first thing
 *    it does: V8's warm-up is paid as a user's run pays it), beside qemu-user and native wall time on the same
 *    binary when those exist (the median of three processes each);
 *  - simulated syscalls per second per mechanism (a generated getppid loop, best of five runs, less a one-call
 *    loop's best of five: the process's start and exit are not a call's cost), with the modelled cost;
 *  - `uabi run hello` start to exit (a new process running bin/uabi.js, as a user would run it; the median of
 *    several runs) beside `node -e 0` timed the same way, and in-process. The timed processes run without the
 *    variables that change Node's own start (NODE_START_VARIABLES).
 * `--core interp|jit` picks the CPU cores' tier for every run (default jit).
 * Timings are wall-clock on this host; nothing here is asserted by tests except the report's shape.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { appRoot } from "../app-root.js";
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { buildSyscallLoop, type Arch } from "../demo/program.js";
import { DEFAULT_RUN, measuredComposites } from "@uabi/kernel";
import { CORES, MECHANISMS, createKernel, describeConfig, pick, modelledNs, runCounters, supported, type MachineConfig } from "../machine.js";
import { reportJson } from "../report-json.js";

export interface BenchReport {
  date: string;
  /** The CPU cores' tier every run used (`--core`). */
  core: "jit" | "interp";
  /**
   * speedCheckMs: a fixed JavaScript loop (SPEED_CHECK_ITERATIONS additions) timed before each section and at the
   * end. On a shared host (a VM whose neighbours take the CPU, with no load or steal time visible inside) every
   * figure of the report moves with it; equal checks say the host ran at one speed throughout.
   */
  host: { cpu: string; cpus: number; node: string; platform: string; speedCheckMs: number[] };
  quick: boolean;
  mips: {
    arch: Arch; binary: string; instructions: number; seconds: number; mips: number; complete: boolean;
    /** Same binary under other runners (median of three fresh processes); ratio = uabi seconds ÷ their seconds. */
    others: { runner: string; seconds: number; ratio: number }[];
  }[];
  syscalls: {
    mechanism: string; config: string; arch: Arch; calls: number; seconds: number; oneCallSeconds: number; perSecond: number;
    kernelEntriesPerCall: number; modelledNsPerCall: number;
    /** The same mechanism's getpid measured by the default profile's calibration run (null: not on Linux). */
    measuredNsPerCall: number | null;
  }[];
  /** The calibration run the default profile and measuredNsPerCall come from. */
  measuredBy: { run: string; machine: string; date: string };
  unsupported: { mechanism: string; why: string }[];
  /**
   * processSeconds: `node bin/uabi.js run <hello-O2>` start to exit, the median of processRuns runs (null: not
   * measured); nodeSeconds: `node -e 0` the same way, Node's own start and exit, which every processSeconds includes.
   */
  runHello: { arch: Arch; binary: string; processSeconds: number | null; processRuns: number; nodeSeconds: number | null; inProcessSeconds: number; exitStatus: number }[];
  durationMs: number;
}

const TARGET_OF: Record<Arch, string> = { arm64: "aarch64-glibc", x86_64: "x86_64-glibc" };
const QEMU: Record<Arch, string> = { arm64: "qemu-aarch64", x86_64: "qemu-x86_64" };
const ARCHES: readonly Arch[] = ["arm64", "x86_64"];

/** fixtures/corpus of the checkout this app runs from. */
export function corpusRoot(): string {
  let dir = appRoot();
  for (;;) {
    const c = join(dir, "fixtures", "corpus");
    if (existsSync(join(c, "bin"))) return c;
    const up = dirname(dir);
    if (up === dir) throw new Error("bench: fixtures/corpus not found (run uabi bench from a uabi checkout)");
    dir = up;
  }
}

const has = (tool: string): boolean => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;

/**
 * Variables that change what Node itself does before any of uabi runs, left out of the timed processes'
 * environment so a figure measures the command and not the shell it ran from: NODE_OPTIONS adds flags and
 * preloads; NODE_EXTRA_CA_CERTS makes Node 20 parse the named certificate bundle at every start (~50–100 ms of CPU
 * on the project's machine, for TLS that uabi never uses).
 */
const NODE_START_VARIABLES = ["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"] as const;
function timedEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const v of NODE_START_VARIABLES) delete env[v];
  return env;
}

function timeProcess(cmd: string, args: string[]): { seconds: number; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "ignore"], timeout: 300_000, env: timedEnvironment() });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: r.status };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The median start-to-exit seconds of `runs` fresh processes, null if one fails. */
function medianProcessSeconds(cmd: string, args: string[], runs: number): number | null {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = timeProcess(cmd, args);
    if (t.status !== 0) return null;
    times.push(t.seconds);
  }
  return median(times);
}

function runInProcess(elf: Uint8Array, config: MachineConfig, maxInstructions: number, argv: string[], core: "jit" | "interp") {
  const k = createKernel({ ...config, core }, { maxInstructions, onMissingSyscall: () => {} });
  const t0 = process.hrtime.bigint();
  k.spawn(elf, { argv, env: ["LANG=C"] });
  const r = k.run();
  return { r, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/**
 * How many times qemu-user and native run bench-O2 for the ratio (the median is used): a run of 0.05–0.2 s moves
 * by tens of percent with the host's other work, which one run would put straight into the ratio.
 */
const OTHER_RUNS = 3;

/** The speed check's loop: 27 ms at best on a 2-CPU AMD EPYC VM of 2026 (Node 20). */
const SPEED_CHECK_ITERATIONS = 30_000_000;

/** Wall milliseconds of a fixed integer loop: the same work every time, so only the host's speed moves it. */
function speedCheckMs(): number {
  const t0 = performance.now();
  let acc = 0;
  for (let i = 0; i < SPEED_CHECK_ITERATIONS; i++) acc = (acc + i * 7) | 0;
  const ms = performance.now() - t0;
  // Use acc so the loop cannot be dropped as dead code.
  return acc === 0.5 ? -1 : Math.round(ms * 10) / 10;
}

/** How many times `uabi run hello` is started for its start-to-exit figure (the median is reported). */
const HELLO_RUNS = 5;

export function bench(opts: { quick: boolean; progress: (s: string) => void; core?: "jit" | "interp" }): BenchReport {
  const t0 = performance.now();
  const corpus = corpusRoot();
  const { quick, progress } = opts;
  const core = opts.core ?? "jit";
  const report: BenchReport = {
    date: new Date().toISOString(), core, quick,
    host: { cpu: cpus()[0]?.model ?? "unknown", cpus: availableParallelism(), node: process.version, platform: `${process.platform} ${process.arch}`, speedCheckMs: [] },
    mips: [], syscalls: [], unsupported: [], runHello: [], durationMs: 0,
    measuredBy: { run: `fixtures/calibrate/${DEFAULT_RUN.name}.txt`, machine: DEFAULT_RUN.machine, date: DEFAULT_RUN.date },
  };

  const speedCheck = () => {
    if (!quick) report.host.speedCheckMs.push(speedCheckMs());
  };
  // 1. Guest MIPS on the CPU-bound fixture (quick: the first 5 M instructions only).
  speedCheck();
  for (const arch of ARCHES) {
    const binary = join(corpus, "bin", TARGET_OF[arch], "bench-O2");
    const elf = new Uint8Array(readFileSync(binary));
    progress(`bench: ${arch} bench-O2 under uabi${quick ? " (first 5 M instructions)" : ""}…`);
    const { r, seconds } = runInProcess(elf, { mode: "direct" }, quick ? 5e6 : 2e9, ["./bench-O2"], core);
    const row: BenchReport["mips"][number] = {
      arch, binary: `fixtures/corpus/bin/${TARGET_OF[arch]}/bench-O2`, instructions: r.stats.instructions, seconds,
      mips: r.stats.instructions / seconds / 1e6, complete: r.reason === "exit", others: [],
    };
    if (!quick) {
      const runners: [string, string, string[]][] = [[QEMU[arch], QEMU[arch], [binary]]];
      if (arch === "x86_64" && process.arch === "x64" && process.platform === "linux") runners.push(["native", binary, []]);
      if (arch === "arm64" && process.arch === "arm64" && process.platform === "linux") runners.push(["native", binary, []]);
      for (const [runner, cmd, args] of runners) {
        if (runner !== "native" && !has(cmd)) continue;
        progress(`bench: ${arch} bench-O2 under ${runner} (median of ${OTHER_RUNS})…`);
        const theirs = medianProcessSeconds(cmd, args, OTHER_RUNS);
        if (theirs !== null) row.others.push({ runner, seconds: theirs, ratio: seconds / theirs });
      }
    }
    report.mips.push(row);
  }

  // 2. Simulated syscalls per second, per mechanism the kernel implements.
  speedCheck();
  const calls = quick ? 2_000 : 50_000;
  // Best of five: the first run of a mechanism also pays for V8 compiling its path, and a shared host's other
  // jobs only ever add time.
  const bestOf5 = (elf: Uint8Array, config: MachineConfig) => {
    let best = runInProcess(elf, config, 1e9, ["loop"], core);
    for (let i = 1; i < 5; i++) {
      const again = runInProcess(elf, config, 1e9, ["loop"], core);
      if (again.seconds < best.seconds) best = again;
    }
    return best;
  };
  for (const m of MECHANISMS) {
    const config: MachineConfig = { mode: m.name };
    const ok = supported(config);
    if (!ok.ok) {
      report.unsupported.push({ mechanism: m.name, why: ok.why });
      continue;
    }
    for (const arch of ARCHES) {
      progress(`bench: ${calls} getppid calls, ${arch}, --mode ${m.name}…`);
      const empty = bestOf5(buildSyscallLoop(arch, 1), config);
      const full = bestOf5(buildSyscallLoop(arch, calls), config);
      const c = runCounters(full.r);
      const base = runCounters(empty.r);
      report.syscalls.push({
        mechanism: m.name, config: describeConfig(config), arch, calls, seconds: full.seconds, oneCallSeconds: empty.seconds,
        // The calls alone: the one-call loop's spawn, start-up and exit taken out, as the counters are below.
        perSecond: (calls - 1) / Math.max(full.seconds - empty.seconds, 1e-9),
        kernelEntriesPerCall: (c.kernelEntries - base.kernelEntries) / (calls - 1),
        modelledNsPerCall: (modelledNs(c) - modelledNs(base)) / (calls - 1),
        measuredNsPerCall: MEASURED_BY_MECHANISM[m.name] ?? null,
      });
    }
  }

  // 3. `uabi run hello`: a fresh process start to exit (the command as a user runs it: bin/uabi.js, which runs
  //    the built CLI when it is fresh), beside Node's own start and exit, and the run alone in this process.
  speedCheck();
  const bin = join(appRoot(), "bin", "uabi.js");
  if (!quick) progress("bench: node -e 0…");
  const nodeSeconds = quick ? null : medianProcessSeconds(process.execPath, ["-e", "0"], HELLO_RUNS);
  for (const arch of ARCHES) {
    const binary = join(corpus, "bin", TARGET_OF[arch], "hello-O2");
    progress(`bench: uabi run hello-O2 (${arch})…`);
    const inproc = runInProcess(new Uint8Array(readFileSync(binary)), { mode: "direct" }, 1e8, ["./hello-O2"], core);
    const processSeconds = quick ? null : medianProcessSeconds(process.execPath, [bin, "run", "--core", core, binary], HELLO_RUNS);
    const processRuns = processSeconds === null ? 0 : HELLO_RUNS;
    report.runHello.push({ arch, binary: `fixtures/corpus/bin/${TARGET_OF[arch]}/hello-O2`, processSeconds, processRuns, nodeSeconds, inProcessSeconds: inproc.seconds, exitStatus: inproc.r.exitStatus });
  }
  speedCheck();
  report.durationMs = Math.round(performance.now() - t0);
  return report;
}

const f2 = (n: number) => n.toFixed(2);

const calibrated = measuredComposites(DEFAULT_RUN);
/** Mechanisms that exist on Linux, and the composite of the calibration run that measures them. */
const MEASURED_BY_MECHANISM: Readonly<Record<string, number>> = {
  direct: calibrated.direct, sud: calibrated["sud-trap"], seccomp: calibrated["seccomp-trap"], ptrace: calibrated["ptrace-syscall"],
};

export function formatBench(r: BenchReport): string {
  const L = [`uabi bench, ${r.date.slice(0, 10)}, ${r.host.cpu} (${r.host.cpus} CPUs), Node ${r.host.node}, --core ${r.core}${r.quick ? " — QUICK (partial runs)" : ""}`, ""];
  L.push("Guest speed on bench-O2 (CPU-bound sieve + hash):");
  for (const m of r.mips) {
    L.push(`  ${m.arch.padEnd(7)} ${(m.instructions / 1e6).toFixed(1).padStart(7)} M insns in ${f2(m.seconds)} s = ${m.mips.toFixed(1)} MIPS${m.complete ? "" : " (partial run)"}`);
    for (const o of m.others) L.push(`          ${o.runner.padEnd(13)} ${f2(o.seconds)} s   uabi is ${o.ratio.toFixed(1)}× slower`);
  }
  L.push("", "Simulated syscalls (getppid loop):");
  for (const s of r.syscalls) {
    L.push(`  ${s.config.padEnd(16)} ${s.arch.padEnd(7)} ${Math.round(s.perSecond).toLocaleString("en-US").padStart(10)} calls/s   ${s.kernelEntriesPerCall.toFixed(1)} kernel entries/call   modelled ${s.modelledNsPerCall.toFixed(1)} ns/call${
      s.measuredNsPerCall === null ? "" : `   measured ${s.measuredNsPerCall.toFixed(1)} ns`}`);
  }
  L.push(`  (measured: getpid, ${r.measuredBy.run}, ${r.measuredBy.machine}, ${r.measuredBy.date.slice(0, 10)})`);
  if (r.unsupported.length) L.push(`  not in this kernel yet: ${r.unsupported.map((u) => u.mechanism).join(", ")}`);
  L.push("", "uabi run hello-O2:");
  for (const h of r.runHello) {
    const proc = h.processSeconds === null ? "—" : `${(h.processSeconds * 1000).toFixed(0)} ms (median of ${h.processRuns})`;
    const node = h.nodeSeconds === null ? "" : ` (node -e 0: ${(h.nodeSeconds * 1000).toFixed(0)} ms)`;
    L.push(`  ${h.arch.padEnd(7)} process start to exit ${proc}${node}, in-process ${(h.inProcessSeconds * 1000).toFixed(1)} ms`);
  }
  const checks = r.host.speedCheckMs;
  if (checks.length) {
    const spread = Math.max(...checks) / Math.min(...checks);
    L.push("", `Host speed check (a fixed loop before each section and at the end): ${checks.map((c) => c.toFixed(0)).join(", ")} ms${
      spread > 1.25 ? ` — the host's speed changed ${spread.toFixed(1)}× during the run: compare figures from runs with steady checks` : ""}`);
  }
  L.push("", `(${(r.durationMs / 1000).toFixed(1)} s)`, "");
  return L.join("\n");
}

/** A duration in the unit that reads best, three significant digits: "84.0 ns", "2.55 µs", "42.1 µs", "1.20 s". */
export function formatDuration(ns: number): string {
  const units: [number, string][] = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
  const [scale, unit] = units.find(([u]) => Math.abs(ns) >= u) ?? [1, "ns"];
  const v = ns / scale;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`;
}

/** "57.3 k", "1.2 M": a rate for a label. */
const rate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

/** A log axis from the decade at or below `min` to the decade at or above `max`. */
function logAxis(min: number, max: number): { lo: number; decades: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { lo: 1, decades: 3 }; // nothing to show
  const lo = 10 ** Math.floor(Math.log10(Math.max(min, 1e-12)));
  return { lo, decades: Math.max(1, Math.ceil(Math.log10(max / lo))) };
}

/**
 * The bench chart (hand-written SVG): guest speed on bench-O2 (uabi's seconds and MIPS beside qemu-user and
 * native, with the ratios), then one row per mechanism and ISA with the modelled cost of a syscall (bar),
 * the same mechanism measured on Linux by the default profile's calibration run (◆), and the simulation's
 * own speed (calls per second). Log axes start at the decade below the smallest figure; a legend says
 * which mark is which.
 */
export function benchSvg(r: BenchReport): string {
  const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const color: Record<string, string> = { arm64: "#4c78a8", x86_64: "#f58518" };
  const W = 900, left = 150, right = 270, barH = 16, gap = 6;
  const plotW = W - left - right;
  const out: string[] = [];
  let y = 24;
  const title = (t: string, sub: string) => {
    out.push(`<text x="12" y="${y}" font-size="15" font-weight="bold">${esc(t)}</text>`);
    out.push(`<text x="12" y="${y + 16}" fill="#555">${esc(sub)}</text>`);
    y += 32;
  };
  const axis = (top: number, bottom: number, lo: number, decades: number, x: (v: number) => number, label: (v: number) => string, caption: string) => {
    for (let d = 0; d <= decades; d++) {
      const v = lo * 10 ** d;
      const xx = x(v).toFixed(1);
      out.push(`<line x1="${xx}" y1="${top - 4}" x2="${xx}" y2="${bottom}" stroke="#ddd"/>`);
      // Decade ticks read "10 ns", "1 µs": no trailing zeros.
      out.push(`<text x="${xx}" y="${bottom + 14}" text-anchor="middle" fill="#555">${esc(label(v).replace(/\.0+ /, " "))}</text>`);
    }
    out.push(`<text x="${left + plotW / 2}" y="${bottom + 30}" text-anchor="middle" fill="#555">${esc(caption)}</text>`);
  };

  // 1. Guest speed: seconds on bench-O2 per runner.
  const speed = r.mips.flatMap((m) => [
    { label: `uabi (${m.arch})`, arch: m.arch, seconds: m.seconds, note: `${m.mips.toFixed(1)} MIPS${m.complete ? "" : ", partial run"}`, uabi: true },
    ...m.others.map((o) => ({ label: `${o.runner} (${m.arch})`, arch: m.arch, seconds: o.seconds, note: `uabi ${o.ratio.toFixed(1)}× slower`, uabi: false })),
  ]);
  title("Guest speed on bench-O2 (measured)", r.quick ? "--quick: the first 5 M instructions under uabi only" : "wall time of the whole program per runner, log scale");
  const sAxis = logAxis(Math.min(...speed.map((s) => s.seconds * 1e9)), Math.max(...speed.map((s) => s.seconds * 1e9)));
  const sx = (ns: number) => left + (plotW * Math.log10(Math.max(ns, sAxis.lo) / sAxis.lo)) / sAxis.decades;
  const sTop = y;
  for (const s of speed) {
    const w = Math.max(1, sx(s.seconds * 1e9) - left);
    out.push(`<text x="${left - 8}" y="${y + barH - 4}" text-anchor="end">${esc(s.label)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color[s.arch] ?? "#888"}"${s.uabi ? "" : ` fill-opacity="0.45"`}/>`);
    out.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + barH - 4}">${esc(`${formatDuration(s.seconds * 1e9)} · ${s.note}`)}</text>`);
    y += barH + gap;
  }
  axis(sTop, y, sAxis.lo, sAxis.decades, sx, formatDuration, "seconds on bench-O2 (shorter is faster)");
  y += 56;

  // 2. One syscall per mechanism: modelled cost, measured on Linux, and how fast the simulation runs it.
  const rows = r.syscalls.filter((s) => s.modelledNsPerCall > 0);
  title("One syscall per mechanism: modelled cost, measured on Linux, simulated speed",
    `bar: modelled (default cost profile, ${r.measuredBy.run.replace(/^.*\//, "")}); ◆: measured on Linux by that run; calls/s: simulated here`);
  const figures = rows.flatMap((s) => [s.modelledNsPerCall, ...(s.measuredNsPerCall === null ? [] : [s.measuredNsPerCall])]);
  const cAxis = logAxis(Math.min(...figures), Math.max(...figures));
  const cx = (ns: number) => left + (plotW * Math.log10(Math.max(ns, cAxis.lo) / cAxis.lo)) / cAxis.decades;
  const cTop = y;
  for (const s of rows) {
    const w = Math.max(1, cx(s.modelledNsPerCall) - left);
    out.push(`<text x="${left - 8}" y="${y + barH - 4}" text-anchor="end">${esc(`${s.mechanism} (${s.arch})`)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color[s.arch] ?? "#888"}"/>`);
    let label = formatDuration(s.modelledNsPerCall);
    if (s.measuredNsPerCall !== null) {
      const mx = cx(s.measuredNsPerCall), my = y + barH / 2;
      out.push(`<path d="M${(mx - 5).toFixed(1)} ${my} L${mx.toFixed(1)} ${my - 6} L${(mx + 5).toFixed(1)} ${my} L${mx.toFixed(1)} ${my + 6} Z" fill="black"/>`);
      label += ` (Linux ${formatDuration(s.measuredNsPerCall)})`;
    }
    out.push(`<text x="${W - right + 8}" y="${y + barH - 4}">${esc(`${label} · ${rate(s.perSecond)} calls/s`)}</text>`);
    y += barH + gap;
  }
  axis(cTop, y, cAxis.lo, cAxis.decades, cx, formatDuration, "time per syscall (log scale)");
  y += 48;

  // Legend.
  const legend: [string, string][] = [
    [`<rect width="12" height="12" fill="${color.arm64}"/>`, "arm64 under uabi (guest speed: measured; syscalls: modelled)"],
    [`<rect width="12" height="12" fill="${color.x86_64}"/>`, "x86-64 under uabi"],
    [`<rect width="12" height="12" fill="#888" fill-opacity="0.45"/>`, "other runners (qemu-user, native), measured"],
    [`<path d="M1 6 L6 0 L11 6 L6 12 Z" fill="black"/>`, "the mechanism measured on Linux (calibration run)"],
  ];
  for (const [mark, text] of legend) {
    out.push(`<g transform="translate(${left},${y})">${mark}<text x="18" y="11">${esc(text)}</text></g>`);
    y += 18;
  }
  out.push(`<text x="12" y="${y + 16}" fill="#555">${esc(`uabi bench ${r.date.slice(0, 10)}, ${r.host.cpu} (${r.host.cpus} CPUs), Node ${r.host.node}${r.quick ? ", --quick" : ""}`)}</text>`);
  const H = y + 28;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const svg = args.str("svg");
  if (svg === "") throw new UsageError("--svg needs a file name");
  const core = (pick("core", args.str("core"), CORES) ?? "jit") as "jit" | "interp";
  const rep = bench({ quick: args.bool("quick"), core, progress: (s) => io.stderr.write(`${s}\n`) });
  if (svg) {
    writeFileSync(svg, benchSvg(rep));
    io.stderr.write(`bench: chart written to ${svg}\n`);
  }
  io.stdout.write(args.bool("json") ? reportJson(rep) : formatBench(rep));
  return 0;
}
