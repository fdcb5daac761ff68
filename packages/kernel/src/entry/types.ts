/**
 * The syscall entry pipeline's vocabulary: the event a call produces, the outcome a stage decides, the call
 * record every stage reads, and the narrow set of kernel services a stage may use.
 */
import type { ArchAdapter } from "../arch/types.js";
import type { MechanismState, ThreadMech, LibkernelText } from "../mechanisms/state.js";
import type { MechanismConfig } from "../mechanisms/state.js";
import type { SigInfo } from "../signal.js";
import type { SyscallContext, SyscallRow } from "../syscall.js";
import type { Process, Thread } from "../task.js";

/** Observable per-syscall event: entry PC, the path taken through the pipeline, and the result. */
export interface SyscallEvent {
  pid: number;
  tid: number;
  /** The call's number after the pipeline decided what it is (a return-flag call carries another number). */
  nr: number;
  name: string;
  /** Address of the syscall instruction (svc #0 / syscall) itself; the caller resumes after it. */
  pc: number;
  args: readonly bigint[];
  /** The stages the call went through, in order; "dispatch" when the kernel's table ran it. */
  path: string[];
  result?: number;
  /** The path mark the mechanism chose: direct, bounce→user, bounce→kernel, sigsys, ptrace, return, reissue, intercepted, unpinned. */
  mark?: string;
}

/**
 * What a stage decides about a call. A stage never edits the call: a rewritten call is `retarget`, which the
 * pipeline applies (new number, row looked up once) before the next stage runs.
 */
export type EntryOutcome =
  | { kind: "continue" }
  /** The call is really call `nr` (the bounce return flag carries the caller's call). */
  | { kind: "retarget"; nr: number }
  /** Answered without the table: the result goes to the result register. */
  | { kind: "handled"; result: number }
  /** The task dies by `signal` (with a core, as force_sig_seccomp / force_exit_sig do). */
  | { kind: "kill"; signal: number }
  /** The thread was sent elsewhere (a bounce, a SIGSYS handler); the call does not run here and no result is written. */
  | { kind: "redirected" }
  /** The thread resumed its caller (a return-only bounce exit): no syscall of its own, so it is not counted as one. */
  | { kind: "resumed" };

/** The outcome most stages give most calls, shared so that passing a call on allocates nothing. */
export const CONTINUE: EntryOutcome = Object.freeze({ kind: "continue" });
/** The same for the bounce's two outcomes without data (the pipeline only reads an outcome, never keeps it). */
export const REDIRECTED: EntryOutcome = Object.freeze({ kind: "redirected" });
export const RESUMED: EntryOutcome = Object.freeze({ kind: "resumed" });

/** Everything a stage may read about the call being entered, computed once per entry by the pipeline. */
export interface EntryCall {
  readonly thread: Thread;
  readonly proc: Process;
  readonly arch: ArchAdapter;
  readonly isa: "arm64" | "x86_64";
  readonly ev: SyscallEvent;
  readonly ctx: SyscallContext;
  /** The call's table row (undefined for an unknown number). Updated by the pipeline on `retarget`. */
  readonly row: SyscallRow | undefined;
  /** PC after the syscall instruction (what seccomp_data.instruction_pointer and ptrace report). */
  readonly post: number;
  /** The thread's mechanism state (SUD, seccomp chains, live bounce frames, open reflections). */
  readonly mech: ThreadMech;
  /** The libkernel text serving the process, when it has one. */
  readonly lib: LibkernelText | undefined;
  /** The call was issued from inside the libkernel text. */
  readonly fromText: boolean;
}

/** What a stage may ask of the kernel. */
export interface EntryServices {
  readonly config: MechanismConfig;
  readonly mechanisms: MechanismState;
  row(isa: "arm64" | "x86_64", nr: number): SyscallRow | undefined;
  /** force_sig_info: a blocked or ignored signal is unblocked and reset to SIG_DFL, then queued. */
  forceSignal(t: Thread, si: SigInfo): void;
}

export interface EntryStage {
  readonly name: string;
  run(call: EntryCall, s: EntryServices): EntryOutcome;
  /**
   * True when, under this configuration (fixed for a kernel's life), `run` passes every call on: the pipeline
   * then leaves the stage out instead of calling it on every entry.
   */
  inert?(config: MechanismConfig): boolean;
}
