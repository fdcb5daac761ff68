/**
 * A PC-relative branch below address 0 wraps to the top of the address space (pc + offset modulo 2^64) and the
 * fetch there faults — an exec page fault the kernel turns into SIGSEGV, as Linux and qemu do — in both tiers. A
 * negative target once reached the run loop as a number it took for a trap code (an untyped TypeError).
 */
import { GuestMemory, PERM_EXEC, PERM_READ } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { Arm64Cpu } from "../src/index.js";

describe.each([false, true])("branch below address 0 (translating tier %s)", (jit) => {
  it.each([
    ["b .-0x1000000", 0x17c00000],
    ["b.ne .-0x20000 (taken: Z starts clear)", 0x54f00001],
    ["cbz xzr, .-0x20000", 0xb4f0001f],
  ])("%s faults on the fetch instead of throwing", (_, word) => {
    const m = new GuestMemory();
    m.map(0x10000, 0x1000, PERM_READ | PERM_EXEC);
    m.poke(0x10000, new Uint8Array(new Uint32Array([word]).buffer));
    const cpu = new Arm64Cpu(m, { jit, jitThreshold: 1 });
    cpu.pc = 0x10000;
    const trap = cpu.run(10);
    expect(trap).toMatchObject({ kind: "page-fault", access: "exec" });
    expect(cpu.counters.instructions).toBe(1);
    expect(cpu.pc).toBeGreaterThanOrEqual(2 ** 63);
  });
});
