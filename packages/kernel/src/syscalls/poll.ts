/**
 * Readiness: poll/ppoll, select/pselect6 (fs/select.c), epoll (fs/eventpoll.c) and eventfd (fs/eventfd.c).
 * Every wait re-evaluates the files' readiness (`pollMask`, each kind's ->poll) when the scheduler polls it;
 * timeouts are virtual-clock deadlines; a signal ends the wait with EINTR (poll and select return
 * ERESTARTNOHAND, which becomes EINTR whenever a handler runs — SA_RESTART does not restart them).
 */
import { SyscallError } from "../errors.js";
import { EAGAIN, EBADF, EEXIST, EFAULT, EINVAL, ENOENT, EPERM } from "../errno.js";
import {
  OpenFile, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM, WOULD_BLOCK, O_CLOEXEC, O_NONBLOCK, O_RDWR,
  pollMask, type SpecialNode,
} from "../fd.js";
import { UNBLOCKABLE } from "../signal.js";
import type { Handler, HandlerResult, SyscallContext } from "../syscall.js";
import { DirNode, FileNode, Inode } from "../vfs.js";

/** An anonymous inode (anon_inode:[eventfd], [eventpoll]): no path, mode 0600, on the anon-inode fs. */
const S_ANON = 0;

interface WaitSpec {
  /** The result when ready (writing the user's output), or undefined to keep waiting. */
  check: () => number | undefined;
  /** Relative timeout in ns; undefined waits forever. */
  timeoutNs: bigint | undefined;
  /** The result when the timeout passes (writing empty output). */
  onTimeout: () => number;
  /** ppoll/pselect6/epoll_pwait: the signal mask to wait with (restored on return). */
  mask?: bigint | undefined;
  /** Remaining time written back (select, ppoll, pselect6) on every way out. */
  writeRemaining?: (ns: bigint) => void;
  what: string;
}

function waitFor(c: SyscallContext, w: WaitSpec): HandlerResult {
  const k = c.kernel;
  const safe = (f: () => number | undefined) => () => {
    try {
      return f();
    } catch (e) {
      if (e instanceof SyscallError) return -e.errno;
      throw e;
    }
  };
  const deadline = w.timeoutNs === undefined ? undefined : k.clock.monotonicNs() + w.timeoutNs;
  const remaining = () => {
    if (deadline === undefined || !w.writeRemaining) return;
    const left = deadline - k.clock.monotonicNs();
    try {
      w.writeRemaining(left > 0n ? left : 0n);
    } catch {
      // poll_select_finish ignores a fault writing the remaining time back
    }
  };
  const check = safe(() => {
    const r = w.check();
    if (r !== undefined) remaining();
    return r;
  });
  const onTimeout = () => {
    remaining();
    return safe(w.onTimeout)()!;
  };
  const now = check();
  if (now !== undefined) return now;
  if (w.timeoutNs === 0n) return onTimeout();
  const t = c.thread;
  if (w.mask !== undefined) {
    // Like sigsuspend: wait with the given mask; the old one comes back on return (restore_saved_sigmask).
    t.savedMask = t.sigmask;
    t.sigmask = w.mask & ~UNBLOCKABLE;
  }
  return {
    block: {
      ...(deadline !== undefined ? { deadline } : {}),
      poll: check,
      onTimeout,
      cancel: remaining,
      restartable: false,
      what: w.what,
    },
  };
}

/** A timespec timeout: undefined (NULL) waits forever; negative or bad nsec is EINVAL. */
function timespecTimeout(c: SyscallContext, addr: number): bigint | undefined {
  if (!addr) return undefined;
  const ts = c.readTimespec(addr);
  if (ts.sec < 0n || ts.nsec < 0n || ts.nsec >= 1_000_000_000n) throw new SyscallError(EINVAL);
  return ts.sec * 1_000_000_000n + ts.nsec;
}

/** The sigset argument of ppoll/epoll_pwait: NULL keeps the mask; the size must be 8. */
function sigsetArg(c: SyscallContext, addr: number, size: number): bigint | undefined {
  if (!addr) return undefined;
  if (size !== 8) throw new SyscallError(EINVAL);
  return c.readU64(addr);
}

// ------------------------------------------------------------------ poll

function doPoll(c: SyscallContext, ufds: number, nfds: number, timeoutNs: bigint | undefined, mask: bigint | undefined, writeRemaining?: (ns: bigint) => void): HandlerResult {
  if (nfds < 0 || nfds > c.proc.files.limit) return -EINVAL;
  const raw = c.read(ufds, 8 * nfds);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const entries = Array.from({ length: nfds }, (_, i) => ({ fd: v.getInt32(8 * i, true), events: v.getUint16(8 * i + 4, true) }));
  const scan = (): number => {
    let n = 0;
    entries.forEach((e, i) => {
      let rev = 0;
      if (e.fd >= 0) {
        const f = c.proc.files.file(e.fd);
        rev = f ? pollMask(f) & (e.events | POLLERR | POLLHUP) : POLLNVAL;
      }
      v.setUint16(8 * i + 6, rev, true);
      if (rev) n++;
    });
    return n;
  };
  const out = (n: number) => {
    c.write(ufds, raw);
    return n;
  };
  return waitFor(c, {
    check: () => {
      const n = scan();
      return n > 0 ? out(n) : undefined;
    },
    timeoutNs,
    onTimeout: () => out(scan()),
    mask,
    ...(writeRemaining ? { writeRemaining } : {}),
    what: "poll",
  });
}

function poll(c: SyscallContext): HandlerResult {
  const ms = c.int(2);
  return doPoll(c, c.ptr(0), c.int(1), ms < 0 ? undefined : BigInt(ms) * 1_000_000n, undefined);
}

function ppoll(c: SyscallContext): HandlerResult {
  const tsAddr = c.ptr(2);
  const timeout = timespecTimeout(c, tsAddr);
  const mask = sigsetArg(c, c.ptr(3), c.ulong(4));
  return doPoll(c, c.ptr(0), c.int(1), timeout, mask, (ns) => c.writeTimespec(tsAddr, ns));
}

// ------------------------------------------------------------------ select

const SEL_IN = POLLRDNORM | POLLIN | POLLHUP | POLLERR, SEL_OUT = POLLWRNORM | POLLOUT | POLLERR, SEL_EX = POLLPRI;

function doSelect(c: SyscallContext, n: number, inp: number, outp: number, exp: number, timeoutNs: bigint | undefined, mask: bigint | undefined, writeRemaining?: (ns: bigint) => void): HandlerResult {
  if (n < 0) return -EINVAL;
  n = Math.min(n, c.proc.files.limit);
  const bytes = Math.ceil(n / 64) * 8;
  const sets = [inp, outp, exp].map((a) => (a ? c.read(a, bytes) : undefined));
  const want = (set: Uint8Array | undefined, fd: number) => !!set && ((set[fd >> 3]! >> (fd & 7)) & 1) === 1;
  // max_select_fd(): a descriptor named in any set must be open.
  for (let fd = 0; fd < n; fd++) if ((want(sets[0], fd) || want(sets[1], fd) || want(sets[2], fd)) && !c.proc.files.file(fd)) return -EBADF;
  const scan = (): { count: number; res: Uint8Array[] } => {
    const res = sets.map(() => new Uint8Array(bytes));
    let count = 0;
    for (let fd = 0; fd < n; fd++) {
      if (!want(sets[0], fd) && !want(sets[1], fd) && !want(sets[2], fd)) continue;
      const m = pollMask(c.proc.files.file(fd)!);
      [SEL_IN, SEL_OUT, SEL_EX].forEach((bits, i) => {
        if (want(sets[i], fd) && m & bits) {
          res[i]![fd >> 3]! |= 1 << (fd & 7);
          count++;
        }
      });
    }
    return { count, res };
  };
  const out = (r: { count: number; res: Uint8Array[] }) => {
    [inp, outp, exp].forEach((a, i) => a && c.write(a, r.res[i]!));
    return r.count;
  };
  return waitFor(c, {
    check: () => {
      const r = scan();
      return r.count > 0 ? out(r) : undefined;
    },
    timeoutNs,
    onTimeout: () => out(scan()),
    mask,
    ...(writeRemaining ? { writeRemaining } : {}),
    what: "select",
  });
}

function select(c: SyscallContext): HandlerResult {
  const tvAddr = c.ptr(4);
  let timeout: bigint | undefined;
  if (tvAddr) {
    const sec = c.readI64(tvAddr), usec = c.readI64(tvAddr + 8);
    if (sec < 0n || usec < 0n) return -EINVAL;
    // poll_select_set_timeout normalises microseconds beyond a second.
    timeout = sec * 1_000_000_000n + usec * 1000n;
  }
  const writeTv = (ns: bigint) => {
    c.writeU64(tvAddr, ns / 1_000_000_000n);
    c.writeU64(tvAddr + 8, (ns % 1_000_000_000n) / 1000n);
  };
  return doSelect(c, c.int(0), c.ptr(1), c.ptr(2), c.ptr(3), timeout, undefined, writeTv);
}

function pselect6(c: SyscallContext): HandlerResult {
  const tsAddr = c.ptr(4);
  const timeout = timespecTimeout(c, tsAddr);
  // The sixth argument points at { const sigset_t *ss; size_t ss_len }.
  let mask: bigint | undefined;
  const sigArg = c.ptr(5);
  if (sigArg) mask = sigsetArg(c, Number(c.readU64(sigArg)), Number(c.readU64(sigArg + 8)));
  return doSelect(c, c.int(0), c.ptr(1), c.ptr(2), c.ptr(3), timeout, mask, (ns) => c.writeTimespec(tsAddr, ns));
}

// ------------------------------------------------------------------ eventfd

const EFD_SEMAPHORE = 1;
const EVENTFD_MAX = 0xfffffffffffffffen;

export class EventFd extends Inode implements SpecialNode {
  constructor(public count: bigint, readonly semaphore: boolean) {
    super(S_ANON | 0o600);
  }
  readFile(f: OpenFile, n: number): Uint8Array | number | typeof WOULD_BLOCK {
    if (n < 8) return -EINVAL;
    if (this.count === 0n) return f.flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return b;
  }
  writeFile(f: OpenFile, data: Uint8Array): number | typeof WOULD_BLOCK {
    if (data.length < 8) return -EINVAL;
    const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffffffffffffffffn) return -EINVAL;
    if (EVENTFD_MAX - this.count < v) return f.flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
    this.count += v;
    return 8;
  }
  pollMask(): number {
    let m = 0;
    if (this.count > 0n) m |= POLLIN | POLLRDNORM;
    if (this.count < EVENTFD_MAX) m |= POLLOUT | POLLWRNORM;
    return m;
  }
}

function eventfd2(c: SyscallContext, initval: number, flags: number): number {
  if (flags & ~(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  const node = new EventFd(BigInt(initval), (flags & EFD_SEMAPHORE) !== 0);
  const f = new OpenFile(node, O_RDWR | (flags & O_NONBLOCK), "anon_inode:[eventfd]");
  return c.proc.files.alloc(f, (flags & O_CLOEXEC) !== 0);
}

// ------------------------------------------------------------------ epoll

const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
const EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 1 << 31;
/** EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event). */
const EP_MAX_EVENTS = (x86: boolean) => Math.floor(0x7fffffff / (x86 ? 12 : 16));

interface Interest {
  file: OpenFile;
  events: number;
  data: bigint;
  /** EPOLLONESHOT fired: nothing more until EPOLL_CTL_MOD. */
  disabled: boolean;
  /** EPOLLET: the readiness last reported, so only new readiness is reported again. */
  lastReported: number;
}

type FdOwner = { files: { file(fd: number): OpenFile | undefined } };

export class Epoll extends Inode implements SpecialNode {
  readonly interest = new Map<number, Interest>();
  constructor(private readonly owner: FdOwner) {
    super(S_ANON | 0o600);
  }
  readFile(): number {
    return -EINVAL;
  }
  writeFile(): number {
    return -EINVAL;
  }
  /** Ready events, as ep_send_events would deliver them (without consuming). */
  ready(owner: FdOwner = this.owner): { fd: number; it: Interest; mask: number }[] {
    const out: { fd: number; it: Interest; mask: number }[] = [];
    for (const [fd, it] of this.interest) {
      // A closed descriptor leaves the set when its file goes away (eventpoll_release); one reused for another file does not match.
      if (owner.files.file(fd) !== it.file || it.disabled) continue;
      const m = pollMask(it.file) & ((it.events & 0xffff) | POLLERR | POLLHUP);
      if (!m) {
        it.lastReported = 0;
        continue;
      }
      if (it.events & EPOLLET && (m & ~it.lastReported) === 0) continue;
      out.push({ fd, it, mask: m });
    }
    return out;
  }
  /** An epoll file is readable when an event is ready (ep_eventpoll_poll), seen from the process that created it. */
  pollMask(): number {
    return this.ready().length > 0 ? POLLIN | POLLRDNORM : 0;
  }
}

function epollOf(c: SyscallContext, fd: number): Epoll {
  const f = c.proc.files.file(fd);
  if (!f) throw new SyscallError(EBADF);
  if (!(f.node instanceof Epoll)) throw new SyscallError(EINVAL);
  return f.node;
}

function epollCreate(c: SyscallContext, flags: number): number {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  const f = new OpenFile(new Epoll(c.proc), O_RDWR, "anon_inode:[eventpoll]");
  return c.proc.files.alloc(f, (flags & O_CLOEXEC) !== 0);
}

function epollCtl(c: SyscallContext): number {
  const ep = epollOf(c, c.int(0));
  const op = c.int(1), fd = c.int(2), evAddr = c.ptr(3);
  const x86 = c.proc.arch.arch === "x86_64";
  let events = 0, data = 0n;
  if (op !== EPOLL_CTL_DEL) {
    const b = c.read(evAddr, x86 ? 12 : 16);
    const v = new DataView(b.buffer);
    events = v.getUint32(0, true);
    data = v.getBigUint64(x86 ? 4 : 8, true);
  }
  const f = c.proc.files.file(fd);
  if (!f) return -EBADF;
  if (fd === c.int(0)) return -EINVAL;
  // Regular files and directories have no ->poll: EPERM (ep_insert's file_can_poll check).
  if (f.node instanceof FileNode || f.node instanceof DirNode) return -EPERM;
  if (events & EPOLLEXCLUSIVE && op === EPOLL_CTL_MOD) return -EINVAL;
  const cur = ep.interest.get(fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (cur && cur.file === f) return -EEXIST;
      ep.interest.set(fd, { file: f, events: events & ~EPOLLWAKEUP, data, disabled: false, lastReported: 0 });
      return 0;
    case EPOLL_CTL_DEL:
      if (!cur || cur.file !== f) return -ENOENT;
      ep.interest.delete(fd);
      return 0;
    case EPOLL_CTL_MOD:
      if (!cur || cur.file !== f) return -ENOENT;
      if (cur.events & EPOLLEXCLUSIVE) return -EINVAL;
      Object.assign(cur, { events: events & ~EPOLLWAKEUP, data, disabled: false, lastReported: 0 });
      return 0;
    default:
      return -EINVAL;
  }
}

function epollWait(c: SyscallContext, timeoutNs: bigint | undefined, mask: bigint | undefined): HandlerResult {
  const ep = epollOf(c, c.int(0));
  const out = c.ptr(1), max = c.int(2);
  const x86 = c.proc.arch.arch === "x86_64";
  if (max <= 0 || max > EP_MAX_EVENTS(x86)) return -EINVAL;
  const size = x86 ? 12 : 16;
  if (c.accessiblePrefix(out, max * size, "write") < max * size) return -EFAULT;
  const deliver = (): number | undefined => {
    const ready = ep.ready(c.proc).slice(0, max);
    if (ready.length === 0) return undefined;
    const b = new Uint8Array(size * ready.length);
    const v = new DataView(b.buffer);
    ready.forEach((r, i) => {
      v.setUint32(i * size, r.mask, true);
      v.setBigUint64(i * size + (x86 ? 4 : 8), r.it.data, true);
      if (r.it.events & EPOLLONESHOT) r.it.disabled = true;
      r.it.lastReported = r.mask;
    });
    c.write(out, b);
    return ready.length;
  };
  return waitFor(c, { check: deliver, timeoutNs, onTimeout: () => 0, mask, what: "epoll_wait" });
}

const msTimeout = (ms: number) => (ms < 0 ? undefined : BigInt(ms) * 1_000_000n);

export const POLL_HANDLERS: Record<string, Handler> = {
  poll,
  ppoll,
  select,
  pselect6,
  eventfd2: (c) => eventfd2(c, c.uint(0), c.int(1)),
  eventfd: (c) => eventfd2(c, c.uint(0), 0),
  epoll_create1: (c) => epollCreate(c, c.int(0)),
  epoll_create: (c) => (c.int(0) <= 0 ? -EINVAL : epollCreate(c, 0)),
  epoll_ctl: epollCtl,
  epoll_wait: (c) => epollWait(c, msTimeout(c.int(3)), undefined),
  epoll_pwait: (c) => epollWait(c, msTimeout(c.int(3)), sigsetArg(c, c.ptr(4), c.ulong(5))),
  epoll_pwait2: (c) => epollWait(c, timespecTimeout(c, c.ptr(3)), sigsetArg(c, c.ptr(4), c.ulong(5))),
};

