/**
 * The mechanisms' state: per-thread SUD, seccomp chains, live bounce frames and open reflections; the libkernel
 * image serving each process (the vDSO, or the standalone libkernel.so.1 mapped like a library); what exec and
 * clone do to all of it; and the reflection bookkeeping the entry stages and the CPU runner share.
 *
 * Per-thread state lives in a WeakMap; clone calls `onClone`, and a thread the kernel created some other way
 * inherits lazily from the thread that last entered the kernel in its process or its parent.
 */
import { TASK_PAGE, BOUNCE, type DispatchPolicy } from "@uabi/libkernel";
import { buildVdso } from "@uabi/vdso";
import { EFAULT, EINVAL } from "../errno.js";
import {
  SeccompState, vdsoWindowFilter, type SockFilter,
  BPF_ABS, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, AUDIT_ARCH, assemble, type AsmItem,
} from "../seccomp/index.js";
import { SA_RESTORER, SA_SIGINFO, SIGSYS, sigbit, type SigInfo } from "../signal.js";
import type { SyscallContext } from "../syscall.js";
import type { Process, Thread } from "../task.js";
import type { VdsoImage } from "../types.js";
import type { SyscallEvent } from "../entry/types.js";
import {
  CLONE_VM, M64, NRS, PR_SYS_DISPATCH_EXCLUSIVE_ON, PR_SYS_DISPATCH_INCLUSIVE_ON, PR_SYS_DISPATCH_OFF,
  type FrameVariant, type MechanismMode, type PtraceSupervisor,
} from "./modes.js";

export interface SudConfig {
  /** Region start and length as Linux stores them (inclusive mode inverts them; the test wraps). */
  offset: bigint;
  len: bigint;
  selector: bigint;
  /** Installed by the `sud` mechanism itself (exempts the calls a reflection cannot carry: see modes.ts). */
  byKernel: boolean;
  /** `offset` and `len` as Numbers when they are safe integers, else -1 (the entry check then uses the BigInts). */
  offsetNum: number;
  lenNum: number;
}

/** A SUD configuration with its Number forms (the entry check runs on every call). */
export function sudConfig(offset: bigint, len: bigint, selector: bigint, byKernel: boolean): SudConfig {
  const safe = (x: bigint) => (x >= 0n && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : -1);
  return { offset, len, selector, byKernel, offsetNum: safe(offset), lenNum: safe(len) };
}

/** The mechanism configuration of a kernel (from KernelOptions, defaults applied). */
export interface MechanismConfig {
  readonly mode: MechanismMode;
  readonly frame: FrameVariant;
  /** The ptrace mechanism's supervisor (default: every call runs through the kernel's table). */
  readonly supervisor?: PtraceSupervisor;
  /** A PTRACE_SYSCALL-style tracer attached in any other mode. */
  readonly tracer?: PtraceSupervisor;
  /** Use the talk's extended seccomp_data (vDSO bounds appended) for the window filter. */
  readonly extendedSeccompData: boolean;
  /**
   * Pin the vDSO's syscall sites (OpenBSD pinsyscalls): a syscall from the text must come from a site that
   * issues that number, or from a pass-through re-issue site while a reflection is live; anything else is a
   * jump into the vDSO's syscall instruction and gets SIGSYS (killed).
   */
  readonly pinSyscalls: boolean;
  /** "vdso": libkernel is the vDSO. "library": the standalone libkernel.so.1, its text the trusted region. */
  readonly libkernel: "vdso" | "library";
  readonly personality: "linux" | "fakeroot";
}

/** Per-thread mechanism state. */
export interface ThreadMech {
  /** arm64 bounce frames the kernel has pushed and not yet popped (nested bounces from signal handlers). */
  frames: number[];
  /** The program's own SUD (prctl PR_SET_SYSCALL_USER_DISPATCH), as Linux keeps it per task. */
  sud: SudConfig | null;
  /**
   * The `sud` mechanism's own dispatch over the libkernel text, in a slot of its own so that the program's
   * prctl cannot switch it off or replace it (Linux has one SUD per task; the mechanism must not share it).
   */
  kernelSud: SudConfig | null;
  /** The thread's seccomp state (the mechanism's filter in seccomp mode, else the program's). */
  seccomp: SeccompState;
  /** seccomp mode: the program's own filters, intercepted and run when a call actually executes. */
  program: SeccompState | null;
  /** The caller's SP while the task-page frame is live (one per thread; cleared when the caller is resumed). */
  taskFrameSp: bigint | null;
  /** The diverted calls whose cost is still charged to them (innermost last) and where each caller resumes. */
  open: OpenReflection[];
}

/**
 * A diverted call still charged: its event, and where its caller resumes (PC; SP as a Number, exact when it is a
 * safe integer, else `spBig` holds the value compared).
 */
export interface OpenReflection {
  ev: SyscallEvent;
  pc: number;
  sp: number;
  spBig: bigint | undefined;
}

/** A libkernel image: a vDSO image with the syscall sites and dispatch policy @uabi/vdso records. */
export type LibkernelImage = VdsoImage & { readonly syscallSites?: readonly { pc: number; nr: number | "any" }[]; readonly policy?: DispatchPolicy };

/** Where a process's libkernel text is: the image, its load base, and [textLo, textHi). */
export interface LibkernelText {
  readonly img: LibkernelImage;
  readonly base: number;
  readonly textLo: number;
  readonly textHi: number;
}

/** What the mechanism state needs from the rest of the kernel. */
export interface MechanismHost {
  vdsoFor(arch: "arm64" | "x86_64"): VdsoImage | undefined;
  queueThreadSignal(t: Thread, si: SigInfo): void;
  /** Observers of a diverted call that returned to its caller without a kernel entry. */
  readonly reflectionReturnObservers: readonly ((ev: SyscallEvent) => void)[];
}

const LIBRARIES = new Map<string, LibkernelImage>();
function libraryImage(arch: "arm64" | "x86_64", fakeroot: boolean): LibkernelImage {
  const key = `${arch}:${fakeroot}`;
  let v = LIBRARIES.get(key);
  if (!v) {
    v = buildVdso({ arch, variant: "library", ...(fakeroot ? { personalities: ["fakeroot"] as const } : {}) });
    LIBRARIES.set(key, v);
  }
  return v;
}

export class MechanismState {
  // Per-thread state is `Thread.mech`; the libkernel text and the last thread to enter are on the Process.
  private readonly libs = new WeakMap<Process, number>();

  constructor(private readonly host: MechanismHost, readonly config: MechanismConfig) {}

  // ------------------------------------------------------------------ libkernel images

  /** The libkernel image serving a process and its load base (the vDSO, or the mapped library). */
  image(p: Process): { img: LibkernelImage; base: number } | undefined {
    if (!p.vdsoBase) return undefined;
    if (this.config.libkernel === "library") {
      let base = this.libs.get(p);
      if (base === undefined && p.parent) base = this.libs.get(p.parent); // a fork: same layout
      if (base !== undefined) {
        this.libs.set(p, base);
        return { img: libraryImage(p.arch.arch, this.config.personality === "fakeroot"), base };
      }
    }
    const vd = this.host.vdsoFor(p.arch.arch);
    return vd ? { img: vd, base: p.vdsoBase } : undefined;
  }

  /** The libkernel text of a process (cached until its next exec): the image, its base and the text bounds. */
  text(p: Process): LibkernelText | undefined {
    let t = p.mechText;
    if (t === undefined) {
      const i = this.image(p);
      t = i ? { img: i.img, base: i.base, textLo: i.base + i.img.textStart, textHi: i.base + i.img.textEnd } : null;
      p.mechText = t;
    }
    return t ?? undefined;
  }

  /** Address of the library's vvar page (the kernel refreshes it with the vDSO's), if one is mapped. */
  libraryVvar(p: Process): number | undefined {
    const base = this.config.libkernel === "library" ? this.libs.get(p) : undefined;
    return base === undefined ? undefined : base + libraryImage(p.arch.arch, false).pages.vvar;
  }

  private mapLibrary(p: Process): void {
    const img = libraryImage(p.arch.arch, this.config.personality === "fakeroot");
    const data = img.pages.count * 4096;
    const at = p.mm.findFree(data + img.mapSize);
    if (at < 0) throw new Error("no room for libkernel.so.1");
    p.mm.mapFixed(at, data, 1, "[libkernel-data]");
    p.mm.mapFixed(at + data, img.mapSize, 5, "/usr/lib/libkernel.so.1");
    const base = at + data;
    p.mm.mem.poke(base, img.bytes);
    const vd = this.host.vdsoFor(p.arch.arch);
    if (vd) p.mm.mem.poke(base + img.pages.uts, p.mm.mem.readBytes(p.vdsoBase + vd.pages.uts, 6 * 65));
    this.libs.set(p, base);
  }

  /** The dispatch policy (which calls libkernel answers, which it passes through) of the vDSO for an ISA. */
  policy(isa: "arm64" | "x86_64"): DispatchPolicy {
    // The kernel's vDSO per ISA never changes: its policy is looked up once (the bounce asks on every call).
    const known = isa === "arm64" ? this.armPolicy : this.x86Policy;
    if (known) return known;
    const vd = this.host.vdsoFor(isa) as LibkernelImage | undefined;
    if (!vd?.policy) throw new Error("vDSO image without a dispatch policy");
    if (isa === "arm64") this.armPolicy = vd.policy;
    else this.x86Policy = vd.policy;
    return vd.policy;
  }
  private armPolicy: DispatchPolicy | undefined;
  private x86Policy: DispatchPolicy | undefined;

  // ------------------------------------------------------------------ per-thread state

  private fresh(isa: "arm64" | "x86_64"): SeccompState {
    return new SeccompState(isa, { extendedData: this.config.extendedSeccompData });
  }

  thread(t: Thread): ThreadMech {
    let s = t.mech;
    if (s) return s;
    const p = t.proc;
    const from = p.lastEntered ?? p.parent?.lastEntered;
    const src = from && from !== t ? from.mech : undefined;
    s = src ? this.inherit(src) : { frames: [], sud: null, kernelSud: null, seccomp: this.fresh(p.arch.arch), program: null, taskFrameSp: null, open: [] };
    t.mech = s;
    return s;
  }

  /** Record the thread entering the kernel (the parent of lazily-created state in its process). */
  entered(t: Thread): void {
    t.proc.lastEntered = t;
  }

  /**
   * What a new task takes from its creator: a program's SUD is not preserved across fork(2)/clone(2)
   * (PR_SET_SYSCALL_USER_DISPATCH(2const)) but the `sud` mechanism's own covers every task; the seccomp chains
   * are shared (filters are immutable once attached); no live bounce frame (arm64 pops the frame before running
   * the call; an x86-64 vfork child reads its parent's task-page frame in userspace).
   */
  private inherit(src: ThreadMech): ThreadMech {
    return {
      frames: [],
      sud: null,
      kernelSud: src.kernelSud ? { ...src.kernelSud } : null,
      seccomp: src.seccomp.fork(),
      program: src.program ? src.program.fork() : null,
      taskFrameSp: null,
      open: [],
    };
  }

  onClone(parent: Thread, child: Thread): void {
    child.mech = this.inherit(this.thread(parent));
  }

  /** The SUD configuration of a thread (for tests and the CLI): the mechanism's own if it has one, else the program's. */
  sudOf(t: Thread): Readonly<SudConfig> | null {
    const s = this.thread(t);
    return s.kernelSud ?? s.sud;
  }

  /** The program's own SUD only (what its prctl set). */
  programSudOf(t: Thread): Readonly<SudConfig> | null {
    return this.thread(t).sud;
  }

  seccompOf(t: Thread): { mechanism: SeccompState; program: SeccompState | null } {
    const s = this.thread(t);
    return { mechanism: s.seccomp, program: s.program };
  }

  // ------------------------------------------------------------------ exec

  /** After a successful exec: SUD is reset (Linux clears it in begin_new_exec), live frames vanish, the mode's setup runs. */
  onExec(t: Thread): void {
    const p = t.proc;
    p.mechText = undefined;
    const old = t.mech;
    const isa = p.arch.arch;
    // seccomp filters survive exec in Linux. In seccomp mode the thread's chain is the mechanism's (rebuilt
    // for the new vDSO below) and the program's own filters are the intercepted chain, which carries over.
    const seccompMode = this.config.mode === "seccomp";
    const s: ThreadMech = {
      frames: [],
      sud: null,
      kernelSud: null,
      seccomp: !seccompMode && old ? old.seccomp : this.fresh(isa),
      program: seccompMode ? (old?.program ?? null) : null,
      taskFrameSp: null,
      open: [],
    };
    t.mech = s;
    if (!p.vdsoBase) return; // no vDSO: every mechanism degrades to direct
    if (this.config.libkernel === "library") this.mapLibrary(p);
    const lib = this.image(p);
    if (!lib) return; // a minimal signal-return page only (opts.vdso false)
    const start = BigInt(lib.base + lib.img.textStart), end = BigInt(lib.base + lib.img.textEnd);
    if (this.config.mode === "seccomp" || this.config.mode === "sud") this.installSigsysHandler(p, lib.img, lib.base);
    if (this.config.mode === "seccomp") {
      const filter = this.windowFilter(isa, start, end + BigInt(p.arch.syscallInsnLength));
      const r = s.seccomp.attach(filter, { noNewPrivs: true, capSysAdmin: true, extended: this.config.extendedSeccompData });
      if (r.ret !== 0) throw new Error(`window filter refused: ${r.reason ?? r.ret}`);
    }
    if (this.config.mode === "sud") s.kernelSud = sudConfig(start, end + BigInt(p.arch.syscallInsnLength) - start, 0n, true);
  }

  /**
   * vdsoWindowFilter preceded by the calls a SIGSYS reflection cannot carry (see exemptFromSigsys),
   * allowed from anywhere. The same rule, as cBPF.
   */
  windowFilter(isa: "arm64" | "x86_64", start: bigint, end: bigint): SockFilter[] {
    const w = vdsoWindowFilter(isa, start, end, { extended: this.config.extendedSeccompData });
    const n = NRS[isa];
    const LD = (k: number): AsmItem => ({ code: BPF_LD | BPF_W | BPF_ABS, k });
    const JEQ = (k: number, jt: string | number, jf: string | number): AsmItem => ({ code: BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf });
    const items: AsmItem[] = [
      LD(4), JEQ(AUDIT_ARCH[isa], 0, "window"), // a foreign arch: the window filter kills it
      LD(0),
      ...[n.rtSigreturn, n.rtSigprocmask, n.clone3, ...(n.vfork >= 0 ? [n.vfork] : [])].map((k) => JEQ(k, "allow", 0)),
      JEQ(n.clone, 0, "window"),
      LD(16), { code: BPF_JMP | BPF_JSET | BPF_K, k: CLONE_VM, jt: "allow", jf: "window" }, // clone flags (low word)
      { label: "allow" }, { code: BPF_RET | BPF_K, k: SECCOMP_RET_ALLOW },
      { label: "window" }, { code: BPF_LD | BPF_W | BPF_ABS, k: 4 }, // placeholder: replaced by the window filter's first insn
    ];
    const prefix = assemble(items);
    prefix.pop();
    return [...prefix, ...w];
  }

  private installSigsysHandler(p: Process, img: LibkernelImage, base: number): void {
    const a = p.sigactions[SIGSYS]!;
    a.handler = base + img.entries.sigsys;
    a.flags = SA_SIGINFO | SA_RESTORER;
    a.restorer = base + img.entries.sigreturn;
    a.mask = 0n;
  }

  // ------------------------------------------------------------------ reflections

  /** A diverted call starts: its cost stays charged to it until the thread leaves the libkernel text. */
  openReflection(p: Process, s: ThreadMech, ev: SyscallEvent, callerPc: number, callerSp: number, callerSpBig: bigint | undefined): void {
    p.ledger.begin(ev.nr);
    s.open.push({ ev, pc: callerPc, sp: callerSp, spBig: Number.isSafeInteger(callerSp) ? undefined : (callerSpBig ?? BigInt(callerSp)) });
  }

  closeReflection(p: Process, s: ThreadMech): void {
    if (s.open.length === 0) return;
    s.open.pop();
    p.ledger.end();
  }

  /**
   * Queue the reflection SIGSYS. Like force_sig_info it is delivered even when blocked — but the
   * handler is kept (the vDSO's entry) and the frame saves the thread's mask, so sigreturn restores
   * it: glibc blocks every signal around clone, and the mechanism must still work there.
   */
  reflectSigsys(t: Thread, s: ThreadMech, ev: SyscallEvent, code: number, data: number, post: number): void {
    const bit = sigbit(SIGSYS);
    if (t.sigmask & bit) {
      t.savedMask ??= t.sigmask;
      t.sigmask &= ~bit;
    }
    this.host.queueThreadSignal(t, { signo: SIGSYS, code, errno: data, callAddr: post, syscall: ev.nr, arch: t.proc.arch.auditArch });
    const sp = t.proc.arch.stackPointer(t.cpu);
    this.openReflection(t.proc, s, ev, post, sp, Number.isSafeInteger(sp) ? undefined : t.cpu.sp);
  }

  /**
   * The thread left the text with a reflection open: the handler returned to the caller without a kernel
   * entry (x86-64's bounce glue; a SIGSYS handler's sigreturn). The diverted call's result is in the result
   * register now, and nowhere else: record it on the call's event and tell the observers. Only when the thread
   * resumes exactly at the caller (PC after the syscall, the caller's SP): leaving the text for a signal
   * handler that interrupted the handler is not a return.
   */
  leftText(t: Thread): void {
    const s = t.mech;
    if (!s || (s.open.length === 0 && s.taskFrameSp === null)) return; // nothing open: the usual case
    const c = s.open[s.open.length - 1];
    // SP compared as a Number when the caller's is a safe integer: equal exactly when the 64-bit values are.
    if (c && t.cpu.pc === c.pc && (c.spBig === undefined ? t.proc.arch.stackPointer(t.cpu) === c.sp : t.cpu.sp === c.spBig)) {
      c.ev.result = Number(BigInt.asIntN(64, t.proc.arch.getSyscallResult(t.cpu)));
      for (const o of this.host.reflectionReturnObservers) o(c.ev);
    }
    while (s.open.length > 0) this.closeReflection(t.proc, s);
    // x86-64's glue resumed the caller itself: the task-page frame is free again.
    if (s.taskFrameSp !== null && t.cpu.sp === s.taskFrameSp) s.taskFrameSp = null;
  }

  /**
   * Where a signal frame goes for a thread interrupted at `userSp`: a thread running on the task page's
   * bounce stack (x86-64 blocked in a pass-through, a handler's own call) is given the caller's stack, read
   * from the task-page frame (untrusted: a bogus SP only makes the frame write fail, which kills the task),
   * because a signal frame (4.7 KB on arm64) and its handler do not fit in the 2 KB bounce area.
   */
  signalStack(t: Thread, userSp: number): number {
    const tp = t.taskPage;
    if (!tp || userSp < tp + TASK_PAGE.bounceStackLow || userSp > tp + 0x1000) return userSp;
    try {
      return Number(BigInt.asUintN(48, t.proc.mm.mem.read64(tp + TASK_PAGE.bounceFrame + BOUNCE.frame.sp)));
    } catch {
      return userSp;
    }
  }

  // ------------------------------------------------------------------ control calls

  /** Where a program's own seccomp filters go: intercepted in seccomp mode (the thread's chain is the mechanism's). */
  programChain(c: SyscallContext, s: ThreadMech): SeccompState {
    return this.config.mode === "seccomp" && c.proc.vdsoBase ? (s.program ??= this.fresh(c.proc.arch.arch)) : s.seccomp;
  }

  /** The copy helpers and credentials seccomp(2) needs. */
  seccompEnv(c: SyscallContext) {
    return {
      copyIn: (addr: bigint, len: number) => {
        try {
          return c.read(Number(addr & M64), len);
        } catch {
          return null;
        }
      },
      copyOut: (addr: bigint, bytes: Uint8Array) => {
        try {
          c.write(Number(addr & M64), bytes);
          return true;
        } catch {
          return false;
        }
      },
      noNewPrivs: c.proc.noNewPrivs,
      capSysAdmin: c.proc.uid === 0,
    };
  }

  /** set_syscall_user_dispatch() (kernel/entry/syscall_user_dispatch.c), with the inclusive mode of newer kernels. */
  setSud(c: SyscallContext, s: ThreadMech, mode: bigint, offset: bigint, len: bigint, selector: bigint): number {
    switch (mode) {
      case BigInt(PR_SYS_DISPATCH_OFF):
        if (offset || len || selector) return -EINVAL;
        s.sud = null;
        return 0;
      case BigInt(PR_SYS_DISPATCH_EXCLUSIVE_ON):
        // "basic sanity against overflow and a 0-sized dispatcher region"
        if (offset && offset + len > M64) return -EINVAL;
        break;
      case BigInt(PR_SYS_DISPATCH_INCLUSIVE_ON):
        if (len === 0n || offset + len > M64) return -EINVAL;
        // Invert the range: the entry check wraps around.
        offset = (offset + len) & M64;
        len = (-len) & M64;
        break;
      default:
        return -EINVAL;
    }
    if (selector !== 0n && selector > BigInt(c.proc.arch.taskSize) - 1n) return -EFAULT; // access_ok
    s.sud = sudConfig(offset, len, selector, false);
    return 0;
  }
}
