/**
 * Constants for classic BPF and seccomp under the kernel's C names. The uapi values come from
 * @uabi/uapi (one source of truth, checked there against libc headers); the kernel-internal limits
 * (kernel/seccomp.c, net/core/filter.c) and the uabi seccomp_data extension are defined here.
 */
import { AUDIT_ARCH, BPF, ERRNO, MAX_ERRNO as UAPI_MAX_ERRNO, SECCOMP, SIGNALS, SYS, syscallNr } from "@uabi/uapi";

// sock_filter classes, sizes, modes, ops (bpf_common.h).
export const BPF_LD: number = BPF.LD;
export const BPF_LDX: number = BPF.LDX;
export const BPF_ST: number = BPF.ST;
export const BPF_STX: number = BPF.STX;
export const BPF_ALU: number = BPF.ALU;
export const BPF_JMP: number = BPF.JMP;
export const BPF_RET: number = BPF.RET;
export const BPF_MISC: number = BPF.MISC;
export const BPF_W: number = BPF.W;
export const BPF_H: number = BPF.H;
export const BPF_B: number = BPF.B;
export const BPF_IMM: number = BPF.IMM;
export const BPF_ABS: number = BPF.ABS;
export const BPF_IND: number = BPF.IND;
export const BPF_MEM: number = BPF.MEM;
export const BPF_LEN: number = BPF.LEN;
export const BPF_MSH: number = BPF.MSH;
export const BPF_ADD: number = BPF.ADD;
export const BPF_SUB: number = BPF.SUB;
export const BPF_MUL: number = BPF.MUL;
export const BPF_DIV: number = BPF.DIV;
export const BPF_OR: number = BPF.OR;
export const BPF_AND: number = BPF.AND;
export const BPF_LSH: number = BPF.LSH;
export const BPF_RSH: number = BPF.RSH;
export const BPF_NEG: number = BPF.NEG;
export const BPF_MOD: number = BPF.MOD;
export const BPF_XOR: number = BPF.XOR;
export const BPF_JA: number = BPF.JA;
export const BPF_JEQ: number = BPF.JEQ;
export const BPF_JGT: number = BPF.JGT;
export const BPF_JGE: number = BPF.JGE;
export const BPF_JSET: number = BPF.JSET;
export const BPF_K: number = BPF.K;
export const BPF_X: number = BPF.X;
export const BPF_A: number = BPF.A;
export const BPF_TAX: number = BPF.TAX;
export const BPF_TXA: number = BPF.TXA;

/** BPF_MAXINSNS (filter.h): the per-program length limit. */
export const BPF_MAXINSNS: number = BPF.MAXINSNS;
/** BPF_MEMWORDS: scratch words M[0..15]. */
export const BPF_MEMWORDS: number = BPF.MEMWORDS;
/** SKF_AD_OFF (-0x1000 as u32): where the socket-filter ancillary loads start. */
export const SKF_AD_OFF = 0xfffff000;
/** kernel/seccomp.c: MAX_INSNS_PER_PATH = (1 << 18) / sizeof(struct sock_filter). */
export const MAX_INSNS_PER_PATH = 32768;
/** kernel/seccomp.c seccomp_attach_filter: "4 instr penalty" per already-attached filter. */
export const FILTER_PENALTY_INSNS = 4;
/** include/linux/err.h MAX_ERRNO: RET_ERRNO data is capped to this. */
export const MAX_ERRNO: number = UAPI_MAX_ERRNO;

// Return values (seccomp.h).
export const SECCOMP_RET_KILL_PROCESS: number = SECCOMP.RET_KILL_PROCESS;
export const SECCOMP_RET_KILL_THREAD: number = SECCOMP.RET_KILL_THREAD;
export const SECCOMP_RET_KILL: number = SECCOMP.RET_KILL;
export const SECCOMP_RET_TRAP: number = SECCOMP.RET_TRAP;
export const SECCOMP_RET_ERRNO: number = SECCOMP.RET_ERRNO;
export const SECCOMP_RET_USER_NOTIF: number = SECCOMP.RET_USER_NOTIF;
export const SECCOMP_RET_TRACE: number = SECCOMP.RET_TRACE;
export const SECCOMP_RET_LOG: number = SECCOMP.RET_LOG;
export const SECCOMP_RET_ALLOW: number = SECCOMP.RET_ALLOW;
export const SECCOMP_RET_ACTION_FULL: number = SECCOMP.RET_ACTION_FULL;
export const SECCOMP_RET_ACTION: number = SECCOMP.RET_ACTION;
export const SECCOMP_RET_DATA: number = SECCOMP.RET_DATA;

// seccomp(2) operations, modes and filter flags.
export const SECCOMP_SET_MODE_STRICT: number = SECCOMP.SET_MODE_STRICT;
export const SECCOMP_SET_MODE_FILTER: number = SECCOMP.SET_MODE_FILTER;
export const SECCOMP_GET_ACTION_AVAIL: number = SECCOMP.GET_ACTION_AVAIL;
export const SECCOMP_GET_NOTIF_SIZES: number = SECCOMP.GET_NOTIF_SIZES;
export const SECCOMP_MODE_DISABLED: number = SECCOMP.MODE_DISABLED;
export const SECCOMP_MODE_STRICT: number = SECCOMP.MODE_STRICT;
export const SECCOMP_MODE_FILTER: number = SECCOMP.MODE_FILTER;
export const SECCOMP_FILTER_FLAG_TSYNC: number = SECCOMP.FILTER_FLAG_TSYNC;
export const SECCOMP_FILTER_FLAG_LOG: number = SECCOMP.FILTER_FLAG_LOG;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW: number = SECCOMP.FILTER_FLAG_SPEC_ALLOW;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER: number = SECCOMP.FILTER_FLAG_NEW_LISTENER;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH: number = SECCOMP.FILTER_FLAG_TSYNC_ESRCH;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: number = SECCOMP.FILTER_FLAG_WAIT_KILLABLE_RECV;
/** SECCOMP_FILTER_FLAG_MASK in kernel/seccomp.c (all six flags, Linux ≥ 6.0). */
export const SECCOMP_FILTER_FLAG_MASK = 0x3f;

/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;
/** The talk's extension: seccomp_data followed by u64 vdso_start @64 and u64 vdso_end @72. */
export const SECCOMP_DATA_EXT_SIZE = 80;
export const SECCOMP_DATA_VDSO_START = 64;
export const SECCOMP_DATA_VDSO_END = 72;

// AUDIT_ARCH (audit.h): EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
export const AUDIT_ARCH_X86_64: number = AUDIT_ARCH.X86_64;
export const AUDIT_ARCH_AARCH64: number = AUDIT_ARCH.AARCH64;

// Signals, si_code, errnos used here (same values on both ISAs).
export const SIGSYS: number = SIGNALS.SIGSYS!;
export const SYS_SECCOMP: number = SYS.SECCOMP!;
export const EPERM: number = ERRNO.EPERM!;
export const ESRCH: number = ERRNO.ESRCH!;
export const ENOMEM: number = ERRNO.ENOMEM!;
export const EACCES: number = ERRNO.EACCES!;
export const EFAULT: number = ERRNO.EFAULT!;
export const EBUSY: number = ERRNO.EBUSY!;
export const EINVAL: number = ERRNO.EINVAL!;
export const ENOSYS: number = ERRNO.ENOSYS!;
export const EOPNOTSUPP: number = ERRNO.EOPNOTSUPP!;

/** The seccomp syscall number per ISA (x86_64 table 317, asm-generic 277). */
export const NR_SECCOMP = { x86_64: syscallNr("x86_64", "seccomp"), arm64: syscallNr("arm64", "seccomp") } as const;
