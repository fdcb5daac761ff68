/**
 * The shared C corpus (fixtures/corpus): targets, how each program is run, the expected-file
 * format, oracle corrections, and the index tests iterate over.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Arch } from "@uabi/isa-core";
import type { TraceEntry } from "./trace.js";

export type TargetName = "aarch64-glibc" | "x86_64-glibc" | "x86_64-musl";

export interface Target {
  name: TargetName;
  arch: Arch;
  libc: "glibc" | "musl";
}

/** The build matrix (scripts/fixtures/targets.sh is the shell twin of this table). */
export const TARGETS: readonly Target[] = [
  { name: "aarch64-glibc", arch: "arm64", libc: "glibc" },
  { name: "x86_64-glibc", arch: "x86_64", libc: "glibc" },
  { name: "x86_64-musl", arch: "x86_64", libc: "musl" },
];

export interface RunSpec {
  /** argv after argv[0] (which is always `./<name>-<opt>`). */
  args?: string[];
  /** The complete environment (nothing is inherited). */
  env?: Record<string, string>;
  /** Threads make the syscall order nondeterministic; stdout stays exact. */
  threaded?: boolean;
}

export const DEFAULT_ENV: Readonly<Record<string, string>> = { LANG: "C", HOME: "/" };

/** Programs that need more than argv[0] and {@link DEFAULT_ENV}. */
export const RUN_SPECS: Readonly<Record<string, RunSpec>> = {
  args: { args: ["one", "two words", "", "--flag=x"], env: { LANG: "C", UABI_VAR: "uabi corpus value" } },
  threads: { threaded: true },
};

/** One recorded oracle run, as stored in fixtures/corpus/expected/<target>/<name>-<opt>.json. */
export interface ExpectedFile {
  name: string;
  target: TargetName;
  arch: Arch;
  opt: "O0" | "O2";
  argv: string[];
  env: Record<string, string>;
  stdin: string;
  /** Exact stdout bytes, one char per byte (latin1; the corpus prints ASCII). */
  stdout: string;
  /** Exit status, or 128 + n when killed by signal n. */
  exitStatus: number;
  /** `name = result`, normalised (see trace.ts), in order. */
  syscalls: string[];
  /** The same calls with their argument text, addresses replaced; for humans. */
  syscallArgs: string[];
  /** Signals the oracle saw delivered, in order. */
  signals: string[];
  /** False for threaded programs: compare the syscall multiset, not the order. */
  syscallsDeterministic: boolean;
  /** Which tool and version produced the recording. */
  oracle: string;
  /** Ids of fixtures/corpus/corrections.json rules applied to this recording. */
  corrections: string[];
  /** What the oracle printed, when a correction changed stdout. */
  oracleStdout?: string;
  /** What the oracle's syscall results were, when a correction changed them. */
  oracleSyscalls?: string[];
}

export interface Correction {
  id: string;
  /** The tool whose output this corrects (`qemu-aarch64`, `strace`). */
  oracle: string;
  targets?: TargetName[];
  programs?: string[];
  syscall?: { name: string; argsMatch?: string; from: string; to: string };
  stdout?: { from: string; to: string }[];
  oracleBehaviour: string;
  linux: string;
  citation: string;
}

export interface CorrectionsFile {
  description: string;
  corrections: Correction[];
}

/** Apply the matching correction rules to a raw recording; returns a new object. */
export function applyCorrections(raw: ExpectedFile, entries: readonly TraceEntry[], file: CorrectionsFile, oracleTool: string): ExpectedFile {
  const out: ExpectedFile = { ...raw, syscalls: [...raw.syscalls], corrections: [...raw.corrections] };
  for (const c of file.corrections) {
    if (c.oracle !== oracleTool) continue;
    if (c.targets && !c.targets.includes(raw.target)) continue;
    if (c.programs && !c.programs.includes(raw.name)) continue;
    let applied = false;
    if (c.syscall) {
      const re = c.syscall.argsMatch ? new RegExp(c.syscall.argsMatch) : undefined;
      entries.forEach((e, i) => {
        if (e.name !== c.syscall!.name || e.result !== c.syscall!.from) return;
        if (re && !re.test(e.args)) return;
        out.syscalls[i] = `${e.name} = ${c.syscall!.to}`;
        applied = true;
      });
    }
    for (const r of c.stdout ?? []) {
      if (out.stdout.includes(r.from)) {
        out.stdout = out.stdout.split(r.from).join(r.to);
        applied = true;
      }
    }
    if (applied) out.corrections.push(c.id);
  }
  if (out.stdout.length !== raw.stdout.length) {
    // Linux writes the corrected text, so the byte count of the write that carried stdout changes
    // too. Only the unambiguous case is fixed: one write(1, ...) that wrote all of stdout.
    const writes = entries.map((e, i) => [e, i] as const).filter(([e]) => (e.name === "write" || e.name === "writev") && e.args.startsWith("1,"));
    const only = writes.length === 1 ? writes[0]! : undefined;
    if (!only || only[0].result !== String(raw.stdout.length)) {
      throw new Error(`${raw.target}/${raw.name}-${raw.opt}: a stdout correction changed the length, but stdout was not written by exactly one write(1); add an explicit syscall correction`);
    }
    out.syscalls[only[1]] = `${only[0].name} = ${out.stdout.length}`;
  }
  if (out.stdout !== raw.stdout) out.oracleStdout = raw.stdout;
  if (out.syscalls.join("\n") !== raw.syscalls.join("\n")) out.oracleSyscalls = raw.syscalls;
  return out;
}

/** The repository root: the nearest ancestor of this package holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("test-support: cannot find the repository root (pnpm-workspace.yaml)");
    dir = up;
  }
}

export function corpusDir(): string {
  return join(repoRoot(), "fixtures", "corpus");
}

export interface CorpusFixture {
  /** Program name, e.g. `hello`. */
  name: string;
  target: TargetName;
  arch: Arch;
  opt: "O0" | "O2";
  /** `<name>-<opt>`, the binary's file name. */
  id: string;
  binaryPath: string;
  expected: ExpectedFile;
}

/** Every recorded fixture (optionally of one target), sorted by target then file name. */
export function corpusFixtures(target?: TargetName): CorpusFixture[] {
  const root = corpusDir();
  const out: CorpusFixture[] = [];
  for (const t of TARGETS) {
    if (target && t.name !== target) continue;
    const dir = join(root, "expected", t.name);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith(".json")) continue;
      const expected = JSON.parse(readFileSync(join(dir, f), "utf8")) as ExpectedFile;
      const id = f.slice(0, -".json".length);
      out.push({ name: expected.name, target: t.name, arch: t.arch, opt: expected.opt, id, binaryPath: join(root, "bin", t.name, id), expected });
    }
  }
  return out;
}

/** One fixture by target and id (`hello-O2`); throws when it does not exist. */
export function corpusFixture(target: TargetName, id: string): CorpusFixture {
  const f = corpusFixtures(target).find((x) => x.id === id);
  if (!f) throw new Error(`test-support: no corpus fixture ${target}/${id}`);
  return f;
}

/** The fixture's binary. */
export function readFixtureBinary(f: CorpusFixture): Uint8Array {
  return new Uint8Array(readFileSync(f.binaryPath));
}

/** What a run produced, as far as the corpus can judge it. */
export interface RunOutcome {
  stdout: string;
  exitStatus: number;
  syscalls: readonly string[];
}

/**
 * Differences between a run and a recording, as readable one-line messages (empty when they agree):
 * stdout (first differing offset), exit status, and the syscall trace — in order, or as a multiset
 * when the recording says the order is not deterministic (threads).
 */
export function compareRun(run: RunOutcome, expected: ExpectedFile, opts: { syscalls?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (run.stdout !== expected.stdout) {
    let i = 0;
    while (i < run.stdout.length && run.stdout[i] === expected.stdout[i]) i++;
    const show = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 40));
    problems.push(`stdout differs at byte ${i}: got ${show(run.stdout)}, want ${show(expected.stdout)}`);
  }
  if (run.exitStatus !== expected.exitStatus) problems.push(`exit status ${run.exitStatus}, want ${expected.exitStatus}`);
  if (opts.syscalls === false) return problems;
  if (expected.syscallsDeterministic) {
    const n = Math.max(run.syscalls.length, expected.syscalls.length);
    for (let i = 0; i < n; i++) {
      if (run.syscalls[i] !== expected.syscalls[i]) {
        problems.push(`syscall #${i}: got ${run.syscalls[i] ?? "(none)"}, want ${expected.syscalls[i] ?? "(none)"} (${expected.syscallArgs[i] ?? ""})`);
        break;
      }
    }
  } else {
    const count = new Map<string, number>();
    for (const s of expected.syscalls) count.set(s, (count.get(s) ?? 0) + 1);
    for (const s of run.syscalls) count.set(s, (count.get(s) ?? 0) - 1);
    const off = [...count].filter(([, c]) => c !== 0).map(([s, c]) => `${s} ×${c > 0 ? `-${c}` : `+${-c}`}`);
    if (off.length) problems.push(`syscall multiset differs: ${off.slice(0, 8).join(", ")}`);
  }
  return problems;
}
