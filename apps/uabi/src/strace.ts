/**
 * strace's options for `uabi run`: `-o FILE`, `-e trace=SET`, `-c`/`-C` (summary table), `-T` (per-call
 * time), `-t`/`-tt`/`-ttt` (timestamps), with strace's spellings and output formats (usecs/call with three
 * decimals and -T with nanosecond digits, as modelled costs are often below a microsecond). Times are the
 * simulated machine's, so every figure is deterministic: `-T` and `-c` show the modelled cost the kernel's
 * ledger charged to the call (under the run's cost profile), `-t` reads the virtual clock.
 *
 * No Node imports: the file sink is passed in.
 */
import { syscalls, type Arch, type SyscallInfo } from "@uabi/uapi";
import { UsageError, type ParsedArgs } from "./args.js";
import { MarkedTrace, type TraceCall } from "./machine.js";
import { DEFAULT_PROFILE, Tracer, predict, diffCounters, zeroCounters, type CostCounters, type CostProfile, type Kernel } from "@uabi/kernel";

/**
 * strace's syscall classes (`-e trace=%file`). %file and %desc follow strace's definitions from the
 * argument kinds of @uabi/uapi's table (a path argument; a descriptor argument or result); the others
 * are strace's lists for the calls this table has.
 */
const DERIVED_CLASSES: Readonly<Record<string, (s: SyscallInfo) => boolean>> = {
  file: (s) => s.args.some((a) => a.kind === "path"),
  desc: (s) => s.ret === "fd" || s.args.some((a) => a.kind === "fd" || a.kind === "dirfd"),
};
const LISTED_CLASSES: Readonly<Record<string, readonly string[]>> = {
  process: ["clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "kill", "tkill", "tgkill",
    "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"],
  network: ["socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt"],
  signal: ["rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "rt_sigreturn", "sigaltstack", "kill", "tkill", "tgkill", "pause", "signalfd", "signalfd4", "pidfd_send_signal"],
  memory: ["brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "process_madvise", "mlock", "mlock2", "munlock", "mlockall",
    "munlockall", "mincore", "msync", "remap_file_pages", "mbind", "set_mempolicy", "get_mempolicy", "migrate_pages", "move_pages",
    "pkey_mprotect", "mseal"],
  ipc: ["msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semctl", "semtimedop", "shmget", "shmat", "shmdt", "shmctl"],
  creds: ["getuid", "geteuid", "getgid", "getegid", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "getresuid",
    "getresgid", "setfsuid", "setfsgid", "getgroups", "setgroups", "capget", "capset", "prctl"],
  clock: ["clock_gettime", "clock_settime", "clock_getres", "clock_nanosleep", "clock_adjtime", "gettimeofday", "settimeofday",
    "adjtimex", "time"],
};
export const TRACE_CLASSES: readonly string[] = [...Object.keys(DERIVED_CLASSES), ...Object.keys(LISTED_CLASSES)];

/** The names of one class on one ISA. */
export function classMembers(cls: string, arch: Arch): Set<string> {
  const derived = DERIVED_CLASSES[cls];
  if (derived) return new Set(syscalls(arch).filter(derived).map((s) => s.name));
  const listed = LISTED_CLASSES[cls];
  if (!listed) throw new UsageError(`-e trace: unknown class %${cls} (known: ${TRACE_CLASSES.map((c) => "%" + c).join(", ")})`);
  const known = new Set(syscalls(arch).map((s) => s.name));
  return new Set(listed.filter((n) => known.has(n)));
}

/**
 * `-e trace=SET` as a predicate on syscall names, per strace: a comma list of names, `%class`es,
 * `/regex`, `all`, `none`; a leading `!` negates the whole set; `?name` tolerates a name this ISA lacks.
 */
export function parseTraceSet(expr: string, arch: Arch): (name: string) => boolean {
  const m = /^(?:trace=)?(!)?(.*)$/s.exec(expr)!;
  if (/^[a-z]+=/.test(expr) && !expr.startsWith("trace=")) throw new UsageError(`-e ${expr}: only trace=SET is supported`);
  const negate = m[1] === "!";
  const known = new Set(syscalls(arch).map((s) => s.name));
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  let all = false;
  for (const raw of m[2]!.split(",").filter((x) => x !== "")) {
    const tolerant = raw.startsWith("?");
    const item = tolerant ? raw.slice(1) : raw;
    if (item === "all") all = true;
    else if (item === "none") continue;
    else if (item.startsWith("%")) for (const n of classMembers(item.slice(1), arch)) names.add(n);
    else if (item.startsWith("/")) {
      try {
        patterns.push(new RegExp(item.slice(1)));
      } catch {
        throw new UsageError(`-e trace: invalid regular expression '${item.slice(1)}'`);
      }
    } else if (known.has(item)) names.add(item);
    else if (!tolerant) throw new UsageError(`-e trace: invalid system call '${item}' (not in the ${arch} table)`);
  }
  return (name) => negate !== (all || names.has(name) || patterns.some((r) => r.test(name)));
}

/** What `uabi run`'s strace options asked for. */
export interface StraceOptions {
  /** Any tracing at all (--trace, -o, -e, -c, -C, -T, -t). */
  readonly enabled: boolean;
  readonly output?: string;
  readonly expr?: string;
  /** "only": -c (table, no lines); "also": -C (lines and the table). */
  readonly summary?: "only" | "also";
  readonly times: boolean;
  /** 0: none; 1: -t; 2: -tt; 3: -ttt. */
  readonly timestamps: number;
}

export function straceOptions(args: ParsedArgs): StraceOptions {
  const timestamps = args.num("absolute-timestamps") ?? (args.bool("absolute-timestamps") ? 1 : 0);
  const summary = args.bool("summary-only") ? "only" : args.bool("summary") ? "also" : undefined;
  const o: StraceOptions = {
    enabled: args.bool("trace") || args.has("output") || args.has("expr") || summary !== undefined || args.bool("syscall-times") || timestamps > 0,
    ...(args.str("output") !== undefined ? { output: args.str("output")! } : {}),
    ...(args.str("expr") !== undefined ? { expr: args.str("expr")! } : {}),
    ...(summary ? { summary } : {}),
    times: args.bool("syscall-times"),
    timestamps: Math.min(timestamps, 3),
  };
  if (args.bool("summary-only") && args.bool("summary")) throw new UsageError("-c and -C do not go together");
  return o;
}

/** strace's `-t` clock text from virtual nanoseconds since the epoch (UTC: runs are reproducible anywhere). */
export function formatTimestamp(ns: bigint, level: number): string {
  const us = ns / 1000n;
  if (level >= 3) return `${us / 1_000_000n}.${(us % 1_000_000n).toString().padStart(6, "0")}`;
  const day = Number((us / 1_000_000n) % 86_400n);
  const hms = [Math.floor(day / 3600), Math.floor(day / 60) % 60, day % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return level === 2 ? `${hms}.${(us % 1_000_000n).toString().padStart(6, "0")}` : hms;
}

/** `-T`'s `<seconds>` with nanosecond digits: modelled costs are often below a microsecond. */
export function formatCallTime(ns: number): string {
  return `<${(ns / 1e9).toFixed(9)}>`;
}

interface SummaryRow {
  calls: number;
  errors: number;
  entries: number;
  ns: number;
  /** Per path mark: calls and modelled nanoseconds. */
  paths: Map<string, { calls: number; ns: number }>;
}

/** strace -c's table, with two more columns: kernel entries, and per path mark its calls and modelled microseconds. */
export function formatSummary(rows: ReadonlyMap<string, SummaryRow>): string {
  const dash = "------ ----------- ----------- --------- --------- ---------------- -------- -----";
  const total: SummaryRow = { calls: 0, errors: 0, entries: 0, ns: 0, paths: new Map() };
  for (const r of rows.values()) {
    total.calls += r.calls;
    total.errors += r.errors;
    total.entries += r.entries;
    total.ns += r.ns;
  }
  const line = (name: string, r: SummaryRow) => {
    const pct = total.ns > 0 ? (100 * r.ns) / total.ns : 0;
    const paths = [...r.paths].map(([m, p]) => `${m}×${p.calls} ${(p.ns / 1e3).toFixed(3)}us`).join(" ");
    return [
      pct.toFixed(2).padStart(6), (r.ns / 1e9).toFixed(6).padStart(11), (r.ns / 1000 / Math.max(r.calls, 1)).toFixed(3).padStart(11),
      String(r.calls).padStart(9), (r.errors ? String(r.errors) : "").padStart(9), name.padEnd(16), String(r.entries).padStart(8), paths,
    ].join(" ").trimEnd();
  };
  const sorted = [...rows].sort((a, b) => b[1].ns - a[1].ns || b[1].calls - a[1].calls || a[0].localeCompare(b[0]));
  return [
    "% time     seconds  usecs/call     calls    errors syscall          entries paths",
    dash,
    ...sorted.map(([n, r]) => line(n, r)),
    dash,
    line("total", total),
  ].join("\n") + "\n";
}

/** Counters the ledger charged to one syscall number of one process, last seen at a line of that call. */
type Seen = Map<string, CostCounters>;

/**
 * Wire the strace options to a kernel: returns the kernel's `trace` line sink and a function to call
 * after the run (prints the summary, closes pending lines). `write` gets every line and the table.
 */
export function attachStrace(
  kernel: Kernel, arch: Arch, o: StraceOptions, write: (text: string) => void, profile: CostProfile = DEFAULT_PROFILE,
): { line: (l: string) => void; exec: (path: string, argv: readonly string[], envCount: number) => void; end: () => void; trace: MarkedTrace } {
  const wanted = o.expr !== undefined ? parseTraceSet(o.expr, arch) : () => true;
  const seen: Seen = new Map();
  const rows = new Map<string, SummaryRow>();
  const costOf = (c: TraceCall): { ns: number; entries: number } => {
    const ledger = kernel.processes.get(c.ev.pid)?.ledger;
    const now = ledger?.bySyscall.get(c.ev.nr);
    if (!now) return { ns: 0, entries: 0 };
    const key = `${c.ev.pid}:${c.ev.nr}`;
    const d = diffCounters(now, seen.get(key) ?? zeroCounters());
    seen.set(key, { ...now });
    return { ns: predict(profile, d).totalNs, entries: d.kernelEntries };
  };
  const onCall = (c: TraceCall): string | void => {
    const name = c.ev.name;
    const { ns, entries } = costOf(c);
    // strace -c counts a call when it returns: exit and exit_group never do.
    if (o.summary && wanted(name) && name !== "exit" && name !== "exit_group") {
      let r = rows.get(name);
      if (!r) rows.set(name, (r = { calls: 0, errors: 0, entries: 0, ns: 0, paths: new Map() }));
      r.calls++;
      if (c.result !== undefined && c.result < 0 && c.result >= -4095) r.errors++;
      r.entries += entries;
      r.ns += ns;
      const p = r.paths.get(c.mark) ?? { calls: 0, ns: 0 };
      r.paths.set(c.mark, { calls: p.calls + 1, ns: p.ns + ns });
    }
    // strace -T has no time for a call that did not return (`= ?`).
    return o.times && c.result !== undefined ? formatCallTime(ns) : undefined;
  };
  const showLines = o.summary !== "only";
  const trace = new MarkedTrace(
    (l) => {
      if (showLines && (!isCallLine(l) || wanted(lineName(l)))) write(`${l}\n`);
    },
    kernel,
    { onCall, align: true, ...(o.timestamps > 0 ? { stamp: () => formatTimestamp(kernel.realtimeNs(), o.timestamps) + " " } : {}) },
  );
  return {
    line: trace.line,
    trace,
    exec: (path, argv, envCount) => {
      const p = kernel.tasks.root;
      if (!p || !wanted("execve")) return;
      let text = "";
      new Tracer((l) => (text = l)).execve(p, path, argv, envCount);
      trace.emit(text);
    },
    end: () => {
      trace.end();
      if (o.summary) write(formatSummary(rows));
    },
  };
}

const PID_PREFIX = /^\[pid \d+\] /;
const lineName = (l: string): string => l.replace(PID_PREFIX, "").replace(/^[\d:.]+ /, "").split("(", 1)[0]!;
const isCallLine = (l: string): boolean => !/^(\[pid \d+\] )?([\d:.]+ )?(---|\+\+\+)/.test(l);
