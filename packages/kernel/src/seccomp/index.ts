/**
 * @uabi/kernel seccomp engine: classic BPF (encode, decode, validate like Linux, interpret with an
 * instruction count), filter stacks with Linux's action precedence, SIGSYS siginfo for RET_TRAP,
 * seccomp_data (standard and vDSO-bounds extension), the exec-time vDSO window filter and a
 * disassembler. See README.md next to this file.
 */
export * from "./constants.js";
export {
  type SockFilter, type BpfProgram, type BpfRun, SOCK_FILTER_SIZE, stmt, jump, encodeProgram, decodeProgram,
  toProgram, fromProgram, runBpf, BpfEncodingError, BpfRuntimeError,
} from "./bpf.js";
export { type ValidationResult, type ValidateOptions, validateSeccompFilter, checkClassic, checkLoadAndStores, ebpfLength } from "./validate.js";
export { type SeccompData, type VdsoBounds, newSeccompDataBuffer, fillSeccompData, buildSeccompData, seccompDataField } from "./data.js";
export {
  type AttachedFilter, type CopyIn, type CopyOut, type SeccompCallEnv, type InstallDetail, type SeccompVerdict,
  type SeccompOutcome, type OutcomeEnv, SeccompState, seccompOutcome, STRICT_SYSCALLS,
} from "./stack.js";
export { type SigsysInfo, SIGINFO_SIZE, seccompSigsysInfo, encodeSigsysInfo, decodeSigsysInfo } from "./siginfo.js";
export { type AsmItem, assemble, BpfAsmError } from "./asm.js";
export { type SeccompArch, type WindowFilterOptions, AUDIT_ARCH, vdsoWindowFilter } from "./window.js";
export { disassembleBpf, disassembleInsn, describeSeccompRet, ACTION_NAMES } from "./disasm.js";
