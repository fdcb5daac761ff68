/**
 * `uabi bench [--json] [--svg FILE] [--quick]`: the figures of the README, with progress on stderr.
 *  - guest MIPS per ISA on the CPU-bound corpus fixture (`bench-O2`), beside qemu-user and native wall
 *    time on the same binary when those exist;
 *  - simulated syscalls per second per mechanism (a generated getppid loop), with the modelled cost;
 *  - `uabi run hello` start to exit (a new process, as a user would run it) and in-process.
 * Timings are wall-clock on this host; nothing here is asserted by tests except the report's shape.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { buildSyscallLoop, type Arch } from "../demo/program.js";
import { DEFAULT_RUN, measuredComposites } from "@uabi/kernel";
import { MECHANISMS, createKernel, describeConfig, modelledNs, runCounters, supported, type MachineConfig } from "../machine.js";
import { reportJson } from "../report-json.js";

export interface BenchReport {
  date: string;
  host: { cpu: string; cpus: number; node: string; platform: string };
  quick: boolean;
  mips: {
    arch: Arch; binary: string; instructions: number; seconds: number; mips: number; complete: boolean;
    /** Same binary under other runners; ratio = uabi seconds ÷ their seconds. */
    others: { runner: string; seconds: number; ratio: number }[];
  }[];
  syscalls: {
    mechanism: string; config: string; arch: Arch; calls: number; seconds: number; perSecond: number;
    kernelEntriesPerCall: number; modelledNsPerCall: number;
    /** The same mechanism's getpid measured by the default profile's calibration run (null: not on Linux). */
    measuredNsPerCall: number | null;
  }[];
  /** The calibration run the default profile and measuredNsPerCall come from. */
  measuredBy: { run: string; machine: string; date: string };
  unsupported: { mechanism: string; why: string }[];
  runHello: { arch: Arch; binary: string; processSeconds: number | null; inProcessSeconds: number; exitStatus: number }[];
  durationMs: number;
}

const TARGET_OF: Record<Arch, string> = { arm64: "aarch64-glibc", x86_64: "x86_64-glibc" };
const QEMU: Record<Arch, string> = { arm64: "qemu-aarch64", x86_64: "qemu-x86_64" };
const ARCHES: readonly Arch[] = ["arm64", "x86_64"];

/** fixtures/corpus of the checkout this app runs from. */
export function corpusRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const c = join(dir, "fixtures", "corpus");
    if (existsSync(join(c, "bin"))) return c;
    const up = dirname(dir);
    if (up === dir) throw new Error("bench: fixtures/corpus not found (run uabi bench from a uabi checkout)");
    dir = up;
  }
}

const has = (tool: string): boolean => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;

function timeProcess(cmd: string, args: string[]): { seconds: number; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "ignore"], timeout: 300_000 });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: r.status };
}

function runInProcess(elf: Uint8Array, config: MachineConfig, maxInstructions: number, argv: string[]) {
  const k = createKernel(config, { maxInstructions, onMissingSyscall: () => {} });
  const t0 = process.hrtime.bigint();
  k.spawn(elf, { argv, env: ["LANG=C"] });
  const r = k.run();
  return { r, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

export function bench(opts: { quick: boolean; progress: (s: string) => void }): BenchReport {
  const t0 = performance.now();
  const corpus = corpusRoot();
  const { quick, progress } = opts;
  const report: BenchReport = {
    date: new Date().toISOString(), quick,
    host: { cpu: cpus()[0]?.model ?? "unknown", cpus: availableParallelism(), node: process.version, platform: `${process.platform} ${process.arch}` },
    mips: [], syscalls: [], unsupported: [], runHello: [], durationMs: 0,
    measuredBy: { run: `fixtures/calibrate/${DEFAULT_RUN.name}.txt`, machine: DEFAULT_RUN.machine, date: DEFAULT_RUN.date },
  };

  // 1. Guest MIPS on the CPU-bound fixture (quick: the first 5 M instructions only).
  for (const arch of ARCHES) {
    const binary = join(corpus, "bin", TARGET_OF[arch], "bench-O2");
    const elf = new Uint8Array(readFileSync(binary));
    progress(`bench: ${arch} bench-O2 under uabi${quick ? " (first 5 M instructions)" : ""}…`);
    const { r, seconds } = runInProcess(elf, { mode: "direct" }, quick ? 5e6 : 2e9, ["./bench-O2"]);
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
        progress(`bench: ${arch} bench-O2 under ${runner}…`);
        const t = timeProcess(cmd, args);
        if (t.status === 0) row.others.push({ runner, seconds: t.seconds, ratio: seconds / t.seconds });
      }
    }
    report.mips.push(row);
  }

  // 2. Simulated syscalls per second, per mechanism the kernel implements.
  const calls = quick ? 2_000 : 20_000;
  for (const m of MECHANISMS) {
    const config: MachineConfig = { mode: m.name };
    const ok = supported(config);
    if (!ok.ok) {
      report.unsupported.push({ mechanism: m.name, why: ok.why });
      continue;
    }
    for (const arch of ARCHES) {
      progress(`bench: ${calls} getppid calls, ${arch}, --mode ${m.name}…`);
      const empty = runInProcess(buildSyscallLoop(arch, 1), config, 1e9, ["loop"]);
      const { r, seconds } = runInProcess(buildSyscallLoop(arch, calls), config, 1e9, ["loop"]);
      const c = runCounters(r);
      const base = runCounters(empty.r);
      report.syscalls.push({
        mechanism: m.name, config: describeConfig(config), arch, calls, seconds, perSecond: calls / seconds,
        kernelEntriesPerCall: (c.kernelEntries - base.kernelEntries) / (calls - 1),
        modelledNsPerCall: (modelledNs(c) - modelledNs(base)) / (calls - 1),
        measuredNsPerCall: MEASURED_BY_MECHANISM[m.name] ?? null,
      });
    }
  }

  // 3. `uabi run hello`: a fresh process start to exit, and the run alone in this process.
  const main = fileURLToPath(new URL("../main.ts", import.meta.url));
  for (const arch of ARCHES) {
    const binary = join(corpus, "bin", TARGET_OF[arch], "hello-O2");
    progress(`bench: uabi run hello-O2 (${arch})…`);
    const inproc = runInProcess(new Uint8Array(readFileSync(binary)), { mode: "direct" }, 1e8, ["./hello-O2"]);
    let processSeconds: number | null = null;
    if (!quick) {
      const t = timeProcess(process.execPath, [...process.execArgv, main, "run", binary]);
      processSeconds = t.status === 0 ? t.seconds : null;
    }
    report.runHello.push({ arch, binary: `fixtures/corpus/bin/${TARGET_OF[arch]}/hello-O2`, processSeconds, inProcessSeconds: inproc.seconds, exitStatus: inproc.r.exitStatus });
  }
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
  const L = [`uabi bench, ${r.date.slice(0, 10)}, ${r.host.cpu} (${r.host.cpus} CPUs), Node ${r.host.node}${r.quick ? " — QUICK (partial runs)" : ""}`, ""];
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
  for (const h of r.runHello) L.push(`  ${h.arch.padEnd(7)} process start to exit ${h.processSeconds === null ? "—" : `${f2(h.processSeconds)} s`}, in-process ${(h.inProcessSeconds * 1000).toFixed(1)} ms`);
  L.push("", `(${(r.durationMs / 1000).toFixed(1)} s)`, "");
  return L.join("\n");
}

/** The mechanism-cost bar chart: modelled ns per syscall, per mechanism and ISA, log scale. */
export function benchSvg(r: BenchReport): string {
  const rows = r.syscalls.filter((s) => s.modelledNsPerCall > 0);
  const W = 760, left = 170, right = 90, barH = 18, gap = 6, top = 50;
  const H = top + rows.length * (barH + gap) + 50;
  const max = Math.max(1000, ...rows.map((s) => s.modelledNsPerCall));
  const lo = 1, decades = Math.ceil(Math.log10(max / lo));
  const x = (ns: number) => left + ((W - left - right) * Math.log10(Math.max(ns, lo) / lo)) / decades;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const color: Record<string, string> = { arm64: "#4c78a8", x86_64: "#f58518" };
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">Modelled cost of one syscall per mechanism (log scale)</text>`,
    `<text x="${W / 2}" y="36" text-anchor="middle" fill="#555">uabi bench ${esc(r.date.slice(0, 10))}; default cost profile (calibrate run ${esc(DEFAULT_RUN.name)})</text>`,
  ];
  for (let d = 0; d <= decades; d++) {
    const ns = lo * 10 ** d;
    const xx = x(ns).toFixed(1);
    out.push(`<line x1="${xx}" y1="${top - 4}" x2="${xx}" y2="${H - 40}" stroke="#ddd"/>`);
    out.push(`<text x="${xx}" y="${H - 26}" text-anchor="middle" fill="#555">${ns >= 1000 ? `${ns / 1000} µs` : `${ns} ns`}</text>`);
  }
  rows.forEach((s, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, x(s.modelledNsPerCall) - left);
    out.push(`<text x="${left - 8}" y="${y + barH - 5}" text-anchor="end">${esc(`${s.config.replace("--mode ", "")} (${s.arch})`)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color[s.arch] ?? "#888"}"/>`);
    out.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + barH - 5}">${s.modelledNsPerCall.toFixed(0)} ns</text>`);
  });
  out.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle" fill="#555">nanoseconds per call (blue: arm64, orange: x86-64)</text>`, "</svg>", "");
  return out.join("\n");
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const svg = args.str("svg");
  if (svg === "") throw new UsageError("--svg needs a file name");
  const rep = bench({ quick: args.bool("quick"), progress: (s) => io.stderr.write(`${s}\n`) });
  if (svg) {
    writeFileSync(svg, benchSvg(rep));
    io.stderr.write(`bench: chart written to ${svg}\n`);
  }
  io.stdout.write(args.bool("json") ? reportJson(rep) : formatBench(rep));
  return 0;
}
