/**
 * File metadata beyond stat: statfs/fstatfs, the utime family (utimensat, futimesat, utimes, utime) and the chown
 * family, with fs/statfs.c, fs/utimes.c and fs/open.c (chown_common) argument and permission rules.
 */
import { SyscallError } from "../errors.js";
import { EBADF, EFAULT, EINVAL, EPERM, EACCES } from "../errno.js";
import { Pipe } from "../fd.js";
import type { Handler, SyscallContext } from "../syscall.js";
import { GeneratedNode, Inode } from "../vfs.js";
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, existing, fileOf, permission } from "./fs.js";

/** f_type values (include/uapi/linux/magic.h). */
const TMPFS_MAGIC = 0x01021994, PROC_SUPER_MAGIC = 0x9fa0, PIPEFS_MAGIC = 0x50495045, SOCKFS_MAGIC = 0x534f434b;
const ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_RELATIME = 0x400;

/** Which filesystem an inode lives on, by the path it was reached through. */
function fsKind(node: Inode, path: string): { type: number; flags: number } {
  if (node instanceof Pipe) return { type: PIPEFS_MAGIC, flags: 0 };
  if (path.startsWith("socket:")) return { type: SOCKFS_MAGIC, flags: 0 };
  if (node instanceof GeneratedNode || path === "/proc" || path.startsWith("/proc/")) return { type: PROC_SUPER_MAGIC, flags: ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME };
  if (path === "/dev/shm" || path.startsWith("/dev/shm/")) return { type: TMPFS_MAGIC, flags: ST_NOSUID | ST_NODEV | ST_RELATIME };
  return { type: TMPFS_MAGIC, flags: ST_RELATIME };
}

/** struct statfs (120 bytes; x86-64's and asm-generic's 64-bit layouts agree). */
function encodeStatfs(c: SyscallContext, node: Inode, path: string): Uint8Array {
  const b = new Uint8Array(120);
  const v = new DataView(b.buffer);
  const { type, flags } = fsKind(node, path);
  const blocks = BigInt(Math.floor(c.kernel.memLimit / 4096));
  const free = blocks - BigInt(Math.ceil(c.proc.mm.mappedBytes / 4096));
  const proc = type === PROC_SUPER_MAGIC || type === PIPEFS_MAGIC || type === SOCKFS_MAGIC;
  v.setBigInt64(0, BigInt(type), true);
  v.setBigInt64(8, 4096n, true); // f_bsize
  v.setBigUint64(16, proc ? 0n : blocks, true);
  v.setBigUint64(24, proc ? 0n : free, true);
  v.setBigUint64(32, proc ? 0n : free, true);
  v.setBigUint64(40, proc ? 0n : 1n << 20n, true); // f_files
  v.setBigUint64(48, proc ? 0n : (1n << 20n) - 1024n, true); // f_ffree
  v.setInt32(56, node.dev, true); // f_fsid
  v.setBigInt64(64, 255n, true); // f_namelen
  v.setBigInt64(72, 4096n, true); // f_frsize
  v.setBigInt64(80, BigInt(flags), true);
  return b;
}

function absPath(c: SyscallContext, path: string): string {
  return path.startsWith("/") ? path : c.kernel.vfs.pathOf(c.proc.fs.cwd).replace(/\/$/, "") + "/" + path;
}

// ------------------------------------------------------------------ utimes

const UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;
type Stamp = bigint | "now" | "omit";

/**
 * Set atime/mtime (fs/utimes.c vfs_utimes): explicit times need ownership (or CAP_FOWNER, euid 0 here); "now"
 * for both needs ownership or write permission. ctime becomes now unless both are omitted.
 */
function setTimes(c: SyscallContext, node: Inode, atime: Stamp, mtime: Stamp): number {
  if (atime === "omit" && mtime === "omit") return 0;
  const cr = c.proc.cred;
  const owner = cr.fsuid === 0 || node.uid === cr.fsuid;
  const bothNow = atime !== "omit" && mtime !== "omit" && atime === "now" && mtime === "now";
  if (!owner) {
    if (!bothNow && !(atime === "now" && mtime === "omit") && !(atime === "omit" && mtime === "now")) return -EPERM;
    if (!permission(node, cr.fsuid, cr.fsgid, cr.groups, 2)) return -EACCES;
  }
  const now = c.kernel.vfs.now();
  const t = node.times;
  node.times = {
    atimeNs: atime === "omit" ? t.atimeNs : atime === "now" ? now : atime,
    mtimeNs: mtime === "omit" ? t.mtimeNs : mtime === "now" ? now : mtime,
    ctimeNs: now,
  };
  return 0;
}

function readTimespecPair(c: SyscallContext, addr: number): [Stamp, Stamp] {
  if (!addr) return ["now", "now"];
  const one = (a: number): Stamp => {
    const ts = c.readTimespec(a);
    if (ts.nsec === BigInt(UTIME_NOW)) return "now";
    if (ts.nsec === BigInt(UTIME_OMIT)) return "omit";
    if (ts.nsec < 0n || ts.nsec >= 1_000_000_000n) throw new SyscallError(EINVAL);
    return ts.sec * 1_000_000_000n + ts.nsec;
  };
  return [one(addr), one(addr + 16)];
}

function readTimevalPair(c: SyscallContext, addr: number): [Stamp, Stamp] {
  if (!addr) return ["now", "now"];
  const one = (a: number): Stamp => {
    const sec = c.readI64(a), usec = c.readI64(a + 8);
    if (usec < 0n || usec >= 1_000_000n) throw new SyscallError(EINVAL);
    return sec * 1_000_000_000n + usec * 1000n;
  };
  return [one(addr), one(addr + 16)];
}

function utimensat(c: SyscallContext): number {
  const dirfd = c.int(0), pathAddr = c.ptr(1), flags = c.int(3);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const [a, m] = readTimespecPair(c, c.ptr(2));
  let node: Inode;
  if (pathAddr === 0) {
    // futimens(): a NULL path names dirfd itself (do_utimes); AT_FDCWD is not a file.
    if (flags & AT_SYMLINK_NOFOLLOW) return -EINVAL;
    if (dirfd === AT_FDCWD) return -EFAULT;
    node = fileOf(c, dirfd).node;
  } else {
    const path = c.readPath(pathAddr);
    if (path === "" && flags & AT_EMPTY_PATH) node = dirfd === AT_FDCWD ? c.proc.fs.cwd : fileOf(c, dirfd).node;
    else node = existing(c, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
  }
  return setTimes(c, node, a, m);
}

// ------------------------------------------------------------------ chown

/** chown_common + setattr_prepare: owner changes need CAP_CHOWN; a group change the owner may make to one of its groups. */
function chown(c: SyscallContext, node: Inode, uid: number, gid: number): number {
  const KEEP = 0xffffffff;
  const cr = c.proc.cred;
  const cap = cr.euid === 0;
  if (uid !== KEEP && uid !== node.uid && !cap) return -EPERM;
  if (gid !== KEEP && gid !== node.gid && !cap) {
    const owner = cr.fsuid === node.uid;
    if (!owner || (gid !== cr.fsgid && !cr.groups.includes(gid))) return -EPERM;
  }
  if (uid !== KEEP) node.uid = uid;
  if (gid !== KEEP) node.gid = gid;
  // A non-directory loses set-user-ID (and set-group-ID when group-executable) on chown (should_remove_suid).
  if ((uid !== KEEP || gid !== KEEP) && (node.mode & 0o170000) !== 0o040000) {
    node.mode &= ~0o4000;
    if (node.mode & 0o10) node.mode &= ~0o2000;
  }
  node.times = { ...node.times, ctimeNs: c.kernel.vfs.now() };
  return 0;
}

function fchownat(c: SyscallContext): number {
  const dirfd = c.int(0), flags = c.int(4);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const path = c.readPath(c.ptr(1));
  const node = path === "" && flags & AT_EMPTY_PATH
    ? dirfd === AT_FDCWD ? c.proc.fs.cwd : fileOf(c, dirfd).node
    : existing(c, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
  return chown(c, node, c.uint(2), c.uint(3));
}

export const FSMETA_HANDLERS: Record<string, Handler> = {
  statfs: (c) => {
    const path = c.readPath(c.ptr(0));
    const node = existing(c, AT_FDCWD, path, true);
    c.write(c.ptr(1), encodeStatfs(c, node, absPath(c, path)));
    return 0;
  },
  fstatfs: (c) => {
    const f = c.proc.files.file(c.int(0));
    if (!f) return -EBADF;
    c.write(c.ptr(1), encodeStatfs(c, f.node, f.path));
    return 0;
  },
  utimensat,
  futimesat: (c) => {
    const [a, m] = readTimevalPair(c, c.ptr(2));
    return setTimes(c, existing(c, c.int(0), c.readPath(c.ptr(1)), true), a, m);
  },
  utimes: (c) => {
    const [a, m] = readTimevalPair(c, c.ptr(1));
    return setTimes(c, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true), a, m);
  },
  utime: (c) => {
    // struct utimbuf { time_t actime, modtime }: whole seconds.
    const addr = c.ptr(1);
    const node = existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true);
    if (!addr) return setTimes(c, node, "now", "now");
    return setTimes(c, node, c.readI64(addr) * 1_000_000_000n, c.readI64(addr + 8) * 1_000_000_000n);
  },
  fchownat,
  fchown: (c) => chown(c, fileOf(c, c.int(0)).node, c.uint(1), c.uint(2)),
  chown: (c) => chown(c, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), true), c.uint(1), c.uint(2)),
  lchown: (c) => chown(c, existing(c, AT_FDCWD, c.readPath(c.ptr(0)), false), c.uint(1), c.uint(2)),
};
