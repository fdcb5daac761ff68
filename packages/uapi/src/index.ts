export { type Arch, type PerArch, ARCHES, UapiError } from "./arch.js";
export {
  type ArgKind, type ArgSpec, type RetKind, type SyscallInfo,
  syscalls, syscallByName, syscallByNr, syscallNr, parseArgs,
} from "./syscalls.js";
export { ERRNO, KERNEL_ERRNO, MAX_ERRNO, errnoName, errnoMessage, errnoTable } from "./errno.js";
export {
  type SignalDefaultAction, SIGNALS, NSIG, SIGRTMIN, SIGRTMAX, UNBLOCKABLE_SIGNALS,
  signalName, signalDefaultAction, sigmask,
} from "./signals.js";
