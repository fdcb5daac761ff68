/**
 * Register-offset loads and stores with a 64-bit index: the scaled index wraps modulo 2^64 before it is added, as
 * the hardware's address arithmetic does (`ldr w0, [x22, x27, lsl #2]` with x27 = 2^62 − 1 reads base − 4; Debian's
 * sed and grep index arrays this way). Both tiers: the interpreter, and the translating tier after a warm-up.
 */
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { A64Assembler, Arm64Cpu, w, x } from "../src/index.js";

const CODE = 0x10000, DATA = 0x40000;

function loadThroughWrappedIndex(jit: boolean, index: bigint, shift: number, size: "w" | "x" | "b", base = BigInt(DATA + 0x100)) {
  const m = new GuestMemory();
  m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
  m.map(DATA, 0x1000, PERM_READ | PERM_WRITE);
  m.write64(DATA + 0x100 - 8, 0x1122334455667788n);
  const a = new A64Assembler();
  const loop = a.newLabel();
  // Run the load 200 times so the translating tier (threshold lowered) compiles the loop.
  a.mov(x(3), 200).bind(loop);
  const operand = { mode: "reg", base: x(22), index: x(27), extend: "lsl", shifted: shift !== 0 } as const;
  if (size === "w") a.ldr(w(0), operand);
  else if (size === "x") a.ldr(x(0), operand);
  else a.ldrb(w(0), operand);
  a.subs(x(3), x(3), 1).bcond("ne", loop).brk(0xf00);
  m.poke(CODE, a.finish());
  const cpu = new Arm64Cpu(m, { jit, jitThreshold: 64 });
  cpu.pc = CODE;
  cpu.setReg(22, base);
  cpu.setReg(27, index);
  const trap = cpu.run(10_000);
  return { trap, x0: cpu.getReg(0) };
}

describe.each([false, true])("register-offset index wraps modulo 2^64 (translating tier %s)", (jit) => {
  it("ldr w0, [x22, x27, lsl #2] with x27 = 2^62 − 1 reads base − 4", () => {
    const r = loadThroughWrappedIndex(jit, (1n << 62n) - 1n, 2, "w");
    expect(r.trap.kind).toBe("breakpoint");
    expect(r.x0).toBe(0x11223344n);
  });
  it("ldr x0, [x22, x27, lsl #3] with x27 = 2^61 − 1 reads base − 8", () => {
    const r = loadThroughWrappedIndex(jit, (1n << 61n) - 1n, 3, "x");
    expect(r.trap.kind).toBe("breakpoint");
    expect(r.x0).toBe(0x1122334455667788n);
  });
  it("a \"negative\" base plus a pointer index wraps too: ldr w0, [x22, x27, lsl #2] with x22 = −16", () => {
    const r = loadThroughWrappedIndex(jit, BigInt((DATA + 0x100 - 8 + 16) / 4), 2, "w", (1n << 64n) - 16n);
    expect(r.trap.kind).toBe("breakpoint");
    expect(r.x0).toBe(0x55667788n);
  });
  it("ldrb w0, [x22, x27] with x27 = 2^64 − 1 reads base − 1", () => {
    const r = loadThroughWrappedIndex(jit, (1n << 64n) - 1n, 0, "b");
    expect(r.trap.kind).toBe("breakpoint");
    expect(r.x0).toBe(0x11n);
  });
});
