/**
 * What the commands share about the simulated machine: the option vocabulary of `@uabi/kernel`
 * (mechanisms, frames, libkernel variants, personalities) as tables, building a Kernel from them with
 * one-line errors, path marks for trace lines, and the cost model's counters and prediction.
 *
 * Where the kernel refuses a configuration (e.g. `--libkernel library` today) its constructor throws
 * `KernelUsageError`, which the commands turn into a one-line usage error; the demo and bench list such
 * configurations instead of failing. Nothing here hard-codes which mechanisms exist.
 */
import {
  DEFAULT_PROFILE, ExecError, Kernel, KernelUsageError, Tracer, diffCounters, predict,
  type CostCounters, type CostProfile, type KernelOptions, type RunResult, type SyscallEvent,
} from "@uabi/kernel";
import { UsageError } from "./args.js";

import { DEFAULT_MODE, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, type Choice } from "./choices.js";

export { DEFAULT_MODE, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, type Choice };

/** Check `value` against a table; a typo gets a one-line usage error listing the choices. */
export function pick(option: string, value: string | undefined, table: readonly Choice[]): string | undefined {
  if (value === undefined) return undefined;
  if (!table.some((c) => c.name === value)) throw new UsageError(`--${option} must be one of ${table.map((c) => c.name).join(", ")} (got '${value}')`);
  return value;
}

/** The mechanism-related options in the kernel's agreed vocabulary. */
export interface MachineConfig {
  mode?: string;
  frame?: string;
  libkernel?: string;
  personality?: string;
}

/**
 * `new Kernel(...)` with the mechanism options. The kernel's `KernelOptions` type only lists the
 * modes it implements today; the CLI speaks the whole agreed vocabulary and lets the kernel refuse.
 */
export function createKernel(config: MachineConfig, opts: KernelOptions): Kernel {
  const full: Record<string, unknown> = { ...opts };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) full[k] = v;
  try {
    return new Kernel(full as KernelOptions);
  } catch (e) {
    if (e instanceof KernelUsageError) throw new UsageError(describeConfig(config) ? `${describeConfig(config)}: ${e.message}` : e.message);
    throw e;
  }
}

export function describeConfig(c: MachineConfig): string {
  return Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `--${k} ${v}`)
    .join(" ");
}

/** Is a configuration accepted by this kernel? (The demo and bench show only the rows that are.) */
export function supported(config: MachineConfig): { ok: true } | { ok: false; why: string } {
  try {
    createKernel(config, {});
    return { ok: true };
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
}

/** Why an ELF cannot run, in one line, for `uabi run` (exit 126 — the shell's "found but cannot execute"). */
export function execErrorLine(file: string, e: ExecError): string {
  return `${file}: cannot run (${e.kind}): ${e.message}`;
}

/**
 * The path mark of a syscall event, e.g. `[direct]` or `[bounce→user]`. A kernel that names the path
 * itself (`ev.mark`) wins; otherwise the entry stages the call went through, where table dispatch
 * alone is the direct path.
 */
export function pathMark(ev: SyscallEvent): string {
  const own = (ev as SyscallEvent & { mark?: unknown }).mark;
  if (typeof own === "string" && own !== "") return own.startsWith("[") ? own : `[${own}]`;
  const stages = ev.path.filter((s) => s !== "dispatch");
  if (stages.length === 0) return "[direct]";
  return `[${stages.join("→")}${ev.path.includes("dispatch") ? "→kernel" : ""}]`;
}

/** Marks of a program's call diverted into the vDSO (the kernel does not run it at this entry). */
const DIVERTED = new Set(["bounce→user", "bounce→kernel", "sigsys"]);

interface Outer {
  ev: SyscallEvent;
  /** Lines of other calls made while the diverted call was in the vDSO (fallbacks, rt_sigreturn). */
  inner: string[];
}

/**
 * strace-format lines with path marks, one line per call of the program.
 *
 * The kernel traces a call when it runs it and reports the event after (exit_group's `= ?` and the
 * `+++ exited` line come before its event), so lines wait here for the next event. A call the
 * mechanism diverts into the vDSO (`bounce→…`, `sigsys`) is not run at that entry; its line is the
 * kernel's line of the same call re-issued from the vDSO, marked with the diversion, or — for a call
 * libkernel handled in userspace — a line formatted here, with the result when a kernel entry carried
 * it back (arm64's return-only syscall) and `?` when none did (x86-64 returns without the kernel).
 * Other calls made inside the vDSO meanwhile follow with their own marks.
 */
export class MarkedTrace {
  private pending: string[] = [];
  private readonly outer = new Map<number, Outer>();
  constructor(
    private readonly out: (line: string) => void,
    private readonly kernel?: Kernel,
  ) {}
  readonly line = (l: string): void => {
    this.pending.push(l);
  };
  readonly event = (ev: SyscallEvent): void => {
    const mark = pathMark(ev);
    const o = this.outer.get(ev.tid);
    if (DIVERTED.has(mark.slice(1, -1))) {
      if (o) this.close(ev.tid, undefined);
      this.flush();
      this.outer.set(ev.tid, { ev, inner: [] });
      return;
    }
    const i = this.newestUnmarked();
    const l = i >= 0 ? this.pending[i]! : undefined;
    if (o && l !== undefined && callName(l) === o.ev.name) {
      // Lines traced before it (the SIGSYS delivery) keep their place; the call's inner lines follow it.
      this.pending[i] = `${l} ${pathMark(o.ev)}`;
      this.outer.delete(ev.tid);
      this.flush();
      for (const x of o.inner) this.out(x);
    } else if (o && l === undefined && mark === "[return]") {
      // arm64: the return-only syscall after a userspace handler carries its result in x0.
      this.close(ev.tid, Number(BigInt.asIntN(64, ev.args[0] ?? 0n)));
    } else if (l !== undefined) {
      this.pending[i] = `${l} ${mark}`;
      if (o) {
        o.inner.push(...this.pending);
        this.pending = [];
      }
    }
    this.flush();
  };
  /** At the end of the run: close calls still in the vDSO and print everything waiting. */
  end(): void {
    for (const tid of this.outer.keys()) this.close(tid, undefined);
    this.flush();
  }
  private flush(): void {
    for (const l of this.pending) this.out(l);
    this.pending = [];
  }
  private newestUnmarked(): number {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const l = this.pending[i]!;
      if (isSyscallLine(l) && !/ \[[^\]]*\]$/.test(l)) return i;
    }
    return -1;
  }
  private emit(line: string, o: Outer): void {
    this.out(line);
    for (const l of o.inner) this.out(l);
  }
  /** The diverted call never came back through the kernel as itself: format its line here. */
  private close(tid: number, result: number | undefined): void {
    const o = this.outer.get(tid);
    if (!o) return;
    this.outer.delete(tid);
    this.emit(`${this.format(o.ev, result)} ${pathMark(o.ev)}`, o);
  }
  private format(ev: SyscallEvent, result: number | undefined): string {
    const p = this.kernel?.processes.get(ev.pid);
    if (!p || !this.kernel) return `${ev.name}(...) = ${result ?? "?"}`;
    let line = "";
    const prefix = this.kernel.tasks.threads.length > 1 ? `[pid ${ev.tid}] ` : "";
    try {
      new Tracer((l) => (line = l)).syscall(prefix, p, this.kernel.table(p.arch.arch)[ev.nr]?.info, ev.name, ev.args, result ?? "noreturn");
    } catch {
      line = `${prefix}${ev.name}(...) = ${result ?? "?"}`;
    }
    return line;
  }
}

const callName = (l: string): string => l.replace(/^\[pid \d+\] /, "").split("(", 1)[0]!;
const isSyscallLine = (l: string): boolean => !/^(\[pid \d+\] )?(---|\+\+\+)/.test(l);

// ---------------------------------------------------------------------------------------- costs

/** The kernel's cost counters (packages/kernel/src/cost/counters.ts). */
export type Counters = CostCounters;

/** The run's cost counters, from the root process's ledger (a copy). */
export function runCounters(r: RunResult): Counters {
  return { ...r.stats.cost };
}

export function diff(a: Counters, b: Counters): Counters {
  return diffCounters(a, b);
}

/** Modelled nanoseconds under a cost profile (default: the kernel's, from its committed calibrate run). */
export function modelledNs(c: Counters, profile: CostProfile = DEFAULT_PROFILE): number {
  return predict(profile, c).totalNs;
}

export { ExecError, Kernel, KernelUsageError };
