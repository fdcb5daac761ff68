/**
 * @uabi/vdso — generates the vDSO image (and the standalone libkernel.so variant) per ISA from
 * libkernel's IR handlers and policy, plus the per-ISA glue the kernel jumps to.
 */
export {
  type BuildOptions, type Variant, type VdsoImage, type ImageSymbol,
  buildVdso, VdsoBuildError, LINUX_VERSION_CODE, LIBKERNEL_VERSIONS,
} from "./image.js";
export type { FuncSpec, GenContext, TextResult, CfiMark } from "./codegen.js";
// The bounce contract and page layouts live in @uabi/libkernel; re-exported for the kernel's convenience.
export { BOUNCE, TASK_PAGE, FS_PAGE, VVAR_PAGE, UTS_PAGE, PAGE_PLACEMENT, CLOCK_MODE, VVAR_NCLOCKS } from "@uabi/libkernel";
export { type ListingLine, type ListingFunction, disassembleCode, listFunctions, disassemblyListing } from "./disasm.js";
export { type LoweredCode, type LowerOptions, lowerHandlers } from "./lower.js";
