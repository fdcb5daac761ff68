/**
 * Constants for classic BPF and seccomp under the kernel's C names. The uapi values come from
 * @uabi/uapi (one source of truth, checked there against libc headers); the kernel-internal limits
 * (kernel/seccomp.c, net/core/filter.c) and the uabi seccomp_data extension are defined here.
 */
import { AUDIT_ARCH, BPF, ERRNO, MAX_ERRNO as UAPI_MAX_ERRNO, SECCOMP, SIGNALS, SYS, syscallNr } from "@uabi/uapi";

// sock_filter classes, sizes, modes, ops (bpf_common.h).
export const BPF_LD = BPF.LD;
export const BPF_LDX = BPF.LDX;
export const BPF_ST = BPF.ST;
export const BPF_STX = BPF.STX;
export const BPF_ALU = BPF.ALU;
export const BPF_JMP = BPF.JMP;
export const BPF_RET = BPF.RET;
export const BPF_MISC = BPF.MISC;
export const BPF_W = BPF.W;
export const BPF_H = BPF.H;
export const BPF_B = BPF.B;
export const BPF_IMM = BPF.IMM;
export const BPF_ABS = BPF.ABS;
export const BPF_IND = BPF.IND;
export const BPF_MEM = BPF.MEM;
export const BPF_LEN = BPF.LEN;
export const BPF_MSH = BPF.MSH;
export const BPF_ADD = BPF.ADD;
export const BPF_SUB = BPF.SUB;
export const BPF_MUL = BPF.MUL;
export const BPF_DIV = BPF.DIV;
export const BPF_OR = BPF.OR;
export const BPF_AND = BPF.AND;
export const BPF_LSH = BPF.LSH;
export const BPF_RSH = BPF.RSH;
export const BPF_NEG = BPF.NEG;
export const BPF_MOD = BPF.MOD;
export const BPF_XOR = BPF.XOR;
export const BPF_JA = BPF.JA;
export const BPF_JEQ = BPF.JEQ;
export const BPF_JGT = BPF.JGT;
export const BPF_JGE = BPF.JGE;
export const BPF_JSET = BPF.JSET;
export const BPF_K = BPF.K;
export const BPF_X = BPF.X;
export const BPF_A = BPF.A;
export const BPF_TAX = BPF.TAX;
export const BPF_TXA = BPF.TXA;

/** BPF_MAXINSNS (filter.h): the per-program length limit. */
export const BPF_MAXINSNS = BPF.MAXINSNS;
/** BPF_MEMWORDS: scratch words M[0..15]. */
export const BPF_MEMWORDS = BPF.MEMWORDS;
/** SKF_AD_OFF (-0x1000 as u32): where the socket-filter ancillary loads start. */
export const SKF_AD_OFF = 0xfffff000;
/** kernel/seccomp.c: MAX_INSNS_PER_PATH = (1 << 18) / sizeof(struct sock_filter). */
export const MAX_INSNS_PER_PATH = 32768;
/** kernel/seccomp.c seccomp_attach_filter: "4 instr penalty" per already-attached filter. */
export const FILTER_PENALTY_INSNS = 4;
/** include/linux/err.h MAX_ERRNO: RET_ERRNO data is capped to this. */
export const MAX_ERRNO = UAPI_MAX_ERRNO;

// Return values (seccomp.h).
export const SECCOMP_RET_KILL_PROCESS = SECCOMP.RET_KILL_PROCESS;
export const SECCOMP_RET_KILL_THREAD = SECCOMP.RET_KILL_THREAD;
export const SECCOMP_RET_KILL = SECCOMP.RET_KILL;
export const SECCOMP_RET_TRAP = SECCOMP.RET_TRAP;
export const SECCOMP_RET_ERRNO = SECCOMP.RET_ERRNO;
export const SECCOMP_RET_USER_NOTIF = SECCOMP.RET_USER_NOTIF;
export const SECCOMP_RET_TRACE = SECCOMP.RET_TRACE;
export const SECCOMP_RET_LOG = SECCOMP.RET_LOG;
export const SECCOMP_RET_ALLOW = SECCOMP.RET_ALLOW;
export const SECCOMP_RET_ACTION_FULL = SECCOMP.RET_ACTION_FULL;
export const SECCOMP_RET_ACTION = SECCOMP.RET_ACTION;
export const SECCOMP_RET_DATA = SECCOMP.RET_DATA;

// seccomp(2) operations, modes and filter flags.
export const SECCOMP_SET_MODE_STRICT = SECCOMP.SET_MODE_STRICT;
export const SECCOMP_SET_MODE_FILTER = SECCOMP.SET_MODE_FILTER;
export const SECCOMP_GET_ACTION_AVAIL = SECCOMP.GET_ACTION_AVAIL;
export const SECCOMP_GET_NOTIF_SIZES = SECCOMP.GET_NOTIF_SIZES;
export const SECCOMP_MODE_DISABLED = SECCOMP.MODE_DISABLED;
export const SECCOMP_MODE_STRICT = SECCOMP.MODE_STRICT;
export const SECCOMP_MODE_FILTER = SECCOMP.MODE_FILTER;
export const SECCOMP_FILTER_FLAG_TSYNC = SECCOMP.FILTER_FLAG_TSYNC;
export const SECCOMP_FILTER_FLAG_LOG = SECCOMP.FILTER_FLAG_LOG;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = SECCOMP.FILTER_FLAG_SPEC_ALLOW;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = SECCOMP.FILTER_FLAG_NEW_LISTENER;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = SECCOMP.FILTER_FLAG_TSYNC_ESRCH;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = SECCOMP.FILTER_FLAG_WAIT_KILLABLE_RECV;
/** SECCOMP_FILTER_FLAG_MASK in kernel/seccomp.c (all six flags, Linux ≥ 6.0). */
export const SECCOMP_FILTER_FLAG_MASK = 0x3f;

/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;
/** The talk's extension: seccomp_data followed by u64 vdso_start @64 and u64 vdso_end @72. */
export const SECCOMP_DATA_EXT_SIZE = 80;
export const SECCOMP_DATA_VDSO_START = 64;
export const SECCOMP_DATA_VDSO_END = 72;

// AUDIT_ARCH (audit.h): EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
export const AUDIT_ARCH_X86_64 = AUDIT_ARCH.X86_64;
export const AUDIT_ARCH_AARCH64 = AUDIT_ARCH.AARCH64;

// Signals, si_code, errnos used here (same values on both ISAs).
export const SIGSYS = SIGNALS.SIGSYS;
export const SYS_SECCOMP = SYS.SECCOMP;
export const EPERM = ERRNO.EPERM;
export const ESRCH = ERRNO.ESRCH;
export const ENOMEM = ERRNO.ENOMEM;
export const EACCES = ERRNO.EACCES;
export const EFAULT = ERRNO.EFAULT;
export const EBUSY = ERRNO.EBUSY;
export const EINVAL = ERRNO.EINVAL;
export const ENOSYS = ERRNO.ENOSYS;
export const EOPNOTSUPP = ERRNO.EOPNOTSUPP;

/** The seccomp syscall number per ISA (x86_64 table 317, asm-generic 277). */
export const NR_SECCOMP = { x86_64: syscallNr("x86_64", "seccomp"), arm64: syscallNr("arm64", "seccomp") } as const;
