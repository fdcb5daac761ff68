/**
 * The corpus under every mechanism: each fixture must print the same stdout and exit with the same
 * status as the oracle recorded (with the corpus' documented deviations), whatever path its syscalls
 * take. The default suite runs every cheap -O2 fixture under every configuration, each expensive one
 * (10^7+ instructions) under one configuration of the family in rotation, and a representative -O0
 * subset; `UABI_CORPUS_FULL=1` runs every fixture under every configuration (as `pnpm fixtures:check`).
 */
import { describe, expect, it } from "vitest";
import { corpusFixtures, readFixtureBinary, type CorpusFixture, type TargetName } from "@uabi/test-support";
import { HEAVY, ORACLE_DEVIATIONS, libkernelStdout } from "./corpus-cases.js";
import { Kernel, type KernelOptions } from "../src/index.js";

export interface MechanismConfig {
  readonly label: string;
  readonly opts: Pick<KernelOptions, "mode" | "frame">;
}

export const REFLECTING: readonly MechanismConfig[] = [
  { label: "bounce", opts: { mode: "bounce" } },
  { label: "bounce --frame task-page", opts: { mode: "bounce", frame: "task-page" } },
  { label: "selective", opts: { mode: "selective" } },
];
export const TRAPPING: readonly MechanismConfig[] = [
  { label: "seccomp", opts: { mode: "seccomp" } },
  { label: "sud", opts: { mode: "sud" } },
  { label: "ptrace", opts: { mode: "ptrace" } },
];

/** Fixtures of 10^7+ instructions: in the default suite each runs under one configuration per family. */
const EXPENSIVE = new Set(["malloc-O2", "qsort-O2", "strings-O2", "printf-double-O2", "recursion-O2", "threads-O0", "threads-O2"]);
const FULL = process.env.UABI_CORPUS_FULL === "1";

/** -O0 builds checked in the default suite (one per kind of program: signals, threads, stdio, args, ported). */
const O0_SUBSET = new Set(["signals-O0", "threads-O0", "hello-O0", "args-O0", "ported-O0", "fault-O0", "umask-O0"]);

export function runUnder(f: CorpusFixture, opts: KernelOptions): { stdout: string; exitStatus: number } {
  let stdout = "";
  const k = new Kernel({
    ...opts,
    stdout: (d) => { for (const b of d) stdout += String.fromCharCode(b); },
    stdin: new TextEncoder().encode(f.expected.stdin),
    maxInstructions: 3e9,
  });
  const env = Object.entries(f.expected.env).map(([a, b]) => `${a}=${b}`);
  k.spawn(readFixtureBinary(f), { argv: f.expected.argv, env, cwd: "/corpus", path: `/corpus/${f.id}` });
  const exitStatus = k.run().exitStatus;
  return { stdout, exitStatus };
}

export function mechanismMatrix(target: TargetName, configs: readonly MechanismConfig[]): void {
  const fixtures = corpusFixtures(target).filter((f) => !HEAVY.has(f.id) && (FULL || f.id.endsWith("-O2") || O0_SUBSET.has(f.id)));
  configs.forEach((c, ci) => {
    describe(`corpus ${target} under ${c.label}`, () => {
      let expensive = 0;
      for (const f of fixtures) {
        if (!FULL && EXPENSIVE.has(f.id) && expensive++ % configs.length !== ci) continue;
        it(f.id, () => {
          const key = `${f.target}/${f.id}`;
          const dev = ORACLE_DEVIATIONS[key];
          const expected = dev?.adjust.kind === "libkernel-present" ? libkernelStdout(f.expected.stdout) : f.expected.stdout;
          const o = runUnder(f, c.opts);
          expect(o.stdout, `${key} stdout under ${c.label}`).toBe(expected);
          expect(o.exitStatus, `${key} exit status under ${c.label}`).toBe(f.expected.exitStatus);
        });
      }
    });
  });
}
