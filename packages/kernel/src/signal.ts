/**
 * Signal state and encodings shared by both ISAs: the kernel sigaction,
 * siginfo_t images (128 bytes; field offsets from include/uapi/asm-generic/
 * siginfo.h for 64-bit), default actions from @uabi/uapi, and the
 * sigaltstack rules of kernel/signal.c.
 */
import { signalDefaultAction, type SignalDefaultAction } from "@uabi/uapi";

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
  SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17,
  SIGCONT = 18, SIGSTOP = 19, SIGXCPU = 24, SIGSYS = 31;
export const NSIG = 64;

export const SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_UNSUPPORTED = 0x400, SA_EXPOSE_TAGBITS = 0x800,
  SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
  SA_RESETHAND = 0x80000000;
/** Flags the kernel keeps and reports back (UAPI_SA_FLAGS with the arch's SA_RESTORER); others are cleared. */
export const UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER;

export const SIG_DFL = 0, SIG_IGN = 1;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;

/** si_code values. */
export const SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRALN = 1, ILL_ILLOPC = 1, ILL_PRVOPC = 5, FPE_INTDIV = 1, TRAP_BRKPT = 1, TRAP_TRACE = 2;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

/** Each signal's bit, made once: a SIGSYS reflection asks for it several times per call (a BigInt shift each). */
const SIGBITS: readonly bigint[] = Array.from({ length: 65 }, (_, sig) => (sig > 0 ? 1n << BigInt(sig - 1) : 0n)); // 1n << -1n is 0n too
export const sigbit = (sig: number): bigint => SIGBITS[sig] ?? 1n << BigInt(sig - 1);
/** SIGKILL and SIGSTOP can never be blocked. */
export const UNBLOCKABLE = sigbit(SIGKILL) | sigbit(SIGSTOP);
/** Synchronous (fault) signals are dequeued first (kernel/signal.c SYNCHRONOUS_MASK). */
export const SYNCHRONOUS_MASK = sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) | sigbit(SIGTRAP) | sigbit(SIGFPE) | sigbit(SIGSYS);

export function defaultAction(sig: number): SignalDefaultAction {
  return signalDefaultAction(sig) ?? "term";
}

/** A queued signal: number plus its siginfo fields. */
export interface SigInfo {
  signo: number;
  code: number;
  errno?: number;
  /** SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP: si_addr. */
  addr?: number | bigint;
  /** kill/tgkill/SIGCHLD: sender pid and uid. */
  pid?: number;
  uid?: number;
  /** SIGCHLD */
  status?: number;
  /** SIGSYS */
  callAddr?: number;
  syscall?: number;
  arch?: number;
}

/** Encode a siginfo_t (128 bytes) for a signal frame. */
export function encodeSigInfo(si: SigInfo): Uint8Array {
  const b = new Uint8Array(128);
  encodeSigInfoInto(si, new DataView(b.buffer));
  return b;
}

/** The same into a 128-byte view that is reused (signal delivery: the frame copies it at once). */
export function encodeSigInfoInto(si: SigInfo, v: DataView): void {
  for (let o = 0; o < 128; o += 4) v.setUint32(o, 0);
  v.setInt32(0, si.signo, true);
  v.setInt32(4, si.errno ?? 0, true);
  v.setInt32(8, si.code, true);
  // The union starts at offset 16 on 64-bit (3 ints + padding).
  if (si.signo === SIGSYS && si.callAddr !== undefined) {
    setU64(v, 16, si.callAddr);
    v.setInt32(24, si.syscall ?? 0, true);
    v.setUint32(28, si.arch ?? 0, true);
  } else if (si.addr !== undefined) {
    if (typeof si.addr === "number") setU64(v, 16, si.addr);
    else v.setBigUint64(16, si.addr, true); // modulo 2^64, as BigInt.asUintN(64, …)
  } else if (si.pid !== undefined) {
    v.setInt32(16, si.pid, true);
    v.setInt32(20, si.uid ?? 0, true);
    if (si.status !== undefined) v.setInt32(24, si.status, true);
  }
}

/** A 64-bit slot from an integral Number, two's complement for negatives (as `BigInt.asUintN(64, BigInt(x))`). */
function setU64(v: DataView, off: number, x: number): void {
  if (!Number.isInteger(x)) throw new RangeError(`${x} is not an integer`); // what BigInt(x) throws
  v.setInt32(off, x | 0, true);
  v.setInt32(off + 4, Math.floor(x / 0x1_0000_0000) | 0, true);
}

export interface AltStack {
  sp: number;
  size: number;
  flags: number; // SS_DISABLE or SS_AUTODISARM bits as set by the user
}

export function onAltStack(alt: AltStack, sp: number): boolean {
  // kernel/signal.c on_sig_stack: sp - 1 within [ss_sp, ss_sp + ss_size)
  return alt.size !== 0 && sp - alt.sp - 1 < alt.size && sp > alt.sp;
}

/** sas_ss_flags(): what uc_stack.ss_flags and sigaltstack's old value report. */
export function sasFlags(alt: AltStack, sp: number): number {
  if (alt.size === 0) return SS_DISABLE;
  return onAltStack(alt, sp) ? SS_ONSTACK : 0;
}
