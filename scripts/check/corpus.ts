/**
 * Runs every corpus fixture under uabi's kernel with every mechanism the kernel supports and compares
 * stdout and exit status with the oracle recording (fixtures/corpus/expected). Part of
 * `pnpm fixtures:check` (scripts/fixtures-check.sh).
 *
 *   node --conditions=@uabi/source --import tsx scripts/check/corpus.ts [--jobs N] [--full] [--mode M]... [--target T]
 *
 * The 10^8-instruction fixtures (HEAVY in the kernel's corpus cases) run under direct mode only unless
 * --full. Expected-output adjustments are the kernel corpus tests' own (ORACLE_DEVIATIONS): where our
 * vDSO exports libkernel, `ported` reports it. Runs listed in known-failures.ts are reported as known;
 * exit 1 on any other difference, and on a known failure that now passes. A progress line (runs done, failing,
 * what is running) goes out every few seconds, so a long check is never silent.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { compareRun, corpusFixtures, readFixtureBinary, type CorpusFixture, type TargetName } from "../../packages/test-support/src/index.js";
import { Kernel, KernelUsageError, type KernelOptions } from "../../packages/kernel/src/index.js";
import { HEAVY, ORACLE_DEVIATIONS, libkernelStdout } from "../../packages/kernel/test/corpus-cases.js";
import { MECHANISMS } from "../../apps/uabi/src/choices.js";
import { knownFailure } from "./known-failures.js";

interface Outcome {
  key: string;
  mode: string;
  problems: string[];
  /** The known-failure entry covering this run (known-failures.ts). */
  known?: string;
  ms: number;
}

const argv = process.argv.slice(2);
const opt = (name: string): string[] => argv.flatMap((a, i) => (a === name && argv[i + 1] ? [argv[i + 1]!] : []));
const full = argv.includes("--full");
const jobs = Number(opt("--jobs")[0] ?? 1);
const shard = opt("--shard")[0]?.split("/").map(Number) as [number, number] | undefined;

/** Seconds between progress lines (a run in progress is named in the next one). */
const PROGRESS_MS = 3000;

/** One progress line: counts, elapsed time and the runs in progress. */
function progress(done: number, total: number, failing: number, t0: number, running: readonly string[]): void {
  const pct = total ? Math.floor((100 * done) / total) : 100;
  console.log(`corpus: ${done}/${total} runs (${pct}%), ${failing} failing, ${((performance.now() - t0) / 1000).toFixed(0)} s${running.length ? `; running ${running.join(", ")}` : ""}`);
}

function kernelFor(mode: string, o: KernelOptions): Kernel {
  return new Kernel({ ...o, mode } as unknown as KernelOptions);
}

/** Mechanisms this kernel accepts (the others throw KernelUsageError from the constructor). */
function supportedModes(): { modes: string[]; skipped: string[] } {
  const wanted = opt("--mode").length ? opt("--mode") : MECHANISMS.map((m) => m.name);
  const modes: string[] = [];
  const skipped: string[] = [];
  for (const m of wanted) {
    try {
      kernelFor(m, {});
      modes.push(m);
    } catch (e) {
      if (!(e instanceof KernelUsageError)) throw e;
      skipped.push(m);
    }
  }
  return { modes, skipped };
}

function runOne(f: CorpusFixture, mode: string): Outcome {
  const t0 = performance.now();
  const key = `${f.target}/${f.id}`;
  const chunks: Uint8Array[] = [];
  const k = kernelFor(mode, { stdout: (d) => chunks.push(d), stdin: new TextEncoder().encode(f.expected.stdin), maxInstructions: 3e9 });
  const env = Object.entries(f.expected.env).map(([a, b]) => `${a}=${b}`);
  let problems: string[];
  try {
    k.spawn(readFixtureBinary(f), { argv: f.expected.argv, env, cwd: "/corpus", path: `/corpus/${f.id}` });
    const r = k.run();
    let stdout = "";
    for (const c of chunks) for (const b of c) stdout += String.fromCharCode(b);
    const expected = ORACLE_DEVIATIONS[key]?.adjust.kind === "libkernel-present" ? { ...f.expected, stdout: libkernelStdout(f.expected.stdout) } : f.expected;
    problems = compareRun({ stdout, exitStatus: r.exitStatus, syscalls: [] }, expected, { syscalls: false });
    if (r.reason === "budget") problems.push("instruction budget exhausted");
  } catch (e) {
    problems = [`host exception: ${e instanceof Error ? e.message : String(e)}`];
  }
  const known = knownFailure(f.target, f.name, mode)?.what;
  return { key, mode, problems, ...(known ? { known } : {}), ms: performance.now() - t0 };
}

function work(modes: readonly string[]): { f: CorpusFixture; mode: string }[] {
  const target = opt("--target")[0] as TargetName | undefined;
  const items: { f: CorpusFixture; mode: string }[] = [];
  for (const f of corpusFixtures(target)) for (const mode of modes) if (full || !HEAVY.has(f.id) || mode === "direct") items.push({ f, mode });
  return items;
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const { modes, skipped } = supportedModes();
  const items = work(modes);
  if (shard) {
    // A worker: run its share and print the outcomes as JSON lines.
    const [k, n] = shard;
    items.forEach((it, i) => {
      if (i % n !== k) return;
      // Tell the parent what is running, for its progress lines.
      process.stdout.write(`${JSON.stringify({ start: `${it.f.target}/${it.f.id} --mode ${it.mode}` })}\n`);
      process.stdout.write(`${JSON.stringify(runOne(it.f, it.mode))}\n`);
    });
    return 0;
  }
  const outcomes: Outcome[] = [];
  const failing = () => outcomes.filter((o) => o.problems.length > 0 && !o.known).length;
  console.log(`corpus: ${items.length} runs (${corpusFixtures().length} fixtures × ${modes.join(", ")}), ${jobs} job(s)`);
  if (jobs <= 1) {
    let last = performance.now();
    for (const it of items) {
      outcomes.push(report(runOne(it.f, it.mode)));
      if (performance.now() - last >= PROGRESS_MS) {
        progress(outcomes.length, items.length, failing(), t0, []);
        last = performance.now();
      }
    }
  } else {
    const running = new Map<number, string>();
    const ticker = setInterval(() => progress(outcomes.length, items.length, failing(), t0, [...running.values()]), PROGRESS_MS);
    const self = fileURLToPath(import.meta.url);
    await Promise.all(Array.from({ length: jobs }, (_, k) => new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, self, ...argv, "--shard", `${k}/${jobs}`], { stdio: ["ignore", "pipe", "inherit"] });
      let buf = "";
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const msg = JSON.parse(buf.slice(0, nl)) as Outcome | { start: string };
          buf = buf.slice(nl + 1);
          if ("start" in msg) running.set(k, msg.start);
          else {
            running.delete(k);
            outcomes.push(report(msg));
          }
        }
      });
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${k} exited with ${code}`))));
    }))).finally(() => clearInterval(ticker));
  }
  const failed = outcomes.filter((o) => o.problems.length > 0 && !o.known);
  const known = outcomes.filter((o) => o.problems.length > 0 && o.known);
  const fixed = outcomes.filter((o) => o.problems.length === 0 && o.known);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const whats = [...new Set(known.map((o) => o.known!))];
  for (const w of whats) console.log(`known (${known.filter((o) => o.known === w).map((o) => `${o.key} ${o.mode}`).join(", ")}): ${w}`);
  for (const o of fixed) console.log(`NOW PASSES ${o.key} --mode ${o.mode}: remove it from scripts/check/known-failures.ts`);
  console.log(
    `corpus under uabi: ${outcomes.length - failed.length - known.length}/${outcomes.length} runs match, ${known.length} known failures, ${failed.length} new failures ` +
      `(${corpusFixtures().length} fixtures × mechanisms ${modes.join(", ")}` +
      `${full ? "" : "; heavy fixtures direct only"})${skipped.length ? `; not in this kernel: ${skipped.join(", ")}` : ""}; ${secs} s`,
  );
  return failed.length === 0 && fixed.length === 0 && outcomes.length === items.length ? 0 : 1;
}

function report(o: Outcome): Outcome {
  if (o.problems.length && !o.known) console.log(`FAIL ${o.key} --mode ${o.mode}: ${o.problems.join("; ")}`);
  else if (argv.includes("--verbose")) console.log(`ok   ${o.key} --mode ${o.mode} (${o.ms.toFixed(0)} ms)`);
  return o;
}

process.exitCode = await main();
