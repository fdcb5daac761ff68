/** Test helper: assemble a snippet, map it with a stack, run to the trailing int3, return the CPU. */
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { X86Assembler } from "../src/asm.js";
import { X86Cpu } from "../src/cpu.js";

export const CODE = 0x400000;
export const DATA = 0x600000;
export const STACK_TOP = 0x800000;

export function runCode(build: (a: X86Assembler) => void, regs: Record<number, bigint> = {}, budget = 1e6): { cpu: X86Cpu; trap: ReturnType<X86Cpu["run"]> } {
  const a = new X86Assembler();
  build(a);
  a.int3();
  return runBytes(a.finish(), regs, budget);
}

export function runBytes(code: Uint8Array, regs: Record<number, bigint> = {}, budget = 1e6) {
  const mem = new GuestMemory();
  mem.map(CODE, 0x10000, PERM_READ | PERM_EXEC);
  mem.poke(CODE, code);
  mem.map(DATA, 0x10000, PERM_READ | PERM_WRITE);
  mem.map(STACK_TOP - 0x10000, 0x10000, PERM_READ | PERM_WRITE);
  const cpu = new X86Cpu(mem);
  cpu.pc = CODE;
  cpu.sp = BigInt(STACK_TOP - 0x100);
  for (const [k, v] of Object.entries(regs)) cpu.setReg(Number(k), v);
  const trap = cpu.run(budget);
  return { cpu, trap };
}
