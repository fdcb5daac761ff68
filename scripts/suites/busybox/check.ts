/**
 * Runs every busybox case (cases.ts) under uabi — the kernel library in-process, one worker process per job —
 * for every mechanism on both ISAs, with fetch.sh's guest root as `--root`, and compares stdout and exit status
 * with the recordings (fixtures/suites/busybox/<isa>.json, from record.ts). Prints a pass/fail table per
 * ISA × mechanism and each failing case with a one-line diff.
 *
 *   node --conditions=@uabi/source --import tsx scripts/suites/busybox/check.ts [--jobs N] [--mode M]... [--isa I]
 *        [--only a,b] [--update] [--verbose]
 *
 * fixtures/suites/busybox/results.json is the committed baseline (which cases pass per ISA × mechanism): exit 1
 * when a case in it fails now; a case that newly passes is reported (`--update` rewrites the baseline after a
 * full run). Exit 77 when no busybox root is present (scripts/suites/busybox/fetch.sh makes them).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, ENV, TREE, type BusyboxCase } from "./cases.js";
import { FIXTURES, ISAS, caseArgv, fixturePath, rootDir, type FixtureFile, type Isa } from "./common.js";
import { causeById } from "../../../apps/uabi/src/study/catalogue.js";
import { cliOpt, isWorker, oneLineDiff, pool, readBaseline, runGuest, supportedModes, table, type Baseline } from "../uabi-run.js";

const argv = process.argv.slice(2);
const RESULTS = join(FIXTURES, "results.json");
/** Instructions per run before it counts as a timeout (the slowest case, sha256sum-big, retires about 2·10^8). */
const BUDGET = 3e9;

interface Outcome {
  isa: Isa;
  mode: string;
  name: string;
  ok: boolean;
  why?: string;
  ms: number;
}

const only = cliOpt(argv, "--only")[0]?.split(",");
const wantIsa = cliOpt(argv, "--isa") as Isa[];

function fixtures(): Partial<Record<Isa, FixtureFile>> {
  const f: Partial<Record<Isa, FixtureFile>> = {};
  for (const isa of ISAS) {
    if (wantIsa.length && !wantIsa.includes(isa)) continue;
    if (!existsSync(join(rootDir(isa), "bin/busybox"))) continue;
    if (existsSync(fixturePath(isa))) f[isa] = JSON.parse(readFileSync(fixturePath(isa), "utf8")) as FixtureFile;
  }
  return f;
}

const elfs = new Map<Isa, Uint8Array>();
function runCase(fx: FixtureFile, c: BusyboxCase, mode: string): Outcome {
  const isa = fx.isa;
  const exp = fx.cases[c.name];
  const args = caseArgv(c, TREE);
  const base = { isa, mode, name: c.name };
  if (!exp) return { ...base, ok: false, why: "no recording (run record.ts)", ms: 0 };
  if (JSON.stringify(exp.argv) !== JSON.stringify(args) || exp.stdin !== (c.stdin ?? "")) return { ...base, ok: false, why: "the case changed since it was recorded (run record.ts)", ms: 0 };
  let elf = elfs.get(isa);
  if (!elf) elfs.set(isa, (elf = new Uint8Array(readFileSync(join(rootDir(isa), "bin/busybox")))));
  const r = runGuest({
    elf, argv: args, env: ENV, cwd: "/", path: "/bin/busybox", stdin: new Uint8Array(Buffer.from(c.stdin ?? "", "latin1")),
    root: rootDir(isa), mode, maxInstructions: BUDGET, uid: fx.credentials.uid, gid: fx.credentials.gid,
  });
  const why: string[] = [];
  if (r.reason === "budget") why.push(`timeout (${BUDGET} instructions)`);
  else if (r.reason === "deadlock") why.push("deadlock");
  else if (r.reason === "host-exception") why.push(r.stderr.slice(r.stderr.lastIndexOf("host exception")));
  if (r.status !== exp.status) why.push(`status ${r.status}, expected ${exp.status}`);
  if (r.stdout !== exp.stdout) why.push(oneLineDiff(exp.stdout, r.stdout));
  if (why.length && r.missing.length) why.push(`missing syscalls: ${r.missing.join(" ")}`);
  const err = r.stderr.split("\n").find((l) => l && !l.startsWith("host exception"));
  if (why.length && err) why.push(`stderr: ${err.slice(0, 80)}`);
  return { ...base, ok: why.length === 0, ...(why.length ? { why: why.join("; ") } : {}), ms: r.ms };
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const fx = fixtures();
  const isas = ISAS.filter((i) => fx[i]);
  const { modes, skipped } = supportedModes(cliOpt(argv, "--mode"));
  const cases = CASES.filter((c) => !only || only.includes(c.name));
  const items = isas.flatMap((isa) => cases.flatMap((c) => modes.map((mode) => ({ fx: fx[isa]!, c, mode }))));
  const outcomes: Outcome[] = [];
  if (!isWorker(argv)) {
    if (!isas.length) {
      console.log("busybox suite skipped: no busybox root or recording (scripts/suites/busybox/fetch.sh fetches Debian's busybox-static)");
      return 77;
    }
    const missing = ISAS.filter((i) => !fx[i] && !wantIsa.length);
    if (missing.length) console.log(`busybox suite: no root for ${missing.join(", ")} (skipped)`);
  }
  const jobs = Number(cliOpt(argv, "--jobs")[0] ?? 1);
  await pool(items, (it) => runCase(it.fx, it.c, it.mode), {
    argv, self: fileURLToPath(import.meta.url), jobs,
    onResult: (o) => {
      outcomes.push(o);
      if (argv.includes("--verbose")) console.log(`${o.ok ? "ok  " : "FAIL"} ${o.isa} ${o.mode} ${o.name} (${o.ms.toFixed(0)} ms)${o.why ? `: ${o.why}` : ""}`);
    },
  });
  if (isWorker(argv)) return 0;

  const cols = isas.flatMap((i) => modes.map((m) => `${i} ${m}`));
  const passed = (col: string) => outcomes.filter((o) => o.ok && `${o.isa} ${o.mode}` === col).map((o) => o.name).sort();
  // A failure under a mechanism the case marks with a catalogued break is that break, not a defect.
  const byName = new Map(cases.map((c) => [c.name, c]));
  const breakOf = (o: Outcome) => byName.get(o.name)?.breaks?.[o.mode];
  for (const c of cases) for (const id of Object.values(c.breaks ?? {})) if (!causeById(id)) throw new Error(`${c.name}: no cause "${id}" in the study catalogue`);
  const catalogued = (col: string) => outcomes.filter((o) => !o.ok && breakOf(o) && `${o.isa} ${o.mode}` === col).length;
  console.log(`\nbusybox suite: ${cases.length} cases; passed / run per ISA × mechanism (+ failures that are catalogued mechanism breaks)\n`);
  console.log(table(isas, modes, (isa, m) => `${passed(`${isa} ${m}`).length}/${cases.length}${catalogued(`${isa} ${m}`) ? ` +${catalogued(`${isa} ${m}`)}` : ""}`, "ISA"));
  const breaks = outcomes.filter((o) => !o.ok && breakOf(o));
  if (breaks.length) console.log(`\ncatalogued mechanism breaks (uabi study's causes): ${breaks.map((o) => `${o.name} (${o.isa} ${o.mode}: ${breakOf(o)} — ${causeById(breakOf(o)!)!.title})`).join(", ")}`);
  const stale = outcomes.filter((o) => o.ok && breakOf(o));
  if (stale.length) console.log(`\nmarked as a mechanism break but passing (remove the mark): ${stale.map((o) => `${o.name} (${o.isa} ${o.mode})`).join(", ")}`);

  // Failing cases, one line each: where they fail and the first failure's reason.
  const failing = new Map<string, Outcome[]>();
  for (const o of outcomes) if (!o.ok && !breakOf(o)) failing.set(o.name, [...(failing.get(o.name) ?? []), o]);
  if (failing.size) console.log("\nfailing cases:");
  for (const [name, os] of [...failing].sort(([a], [b]) => a.localeCompare(b))) {
    const byIsa = isas.map((i) => [i, os.filter((o) => o.isa === i).map((o) => o.mode)] as const).filter(([, ms]) => ms.length);
    const where = byIsa.map(([i, ms]) => `${i} ${ms.length === modes.length ? "all" : ms.join(",")}`).join("; ");
    const reasons = [...new Set(os.map((o) => `${o.isa}: ${o.why}`))];
    console.log(`  ${name} [${where}] ${reasons[0]}${reasons.length > 1 ? ` (+${reasons.length - 1} other reasons)` : ""}`);
  }

  const baseline = readBaseline(RESULTS);
  const regressions: string[] = [];
  const fixed: string[] = [];
  for (const col of cols) {
    const now = new Set(passed(col));
    const before = new Set(baseline[col] ?? []);
    const ran = new Set(cases.map((c) => c.name));
    for (const n of before) if (ran.has(n) && !now.has(n)) regressions.push(`${n} (${col})`);
    for (const n of now) if (!before.has(n)) fixed.push(`${n} (${col})`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (fixed.length) console.log(`\nnow passing, not in the baseline (${fixed.length}; --update records them): ${fixed.slice(0, 20).join(", ")}${fixed.length > 20 ? ", …" : ""}`);
  const complete = !only && !cliOpt(argv, "--mode").length && !wantIsa.length && isas.length === ISAS.length;
  if (argv.includes("--update")) {
    if (!complete) {
      console.log("--update needs a full run (no --only/--mode/--isa, both roots present)");
      return 1;
    }
    const out: Baseline = Object.fromEntries(cols.map((c) => [c, passed(c)]));
    writeFileSync(RESULTS, `${JSON.stringify({ note: "busybox cases that pass under uabi, per ISA and mechanism (scripts/suites/busybox/check.ts --update)", skippedModes: skipped, passed: out }, null, 1)}\n`);
    console.log(`baseline written: ${RESULTS}`);
  }
  if (regressions.length) console.log(`\nREGRESSIONS (passed in fixtures/suites/busybox/results.json, fail now): ${regressions.join(", ")}`);
  console.log(`\nbusybox suite: ${outcomes.filter((o) => o.ok).length}/${outcomes.length} runs pass, ${breaks.length} are catalogued mechanism breaks (${isas.join(", ")} × ${modes.join(", ")})` +
    `${skipped.length ? `; not in this kernel: ${skipped.join(", ")}` : ""}; ${regressions.length} regressions; ${secs} s`);
  return regressions.length && !argv.includes("--update") ? 1 : 0;
}

process.exitCode = await main();
