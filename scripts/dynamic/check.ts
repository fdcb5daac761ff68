/**
 * Dynamically linked programs under uabi against their oracles: the corpus's dynamic builds
 * (fixtures/corpus/bin/<target>-dynamic, recorded in fixtures/corpus/expected/<target>-dynamic) and Debian's own
 * programs (scripts/dynamic/cases.ts, recorded in fixtures/corpus/debian/<isa>.json). Part of `pnpm fixtures:check`.
 *
 *   node --conditions=@uabi/source --import tsx scripts/dynamic/check.ts [--record] [--oracle] [--full] [--mode M]... [--set NAME]... [--only ID]
 *
 * --record: run the oracles (native for x86-64; `qemu-aarch64 -L <sysroot>` for arm64) twice each and write the
 * recordings. --oracle: re-run the oracles and compare them with the recordings too. Without either, every
 * recording runs under uabi (sysroot laid over the host's /, as qemu's -L does): the corpus programs under every
 * mechanism the kernel supports, the Debian programs under direct (every mechanism with --full).
 * An ISA whose programs or oracle are missing here is skipped and said so. Runs in KNOWN_FAILING are reported as
 * known; exit 1 on any other difference, and on a known failure that now passes.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel, KernelUsageError, LayeredHostFs, type HostFs, type KernelOptions } from "../../packages/kernel/src/index.js";
import { NodeHostFs } from "../../packages/kernel/src/node.js";
import { MECHANISMS } from "../../apps/uabi/src/choices.js";
import { RUN_SPECS, DEFAULT_ENV } from "../../packages/test-support/src/corpus.js";
import { DEBIAN_CASES, DEBIAN_ENV, DEBIAN_STDIN, debianSetup, findProgram, type Isa } from "./cases.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CORPUS = join(REPO, "fixtures/corpus");
/**
 * The Debian programs' working directory. The guest sees the host's / except /tmp (the kernel's own tmpfs), so a
 * checkout under /tmp (a CI clone, a worktree) would hide the data: then it is copied below /var/tmp first.
 */
const DATA = guestVisible(join(CORPUS, "debian/data"));
function guestVisible(dir: string): string {
  if (dir !== "/tmp" && !dir.startsWith("/tmp/")) return dir;
  const copy = mkdtempSync("/var/tmp/uabi-dynamic-data-");
  cpSync(dir, copy, { recursive: true });
  process.on("exit", () => rmSync(copy, { recursive: true, force: true }));
  return copy;
}
const argv = process.argv.slice(2);
const opt = (name: string): string[] => argv.flatMap((a, i) => (a === name && argv[i + 1] ? [argv[i + 1]!] : []));
const RECORD = argv.includes("--record");
const ORACLE = argv.includes("--oracle");
const FULL = argv.includes("--full");
const ONLY = opt("--only");
/** --set NAME (repeatable): only these recording sets, e.g. aarch64-musl-dynamic or debian-arm64. */
const SETS = opt("--set");

/** One run as the oracle and uabi both see it: the host file, argv, env, cwd, stdin. */
interface Run {
  id: string;
  isa: Isa;
  file: string;
  /** The guest's path of the executable (the same as `file` when the sysroot is /). */
  guestPath: string;
  argv: string[];
  env: string[];
  cwd: string;
  stdin: string;
  sysroot: string;
}

interface Recording {
  id: string;
  argv: string[];
  env: string[];
  stdin: string;
  stdout: string;
  exitStatus: number;
  /** When the oracle is not Linux here: why, and what the oracle itself printed. */
  correction?: string;
  oracleStdout?: string;
}

/** Where an oracle deviates from Linux, per "<set>/<run id>": the reason (with the kernel source) and the fix. */
const CORRECTIONS: Readonly<Record<string, { why: string; fix: (stdout: string) => string }>> = {
  "aarch64-glibc-dynamic/dynamic-vdso-O2": {
    why: "qemu-user 7.2 maps no vDSO for aarch64 guests (no AT_SYSINFO_EHDR); Linux maps one (arch/arm64/kernel/vdso.c) and glibc's setup_vdso puts it first in the link map as linux-vdso.so.1",
    fix: (s) => s.replace(/^(clocks: [^\n]*\n)/, "$1object linux-vdso.so.1\n"),
  },
  "aarch64-musl-dynamic/dynamic-vdso-O2": {
    why: "qemu-user 7.2 maps no vDSO for aarch64 guests; on Linux musl's loader adds the one at AT_SYSINFO_EHDR to the end of its DSO list, unnamed (ldso/dynlink.c, kernel_mapped_dso)",
    fix: (s) => `${s}object (unnamed)\n`,
  },
};

interface RecordingFile {
  oracle: string;
  /** What the runs use: the sysroot (relative to the repository when inside it) and, for Debian, the programs. */
  sysroot: string;
  runs: Recording[];
}

const DYNAMIC_TARGETS: readonly { target: string; isa: Isa; sysroot: string; interp: string }[] = [
  { target: "aarch64-glibc-dynamic", isa: "arm64", sysroot: "/usr/aarch64-linux-gnu", interp: "lib/ld-linux-aarch64.so.1" },
  { target: "x86_64-glibc-dynamic", isa: "x86_64", sysroot: "/", interp: "lib64/ld-linux-x86-64.so.2" },
  { target: "x86_64-musl-dynamic", isa: "x86_64", sysroot: "/", interp: "lib/ld-musl-x86_64.so.1" },
  // musl:arm64's loader, unpacked by scripts/dynamic/fetch-debs.sh.
  { target: "aarch64-musl-dynamic", isa: "arm64", sysroot: join(REPO, ".cache/dynamic/musl-arm64/root"), interp: "lib/ld-musl-aarch64.so.1" },
];

function which(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

function oracleName(isa: Isa): string {
  const v = (cmd: string, a: string[]) => (spawnSync(cmd, a, { encoding: "utf8" }).stdout ?? "").split("\n")[0]!.trim();
  return isa === "arm64" ? `${v("qemu-aarch64", ["--version"])} -L` : `native Linux ${v("uname", ["-r"])}`;
}

/** Why the oracle of an ISA cannot run here (undefined: it can). */
function oracleMissing(isa: Isa): string | undefined {
  if (isa === "arm64") return which("qemu-aarch64") ? undefined : "qemu-aarch64 not installed";
  return process.arch === "x64" && process.platform === "linux" ? undefined : "the host is not x86-64 Linux";
}

/** The oracle: stdout a pipe, stdin a pipe with `stdin`, exactly `env`, umask 022; bash's pipefail status (128+n on a signal). */
function runOracle(r: Run): { stdout: string; exitStatus: number } {
  const cmd = r.isa === "arm64" ? ["qemu-aarch64", "-L", r.sysroot, "-0", r.argv[0]!, r.file, ...r.argv.slice(1)] : ["/bin/bash", "-c", 'exec -a "$0" "$@"', r.argv[0]!, r.file, ...r.argv.slice(1)];
  const script = 'umask 022; set -o pipefail; printf %s "$STDIN_TEXT" | env -i "$@" | cat';
  const res = spawnSync("bash", ["-c", script, "oracle", ...r.env, ...cmd], {
    cwd: r.cwd, env: { STDIN_TEXT: r.stdin, PATH: process.env.PATH ?? "/usr/bin:/bin" }, maxBuffer: 64 << 20, timeout: 120_000,
  });
  if (res.error) throw new Error(`${r.id}: ${res.error.message}`);
  if (res.status === null) throw new Error(`${r.id}: oracle killed by ${res.signal}`);
  return { stdout: res.stdout.toString("latin1"), exitStatus: res.status };
}

const rootCache = new Map<string, HostFs>();
/** The sysroot laid over the host's / (qemu's -L: the prefix first, then the real tree). */
function rootFor(sysroot: string): HostFs {
  let fs = rootCache.get(sysroot);
  if (!fs) {
    fs = sysroot === "/" ? new NodeHostFs("/") : new LayeredHostFs([new NodeHostFs(sysroot), new NodeHostFs("/")]);
    rootCache.set(sysroot, fs);
  }
  return fs;
}

function runUabi(r: Run, mode: string): { stdout: string; exitStatus: number; reason: string } {
  let stdout = "";
  const k = new Kernel({
    mode, root: rootFor(r.sysroot), stdin: new TextEncoder().encode(r.stdin), maxInstructions: 3e9,
    stdout: (d) => { for (const b of d) stdout += String.fromCharCode(b); },
  } as unknown as KernelOptions);
  k.spawn(new Uint8Array(readFileSync(r.file)), { argv: r.argv, env: r.env, cwd: r.cwd, path: r.guestPath });
  const res = k.run();
  return { stdout, exitStatus: res.exitStatus, reason: res.reason };
}

function supportedModes(): string[] {
  const wanted = opt("--mode").length ? opt("--mode") : MECHANISMS.map((m) => m.name);
  return wanted.filter((m) => {
    try {
      new Kernel({ mode: m } as unknown as KernelOptions);
      return true;
    } catch (e) {
      if (e instanceof KernelUsageError) return false;
      throw e;
    }
  });
}

/** The recording sets: each with its file, runs and sysroot. */
interface RunSet {
  name: string;
  isa: Isa;
  file: string;
  sysroot: string;
  runs: Run[];
  /** Mechanisms to run under uabi by default. */
  allModes: boolean;
  unavailable?: string;
}

function corpusSets(): RunSet[] {
  return DYNAMIC_TARGETS.map(({ target, isa, sysroot, interp }) => {
    const dir = join(CORPUS, "bin", target);
    const names = existsSync(dir) ? readdirSync(dir).sort() : [];
    const runs = names.map((name): Run => {
      const spec = RUN_SPECS[name.replace(/-O[02]$/, "")];
      const env = Object.entries(spec?.env ?? DEFAULT_ENV).map(([a, b]) => `${a}=${b}`);
      return { id: name, isa, file: join(dir, name), guestPath: join(dir, name), argv: [`./${name}`, ...(spec?.args ?? [])], env, cwd: dir, stdin: "", sysroot };
    });
    const unavailable = !existsSync(join(sysroot, interp)) ? `no ${join(sysroot, interp)} (scripts/dynamic/fetch-debs.sh for musl:arm64)` : undefined;
    return { name: target, isa, file: join(CORPUS, "expected", target, "recordings.json"), sysroot, runs, allModes: true, ...(unavailable ? { unavailable } : {}) };
  });
}

function debianSets(): RunSet[] {
  return (["x86_64", "arm64"] as const).map((isa) => {
    const setup = debianSetup(REPO, isa);
    const runs: Run[] = [];
    if (!setup.unavailable) {
      for (const c of DEBIAN_CASES) {
        const file = findProgram(setup.sysroot, c.program);
        if (!file) throw new Error(`${isa}: ${c.program} not found in ${setup.sysroot}`);
        const guestPath = `/${file.slice(setup.sysroot.length).replace(/^\/+/, "")}`;
        runs.push({ id: c.id, isa, file, guestPath, argv: [guestPath, ...c.args], env: DEBIAN_ENV, cwd: DATA, stdin: DEBIAN_STDIN[c.id] ?? "", sysroot: setup.sysroot });
      }
    }
    return { name: `debian-${isa}`, isa, file: join(CORPUS, "debian", `${isa}.json`), sysroot: setup.sysroot, runs, allModes: FULL, ...(setup.unavailable ? { unavailable: setup.unavailable } : {}) };
  });
}

/** Runs that fail for a reason outside the loader and the kernel, per "<set>/<run id>" (any mechanism). */
const KNOWN_FAILING: Readonly<Record<string, string>> = {};

const rel = (p: string) => (p.startsWith(REPO) ? p.slice(REPO.length + 1) : p);

function main(): number {
  const t0 = performance.now();
  const sets = [...corpusSets(), ...debianSets()].filter((s) => SETS.length === 0 || SETS.includes(s.name));
  const modes = supportedModes();
  let failures = 0, passed = 0, knownCount = 0;
  const perSet: string[] = [];
  for (const set of sets) {
    const runs = set.runs.filter((r) => ONLY.length === 0 || ONLY.includes(r.id));
    if (set.unavailable) {
      console.log(`skip ${set.name}: ${set.unavailable}`);
      continue;
    }
    if (RECORD || ORACLE) {
      const why = oracleMissing(set.isa);
      if (why) {
        console.log(`skip recording ${set.name}: ${why}`);
        if (RECORD) continue;
      } else if (RECORD) {
        const recs: Recording[] = runs.map((r) => {
          const a = runOracle(r), b = runOracle(r);
          if (a.stdout !== b.stdout || a.exitStatus !== b.exitStatus) throw new Error(`${set.name}/${r.id}: the oracle is not deterministic`);
          const fix = CORRECTIONS[`${set.name}/${r.id}`];
          const rec: Recording = { id: r.id, argv: r.argv, env: r.env, stdin: r.stdin, stdout: fix ? fix.fix(a.stdout) : a.stdout, exitStatus: a.exitStatus };
          if (fix) Object.assign(rec, { correction: fix.why, oracleStdout: a.stdout });
          return rec;
        });
        const out: RecordingFile = { oracle: oracleName(set.isa), sysroot: rel(set.sysroot), runs: recs };
        mkdirSync(dirname(set.file), { recursive: true });
        writeFileSync(set.file, `${JSON.stringify(out, null, 1)}\n`);
        console.log(`recorded ${set.name}: ${recs.length} runs in ${rel(set.file)}`);
        continue;
      }
    }
    if (!existsSync(set.file)) {
      console.log(`FAIL ${set.name}: no recording ${rel(set.file)} (run with --record)`);
      failures++;
      continue;
    }
    const recorded = JSON.parse(readFileSync(set.file, "utf8")) as RecordingFile;
    const byId = new Map(recorded.runs.map((r) => [r.id, r]));
    let ok = 0, total = 0;
    for (const r of runs) {
      const rec = byId.get(r.id);
      if (!rec) {
        console.log(`FAIL ${set.name}/${r.id}: not recorded`);
        failures++;
        continue;
      }
      if (ORACLE && !oracleMissing(set.isa)) {
        const o = runOracle(r);
        if (o.stdout !== (rec.oracleStdout ?? rec.stdout) || o.exitStatus !== rec.exitStatus) {
          console.log(`FAIL ${set.name}/${r.id}: the oracle now gives exit ${o.exitStatus} and ${JSON.stringify(o.stdout.slice(0, 200))}`);
          failures++;
        }
      }
      for (const mode of set.allModes ? modes : modes.filter((m) => m === "direct")) {
        total++;
        let problem = "";
        try {
          const u = runUabi(r, mode);
          if (u.exitStatus !== rec.exitStatus) problem = `exit ${u.exitStatus} (${u.reason}), recorded ${rec.exitStatus}`;
          else if (u.stdout !== rec.stdout) problem = `stdout ${JSON.stringify(u.stdout.slice(0, 300))}, recorded ${JSON.stringify(rec.stdout.slice(0, 300))}`;
        } catch (e) {
          problem = `host exception: ${e instanceof Error ? e.message : String(e)}`;
        }
        const known = KNOWN_FAILING[`${set.name}/${r.id}`];
        if (problem && known) {
          knownCount++;
          console.log(`known ${set.name}/${r.id} --mode ${mode}: ${known}`);
        } else if (problem) {
          console.log(`FAIL ${set.name}/${r.id} --mode ${mode}: ${problem}`);
          failures++;
        } else if (known) {
          console.log(`NOW PASSES ${set.name}/${r.id} --mode ${mode}: remove it from KNOWN_FAILING in scripts/dynamic/check.ts`);
          failures++;
        } else {
          ok++;
          if (argv.includes("--verbose")) console.log(`ok   ${set.name}/${r.id} --mode ${mode}`);
        }
      }
    }
    passed += ok;
    const programs = new Set(runs.map((r) => r.file)).size;
    perSet.push(`${set.name} ${ok}/${total} (${runs.length} runs of ${programs} programs)`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (!RECORD) console.log(`dynamic programs under uabi: ${passed} runs match, ${knownCount} known failures, ${failures} new problems; ${perSet.join("; ")}; mechanisms ${modes.join(", ")}${FULL ? "" : " (Debian programs: direct)"}; ${secs} s`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = main();
