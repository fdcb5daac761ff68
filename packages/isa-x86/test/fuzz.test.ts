import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, TRAP_KINDS } from "@uabi/isa-core";
import { X86Cpu } from "../src/cpu.js";
import { disassemble } from "../src/disasm.js";

/** Deterministic xorshift32. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe("random code never crashes the host", () => {
  it("executes 3000 random byte strings to a typed trap", () => {
    const r = rng(1234);
    const kinds = new Set<string>();
    for (let n = 0; n < 3000; n++) {
      const mem = new GuestMemory();
      mem.map(0x10000, 0x2000, PERM_READ | PERM_WRITE | PERM_EXEC);
      mem.map(0x7f0000, 0x10000, PERM_READ | PERM_WRITE);
      const code = new Uint8Array(64);
      for (let k = 0; k < code.length; k++) code[k] = r() & 0xff;
      mem.poke(0x10000, code);
      const cpu = new X86Cpu(mem);
      for (let k = 0; k < 16; k++) cpu.setReg(k, BigInt(r() % 3 === 0 ? 0x10000 + (r() & 0x1fff) : r()));
      cpu.sp = 0x7f8000n;
      cpu.pc = 0x10000;
      const trap = cpu.run(200);
      expect(TRAP_KINDS).toContain(trap.kind);
      kinds.add(trap.kind);
    }
    expect(kinds.size).toBeGreaterThan(3);
  });
  it("disassembles random bytes without throwing", () => {
    const r = rng(99);
    const buf = new Uint8Array(200000);
    for (let k = 0; k < buf.length; k++) buf[k] = r() & 0xff;
    let off = 0;
    let n = 0;
    while (off < buf.length) {
      const d = disassemble(buf, off, 0x400000 + off);
      expect(d.length).toBeGreaterThan(0);
      off += d.length;
      n++;
    }
    expect(n).toBeGreaterThan(10000);
  });
});
