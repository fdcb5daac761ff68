/**
 * Every syscall-reflection mechanism, as one entry stage of the kernel's front end plus a CPU
 * runner that splits user from handler (vDSO text) instructions.
 *
 * The stage applies the entry order SUD → bounce decision → ptrace entry stop → seccomp → return
 * flag → table dispatch (the bounce, like SUD, precedes syscall tracing): a call stopped by an earlier step never reaches a later one. Per-thread state
 * (live bounce frames, SUD config, seccomp chains) lives in a WeakMap; clone calls `onClone`, and a
 * thread the kernel created some other way inherits lazily from the thread that last entered the
 * kernel in its process or its parent.
 */
import { GuestMemoryFault, type Cpu, type Trap } from "@uabi/isa-core";
import { BOUNCE, TASK_PAGE, bounceFrameAddress, decodeReturnFlag, sanitizeBounceFlags, type DispatchPolicy } from "@uabi/libkernel";
import { syscallNr } from "@uabi/uapi";
import { buildVdso } from "@uabi/vdso";
import type { Kernel, SyscallEvent, StageOutcome, EntryStage, VdsoImage } from "../kernel.js";
import type { SyscallContext } from "../syscall.js";
import type { Process, Thread } from "../task.js";
import { EFAULT, EINVAL } from "../errno.js";
import { SA_RESTORER, SA_SIGINFO, SIGSEGV, SIGSYS, sigbit } from "../signal.js";
import {
  SeccompState, fillSeccompData, newSeccompDataBuffer, seccompOutcome, vdsoWindowFilter, type SockFilter,
  BPF_ABS, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, AUDIT_ARCH, assemble, type AsmItem,
} from "../seccomp/index.js";

export type MechanismMode = "direct" | "bounce" | "selective" | "seccomp" | "sud" | "ptrace";
export const MECHANISM_MODES: readonly MechanismMode[] = ["direct", "bounce", "selective", "seccomp", "sud", "ptrace"];
export type FrameVariant = "stack" | "task-page";
export const FRAME_VARIANTS: readonly FrameVariant[] = ["stack", "task-page"];

/** SUD (include/uapi/linux/prctl.h, kernel/entry/syscall_user_dispatch.c). */
export const PR_SET_SYSCALL_USER_DISPATCH = 59;
export const PR_SYS_DISPATCH_OFF = 0, PR_SYS_DISPATCH_EXCLUSIVE_ON = 1, PR_SYS_DISPATCH_INCLUSIVE_ON = 2;
export const SYSCALL_DISPATCH_FILTER_ALLOW = 0, SYSCALL_DISPATCH_FILTER_BLOCK = 1;
/** si_code for SIGSYS (include/uapi/asm-generic/siginfo.h). */
export const SYS_SECCOMP_CODE = 1, SYS_USER_DISPATCH = 2;
const PR_GET_SECCOMP = 21, PR_SET_SECCOMP = 22;
const CLONE_VFORK = 0x4000, CLONE_VM = 0x100;
const M64 = (1n << 64n) - 1n;

export interface SudConfig {
  /** Region start and length as Linux stores them (inclusive mode inverts them; the test wraps). */
  offset: bigint;
  len: bigint;
  selector: bigint;
  /** Installed by the `sud` mechanism itself (exempts rt_sigreturn: see README). */
  byKernel: boolean;
}

/** A PTRACE_SYSEMU-style stop: what a supervisor sees. Return a number to emulate with that result. */
export interface PtraceStop {
  pid: number;
  tid: number;
  nr: number;
  name: string;
  /** PC after the syscall instruction (what PTRACE_GETREGS reports). */
  pc: number;
  args: readonly bigint[];
}
export type PtraceSupervisor = (stop: PtraceStop) => number | undefined;

interface ThreadMech {
  /** arm64 bounce frames the kernel has pushed and not yet popped (nested bounces from signal handlers). */
  frames: number[];
  sud: SudConfig | null;
  /** The thread's seccomp state (the mechanism's filter in seccomp mode, else the program's). */
  seccomp: SeccompState;
  /** seccomp mode: the program's own filters, intercepted and run when a call actually executes. */
  program: SeccompState | null;
  /** Reflections whose cost is still being charged to the original syscall (closed when PC leaves the vDSO). */
  open: number;
  /** The caller's SP while the task-page frame is live (one per thread; cleared when the caller is resumed). */
  taskFrameSp: bigint | null;
  /** The diverted call behind each open reflection and where its caller resumes (innermost last). */
  calls?: { ev: SyscallEvent; pc: number; sp: bigint }[];
}

export interface MechanismOptions {
  mode: MechanismMode;
  frame: FrameVariant;
  /** The ptrace mechanism's supervisor (default: emulate every call with the kernel's own table). */
  supervisor?: PtraceSupervisor;
  /** An extra tracer attached in any mode (sees entry stops after the bounce decision, like PTRACE_SYSCALL). */
  tracer?: PtraceSupervisor;
  /** Use the talk's extended seccomp_data (vDSO bounds appended) for the window filter. */
  extendedSeccompData?: boolean;
  /**
   * Pin the vDSO's syscall sites (OpenBSD pinsyscalls): a syscall from the text must come from a
   * site that issues that number, or from a pass-through re-issue site while a reflection is live;
   * anything else is a jump into the vDSO's syscall instruction and gets SIGSYS (killed).
   */
  pinSyscalls?: boolean;
  /**
   * "vdso" (default): libkernel is the vDSO. "library": the standalone libkernel.so.1 is mapped like an
   * ordinary library (with its own vvar/uts pages) and its text is the trusted region and the entries.
   */
  libkernel?: "vdso" | "library";
  personality?: "linux" | "fakeroot";
}

type Image = VdsoImage & { readonly syscallSites?: readonly { pc: number; nr: number | "any" }[]; readonly policy?: DispatchPolicy };
const LIBRARIES = new Map<string, Image>();
function libraryImage(arch: "arm64" | "x86_64", fakeroot: boolean): Image {
  const key = `${arch}:${fakeroot}`;
  let v = LIBRARIES.get(key);
  if (!v) {
    v = buildVdso({ arch, variant: "library", ...(fakeroot ? { personalities: ["fakeroot"] as const } : {}) });
    LIBRARIES.set(key, v);
  }
  return v;
}

/** Numbers per ISA the front end needs to recognise. */
function numbers(arch: "arm64" | "x86_64") {
  const n = (s: string) => syscallNr(arch, s);
  const opt = (s: string) => { try { return n(s); } catch { return -1; } };
  return {
    rtSigreturn: n("rt_sigreturn"), rtSigprocmask: n("rt_sigprocmask"), prctl: n("prctl"), seccomp: n("seccomp"), clone: n("clone"), clone3: n("clone3"),
    vfork: opt("vfork"),
  };
}
const NRS = { arm64: numbers("arm64"), x86_64: numbers("x86_64") };

/**
 * Calls the kernel-installed SIGSYS mechanisms (seccomp's window filter, the `sud` mode's SUD) let
 * through from anywhere, because a reflection through a signal frame cannot carry them:
 * rt_sigreturn's state is at the caller's SP; rt_sigprocmask's effect would be undone by the
 * handler's own sigreturn (which restores the mask saved in the frame); a clone that shares the
 * address space (threads, vfork) or gets a new stack would return in the child inside the handler,
 * whose sigreturn frame is not on the child's stack. (What breaks: a real SIGSYS-based libkernel
 * has the same holes.)
 */
export function exemptFromSigsys(isa: "arm64" | "x86_64", nr: number, args: readonly bigint[]): boolean {
  const n = NRS[isa];
  if (nr === n.rtSigreturn || nr === n.rtSigprocmask || nr === n.clone3 || nr === n.vfork) return true;
  return nr === n.clone && (args[0]! & BigInt(CLONE_VM)) !== 0n;
}

export class MechanismHost implements EntryStage {
  readonly name: string;
  private readonly state = new WeakMap<Thread, ThreadMech>();
  /** Thread that most recently entered the kernel, per process: clone's caller for lazily-created state. */
  private readonly lastEntered = new WeakMap<Process, Thread>();
  private readonly data = newSeccompDataBuffer();
  private readonly policies = new Map<string, DispatchPolicy>();

  constructor(readonly kernel: Kernel, readonly opts: MechanismOptions) {
    this.name = opts.mode;
  }

  private readonly libs = new WeakMap<Process, number>();

  /** The libkernel image serving a process and its load base (the vDSO, or the mapped library). */
  image(p: Process): { img: Image; base: number } | undefined {
    if (!p.vdsoBase) return undefined;
    if (this.opts.libkernel === "library") {
      let base = this.libs.get(p);
      if (base === undefined && p.parent) base = this.libs.get(p.parent); // a fork: same layout
      if (base !== undefined) {
        this.libs.set(p, base);
        return { img: libraryImage(p.arch.arch, this.opts.personality === "fakeroot"), base };
      }
    }
    return { img: this.kernel.vdsoFor(p.arch.arch)! as Image, base: p.vdsoBase };
  }

  /** Address of the library's vvar page (the kernel refreshes it with the vDSO's), if one is mapped. */
  libraryVvar(p: Process): number | undefined {
    const base = this.opts.libkernel === "library" ? this.libs.get(p) : undefined;
    return base === undefined ? undefined : base + libraryImage(p.arch.arch, false).pages.vvar;
  }

  private mapLibrary(p: Process): void {
    const img = libraryImage(p.arch.arch, this.opts.personality === "fakeroot");
    const data = img.pages.count * 4096;
    const at = p.mm.findFree(data + img.mapSize);
    if (at < 0) throw new Error("no room for libkernel.so.1");
    p.mm.mapFixed(at, data, 1, "[libkernel-data]");
    p.mm.mapFixed(at + data, img.mapSize, 5, "/usr/lib/libkernel.so.1");
    const base = at + data;
    p.mm.mem.poke(base, img.bytes);
    const vd = this.kernel.vdsoFor(p.arch.arch)!;
    p.mm.mem.poke(base + img.pages.uts, p.mm.mem.readBytes(p.vdsoBase + vd.pages.uts, 6 * 65));
    this.libs.set(p, base);
  }

  // ------------------------------------------------------------------ per-thread state

  thread(t: Thread): ThreadMech {
    let s = this.state.get(t);
    if (s) return s;
    const p = t.proc;
    const from = this.lastEntered.get(p) ?? (p.parent ? this.lastEntered.get(p.parent) : undefined);
    const src = from && from !== t ? this.state.get(from) : undefined;
    const isa = p.arch.arch;
    s = {
      frames: [],
      sud: src?.sud?.byKernel ? { ...src.sud } : null,
      seccomp: src ? src.seccomp.fork() : new SeccompState(isa, { extendedData: this.opts.extendedSeccompData === true }),
      program: src?.program ? src.program.fork() : null,
      open: 0,
      taskFrameSp: null,
    };
    this.state.set(t, s);
    return s;
  }

  /**
   * clone/fork/vfork: a program's SUD is not preserved across fork(2)/clone(2) (PR_SET_SYSCALL_USER_DISPATCH(2const));
   * the `sud` mechanism's own SUD covers every task. The child shares the seccomp filter chains (filters
   * are immutable once attached) and has no live bounce frame (arm64 pops the frame before running the
   * call; an x86-64 vfork child reads its parent's task-page frame in userspace).
   */
  onClone(parent: Thread, child: Thread): void {
    const src = this.thread(parent);
    this.state.set(child, {
      frames: [],
      sud: src.sud?.byKernel ? { ...src.sud } : null,
      seccomp: src.seccomp.fork(),
      program: src.program ? src.program.fork() : null,
      open: 0,
      taskFrameSp: null,
    });
  }

  /** The SUD configuration of a thread (for tests and the CLI). */
  sudOf(t: Thread): Readonly<SudConfig> | null {
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
    const old = this.state.get(t);
    const isa = p.arch.arch;
    // seccomp filters survive exec in Linux. In seccomp mode the thread's chain is the mechanism's (rebuilt
    // for the new vDSO below) and the program's own filters are the intercepted chain, which carries over.
    const seccompMode = this.opts.mode === "seccomp";
    const s: ThreadMech = {
      frames: [],
      sud: null,
      seccomp: !seccompMode && old ? old.seccomp : new SeccompState(isa, { extendedData: this.opts.extendedSeccompData === true }),
      program: seccompMode ? (old?.program ?? null) : null,
      open: 0,
      taskFrameSp: null,
    };
    this.state.set(t, s);
    if (!p.vdsoBase) return; // no vDSO: every mechanism degrades to direct
    if (this.opts.libkernel === "library") this.mapLibrary(p);
    const { img: vd, base } = this.image(p)!;
    const start = BigInt(base + vd.textStart), end = BigInt(base + vd.textEnd);
    if (this.opts.mode === "seccomp" || this.opts.mode === "sud") this.installSigsysHandler(p);
    if (this.opts.mode === "seccomp") {
      const filter = this.windowFilter(isa, start, end + BigInt(p.arch.syscallInsnLength));
      const r = s.seccomp.attach(filter, { noNewPrivs: true, capSysAdmin: true, extended: this.opts.extendedSeccompData === true });
      if (r.ret !== 0) throw new Error(`window filter refused: ${r.reason ?? r.ret}`);
    }
    if (this.opts.mode === "sud") s.sud = { offset: start, len: end + BigInt(p.arch.syscallInsnLength) - start, selector: 0n, byKernel: true };
  }

  /**
   * vdsoWindowFilter preceded by the calls a SIGSYS reflection cannot carry (see {@link exemptFromSigsys}),
   * allowed from anywhere. The same rule, as cBPF.
   */
  windowFilter(isa: "arm64" | "x86_64", start: bigint, end: bigint): SockFilter[] {
    const w = vdsoWindowFilter(isa, start, end, { extended: this.opts.extendedSeccompData === true });
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

  private installSigsysHandler(p: Process): void {
    const { img: vd, base } = this.image(p)!;
    const a = p.sigactions[SIGSYS]!;
    a.handler = base + vd.entries.sigsys;
    a.flags = SA_SIGINFO | SA_RESTORER;
    a.restorer = base + vd.entries.sigreturn;
    a.mask = 0n;
  }

  policy(isa: "arm64" | "x86_64"): DispatchPolicy {
    const vd = this.kernel.vdsoFor(isa) as { policy?: DispatchPolicy } | undefined;
    if (vd?.policy) return vd.policy;
    throw new Error("vDSO image without a dispatch policy");
  }

  // ------------------------------------------------------------------ the stage

  run(ev: SyscallEvent, c: SyscallContext, k: Kernel): StageOutcome {
    const t = c.thread;
    const p = t.proc;
    const s = this.thread(t);
    this.lastEntered.set(p, t);
    if (!p.vdsoBase) return this.control(ev, c, s) ?? { kind: "continue" };
    const isa = p.arch.arch;
    const { img: vd, base } = this.image(p)!;
    const textLo = base + vd.textStart, textHi = base + vd.textEnd;
    const fromText = ev.pc >= textLo && ev.pc < textHi;
    const post = t.cpu.pc;
    const nr = ev.nr;
    const ledger = p.ledger;
    if (fromText && this.opts.pinSyscalls && !this.sitePermits(vd, post - base, nr, s)) {
      ev.mark = "unpinned";
      return { kind: "kill", signal: SIGSYS };
    }

    // 1. Syscall User Dispatch (kernel/entry/syscall_user_dispatch.c syscall_user_dispatch()).
    if (s.sud) {
      const sud = s.sud;
      const inRegion = ((BigInt(post) - sud.offset) & M64) < sud.len;
      // arch_syscall_is_vdso_sigreturn: arm64's vDSO trampoline (`mov x8, #139; svc #0`) is never dispatched;
      // x86-64 only exempts the ia32 vDSO's, which this model does not have.
      const vdsoSigreturn = isa === "arm64" && nr === NRS.arm64.rtSigreturn && ev.pc === p.vdsoBase + k.vdsoFor(isa)!.entries.sigreturn + 4;
      const exempt = vdsoSigreturn || (sud.byKernel && exemptFromSigsys(isa, nr, ev.args));
      if (!inRegion && !exempt) {
        let block = true;
        if (sud.selector !== 0n) {
          let state: number;
          try {
            state = p.mm.mem.read8(Number(sud.selector));
          } catch {
            return { kind: "kill", signal: SIGSEGV }; // force_exit_sig(SIGSEGV)
          }
          if (state === SYSCALL_DISPATCH_FILTER_ALLOW) block = false;
          else if (state !== SYSCALL_DISPATCH_FILTER_BLOCK) return { kind: "kill", signal: SIGSYS }; // force_exit_sig(SIGSYS)
        }
        if (block) {
          // syscall_rollback: x0 = orig_x0 / rax = orig_ax — our entry has not written either yet.
          this.reflectSigsys(t, s, ev, SYS_USER_DISPATCH, 0, post);
          ev.mark = "sigsys";
          return { kind: "redirected" };
        }
      }
    }

    // 2. Bounce decision, ahead of syscall tracing like SUD: a tracer never sees the bounced call, only the
    // vDSO's re-issue of it (the talk's "what breaks": ptrace visibility).
    if (!fromText && (this.opts.mode === "bounce" || this.opts.mode === "selective") && this.shouldBounce(isa, nr, ev)) {
      return this.bounce(t, s, ev, isa, base + vd.entries.bounce);
    }

    // 3. ptrace entry stop: the mechanism's supervisor, or an attached tracer. Bounced calls never get here.
    const tracer = this.opts.mode === "ptrace" ? (this.opts.supervisor ?? null) : this.opts.tracer;
    let emulated: number | undefined;
    if (this.opts.mode === "ptrace" || tracer) {
      // Stops as Linux gives them (and as the cost composites `ptrace-sysemu` / `ptrace-syscall` price them): the
      // entry stop; a call the tracer emulates (PTRACE_SYSEMU) is skipped and has no other; a call it lets the
      // kernel run (PTRACE_SYSCALL) stops again at syscall exit — unless it never returns (exit, exit_group).
      ledger.add("ptraceStops");
      const r = tracer?.({ pid: p.pid, tid: t.tid, nr, name: ev.name, pc: post, args: ev.args });
      if (r !== undefined) emulated = r;
      else if (this.kernel.table(isa)[nr]?.info.ret !== "none") ledger.add("ptraceStops");
      if (this.opts.mode === "ptrace") ev.mark = "ptrace";
    }
    if (emulated !== undefined) return { kind: "handled", result: emulated };

    // 4. seccomp (the thread's chain: the window filter in seccomp mode, else the program's own). A
    // return-flag call is filtered as the call it carries, after the frame is popped (below).
    const ret = decodeReturnFlag(nr);
    const returning = ret !== undefined && fromText && s.frames.length > 0;
    const sc = returning ? undefined : this.evalSeccomp(s.seccomp, t, ev, post, textLo, textHi);
    if (sc) {
      if (sc.kind === "redirected") ev.mark = "sigsys";
      return sc;
    }

    // 5. The return flag: honoured only from the vDSO text while a frame is live (arm64 glue; see vdso README).
    if (returning) return this.bounceReturn(t, s, ev, c, ret, post, textLo, textHi);

    // 6. Intercepted program filters (seccomp mode) and the control calls this stage owns.
    if (s.program) {
      const o = this.evalSeccomp(s.program, t, ev, post, textLo, textHi);
      if (o) return o;
    }
    if (this.opts.mode !== "ptrace" && !ev.mark) ev.mark = fromText && s.open > 0 ? "reissue" : "direct";
    return this.control(ev, c, s) ?? { kind: "continue" };
  }

  private readonly sites = new WeakMap<Image, Map<number, number | "any">>();

  /** Is a syscall with number `nr` at post-instruction offset `off` one the image's text really issues there? */
  private sitePermits(vd: Image, off: number, nr: number, s: ThreadMech): boolean {
    let m = this.sites.get(vd);
    if (!m) {
      m = new Map((vd.syscallSites ?? []).map((x) => [x.pc, x.nr] as const));
      this.sites.set(vd, m);
    }
    const want = m.get(off);
    if (want === undefined) return false;
    if (want === "any") return s.open > 0 || s.frames.length > 0;
    return want === nr;
  }

  private shouldBounce(isa: "arm64" | "x86_64", nr: number, ev: SyscallEvent): boolean {
    const n = NRS[isa];
    if (nr === n.rtSigreturn) return false; // its state is at the caller's SP: never reflected
    if (isa === "x86_64" && (nr === n.clone || nr === n.clone3)) {
      // The x86-64 glue returns in userspace through a frame found from RSP: a child on a new stack cannot.
      const newStack = nr === n.clone ? ev.args[1] !== 0n : true;
      if (newStack && !(nr === n.clone && (ev.args[0]! & BigInt(CLONE_VFORK)))) return false;
    }
    if (this.opts.mode === "bounce") return true;
    // selective: only numbers the lean kernel table lacks (libkernel implements them without re-issuing).
    return this.policy(isa).movable.has(nr);
  }

  private bounce(t: Thread, s: ThreadMech, ev: SyscallEvent, isa: "arm64" | "x86_64", entry: number): StageOutcome {
    const p = t.proc;
    const cpu = t.cpu;
    const sp = Number(cpu.sp);
    let variant = this.opts.frame;
    const n = NRS[isa];
    // vfork: the child shares the stack and would clobber a stack frame; x86-64 reads it after the call.
    if (isa === "x86_64" && (ev.nr === n.vfork || (ev.nr === n.clone && ev.args[0]! & BigInt(CLONE_VFORK)))) variant = "task-page";
    const tp = t.taskPage;
    // One live task-page frame per thread: a bounce while it is live (from the bounce area, or from a signal
    // handler that interrupted a bounced call) uses the stack.
    if (variant === "task-page" && (!tp || s.taskFrameSp !== null || (sp >= tp + TASK_PAGE.bounceStackLow && sp <= tp + 0x1000))) variant = "stack";
    const f = bounceFrameAddress(isa, sp, variant, tp);
    const flags = isa === "arm64" ? BigInt((cpu as Cpu & { nzcv: number }).nzcv & 0xf) << 28n : BigInt((cpu as Cpu & { rflags: bigint | number }).rflags);
    try {
      if (variant === "stack" && !p.mm.findVma(f)) p.mm.growStack(f);
      const mem = p.mm.mem;
      mem.write64(f + BOUNCE.frame.nr, BigInt(ev.nr));
      mem.write64(f + BOUNCE.frame.sp, cpu.sp);
      mem.write64(f + BOUNCE.frame.pc, BigInt(cpu.pc));
      mem.write64(f + BOUNCE.frame.flags, flags);
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      // As signal_setup_done(failed): the frame does not fit, SIGSEGV with SIG_DFL kills the task.
      p.sigactions[SIGSEGV]!.handler = 0;
      ev.mark = "bounce-failed";
      return { kind: "kill", signal: SIGSEGV };
    }
    p.ledger.frame(variant === "stack" ? sp - f : 0, "bounce");
    if (variant === "task-page") s.taskFrameSp = cpu.sp;
    const callerPc = cpu.pc;
    cpu.sp = BigInt(f);
    cpu.pc = entry;
    if (isa === "arm64") s.frames.push(f);
    this.openReflection(p, s, ev, callerPc, BigInt(sp));
    ev.mark = this.policy(isa).kindOf(ev.nr) === "passthrough" ? "bounce→kernel" : "bounce→user";
    return { kind: "redirected" };
  }

  /** The return-flag syscall (arm64): pop the frame *before* running the call (vfork may clobber it), then run it. */
  private bounceReturn(
    t: Thread, s: ThreadMech, ev: SyscallEvent, c: SyscallContext, ret: { returnOnly: true } | { returnOnly: false; nr: number },
    post: number, textLo: number, textHi: number,
  ): StageOutcome {
    const p = t.proc;
    const cpu = t.cpu as Cpu & { nzcv: number };
    const f = s.frames.pop()!;
    if (f === t.taskPage + TASK_PAGE.bounceFrame) s.taskFrameSp = null;
    let frame: { nr: bigint; sp: bigint; pc: bigint; flags: bigint };
    try {
      const mem = p.mm.mem;
      frame = { nr: mem.read64(f), sp: mem.read64(f + 8), pc: mem.read64(f + 16), flags: mem.read64(f + 24) };
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      return { kind: "kill", signal: SIGSEGV };
    }
    // Untrusted: only NZCV comes back from the frame (a forged DAIF/mode/SS is dropped).
    cpu.pc = Number(frame.pc & M64);
    cpu.sp = frame.sp;
    cpu.nzcv = Number(sanitizeBounceFlags("arm64", frame.flags) >> 28n) & 0xf;
    cpu.setReg(8, frame.nr);
    this.closeReflection(p, s);
    // The entry is counted (kernelEntries) but under the call it returns, not as a syscall of its own.
    const by = this.kernel.stats.syscallsByName;
    if (by[ev.name] !== undefined && --by[ev.name]! === 0) delete by[ev.name];
    if (ret.returnOnly) {
      this.kernel.stats.syscalls--;
      ev.mark = "return";
      return { kind: "redirected" }; // x0 already holds the handler's result
    }
    // Run the real call as if the caller had issued it, with the caller's argument registers.
    const row = this.kernel.table(p.arch.arch)[ret.nr];
    c.nr = ret.nr;
    c.name = row?.name ?? `syscall_${ret.nr}`;
    ev.nr = ret.nr;
    ev.name = c.name;
    by[c.name] = (by[c.name] ?? 0) + 1;
    ev.mark = "return";
    const sc = this.evalSeccomp(s.seccomp, t, ev, post, textLo, textHi);
    if (sc) return sc;
    const ctl = this.control(ev, c, s);
    return ctl ?? { kind: "continue" };
  }

  private openReflection(p: Process, s: ThreadMech, ev: SyscallEvent, callerPc: number, callerSp: bigint): void {
    // Keep the ledger on this syscall until the thread leaves the vDSO (handler, re-issue, sigreturn).
    p.ledger.begin(ev.nr);
    s.open++;
    (s.calls ??= []).push({ ev, pc: callerPc, sp: callerSp });
  }

  private closeReflection(p: Process, s: ThreadMech): void {
    if (s.open === 0) return;
    s.open--;
    s.calls?.pop();
    p.ledger.end();
  }

  /** Evaluate a seccomp chain for this call; undefined = allowed. */
  private evalSeccomp(st: SeccompState, t: Thread, ev: SyscallEvent, post: number, lo: number, hi: number): StageOutcome | undefined {
    if (st.mode === 0) return undefined;
    const p = t.proc;
    fillSeccompData(this.data, { nr: ev.nr, arch: p.arch.auditArch, instructionPointer: BigInt(post), args: ev.args },
      { start: BigInt(lo), end: BigInt(hi) });
    const v = st.evaluate(this.data);
    p.ledger.add("filterRuns", v.filtersRun);
    p.ledger.add("cbpfInsns", v.insns);
    const o = seccompOutcome(v, { liveThreads: p.threads.length });
    switch (o.kind) {
      case "allow":
        return undefined;
      case "errno":
        return { kind: "handled", result: o.ret };
      case "skip":
        return { kind: "handled", result: o.ret };
      case "trap":
        if (st === this.thread(t).seccomp && this.opts.mode === "seccomp") {
          this.reflectSigsys(t, this.thread(t), ev, SYS_SECCOMP_CODE, o.data, post);
        } else {
          // A program's own RET_TRAP: force_sig_seccomp semantics (blocked or ignored → SIG_DFL, the task dies).
          this.kernel.forceSignal(t, { signo: SIGSYS, code: SYS_SECCOMP_CODE, errno: o.data, callAddr: post, syscall: ev.nr, arch: p.arch.auditArch });
        }
        return { kind: "redirected" };
      case "kill":
        return { kind: "kill", signal: o.signal };
      default:
        return { kind: "handled", result: -38 };
    }
  }

  /**
   * Queue the reflection SIGSYS. Like force_sig_info it is delivered even when blocked — but the
   * handler is kept (the vDSO's entry) and the frame saves the thread's mask, so sigreturn restores
   * it: glibc blocks every signal around clone, and the mechanism must still work there.
   */
  private reflectSigsys(t: Thread, s: ThreadMech, ev: SyscallEvent, code: number, data: number, post: number): void {
    const bit = sigbit(SIGSYS);
    if (t.sigmask & bit) {
      t.savedMask ??= t.sigmask;
      t.sigmask &= ~bit;
    }
    this.kernel.queueThreadSignal(t, { signo: SIGSYS, code, errno: data, callAddr: post, syscall: ev.nr, arch: t.proc.arch.auditArch });
    this.openReflection(t.proc, s, ev, post, t.cpu.sp);
  }

  /** seccomp(2), prctl(PR_SET/GET_SECCOMP) and prctl(PR_SET_SYSCALL_USER_DISPATCH), when the call runs. */
  private control(ev: SyscallEvent, c: SyscallContext, s: ThreadMech): StageOutcome | undefined {
    const isa = c.proc.arch.arch;
    const n = NRS[isa];
    const a = ev.args;
    if (ev.nr === n.seccomp) {
      const target = this.opts.mode === "seccomp" && c.proc.vdsoBase ? (s.program ??= new SeccompState(isa)) : s.seccomp;
      if (this.opts.mode === "seccomp") ev.mark = "intercepted";
      return { kind: "handled", result: target.seccomp(Number(a[0]! & 0xffffffffn), Number(a[1]! & 0xffffffffn), a[2]!, this.env(c)) };
    }
    if (ev.nr !== n.prctl) return undefined;
    const op = Number(a[0]! & 0xffffffffn);
    if (op === PR_SET_SECCOMP) {
      const target = this.opts.mode === "seccomp" && c.proc.vdsoBase ? (s.program ??= new SeccompState(isa)) : s.seccomp;
      if (this.opts.mode === "seccomp") ev.mark = "intercepted";
      return { kind: "handled", result: target.prctlSetSeccomp(Number(a[1]! & 0xffffffffn), a[2]!, this.env(c)) };
    }
    if (op === PR_GET_SECCOMP) return { kind: "handled", result: (s.program ?? s.seccomp).mode };
    if (op === PR_SET_SYSCALL_USER_DISPATCH) return { kind: "handled", result: this.setSud(c, s, a[1]!, a[2]!, a[3]!, a[4]!) };
    return undefined;
  }

  private env(c: SyscallContext) {
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

  /** set_syscall_user_dispatch() (kernel/entry/syscall_user_dispatch.c), Linux ≥ 6.? with the inclusive mode. */
  private setSud(c: SyscallContext, s: ThreadMech, mode: bigint, offset: bigint, len: bigint, selector: bigint): number {
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
    s.sud = { offset, len, selector, byKernel: false };
    return 0;
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

  // ------------------------------------------------------------------ the CPU runner

  /**
   * Run a thread's CPU. Instructions retired with the PC in the libkernel text are single-stepped and
   * charged as handler instructions; the rest run at full speed. That split is exact wherever the text is
   * entered: by a bounce or a SIGSYS (the slice starts there), or by a plain call from user code in the
   * middle of a slice (a ported program's `__kernel_getpid`, libc's `__vdso_clock_gettime`). For the
   * last case user code runs at full speed under the cores' exec watch over the text (`setExecWatch`):
   * entering it stops the core before the first instruction, with nothing retired, and the host goes on
   * single-stepping. Those stops never leave this function (no SIGSEGV); a real exec fault (elsewhere, or
   * met while stepping a text the program made non-executable) is returned as usual. The watch
   * costs one comparison per block and leaves decoded code cached. When the thread leaves the text, an
   * open reflection's cost stops being charged to the syscall that caused it.
   */
  runCpu(t: Thread, budget: number): Trap {
    const p = t.proc;
    const cpu = t.cpu;
    if (!p.vdsoBase) return cpu.run(budget);
    const { img: vd, base } = this.image(p)!;
    const lo = base + vd.textStart, hi = base + vd.textEnd;
    const s = this.state.get(t);
    let left = budget;
    let handler = 0;
    let trap: Trap | undefined;
    for (;;) {
      while (left > 0 && cpu.pc >= lo && cpu.pc < hi) {
        const before = cpu.counters.instructions;
        const tr = cpu.run(1);
        const n = cpu.counters.instructions - before;
        handler += n;
        left -= Math.max(n, 1);
        if (tr.kind !== "budget") {
          trap = tr;
          break;
        }
      }
      if (trap || left <= 0) break;
      if (s) {
        if (s.open > 0) this.reportReturn(t, s);
        while (s.open > 0) this.closeReflection(p, s);
        // x86-64's glue resumed the caller itself: the task-page frame is free again.
        if (s.taskFrameSp !== null && cpu.sp === s.taskFrameSp) s.taskFrameSp = null;
      }
      const before = cpu.counters.instructions;
      cpu.setExecWatch(lo, hi);
      let tr: Trap;
      try {
        tr = cpu.run(left);
      } finally {
        cpu.setExecWatch(0, 0);
      }
      left -= cpu.counters.instructions - before;
      // The watch stopped the core at the first instruction of a call into the text: account it as handler code.
      if (tr.kind === "page-fault" && tr.access === "exec" && tr.reason === "protection" && tr.addr >= lo && tr.addr < hi && cpu.pc === tr.addr) continue;
      trap = tr;
      break;
    }
    if (handler) {
      p.ledger.add("handlerInsns", handler);
      p.ledger.add("userInsns", -handler); // the kernel charges every retired instruction as user
    }
    return trap ?? { kind: "budget", pc: cpu.pc };
  }

  /**
   * The thread left the text with a reflection open: the handler returned to the caller without a kernel
   * entry (x86-64's bounce glue; a SIGSYS handler's sigreturn). The diverted call's result is in the result
   * register now, and nowhere else: record it on the call's event and tell `kernel.reflectionReturnObservers`.
   * Only when the thread resumes exactly at the caller (PC after the syscall, the caller's SP): leaving the
   * text for a signal handler that interrupted the handler is not a return.
   */
  private reportReturn(t: Thread, s: ThreadMech): void {
    const c = s.calls?.[s.calls.length - 1];
    if (!c || t.cpu.pc !== c.pc || t.cpu.sp !== c.sp) return;
    c.ev.result = Number(BigInt.asIntN(64, t.proc.arch.getSyscallResult(t.cpu)));
    for (const o of this.kernel.reflectionReturnObservers) o(c.ev);
  }
}
