/**
 * A minimal trap-handler harness: runs a static Linux binary on any {@link Cpu} and answers its
 * syscalls the way Linux would, for what static glibc/musl startup and the corpus programs need.
 * Single process, single thread, no files, no signal delivery, no vDSO. The kernel package replaces
 * it; until then it lets the ISA cores run the corpus end to end.
 *
 * Each answer follows the kernel function named next to it (Linux 6.1); anything not in the table
 * gets -ENOSYS and is listed in `unhandled`.
 */
import { GuestMemoryFault, PAGE_SIZE, PERM_EXEC, PERM_READ, PERM_WRITE, type Arch, type Cpu, type GuestMemory, type Trap } from "@uabi/isa-core";
import { AT_FLAGS } from "@uabi/uapi";
import { buildInitialStack, loadElfImage, type LoadedImage, type StackOptions } from "./loader.js";
import { errnoNumber, syscallName } from "./tables.js";
import { normaliseValue } from "./trace.js";

export interface RunStaticOptions extends Omit<StackOptions, "top" | "size"> {
  /** Instruction budget; the run stops with `stop: "budget"` when it is spent. Default 2e9. */
  maxInsns?: number;
  /** Syscall budget, a second guard for cores that do not count the syscall instruction. Default 1e7. */
  maxSyscalls?: number;
  /** Bytes readable from fd 0 (default: none, an empty pipe). */
  stdin?: Uint8Array | string;
  /** What readlink("/proc/self/exe") answers. Default `/uabi/<basename of argv[0]>`. */
  exePath?: string;
  pid?: number;
  /** Called after each syscall is answered (tracing). */
  onSyscall?: (record: SyscallRecord) => void;
}

export interface SyscallRecord {
  nr: number;
  name: string;
  args: bigint[];
  /** Raw return value (signed); undefined for exit/exit_group. */
  result?: bigint;
  pc: number;
}

export type StopReason = "exit" | "fault" | "budget" | "deadlock";

export interface RunStaticResult {
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  stderrBytes: Uint8Array;
  /** exit_group status & 0xff; 128 + signal for a fatal trap; -1 when stopped for budget or deadlock. */
  exitStatus: number;
  /** `name = result`, normalised like the corpus recordings (see trace.ts). */
  syscalls: string[];
  instructions: number;
  stop: StopReason;
  /** The trap that killed the process (`stop: "fault"`), or the last trap seen. */
  trap?: Trap;
  /** The signal Linux would have killed the process with (`stop: "fault"`). */
  signal?: number;
  /** Names of syscalls answered with -ENOSYS because the harness does not implement them. */
  unhandled: string[];
}

/** Syscall register convention: arm64 x8 / x0..x5 / x0; x86-64 rax / rdi rsi rdx r10 r8 r9 / rax. */
const ABI: Record<Arch, { nr: number; args: readonly number[]; ret: number }> = {
  arm64: { nr: 8, args: [0, 1, 2, 3, 4, 5], ret: 0 },
  x86_64: { nr: 0, args: [7, 6, 2, 10, 8, 9], ret: 0 },
};
const GPR_COUNT: Record<Arch, number> = { arm64: 31, x86_64: 16 };

/** What a fatal trap becomes when no handler runs (SIGSEGV 11, SIGBUS 7, SIGILL 4, SIGFPE 8, SIGTRAP 5). */
const FATAL_SIGNAL: Record<Exclude<Trap["kind"], "syscall" | "budget">, Record<Arch, number>> = {
  "page-fault": { arm64: 11, x86_64: 11 },
  alignment: { arm64: 7, x86_64: 7 },
  undefined: { arm64: 4, x86_64: 4 },
  "divide-error": { arm64: 8, x86_64: 8 },
  breakpoint: { arm64: 5, x86_64: 5 },
  // #GP in user mode is SIGSEGV on x86-64; a privileged system-register access is an undef on arm64.
  privileged: { arm64: 4, x86_64: 11 },
};

const E = (name: string): number => -errnoNumber(name)!;
const EFAULT = E("EFAULT");
const EINVAL = E("EINVAL");
const EBADF = E("EBADF");
const ENOSYS = E("ENOSYS");

/** Address-space layout: mmap allocates top-down below a 128 MiB gap under the stack (mm/util.c mmap_base). */
const STACK_GAP = 128 * 1024 * 1024;
const MMAP_MIN = 0x10000;
/** How far brk may grow (the harness has no RLIMIT_DATA; this only stops runaway heaps). */
const BRK_MAX = 4 * 1024 * 1024 * 1024;
const MAX_RW_COUNT = 0x7ffff000; // include/linux/fs.h: INT_MAX & PAGE_MASK
/** Fixed virtual clock: 2023-11-14T22:13:20Z plus one nanosecond per retired instruction. */
const EPOCH_SECONDS = 1_700_000_000n;

const PROT_TO_PERM = (prot: number): number => (prot & 1 ? PERM_READ : 0) | (prot & 2 ? PERM_WRITE : 0) | (prot & 4 ? PERM_EXEC : 0);
const pageUp = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;

class ExitSignal {
  constructor(readonly status: number) {}
}
class DeadlockSignal {}

const enc = new TextEncoder();

/** One process: the state the syscall handlers read and write. */
class Proc {
  readonly mem: GuestMemory;
  readonly arch: Arch;
  brkStart: number;
  brk: number;
  readonly mmapTop: number;
  readonly out: Uint8Array[] = [];
  readonly err: Uint8Array[] = [];
  readonly stdin: Uint8Array;
  stdinPos = 0;
  readonly fds = new Set([0, 1, 2]);
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly exe: Uint8Array;
  clearChildTid = 0;
  robustHead = 0;
  rseq: { addr: number; len: number; sig: number } | undefined;
  sigmask = 0n;
  readonly sigactions = new Map<number, Uint8Array>();
  readonly rlimits = new Map<number, [bigint, bigint]>();
  gsBase = 0n;
  persona = 0; // PER_LINUX
  umask = 0o022; // init's umask (init/init_task.c: .fs = &init_fs, fs_struct umask 0022)
  rng = 0x2545f491;

  constructor(readonly cpu: Cpu, image: LoadedImage, stackLimit: number, opts: RunStaticOptions) {
    this.mem = cpu.mem;
    this.arch = cpu.arch;
    this.brkStart = this.brk = image.brk;
    this.mmapTop = stackLimit - STACK_GAP;
    this.stdin = typeof opts.stdin === "string" ? enc.encode(opts.stdin) : (opts.stdin ?? new Uint8Array());
    this.pid = opts.pid ?? 1000;
    this.uid = opts.uid ?? 1000;
    this.gid = opts.gid ?? 1000;
    const argv0 = opts.argv[0] ?? "a.out";
    this.exe = enc.encode(opts.exePath ?? `/uabi/${argv0.slice(argv0.lastIndexOf("/") + 1)}`);
  }

  u64(v: bigint): number {
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  /**
   * How many bytes from `addr` (at most `len`) the guest may read (`need` = PERM_READ) or write
   * (PERM_WRITE) before the first fault. Checked before copying so a huge length never makes the
   * host allocate more than the guest really has mapped.
   */
  accessiblePrefix(addr: number, len: number, need: number): number {
    let cursor = addr;
    const end = addr + len;
    while (cursor < end) {
      const r = cursor >= 0 && cursor < 2 ** 53 ? this.mem.findRegion(cursor) : undefined;
      // PROT_WRITE implies readable on both ISAs (see GuestMemory.page).
      const perm = r ? r.perm | (r.perm & PERM_WRITE ? PERM_READ : 0) : 0;
      if (!r || (perm & need) === 0) break;
      cursor = r.end;
    }
    return Math.max(0, Math.min(cursor, end) - addr);
  }

  anyMapped(addr: number, len: number): boolean {
    const end = addr + len;
    return this.mem.listRegions().some((r) => r.start < end && r.end > addr);
  }

  /** Top-down first fit below mmapTop (mm/mmap.c unmapped_area_topdown). */
  findFree(len: number): number | undefined {
    const rs = this.mem.listRegions();
    let end = this.mmapTop;
    for (let i = rs.length - 1; i >= 0; i--) {
      const r = rs[i]!;
      if (r.start >= end) continue;
      if (r.end <= end - len) break;
      end = r.start;
    }
    return end - len >= MMAP_MIN ? end - len : undefined;
  }

  nextRandom(): number {
    // xorshift32: deterministic "random" bytes for getrandom, so runs are reproducible.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng & 0xff;
  }

  writeFd(fd: number, data: Uint8Array): number {
    if (fd === 1 && this.fds.has(1)) this.out.push(data);
    else if (fd === 2 && this.fds.has(2)) this.err.push(data);
    else return EBADF;
    return data.length;
  }

  /** struct stat for a pipe (fds 0-2 are pipes, as in the recordings). */
  pipeStat(buf: number): void {
    const size = this.arch === "x86_64" ? 144 : 128;
    const b = new DataView(new ArrayBuffer(size));
    const S_IFIFO_0600 = 0o010600;
    b.setBigUint64(0, 0xcn, true); // st_dev: pipefs
    b.setBigUint64(8, 1000n, true); // st_ino
    if (this.arch === "x86_64") {
      // arch/x86/include/uapi/asm/stat.h: dev, ino, nlink(8), mode, uid, gid, pad, rdev, size, blksize(8), blocks
      b.setBigUint64(16, 1n, true);
      b.setUint32(24, S_IFIFO_0600, true);
      b.setUint32(28, this.uid, true);
      b.setUint32(32, this.gid, true);
      b.setBigUint64(56, 4096n, true);
    } else {
      // include/uapi/asm-generic/stat.h: dev, ino, mode, nlink(4), uid, gid, rdev, pad, size, blksize(4), pad, blocks
      b.setUint32(16, S_IFIFO_0600, true);
      b.setUint32(20, 1, true);
      b.setUint32(24, this.uid, true);
      b.setUint32(28, this.gid, true);
      b.setInt32(56, 4096, true);
    }
    this.mem.writeBytes(buf, new Uint8Array(b.buffer));
  }

  readPath(addr: number): string | number {
    const s = this.mem.readCString(addr, 4096);
    if (!s) return E("ENAMETOOLONG");
    return new TextDecoder().decode(s);
  }

  readlink(path: string, buf: number, size: number): number {
    if (size <= 0) return EINVAL;
    if (path !== "/proc/self/exe") return E("ENOENT");
    const n = Math.min(size, this.exe.length);
    this.mem.writeBytes(buf, this.exe.subarray(0, n));
    return n;
  }

  futex(uaddr: number, op: number, val: number, timeout: number): number {
    const cmd = op & ~(128 | 256); // FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME
    if (cmd === 0 || cmd === 9) {
      // FUTEX_WAIT / FUTEX_WAIT_BITSET
      if (uaddr % 4 !== 0) return EINVAL;
      if (this.mem.read32(uaddr) !== val >>> 0) return E("EAGAIN");
      // With one thread nobody can wake us: a timed wait times out, an untimed one never returns.
      if (timeout !== 0) return E("ETIMEDOUT");
      throw new DeadlockSignal();
    }
    if (cmd === 1 || cmd === 10) return 0; // FUTEX_WAKE / FUTEX_WAKE_BITSET: no waiters
    return ENOSYS;
  }
}

type Handler = (p: Proc, a: readonly bigint[]) => number | bigint;
const int = (v: bigint): number => Number(BigInt.asIntN(32, v));
const ptr = (p: Proc, v: bigint): number => p.u64(v);

/** The syscall table, by name (numbers differ per ISA; names are shared). */
const HANDLERS: Record<string, Handler> = {
  // fs/read_write.c ksys_write: fds 1 and 2 are the pipes we capture. A buffer that faults part way
  // gives a short write (pipe_write returns what it copied), or EFAULT when nothing could be copied.
  write: (p, a) => {
    const fd = int(a[0]!);
    if (!p.fds.has(fd) || fd === 0) return EBADF;
    const buf = ptr(p, a[1]!);
    const len = Math.min(p.u64(a[2]!), MAX_RW_COUNT);
    if (len === 0) return 0;
    const n = p.accessiblePrefix(buf, len, PERM_READ);
    return n === 0 ? EFAULT : p.writeFd(fd, p.mem.readBytes(buf, n));
  },
  // fs/read_write.c do_writev: iovcnt above UIO_MAXIOV (1024) is EINVAL, as is a total length that
  // overflows ssize_t; a faulting segment ends the write short.
  writev: (p, a) => {
    const fd = int(a[0]!);
    if (!p.fds.has(fd) || fd === 0) return EBADF;
    const iov = ptr(p, a[1]!);
    const cnt = int(a[2]!);
    if (cnt < 0 || cnt > 1024) return EINVAL;
    const vec: [number, number][] = [];
    let sum = 0n;
    for (let i = 0; i < cnt; i++) {
      const len = p.mem.read64(iov + 16 * i + 8);
      sum += len;
      if (sum > 0x7fffffffffffffffn) return EINVAL;
      vec.push([ptr(p, p.mem.read64(iov + 16 * i)), p.u64(len)]);
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const [base, want] of vec) {
      const len = Math.min(want, MAX_RW_COUNT - total);
      const n = p.accessiblePrefix(base, len, PERM_READ);
      if (n > 0) parts.push(p.mem.readBytes(base, n));
      total += n;
      if (n < len || total >= MAX_RW_COUNT) break;
    }
    if (total === 0 && vec.some(([, len]) => len > 0)) return EFAULT;
    const all = new Uint8Array(total);
    let o = 0;
    for (const part of parts) {
      all.set(part, o);
      o += part.length;
    }
    return p.writeFd(fd, all);
  },
  read: (p, a) => {
    const fd = int(a[0]!);
    if (fd !== 0 || !p.fds.has(0)) return EBADF;
    const n = Math.min(p.u64(a[2]!), p.stdin.length - p.stdinPos, MAX_RW_COUNT);
    if (n > 0) p.mem.writeBytes(ptr(p, a[1]!), p.stdin.subarray(p.stdinPos, p.stdinPos + n));
    p.stdinPos += n;
    return n;
  },
  exit: (_p, a) => {
    throw new ExitSignal(int(a[0]!) & 0xff);
  },
  exit_group: (_p, a) => {
    throw new ExitSignal(int(a[0]!) & 0xff);
  },
  // mm/mmap.c SYSCALL_DEFINE1(brk): returns the new break, or the old one when it cannot move.
  brk: (p, a) => {
    const want = ptr(p, a[0]!);
    if (want < p.brkStart || want > p.brkStart + BRK_MAX) return p.brk;
    const oldEnd = pageUp(p.brk);
    const newEnd = pageUp(want);
    if (newEnd > oldEnd) {
      if (p.anyMapped(oldEnd, newEnd - oldEnd) || newEnd > p.mmapTop) return p.brk;
      p.mem.map(oldEnd, newEnd - oldEnd, PERM_READ | PERM_WRITE);
    } else if (newEnd < oldEnd) {
      p.mem.unmap(newEnd, oldEnd - newEnd);
    }
    p.brk = want;
    return want;
  },
  // mm/mmap.c do_mmap, anonymous mappings only (fds 0-2 are pipes: ENODEV).
  mmap: (p, a) => {
    const hint = ptr(p, a[0]!);
    const rawLen = p.u64(a[1]!);
    const prot = int(a[2]!);
    const flags = int(a[3]!);
    const fd = int(a[4]!);
    if (rawLen === 0 || rawLen > 2 ** 47) return rawLen === 0 ? EINVAL : E("ENOMEM");
    if (p.u64(a[5]!) % PAGE_SIZE !== 0) return EINVAL;
    const type = flags & 0xf;
    if (type < 1 || type > 3) return EINVAL; // MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE
    if (!(flags & 0x20)) return p.fds.has(fd) ? E("ENODEV") : EBADF; // not MAP_ANONYMOUS
    const len = pageUp(rawLen);
    const MAP_FIXED = 0x10;
    const MAP_FIXED_NOREPLACE = 0x100000;
    let addr: number | undefined;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (hint % PAGE_SIZE !== 0) return EINVAL;
      if (hint < MMAP_MIN || hint + len > 2 ** 47) return E("EPERM");
      if (flags & MAP_FIXED_NOREPLACE && !(flags & MAP_FIXED) && p.anyMapped(hint, len)) return E("EEXIST");
      addr = hint;
    } else if (hint !== 0 && hint % PAGE_SIZE === 0 && hint >= MMAP_MIN && hint + len <= p.mmapTop && !p.anyMapped(hint, len)) {
      addr = hint;
    } else {
      addr = p.findFree(len);
      if (addr === undefined) return E("ENOMEM");
    }
    p.mem.map(addr, len, PROT_TO_PERM(prot));
    return addr;
  },
  munmap: (p, a) => {
    const addr = ptr(p, a[0]!);
    const len = p.u64(a[1]!);
    if (addr % PAGE_SIZE !== 0 || len === 0 || addr + len > 2 ** 48) return EINVAL;
    p.mem.unmap(addr, pageUp(len));
    return 0;
  },
  mprotect: (p, a) => {
    const addr = ptr(p, a[0]!);
    const len = p.u64(a[1]!);
    if (addr % PAGE_SIZE !== 0) return EINVAL;
    if (len === 0) return 0;
    return p.mem.protect(addr, pageUp(len), PROT_TO_PERM(int(a[2]!))) ? 0 : E("ENOMEM");
  },
  // Allowed by the brief: callers (musl realloc) fall back to malloc + copy.
  mremap: () => E("ENOMEM"),
  madvise: (p, a) => (ptr(p, a[0]!) % PAGE_SIZE !== 0 ? EINVAL : 0),
  // kernel/fork.c: returns the caller's tid.
  set_tid_address: (p, a) => {
    p.clearChildTid = ptr(p, a[0]!);
    return p.pid;
  },
  // kernel/futex/syscalls.c: len must be sizeof(struct robust_list_head) = 24.
  set_robust_list: (p, a) => {
    if (a[1]! !== 24n) return EINVAL;
    p.robustHead = ptr(p, a[0]!);
    return 0;
  },
  get_robust_list: (p, a) => {
    const pid = int(a[0]!);
    if (pid !== 0 && pid !== p.pid) return E("ESRCH");
    p.mem.write64(ptr(p, a[1]!), BigInt(p.robustHead));
    p.mem.write64(ptr(p, a[2]!), 24n);
    return 0;
  },
  // kernel/rseq.c: register a 32-byte-aligned area of at least 32 bytes; the kernel then keeps
  // cpu_id_start/cpu_id current (we are always on CPU 0).
  rseq: (p, a) => {
    const addr = ptr(p, a[0]!);
    const len = Number(BigInt.asUintN(32, a[1]!));
    const flags = int(a[2]!);
    const sig = Number(BigInt.asUintN(32, a[3]!));
    if (flags & 1) {
      // RSEQ_FLAG_UNREGISTER
      if (flags & ~1) return EINVAL;
      if (!p.rseq || p.rseq.addr !== addr || p.rseq.len !== len) return EINVAL;
      if (p.rseq.sig !== sig) return E("EPERM");
      p.rseq = undefined;
      return 0;
    }
    if (flags !== 0) return EINVAL;
    if (p.rseq) return p.rseq.addr === addr && p.rseq.len === len && p.rseq.sig === sig ? E("EBUSY") : EINVAL;
    if (len < 32 || addr % 32 !== 0) return EINVAL;
    p.mem.write32(addr, 0);
    p.mem.write32(addr + 4, 0);
    p.rseq = { addr, len, sig };
    return 0;
  },
  // kernel/sys.c SYSCALL_DEFINE1(newuname): six 65-byte fields.
  uname: (p, a) => {
    const buf = new Uint8Array(65 * 6);
    const fields = ["Linux", "uabi", "6.1.0-uabi", "#1 SMP PREEMPT_DYNAMIC", p.arch === "arm64" ? "aarch64" : "x86_64", "(none)"];
    fields.forEach((f, i) => buf.set(enc.encode(f), 65 * i));
    p.mem.writeBytes(ptr(p, a[0]!), buf);
    return 0;
  },
  // kernel/sys.c SYSCALL_DEFINE4(prlimit64); RLIMIT_STACK 8 MiB soft, RLIMIT_NOFILE 1024/4096 as a login shell has.
  prlimit64: (p, a) => {
    const pid = int(a[0]!);
    const res = int(a[1]!);
    if (pid !== 0 && pid !== p.pid) return E("ESRCH");
    if (res < 0 || res >= 16) return EINVAL;
    const INF = 0xffffffffffffffffn;
    const cur = p.rlimits.get(res) ?? (res === 3 ? [8n << 20n, INF] : res === 7 ? [1024n, 4096n] : [INF, INF]);
    const newp = ptr(p, a[2]!);
    const oldp = ptr(p, a[3]!);
    let next = cur;
    if (newp) {
      next = [p.mem.read64(newp), p.mem.read64(newp + 8)];
      if (next[0] > next[1]) return EINVAL;
    }
    if (oldp) {
      p.mem.write64(oldp, cur[0]);
      p.mem.write64(oldp + 8, cur[1]);
    }
    p.rlimits.set(res, next);
    return 0;
  },
  // drivers/char/random.c: flags beyond GRND_NONBLOCK|GRND_RANDOM|GRND_INSECURE are EINVAL.
  getrandom: (p, a) => {
    if (int(a[2]!) & ~7) return EINVAL;
    const want = Math.min(p.u64(a[1]!), 33554431);
    if (want === 0) return 0;
    const n = p.accessiblePrefix(ptr(p, a[0]!), want, PERM_WRITE);
    if (n === 0) return EFAULT;
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = p.nextRandom();
    p.mem.writeBytes(ptr(p, a[0]!), bytes);
    return n;
  },
  readlinkat: (p, a) => {
    const path = p.readPath(ptr(p, a[1]!));
    return typeof path === "number" ? path : p.readlink(path, ptr(p, a[2]!), int(a[3]!));
  },
  readlink: (p, a) => {
    const path = p.readPath(ptr(p, a[0]!));
    return typeof path === "number" ? path : p.readlink(path, ptr(p, a[1]!), int(a[2]!));
  },
  // arch/x86/kernel/process_64.c do_arch_prctl_64.
  arch_prctl: (p, a) => {
    const code = int(a[0]!);
    const addr = a[1]!;
    if (code === 0x1002) p.cpu.tlsBase = addr; // ARCH_SET_FS
    else if (code === 0x1003) p.mem.write64(ptr(p, addr), p.cpu.tlsBase); // ARCH_GET_FS
    else if (code === 0x1001) p.gsBase = addr; // ARCH_SET_GS
    else if (code === 0x1004) p.mem.write64(ptr(p, addr), p.gsBase); // ARCH_GET_GS
    else return EINVAL;
    return 0;
  },
  ioctl: (p, a) => (p.fds.has(int(a[0]!)) ? E("ENOTTY") : EBADF),
  fstat: (p, a) => {
    if (!p.fds.has(int(a[0]!))) return EBADF;
    p.pipeStat(ptr(p, a[1]!));
    return 0;
  },
  newfstatat: (p, a) => {
    const path = p.readPath(ptr(p, a[1]!));
    if (typeof path === "number") return path;
    if (path === "" && int(a[3]!) & AT_FLAGS.EMPTY_PATH) {
      if (!p.fds.has(int(a[0]!))) return EBADF;
      p.pipeStat(ptr(p, a[2]!));
      return 0;
    }
    return E("ENOENT");
  },
  clock_gettime: (p, a) => {
    const clk = int(a[0]!);
    if (clk < 0 || clk > 11 || clk === 10) return EINVAL;
    const ns = BigInt(p.cpu.counters.instructions);
    const base = clk === 0 || clk === 8 || clk === 11 ? EPOCH_SECONDS : 0n; // REALTIME, REALTIME_ALARM, TAI
    p.mem.write64(ptr(p, a[1]!), base + ns / 1_000_000_000n);
    p.mem.write64(ptr(p, a[1]!) + 8, ns % 1_000_000_000n);
    return 0;
  },
  // kernel/exec_domain.c: 0xffffffff queries; anything else sets and returns the old persona.
  personality: (p, a) => {
    const old = p.persona;
    const next = Number(BigInt.asUintN(32, a[0]!));
    if (next !== 0xffffffff) p.persona = next;
    return old;
  },
  // kernel/sys.c SYSCALL_DEFINE1(umask): keeps mask & S_IRWXUGO, returns the old mask.
  umask: (p, a) => {
    const old = p.umask;
    p.umask = int(a[0]!) & 0o777;
    return old;
  },
  // kernel/sys.c do_sysinfo: glibc's qsort asks for the physical memory size (sysconf _SC_PHYS_PAGES).
  sysinfo: (p, a) => {
    const b = new DataView(new ArrayBuffer(112));
    b.setBigUint64(0, BigInt(Math.floor(p.cpu.counters.instructions / 1e9)), true); // uptime (virtual seconds)
    b.setBigUint64(32, 1n << 30n, true); // totalram: 1 GiB
    b.setBigUint64(40, 1n << 29n, true); // freeram
    b.setUint16(80, 1, true); // procs
    b.setUint32(104, 1, true); // mem_unit
    p.mem.writeBytes(ptr(p, a[0]!), new Uint8Array(b.buffer));
    return 0;
  },
  getpid: (p) => p.pid,
  gettid: (p) => p.pid,
  getppid: () => 1,
  getuid: (p) => p.uid,
  geteuid: (p) => p.uid,
  getgid: (p) => p.gid,
  getegid: (p) => p.gid,
  sched_yield: () => 0,
  futex: (p, a) => p.futex(ptr(p, a[0]!), int(a[1]!), int(a[2]!), ptr(p, a[3]!)),
  // kernel/signal.c: handlers are recorded, never delivered (this harness raises no signals).
  rt_sigaction: (p, a) => {
    const sig = int(a[0]!);
    if (a[3]! !== 8n || sig < 1 || sig > 64) return EINVAL;
    const act = ptr(p, a[1]!);
    const oact = ptr(p, a[2]!);
    if (act && (sig === 9 || sig === 19)) return EINVAL; // SIGKILL, SIGSTOP
    const prev = p.sigactions.get(sig) ?? new Uint8Array(32);
    if (act) p.sigactions.set(sig, p.mem.readBytes(act, 32));
    if (oact) p.mem.writeBytes(oact, prev);
    return 0;
  },
  rt_sigprocmask: (p, a) => {
    if (a[3]! !== 8n) return EINVAL;
    const how = int(a[0]!);
    const setp = ptr(p, a[1]!);
    const oldp = ptr(p, a[2]!);
    let next = p.sigmask;
    if (setp) {
      const set = p.mem.read64(setp);
      if (how === 0) next = p.sigmask | set;
      else if (how === 1) next = p.sigmask & ~set;
      else if (how === 2) next = set;
      else return EINVAL;
    }
    if (oldp) p.mem.write64(oldp, p.sigmask);
    p.sigmask = next & ~((1n << 8n) | (1n << 18n)); // SIGKILL and SIGSTOP cannot be blocked
    return 0;
  },
  openat: () => E("ENOENT"),
  open: () => E("ENOENT"),
  close: (p, a) => (p.fds.delete(int(a[0]!)) ? 0 : EBADF),
  lseek: (p, a) => (p.fds.has(int(a[0]!)) ? E("ESPIPE") : EBADF),
};

/** The syscall names this harness answers (everything else is -ENOSYS). */
export const HANDLED_SYSCALLS: readonly string[] = Object.keys(HANDLERS);

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/**
 * Load `elf` into `cpu.mem`, build the initial stack, and run until exit, a fatal trap, the
 * instruction budget, or a single-thread deadlock. Throws {@link LoaderError} for a bad ELF.
 */
export function runStatic(cpu: Cpu, elf: Uint8Array, opts: RunStaticOptions): RunStaticResult {
  const image = loadElfImage(cpu.mem, elf, cpu.arch);
  const stack = buildInitialStack(cpu.mem, image, opts);
  for (let i = 0; i < GPR_COUNT[cpu.arch]; i++) cpu.setReg(i, 0n); // ELF_PLAT_INIT: registers start zeroed
  cpu.tlsBase = 0n;
  cpu.sp = BigInt(stack.sp);
  cpu.pc = image.entry;
  const proc = new Proc(cpu, image, stack.limit, opts);
  const abi = ABI[cpu.arch];
  const maxInsns = opts.maxInsns ?? 2e9;
  const start = cpu.counters.instructions;
  const syscalls: string[] = [];
  const unhandled: string[] = [];
  let stop: StopReason = "budget";
  let exitStatus = -1;
  let trap: Trap | undefined;
  let signal: number | undefined;
  const args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];

  const maxSyscalls = opts.maxSyscalls ?? 1e7;
  for (;;) {
    const used = cpu.counters.instructions - start;
    if (used >= maxInsns || syscalls.length >= maxSyscalls) break;
    trap = cpu.run(maxInsns - used);
    if (trap.kind === "budget") {
      if (cpu.counters.instructions - start === used) break; // no progress: do not spin
      continue;
    }
    if (trap.kind !== "syscall") {
      stop = "fault";
      signal = FATAL_SIGNAL[trap.kind][cpu.arch];
      exitStatus = 128 + signal;
      break;
    }
    // Linux truncates the number register to int (arm64 el0_svc_common, x86 do_syscall_64).
    const nr = Number(cpu.getReg(abi.nr) & 0xffffffffn);
    for (let i = 0; i < 6; i++) args[i] = cpu.getReg(abi.args[i]!);
    const name = syscallName(cpu.arch, nr);
    const handler = HANDLERS[name];
    let result: bigint;
    try {
      if (!handler) {
        unhandled.push(name);
        result = BigInt(ENOSYS);
      } else {
        result = BigInt(handler(proc, args));
      }
    } catch (e) {
      if (e instanceof ExitSignal) {
        syscalls.push(`${name} = ?`);
        opts.onSyscall?.({ nr, name, args: [...args], pc: trap.pc });
        stop = "exit";
        exitStatus = e.status;
        break;
      }
      if (e instanceof DeadlockSignal) {
        syscalls.push(`${name} = ?`);
        stop = "deadlock";
        break;
      }
      if (e instanceof GuestMemoryFault) result = BigInt(EFAULT);
      else throw e;
    }
    cpu.setReg(abi.ret, BigInt.asUintN(64, result));
    syscalls.push(`${name} = ${normaliseValue(name, result)}`);
    opts.onSyscall?.({ nr, name, args: [...args], result, pc: trap.pc });
  }
  const stdoutBytes = concat(proc.out);
  const stderrBytes = concat(proc.err);
  return {
    stdout: latin1(stdoutBytes),
    stderr: latin1(stderrBytes),
    stdoutBytes,
    stderrBytes,
    exitStatus,
    syscalls,
    instructions: cpu.counters.instructions - start,
    stop,
    trap,
    signal,
    unhandled,
  };
}
