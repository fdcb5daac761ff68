/**
 * Files and descriptors: read/write family, openat (and x86-64's legacy
 * open/stat/access/...), stat family, getdents64, ioctl, fcntl, dup, pipes,
 * directory operations, cwd. Error behaviour follows fs/*.c.
 */
import { SyscallError } from "../errors.js";
import {
  EAGAIN, EBADF, EEXIST, EFAULT, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR, ENOTTY, EPIPE, ERANGE, EACCES, ESPIPE, EPERM, ENXIO, ENOTEMPTY,
} from "../errno.js";
import { F_RDLCK, F_UNLCK, F_WRLCK, lockConflict, setLock } from "../fd.js";
import { FdTable, OpenFile, Pipe, WOULD_BLOCK, O_ACCMODE, O_APPEND, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from "../fd.js";
import { latin1Bytes, NO_RETURN, type Handler, type HandlerResult, type SyscallContext } from "../syscall.js";
import type { Process } from "../task.js";
import { SIGPIPE } from "../signal.js";
import { CharDevNode, DirNode, FileNode, GeneratedNode, Inode, SymlinkNode, dtype, S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, type Resolved } from "../vfs.js";

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000;
const O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000;
const O_PATH = 0o10000000, O_TMPFILE_BASE = 0o20000000;
/** MAX_RW_COUNT: INT_MAX rounded down to a page. */
const MAX_RW = 0x7ffff000;

/** The open(2) bits whose values differ between x86-64 and the asm-generic arm64 ABI. */
export function archOpenFlags(p: Process): { DIRECTORY: number; NOFOLLOW: number; DIRECT: number; LARGEFILE: number } {
  return p.arch.arch === "x86_64"
    ? { DIRECTORY: 0o200000, NOFOLLOW: 0o400000, DIRECT: 0o40000, LARGEFILE: 0o100000 }
    : { DIRECTORY: 0o40000, NOFOLLOW: 0o100000, DIRECT: 0o200000, LARGEFILE: 0o400000 };
}

export function fileOf(c: SyscallContext, fd: number): OpenFile {
  const f = c.proc.files.file(fd);
  if (!f) throw new SyscallError(EBADF);
  return f;
}

/** The directory a *at() path is relative to. */
function baseDir(c: SyscallContext, dirfd: number, path: string): DirNode {
  if (path.startsWith("/") || dirfd === AT_FDCWD) return c.proc.fs.cwd;
  const f = c.proc.files.file(dirfd);
  if (!f) throw new SyscallError(EBADF);
  if (!(f.node instanceof DirNode)) throw new SyscallError(ENOTDIR);
  return f.node;
}

function ctxOf(c: SyscallContext) {
  return { pid: c.proc.pid };
}

export function resolveAt(c: SyscallContext, dirfd: number, path: string, follow: boolean, wantParent = false): Resolved {
  const r = c.kernel.vfs.resolve(path, baseDir(c, dirfd, path), ctxOf(c), { follow, wantParent });
  if (typeof r === "number") throw new SyscallError(r);
  return r;
}

export function existing(c: SyscallContext, dirfd: number, path: string, follow: boolean): Inode {
  const r = resolveAt(c, dirfd, path, follow);
  if (!r.node) throw new SyscallError(ENOENT);
  return r.node;
}

// ------------------------------------------------------------------ open

function doOpen(c: SyscallContext, dirfd: number, path: string, flags: number, mode: number): HandlerResult {
  const af = archOpenFlags(c.proc);
  if (flags & O_TMPFILE_BASE) return -EOPNOTSUPP_TMPFILE;
  const creat = (flags & O_CREAT) !== 0;
  const follow = !(flags & af.NOFOLLOW) && !(creat && flags & O_EXCL);
  const r = resolveAt(c, dirfd, path, follow, creat);
  let node = r.node;
  const acc = flags & O_ACCMODE;
  if (!node) {
    if (!creat) return -ENOENT;
    if (path.endsWith("/")) return -EISDIR;
    if (r.parent.dynamic) return -EACCES;
    const created = new FileNode(mode & ~c.proc.fs.umask & 0o7777);
    created.quota = c.kernel.vfs.quota;
    node = linkNew(c, r.parent, r.name, created);
  } else if (creat && flags & O_EXCL) return -EEXIST;
  if (node instanceof SymlinkNode) return flags & O_PATH ? installOpen(c, new OpenFile(node, O_PATH, path), flags) : -ELOOP;
  if (flags & af.DIRECTORY && !(node instanceof DirNode)) return -ENOTDIR;
  if (node instanceof DirNode && (acc !== O_RDONLY || creat)) return -EISDIR;
  if (node instanceof GeneratedNode && acc !== O_RDONLY) return -EACCES;
  if (node instanceof FileNode && flags & O_TRUNC && acc !== O_RDONLY) {
    node.quota ??= c.kernel.vfs.quota;
    node.truncate(0);
  }
  const keep = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | af.LARGEFILE;
  const fullPath = path.startsWith("/") ? path : joinPath(c.kernel.vfs.pathOf(baseDir(c, dirfd, path)), path);
  if (node instanceof Pipe) return openFifo(c, node, keep, flags, fullPath);
  const f = new OpenFile(node, keep, fullPath);
  if (node instanceof GeneratedNode) f.snapshot = node.generate(ctxOf(c));
  return installOpen(c, f, flags);
}

/**
 * Opening a named FIFO (fs/pipe.c fifo_open): a reader waits for a writer and a writer for a reader unless
 * O_NONBLOCK (then a writer without readers gets ENXIO); O_RDWR never waits. The opener counts on its side at
 * once, so two openers waiting for each other both wake.
 */
function openFifo(c: SyscallContext, pipe: Pipe, keep: number, flags: number, path: string): HandlerResult {
  const acc = flags & O_ACCMODE;
  const nonblock = (flags & O_NONBLOCK) !== 0;
  if (acc === O_WRONLY && nonblock && pipe.readers === 0) return -ENXIO;
  const f = new OpenFile(pipe, keep, path);
  if (acc === O_RDWR || nonblock) return installOpen(c, f, flags);
  const other = acc === O_RDONLY ? () => pipe.writers > 0 || pipe.writerOpens !== seen : () => pipe.readers > 0 || pipe.readerOpens !== seen;
  const seen = acc === O_RDONLY ? pipe.writerOpens : pipe.readerOpens;
  if (other()) return installOpen(c, f, flags);
  return { block: { poll: () => (other() ? installOpen(c, f, flags) : undefined), cancel: () => f.release(), restartable: true, what: "fifo open" } };
}

/**
 * mknod/mknodat: FIFOs and regular files. Device nodes need a driver this kernel does not have (EPERM, as for a
 * caller without CAP_MKNOD); sockets are bound, not made (EPERM too: AF_UNIX bind creates its own node).
 */
function mknodat(c: SyscallContext, dirfd: number, path: string, mode: number): number {
  const type = mode & S_IFMT;
  if (type !== 0 && type !== S_IFREG && type !== S_IFIFO) return type === S_IFCHR || type === S_IFBLK || type === S_IFSOCK ? -EPERM : -EINVAL;
  const r = resolveAt(c, dirfd, path, false, true);
  if (r.node) return -EEXIST;
  if (r.parent.dynamic) return -EACCES;
  const perm = mode & ~c.proc.fs.umask & 0o7777;
  const node = type === S_IFIFO ? new Pipe(perm) : new FileNode(perm);
  if (node instanceof FileNode) node.quota = c.kernel.vfs.quota;
  linkNew(c, r.parent, r.name, node);
  return 0;
}

/** A node the caller creates: its owner is the caller's fsuid/fsgid, its times now, then it gets its name. */
export function linkNew<N extends Inode>(c: SyscallContext, parent: DirNode, name: string, node: N): N {
  node.uid = c.proc.cred.fsuid;
  node.gid = c.proc.cred.fsgid;
  c.kernel.vfs.touch(node);
  parent.linkEntry(name, node);
  return node;
}
const EOPNOTSUPP_TMPFILE = 95;

function installOpen(c: SyscallContext, f: OpenFile, flags: number): number {
  const fd = c.proc.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0 && f.refs === 0) f.release();
  return fd;
}

function joinPath(dir: string, rel: string): string {
  return dir === "/" ? "/" + rel : dir + "/" + rel;
}

// ------------------------------------------------------------------ stat

/**
 * st_nlink: a directory has 2 + one per subdirectory ("." and each child's ".."), as on ext4/tmpfs; a removed one 0.
 * Counted from the listing, so host-backed and generated directories are right too.
 */
function linkCount(n: Inode): number {
  if (!(n instanceof DirNode)) return n.nlink;
  if (n.nlink === 0) return 0;
  let subdirs = 0;
  for (const name of n.list({ pid: 0 })) if (n.lookup(name, { pid: 0 }) instanceof DirNode) subdirs++;
  return 2 + subdirs;
}

/** struct stat per ISA: x86-64's 144-byte layout, arm64's asm-generic 128-byte one. */
function encodeStat(p: Process, n: Inode): Uint8Array {
  const x86 = p.arch.arch === "x86_64";
  const b = new Uint8Array(x86 ? 144 : 128);
  const v = new DataView(b.buffer);
  const size = n.size;
  // 512-byte blocks actually allocated: a file's written pages (holes cost none), as shmem counts them.
  const blocks = n instanceof FileNode ? n.allocatedPages * 8 : n instanceof DirNode ? 8 : 0;
  const sec = (ns: bigint) => ns / 1_000_000_000n;
  const nsec = (ns: bigint) => ns % 1_000_000_000n;
  v.setBigUint64(0, BigInt(n.dev), true);
  v.setBigUint64(8, BigInt(n.ino), true);
  if (x86) {
    v.setBigUint64(16, BigInt(linkCount(n)), true);
    v.setUint32(24, n.mode, true);
    v.setUint32(28, n.uid, true);
    v.setUint32(32, n.gid, true);
    v.setBigUint64(40, BigInt(n.rdev), true);
    v.setBigInt64(48, BigInt(size), true);
    v.setBigInt64(56, 4096n, true);
    v.setBigInt64(64, BigInt(blocks), true);
  } else {
    v.setUint32(16, n.mode, true);
    v.setUint32(20, linkCount(n), true);
    v.setUint32(24, n.uid, true);
    v.setUint32(28, n.gid, true);
    v.setBigUint64(32, BigInt(n.rdev), true);
    v.setBigInt64(48, BigInt(size), true);
    v.setInt32(56, 4096, true);
    v.setBigInt64(64, BigInt(blocks), true);
  }
  const t = n.times;
  v.setBigInt64(72, sec(t.atimeNs), true);
  v.setBigInt64(80, nsec(t.atimeNs), true);
  v.setBigInt64(88, sec(t.mtimeNs), true);
  v.setBigInt64(96, nsec(t.mtimeNs), true);
  v.setBigInt64(104, sec(t.ctimeNs), true);
  v.setBigInt64(112, nsec(t.ctimeNs), true);
  return b;
}

/** struct statx (256 bytes, same on both ISAs). */
function encodeStatx(n: Inode): Uint8Array {
  const b = new Uint8Array(256);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  v.setUint32(4, 4096, true);
  v.setUint32(16, linkCount(n), true);
  v.setUint32(20, n.uid, true);
  v.setUint32(24, n.gid, true);
  v.setUint16(28, n.mode, true);
  v.setBigUint64(32, BigInt(n.ino), true);
  v.setBigUint64(40, BigInt(n.size), true);
  v.setBigUint64(48, BigInt(n instanceof FileNode ? n.allocatedPages * 8 : 0), true);
  const ts = (off: number, ns: bigint) => {
    v.setBigInt64(off, ns / 1_000_000_000n, true);
    v.setUint32(off + 8, Number(ns % 1_000_000_000n), true);
  };
  ts(64, n.times.atimeNs);
  ts(80, n.times.ctimeNs); // btime: creation ≈ first change
  ts(96, n.times.ctimeNs);
  ts(112, n.times.mtimeNs);
  v.setUint32(128, n.rdev >>> 8, true);
  v.setUint32(132, n.rdev & 0xff, true);
  v.setUint32(136, n.dev >>> 8, true);
  v.setUint32(140, n.dev & 0xff, true);
  return b;
}

function statTarget(c: SyscallContext, dirfd: number, pathAddr: number, flags: number): Inode {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | 0x6000 /* AT_STATX_SYNC_TYPE */)) throw new SyscallError(EINVAL);
  const path = c.readPath(pathAddr);
  if (path === "" && flags & AT_EMPTY_PATH) {
    if (dirfd === AT_FDCWD) return c.proc.fs.cwd;
    return fileOf(c, dirfd).node;
  }
  return existing(c, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
}

// ------------------------------------------------------------------ read / write

function blockOn(c: SyscallContext, attempt: () => number | typeof WOULD_BLOCK, what: string): HandlerResult {
  const r = attempt();
  if (r !== WOULD_BLOCK) return r;
  return {
    block: {
      poll: () => {
        try {
          const x = attempt();
          return x === WOULD_BLOCK ? undefined : x;
        } catch (e) {
          if (e instanceof SyscallError) return -e.errno;
          throw e;
        }
      },
      restartable: true,
      what,
    },
  };
}

function doRead(c: SyscallContext, f: OpenFile, buf: number, count: number): number | typeof WOULD_BLOCK {
  if (count === 0) return 0;
  const r = f.read(Math.min(count, MAX_RW));
  if (r === WOULD_BLOCK || typeof r === "number") return r;
  if (f.node instanceof Pipe && r.length > 0) {
    // Data already left the pipe; a fault here still reports EFAULT, like a partial copy in Linux.
  }
  c.write(buf, r);
  return r.length;
}

function doWrite(c: SyscallContext, f: OpenFile, data: Uint8Array): number | typeof WOULD_BLOCK {
  if (f.node instanceof FileNode) f.node.quota ??= c.kernel.vfs.quota; // a host file's growth counts too
  const r = f.write(data);
  if (r === -EPIPE) c.kernel.signals.queueThread(c.thread, { signo: SIGPIPE, code: 0, pid: c.proc.pid, uid: c.proc.cred.ruid });
  return r;
}

function readIovec(c: SyscallContext, addr: number, cnt: number): { base: number; len: number }[] {
  if (cnt < 0 || cnt > 1024) throw new SyscallError(EINVAL);
  const out: { base: number; len: number }[] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = Number(c.readU64(addr + 16 * i));
    const len = c.readI64(addr + 16 * i + 8);
    if (len < 0n) throw new SyscallError(EINVAL);
    total += Number(len);
    if (total > 0x7fffffff) throw new SyscallError(EINVAL);
    out.push({ base, len: Number(len) });
  }
  return out;
}

function checkUserRange(c: SyscallContext, addr: number, len: number): void {
  if (addr + len > c.proc.arch.taskSize || addr < 0) throw new SyscallError(EFAULT);
}

// ------------------------------------------------------------------ dirents

function getdents64(c: SyscallContext): number {
  const f = fileOf(c, c.int(0));
  const buf = c.ptr(1);
  const count = c.uint(2);
  if (!(f.node instanceof DirNode)) return -ENOTDIR;
  const dir = f.node;
  if (!f.dirList) f.dirList = [".", "..", ...dir.list(ctxOf(c))];
  const out: Uint8Array[] = [];
  let used = 0;
  while (f.pos < f.dirList.length) {
    const name = f.dirList[f.pos]!;
    const node = name === "." ? dir : name === ".." ? dir.parent : dir.lookup(name, ctxOf(c));
    if (!node) {
      f.pos++;
      continue;
    }
    const nameBytes = latin1Bytes(name);
    const reclen = Math.ceil((19 + nameBytes.length + 1) / 8) * 8;
    if (used + reclen > count) break;
    const rec = new Uint8Array(reclen);
    const v = new DataView(rec.buffer);
    v.setBigUint64(0, BigInt(node.ino), true);
    v.setBigInt64(8, BigInt(f.pos + 1), true);
    v.setUint16(16, reclen, true);
    rec[18] = dtype(node);
    rec.set(nameBytes, 19);
    out.push(rec);
    used += reclen;
    f.pos++;
  }
  if (out.length === 0 && f.pos < f.dirList.length) return -EINVAL; // buffer too small for one entry
  let off = 0;
  const all = new Uint8Array(used);
  for (const r of out) {
    all.set(r, off);
    off += r.length;
  }
  c.write(buf, all);
  return used;
}

// ------------------------------------------------------------------ handlers

const isTty = (n: Inode) => n instanceof CharDevNode && !!n.device.isTty;

function ioctl(c: SyscallContext): number {
  const f = fileOf(c, c.int(0));
  const cmd = c.uint(1);
  const arg = c.ptr(2);
  const TCGETS = 0x5401, TCSETS = 0x5402, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450, TIOCGPGRP = 0x540f;
  switch (cmd) {
    case FIOCLEX: case FIONCLEX: {
      const e = c.proc.files.get(c.int(0))!;
      e.cloexec = cmd === FIOCLEX;
      return 0;
    }
    case FIONBIO: {
      const on = c.readU32(arg) !== 0;
      f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIONREAD:
      if (f.node instanceof Pipe) {
        c.writeI32(arg, f.node.bytes);
        return 0;
      }
      if (f.node instanceof FileNode) {
        c.writeI32(arg, Math.max(0, f.node.size - f.pos));
        return 0;
      }
      return -ENOTTY;
    case TCGETS: {
      if (!isTty(f.node)) return -ENOTTY;
      // struct termios (kernel, 36 bytes): a cooked terminal (ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO...).
      const t = new Uint8Array(36);
      const v = new DataView(t.buffer);
      v.setUint32(0, 0x500, true);
      v.setUint32(4, 0x5, true);
      v.setUint32(8, 0xbf, true);
      v.setUint32(12, 0x8a3b, true);
      c.write(arg, t);
      return 0;
    }
    case TCSETS: case TCSETS + 1: case TCSETS + 2: case TIOCGPGRP:
      if (!isTty(f.node)) return -ENOTTY;
      if (cmd === TIOCGPGRP) c.writeI32(arg, c.proc.pid);
      return 0;
    case TIOCGWINSZ: {
      if (!isTty(f.node)) return -ENOTTY;
      const w = new Uint8Array(8);
      new DataView(w.buffer).setUint16(0, 24, true);
      new DataView(w.buffer).setUint16(2, 80, true);
      c.write(arg, w);
      return 0;
    }
    case TIOCSWINSZ:
      return isTty(f.node) ? 0 : -ENOTTY;
    default:
      return -ENOTTY;
  }
}

/**
 * fcntl record locks (fs/locks.c): struct flock { short l_type, l_whence; off_t l_start, l_len; pid_t l_pid } is
 * 32 bytes on both ISAs. POSIX locks (F_SETLK...) belong to the descriptor table, OFD locks (F_OFD_*, l_pid 0) to
 * the open file; a conflicting request is EAGAIN, or waits with F_SETLKW (restartable, EINTR on a signal).
 */
function recordLock(c: SyscallContext, f: OpenFile, cmd: number): HandlerResult {
  const addr = c.ptr(2);
  const raw = c.read(addr, 32);
  const v = new DataView(raw.buffer);
  const type = v.getInt16(0, true), whence = v.getInt16(2, true);
  const lstart = Number(v.getBigInt64(8, true)), len = Number(v.getBigInt64(16, true));
  const ofd = cmd >= 36 && cmd <= 38;
  if (ofd && v.getInt32(24, true) !== 0) return -EINVAL;
  const base = whence === 0 ? 0 : whence === 1 ? f.pos : whence === 2 ? f.node.size : NaN;
  if (Number.isNaN(base)) return -EINVAL;
  // flock_to_posix_lock: l_len 0 runs to EOF and beyond; a negative length covers the bytes before l_start.
  let start = base + lstart, end = len === 0 ? Infinity : start + len;
  if (len < 0) [start, end] = [start + len, start];
  if (start < 0) return -EINVAL;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  const owner = ofd ? f : c.proc.files;
  if (cmd === 5 || cmd === 36) {
    if (type === F_UNLCK) return -EINVAL;
    const l = lockConflict(f.node, owner, type, start, end);
    v.setInt16(0, l ? l.type : F_UNLCK, true);
    if (l) {
      v.setInt16(2, 0, true);
      v.setBigInt64(8, BigInt(l.start), true);
      v.setBigInt64(16, l.end === Infinity ? 0n : BigInt(l.end - l.start), true);
      v.setInt32(24, l.pid, true);
    }
    c.write(addr, raw);
    return 0;
  }
  if (type === F_RDLCK && !f.readable) return -EBADF;
  if (type === F_WRLCK && !f.writable) return -EBADF;
  const pid = ofd ? -1 : c.proc.pid;
  const attempt = (): number | undefined => {
    if (type !== F_UNLCK && lockConflict(f.node, owner, type, start, end)) return undefined;
    setLock(f.node, owner, pid, type, start, end);
    return 0;
  };
  const r = attempt();
  if (r !== undefined) return r;
  if (cmd === 6 || cmd === 37) return -EAGAIN;
  return { block: { poll: attempt, restartable: true, what: "fcntl(F_SETLKW)" } };
}

function fcntl(c: SyscallContext): HandlerResult {
  const fd = c.int(0);
  const cmd = c.int(1);
  const files: FdTable = c.proc.files;
  const e = files.get(fd);
  if (!e) return -EBADF;
  const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9;
  const F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;
  const F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = c.int(2);
      if (min < 0 || min >= files.limit) return -EINVAL;
      return files.alloc(e.file, cmd === F_DUPFD_CLOEXEC, min);
    }
    case F_GETFD:
      return e.cloexec ? 1 : 0;
    case F_SETFD:
      e.cloexec = (c.int(2) & 1) !== 0;
      return 0;
    case F_GETFL:
      return e.file.flags;
    case F_SETFL: {
      // Only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT and O_NOATIME can change (SETFL_MASK).
      const af = archOpenFlags(c.proc);
      const mask = O_APPEND | O_NONBLOCK | 0o20000 | af.DIRECT | 0o1000000;
      e.file.flags = (e.file.flags & ~mask) | (c.int(2) & mask);
      return 0;
    }
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      return recordLock(c, e.file, cmd) as number;
    case F_SETOWN:
      return 0;
    case F_GETOWN:
      return 0;
    case F_GETPIPE_SZ:
      return e.file.node instanceof Pipe ? Pipe.CAPACITY : -EBADF;
    case F_SETPIPE_SZ:
      return e.file.node instanceof Pipe ? Pipe.CAPACITY : -EBADF;
    case F_ADD_SEALS: case F_GET_SEALS:
      return -EINVAL;
    default:
      return -EINVAL;
  }
}

function dup3(c: SyscallContext, oldfd: number, newfd: number, flags: number, legacy: boolean): number {
  const files = c.proc.files;
  const e = files.get(oldfd);
  if (legacy && oldfd === newfd) return e ? newfd : -EBADF;
  if (flags & ~O_CLOEXEC) return -EINVAL;
  if (oldfd === newfd) return -EINVAL;
  if (!e) return -EBADF;
  if (newfd < 0 || newfd >= files.limit) return -EBADF;
  files.install(newfd, e.file, (flags & O_CLOEXEC) !== 0);
  return newfd;
}

function pipe2(c: SyscallContext, addr: number, flags: number): number {
  const af = archOpenFlags(c.proc);
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | af.DIRECT)) return -EINVAL;
  const pipe = new Pipe();
  pipe.uid = c.proc.cred.fsuid;
  pipe.gid = c.proc.cred.fsgid;
  const r = new OpenFile(pipe, O_RDONLY | (flags & O_NONBLOCK), `pipe:[${pipe.ino}]`);
  const w = new OpenFile(pipe, O_WRONLY | (flags & O_NONBLOCK), `pipe:[${pipe.ino}]`);
  const files = c.proc.files;
  const fd0 = files.alloc(r, (flags & O_CLOEXEC) !== 0);
  if (fd0 < 0) {
    r.release();
    w.release();
    return fd0;
  }
  const fd1 = files.alloc(w, (flags & O_CLOEXEC) !== 0);
  if (fd1 < 0) {
    files.close(fd0);
    w.release();
    return fd1;
  }
  try {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setInt32(0, fd0, true);
    new DataView(b.buffer).setInt32(4, fd1, true);
    c.write(addr, b);
  } catch (e) {
    files.close(fd0);
    files.close(fd1);
    throw e;
  }
  return 0;
}

function mkdirat(c: SyscallContext, dirfd: number, path: string, mode: number): number {
  const r = resolveAt(c, dirfd, path, false, true);
  if (r.node) return -EEXIST;
  if (r.parent.dynamic) return -EACCES;
  const d = c.kernel.vfs.mkdir(r.parent, r.name, mode & ~c.proc.fs.umask & 0o7777);
  if (typeof d === "number") return -d;
  d.uid = c.proc.cred.fsuid;
  d.gid = c.proc.cred.fsgid;
  return 0;
}

function unlinkat(c: SyscallContext, dirfd: number, path: string, flags: number): number {
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  const r = resolveAt(c, dirfd, path, false);
  if (!r.node) return -ENOENT;
  if (flags & AT_REMOVEDIR) {
    const last = path.split("/").filter((x) => x).pop();
    if (last === ".") return -EINVAL;
    if (last === "..") return -ENOTEMPTY;
  }
  const e = c.kernel.vfs.unlink(r.parent, r.name, r.node, (flags & AT_REMOVEDIR) !== 0, ctxOf(c));
  return e ? -e : 0;
}

function renameat2(c: SyscallContext, odir: number, opath: string, ndir: number, npath: string, flags: number): number {
  const a = resolveAt(c, odir, opath, false);
  if (!a.node) return -ENOENT;
  const b = resolveAt(c, ndir, npath, false, true);
  const e = c.kernel.vfs.rename(a.parent, a.name, b.parent, b.name, flags, ctxOf(c));
  return e ? -e : 0;
}

/** linkat (fs/namei.c do_linkat): follows a final symlink only with AT_SYMLINK_FOLLOW; AT_EMPTY_PATH links dirfd's file. */
function linkat(c: SyscallContext, odir: number, opath: string, ndir: number, npath: string, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const src = opath === "" && flags & AT_EMPTY_PATH ? fileOf(c, odir).node : existing(c, odir, opath, (flags & AT_SYMLINK_FOLLOW) !== 0);
  const r = resolveAt(c, ndir, npath, false, true);
  if (r.node) return -EEXIST;
  const e = c.kernel.vfs.link(src, r.parent, r.name, ctxOf(c));
  return e ? -e : 0;
}

function readlinkat(c: SyscallContext, dirfd: number, path: string, buf: number, size: number): number {
  if (size <= 0) return -EINVAL;
  const node = existing(c, dirfd, path, false);
  if (!(node instanceof SymlinkNode)) return -EINVAL;
  const target = latin1Bytes(node.target(ctxOf(c)));
  const n = Math.min(size, target.length);
  c.write(buf, target.subarray(0, n));
  return n;
}

function faccessat(c: SyscallContext, dirfd: number, path: string, mode: number, flags: number): number {
  if (mode & ~7) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const node = path === "" && flags & AT_EMPTY_PATH ? fileOf(c, dirfd).node : existing(c, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
  if (mode === 0) return 0;
  // access(2) checks with the real ids unless AT_EACCESS (do_faccessat's override_creds).
  const cr = c.proc.cred;
  const uid = flags & AT_EACCESS ? cr.euid : cr.ruid;
  const gid = flags & AT_EACCESS ? cr.egid : cr.rgid;
  return permission(node, uid, gid, cr.groups, mode) ? 0 : -EACCES;
}

/**
 * generic_permission(): owner, group (primary or supplementary) or other bits; uid 0 has CAP_DAC_OVERRIDE
 * (read and write anything, execute when some x bit is set or for a directory).
 */
export function permission(node: Inode, uid: number, gid: number, groups: readonly number[], mask: number): boolean {
  if (uid === 0) return !(mask & 1) || node instanceof DirNode || (node.mode & 0o111) !== 0;
  const perm = node.uid === uid ? (node.mode >> 6) & 7 : node.gid === gid || groups.includes(node.gid) ? (node.mode >> 3) & 7 : node.mode & 7;
  return (perm & mask) === mask;
}

function getcwd(c: SyscallContext): number {
  const path = latin1Bytes(c.kernel.vfs.pathOf(c.proc.fs.cwd) + "\0");
  const size = c.ulong(1);
  if (size < path.length) return -ERANGE;
  c.write(c.ptr(0), path);
  return path.length;
}

function chdirTo(c: SyscallContext, node: Inode): number {
  if (!(node instanceof DirNode)) return -ENOTDIR;
  c.proc.fs.cwd = node;
  return 0;
}

function lseek(c: SyscallContext): number {
  const f = fileOf(c, c.int(0));
  return f.lseek(c.long(1), c.uint(2));
}

/**
 * The part of a user buffer a transfer can use: Linux copies until the first fault and returns the
 * short count, or EFAULT when nothing could be copied.
 */
function usable(c: SyscallContext, buf: number, count: number, access: "read" | "write"): number {
  if (count === 0) return 0;
  checkUserRange(c, buf, 1);
  const n = c.accessiblePrefix(buf, Math.min(count, MAX_RW), access);
  if (n > 0) return n;
  // Nothing is accessible. A write has nothing to send: EFAULT. A read may still legitimately return 0
  // (EOF never touches the buffer), so it goes ahead with a bounded count and faults on the copy.
  if (access === "read") throw new SyscallError(EFAULT);
  return Math.min(count, 4096);
}

function readHandler(c: SyscallContext): HandlerResult {
  const f = fileOf(c, c.int(0));
  if (!f.readable) return -EBADF;
  const buf = c.ptr(1);
  const count = usable(c, buf, c.ulong(2), "write");
  return blockOn(c, () => doRead(c, f, buf, count), "read");
}

function writeHandler(c: SyscallContext): HandlerResult {
  const f = fileOf(c, c.int(0));
  if (!f.writable) return -EBADF;
  const buf = c.ptr(1);
  const data = c.read(buf, usable(c, buf, c.ulong(2), "read"));
  return blockOn(c, () => doWrite(c, f, data), "write");
}

function readv(c: SyscallContext): HandlerResult {
  const f = fileOf(c, c.int(0));
  const iov = readIovec(c, c.ptr(1), c.int(2));
  return blockOn(c, () => {
    let total = 0;
    for (const v of iov) {
      if (v.len === 0) continue;
      const r = doRead(c, f, v.base, usable(c, v.base, v.len, "write"));
      if (r === WOULD_BLOCK) return total > 0 ? total : WOULD_BLOCK;
      if (r < 0) return total > 0 ? total : r;
      total += r;
      if (r < v.len) break;
    }
    return total;
  }, "readv");
}

function writev(c: SyscallContext): HandlerResult {
  const f = fileOf(c, c.int(0));
  const iov = readIovec(c, c.ptr(1), c.int(2));
  // Gather first: a bad iovec base is EFAULT before anything is written.
  const parts = iov.map((v) => c.read(v.base, v.len === 0 ? 0 : usable(c, v.base, v.len, "read")));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  if (all.length === 0) return f.writable ? 0 : -EBADF;
  return blockOn(c, () => doWrite(c, f, all), "writev");
}

function pread64(c: SyscallContext): number {
  const f = fileOf(c, c.int(0));
  const off = c.long(3);
  if (off < 0) return -EINVAL;
  const r = f.pread(off, usable(c, c.ptr(1), c.ulong(2), "write"));
  if (typeof r === "number") return r;
  c.write(c.ptr(1), r);
  return r.length;
}

function pwrite64(c: SyscallContext): number {
  const f = fileOf(c, c.int(0));
  const off = c.long(3);
  if (off < 0) return -EINVAL;
  if (f.node instanceof FileNode) f.node.quota ??= c.kernel.vfs.quota;
  return f.pwrite(off, c.read(c.ptr(1), usable(c, c.ptr(1), c.ulong(2), "read")));
}

/**
 * sendfile (fs/read_write.c do_sendfile): the source must be a file that can be read at an offset (a regular or
 * generated file; pipes and sockets are EINVAL); the destination any writable file, not O_APPEND. With an offset
 * pointer the source's position is left alone and the pointer is advanced; without one the position moves. Only
 * what was written counts: a short write to a full pipe leaves the rest for the next call.
 */
function sendfile(c: SyscallContext): HandlerResult {
  const out = fileOf(c, c.int(0)), src = fileOf(c, c.int(1));
  const offAddr = c.ptr(2);
  if (!src.readable || !out.writable) return -EBADF;
  if (!(src.node instanceof FileNode || src.node instanceof GeneratedNode)) return -EINVAL;
  if (out.flags & O_APPEND) return -EINVAL;
  const start = offAddr ? c.readI64(offAddr) : BigInt(src.pos);
  if (start < 0n) return -EINVAL;
  const off = Number(start);
  const count = Math.min(c.ulong(3), MAX_RW);
  return blockOn(c, () => {
    if (count === 0) return 0;
    const data = src.pread(off, count);
    if (typeof data === "number" || data.length === 0) return typeof data === "number" ? data : 0;
    const w = doWrite(c, out, data);
    if (w === WOULD_BLOCK || w < 0) return w;
    if (offAddr) c.writeU64(offAddr, off + w);
    else src.pos = off + w;
    return w;
  }, "sendfile");
}

function ftruncate(c: SyscallContext, node: Inode, len: number, writable: boolean): number {
  if (len < 0) return -EINVAL;
  if (node instanceof DirNode) return -EISDIR;
  if (!(node instanceof FileNode)) return -EINVAL;
  if (!writable) return -EINVAL;
  node.quota ??= c.kernel.vfs.quota;
  return node.truncate(len);
}

const dir = (c: SyscallContext, i: number) => c.int(i);

export const FS_HANDLERS: Record<string, Handler> = {
  read: readHandler,
  write: writeHandler,
  readv,
  writev,
  pread64,
  pwrite64,
  sendfile,
  openat: (c) => doOpen(c, dir(c, 0), c.readPath(c.ptr(1)), c.int(2), c.uint(3)),
  open: (c) => doOpen(c, AT_FDCWD, c.readPath(c.ptr(0)), c.int(1), c.uint(2)),
  creat: (c) => doOpen(c, AT_FDCWD, c.readPath(c.ptr(0)), O_CREAT | O_WRONLY | O_TRUNC, c.uint(1)),
  close: (c) => c.proc.files.close(c.int(0)),
  close_range: (c) => {
    const lo = c.uint(0), hi = c.uint(1), flags = c.uint(2);
    if (flags & ~6 || lo > hi) return -EINVAL;
    for (const fd of c.proc.files.openFds()) if (fd >= lo && fd <= hi) {
      if (flags & 4) c.proc.files.get(fd)!.cloexec = true; // CLOSE_RANGE_CLOEXEC
      else c.proc.files.close(fd);
    }
    return 0;
  },
  lseek,
  fstat: (c) => {
    const f = fileOf(c, c.int(0));
    c.write(c.ptr(1), encodeStat(c.proc, f.node));
    return 0;
  },
  newfstatat: (c) => {
    const n = statTarget(c, dir(c, 0), c.ptr(1), c.int(3));
    c.write(c.ptr(2), encodeStat(c.proc, n));
    return 0;
  },
  stat: (c) => {
    c.write(c.ptr(1), encodeStat(c.proc, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true)));
    return 0;
  },
  lstat: (c) => {
    c.write(c.ptr(1), encodeStat(c.proc, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), false)));
    return 0;
  },
  statx: (c) => {
    const mask = c.uint(3);
    if (mask & 0x80000000) return -EINVAL; // STATX__RESERVED
    const n = statTarget(c, dir(c, 0), c.ptr(1), c.int(2));
    c.write(c.ptr(4), encodeStatx(n));
    return 0;
  },
  getdents64,
  ioctl,
  fcntl,
  dup: (c) => {
    const e = c.proc.files.get(c.int(0));
    if (!e) return -EBADF;
    return c.proc.files.alloc(e.file, false);
  },
  dup2: (c) => dup3(c, c.int(0), c.int(1), 0, true),
  dup3: (c) => dup3(c, c.int(0), c.int(1), c.int(2), false),
  pipe2: (c) => pipe2(c, c.ptr(0), c.int(1)),
  pipe: (c) => pipe2(c, c.ptr(0), 0),
  mkdirat: (c) => mkdirat(c, dir(c, 0), c.readPath(c.ptr(1)), c.uint(2)),
  mknodat: (c) => mknodat(c, dir(c, 0), c.readPath(c.ptr(1)), c.uint(2)),
  mknod: (c) => mknodat(c, AT_FDCWD, c.readPath(c.ptr(0)), c.uint(1)),
  mkdir: (c) => mkdirat(c, AT_FDCWD, c.readPath(c.ptr(0)), c.uint(1)),
  unlinkat: (c) => unlinkat(c, dir(c, 0), c.readPath(c.ptr(1)), c.int(2)),
  unlink: (c) => unlinkat(c, AT_FDCWD, c.readPath(c.ptr(0)), 0),
  rmdir: (c) => unlinkat(c, AT_FDCWD, c.readPath(c.ptr(0)), AT_REMOVEDIR),
  renameat2: (c) => renameat2(c, dir(c, 0), c.readPath(c.ptr(1)), dir(c, 2), c.readPath(c.ptr(3)), c.uint(4)),
  renameat: (c) => renameat2(c, dir(c, 0), c.readPath(c.ptr(1)), dir(c, 2), c.readPath(c.ptr(3)), 0),
  rename: (c) => renameat2(c, AT_FDCWD, c.readPath(c.ptr(0)), AT_FDCWD, c.readPath(c.ptr(1)), 0),
  readlinkat: (c) => readlinkat(c, dir(c, 0), c.readPath(c.ptr(1)), c.ptr(2), c.int(3)),
  readlink: (c) => readlinkat(c, AT_FDCWD, c.readPath(c.ptr(0)), c.ptr(1), c.int(2)),
  faccessat: (c) => faccessat(c, dir(c, 0), c.readPath(c.ptr(1)), c.int(2), 0),
  faccessat2: (c) => faccessat(c, dir(c, 0), c.readPath(c.ptr(1)), c.int(2), c.int(3)),
  access: (c) => faccessat(c, AT_FDCWD, c.readPath(c.ptr(0)), c.int(1), 0),
  getcwd,
  chdir: (c) => chdirTo(c, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true)),
  fchdir: (c) => chdirTo(c, fileOf(c, c.int(0)).node),
  umask: (c) => {
    const old = c.proc.fs.umask;
    c.proc.fs.umask = c.uint(0) & 0o777;
    return old;
  },
  ftruncate: (c) => {
    const f = fileOf(c, c.int(0));
    return ftruncate(c, f.node, c.long(1), f.writable);
  },
  truncate: (c) => ftruncate(c, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true), c.long(1), true),
  fsync: (c) => (fileOf(c, c.int(0)), 0),
  fdatasync: (c) => (fileOf(c, c.int(0)), 0),
  sync: () => 0,
  symlinkat: (c) => {
    const target = c.readPath(c.ptr(0));
    const r = resolveAt(c, dir(c, 1), c.readPath(c.ptr(2)), false, true);
    if (r.node) return -EEXIST;
    if (r.parent.dynamic) return -EACCES;
    r.parent.linkEntry(r.name, new SymlinkNode(target));
    return 0;
  },
  symlink: (c) => {
    const target = c.readPath(c.ptr(0));
    const r = resolveAt(c, AT_FDCWD, c.readPath(c.ptr(1)), false, true);
    if (r.node) return -EEXIST;
    r.parent.linkEntry(r.name, new SymlinkNode(target));
    return 0;
  },
  linkat: (c) => linkat(c, dir(c, 0), c.readPath(c.ptr(1)), dir(c, 2), c.readPath(c.ptr(3)), c.int(4)),
  link: (c) => linkat(c, AT_FDCWD, c.readPath(c.ptr(0)), AT_FDCWD, c.readPath(c.ptr(1)), 0),
  fchmod: (c) => {
    const n = fileOf(c, c.int(0)).node;
    n.mode = (n.mode & S_IFMT) | (c.uint(1) & 0o7777);
    return 0;
  },
  fchmodat: (c) => {
    const n = existing(c, dir(c, 0), c.readPath(c.ptr(1)), true);
    n.mode = (n.mode & S_IFMT) | (c.uint(2) & 0o7777);
    return 0;
  },
  chmod: (c) => {
    const n = existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true);
    n.mode = (n.mode & S_IFMT) | (c.uint(1) & 0o7777);
    return 0;
  },
};

export { NO_RETURN, O_RDWR, S_IFIFO, ENXIO, ESPIPE };
