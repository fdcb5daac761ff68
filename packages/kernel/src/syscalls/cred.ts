/**
 * Credentials: real, effective, saved and filesystem uid/gid and the supplementary groups, with the permission
 * rules of kernel/sys.c and kernel/groups.c. CAP_SETUID / CAP_SETGID are held iff the effective uid is 0 (the
 * model has no capability sets; cap_emulate_setxuid() gives the same answers for the ordinary cases: a root
 * process that drops every uid loses them, one that keeps 0 as its saved uid can regain them).
 */
import { EINVAL, EPERM } from "../errno.js";
import type { Handler, SyscallContext } from "../syscall.js";
import type { Credentials } from "../task.js";

/** NGROUPS_MAX (include/uapi/linux/limits.h). */
const NGROUPS_MAX = 65536;
/** (uid_t)-1: "leave unchanged" in setre*id / setres*id, invalid as an id. */
const KEEP = 0xffffffff;

const capable = (c: SyscallContext) => c.proc.cred.euid === 0;

interface IdSet {
  r: "ruid" | "rgid";
  e: "euid" | "egid";
  s: "suid" | "sgid";
  fs: "fsuid" | "fsgid";
}
const UID: IdSet = { r: "ruid", e: "euid", s: "suid", fs: "fsuid" };
const GID: IdSet = { r: "rgid", e: "egid", s: "sgid", fs: "fsgid" };

function commit(c: SyscallContext, next: Credentials): number {
  c.proc.cred = next;
  return 0;
}

/** setuid / setgid (__sys_setuid): privileged sets all three, otherwise only the effective id, to the real or saved one. */
function setId(c: SyscallContext, k: IdSet, id: number): number {
  if (id === KEEP) return -EINVAL;
  const old = c.proc.cred;
  const next = { ...old, groups: old.groups };
  if (capable(c)) {
    next[k.r] = next[k.e] = next[k.s] = id;
  } else if (id === old[k.r] || id === old[k.s]) {
    next[k.e] = id;
  } else return -EPERM;
  next[k.fs] = next[k.e];
  return commit(c, next);
}

/** setreuid / setregid (__sys_setreuid). */
function setReId(c: SyscallContext, k: IdSet, r: number, e: number): number {
  const old = c.proc.cred;
  const next = { ...old, groups: old.groups };
  const cap = capable(c);
  if (r !== KEEP) {
    next[k.r] = r;
    if (old[k.r] !== r && old[k.e] !== r && !cap) return -EPERM;
  }
  if (e !== KEEP) {
    next[k.e] = e;
    if (old[k.r] !== e && old[k.e] !== e && old[k.s] !== e && !cap) return -EPERM;
  }
  // The saved id follows the effective one when the real id is set or the effective one moves off the real one.
  if (r !== KEEP || (e !== KEEP && e !== old[k.r])) next[k.s] = next[k.e];
  next[k.fs] = next[k.e];
  return commit(c, next);
}

/** setresuid / setresgid (__sys_setresuid): unprivileged callers may pick any of their current three ids. */
function setResId(c: SyscallContext, k: IdSet, r: number, e: number, s: number): number {
  const old = c.proc.cred;
  if (!capable(c)) {
    const mine = (x: number) => x === KEEP || x === old[k.r] || x === old[k.e] || x === old[k.s];
    if (!mine(r) || !mine(e) || !mine(s)) return -EPERM;
  }
  const next = { ...old, groups: old.groups };
  if (r !== KEEP) next[k.r] = r;
  if (e !== KEEP) next[k.e] = e;
  if (s !== KEEP) next[k.s] = s;
  next[k.fs] = next[k.e];
  return commit(c, next);
}

function getResId(c: SyscallContext, k: IdSet): number {
  const cr = c.proc.cred;
  c.writeU32(c.ptr(0), cr[k.r]);
  c.writeU32(c.ptr(1), cr[k.e]);
  c.writeU32(c.ptr(2), cr[k.s]);
  return 0;
}

/** setfsuid / setfsgid: always answer the old value; change it when privileged or to one of the other ids. */
function setFsId(c: SyscallContext, k: IdSet, id: number): number {
  const old = c.proc.cred;
  const prev = old[k.fs];
  if (id === KEEP) return prev;
  if (capable(c) || id === old[k.r] || id === old[k.e] || id === old[k.s] || id === old[k.fs]) {
    c.proc.cred = { ...old, [k.fs]: id };
  }
  return prev;
}

function getgroups(c: SyscallContext): number {
  const size = c.int(0);
  if (size < 0) return -EINVAL;
  const g = c.proc.cred.groups;
  if (size === 0) return g.length;
  if (size < g.length) return -EINVAL;
  const b = new Uint8Array(4 * g.length);
  const v = new DataView(b.buffer);
  g.forEach((x, i) => v.setUint32(4 * i, x, true));
  c.write(c.ptr(1), b);
  return g.length;
}

function setgroups(c: SyscallContext): number {
  const size = c.int(0);
  if (size < 0 || size > NGROUPS_MAX) return -EINVAL;
  if (!capable(c)) return -EPERM;
  const b = c.read(c.ptr(1), 4 * size);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // groups_sort(): the kernel keeps them sorted (getgroups answers them in that order).
  const groups = Array.from({ length: size }, (_, i) => v.getUint32(4 * i, true)).sort((a, b2) => a - b2);
  c.proc.cred = { ...c.proc.cred, groups };
  return 0;
}

export const CRED_HANDLERS: Record<string, Handler> = {
  getuid: (c) => c.proc.cred.ruid,
  geteuid: (c) => c.proc.cred.euid,
  getgid: (c) => c.proc.cred.rgid,
  getegid: (c) => c.proc.cred.egid,
  getresuid: (c) => getResId(c, UID),
  getresgid: (c) => getResId(c, GID),
  setuid: (c) => setId(c, UID, c.uint(0)),
  setgid: (c) => setId(c, GID, c.uint(0)),
  setreuid: (c) => setReId(c, UID, c.uint(0), c.uint(1)),
  setregid: (c) => setReId(c, GID, c.uint(0), c.uint(1)),
  setresuid: (c) => setResId(c, UID, c.uint(0), c.uint(1), c.uint(2)),
  setresgid: (c) => setResId(c, GID, c.uint(0), c.uint(1), c.uint(2)),
  setfsuid: (c) => setFsId(c, UID, c.uint(0)),
  setfsgid: (c) => setFsId(c, GID, c.uint(0)),
  getgroups,
  setgroups,
};
