/**
 * Integer, control-flow, string and system instruction semantics.
 * Each `INT_OPS.op` entry is a factory that builds the handler for a table
 * row, specialised on its operand form ("EG", "GE", "EI", ...).
 */
import {
  AF, CF, DF, FL_ADC, FL_ADD, FL_DEC, FL_INC, FL_SBB, FL_SUB, OF, OpSet, PF, SF, ZF,
} from "./registry.js";
import type { X86Cpu } from "./cpu.js";
import type { Insn } from "./decode.js";
import { CC } from "./tables.js";

/** This module's handlers by table key, linked by the CPU (registry.ts). */
export const INT_OPS = new OpSet("int");

type H = (c: X86Cpu, i: Insn) => void;
const TWO32 = 4294967296;

/** Truncate `x` to `sz` bits, unsigned (sz ≤ 32). */
function mask(x: number, sz: number): number {
  return sz === 32 ? x >>> 0 : sz === 16 ? x & 0xffff : x & 0xff;
}
const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const sbig = (lo: number, hi: number, sz: number): bigint => BigInt.asIntN(sz, sz === 64 ? big(lo, hi) : BigInt(lo >>> 0));
/** Immediate of the instruction at its operand size: low part returned, high part in c.vh. */
function immOf(c: X86Cpu, i: Insn): number {
  const sz = i.osz;
  if (sz === 64) {
    c.vh = i.immHi >>> 0;
    return i.imm >>> 0;
  }
  c.vh = 0;
  return mask(i.imm, sz);
}

// ----------------------------------------------------------------------- ALU

const ALU: Record<string, number> = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7 };

/** Compute op on (a, b), write the destination (E when toE), then set flags (so a faulting write changes nothing). */
function arith(c: X86Cpu, i: Insn, op: number, a: number, ah: number, b: number, bh: number, toE: boolean): void {
  const sz = i.osz;
  let r: number;
  let rh = 0;
  let cin = 0;
  switch (op) {
    case 0:
    case 2: {
      if (op === 2) cin = c.getCF();
      if (sz === 64) {
        const t = a + b + cin;
        r = t >>> 0;
        rh = (ah + bh + (t >= TWO32 ? 1 : 0)) >>> 0;
      } else r = mask(a + b + cin, sz);
      if (toE) c.wrEm(i, r, rh);
      else c.wrG(i, r, rh);
      c.setLazy(op === 2 ? FL_ADC : FL_ADD, sz, a, ah, b, bh, r, rh, cin);
      return;
    }
    case 3:
    case 5:
    case 7: {
      if (op === 3) cin = c.getCF();
      if (sz === 64) {
        const t = a - b - cin;
        r = t >>> 0;
        rh = (ah - bh - (t < 0 ? 1 : 0)) >>> 0;
      } else r = mask(a - b - cin, sz);
      if (op !== 7) {
        if (toE) c.wrEm(i, r, rh);
        else c.wrG(i, r, rh);
      }
      c.setLazy(op === 3 ? FL_SBB : FL_SUB, sz, a, ah, b, bh, r, rh, cin);
      return;
    }
    default: {
      if (op === 1) {
        r = (a | b) >>> 0;
        rh = (ah | bh) >>> 0;
      } else if (op === 4 || op === 8) {
        r = (a & b) >>> 0;
        rh = (ah & bh) >>> 0;
      } else {
        r = (a ^ b) >>> 0;
        rh = (ah ^ bh) >>> 0;
      }
      if (op !== 8) {
        if (toE) c.wrEm(i, r, rh);
        else c.wrG(i, r, rh);
      }
      c.setLogic(sz, r, rh);
    }
  }
}

INT_OPS.op(["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"], (d, form): H | undefined => {
  const op = d.mn === "test" ? 8 : ALU[d.mn]!;
  switch (form) {
    case "EG":
      return (c, i) => {
        const a = c.rdE(i);
        const ah = c.vh;
        const b = c.rdG(i);
        arith(c, i, op, a, ah, b, c.vh, true);
      };
    case "GE":
      return (c, i) => {
        const b = c.rdE(i);
        const bh = c.vh;
        const a = c.rdG(i);
        arith(c, i, op, a, c.vh, b, bh, false);
      };
    case "EI":
      return (c, i) => {
        const a = c.rdE(i);
        const ah = c.vh;
        const b = immOf(c, i);
        arith(c, i, op, a, ah, b, c.vh, true);
      };
  }
  return undefined;
});

// ---------------------------------------------------------------------- moves

INT_OPS.op(["mov", "movmoff"], (_d, form): H | undefined => {
  switch (form) {
    case "EG":
      return (c, i) => {
        const v = c.rdG(i);
        c.wrE(i, v, c.vh);
      };
    case "GE":
      return (c, i) => {
        const v = c.rdE(i);
        c.wrG(i, v, c.vh);
      };
    case "EI":
      return (c, i) => {
        const v = immOf(c, i);
        c.wrE(i, v, c.vh);
      };
  }
  return undefined;
});
INT_OPS.op("movimm", () => (c, i) => {
  if (i.osz === 64) c.wrReg(i.rm, i.rmb, 64, i.imm, i.immHi);
  else c.wrReg(i.rm, i.rmb, i.osz, mask(i.imm, i.osz), 0);
});
INT_OPS.op("xchg", () => (c, i) => {
  const a = c.rdE(i);
  const ah = c.vh;
  const b = c.rdG(i);
  c.wrE(i, b, c.vh);
  c.wrG(i, a, ah);
});
INT_OPS.op("nop90", () => (c, i) => {
  // 41 90 is xchg %r8,%rax (REX.B); plain 90 and f3 90 (pause) do nothing.
  if (i.rex & 1) {
    const a = c.rdReg(8, 8, i.osz);
    const ah = c.vh;
    const b = c.rdReg(0, 0, i.osz);
    c.wrReg(8, 8, i.osz, b, c.vh);
    c.wrReg(0, 0, i.osz, a, ah);
  }
});
const nop: H = () => {};
INT_OPS.op(["nop", "fwait", "endbr"], () => nop);
// clflush faults like a byte read on an address without a readable mapping (prefetches never fault: they stay nops).
INT_OPS.op("clflush", () => (c, i) => void c.mem.read8(c.ea(i)));
INT_OPS.op("movsxd", () => (c, i) => {
  const v = c.rdEs(i, 32);
  if (i.osz === 64) c.wrG(i, v, v & 0x80000000 ? 0xffffffff : 0);
  else c.wrG(i, mask(v, i.osz), 0);
});
INT_OPS.op(["movzx", "movsx"], (d) => {
  const ssz = d.ops[1]!.endsWith("b") ? 8 : 16;
  const signed = d.key === "movsx";
  return (c, i) => {
    let v = c.rdEs(i, ssz);
    let vh = 0;
    if (signed) {
      const sh = 32 - ssz;
      v = (v << sh) >> sh;
      vh = v < 0 ? 0xffffffff : 0;
      v = mask(v, i.osz === 64 ? 32 : i.osz);
    }
    c.wrG(i, v, vh);
  };
});
INT_OPS.op("lea", () => (c, i) => {
  // The address sum without segment base, exact modulo 2^64 (cpu.addrSum), truncated to the address size.
  const lo = c.addrSum(i);
  if (i.osz === 64) c.wrG(i, lo, i.asz === 32 ? 0 : c.eaHi >>> 0);
  else c.wrG(i, mask(lo, i.osz), 0);
});
function bs(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
INT_OPS.op("bswap", () => (c, i) => {
  if (i.osz === 64) {
    const lo = c.L[i.rm]!;
    const hi = c.H[i.rm]!;
    c.L[i.rm] = bs(hi);
    c.H[i.rm] = bs(lo);
  } else if (i.pfx & 1 /* 66 */) c.wrReg(i.rm, i.rm, 16, 0, 0); // 16-bit: undefined by the SDM; 0 on Intel and AMD (measured)
  else c.wrReg(i.rm, i.rm, 32, bs(c.L[i.rm]!), 0);
});
INT_OPS.op("cbw", () => (c, i) => {
  if (i.osz === 64) c.H[0] = c.L[0]! >> 31;
  else if (i.osz === 32) c.wrReg(0, 0, 32, ((c.L[0]! << 16) >> 16) >>> 0, 0);
  else c.wrReg(0, 0, 16, ((c.L[0]! << 24) >> 24) & 0xffff, 0);
});
INT_OPS.op("cwd", () => (c, i) => {
  if (i.osz === 64) {
    const s = c.H[0]! >> 31;
    c.L[2] = s;
    c.H[2] = s;
  } else if (i.osz === 32) c.wrReg(2, 2, 32, (c.L[0]! >> 31) >>> 0, 0);
  else c.wrReg(2, 2, 16, ((c.L[0]! << 16) >> 31) & 0xffff, 0);
});

// ---------------------------------------------------------------------- stack

INT_OPS.op("push", (_d, form): H => {
  if (form === "I")
    return (c, i) => {
      if (i.osz === 16) pushN(c, 16, i.imm & 0xffff, 0);
      else c.push64(i.imm >>> 0, i.immHi >>> 0);
    };
  return (c, i) => {
    const v = c.rdE(i);
    if (i.osz === 16) pushN(c, 16, v, 0);
    else c.push64(v, c.vh);
  };
});
function pushN(c: X86Cpu, sz: number, v: number, vh: number): void {
  const sp = c.rsp() - sz / 8;
  c.wrMem(sp, sz, v, vh);
  c.setRsp(sp);
}
INT_OPS.op("pop", () => (c, i) => {
  const sp = c.rsp();
  const n = i.osz / 8;
  const v = c.rdMem(sp, i.osz);
  const vh = c.vh;
  // pop into memory addresses with the incremented rsp (SDM "POP"); undo on a faulting write.
  c.setRsp(sp + n);
  try {
    c.wrE(i, v, vh);
  } catch (e) {
    c.setRsp(sp);
    throw e;
  }
});
INT_OPS.op("pushf", () => (c, i) => {
  // RF and VM are never pushed; the image is what user mode sees.
  const f = c.flags32() & 0x00fcffff;
  if (i.osz === 16) pushN(c, 16, f & 0xffff, 0);
  else c.push64(f, 0);
});
INT_OPS.op("popf", () => (c, i) => {
  const sp = c.rsp();
  const v = c.rdMem(sp, i.osz);
  c.setRsp(sp + i.osz / 8);
  c.setFlags32(i.osz === 16 ? (c.flags32() & 0xffff0000) | v : v);
});
INT_OPS.op("leave", () => (c, i) => {
  const bp = c.H[5]! * TWO32 + (c.L[5]! >>> 0);
  const v = c.rdMem(bp, i.osz);
  const vh = c.vh;
  c.setRsp(bp + i.osz / 8);
  c.wrReg(5, 5, i.osz, v, vh);
});
INT_OPS.op("enter", () => (c, i) => {
  // SDM "ENTER" (64-bit mode): push rbp; for nesting level L > 0 copy L-1 frame pointers from the enclosing frame
  // and push the new frame pointer; then rbp := frame, rsp -= size. The 16-bit form pushes words and sets bp only.
  const n = i.osz === 16 ? 2 : 8;
  const level = i.imm2 & 31;
  const sz = i.osz === 16 ? 16 : 64;
  let sp = c.rsp() - n;
  c.wrMem(sp, sz, c.L[5]! >>> 0, c.H[5]! >>> 0);
  const frame = sp;
  if (level > 0) {
    let bp = c.H[5]! * TWO32 + (c.L[5]! >>> 0);
    for (let k = 1; k < level; k++) {
      bp = i.osz === 16 ? bp - (bp % TWO32 % 65536) + (((bp % 65536) - 2 + 65536) % 65536) : bp - 8;
      const v = c.rdMem(bp, sz);
      const vh = c.vh;
      sp -= n;
      c.wrMem(sp, sz, v, vh);
    }
    sp -= n;
    c.wrMem(sp, sz, frame >>> 0, Math.floor(frame / TWO32) >>> 0);
  }
  if (i.osz === 16) c.wrReg(5, 5, 16, frame & 0xffff, 0);
  else {
    c.L[5] = frame;
    c.H[5] = Math.floor(frame / TWO32);
  }
  c.setRsp(sp - i.imm);
});

// ------------------------------------------------------------- unary, mul, div

INT_OPS.op(["inc", "dec"], (d) => {
  const isInc = d.mn === "inc";
  return (c, i) => {
    const sz = i.osz;
    const a = c.rdE(i);
    const ah = c.vh;
    let r: number;
    let rh = 0;
    if (sz === 64) {
      if (isInc) {
        r = (a + 1) >>> 0;
        rh = r === 0 ? (ah + 1) >>> 0 : ah;
      } else {
        r = (a - 1) >>> 0;
        rh = a === 0 ? (ah - 1) >>> 0 : ah;
      }
    } else r = mask(isInc ? a + 1 : a - 1, sz);
    const cf = c.getCF();
    c.wrEm(i, r, rh);
    c.setLazy(isInc ? FL_INC : FL_DEC, sz, a, ah, 1, 0, r, rh, cf);
  };
});
INT_OPS.op("not", () => (c, i) => {
  const a = c.rdE(i);
  const ah = c.vh;
  c.wrEm(i, mask(~a, i.osz === 64 ? 32 : i.osz), ~ah >>> 0);
});
INT_OPS.op("neg", () => (c, i) => {
  const sz = i.osz;
  const a = c.rdE(i);
  const ah = c.vh;
  let r: number;
  let rh = 0;
  if (sz === 64) {
    r = (-a) >>> 0;
    rh = (-ah - (a !== 0 ? 1 : 0)) >>> 0;
  } else r = mask(-a, sz);
  c.wrEm(i, r, rh);
  c.setLazy(FL_SUB, sz, 0, 0, a, ah, r, rh, 0);
});

/** Unsigned 32×32 → 64: low half returned, high half in c.vh. */
function umul32(c: X86Cpu, a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  c.vh = (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  return (((mid & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
}

/** 64×64 → 128 product of (a1:a0)·(b1:b0) as four 32-bit limbs in P (signed when `signed`). No BigInt. */
const P = new Uint32Array(4);
function mul64(c: X86Cpu, a0: number, a1: number, b0: number, b1: number, signed: boolean): void {
  const l00 = umul32(c, a0, b0);
  const h00 = c.vh;
  const l01 = umul32(c, a0, b1);
  const h01 = c.vh;
  const l10 = umul32(c, a1, b0);
  const h10 = c.vh;
  const l11 = umul32(c, a1, b1);
  const h11 = c.vh;
  const t1 = h00 + l01 + l10;
  const c1 = Math.floor(t1 / TWO32);
  const t2 = h01 + h10 + l11 + c1;
  const c2 = Math.floor(t2 / TWO32);
  let r2 = t2 >>> 0;
  let r3 = (h11 + c2) >>> 0;
  if (signed) {
    // Two's-complement correction of the high half: subtract b if a < 0, a if b < 0.
    if (a1 & 0x80000000) {
      const t = r2 - b0;
      r2 = t >>> 0;
      r3 = (r3 - b1 - (t < 0 ? 1 : 0)) >>> 0;
    }
    if (b1 & 0x80000000) {
      const t = r2 - a0;
      r2 = t >>> 0;
      r3 = (r3 - a1 - (t < 0 ? 1 : 0)) >>> 0;
    }
  }
  P[0] = l00;
  P[1] = t1 >>> 0;
  P[2] = r2;
  P[3] = r3;
}

/** Flags after mul/imul: CF=OF as given; SF/ZF/PF from the low result (what current Intel and AMD cores produce); AF=0. */
function mulFlags(c: X86Cpu, sz: number, r: number, rh: number, ovf: number): void {
  c.setResultFlags(sz, r, rh, ovf, ovf, 0);
}

INT_OPS.op(["mul1", "imul1"], (d) => {
  const signed = d.key === "imul1";
  return (c, i) => {
    const sz = i.osz;
    const s = c.rdE(i);
    const sh = c.vh;
    if (sz === 8) {
      const a = c.L[0]! & 0xff;
      const p = signed ? ((a << 24) >> 24) * ((s << 24) >> 24) : a * s;
      c.wrReg(0, 0, 16, p & 0xffff, 0);
      const ovf = signed ? (p !== (p << 24) >> 24 ? 1 : 0) : p > 0xff ? 1 : 0;
      mulFlags(c, 8, p & 0xff, 0, ovf);
      return;
    }
    if (sz === 16) {
      const a = c.L[0]! & 0xffff;
      const p = signed ? ((a << 16) >> 16) * ((s << 16) >> 16) : a * s;
      c.wrReg(0, 0, 16, p & 0xffff, 0);
      c.wrReg(2, 2, 16, (p >> 16) & 0xffff, 0);
      const ovf = signed ? (p !== (p << 16) >> 16 ? 1 : 0) : p > 0xffff ? 1 : 0;
      mulFlags(c, 16, p & 0xffff, 0, ovf);
      return;
    }
    if (sz === 32 && !signed) {
      const lo = umul32(c, c.L[0]! >>> 0, s);
      const hi = c.vh;
      c.wrReg(0, 0, 32, lo, 0);
      c.wrReg(2, 2, 32, hi, 0);
      mulFlags(c, 32, lo, 0, hi !== 0 ? 1 : 0);
      return;
    }
    if (sz === 64) {
      mul64(c, c.L[0]! >>> 0, c.H[0]! >>> 0, s, sh, signed);
      c.L[0] = P[0]!;
      c.H[0] = P[1]!;
      c.L[2] = P[2]!;
      c.H[2] = P[3]!;
      const ext = signed && P[1]! & 0x80000000 ? 0xffffffff : 0;
      mulFlags(c, 64, P[0]!, P[1]!, P[2] !== ext || P[3] !== ext ? 1 : 0);
      return;
    }
    const a = signed ? sbig(c.L[0]!, c.H[0]!, sz) : BigInt(c.L[0]! >>> 0);
    const b = signed ? sbig(s, sh, sz) : sz === 64 ? big(s, sh) : BigInt(s);
    const p = a * b;
    const n = BigInt(sz);
    const low = BigInt.asUintN(sz, p);
    const high = BigInt.asUintN(sz, p >> n);
    const ovf = signed ? (BigInt.asIntN(sz, p) !== p ? 1 : 0) : high !== 0n ? 1 : 0;
    if (sz === 64) {
      c.setReg(0, low);
      c.setReg(2, high);
    } else {
      c.wrReg(0, 0, 32, Number(low), 0);
      c.wrReg(2, 2, 32, Number(high), 0);
    }
    mulFlags(c, sz, Number(low & 0xffffffffn), Number(low >> 32n), ovf);
  };
});

/** Signed truncating multiply for imul r, r/m[, imm]: result in low (c.vh high), overflow in c.tmp. */
function imulTrunc(c: X86Cpu, sz: number, a: number, ah: number, b: number, bh: number): number {
  if (sz !== 64) {
    const sh = 32 - sz;
    const x = (a << sh) >> sh;
    const y = (b << sh) >> sh;
    const r = sz === 32 ? Math.imul(x, y) : (x * y) | 0;
    const exact = x * y; // exact when |x*y| < 2^53; larger means overflow anyway
    const t = sz === 32 ? r : (r << sh) >> sh;
    mulOverflow = exact !== t ? 1 : 0;
    c.vh = 0;
    return mask(t, sz);
  }
  // Fast path: both fit in int32 → product exact in a double.
  if ((ah === 0 && a < 0x80000000) || (ah === 0xffffffff && a >= 0x80000000)) {
    if ((bh === 0 && b < 0x80000000) || (bh === 0xffffffff && b >= 0x80000000)) {
      const p = (a | 0) * (b | 0);
      if (Math.abs(p) < 2 ** 53) {
        const hi = Math.floor(p / TWO32);
        mulOverflow = 0;
        c.vh = hi >>> 0;
        return (p - hi * TWO32) >>> 0;
      }
    }
  }
  mul64(c, a, ah, b, bh, true);
  const ext = P[1]! & 0x80000000 ? 0xffffffff : 0;
  mulOverflow = P[2] !== ext || P[3] !== ext ? 1 : 0;
  c.vh = P[1]!;
  return P[0]!;
}
let mulOverflow = 0;

INT_OPS.op("imul2", () => (c, i) => {
  const b = c.rdE(i);
  const bh = c.vh;
  const a = c.rdG(i);
  const r = imulTrunc(c, i.osz, a, c.vh, b, bh);
  const rh = c.vh;
  c.wrG(i, r, rh);
  mulFlags(c, i.osz, r, rh, mulOverflow);
});
INT_OPS.op("imul3", () => (c, i) => {
  const a = c.rdE(i);
  const ah = c.vh;
  const b = immOf(c, i);
  const r = imulTrunc(c, i.osz, a, ah, b, c.vh);
  const rh = c.vh;
  c.wrG(i, r, rh);
  mulFlags(c, i.osz, r, rh, mulOverflow);
});

INT_OPS.op(["div", "idiv"], (d) => {
  const signed = d.key === "idiv";
  return (c, i) => {
    const sz = i.osz;
    const s = c.rdE(i);
    const sh = c.vh;
    if (s === 0 && sh === 0) {
      c.fault(i, { kind: "divide-error", pc: i.addr });
      return;
    }
    if (!signed && sz === 32 && c.L[2] === 0) {
      const n = c.L[0]! >>> 0;
      c.wrReg(0, 0, 32, Math.floor(n / s), 0);
      c.wrReg(2, 2, 32, n % s, 0);
      return;
    }
    let num: bigint;
    if (sz === 8) num = BigInt(c.L[0]! & 0xffff);
    else if (sz === 16) num = BigInt((((c.L[2]! & 0xffff) << 16) | (c.L[0]! & 0xffff)) >>> 0);
    else if (sz === 32) num = big(c.L[0]!, c.L[2]!);
    else num = (c.getReg(2) << 64n) | c.getReg(0);
    const n2 = BigInt(2 * sz);
    let div = sz === 64 ? big(s, sh) : BigInt(s);
    if (signed) {
      num = BigInt.asIntN(Number(n2), num);
      div = BigInt.asIntN(sz, div);
    }
    const q = num / div; // truncates toward zero, as idiv does
    const r = num % div;
    const fits = signed ? BigInt.asIntN(sz, q) === q : BigInt.asUintN(sz, q) === q;
    if (!fits) {
      c.fault(i, { kind: "divide-error", pc: i.addr });
      return;
    }
    const qu = BigInt.asUintN(sz, q);
    const ru = BigInt.asUintN(sz, r);
    if (sz === 8) c.wrReg(0, 0, 16, Number(qu) | (Number(ru) << 8), 0);
    else if (sz === 64) {
      c.setReg(0, qu);
      c.setReg(2, ru);
    } else {
      c.wrReg(0, 0, sz, Number(qu), 0);
      c.wrReg(2, 2, sz, Number(ru), 0);
    }
    // Flags are undefined after div; leave them unchanged.
  };
});

// -------------------------------------------------------------- shifts/rotates

const SHIFT_KIND: Record<string, number> = { rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, shr: 5, sar: 7 };

INT_OPS.op("shift", (d, form) => {
  const kind = SHIFT_KIND[d.mn]!;
  const countOf: (c: X86Cpu, i: Insn) => number =
    form === "E1" ? () => 1 : form === "EC" ? (c) => c.L[1]! & 0xff : (_c, i) => i.imm & 0xff;
  return (c, i) => {
    const sz = i.osz;
    const n = countOf(c, i) & (sz === 64 ? 63 : 31);
    const a = c.rdE(i);
    const ah = c.vh;
    if (n === 0) {
      // No flags change; a 32-bit register destination is still written (upper half zeroed).
      if (sz === 32 && i.mod === 3) c.H[i.rm] = 0;
      return;
    }
    if (kind >= 4) shiftOp(c, i, kind, sz, n, a, ah);
    else rotateOp(c, i, kind, sz, n, a, ah);
  };
});

function shiftOp(c: X86Cpu, i: Insn, kind: number, sz: number, n: number, a: number, ah: number): void {
  let r: number;
  let rh = 0;
  let cf: number;
  let of: number;
  if (sz === 64) {
    if (kind === 4) {
      if (n < 32) {
        rh = ((ah << n) | (a >>> (32 - n))) >>> 0;
        r = (a << n) >>> 0;
        cf = (ah >>> (32 - n)) & 1;
      } else {
        rh = (a << (n - 32)) >>> 0;
        r = 0;
        cf = n === 32 ? ah & 1 : (a >>> (64 - n)) & 1;
      }
      of = (rh >>> 31) ^ cf;
    } else {
      const sar = kind === 7;
      if (n < 32) {
        r = ((a >>> n) | (ah << (32 - n))) >>> 0;
        rh = (sar ? ah >> n : ah >>> n) >>> 0;
        cf = (a >>> (n - 1)) & 1;
      } else {
        r = (sar ? ah >> (n - 32) : ah >>> (n - 32)) >>> 0;
        rh = sar ? (ah >> 31) >>> 0 : 0;
        cf = n === 32 ? a >>> 31 : (ah >>> (n - 33)) & 1;
      }
      of = sar ? 0 : ah >>> 31;
    }
  } else {
    const top = sz - 1;
    if (kind === 4) {
      // n may exceed sz for 8/16-bit operands (count is masked to 5 bits).
      const full = n <= 31 ? a * 2 ** n : 0;
      r = mask(full, sz);
      cf = n <= sz ? Math.floor(full / 2 ** sz) & 1 : 0;
      of = ((r >>> top) & 1) ^ cf;
    } else if (kind === 5) {
      r = n >= 32 ? 0 : a >>> n;
      cf = n <= sz ? (a >>> (n - 1)) & 1 : 0;
      of = (a >>> top) & 1;
    } else {
      const sh = 32 - sz;
      const s = (a << sh) >> sh;
      r = mask(s >> Math.min(n, 31), sz);
      cf = (s >> Math.min(n - 1, 31)) & 1;
      of = 0;
    }
  }
  c.wrEm(i, r, rh);
  // AF is undefined after shifts (SDM); it is left clear here (the AMD recording host sets it).
  c.setResultFlags(sz, r, rh, cf, of, 0);
}

function rotateOp(c: X86Cpu, i: Insn, kind: number, sz: number, n: number, a: number, ah: number): void {
  const N = BigInt(sz);
  const v = sz === 64 ? big(a, ah) : BigInt(a);
  const m = (1n << N) - 1n;
  let r: bigint;
  let cf: number;
  let of: number;
  const cf0 = c.getCF();
  if (kind === 0 || kind === 1) {
    const k = BigInt(n % sz);
    r = kind === 0 ? ((v << k) | (v >> (N - k))) & m : ((v >> k) | (v << (N - k))) & m;
    if (kind === 0) {
      cf = Number(r & 1n);
      of = Number((r >> (N - 1n)) & 1n) ^ cf;
    } else {
      cf = Number((r >> (N - 1n)) & 1n);
      of = cf ^ Number((r >> (N - 2n)) & 1n);
    }
  } else {
    // Through carry: a (sz+1)-bit rotation; count modulo sz+1 for 8/16-bit operands.
    const k = BigInt(sz < 32 ? n % (sz + 1) : n);
    if (k === 0n) return;
    const W = N + 1n;
    const wm = (1n << W) - 1n;
    const x = kind === 2 ? (BigInt(cf0) << N) | v : (v << 1n) | BigInt(cf0);
    const y = kind === 2 ? ((x << k) | (x >> (W - k))) & wm : ((x >> k) | (x << (W - k))) & wm;
    if (kind === 2) {
      r = y & m;
      cf = Number((y >> N) & 1n);
      of = Number((r >> (N - 1n)) & 1n) ^ cf;
    } else {
      r = y >> 1n;
      cf = Number(y & 1n);
      of = Number((r >> (N - 1n)) & 1n) ^ Number((r >> (N - 2n)) & 1n);
    }
  }
  const lo = Number(r & 0xffffffffn);
  const hi = Number(r >> 32n);
  c.wrE(i, lo, hi);
  const f = c.eagerFlags();
  c.fbits = (f & ~(CF | OF)) | cf | (of << 11);
}

INT_OPS.op("shd", (d, form) => {
  const left = d.mn === "shld";
  return (c, i) => {
    const sz = i.osz;
    const n = (form === "EGC" ? c.L[1]! & 0xff : i.imm & 0xff) & (sz === 64 ? 63 : 31);
    const a = c.rdE(i);
    const ah = c.vh;
    const b = c.rdG(i);
    const bh = c.vh;
    if (n === 0) {
      if (sz === 32 && i.mod === 3) c.H[i.rm] = 0;
      return;
    }
    const N = BigInt(sz);
    const dv = sz === 64 ? big(a, ah) : BigInt(a);
    const sv = sz === 64 ? big(b, bh) : BigInt(b);
    const k = BigInt(n);
    const m = (1n << N) - 1n;
    let r: bigint;
    let cf: number;
    if (left) {
      // 16-bit counts above 16 are undefined; use the 48-bit concatenation hardware uses.
      const x = (dv << N) | sv;
      r = (x << k >> N) & m;
      cf = Number((dv >> (N - k)) & 1n);
    } else {
      const x = (sv << N) | dv;
      r = (x >> k) & m;
      cf = Number((dv >> (k - 1n)) & 1n);
    }
    const of = Number(((r ^ dv) >> (N - 1n)) & 1n);
    const lo = Number(r & 0xffffffffn);
    const hi = Number(r >> 32n);
    c.wrE(i, lo, hi);
    c.setResultFlags(sz, lo, hi, cf, of, 0);
  };
});

// ------------------------------------------------------------------ bit ops

INT_OPS.op("bt", (d, form) => {
  const op = d.mn; // bt bts btr btc
  return (c, i) => {
    const sz = i.osz;
    let bit: number;
    let addrAdj = 0;
    if (form === "EI") bit = i.imm & (sz - 1);
    else {
      const g = c.rdG(i);
      const gh = c.vh;
      if (i.mod === 3) bit = g & (sz - 1);
      else {
        // Memory form: the bit offset is a signed sz-bit integer and may address beyond the operand.
        const off = sz === 64 ? (gh | 0) * TWO32 + g : sz === 32 ? g | 0 : (g << 16) >> 16;
        const words = Math.floor(off / sz);
        addrAdj = words * (sz / 8);
        bit = off - words * sz;
      }
    }
    let a: number;
    let ah: number;
    let addr = 0;
    if (i.mod === 3) {
      a = c.rdE(i);
      ah = c.vh;
    } else {
      addr = c.ea(i) + addrAdj;
      a = c.rdMem(addr, sz);
      ah = c.vh;
    }
    const inHi = bit >= 32;
    const b = inHi ? bit - 32 : bit;
    const w = inHi ? ah : a;
    const cf = (w >>> b) & 1;
    if (op !== "bt") {
      let nw: number;
      if (op === "bts") nw = w | (1 << b);
      else if (op === "btr") nw = w & ~(1 << b);
      else nw = w ^ (1 << b);
      nw >>>= 0;
      const lo = inHi ? a : nw;
      const hi = inHi ? nw : ah;
      if (i.mod === 3) c.wrE(i, lo, hi);
      else c.wrMem(addr, sz, lo, hi);
    }
    const f = c.eagerFlags();
    c.fbits = (f & ~CF) | cf;
  };
});

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
INT_OPS.op(["bsf", "bsr", "tzcnt", "lzcnt", "popcnt"], (d) => {
  const op = d.mn;
  return (c, i) => {
    const sz = i.osz;
    const a = c.rdE(i);
    const ah = sz === 64 ? c.vh : 0;
    const zero = a === 0 && ah === 0;
    let r: number;
    if (op === "popcnt") {
      let n = 0;
      for (let x = a; x; x &= x - 1) n++;
      for (let x = ah; x; x &= x - 1) n++;
      c.wrG(i, n, 0);
      c.setResultFlags(32, zero ? 0 : 1, 0, 0, 0, 0);
      c.fbits = zero ? ZF : 0;
      return;
    }
    if (op === "bsf" || op === "bsr") {
      const f = c.eagerFlags();
      if (zero) {
        // Destination unchanged (as Intel and AMD implement it); ZF=1.
        c.fbits = (f & ~ZF) | ZF;
        return;
      }
      if (op === "bsf") r = a !== 0 ? ctz32(a) : 32 + ctz32(ah);
      else r = ah !== 0 ? 63 - Math.clz32(ah) : 31 - Math.clz32(a);
      c.wrG(i, r, 0);
      c.fbits = f & ~ZF;
      return;
    }
    if (op === "tzcnt") r = zero ? sz : a !== 0 ? ctz32(a) : 32 + ctz32(ah);
    else r = zero ? sz : sz === 64 ? (ah !== 0 ? Math.clz32(ah) : 32 + Math.clz32(a)) : Math.clz32(a) - (32 - sz);
    if (op === "tzcnt" && sz < 32 && !zero && r >= sz) r = sz;
    c.wrG(i, r, 0);
    const f = c.eagerFlags();
    c.fbits = (f & ~(CF | ZF)) | (zero ? CF : 0) | (r === 0 ? ZF : 0);
  };
});

// ------------------------------------------------------- cmov, setcc, atomics

INT_OPS.op("cmov", (d) => {
  const cc = CC.indexOf(d.mn.slice(4) as (typeof CC)[number]);
  return (c, i) => {
    const v = c.rdE(i); // the source is read (and may fault) whatever the condition
    const vh = c.vh;
    if (c.cond(cc)) c.wrG(i, v, vh);
    else if (i.osz === 32) c.H[i.reg] = 0; // a 32-bit destination is zero-extended even when not moved
  };
});
INT_OPS.op("setcc", (d) => {
  const cc = CC.indexOf(d.mn.slice(3) as (typeof CC)[number]);
  return (c, i) => c.wrE(i, c.cond(cc) ? 1 : 0, 0);
});
INT_OPS.op("cmpxchg", () => (c, i) => {
  const sz = i.osz;
  const m = c.rdE(i);
  const mh = c.vh;
  const a = c.rdReg(0, 0, sz);
  const ah = c.vh;
  const r = sz === 64 ? (a - m) >>> 0 : mask(a - m, sz);
  const rh = sz === 64 ? (ah - mh - (a < m ? 1 : 0)) >>> 0 : 0;
  if (m === a && mh === ah) {
    const g = c.rdG(i);
    c.wrE(i, g, c.vh);
  } else {
    if (i.mod !== 3) c.wrE(i, m, mh); // the processor always writes the destination
    c.wrReg(0, 0, sz, m, mh);
  }
  c.setLazy(FL_SUB, sz, a, ah, m, mh, r, rh, 0);
});
INT_OPS.op("cmpxchg16b", () => (c, i) => {
  const wide = (i.rex & 8) !== 0;
  const a = c.ea(i);
  if (wide && a % 16 !== 0) {
    c.fault(i, { kind: "alignment", pc: i.addr, addr: a });
    return;
  }
  const n = wide ? 64 : 32;
  const m0 = c.rdMem(a, n);
  const m0h = c.vh;
  const m1 = c.rdMem(a + n / 8, n);
  const m1h = c.vh;
  const eq = wide
    ? m0 === (c.L[0]! >>> 0) && m0h === (c.H[0]! >>> 0) && m1 === (c.L[2]! >>> 0) && m1h === (c.H[2]! >>> 0)
    : m0 === (c.L[0]! >>> 0) && m1 === (c.L[2]! >>> 0);
  if (eq) {
    if (wide) c.mem.checkWritable(a, 16);
    c.wrMem(a, n, c.L[3]! >>> 0, c.H[3]! >>> 0);
    c.wrMem(a + n / 8, n, c.L[1]! >>> 0, c.H[1]! >>> 0);
  } else {
    c.wrMem(a, n, m0, m0h);
    c.wrMem(a + n / 8, n, m1, m1h);
    c.wrReg(0, 0, n, m0, m0h);
    c.wrReg(2, 2, n, m1, m1h);
  }
  const f = c.eagerFlags();
  c.fbits = (f & ~ZF) | (eq ? ZF : 0);
});
INT_OPS.op("xadd", () => (c, i) => {
  const sz = i.osz;
  const a = c.rdE(i);
  const ah = c.vh;
  const b = c.rdG(i);
  const bh = c.vh;
  let r: number;
  let rh = 0;
  if (sz === 64) {
    const t = a + b;
    r = t >>> 0;
    rh = (ah + bh + (t >= TWO32 ? 1 : 0)) >>> 0;
  } else r = mask(a + b, sz);
  // SDM "XADD": SRC := DEST, then DEST := SUM, so with one register for both the sum wins. A memory destination is
  // written first so that a faulting store leaves the register unchanged.
  if (i.mod === 3) {
    c.wrG(i, a, ah);
    c.wrE(i, r, rh);
  } else {
    c.wrE(i, r, rh);
    c.wrG(i, a, ah);
  }
  c.setLazy(FL_ADD, sz, a, ah, b, bh, r, rh, 0);
});

// ---------------------------------------------------------------- flags ops

INT_OPS.op("clc", () => (c) => { c.fbits = c.eagerFlags() & ~CF; });
INT_OPS.op("stc", () => (c) => { c.fbits = c.eagerFlags() | CF; });
INT_OPS.op("cmc", () => (c) => { c.fbits = c.eagerFlags() ^ CF; });
INT_OPS.op("cld", () => (c) => { c.flagsOther &= ~DF; });
INT_OPS.op("std", () => (c) => { c.flagsOther |= DF; });
INT_OPS.op("sahf", () => (c) => {
  const ah = (c.L[0]! >>> 8) & 0xff;
  const f = c.eagerFlags();
  c.fbits = (f & OF) | (ah & (SF | ZF | AF | PF | CF));
});
INT_OPS.op("lahf", () => (c) => {
  const f = c.eagerFlags() & (SF | ZF | AF | PF | CF);
  c.L[0] = (c.L[0]! & ~0xff00) | ((f | 2) << 8);
});

// ------------------------------------------------------------- control flow

/**
 * Condition evaluators specialised per condition code. ZF and SF come straight from a lazy result
 * (every lazy op records one); the ordered compares read a lazy cmp/sub directly; the rest use c.cond.
 */
const FL_EAGER_ = 0;
function condFn(cc: number): (c: X86Cpu) => boolean {
  const neg = (cc & 1) === 1;
  switch (cc >> 1) {
    case 2: // e / ne
      return neg
        ? (c) => (c.fop !== FL_EAGER_ ? c.fr !== 0 || c.frh !== 0 : (c.fbits & ZF) === 0)
        : (c) => (c.fop !== FL_EAGER_ ? c.fr === 0 && c.frh === 0 : (c.fbits & ZF) !== 0);
    case 4: // s / ns
      return (c) => (c.getSF() === 1) !== neg;
    default:
      return (c) => c.cond(cc);
  }
}

INT_OPS.op("jcc", (d) => {
  const cc = CC.indexOf(d.mn.slice(1) as (typeof CC)[number]);
  const test = condFn(cc);
  return (c, i) => {
    if (test(c)) c.rip = i.next + i.imm;
  };
});
INT_OPS.op("jmprel", () => (c, i) => { c.rip = i.next + i.imm; });
INT_OPS.op("callrel", () => (c, i) => {
  c.push64(i.next >>> 0, Math.floor(i.next / TWO32));
  c.rip = i.next + i.imm;
});
function target(c: X86Cpu, i: Insn): number {
  const lo = c.rdEs(i, 64);
  return c.vh * TWO32 + lo;
}
INT_OPS.op("jmpind", () => (c, i) => { c.rip = target(c, i); });
INT_OPS.op("callind", () => (c, i) => {
  const t = target(c, i);
  c.push64(i.next >>> 0, Math.floor(i.next / TWO32));
  c.rip = t;
});
INT_OPS.op("ret", (_d, form) => (c, i) => {
  const lo = c.pop64();
  c.rip = c.vh * TWO32 + lo;
  if (form === "I") c.setRsp(c.rsp() + (i.imm & 0xffff));
});
INT_OPS.op("loop", (d) => {
  const kind = d.mn;
  return (c, i) => {
    const wide = i.asz === 64;
    let lo = (c.L[1]! - 1) >>> 0;
    let hi = wide ? (lo === 0xffffffff ? (c.H[1]! - 1) >>> 0 : c.H[1]! >>> 0) : 0;
    c.L[1] = lo;
    if (wide) c.H[1] = hi;
    const nz = lo !== 0 || hi !== 0;
    let take = nz;
    if (kind === "loope") take = nz && c.getZF() === 1;
    else if (kind === "loopne") take = nz && c.getZF() === 0;
    if (take) c.rip = i.next + i.imm;
  };
});
INT_OPS.op("jrcxz", () => (c, i) => {
  const z = i.asz === 64 ? c.L[1] === 0 && c.H[1] === 0 : c.L[1] === 0;
  if (z) c.rip = i.next + i.imm;
});

// ------------------------------------------------------------------- system

INT_OPS.op("syscall", () => (c, i) => {
  // SDM "SYSCALL": RCX ← RIP of the next instruction, R11 ← RFLAGS (RF cleared).
  c.L[1] = i.next;
  c.H[1] = Math.floor(i.next / TWO32);
  c.L[11] = c.flags32() & ~0x10000;
  c.H[11] = 0;
  c.pending = { kind: "syscall", pc: i.addr };
});
INT_OPS.op("int3", () => (c, i) => {
  // rip stays after the int3, as the #BP trap leaves it; trap.pc names the int3 itself.
  c.pending = { kind: "breakpoint", pc: i.addr, imm: 3 };
});
INT_OPS.op("int", () => (c, i) => {
  c.fault(i, { kind: "privileged", pc: i.addr, detail: `int 0x${(i.imm & 0xff).toString(16)}` });
});
INT_OPS.op("ud2", () => (c, i) => {
  c.fault(i, { kind: "undefined", pc: i.addr, bytes: Uint8Array.of(0x0f, 0x0b), detail: "ud2" });
});
INT_OPS.op(["hlt", "priv"], (d) => (c, i) => {
  c.fault(i, { kind: "privileged", pc: i.addr, detail: d.mn });
});
INT_OPS.op("xgetbv", () => (c, i) => {
  // CPUID does not report OSXSAVE, so XGETBV is #UD as on such a CPU.
  c.fault(i, { kind: "undefined", pc: i.addr, detail: "xgetbv without OSXSAVE" });
});
INT_OPS.op("rdtsc", () => (c) => {
  const t = BigInt.asUintN(64, c.readCounter());
  c.wrReg(0, 0, 32, Number(t & 0xffffffffn), 0);
  c.wrReg(2, 2, 32, Number(t >> 32n), 0);
});
INT_OPS.op("rdtscp", () => (c) => {
  const t = BigInt.asUintN(64, c.readCounter());
  c.wrReg(0, 0, 32, Number(t & 0xffffffffn), 0);
  c.wrReg(2, 2, 32, Number(t >> 32n), 0);
  c.wrReg(1, 1, 32, 0, 0);
});

/**
 * CPUID: a baseline x86-64 CPU (SSE, SSE2, no SSE3+/AVX/XSAVE), so libc picks its SSE2 code paths.
 * Leaf values: [eax, ebx, ecx, edx].
 */
const VENDOR = [0x756e6547, 0x49656e69, 0x6c65746e]; // "GenuineIntel" as ebx, edx, ecx
export const CPUID: Record<number, [number, number, number, number]> = {
  0x0: [0xd, VENDOR[0]!, VENDOR[2]!, VENDOR[1]!],
  // Family 6 model 0x3a; CLFLUSH line 8 (×8 = 64 bytes), 1 logical processor.
  0x1: [0x000306a9, 0x00010800, 0, (1 << 0) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26)],
  0x80000000: [0x80000008, 0, 0, 0],
  0x80000001: [0, 0, 1 /* LAHF/SAHF in 64-bit mode */, (1 << 11) | (1 << 20) | (1 << 29)],
  0x80000008: [0x3030, 0, 0, 0], // 48-bit physical and virtual address widths
};
INT_OPS.op("cpuid", () => (c) => {
  const leaf = c.L[0]! >>> 0;
  const v = CPUID[leaf] ?? [0, 0, 0, 0]; // unlisted leaves read as zeros
  for (const [k, r] of [0, 3, 1, 2].entries()) c.wrReg(r, r, 32, v[k]! >>> 0, 0);
});

// ------------------------------------------------------------------ strings

INT_OPS.op(["movs", "cmps", "stos", "lods", "scas"], (d) => {
  const op = d.mn;
  return (c, i) => {
    const sz = i.osz;
    const n = sz / 8;
    const step = c.flagsOther & DF ? -n : n;
    const rep = (i.pfx & 12) !== 0;
    const repz = (i.pfx & 8) !== 0; // F3: rep/repe; F2: repne
    const wide = i.asz === 64;
    const segBase = i.seg === 4 ? c.fsBase : i.seg === 5 ? c.gsBaseNum : 0;
    let si = strGet(c, 6, wide);
    let di = strGet(c, 7, wide);
    let cx = rep ? strGet(c, 1, wide) : 1;
    const si0 = si;
    const di0 = di;
    let iters = 0;
    // A rep cmps/scas that faults part-way keeps rcx/rsi/rdi of the completed iterations but reports the flags as
    // they were before the instruction (measured on Intel: the flags of the completed compares are not committed).
    const flags0 = rep && (op === "cmps" || op === "scas") ? c.flags32() : -1;
    // A long rep is interruptible (as on hardware): after REP_CHUNK iterations the run loop stops with a
    // budget trap at this instruction, which resumes with the updated registers when run again.
    let chunk = REP_CHUNK;
    try {
      while (cx > 0) {
        if (--chunk < 0) {
          c.rip = i.addr;
          c.pending = { kind: "budget", pc: i.addr };
          break;
        }
        switch (op) {
          case "movs": {
            const v = c.rdMem(segBase + si, sz);
            c.wrMem(di, sz, v, c.vh);
            si += step;
            di += step;
            break;
          }
          case "stos":
            c.wrMem(di, sz, c.L[0]! >>> 0, c.H[0]! >>> 0);
            di += step;
            break;
          case "lods": {
            const v = c.rdMem(segBase + si, sz);
            c.wrReg(0, 0, sz, v, c.vh);
            si += step;
            break;
          }
          case "cmps": {
            const a = c.rdMem(segBase + si, sz);
            const ah = c.vh;
            const b = c.rdMem(di, sz);
            const bh = c.vh;
            si += step;
            di += step;
            cmpFlags(c, sz, a, ah, b, bh);
            break;
          }
          default: {
            const b = c.rdMem(di, sz);
            const bh = c.vh;
            const a = c.rdReg(0, 0, sz);
            cmpFlags(c, sz, a, c.vh, b, bh);
            di += step;
          }
        }
        cx--;
        iters++;
        if (rep && (op === "cmps" || op === "scas") && c.getZF() !== (repz ? 1 : 0)) break;
      }
    } catch (e) {
      if (flags0 >= 0) c.setFlags32(flags0);
      throw e;
    } finally {
      // On a fault the completed iterations stay visible, as on hardware. The registers move by what was done,
      // applied to their exact 64-bit values (a double holds an address, not every 64-bit count or pointer).
      // Registers an instruction does not step are not written (a 32-bit address size would zero-extend them).
      if (si !== si0) strAdd(c, 6, si - si0, wide);
      if (di !== di0) strAdd(c, 7, di - di0, wide);
      if (rep && iters) strAdd(c, 1, -iters, wide);
    }
  };
});
function strGet(c: X86Cpu, r: number, wide: boolean): number {
  // Unsigned: rcx = 2^64 - 263 is a huge count, not a negative one.
  return wide ? (c.H[r]! >>> 0) * TWO32 + (c.L[r]! >>> 0) : c.L[r]! >>> 0;
}
/** r += delta (|delta| < 2^52) on the register's limbs; a 32-bit address size writes the 32-bit register (zero-extended). */
function strAdd(c: X86Cpu, r: number, delta: number, wide: boolean): void {
  const lo = (c.L[r]! >>> 0) + delta;
  const carry = Math.floor(lo / TWO32);
  c.L[r] = lo - carry * TWO32;
  c.H[r] = wide ? (c.H[r]! + carry) | 0 : 0;
}

/** Iterations of a rep string instruction between interruption points. */
export const REP_CHUNK = 1 << 20;

function cmpFlags(c: X86Cpu, sz: number, a: number, ah: number, b: number, bh: number): void {
  const r = sz === 64 ? (a - b) >>> 0 : mask(a - b, sz);
  const rh = sz === 64 ? (ah - bh - (a < b ? 1 : 0)) >>> 0 : 0;
  c.setLazy(FL_SUB, sz, a, ah, b, bh, r, rh, 0);
}

// ------------------------------------------------------------ fast paths
// Specialised handlers for the commonest shapes (register operands, 32/64-bit), picked per instruction
// at decode time. They must behave exactly like the generic handlers above.

INT_OPS.special(["mov"], (_d, form) => (i) => {
  const sz = i.osz;
  if (sz !== 64 && sz !== 32) return undefined;
  const wide = sz === 64;
  if (i.mod === 3) {
    const d = form === "GE" ? i.reg : i.rm;
    const s = form === "GE" ? i.rm : i.reg;
    if (form === "EI") {
      const lo = i.imm;
      const hi = wide ? i.immHi : 0;
      return (c) => {
        c.L[d] = lo;
        c.H[d] = hi;
      };
    }
    return wide
      ? (c) => {
          c.L[d] = c.L[s]!;
          c.H[d] = c.H[s]!;
        }
      : (c) => {
          c.L[d] = c.L[s]!;
          c.H[d] = 0;
        };
  }
  const r = i.reg;
  if (form === "GE")
    return wide
      ? (c, i) => {
          const v = c.rdMem(c.ea(i), 64);
          c.L[r] = v;
          c.H[r] = c.vh;
        }
      : (c, i) => {
          c.L[r] = c.mem.read32(c.ea(i));
          c.H[r] = 0;
        };
  if (form === "EG")
    return wide ? (c, i) => c.wrMem(c.ea(i), 64, c.L[r]!, c.H[r]!) : (c, i) => c.mem.write32(c.ea(i), c.L[r]!);
  return undefined;
});

INT_OPS.special(["add", "sub", "cmp", "and", "or", "xor", "test"], (d, form) => {
  const op = d.mn === "test" ? 8 : ALU[d.mn]!;
  return (i) => {
    const sz = i.osz;
    if (i.mod !== 3 || (sz !== 64 && sz !== 32)) return undefined;
    const wide = sz === 64;
    const dst = form === "GE" ? i.reg : i.rm;
    const src = form === "GE" ? i.rm : i.reg;
    const isImm = form === "EI";
    const ib = wide ? i.imm >>> 0 : i.imm >>> 0;
    const ibh = wide ? i.immHi >>> 0 : 0;
    const write = op !== 7 && op !== 8;
    // xor/sub r,r with itself: the zeroing idiom.
    return (c) => {
      const a = c.L[dst]! >>> 0;
      const ah = wide ? c.H[dst]! >>> 0 : 0;
      const b = isImm ? ib : c.L[src]! >>> 0;
      const bh = isImm ? ibh : wide ? c.H[src]! >>> 0 : 0;
      let r: number;
      let rh = 0;
      switch (op) {
        case 0: {
          const t = a + b;
          r = t >>> 0;
          if (wide) rh = (ah + bh + (t >= TWO32 ? 1 : 0)) >>> 0;
          c.setLazy(FL_ADD, sz, a, ah, b, bh, r, rh, 0);
          break;
        }
        case 5:
        case 7: {
          const t = a - b;
          r = t >>> 0;
          if (wide) rh = (ah - bh - (t < 0 ? 1 : 0)) >>> 0;
          c.setLazy(FL_SUB, sz, a, ah, b, bh, r, rh, 0);
          break;
        }
        case 1:
          r = (a | b) >>> 0;
          rh = (ah | bh) >>> 0;
          c.setLogic(sz, r, rh);
          break;
        case 6:
          r = (a ^ b) >>> 0;
          rh = (ah ^ bh) >>> 0;
          c.setLogic(sz, r, rh);
          break;
        default:
          r = (a & b) >>> 0;
          rh = (ah & bh) >>> 0;
          c.setLogic(sz, r, rh);
      }
      if (write) {
        c.L[dst] = r;
        c.H[dst] = rh;
      }
    };
  };
});

INT_OPS.special("push", (_d, form) => (i) => {
  if (form !== "E" || i.mod !== 3 || i.osz !== 64) return undefined;
  const r = i.rm;
  return (c) => {
    const sp = c.H[4]! * TWO32 + (c.L[4]! >>> 0) - 8;
    c.wrMem(sp, 64, c.L[r]!, c.H[r]!);
    c.L[4] = sp;
    c.H[4] = Math.floor(sp / TWO32);
  };
});
INT_OPS.special("pop", () => (i) => {
  if (i.mod !== 3 || i.osz !== 64) return undefined;
  const r = i.rm;
  return (c) => {
    const sp = c.H[4]! * TWO32 + (c.L[4]! >>> 0);
    const v = c.rdMem(sp, 64);
    const vh = c.vh;
    c.L[4] = sp + 8;
    c.H[4] = Math.floor((sp + 8) / TWO32);
    c.L[r] = v;
    c.H[r] = vh;
  };
});
INT_OPS.special("lea", () => (i) => {
  // base + disp (no index, no rip), 64-bit destination: the common stack/struct address shape.
  if (i.osz !== 64 || i.index >= 0 || i.base < 0 || i.base === 16 || i.asz !== 64) return undefined;
  const b = i.base;
  const r = i.reg;
  const disp = i.disp;
  return (c) => {
    // On limbs: the low sum carries (or borrows) into the high half; int32 stores wrap modulo 2^32.
    const lo = (c.L[b]! >>> 0) + disp;
    c.H[r] = c.H[b]! + (lo >= TWO32 ? 1 : lo < 0 ? -1 : 0);
    c.L[r] = lo;
  };
});

INT_OPS.special("mov", (_d, form) => (i) => {
  // Stores of an immediate to memory, any size.
  if (form !== "EI" || i.mod === 3) return undefined;
  const sz = i.osz;
  const lo = sz === 64 ? i.imm >>> 0 : mask(i.imm, sz);
  const hi = sz === 64 ? i.immHi >>> 0 : 0;
  if (sz === 8) return (c, i) => c.mem.write8(c.ea(i), lo);
  if (sz === 32) return (c, i) => c.mem.write32(c.ea(i), lo);
  return (c, i) => c.wrMem(c.ea(i), sz, lo, hi);
});
INT_OPS.special(["cmp", "test"], (d, form) => {
  const isTest = d.mn === "test";
  return (i) => {
    // cmp/test of a memory operand with an immediate or register (no write-back).
    if (i.mod === 3 || i.osz === 64 || (form !== "EI" && form !== "EG" && form !== "GE")) return undefined;
    const sz = i.osz;
    const imm = mask(i.imm, sz);
    return (c, i) => {
      const m = c.rdMem(c.ea(i), sz);
      const r = form === "EI" ? imm : c.rdReg(i.reg, i.regb, sz);
      if (isTest) c.setLogic(sz, (m & r) >>> 0, 0);
      else if (form === "GE") c.setLazy(FL_SUB, sz, r, 0, m, 0, mask(r - m, sz), 0, 0);
      else c.setLazy(FL_SUB, sz, m, 0, r, 0, mask(m - r, sz), 0, 0);
    };
  };
});
INT_OPS.special("shift", (d, form) => {
  const kind = SHIFT_KIND[d.mn]!;
  return (i) => {
    // shl/shr/sar of a 32/64-bit register by an immediate.
    if (kind < 4 || form !== "EI" || i.mod !== 3 || (i.osz !== 32 && i.osz !== 64)) return undefined;
    const sz = i.osz;
    const n = i.imm & (sz === 64 ? 63 : 31);
    if (n === 0) return undefined;
    const r = i.rm;
    if (sz === 32) {
      return (c) => {
        const a = c.L[r]! >>> 0;
        let v: number;
        let cf: number;
        let of: number;
        if (kind === 4) {
          v = (a << n) >>> 0;
          cf = (a >>> (32 - n)) & 1;
          of = (v >>> 31) ^ cf;
        } else if (kind === 5) {
          v = a >>> n;
          cf = (a >>> (n - 1)) & 1;
          of = a >>> 31;
        } else {
          v = ((a | 0) >> n) >>> 0;
          cf = (a >>> (n - 1)) & 1;
          of = 0;
        }
        c.L[r] = v;
        c.H[r] = 0;
        c.setResultFlags(32, v, 0, cf, of, 0);
      };
    }
    return (c, i) => shiftOp(c, i, kind, 64, n, c.L[r]! >>> 0, c.H[r]! >>> 0);
  };
});
INT_OPS.special(["movzx"], (d) => {
  const ssz = d.ops[1]!.endsWith("b") ? 8 : 16;
  return (i) => {
    if (i.mod !== 3 || (i.osz !== 32 && i.osz !== 64)) return undefined;
    const dst = i.reg;
    const s = ssz === 8 ? i.rmb : i.rm;
    if (ssz === 16)
      return (c) => {
        c.L[dst] = c.L[s]! & 0xffff;
        c.H[dst] = 0;
      };
    if (s >= 16)
      return (c) => {
        c.L[dst] = (c.L[s - 16]! >>> 8) & 0xff;
        c.H[dst] = 0;
      };
    return (c) => {
      c.L[dst] = c.L[s]! & 0xff;
      c.H[dst] = 0;
    };
  };
});
INT_OPS.special(["inc", "dec"], (d) => {
  const isInc = d.mn === "inc";
  return (i) => {
    if (i.mod !== 3 || (i.osz !== 32 && i.osz !== 64)) return undefined;
    const r = i.rm;
    const sz = i.osz;
    return (c) => {
      const a = c.L[r]! >>> 0;
      const ah = sz === 64 ? c.H[r]! >>> 0 : 0;
      let v: number;
      let vh = ah;
      if (isInc) {
        v = (a + 1) >>> 0;
        if (sz === 64 && v === 0) vh = (ah + 1) >>> 0;
      } else {
        v = (a - 1) >>> 0;
        if (sz === 64 && a === 0) vh = (ah - 1) >>> 0;
      }
      const cf = c.getCF();
      c.L[r] = v;
      c.H[r] = sz === 64 ? vh : 0;
      c.setLazy(isInc ? FL_INC : FL_DEC, sz, a, ah, 1, 0, v, sz === 64 ? vh : 0, cf);
    };
  };
});

INT_OPS.special(["add", "sub", "cmp", "and", "or", "xor", "test"], (d, form) => {
  const op = d.mn === "test" ? 8 : ALU[d.mn]!;
  return (i) => {
    // 8-bit register forms without high-byte registers (test %al,%al; cmp $0x2f,%cl; ...).
    if (i.mod !== 3 || i.osz !== 8 || i.rmb >= 16 || i.regb >= 16) return undefined;
    const dst = form === "GE" ? i.reg : i.rm;
    const src = form === "GE" ? i.rm : i.reg;
    const isImm = form === "EI";
    const ib = i.imm & 0xff;
    const write = op !== 7 && op !== 8;
    return (c) => {
      const a = c.L[dst]! & 0xff;
      const b = isImm ? ib : c.L[src]! & 0xff;
      let r: number;
      switch (op) {
        case 0:
          r = (a + b) & 0xff;
          c.setLazy(FL_ADD, 8, a, 0, b, 0, r, 0, 0);
          break;
        case 5:
        case 7:
          r = (a - b) & 0xff;
          c.setLazy(FL_SUB, 8, a, 0, b, 0, r, 0, 0);
          break;
        case 1:
          r = a | b;
          c.setLogic(8, r, 0);
          break;
        case 6:
          r = a ^ b;
          c.setLogic(8, r, 0);
          break;
        default:
          r = a & b;
          c.setLogic(8, r, 0);
      }
      if (write) c.L[dst] = (c.L[dst]! & ~0xff) | r;
    };
  };
});
INT_OPS.special(["movzx", "movsx"], (d) => {
  const ssz = d.ops[1]!.endsWith("b") ? 8 : 16;
  const signed = d.key === "movsx";
  return (i) => {
    // Loads from memory into a 32/64-bit register.
    if (i.mod === 3 || (i.osz !== 32 && i.osz !== 64)) return undefined;
    const dst = i.reg;
    const wide = i.osz === 64;
    if (!signed)
      return ssz === 8
        ? (c, i) => {
            c.L[dst] = c.mem.read8(c.ea(i));
            c.H[dst] = 0;
          }
        : (c, i) => {
            c.L[dst] = c.mem.read16(c.ea(i));
            c.H[dst] = 0;
          };
    const sh = 32 - ssz;
    return (c, i) => {
      const v = ((ssz === 8 ? c.mem.read8(c.ea(i)) : c.mem.read16(c.ea(i))) << sh) >> sh;
      c.L[dst] = v;
      c.H[dst] = wide ? v >> 31 : 0;
    };
  };
});
