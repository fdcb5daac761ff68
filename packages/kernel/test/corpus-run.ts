/**
 * Runs one corpus fixture under the kernel in direct mode and returns what the
 * oracle recorded alongside what we produced (stdout, exit status, the
 * normalised `name = result` syscall sequence).
 */
import { readFixtureBinary, normaliseValue, type CorpusFixture } from "@uabi/test-support";
import { Kernel, type RunResult } from "../src/index.js";

export interface FixtureOutcome {
  stdout: string;
  exitStatus: number;
  syscalls: string[];
  result: RunResult;
  trace: string[];
}

export function runFixture(f: CorpusFixture, opts: { trace?: boolean; maxInstructions?: number; vdso?: boolean } = {}): FixtureOutcome {
  const chunks: Uint8Array[] = [];
  const trace: string[] = [];
  const k = new Kernel({
    stdout: (d) => chunks.push(d),
    stdin: new TextEncoder().encode(f.expected.stdin),
    maxInstructions: opts.maxInstructions ?? 3e9,
    vdso: opts.vdso ?? true,
    ...(opts.trace ? { trace: (l: string) => trace.push(l) } : {}),
  });
  const syscalls: string[] = [];
  k.syscallObservers.push((ev) => {
    syscalls.push(`${ev.name} = ${ev.result === undefined ? "?" : normaliseValue(ev.name, BigInt(ev.result))}`);
  });
  const env = Object.entries(f.expected.env).map(([a, b]) => `${a}=${b}`);
  k.spawn(readFixtureBinary(f), { argv: f.expected.argv, env, cwd: "/corpus", path: `/corpus/${f.id}` });
  const result = k.run();
  let stdout = "";
  for (const c of chunks) for (const b of c) stdout += String.fromCharCode(b);
  return { stdout, exitStatus: result.exitStatus, syscalls, result, trace };
}
