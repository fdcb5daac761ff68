/**
 * @uabi/libkernel — the userspace half of the Linux ABI.
 *
 * - `ir`: the portable handler IR and its builder; `interp`: the reference interpreter.
 * - `handlers`: every handler, written once in the IR.
 * - `policy`: which syscalls each ISA handles in userspace, rewrites, or passes through.
 * - `layout`: the page layouts and the bounce contract shared with the kernel and the vDSO.
 */
export * from "./layout.js";
export * from "./ir.js";
export * from "./interp.js";
export { type Abi, type StatLayout, abiFor, K } from "./abi.js";
export * as handlers from "./handlers.js";
export {
  type Disposition, type Personality, type PolicyEntry, type DispatchPolicy, type PolicyOptions,
  PolicyError, PERSONALITIES, POLICY_ROWS, dispatchPolicy, versionedExtras,
} from "./policy.js";
export {
  type CaseCtx, type MemWrite, type KernelFn, type ConformanceCase,
  type SyscallRecord, CONFORMANCE_CASES, conformanceCases, caseHandler, caseMismatches,
} from "./conformance.js";
