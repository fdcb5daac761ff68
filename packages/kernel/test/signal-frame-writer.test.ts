/**
 * The arch adapters assemble signal frames in reused buffers from the cores' register halves and restore them
 * the same way; test/signal-frame-reference.ts is the straightforward writer and reader they replaced. For
 * random register states, random stack contents and random deliveries — with and without SA_SIGINFO, with and
 * without a fault's ESR record, frames that do not fit, pages holding decoded code — both must leave the same
 * bytes in memory, the same resident pages, the same code invalidations and the same registers; and sigreturn on
 * the built frame, intact or corrupted, must give the same result and registers.
 */
import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_READ, PERM_WRITE, type Cpu } from "@uabi/isa-core";
import type { X86Cpu } from "@uabi/isa-x86";
import type { Arm64Cpu } from "@uabi/isa-arm64";
import { arm64Adapter } from "../src/arch/arm64.js";
import { x86Adapter } from "../src/arch/x86_64.js";
import type { ArchAdapter, SignalDelivery, SigreturnResult } from "../src/arch/types.js";
import { refBuildArm64, refBuildX86, refSigreturnArm64, refSigreturnX86, type RefFrame } from "./signal-frame-reference.js";

/** mulberry32: a small seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STACK_LO = 0x7f00_0000;
const STACK_LEN = 0x6000;

interface World {
  mem: GuestMemory;
  cpu: Cpu;
  invalidations: string[];
}

/** The stack: the pages `layout.resident` says hold the seed's bytes (the others not yet allocated), one maybe read-only. */
function world(adapter: ArchAdapter, seed: Uint8Array, layout: { resident: boolean[]; readOnlyPage: number; codePages: number[] }): World {
  const mem = new GuestMemory();
  mem.map(STACK_LO, STACK_LEN, PERM_READ | PERM_WRITE);
  layout.resident.forEach((yes, p) => yes && mem.writeBytes(STACK_LO + p * 0x1000, seed.subarray(p * 0x1000, (p + 1) * 0x1000)));
  if (layout.readOnlyPage >= 0) mem.protect(STACK_LO + layout.readOnlyPage * 0x1000, 0x1000, PERM_READ);
  const invalidations: string[] = [];
  mem.onCodeInvalidated((a, b) => invalidations.push(`${a}-${b}`));
  for (const p of layout.codePages) mem.markCodePage(STACK_LO / 0x1000 + p);
  return { mem, cpu: adapter.createCpu(mem, { counter: () => 0n, counterFrequency: 1e9, jit: false }), invalidations };
}

const u64 = (r: () => number): bigint => (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
/** Mostly small or zero values, as registers often are; sometimes full 64-bit ones. */
const reg = (r: () => number): bigint => (r() < 0.3 ? 0n : r() < 0.5 ? BigInt(Math.floor(r() * 2 ** 32)) : u64(r));
const bytes = (r: () => number, n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));

function randomiseArm64(c: Cpu, r: () => number): void {
  const a = c as Arm64Cpu;
  for (let i = 0; i < 31; i++) a.setReg(i, reg(r));
  a.sp = reg(r);
  a.pc = Math.floor(r() * 2 ** 48);
  a.nzcv = Math.floor(r() * 16);
  a.fpcr = Math.floor(r() * 2 ** 32);
  a.fpsr = Math.floor(r() * 2 ** 32);
  for (let i = 0; i < 32; i++) a.setVec(i, reg(r), reg(r));
}

function randomiseX86(c: Cpu, r: () => number): void {
  const x = c as X86Cpu;
  for (let i = 0; i < 16; i++) x.setReg(i, reg(r));
  x.pc = Math.floor(r() * 2 ** 47);
  x.setFlags32(Math.floor(r() * 2 ** 32));
  // A random FXSAVE image: control and status words, tags, MXCSR, x87 registers (some zero) and XMM registers.
  const img = bytes(r, 512);
  for (let k = 0; k < 8; k++) if (r() < 0.5) img.fill(0, 32 + 16 * k, 48 + 16 * k);
  x.fxrstor(img);
}

function stateArm64(c: Cpu): unknown {
  const a = c as Arm64Cpu;
  return { regs: Array.from({ length: 31 }, (_, i) => a.getReg(i)), sp: a.sp, pc: a.pc, nzcv: a.nzcv, fpcr: a.fpcr, fpsr: a.fpsr, v: Array.from({ length: 32 }, (_, i) => a.getVec(i)) };
}

function stateX86(c: Cpu): unknown {
  const x = c as X86Cpu;
  return { regs: Array.from({ length: 16 }, (_, i) => x.getReg(i)), pc: x.pc, flags: x.flags32(), fx: Array.from(x.fxsave()), st: x.st.map((s) => ({ ...s })), top: x.fpTop };
}

function delivery(r: () => number, sp: number): SignalDelivery {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return {
    sig: 1 + Math.floor(r() * 64),
    info: bytes(r, 128),
    handler: Math.floor(r() * 2 ** 47),
    flags: (r() < 0.8 ? 4 : 0) | (r() < 0.8 ? 0x04000000 : 0) | (r() < 0.3 ? 0x08000000 : 0),
    restorer: Math.floor(r() * 2 ** 47),
    savedMask: u64(r),
    sp,
    altstack: { sp: pick([0, Math.floor(r() * 2 ** 47), -1, 2 ** 60]), flags: pick([0, 1, 2, 0x80000000 | 0, -1]), size: pick([0, 8192, Math.floor(r() * 2 ** 40)]) },
    faultAddr: pick([0, Math.floor(r() * 2 ** 53), -4096, 2 ** 63]),
    esr: pick([0, 0, Math.floor(r() * 2 ** 32)]),
    trapno: pick([0, 14, 13]),
    err: pick([0, 7, Math.floor(r() * 2 ** 31)]),
    vdsoSigreturn: Math.floor(r() * 2 ** 47),
    onAltstack: r() < 0.2,
    ensure: () => undefined,
  };
}

interface Impl {
  name: string;
  adapter: ArchAdapter;
  randomise: (c: Cpu, r: () => number) => void;
  state: (c: Cpu) => unknown;
  build: (c: Cpu, d: SignalDelivery) => RefFrame;
  sigreturn: (c: Cpu) => SigreturnResult;
  /** The SP at sigreturn for a frame at `frame` (x86-64: the handler's ret popped pretcode). */
  returnSp: (frame: number) => number;
  /** Offsets worth corrupting before sigreturn, and how. */
  corrupt: (frame: number, r: () => number) => { at: number; value: Uint8Array };
}

const IMPLS: Impl[] = [
  {
    name: "arm64",
    adapter: arm64Adapter,
    randomise: randomiseArm64,
    state: stateArm64,
    build: refBuildArm64,
    sigreturn: refSigreturnArm64,
    returnSp: (f) => f,
    corrupt: (frame, r) => {
      // pstate, the records' heads (magic and size words of the first three records), pc's high word, anywhere.
      const at = [576, 580, 592, 596, 1120, 1124, 1136, 1140, 572, Math.floor(r() * 4688)][Math.floor(r() * 10)]!;
      const value = r() < 0.5 ? bytes(r, 4) : Uint8Array.of(...[0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00].slice(0, 4));
      return { at: frame + at, value };
    },
  },
  {
    name: "x86_64",
    adapter: x86Adapter,
    randomise: randomiseX86,
    state: stateX86,
    build: refBuildX86,
    sigreturn: refSigreturnX86,
    returnSp: (f) => f + 8,
    corrupt: (frame, r) => {
      // eflags, cs/ss, rip's high word, uc_flags, fpstate (misaligned, unmapped, zero), MXCSR in the image, anywhere.
      const at = [184, 192, 198, 180, 8, 232, 233, 236, Math.floor(r() * 440)][Math.floor(r() * 9)]!;
      return { at: frame + at, value: r() < 0.3 ? new Uint8Array(4) : bytes(r, r() < 0.5 ? 1 : 4) };
    },
  },
];

describe.each(IMPLS)("$name signal frames: the reused-buffer writer and reader against the reference", (impl) => {
  it("build and sigreturn give the same bytes, pages, invalidations and registers", () => {
    const r = rng(impl.name === "arm64" ? 0x5eed_a64 : 0x5eed_86);
    for (let iter = 0; iter < 400; iter++) {
      const seed = bytes(r, STACK_LEN);
      const layout = {
        resident: Array.from({ length: STACK_LEN / 0x1000 }, () => r() < 0.7),
        readOnlyPage: r() < 0.15 ? Math.floor(r() * 6) : -1,
        codePages: r() < 0.4 ? [Math.floor(r() * 6), Math.floor(r() * 6)] : [],
      };
      const regSeed = Math.floor(r() * 2 ** 32);
      const worlds = [world(impl.adapter, seed, layout), world(impl.adapter, seed, layout)] as const;
      for (const w of worlds) impl.randomise(w.cpu, rng(regSeed));
      // The frame's top: inside the stack, near its bottom (the frame does not fit), or anywhere, at any alignment.
      const sp = r() < 0.1 ? STACK_LO + Math.floor(r() * 0x1400) : STACK_LO + 0x1400 + Math.floor(r() * (STACK_LEN - 0x1400));
      const d = delivery(r, sp);
      const ref = impl.build(worlds[0].cpu, d);
      const got = impl.adapter.buildSignalFrame(worlds[1].cpu, d);
      const where = `iteration ${iter}`;
      expect(got, where).toEqual(ref);
      expect(impl.state(worlds[1].cpu), where).toEqual(impl.state(worlds[0].cpu));
      expect(worlds[1].invalidations, where).toEqual(worlds[0].invalidations);
      expect(worlds[1].mem.residentBytes, where).toBe(worlds[0].mem.residentBytes);
      const image = (w: World) => Buffer.from(w.mem.readBytes(STACK_LO, STACK_LEN)).toString("hex");
      if (!ref.ok) {
        expect(image(worlds[1]), where).toEqual(image(worlds[0]));
        continue;
      }
      // sigreturn from the frame as built, or with a word corrupted; the handler may have moved SP.
      if (r() < 0.6) {
        const c = impl.corrupt(ref.frame, r);
        for (const w of worlds) try { w.mem.writeBytes(c.at, c.value); } catch { /* a read-only page: left as it is */ }
      }
      const spAt = r() < 0.9 ? impl.returnSp(ref.frame) : impl.returnSp(ref.frame) + [8, 16, -16, 0x2000][Math.floor(r() * 4)]!;
      for (const w of worlds) w.cpu.sp = BigInt(spAt);
      const refRet = impl.sigreturn(worlds[0].cpu);
      const gotRet = impl.adapter.sigreturn(worlds[1].cpu);
      expect(gotRet, where).toEqual(refRet);
      expect(impl.state(worlds[1].cpu), where).toEqual(impl.state(worlds[0].cpu));
      expect(worlds[1].mem.residentBytes, where).toBe(worlds[0].mem.residentBytes);
      // The frame's bytes (and the corruption, the same in both): compared last, as reading makes pages resident.
      expect(image(worlds[1]), where).toEqual(image(worlds[0]));
    }
  });
});
