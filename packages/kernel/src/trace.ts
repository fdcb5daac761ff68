/**
 * strace-format tracing: one line per syscall with decoded arguments
 * (strings, buffers, flags and enums from @uabi/uapi's tables), the result
 * with its errno name, and signal / exit lines (`--- SIGSEGV {...} ---`,
 * `+++ exited with 0 +++`). This is the base of `uabi run --trace` and of the
 * oracle comparisons.
 */
import { PERSONALITY_FLAGS, RLIMIT, enumTable, errnoMessage, errnoName, flagTable, formatEnum, formatFlags, signalName, type ArgSpec, type SyscallInfo } from "@uabi/uapi";
import type { Process } from "./task.js";
import type { SigInfo } from "./signal.js";

const MAX_STR = 32;
const PATH_MAX = 4096;
/** strace's default limit on array elements shown (-s applies to strings, this to argv). */
const MAX_ARGS = 32;

/** strace's quoting: printable ASCII as is, C escapes, octal for the rest. */
export function quote(bytes: Uint8Array, max = MAX_STR, truncatedHint = false): string {
  let s = '"';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    const next = i + 1 < n ? bytes[i + 1]! : -1;
    switch (c) {
      case 0x22: s += '\\"'; break;
      case 0x5c: s += "\\\\"; break;
      case 0x0a: s += "\\n"; break;
      case 0x09: s += "\\t"; break;
      case 0x0d: s += "\\r"; break;
      case 0x0b: s += "\\v"; break;
      case 0x0c: s += "\\f"; break;
      default:
        if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
        else s += "\\" + (next >= 0x30 && next <= 0x37 ? c.toString(8).padStart(3, "0") : c.toString(8));
    }
  }
  s += '"';
  if (bytes.length > max || truncatedHint) s += "...";
  return s;
}

type Mem = { readBytes(a: number, n: number): Uint8Array; read8(a: number): number; read64(a: number): bigint };

function readStr(mem: Mem, addr: number, max = MAX_STR + 1): { bytes: Uint8Array; more: boolean } | undefined {
  const keep = max - 1;
  try {
    const out: number[] = [];
    for (let i = 0; i < max; i++) {
      const c = mem.read8(addr + i);
      if (c === 0) return { bytes: Uint8Array.from(out), more: false };
      out.push(c);
    }
    return { bytes: Uint8Array.from(out.slice(0, keep)), more: true };
  } catch {
    return undefined;
  }
}

const hex = (v: bigint) => "0x" + v.toString(16);

const SIG_SHORT = (n: number) => (signalName(n) ?? String(n)).replace(/^SIG/, "");

/** strace's sigset notation: `[USR1 TERM]`, `[]`. */
export function formatSigset(mask: bigint): string {
  const names: string[] = [];
  for (let i = 1; i <= 64; i++) if (mask & (1n << BigInt(i - 1))) names.push(SIG_SHORT(i));
  return `[${names.join(" ")}]`;
}

const S_TYPES: Record<number, string> = { 0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o060000: "S_IFBLK", 0o040000: "S_IFDIR", 0o020000: "S_IFCHR", 0o010000: "S_IFIFO" };
const SA_FLAG_NAMES: [number, string][] = [[0x04000000, "SA_RESTORER"], [0x08000000, "SA_ONSTACK"], [0x10000000, "SA_RESTART"], [0x40000000, "SA_NODEFER"], [0x80000000, "SA_RESETHAND"], [4, "SA_SIGINFO"], [1, "SA_NOCLDSTOP"], [2, "SA_NOCLDWAIT"]];

function rlim(v: bigint): string {
  if (v === (1n << 64n) - 1n) return "RLIM64_INFINITY";
  return v > 0n && v % 1024n === 0n ? `${v / 1024n}*1024` : v.toString();
}

/** The few structs strace decodes that matter for reading a trace; others print as their address. */
function formatStruct(p: Process, mem: Mem, name: string, addr: number): string | undefined {
  const b = mem.readBytes(addr, name === "new_utsname" || name === "utsname" ? 390 : 144);
  const v = new DataView(b.buffer);
  const u64 = (o: number) => v.getBigUint64(o, true);
  switch (name) {
    case "stat": {
      const x86 = p.arch.arch === "x86_64";
      const mode = v.getUint32(x86 ? 24 : 16, true);
      const type = S_TYPES[mode & 0o170000] ?? "0";
      const rdev = Number(u64(x86 ? 40 : 32));
      const m = `st_mode=${type}|0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
      if ((mode & 0o170000) === 0o020000) return `{${m}, st_rdev=makedev(0x${(rdev >> 8).toString(16)}, 0x${(rdev & 0xff).toString(16)}), ...}`;
      return `{${m}, st_size=${v.getBigInt64(48, true)}, ...}`;
    }
    case "rlimit": case "rlimit64":
      return `{rlim_cur=${rlim(u64(0))}, rlim_max=${rlim(u64(8))}}`;
    case "timespec": case "__kernel_timespec":
      return `{tv_sec=${v.getBigInt64(0, true)}, tv_nsec=${v.getBigInt64(8, true)}}`;
    case "kernel_sigaction": case "sigaction": {
      const h = u64(0);
      const flags = Number(u64(8) & 0xffffffffn);
      const fl = SA_FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);
      const rest = flags & ~SA_FLAG_NAMES.reduce((a, [bit]) => a | bit, 0);
      if (rest) fl.push("0x" + (rest >>> 0).toString(16));
      const hs = h === 0n ? "SIG_DFL" : h === 1n ? "SIG_IGN" : hex(h);
      return `{sa_handler=${hs}, sa_mask=${formatSigset(u64(24))}, sa_flags=${fl.join("|") || "0"}${flags & 0x04000000 ? `, sa_restorer=${hex(u64(16))}` : ""}}`;
    }
    case "stack_t":
      return `{ss_sp=${u64(0) === 0n ? "NULL" : hex(u64(0))}, ss_flags=${v.getInt32(8, true)}, ss_size=${u64(16)}}`;
    case "new_utsname": case "utsname": {
      const f = (i: number) => quote(b.subarray(65 * i, 65 * i + Math.max(0, b.subarray(65 * i, 65 * i + 65).indexOf(0))));
      return `{sysname=${f(0)}, nodename=${f(1)}, ...}`;
    }
    default:
      return undefined;
  }
}

/** `wait4`'s status word as strace decodes it (WIFEXITED / WIFSIGNALED / WIFSTOPPED / WIFCONTINUED). */
export function formatWaitStatus(status: number): string {
  const sig = status & 0x7f;
  const name = (n: number) => signalName(n) ?? String(n);
  if (sig === 0) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(status >> 8) & 0xff}}]`;
  if (status === 0xffff) return "[{WIFCONTINUED(s)}]";
  if (sig === 0x7f) {
    const stop = (status >> 8) & 0xff;
    const event = status >> 16;
    return `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${name(stop)}}${event ? ` | PTRACE_EVENT_${event} << 16` : ""}]`;
  }
  return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${name(sig)}${status & 0x80 ? " && WCOREDUMP(s)" : ""}}]`;
}

/** strace's lowercase hex quoting of every byte, for buffers it always shows as bytes (getrandom). */
function quoteHex(bytes: Uint8Array, max = MAX_STR, more = false): string {
  let s = '"';
  for (const b of bytes.subarray(0, max)) s += "\\x" + b.toString(16).padStart(2, "0");
  return s + '"' + (bytes.length > max || more ? "..." : "");
}

const PER_NAMES: Readonly<Record<number, string>> = { 0: "PER_LINUX", 6: "PER_BSD", 8: "PER_LINUX32" };

/** strace's persona text: the PER_* type in the low byte, then the flag bits (`PER_LINUX|ADDR_NO_RANDOMIZE`). */
export function formatPersonality(v: number): string {
  const flags = Object.entries(PERSONALITY_FLAGS).filter(([, bit]) => v & bit).map(([n]) => n);
  const rest = v & 0xffffff00 & ~Object.values(PERSONALITY_FLAGS).reduce((a, b) => a | b, 0);
  if (rest) flags.push(hex(BigInt(rest >>> 0)));
  return [PER_NAMES[v & 0xff] ?? hex(BigInt(v & 0xff)), ...flags].join("|");
}

interface ArgContext {
  p: Process;
  mem: Mem;
  args: readonly bigint[];
  result: number | "noreturn" | "restart";
}

/**
 * Where strace's own decoder prints an argument differently from the generic rule for its kind
 * (syscall name → argument index → formatter). One table, so each exception is visible.
 */
const ARG_OVERRIDES: Readonly<Record<string, Readonly<Record<number, (c: ArgContext, raw: bigint) => string>>>> = {
  // brk's argument is an address: NULL for 0 (the generic "hex" prints 0x0).
  brk: { 0: (_c, raw) => (raw === 0n ? "NULL" : hex(raw)) },
  // strace prints rseq_len in hex.
  rseq: { 1: (_c, raw) => hex(BigInt.asUintN(32, raw)) },
  // getrandom's buffer is random bytes: every byte hex-escaped.
  getrandom: {
    0: (c, raw) => {
      if (raw === 0n) return "NULL";
      if (typeof c.result !== "number" || c.result < 0) return hex(raw);
      return quoteHex(c.mem.readBytes(Number(raw), Math.min(c.result, MAX_STR)), MAX_STR, c.result > MAX_STR);
    },
  },
  // personality: the query value as hex, otherwise the persona.
  personality: { 0: (_c, raw) => (BigInt.asUintN(32, raw) === 0xffffffffn ? "0xffffffff" : formatPersonality(Number(BigInt.asUintN(32, raw)))) },
  // get_robust_list writes the head pointer and the length through its pointers: strace shows both values.
  get_robust_list: {
    1: (c, raw) => (typeof c.result === "number" && c.result === 0 && raw !== 0n ? `[${hex(c.mem.read64(Number(raw)))}]` : raw === 0n ? "NULL" : hex(raw)),
    2: (c, raw) => (typeof c.result === "number" && c.result === 0 && raw !== 0n ? `[${c.mem.read64(Number(raw))}]` : raw === 0n ? "NULL" : hex(raw)),
  },
  // wait4's status: decoded when the call reaped a child and the pointer is set.
  wait4: {
    1: (c, raw) => {
      if (raw === 0n) return "NULL";
      if (typeof c.result !== "number" || c.result <= 0) return hex(raw);
      return formatWaitStatus(c.mem.readBytes(Number(raw), 4).reduce((a, b, i) => a | (b << (8 * i)), 0));
    },
  },
};

const SI_GENERIC: Record<number, string> = { 0: "SI_USER", 0x80: "SI_KERNEL", [-1]: "SI_QUEUE", [-2]: "SI_TIMER", [-6]: "SI_TKILL" };
const SI_BY_SIGNAL: Record<number, Record<number, string>> = {
  4: { 1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 5: "ILL_PRVOPC" },
  5: { 1: "TRAP_BRKPT", 2: "TRAP_TRACE" },
  7: { 1: "BUS_ADRALN", 2: "BUS_ADRERR" },
  8: { 1: "FPE_INTDIV", 2: "FPE_INTOVF" },
  11: { 1: "SEGV_MAPERR", 2: "SEGV_ACCERR" },
  17: { 1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED" },
  31: { 1: "SYS_SECCOMP", 2: "SYS_USER_DISPATCH" },
};
function siCodeName(sig: number, code: number): string {
  return (code > 0 && code < 0x80 ? SI_BY_SIGNAL[sig]?.[code] : SI_GENERIC[code]) ?? String(code);
}

export class Tracer {
  constructor(private readonly out: (line: string) => void) {}

  syscall(prefix: string, p: Process, info: SyscallInfo | undefined, name: string, args: readonly bigint[], result: number | "noreturn" | "restart"): void {
    const mem = p.mm.mem as unknown as Mem;
    let specs = info?.args ?? args.slice(0, 6).map((_, i) => ({ name: `arg${i}`, kind: "hex" }) as ArgSpec);
    // strace prints open's mode only when O_CREAT or O_TMPFILE makes it meaningful.
    const flagsIdx = name === "openat" ? 2 : name === "open" ? 1 : -1;
    if (flagsIdx >= 0 && !(Number(BigInt.asUintN(32, args[flagsIdx] ?? 0n)) & (0o100 | 0o20000000))) specs = specs.slice(0, flagsIdx + 1);
    const overrides = ARG_OVERRIDES[name];
    const parts = specs.map((s, i) => {
      try {
        const o = overrides?.[i];
        if (o) return o({ p, mem, args, result }, BigInt.asUintN(64, args[i] ?? 0n));
        return this.arg(p, mem, s, args, i, result);
      } catch {
        return hex(BigInt.asUintN(64, args[i] ?? 0n));
      }
    });
    // rt_sigreturn's argument is the frame: strace shows the mask it restores (the thread's mask on return).
    if (name === "rt_sigreturn" && typeof result === "number") {
      const tid = /^\[pid (\d+)\] /.exec(prefix)?.[1];
      const t = tid !== undefined ? p.threads.find((x) => x.tid === Number(tid)) : p.threads[0];
      if (t) parts.splice(0, parts.length, `{mask=${formatSigset(t.sigmask)}}`);
    }
    let ret: string;
    if (result === "noreturn") ret = "?";
    else if (result === "restart") ret = "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
    else if (result < 0 && result >= -4095) ret = `-1 ${errnoName(-result) ?? "E" + -result} (${errnoMessage(-result)})`;
    else if (name === "personality") ret = `${result === 0 ? "0" : hex(BigInt(result))} (${formatPersonality(result)})`;
    else if (info && (info.ret === "hex" || ["mmap", "brk", "mremap"].includes(name))) ret = hex(BigInt(result));
    else ret = String(result);
    this.out(`${prefix}${name}(${parts.join(", ")}) = ${ret}`);
  }

  private arg(p: Process, mem: Mem, s: ArgSpec, args: readonly bigint[], i: number, result: number | string): string {
    const raw = BigInt.asUintN(64, args[i] ?? 0n);
    const s32 = Number(BigInt.asIntN(32, raw));
    const addr = Number(raw);
    const failed = typeof result === "number" && result < 0;
    switch (s.kind) {
      case "int": case "pid": case "uid": case "gid": case "fd":
        return String(s32);
      case "dirfd":
        return s32 === -100 ? "AT_FDCWD" : String(s32);
      case "uint":
        return String(Number(BigInt.asUintN(32, raw)));
      case "long": case "off":
        return BigInt.asIntN(64, raw).toString();
      case "ulong": case "size":
        return raw.toString();
      case "hex":
        return hex(raw);
      case "ptr":
        return raw === 0n ? "NULL" : hex(raw);
      case "struct": case "sigset": {
        if (raw === 0n) return "NULL";
        if (s.out && (failed || typeof result !== "number")) return hex(raw);
        const text = s.kind === "sigset" ? formatSigset(mem.read64(addr)) : formatStruct(p, mem, s.struct ?? "", addr);
        return text ?? hex(raw);
      }
      case "mode":
        return "0" + Number(raw & 0o7777n).toString(8).padStart(3, "0");
      case "signal":
        return signalName(s32) ?? String(s32);
      case "path": case "string": {
        if (raw === 0n) return "NULL";
        if (s.out) {
          if (failed) return hex(raw);
          const n = typeof result === "number" ? result : 0;
          const b = mem.readBytes(addr, Math.min(n, MAX_STR));
          return quote(b, MAX_STR, n > MAX_STR);
        }
        // strace prints a path in full (up to PATH_MAX), other strings up to its -s limit.
        const max = s.kind === "path" ? PATH_MAX : MAX_STR;
        const r = readStr(mem, addr, max + 1);
        return r ? quote(r.bytes, max, r.more) : hex(raw);
      }
      case "buf": {
        if (raw === 0n) return "NULL";
        if (s.out && failed) return hex(raw);
        const len = s.out && typeof result === "number" ? result : Number(BigInt.asUintN(64, args[s.len ?? 2] ?? 0n));
        const b = mem.readBytes(addr, Math.min(len, MAX_STR));
        return quote(b, MAX_STR, len > MAX_STR);
      }
      case "iovec": {
        if (raw === 0n) return "NULL";
        const cnt = Math.min(Number(BigInt.asUintN(64, args[s.len ?? 2] ?? 0n)), 8);
        const items: string[] = [];
        let left = typeof result === "number" && s.out ? Math.max(result, 0) : Infinity;
        for (let k = 0; k < cnt; k++) {
          const base = Number(mem.read64(addr + 16 * k));
          const len = Number(mem.read64(addr + 16 * k + 8));
          const show = Math.min(len, left);
          left -= show;
          items.push(`{iov_base=${quote(mem.readBytes(base, Math.min(show, MAX_STR)), MAX_STR, show > MAX_STR)}, iov_len=${len}}`);
        }
        return `[${items.join(", ")}]`;
      }
      case "strarray": {
        if (raw === 0n) return "NULL";
        const items: string[] = [];
        for (let k = 0; k < 32; k++) {
          const a = Number(mem.read64(addr + 8 * k));
          if (a === 0) break;
          const r = readStr(mem, a);
          items.push(r ? quote(r.bytes, MAX_STR, r.more) : hex(BigInt(a)));
        }
        return `[${items.join(", ")}]`;
      }
      case "flags": {
        const t = s.table ? flagTable(p.arch.arch, s.table) : undefined;
        return t ? formatFlags(t, raw) : hex(raw);
      }
      case "enum": {
        const t = s.table ? enumTable(s.table) : undefined;
        return t ? formatEnum(t, s32 >>> 0 === Number(raw) ? s32 : raw) : String(raw);
      }
    }
    return hex(raw);
  }

  /**
   * The line strace prints first, for the execve that started the program: its path, argv and the
   * address of envp on the new stack with the variable count, as strace shows them.
   */
  execve(p: Process, path: string, argv: readonly string[], envCount: number): void {
    const enc = new TextEncoder();
    const q = (x: string) => {
      const b = enc.encode(x);
      return quote(b.subarray(0, MAX_STR), MAX_STR, b.length > MAX_STR);
    };
    const sp = p.threads[0]?.cpu.sp;
    // The initial stack: argc, argv[0..argc-1], NULL, then envp.
    const envp = sp === undefined ? "?" : hex(sp + 8n * BigInt(argv.length + 2));
    const more = argv.length > MAX_ARGS ? ", ..." : "";
    this.out(`execve(${quote(enc.encode(path), PATH_MAX)}, [${argv.slice(0, MAX_ARGS).map(q).join(", ")}${more}], ${envp} /* ${envCount} var${envCount === 1 ? "" : "s"} */) = 0`);
  }

  signal(prefix: string, si: SigInfo): void {
    const name = signalName(si.signo) ?? String(si.signo);
    const fields = [`si_signo=${name}`, `si_code=${siCodeName(si.signo, si.code)}`];
    if (si.addr !== undefined) fields.push(`si_addr=${si.addr === 0 ? "NULL" : "0x" + si.addr.toString(16)}`);
    if (si.pid !== undefined) fields.push(`si_pid=${si.pid}`, `si_uid=${si.uid ?? 0}`);
    this.out(`${prefix}--- ${name} {${fields.join(", ")}} ---`);
  }

  exit(p: Process, e: { code?: number; signal?: number; core?: boolean }, multi: boolean): void {
    const prefix = multi ? `[pid ${p.pid}] ` : "";
    // A core is written only when RLIMIT_CORE allows one (0 by default, as on most distributions), and
    // strace says "(core dumped)" only when WCOREDUMP is set.
    const dumped = e.core === true && (p.rlimits[RLIMIT.CORE]?.[0] ?? 0n) > 0n;
    if (e.signal !== undefined) this.out(`${prefix}+++ killed by ${signalName(e.signal) ?? e.signal}${dumped ? " (core dumped)" : ""} +++`);
    else this.out(`${prefix}+++ exited with ${e.code ?? 0} +++`);
  }
}
