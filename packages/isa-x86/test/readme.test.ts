import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_EXEC, PERM_READ } from "@uabi/isa-core";
import { X86Assembler, X86Cpu, disassembleAll } from "../src/index.js";

describe("README example", () => {
  it("assembles, disassembles and runs", () => {
    const a = new X86Assembler();
    a.mov("eax", 6).imul("eax", "eax", 7).mov("edi", "eax").mov("eax", 60).syscall();
    const code = a.finish();
    expect(disassembleAll(code, 0x401000).map((l) => l.text)).toEqual([
      "mov    $0x6,%eax", "imul   $0x7,%eax,%eax", "mov    %eax,%edi", "mov    $0x3c,%eax", "syscall",
    ]);
    const mem = new GuestMemory();
    mem.map(0x401000, 0x1000, PERM_READ | PERM_EXEC);
    mem.poke(0x401000, code);
    const cpu = new X86Cpu(mem, { counter: () => 0n });
    cpu.pc = 0x401000;
    expect(cpu.run(1000)).toEqual({ kind: "syscall", pc: 0x401000 + code.length - 2 });
    expect(cpu.getReg(7)).toBe(42n);
  });
});
