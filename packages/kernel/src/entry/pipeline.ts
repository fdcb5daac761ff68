/**
 * Syscall entry, from trap to result: read the call, run the stages of ENTRY_STAGES in order until one decides,
 * count the call once (as what the pipeline decided it is), dispatch it to the table if no stage did, write
 * and trace the result, and tell the observers.
 */
import type { Thread } from "../task.js";
import { GuestMemoryFault } from "@uabi/isa-core";
import { EFAULT, ENOSYS } from "../errno.js";
import { SyscallError } from "../errors.js";
import { NO_RETURN, SyscallContext, type SyscallRow } from "../syscall.js";
import { NRS } from "../mechanisms/modes.js";
import type { MechanismConfig } from "../mechanisms/state.js";
import type { KernelServices } from "../services.js";
import type { SigInfo } from "../signal.js";
import { ENTRY_STAGES } from "./stages.js";
import { controlStage } from "./control.js";
import { seccompStage } from "./seccomp.js";
import { sudStage } from "./sud.js";
import { returnFlagStage } from "./return-flag.js";
import { bounceStage } from "./bounce.js";
import { ptraceStage } from "./ptrace.js";
import { CONTINUE, type EntryCall, type EntryOutcome, type EntryServices, type EntryStage, type SyscallEvent } from "./types.js";
import type { ArchAdapter } from "../arch/types.js";

/** The per-entry record, reused per thread (its fields are rewritten at every entry). */
type MutableCall = { -readonly [K in keyof EntryCall]: EntryCall[K] };

/** An event the pipeline may rewrite for the next call (its arguments copied in place). */
type ReusableEvent = SyscallEvent & { args: bigint[] };

/** What the pipeline keeps per thread between entries: the handler context, the call record, a reusable event. */
interface ThreadSlot {
  ctx: SyscallContext;
  call: MutableCall | undefined;
  /**
   * The event of the thread's last call, rewritten for the next one while nothing can have kept it: no
   * observer is attached, no extra stage ran, and the call neither blocked nor was diverted (a reflection
   * keeps its event until the thread leaves the libkernel text). A kept event is given away (undefined here).
   */
  ev: ReusableEvent | undefined;
  /**
   * A plain call's stand-in for its event while nothing can observe it (see `plainEntry`): the table writes its
   * result here, and its arguments are the context's own. A call that blocks gets a real event then.
   */
  sink: ReusableEvent;
}

/** The name of a call with no table row. */
const unknownName = (nr: number) => `syscall_${nr}`;

/** Write a handler's numeric result: a safe integer without a BigInt; anything else as before (BigInt rejects it). */
function writeResult(arch: ArchAdapter, t: Thread, r: number): void {
  if (Number.isSafeInteger(r)) arch.setSyscallResultNumber(t.cpu, r);
  else arch.setSyscallResult(t.cpu, BigInt(r));
}

export class EntryPipeline implements EntryServices {
  /**
   * The built-in stages that are not inert under this kernel's configuration, then any added with addStage
   * (before table dispatch). Built on first use: the mechanisms' state comes after the pipeline's services.
   */
  private stageList: EntryStage[] | undefined;
  /** Stages added with addStage (they may keep a call's event). */
  private extraStages = 0;
  private get stages(): EntryStage[] {
    return (this.stageList ??= ENTRY_STAGES.filter((st) => !st.inert?.(this.config)));
  }
  private readonly slots = new WeakMap<Thread, ThreadSlot>();
  /** The thread that entered last and its slot: a syscall-bound thread enters again and again. */
  private lastThread: Thread | undefined;
  private lastSlot: ThreadSlot | undefined;
  private readonly missing = new Set<string>();
  /** Each ISA's table, looked up once (the kernel builds it on first use). */
  private readonly tables: { arm64?: SyscallRow[]; x86_64?: SyscallRow[] } = {};

  constructor(private readonly k: KernelServices) {}

  /** The mechanisms' configuration (fixed for the kernel's life), read by every stage of every entry. */
  private cfg: MechanismConfig | undefined;
  get config(): MechanismConfig {
    return (this.cfg ??= this.k.mechanisms.config);
  }
  get mechanisms() {
    return this.k.mechanisms;
  }
  row(isa: "arm64" | "x86_64", nr: number): SyscallRow | undefined {
    return (this.tables[isa] ??= this.k.table(isa))[nr];
  }
  forceSignal(t: Thread, si: SigInfo): void {
    this.k.signals.force(t, si);
  }

  /** An extra stage, run after the built-in ones and before table dispatch (observers, experiments, tests). */
  addStage(stage: EntryStage): void {
    this.stages.push(stage);
    this.extraStages++;
    this.plain = 0;
  }

  /**
   * Whether this kernel's stage list lets a call skip the stages (see `plainEntry`): 1 direct (SUD, seccomp,
   * control), 2 selective (also the return flag and the bounce), 3 ptrace without a supervisor or tracer, 0 never;
   * -1 not worked out yet.
   */
  private plain = -1;
  private plainKind(): number {
    const st = this.stages;
    const only = (allowed: readonly EntryStage[]) => this.extraStages === 0 && st.every((x) => allowed.includes(x));
    if (only([sudStage, seccompStage, controlStage])) return (this.plain = 1);
    if (this.config.mode === "selective" && only([sudStage, returnFlagStage, seccompStage, bounceStage, controlStage])) return (this.plain = 2);
    // ptrace with neither a supervisor nor a tracer: the stage only counts its stops and marks the call.
    const cfg = this.config;
    if (cfg.mode === "ptrace" && cfg.supervisor === undefined && cfg.tracer === undefined && only([sudStage, ptraceStage, seccompStage, controlStage])) return (this.plain = 3);
    return (this.plain = 0);
  }

  /** Unknown syscalls seen so far, as "arch:nr[:name]". */
  missingSyscalls(): string[] {
    return [...this.missing];
  }

  /** A thread trapped on a syscall instruction at `pc`. */
  enter(t: Thread, pc: number): void {
    const p = t.proc;
    const arch = p.arch;
    let slot = t === this.lastThread ? this.lastSlot : this.slots.get(t);
    if (!slot) {
      const ctx = new SyscallContext(this.k, t);
      slot = { ctx, call: undefined, ev: undefined, sink: { pid: 0, tid: 0, nr: 0, name: "", pc: 0, args: ctx.args, path: [] } };
      this.slots.set(t, slot);
    }
    this.lastThread = t;
    this.lastSlot = slot;
    const c = slot.ctx;
    c.thread = t;
    c.pc = pc;
    const nr = arch.syscallNr(t.cpu);
    arch.syscallArgs(t.cpu, c.args);
    const ledger = p.ledger;
    ledger.begin(nr);
    ledger.addKernelEntry();
    try {
      const plain = this.plain < 0 ? this.plainKind() : this.plain;
      if (plain === 0 || !this.plainEntry(t, slot, pc, nr, plain)) this.run(this.prepare(t, slot, pc, nr), slot);
    } finally {
      // A blocked call leaves the kernel when its wait ends (the scheduler charges that exit).
      if (t.state === "runnable") ledger.addKernelExit();
      ledger.end();
    }
  }

  /**
   * A call none of this kernel's stages can act on, run without them: the thread has no SUD and no seccomp
   * filter, the number is none of the calls the control stage answers, and (selective) it is neither a bounce
   * return nor a call the bounce would take. Then every stage would pass it on unchanged with no effect, and the
   * call goes to the table as after them (the control stage's mark, counted, dispatched); else false, before
   * anything is changed, and the stages run.
   */
  private plainEntry(t: Thread, slot: ThreadSlot, pc: number, nr: number, plain: number): boolean {
    const p = t.proc;
    const arch = p.arch;
    const isa = arch.arch;
    const mechanisms = this.k.mechanisms;
    const mech = t.mech ?? mechanisms.thread(t);
    if (mech.sud !== null || mech.kernelSud !== null || mech.seccomp.mode !== 0 || mech.program !== null) return false;
    const n = NRS[isa];
    if (nr === n.seccomp || nr === n.prctl || nr === n.sigaltstack) return false;
    const lib = mechanisms.text(p);
    const fromText = lib !== undefined && pc >= lib.textLo && pc < lib.textHi;
    // selective: the return-flag stage looks at calls from the text with a frame live, the bounce at the others.
    if (plain === 2 && (fromText ? mech.frames.length > 0 : lib !== undefined && mechanisms.policy(isa).movable.has(nr))) return false;
    mechanisms.entered(t);
    const c = slot.ctx;
    const row = this.row(isa, nr);
    c.nr = nr;
    const name = (c.name = row ? row.name : unknownName(nr));
    let mark: string;
    if (plain === 3) {
      // The ptrace stage's work with no one to stop for: the entry stop, and the exit stop of a call that returns.
      const ledger = p.ledger;
      ledger.addPtraceStop();
      if (row?.info.ret !== "none") ledger.addPtraceStop();
      mark = "ptrace";
    } else mark = fromText && mech.open.length > 0 ? "reissue" : "direct";
    this.count(name);
    if (!this.observable()) {
      // Nobody can see this call's event: only a wait can keep it, and one is made if the call blocks.
      const sink = slot.sink;
      this.dispatch(t, c, row, sink);
      if (t.state === "blocked" && t.waitingSyscall) {
        t.waitingSyscall.event = { pid: p.pid, tid: t.tid, nr, name, pc, args: c.args.slice(), path: ["dispatch"], mark };
      }
      return true;
    }
    const ev = this.event(slot, p.pid, t.tid, nr, name, pc, c.args);
    ev.mark = mark;
    this.toTable(t, c, row, ev, slot);
    return true;
  }

  /** Something may see or keep a call's event: an observer, an added stage, a ptrace supervisor or tracer. */
  private observable(): boolean {
    const k = this.k;
    const cfg = this.config;
    return k.syscallObservers.length !== 0 || k.reflectionReturnObservers.length !== 0 || this.extraStages !== 0 || cfg.supervisor !== undefined || cfg.tracer !== undefined;
  }

  private prepare(t: Thread, slot: ThreadSlot, pc: number, nr: number): MutableCall {
    const c = slot.ctx;
    const p = t.proc;
    const arch = p.arch;
    const isa = arch.arch;
    const mechanisms = this.k.mechanisms;
    const mech = mechanisms.thread(t);
    mechanisms.entered(t);
    const lib = mechanisms.text(p);
    const row = this.row(isa, nr);
    c.nr = nr;
    c.name = row ? row.name : unknownName(nr);
    const ev = this.event(slot, p.pid, t.tid, nr, c.name, pc, c.args);
    const fromText = lib !== undefined && pc >= lib.textLo && pc < lib.textHi;
    const call = slot.call;
    if (call === undefined) {
      return (slot.call = { thread: t, proc: p, arch, isa, ev, ctx: c, row, post: t.cpu.pc, mech, lib, fromText });
    }
    // Every field rewritten: the record is the thread's, reused at each entry (no stage keeps it).
    call.thread = t;
    call.proc = p;
    call.arch = arch;
    call.isa = isa;
    call.ev = ev;
    call.ctx = c;
    call.row = row;
    call.post = t.cpu.pc;
    call.mech = mech;
    call.lib = lib;
    call.fromText = fromText;
    return call;
  }

  /**
   * The call's event. It may outlive the entry (observers, a blocked call's wait, an open reflection): then a new
   * one per call; when nothing can keep it, the slot's event rewritten (see ThreadSlot.ev).
   */
  private event(slot: ThreadSlot, pid: number, tid: number, nr: number, name: string, pc: number, args: readonly bigint[]): SyscallEvent {
    // A ptrace supervisor or tracer is handed the arguments array: it may keep it too.
    if (this.observable()) return { pid, tid, nr, name, pc, args: args.slice(), path: [] };
    let ev = slot.ev;
    if (ev === undefined) {
      ev = slot.ev = { pid, tid, nr, name, pc, args: args.slice(), path: [] };
      return ev;
    }
    ev.pid = pid;
    ev.tid = tid;
    ev.nr = nr;
    ev.name = name;
    ev.pc = pc;
    const a = ev.args;
    const n = args.length;
    for (let i = 0; i < n; i++) a[i] = args[i]!;
    if (a.length !== n) a.length = n;
    // pop, not `length = 0`: a length store is a runtime call, a pop of the one or two entries is inlined.
    const path = ev.path;
    while (path.length > 0) path.pop();
    ev.result = undefined;
    ev.mark = undefined;
    return ev;
  }

  private run(call: MutableCall, slot: ThreadSlot): void {
    const { thread: t, ev } = call;
    let outcome: EntryOutcome = CONTINUE;
    const stages = this.stages;
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i]!;
      outcome = stage.run(call, this);
      if (outcome.kind === "continue") continue;
      ev.path.push(stage.name);
      if (outcome.kind !== "retarget") break;
      // The call is really another one: later stages and the table see the new number.
      const row = this.row(call.isa, outcome.nr);
      call.row = row;
      call.ctx.nr = ev.nr = outcome.nr;
      call.ctx.name = ev.name = row ? row.name : unknownName(outcome.nr);
      outcome = CONTINUE;
    }
    if (outcome.kind !== "resumed") this.count(ev.name);
    switch (outcome.kind) {
      case "handled":
        ev.result = outcome.result;
        writeResult(t.proc.arch, t, outcome.result);
        this.traceExit(t, call.row, ev.name, ev.args, outcome.result);
        break;
      case "kill":
        this.k.lifecycle.exitProcess(t.proc, { signal: outcome.signal, core: true });
        break;
      case "continue":
        this.toTable(t, call.ctx, call.row, ev, slot);
        return;
      case "redirected": // the thread is elsewhere and no result is written here; a reflection keeps the event
        if (slot.ev === ev) slot.ev = undefined;
        break;
      default: // resumed: the thread is back at its caller, and no result is written here
    }
    this.emit(ev);
  }

  /** The table runs the call; the event is reported now, or when a blocked call's wait completes. */
  private toTable(t: Thread, c: SyscallContext, row: SyscallRow | undefined, ev: SyscallEvent, slot: ThreadSlot): void {
    ev.path.push("dispatch");
    this.dispatch(t, c, row, ev);
    if (t.state === "blocked" && t.waitingSyscall) {
      t.waitingSyscall.event = ev;
      if (slot.ev === ev) slot.ev = undefined; // kept by the wait
      return;
    }
    this.emit(ev);
  }

  /**
   * RunStats.syscallsByName, counted here: calls of the same name in a row are added up and written when another
   * name comes or the table is read (a keyed update of the dictionary per call was a megamorphic store). Names go
   * in at their first call's turn, as before.
   */
  private readonly byName: Record<string, number> = {};
  private runName = "";
  private runCount = 0;

  private count(name: string): void {
    this.k.stats.syscalls++;
    if (name === this.runName) {
      this.runCount++;
      return;
    }
    if (this.runCount > 0) this.flushCounts();
    this.runName = name;
    this.runCount = 1;
  }

  private flushCounts(): void {
    const t = this.byName;
    t[this.runName] = (t[this.runName] ?? 0) + this.runCount;
    this.runCount = 0;
  }

  /** The calls counted so far by name (RunStats.syscallsByName), up to date. */
  countsByName(): Record<string, number> {
    if (this.runCount > 0) this.flushCounts();
    return this.byName;
  }

  emit(ev: SyscallEvent): void {
    const observers = this.k.syscallObservers;
    for (let i = 0; i < observers.length; i++) observers[i]!(ev);
  }

  /** Table dispatch: run the handler, write the result, trace it; or put the thread to sleep on its wait. */
  dispatch(t: Thread, c: SyscallContext, row: SyscallRow | undefined, ev: SyscallEvent): void {
    const arch = t.proc.arch;
    const nr = c.nr;
    const args = ev.args;
    if (!row?.handler) {
      const key = `${arch.arch}:${nr}${row ? ":" + row.name : ""}`;
      if (!this.missing.has(key)) {
        this.missing.add(key);
        this.k.opts.onMissingSyscall?.(arch.arch, nr, row?.name);
      }
      ev.result = -ENOSYS;
      arch.setSyscallResultNumber(t.cpu, -ENOSYS);
      this.traceExit(t, row, c.name, args, -ENOSYS);
      return;
    }
    // Calls that never return (exit, exit_group) are traced before they run, as strace prints `= ?` first.
    const noReturn = row.info.ret === "none";
    if (noReturn) this.traceExit(t, row, c.name, args, "noreturn");
    let r;
    try {
      r = row.handler(c);
    } catch (e) {
      if (e instanceof SyscallError) r = -e.errno;
      else if (e instanceof GuestMemoryFault) r = -EFAULT;
      else throw e;
    }
    if (r === NO_RETURN) {
      // sigreturn and a successful execve return to user with registers the handler set up.
      if (t.state !== "dead" && t.proc.alive) {
        const n = NRS[arch.arch];
        ev.result = nr === n.execve || nr === n.execveat ? 0 : Number(BigInt.asIntN(64, arch.getSyscallResult(t.cpu)));
        this.traceExit(t, row, c.name, args, ev.result);
      } else if (!noReturn) this.traceExit(t, row, c.name, args, "noreturn");
      return;
    }
    if (typeof r === "number") {
      ev.result = r;
      writeResult(arch, t, r);
      this.traceExit(t, row, c.name, args, r);
      return;
    }
    this.k.scheduler.block(t, r.block, { nr, name: c.name, args: [...args], pc: c.pc });
  }

  traceExit(t: Thread, row: SyscallRow | undefined, name: string, args: readonly bigint[], result: number | "noreturn" | "restart"): void {
    // No tracer attached: nothing is formatted (the prefix and the arguments are only evaluated for one).
    this.k.tracer?.syscall(this.k.tasks.tracePrefix(t), t.proc, row?.info, name, args, result);
  }

  /** Forget a dead thread's reusable context. */
  forget(t: Thread): void {
    this.slots.delete(t);
    if (t === this.lastThread) this.lastThread = this.lastSlot = undefined;
  }
}

