/**
 * The pages libkernel handlers read and write, as offset tables. These are a contract with
 * `@uabi/kernel`: the kernel fills and reads them, the vDSO code generated from the handlers
 * reads and writes them. Every page is 4096 bytes; every multi-byte field is little-endian.
 *
 * Where the handler finds each page (see {@link PAGE_PLACEMENT}):
 * - the **vvar** page and the **uts** page sit at fixed offsets *below* the vDSO text, as Linux
 *   places its data pages (arch/x86/entry/vdso/vma.c, arch/arm64/kernel/vdso.c); code reaches them PC-relatively, with no register
 *   and no kernel help;
 * - the **per-task** and **per-fs** pages can be anywhere; the kernel writes their addresses into
 *   two pointer slots of the vvar page whenever it switches to a thread. The simulated machine
 *   has one CPU, so "the current thread's pages" is well defined; an SMP model would make these
 *   slots per-CPU (indexed like Linux's vgetcpu) — the handler code would not change shape.
 *
 * The kernel must treat everything in the per-task and per-fs pages as untrusted user data
 * (it is ordinary writable user memory).
 */

export const LK_PAGE_SIZE = 4096;

/** Where each data page lives relative to the vDSO (or libkernel.so) load base. */
export const PAGE_PLACEMENT = Object.freeze({
  /** vvar page = base − 2 pages (read-only to userspace, written by the kernel). */
  vvarOffset: -2 * 4096,
  /** uts page = base − 1 page (read-only to userspace, filled by the kernel at boot / sethostname). */
  utsOffset: -1 * 4096,
  /** Number of data pages the kernel maps directly below the image. */
  dataPages: 2,
});

/**
 * The per-task page: one per thread, read-write to userspace.
 * `BOUNCE_*` fields are the `--frame task-page` variant of the bounce contract (see
 * {@link BOUNCE}): the kernel writes the bounce frame at `bounceFrame` and points SP there, so the
 * bounced thread's own stack is not touched at all; the handler runs on the stack area below it.
 */
export const TASK_PAGE = Object.freeze({
  /** u32: current->personality (Linux `personality(2)` state). */
  personality: 0x00,
  /** u32: CPU the thread last ran on (getcpu). */
  cpu: 0x04,
  /** u32: NUMA node (getcpu). */
  node: 0x08,
  /** u32: thread-group id = getpid(). */
  pid: 0x0c,
  /** u32: thread id = gettid(). */
  tid: 0x10,
  /** u8: SUD selector byte (SYSCALL_DISPATCH_FILTER_ALLOW 0 / BLOCK 1), if the kernel uses it. */
  sudSelector: 0x14,
  /** u64: robust_list head pointer (set_robust_list). The kernel reads it at thread exit. */
  robustHead: 0x18,
  /** u64: robust_list length as given to set_robust_list (always 24 once accepted). */
  robustLen: 0x20,
  /**
   * u32: ABI personality bits the process chose for itself in userspace (`__kernel_abi_personality`,
   * LIBKERNEL_2): bit 0 = fakeroot, honoured by images built with switchable personalities. The
   * kernel should copy it to the child at fork/clone, like personality.
   */
  abiPersonality: 0x28,
  /** Lowest address of the bounce stack (task-page frame variant): handler stack grows down to here. */
  bounceStackLow: 0x800,
  /** The bounce frame in the task-page variant; SP = page + bounceFrame at bounce entry. */
  bounceFrame: 0xfc0,
});

/** The per-fs-context page: shared by the threads that share an fs context (CLONE_FS). */
export const FS_PAGE = Object.freeze({
  /** u32: the umask (0..0777). The kernel reads it at file creation. */
  umask: 0x00,
  /** u32: number of fakeroot entries in use (≤ fakerootCapacity). */
  fakerootCount: 0x40,
  /** u32: next slot to recycle when the table is full (round robin). */
  fakerootNext: 0x44,
  /** First fakeroot entry: {dev u64 @0, ino u64 @8, uid u32 @16, gid u32 @20}, 24 bytes each. */
  fakerootTable: 0x80,
  fakerootEntrySize: 24,
  fakerootCapacity: Math.floor((4096 - 0x80) / 24),
});

/** Number of clock ids with a vvar record: CLOCK_REALTIME (0) … CLOCK_TAI (11), as Linux. */
export const VVAR_NCLOCKS = 12;

/** How the vDSO reads a clock (vvar clock record `mode`). */
export const CLOCK_MODE = Object.freeze({
  /** Not readable in userspace: the handler issues the real syscall. */
  syscall: 0,
  /** High resolution: base + (counter − cycleLast) × mult >> shift. */
  hres: 1,
  /** Coarse: base only (tick resolution). */
  coarse: 2,
});

/**
 * The vvar page. A seqlock guards the time fields: the kernel makes `seq` odd, updates, then
 * makes it even; readers retry while it is odd or changed (Linux vdso_read_begin/retry).
 * Time is `sec`, `nsec + ((counter − cycleLast) × mult >> shift)` (64-bit wrapping product, as
 * Linux's vdso_calc_ns), normalised so nsec < 1e9.
 */
export const VVAR_PAGE = Object.freeze({
  /** u32: seqlock sequence. */
  seq: 0x00,
  /** u32: reserved (0). */
  reserved: 0x04,
  /** u64: counter value when the bases were last updated. */
  cycleLast: 0x08,
  /** u32: counter → ns multiplier. */
  mult: 0x10,
  /** u32: counter → ns shift. */
  shift: 0x14,
  /** s32 / s32: struct timezone for gettimeofday. */
  tzMinuteswest: 0x18,
  tzDsttime: 0x1c,
  /** u64: address of the current thread's per-task page (kernel writes at every switch). */
  taskPagePtr: 0x20,
  /** u64: address of the current thread's per-fs page. */
  fsPagePtr: 0x28,
  /** First clock record; record i is at clocks + i × clockSize. */
  clocks: 0x40,
  clockSize: 32,
  /** Fields of a clock record. */
  clock: Object.freeze({
    /** u64 seconds at cycleLast. */
    sec: 0,
    /** u64 nanoseconds at cycleLast (< 1e9). */
    nsec: 8,
    /** u32 CLOCK_MODE. */
    mode: 16,
    /** u32 resolution in ns (clock_getres). */
    resNsec: 20,
  }),
});

/** The uts page: `struct new_utsname` at offset 0 (6 × 65 bytes, NUL-padded). */
export const UTS_PAGE = Object.freeze({
  fieldLen: 65,
  /** sysname, nodename, release, version, machine, domainname. */
  fields: Object.freeze(["sysname", "nodename", "release", "version", "machine", "domainname"] as const),
  /** sizeof(struct new_utsname): what uname(2) and `__kernel_uname@@LIBKERNEL_2` fill. */
  newSize: 6 * 65,
  /** sizeof(struct old_utsname): the first five fields, what `__kernel_uname@LIBKERNEL_1` fills. */
  oldSize: 5 * 65,
});

/** Bits of TASK_PAGE.abiPersonality. */
export const ABI_PERSONALITY = Object.freeze({ fakeroot: 1 });

/** Page identifiers used by the IR `page` instruction. */
export type PageId = "task" | "fs" | "vvar" | "uts";
export const PAGE_IDS: readonly PageId[] = ["task", "fs", "vvar", "uts"];

/**
 * The bounce contract shared by the kernel and the vDSO glue.
 *
 * - **Return flag**: bit 29 of the syscall number. Bit 30 is x86's `__X32_SYSCALL_BIT`
 *   (0x40000000) and bit 31 makes the number negative, so 1<<29 is the lowest bit no real
 *   syscall number on either ISA can carry. A syscall issued with `nr | RETURN_FLAG` while a bounce
 *   frame is live means: run `nr` with the current argument registers, then pop the frame and
 *   resume the original caller (PC, SP, flags from the frame; the syscall number register restored
 *   from the frame) with the result in x0 / rax.
 * - `RETURN_FLAG | NR_RETURN_ONLY` means: run nothing, pop the frame, return x0 / rax as the result
 *   (how arm64 returns a value computed in userspace: one kernel entry, because EL0 cannot restore
 *   PC, SP and NZCV atomically). 0xfff is above every syscall number of both tables.
 * - **Frame** (both ISAs, 32 bytes, 16-aligned): what the kernel writes, at SP on bounce entry.
 *   Stack variant: arm64 frame = round_down(SP, 16) − 32 (no red zone on arm64);
 *   x86-64 frame = round_down(RSP − 128, 16) − 32, so the 128-byte red zone below the interrupted
 *   RSP stays intact. Task-page variant: frame = taskPage + TASK_PAGE.bounceFrame; the glue and the
 *   handlers then run on the task page's bounce stack, and the thread's own stack is untouched.
 * - Register state at bounce entry: exactly the state at the syscall instruction (x86-64: rcx/r11
 *   may hold anything, as after `syscall`), except PC = bounce entry and SP = frame.
 * - Return to the caller: arm64 through the kernel with the return flag; x86-64 in userspace
 *   (`popfq` + `mov rsp` + `jmp`), leaving rcx = return RIP and r11 = RFLAGS exactly as `sysret` would.
 */
export const BOUNCE = Object.freeze({
  RETURN_FLAG: 1 << 29,
  NR_RETURN_ONLY: 0xfff,
  frameSize: 32,
  /** x86-64 red zone skipped below RSP before the frame. */
  x86RedZone: 128,
  frame: Object.freeze({
    /** u64: the syscall number as the caller issued it (x8 / rax). */
    nr: 0,
    /** u64: the caller's SP at the syscall instruction. */
    sp: 8,
    /** u64: the return PC (address after `svc #0` / `syscall`). */
    pc: 16,
    /** u64: PSTATE (arm64) / RFLAGS (x86-64) at the syscall. */
    flags: 24,
  }),
});

export type BounceVariant = "stack" | "task-page";

/** The values a bounce frame carries (see {@link BOUNCE}). */
export interface BounceFrame {
  readonly nr: bigint;
  readonly sp: bigint;
  readonly pc: bigint;
  readonly flags: bigint;
}

/**
 * Where the kernel writes the bounce frame: below the caller's SP (arm64: 16-aligned; x86-64:
 * also below the 128-byte red zone), or at the fixed slot of the per-task page.
 */
export function bounceFrameAddress(arch: "arm64" | "x86_64", userSp: number, variant: BounceVariant, taskPage: number): number {
  if (variant === "task-page") return taskPage + TASK_PAGE.bounceFrame;
  const below = arch === "x86_64" ? userSp - BOUNCE.x86RedZone : userSp;
  return Math.floor(below / 16) * 16 - BOUNCE.frameSize;
}

export function encodeBounceFrame(f: BounceFrame): Uint8Array {
  const b = new Uint8Array(BOUNCE.frameSize);
  const v = new DataView(b.buffer);
  v.setBigUint64(BOUNCE.frame.nr, BigInt.asUintN(64, f.nr), true);
  v.setBigUint64(BOUNCE.frame.sp, BigInt.asUintN(64, f.sp), true);
  v.setBigUint64(BOUNCE.frame.pc, BigInt.asUintN(64, f.pc), true);
  v.setBigUint64(BOUNCE.frame.flags, BigInt.asUintN(64, f.flags), true);
  return b;
}

export function decodeBounceFrame(bytes: Uint8Array): BounceFrame {
  if (bytes.length < BOUNCE.frameSize) throw new RangeError(`bounce frame needs ${BOUNCE.frameSize} bytes, got ${bytes.length}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    nr: v.getBigUint64(BOUNCE.frame.nr, true),
    sp: v.getBigUint64(BOUNCE.frame.sp, true),
    pc: v.getBigUint64(BOUNCE.frame.pc, true),
    flags: v.getBigUint64(BOUNCE.frame.flags, true),
  };
}

/**
 * Decode a syscall number issued from the vDSO text while a frame is live: undefined when the
 * return flag is absent (an ordinary syscall), else "return only" or the syscall to run first.
 * Only bit 29 is stripped, so an x32-style number stays invalid (ENOSYS) rather than aliasing.
 */
export function decodeReturnFlag(nr: number | bigint): undefined | { readonly returnOnly: true } | { readonly returnOnly: false; readonly nr: number } {
  const n = Number(BigInt.asUintN(32, BigInt(nr)));
  if ((n & BOUNCE.RETURN_FLAG) === 0) return undefined;
  const real = n & ~BOUNCE.RETURN_FLAG;
  return real === BOUNCE.NR_RETURN_ONLY ? { returnOnly: true } : { returnOnly: false, nr: real >>> 0 };
}

/**
 * The flags a kernel may restore from a (user-writable, so untrusted) bounce frame: on arm64 only
 * NZCV (PSTATE bits 31..28) — a forged frame must not reach DAIF, the mode bits or SS; on x86-64
 * only the user-changeable RFLAGS bits (FIX_EFLAGS, 0x50DD5, arch/x86/kernel/signal_64.c), plus
 * the always-one bit 1 and IF. (x86-64's glue restores them itself with `popfq`, which cannot
 * raise privilege either; the helper is for kernels that pop the frame.)
 */
export function sanitizeBounceFlags(arch: "arm64" | "x86_64", flags: bigint): bigint {
  return arch === "arm64" ? flags & 0xf000_0000n : (flags & 0x50dd5n) | 0x202n;
}
