/**
 * @uabi/kernel seccomp engine: classic BPF (encode, decode, validate like Linux, interpret with an
 * instruction count), filter stacks with Linux's action precedence, SIGSYS siginfo for RET_TRAP,
 * seccomp_data (standard and vDSO-bounds extension), the exec-time vDSO window filter and a
 * disassembler. See README.md next to this file.
 */
// Errno and signal numbers are not re-exported (they belong to @uabi/uapi); seccomp/BPF names are.
export {
  BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_RET, BPF_MISC, BPF_W, BPF_H, BPF_B, BPF_IMM, BPF_ABS, BPF_IND,
  BPF_MEM, BPF_LEN, BPF_MSH, BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD,
  BPF_XOR, BPF_JA, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_K, BPF_X, BPF_A, BPF_TAX, BPF_TXA, BPF_MAXINSNS, BPF_MEMWORDS,
  SKF_AD_OFF, MAX_INSNS_PER_PATH, FILTER_PENALTY_INSNS,
  SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_KILL, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
  SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW, SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_ACTION, SECCOMP_RET_DATA, SECCOMP_SET_MODE_STRICT, SECCOMP_SET_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL,
  SECCOMP_GET_NOTIF_SIZES, SECCOMP_MODE_DISABLED, SECCOMP_MODE_STRICT, SECCOMP_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_FILTER_FLAG_MASK,
  SECCOMP_DATA_SIZE, SECCOMP_DATA_EXT_SIZE, SECCOMP_DATA_VDSO_START, SECCOMP_DATA_VDSO_END,
  AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, SYS_SECCOMP, NR_SECCOMP,
} from "./constants.js";
export {
  type SockFilter, type BpfProgram, type BpfRun, SOCK_FILTER_SIZE, stmt, jump, encodeProgram, decodeProgram,
  toProgram, fromProgram, runBpf, BpfEncodingError, BpfRuntimeError,
} from "./bpf.js";
export { type ValidationResult, type ValidateOptions, validateSeccompFilter, checkClassic, checkLoadAndStores, ebpfLength } from "./validate.js";
export { type SeccompData, type VdsoBounds, newSeccompDataBuffer, fillSeccompData, fillSeccompDataAt, buildSeccompData, seccompDataField } from "./data.js";
export {
  type AttachedFilter, type CopyIn, type CopyOut, type SeccompCallEnv, type InstallDetail, type SeccompVerdict,
  type SeccompOutcome, type OutcomeEnv, SeccompState, seccompOutcome, STRICT_SYSCALLS,
} from "./stack.js";
export { type SigsysInfo, SIGINFO_SIZE, seccompSigsysInfo, encodeSigsysInfo, decodeSigsysInfo } from "./siginfo.js";
export { type AsmItem, assemble, BpfAsmError } from "./asm.js";
export { type SeccompArch, type WindowFilterOptions, AUDIT_ARCH, vdsoWindowFilter } from "./window.js";
export { disassembleBpf, disassembleInsn, describeSeccompRet, ACTION_NAMES } from "./disasm.js";
