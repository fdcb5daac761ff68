import type { Arch, PerArch } from "./arch.js";

/*
 * Linux constants grouped by their C prefix: `PROT.READ` is PROT_READ. Values are the kernel's uapi values
 * (include/uapi/...), checked against the libc headers by test/oracle.test.ts where libc exposes them.
 * CONSTANT_GROUPS maps each group to its C prefix so the oracle test can name every value.
 */

/** AUDIT_ARCH_* (include/uapi/linux/audit.h): EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH = Object.freeze({
  X86_64: 0xc000003e,
  AARCH64: 0xc00000b7,
  I386: 0x40000003,
  ARM: 0x40000028,
} as const);
export const AUDIT_ARCH_64BIT = 0x80000000;
export const AUDIT_ARCH_LE = 0x40000000;
export const AUDIT_ARCH_OF: PerArch<number> = Object.freeze({ x86_64: AUDIT_ARCH.X86_64, arm64: AUDIT_ARCH.AARCH64 });

/** ELF e_machine (include/uapi/linux/elf-em.h). */
export const EM = Object.freeze({ X86_64: 62, AARCH64: 183, I386: 3, ARM: 40 } as const);
export const EM_OF: PerArch<number> = Object.freeze({ x86_64: EM.X86_64, arm64: EM.AARCH64 });

// open(2) flags: asm-generic/fcntl.h; arm64 overrides four (arch/arm64/include/uapi/asm/fcntl.h).
const O_COMMON = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000,
  APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, ASYNC: 0o20000, NOATIME: 0o1000000, CLOEXEC: 0o2000000,
  PATH: 0o10000000, SYNC: 0o4010000, NDELAY: 0o4000,
} as const;
export const O_X86_64 = Object.freeze({
  ...O_COMMON, DIRECT: 0o40000, LARGEFILE: 0o100000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000,
  TMPFILE: 0o20000000 | 0o200000,
} as const);
export const O_ARM64 = Object.freeze({
  ...O_COMMON, DIRECTORY: 0o40000, NOFOLLOW: 0o100000, DIRECT: 0o200000, LARGEFILE: 0o400000,
  TMPFILE: 0o20000000 | 0o40000,
} as const);
export type OpenFlags = { readonly [K in keyof typeof O_X86_64]: number };
/** O_* per arch: O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE (and so O_TMPFILE) differ. */
export const O_BY_ARCH: PerArch<OpenFlags> = Object.freeze({ x86_64: O_X86_64, arm64: O_ARM64 });
/** The flags shared by both arches (use O_BY_ARCH[arch] for the rest). */
export const O = Object.freeze(O_COMMON);
export function oFlags(arch: Arch): OpenFlags {
  return O_BY_ARCH[arch];
}

/** *at() flags and AT_FDCWD (include/uapi/linux/fcntl.h). Not the auxv tags: see AT_AUX. */
export const AT_FLAGS = Object.freeze({
  FDCWD: -100, SYMLINK_NOFOLLOW: 0x100, EACCESS: 0x200, REMOVEDIR: 0x200, SYMLINK_FOLLOW: 0x400,
  NO_AUTOMOUNT: 0x800, EMPTY_PATH: 0x1000, STATX_SYNC_AS_STAT: 0, STATX_FORCE_SYNC: 0x2000,
  STATX_DONT_SYNC: 0x4000, RECURSIVE: 0x8000,
} as const);

/** Auxiliary vector tags (include/uapi/linux/auxvec.h, arch AT_SYSINFO_EHDR/AT_MINSIGSTKSZ). */
export const AT_AUX = Object.freeze({
  NULL: 0, IGNORE: 1, EXECFD: 2, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9,
  NOTELF: 10, UID: 11, EUID: 12, GID: 13, EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23,
  BASE_PLATFORM: 24, RANDOM: 25, HWCAP2: 26, RSEQ_FEATURE_SIZE: 27, RSEQ_ALIGN: 28, HWCAP3: 29, HWCAP4: 30,
  EXECFN: 31, SYSINFO_EHDR: 33, MINSIGSTKSZ: 51,
} as const);

export const PROT = Object.freeze({
  NONE: 0, READ: 1, WRITE: 2, EXEC: 4, SEM: 8, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000,
} as const);
/** PROT_BTI (arm64 only, arch/arm64/include/uapi/asm/mman.h). */
export const PROT_BTI = 0x10;

/** mmap flags: identical on x86-64 and arm64 (asm-generic/mman*.h; x86 adds MAP_32BIT). */
export const MAP = Object.freeze({
  SHARED: 0x01, PRIVATE: 0x02, SHARED_VALIDATE: 0x03, TYPE: 0x0f, FIXED: 0x10, ANONYMOUS: 0x20,
  GROWSDOWN: 0x0100, DENYWRITE: 0x0800, EXECUTABLE: 0x1000, LOCKED: 0x2000, NORESERVE: 0x4000,
  POPULATE: 0x8000, NONBLOCK: 0x10000, STACK: 0x20000, HUGETLB: 0x40000, SYNC: 0x80000,
  FIXED_NOREPLACE: 0x100000, UNINITIALIZED: 0x4000000,
} as const);
export const MAP_32BIT = 0x40;
export const MAP_FAILED = -1;

export const MREMAP = Object.freeze({ MAYMOVE: 1, FIXED: 2, DONTUNMAP: 4 } as const);
export const MSYNC = Object.freeze({ ASYNC: 1, INVALIDATE: 2, SYNC: 4 } as const);
export const MCL = Object.freeze({ CURRENT: 1, FUTURE: 2, ONFAULT: 4 } as const);

export const MADV = Object.freeze({
  NORMAL: 0, RANDOM: 1, SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4, FREE: 8, REMOVE: 9, DONTFORK: 10,
  DOFORK: 11, MERGEABLE: 12, UNMERGEABLE: 13, HUGEPAGE: 14, NOHUGEPAGE: 15, DONTDUMP: 16, DODUMP: 17,
  WIPEONFORK: 18, KEEPONFORK: 19, COLD: 20, PAGEOUT: 21, POPULATE_READ: 22, POPULATE_WRITE: 23,
  DONTNEED_LOCKED: 24, COLLAPSE: 25, HWPOISON: 100, SOFT_OFFLINE: 101,
} as const);

/** clone flags (include/uapi/linux/sched.h); the low byte (CSIGNAL) is the exit signal. */
export const CLONE = Object.freeze({
  CSIGNAL: 0xff, NEWTIME: 0x80, VM: 0x100, FS: 0x200, FILES: 0x400, SIGHAND: 0x800, PIDFD: 0x1000,
  PTRACE: 0x2000, VFORK: 0x4000, PARENT: 0x8000, THREAD: 0x10000, NEWNS: 0x20000, SYSVSEM: 0x40000,
  SETTLS: 0x80000, PARENT_SETTID: 0x100000, CHILD_CLEARTID: 0x200000, DETACHED: 0x400000,
  UNTRACED: 0x800000, CHILD_SETTID: 0x1000000, NEWCGROUP: 0x2000000, NEWUTS: 0x4000000, NEWIPC: 0x8000000,
  NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000, IO: 0x80000000,
} as const);

/** futex(2) ops and modifiers (include/uapi/linux/futex.h). */
export const FUTEX = Object.freeze({
  WAIT: 0, WAKE: 1, FD: 2, REQUEUE: 3, CMP_REQUEUE: 4, WAKE_OP: 5, LOCK_PI: 6, UNLOCK_PI: 7, TRYLOCK_PI: 8,
  WAIT_BITSET: 9, WAKE_BITSET: 10, WAIT_REQUEUE_PI: 11, CMP_REQUEUE_PI: 12, LOCK_PI2: 13,
  PRIVATE_FLAG: 128, CLOCK_REALTIME: 256, CMD_MASK: ~(128 | 256),
  WAITERS: 0x80000000, OWNER_DIED: 0x40000000, TID_MASK: 0x3fffffff, BITSET_MATCH_ANY: 0xffffffff,
} as const);
/** Robust-futex list walking limit (include/uapi/linux/futex.h ROBUST_LIST_LIMIT). */
export const ROBUST_LIST_LIMIT = 2048;

/** sigaction sa_flags (asm-generic/signal-defs.h; same values on x86-64). */
export const SA = Object.freeze({
  NOCLDSTOP: 1, NOCLDWAIT: 2, SIGINFO: 4, UNSUPPORTED: 0x400, EXPOSE_TAGBITS: 0x800, ONSTACK: 0x08000000,
  RESTART: 0x10000000, NODEFER: 0x40000000, RESETHAND: 0x80000000, RESTORER: 0x04000000,
} as const);
/** rt_sigprocmask how; sigaltstack ss_flags; SIG_DFL/SIG_IGN handler values. */
export const SIG_HOW = Object.freeze({ BLOCK: 0, UNBLOCK: 1, SETMASK: 2 } as const);
export const SS = Object.freeze({ ONSTACK: 1, DISABLE: 2, AUTODISARM: 0x80000000 } as const);
export const SIG_HANDLER = Object.freeze({ DFL: 0, IGN: 1, ERR: -1 } as const);
/** MINSIGSTKSZ / SIGSTKSZ constants from the uapi headers (the real minimum comes from AT_MINSIGSTKSZ). */
export const SIGSTKSZ: PerArch<{ MINSIGSTKSZ: number; SIGSTKSZ: number }> = Object.freeze({
  x86_64: { MINSIGSTKSZ: 2048, SIGSTKSZ: 8192 },
  arm64: { MINSIGSTKSZ: 5120, SIGSTKSZ: 16384 },
});

/** si_code values (include/uapi/asm-generic/siginfo.h). */
export const SI = Object.freeze({
  USER: 0, KERNEL: 0x80, QUEUE: -1, TIMER: -2, MESGQ: -3, ASYNCIO: -4, SIGIO: -5, TKILL: -6,
} as const);
export const SYS = Object.freeze({ SECCOMP: 1, USER_DISPATCH: 2 } as const);
export const SEGV = Object.freeze({ MAPERR: 1, ACCERR: 2, BNDERR: 3, PKUERR: 4 } as const);
export const BUS = Object.freeze({ ADRALN: 1, ADRERR: 2, OBJERR: 3 } as const);
export const ILL = Object.freeze({ ILLOPC: 1, ILLOPN: 2, ILLADR: 3, ILLTRP: 4, PRVOPC: 5, PRVREG: 6, COPROC: 7, BADSTK: 8 } as const);
export const TRAP = Object.freeze({ BRKPT: 1, TRACE: 2, BRANCH: 3, HWBKPT: 4 } as const);
export const CLD = Object.freeze({ EXITED: 1, KILLED: 2, DUMPED: 3, TRAPPED: 4, STOPPED: 5, CONTINUED: 6 } as const);

/**
 * prctl options (include/uapi/linux/prctl.h), incl. Syscall User Dispatch (kernel/entry/syscall_user_dispatch.c). Values up to 64
 * are checked against the Debian 12 headers by the oracle test; 65–78 were read from later prctl.h revisions
 * (shadow stack 74–76 in 6.13, TIMER_CREATE_RESTORE_IDS 77 and FUTEX_HASH 78 in 6.15/6.16).
 */
export const PR = Object.freeze({
  SET_PDEATHSIG: 1, GET_PDEATHSIG: 2, GET_DUMPABLE: 3, SET_DUMPABLE: 4, GET_UNALIGN: 5, SET_UNALIGN: 6,
  GET_KEEPCAPS: 7, SET_KEEPCAPS: 8, GET_FPEMU: 9, SET_FPEMU: 10, GET_FPEXC: 11, SET_FPEXC: 12,
  GET_TIMING: 13, SET_TIMING: 14, SET_NAME: 15, GET_NAME: 16, GET_ENDIAN: 19, SET_ENDIAN: 20,
  GET_SECCOMP: 21, SET_SECCOMP: 22, CAPBSET_READ: 23, CAPBSET_DROP: 24, GET_TSC: 25, SET_TSC: 26,
  GET_SECUREBITS: 27, SET_SECUREBITS: 28, SET_TIMERSLACK: 29, GET_TIMERSLACK: 30,
  TASK_PERF_EVENTS_DISABLE: 31, TASK_PERF_EVENTS_ENABLE: 32, MCE_KILL: 33, MCE_KILL_GET: 34, SET_MM: 35,
  SET_CHILD_SUBREAPER: 36, GET_CHILD_SUBREAPER: 37, SET_NO_NEW_PRIVS: 38, GET_NO_NEW_PRIVS: 39,
  GET_TID_ADDRESS: 40, SET_THP_DISABLE: 41, GET_THP_DISABLE: 42, MPX_ENABLE_MANAGEMENT: 43,
  MPX_DISABLE_MANAGEMENT: 44, SET_FP_MODE: 45, GET_FP_MODE: 46, CAP_AMBIENT: 47, SVE_SET_VL: 50,
  SVE_GET_VL: 51, GET_SPECULATION_CTRL: 52, SET_SPECULATION_CTRL: 53, PAC_RESET_KEYS: 54,
  SET_TAGGED_ADDR_CTRL: 55, GET_TAGGED_ADDR_CTRL: 56, SET_IO_FLUSHER: 57, GET_IO_FLUSHER: 58,
  SET_SYSCALL_USER_DISPATCH: 59, PAC_SET_ENABLED_KEYS: 60, PAC_GET_ENABLED_KEYS: 61, SCHED_CORE: 62,
  SME_SET_VL: 63, SME_GET_VL: 64, SET_MDWE: 65, GET_MDWE: 66, SET_MEMORY_MERGE: 67, GET_MEMORY_MERGE: 68,
  RISCV_V_SET_CONTROL: 69, RISCV_V_GET_CONTROL: 70, RISCV_SET_ICACHE_FLUSH_CTX: 71, PPC_GET_DEXCR: 72,
  PPC_SET_DEXCR: 73, GET_SHADOW_STACK_STATUS: 74, SET_SHADOW_STACK_STATUS: 75, LOCK_SHADOW_STACK_STATUS: 76,
  TIMER_CREATE_RESTORE_IDS: 77, FUTEX_HASH: 78, SET_VMA: 0x53564d41,
  // PR_SET_SYSCALL_USER_DISPATCH arguments (prctl.h; INCLUSIVE_ON since 6.17).
  SYS_DISPATCH_OFF: 0, SYS_DISPATCH_ON: 1, SYS_DISPATCH_EXCLUSIVE_ON: 1, SYS_DISPATCH_INCLUSIVE_ON: 2,
} as const);
export const SYSCALL_DISPATCH_FILTER = Object.freeze({ ALLOW: 0, BLOCK: 1 } as const);
/** PTRACE_{SET,GET}_SYSCALL_USER_DISPATCH_CONFIG (include/uapi/linux/ptrace.h). */
export const PTRACE = Object.freeze({
  TRACEME: 0, PEEKTEXT: 1, PEEKDATA: 2, PEEKUSR: 3, POKETEXT: 4, POKEDATA: 5, POKEUSR: 6, CONT: 7, KILL: 8,
  SINGLESTEP: 9, ATTACH: 16, DETACH: 17, SYSCALL: 24, SETOPTIONS: 0x4200, GETEVENTMSG: 0x4201,
  GETSIGINFO: 0x4202, SETSIGINFO: 0x4203, GETREGSET: 0x4204, SETREGSET: 0x4205, SEIZE: 0x4206,
  INTERRUPT: 0x4207, LISTEN: 0x4208, PEEKSIGINFO: 0x4209, GETSIGMASK: 0x420a, SETSIGMASK: 0x420b,
  SECCOMP_GET_FILTER: 0x420c, SECCOMP_GET_METADATA: 0x420d, GET_SYSCALL_INFO: 0x420e,
  GET_RSEQ_CONFIGURATION: 0x420f, SET_SYSCALL_USER_DISPATCH_CONFIG: 0x4210,
  GET_SYSCALL_USER_DISPATCH_CONFIG: 0x4211, SET_SYSCALL_INFO: 0x4212,
  EVENT_FORK: 1, EVENT_VFORK: 2, EVENT_CLONE: 3, EVENT_EXEC: 4, EVENT_VFORK_DONE: 5, EVENT_EXIT: 6,
  EVENT_SECCOMP: 7, EVENT_STOP: 128,
  O_TRACESYSGOOD: 1, O_TRACEFORK: 2, O_TRACEVFORK: 4, O_TRACECLONE: 8, O_TRACEEXEC: 0x10,
  O_TRACEVFORKDONE: 0x20, O_TRACEEXIT: 0x40, O_TRACESECCOMP: 0x80, O_EXITKILL: 0x100000,
  O_SUSPEND_SECCOMP: 0x200000,
} as const);

/** arch_prctl codes (arch/x86/include/uapi/asm/prctl.h), x86-64 only. */
export const ARCH_PRCTL = Object.freeze({
  SET_GS: 0x1001, SET_FS: 0x1002, GET_FS: 0x1003, GET_GS: 0x1004, GET_CPUID: 0x1011, SET_CPUID: 0x1012,
  GET_XCOMP_SUPP: 0x1021, GET_XCOMP_PERM: 0x1022, REQ_XCOMP_PERM: 0x1023, GET_XCOMP_GUEST_PERM: 0x1024,
  REQ_XCOMP_GUEST_PERM: 0x1025, XCOMP_TILECFG: 17, XCOMP_TILEDATA: 18, MAP_VDSO_X32: 0x2001,
  MAP_VDSO_32: 0x2002, MAP_VDSO_64: 0x2003, GET_UNTAG_MASK: 0x4001, ENABLE_TAGGED_ADDR: 0x4002,
  GET_MAX_TAG_BITS: 0x4003, FORCE_TAGGED_SVA: 0x4004, SHSTK_ENABLE: 0x5001, SHSTK_DISABLE: 0x5002,
  SHSTK_LOCK: 0x5003, SHSTK_UNLOCK: 0x5004, SHSTK_STATUS: 0x5005,
} as const);

/** seccomp (include/uapi/linux/seccomp.h; kernel/seccomp.c). */
export const SECCOMP = Object.freeze({
  MODE_DISABLED: 0, MODE_STRICT: 1, MODE_FILTER: 2,
  SET_MODE_STRICT: 0, SET_MODE_FILTER: 1, GET_ACTION_AVAIL: 2, GET_NOTIF_SIZES: 3,
  FILTER_FLAG_TSYNC: 1, FILTER_FLAG_LOG: 2, FILTER_FLAG_SPEC_ALLOW: 4, FILTER_FLAG_NEW_LISTENER: 8,
  FILTER_FLAG_TSYNC_ESRCH: 16, FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
  RET_KILL_PROCESS: 0x80000000, RET_KILL_THREAD: 0, RET_KILL: 0, RET_TRAP: 0x00030000, RET_ERRNO: 0x00050000,
  RET_USER_NOTIF: 0x7fc00000, RET_TRACE: 0x7ff00000, RET_LOG: 0x7ffc0000, RET_ALLOW: 0x7fff0000,
  RET_ACTION_FULL: 0xffff0000, RET_ACTION: 0x7fff0000, RET_DATA: 0x0000ffff,
} as const);

/**
 * Classic BPF opcode fields (include/uapi/linux/bpf_common.h, filter.h; Documentation/networking/filter.rst) for seccomp filters.
 * An opcode is class | size | mode (loads) or class | op | source (ALU/JMP).
 */
export const BPF = Object.freeze({
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07,
  W: 0x00, H: 0x08, B: 0x10,
  IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0,
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40,
  K: 0x00, X: 0x08, A: 0x10, TAX: 0x00, TXA: 0x80,
  MAXINSNS: 4096, MEMWORDS: 16,
} as const);

/** File type and permission bits of st_mode (include/uapi/linux/stat.h). */
export const S = Object.freeze({
  IFMT: 0o170000, IFSOCK: 0o140000, IFLNK: 0o120000, IFREG: 0o100000, IFBLK: 0o60000, IFDIR: 0o40000,
  IFCHR: 0o20000, IFIFO: 0o10000, ISUID: 0o4000, ISGID: 0o2000, ISVTX: 0o1000, IRWXU: 0o700, IRUSR: 0o400,
  IWUSR: 0o200, IXUSR: 0o100, IRWXG: 0o70, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IRWXO: 0o7, IROTH: 0o4,
  IWOTH: 0o2, IXOTH: 0o1,
} as const);

/** linux_dirent64 d_type values. */
export const DT = Object.freeze({ UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12, WHT: 14 } as const);

/** access(2) modes. */
export const ACCESS = Object.freeze({ F_OK: 0, X_OK: 1, W_OK: 2, R_OK: 4 } as const);

/** lseek whence. */
export const SEEK = Object.freeze({ SET: 0, CUR: 1, END: 2, DATA: 3, HOLE: 4 } as const);

/** fcntl commands and flags (asm-generic/fcntl.h, linux/fcntl.h): identical on both arches for 64-bit. */
export const F = Object.freeze({
  DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, GETLK: 5, SETLK: 6, SETLKW: 7, SETOWN: 8, GETOWN: 9,
  SETSIG: 10, GETSIG: 11, SETOWN_EX: 15, GETOWN_EX: 16, GETOWNER_UIDS: 17, OFD_GETLK: 36, OFD_SETLK: 37,
  OFD_SETLKW: 38, SETLEASE: 1024, GETLEASE: 1025, NOTIFY: 1026, DUPFD_QUERY: 1027, CREATED_QUERY: 1028,
  CANCELLK: 1029, DUPFD_CLOEXEC: 1030, SETPIPE_SZ: 1031, GETPIPE_SZ: 1032, ADD_SEALS: 1033, GET_SEALS: 1034,
  GET_RW_HINT: 1035, SET_RW_HINT: 1036, GET_FILE_RW_HINT: 1037, SET_FILE_RW_HINT: 1038,
  RDLCK: 0, WRLCK: 1, UNLCK: 2,
} as const);
export const FD_CLOEXEC = 1;

/** ioctl requests a kernel model needs (asm-generic/ioctls.h; x86-64 and arm64 share them). */
export const IOCTL = Object.freeze({
  TCGETS: 0x5401, TCSETS: 0x5402, TCSETSW: 0x5403, TCSETSF: 0x5404, TIOCSCTTY: 0x540e, TIOCGPGRP: 0x540f,
  TIOCSPGRP: 0x5410, TIOCGWINSZ: 0x5413, TIOCSWINSZ: 0x5414, FIONREAD: 0x541b, TIOCNOTTY: 0x5422,
  TIOCGPTN: 0x80045430, TIOCSPTLCK: 0x40045431, FIONBIO: 0x5421, FIOCLEX: 0x5451, FIONCLEX: 0x5450,
  FIOASYNC: 0x5452, TCGETS2: 0x802c542a,
} as const);

/** getrlimit resources (asm-generic/resource.h) and RLIM_INFINITY (all ones, 64-bit). */
export const RLIMIT = Object.freeze({
  CPU: 0, FSIZE: 1, DATA: 2, STACK: 3, CORE: 4, RSS: 5, NPROC: 6, NOFILE: 7, MEMLOCK: 8, AS: 9, LOCKS: 10,
  SIGPENDING: 11, MSGQUEUE: 12, NICE: 13, RTPRIO: 14, RTTIME: 15, NLIMITS: 16,
} as const);
export const RLIM_INFINITY = 0xffffffffffffffffn;

/** clockids (include/uapi/linux/time.h) and TIMER_ABSTIME. */
export const CLOCK = Object.freeze({
  REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, THREAD_CPUTIME_ID: 3, MONOTONIC_RAW: 4,
  REALTIME_COARSE: 5, MONOTONIC_COARSE: 6, BOOTTIME: 7, REALTIME_ALARM: 8, BOOTTIME_ALARM: 9, TAI: 11,
} as const);
export const TIMER_ABSTIME = 1;

/** personality(2) (include/uapi/linux/personality.h): PER_* types and the flag bits. */
export const PER = Object.freeze({
  LINUX: 0, LINUX_32BIT: 0x0800000, LINUX_FDPIC: 0x0080000, SVR4: 0x04100001, BSD: 6, MASK: 0xff,
  QUERY: 0xffffffff,
} as const);
export const PERSONALITY_FLAGS = Object.freeze({
  UNAME26: 0x0020000, ADDR_NO_RANDOMIZE: 0x0040000, FDPIC_FUNCPTRS: 0x0080000, MMAP_PAGE_ZERO: 0x0100000,
  ADDR_COMPAT_LAYOUT: 0x0200000, READ_IMPLIES_EXEC: 0x0400000, ADDR_LIMIT_32BIT: 0x0800000,
  SHORT_INODE: 0x1000000, WHOLE_SECONDS: 0x2000000, STICKY_TIMEOUTS: 0x4000000, ADDR_LIMIT_3GB: 0x8000000,
} as const);

export const GRND = Object.freeze({ NONBLOCK: 1, RANDOM: 2, INSECURE: 4 } as const);

/** rseq (include/uapi/linux/rseq.h): flags, CPU id sentinels, struct size. */
export const RSEQ = Object.freeze({
  FLAG_UNREGISTER: 1, CPU_ID_UNINITIALIZED: -1, CPU_ID_REGISTRATION_FAILED: -2,
  CS_FLAG_NO_RESTART_ON_PREEMPT: 1, CS_FLAG_NO_RESTART_ON_SIGNAL: 2, CS_FLAG_NO_RESTART_ON_MIGRATE: 4,
  /** The original ABI size (32); the kernel accepts larger, feature-extended registrations. */
  ORIG_SIZE: 32,
} as const);

/** wait4/waitid options (include/uapi/linux/wait.h). */
export const WAIT = Object.freeze({
  WNOHANG: 1, WUNTRACED: 2, WSTOPPED: 2, WEXITED: 4, WCONTINUED: 8, WNOWAIT: 0x01000000,
  __WNOTHREAD: 0x20000000, __WALL: 0x40000000, __WCLONE: 0x80000000,
} as const);
export const P = Object.freeze({ ALL: 0, PID: 1, PGID: 2, PIDFD: 3 } as const);

export const EPOLL_CTL = Object.freeze({ ADD: 1, DEL: 2, MOD: 3 } as const);
export const CLOSE_RANGE = Object.freeze({ UNSHARE: 2, CLOEXEC: 4 } as const);
export const MFD = Object.freeze({ CLOEXEC: 1, ALLOW_SEALING: 2, HUGETLB: 4, NOEXEC_SEAL: 8, EXEC: 0x10 } as const);
export const RENAME = Object.freeze({ NOREPLACE: 1, EXCHANGE: 2, WHITEOUT: 4 } as const);
export const LOCK = Object.freeze({ SH: 1, EX: 2, NB: 4, UN: 8 } as const);
export const STATX = Object.freeze({
  TYPE: 1, MODE: 2, NLINK: 4, UID: 8, GID: 0x10, ATIME: 0x20, MTIME: 0x40, CTIME: 0x80, INO: 0x100,
  SIZE: 0x200, BLOCKS: 0x400, BASIC_STATS: 0x7ff, BTIME: 0x800, MNT_ID: 0x1000, DIOALIGN: 0x2000,
  MNT_ID_UNIQUE: 0x4000, SUBVOL: 0x8000, WRITE_ATOMIC: 0x10000,
} as const);
export const ITIMER = Object.freeze({ REAL: 0, VIRTUAL: 1, PROF: 2 } as const);
export const SCHED = Object.freeze({ NORMAL: 0, FIFO: 1, RR: 2, BATCH: 3, IDLE: 5, DEADLINE: 6, EXT: 7 } as const);
export const PRIO = Object.freeze({ PROCESS: 0, PGRP: 1, USER: 2 } as const);
export const MEMBARRIER_CMD = Object.freeze({
  QUERY: 0, GLOBAL: 1, GLOBAL_EXPEDITED: 2, REGISTER_GLOBAL_EXPEDITED: 4, PRIVATE_EXPEDITED: 8,
  REGISTER_PRIVATE_EXPEDITED: 16, PRIVATE_EXPEDITED_SYNC_CORE: 32, REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: 64,
  PRIVATE_EXPEDITED_RSEQ: 128, REGISTER_PRIVATE_EXPEDITED_RSEQ: 256, GET_REGISTRATIONS: 512,
} as const);

/** uc_flags (arch/x86/include/uapi/asm/ucontext.h); arm64 leaves uc_flags 0. */
export const UC = Object.freeze({ FP_XSTATE: 1, SIGCONTEXT_SS: 2, STRICT_RESTORE_SS: 4 } as const);

/** Misc sizes: kernel sigset is 8 bytes (_NSIG/8); utsname fields 65 bytes; PATH_MAX. */
export const KERNEL_SIGSET_SIZE = 8;
export const UTSNAME_LEN = 65;
export const PATH_MAX = 4096;
export const PAGE_SIZE = 4096;

/** Each exported group and the C prefix its keys take (PROT.READ → PROT_READ). For tests and tooling. */
export const CONSTANT_GROUPS: Readonly<Record<string, { readonly prefix: string; readonly values: Readonly<Record<string, number | bigint>> }>> = {
  O_X86_64: { prefix: "O_", values: O_X86_64 },
  O_ARM64: { prefix: "O_", values: O_ARM64 },
  AT_FLAGS: { prefix: "AT_", values: AT_FLAGS },
  AT_AUX: { prefix: "AT_", values: AT_AUX },
  PROT: { prefix: "PROT_", values: PROT },
  MAP: { prefix: "MAP_", values: MAP },
  MREMAP: { prefix: "MREMAP_", values: MREMAP },
  MSYNC: { prefix: "MS_", values: MSYNC },
  MCL: { prefix: "MCL_", values: MCL },
  MADV: { prefix: "MADV_", values: MADV },
  CLONE: { prefix: "CLONE_", values: CLONE },
  FUTEX: { prefix: "FUTEX_", values: FUTEX },
  SA: { prefix: "SA_", values: SA },
  SIG_HOW: { prefix: "SIG_", values: SIG_HOW },
  SS: { prefix: "SS_", values: SS },
  SI: { prefix: "SI_", values: SI },
  SYS: { prefix: "SYS_", values: SYS },
  SEGV: { prefix: "SEGV_", values: SEGV },
  BUS: { prefix: "BUS_", values: BUS },
  ILL: { prefix: "ILL_", values: ILL },
  TRAP: { prefix: "TRAP_", values: TRAP },
  CLD: { prefix: "CLD_", values: CLD },
  PR: { prefix: "PR_", values: PR },
  SYSCALL_DISPATCH_FILTER: { prefix: "SYSCALL_DISPATCH_FILTER_", values: SYSCALL_DISPATCH_FILTER },
  PTRACE: { prefix: "PTRACE_", values: PTRACE },
  ARCH_PRCTL: { prefix: "ARCH_", values: ARCH_PRCTL },
  SECCOMP: { prefix: "SECCOMP_", values: SECCOMP },
  BPF: { prefix: "BPF_", values: BPF },
  S: { prefix: "S_", values: S },
  DT: { prefix: "DT_", values: DT },
  ACCESS: { prefix: "", values: ACCESS },
  SEEK: { prefix: "SEEK_", values: SEEK },
  F: { prefix: "F_", values: F },
  IOCTL: { prefix: "", values: IOCTL },
  RLIMIT: { prefix: "RLIMIT_", values: RLIMIT },
  CLOCK: { prefix: "CLOCK_", values: CLOCK },
  PER: { prefix: "PER_", values: PER },
  PERSONALITY_FLAGS: { prefix: "", values: PERSONALITY_FLAGS },
  GRND: { prefix: "GRND_", values: GRND },
  RSEQ: { prefix: "RSEQ_", values: RSEQ },
  WAIT: { prefix: "", values: WAIT },
  P: { prefix: "P_", values: P },
  EPOLL_CTL: { prefix: "EPOLL_CTL_", values: EPOLL_CTL },
  CLOSE_RANGE: { prefix: "CLOSE_RANGE_", values: CLOSE_RANGE },
  MFD: { prefix: "MFD_", values: MFD },
  RENAME: { prefix: "RENAME_", values: RENAME },
  LOCK: { prefix: "LOCK_", values: LOCK },
  STATX: { prefix: "STATX_", values: STATX },
  ITIMER: { prefix: "ITIMER_", values: ITIMER },
  SCHED: { prefix: "SCHED_", values: SCHED },
  PRIO: { prefix: "PRIO_", values: PRIO },
  MEMBARRIER_CMD: { prefix: "MEMBARRIER_CMD_", values: MEMBARRIER_CMD },
  UC: { prefix: "UC_", values: UC },
  AUDIT_ARCH: { prefix: "AUDIT_ARCH_", values: AUDIT_ARCH },
  EM: { prefix: "EM_", values: EM },
};
