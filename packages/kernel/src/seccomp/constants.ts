/**
 * Constants for classic BPF and seccomp. Values from include/uapi/linux/bpf_common.h, filter.h,
 * seccomp.h and audit.h (see /work/shared/reference/linux-abi.md §7). They are kept local until
 * @uabi/uapi publishes its tables; the names match the kernel's so the switch is mechanical.
 */

// sock_filter classes, sizes, modes, ops (bpf_common.h).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** BPF_MAXINSNS (filter.h): the per-program length limit. */
export const BPF_MAXINSNS = 4096;
/** BPF_MEMWORDS: scratch words M[0..15]. */
export const BPF_MEMWORDS = 16;
/** SKF_AD_OFF (-0x1000 as u32): where the socket-filter ancillary loads start. */
export const SKF_AD_OFF = 0xfffff000;
/** kernel/seccomp.c: MAX_INSNS_PER_PATH = (1 << 18) / sizeof(struct sock_filter). */
export const MAX_INSNS_PER_PATH = 32768;
/** kernel/seccomp.c seccomp_attach_filter: "4 instr penalty" per already-attached filter. */
export const FILTER_PENALTY_INSNS = 4;
/** include/linux/err.h MAX_ERRNO: RET_ERRNO data is capped to this. */
export const MAX_ERRNO = 4095;

// Return values (seccomp.h).
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_ACTION = 0x7fff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

// seccomp(2) operations, modes and filter flags.
export const SECCOMP_SET_MODE_STRICT = 0;
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_GET_ACTION_AVAIL = 2;
export const SECCOMP_GET_NOTIF_SIZES = 3;
export const SECCOMP_MODE_DISABLED = 0;
export const SECCOMP_MODE_STRICT = 1;
export const SECCOMP_MODE_FILTER = 2;
export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_LOG = 1 << 1;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;
/** SECCOMP_FILTER_FLAG_MASK in kernel/seccomp.c (all six flags, Linux ≥ 6.0). */
export const SECCOMP_FILTER_FLAG_MASK = 0x3f;

/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;
/** The talk's extension: seccomp_data followed by u64 vdso_start @64 and u64 vdso_end @72. */
export const SECCOMP_DATA_EXT_SIZE = 80;
export const SECCOMP_DATA_VDSO_START = 64;
export const SECCOMP_DATA_VDSO_END = 72;

// AUDIT_ARCH (audit.h): EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;

// Signals, si_code, errnos used here (asm-generic values, same on both ISAs).
export const SIGSYS = 31;
export const SYS_SECCOMP = 1;
export const EPERM = 1;
export const ESRCH = 3;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EINVAL = 22;
export const ENOSYS = 38;
export const EOPNOTSUPP = 95;

/** The seccomp syscall number per ISA (x86_64 table 317, asm-generic 277). */
export const NR_SECCOMP = { x86_64: 317, arm64: 277 } as const;
