import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_EXEC, PERM_READ } from "@uabi/isa-core";
import { X86Cpu } from "../src/cpu.js";

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));

describe("exec watch", () => {
  it("stops before the first instruction of a block inside the range, nothing of it retired", () => {
    const m = new GuestMemory();
    m.map(0x10000, 0x1000, PERM_READ | PERM_EXEC);
    m.map(0x20000, 0x1000, PERM_READ | PERM_EXEC);
    m.poke(0x10000, hex("b8 01000000 e9 f6 ff 00 00")); // mov $1,%eax; jmp 0x20000
    m.poke(0x20000, hex("b8 02000000 cc")); // mov $2,%eax; int3
    const cpu = new X86Cpu(m);
    cpu.pc = 0x10000;
    cpu.setExecWatch(0x20000, 0x21000);
    expect(cpu.run(100)).toEqual({ kind: "page-fault", pc: 0x20000, addr: 0x20000, access: "exec", reason: "protection" });
    expect(cpu.pc).toBe(0x20000);
    expect(cpu.counters.instructions).toBe(2);
    expect(cpu.getReg(0)).toBe(1n);
    cpu.setExecWatch(0, 0);
    expect(cpu.run(100)).toMatchObject({ kind: "breakpoint" });
    expect(cpu.getReg(0)).toBe(2n);
  });
});
