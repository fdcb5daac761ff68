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
export * from "./constants.js";
export {
  type FlagTable, type FlagField, type EnumTable,
  FLAG_TABLES, ENUM_TABLES, formatFlags, formatEnum, flagTable, enumTable,
} from "./format.js";
export {
  type ScalarType, type FieldLayout, type StructLayout, type Member,
  defineStruct, offsetOf, readField, writeField,
} from "./layout.js";
export { type LayoutName, LAYOUTS, layout, ARM64_SIGFRAME, X86_64_SIGFRAME } from "./layouts.js";
export {
  type InitialStackSpec, type InitialStackLayout, type StackWrite, layoutInitialStack,
} from "./initial-stack.js";
