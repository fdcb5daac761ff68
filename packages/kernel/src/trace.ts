/**
 * strace-format tracing: one line per syscall with decoded arguments
 * (strings, buffers, flags and enums from @uabi/uapi's tables), the result
 * with its errno name, and signal / exit lines (`--- SIGSEGV {...} ---`,
 * `+++ exited with 0 +++`). This is the base of `uabi run --trace` and of the
 * oracle comparisons.
 */
import { enumTable, errnoMessage, errnoName, flagTable, formatEnum, formatFlags, signalName, type ArgSpec, type SyscallInfo } from "@uabi/uapi";
import type { Process } from "./task.js";
import type { SigInfo } from "./signal.js";

const MAX_STR = 32;

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
  try {
    const out: number[] = [];
    for (let i = 0; i < max; i++) {
      const c = mem.read8(addr + i);
      if (c === 0) return { bytes: Uint8Array.from(out), more: false };
      out.push(c);
    }
    return { bytes: Uint8Array.from(out.slice(0, MAX_STR)), more: true };
  } catch {
    return undefined;
  }
}

const hex = (v: bigint) => "0x" + v.toString(16);

export class Tracer {
  constructor(private readonly out: (line: string) => void) {}

  syscall(prefix: string, p: Process, info: SyscallInfo | undefined, name: string, args: readonly bigint[], result: number | "noreturn" | "restart"): void {
    const mem = p.mm.mem as unknown as Mem;
    let specs = info?.args ?? args.slice(0, 6).map((_, i) => ({ name: `arg${i}`, kind: "hex" }) as ArgSpec);
    // strace prints open's mode only when O_CREAT or O_TMPFILE makes it meaningful.
    const flagsIdx = name === "openat" ? 2 : name === "open" ? 1 : -1;
    if (flagsIdx >= 0 && !(Number(BigInt.asUintN(32, args[flagsIdx] ?? 0n)) & (0o100 | 0o20000000))) specs = specs.slice(0, flagsIdx + 1);
    const parts = specs.map((s, i) => {
      try {
        return this.arg(p, mem, s, args, i, result);
      } catch {
        return hex(BigInt.asUintN(64, args[i] ?? 0n));
      }
    });
    let ret: string;
    if (result === "noreturn") ret = "?";
    else if (result === "restart") ret = "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
    else if (result < 0 && result >= -4095) ret = `-1 ${errnoName(-result) ?? "E" + -result} (${errnoMessage(-result)})`;
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
      case "ptr": case "struct": case "sigset":
        return raw === 0n ? "NULL" : hex(raw);
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
        const r = readStr(mem, addr);
        return r ? quote(r.bytes, MAX_STR, r.more) : hex(raw);
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

  signal(prefix: string, si: SigInfo): void {
    const name = signalName(si.signo) ?? String(si.signo);
    const fields = [`si_signo=${name}`, `si_code=${si.code}`];
    if (si.addr !== undefined) fields.push(`si_addr=${si.addr === 0 ? "NULL" : "0x" + si.addr.toString(16)}`);
    if (si.pid !== undefined) fields.push(`si_pid=${si.pid}`, `si_uid=${si.uid ?? 0}`);
    this.out(`${prefix}--- ${name} {${fields.join(", ")}} ---`);
  }

  exit(p: Process, e: { code?: number; signal?: number; core?: boolean }, multi: boolean): void {
    const prefix = multi ? `[pid ${p.pid}] ` : "";
    if (e.signal !== undefined) this.out(`${prefix}+++ killed by ${signalName(e.signal) ?? e.signal}${e.core ? " (core dumped)" : ""} +++`);
    else this.out(`${prefix}+++ exited with ${e.code ?? 0} +++`);
  }
}
