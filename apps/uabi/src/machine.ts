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

import { CORES, DEFAULT_MODE, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, type Choice } from "./choices.js";

export { CORES, DEFAULT_MODE, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, type Choice };

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
  /** The CPU cores' tier (`--core`): jit (the kernel's default) or interp. */
  core?: string;
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

/** One finished line of a call, as MarkedTrace hands it to `onCall` (for strace's -c and -T). */
export interface TraceCall {
  /** The program's call (for a diverted call, its first entry). */
  readonly ev: SyscallEvent;
  /** The path mark as printed, e.g. `[bounce→user→readlinkat]`. */
  readonly mark: string;
  /** The result the line shows; undefined for `?`. */
  readonly result: number | undefined;
  /** A call made inside the vDSO on the program's behalf (a re-issue, the SIGSYS handler's rt_sigreturn). */
  readonly inner: boolean;
}

export interface MarkedTraceOptions {
  /** Called once per finished syscall line; a string it returns is appended to the line (strace -T's `<0.000012>`). */
  readonly onCall?: (c: TraceCall) => string | void;
  /** A timestamp read when the kernel traced the line (strace -t/-tt); printed after the `[pid N] ` prefix. */
  readonly stamp?: () => string;
  /** Pad every syscall line so its ` = ` result starts at column 40, as strace does. */
  readonly align?: boolean;
}

interface Line {
  text: string;
  stamp: string;
  suffix?: string;
}

interface Outer {
  ev: SyscallEvent;
  /** Signal lines the program saw at this call (SIGSYS) before its result: printed before its line. */
  before: Line[];
  /** Lines of other calls made while the diverted call was in the vDSO (fallbacks, rt_sigreturn). */
  inner: Line[];
  /** A legacy call libkernel re-issued as another (readlink as readlinkat): one line, marked with both. */
  rewrittenAs?: { name: string; result: number | undefined; line: Line; ev: SyscallEvent };
}

/** The SIGSYS handler's return: made for the program, never the program's call itself. */
const SIGRETURNS = new Set(["rt_sigreturn", "sigreturn"]);

/** strace's column for ` = `: the result starts at column 40 (its default -a). */
export const RESULT_COLUMN = 40;

/** Pad a syscall line (`name(args) = ret…`) so `= ` sits at RESULT_COLUMN; other lines unchanged. */
export function alignResult(line: string, column = RESULT_COLUMN): string {
  const m = /^(.*\)) = (.*)$/s.exec(line);
  if (!m || !isSyscallLine(line)) return line;
  return `${(m[1]! + " ").padEnd(column)}= ${m[2]}`;
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
 * A legacy call re-issued as its modern form (readlink → readlinkat) stays one line, marked
 * `[bounce→user→readlinkat]`. Signal lines the program sees at a diverted call (SIGSYS) come before
 * its line; other calls made inside the vDSO meanwhile follow it with their own marks.
 */
export class MarkedTrace {
  private pending: Line[] = [];
  private readonly outer = new Map<number, Outer>();
  constructor(
    private readonly out: (line: string) => void,
    private readonly kernel?: Kernel,
    private readonly opts: MarkedTraceOptions = {},
  ) {}
  readonly line = (l: string): void => {
    this.pending.push({ text: l, stamp: this.opts.stamp?.() ?? "" });
  };
  readonly event = (ev: SyscallEvent): void => {
    const mark = pathMark(ev);
    const o = this.outer.get(ev.tid);
    if (DIVERTED.has(mark.slice(1, -1))) {
      if (o) this.close(ev.tid, undefined);
      this.flush();
      this.outer.set(ev.tid, { ev, before: [], inner: [] });
      return;
    }
    const i = this.newestUnmarked();
    const l = i >= 0 ? this.pending[i]! : undefined;
    if (o && l !== undefined && callName(l.text) === o.ev.name) {
      // Lines traced before it (the SIGSYS delivery) keep their place; the call's inner lines follow it.
      this.finish(l, o.ev, pathMark(o.ev), ev.result, false);
      this.outer.delete(ev.tid);
      for (const x of o.before) this.write(x);
      this.flush();
      for (const x of o.inner) this.write(x);
      return;
    } else if (o && l === undefined && mark === "[return]") {
      // arm64: the return-only syscall after a userspace handler carries its result in x0.
      this.take(o);
      this.close(ev.tid, Number(BigInt.asIntN(64, ev.args[0] ?? 0n)));
    } else if (o && l !== undefined && mark === "[reissue]" && !o.rewrittenAs && o.inner.length === 0 && callName(l.text) !== o.ev.name && !SIGRETURNS.has(callName(l.text))) {
      // The program's legacy call re-issued in its modern form: not a line of its own (unless the results differ).
      this.pending.splice(i, 1);
      o.rewrittenAs = { name: callName(l.text), result: ev.result, line: l, ev };
      this.take(o);
    } else if (l !== undefined) {
      this.finish(l, ev, mark, ev.result, o !== undefined);
      if (o) {
        this.take(o);
        o.inner.push(...this.pending);
        this.pending = [];
      }
    }
    this.flush();
  };
  /** A finished line that pairs with no event (the `execve` line strace prints first), stamped and aligned. */
  emit(text: string): void {
    this.write({ text, stamp: this.opts.stamp?.() ?? "" });
  }
  /** At the end of the run: close calls still in the vDSO and print everything waiting. */
  end(): void {
    for (const tid of this.outer.keys()) this.close(tid, undefined); // deleting the visited key is safe
    this.flush();
  }
  /** Signal lines waiting while a diverted call has no inner line yet: the program saw them at that call. */
  private take(o: Outer): void {
    if (o.inner.length > 0) return;
    while (this.pending.length > 0 && !isSyscallLine(this.pending[0]!.text)) o.before.push(this.pending.shift()!);
  }
  private finish(l: Line, ev: SyscallEvent, mark: string, result: number | undefined, inner: boolean): void {
    l.text = `${l.text} ${mark}`;
    const extra = this.opts.onCall?.({ ev, mark, result, inner });
    if (extra) l.suffix = extra;
  }
  private write(l: Line): void {
    const prefix = prefixOf(l.text);
    let text = prefix + l.stamp + l.text.slice(prefix.length);
    if (this.opts.align) text = alignResult(text);
    this.out(l.suffix ? `${text} ${l.suffix}` : text);
  }
  private flush(): void {
    for (const l of this.pending) this.write(l);
    this.pending = [];
  }
  private newestUnmarked(): number {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const l = this.pending[i]!.text;
      if (isSyscallLine(l) && !/ \[[^\]]*\]$/.test(l)) return i;
    }
    return -1;
  }
  /** The diverted call never came back through the kernel as itself: format its line here. */
  private close(tid: number, result: number | undefined): void {
    const o = this.outer.get(tid);
    if (!o) return;
    this.outer.delete(tid);
    let rw = o.rewrittenAs;
    if (rw && result !== undefined && result !== rw.result) {
      // Not the same call after all: the re-issue keeps its own line.
      this.finish(rw.line, rw.ev, "[reissue]", rw.result, true);
      o.inner.unshift(rw.line);
      rw = undefined;
    }
    const r = result ?? rw?.result;
    const mark = rw ? `${pathMark(o.ev).slice(0, -1)}→${rw.name}]` : pathMark(o.ev);
    const line: Line = { text: this.format(o.ev, r), stamp: this.opts.stamp?.() ?? "" };
    this.finish(line, o.ev, mark, r, false);
    for (const x of o.before) this.write(x);
    this.write(line);
    for (const x of o.inner) this.write(x);
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

const prefixOf = (l: string): string => /^\[pid \d+\] /.exec(l)?.[0] ?? "";
const callName = (l: string): string => l.slice(prefixOf(l).length).split("(", 1)[0]!;
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
