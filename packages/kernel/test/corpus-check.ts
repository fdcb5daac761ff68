/** The assertions shared by corpus.test.ts and corpus-heavy.test.ts. */
import { expect } from "vitest";
import type { CorpusFixture } from "@uabi/test-support";
import { ORACLE_DEVIATIONS, libkernelStdout, withoutFutex } from "./corpus-cases.js";
import { runFixture } from "./corpus-run.js";

export function checkFixture(f: CorpusFixture): void {
  const key = `${f.target}/${f.id}`;
  const dev = ORACLE_DEVIATIONS[key];
  const o = runFixture(f);
  let stdout = f.expected.stdout;
  let syscalls = [...f.expected.syscalls];
  if (dev?.adjust.kind === "libkernel-present") stdout = libkernelStdout(stdout);
  expect(o.stdout, `${key} stdout`).toBe(stdout);
  expect(o.exitStatus, `${key} exit status`).toBe(f.expected.exitStatus);
  if (dev?.adjust.kind === "stdout-only" || dev?.adjust.kind === "libkernel-present") return;
  let got = o.syscalls;
  if (dev?.adjust.kind === "replace-syscall") {
    const a = dev.adjust;
    const i = syscalls.indexOf(a.from);
    expect(i, `${key}: the deviation ${a.from} is still in the recording`).toBeGreaterThanOrEqual(0);
    syscalls[i] = typeof a.to === "string" ? a.to : a.to(f);
  }
  if (dev?.adjust.kind === "no-vdso-sequence") got = runFixture(f, { vdso: false }).syscalls;
  if (f.expected.syscallsDeterministic) expect(got, `${key} syscalls`).toEqual(syscalls);
  else expect(withoutFutex(got), `${key} syscalls (as a multiset, futex aside)`).toEqual(withoutFutex(syscalls));
}
