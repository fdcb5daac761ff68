/** Shared by the corpus tests: run one aarch64 corpus fixture on Arm64Cpu through the test-support harness. */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixtures, readFixtureBinary, runStatic, type CorpusFixture, type RunStaticResult } from "@uabi/test-support";
import { Arm64Cpu } from "../src/index.js";

export function runFixture(fx: CorpusFixture): RunStaticResult {
  const cpu = new Arm64Cpu(new GuestMemory());
  return runStatic(cpu, readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 2e9 });
}

/**
 * Fixtures that need kernel features the minimal harness does not model (its own `unhandled`
 * list says which): for these the CPU is only required to run without an undefined trap.
 */
export const HARNESS_LIMITED: Record<string, string> = {
  "ported-O0": "needs a vDSO (AT_SYSINFO_EHDR)",
  "ported-O2": "needs a vDSO (AT_SYSINFO_EHDR)",
  "signals-O0": "needs signal delivery (the deliberate SEGV must reach a handler)",
  "signals-O2": "needs signal delivery (the deliberate SEGV must reach a handler)",
  "threads-O0": "needs clone",
  "threads-O2": "needs clone",
  "umask-O0": "needs a file system (openat/unlinkat/dup)",
  "umask-O2": "needs a file system (openat/unlinkat/dup)",
};
/** Long runs, kept in files of their own (corpus-heavy, corpus-bench) so the files run in parallel. */
export const HEAVY = new Set(["malloc-O0", "malloc-O2", "strings-O0"]);
export const BENCH = new Set(["bench-O2"]);
/** 445 M instructions (~12 s of CPU): checked by scripts/run-corpus.ts and bench/mips.ts, not on every test run. */
export const TOO_SLOW_FOR_TESTS = new Set(["bench-O0"]);

export const fixtures = corpusFixtures("aarch64-glibc");
