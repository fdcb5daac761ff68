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
      slot = { ctx: new SyscallContext(this.k, t), call: undefined, ev: undefined };
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
      this.run(this.prepare(t, slot, pc, nr), slot);
    } finally {
      // A blocked call leaves the kernel when its wait ends (the scheduler charges that exit).
      if (t.state === "runnable") ledger.addKernelExit();
      ledger.end();
    }
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
    const k = this.k;
    // A ptrace supervisor or tracer is handed the arguments array: it may keep it too.
    const cfg = this.config;
    const reusable = k.syscallObservers.length === 0 && k.reflectionReturnObservers.length === 0 && this.extraStages === 0 && cfg.supervisor === undefined && cfg.tracer === undefined;
    if (!reusable) return { pid, tid, nr, name, pc, args: args.slice(), path: [] };
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
        ev.path.push("dispatch");
        this.dispatch(t, call.ctx, call.row, ev);
        // A blocked call is reported when its wait completes, with its result.
        if (t.state === "blocked" && t.waitingSyscall) {
          t.waitingSyscall.event = ev;
          if (slot.ev === ev) slot.ev = undefined; // kept by the wait
          return;
        }
        break;
      case "redirected": // the thread is elsewhere and no result is written here; a reflection keeps the event
        if (slot.ev === ev) slot.ev = undefined;
        break;
      default: // resumed: the thread is back at its caller, and no result is written here
    }
    this.emit(ev);
  }

  private count(name: string): void {
    const st = this.k.stats;
    st.syscalls++;
    st.syscallsByName[name] = (st.syscallsByName[name] ?? 0) + 1;
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

