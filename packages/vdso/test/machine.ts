/**
 * A tiny machine for running generated vDSO code on the ISA interpreters: the image mapped at
 * BASE with its two data pages, a per-task page, a per-fs page, a buffer area and a stack.
 * Plays the kernel's part for the few things the code asks of it.
 */
import { Arm64Cpu } from "@uabi/isa-arm64";
import { X86Cpu } from "@uabi/isa-x86";
import type { CaseCtx, IrMemory } from "@uabi/libkernel";
import { VVAR_PAGE } from "@uabi/libkernel";
import type { Arch } from "@uabi/uapi";
import type { VdsoImage } from "../src/index.js";
// Test-only: @uabi/isa-core is not (yet) a declared dependency of this package; the CPUs take a
// GuestMemory from it. Same module file as the CPUs import, so one class identity.
import { GuestMemory, GuestMemoryFault, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";

export const BASE = 0x4000_0000;
export const TASK = 0x3000_0000;
export const FS = 0x3000_1000;
export const BUF = 0x3001_0000;
export const STACK_LO = 0x2f00_0000;
export const STACK_TOP = 0x2f01_0000;
/** Unmapped: returning here ends a call (the fetch faults). */
export const RET_ADDR = 0x1234_5000;

export type AnyCpu = Arm64Cpu | X86Cpu;

export class Machine {
  readonly mem = new GuestMemory();
  readonly cpu: AnyCpu;
  readonly ctx: CaseCtx;
  counterFn: () => bigint = () => 0n;
  constructor(readonly img: VdsoImage) {
    const m = this.mem;
    m.map(BASE - 0x2000, 0x2000, PERM_READ | PERM_WRITE);
    m.map(BASE, img.mapSize, PERM_READ | PERM_EXEC);
    m.poke(BASE, img.bytes);
    m.map(TASK, 0x2000, PERM_READ | PERM_WRITE);
    m.map(BUF, 0x2000, PERM_READ | PERM_WRITE);
    m.map(STACK_LO, STACK_TOP - STACK_LO, PERM_READ | PERM_WRITE);
    m.write64(BASE - 0x2000 + VVAR_PAGE.taskPagePtr, BigInt(TASK));
    m.write64(BASE - 0x2000 + VVAR_PAGE.fsPagePtr, BigInt(FS));
    const counter = (): bigint => this.counterFn();
    this.cpu = img.arch === "arm64" ? new Arm64Cpu(m, { counter }) : new X86Cpu(m, { counter });
    this.ctx = {
      arch: img.arch,
      pages: { task: BigInt(TASK), fs: BigInt(FS), vvar: BigInt(BASE - 0x2000), uts: BigInt(BASE - 0x1000) },
      buf: BigInt(BUF),
    };
  }
  get arch(): Arch {
    return this.img.arch;
  }
  /** IrMemory view for the conformance vectors. */
  readonly irMem: IrMemory = {
    read: (a, size) => {
      const n = Number(a);
      return size === 8 ? this.mem.read64(n) : BigInt(size === 4 ? this.mem.read32(n) : size === 2 ? this.mem.read16(n) : this.mem.read8(n));
    },
    write: (a, size, v) => {
      const n = Number(a);
      if (size === 8) this.mem.write64(n, v);
      else if (size === 4) this.mem.write32(n, Number(v & 0xffffffffn));
      else if (size === 2) this.mem.write16(n, Number(v & 0xffffn));
      else this.mem.write8(n, Number(v & 0xffn));
    },
  };
  symbol(name: string, version?: string): number {
    const s = this.img.symbols.find((x) => x.name === name && (version ? x.version === version : !x.hidden));
    if (!s) throw new Error(`no symbol ${name}@${version ?? "default"}`);
    return BASE + s.address;
  }
}

/** Register numbers in each CPU's getReg order. */
export const X86 = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 } as const;
export const SYSCALL_ARGS: Readonly<Record<Arch, readonly number[]>> = {
  arm64: [0, 1, 2, 3, 4, 5],
  x86_64: [X86.rdi, X86.rsi, X86.rdx, X86.r10, X86.r8, X86.r9],
};
export const CALL_ARGS: Readonly<Record<Arch, readonly number[]>> = {
  arm64: [0, 1, 2, 3, 4, 5],
  x86_64: [X86.rdi, X86.rsi, X86.rdx, X86.rcx, X86.r8, X86.r9],
};
export const NR_REG: Readonly<Record<Arch, number>> = { arm64: 8, x86_64: X86.rax };
export const RET_REG: Readonly<Record<Arch, number>> = { arm64: 0, x86_64: X86.rax };

export interface Syscall {
  nr: number;
  args: bigint[];
  pc: number;
}

/**
 * Run until `done(trap)` says stop; syscalls go to `onSyscall`, which returns the result to put
 * in the result register, or "stop".
 */
export function runUntil(m: Machine, onSyscall: (s: Syscall) => bigint | "stop", maxSteps = 200_000): { kind: "returned" | "stopped"; syscalls: Syscall[] } {
  const cpu = m.cpu;
  const trace: Syscall[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const trap = cpu.run(maxSteps);
    if (trap.kind === "page-fault" && trap.addr === RET_ADDR && trap.access === "exec") return { kind: "returned", syscalls: trace };
    if (trap.kind !== "syscall") throw new Error(`unexpected trap ${JSON.stringify(trap, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
    const s: Syscall = { nr: Number(cpu.getReg(NR_REG[m.arch])), args: SYSCALL_ARGS[m.arch].map((r) => cpu.getReg(r)), pc: trap.pc };
    trace.push(s);
    const r = onSyscall(s);
    if (r === "stop") return { kind: "stopped", syscalls: trace };
    cpu.setReg(RET_REG[m.arch], BigInt.asUintN(64, r));
    if (m.arch === "x86_64") {
      // What the syscall instruction and sysret do to rcx/r11: the code must not rely on them.
      cpu.setReg(X86.rcx, BigInt(cpu.pc));
      cpu.setReg(X86.r11, 0x246n);
    }
  }
  throw new Error("too many syscalls");
}

/** Call a C-ABI function at `addr` with `args`, returning into RET_ADDR. */
export function callFunction(m: Machine, addr: number, args: readonly bigint[], sp = STACK_TOP - 0x100): void {
  const cpu = m.cpu;
  CALL_ARGS[m.arch].forEach((r, k) => cpu.setReg(r, BigInt.asUintN(64, args[k] ?? 0n)));
  if (m.arch === "arm64") {
    cpu.setReg(30, BigInt(RET_ADDR));
    cpu.sp = BigInt(sp);
  } else {
    cpu.sp = BigInt(sp - 8); // (rsp + 8) 16-aligned at entry, as after a call
    m.mem.write64(sp - 8, BigInt(RET_ADDR));
  }
  cpu.pc = addr;
}

export { GuestMemoryFault };
