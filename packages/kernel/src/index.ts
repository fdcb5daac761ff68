export { Kernel, defaultRlimits } from "./kernel.js";
export type {
  KernelOptions, SpawnOptions, RunResult, RunStats, SyscallEvent, EntryStage, StageOutcome, Mode, VdsoImage,
} from "./kernel.js";
export { ExecError, KernelUsageError, SyscallError, type ExecErrorKind } from "./errors.js";
export { AddressSpace, type Vma, type FileBacking } from "./mm.js";
export { Vfs, DirNode, FileNode, SymlinkNode, CharDevNode, GeneratedNode, type HostFs } from "./vfs.js";
export { NodeHostFs } from "./hostfs.js";
export { Process, Thread, type Wait } from "./task.js";
export { SyscallContext, NO_RETURN, type Handler, type SyscallRow } from "./syscall.js";
export { arm64Adapter, A64_SIGFRAME_SIZE, PSTATE_RES0 } from "./arch/arm64.js";
export { x86Adapter, X86_SIGFRAME_SIZE, FIX_EFLAGS } from "./arch/x86_64.js";
export type { ArchAdapter, SignalDelivery, FrameResult, SigreturnResult } from "./arch/types.js";
export { parseElfForExec, AT } from "./exec.js";
export { Tracer, quote } from "./trace.js";
export { checkpoint, restore, type ProcessSnapshot } from "./checkpoint.js";
export { encodeSigInfo, type SigInfo } from "./signal.js";
// The seccomp engine and the cost model (src/seccomp, src/cost: written alongside; re-exported here).
export * from "./seccomp/index.js";
export * from "./cost/index.js";
// The syscall mechanisms (src/mechanisms): the entry stage behind `mode`, SUD constants, ptrace supervisor types.
export {
  MechanismHost, MECHANISM_MODES, FRAME_VARIANTS, exemptFromSigsys, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF,
  PR_SYS_DISPATCH_EXCLUSIVE_ON, PR_SYS_DISPATCH_INCLUSIVE_ON, SYSCALL_DISPATCH_FILTER_ALLOW, SYSCALL_DISPATCH_FILTER_BLOCK,
  SYS_USER_DISPATCH, type MechanismMode, type FrameVariant, type MechanismOptions, type PtraceStop, type PtraceSupervisor,
  type SudConfig,
} from "./mechanisms/host.js";
