/**
 * Corpus runs that fail under a mechanism today, each with what goes wrong. scripts/check/corpus.ts
 * reports them as "known" instead of failing, and FAILS when one of them passes (so the entry is
 * removed the day the kernel is fixed). Keys: `<target>/<program>` (both -O0 and -O2) and the mode.
 * Found by `pnpm fixtures:check` on 2026-11-27 against the kernel of commit 7481828.
 */
export interface KnownFailure {
  readonly programs: readonly string[];
  readonly modes: readonly string[];
  readonly what: string;
}

const TARGETS = ["aarch64-glibc", "x86_64-glibc", "x86_64-musl"];
const each = (name: string) => TARGETS.map((t) => `${t}/${name}`);

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    programs: each("signals"), modes: ["seccomp", "sud"],
    what: "a signal blocked with sigprocmask is delivered anyway: the call is re-issued from the SIGSYS handler, and rt_sigreturn then restores the handler's saved mask (uc_sigmask) over the new one",
  },
  {
    programs: each("threads"), modes: ["seccomp", "sud"],
    what: "pthread_create crashes (SIGSEGV, exit 139): clone is re-issued from the SIGSYS handler, so the child starts inside the handler's signal frame on the parent's stack",
  },
];

/** The known failure covering this run, if any. */
export function knownFailure(target: string, program: string, mode: string): KnownFailure | undefined {
  return KNOWN_FAILURES.find((k) => k.modes.includes(mode) && k.programs.includes(`${target}/${program}`));
}
