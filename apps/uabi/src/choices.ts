/** The option vocabulary of `@uabi/kernel` as tables (no imports: `uabi --help` stays fast). */

export interface Choice {
  readonly name: string;
  readonly summary: string;
}

/** `--mode` values, in the order tables print them (direct first: it is the baseline of every ratio). */
export const MECHANISMS: readonly Choice[] = [
  { name: "direct", summary: "today's Linux: svc / syscall runs in the kernel" },
  { name: "bounce", summary: "the kernel bounces every call made outside the vDSO into libkernel (the thesis)" },
  { name: "selective", summary: "only calls moved out of the kernel table are bounced" },
  { name: "seccomp", summary: "a cBPF filter traps calls from outside the vDSO with SIGSYS" },
  { name: "sud", summary: "Syscall User Dispatch: SIGSYS for calls outside the vDSO region" },
  { name: "ptrace", summary: "an out-of-process supervisor emulates stopped syscalls" },
];
export const FRAMES: readonly Choice[] = [
  { name: "stack", summary: "the bounce frame is pushed on the user stack (below the red zone on x86-64)" },
  { name: "task-page", summary: "the bounce frame lives in the per-task page (zero stack footprint)" },
];
export const LIBKERNELS: readonly Choice[] = [
  { name: "vdso", summary: "libkernel inside the vDSO (linux-vdso.so.1)" },
  { name: "library", summary: "libkernel as a standalone libkernel.so.1 mapping" },
];
export const PERSONALITIES: readonly Choice[] = [
  { name: "linux", summary: "the Linux ABI" },
  { name: "fakeroot", summary: "ids read as root; chown recorded in userspace" },
];

/** `--core` values: the CPU cores' execution tier (the kernel's `core` option; the cores' `jit` option). */
export const CORES: readonly Choice[] = [
  { name: "jit", summary: "hot guest code is translated into JavaScript that V8 compiles (the default)" },
  { name: "interp", summary: "the interpreter only: the reference, and slower" },
];

/**
 * The default mechanism of `uabi run`: `bounce`, the project's thesis (every fixture of the corpus
 * passes under it: `pnpm fixtures:check`).
 */
export const DEFAULT_MODE = "bounce";

