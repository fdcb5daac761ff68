/**
 * System V IPC (ipc/msg.c, ipc/sem.c, ipc/shm.c): one namespace per kernel, keys and IPC_PRIVATE, IPC_CREAT /
 * IPC_EXCL, mode bits checked against the caller's credentials, IPC_STAT/IPC_SET/IPC_RMID and the 64-bit
 * *_ds layouts (identical on x86-64 and arm64). Message queues and semaphores are exact, blocking included
 * (EIDRM when removed under a waiter). Shared memory is partial: the model has no page sharing between
 * address spaces, so an attach maps a copy of the segment and a detach (or a later attach elsewhere) carries
 * the bytes back — enough for hand-offs, not for concurrent stores from two processes.
 */
import { SyscallError } from "../errors.js";
import { E2BIG, EACCES, EAGAIN, EEXIST, EFBIG, EIDRM, EINVAL, ENOENT, ENOMSG, EPERM, ERANGE } from "../errno.js";
import { PAGE_SIZE } from "@uabi/isa-core";
import type { KernelServices } from "../services.js";
import type { Handler, HandlerResult, SyscallContext } from "../syscall.js";
import type { AddressSpace } from "../mm.js";
import type { Process } from "../task.js";

const IPC_PRIVATE = 0, IPC_CREAT = 0o1000, IPC_EXCL = 0o2000, IPC_NOWAIT = 0o4000;
const IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2;
/** Linux's defaults (include/uapi/linux/msg.h, sem.h, shm.h). */
const MSGMAX = 8192, MSGMNB = 16384, SEMMSL = 32000, SEMOPM = 500, SEMVMX = 32767, SHMMIN = 1;
const SHMMAX = 2 ** 53 - 2 ** 24;

interface Perm {
  key: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  mode: number;
  seq: number;
}

interface Ipc {
  id: number;
  perm: Perm;
  ctime: bigint;
  removed: boolean;
}
interface MsgQueue extends Ipc {
  kind: "msg";
  msgs: { type: bigint; data: Uint8Array }[];
  bytes: number;
  qbytes: number;
  stime: bigint;
  rtime: bigint;
  lspid: number;
  lrpid: number;
}
interface SemSet extends Ipc {
  kind: "sem";
  vals: number[];
  pids: number[];
  otime: bigint;
}
interface ShmSeg extends Ipc {
  kind: "shm";
  data: Uint8Array;
  atime: bigint;
  dtime: bigint;
  cpid: number;
  lpid: number;
  attaches: Attach[];
}
type AnyIpc = MsgQueue | SemSet | ShmSeg;
/** One attachment: where it is mapped and the segment bytes it last agreed with (to find its own stores). */
interface Attach {
  mm: AddressSpace;
  addr: number;
  len: number;
  base: Uint8Array;
}

class IpcNamespace {
  readonly ids = new Map<number, AnyIpc>();
  private next = 0;
  /** ipc_buildid(): index + seq * SEQ_MULTIPLIER (32768); one counter for every kind here. */
  allocId(): number {
    return this.next++ * 32768;
  }
}
const NAMESPACES = new WeakMap<KernelServices, IpcNamespace>();
function ns(k: KernelServices): IpcNamespace {
  let n = NAMESPACES.get(k);
  if (!n) NAMESPACES.set(k, (n = new IpcNamespace()));
  return n;
}

const secs = (c: SyscallContext) => c.kernel.clock.realtimeNs() / 1_000_000_000n;

/** ipcperms(): the mode bits against the caller (root bypasses); `want` is 4 (read) or 2 (write) or 6. */
function allowed(p: Process, perm: Perm, want: number): boolean {
  const cr = p.cred;
  if (cr.euid === 0) return true;
  const owner = cr.euid === perm.uid || cr.euid === perm.cuid;
  const bits = owner ? (perm.mode >> 6) & 7 : cr.egid === perm.gid || cr.groups.includes(perm.gid) ? (perm.mode >> 3) & 7 : perm.mode & 7;
  return (bits & want) === want;
}

/** ipcget(): find by key or create. */
function get<T extends AnyIpc>(c: SyscallContext, kind: T["kind"], key: number, flags: number, create: (perm: Perm, id: number) => T | number, check: (x: T) => number): number {
  const n = ns(c.kernel);
  if (key !== IPC_PRIVATE) {
    for (const x of n.ids.values()) {
      if (x.kind !== kind || x.removed || x.perm.key !== key) continue;
      if (flags & IPC_CREAT && flags & IPC_EXCL) return -EEXIST;
      const want = (flags & 0o444 ? 4 : 0) | (flags & 0o222 ? 2 : 0);
      if (!allowed(c.proc, x.perm, want)) return -EACCES;
      const e = check(x as T);
      return e < 0 ? e : x.id;
    }
    if (!(flags & IPC_CREAT)) return -ENOENT;
  }
  const cr = c.proc.cred;
  const id = n.allocId();
  const made = create({ key, uid: cr.euid, gid: cr.egid, cuid: cr.euid, cgid: cr.egid, mode: flags & 0o777, seq: 0 }, id);
  if (typeof made === "number") return made;
  n.ids.set(id, made);
  return id;
}

function find<K extends AnyIpc["kind"]>(c: SyscallContext, kind: K, id: number): Extract<AnyIpc, { kind: K }> {
  const x = id < 0 ? undefined : ns(c.kernel).ids.get(id);
  if (!x || x.kind !== kind || x.removed) throw new SyscallError(EINVAL);
  return x as Extract<AnyIpc, { kind: K }>;
}

/** struct ipc64_perm (48 bytes). */
function encodePerm(v: DataView, p: Perm): void {
  v.setInt32(0, p.key, true);
  v.setUint32(4, p.uid, true);
  v.setUint32(8, p.gid, true);
  v.setUint32(12, p.cuid, true);
  v.setUint32(16, p.cgid, true);
  v.setUint32(20, p.mode, true);
  v.setUint16(24, p.seq, true);
}

/** IPC_SET: uid, gid and the low 9 mode bits, by the creator, the owner or root (ipc_update_perm). */
function setPerm(c: SyscallContext, x: Ipc, addr: number): number {
  const cr = c.proc.cred;
  if (cr.euid !== 0 && cr.euid !== x.perm.uid && cr.euid !== x.perm.cuid) return -EPERM;
  const v = new DataView(c.read(addr, 48).buffer);
  x.perm.uid = v.getUint32(4, true);
  x.perm.gid = v.getUint32(8, true);
  x.perm.mode = (x.perm.mode & ~0o777) | (v.getUint32(20, true) & 0o777);
  x.ctime = secs(c);
  return 0;
}

function rmid(c: SyscallContext, x: AnyIpc): number {
  const cr = c.proc.cred;
  if (cr.euid !== 0 && cr.euid !== x.perm.uid && cr.euid !== x.perm.cuid) return -EPERM;
  x.removed = true;
  // A segment lives on until its last detach (shm_destroy); everything else goes now.
  if (x.kind !== "shm" || x.attaches.length === 0) ns(c.kernel).ids.delete(x.id);
  return 0;
}

function blockUntil(attempt: () => number | undefined, what: string, deadline?: bigint): HandlerResult {
  const r = attempt();
  if (r !== undefined) return r;
  return { block: { ...(deadline !== undefined ? { deadline, onTimeout: () => -EAGAIN } : {}), poll: attempt, restartable: true, what } };
}

// ------------------------------------------------------------------ messages

function msgsnd(c: SyscallContext): HandlerResult {
  const q = find(c, "msg", c.int(0));
  const addr = c.ptr(1), size = c.ulong(2), flags = c.int(3);
  if (size > MSGMAX) return -EINVAL;
  const type = c.readI64(addr);
  if (type < 1n) return -EINVAL;
  if (!allowed(c.proc, q.perm, 2)) return -EACCES;
  const data = c.read(addr + 8, size);
  return blockUntil(() => {
    if (q.removed) return -EIDRM;
    if (q.bytes + size > q.qbytes) return flags & IPC_NOWAIT ? -EAGAIN : undefined;
    q.msgs.push({ type, data });
    q.bytes += size;
    q.stime = secs(c);
    q.lspid = c.proc.pid;
    return 0;
  }, "msgsnd");
}

function msgrcv(c: SyscallContext): HandlerResult {
  const q = find(c, "msg", c.int(0));
  const addr = c.ptr(1), size = c.long(2), want = BigInt(c.long(3)), flags = c.int(4);
  const MSG_NOERROR = 0o10000, MSG_EXCEPT = 0o20000, MSG_COPY = 0o40000;
  if (size < 0) return -EINVAL;
  if (flags & MSG_COPY) return -EINVAL; // CONFIG_CHECKPOINT_RESTORE's copy mode is not modelled
  if (!allowed(c.proc, q.perm, 4)) return -EACCES;
  const pick = (): number => {
    if (want === 0n) return q.msgs.length ? 0 : -1;
    if (want > 0n) return q.msgs.findIndex((m) => (flags & MSG_EXCEPT ? m.type !== want : m.type === want));
    // The lowest type not above |want|.
    let best = -1;
    q.msgs.forEach((m, i) => {
      if (m.type <= -want && (best < 0 || m.type < q.msgs[best]!.type)) best = i;
    });
    return best;
  };
  return blockUntil(() => {
    if (q.removed) return -EIDRM;
    const i = pick();
    if (i < 0) return flags & IPC_NOWAIT ? -ENOMSG : undefined;
    const m = q.msgs[i]!;
    if (m.data.length > size && !(flags & MSG_NOERROR)) return -E2BIG;
    const n = Math.min(size, m.data.length);
    c.writeU64(addr, m.type);
    c.write(addr + 8, m.data.subarray(0, n));
    q.msgs.splice(i, 1);
    q.bytes -= m.data.length;
    q.rtime = secs(c);
    q.lrpid = c.proc.pid;
    return n;
  }, "msgrcv");
}

function msgctl(c: SyscallContext): number {
  const cmd = c.int(1) & ~0x100; // IPC_64
  const q = find(c, "msg", c.int(0));
  switch (cmd) {
    case IPC_RMID: return rmid(c, q);
    case IPC_SET: {
      const r = setPerm(c, q, c.ptr(2));
      if (r === 0) q.qbytes = Number(c.readU64(c.ptr(2) + 88));
      return r;
    }
    case IPC_STAT: {
      if (!allowed(c.proc, q.perm, 4)) return -EACCES;
      const b = new Uint8Array(120);
      const v = new DataView(b.buffer);
      encodePerm(v, q.perm);
      v.setBigInt64(48, q.stime, true);
      v.setBigInt64(56, q.rtime, true);
      v.setBigInt64(64, q.ctime, true);
      v.setBigUint64(72, BigInt(q.bytes), true);
      v.setBigUint64(80, BigInt(q.msgs.length), true);
      v.setBigUint64(88, BigInt(q.qbytes), true);
      v.setInt32(96, q.lspid, true);
      v.setInt32(100, q.lrpid, true);
      c.write(c.ptr(2), b);
      return 0;
    }
    default: return -EINVAL;
  }
}

// ------------------------------------------------------------------ semaphores

function semop(c: SyscallContext, timeoutAddr: number): HandlerResult {
  const set = find(c, "sem", c.int(0));
  const nsops = c.uint(2);
  if (nsops < 1) return -EINVAL;
  if (nsops > SEMOPM) return -E2BIG;
  const raw = c.read(c.ptr(1), 6 * nsops);
  const v = new DataView(raw.buffer);
  const ops = Array.from({ length: nsops }, (_, i) => ({ num: v.getUint16(6 * i, true), op: v.getInt16(6 * i + 2, true), flg: v.getInt16(6 * i + 4, true) }));
  if (ops.some((o) => o.num >= set.vals.length)) return -EFBIG;
  const alter = ops.some((o) => o.op !== 0);
  if (!allowed(c.proc, set.perm, alter ? 2 : 4)) return -EACCES;
  let deadline: bigint | undefined;
  if (timeoutAddr) {
    const ts = c.readTimespec(timeoutAddr);
    if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= 1_000_000_000n) return -EINVAL;
    deadline = c.kernel.clock.monotonicNs() + ts.sec * 1_000_000_000n + ts.nsec;
  }
  // perform_atomic_semop: all operations apply together, or none does.
  const attempt = (): number | undefined => {
    if (set.removed) return -EIDRM;
    const vals = [...set.vals];
    for (const o of ops) {
      const cur = vals[o.num]!;
      if (o.op === 0) {
        if (cur !== 0) return o.flg & IPC_NOWAIT ? -EAGAIN : undefined;
      } else if (cur + o.op < 0) {
        return o.flg & IPC_NOWAIT ? -EAGAIN : undefined;
      } else if (cur + o.op > SEMVMX) return -ERANGE;
      else vals[o.num] = cur + o.op;
    }
    set.vals = vals;
    for (const o of ops) set.pids[o.num] = c.proc.pid;
    set.otime = secs(c);
    return 0;
  };
  return blockUntil(attempt, "semop", deadline);
}

function semctl(c: SyscallContext): number {
  const set = find(c, "sem", c.int(0));
  const num = c.int(1), cmd = c.int(2) & ~0x100, arg = c.args[3]!;
  const GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17;
  const checkNum = () => {
    if (num < 0 || num >= set.vals.length) throw new SyscallError(EINVAL);
  };
  const write = [SETVAL, SETALL].includes(cmd);
  if ([GETPID, GETVAL, GETALL, GETNCNT, GETZCNT, SETVAL, SETALL, IPC_STAT].includes(cmd) && !allowed(c.proc, set.perm, write ? 2 : 4)) return -EACCES;
  switch (cmd) {
    case IPC_RMID: return rmid(c, set);
    case IPC_SET: return setPerm(c, set, Number(arg));
    case IPC_STAT: {
      // struct semid64_ds: x86-64's (arch/x86/include/uapi/asm/sembuf.h) keeps an unused long after each time,
      // asm-generic's (arm64) does not.
      const x86 = c.proc.arch.arch === "x86_64";
      const b = new Uint8Array(x86 ? 104 : 88);
      const v = new DataView(b.buffer);
      encodePerm(v, set.perm);
      v.setBigInt64(48, set.otime, true);
      v.setBigInt64(x86 ? 64 : 56, set.ctime, true);
      v.setBigUint64(x86 ? 80 : 64, BigInt(set.vals.length), true);
      c.write(Number(arg), b);
      return 0;
    }
    case GETVAL: checkNum(); return set.vals[num]!;
    case GETPID: checkNum(); return set.pids[num]!;
    case GETNCNT: case GETZCNT: checkNum(); return 0; // waiters are not counted
    case GETALL: {
      const b = new Uint8Array(2 * set.vals.length);
      const v = new DataView(b.buffer);
      set.vals.forEach((x, i) => v.setUint16(2 * i, x, true));
      c.write(Number(arg), b);
      return 0;
    }
    case SETVAL: {
      checkNum();
      const val = Number(BigInt.asIntN(32, arg));
      if (val < 0 || val > SEMVMX) return -ERANGE;
      set.vals[num] = val;
      set.pids[num] = c.proc.pid;
      set.ctime = secs(c);
      return 0;
    }
    case SETALL: {
      const b = c.read(Number(arg), 2 * set.vals.length);
      const v = new DataView(b.buffer);
      const vals = set.vals.map((_, i) => v.getUint16(2 * i, true));
      if (vals.some((x) => x > SEMVMX)) return -ERANGE;
      set.vals = vals;
      set.pids = set.pids.map(() => c.proc.pid);
      set.ctime = secs(c);
      return 0;
    }
    default: return -EINVAL;
  }
}

// ------------------------------------------------------------------ shared memory

/**
 * Carry what one attachment stored since it last synchronised into the segment: only the bytes that differ from
 * its base, so two attachments that wrote different bytes both land (the model's stand-in for shared pages).
 */
function syncOne(seg: ShmSeg, a: Attach): void {
  if (!a.mm.findVma(a.addr)) return;
  const now = a.mm.peek(a.addr, seg.data.length);
  for (let i = 0; i < now.length; i++) if (now[i] !== a.base[i]) seg.data[i] = now[i]!;
  a.base = seg.data.slice();
}
function syncBack(seg: ShmSeg): void {
  for (const a of seg.attaches) syncOne(seg, a);
}

function shmat(c: SyscallContext): number {
  const seg = find(c, "shm", c.int(0));
  let addr = c.ulong(1);
  const flags = c.int(2);
  const SHM_RDONLY = 0o10000, SHM_RND = 0o20000, SHM_EXEC = 0o100000, SHM_REMAP = 0o40000;
  if (addr % PAGE_SIZE) {
    if (!(flags & SHM_RND)) return -EINVAL;
    addr -= addr % PAGE_SIZE;
  }
  const ro = (flags & SHM_RDONLY) !== 0;
  if (!allowed(c.proc, seg.perm, ro ? 4 : 6)) return -EACCES;
  const len = Math.ceil(seg.data.length / PAGE_SIZE) * PAGE_SIZE;
  const prot = 1 | (ro ? 0 : 2) | (flags & SHM_EXEC ? 4 : 0);
  const mm = c.proc.mm;
  if (addr && !(flags & SHM_REMAP) && !mm.isFree(addr, addr + len)) return -EINVAL;
  const at = mm.mmap(addr, len, prot, 0x21 | (addr ? 0x10 : 0), 0); // MAP_SHARED | MAP_ANONYMOUS (| MAP_FIXED)
  if (at < 0) return at;
  syncBack(seg);
  mm.mem.poke(at, seg.data);
  seg.attaches.push({ mm, addr: at, len, base: seg.data.slice() });
  seg.atime = secs(c);
  seg.lpid = c.proc.pid;
  return at;
}

function shmdt(c: SyscallContext): number {
  const addr = c.ulong(0);
  if (addr % PAGE_SIZE) return -EINVAL;
  const mm = c.proc.mm;
  for (const seg of ns(c.kernel).ids.values()) {
    if (seg.kind !== "shm") continue;
    const i = seg.attaches.findIndex((a) => a.mm === mm && a.addr === addr);
    if (i < 0) continue;
    const a = seg.attaches[i]!;
    syncOne(seg, a);
    seg.attaches.splice(i, 1);
    mm.munmap(a.addr, a.len);
    seg.dtime = secs(c);
    seg.lpid = c.proc.pid;
    if (seg.removed && seg.attaches.length === 0) ns(c.kernel).ids.delete(seg.id);
    return 0;
  }
  return -EINVAL;
}

function shmctl(c: SyscallContext): number {
  const cmd = c.int(1) & ~0x100;
  const seg = find(c, "shm", c.int(0));
  const SHM_LOCK = 11, SHM_UNLOCK = 12;
  switch (cmd) {
    case IPC_RMID: return rmid(c, seg);
    case IPC_SET: return setPerm(c, seg, c.ptr(2));
    case SHM_LOCK: case SHM_UNLOCK: return c.proc.cred.euid === 0 ? 0 : -EPERM;
    case IPC_STAT: {
      if (!allowed(c.proc, seg.perm, 4)) return -EACCES;
      const b = new Uint8Array(112);
      const v = new DataView(b.buffer);
      // A removed-but-attached segment reports SHM_DEST (01000) and IPC_PRIVATE's key.
      encodePerm(v, { ...seg.perm, mode: seg.perm.mode | (seg.removed ? 0o1000 : 0) });
      v.setBigUint64(48, BigInt(seg.data.length), true);
      v.setBigInt64(56, seg.atime, true);
      v.setBigInt64(64, seg.dtime, true);
      v.setBigInt64(72, seg.ctime, true);
      v.setInt32(80, seg.cpid, true);
      v.setInt32(84, seg.lpid, true);
      v.setBigUint64(88, BigInt(seg.attaches.filter((a) => a.mm.findVma(a.addr)).length), true);
      c.write(c.ptr(2), b);
      return 0;
    }
    default: return -EINVAL;
  }
}

/** fork: the child inherits the parent's attachments (copies, like the rest of its memory). */
export function ipcFork(k: KernelServices, parent: AddressSpace, child: AddressSpace): void {
  for (const seg of NAMESPACES.get(k)?.ids.values() ?? []) {
    if (seg.kind !== "shm") continue;
    for (const a of seg.attaches.filter((x) => x.mm === parent)) {
      syncOne(seg, a); // the parent's stores so far are the child's starting point too
      seg.attaches.push({ mm: child, addr: a.addr, len: a.len, base: a.base.slice() });
    }
  }
}

export const IPC_HANDLERS: Record<string, Handler> = {
  msgget: (c) => get<MsgQueue>(c, "msg", c.int(0), c.int(1), (perm, id) => ({
    kind: "msg", id, perm, ctime: secs(c), removed: false, msgs: [], bytes: 0, qbytes: MSGMNB, stime: 0n, rtime: 0n, lspid: 0, lrpid: 0,
  }), () => 0),
  msgsnd,
  msgrcv,
  msgctl,
  semget: (c) => {
    const nsems = c.int(1);
    if (nsems < 0 || nsems > SEMMSL) return -EINVAL;
    return get<SemSet>(c, "sem", c.int(0), c.int(2), (perm, id) => {
      if (nsems === 0) return -EINVAL;
      return { kind: "sem", id, perm, ctime: secs(c), removed: false, vals: Array.from({ length: nsems }, () => 0), pids: Array.from({ length: nsems }, () => 0), otime: 0n };
    }, (s) => (nsems > s.vals.length ? -EINVAL : 0));
  },
  semop: (c) => semop(c, 0),
  semtimedop: (c) => semop(c, c.ptr(3)),
  semctl,
  shmget: (c) => {
    const size = c.ulong(1);
    return get<ShmSeg>(c, "shm", c.int(0), c.int(2), (perm, id) => {
      if (size < SHMMIN || size > SHMMAX || size > c.kernel.memLimit) return -EINVAL;
      return {
        kind: "shm", id, perm, ctime: secs(c), removed: false, data: new Uint8Array(size), atime: 0n, dtime: 0n, cpid: c.proc.pid, lpid: 0, attaches: [],
      };
    }, (s) => (size > s.data.length ? -EINVAL : 0));
  },
  shmat,
  shmdt,
  shmctl,
};
