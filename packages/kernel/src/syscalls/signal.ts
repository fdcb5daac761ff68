/** Signal syscalls: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, kill/tgkill/tkill, rt_sigpending, rt_sigsuspend. */
import { EFAULT, EINVAL, ENOMEM, EPERM, ESRCH } from "../errno.js";
import { NO_RETURN, type Handler, type SyscallContext } from "../syscall.js";
import type { Process } from "../task.js";
import {
  NSIG, SIGKILL, SIGSEGV, SIGSTOP, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, UAPI_SA_FLAGS, UNBLOCKABLE, onAltStack, sasFlags,
} from "../signal.js";

function rtSigaction(c: SyscallContext): number {
  const sig = c.int(0);
  const act = c.ptr(1);
  const oact = c.ptr(2);
  if (c.ulong(3) !== 8) return -EINVAL;
  if (sig < 1 || sig > NSIG) return -EINVAL;
  if (act && (sig === SIGKILL || sig === SIGSTOP)) return -EINVAL;
  const cur = c.proc.sigactions[sig]!;
  let next;
  if (act) {
    // struct sigaction (kernel): handler, flags, restorer, mask — same layout on x86-64 and arm64.
    const b = new DataView(c.read(act, 32).buffer);
    next = {
      handler: Number(b.getBigUint64(0, true)),
      flags: Number(b.getBigUint64(8, true) & BigInt(UAPI_SA_FLAGS >>> 0)) >>> 0,
      restorer: Number(b.getBigUint64(16, true)),
      mask: b.getBigUint64(24, true) & ~UNBLOCKABLE,
    };
  }
  if (oact) {
    const b = new Uint8Array(32);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(cur.handler), true);
    v.setBigUint64(8, BigInt(cur.flags >>> 0), true);
    v.setBigUint64(16, BigInt(cur.restorer), true);
    v.setBigUint64(24, cur.mask, true);
    c.write(oact, b);
  }
  if (next) {
    Object.assign(cur, next);
    // Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards pending instances (do_sigaction).
    if (next.handler === 1) {
      const bit = 1n << BigInt(sig - 1);
      c.proc.sharedPending &= ~bit;
      c.proc.sharedPendingInfo.delete(sig);
      for (const t of c.proc.threads) {
        t.pending &= ~bit;
        t.pendingInfo.delete(sig);
      }
    }
  }
  return 0;
}

function rtSigprocmask(c: SyscallContext): number {
  const how = c.int(0);
  const set = c.ptr(1);
  const oset = c.ptr(2);
  if (c.ulong(3) !== 8) return -EINVAL;
  const t = c.thread;
  const old = t.sigmask;
  if (set) {
    const m = c.readU64(set) & ~UNBLOCKABLE;
    if (how === 0) t.sigmask = old | m;
    else if (how === 1) t.sigmask = old & ~m;
    else if (how === 2) t.sigmask = m;
    else return -EINVAL;
  }
  if (oset) c.writeU64(oset, old);
  return 0;
}

function rtSigreturn(c: SyscallContext): typeof NO_RETURN {
  const t = c.thread;
  c.kernel.stats.sigreturns++;
  c.proc.ledger.addSigreturn();
  const r = t.proc.arch.sigreturn(t.cpu);
  if (!r.ok) {
    // A frame we did not build (or a forged one): SIGSEGV, which cannot be caught here (force_sig).
    c.kernel.signals.force(t, { signo: SIGSEGV, code: 0x80 });
    return NO_RETURN;
  }
  t.sigmask = r.mask & ~UNBLOCKABLE;
  // restore_altstack: errors are ignored, as in Linux.
  setAltstack(c, r.altstack, true);
  // The return to user mode with the restored state faults (bad selectors, a PC outside user space).
  if (r.returnFault) c.kernel.signals.force(t, r.returnFault);
  return NO_RETURN;
}

function setAltstack(c: SyscallContext, ss: { sp: number; flags: number; size: number }, quiet: boolean): number {
  const t = c.thread;
  if (onAltStack(t.altstack, t.proc.arch.stackPointer(t.cpu))) return -EPERM;
  const mode = ss.flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
  if (mode === SS_DISABLE) {
    t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
    return 0;
  }
  if (!quiet && ss.size < t.proc.arch.minSigStkSzConst) return -ENOMEM;
  t.altstack = { sp: ss.sp, size: ss.size, flags: ss.flags & SS_AUTODISARM };
  return 0;
}

function sigaltstack(c: SyscallContext): number {
  const ssAddr = c.ptr(0);
  const oss = c.ptr(1);
  const t = c.thread;
  const old = { ...t.altstack };
  const sp = Number(t.cpu.sp);
  let next;
  if (ssAddr) {
    const b = new DataView(c.read(ssAddr, 24).buffer);
    next = { sp: Number(b.getBigUint64(0, true)), flags: b.getInt32(8, true), size: Number(b.getBigUint64(16, true)) };
  }
  if (next) {
    const r = setAltstack(c, next, false);
    if (r < 0) return r;
  }
  if (oss) {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(old.sp), true);
    v.setInt32(8, (sasFlags(old, sp) | (old.flags & SS_AUTODISARM)) >>> 0 | 0, true);
    v.setBigUint64(16, BigInt(old.size), true);
    try {
      c.write(oss, b);
    } catch {
      return -EFAULT;
    }
  }
  return 0;
}

function kill(c: SyscallContext): number {
  const pid = c.int(0);
  const sig = c.int(1);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const k = c.kernel;
  if (pid > 0) {
    const p = k.tasks.findProcess(pid);
    if (!p) return -ESRCH;
    return mayKill(c.proc, p) ? k.signals.send(c.thread, p, sig) : -EPERM;
  }
  // pid 0 / -1 / -pgrp: every process we model is in the caller's group and session.
  let n = 0;
  for (const p of Array.from(k.tasks.processes.values())) {
    if (!p.alive) continue;
    if (pid === -1 && p === c.proc) continue;
    if (!mayKill(c.proc, p)) continue;
    k.signals.send(c.thread, p, sig);
    n++;
  }
  return n > 0 || pid === 0 ? 0 : -ESRCH;
}

/** kill_ok_by_cred(): the sender's real or effective uid is the target's real or saved uid, or it has CAP_KILL. */
function mayKill(from: Process, to: Process): boolean {
  const a = from.cred, b = to.cred;
  return a.euid === 0 || a.euid === b.suid || a.euid === b.ruid || a.ruid === b.suid || a.ruid === b.ruid;
}

function tgkill(c: SyscallContext, tgid: number, tid: number, sig: number): number {
  if (tid <= 0 || (tgid !== -1 && tgid <= 0)) return -EINVAL;
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const t = c.kernel.tasks.findThread(tid);
  if (!t || (tgid !== -1 && t.proc.pid !== tgid)) return -ESRCH;
  if (!mayKill(c.proc, t.proc)) return -EPERM;
  return c.kernel.signals.sendToThread(c.thread, t, sig);
}

export const SIGNAL_HANDLERS: Record<string, Handler> = {
  rt_sigaction: rtSigaction,
  rt_sigprocmask: rtSigprocmask,
  rt_sigreturn: rtSigreturn,
  sigaltstack,
  kill,
  tgkill: (c) => tgkill(c, c.int(0), c.int(1), c.int(2)),
  tkill: (c) => tgkill(c, -1, c.int(0), c.int(1)),
  rt_sigpending: (c) => {
    if (c.ulong(1) > 8) return -EINVAL;
    const m = (c.thread.pending | c.proc.sharedPending) & c.thread.sigmask;
    c.writeU64(c.ptr(0), m);
    return 0;
  },
  pause: () => ({ block: { poll: () => undefined, restartable: false, what: "pause" } }),
  rt_sigsuspend: (c) => {
    if (c.ulong(1) !== 8) return -EINVAL;
    const t = c.thread;
    const m = c.readU64(c.ptr(0)) & ~UNBLOCKABLE;
    t.savedMask = t.sigmask;
    t.sigmask = m;
    // Sleep until a signal is delivered: the wait ends only through a signal (-EINTR).
    return { block: { poll: () => undefined, restartable: false, what: "sigsuspend", cancel: () => undefined } };
  },
};
