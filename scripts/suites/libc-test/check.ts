/**
 * Runs every statically built libc-test test (build.sh) under uabi — the kernel library in-process, in worker
 * processes — for every mechanism on both ISAs, and as the reference natively (x86-64) and under qemu-aarch64.
 * A test passes when it exits 0 (libc-test's tests print nothing and exit 0 on success).
 *
 *   node --conditions=@uabi/source --import tsx scripts/suites/libc-test/check.ts [--jobs N] [--mode M]... [--isa I]
 *        [--only functional/argv,...] [--subset ci] [--update] [--verbose]
 *
 * The guest root is the busybox suite's (its /bin/sh serves popen and system; /etc/passwd) when fetch.sh has laid
 * it out, else uabi's bare root. fixtures/suites/libc-test/results.json is the committed table: exit 1 when a test
 * that passed there fails now. `--update` (after a full run) rewrites it and the table in docs/suites.md.
 * Failures get a cause: missing syscall (named), SIGILL (the instruction, disassembled), timeout, wrong output.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliOpt, isWorker, pool, runGuest, supportedModes, table } from "../uabi-run.js";

const REPO = join(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const CACHE = process.env.UABI_SUITES_CACHE ?? join(REPO, ".cache/suites");
const RESULTS = join(REPO, "fixtures/suites/libc-test/results.json");
const DOC = join(REPO, "docs/suites.md");
const ISAS = ["x86_64", "aarch64"] as const;
type Isa = (typeof ISAS)[number];
const REFERENCE: Record<Isa, string> = { x86_64: "native", aarch64: "qemu" };
/** Instructions before a run counts as a timeout (libc-test's own runner allows 5 s of a real CPU). */
const BUDGET = 2e9;
/** Seconds a reference run may take (libc-test's runner allows 5; a loaded 2-core CI machine needs more). */
const REFERENCE_TIMEOUT_S = 30;
/**
 * The CI subset: one reference and two mechanisms per ISA (direct, the baseline, and seccomp, the trapping
 * path) keep fixtures:check inside CI's time on a 2-core machine; a full run covers all six.
 */
const CI_MODES = ["direct", "seccomp"];

const argv = process.argv.slice(2);
const only = cliOpt(argv, "--only")[0]?.split(",");
const wantIsa = cliOpt(argv, "--isa") as Isa[];
const subsetCi = cliOpt(argv, "--subset")[0] === "ci";

interface Outcome {
  isa: Isa;
  mode: string;
  test: string;
  ok: boolean;
  /** For a failure: "missing syscall: x" | "SIGILL: insn" | "signal N" | "timeout" | "wrong output: …" | … */
  why?: string;
  ms: number;
  /** Instructions retired (uabi runs). */
  insns?: number;
}

const buildDir = (isa: Isa) => join(CACHE, "libc-test", isa);
function built(isa: Isa): { ok: string[]; failed: Record<string, string> } | undefined {
  const f = join(buildDir(isa), "build.tsv");
  if (!existsSync(f)) return undefined;
  const ok: string[] = [];
  const failed: Record<string, string> = {};
  for (const line of readFileSync(f, "utf8").split("\n").filter(Boolean)) {
    const [name, what] = line.split("\t") as [string, string];
    if (what === "ok") ok.push(name);
    else failed[name] = what;
  }
  return { ok, failed };
}

const bbRoot = (isa: Isa): string | undefined => {
  const r = join(CACHE, "busybox", `root-${isa}`);
  return existsSync(join(r, "bin/busybox")) ? r : undefined;
};

/** The native or qemu-aarch64 run, in a scratch directory (tests create files in the cwd and /tmp). */
function reference(isa: Isa, test: string): Outcome {
  const t0 = performance.now();
  const dir = mkdtempSync("/tmp/uabi-libctest-");
  try {
    const exe = join(buildDir(isa), test);
    // timeout(1) kills the test's whole process group: a test that forks (raise-race) leaves no orphans behind.
    const cmd = isa === "x86_64" ? [exe] : ["qemu-aarch64", exe];
    const r = spawnSync("timeout", ["-s", "KILL", String(REFERENCE_TIMEOUT_S), ...cmd], { cwd: dir, env: { LANG: "C" } });
    const why = r.error ? r.error.message : r.status === 137 || r.signal === "SIGKILL" ? "timeout" : r.signal ? `signal ${r.signal}` : r.status !== 0 ? `wrong output${DETAIL}${firstLine(r.stdout.toString()) || `status ${r.status}`}` : undefined;
    return { isa, mode: REFERENCE[isa], test, ok: !why, ...(why ? { why } : {}), ms: performance.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Separates a failure's cause (what the docs group by) from its detail. */
const DETAIL = " — ";
const firstLine = (s: string) => (s.split("\n").find((l) => l.trim()) ?? "").slice(0, 100);

const elfs = new Map<string, Uint8Array>();
function underUabi(isa: Isa, test: string, mode: string, diagnose = false): Outcome {
  const key = `${isa}/${test}`;
  let elf = elfs.get(key);
  if (!elf) elfs.set(key, (elf = new Uint8Array(readFileSync(join(buildDir(isa), test)))));
  const name = test.split("/")[1]!;
  const root = bbRoot(isa);
  const r = runGuest({ elf, argv: [name], env: ["LANG=C"], cwd: "/tmp", path: `/tmp/${name}`, stdin: new Uint8Array(), ...(root ? { root } : {}), mode, maxInstructions: BUDGET });
  let why: string | undefined;
  if (r.reason === "budget") why = "timeout";
  else if (r.reason === "deadlock") why = "deadlock";
  else if (r.reason === "host-exception") why = r.stderr.slice(r.stderr.lastIndexOf("host exception"));
  else if (r.status !== 0) {
    const sig = r.status > 128 ? r.status - 128 : 0;
    why = sig === 4 ? "SIGILL" : sig ? `signal ${sig}` : `wrong output${DETAIL}${firstLine(r.stdout) || `status ${r.status}`}`;
  }
  if (why === "SIGILL" && diagnose) why = `SIGILL: ${sigillInsn(isa, test, mode)}`;
  // The cause first: a call the kernel lacks explains the rest.
  if (why && r.missing.length) why = `missing syscall: ${r.missing.join(" ")}${DETAIL}${why}`;
  return { isa, mode, test, ok: !why, ...(why ? { why } : {}), ms: r.ms, insns: r.instructions };
}

/** Reruns a SIGILL case with the trace on, takes si_addr of the SIGILL and disassembles that instruction. */
function sigillInsn(isa: Isa, test: string, mode: string): string {
  const lines: string[] = [];
  const elf = elfs.get(`${isa}/${test}`)!;
  const name = test.split("/")[1]!;
  const root = bbRoot(isa);
  runGuest({ elf, argv: [name], env: ["LANG=C"], cwd: "/tmp", path: `/tmp/${name}`, stdin: new Uint8Array(), ...(root ? { root } : {}), mode, maxInstructions: BUDGET, trace: (l: string) => lines.push(l) });
  const at = lines.map((l) => /SIGILL.*si_addr=0x([0-9a-f]+)/.exec(l)).find(Boolean)?.[1];
  if (!at) return "address unknown";
  const objdump = isa === "aarch64" ? "aarch64-linux-gnu-objdump" : "objdump";
  const start = BigInt(`0x${at}`);
  const d = spawnSync(objdump, ["-d", `--start-address=0x${at}`, `--stop-address=0x${(start + 16n).toString(16)}`, join(buildDir(isa), test)]);
  const insn = d.stdout?.toString().split("\n").find((l) => new RegExp(`^\\s*${at}:`).test(l));
  return insn ? insn.split("\t").slice(2).join(" ").replace(/\s+/g, " ").trim() : `at 0x${at}`;
}

interface ResultsFile {
  note: string;
  built: Record<string, { built: number; sources: number; failedToBuild: Record<string, string> }>;
  results: Record<string, Record<string, string>>;
}

function markdown(res: ResultsFile, cols: string[], tests: Record<Isa, string[]>): string {
  const lines = ["| ISA | built statically | " + cols.join(" | ") + " |", `|---|---|${cols.map(() => "---|").join("")}`];
  for (const isa of ISAS) {
    const b = res.built[isa];
    if (!b) continue;
    const cells = cols.map((c) => {
      const r = res.results[`${isa} ${c}`];
      return r ? `${Object.values(r).filter((v) => v === "pass").length}/${tests[isa].length}` : "–";
    });
    lines.push(`| ${isa} | ${b.built}/${b.sources} | ${cells.join(" | ")} |`);
  }
  // Failures grouped by cause, per ISA: the test names and where they fail.
  const out = [lines.join("\n"), "", "Failures by cause (modes where the test fails; \"all\" = every column above):", ""];
  for (const isa of ISAS) {
    const byCause = new Map<string, Map<string, string[]>>();
    for (const c of cols) {
      for (const [t, v] of Object.entries(res.results[`${isa} ${c}`] ?? {})) {
        if (v === "pass") continue;
        const cause = v.split(DETAIL)[0]!;
        const m = byCause.get(cause) ?? new Map<string, string[]>();
        m.set(t, [...(m.get(t) ?? []), c]);
        byCause.set(cause, m);
      }
    }
    for (const [cause, m] of [...byCause].sort(([a], [b]) => a.localeCompare(b))) {
      const items = [...m].map(([t, cs]) => `\`${t}\` (${cs.length === cols.length ? "all" : cs.join(", ")})`);
      out.push(`- **${isa}, ${cause}:** ${items.join(", ")}`);
    }
  }
  for (const isa of ISAS) {
    const f = res.built[isa]?.failedToBuild ?? {};
    if (Object.keys(f).length) out.push(`- **${isa}, does not build statically:** ${Object.entries(f).map(([t, w]) => `\`${t}\` (${w.replace(/\|/g, "\\|")})`).join(", ")}`);
  }
  return out.join("\n");
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const builds = Object.fromEntries(ISAS.filter((i) => !wantIsa.length || wantIsa.includes(i)).flatMap((i) => (built(i) ? [[i, built(i)!]] : []))) as Partial<Record<Isa, NonNullable<ReturnType<typeof built>>>>;
  const isas = ISAS.filter((i) => builds[i]);
  if (!isas.length) {
    if (!isWorker(argv)) console.log("libc-test suite skipped: nothing built (scripts/suites/libc-test/build.sh)");
    return 77;
  }
  const { modes, skipped } = supportedModes(cliOpt(argv, "--mode").length ? cliOpt(argv, "--mode") : subsetCi ? CI_MODES : []);
  const tests = Object.fromEntries(isas.map((i) => [i, builds[i]!.ok.filter((t) => !only || only.includes(t))])) as Record<Isa, string[]>;
  const items = isas.flatMap((isa) => tests[isa].flatMap((test) => [REFERENCE[isa], ...modes].map((mode) => ({ isa, test, mode }))));
  const outcomes: Outcome[] = [];
  const jobs = Number(cliOpt(argv, "--jobs")[0] ?? 1);
  await pool(items, (it) => (it.mode === REFERENCE[it.isa] ? reference(it.isa, it.test) : underUabi(it.isa, it.test, it.mode, true)), {
    argv, self: fileURLToPath(import.meta.url), jobs,
    onResult: (o) => {
      outcomes.push(o);
      if (argv.includes("--verbose")) console.log(`${o.ok ? "ok  " : "FAIL"} ${o.isa} ${o.mode} ${o.test} (${o.ms.toFixed(0)} ms${o.insns ? `, ${o.insns} insns` : ""})${o.why ? `: ${o.why}` : ""}`);
    },
  });
  if (isWorker(argv)) return 0;

  const cols = ["reference", ...modes];
  const colMode = (isa: Isa, c: string) => (c === "reference" ? REFERENCE[isa] : c);
  const res: ResultsFile = {
    note: "musl libc-test (functional + regression), static builds; pass or the failure's cause, per ISA and mechanism (scripts/suites/libc-test/check.ts --update)",
    built: Object.fromEntries(isas.map((i) => [i, { built: builds[i]!.ok.length, sources: builds[i]!.ok.length + Object.keys(builds[i]!.failed).length, failedToBuild: builds[i]!.failed }])),
    results: {},
  };
  for (const isa of isas) {
    for (const c of cols) {
      const r: Record<string, string> = {};
      for (const o of outcomes.filter((x) => x.isa === isa && x.mode === colMode(isa, c)).sort((a, b) => a.test.localeCompare(b.test))) r[o.test] = o.ok ? "pass" : o.why!;
      res.results[`${isa} ${c}`] = r;
    }
  }
  console.log(`\nlibc-test: passed / built per ISA × (reference, mechanisms); reference = native x86-64 / qemu-aarch64\n`);
  console.log(table(isas, cols, (isa, c) => `${Object.values(res.results[`${isa} ${c}`]!).filter((v) => v === "pass").length}/${tests[isa as Isa].length}`, "ISA"));
  console.log();
  console.log(markdown(res, cols, tests).split("\n\n").slice(1).join("\n"));

  // Regressions against the committed table: a test that passed there and fails now (in the columns we ran).
  const old: ResultsFile | undefined = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as ResultsFile) : undefined;
  const regressions: string[] = [];
  const referenceChanged: string[] = [];
  const fixed: string[] = [];
  for (const [col, r] of Object.entries(res.results)) {
    for (const [t, v] of Object.entries(r)) {
      const before = old?.results[col]?.[t];
      // The reference (native, qemu-aarch64) is the oracle, not what is checked: a reference run that times out on
      // a loaded machine is reported, and fails nothing.
      if (before === "pass" && v !== "pass") (col.endsWith(" reference") ? referenceChanged : regressions).push(`${t} (${col}): ${v}`);
      if (before !== undefined && before !== "pass" && v === "pass") fixed.push(`${t} (${col})`);
    }
  }
  if (fixed.length) console.log(`\nnow passing (${fixed.length}; --update records them): ${fixed.join(", ")}`);
  if (argv.includes("--update")) {
    if (only || wantIsa.length || cliOpt(argv, "--mode").length || subsetCi || isas.length !== ISAS.length) {
      console.log("--update needs a full run (no --only/--isa/--mode/--subset, both ISAs built)");
      return 1;
    }
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(res, null, 1)}\n`);
    const doc = readFileSync(DOC, "utf8");
    const begin = "<!-- libc-test table: begin (scripts/suites/libc-test/check.ts --update) -->";
    const end = "<!-- libc-test table: end -->";
    if (doc.includes(begin) && doc.includes(end)) {
      writeFileSync(DOC, `${doc.slice(0, doc.indexOf(begin) + begin.length)}\n${markdown(res, cols, tests)}\n${doc.slice(doc.indexOf(end))}`);
    }
    console.log(`written: ${RESULTS} and the table in docs/suites.md`);
  }
  if (referenceChanged.length) console.log(`\nthe reference differs from the committed table (not a uabi regression): ${referenceChanged.join(", ")}`);
  if (regressions.length) console.log(`\nREGRESSIONS (pass in fixtures/suites/libc-test/results.json, fail now):\n  ${regressions.join("\n  ")}`);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`\nlibc-test suite: ${outcomes.filter((o) => o.ok).length}/${outcomes.length} runs pass (${isas.join(", ")} × reference, ${modes.join(", ")})` +
    `${skipped.length ? `; not in this kernel: ${skipped.join(", ")}` : ""}; ${regressions.length} regressions; ${secs} s`);
  return regressions.length && !argv.includes("--update") ? 1 : 0;
}

process.exitCode = await main();
