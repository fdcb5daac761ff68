/**
 * The syscall path's Number forms of BigInt operations (the bounce frame's words, the return flag, x86-64's TF
 * test) against the BigInt forms they replace, on random and edge values; the arguments read from the halves.
 */
import { describe, expect, it } from "vitest";
import { GuestMemory } from "@uabi/isa-core";
import { decodeReturnFlag, sanitizeBounceFlags } from "@uabi/libkernel";
import { arm64Adapter } from "../src/arch/arm64.js";
import { x86Adapter } from "../src/arch/x86_64.js";
import type { ArchAdapter } from "../src/arch/types.js";
import { returnFlagNr, sanitizeFlagsWord } from "../src/entry/return-flag.js";

/** A deterministic generator of 64-bit values weighted towards edges (0, all ones, single bits, small). */
function values(seed: number, n: number): bigint[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const out: bigint[] = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0xffff_ffff_ffff_ffffn, 1n << 63n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n];
  for (let i = 0; i < 64; i++) out.push(1n << BigInt(i));
  while (out.length < n) {
    const hi = BigInt((next() & [0, 0xff, 0xffff, 0xffff_ffff][next() & 3]!) >>> 0);
    out.push((hi << 32n) | BigInt(next()));
  }
  return out;
}
const lo32 = (v: bigint) => Number(v & 0xffff_ffffn);
const hi32 = (v: bigint) => Number(v >> 32n);

const ADAPTERS: readonly ArchAdapter[] = [arm64Adapter, x86Adapter];
const cpuFor = (a: ArchAdapter) => a.createCpu(new GuestMemory(), { counter: () => 0n, counterFrequency: 1e9, jit: false });

describe.each(ADAPTERS)("$arch adapter: word forms", (a) => {
  it("setStackPointerWords and setRegWords store what cpu.sp = and setReg store", () => {
    const cpu = cpuFor(a), ref = cpuFor(a);
    const reg = 8; // x8 / r8: the register the return flag restores
    for (const v of values(1, 300)) {
      a.setStackPointerWords(cpu, lo32(v), hi32(v));
      ref.sp = v;
      expect(cpu.sp).toBe(ref.sp);
      expect(a.stackPointer(cpu)).toBe(Number(v));
      a.setRegWords(cpu, reg, lo32(v), hi32(v));
      ref.setReg(reg, v);
      expect(cpu.getReg(reg)).toBe(ref.getReg(reg));
    }
  });

  it("userFlagsWord is Number(userFlags); setUserFlagsWord sets what setUserFlags sets", () => {
    const cpu = cpuFor(a), ref = cpuFor(a);
    for (const v of values(2, 300)) {
      const w = sanitizeFlagsWord(a.arch, lo32(v));
      a.setUserFlagsWord(cpu, w);
      a.setUserFlags(ref, sanitizeBounceFlags(a.arch, v));
      expect(a.userFlags(cpu)).toBe(a.userFlags(ref));
      expect(a.userFlagsWord(cpu)).toBe(Number(a.userFlags(cpu)));
      expect(a.singleStepping(cpu)).toBe(a.singleStepping(ref));
    }
  });

  it("syscallArgs gives getReg's values, with repeated and changing registers", () => {
    const cpu = cpuFor(a);
    const regs = a.arch === "arm64" ? [0, 1, 2, 3, 4, 5] : [7, 6, 2, 10, 8, 9];
    const vs = values(3, 200);
    const out: bigint[] = [];
    for (let i = 0; i < 400; i++) {
      // Change a varying subset of the registers between calls (most calls repeat most arguments).
      for (let r = 0; r < 6; r++) if ((i * 7 + r * 3) % 5 < 2) cpu.setReg(regs[r]!, vs[(i * 13 + r) % vs.length]!);
      a.syscallArgs(cpu, out);
      expect(out).toEqual(regs.map((r) => cpu.getReg(r)));
    }
  });
});

describe("x86-64 single-stepping from the TF bit", () => {
  it("matches RFLAGS.TF for every flag word", () => {
    const cpu = cpuFor(x86Adapter);
    for (const v of values(4, 300)) {
      x86Adapter.setUserFlags(cpu, v & 0xffff_ffffn);
      expect(x86Adapter.singleStepping(cpu)).toBe((x86Adapter.userFlags(cpu) & 0x100n) !== 0n);
    }
  });
});

describe("return flag and frame flags as Numbers", () => {
  it("sanitizeFlagsWord(lo) is Number(sanitizeBounceFlags(flags)) whatever the high word", () => {
    for (const isa of ["arm64", "x86_64"] as const) {
      for (const v of values(5, 500)) expect(sanitizeFlagsWord(isa, lo32(v))).toBe(Number(sanitizeBounceFlags(isa, v)));
    }
  });

  it("returnFlagNr decodes as decodeReturnFlag", () => {
    for (const v of values(6, 500)) {
      const nr = lo32(v) ^ (v & 1n ? 1 << 29 : 0); // half of them with the flag toggled
      for (const n of [nr, nr | (1 << 29), (nr & ~0xfff) | (1 << 29) | 0xfff]) {
        const want = decodeReturnFlag(n >>> 0);
        const got = returnFlagNr(n >>> 0);
        if (want === undefined) expect(got).toBe(-1);
        else expect(got).toBe(want.returnOnly ? 0xfff : want.nr);
      }
    }
  });
});
