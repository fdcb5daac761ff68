/**
 * How each corpus fixture is checked under the kernel (direct mode): stdout, exit status and the
 * normalised syscall sequence must equal the oracle recording, except where listed here with the
 * reason. Three lists keep the state honest:
 *
 * - KNOWN_FAILING: fixtures that fail today because of a missing piece (an ISA instruction, a
 *   syscall); their test is `it.fails`, so it breaks (and must be removed from the list) the day
 *   the fixture passes.
 * - ORACLE_DEVIATIONS: where the recording is not what Linux does (the oracle's own behaviour or a
 *   recording artefact); the expectation is adjusted as described, never dropped silently.
 * - HEAVY: fixtures of 10^8+ instructions, run only with UABI_CORPUS_FULL=1 (see corpus-heavy.test.ts).
 */
import type { CorpusFixture } from "@uabi/test-support";

export const KNOWN_FAILING: Readonly<Record<string, string>> = {};

export type Adjust =
  /** Replace an expected `name = result` entry (first match) with another. */
  | { kind: "replace-syscall"; from: string; to: string | ((f: CorpusFixture) => string) }
  /** Compare the syscall sequence of a run without a vDSO (the oracle mapped none). */
  | { kind: "no-vdso-sequence" }
  /** The recording of the sequence is unusable: compare stdout and exit status only. */
  | { kind: "stdout-only" }
  /** Our vDSO exports libkernel: the program finds it, where the real kernel's has none. */
  | { kind: "libkernel-present" };

export interface Deviation {
  why: string;
  adjust: Adjust;
}

const qemuFd3: Deviation = {
  why: "qemu-aarch64 keeps a descriptor of its own open at fd 3, so the guest's first open got 4; Linux hands out the lowest free descriptor (fs/file.c alloc_fd), which is 3 here, as the native x86-64 recordings show",
  adjust: { kind: "replace-syscall", from: "openat = 4", to: "openat = 3" },
};
const qemuNoVdso: Deviation = {
  why: "qemu-user maps no vDSO for aarch64 guests; with Linux's vDSO glibc's static startup allocates the vDSO link map from the heap, so one brk fewer follows; the sequence is compared on a run without a vDSO (it matches exactly) and stdout/exit on the normal run",
  adjust: { kind: "no-vdso-sequence" },
};
const qemuThreads: Deviation = {
  why: "qemu's -strace log interleaves the threads' lines, and the recording misparses them (e.g. `clone = -ENOSYS`, `futex = -ENOSYS`); only stdout and exit status are usable",
  adjust: { kind: "stdout-only" },
};
const libkernel: Deviation = {
  why: "the recording ran on a real kernel, whose vDSO exports no libkernel; ours does, so the program reports the __kernel_* symbols as found and calls them in userspace (no getpid/umask/personality/uname syscalls)",
  adjust: { kind: "libkernel-present" },
};

export const ORACLE_DEVIATIONS: Readonly<Record<string, Deviation>> = {
  "aarch64-glibc/umask-O0": qemuFd3,
  "aarch64-glibc/umask-O2": qemuFd3,
  "aarch64-glibc/qsort-O0": qemuNoVdso,
  "aarch64-glibc/qsort-O2": qemuNoVdso,
  "aarch64-glibc/threads-O0": qemuThreads,
  "aarch64-glibc/threads-O2": qemuThreads,
  "aarch64-glibc/ported-O0": libkernel,
  "aarch64-glibc/ported-O2": libkernel,
  "x86_64-glibc/ported-O0": libkernel,
  "x86_64-glibc/ported-O2": libkernel,
  "x86_64-musl/ported-O0": libkernel,
  "x86_64-musl/ported-O2": libkernel,
};

/** The CPU-bound benchmark and the -O0 malloc churn (10^8+ instructions): seconds to tens of seconds each. */
export const HEAVY = new Set(["bench-O0", "bench-O2", "malloc-O0"]);

/**
 * The stdout the ported program prints when the vDSO exports libkernel: the symbols are found, and
 * with `__kernel_uname@LIBKERNEL_1` present it also prints the old_utsname it fills (ported.c).
 */
export function libkernelStdout(expected: string): string {
  return expected
    .replace("libkernel: absent", "libkernel: present")
    .replace(/^(__kernel_\w+@LIBKERNEL_\d): absent$/gm, "$1: found")
    .replace(/^uname: (.*)$/m, "old uname: $1\nuname: $1");
}

/** Futex traffic depends on thread interleaving (contention), so nondeterministic fixtures compare without it. */
export function withoutFutex(xs: readonly string[]): string[] {
  return xs.filter((x) => !x.startsWith("futex ")).sort();
}
