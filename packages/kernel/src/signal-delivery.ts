/**
 * Signals in motion: generation (kill, tgkill, faults, the kernel's own), queueing per thread and per process,
 * waking a blocked thread, and delivery at exit to user mode — the frame built by the arch adapter, the mask
 * and alternate stack updated as Linux's signal_setup_done does — or the default action.
 */
import type { Trap } from "@uabi/isa-core";
import { ESRCH } from "./errno.js";
import {
  SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGTRAP, SI_KERNEL, SI_TKILL, SEGV_ACCERR,
  SEGV_MAPERR, BUS_ADRALN, ILL_ILLOPC, FPE_INTDIV, TRAP_BRKPT, SYNCHRONOUS_MASK, UNBLOCKABLE, SS_AUTODISARM, SS_DISABLE,
  defaultAction, encodeSigInfoInto, onAltStack, sasFlags, sigbit, type SigInfo,
} from "./signal.js";
import type { SignalDelivery } from "./arch/types.js";
import type { KernelServices } from "./services.js";
import type { ExitInfo, Process, Thread } from "./task.js";

/** Extra data a fault signal's frame carries (fault_address / ESR on arm64, trapno / err / cr2 on x86-64). */
export interface FaultContext {
  faultAddr: number;
  esr: number;
  trapno: number;
  err: number;
}
const NO_FAULT: FaultContext = { faultAddr: 0, esr: 0, trapno: 0, err: 0 };

/** x86 exception vectors reported as trapno (arch/x86/include/asm/trapnr.h). */
const X86_TRAP = { DE: 0, BP: 3, UD: 6, GP: 13, PF: 14, AC: 17 } as const;

/** The wait status word wait4 reports (WIFEXITED / WIFSIGNALED encodings, WCOREDUMP bit). */
export function waitStatus(e: ExitInfo): number {
  if (e.signal !== undefined) return e.signal | (e.core ? 0x80 : 0);
  return ((e.code ?? 0) & 0xff) << 8;
}

/** The lowest signal in a non-empty mask (bit n-1 is signal n), from 32-bit words: no BigInt shift per bit. */
function lowestSignal(mask: bigint): number {
  const lo = Number(mask & 0xffffffffn);
  if (lo !== 0) return 32 - Math.clz32(lo & -lo);
  const hi = Number((mask >> 32n) & 0xffffffffn);
  if (hi !== 0) return 64 - Math.clz32(hi & -hi);
  let sig = 65;
  for (let m = mask >> 64n; !(m & 1n); m >>= 1n) sig++;
  return sig;
}

/** The siginfo of the signal being delivered: the frame builder copies it into the frame at once. */
const INFO = new Uint8Array(128);
const INFO_VIEW = new DataView(INFO.buffer);

export class Signals {
  /** Per-thread extra data for the next frame built for a forced fault signal. */
  private readonly faultCtx = new WeakMap<Thread, FaultContext>();
  /** Entries set in faultCtx and not yet taken (a thread that died holding one keeps it counted): 0 skips the look-up. */
  private faultCtxLive = 0;

  /**
   * The one delivery description the frame builders read, rewritten for each delivery (they keep nothing of
   * it); `ensure` grows the stack of the process being delivered to.
   */
  private deliveringTo: Process | undefined;
  private readonly delivery: SignalDelivery = {
    sig: 0, info: INFO, handler: 0, flags: 0, restorer: 0, savedMask: 0n, sp: 0, altstack: { sp: 0, flags: 0, size: 0 },
    faultAddr: 0, esr: 0, trapno: 0, err: 0, vdsoSigreturn: 0, onAltstack: false,
    ensure: (lo) => {
      // Make the frame's range part of the stack if it lies in the grow-down range (a frame write faults it in).
      const mm = this.deliveringTo!.mm;
      if (!mm.findVma(lo)) mm.growStack(lo);
    },
  };

  constructor(private readonly k: KernelServices) {}

  /** CPU exceptions become signals with Linux's siginfo (arch/x86/kernel/traps.c, arch/arm64/mm/fault.c). */
  fromFault(t: Thread, trap: Trap): void {
    const x86 = t.proc.arch.arch === "x86_64";
    switch (trap.kind) {
      case "page-fault": {
        // A fault just below the stack grows it (expand_stack), as long as RLIMIT_STACK allows.
        if (trap.reason === "unmapped" && trap.access !== "exec" && t.proc.mm.growStack(trap.addr)) return;
        const code = trap.reason === "unmapped" ? SEGV_MAPERR : SEGV_ACCERR;
        let esr = 0, err = 0;
        if (x86) err = (trap.reason === "protection" ? 1 : 0) | (trap.access === "write" ? 2 : 0) | 4 | (trap.access === "exec" ? 16 : 0);
        else {
          // ESR_ELx for a lower-EL abort: EC 0x24 (data) / 0x20 (instruction), IL, WnR, level-3 translation/permission fault.
          const ec = trap.access === "exec" ? 0x20 : 0x24;
          esr = ec * 2 ** 26 + (1 << 25) + (trap.access === "write" ? 1 << 6 : 0) + (trap.reason === "unmapped" ? 0x07 : 0x0f);
        }
        this.force(t, { signo: SIGSEGV, code, addr: trap.addr }, { faultAddr: trap.addr, esr, trapno: X86_TRAP.PF, err });
        return;
      }
      case "undefined":
        this.force(t, { signo: SIGILL, code: ILL_ILLOPC, addr: trap.pc }, { ...NO_FAULT, trapno: X86_TRAP.UD });
        return;
      case "alignment":
        this.force(t, { signo: SIGBUS, code: BUS_ADRALN, addr: trap.addr }, { ...NO_FAULT, faultAddr: trap.addr, trapno: X86_TRAP.AC });
        return;
      case "divide-error":
        this.force(t, { signo: SIGFPE, code: FPE_INTDIV, addr: trap.pc }, { ...NO_FAULT, trapno: X86_TRAP.DE });
        return;
      case "breakpoint":
        // x86 int3 reports SI_KERNEL (do_int3_user); arm64 brk reports TRAP_BRKPT at the instruction.
        this.force(t, x86 ? { signo: SIGTRAP, code: SI_KERNEL } : { signo: SIGTRAP, code: TRAP_BRKPT, addr: trap.pc }, { ...NO_FAULT, trapno: X86_TRAP.BP });
        return;
      case "privileged":
        // #GP in user mode: SIGSEGV with SI_KERNEL and si_addr 0 (x86); arm64 undefined instruction otherwise.
        if (x86) this.force(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 }, { ...NO_FAULT, trapno: X86_TRAP.GP });
        else this.force(t, { signo: SIGILL, code: ILL_ILLOPC, addr: trap.pc }, NO_FAULT);
        return;
    }
  }

  /** force_sig_info: a blocked or ignored signal is unblocked and reset to SIG_DFL, so it kills. */
  force(t: Thread, si: SigInfo, ctx?: FaultContext): void {
    const act = t.proc.sigactions[si.signo]!;
    const bit = sigbit(si.signo);
    const blocked = (t.sigmask & bit) !== 0n;
    if (blocked || act.handler === 1) {
      act.handler = 0;
      if (blocked) t.sigmask &= ~bit;
    }
    if (ctx) {
      if (!this.faultCtx.has(t)) this.faultCtxLive++;
      this.faultCtx.set(t, ctx);
    }
    this.queueThread(t, si);
  }

  queueThread(t: Thread, si: SigInfo): void {
    const bit = sigbit(si.signo);
    // Standard signals do not queue twice; RT signals do.
    if (si.signo < 32 && t.pending & bit) return;
    t.pending |= bit;
    const q = t.pendingInfo.get(si.signo) ?? [];
    q.push(si);
    t.pendingInfo.set(si.signo, q);
    this.wake(t);
  }

  /** Process-directed signal (kill): queued on the process, taken by any thread that does not block it. */
  queueProcess(p: Process, si: SigInfo): void {
    if (!p.alive) return;
    const act = p.sigactions[si.signo]!;
    if (si.signo === SIGKILL) {
      this.k.lifecycle.exitProcess(p, { signal: SIGKILL });
      return;
    }
    // Ignored signals are discarded at generation time (sig_ignored), unless blocked.
    const bit = sigbit(si.signo);
    const allBlock = p.threads.every((t) => t.sigmask & bit);
    if (!allBlock && (act.handler === 1 || (act.handler === 0 && defaultAction(si.signo) === "ignore"))) return;
    if (si.signo < 32 && p.sharedPending & bit) return;
    p.sharedPending |= bit;
    const q = p.sharedPendingInfo.get(si.signo) ?? [];
    q.push(si);
    p.sharedPendingInfo.set(si.signo, q);
    for (const t of p.threads) if (!(t.sigmask & bit)) {
      this.wake(t);
      break;
    }
  }

  /** kill(2) of a process from thread `from`. */
  send(from: Thread, target: Process, sig: number): number {
    if (!target.alive) return -ESRCH;
    if (sig === 0) return 0;
    this.queueProcess(target, { signo: sig, code: 0, pid: from.proc.pid, uid: from.proc.uid });
    return 0;
  }

  /** tgkill/tkill of one thread. */
  sendToThread(from: Thread, target: Thread, sig: number): number {
    if (sig === 0) return 0;
    if (sig === SIGKILL) {
      this.k.lifecycle.exitProcess(target.proc, { signal: SIGKILL });
      return 0;
    }
    const act = target.proc.sigactions[sig]!;
    const bit = sigbit(sig);
    if (!(target.sigmask & bit) && (act.handler === 1 || (act.handler === 0 && defaultAction(sig) === "ignore"))) return 0;
    this.queueThread(target, { signo: sig, code: SI_TKILL, pid: from.proc.pid, uid: from.proc.uid });
    return 0;
  }

  /** A signal arrived for a blocked thread: interrupt its wait if the first deliverable signal may. */
  wake(t: Thread): void {
    if (t.state !== "blocked" || !t.wait) return;
    const ready = this.deliverableMask(t);
    if (ready === 0n) return;
    this.k.scheduler.interrupt(t, lowestSignal(ready));
  }

  private deliverableMask(t: Thread): bigint {
    return (t.pending | t.proc.sharedPending) & ~(t.sigmask & ~UNBLOCKABLE);
  }

  private dequeue(t: Thread): SigInfo | undefined {
    const ready = this.deliverableMask(t);
    if (ready === 0n) return undefined;
    const sync = ready & SYNCHRONOUS_MASK;
    const sig = lowestSignal(sync !== 0n ? sync : ready);
    const bit = sigbit(sig);
    const fromThread = (t.pending & bit) !== 0n;
    const q = fromThread ? t.pendingInfo : t.proc.sharedPendingInfo;
    const list = q.get(sig) ?? [];
    const si = list.shift() ?? { signo: sig, code: SI_KERNEL };
    if (list.length === 0) {
      q.delete(sig);
      if (fromThread) t.pending &= ~bit;
      else t.proc.sharedPending &= ~bit;
    }
    return si;
  }

  /** Exit work before returning to user mode: deliver every deliverable signal (stacking frames as Linux does). */
  exitWork(t: Thread): void {
    for (let guard = 0; guard < 64 && t.state === "runnable"; guard++) {
      const si = this.dequeue(t);
      if (!si) return;
      this.deliver(t, si);
    }
  }

  private deliver(t: Thread, si: SigInfo): void {
    const p = t.proc;
    const sig = si.signo;
    const act = p.sigactions[sig]!;
    // Most deliveries are not of a fault (a SIGSYS reflection, kill): no WeakMap look-up for them.
    const fault = this.faultCtxLive > 0 ? this.faultCtx.get(t) : undefined;
    if (fault) {
      this.faultCtx.delete(t);
      this.faultCtxLive--;
    }
    const { tracer, tasks, stats } = this.k;
    if (act.handler === 1) return; // SIG_IGN
    if (act.handler === 0) {
      const d = defaultAction(sig);
      if (d === "ignore" || d === "cont" || d === "stop") return; // no job control: stop signals are ignored
      tracer?.signal(tasks.tracePrefix(t), si);
      this.k.lifecycle.exitProcess(p, { signal: sig, core: d === "core" });
      return;
    }
    tracer?.signal(tasks.tracePrefix(t), si);
    const arch = p.arch;
    const userSp = arch.stackPointer(t.cpu);
    const onAlt = onAltStack(t.altstack, userSp);
    const useAlt = (act.flags & SA_ONSTACK) !== 0 && t.altstack.size !== 0 && !onAlt;
    // A thread on the task page's small bounce stack takes its signal frame on the caller's stack (mechanisms).
    const sp = useAlt ? t.altstack.sp + t.altstack.size : this.k.mechanisms.signalStack(t, userSp) - arch.redZone;
    // uc_stack as __save_altstack writes it: ss_flags = sas_ss_flags(interrupted sp) plus SS_AUTODISARM if set.
    const d = this.delivery;
    d.altstack.sp = t.altstack.sp;
    d.altstack.flags = (sasFlags(t.altstack, userSp) | (t.altstack.flags & SS_AUTODISARM)) | 0;
    d.altstack.size = t.altstack.size;
    const fc = fault ?? NO_FAULT;
    encodeSigInfoInto(si, INFO_VIEW);
    d.sig = sig;
    d.handler = act.handler;
    d.flags = act.flags;
    d.restorer = act.restorer;
    d.savedMask = t.savedMask ?? t.sigmask;
    d.sp = sp;
    d.faultAddr = fc.faultAddr;
    d.esr = fc.esr;
    d.trapno = fc.trapno;
    d.err = fc.err;
    d.vdsoSigreturn = p.vdsoSigreturn;
    d.onAltstack = onAlt;
    this.deliveringTo = p;
    const r = arch.buildSignalFrame(t.cpu, d);
    if (!r.ok) {
      // signal_setup_done(failed): force SIGSEGV with SIG_DFL: the task dies.
      p.sigactions[SIGSEGV]!.handler = 0;
      this.k.lifecycle.exitProcess(p, { signal: SIGSEGV, core: true });
      return;
    }
    t.savedMask = undefined;
    stats.signalsDelivered++;
    const frameBytes = (useAlt ? t.altstack.sp + t.altstack.size : userSp) - r.frame;
    stats.signalFrameBytes.push(frameBytes);
    p.ledger.addSignalDelivery();
    p.ledger.frame(frameBytes, "signal");
    if (t.altstack.flags & SS_AUTODISARM) t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
    let mask = t.sigmask | act.mask;
    if (!(act.flags & SA_NODEFER)) mask |= sigbit(sig);
    t.sigmask = mask & ~UNBLOCKABLE;
    if (act.flags & SA_RESETHAND) Object.assign(act, { handler: 0, flags: act.flags & ~SA_RESETHAND });
  }
}
