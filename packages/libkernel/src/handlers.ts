/**
 * The libkernel handlers, each an IR function with the C signature of the syscall it replaces
 * (arguments in syscall order, raw kernel result: a value, or −errno).
 *
 * Semantics follow Linux; the function each one mirrors is cited next to it.
 */
import type { Abi } from "./abi.js";
import { K } from "./abi.js";
import type { Handler, Reg, Src } from "./ir.js";
import { IrBuilder } from "./ir.js";
import { CLOCK_MODE, FS_PAGE, TASK_PAGE, UTS_PAGE, VVAR_NCLOCKS, VVAR_PAGE } from "./layout.js";

const U32_MAX = 0xffffffffn;
const neg = (e: bigint): bigint => BigInt.asUintN(64, -e);

// ------------------------------------------------------------------ per-task / per-fs state

/** kernel/exec_domain.c ksys_personality: 0xffffffff queries; otherwise set. Returns the old value. */
export function personality(): Handler {
  const b = new IrBuilder("personality", 1);
  const done = b.label("done");
  return b
    .arg(0, 0).ext(0, 0, 32)
    .page(1, "task").load(2, 1, TASK_PAGE.personality, 4)
    .br("eq", 0, U32_MAX, done)
    .store(1, TASK_PAGE.personality, 0, 4)
    .place(done).ret(2)
    .build();
}

/** kernel/futex/syscalls.c set_robust_list: len must be sizeof(struct robust_list_head). */
export function setRobustList(): Handler {
  const b = new IrBuilder("set_robust_list", 2);
  const einval = b.label("einval");
  return b
    .arg(1, 1).br("ne", 1, K.ROBUST_LIST_HEAD_SIZE, einval)
    .page(0, "task").arg(2, 0)
    .store(0, TASK_PAGE.robustHead, 2, 8).store(0, TASK_PAGE.robustLen, 1, 8)
    .ret(0n)
    .place(einval).ret(neg(K.EINVAL))
    .build();
}

/**
 * kernel/futex/syscalls.c get_robust_list: pid 0 (or our own tid) is answered from the per-task
 * page — len first, then head, as Linux's put_user order; any other pid goes to the kernel.
 */
export function getRobustList(abi: Abi): Handler {
  const b = new IrBuilder("get_robust_list", 3);
  const local = b.label("local");
  return b
    .arg(0, 0).ext(0, 0, 32)
    .page(1, "task")
    .br("eq", 0, 0n, local)
    .load(2, 1, TASK_PAGE.tid, 4).br("eq", 0, 2, local)
    .arg(3, 1).arg(4, 2).syscall(5, abi.nr("get_robust_list"), [0, 3, 4]).ret(5)
    .place(local)
    .arg(3, 2).store(3, 0, K.ROBUST_LIST_HEAD_SIZE, 8)
    .arg(3, 1).load(2, 1, TASK_PAGE.robustHead, 8).store(3, 0, 2, 8)
    .ret(0n)
    .build();
}

/** kernel/sys.c umask: xchg(&fs->umask, mask & S_IRWXUGO). */
export function umask(): Handler {
  return new IrBuilder("umask", 1)
    .arg(0, 0).and(0, 0, 0o777n)
    .page(1, "fs").load(2, 1, FS_PAGE.umask, 4).store(1, FS_PAGE.umask, 0, 4)
    .ret(2)
    .build();
}

function taskField(name: string, off: number): Handler {
  return new IrBuilder(name, 0).page(0, "task").load(1, 0, off, 4).ret(1).build();
}
export const getpid = (): Handler => taskField("getpid", TASK_PAGE.pid);
export const gettid = (): Handler => taskField("gettid", TASK_PAGE.tid);

/** getcpu(cpu, node, cache): each non-NULL pointer gets its u32 (arch/x86/entry/vdso/vgetcpu.c). */
export function getcpu(): Handler {
  const b = new IrBuilder("getcpu", 3);
  const noCpu = b.label("nocpu");
  const done = b.label("done");
  return b
    .page(0, "task")
    .arg(1, 0).br("eq", 1, 0n, noCpu).load(2, 0, TASK_PAGE.cpu, 4).store(1, 0, 2, 4)
    .place(noCpu)
    .arg(1, 1).br("eq", 1, 0n, done).load(2, 0, TASK_PAGE.node, 4).store(1, 0, 2, 4)
    .place(done).ret(0n)
    .build();
}

/**
 * `__kernel_abi_personality(bits)` (LIBKERNEL_2): the process refines its own ABI in userspace,
 * with personality(2)'s convention — 0xffffffff queries — and returns the old bits.
 */
export function abiPersonality(): Handler {
  const b = new IrBuilder("abi_personality", 1);
  const done = b.label("done");
  return b
    .arg(0, 0).ext(0, 0, 32)
    .page(1, "task").load(2, 1, TASK_PAGE.abiPersonality, 4)
    .br("eq", 0, U32_MAX, done)
    .store(1, TASK_PAGE.abiPersonality, 0, 4)
    .place(done).ret(2)
    .build();
}

// ------------------------------------------------------------------ uname

/** Copy `len` bytes from the uts page to arg 0: 8-byte loop, then a 4/2/1 tail. */
function copyUts(name: string, len: number): Handler {
  const b = new IrBuilder(name, 1);
  const loop = b.label("loop");
  const tail = b.label("tail");
  b.page(0, "uts").arg(1, 0).add(2, 0, BigInt(len & ~7))
    .place(loop).br("geu", 0, 2, tail)
    .load(3, 0, 0, 8).store(1, 0, 3, 8).add(0, 0, 8n).add(1, 1, 8n).jmp(loop)
    .place(tail);
  let off = 0;
  for (const size of [4, 2, 1] as const) {
    if ((len & 7 & size) !== 0) {
      b.load(3, 0, off, size).store(1, off, 3, size);
      off += size;
    }
  }
  return b.ret(0n).build();
}
/** uname(2) = kernel/sys.c newuname: struct new_utsname (6 × 65). `__kernel_uname@@LIBKERNEL_2`. */
export const uname = (): Handler => copyUts("uname", UTS_PAGE.newSize);
/** The LIBKERNEL_1 ABI: struct old_utsname (5 × 65; no domainname). `__kernel_uname@LIBKERNEL_1`. */
export const unameV1 = (): Handler => copyUts("uname", UTS_PAGE.oldSize);

// ------------------------------------------------------------------ clocks

type ClockSrc = { arg: number } | { id: bigint };

/**
 * Inline seqlock clock read (lib/vdso/gettimeofday.c do_hres / do_coarse, simplified):
 * leaves seconds in r3 and nanoseconds (< 1e9) in r4; jumps to `fallback` when the clock id is
 * out of range or its mode says "use the syscall". Clobbers r0–r5.
 */
function readClock(b: IrBuilder, clk: ClockSrc, fallback: string): void {
  const retry = b.label("retry");
  const check = b.label("check");
  const norm = b.label("norm");
  const done = b.label("done");
  const noDelta = b.label("nodelta");
  const loadId = (d: Reg): void => {
    if ("arg" in clk) b.arg(d, clk.arg).ext(d, d, 32);
    else b.const(d, clk.id);
  };
  const C = VVAR_PAGE.clock;
  b.page(0, "vvar");
  loadId(1);
  b.br("geu", 1, BigInt(VVAR_NCLOCKS), fallback);
  b.place(retry)
    .load(2, 0, VVAR_PAGE.seq, 4)
    .and(5, 2, 1n).br("ne", 5, 0n, retry);
  loadId(1);
  b.alu("shl", 1, 1, 5n).add(1, 1, 0)
    .load(3, 1, VVAR_PAGE.clocks + C.sec, 8)
    .load(4, 1, VVAR_PAGE.clocks + C.nsec, 8)
    .load(5, 1, VVAR_PAGE.clocks + C.mode, 4)
    .br("eq", 5, BigInt(CLOCK_MODE.syscall), fallback)
    .br("ne", 5, BigInt(CLOCK_MODE.hres), check)
    .counter(1)
    .load(5, 0, VVAR_PAGE.cycleLast, 8)
    // A counter behind cycleLast (another CPU's clock, a restore) contributes nothing.
    .br("ltu", 1, 5, noDelta)
    .sub(1, 1, 5)
    .load(5, 0, VVAR_PAGE.mult, 4).alu("mul", 1, 1, 5)
    .load(5, 0, VVAR_PAGE.shift, 4).alu("shr", 1, 1, 5)
    .add(4, 4, 1)
    .place(noDelta)
    .place(check)
    .load(5, 0, VVAR_PAGE.seq, 4).br("ne", 5, 2, retry)
    .place(norm)
    .br("ltu", 4, K.NSEC_PER_SEC, done)
    .sub(4, 4, K.NSEC_PER_SEC).add(3, 3, 1n).jmp(norm)
    .place(done);
}

if (VVAR_PAGE.clockSize !== 32) throw new Error("readClock assumes 32-byte clock records");

/** clock_gettime(clk, ts): vvar + counter; anything the vvar cannot answer goes to the kernel. */
export function clockGettime(abi: Abi): Handler {
  const b = new IrBuilder("clock_gettime", 2);
  const fb = b.label("fallback");
  readClock(b, { arg: 0 }, fb);
  return b
    .arg(1, 1).store(1, 0, 3, 8).store(1, 8, 4, 8).ret(0n)
    .place(fb).arg(1, 0).arg(2, 1).syscall(0, abi.nr("clock_gettime"), [1, 2]).ret(0)
    .build();
}

/** gettimeofday(tv, tz): CLOCK_REALTIME in µs; tz from the vvar page (kernel/time/time.c semantics). */
export function gettimeofday(abi: Abi): Handler {
  const b = new IrBuilder("gettimeofday", 2);
  const fb = b.label("fallback");
  const tz = b.label("tz");
  const done = b.label("done");
  b.arg(1, 0).br("eq", 1, 0n, tz);
  readClock(b, { id: K.CLOCK_REALTIME }, fb);
  return b
    .udiv(4, 4, 1000n)
    .arg(1, 0).store(1, 0, 3, 8).store(1, 8, 4, 8)
    .place(tz)
    .arg(1, 1).br("eq", 1, 0n, done)
    .page(0, "vvar")
    .load(2, 0, VVAR_PAGE.tzMinuteswest, 4).store(1, 0, 2, 4)
    .load(2, 0, VVAR_PAGE.tzDsttime, 4).store(1, 4, 2, 4)
    .place(done).ret(0n)
    .place(fb).arg(1, 0).arg(2, 1).syscall(0, abi.nr("gettimeofday"), [1, 2]).ret(0)
    .build();
}

/** clock_getres(clk, res): the vvar record's resolution; NULL res is allowed. */
export function clockGetres(abi: Abi): Handler {
  const b = new IrBuilder("clock_getres", 2);
  const fb = b.label("fallback");
  const ok = b.label("ok");
  const C = VVAR_PAGE.clock;
  return b
    .arg(1, 0).ext(1, 1, 32).br("geu", 1, BigInt(VVAR_NCLOCKS), fb)
    .page(0, "vvar").alu("shl", 1, 1, 5n).add(1, 1, 0)
    .load(2, 1, VVAR_PAGE.clocks + C.mode, 4).br("eq", 2, BigInt(CLOCK_MODE.syscall), fb)
    .arg(3, 1).br("eq", 3, 0n, ok)
    .store(3, 0, 0n, 8).load(2, 1, VVAR_PAGE.clocks + C.resNsec, 4).store(3, 8, 2, 8)
    .place(ok).ret(0n)
    .place(fb).arg(1, 0).arg(2, 1).syscall(0, abi.nr("clock_getres"), [1, 2]).ret(0)
    .build();
}

/**
 * time(tloc): CLOCK_REALTIME seconds, read without the seqlock as Linux's __cvdso_time does
 * (a single aligned 8-byte load). The x86-64 `time` syscall is superseded: the fallback is
 * clock_gettime(CLOCK_REALTIME) on a stack timespec.
 */
export function time(abi: Abi): Handler {
  const b = new IrBuilder("time", 1);
  const fb = b.label("fallback");
  const store = b.label("store");
  const done = b.label("done");
  const err = b.label("err");
  const ts = b.reserve(16);
  const rec = VVAR_PAGE.clocks + Number(K.CLOCK_REALTIME) * VVAR_PAGE.clockSize;
  return b
    .page(0, "vvar").load(2, 0, rec + VVAR_PAGE.clock.mode, 4).br("eq", 2, BigInt(CLOCK_MODE.syscall), fb)
    .load(3, 0, rec + VVAR_PAGE.clock.sec, 8)
    .place(store)
    .arg(1, 0).br("eq", 1, 0n, done).store(1, 0, 3, 8)
    .place(done).ret(3)
    .place(fb).stack(1, ts).syscall(2, abi.nr("clock_gettime"), [K.CLOCK_REALTIME, 1])
    .br("ne", 2, 0n, err).load(3, 1, 0, 8).jmp(store)
    .place(err).ret(2)
    .build();
}

// ------------------------------------------------------------------ x86-64 superseded calls

type ArgMap = readonly (number | { imm: bigint })[];

/** A call rewritten onto its successor: arguments permuted, constants filled in. */
function rewrite(abi: Abi, name: string, nargs: number, successor: string, map: ArgMap): Handler {
  const b = new IrBuilder(name, nargs);
  const srcs: Src[] = [];
  let r = 0;
  for (const m of map) {
    if (typeof m === "number") {
      b.arg(r as Reg, m);
      srcs.push(r as Reg);
      r++;
    } else srcs.push(BigInt.asUintN(64, m.imm));
  }
  return b.syscall(0, abi.nr(successor), srcs).ret(0).build();
}

const cwd = { imm: K.AT_FDCWD };
const c = (v: bigint): { imm: bigint } => ({ imm: v });

/** [name, nargs, successor, argument map] — the x86-64 superseded calls (fs/open.c, fs/namei.c, fs/stat.c …). */
export const REWRITES: readonly (readonly [string, number, string, ArgMap])[] = [
  ["open", 3, "openat", [cwd, 0, 1, 2]],
  ["creat", 2, "openat", [cwd, 0, c(K.O_CREAT | K.O_WRONLY | K.O_TRUNC), 1]],
  ["stat", 2, "newfstatat", [cwd, 0, 1, c(0n)]],
  ["lstat", 2, "newfstatat", [cwd, 0, 1, c(K.AT_SYMLINK_NOFOLLOW)]],
  ["access", 2, "faccessat", [cwd, 0, 1]],
  ["pipe", 1, "pipe2", [0, c(0n)]],
  ["mkdir", 2, "mkdirat", [cwd, 0, 1]],
  ["rmdir", 1, "unlinkat", [cwd, 0, c(K.AT_REMOVEDIR)]],
  ["unlink", 1, "unlinkat", [cwd, 0, c(0n)]],
  ["rename", 2, "renameat2", [cwd, 0, cwd, 1, c(0n)]],
  ["readlink", 3, "readlinkat", [cwd, 0, 1, 2]],
  ["getpgrp", 0, "getpgid", [c(0n)]],
  // kernel/fork.c sys_fork: kernel_clone with exit_signal SIGCHLD; x86-64 clone(flags, stack, ptid, ctid, tls).
  ["fork", 0, "clone", [c(K.SIGCHLD), c(0n), c(0n), c(0n), c(0n)]],
];

export function rewriteHandler(abi: Abi, name: string): Handler {
  const row = REWRITES.find((r) => r[0] === name);
  if (!row) throw new Error(`no rewrite for ${name}`);
  return rewrite(abi, row[0], row[1], row[2], row[3]);
}

/**
 * dup2 → dup3, except that dup3 rejects equal fds with EINVAL while dup2 returns the fd if it is
 * open and EBADF otherwise (fs/file.c ksys_dup2); fcntl(F_GETFD) is the validity probe.
 */
export function dup2(abi: Abi): Handler {
  const b = new IrBuilder("dup2", 2);
  const d3 = b.label("dup3");
  const err = b.label("err");
  return b
    .arg(0, 0).ext(0, 0, 32).arg(1, 1).ext(1, 1, 32)
    .br("ne", 0, 1, d3)
    .syscall(2, abi.nr("fcntl"), [0, K.F_GETFD]).br("lt", 2, 0n, err).ret(0)
    .place(err).ret(2)
    .place(d3).syscall(2, abi.nr("dup3"), [0, 1, 0n]).ret(2)
    .build();
}

// ------------------------------------------------------------------ fakeroot personality

/** getuid & co. under fakeroot: everyone is root. */
export function zeroId(name: string): Handler {
  return new IrBuilder(name, 0).ret(0n).build();
}

/** getresuid/getresgid under fakeroot: three u32 zeros. */
export function zeroResId(name: string): Handler {
  return new IrBuilder(name, 3)
    .arg(0, 0).store(0, 0, 0n, 4).arg(0, 1).store(0, 0, 0n, 4).arg(0, 2).store(0, 0, 0n, 4)
    .ret(0n)
    .build();
}

/**
 * Find the fakeroot entry for (dev r3, ino r4): on a hit r1 = entry address and control goes to
 * `found`; otherwise falls through with r0 = per-fs page. Clobbers r0, r1, r2, r5.
 */
function fakerootFind(b: IrBuilder, found: string): void {
  const loop = b.label("find");
  const next = b.label("next");
  const miss = b.label("miss");
  b.page(0, "fs")
    .load(2, 0, FS_PAGE.fakerootCount, 4).alu("mul", 2, 2, BigInt(FS_PAGE.fakerootEntrySize)).add(2, 2, 0).add(2, 2, BigInt(FS_PAGE.fakerootTable))
    .add(1, 0, BigInt(FS_PAGE.fakerootTable))
    .place(loop).br("geu", 1, 2, miss)
    .load(5, 1, 0, 8).br("ne", 5, 3, next)
    .load(5, 1, 8, 8).br("eq", 5, 4, found)
    .place(next).add(1, 1, BigInt(FS_PAGE.fakerootEntrySize)).jmp(loop)
    .place(miss);
}

type StatCall = (b: IrBuilder, buf: Reg) => void;

/**
 * chown family under fakeroot: stat the target (so a missing file still fails as it would),
 * then record uid/gid by (st_dev, st_ino) in the per-fs table; −1 leaves a field unchanged.
 * A new entry starts as root:root, which is what stat reports for unrecorded files. When the
 * table is full the oldest slot is recycled (round robin).
 */
function fakerootChown(abi: Abi, name: string, nargs: number, uidArg: number, gidArg: number, statCall: StatCall): Handler {
  const b = new IrBuilder(name, nargs);
  const buf = b.reserve(abi.stat.size);
  const found = b.label("found");
  const recycle = b.label("recycle");
  const init = b.label("init");
  const nowrap = b.label("nowrap");
  const setNext = b.label("setnext");
  const skipU = b.label("skipu");
  const skipG = b.label("skipg");
  const fail = b.label("fail");
  const cap = BigInt(FS_PAGE.fakerootCapacity);
  b.stack(1, buf);
  statCall(b, 1);
  b.br("lt", 5, 0n, fail)
    .stack(5, buf).load(3, 5, abi.stat.dev, 8).load(4, 5, abi.stat.ino, 8);
  fakerootFind(b, found);
  b.load(2, 0, FS_PAGE.fakerootCount, 4).br("geu", 2, cap, recycle)
    .add(5, 2, 1n).store(0, FS_PAGE.fakerootCount, 5, 4).jmp(init)
    .place(recycle)
    .load(2, 0, FS_PAGE.fakerootNext, 4)
    // An out-of-range cursor (the page is user-writable) restarts at 0 instead of writing off the table.
    .br("ltu", 2, cap, nowrap).const(2, 0)
    .place(nowrap).add(5, 2, 1n).br("ltu", 5, cap, setNext).const(5, 0)
    .place(setNext).store(0, FS_PAGE.fakerootNext, 5, 4)
    .place(init)
    .alu("mul", 1, 2, BigInt(FS_PAGE.fakerootEntrySize)).add(1, 1, 0).add(1, 1, BigInt(FS_PAGE.fakerootTable))
    .store(1, 0, 3, 8).store(1, 8, 4, 8).store(1, 16, 0n, 4).store(1, 20, 0n, 4)
    .place(found)
    .arg(2, uidArg).ext(2, 2, 32).br("eq", 2, U32_MAX, skipU).store(1, 16, 2, 4)
    .place(skipU)
    .arg(2, gidArg).ext(2, 2, 32).br("eq", 2, U32_MAX, skipG).store(1, 20, 2, 4)
    .place(skipG).ret(0n)
    .place(fail).ret(5);
  return b.build();
}

/** Where a stat-like buffer keeps the identity and owner fields. */
interface StatView {
  /** Load (st_dev, st_ino) from the buffer at r2 into r3, r4 (may clobber r5). */
  keys(b: IrBuilder): void;
  readonly uid: number;
  readonly gid: number;
}
const statView = (abi: Abi): StatView => ({
  keys: (b) => void b.load(3, 2, abi.stat.dev, 8).load(4, 2, abi.stat.ino, 8),
  uid: abi.stat.uid,
  gid: abi.stat.gid,
});
/** statx reports the device as major/minor; re-encode it the way stat's st_dev is (new_encode_dev). */
const statxView = (abi: Abi): StatView => ({
  keys: (b) =>
    void b
      .load(4, 2, abi.statx.devMinor, 4).and(3, 4, 0xffn)
      .load(5, 2, abi.statx.devMajor, 4).alu("shl", 5, 5, 8n).alu("or", 3, 3, 5)
      .and(4, 4, 0xffff_ff00n).alu("shl", 4, 4, 12n).alu("or", 3, 3, 4)
      .ext(3, 3, 32) // new_encode_dev computes in 32-bit unsigned arithmetic
      .load(4, 2, abi.statx.ino, 8),
  uid: abi.statx.uid,
  gid: abi.statx.gid,
});

/** A stat call under fakeroot: the real call, then uid/gid from the table (root:root when absent). */
function fakerootStat(name: string, nargs: number, bufArg: number, view: StatView, statCall: StatCall): Handler {
  const b = new IrBuilder(name, nargs);
  const found = b.label("found");
  const fail = b.label("fail");
  b.arg(1, bufArg);
  statCall(b, 1);
  b.br("ne", 5, 0n, fail).arg(2, bufArg);
  view.keys(b);
  fakerootFind(b, found);
  b.arg(5, bufArg).store(5, view.uid, 0n, 4).store(5, view.gid, 0n, 4).ret(0n)
    .place(found)
    .arg(5, bufArg).load(2, 1, 16, 4).store(5, view.uid, 2, 4).load(2, 1, 20, 4).store(5, view.gid, 2, 4)
    .ret(0n)
    .place(fail).ret(5);
  return b.build();
}

/** newfstatat(dirfd = arg or AT_FDCWD, path = arg, buf, flags) into r5. */
function viaFstatat(abi: Abi, dirfd: number | "cwd", path: number, flags: number | bigint): StatCall {
  return (b, buf) => {
    const args: Src[] = [];
    if (dirfd === "cwd") args.push(BigInt.asUintN(64, K.AT_FDCWD));
    else {
      b.arg(2, dirfd);
      args.push(2);
    }
    b.arg(3, path);
    args.push(3, buf);
    if (typeof flags === "number") {
      // fchownat honours only these two flags for its lookup (fs/open.c do_fchownat).
      b.arg(4, flags).and(4, 4, K.AT_SYMLINK_NOFOLLOW | K.AT_EMPTY_PATH);
      args.push(4);
    } else args.push(flags);
    b.syscall(5, abi.nr("newfstatat"), args);
  };
}
function viaFstat(abi: Abi, fd: number): StatCall {
  return (b, buf) => {
    b.arg(2, fd).syscall(5, abi.nr("fstat"), [2, buf]);
  };
}

/** The fakeroot personality's handlers for an ISA, by syscall name. */
export function fakerootHandlers(abi: Abi): ReadonlyMap<string, Handler> {
  const m = new Map<string, Handler>();
  for (const n of ["getuid", "geteuid", "getgid", "getegid"]) m.set(n, zeroId(n));
  for (const n of ["getresuid", "getresgid"]) m.set(n, zeroResId(n));
  m.set("fchownat", fakerootChown(abi, "fchownat", 5, 2, 3, viaFstatat(abi, 0, 1, 4)));
  m.set("fchown", fakerootChown(abi, "fchown", 3, 1, 2, viaFstat(abi, 0)));
  const st = statView(abi);
  m.set("fstat", fakerootStat("fstat", 2, 1, st, viaFstat(abi, 0)));
  m.set("newfstatat", fakerootStat("newfstatat", 4, 2, st, (b, buf) => {
    b.arg(2, 0).arg(3, 1).arg(4, 3).syscall(5, abi.nr("newfstatat"), [2, 3, buf, 4]);
  }));
  // statx(dirfd, path, flags, mask, buf): what coreutils' ls and stat use.
  m.set("statx", fakerootStat("statx", 5, 4, statxView(abi), (b, buf) => {
    b.arg(2, 0).arg(3, 1).arg(4, 2).arg(0, 3).syscall(5, abi.nr("statx"), [2, 3, 4, 0, buf]);
  }));
  if (abi.arch === "x86_64") {
    m.set("chown", fakerootChown(abi, "chown", 3, 1, 2, viaFstatat(abi, "cwd", 0, 0n)));
    m.set("lchown", fakerootChown(abi, "lchown", 3, 1, 2, viaFstatat(abi, "cwd", 0, K.AT_SYMLINK_NOFOLLOW)));
    m.set("stat", fakerootStat("stat", 2, 1, st, viaFstatat(abi, "cwd", 0, 0n)));
    m.set("lstat", fakerootStat("lstat", 2, 1, st, viaFstatat(abi, "cwd", 0, K.AT_SYMLINK_NOFOLLOW)));
  }
  return m;
}
