/**
 * Differential instruction testing against native execution: the shared half of `pnpm fuzz:insn --isa x86_64`
 * (scripts/fuzz/insn-x86.ts generates sequences and runs them natively) and of test/insn-diff.test.ts (replays the
 * recorded native results in fixtures/fuzz/insn-x86 without a native run).
 *
 * A case is a code page (the sequence, then `int3`) at CODE, a 4 KiB scratch page at SCRATCH that every memory
 * operand points into, and an input state (16 GPRs, RFLAGS, the FXSAVE image: x87 stack, control/status words,
 * MXCSR, XMM0-15) derived from a 32-bit seed. The outcome is the state at the trap: the `int3` at the end, or the
 * first fault (#PF/#GP/#UD/#DE), compared field by field with what is architecturally defined at that point:
 * flags the SDM leaves undefined are tracked per instruction (`FLAG_RULES`, `FSW_RULES`) and masked.
 */
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, type Trap } from "@uabi/isa-core";
import { X86Cpu } from "../src/cpu.js";
import { decode, Insn, type ByteSource } from "../src/decode.js";

/** Code, scratch and the native harness's control page are not 2^k apart, so a wild bit offset faults on both sides. */
export const CODE = 0x23456000;
export const SCRATCH = 0x10000000;
export const PAGE = 4096;

// ------------------------------------------------------------------ deterministic randomness

/** A small PRNG (splitmix32 seeding an xorshift128): cases are pure functions of their seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)]!;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

// ------------------------------------------------------------------ input state

export interface InState {
  gpr: bigint[];
  rflags: number;
  fx: Uint8Array;
  scratch: Uint8Array;
}

const M64 = (1n << 64n) - 1n;
const BOUNDARY = [0n, 1n, 2n, M64, M64 - 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffff80000000n, 0x1fn, 0x20n, 0x3fn, 0x40n];

/** A register value: random, small, boundary, a pointer into the scratch page, or 32-bit shaped. */
export function randomGpr(r: Rng): bigint {
  const k = r.below(10);
  if (k < 3) return r.u64();
  if (k === 3) return BigInt(r.below(300));
  if (k === 4) return r.pick(BOUNDARY);
  if (k === 5) return BigInt(SCRATCH + r.below(0xc00));
  if (k === 6) return BigInt(r.u32());
  if (k === 7) return BigInt.asUintN(64, BigInt(r.u32() | 0));
  if (k === 8) return (r.u64() & ~0xffffn) | BigInt(r.below(0x10000));
  return BigInt.asUintN(64, -BigInt(r.below(300)));
}

/** An 80-bit x87 value (little-endian, 10 bytes) from the classes the x87 tells apart. */
export function randomF80(r: Rng): Uint8Array {
  const k = r.below(20);
  let s = r.below(2);
  let e: number;
  let m: bigint;
  if (k < 8) {
    e = 0x3fff + r.below(140) - 70;
    m = (1n << 63n) | (r.u64() >> 1n);
    if (r.chance(0.3)) m &= ~((1n << BigInt(r.below(60))) - 1n); // short significands round exactly
  } else if (k < 10) {
    // Small integers (fprem/fscale/frndint arguments).
    const v = BigInt(1 + r.below(100000));
    const sh = 63 - (v.toString(2).length - 1);
    e = 0x3fff + 63 - sh;
    m = v << BigInt(sh);
  } else if (k === 10) { e = 0; m = 0n; }
  else if (k === 11) { e = 0x7fff; m = 1n << 63n; } // infinity
  else if (k === 12) { e = 0x7fff; m = (3n << 62n) | (r.u64() >> 2n); } // QNaN
  else if (k === 13) { e = 0x7fff; m = (1n << 63n) | ((r.u64() >> 2n) | 1n); } // SNaN
  else if (k === 14) { e = 0; m = r.u64() >> BigInt(1 + r.below(63)); } // denormal
  else if (k === 15) { e = r.chance(0.5) ? 1 : r.below(0x7ffe) + 1; m = (1n << 63n) | (r.u64() >> 1n); } // tiny or any normal
  else if (k === 16) { e = 0x7ffe - r.below(3); m = (1n << 63n) | (r.u64() >> 1n); } // near overflow
  else if (k === 17) { e = r.below(0x7ffe) + 1; m = r.u64() >> 1n; } // unnormal (unsupported encoding)
  else if (k === 18) { e = 0; m = (1n << 63n) | (r.u64() >> 1n); } // pseudo-denormal
  else { e = 0x3fff + r.below(130); m = (1n << 63n) | (r.u64() >> 1n); s = r.below(2); }
  const out = new Uint8Array(10);
  for (let i = 0; i < 8; i++) out[i] = Number((m >> BigInt(8 * i)) & 0xffn);
  out[8] = e & 0xff;
  out[9] = ((e >> 8) & 0x7f) | (s << 7);
  return out;
}

function randomF64Bits(r: Rng): bigint {
  const k = r.below(12);
  const s = BigInt(r.below(2)) << 63n;
  if (k < 5) return s | (BigInt(1023 + r.below(80) - 40) << 52n) | (r.u64() >> 12n);
  if (k === 5) return s | BigInt(r.below(2) ? 0 : 0); // ±0
  if (k === 6) return s | (0x7ffn << 52n); // ±inf
  if (k === 7) return s | (0x7ffn << 52n) | (r.u64() >> 12n) | 1n; // NaN (quiet or signalling)
  if (k === 8) return s | (r.u64() >> 12n); // denormal
  if (k === 9) return s | (BigInt(1023 + 52 + r.below(12)) << 52n) | (r.u64() >> 12n); // near 2^63 (cvt range)
  if (k === 10) return s | (BigInt(1 + r.below(2046)) << 52n) | (r.u64() >> 12n);
  return s | (BigInt(1023 + r.below(20)) << 52n); // small magnitudes
}
function randomF32Bits(r: Rng): number {
  const k = r.below(10);
  const s = r.below(2) << 31;
  if (k < 4) return (s | ((127 + r.below(60) - 30) << 23) | (r.u32() >>> 9)) >>> 0;
  if (k === 4) return s >>> 0;
  if (k === 5) return (s | (0xff << 23)) >>> 0;
  if (k === 6) return (s | (0xff << 23) | (r.u32() >>> 9) | 1) >>> 0;
  if (k === 7) return (s | (r.u32() >>> 9)) >>> 0;
  if (k === 8) return (s | ((127 + 31 + r.below(4)) << 23) | (r.u32() >>> 9)) >>> 0;
  return (s | ((1 + r.below(253)) << 23) | (r.u32() >>> 9)) >>> 0;
}

/** The whole input state of case `seed`. */
export function inputState(seed: number): InState {
  const r = new Rng(seed ^ 0x5bd1e995);
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) gpr.push(randomGpr(r));
  gpr[4] = BigInt(SCRATCH + 0xd00 + 8 * r.below(64)); // rsp inside the scratch page
  // CF PF AF ZF SF OF at random, DF sometimes (never TF or AC: they would trap natively).
  const rflags = 0x202 | (r.u32() & 0x8d5) | (r.chance(0.15) ? 0x400 : 0);
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  // FCW: every exception masked, 64-bit precision, random rounding control.
  dv.setUint16(0, 0x037f | (r.below(4) << 10), true);
  // FSW: random TOP and condition codes, no exception flags.
  dv.setUint16(2, (r.below(8) << 11) | (r.u32() & 0x4700), true);
  let tags = 0;
  const full = r.below(4); // 0 empty-ish, 1 random, 2-3 mostly full
  for (let i = 0; i < 8; i++) if (r.chance(full === 0 ? 0.1 : full === 1 ? 0.5 : 0.85)) tags |= 1 << i;
  fx[4] = tags;
  // MXCSR: every exception masked, random rounding control, FTZ/DAZ off (Linux's default).
  dv.setUint32(24, 0x1f80 | (r.below(4) << 13), true);
  for (let k = 0; k < 8; k++) fx.set(randomF80(r), 32 + 16 * k);
  for (let x = 0; x < 16; x++) {
    const o = 160 + 16 * x;
    const kind = r.below(4);
    for (let l = 0; l < 4; l++) {
      if (kind === 0) dv.setUint32(o + 4 * l, r.u32(), true);
      else if (kind === 1) dv.setUint32(o + 4 * l, randomF32Bits(r), true);
      else if (kind === 2 && l % 2 === 0) dv.setBigUint64(o + 4 * l, randomF64Bits(r), true);
      else if (kind === 3) dv.setUint32(o + 4 * l, r.chance(0.5) ? r.below(300) : (r.u32() & 0x80ff00ff) >>> 0, true);
    }
  }
  const scratch = new Uint8Array(PAGE);
  for (let i = 0; i < PAGE; i += 4) new DataView(scratch.buffer).setUint32(i, r.u32(), true);
  // Interesting numbers at aligned spots: doubles, floats, x87 values, small integers.
  const sd = new DataView(scratch.buffer);
  for (let n = r.below(40); n > 0; n--) {
    const off = 8 * r.below(PAGE / 8 - 2);
    const k = r.below(4);
    if (k === 0) sd.setBigUint64(off, randomF64Bits(r), true);
    else if (k === 1) sd.setUint32(off, randomF32Bits(r), true);
    else if (k === 2) scratch.set(randomF80(r), off);
    else sd.setBigUint64(off, BigInt.asUintN(64, BigInt(r.below(600) - 300)), true);
  }
  return { gpr, rflags, fx, scratch };
}

// ------------------------------------------------------------------ outcomes

/** How a run ended: the int3 after the sequence, or a fault of the class Linux reports as this signal. */
export type OutcomeClass = "end" | "segv" | "ill" | "fpe" | "timeout";

export interface OutState {
  cls: OutcomeClass;
  rip: number;
  gpr: bigint[];
  rflags: number;
  fx: Uint8Array;
  scratch: Uint8Array;
}

const TRAP_CLASS: Record<Trap["kind"], OutcomeClass> = {
  breakpoint: "end",
  "page-fault": "segv",
  alignment: "segv",
  privileged: "segv",
  undefined: "ill",
  "divide-error": "fpe",
  budget: "timeout",
  syscall: "ill", // never generated
};

/** Native SIGTRAP/SIGSEGV/... as recorded by the harness (trapno from the signal frame). */
export function nativeClass(signo: number, trapno: number): OutcomeClass {
  if (signo === 5 && trapno === 3) return "end";
  if (signo === 11 || signo === 7) return "segv";
  if (signo === 4) return "ill";
  if (signo === 8) return "fpe";
  return "timeout";
}

// ------------------------------------------------------------------ undefined flags (the declared table)

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ST = CF | PF | AF | ZF | SF | OF;
/** FSW condition codes. */
export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
const CC = C0 | C1 | C2 | C3;
/** FSW exception flags the interpreter does not model (README: only IE and SF are kept): PE UE OE ZE DE, and ES/B. */
export const FSW_UNMODELLED = 0x3e | 0x80 | 0x8000;
/** MXCSR exception flags (not accumulated by the interpreter, README). */
export const MXCSR_UNMODELLED = 0x3f;

/** Which flags an instruction writes with defined values (`w`), leaves undefined (`u`), and reads (`r`). */
interface Effect { w: number; u: number; r: number; bad?: string }
type Rule = (i: Insn, cpu: X86Cpu) => Effect;

const eff = (w: number, u = 0, r = 0): Effect => ({ w, u, r });
const maskCount = (i: Insn, raw: number) => raw & (i.osz === 64 ? 63 : 31);
const countOf = (i: Insn, cpu: X86Cpu): number => {
  const o = i.def.ops;
  if (o.includes("CL")) return Number(cpu.getReg(1) & 0xffn);
  if (o.includes("1")) return 1;
  return i.imm & 0xff;
};
function srcValue(i: Insn, cpu: X86Cpu): bigint {
  const m = (1n << BigInt(i.osz)) - 1n;
  if (i.mod === 3) return cpu.getReg(i.rm) & m;
  const a = cpu.ea(i);
  const b = cpu.mem.readBytes(a, i.osz / 8);
  let v = 0n;
  for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
  return v;
}
function repCount(i: Insn, cpu: X86Cpu): bigint {
  if (!(i.pfx & 12)) return 1n;
  return i.asz === 32 ? cpu.getReg(1) & 0xffffffffn : cpu.getReg(1);
}
const CC_READS: Record<string, number> = {
  o: OF, no: OF, b: CF, ae: CF, e: ZF, ne: ZF, be: CF | ZF, a: CF | ZF, s: SF, ns: SF, p: PF, np: PF,
  l: SF | OF, ge: SF | OF, le: ZF | SF | OF, g: ZF | SF | OF,
};
const FCMOV_READS: Record<string, number> = { b: CF, e: ZF, be: CF | ZF, u: PF, nb: CF, ne: ZF, nbe: CF | ZF, nu: PF };

/**
 * RFLAGS effects by handler key or mnemonic, with the Intel SDM Vol. 2 section ("Flags Affected") that defines
 * them. Rows not listed write no status flag (moves, SSE arithmetic, x87 other than the listed compares).
 */
export const FLAG_RULES: Record<string, { sdm: string; rule: Rule }> = {
  // 3.2 ADD/ADC/SUB/SBB/CMP/NEG: "The OF, SF, ZF, AF, CF, and PF flags are set according to the result."
  add: { sdm: "ADD", rule: () => eff(ST) },
  adc: { sdm: "ADC", rule: () => eff(ST, 0, CF) },
  sub: { sdm: "SUB", rule: () => eff(ST) },
  sbb: { sdm: "SBB", rule: () => eff(ST, 0, CF) },
  cmp: { sdm: "CMP", rule: () => eff(ST) },
  neg: { sdm: "NEG", rule: () => eff(ST) },
  cmpxchg: { sdm: "CMPXCHG", rule: () => eff(ST) },
  xadd: { sdm: "XADD", rule: () => eff(ST) },
  // INC/DEC: "The CF flag is not affected. The OF, SF, ZF, AF, and PF flags are set according to the result."
  inc: { sdm: "INC", rule: () => eff(ST & ~CF) },
  dec: { sdm: "DEC", rule: () => eff(ST & ~CF) },
  // AND/OR/XOR/TEST: "The OF and CF flags are cleared; the SF, ZF, and PF flags are set according to the result.
  // The state of the AF flag is undefined."
  and: { sdm: "AND", rule: () => eff(ST & ~AF, AF) },
  or: { sdm: "OR", rule: () => eff(ST & ~AF, AF) },
  xor: { sdm: "XOR", rule: () => eff(ST & ~AF, AF) },
  test: { sdm: "TEST", rule: () => eff(ST & ~AF, AF) },
  // MUL/IMUL: "The OF and CF flags are set to 0 if the upper half of the result is 0 [fits]; otherwise, they are
  // set to 1. The SF, ZF, AF, and PF flags are undefined."
  mul1: { sdm: "MUL / IMUL", rule: () => eff(CF | OF, SF | ZF | AF | PF) },
  imul1: { sdm: "IMUL", rule: () => eff(CF | OF, SF | ZF | AF | PF) },
  imul2: { sdm: "IMUL", rule: () => eff(CF | OF, SF | ZF | AF | PF) },
  imul3: { sdm: "IMUL", rule: () => eff(CF | OF, SF | ZF | AF | PF) },
  // DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
  div: { sdm: "DIV", rule: () => eff(0, ST) },
  idiv: { sdm: "IDIV", rule: () => eff(0, ST) },
  // SAL/SAR/SHL/SHR and ROL/ROR/RCL/RCR (the key "shift" covers all seven), by masked count.
  shift: {
    sdm: "SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR",
    rule: (i, cpu) => {
      const mn = i.def.mn;
      const c = maskCount(i, countOf(i, cpu));
      const rot = mn[0] === "r";
      const rc = mn === "rcl" || mn === "rcr";
      if (rot) {
        // "If the masked count is 0, the flags are not affected. ... The OF flag is defined only for the 1-bit
        // rotates; it is undefined in all other cases." RCL/RCR read CF.
        if (c === 0) return eff(0, 0, rc ? CF : 0);
        return c === 1 ? eff(CF | OF, 0, rc ? CF : 0) : eff(CF, OF, rc ? CF : 0);
      }
      // "If the count is 0, the flags are not affected. ... The OF flag is affected only for 1-bit shifts ...
      // For a non-zero count, the AF flag is undefined." CF "is undefined for SHL and SHR instructions where the
      // count is greater than or equal to the size (in bits) of the destination operand."
      if (c === 0) return eff(0);
      const cfU = (mn === "shl" || mn === "shr") && c >= i.osz ? CF : 0;
      const u = AF | (c === 1 ? 0 : OF) | cfU;
      return eff(ST & ~u, u);
    },
  },
  // SHLD/SHRD: "If the count is 0, the flags are not affected. ... For shifts greater than 1 bit, the OF flag is
  // undefined. ... The AF flag is undefined. If the count is greater than the operand size, the flags are undefined"
  // (and so is the destination, which makes the case indeterminate).
  shd: {
    sdm: "SHLD / SHRD",
    rule: (i, cpu) => {
      const c = maskCount(i, countOf(i, cpu));
      if (c === 0) return eff(0);
      if (c > i.osz) return { w: 0, u: ST, r: 0, bad: "shld/shrd count greater than the operand size (result undefined)" };
      const u = AF | (c === 1 ? 0 : OF);
      return eff(ST & ~u, u);
    },
  },
  // BT/BTS/BTR/BTC: "The CF flag contains the value of the selected bit. The ZF flag is unaffected. The OF, SF, AF,
  // and PF flags are undefined."
  bt: { sdm: "BT", rule: () => eff(CF, OF | SF | AF | PF) },
  // BSF/BSR: "The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF flag is cleared. The CF, OF,
  // SF, AF, and PF flags are undefined." "If the content of the source operand is 0, the content of the
  // destination operand is undefined."
  bsf: { sdm: "BSF", rule: (i, cpu) => ({ w: ZF, u: ST & ~ZF, r: 0, bad: srcValue(i, cpu) === 0n ? "bsf of 0 (destination undefined)" : undefined }) },
  bsr: { sdm: "BSR", rule: (i, cpu) => ({ w: ZF, u: ST & ~ZF, r: 0, bad: srcValue(i, cpu) === 0n ? "bsr of 0 (destination undefined)" : undefined }) },
  // TZCNT/LZCNT: "ZF is set to 1 in case of zero output ... CF is set to 1 if the input was zero ... The OF, SF, PF
  // and AF flags are undefined."
  tzcnt: { sdm: "TZCNT", rule: () => eff(CF | ZF, OF | SF | PF | AF) },
  lzcnt: { sdm: "LZCNT", rule: () => eff(CF | ZF, OF | SF | PF | AF) },
  // POPCNT: "OF, SF, ZF, AF, CF, PF are all cleared. ZF is set if SRC = 0."
  popcnt: { sdm: "POPCNT", rule: () => eff(ST) },
  // CMPXCHG8B/16B: "The ZF flag is set if the destination operand and EDX:EAX are equal; otherwise it is cleared.
  // The CF, PF, AF, SF, and OF flags are unaffected."
  cmpxchg16b: { sdm: "CMPXCHG8B/CMPXCHG16B", rule: () => eff(ZF) },
  // (U)COMISS/(U)COMISD and FCOMI/FUCOMI(P): ZF, PF, CF from the comparison; "OF, SF and AF are cleared".
  ucomiss: { sdm: "UCOMISS", rule: () => eff(ST) },
  ucomisd: { sdm: "UCOMISD", rule: () => eff(ST) },
  comiss: { sdm: "COMISS", rule: () => eff(ST) },
  comisd: { sdm: "COMISD", rule: () => eff(ST) },
  fcomi: { sdm: "FCOMI", rule: () => eff(ST) },
  fucomi: { sdm: "FUCOMI", rule: () => eff(ST) },
  fcomip: { sdm: "FCOMIP", rule: () => eff(ST) },
  fucomip: { sdm: "FUCOMIP", rule: () => eff(ST) },
  // SAHF loads SF ZF AF PF CF from AH; LAHF reads them; CMC/CLC/STC.
  sahf: { sdm: "SAHF", rule: () => eff(SF | ZF | AF | PF | CF) },
  lahf: { sdm: "LAHF", rule: () => eff(0, 0, SF | ZF | AF | PF | CF) },
  cmc: { sdm: "CMC", rule: () => eff(CF, 0, CF) },
  clc: { sdm: "CLC", rule: () => eff(CF) },
  stc: { sdm: "STC", rule: () => eff(CF) },
  // F2XM1: "If the source value is outside this range [-1.0 to +1.0], the result is undefined." FYL2XP1: the source
  // must satisfy |x| < 1 - sqrt(2)/2, "the result is undefined" otherwise. (x87 rows; no RFLAGS effect.)
  f2xm1: { sdm: "F2XM1", rule: (_i, cpu) => x87Domain(cpu, 0, 1, "f2xm1 operand outside [-1, 1] (result undefined)") },
  fyl2xp1: { sdm: "FYL2XP1", rule: (_i, cpu) => x87Domain(cpu, 0, 1 - Math.SQRT2 / 2, "fyl2xp1 operand outside |x| < 1 - sqrt(2)/2 (result undefined)") },
  // FBLD: "If the source operand is not a valid packed BCD ... the result is undefined" (a nibble above 9).
  fbld: {
    sdm: "FBLD",
    rule: (i, cpu) => {
      let b: Uint8Array;
      try {
        b = cpu.mem.readBytes(cpu.ea(i), 10);
      } catch {
        return eff(0);
      }
      for (let k = 0; k < 9; k++) if ((b[k]! & 15) > 9 || b[k]! >> 4 > 9) return { w: 0, u: 0, r: 0, bad: "fbld of an invalid BCD digit (result undefined)" };
      return eff(0);
    },
  },
  // PUSHF stores every flag.
  pushf: { sdm: "PUSHF", rule: () => eff(0, 0, ST) },
  // SCAS/CMPS set the flags as CMP; REPE/REPNE read ZF between iterations (only after the first, which writes it).
  // With a rep prefix and a zero count nothing is compared and the flags are unchanged.
  scas: { sdm: "SCAS", rule: (i, cpu) => eff(repCount(i, cpu) === 0n ? 0 : ST) },
  cmps: { sdm: "CMPS", rule: (i, cpu) => eff(repCount(i, cpu) === 0n ? 0 : ST) },
};

/** An x87 operand's magnitude check for the instructions with a restricted domain (empty or NaN: defined behaviour). */
function x87Domain(cpu: X86Cpu, k: number, max: number, why: string): Effect {
  const p = (cpu.fpTop + k) & 7;
  if (cpu.fpTag & (1 << p)) return eff(0);
  const v = cpu.st[p]!;
  if (v.e === 0x7fff) return eff(0);
  const unsupported = v.e !== 0 && v.m < 1n << 63n;
  const mag = Number(v.m) * 2 ** ((v.e === 0 ? 1 : v.e) - 16383 - 63);
  return unsupported || mag > max ? { w: 0, u: 0, r: 0, bad: why } : eff(0);
}

function flagEffect(i: Insn, cpu: X86Cpu): Effect {
  const d = i.def;
  const rule = FLAG_RULES[d.key] ?? FLAG_RULES[d.mn];
  if (rule) return rule.rule(i, cpu);
  const cc = /^(?:j|set|cmov)(n?[a-z]{1,2})$/.exec(d.mn);
  if (cc && (d.key === "jcc" || d.key === "setcc" || d.key === "cmov")) return eff(0, 0, CC_READS[cc[1]!] ?? ST);
  if (d.mn.startsWith("fcmov")) return eff(0, 0, FCMOV_READS[d.mn.slice(5)] ?? ST);
  if (d.mn === "loope" || d.mn === "loopne") return eff(0, 0, ZF);
  return eff(0);
}

/**
 * FSW condition codes by x87 mnemonic (Intel SDM Vol. 2 "FPU Flags Affected" of each instruction): which of C0-C3 a
 * row leaves undefined. Unlisted x87 rows define all four or leave them unchanged; fnstsw reads them all.
 */
export const FSW_RULES: { re: RegExp; u: number; w?: number; sdm: string }[] = [
  // "C1 Set to 0 if stack underflow occurred [...] set if result was rounded up; cleared otherwise. C0, C2, C3 Undefined."
  { re: /^f(add|sub|subr|mul|div|divr)[sl]?p?$|^fi(add|sub|subr|mul|div|divr)[sl]$/, u: C0 | C2 | C3, sdm: "FADD/FSUB/FMUL/FDIV(R)" },
  { re: /^f(ld|st|stp)[slt]?$|^fild[sl]?l?$|^fist(p)?[sl]?l?$|^fisttp[sl]?l?$/, u: C0 | C2 | C3, sdm: "FLD/FST/FILD/FIST(P)/FISTTP" },
  { re: /^fld(1|l2t|l2e|pi|lg2|ln2|z)$/, u: C0 | C2 | C3, sdm: "FLD1/FLDL2T/.../FLDZ" },
  { re: /^f(chs|abs|xch|sqrt|rndint|scale|xtract|incstp|decstp)$/, u: C0 | C2 | C3, sdm: "FCHS/FABS/FXCH/FSQRT/FRNDINT/FSCALE/FXTRACT/FINCSTP/FDECSTP" },
  // FCMOVcc: "C1 Set to 0 if stack underflow occurred" (otherwise unchanged, measured). C0, C2, C3 undefined.
  { re: /^fcmovn?(b|e|be|u)$/, u: C0 | C2 | C3, w: 0, sdm: "FCMOVcc" },
  { re: /^f(2xm1|yl2x|yl2xp1|patan)$/, u: C0 | C2 | C3, sdm: "F2XM1/FYL2X/FYL2XP1/FPATAN" },
  { re: /^f(sin|cos|sincos|ptan)$/, u: C0 | C3, sdm: "FSIN/FCOS/FSINCOS/FPTAN (C2 reports an out-of-range operand)" },
  { re: /^f(free|nop)$/, u: CC, sdm: "FFREE/FNOP: C0, C1, C2, C3 undefined" },
  // FCOMI/FUCOMI(P): "C1 Set to 0 if stack underflow occurred; otherwise, set to 0. C0, C2, C3 Not affected."
];

function fswEffect(i: Insn): { u: number; w: number; r: number } {
  const d = i.def;
  if (!(d.flags & 512 /* F_X87 */)) return { u: 0, w: 0, r: 0 };
  if (d.mn === "fnstsw") return { u: 0, w: 0, r: CC | FSW_UNMODELLED };
  if (d.mn === "fninit") return { u: 0, w: CC | FSW_UNMODELLED, r: 0 };
  if (d.mn === "fnclex") return { u: 0, w: FSW_UNMODELLED, r: 0 };
  for (const r of FSW_RULES) if (r.re.test(d.mn)) return { u: r.u | FSW_UNMODELLED, w: r.w ?? CC & ~r.u, r: 0 };
  // fcom/fucom/ftst/fxam/fprem define all four codes; fcomi & co. leave C0 C2 C3 alone but may raise exceptions.
  if (/^f(u?comp{0,2}[sl]?|icomp?[sl]|tst|xam|prem1?)$/.test(d.mn)) return { u: FSW_UNMODELLED, w: CC, r: 0 };
  return { u: FSW_UNMODELLED, w: 0, r: 0 };
}

/** SSE rows that can raise (masked) floating-point exceptions, setting MXCSR flags the interpreter does not keep. */
const SSE_FP = /^(add|sub|mul|div|sqrt|min|max|cmp)[ps][sd]$|^u?comis[sd]$|^cvt/;

// ------------------------------------------------------------------ running a case in uabi

export class CodeBuf implements ByteSource {
  constructor(readonly bytes: Uint8Array) {}
  fetch8(addr: number): number {
    const k = addr - CODE;
    return k >= 0 && k < this.bytes.length ? this.bytes[k]! : 0xcc;
  }
}

function makeCpu(code: Uint8Array, st: InState, jit: boolean): X86Cpu {
  const mem = new GuestMemory();
  mem.map(CODE, PAGE, PERM_READ | PERM_EXEC);
  const page = new Uint8Array(PAGE).fill(0xcc);
  page.set(code);
  mem.poke(CODE, page);
  mem.map(SCRATCH, PAGE, PERM_READ | PERM_WRITE);
  mem.poke(SCRATCH, st.scratch);
  const cpu = new X86Cpu(mem, { jit, jitThreshold: 0, counter: () => 0n });
  for (let i = 0; i < 16; i++) cpu.setReg(i, st.gpr[i]!);
  cpu.rflags = BigInt(st.rflags);
  cpu.fxrstor(st.fx);
  cpu.pc = CODE;
  return cpu;
}

function outState(cpu: X86Cpu, trap: Trap): OutState {
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) gpr.push(cpu.getReg(i));
  return { cls: TRAP_CLASS[trap.kind], rip: cpu.pc, gpr, rflags: Number(cpu.rflags), fx: cpu.fxsave(), scratch: cpu.mem.readBytes(SCRATCH, PAGE) };
}

export interface Masks {
  /** RFLAGS status bits undefined at this point. */
  flags: number;
  /** FSW bits undefined (or not modelled) at this point. */
  fsw: number;
  /** MXCSR bits not modelled at this point. */
  mxcsr: number;
}

export interface UabiRun {
  /** Interpreter, one instruction per run(1): the reference the native result is compared with. */
  interp: OutState;
  /** Masks at the end state (the int3 or the faulting instruction). */
  masks: Masks;
  /** When the sequence's outcome depends on something the SDM leaves undefined: the instruction and why. */
  bad?: { index: number; pc: number; why: string };
  /** Instructions executed (before the trap). */
  steps: number;
  /** Tier disagreements (translating tier and whole-budget interpreter vs the stepped interpreter). */
  tierDiffs: string[];
  /** Mnemonics executed (coverage). */
  executed: string[];
}

/** Run a case in uabi: the stepped interpreter (tracking undefined flags), the interpreter in one run, and the translating tier. */
export function runUabi(code: Uint8Array, st: InState, tiers = true): UabiRun {
  const cpu = makeCpu(code, st, false);
  const src = new CodeBuf(code);
  const masks: Masks = { flags: 0, fsw: 0, mxcsr: 0 };
  let bad: UabiRun["bad"];
  const executed: string[] = [];
  let trap: Trap = { kind: "budget", pc: CODE };
  let steps = 0;
  const insn = new Insn();
  for (; steps < 200; steps++) {
    const pc = cpu.pc;
    let decoded = true;
    try {
      decode(src, pc, insn);
    } catch {
      decoded = false;
    }
    const saveMasks = { ...masks };
    if (decoded && insn.def.key !== "int3") {
      let e: Effect;
      try {
        e = flagEffect(insn, cpu);
      } catch {
        e = eff(0); // an operand that faults: the fault is the outcome
      }
      const f = fswEffect(insn);
      if (!bad && e.r & masks.flags) bad = { index: steps, pc, why: `${insn.def.mn} reads undefined flags ${(e.r & masks.flags).toString(16)}` };
      if (!bad && f.r & masks.fsw) bad = { index: steps, pc, why: `${insn.def.mn} reads undefined/unmodelled FSW bits ${(f.r & masks.fsw).toString(16)}` };
      if (!bad && e.bad) bad = { index: steps, pc, why: e.bad };
      if (!bad && insn.def.mn === "stmxcsr" && masks.mxcsr) bad = { index: steps, pc, why: "stmxcsr after an SSE FP operation (MXCSR flags not modelled)" };
      if (!bad && insn.def.mn === "pushf" && masks.flags) bad = { index: steps, pc, why: "pushf of undefined flags" };
      masks.flags = (masks.flags & ~e.w) | e.u;
      masks.fsw = (masks.fsw & ~f.w) | f.u;
      if (SSE_FP.test(insn.def.mn)) masks.mxcsr = MXCSR_UNMODELLED;
      executed.push(insn.def.mn);
    }
    trap = cpu.run(1);
    if (trap.kind !== "budget") {
      if (trap.kind !== "breakpoint") {
        // A fault leaves no effects: the masks are those before the faulting instruction.
        Object.assign(masks, saveMasks);
      }
      break;
    }
  }
  const interp = outState(cpu, trap);
  cpu.dispose();
  const tierDiffs: string[] = [];
  if (tiers) {
    for (const jit of [false, true]) {
      const c2 = makeCpu(code, st, jit);
      const t2 = c2.run(1000);
      const o2 = outState(c2, t2);
      const d = diffStates(interp, o2, { flags: 0, fsw: 0, mxcsr: 0 });
      if (c2.counters.instructions !== steps + (trap.kind === "breakpoint" ? 1 : 0)) d.push(`retired ${c2.counters.instructions} vs ${steps + (trap.kind === "breakpoint" ? 1 : 0)}`);
      if (d.length) tierDiffs.push(`${jit ? "translating tier" : "interpreter run(1000)"}: ${d.join("; ")}`);
      c2.dispose();
    }
  }
  return { interp, masks, bad, steps, tierDiffs, executed };
}

// ------------------------------------------------------------------ comparison

const hex = (v: bigint | number) => v.toString(16);
const REGS = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

/** Differences between an expected (native) and an actual (uabi) state, under the masks; [] when equal. */
export function diffStates(want: OutState, got: OutState, m: Masks): string[] {
  const out: string[] = [];
  if (want.cls !== got.cls) out.push(`outcome ${want.cls} vs ${got.cls}`);
  if (want.rip !== got.rip) out.push(`rip ${hex(want.rip)} vs ${hex(got.rip)}`);
  for (let i = 0; i < 16; i++) if (want.gpr[i] !== got.gpr[i]) out.push(`${REGS[i]} ${hex(want.gpr[i]!)} vs ${hex(got.gpr[i]!)}`);
  const fm = (ST | 0x400) & ~m.flags;
  if ((want.rflags & fm) !== (got.rflags & fm)) out.push(`rflags ${hex(want.rflags & fm)} vs ${hex(got.rflags & fm)} (mask ${hex(fm)})`);
  const wd = new DataView(want.fx.buffer, want.fx.byteOffset, 512);
  const gd = new DataView(got.fx.buffer, got.fx.byteOffset, 512);
  if (wd.getUint16(0, true) !== gd.getUint16(0, true)) out.push(`fcw ${hex(wd.getUint16(0, true))} vs ${hex(gd.getUint16(0, true))}`);
  const swm = 0xffff & ~m.fsw;
  if ((wd.getUint16(2, true) & swm) !== (gd.getUint16(2, true) & swm)) out.push(`fsw ${hex(wd.getUint16(2, true))} vs ${hex(gd.getUint16(2, true))} (mask ${hex(swm)})`);
  if (want.fx[4] !== got.fx[4]) out.push(`ftw ${hex(want.fx[4]!)} vs ${hex(got.fx[4]!)}`);
  const mm = 0xffff & ~m.mxcsr;
  if ((wd.getUint32(24, true) & mm) !== (gd.getUint32(24, true) & mm)) out.push(`mxcsr ${hex(wd.getUint32(24, true))} vs ${hex(gd.getUint32(24, true))}`);
  const tags = want.fx[4]!;
  for (let k = 0; k < 8; k++) {
    // Empty registers keep their old bits on hardware; only compare registers that are valid in the native result.
    const o = 32 + 16 * k;
    const top = (wd.getUint16(2, true) >> 11) & 7;
    if (!((tags >> ((top + k) & 7)) & 1)) continue;
    const a = Buffer.from(want.fx.subarray(o, o + 10)).toString("hex");
    const b = Buffer.from(got.fx.subarray(o, o + 10)).toString("hex");
    if (a !== b) out.push(`st${k} ${f80Text(want.fx, o)} vs ${f80Text(got.fx, o)}`);
  }
  for (let x = 0; x < 16; x++) {
    const o = 160 + 16 * x;
    const a = Buffer.from(want.fx.subarray(o, o + 16)).toString("hex");
    const b = Buffer.from(got.fx.subarray(o, o + 16)).toString("hex");
    if (a !== b) out.push(`xmm${x} ${a} vs ${b}`);
  }
  for (let k = 0; k < PAGE; k++) {
    if (want.scratch[k] !== got.scratch[k]) {
      let e = k;
      while (e < PAGE && e < k + 16 && want.scratch[e] !== got.scratch[e]) e++;
      out.push(`mem+${hex(k)} ${Buffer.from(want.scratch.subarray(k, e)).toString("hex")} vs ${Buffer.from(got.scratch.subarray(k, e)).toString("hex")}`);
      break;
    }
  }
  return out;
}

/** An 80-bit value as sign/exponent/significand hex. */
export function f80Text(b: Uint8Array, o: number): string {
  let m = 0n;
  for (let i = 7; i >= 0; i--) m = (m << 8n) | BigInt(b[o + i]!);
  const se = b[o + 8]! | (b[o + 9]! << 8);
  return `${se >> 15 ? "-" : "+"}${(se & 0x7fff).toString(16)}:${m.toString(16).padStart(16, "0")}`;
}

// ------------------------------------------------------------------ fixture form

/** A native result stored as changes against the input state (compact fixtures). */
export interface RecordedCase {
  seed: number;
  code: string; // hex
  cls: OutcomeClass;
  rip: number;
  gpr: Record<string, string>; // changed registers: index -> hex
  rflags: number;
  fx: [number, string][]; // changed byte runs of the FXSAVE image (offset, hex)
  mem: [number, string][]; // changed byte runs of the scratch page
}

function runs(a: Uint8Array, b: Uint8Array, skip?: (k: number) => boolean): [number, string][] {
  const out: [number, string][] = [];
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k] || skip?.(k)) continue;
    let e = k;
    while (e < a.length && (a[e] !== b[e] || (e + 1 < a.length && a[e + 1] !== b[e + 1]))) e++;
    out.push([k, Buffer.from(b.subarray(k, e)).toString("hex")]);
    k = e;
  }
  return out;
}
/** Bytes of the FXSAVE image that are compared (FCW FSW FTW, MXCSR, ST0-7 without padding, XMM0-15). */
const fxCompared = (k: number) => k < 5 || (k >= 24 && k < 28) || (k >= 32 && k < 160 && (k - 32) % 16 < 10) || (k >= 160 && k < 416);

export function encodeCase(seed: number, code: Uint8Array, st: InState, out: OutState): RecordedCase {
  const gpr: Record<string, string> = {};
  for (let i = 0; i < 16; i++) if (out.gpr[i] !== st.gpr[i]) gpr[i] = out.gpr[i]!.toString(16);
  return {
    seed,
    code: Buffer.from(code).toString("hex"),
    cls: out.cls,
    rip: out.rip,
    gpr,
    rflags: out.rflags,
    fx: runs(st.fx, out.fx, (k) => !fxCompared(k)),
    mem: runs(st.scratch, out.scratch),
  };
}

export function decodeCase(c: RecordedCase): { code: Uint8Array; st: InState; out: OutState } {
  const st = inputState(c.seed);
  const gpr = st.gpr.slice();
  for (const [k, v] of Object.entries(c.gpr)) gpr[Number(k)] = BigInt("0x" + v);
  const fx = st.fx.slice();
  for (const [o, h] of c.fx) fx.set(Buffer.from(h, "hex"), o);
  const scratch = st.scratch.slice();
  for (const [o, h] of c.mem) scratch.set(Buffer.from(h, "hex"), o);
  return { code: Uint8Array.from(Buffer.from(c.code, "hex")), st, out: { cls: c.cls, rip: c.rip, gpr, rflags: c.rflags, fx, scratch } };
}
