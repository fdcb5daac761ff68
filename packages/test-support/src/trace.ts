/**
 * Syscall traces "modulo addresses": parsers for the two oracles' logs (strace, qemu-user -strace)
 * and the normal form both they and the harness produce, so a kernel model's sequence can be
 * compared entry by entry with what Linux did.
 *
 * The comparison key of one syscall is `name = result`. Results are normalised so that values that
 * legitimately differ between runs or hosts compare equal: addresses returned by brk/mmap/mremap
 * become `<addr>`, process and thread ids `<pid>`, the length of the binary's path from
 * readlink("/proc/self/exe") `<len>`, and errors `-ENAME`. Arguments are kept separately, as
 * human-readable text with addresses and pids replaced, and are not part of the key.
 */
import { errnoName, errnoNumber } from "./tables.js";

export interface TraceEntry {
  name: string;
  /** Argument text (oracle-specific formatting) with addresses and pids replaced; for humans. */
  args: string;
  /** Normalised result, see {@link normaliseResult}. */
  result: string;
}

export interface ParsedTrace {
  entries: TraceEntry[];
  /** Signals the oracle saw delivered, by name (e.g. `SIGSEGV`), in order. */
  signals: string[];
  /** Lines neither parser rule understood (interleaved threads in qemu's log, mostly). */
  unparsed: string[];
}

/** Syscalls whose success value is an address. */
const ADDRESS_RESULT = new Set(["brk", "mmap", "mremap", "shmat"]);
/** Syscalls whose success value is a process or thread id. */
const ID_RESULT = new Set(["getpid", "gettid", "getppid", "set_tid_address", "clone", "clone3", "fork", "vfork", "getpgid", "getsid", "setsid"]);
/** Syscalls whose success value depends on where the fixture lives (the path of /proc/self/exe). */
const PATH_LENGTH_RESULT = new Set(["readlink", "readlinkat"]);

/**
 * The normal form of a raw syscall return value (the register value, as a signed 64-bit number).
 * `-4095..-1` are errors (the kernel's IS_ERR_VALUE range).
 */
export function normaliseValue(name: string, value: bigint): string {
  if (value < 0n && value >= -4095n) return `-${errnoName(Number(-value))}`;
  if (name === "rt_sigreturn") return "<sigreturn>";
  if (ADDRESS_RESULT.has(name)) return "<addr>";
  if (ID_RESULT.has(name) && value > 0n) return "<pid>";
  if (PATH_LENGTH_RESULT.has(name) && value >= 0n) return "<len>";
  return value.toString();
}

/**
 * The normal form of a result as an oracle printed it: strace (`0`, `-1 ENOENT (No such file...)`,
 * `0x4a3000`, `?`, `0x1 (flags O_WRONLY)`) or qemu (`-1 errno=38 (Function not implemented)`,
 * `0x0000000000498000`).
 */
export function normaliseResult(name: string, raw: string): string {
  const text = raw.trim();
  if (text === "" || text.startsWith("?")) return "?";
  if (name === "rt_sigreturn") return "<sigreturn>";
  const strErr = /^-1 (E[A-Z0-9]+)\b/.exec(text);
  if (strErr) return `-${strErr[1]}`;
  const qemuErr = /^-1 errno=(\d+)/.exec(text);
  if (qemuErr) return `-${errnoName(Number(qemuErr[1]))}`;
  const num = /^(-?)(0x[0-9a-fA-F]+|0[0-7]+\b|\d+)/.exec(text);
  if (!num) return text;
  const neg = num[1] === "-";
  const token = num[2]!;
  // strace prints umask's result in octal with a leading 0 (`= 022`).
  const mag = /^0[0-7]+$/.test(token) ? BigInt(`0o${token.slice(1)}`) : BigInt(token);
  return normaliseValue(name, neg ? -mag : mag);
}

/**
 * Replace what varies between runs in argument text: addresses (hex ≥ 0x10000), the traced pid,
 * long decimal values (qemu's unused argument registers), getrandom's bytes, sysinfo's contents.
 */
export function normaliseArgs(name: string, args: string, pid?: string): string {
  let out = args.replace(/0x[0-9a-fA-F]+/g, (h) => (BigInt(h) >= 0x10000n ? "<addr>" : h));
  if (pid) out = out.replace(new RegExp(`\\b${pid}\\b`, "g"), "<pid>");
  // qemu prints all six argument registers, unused ones included: long values there are noise.
  out = out.replace(/(^|[^\w<])-?\d{10,}\b/g, "$1<n>");
  if (name === "getrandom") out = out.replace(/^"[^"]*"(\.\.\.)?/, "<random>");
  if (name === "sysinfo") out = out.replace(/^\{.*\}$/, "<struct>");
  if (PATH_LENGTH_RESULT.has(name)) out = out.replace(/"[^"]*"(\.\.\.)?(?=, \d+$)/, "<path>");
  return out;
}

/** `name = result`: the comparison key of one syscall. */
export function traceKey(e: Pick<TraceEntry, "name" | "result">): string {
  return `${e.name} = ${e.result}`;
}

const STRACE_CALL = /^(\w+)\((.*)\)\s+= (.*)$/s;
const STRACE_UNFINISHED = /^(\w+)\((.*) <unfinished \.\.\.>$/;
const STRACE_RESUMED = /^<\.\.\. (\w+) resumed>(.*)$/;
const SIGNAL_LINE = /^--- (SIG[A-Z0-9]+) /;

/**
 * Parse `strace -f -qq -o FILE` output. Lines carry a pid prefix with -f; a call split by another
 * thread (`<unfinished ...>` / `<... name resumed>`) is joined back. The initial execve is dropped:
 * a loaded image never issues it.
 */
export function parseStraceLog(text: string): ParsedTrace {
  const entries: TraceEntry[] = [];
  const signals: string[] = [];
  const unparsed: string[] = [];
  const pending = new Map<string, { name: string; args: string }>();
  let pids = new Set<string>();
  let sawExecve = false;
  for (const rawLine of text.split("\n")) {
    if (rawLine.trim() === "") continue;
    const m = /^(\d+)\s+(.*)$/.exec(rawLine);
    const pid = m ? m[1]! : "";
    const line = m ? m[2]! : rawLine;
    if (pid) pids.add(pid);
    const sig = SIGNAL_LINE.exec(line);
    if (sig) {
      signals.push(sig[1]!);
      continue;
    }
    if (line.startsWith("+++")) continue;
    let name: string, args: string, result: string;
    const unfinished = STRACE_UNFINISHED.exec(line);
    if (unfinished) {
      pending.set(pid, { name: unfinished[1]!, args: unfinished[2]! });
      continue;
    }
    const resumed = STRACE_RESUMED.exec(line);
    if (resumed) {
      const start = pending.get(pid);
      pending.delete(pid);
      const tail = /^(.*)\)\s+= (.*)$/s.exec(resumed[2]!);
      if (!start || !tail) {
        unparsed.push(rawLine);
        continue;
      }
      name = start.name;
      args = start.args + tail[1]!;
      result = tail[2]!;
    } else {
      const call = STRACE_CALL.exec(line);
      if (!call) {
        unparsed.push(rawLine);
        continue;
      }
      [, name, args, result] = call as unknown as [string, string, string, string];
    }
    if (name === "execve" && !sawExecve) {
      sawExecve = true;
      pids = new Set([pid]);
      continue;
    }
    const pidRe = [...pids].filter(Boolean).join("|");
    entries.push({ name, args: normaliseArgs(name, args, pidRe ? `(?:${pidRe})` : undefined), result: normaliseResult(name, result) });
  }
  return { entries, signals, unparsed };
}

const QEMU_CALL = /^(\d+) (\w+)\((.*)\) = (.*)$/s;
const QEMU_NORETURN = /^(\d+) (\w+)\((.*)\)$/s;
const QEMU_UNKNOWN = /^(\d+) Unknown syscall (\d+)$/;

/**
 * Parse `qemu-<arch> -strace -D FILE` output. qemu prints `pid name(args) = result`, omits the
 * result of calls that do not return (exit_group), and prints `Unknown syscall N` for numbers it does
 * not implement, which it then answers with -ENOSYS (linux-user/syscall.c, do_syscall1 default case).
 */
export function parseQemuLog(text: string, nameOf: (nr: number) => string): ParsedTrace {
  const entries: TraceEntry[] = [];
  const signals: string[] = [];
  const unparsed: string[] = [];
  const pids = new Set<string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const sig = SIGNAL_LINE.exec(line);
    if (sig) {
      signals.push(sig[1]!);
      continue;
    }
    const unknown = QEMU_UNKNOWN.exec(line);
    if (unknown) {
      const name = nameOf(Number(unknown[2]));
      entries.push({ name, args: "", result: `-${errnoName(errnoNumber("ENOSYS")!)}` });
      continue;
    }
    const call = QEMU_CALL.exec(line) ?? QEMU_NORETURN.exec(line);
    if (!call) {
      unparsed.push(line);
      continue;
    }
    const [, pid, name, args, result] = call as unknown as [string, string, string, string, string | undefined];
    pids.add(pid);
    const pidRe = `(?:${[...pids].join("|")})`;
    entries.push({ name, args: normaliseArgs(name, args, pidRe), result: result === undefined ? "?" : normaliseResult(name, result) });
  }
  return { entries, signals, unparsed };
}
