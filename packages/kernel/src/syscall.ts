/**
 * The syscall table as data and the context handlers run in.
 *
 * Handlers are written once, by name; the per-ISA table maps @uabi/uapi's
 * numbering onto them, keeping uapi's strace-style argument formats in the
 * same row. Guest memory is reached only through the checked copy helpers
 * below, which answer EFAULT (never a host exception).
 */
import { GuestMemoryFault, MAX_GUEST_ADDRESS } from "@uabi/isa-core";
import { syscalls, type SyscallInfo } from "@uabi/uapi";
import type { Arch } from "@uabi/isa-core";
import { SyscallError } from "./errors.js";
import { EFAULT, ENAMETOOLONG } from "./errno.js";
import type { KernelServices } from "./services.js";
import type { Process, Thread, Wait } from "./task.js";

/** The handler took over the result register (exit, sigreturn, execve success). */
export const NO_RETURN = Symbol("no-return");
export interface Blocked {
  block: Wait;
}
export type HandlerResult = number | Blocked | typeof NO_RETURN;
export type Handler = (c: SyscallContext) => HandlerResult;

export interface SyscallRow {
  nr: number;
  name: string;
  info: SyscallInfo;
  handler: Handler | undefined;
}

export class SyscallContext {
  nr = 0;
  name = "";
  readonly args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  pc = 0;
  constructor(
    readonly kernel: KernelServices,
    public thread: Thread,
  ) {}
  get proc(): Process {
    return this.thread.proc;
  }
  get mem() {
    return this.thread.proc.mm.mem;
  }
  // ---- argument views (Linux truncates int arguments to 32 bits)
  int(i: number): number {
    return Number(BigInt.asIntN(32, this.args[i]!));
  }
  uint(i: number): number {
    return Number(BigInt.asUintN(32, this.args[i]!));
  }
  long(i: number): number {
    return Number(BigInt.asIntN(64, this.args[i]!));
  }
  ulong(i: number): number {
    return Number(BigInt.asUintN(64, this.args[i]!));
  }
  big(i: number): bigint {
    return BigInt.asUintN(64, this.args[i]!);
  }
  /** A user pointer; values beyond the address space stay huge so the copy helpers answer EFAULT. */
  ptr(i: number): number {
    return this.ulong(i);
  }
  // ---- checked copies
  private check(addr: number, len: number): void {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr + len > MAX_GUEST_ADDRESS || addr + len > this.proc.arch.taskSize) throw new SyscallError(EFAULT);
  }
  read(addr: number, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    this.check(addr, len);
    try {
      return this.mem.readBytes(addr, len);
    } catch (e) {
      if (e instanceof GuestMemoryFault) throw new SyscallError(EFAULT);
      throw e;
    }
  }
  write(addr: number, data: Uint8Array): void {
    if (data.length === 0) return;
    this.check(addr, data.length);
    try {
      this.mem.writeBytes(addr, data);
    } catch (e) {
      if (e instanceof GuestMemoryFault) throw new SyscallError(EFAULT);
      throw e;
    }
  }
  /**
   * How many bytes from `addr` (at most `len`) are accessible for `access` — the part of a user
   * buffer a copy can reach before faulting. Computed from the mappings, so a bogus length never
   * makes the host allocate more than the guest has mapped.
   */
  accessiblePrefix(addr: number, len: number, access: "read" | "write"): number {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr >= this.proc.arch.taskSize) return 0;
    const need = access === "read" ? 1 : 2;
    let cur = addr;
    const end = Math.min(addr + len, this.proc.arch.taskSize);
    while (cur < end) {
      const r = this.mem.findRegion(cur);
      if (!r || (r.perm & need) === 0) break;
      cur = r.end;
    }
    return Math.min(cur, end) - addr;
  }
  readU32(addr: number): number {
    const b = this.read(addr, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  readU64(addr: number): bigint {
    return new DataView(this.read(addr, 8).buffer).getBigUint64(0, true);
  }
  readI64(addr: number): bigint {
    return new DataView(this.read(addr, 8).buffer).getBigInt64(0, true);
  }
  writeU32(addr: number, x: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, x >>> 0, true);
    this.write(addr, b);
  }
  writeI32(addr: number, x: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, x, true);
    this.write(addr, b);
  }
  writeU64(addr: number, x: bigint | number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(x)), true);
    this.write(addr, b);
  }
  /** A NUL-terminated string of at most `max` bytes including the NUL (ENAMETOOLONG beyond, EFAULT on a bad page). */
  readString(addr: number, max = 4096): string {
    this.check(addr, 1);
    const out: number[] = [];
    try {
      for (let i = 0; i < max; i++) {
        const c = this.mem.read8(addr + i);
        if (c === 0) return latin1(out);
        out.push(c);
      }
    } catch (e) {
      if (e instanceof GuestMemoryFault) throw new SyscallError(EFAULT);
      throw e;
    }
    throw new SyscallError(ENAMETOOLONG);
  }
  /** A path argument: latin1-decoded bytes so that any byte sequence round-trips. */
  readPath(addr: number): string {
    return this.readString(addr, 4096);
  }
  /** Read a timespec {tv_sec i64, tv_nsec i64}. */
  readTimespec(addr: number): { sec: bigint; nsec: bigint } {
    const b = new DataView(this.read(addr, 16).buffer);
    return { sec: b.getBigInt64(0, true), nsec: b.getBigInt64(8, true) };
  }
  writeTimespec(addr: number, ns: bigint): void {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigInt64(0, ns / 1_000_000_000n, true);
    v.setBigInt64(8, ns % 1_000_000_000n, true);
    this.write(addr, b);
  }
}

/** Build the per-ISA table: every uapi row, with the handler of the same name when one exists. */
export function buildTable(arch: Arch, handlers: Readonly<Record<string, Handler>>): SyscallRow[] {
  const rows: SyscallRow[] = [];
  for (const info of syscalls(arch)) {
    rows[info.nr] = { nr: info.nr, name: info.name, info, handler: info.ni ? undefined : handlers[info.name] };
  }
  return rows;
}

/** Bytes to a string one char per byte (paths round-trip exactly). */
export function latin1(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + 4096));
  return s;
}
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
