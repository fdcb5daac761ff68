/**
 * SSE/SSE2 semantics: the integer SIMD, scalar/packed float and move subset
 * that glibc's and musl's startup, string functions and printf execute.
 * MXCSR rounding is round-to-nearest-even (JS arithmetic); exception flags
 * in MXCSR are not accumulated.
 */
import { CF, PF, OpSet, ZF } from "./registry.js";
import type { X86Cpu } from "./cpu.js";
import type { Insn } from "./decode.js";
import * as F from "./f80.js";

/** This module's handlers by table key, linked by the CPU (registry.ts). */
export const SSE_OPS = new OpSet("sse");

type H = (c: X86Cpu, i: Insn) => void;
const TWO32 = 4294967296;

// Scratch source operand with typed views (single-threaded, reused).
const T = new Int32Array(4);
const T8 = new Uint8Array(T.buffer);
const T16 = new Uint16Array(T.buffer);
const TF32 = new Float32Array(T.buffer);
const TF64 = new Float64Array(T.buffer);
const R = new Int32Array(4);
const R8 = new Uint8Array(R.buffer);
const R16 = new Uint16Array(R.buffer); // pshuflw/pshufhw lanes

/** Ops whose m128 operand must be 16-byte aligned (legacy SSE); movups/movdqu and friends are exempt. */
const UNALIGNED_OK = new Set(["movups", "movupd", "movdqu"]);

function checkAlign(c: X86Cpu, i: Insn, a: number): boolean {
  if (a % 16 !== 0 && !UNALIGNED_OK.has(i.def.mn)) {
    c.fault(i, { kind: "alignment", pc: i.addr, addr: a });
    return false;
  }
  return true;
}

/** Load W (xmm/m128) into T. Returns false if an alignment trap was raised. */
function loadW(c: X86Cpu, i: Insn): boolean {
  if (i.mod === 3) {
    const o = i.rm * 4;
    T[0] = c.xmm[o]!;
    T[1] = c.xmm[o + 1]!;
    T[2] = c.xmm[o + 2]!;
    T[3] = c.xmm[o + 3]!;
    return true;
  }
  const a = c.ea(i);
  if (!checkAlign(c, i, a)) return false;
  const m = c.mem;
  if ((a & 4095) > 4080) {
    m.read8(a);
    m.read8(a - (a & 4095) + 4096);
  }
  T[0] = m.read32(a);
  T[1] = m.read32(a + 4);
  T[2] = m.read32(a + 8);
  T[3] = m.read32(a + 12);
  return true;
}
/** Load the low `bits` (32 or 64) of W into T (upper lanes unspecified). */
function loadWs(c: X86Cpu, i: Insn, bits: number): void {
  if (i.mod === 3) {
    const o = i.rm * 4;
    T[0] = c.xmm[o]!;
    T[1] = c.xmm[o + 1]!;
    return;
  }
  const a = c.ea(i);
  if (bits === 64) {
    if ((a & 4095) > 4088) {
      c.mem.read8(a);
      c.mem.read8(a - (a & 4095) + 4096);
    }
    T[0] = c.mem.read32(a);
    T[1] = c.mem.read32(a + 4);
  } else T[0] = c.mem.read32(a);
}
function store128(c: X86Cpu, i: Insn, src: number): boolean {
  if (i.mod === 3) {
    c.xmm.copyWithin(i.rm * 4, src * 4, src * 4 + 4);
    return true;
  }
  const a = c.ea(i);
  if (!checkAlign(c, i, a)) return false;
  const m = c.mem;
  if ((a & 4095) > 4080) m.checkWritable(a, 16);
  m.write32(a, c.xmm[src * 4]!);
  m.write32(a + 4, c.xmm[src * 4 + 1]!);
  m.write32(a + 8, c.xmm[src * 4 + 2]!);
  m.write32(a + 12, c.xmm[src * 4 + 3]!);
  return true;
}
function setV(c: X86Cpu, i: Insn, src: Int32Array): void {
  const o = i.reg * 4;
  c.xmm[o] = src[0]!;
  c.xmm[o + 1] = src[1]!;
  c.xmm[o + 2] = src[2]!;
  c.xmm[o + 3] = src[3]!;
}

// ------------------------------------------------------------------- moves

SSE_OPS.op(["movups", "movaps"], (d, form) => {
  if (form === "VW")
    return (c, i) => {
      if (loadW(c, i)) setV(c, i, T);
    };
  return (c, i) => {
    store128(c, i, i.reg);
  };
});
SSE_OPS.op(["movss", "movsd"], (d, form) => {
  const n = d.mn === "movss" ? 1 : 2;
  if (form === "VW")
    return (c, i) => {
      loadWs(c, i, n * 32);
      const o = i.reg * 4;
      c.xmm[o] = T[0]!;
      if (n === 2) c.xmm[o + 1] = T[1]!;
      if (i.mod !== 3) {
        // Loads from memory zero the rest of the register.
        for (let k = n; k < 4; k++) c.xmm[o + k] = 0;
      }
    };
  return (c, i) => {
    const s = i.reg * 4;
    if (i.mod === 3) {
      const o = i.rm * 4;
      c.xmm[o] = c.xmm[s]!;
      if (n === 2) c.xmm[o + 1] = c.xmm[s + 1]!;
      return;
    }
    const a = c.ea(i);
    if (n === 2) c.wrMem(a, 64, c.xmm[s]! >>> 0, c.xmm[s + 1]! >>> 0);
    else c.mem.write32(a, c.xmm[s]!);
  };
});
SSE_OPS.op(["movlpd", "movhpd"], (d, form) => {
  const half = d.key === "movhpd" ? 2 : 0;
  if (form === "VE")
    return (c, i) => {
      const o = i.reg * 4;
      if (i.mod === 3) {
        // 0F 12 /r register form is movhlps, 0F 16 is movlhps.
        const s = i.rm * 4;
        if (half === 0) {
          c.xmm[o] = c.xmm[s + 2]!;
          c.xmm[o + 1] = c.xmm[s + 3]!;
        } else {
          c.xmm[o + 2] = c.xmm[s]!;
          c.xmm[o + 3] = c.xmm[s + 1]!;
        }
        return;
      }
      const a = c.ea(i);
      const lo = c.rdMem(a, 64);
      c.xmm[o + half] = lo;
      c.xmm[o + half + 1] = c.vh;
    };
  return (c, i) => {
    const o = i.reg * 4 + half;
    c.wrMem(c.ea(i), 64, c.xmm[o]! >>> 0, c.xmm[o + 1]! >>> 0);
  };
});
SSE_OPS.op("movdtox", () => (c, i) => {
  const lo = c.rdE(i);
  const o = i.reg * 4;
  c.xmm[o] = lo;
  c.xmm[o + 1] = i.osz === 64 ? c.vh : 0;
  c.xmm[o + 2] = 0;
  c.xmm[o + 3] = 0;
});
SSE_OPS.op("movdfromx", () => (c, i) => {
  const o = i.reg * 4;
  c.wrE(i, c.xmm[o]! >>> 0, c.xmm[o + 1]! >>> 0);
});
SSE_OPS.op("movqload", () => (c, i) => {
  loadWs(c, i, 64);
  const o = i.reg * 4;
  c.xmm[o] = T[0]!;
  c.xmm[o + 1] = T[1]!;
  c.xmm[o + 2] = 0;
  c.xmm[o + 3] = 0;
});
SSE_OPS.op("movqstore", () => (c, i) => {
  const s = i.reg * 4;
  if (i.mod === 3) {
    const o = i.rm * 4;
    c.xmm[o] = c.xmm[s]!;
    c.xmm[o + 1] = c.xmm[s + 1]!;
    c.xmm[o + 2] = 0;
    c.xmm[o + 3] = 0;
    return;
  }
  c.wrMem(c.ea(i), 64, c.xmm[s]! >>> 0, c.xmm[s + 1]! >>> 0);
});
SSE_OPS.op(["movmskps", "movmskpd", "pmovmskb"], (d) => {
  const mn = d.mn;
  return (c, i) => {
    const o = i.rm * 4;
    let m = 0;
    if (mn === "pmovmskb") {
      const b = c.xmmU8;
      const base = i.rm * 16;
      for (let k = 0; k < 16; k++) m |= (b[base + k]! >>> 7) << k;
    } else if (mn === "movmskps") {
      for (let k = 0; k < 4; k++) m |= (c.xmm[o + k]! >>> 31) << k;
    } else m = (c.xmm[o + 1]! >>> 31) | ((c.xmm[o + 3]! >>> 31) << 1);
    c.wrReg(i.reg, i.reg, 32, m, 0);
  };
});

// ------------------------------------------------------------ integer SIMD

/** Lane-wise binary op over dst=V, src=W. */
function lanes(bits: 8 | 16 | 32, f: (a: number, b: number) => number): H {
  return (c, i) => {
    if (!loadW(c, i)) return;
    if (bits === 8) {
      const d = c.xmmU8;
      const o = i.reg * 16;
      for (let k = 0; k < 16; k++) d[o + k] = f(d[o + k]!, T8[k]!);
    } else if (bits === 16) {
      const d = c.xmmU16;
      const o = i.reg * 8;
      for (let k = 0; k < 8; k++) d[o + k] = f(d[o + k]!, T16[k]!);
    } else {
      const d = c.xmm;
      const o = i.reg * 4;
      for (let k = 0; k < 4; k++) d[o + k] = f(d[o + k]! >>> 0, T[k]! >>> 0);
    }
  };
}
const s8 = (x: number) => (x << 24) >> 24;
const s16 = (x: number) => (x << 16) >> 16;
const sat = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

SSE_OPS.op("pxor", () => (c, i) => {
  if (!loadW(c, i)) return;
  const o = i.reg * 4;
  for (let k = 0; k < 4; k++) c.xmm[o + k] = c.xmm[o + k]! ^ T[k]!;
});
SSE_OPS.op("por", () => lanes(32, (a, b) => a | b));
SSE_OPS.op("pand", () => lanes(32, (a, b) => a & b));
SSE_OPS.op("pandn", () => lanes(32, (a, b) => ~a & b));
SSE_OPS.op("pcmpeqb", () => lanes(8, (a, b) => (a === b ? 0xff : 0)));
SSE_OPS.op("pcmpeqw", () => lanes(16, (a, b) => (a === b ? 0xffff : 0)));
SSE_OPS.op("pcmpeqd", () => lanes(32, (a, b) => (a === b ? -1 : 0)));
SSE_OPS.op("pcmpgtb", () => lanes(8, (a, b) => (s8(a) > s8(b) ? 0xff : 0)));
SSE_OPS.op("pcmpgtw", () => lanes(16, (a, b) => (s16(a) > s16(b) ? 0xffff : 0)));
SSE_OPS.op("pcmpgtd", () => lanes(32, (a, b) => ((a | 0) > (b | 0) ? -1 : 0)));
SSE_OPS.op("pminub", () => lanes(8, (a, b) => (a < b ? a : b)));
SSE_OPS.op("pmaxub", () => lanes(8, (a, b) => (a > b ? a : b)));
SSE_OPS.op("pminsw", () => lanes(16, (a, b) => (s16(a) < s16(b) ? a : b)));
SSE_OPS.op("pmaxsw", () => lanes(16, (a, b) => (s16(a) > s16(b) ? a : b)));
SSE_OPS.op("paddb", () => lanes(8, (a, b) => a + b));
SSE_OPS.op("paddw", () => lanes(16, (a, b) => a + b));
SSE_OPS.op("paddd", () => lanes(32, (a, b) => a + b));
SSE_OPS.op("psubb", () => lanes(8, (a, b) => a - b));
SSE_OPS.op("psubw", () => lanes(16, (a, b) => a - b));
SSE_OPS.op("psubd", () => lanes(32, (a, b) => a - b));
SSE_OPS.op("paddusb", () => lanes(8, (a, b) => Math.min(a + b, 0xff)));
SSE_OPS.op("paddusw", () => lanes(16, (a, b) => Math.min(a + b, 0xffff)));
SSE_OPS.op("psubusb", () => lanes(8, (a, b) => Math.max(a - b, 0)));
SSE_OPS.op("psubusw", () => lanes(16, (a, b) => Math.max(a - b, 0)));
SSE_OPS.op("paddsb", () => lanes(8, (a, b) => sat(s8(a) + s8(b), -128, 127)));
SSE_OPS.op("paddsw", () => lanes(16, (a, b) => sat(s16(a) + s16(b), -32768, 32767)));
SSE_OPS.op("psubsb", () => lanes(8, (a, b) => sat(s8(a) - s8(b), -128, 127)));
SSE_OPS.op("psubsw", () => lanes(16, (a, b) => sat(s16(a) - s16(b), -32768, 32767)));
SSE_OPS.op("pavgb", () => lanes(8, (a, b) => (a + b + 1) >> 1));
SSE_OPS.op("pavgw", () => lanes(16, (a, b) => (a + b + 1) >> 1));
SSE_OPS.op("pmullw", () => lanes(16, (a, b) => Math.imul(a, b)));
SSE_OPS.op("pmulhw", () => lanes(16, (a, b) => (s16(a) * s16(b)) >> 16));
SSE_OPS.op("pmulhuw", () => lanes(16, (a, b) => (a * b) >>> 16));
SSE_OPS.op(["paddq", "psubq"], (d) => {
  const sub = d.mn === "psubq";
  return (c, i) => {
    if (!loadW(c, i)) return;
    const o = i.reg * 4;
    for (let k = 0; k < 4; k += 2) {
      const a = c.xmm[o + k]! >>> 0;
      const b = T[k]! >>> 0;
      const t = sub ? a - b : a + b;
      const carry = sub ? (t < 0 ? -1 : 0) : t >= TWO32 ? 1 : 0;
      c.xmm[o + k] = t;
      c.xmm[o + k + 1] = sub ? c.xmm[o + k + 1]! - T[k + 1]! + carry : c.xmm[o + k + 1]! + T[k + 1]! + carry;
    }
  };
});
SSE_OPS.op("pmuludq", () => (c, i) => {
  if (!loadW(c, i)) return;
  const o = i.reg * 4;
  for (let k = 0; k < 4; k += 2) {
    // 32×32 → 64 on 16-bit limbs (exact in doubles).
    const a = c.xmm[o + k]! >>> 0;
    const b = T[k]! >>> 0;
    const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
    const ll = al * bl, lh = al * bh, hl = ah * bl;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    c.xmm[o + k] = ((mid & 0xffff) << 16) | (ll & 0xffff);
    c.xmm[o + k + 1] = ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16);
  }
});
SSE_OPS.op("pmaddwd", () => (c, i) => {
  if (!loadW(c, i)) return;
  const o = i.reg * 4;
  const d = c.xmmU16;
  for (let k = 0; k < 4; k++) {
    const j = i.reg * 8 + 2 * k;
    R[k] = s16(d[j]!) * s16(T16[2 * k]!) + s16(d[j + 1]!) * s16(T16[2 * k + 1]!);
  }
  for (let k = 0; k < 4; k++) c.xmm[o + k] = R[k]!;
});
SSE_OPS.op("psadbw", () => (c, i) => {
  if (!loadW(c, i)) return;
  const o = i.reg * 16;
  const d = c.xmmU8;
  for (let h = 0; h < 2; h++) {
    let s = 0;
    for (let k = 0; k < 8; k++) s += Math.abs(d[o + h * 8 + k]! - T8[h * 8 + k]!);
    c.xmm[i.reg * 4 + h * 2] = s;
    c.xmm[i.reg * 4 + h * 2 + 1] = 0;
  }
});
function pack(bits: 16 | 32, lo: number, hi: number): H {
  return (c, i) => {
    if (!loadW(c, i)) return;
    // Saturate destination lanes then source lanes into R, then copy (dst and src may be the same register).
    if (bits === 16) {
      for (let k = 0; k < 8; k++) R8[k] = sat(s16(c.xmmU16[i.reg * 8 + k]!), lo, hi);
      for (let k = 0; k < 8; k++) R8[8 + k] = sat(s16(T16[k]!), lo, hi);
    } else {
      for (let k = 0; k < 4; k++) R16[k] = sat(c.xmm[i.reg * 4 + k]!, lo, hi);
      for (let k = 0; k < 4; k++) R16[4 + k] = sat(T[k]!, lo, hi);
    }
    setV(c, i, R);
  };
}
SSE_OPS.op("packsswb", () => pack(16, -128, 127));
SSE_OPS.op("packuswb", () => pack(16, 0, 255));
SSE_OPS.op("packssdw", () => pack(32, -32768, 32767));

/** punpck{l,h}{bw,wd,dq,qdq}: interleave low or high halves of dst and src. */
function unpack(bytes: number, high: boolean): H {
  return (c, i) => {
    if (!loadW(c, i)) return;
    const d = c.xmmU8;
    const o = i.reg * 16;
    const start = high ? 8 : 0;
    for (let k = 0, w = 0; k < 8; k += bytes) {
      for (let b = 0; b < bytes; b++) R8[w++] = d[o + start + k + b]!;
      for (let b = 0; b < bytes; b++) R8[w++] = T8[start + k + b]!;
    }
    setV(c, i, R);
  };
}
SSE_OPS.op("punpcklbw", () => unpack(1, false));
SSE_OPS.op("punpcklwd", () => unpack(2, false));
SSE_OPS.op("punpckldq", () => unpack(4, false));
SSE_OPS.op("punpcklqdq", () => unpack(8, false));
SSE_OPS.op("punpckhbw", () => unpack(1, true));
SSE_OPS.op("punpckhwd", () => unpack(2, true));
SSE_OPS.op("punpckhdq", () => unpack(4, true));
SSE_OPS.op("punpckhqdq", () => unpack(8, true));
SSE_OPS.op("unpcklps", () => unpack(4, false));
SSE_OPS.op("unpckhps", () => unpack(4, true));

SSE_OPS.op(["pshufd", "pshufhw", "pshuflw"], (d) => {
  const mn = d.mn;
  return (c, i) => {
    if (!loadW(c, i)) return;
    const im = i.imm;
    if (mn === "pshufd") for (let k = 0; k < 4; k++) R[k] = T[(im >> (2 * k)) & 3]!;
    else {
      R.set(T);
      const base = mn === "pshufhw" ? 4 : 0;
      for (let k = 0; k < 4; k++) R16[base + k] = T16[base + ((im >> (2 * k)) & 3)]!;
    }
    setV(c, i, R);
  };
});
SSE_OPS.op("shufps", () => (c, i) => {
  if (!loadW(c, i)) return;
  const o = i.reg * 4;
  const im = i.imm;
  R[0] = c.xmm[o + (im & 3)]!;
  R[1] = c.xmm[o + ((im >> 2) & 3)]!;
  R[2] = T[(im >> 4) & 3]!;
  R[3] = T[(im >> 6) & 3]!;
  setV(c, i, R);
});
SSE_OPS.op("shufpd", () => (c, i) => {
  if (!loadW(c, i)) return;
  const o = i.reg * 4;
  const im = i.imm;
  const a = (im & 1) * 2;
  const b = ((im >> 1) & 1) * 2;
  R[0] = c.xmm[o + a]!;
  R[1] = c.xmm[o + a + 1]!;
  R[2] = T[b]!;
  R[3] = T[b + 1]!;
  setV(c, i, R);
});

/** Shifts: by immediate (Ux,Ib forms) or by the low 64 bits of W. */
function shiftLanes(bits: 16 | 32 | 64, kind: "l" | "r" | "a", byImm: boolean): H {
  return (c, i) => {
    let n: number;
    let reg: number;
    if (byImm) {
      n = i.imm & 0xff;
      reg = i.rm;
    } else {
      if (!loadW(c, i)) return;
      n = T[1] !== 0 ? 1000 : T[0]! >>> 0;
      reg = i.reg;
    }
    if (bits === 64) {
      for (let h = 0; h < 2; h++) {
        const o = reg * 4 + h * 2;
        const lo = c.xmm[o]! >>> 0;
        const hi = c.xmm[o + 1]! >>> 0;
        let rl: number;
        let rh: number;
        if (n === 0) { rl = lo; rh = hi; }
        else if (n >= 64) { rl = 0; rh = 0; }
        else if (kind === "l") {
          if (n < 32) { rh = (hi << n) | (lo >>> (32 - n)); rl = lo << n; }
          else { rh = lo << (n - 32); rl = 0; }
        } else if (n < 32) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >>> n; }
        else { rl = hi >>> (n - 32); rh = 0; }
        c.xmm[o] = rl;
        c.xmm[o + 1] = rh;
      }
      return;
    }
    if (bits === 32) {
      for (let k = 0; k < 4; k++) {
        const o = reg * 4 + k;
        const v = c.xmm[o]!;
        c.xmm[o] = kind === "a" ? v >> Math.min(n, 31) : n >= 32 ? 0 : kind === "l" ? v << n : v >>> n;
      }
      return;
    }
    for (let k = 0; k < 8; k++) {
      const o = reg * 8 + k;
      const v = c.xmmU16[o]!;
      c.xmmU16[o] = kind === "a" ? s16(v) >> Math.min(n, 15) : n >= 16 ? 0 : kind === "l" ? v << n : v >>> n;
    }
  };
}
SSE_OPS.op("psrlwi", () => shiftLanes(16, "r", true));
SSE_OPS.op("psrawi", () => shiftLanes(16, "a", true));
SSE_OPS.op("psllwi", () => shiftLanes(16, "l", true));
SSE_OPS.op("psrldi", () => shiftLanes(32, "r", true));
SSE_OPS.op("psradi", () => shiftLanes(32, "a", true));
SSE_OPS.op("pslldi", () => shiftLanes(32, "l", true));
SSE_OPS.op("psrlqi", () => shiftLanes(64, "r", true));
SSE_OPS.op("psllqi", () => shiftLanes(64, "l", true));
SSE_OPS.op("psrlw", () => shiftLanes(16, "r", false));
SSE_OPS.op("psraw", () => shiftLanes(16, "a", false));
SSE_OPS.op("psllw", () => shiftLanes(16, "l", false));
SSE_OPS.op("psrld", () => shiftLanes(32, "r", false));
SSE_OPS.op("psrad", () => shiftLanes(32, "a", false));
SSE_OPS.op("pslld", () => shiftLanes(32, "l", false));
SSE_OPS.op("psrlq", () => shiftLanes(64, "r", false));
SSE_OPS.op("psllq", () => shiftLanes(64, "l", false));
SSE_OPS.op(["psrldq", "pslldq"], (d) => {
  const right = d.mn === "psrldq";
  return (c, i) => {
    const n = Math.min(i.imm & 0xff, 16);
    const o = i.rm * 16;
    const b = c.xmmU8;
    for (let k = 0; k < 16; k++) R8[k] = b[o + k]!;
    for (let k = 0; k < 16; k++) {
      const s = right ? k + n : k - n;
      b[o + k] = s >= 0 && s < 16 ? R8[s]! : 0;
    }
  };
});

// ------------------------------------------------------------------ float

type Prec = "ss" | "sd" | "ps" | "pd";
const precOf = (mn: string): Prec => mn.slice(-2) as Prec;
const ARITH: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // SSE min/max return the second operand when either is NaN or both are zero.
  min: (a, b) => (a < b ? a : b),
  max: (a, b) => (a > b ? a : b),
  sqrt: (_a, b) => Math.sqrt(b),
};
/**
 * MXCSR.RC other than round-to-nearest: JavaScript arithmetic rounds to nearest, so the directed modes compute in
 * f80.ts (64-bit significand, rounded in the same direction) and round again to double or single. Rounding twice in
 * one direction equals rounding once, so the result is exact per SDM Vol. 1 4.8.4. Finite operands only: NaN and
 * infinity results never depend on the rounding mode (overflow does, and the final rounding handles it).
 */
const DIRECTED: Record<string, (a: F.F80, b: F.F80, rc: number) => F.F80> = {
  add: F.add,
  sub: F.sub,
  mul: F.mul,
  div: F.div,
  sqrt: (_a, b, rc) => F.sqrt(b, rc),
};
function directed(op: string, a: number, b: number, rc: number, single: boolean): number {
  const r = DIRECTED[op]!(F.fromF64(a), F.fromF64(b), rc);
  return single ? F.toF32(r, rc) : F.toF64(r, rc);
}
/** A double or an integer converted to double or single per MXCSR.RC (the directed modes through f80.ts). */
function cvtRound(c: X86Cpu, x: number | bigint, single: boolean): number {
  const rc = (c.mxcsr >> 13) & 3;
  if (typeof x === "bigint") {
    if (rc === 0) return single ? Math.fround(Number(x)) : Number(x);
    return single ? F.toF32(F.fromInt(x), rc) : F.toF64(F.fromInt(x), rc);
  }
  if (rc === 0 || x !== x || !Number.isFinite(x)) return single ? Math.fround(x) : x;
  return single ? F.toF32(F.fromF64(x), rc) : x;
}

const fpKeys: string[] = [];
for (const op of Object.keys(ARITH)) for (const p of ["ss", "sd", "ps", "pd"]) fpKeys.push(op + p);
SSE_OPS.op(fpKeys, (d) => {
  const p = precOf(d.mn);
  const f = ARITH[d.mn.slice(0, -2)]!;
  const minmax = d.mn.startsWith("min") || d.mn.startsWith("max");
  // sqrt has one source: the destination's old value plays no part in NaN selection.
  const sqrt = d.mn.startsWith("sqrt");
  const op = d.mn.slice(0, -2);
  const rounds = !minmax;
  return (c, i) => {
    if (p === "ss" || p === "sd") loadWs(c, i, p === "ss" ? 32 : 64);
    else if (!loadW(c, i)) return;
    const rc = rounds ? (c.mxcsr >> 13) & 3 : 0;
    if (p === "sd" || p === "pd") {
      const o = i.reg * 2;
      const n = p === "sd" ? 1 : 2;
      for (let k = 0; k < n; k++) {
        const a = c.xmmF64[o + k]!;
        const b = TF64[k]!;
        let r = f(a, b);
        if (rc !== 0 && r === r && Number.isFinite(b) && (sqrt || Number.isFinite(a))) r = directed(op, a, b, rc, false);
        if (r === r) c.xmmF64[o + k] = r;
        else nan64(c, o + k, sqrt ? 0 : a, b, minmax);
      }
    } else {
      const o = i.reg * 4;
      const n = p === "ss" ? 1 : 4;
      for (let k = 0; k < n; k++) {
        const a = c.xmmF32[o + k]!;
        const b = TF32[k]!;
        let r = f(a, b);
        if (rc !== 0 && r === r && Number.isFinite(b) && (sqrt || Number.isFinite(a))) r = directed(op, a, b, rc, true);
        if (r === r) c.xmmF32[o + k] = r;
        else nan32(c, o + k, sqrt ? 0 : a, b, k, minmax);
      }
    }
  };
});
/**
 * NaN results follow SSE rules (SDM Vol. 1 §4.8.3.5): a NaN source is returned quieted (the destination
 * operand first), an invalid operation gives the default NaN (negative QNaN); min/max return the source.
 * JS arithmetic cannot produce these bit patterns, so they are written as integers.
 */
function nan64(c: X86Cpu, lane: number, a: number, b: number, minmax: boolean): void {
  const w = lane * 2;
  if (minmax) {
    c.xmm[w] = T[(lane & 1) * 2]!;
    c.xmm[w + 1] = T[(lane & 1) * 2 + 1]!;
    return;
  }
  if (a !== a) c.xmm[w + 1] = c.xmm[w + 1]! | 0x80000; // destination NaN, quieted, keeps its own bits
  else if (b !== b) {
    c.xmm[w] = T[(lane & 1) * 2]!;
    c.xmm[w + 1] = T[(lane & 1) * 2 + 1]! | 0x80000;
  } else {
    c.xmm[w] = 0;
    c.xmm[w + 1] = 0xfff80000 | 0;
  }
}
function nan32(c: X86Cpu, lane: number, a: number, b: number, k: number, minmax: boolean): void {
  if (minmax) c.xmm[lane] = T[k]!;
  else if (a !== a) c.xmm[lane] = c.xmm[lane]! | 0x400000;
  else if (b !== b) c.xmm[lane] = T[k]! | 0x400000;
  else c.xmm[lane] = 0xffc00000 | 0;
}

SSE_OPS.op(["ucomiss", "ucomisd", "comiss", "comisd"], (d) => {
  const dbl = d.mn.endsWith("d");
  return (c, i) => {
    loadWs(c, i, dbl ? 64 : 32);
    const a = dbl ? c.xmmF64[i.reg * 2]! : c.xmmF32[i.reg * 4]!;
    const b = dbl ? TF64[0]! : TF32[0]!;
    let f: number;
    if (a !== a || b !== b) f = ZF | PF | CF;
    else if (a < b) f = CF;
    else if (a === b) f = ZF;
    else f = 0;
    c.fop = 0;
    c.fbits = f;
  };
});
/** cmpXX predicates 0..7: eq, lt, le, unord, neq, nlt, nle, ord. */
function cmpPred(pred: number, a: number, b: number): boolean {
  const un = a !== a || b !== b;
  switch (pred) {
    case 0: return a === b;
    case 1: return a < b;
    case 2: return a <= b;
    case 3: return un;
    case 4: return !(a === b);
    case 5: return !(a < b);
    case 6: return !(a <= b);
    default: return !un;
  }
}
SSE_OPS.op(["cmpss", "cmpsd", "cmpps", "cmppd"], (d) => {
  const p = precOf(d.mn);
  return (c, i) => {
    if (p === "ss" || p === "sd") loadWs(c, i, p === "ss" ? 32 : 64);
    else if (!loadW(c, i)) return;
    const pred = i.imm & 7;
    if (p === "sd" || p === "pd") {
      const n = p === "sd" ? 1 : 2;
      for (let k = 0; k < n; k++) {
        const m = cmpPred(pred, c.xmmF64[i.reg * 2 + k]!, TF64[k]!) ? -1 : 0;
        c.xmm[i.reg * 4 + 2 * k] = m;
        c.xmm[i.reg * 4 + 2 * k + 1] = m;
      }
    } else {
      const n = p === "ss" ? 1 : 4;
      for (let k = 0; k < n; k++) c.xmm[i.reg * 4 + k] = cmpPred(pred, c.xmmF32[i.reg * 4 + k]!, TF32[k]!) ? -1 : 0;
    }
  };
});

/** Round per MXCSR.RC. */
function roundMx(c: X86Cpu, x: number): number {
  switch ((c.mxcsr >> 13) & 3) {
    case 0: {
      const r = Math.round(x);
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r; // ties to even
    }
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}
/** Convert a double to a signed integer of `sz` bits; out of range or NaN gives the "integer indefinite" value. */
function toInt(c: X86Cpu, x: number, sz: number, trunc: boolean): void {
  const r = trunc ? Math.trunc(x) : roundMx(c, x);
  const lim = sz === 64 ? 2 ** 63 : 2 ** 31;
  if (!(r >= -lim && r < lim)) {
    c.vh = sz === 64 ? 0x80000000 : 0;
    T[0] = sz === 64 ? 0 : 0x80000000;
    return;
  }
  const hi = Math.floor(r / TWO32);
  T[0] = r - hi * TWO32;
  c.vh = sz === 64 ? hi >>> 0 : 0;
}
SSE_OPS.op(["cvttss2si", "cvttsd2si", "cvtss2si", "cvtsd2si"], (d) => {
  const dbl = d.mn.includes("sd");
  const trunc = d.mn.startsWith("cvtt");
  return (c, i) => {
    loadWs(c, i, dbl ? 64 : 32);
    const x = dbl ? TF64[0]! : TF32[0]!;
    toInt(c, x, i.osz, trunc);
    c.wrG(i, T[0]! >>> 0, c.vh);
  };
});
SSE_OPS.op(["cvtsi2ss", "cvtsi2sd"], (d) => {
  const dbl = d.mn.endsWith("sd");
  return (c, i) => {
    const lo = c.rdE(i);
    let x: number;
    if (i.osz === 64) {
      const hi = c.vh | 0;
      x = hi === 0 || hi === -1 ? hi * TWO32 + lo : cvtRound(c, (BigInt(hi) << 32n) | BigInt(lo), !dbl);
    } else x = lo | 0;
    // Integers beyond 2^24 (single) or 2^53 (double) round per MXCSR.RC.
    if (!dbl && (x > 16777216 || x < -16777216)) x = cvtRound(c, BigInt(x), true);
    if (dbl) c.xmmF64[i.reg * 2] = x;
    else c.xmmF32[i.reg * 4] = x;
  };
});
SSE_OPS.op(["cvtss2sd", "cvtsd2ss", "cvtps2pd", "cvtpd2ps", "cvtdq2ps", "cvtps2dq", "cvttps2dq", "cvttpd2dq", "cvtdq2pd", "cvtpd2dq"], (d) => {
  const mn = d.mn;
  return (c, i) => {
    if (mn === "cvtss2sd") loadWs(c, i, 32);
    else if (mn === "cvtsd2ss" || mn === "cvtps2pd" || mn === "cvtdq2pd") loadWs(c, i, 64);
    else if (!loadW(c, i)) return;
    const o = i.reg;
    switch (mn) {
      case "cvtss2sd": c.xmmF64[o * 2] = TF32[0]!; break;
      case "cvtsd2ss": c.xmmF32[o * 4] = cvtRound(c, TF64[0]!, true); break;
      case "cvtps2pd": { const a = TF32[0]!, b = TF32[1]!; c.xmmF64[o * 2] = a; c.xmmF64[o * 2 + 1] = b; break; }
      case "cvtdq2pd": { const a = T[0]!, b = T[1]!; c.xmmF64[o * 2] = a; c.xmmF64[o * 2 + 1] = b; break; }
      case "cvtpd2ps": { const a = TF64[0]!, b = TF64[1]!; c.xmmF32[o * 4] = cvtRound(c, a, true); c.xmmF32[o * 4 + 1] = cvtRound(c, b, true); c.xmm[o * 4 + 2] = 0; c.xmm[o * 4 + 3] = 0; break; }
      case "cvtdq2ps": for (let k = 0; k < 4; k++) c.xmmF32[o * 4 + k] = c.mxcsr & 0x6000 ? cvtRound(c, BigInt(T[k]!), true) : T[k]!; break;
      case "cvtps2dq":
      case "cvttps2dq": {
        const v = [TF32[0]!, TF32[1]!, TF32[2]!, TF32[3]!]; // toInt reuses T
        for (let k = 0; k < 4; k++) {
          toInt(c, v[k]!, 32, mn === "cvttps2dq");
          c.xmm[o * 4 + k] = T[0]!;
        }
        break;
      }
      case "cvttpd2dq":
      case "cvtpd2dq": {
        const a = TF64[0]!, b = TF64[1]!;
        toInt(c, a, 32, mn === "cvttpd2dq"); const x = T[0]!;
        toInt(c, b, 32, mn === "cvttpd2dq"); const y = T[0]!;
        c.xmm[o * 4] = x; c.xmm[o * 4 + 1] = y; c.xmm[o * 4 + 2] = 0; c.xmm[o * 4 + 3] = 0;
        break;
      }
    }
  };
});

// ---------------------------------------------------------------- state

SSE_OPS.op("ldmxcsr", () => (c, i) => {
  const v = c.mem.read32(c.ea(i));
  if (v & 0xffff0000) {
    c.fault(i, { kind: "privileged", pc: i.addr, detail: "ldmxcsr with reserved bits (#GP)" });
    return;
  }
  c.mxcsr = v;
});
SSE_OPS.op("stmxcsr", () => (c, i) => c.mem.write32(c.ea(i), c.mxcsr));
