/**
 * Corpus runs that fail under a mechanism today, each with what goes wrong. scripts/check/corpus.ts
 * reports them as "known" instead of failing, and FAILS when one of them passes (so the entry is
 * removed the day the kernel is fixed). Keys: `<target>/<program>` (both -O0 and -O2) and the mode.
 */
export interface KnownFailure {
  readonly programs: readonly string[];
  readonly modes: readonly string[];
  readonly what: string;
}

/**
 * Empty today. Before the kernel's fix of 2026-11-27 it held signals and threads under seccomp and sud
 * (a mask change re-issued from the SIGSYS handler undone by rt_sigreturn; clone re-issued from the
 * handler). Add an entry as `{ programs: ["x86_64-musl/threads"], modes: ["sud"], what: "..." }`.
 */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

/** The known failure covering this run, if any. */
export function knownFailure(target: string, program: string, mode: string): KnownFailure | undefined {
  return KNOWN_FAILURES.find((k) => k.modes.includes(mode) && k.programs.includes(`${target}/${program}`));
}
