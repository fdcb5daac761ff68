/**
 * Drive syscall handlers from the host: boots a process that never runs, maps a scratch area, and
 * dispatches table rows by name with arguments (strings are copied into the scratch area).
 */
import { A64Assembler, x } from "@uabi/isa-arm64";
import { X86Assembler } from "@uabi/isa-x86";
import { Kernel, SyscallContext, type KernelOptions, type Process, type SyscallEvent, type Thread } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

export const SCRATCH = 0x10000000;

export class HostSys {
  readonly k: Kernel;
  readonly p: Process;
  readonly t: Thread;
  private cursor = SCRATCH;
  constructor(machine: "arm64" | "x86_64" = "x86_64", opts: KernelOptions = {}) {
    const code = machine === "arm64" ? new A64Assembler().mov(x(8), 94).svc(0).finish() : new X86Assembler().mov("eax", 231).syscall().finish();
    this.k = new Kernel({ vdso: false, ...opts });
    this.p = this.k.spawn(makeElf({ machine, code }), { argv: ["h"] });
    this.t = this.p.threads[0]!;
    this.p.mm.mmap(SCRATCH, 0x100000, 3, 0x32, 0);
  }
  /** Copy a string (NUL-terminated) or bytes into scratch memory; returns its address. */
  put(v: string | Uint8Array): number {
    const b = typeof v === "string" ? new TextEncoder().encode(v + "\0") : v;
    const a = this.cursor;
    this.p.mm.mem.writeBytes(a, b);
    this.cursor += Math.ceil((b.length + 1) / 16) * 16;
    return a;
  }
  alloc(n: number): number {
    const a = this.cursor;
    this.cursor += Math.ceil(n / 16) * 16 + 16;
    return a;
  }
  call(name: string, ...args: (number | bigint | string)[]): number {
    const row = this.k.table(this.p.arch.arch).find((r) => r?.name === name);
    if (!row) throw new Error(`no syscall ${name}`);
    const c = new SyscallContext(this.k, this.t);
    c.nr = row.nr;
    c.name = row.name;
    args.forEach((a, i) => (c.args[i] = BigInt.asUintN(64, typeof a === "string" ? BigInt(this.put(a)) : BigInt(a))));
    const ev: SyscallEvent = { pid: this.p.pid, tid: this.t.tid, nr: row.nr, name, pc: 0, args: c.args.slice(), path: [] };
    this.k.entry.dispatch(this.t, c, row, ev);
    if (this.t.state === "blocked") throw new Error(`${name} blocked`);
    return ev.result ?? NaN;
  }
  str(addr: number, n: number): string {
    return new TextDecoder().decode(this.p.mm.mem.readBytes(addr, n));
  }
}
