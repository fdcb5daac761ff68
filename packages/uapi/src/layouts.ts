import type { Arch } from "./arch.js";
import { defineStruct as S, type StructLayout } from "./layout.js";

/*
 * Struct layouts of the user/kernel ABI (LP64, little-endian), built from member lists in kernel order so
 * that offsets come out of the same rules gcc applies. Sizes are asserted; test/oracle.test.ts compares
 * offsetof/sizeof against gcc and aarch64-linux-gnu-gcc. Sources are cited per struct.
 */

// include/uapi/linux/seccomp.h
const seccomp_data = S("seccomp_data", [["nr", "s32"], ["arch", "u32"], ["instruction_pointer", "u64"], ["args", "u64[6]"]], { size: 64 });

// include/uapi/asm-generic/siginfo.h: 3 ints, then the _sifields union at 16 (aligned to 8 on 64-bit).
// Alternatives overlap, so each member is placed with `at`. __ADDR_BND_PKEY_PAD = 8 on LP64.
const siginfo = S("siginfo", [
  ["si_signo", "s32"], ["si_errno", "s32"], ["si_code", "s32"],
  ["_sifields", "u8[112]", { at: 16 }],
  // _kill / _rt / _sigchld
  ["si_pid", "s32", { at: 16 }], ["si_uid", "u32", { at: 20 }],
  ["si_value", "u64", { at: 24 }], ["si_int", "s32", { at: 24 }], ["si_ptr", "ptr", { at: 24 }],
  ["si_status", "s32", { at: 24 }], ["si_utime", "s64", { at: 32 }], ["si_stime", "s64", { at: 40 }],
  // _timer
  ["si_timerid", "s32", { at: 16 }], ["si_overrun", "s32", { at: 20 }],
  // _sigfault
  ["si_addr", "ptr", { at: 16 }], ["si_addr_lsb", "s16", { at: 24 }],
  ["si_lower", "ptr", { at: 32 }], ["si_upper", "ptr", { at: 40 }], ["si_pkey", "u32", { at: 32 }],
  ["si_perf_data", "u64", { at: 24 }], ["si_perf_type", "u32", { at: 32 }], ["si_perf_flags", "u32", { at: 36 }],
  // _sigpoll
  ["si_band", "s64", { at: 16 }], ["si_fd", "s32", { at: 24 }],
  // _sigsys (include/uapi/asm-generic/siginfo.h)
  ["si_call_addr", "ptr", { at: 16 }], ["si_syscall", "s32", { at: 24 }], ["si_arch", "u32", { at: 28 }],
], { size: 128 });

// include/uapi/linux/time_types.h (__kernel_timespec / old timeval on LP64)
const timespec = S("timespec", [["tv_sec", "s64"], ["tv_nsec", "s64"]], { size: 16 });
const timeval = S("timeval", [["tv_sec", "s64"], ["tv_usec", "s64"]], { size: 16 });
const timezone = S("timezone", [["tz_minuteswest", "s32"], ["tz_dsttime", "s32"]], { size: 8 });
const itimerspec = S("itimerspec", [["it_interval", timespec], ["it_value", timespec]], { size: 32 });

// include/uapi/linux/utsname.h: old_utsname 5 × 65 (uname@LIBKERNEL_1), new_utsname 6 × 65.
const UTS = ["sysname", "nodename", "release", "version", "machine"] as const;
const old_utsname = S("old_utsname", UTS.map((n) => [n, "u8[65]"] as const), { size: 325 });
const new_utsname = S("new_utsname", [...UTS.map((n) => [n, "u8[65]"] as const), ["domainname", "u8[65]"]], { size: 390 });

// arch/x86/include/uapi/asm/stat.h (x86-64 struct stat, 144 bytes)
const stat_x86_64 = S("stat", [
  ["st_dev", "u64"], ["st_ino", "u64"], ["st_nlink", "u64"], ["st_mode", "u32"], ["st_uid", "u32"],
  ["st_gid", "u32"], ["__pad0", "u32"], ["st_rdev", "u64"], ["st_size", "s64"], ["st_blksize", "s64"],
  ["st_blocks", "s64"], ["st_atime", "u64"], ["st_atime_nsec", "u64"], ["st_mtime", "u64"],
  ["st_mtime_nsec", "u64"], ["st_ctime", "u64"], ["st_ctime_nsec", "u64"], ["__unused", "s64[3]"],
], { size: 144 });
// include/uapi/asm-generic/stat.h (arm64 struct stat, 128 bytes)
const stat_arm64 = S("stat", [
  ["st_dev", "u64"], ["st_ino", "u64"], ["st_mode", "u32"], ["st_nlink", "u32"], ["st_uid", "u32"],
  ["st_gid", "u32"], ["st_rdev", "u64"], ["__pad1", "u64"], ["st_size", "s64"], ["st_blksize", "s32"],
  ["__pad2", "s32"], ["st_blocks", "s64"], ["st_atime", "s64"], ["st_atime_nsec", "u64"], ["st_mtime", "s64"],
  ["st_mtime_nsec", "u64"], ["st_ctime", "s64"], ["st_ctime_nsec", "u64"], ["__unused4", "u32"], ["__unused5", "u32"],
], { size: 128 });

// include/uapi/linux/stat.h
const statx_timestamp = S("statx_timestamp", [["tv_sec", "s64"], ["tv_nsec", "u32"], ["__reserved", "s32"]], { size: 16 });
const statx = S("statx", [
  ["stx_mask", "u32"], ["stx_blksize", "u32"], ["stx_attributes", "u64"], ["stx_nlink", "u32"], ["stx_uid", "u32"],
  ["stx_gid", "u32"], ["stx_mode", "u16"], ["__spare0", "u16"], ["stx_ino", "u64"], ["stx_size", "u64"],
  ["stx_blocks", "u64"], ["stx_attributes_mask", "u64"], ["stx_atime", statx_timestamp],
  ["stx_btime", statx_timestamp], ["stx_ctime", statx_timestamp], ["stx_mtime", statx_timestamp],
  ["stx_rdev_major", "u32"], ["stx_rdev_minor", "u32"], ["stx_dev_major", "u32"], ["stx_dev_minor", "u32"],
  ["stx_mnt_id", "u64"], ["stx_dio_mem_align", "u32"], ["stx_dio_offset_align", "u32"], ["stx_subvol", "u64"],
  ["stx_atomic_write_unit_min", "u32"], ["stx_atomic_write_unit_max", "u32"],
  ["stx_atomic_write_segments_max", "u32"], ["stx_dio_read_offset_align", "u32"], ["__spare3", "u64[9]"],
], { size: 256 });

const rlimit = S("rlimit", [["rlim_cur", "u64"], ["rlim_max", "u64"]], { size: 16 });

// The kernel's struct sigaction (include/linux/signal_types.h with __ARCH_HAS_SA_RESTORER, which both x86-64
// and arm64 define): handler, flags, restorer, mask. Not glibc's struct sigaction (mask first, 1024-bit set).
const kernel_sigaction = S("kernel_sigaction", [["sa_handler", "ptr"], ["sa_flags", "u64"], ["sa_restorer", "ptr"], ["sa_mask", "u64"]], { size: 32 });

// include/uapi/asm-generic/signal.h (x86-64 is identical)
const stack_t = S("stack_t", [["ss_sp", "ptr"], ["ss_flags", "s32"], ["ss_size", "u64"]], { size: 24 });
const iovec = S("iovec", [["iov_base", "ptr"], ["iov_len", "u64"]], { size: 16 });
// include/uapi/linux/futex.h
const robust_list_head = S("robust_list_head", [["list", "ptr"], ["futex_offset", "s64"], ["list_op_pending", "ptr"]], { size: 24 });
const pollfd = S("pollfd", [["fd", "s32"], ["events", "s16"], ["revents", "s16"]], { size: 8 });
// include/linux/dirent.h: header of a variable-length record; d_name starts at 19, records are 8-aligned.
const linux_dirent64 = S("linux_dirent64", [["d_ino", "u64"], ["d_off", "s64"], ["d_reclen", "u16"], ["d_type", "u8"], ["d_name", "u8[0]"]], { size: 24 });
// include/uapi/linux/filter.h
const sock_filter = S("sock_filter", [["code", "u16"], ["jt", "u8"], ["jf", "u8"], ["k", "u32"]], { size: 8 });
const sock_fprog = S("sock_fprog", [["len", "u16"], ["filter", "ptr"]], { size: 16 });
// include/uapi/asm-generic/termios.h, termbits.h (kernel termios: NCCS = 19; x86-64 and arm64 alike)
const winsize = S("winsize", [["ws_row", "u16"], ["ws_col", "u16"], ["ws_xpixel", "u16"], ["ws_ypixel", "u16"]], { size: 8 });
const termios = S("termios", [["c_iflag", "u32"], ["c_oflag", "u32"], ["c_cflag", "u32"], ["c_lflag", "u32"], ["c_line", "u8"], ["c_cc", "u8[19]"]], { size: 36 });
// include/uapi/linux/openat2.h, sched.h (clone_args v2 = CLONE_ARGS_SIZE_VER2 88), rseq.h
const open_how = S("open_how", [["flags", "u64"], ["mode", "u64"], ["resolve", "u64"]], { size: 24 });
const clone_args = S("clone_args", [
  ["flags", "u64"], ["pidfd", "u64"], ["child_tid", "u64"], ["parent_tid", "u64"], ["exit_signal", "u64"],
  ["stack", "u64"], ["stack_size", "u64"], ["tls", "u64"], ["set_tid", "u64"], ["set_tid_size", "u64"], ["cgroup", "u64"],
], { size: 88 });
const rseq = S("rseq", [["cpu_id_start", "u32"], ["cpu_id", "u32"], ["rseq_cs", "u64"], ["flags", "u32"], ["node_id", "u32"], ["mm_cid", "u32"]], { size: 32, align: 32 });
const rseq_cs = S("rseq_cs", [["version", "u32"], ["flags", "u32"], ["start_ip", "u64"], ["post_commit_offset", "u64"], ["abort_ip", "u64"]], { size: 32, align: 32 });
const sigset = S("sigset", [["sig", "u64"]], { size: 8 });

// ---- arm64 signal frame (arch/arm64/include/uapi/asm/sigcontext.h, ucontext.h; arch/arm64/kernel/signal.c)
const aarch64_ctx = S("_aarch64_ctx", [["magic", "u32"], ["size", "u32"]], { size: 8 });
const sigcontext_arm64 = S("sigcontext", [
  ["fault_address", "u64"], ["regs", "u64[31]"], ["sp", "u64"], ["pc", "u64"], ["pstate", "u64"],
  ["__reserved", "u8[4096]", { align: 16 }],
], { size: 4384 });
const fpsimd_context = S("fpsimd_context", [["head", aarch64_ctx], ["fpsr", "u32"], ["fpcr", "u32"], ["vregs", "u128[32]"]], { size: 528 });
const esr_context = S("esr_context", [["head", aarch64_ctx], ["esr", "u64"]], { size: 16 });
const extra_context = S("extra_context", [["head", aarch64_ctx], ["datap", "u64"], ["size", "u32"], ["__reserved", "u32[3]"]], { size: 32 });
const sve_context = S("sve_context", [["head", aarch64_ctx], ["vl", "u16"], ["flags", "u16"], ["__reserved", "u16[2]"]], { size: 16 });
// uc_sigmask is the kernel's 8-byte sigset, then padding to glibc's 1024-bit sigset_t, then uc_mcontext (16-aligned).
const ucontext_arm64 = S("ucontext", [
  ["uc_flags", "u64"], ["uc_link", "ptr"], ["uc_stack", stack_t], ["uc_sigmask", "u64"], ["__unused", "u8[120]"],
  ["uc_mcontext", sigcontext_arm64],
], { size: 4560 });
const rt_sigframe_arm64 = S("rt_sigframe", [["info", siginfo], ["uc", ucontext_arm64]], { size: 4688 });
const frame_record = S("frame_record", [["fp", "u64"], ["lr", "u64"]], { size: 16 });

// ---- x86-64 signal frame (arch/x86/include/uapi/asm/sigcontext.h, asm/sigframe.h, uapi/asm-generic/ucontext.h)
const sigcontext_x86_64 = S("sigcontext", [
  ["r8", "u64"], ["r9", "u64"], ["r10", "u64"], ["r11", "u64"], ["r12", "u64"], ["r13", "u64"], ["r14", "u64"],
  ["r15", "u64"], ["rdi", "u64"], ["rsi", "u64"], ["rbp", "u64"], ["rbx", "u64"], ["rdx", "u64"], ["rax", "u64"],
  ["rcx", "u64"], ["rsp", "u64"], ["rip", "u64"], ["eflags", "u64"], ["cs", "u16"], ["gs", "u16"], ["fs", "u16"],
  ["ss", "u16"], ["err", "u64"], ["trapno", "u64"], ["oldmask", "u64"], ["cr2", "u64"], ["fpstate", "ptr"],
  ["reserved1", "u64[8]"],
], { size: 256 });
const ucontext_x86_64 = S("ucontext", [
  ["uc_flags", "u64"], ["uc_link", "ptr"], ["uc_stack", stack_t], ["uc_mcontext", sigcontext_x86_64], ["uc_sigmask", "u64"],
], { size: 304 });
const rt_sigframe_x86_64 = S("rt_sigframe", [["pretcode", "ptr"], ["uc", ucontext_x86_64], ["info", siginfo]], { size: 440 });
// struct _fpx_sw_bytes: the software-reserved tail of the FXSAVE image that announces an XSAVE frame.
const fpx_sw_bytes = S("_fpx_sw_bytes", [["magic1", "u32"], ["extended_size", "u32"], ["xfeatures", "u64"], ["xstate_size", "u32"], ["padding", "u32[7]"]], { size: 48 });
// struct _fpstate_64: the 512-byte FXSAVE area.
const fpstate_x86_64 = S("_fpstate", [
  ["cwd", "u16"], ["swd", "u16"], ["twd", "u16"], ["fop", "u16"], ["rip", "u64"], ["rdp", "u64"], ["mxcsr", "u32"],
  ["mxcsr_mask", "u32"], ["st_space", "u32[32]"], ["xmm_space", "u32[64]"], ["reserved2", "u32[12]"],
  ["sw_reserved", fpx_sw_bytes],
], { size: 512 });
const xstate_header = S("_header", [["xfeatures", "u64"], ["reserved1", "u64[2]"], ["reserved2", "u64[5]"]], { size: 64 });
const ymmh_state = S("_ymmh_state", [["ymmh_space", "u32[64]"]], { size: 256 });
const xstate_x86_64 = S("_xstate", [["fpstate", fpstate_x86_64], ["xstate_hdr", xstate_header], ["ymmh", ymmh_state]], { size: 832 });

/** Layouts that are the same on both arches. */
const COMMON = {
  seccomp_data, siginfo, timespec, timeval, timezone, itimerspec, old_utsname, new_utsname, statx_timestamp, statx,
  rlimit, kernel_sigaction, sigaction: kernel_sigaction, stack_t, iovec, robust_list_head, pollfd, linux_dirent64,
  sock_filter, sock_fprog, winsize, termios, open_how, clone_args, rseq, rseq_cs, sigset,
} as const;

export type LayoutName = keyof typeof COMMON | "stat" | "sigcontext" | "ucontext" | "rt_sigframe";

/**
 * Struct layouts per arch. `LAYOUTS.arm64.stat` is asm-generic's 128-byte stat, `LAYOUTS.x86_64.stat` the
 * 144-byte one; sigcontext/ucontext/rt_sigframe are the kernel's signal-frame structs for that arch. Extra
 * per-arch building blocks: arm64 `_aarch64_ctx`, `fpsimd_context`, `esr_context`, `extra_context`,
 * `sve_context`, `frame_record`; x86-64 `_fpstate` (FXSAVE), `_fpx_sw_bytes`, `xstate_header`, `_xstate`.
 */
export const LAYOUTS = Object.freeze({
  arm64: Object.freeze({
    ...COMMON, stat: stat_arm64, sigcontext: sigcontext_arm64, ucontext: ucontext_arm64, rt_sigframe: rt_sigframe_arm64,
    _aarch64_ctx: aarch64_ctx, fpsimd_context, esr_context, extra_context, sve_context, frame_record,
  }),
  x86_64: Object.freeze({
    ...COMMON, stat: stat_x86_64, sigcontext: sigcontext_x86_64, ucontext: ucontext_x86_64, rt_sigframe: rt_sigframe_x86_64,
    _fpstate: fpstate_x86_64, _fpx_sw_bytes: fpx_sw_bytes, xstate_header, _ymmh_state: ymmh_state, _xstate: xstate_x86_64,
  }),
});

/** Layout by name for an arch (undefined if that arch has no such struct). */
export function layout(arch: Arch, name: string): StructLayout | undefined {
  return (LAYOUTS[arch] as Readonly<Record<string, StructLayout>>)[name];
}

/** arm64 signal-frame record magics (arch/arm64/include/uapi/asm/sigcontext.h) and sizes. */
export const ARM64_SIGFRAME = Object.freeze({
  FPSIMD_MAGIC: 0x46508001, ESR_MAGIC: 0x45535201, EXTRA_MAGIC: 0x45585401, SVE_MAGIC: 0x53564501,
  ZA_MAGIC: 0x54366345,
  /** The minimum rt_sigframe (siginfo + ucontext); frames are 16-aligned and followed by a 16-byte frame record. */
  SIGFRAME_MIN_SIZE: 4688,
  SIGFRAME_MAXSZ: 0x10000,
  /** Silently cleared on sigreturn (valid_user_regs RES0 mask, arch/arm64/kernel/signal.c, arch/arm64/kernel/ptrace.c). */
  PSR_RES0_MASK: 0xffffffff0cdfe020n,
});

/** x86-64 FP/xstate signal-frame constants (arch/x86/include/uapi/asm/sigcontext.h, arch/x86/kernel/signal_64.c). */
export const X86_64_SIGFRAME = Object.freeze({
  FP_XSTATE_MAGIC1: 0x46505853, FP_XSTATE_MAGIC2: 0x46505845, FP_XSTATE_MAGIC2_SIZE: 4,
  /** rt_sigframe without the FP area. */
  FRAME_SIZE: 440,
  REDZONE: 128,
  /** EFLAGS bits sigreturn lets user space change (FIX_EFLAGS). */
  FIX_EFLAGS: 0x50dd5,
});
