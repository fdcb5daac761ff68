/**
 * The mechanisms' vocabulary: modes, frame variants, the SUD and SIGSYS constants of Linux's uapi, the ptrace
 * supervisor's view of a stop, and the calls a SIGSYS reflection cannot carry.
 */
import { syscallNr } from "@uabi/uapi";
import type { SyscallEvent } from "../entry/types.js";

export type MechanismMode = "direct" | "bounce" | "selective" | "seccomp" | "sud" | "ptrace";
export const MECHANISM_MODES: readonly MechanismMode[] = ["direct", "bounce", "selective", "seccomp", "sud", "ptrace"];
export type FrameVariant = "stack" | "task-page";
export const FRAME_VARIANTS: readonly FrameVariant[] = ["stack", "task-page"];

/** SUD (include/uapi/linux/prctl.h, kernel/entry/syscall_user_dispatch.c). */
export const PR_SET_SYSCALL_USER_DISPATCH = 59;
export const PR_SYS_DISPATCH_OFF = 0, PR_SYS_DISPATCH_EXCLUSIVE_ON = 1, PR_SYS_DISPATCH_INCLUSIVE_ON = 2;
export const SYSCALL_DISPATCH_FILTER_ALLOW = 0, SYSCALL_DISPATCH_FILTER_BLOCK = 1;
/** si_code for SIGSYS (include/uapi/asm-generic/siginfo.h). */
export const SYS_SECCOMP_CODE = 1, SYS_USER_DISPATCH = 2;
/** prctl options for seccomp (include/uapi/linux/prctl.h). */
export const PR_GET_SECCOMP = 21, PR_SET_SECCOMP = 22;
/** clone flags (include/uapi/linux/sched.h). */
export const CLONE_VM = 0x100, CLONE_VFORK = 0x4000;
export const M64 = (1n << 64n) - 1n;

/** A PTRACE_SYSEMU-style stop: what a supervisor sees of the call. Return a number to emulate with that result. */
export interface PtraceStop extends Readonly<Pick<SyscallEvent, "pid" | "tid" | "nr" | "name" | "args">> {
  /** PC after the syscall instruction (what PTRACE_GETREGS reports), not the event's entry PC. */
  readonly pc: number;
}
export type PtraceSupervisor = (stop: PtraceStop) => number | undefined;

/** Numbers per ISA the entry stages need to recognise. */
function numbers(arch: "arm64" | "x86_64") {
  const n = (s: string) => syscallNr(arch, s);
  const opt = (s: string) => {
    try {
      return n(s);
    } catch {
      return -1; // arm64 has no vfork
    }
  };
  return {
    rtSigreturn: n("rt_sigreturn"), rtSigprocmask: n("rt_sigprocmask"), prctl: n("prctl"), seccomp: n("seccomp"), clone: n("clone"),
    clone3: n("clone3"), vfork: opt("vfork"), sigaltstack: n("sigaltstack"), execve: n("execve"), execveat: n("execveat"),
  };
}
export const NRS = { arm64: numbers("arm64"), x86_64: numbers("x86_64") };

/**
 * Calls the kernel-installed SIGSYS mechanisms (seccomp's window filter, the `sud` mode's SUD) let
 * through from anywhere, because a reflection through a signal frame cannot carry them:
 * rt_sigreturn's state is at the caller's SP; rt_sigprocmask's effect would be undone by the
 * handler's own sigreturn (which restores the mask saved in the frame); a clone that shares the
 * address space (threads, vfork) or gets a new stack would return in the child inside the handler,
 * whose sigreturn frame is not on the child's stack. (What breaks: a real SIGSYS-based libkernel
 * has the same holes.)
 */
export function exemptFromSigsys(isa: "arm64" | "x86_64", nr: number, args: readonly bigint[]): boolean {
  const n = NRS[isa];
  if (nr === n.rtSigreturn || nr === n.rtSigprocmask || nr === n.clone3 || nr === n.vfork) return true;
  return nr === n.clone && ((args[0] ?? 0n) & BigInt(CLONE_VM)) !== 0n;
}
