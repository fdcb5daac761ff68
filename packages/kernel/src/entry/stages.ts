/**
 * The syscall entry stages, in the order the kernel runs them: the single source of truth for that order
 * (docs/architecture.md's diagram and the README's are tested against ENTRY_ORDER).
 *
 * Linux's syscall_trace_enter runs Syscall User Dispatch, then the ptrace entry stop, then seccomp, before
 * anything dispatches the call; uabi keeps that order and puts what is new after it: the bounce dispatches a
 * call to libkernel only once tracing and the program's own filters have seen it. Pinning checks where the
 * call came from before anything else (OpenBSD checks pins at syscall entry); the return flag is decoded with
 * the syscall number, before anyone looks at the number.
 */
import { bounceStage } from "./bounce.js";
import { controlStage } from "./control.js";
import { pinStage } from "./pin.js";
import { ptraceStage } from "./ptrace.js";
import { returnFlagStage } from "./return-flag.js";
import { seccompStage } from "./seccomp.js";
import { sudStage } from "./sud.js";
import type { EntryStage } from "./types.js";

export const ENTRY_STAGES: readonly EntryStage[] = [pinStage, sudStage, returnFlagStage, ptraceStage, seccompStage, bounceStage, controlStage];

/** The stage names and the final table dispatch, in order. */
export const ENTRY_ORDER: readonly string[] = [...ENTRY_STAGES.map((s) => s.name), "dispatch"];
