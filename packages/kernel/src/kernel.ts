/**
 * The kernel model: boots processes from static ELF images and runs them deterministically on a round-robin
 * scheduler, with every syscall going through one entry pipeline in Linux's order.
 *
 * This class only composes the parts; each lives in a module of its own, and a reader follows a call in one
 * direction: scheduler.ts (trap) → entry/pipeline.ts (the stages of entry/stages.ts, then table dispatch to
 * syscalls/) → signal-delivery.ts (exit work before the return to user mode).
 *
 *   tasks.ts            processes, threads, pids, the run queue
 *   clock.ts            CLOCK_MONOTONIC / CLOCK_REALTIME, virtual or real
 *   filesystem.ts       /dev, /tmp, /proc
 *   process-setup.ts    spawn, execve, the vDSO and vvar pages
 *   scheduler.ts        the run loop and blocking waits
 *   entry/              syscall entry: pin → SUD → return flag → ptrace → seccomp → bounce → control → dispatch
 *   mechanisms/         per-thread mechanism state and the CPU runner that accounts libkernel instructions
 *   signal-delivery.ts  signal generation, fault signals, delivery
 *   futex.ts            futex queues and robust lists
 *   lifecycle.ts        thread and process exit
 */
import type { Arch, Cpu } from "@uabi/isa-core";
import type { ArchAdapter } from "./arch/types.js";
import { KernelClock, MONOTONIC_BASE_NS, REALTIME_BASE_NS } from "./clock.js";
import { zeroCounters } from "./cost/index.js";
import { EntryPipeline } from "./entry/pipeline.js";
import type { SyscallEvent } from "./entry/types.js";
import { KernelUsageError } from "./errors.js";
import { buildFilesystem } from "./filesystem.js";
import { Futexes } from "./futex.js";
import { Lifecycle } from "./lifecycle.js";
import { FRAME_VARIANTS, MECHANISM_MODES } from "./mechanisms/modes.js";
import { MechanismState } from "./mechanisms/state.js";
import { MemoryBudget, type AddressSpace } from "./mm.js";
import { ADAPTERS, ProcessLoader, archOf } from "./process-setup.js";
import { Rng } from "./rng.js";
import { Scheduler } from "./scheduler.js";
import type { KernelServices } from "./services.js";
import { Signals } from "./signal-delivery.js";
import { buildTable, type SyscallRow } from "./syscall.js";
import { HANDLERS } from "./syscalls/index.js";
import type { Process, Thread } from "./task.js";
import { TaskTable } from "./tasks.js";
import { Tracer } from "./trace.js";
import type { KernelOptions, RunResult, RunStats, SpawnOptions, VdsoImage } from "./types.js";
import { Vfs } from "./vfs.js";

export { defaultRlimits } from "./process-setup.js";

/** The option values the constructor accepts, per option (checked before anything is built). */
const CHOICES = {
  mode: MECHANISM_MODES,
  frame: FRAME_VARIANTS,
  libkernel: ["vdso", "library"],
  personality: ["linux", "fakeroot"],
  clock: ["virtual", "real"],
  core: ["jit", "interp"],
} as const satisfies Partial<Record<keyof KernelOptions, readonly string[]>>;

const TABLES = new Map<Arch, SyscallRow[]>();

/**
 * The run's statistics. `syscallsByName` is the entry pipeline's table, brought up to date when read (the pipeline
 * counts a run of the same call without a keyed update per call): same keys, order and counts, at any time.
 */
function runStats(byName: () => Record<string, number>): RunStats {
  return {
    instructions: 0, syscalls: 0,
    get syscallsByName() {
      return byName();
    },
    kernelEntries: 0, exceptions: 0, signalsDelivered: 0, sigreturns: 0,
    signalFrameBytes: [], contextSwitches: 0, missingSyscalls: [], virtualTimeNs: 0n, cost: zeroCounters(),
  };
}

export class Kernel implements KernelServices {
  /** Boot time offset so CLOCK_MONOTONIC does not start at 0 (Linux starts near boot uptime). */
  static readonly MONOTONIC_BASE_NS = MONOTONIC_BASE_NS;
  /** CLOCK_REALTIME at boot in virtual mode: 2024-01-01T00:00:00Z. */
  static readonly REALTIME_BASE_NS = REALTIME_BASE_NS;
  /** Which ISA an ELF image is for (by e_machine). */
  static archOf(elf: Uint8Array): Arch {
    return archOf(elf);
  }

  readonly opts: KernelOptions;
  readonly memLimit: number;
  readonly memoryBudget: MemoryBudget;
  readonly maxTasks: number;
  readonly vfs: Vfs;
  readonly rng: Rng;
  readonly tracer: Tracer | undefined;
  readonly stats: RunStats = runStats(() => this.entry.countsByName());
  readonly cmdlines = new Map<number, string>();
  /** Observers of every syscall event. */
  readonly syscallObservers: ((ev: SyscallEvent) => void)[] = [];
  /**
   * Observers of a diverted call (bounce→user, sigsys) that returned to its caller without a kernel entry
   * (x86-64's bounce glue, a SIGSYS handler's sigreturn): called when the thread leaves the libkernel text,
   * with the call's event, its `result` now read from the result register.
   */
  readonly reflectionReturnObservers: ((ev: SyscallEvent) => void)[] = [];

  readonly tasks = new TaskTable();
  readonly clock: KernelClock;
  readonly futex = new Futexes();
  readonly signals: Signals;
  readonly lifecycle: Lifecycle;
  readonly loader: ProcessLoader;
  /** The mechanisms' state; present in direct mode too (seccomp(2) and SUD are Linux features any program can use). */
  readonly mechanisms: MechanismState;
  readonly entry: EntryPipeline;
  readonly scheduler: Scheduler;

  constructor(opts: KernelOptions = {}) {
    for (const [key, allowed] of Object.entries(CHOICES)) {
      const v = opts[key as keyof typeof CHOICES];
      if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw new KernelUsageError(`unknown ${key} ${JSON.stringify(v)} (${allowed.join(", ")})`);
    }
    this.opts = opts;
    const maxInstructions = opts.maxInstructions ?? 20e9;
    const quantum = opts.quantum ?? 2_000_000;
    this.memLimit = opts.memLimit ?? 1 << 30;
    if (!(quantum > 0) || !(maxInstructions > 0) || !(this.memLimit > 0)) throw new KernelUsageError("quantum, maxInstructions and memLimit must be positive");
    this.memoryBudget = new MemoryBudget(opts.memBudget ?? Math.max(4 * 2 ** 30, this.memLimit));
    this.maxTasks = opts.maxTasks ?? 512;
    if (!(this.memoryBudget.limit > 0) || !(Number.isInteger(this.maxTasks) && this.maxTasks > 0)) throw new KernelUsageError("memBudget and maxTasks must be positive");
    this.clock = new KernelClock(opts.clock ?? "virtual", BigInt(opts.nsPerInstruction ?? 1), () => this.tasks.retired);
    this.rng = new Rng(opts.seed ?? 0);
    this.vfs = new Vfs(opts.root);
    this.vfs.now = () => this.clock.realtimeNs();
    this.vfs.quota.limit = opts.tmpfsSize ?? 2 ** 30;
    if (!(this.vfs.quota.limit > 0)) throw new KernelUsageError("tmpfsSize must be positive");
    this.tracer = opts.trace ? new Tracer(opts.trace) : undefined;
    this.signals = new Signals(this);
    this.lifecycle = new Lifecycle(this);
    this.mechanisms = new MechanismState(
      { vdsoFor: (arch) => this.vdsoFor(arch), queueThreadSignal: (t, si) => this.signals.queueThread(t, si), reflectionReturnObservers: this.reflectionReturnObservers },
      {
        mode: opts.mode ?? "direct", frame: opts.frame ?? "stack", extendedSeccompData: opts.extendedSeccompData === true, pinSyscalls: opts.pinSyscalls === true,
        libkernel: opts.libkernel ?? "vdso", personality: opts.personality ?? "linux",
        ...(opts.supervisor ? { supervisor: opts.supervisor } : {}), ...(opts.ptraceTracer ? { tracer: opts.ptraceTracer } : {}),
      },
    );
    this.entry = new EntryPipeline(this);
    this.scheduler = new Scheduler(this, maxInstructions, quantum);
    this.loader = new ProcessLoader(this, buildFilesystem(this));
  }

  // ------------------------------------------------------------------ the public API

  /** Create the first process from an ELF image. Throws ExecError for images Linux would refuse. */
  spawn(elf: Uint8Array, o: SpawnOptions = {}): Process {
    return this.loader.spawn(elf, o);
  }

  run(): RunResult {
    return this.scheduler.run();
  }

  /** The syscall table of an ISA: @uabi/uapi's numbering with the kernel's handlers. */
  table(arch: Arch): SyscallRow[] {
    let t = TABLES.get(arch);
    if (!t) {
      t = buildTable(arch, HANDLERS);
      TABLES.set(arch, t);
    }
    return t;
  }

  adapter(arch: Arch): ArchAdapter {
    return ADAPTERS[arch];
  }

  get processes(): Map<number, Process> {
    return this.tasks.processes;
  }

  findThread(tid: number): Thread | undefined {
    return this.tasks.findThread(tid);
  }

  /** The vDSO image for an ISA per the options (undefined: none). */
  vdsoFor(arch: Arch): VdsoImage | undefined {
    return this.loader.vdsoFor(arch);
  }

  updateVvar(p: Process, t?: Thread): void {
    this.loader.updateVvar(p, t);
  }

  syncFromPages(p: Process, t: Thread): void {
    this.loader.syncFromPages(p, t);
  }

  createCpu(arch: ArchAdapter, mm: AddressSpace, owner: Process): Cpu {
    return this.loader.createCpu(arch, mm, owner);
  }

  monotonicNs(): bigint {
    return this.clock.monotonicNs();
  }

  realtimeNs(): bigint {
    return this.clock.realtimeNs();
  }

  /** The counter the ISA cores expose (CNTVCT_EL0 / TSC): nanoseconds of CLOCK_MONOTONIC. */
  get counter(): () => bigint {
    return this.clock.counter;
  }
}
