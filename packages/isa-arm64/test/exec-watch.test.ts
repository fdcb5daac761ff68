import { GuestMemory, PERM_EXEC, PERM_READ } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { A64Assembler, Arm64Cpu, x } from "../src/index.js";

describe("exec watch", () => {
  it("stops before the first instruction of a block inside the range, nothing of it retired", () => {
    const m = new GuestMemory();
    m.map(0x10000, 0x1000, PERM_READ | PERM_EXEC); // caller
    m.map(0x20000, 0x1000, PERM_READ | PERM_EXEC); // watched
    m.poke(0x10000, new A64Assembler().mov(x(0), 1).bl(0x10000).finish()); // bl to 0x20004
    m.poke(0x20000, new A64Assembler().brk(0).mov(x(0), 2).brk(1).finish());
    const cpu = new Arm64Cpu(m);
    cpu.pc = 0x10000;
    cpu.setExecWatch(0x20000, 0x21000);
    expect(cpu.run(100)).toEqual({ kind: "page-fault", pc: 0x20004, addr: 0x20004, access: "exec", reason: "protection" });
    expect(cpu.pc).toBe(0x20004);
    expect(cpu.counters.instructions).toBe(2);
    expect(cpu.getReg(0)).toBe(1n);
    cpu.setExecWatch(0, 0);
    expect(cpu.run(100)).toMatchObject({ kind: "breakpoint", imm: 1 });
    expect(cpu.getReg(0)).toBe(2n);
  });
});
