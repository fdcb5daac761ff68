export * from "./asm.js";
export { X86Cpu, type X86CpuOptions } from "./cpu.js";
export { decode, Insn, UndefinedInstruction, BufferSource, type ByteSource } from "./decode.js";
export { disassemble, disassembleAll, type Disassembly } from "./disasm.js";
export { CPUID } from "./ops-int.js";
