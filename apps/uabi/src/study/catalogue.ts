/**
 * The catalogue of what a mechanism breaks: every difference `uabi study` finds between a run and the direct run
 * of the same workload is attributed to one of these causes, or reported as unexplained. Each entry says why in one
 * line, where Linux decides it, and whether uabi fixed it or it is a property of the mechanism (and why).
 *
 * `detect` reads the run's evidence (the program's own calls, the path marks, the configuration): it says the cause
 * is present; `explains` lists the kinds of difference it accounts for.
 */
import { mediatesAll, sigsysBased, type StudyConfig } from "./configs.js";
import type { Observation } from "./observe.js";

export type DiffKind = "stdout" | "stderr" | "exit" | "files" | "syscalls" | "signals" | "unmediated";
export const DIFF_KINDS: readonly DiffKind[] = ["stdout", "stderr", "exit", "files", "syscalls", "signals", "unmediated"];
const ALL: readonly DiffKind[] = DIFF_KINDS;

export interface Cause {
  readonly id: string;
  readonly title: string;
  /** One line: what happens. */
  readonly explanation: string;
  /** Where Linux decides it (file and function). */
  readonly linux: string;
  readonly status: { readonly kind: "fixed"; readonly how: string } | { readonly kind: "property"; readonly because: string };
  /** The configurations where it can show. */
  readonly mechanisms: string;
  /** The provoking workload (`study:<id>`), or why there is none in the study. */
  readonly provoker: string;
  readonly explains: readonly DiffKind[];
  readonly detect?: (e: Evidence) => boolean;
}

export interface Evidence {
  readonly config: StudyConfig;
  readonly run: Observation;
  readonly direct: Observation;
}

const called = (o: Observation, name: string, pred: (args: readonly string[]) => boolean = () => true): boolean =>
  o.calls.some((c) => c.name === name && pred(c.args));
const arg = (a: readonly string[], i: number): bigint => BigInt(a[i] ?? "0");

export const CATALOGUE: readonly Cause[] = [
  {
    id: "sigaltstack", title: "sigaltstack undone by the SIGSYS handler's rt_sigreturn",
    explanation: "the program's sigaltstack is re-issued inside the SIGSYS handler and succeeds, then the handler's rt_sigreturn restores the alternate-stack settings saved in the SIGSYS frame, undoing it",
    linux: "kernel/signal.c restore_altstack(), called by rt_sigreturn (arch/arm64/kernel/signal.c, arch/x86/kernel/signal_64.c)",
    status: { kind: "fixed", how: "the SIGSYS path writes a successful re-issued sigaltstack's new settings into the SIGSYS frame's uc_stack (packages/kernel/src/entry/control.ts), so the handler's rt_sigreturn installs them" },
    mechanisms: "seccomp, sud", provoker: "study:sigaltstack", explains: ALL,
    detect: (e) => sigsysBased(e.config) && called(e.run, "sigaltstack", (a) => arg(a, 0) !== 0n),
  },
  {
    id: "own-seccomp-filter", title: "the program's own seccomp filter skipped for calls answered in userspace",
    explanation: "a call the SIGSYS handler answers itself (getpid, umask, uname…) never enters the kernel as the program's call, so the program's filter never sees it",
    linux: "kernel/entry/common.c syscall_trace_enter(): SUD returns before __secure_computing(); kernel/seccomp.c seccomp_run_filters(): the most severe action wins (KILL > TRAP > ERRNO)",
    status: {
      kind: "property", because: "under seccomp the mechanism's RET_TRAP outranks the program's ERRNO, and under SUD dispatch precedes seccomp; only a libkernel that interprets the program's cBPF itself could carry it (fixed for bounce and selective: the seccomp stage runs before the bounce)",
    },
    mechanisms: "seccomp, sud (fixed: bounce, selective)", provoker: "study:own-filter", explains: ALL,
    detect: (e) => sigsysBased(e.config) && (called(e.run, "seccomp") || called(e.run, "prctl", (a) => arg(a, 0) === 22n)),
  },
  {
    id: "sud-toggled", title: "the program switches SUD off",
    explanation: "a task has one SUD setting: the program's prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF) would switch off the mechanism's dispatch and every later call would reach the kernel unmediated",
    linux: "kernel/entry/syscall_user_dispatch.c set_syscall_user_dispatch()",
    status: { kind: "fixed", how: "the sud mechanism's own dispatch is kept apart from the program's SUD (a second slot); the program's prctl configures only its own" },
    mechanisms: "sud", provoker: "study:sud-off", explains: ["unmediated", "syscalls", "signals"],
    detect: (e) => e.config.mode === "sud" && called(e.run, "prctl", (a) => arg(a, 0) === 59n),
  },
  {
    id: "own-sigsys-handler", title: "the program installs its own SIGSYS handler",
    explanation: "a process has one SIGSYS disposition: the program's rt_sigaction(SIGSYS) replaces libkernel's handler — by installing its own, or by resetting it to SIG_DFL as glibc's posix_spawn child and bash's `trap … EXIT` do — so the next reflection lands in the program or kills it with SIGSYS",
    linux: "kernel/signal.c do_sigaction(); kernel/seccomp.c seccomp_send_sigsys() / syscall_user_dispatch.c force_sig_fault",
    status: { kind: "property", because: "chaining would need libkernel to virtualise rt_sigaction(SIGSYS) and forward the program's own SIGSYS (not done)" },
    mechanisms: "seccomp, sud", provoker: "study:own-sigsys", explains: ALL,
    detect: (e) => sigsysBased(e.config) && called(e.run, "rt_sigaction", (a) => arg(a, 0) === 31n && arg(a, 1) !== 0n),
  },
  {
    id: "sigsys-blocked", title: "the program blocks SIGSYS",
    explanation: "a reflection SIGSYS must arrive while the program blocks it (glibc blocks every signal around clone)",
    linux: "kernel/signal.c force_sig_info_to_task(): a forced signal is unblocked",
    status: { kind: "fixed", how: "the reflection is delivered even when blocked; the frame saves the program's mask and rt_sigreturn restores it" },
    // Fixed: it explains no difference (one showing up would be a regression, reported as unexplained).
    mechanisms: "seccomp, sud", provoker: "study:sigsys-blocked", explains: [],
    detect: (e) => sigsysBased(e.config) && called(e.run, "rt_sigprocmask", (a) => arg(a, 0) !== 1n && arg(a, 1) !== 0n),
  },
  {
    id: "signal-in-reflection", title: "a signal raised by a reflected call is delivered inside the SIGSYS handler",
    explanation: "raise()/kill() of the caller itself is re-issued from the SIGSYS handler, so the signal is delivered on return to the handler: the program's handler runs nested in libkernel's, with SIGSYS in its mask, before libkernel's rt_sigreturn",
    linux: "kernel/entry/common.c exit_to_user_mode_loop() → arch_do_signal_or_restart(): pending signals are delivered on the return to user mode, here the handler",
    status: { kind: "property", because: "the re-issue returns to the SIGSYS handler, not to the program; deferring the signal to the handler's sigreturn would need the kernel to know the reflection's extent (seen in the corpus `signals` program)" },
    mechanisms: "seccomp, sud", provoker: "corpus signals (raise → tgkill)", explains: ["signals", "syscalls"],
    detect: (e) => sigsysBased(e.config) && e.run.calls.some((c) => ["kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"].includes(c.name)),
  },
  {
    id: "vdso-unmapped", title: "the vDSO unmapped or remapped",
    explanation: "the mechanism's code is in the vDSO, an ordinary special mapping the program may munmap or mremap; every later reflected call faults",
    linux: "mm/mmap.c _install_special_mapping(); arch/x86/entry/vdso/vma.c vdso_mremap()",
    status: { kind: "property", because: "the kernel lets a process unmap its vDSO; with --libkernel library the vDSO no longer matters (the library could be unmapped the same way)" },
    mechanisms: "bounce, selective, seccomp, sud", provoker: "study:vdso-unmap", explains: ALL,
    detect: (e) => e.config.mode !== "direct" && e.config.mode !== "ptrace" && e.run.calls.some((c) => (c.name === "munmap" || c.name === "mremap" || c.name === "mprotect") && BigInt(c.args[0] ?? "0") === e.run.vdsoBase),
  },
  {
    id: "vdso-bypass", title: "a jump to a vDSO syscall instruction bypasses the mechanism",
    explanation: "the trusted region is an address range, so a jump into the vDSO's own syscall instruction looks like libkernel's call and reaches the kernel unmediated",
    linux: "kernel/entry/syscall_user_dispatch.c (region test on the instruction pointer); seccomp_data.instruction_pointer (include/uapi/linux/seccomp.h)",
    status: { kind: "property", because: "without pinning the kernel cannot tell the jump from libkernel's re-issue; `--pin` defeats it (cause pin-refused)" },
    mechanisms: "bounce, selective, seccomp, sud (not --libkernel library: the vDSO is outside the trusted text there)", provoker: "study:vdso-bypass", explains: ["unmediated"],
    detect: (e) => e.run.unmediated.some((u) => u.fromText),
  },
  {
    id: "pin-refused", title: "pinning refused a jump into the vDSO",
    explanation: "with pinned syscall sites a syscall from the libkernel text at a site not declared for that number kills the task with SIGSYS: the bypass defeated",
    linux: "OpenBSD sys/sys/syscall_mi.h pin_check() (pinsyscalls(2); OpenBSD sends SIGABRT); Linux's nearest is seccomp's SECCOMP_RET_KILL (kernel/seccomp.c)",
    status: { kind: "fixed", how: "the defence itself: `uabi run --pin` / the +pin configurations" },
    mechanisms: "+pin configurations", provoker: "study:vdso-bypass", explains: ALL,
    detect: (e) => (e.run.marks.unpinned ?? 0) > 0,
  },
  {
    id: "red-zone", title: "the x86-64 red zone",
    explanation: "leaf code may keep data in the 128 bytes below rsp; a frame pushed at rsp would clobber it",
    linux: "arch/x86/kernel/signal.c get_sigframe(): sp -= 128 on x86-64",
    status: { kind: "fixed", how: "the bounce frame (and every signal frame) goes below rsp − 128" },
    mechanisms: "bounce, selective (x86-64)", provoker: "study:red-zone", explains: ALL,
  },
  {
    id: "exempt-calls", title: "calls a SIGSYS reflection cannot carry run unmediated",
    explanation: "rt_sigreturn, rt_sigprocmask and clones sharing the address space (threads, vfork) are let through from anywhere: the handler's own sigreturn would undo or misplace them",
    linux: "arch/*/kernel/signal.c rt_sigreturn (state at the caller's SP); kernel/fork.c copy_process (the child returns on its own stack)",
    status: { kind: "property", because: "a signal frame cannot carry them; the study does not count them as unmediated" },
    mechanisms: "seccomp, sud", provoker: "none needed: every threaded or forking workload makes them", explains: [],
  },
  {
    id: "ptrace-view", title: "a tracer's view",
    explanation: "tracing precedes the bounce, so a PTRACE_SYSCALL tracer sees a pass-through call twice: at the program's site and at libkernel's re-issue",
    linux: "kernel/entry/common.c syscall_trace_enter() → ptrace_report_syscall_entry()",
    status: { kind: "property", because: "the re-issue is a real syscall from the vDSO; not visible to the program (packages/kernel/test/mechanism-paths.test.ts pins it)" },
    mechanisms: "bounce, selective, seccomp, sud with a tracer", provoker: "none in the study (no tracer attached): kernel test", explains: [],
  },
  {
    id: "thread-interleaving", title: "threads interleave differently",
    explanation: "handler instructions shift the round-robin quantum, so a threaded program's futex traffic and call order differ while its output does not",
    linux: "kernel/futex/waitwake.c (futex waits depend on timing)",
    status: { kind: "property", because: "scheduling is timing-dependent on Linux too; only the order of calls differs" },
    mechanisms: "every mechanism", provoker: "corpus threads", explains: ["syscalls"],
    detect: (e) => called(e.run, "clone", (a) => (arg(a, 0) & 0x10000n) !== 0n) || called(e.run, "clone3"),
  },
  {
    id: "cancel-point-pc", title: "pthread cancellation points are recognised by PC",
    explanation: "musl's cancellation handler acts on a cancel request only if the interrupted PC lies inside its own syscall sequence (__cp_begin…__cp_end); a blocking call that libkernel re-issues from the vDSO is interrupted at a vDSO PC, so the request waits for the next cancellation point (libc-test regression/pthread_cond_wait-cancel_ignored)",
    linux: "arch/*/kernel/signal.c setup_rt_frame() (the frame's PC is where the task was interrupted); musl src/thread/pthread_cancel.c cancel_handler",
    status: { kind: "property", because: "the interrupted PC really is in the vDSO; presenting the program's site instead would need the kernel to rewrite the reflection's frame and abandon it when the handler moves the PC (not done)" },
    mechanisms: "bounce, seccomp, sud (a pass-through blocking call)", provoker: "libc-test regression/pthread_cond_wait-cancel_ignored (docs/suites.md)", explains: [],
  },
  {
    id: "frame-on-unmapped-stack", title: "a thread unmaps the stack its mechanism frame is on",
    explanation: "musl's detached-thread exit unmaps its own stack with munmap and then calls exit; the bounce frame or the SIGSYS frame of that munmap sits on the stack being unmapped, so returning through it faults (SIGSEGV) before exit runs (libc-test regression/pthread-robust-detach)",
    linux: "arch/*/kernel/signal.c get_sigframe() (a signal frame goes on the current stack unless SA_ONSTACK); musl src/thread/*/__unmapself.s",
    status: { kind: "property", because: "the frame must live somewhere the program owns; bounce with --frame task-page keeps it off the stack, a SIGSYS handler would need its own sigaltstack (not done)" },
    mechanisms: "bounce (stack frame), seccomp, sud", provoker: "libc-test regression/pthread-robust-detach (docs/suites.md)", explains: [],
  },
  {
    id: "signal-mid-bounce", title: "a signal arriving mid-bounce",
    explanation: "a signal delivered while a call is in libkernel runs its handler on the caller's stack (the task-page frame) and a blocking read is restarted or returns EINTR per SA_RESTART",
    linux: "arch/*/kernel/signal.c handle_signal() / syscall restart (-ERESTARTSYS)",
    status: { kind: "fixed", how: "signals are delivered on the caller's stack (mechanisms.signalStack); kernel test mechanism-paths 'task-page frame and signals'" },
    mechanisms: "bounce (task-page)", provoker: "none in the study yet (no timers: the kernel test provokes it)", explains: [],
  },
  {
    id: "checkpoint-vdso-layout", title: "checkpoint/restore across vDSO layouts",
    explanation: "a process stopped inside the vDSO and restored onto a kernel whose vDSO has another layout resumes at a stale PC",
    linux: "CRIU restores the vDSO by remapping the kernel's (arch/x86/entry/vdso/vma.c vdso_mremap)",
    status: { kind: "property", because: "the snapshot excludes [vdso]; with --libkernel library the handler text is part of the snapshot (packages/kernel/test/checkpoint.test.ts)" },
    mechanisms: "bounce, seccomp, sud", provoker: "none in the study (no checkpoint step): kernel test", explains: [],
  },
];

export const causeById = (id: string): Cause | undefined => CATALOGUE.find((c) => c.id === id);

export interface Classification {
  /** Causes present in this run that account for at least one difference. */
  causes: string[];
  /** Kinds of difference no detected cause accounts for. */
  unexplained: DiffKind[];
}

/** Attribute a run's differences from direct to causes; what no cause explains is listed as unexplained. */
export function classify(e: Evidence, diffs: readonly DiffKind[]): Classification {
  if (diffs.length === 0) return { causes: [], unexplained: [] };
  const present = CATALOGUE.filter((c) => c.detect?.(e));
  const causes = present.filter((c) => diffs.some((d) => c.explains.includes(d))).map((c) => c.id);
  const unexplained = diffs.filter((d) => !present.some((c) => c.explains.includes(d)));
  return { causes, unexplained };
}

/** mediatesAll re-exported for the observer (which calls count as unmediated). */
export { mediatesAll };
