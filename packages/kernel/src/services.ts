/**
 * What the parts of the kernel and the syscall handlers may reach, grouped by concern. The `Kernel` class
 * implements it by composing the parts; every part and handler names this interface, never the class, so no
 * module imports kernel.ts back.
 */
import type { Arch } from "@uabi/isa-core";
import type { KernelClock } from "./clock.js";
import type { EntryPipeline } from "./entry/pipeline.js";
import type { SyscallEvent } from "./entry/types.js";
import type { Futexes } from "./futex.js";
import type { Lifecycle } from "./lifecycle.js";
import type { MechanismState } from "./mechanisms/state.js";
import type { ProcessLoader } from "./process-setup.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";
import type { Signals } from "./signal-delivery.js";
import type { SyscallRow } from "./syscall.js";
import type { TaskTable } from "./tasks.js";
import type { Tracer } from "./trace.js";
import type { KernelOptions, RunStats } from "./types.js";
import type { Vfs } from "./vfs.js";
import type { MemoryBudget } from "./mm.js";

export interface KernelServices {
  readonly opts: KernelOptions;
  readonly stats: RunStats;
  /** Maximum mapped bytes per process. */
  readonly memLimit: number;
  /** Mapped bytes over every process of the run (fork and growth answer ENOMEM beyond it). */
  readonly memoryBudget: MemoryBudget;
  /** Tasks (threads, and processes not yet reaped) the run may hold at once: fork/clone answer EAGAIN beyond it. */
  readonly maxTasks: number;
  readonly vfs: Vfs;
  readonly rng: Rng;
  readonly tracer: Tracer | undefined;
  /** CLOCK_MONOTONIC / CLOCK_REALTIME, virtual or real. */
  readonly clock: KernelClock;
  /** Processes, threads, pids and the round-robin run queue. */
  readonly tasks: TaskTable;
  /** Signal generation, fault signals and delivery at exit to user mode. */
  readonly signals: Signals;
  readonly futex: Futexes;
  /** Thread and process exit, zombies, SIGCHLD. */
  readonly lifecycle: Lifecycle;
  /** spawn, execve, the vDSO/vvar mappings and their per-run refresh. */
  readonly loader: ProcessLoader;
  /** The mechanisms' per-thread state (SUD, seccomp chains, bounce frames). */
  readonly mechanisms: MechanismState;
  /** Syscall entry, in Linux's order, and table dispatch. */
  readonly entry: EntryPipeline;
  /** The run loop and blocking waits. */
  readonly scheduler: Scheduler;
  /** `/proc/<pid>/cmdline` contents. */
  readonly cmdlines: Map<number, string>;
  readonly syscallObservers: ((ev: SyscallEvent) => void)[];
  readonly reflectionReturnObservers: ((ev: SyscallEvent) => void)[];
  table(arch: Arch): SyscallRow[];
}
