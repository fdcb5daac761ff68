export { Kernel, defaultRlimits } from "./kernel.js";
export type { KernelOptions, SpawnOptions, RunResult, RunStats, Mode, VdsoImage } from "./types.js";
export type { SyscallEvent, EntryStage, EntryOutcome, EntryCall, EntryServices } from "./entry/types.js";
export { ENTRY_STAGES, ENTRY_ORDER } from "./entry/stages.js";
export type { EntryPipeline } from "./entry/pipeline.js";
export type { KernelServices } from "./services.js";
export { waitStatus } from "./signal-delivery.js";
export { ExecError, KernelUsageError, SyscallError, type ExecErrorKind } from "./errors.js";
export { AddressSpace, type Vma, type FileBacking } from "./mm.js";
export { Vfs, DirNode, FileNode, FileTooBigError, SymlinkNode, CharDevNode, GeneratedNode, type HostFs } from "./vfs.js";
export { LayeredHostFs } from "./layered-hostfs.js";
export { Process, Thread, type Wait } from "./task.js";
export { SyscallContext, NO_RETURN, type Handler, type SyscallRow } from "./syscall.js";
export { syscallSupport, SYSCALL_NOTES, type SyscallSupport, type Support } from "./syscalls/notes.js";
export { arm64Adapter, A64_SIGFRAME_SIZE, PSTATE_RES0 } from "./arch/arm64.js";
export { x86Adapter, X86_SIGFRAME_SIZE, FIX_EFLAGS } from "./arch/x86_64.js";
export type { ArchAdapter, SignalDelivery, FrameResult, SigreturnResult } from "./arch/types.js";
export { parseElfForExec, AT } from "./exec.js";
export { Tracer, quote } from "./trace.js";
export { checkpoint, restore, type ProcessSnapshot } from "./checkpoint.js";
export { encodeSigInfo, type SigInfo } from "./signal.js";
// The seccomp engine and the cost model (src/seccomp, src/cost).
export * from "./seccomp/index.js";
export * from "./cost/index.js";
// The syscall mechanisms (src/mechanisms): modes, SUD constants, ptrace supervisor types, per-thread state.
export {
  MECHANISM_MODES, FRAME_VARIANTS, exemptFromSigsys, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF,
  PR_SYS_DISPATCH_EXCLUSIVE_ON, PR_SYS_DISPATCH_INCLUSIVE_ON, SYSCALL_DISPATCH_FILTER_ALLOW, SYSCALL_DISPATCH_FILTER_BLOCK,
  SYS_USER_DISPATCH, type MechanismMode, type FrameVariant, type PtraceStop, type PtraceSupervisor,
} from "./mechanisms/modes.js";
export { MechanismState, type MechanismConfig, type SudConfig } from "./mechanisms/state.js";
