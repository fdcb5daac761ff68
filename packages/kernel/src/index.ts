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
export { encodeSigInfo, type SigInfo } from "./signal.js";
// The seccomp engine and the cost model (src/seccomp, src/cost: written alongside; re-exported here).
export * from "./seccomp/index.js";
export * from "./cost/index.js";
