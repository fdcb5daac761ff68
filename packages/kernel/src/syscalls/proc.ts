/**
 * Processes, threads, identity, futex, time and randomness.
 */
import { RLIMIT } from "@uabi/uapi";
import { ExecError, SyscallError, type ExecErrorKind } from "../errors.js";
import { EAGAIN, ECHILD, EFAULT, EINVAL, ENOENT, ENOEXEC, ENOMEM, ENOSYS, EPERM, ESRCH, EACCES, E2BIG, ETIMEDOUT, ELIBBAD } from "../errno.js";
import { Process, copyCredentials } from "../task.js";
import { waitStatus } from "../signal-delivery.js";
import { NO_RETURN, latin1Bytes, type Handler, type HandlerResult, type SyscallContext } from "../syscall.js";
import { FileNode, FileTooBigError, tooBigForExec } from "../vfs.js";
import { resolveAt, AT_FDCWD } from "./fs.js";
import { ipcFork } from "./ipc.js";

const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_PIDFD = 0x1000, CLONE_VFORK = 0x4000,
  CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SETTLS = 0x80000,
  CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000, CLONE_CHILD_SETTID = 0x1000000;
const NAMESPACE_FLAGS = 0x7e020000 | 0x80; // CLONE_NEW* (incl. CLONE_NEWTIME 0x80)

interface CloneArgs {
  flags: number;
  exitSignal: number;
  stack: number | undefined;
  parentTid: number;
  childTid: number;
  tls: bigint | undefined;
}

/**
 * copy_process's RLIMIT_NPROC check: the tasks of the caller's real uid against its soft limit; uid 0 (INIT_USER,
 * and with CAP_SYS_RESOURCE) is exempt, so only a program that dropped to another uid meets it.
 */
function overNproc(c: SyscallContext): boolean {
  const uid = c.proc.cred.ruid;
  if (uid === 0) return false;
  const limit = c.proc.rlimits[RLIMIT.NPROC]![0];
  let n = 0;
  for (const p of c.kernel.tasks.processes.values()) if (p.cred.ruid === uid) n += Math.max(1, p.threads.length);
  return BigInt(n) >= limit;
}

function doClone(c: SyscallContext, a: CloneArgs): HandlerResult {
  const k = c.kernel;
  const parent = c.thread;
  const p = c.proc;
  const f = a.flags;
  // copy_process() argument checks.
  if ((f & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
  if (f & CLONE_THREAD && !(f & CLONE_SIGHAND)) return -EINVAL;
  if (f & CLONE_SIGHAND && !(f & CLONE_VM)) return -EINVAL;
  if (f & NAMESPACE_FLAGS & ~0x80) return -EPERM; // new namespaces need CAP_SYS_ADMIN
  if (f & CLONE_PIDFD) return -EINVAL; // pidfds are not modelled
  // RLIMIT_NPROC-like: the run's task limit (copy_process: EAGAIN); a fork's copy must fit the memory budget (ENOMEM).
  if (k.tasks.count >= k.maxTasks) return -EAGAIN;
  if (overNproc(c)) return -EAGAIN;
  if (!(f & CLONE_VM) && !p.mm.budgetFits(p.mm.mappedBytes)) return -ENOMEM;
  const arch = p.arch;
  let child: Process;
  if (f & CLONE_THREAD) child = p;
  else {
    if (f & CLONE_VM) p.mm.users++;
    const mm = f & CLONE_VM ? p.mm : p.mm.clone();
    if (mm !== p.mm) ipcFork(k, p.mm, mm);
    const files = f & CLONE_FILES ? p.files : p.files.clone();
    const fs = f & CLONE_FS ? p.fs : { cwd: p.fs.cwd, umask: p.fs.umask };
    child = new Process(k.tasks.allocPid(), f & CLONE_PARENT ? p.parent : p, arch, mm, files, fs);
    child.sigactions = f & CLONE_SIGHAND ? p.sigactions : p.sigactions.map((s) => ({ ...s }));
    Object.assign(child, {
      personality: p.personality, comm: p.comm, exePath: p.exePath, exeBytes: p.exeBytes, vdsoBase: p.vdsoBase,
      vdsoSigreturn: p.vdsoSigreturn, vvarBase: p.vvarBase, cred: copyCredentials(p.cred), exitSignal: a.exitSignal,
      // The per-fs page: a fork's copy sits at the same address in the copied mm (CLONE_VM shares the parent's).
      fsPage: p.fsPage,
    });
    child.rlimits = p.rlimits.map(([x, y]) => [x, y] as [bigint, bigint]);
    (child.parent ?? p).children.push(child);
    k.tasks.processes.set(child.pid, child);
    k.cmdlines.set(child.pid, k.cmdlines.get(p.pid) ?? "");
  }
  const cpu = k.loader.createCpu(arch, child.mm, child);
  const tid = f & CLONE_THREAD ? k.tasks.allocPid() : child.pid;
  arch.copyForClone(parent.cpu, cpu, a.stack, f & CLONE_SETTLS ? a.tls : undefined);
  const t = k.tasks.newThread(child, cpu, tid);
  k.mechanisms.onClone(parent, t); // per-thread mechanism state: seccomp chains shared, a program SUD dropped
  if (child.vvarBase) {
    // Each thread gets its own libkernel per-task page (a fork keeps the parent's, copied with the mm).
    if (f & CLONE_VM) {
      const tp = child.mm.mmap(0, 4096, 3, 0x22, 0);
      t.taskPage = tp > 0 ? tp : 0;
    } else t.taskPage = parent.taskPage;
  }
  t.sigmask = parent.sigmask;
  t.altstack = f & CLONE_VM && !(f & CLONE_VFORK) ? { sp: 0, size: 0, flags: 2 } : { ...parent.altstack };
  if (f & CLONE_CHILD_CLEARTID) t.clearChildTid = a.childTid;
  try {
    if (f & CLONE_PARENT_SETTID) c.writeI32(a.parentTid, tid);
    if (f & CLONE_CHILD_SETTID) child.mm.mem.write32(a.childTid, tid);
  } catch {
    // Linux fails the clone with EFAULT before the child runs; undo.
    k.lifecycle.exitThread(t);
    return -EFAULT;
  }
  if (f & CLONE_VFORK && child !== p) {
    // The parent sleeps until the child execs or exits (it shares the parent's memory until then).
    const kid = child;
    return { block: { poll: () => (kid.vforkDone || !kid.alive ? tid : undefined), restartable: false, what: "vfork" } };
  }
  return tid;
}

function clone(c: SyscallContext): HandlerResult {
  // Argument order: x86-64 (flags, newsp, parent_tid, child_tid, tls); arm64 is CLONE_BACKWARDS (…, tls, child_tid).
  const x86 = c.proc.arch.arch === "x86_64";
  const flags = c.ulong(0);
  const sp = c.ulong(1);
  return doClone(c, {
    flags: flags & ~0xff,
    exitSignal: flags & 0xff,
    stack: sp ? sp : undefined,
    parentTid: c.ptr(2),
    childTid: x86 ? c.ptr(3) : c.ptr(4),
    tls: x86 ? c.big(4) : c.big(3),
  });
}

function clone3(c: SyscallContext): HandlerResult {
  const addr = c.ptr(0);
  const size = c.ulong(1);
  if (size < 64 || size > 4096) return -EINVAL;
  const b = new DataView(c.read(addr, Math.min(size, 88)).buffer);
  // Bytes beyond the structure we know must be zero (copy_struct_from_user → E2BIG).
  if (size > 88 && c.read(addr + 88, size - 88).some((x) => x !== 0)) return -E2BIG;
  const flags = b.getBigUint64(0, true);
  const exitSignal = b.getBigUint64(32, true);
  const stack = Number(b.getBigUint64(40, true));
  const stackSize = Number(b.getBigUint64(48, true));
  if (flags >> 32n) return -EINVAL;
  if (exitSignal > 64n || (Number(flags) & (CLONE_THREAD | CLONE_PARENT) && exitSignal)) return -EINVAL;
  if (Number(flags) & CLONE_DETACHED) return -EINVAL;
  if ((stack === 0) !== (stackSize === 0) && stack === 0) return -EINVAL;
  if (size >= 72 && b.getBigUint64(64, true) !== 0n) return -EINVAL; // set_tid needs CAP_SYS_ADMIN in the parent ns
  return doClone(c, {
    flags: Number(flags),
    exitSignal: Number(exitSignal),
    stack: stack ? stack + stackSize : undefined,
    parentTid: Number(b.getBigUint64(24, true)),
    childTid: Number(b.getBigUint64(16, true)),
    tls: b.getBigUint64(56, true),
  });
}

function wait4(c: SyscallContext): HandlerResult {
  const pid = c.int(0);
  const statusAddr = c.ptr(1);
  const options = c.int(2);
  const rusage = c.ptr(3);
  const WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8, WNOTHREAD = 0x20000000, WALL = 0x40000000, WCLONE = 0x80000000;
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) return -EINVAL;
  const p = c.proc;
  const match = (ch: Process) => pid === -1 || pid === 0 || pid < -1 || ch.pid === pid;
  const attempt = (): number | undefined => {
    const kids = p.children.filter((ch) => match(ch) && !ch.reaped);
    if (kids.length === 0) return -ECHILD;
    const z = kids.find((ch) => !ch.alive);
    if (!z) return options & WNOHANG ? 0 : undefined;
    z.reaped = true;
    p.children = p.children.filter((x) => x !== z);
    try {
      if (statusAddr) c.writeI32(statusAddr, waitStatus(z.exit!));
      if (rusage) c.write(rusage, new Uint8Array(144));
    } catch {
      return -EFAULT;
    }
    return z.pid;
  };
  const r = attempt();
  if (r !== undefined) return r;
  return { block: { poll: attempt, restartable: true, what: "wait4" } };
}

function readStrArray(c: SyscallContext, addr: number): string[] {
  const out: string[] = [];
  if (!addr) return out;
  for (let i = 0; ; i++) {
    if (i > 0x7fffffff / 8 || out.length > 65536) throw new SyscallError(E2BIG);
    const p = Number(c.readU64(addr + 8 * i));
    if (!p) break;
    out.push(c.readString(p, 131072));
  }
  return out;
}

function execve(c: SyscallContext, dirfd: number, pathAddr: number, argvAddr: number, envAddr: number): HandlerResult {
  const path = c.readPath(pathAddr);
  const argv = readStrArray(c, argvAddr);
  const env = readStrArray(c, envAddr);
  const r = resolveAt(c, dirfd, path, true);
  const node = r.node;
  if (!node) return -ENOENT;
  if (!(node instanceof FileNode)) return -EACCES;
  if (!(node.mode & 0o111)) return -EACCES;
  let bytes: Uint8Array;
  try {
    bytes = node.data.slice();
  } catch (e) {
    if (e instanceof FileTooBigError) return tooBigForExec(node) === "too-big" ? -ENOMEM : -ENOEXEC;
    throw e;
  }
  try {
    const abs = path.startsWith("/") ? path : c.kernel.vfs.pathOf(c.proc.fs.cwd).replace(/\/$/, "") + "/" + path;
    c.kernel.loader.execInto(c.thread, bytes, abs, argv, env);
  } catch (e) {
    if (e instanceof ExecError) return -EXEC_ERRNO[e.kind];
    throw e;
  }
  return NO_RETURN;
}

/**
 * What execve returns for an image the loader refuses, as load_elf_binary does (fs/binfmt_elf.c): a foreign or
 * malformed ELF is claimed by no binary format (ENOEXEC); e_entry outside user space is EINVAL; a missing
 * interpreter is open_exec's ENOENT, a directory or device open_exec's EACCES (do_open_execat: not S_ISREG), and
 * one that is not an ELF for this machine ELIBBAD; an image beyond the
 * memory limit ENOMEM.
 */
const EXEC_ERRNO: Readonly<Record<ExecErrorKind, number>> = {
  "not-elf": ENOEXEC, "bad-class": ENOEXEC, "bad-arch": ENOEXEC, "bad-type": ENOEXEC, dynamic: ENOEXEC,
  truncated: ENOEXEC, "bad-segment": ENOEXEC, "too-big": ENOMEM, "bad-entry": EINVAL,
  "no-interpreter": ENOENT, "interpreter-not-regular": EACCES, "bad-interpreter": ELIBBAD,
};

// ------------------------------------------------------------------ futex

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5, FUTEX_LOCK_PI = 6,
  FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_LOCK_PI2 = 13;
const FUTEX_PRIVATE = 128, FUTEX_CLOCK_REALTIME = 256;

function futex(c: SyscallContext): HandlerResult {
  const uaddr = c.ptr(0);
  const opFull = c.int(1);
  const op = opFull & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
  const val = c.uint(2);
  const k = c.kernel;
  if (uaddr % 4 !== 0) return -EINVAL;
  if (opFull & FUTEX_CLOCK_REALTIME && op !== FUTEX_WAIT && op !== FUTEX_WAIT_BITSET && op !== FUTEX_LOCK_PI2) return -ENOSYS;
  switch (op) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      const bitset = op === FUTEX_WAIT ? 0xffffffff : c.uint(5);
      if (bitset === 0) return -EINVAL;
      let deadline: bigint | undefined;
      const tsAddr = c.ptr(3);
      if (tsAddr) {
        const ts = c.readTimespec(tsAddr);
        if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= 1_000_000_000n) return -EINVAL;
        const ns = ts.sec * 1_000_000_000n + ts.nsec;
        if (op === FUTEX_WAIT) deadline = k.clock.monotonicNs() + ns; // relative
        else deadline = opFull & FUTEX_CLOCK_REALTIME ? k.clock.monotonicNs() + (ns - k.clock.realtimeNs()) : ns; // absolute
      }
      const cur = c.readU32(uaddr);
      if (cur !== val) return -EAGAIN;
      if (deadline !== undefined && deadline <= k.clock.monotonicNs()) return -ETIMEDOUT;
      return { block: k.futex.wait(c.thread, uaddr, bitset, deadline) };
    }
    case FUTEX_LOCK_PI: case FUTEX_LOCK_PI2: case FUTEX_TRYLOCK_PI: {
      // The timeout is absolute: CLOCK_REALTIME for LOCK_PI, CLOCK_MONOTONIC for LOCK_PI2 unless FUTEX_CLOCK_REALTIME.
      let deadline: bigint | undefined;
      const tsAddr = op === FUTEX_TRYLOCK_PI ? 0 : c.ptr(3);
      if (tsAddr) {
        const ts = c.readTimespec(tsAddr);
        if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= 1_000_000_000n) return -EINVAL;
        const ns = ts.sec * 1_000_000_000n + ts.nsec;
        const realtime = op === FUTEX_LOCK_PI || opFull & FUTEX_CLOCK_REALTIME;
        deadline = realtime ? k.clock.monotonicNs() + (ns - k.clock.realtimeNs()) : ns;
      }
      c.readU32(uaddr); // EFAULT before anything changes
      const r = k.futex.lockPi(c.thread, uaddr, op === FUTEX_TRYLOCK_PI, deadline, (tid) => k.tasks.threads.some((t) => t.tid === tid));
      if (typeof r === "number") return r;
      if (deadline !== undefined && deadline <= k.clock.monotonicNs()) {
        r.cancel?.();
        return -ETIMEDOUT;
      }
      return { block: r };
    }
    case FUTEX_UNLOCK_PI:
      c.readU32(uaddr);
      return k.futex.unlockPi(c.thread, uaddr);
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET: {
      const bitset = op === FUTEX_WAKE ? 0xffffffff : c.uint(5);
      if (bitset === 0) return -EINVAL;
      return k.futex.wake(c.proc, uaddr, Math.min(val, 0x7fffffff), bitset);
    }
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: {
      const nWake = c.int(2), nReq = c.int(3);
      if (nWake < 0 || nReq < 0) return -EINVAL;
      const uaddr2 = c.ptr(4);
      if (op === FUTEX_CMP_REQUEUE && c.readU32(uaddr) !== c.uint(5)) return -EAGAIN;
      return k.futex.requeue(c.proc, uaddr, uaddr2, nWake, nReq);
    }
    case FUTEX_WAKE_OP: {
      const uaddr2 = c.ptr(4);
      const encoded = c.uint(5);
      const opn = (encoded >>> 28) & 7, cmp = (encoded >>> 24) & 15;
      let oparg = (encoded << 8) >> 20;
      const cmparg = (encoded << 20) >> 20;
      if (encoded & (8 << 28)) oparg = 1 << (oparg & 31);
      const old = c.readU32(uaddr2) | 0;
      const nv = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opn];
      if (nv === undefined) return -ENOSYS;
      c.writeU32(uaddr2, nv >>> 0);
      let n = k.futex.wake(c.proc, uaddr, val, 0xffffffff);
      const test = [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg][cmp];
      if (test === undefined) return -ENOSYS;
      if (test) n += k.futex.wake(c.proc, uaddr2, c.int(3), 0xffffffff);
      return n;
    }
    default:
      return -ENOSYS;
  }
}

// ------------------------------------------------------------------ time

const CLOCKS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11]);

function clockNs(c: SyscallContext, clk: number): bigint | undefined {
  const k = c.kernel;
  switch (clk) {
    case 0: case 5: case 8: case 11: return k.clock.realtimeNs(); // REALTIME, _COARSE, _ALARM, TAI (no leap offset)
    case 1: case 4: case 6: case 7: case 9: return k.clock.monotonicNs(); // MONOTONIC, _RAW, _COARSE, BOOTTIME(+_ALARM)
    case 2: return BigInt(c.proc.threads.reduce((n, t) => n + t.cpu.counters.instructions, 0)) * 1n; // PROCESS_CPUTIME_ID
    case 3: return BigInt(c.thread.cpu.counters.instructions); // THREAD_CPUTIME_ID
    default: return undefined;
  }
}

function sleepUntil(c: SyscallContext, deadline: bigint, remAddr: number, what: string): HandlerResult {
  const k = c.kernel;
  if (deadline <= k.clock.monotonicNs()) return 0;
  return {
    block: {
      deadline,
      poll: () => undefined,
      onTimeout: () => 0,
      cancel: () => {
        if (remAddr) {
          const left = deadline - k.clock.monotonicNs();
          try {
            c.writeTimespec(remAddr, left > 0n ? left : 0n);
          } catch {
            // rem is best effort
          }
        }
      },
      restartable: false,
      what,
    },
  };
}

function nanosleep(c: SyscallContext): HandlerResult {
  const ts = c.readTimespec(c.ptr(0));
  if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= 1_000_000_000n) return -EINVAL;
  return sleepUntil(c, c.kernel.clock.monotonicNs() + ts.sec * 1_000_000_000n + ts.nsec, c.ptr(1), "nanosleep");
}

function clockNanosleep(c: SyscallContext): HandlerResult {
  const clk = c.int(0), flags = c.int(1);
  if (clk === 3) return -EINVAL; // THREAD_CPUTIME_ID cannot be slept on
  if (!CLOCKS.has(clk) || clk === 4 || clk === 5 || clk === 6) return -EINVAL;
  const ts = c.readTimespec(c.ptr(2));
  if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= 1_000_000_000n) return -EINVAL;
  const ns = ts.sec * 1_000_000_000n + ts.nsec;
  const k = c.kernel;
  let deadline: bigint;
  if (flags & 1) {
    // TIMER_ABSTIME: convert the clock's absolute time into a monotonic deadline.
    const now = clockNs(c, clk)!;
    deadline = k.clock.monotonicNs() + (ns - now);
  } else deadline = k.clock.monotonicNs() + ns;
  return sleepUntil(c, deadline, flags & 1 ? 0 : c.ptr(3), "clock_nanosleep");
}

// ------------------------------------------------------------------ identity / misc

function utsField(s: string): Uint8Array {
  const b = new Uint8Array(65);
  b.set(latin1Bytes(s).subarray(0, 64));
  return b;
}

function uname(c: SyscallContext): number {
  const fields = ["Linux", "uabi", "6.6.0-uabi", "#1 SMP PREEMPT_DYNAMIC", c.proc.arch.machine, "(none)"];
  const out = new Uint8Array(65 * 6);
  fields.forEach((f, i) => out.set(utsField(f), 65 * i));
  c.write(c.ptr(0), out);
  return 0;
}

function prlimit64(c: SyscallContext): number {
  const pid = c.int(0);
  const res = c.uint(1);
  const newAddr = c.ptr(2);
  const oldAddr = c.ptr(3);
  if (res >= 16) return -EINVAL;
  const p = pid === 0 ? c.proc : c.kernel.tasks.findProcess(pid);
  if (!p) return -ESRCH;
  const cur = p.rlimits[res]!;
  let next: [bigint, bigint] | undefined;
  if (newAddr) {
    const b = new DataView(c.read(newAddr, 16).buffer);
    next = [b.getBigUint64(0, true), b.getBigUint64(8, true)];
    if (next[0] > next[1]) return -EINVAL;
    if (next[1] > cur[1]) return -EPERM; // raising the hard limit needs CAP_SYS_RESOURCE
    if (res === 7 && next[1] > 1_048_576n) return -EPERM; // nr_open
  }
  if (oldAddr) {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, cur[0], true);
    new DataView(b.buffer).setBigUint64(8, cur[1], true);
    c.write(oldAddr, b);
  }
  if (next) {
    p.rlimits[res] = next;
    if (res === 3) p.mm.stackLimit = Number(next[0] > 1n << 52n ? 1n << 52n : next[0]);
    if (res === 2) p.mm.dataLimit = next[0];
    if (res === 9) p.mm.asLimit = next[0];
    if (res === 7) p.files.limit = Number(next[0] > 1_048_576n ? 1_048_576n : next[0]);
  }
  return 0;
}

function prctl(c: SyscallContext): number {
  const opt = c.int(0);
  const p = c.proc;
  switch (opt) {
    case 1: { // PR_SET_PDEATHSIG
      const s = c.int(1);
      if (s < 0 || s > 64) return -EINVAL;
      p.pdeathsig = s;
      return 0;
    }
    case 2: c.writeI32(c.ptr(1), p.pdeathsig); return 0; // PR_GET_PDEATHSIG
    case 3: return p.dumpable; // PR_GET_DUMPABLE
    case 4: { // PR_SET_DUMPABLE
      const v = c.ulong(1);
      if (v > 1) return -EINVAL;
      p.dumpable = v;
      return 0;
    }
    case 15: { // PR_SET_NAME
      const b = c.read(c.ptr(1), 16);
      const z = b.indexOf(0);
      p.comm = String.fromCharCode(...b.subarray(0, z < 0 ? 15 : Math.min(z, 15)));
      return 0;
    }
    case 16: { // PR_GET_NAME
      const b = new Uint8Array(16);
      b.set(latin1Bytes(p.comm).subarray(0, 15));
      c.write(c.ptr(1), b);
      return 0;
    }
    case 21: return 0; // PR_GET_SECCOMP: mode 0 (part 2 reports filters)
    case 38: // PR_SET_NO_NEW_PRIVS
      if (c.ulong(1) !== 1 || c.ulong(2) || c.ulong(3) || c.ulong(4)) return -EINVAL;
      p.noNewPrivs = true;
      return 0;
    case 39: // PR_GET_NO_NEW_PRIVS
      if (c.ulong(1) || c.ulong(2) || c.ulong(3) || c.ulong(4)) return -EINVAL;
      return p.noNewPrivs ? 1 : 0;
    case 0x53564d41: // PR_SET_VMA (anon VMA names): needs CONFIG_ANON_VMA_NAME, which we do not model
      return -EINVAL;
    case 40: // PR_GET_TID_ADDRESS
      c.writeU64(c.ptr(1), c.thread.clearChildTid);
      return 0;
    default:
      return -EINVAL;
  }
}

function archPrctl(c: SyscallContext): number {
  const code = c.int(0);
  const t = c.thread;
  const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004, ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;
  const cpu = t.cpu as unknown as { tlsBase: bigint; gsBase: bigint };
  switch (code) {
    case ARCH_SET_FS: case ARCH_SET_GS: {
      const v = c.big(1);
      if (v >= BigInt(c.proc.arch.taskSize)) return -EPERM;
      if (code === ARCH_SET_FS) cpu.tlsBase = v;
      else cpu.gsBase = v;
      return 0;
    }
    case ARCH_GET_FS: c.writeU64(c.ptr(1), cpu.tlsBase); return 0;
    case ARCH_GET_GS: c.writeU64(c.ptr(1), cpu.gsBase); return 0;
    case ARCH_GET_CPUID: return 1; // CPUID is not faulting
    case ARCH_SET_CPUID: return c.ulong(1) ? 0 : -EINVAL; // faulting CPUID needs hardware support
    default: return -EINVAL;
  }
}

function getrandom(c: SyscallContext): number {
  const buf = c.ptr(0);
  let len = c.ulong(1);
  const flags = c.uint(2);
  const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
  if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return -EINVAL;
  len = Math.min(len, 0x1ffffff); // INT_MAX >> (SECTOR_SHIFT + 3)
  if (len === 0) return 0;
  len = c.accessiblePrefix(buf, len, "write");
  if (len === 0) return -EFAULT;
  c.write(buf, c.kernel.rng.bytes(len));
  return len;
}

function rseq(c: SyscallContext): number {
  const addr = c.ptr(0), len = c.uint(1), flags = c.int(2), sig = c.uint(3);
  const t = c.thread;
  const RSEQ_FLAG_UNREGISTER = 1;
  if (flags & RSEQ_FLAG_UNREGISTER) {
    if (flags & ~RSEQ_FLAG_UNREGISTER) return -EINVAL;
    if (t.rseq.addr !== addr) return -EINVAL;
    if (len !== t.rseq.len) return -EINVAL;
    if (sig !== t.rseq.sig) return -EPERM;
    t.rseq = { addr: 0, len: 0, sig: 0 };
    return 0;
  }
  if (flags) return -EINVAL;
  if (t.rseq.addr) {
    // Re-registration of the same area is EBUSY, of a different one EINVAL (kernel/rseq.c).
    if (t.rseq.addr !== addr || len !== t.rseq.len) return -EINVAL;
    if (sig !== t.rseq.sig) return -EPERM;
    return -16; // EBUSY
  }
  if (addr % 32 !== 0 || len < 32) return -EINVAL;
  // Fill cpu_id_start, cpu_id (we are always on CPU 0), and node_id / mm_cid for the extended area.
  const area = c.read(addr, 32);
  const v = new DataView(area.buffer);
  v.setUint32(0, 0, true);
  v.setUint32(4, 0, true);
  c.write(addr, area);
  t.rseq = { addr, len, sig };
  return 0;
}

function schedGetaffinity(c: SyscallContext): number {
  const pid = c.int(0);
  const len = c.uint(1);
  if (pid < 0) return -ESRCH;
  if (pid && !c.kernel.tasks.findThread(pid)) return -ESRCH;
  if (len * 8 < 1 || len % 8 !== 0) return -EINVAL;
  const mask = new Uint8Array(8);
  mask[0] = 1;
  c.write(c.ptr(2), mask);
  return 8;
}

function getRobustList(c: SyscallContext): number {
  const pid = c.int(0);
  const t = pid === 0 ? c.thread : c.kernel.tasks.findThread(pid);
  if (!t) return -ESRCH;
  c.writeU64(c.ptr(2), 24);
  c.writeU64(c.ptr(1), t.robustList);
  return 0;
}

export const PROC_HANDLERS: Record<string, Handler> = {
  exit: (c) => {
    c.proc.lastExit = { code: c.int(0) & 0xff };
    c.kernel.lifecycle.exitThread(c.thread);
    return NO_RETURN;
  },
  exit_group: (c) => {
    c.kernel.lifecycle.exitProcess(c.proc, { code: c.int(0) & 0xff });
    return NO_RETURN;
  },
  getpid: (c) => c.proc.pid,
  gettid: (c) => c.thread.tid,
  getppid: (c) => c.proc.ppid,
  getpgrp: (c) => c.proc.pid,
  getpgid: (c) => (c.int(0) === 0 || c.kernel.tasks.findProcess(c.int(0)) ? (c.kernel.tasks.findProcess(c.int(0))?.pid ?? c.proc.pid) : -ESRCH),
  getsid: (c) => c.proc.pid,
  setpgid: () => 0,
  setsid: () => -EPERM,
  set_tid_address: (c) => {
    c.thread.clearChildTid = c.ptr(0);
    return c.thread.tid;
  },
  set_robust_list: (c) => {
    if (c.ulong(1) !== 24) return -EINVAL;
    c.thread.robustList = c.ptr(0);
    c.thread.robustLen = 24;
    return 0;
  },
  get_robust_list: getRobustList,
  rseq,
  personality: (c) => {
    const old = c.proc.personality;
    const v = c.uint(0);
    if (v !== 0xffffffff) c.proc.personality = v;
    return old;
  },
  prctl,
  arch_prctl: archPrctl,
  prlimit64,
  getrlimit: (c) => {
    const res = c.uint(0);
    if (res >= 16) return -EINVAL;
    const [cur, max] = c.proc.rlimits[res]!;
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, cur, true);
    new DataView(b.buffer).setBigUint64(8, max, true);
    c.write(c.ptr(1), b);
    return 0;
  },
  uname,
  sched_getaffinity: schedGetaffinity,
  sched_setaffinity: (c) => (c.int(0) < 0 ? -ESRCH : 0),
  sched_yield: () => 0,
  getcpu: (c) => {
    if (c.ptr(0)) c.writeU32(c.ptr(0), 0);
    if (c.ptr(1)) c.writeU32(c.ptr(1), 0);
    return 0;
  },
  getrandom,
  futex,
  clone,
  clone3,
  fork: (c) => doClone(c, { flags: 0, exitSignal: 17, stack: undefined, parentTid: 0, childTid: 0, tls: undefined }),
  vfork: (c) => doClone(c, { flags: CLONE_VM | CLONE_VFORK, exitSignal: 17, stack: undefined, parentTid: 0, childTid: 0, tls: undefined }),
  wait4,
  execve: (c) => execve(c, AT_FDCWD, c.ptr(0), c.ptr(1), c.ptr(2)),
  execveat: (c) => execve(c, c.int(0), c.ptr(1), c.ptr(2), c.ptr(3)),
  clock_gettime: (c) => {
    const ns = clockNs(c, c.int(0));
    if (ns === undefined) return -EINVAL;
    c.writeTimespec(c.ptr(1), ns);
    return 0;
  },
  clock_getres: (c) => {
    const clk = c.int(0);
    if (!CLOCKS.has(clk)) return -EINVAL;
    // hrtimer resolution is 1 ns; the coarse clocks tick at CONFIG_HZ=250 (4 ms).
    if (c.ptr(1)) c.writeTimespec(c.ptr(1), clk === 5 || clk === 6 ? 4_000_000n : 1n);
    return 0;
  },
  gettimeofday: (c) => {
    const ns = c.kernel.clock.realtimeNs();
    if (c.ptr(0)) {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setBigInt64(0, ns / 1_000_000_000n, true);
      new DataView(b.buffer).setBigInt64(8, (ns % 1_000_000_000n) / 1000n, true);
      c.write(c.ptr(0), b);
    }
    if (c.ptr(1)) c.write(c.ptr(1), new Uint8Array(8));
    return 0;
  },
  time: (c) => {
    const s = c.kernel.clock.realtimeNs() / 1_000_000_000n;
    if (c.ptr(0)) c.writeU64(c.ptr(0), s);
    return Number(s);
  },
  nanosleep,
  clock_nanosleep: clockNanosleep,
  sysinfo: (c) => {
    const b = new Uint8Array(112);
    const v = new DataView(b.buffer);
    v.setBigInt64(0, c.kernel.clock.monotonicNs() / 1_000_000_000n, true);
    v.setBigUint64(32, BigInt(c.kernel.memLimit), true);
    v.setBigUint64(40, BigInt(Math.max(0, c.kernel.memLimit - c.proc.mm.mappedBytes)), true);
    v.setUint16(80, c.kernel.tasks.processes.size, true);
    v.setUint32(104, 1, true);
    c.write(c.ptr(0), b);
    return 0;
  },
  getrusage: (c) => {
    const who = c.int(0);
    if (who !== 0 && who !== -1 && who !== 1) return -EINVAL;
    const b = new Uint8Array(144);
    const us = BigInt(c.thread.cpu.counters.instructions) / 1000n;
    new DataView(b.buffer).setBigInt64(0, us / 1_000_000n, true);
    new DataView(b.buffer).setBigInt64(8, us % 1_000_000n, true);
    c.write(c.ptr(1), b);
    return 0;
  },
  times: (c) => {
    const ticks = BigInt(c.kernel.clock.monotonicNs() / 10_000_000n);
    if (c.ptr(0)) c.write(c.ptr(0), new Uint8Array(32));
    return Number(ticks);
  },
};
