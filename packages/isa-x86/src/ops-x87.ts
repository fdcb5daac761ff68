/**
 * The x87 subset that libc printf/strtod code paths use (musl's long double
 * formatting, glibc's fallbacks).
 *
 * Precision note: stack values are held as JS doubles (53-bit significand),
 * not 64-bit extended precision. Values loaded with `fldt` keep their exact
 * 80-bit image until modified, so load/store round trips are exact; arithmetic
 * on values that need more than 53 bits rounds to double. Printing doubles
 * through long double (what musl's printf does for %f/%g) is exact because
 * its scaling steps are by powers of two and its digit extraction stays
 * within 53 bits for double inputs.
 */
import { CF, defineOp, PF, ZF } from "./registry.js";
import type { X86Cpu } from "./cpu.js";
import { type Insn } from "./decode.js";

const C0 = 1 << 8;
const C1 = 1 << 9;
const C2 = 1 << 10;
const C3 = 1 << 14;

const view = new DataView(new ArrayBuffer(16));

/** Double → 80-bit extended (10 bytes, little-endian). */
export function f64ToF80(x: number): Uint8Array {
  view.setFloat64(0, x, true);
  const bits = view.getBigUint64(0, true);
  const sign = Number(bits >> 63n);
  const exp = Number((bits >> 52n) & 0x7ffn);
  let frac = bits & 0xfffffffffffffn;
  let e80: number;
  let mant: bigint;
  if (exp === 0) {
    if (frac === 0n) {
      e80 = 0;
      mant = 0n;
    } else {
      // Subnormal double: normalise (representable as a normal extended value).
      let e = -1022;
      while ((frac & (1n << 52n)) === 0n) {
        frac <<= 1n;
        e--;
      }
      e80 = e + 16383;
      mant = frac << 11n;
    }
  } else if (exp === 0x7ff) {
    e80 = 0x7fff;
    mant = (1n << 63n) | (frac << 11n);
  } else {
    e80 = exp - 1023 + 16383;
    mant = (1n << 63n) | (frac << 11n);
  }
  const out = new Uint8Array(10);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, mant, true);
  dv.setUint16(8, (sign << 15) | e80, true);
  return out;
}

/** 80-bit extended → double (round to nearest even). */
export function f80ToF64(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, 10);
  const mant = dv.getBigUint64(0, true);
  const se = dv.getUint16(8, true);
  const sign = se >> 15 ? -1 : 1;
  const e = se & 0x7fff;
  if (e === 0x7fff) return (mant << 1n) === 0n ? sign * Infinity : NaN;
  if (mant === 0n) return sign * 0;
  // value = mant * 2^(e - 16383 - 63); Number(bigint) rounds correctly, then scale exactly when possible.
  const exp = (e === 0 ? 1 : e) - 16383 - 63;
  return sign * scale(mant, exp);
}
function scale(m: bigint, e: number): number {
  // Normalise so the conversion of m to double is exact before scaling by a power of two.
  const bitsLen = m.toString(2).length;
  if (bitsLen > 53) {
    const drop = bitsLen - 53;
    // Round to nearest even at 53 bits, taking the final exponent's subnormal range into account.
    const target = e + drop;
    let keep = 53;
    const minExp = -1074;
    if (target + 52 < minExp + 52 && target < minExp) keep = Math.max(0, 53 - (minExp - target));
    const shift = BigInt(bitsLen - keep);
    const half = 1n << (shift - 1n);
    let q = m >> shift;
    const r = m & ((1n << shift) - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    return Number(q) * 2 ** (e + Number(shift));
  }
  const v = Number(m);
  // Two steps keep intermediate powers of two finite.
  const e1 = Math.trunc(e / 2);
  return v * 2 ** e1 * 2 ** (e - e1);
}

function st(c: X86Cpu, k: number): number {
  return c.st[(c.fpTop + k) & 7]!;
}
function setSt(c: X86Cpu, k: number, v: number): void {
  const p = (c.fpTop + k) & 7;
  c.st[p] = v;
  c.stRaw[p] = null;
  c.fpTag &= ~(1 << p);
}
function push(c: X86Cpu, v: number, raw: Uint8Array | null = null): void {
  c.fpTop = (c.fpTop - 1) & 7;
  const p = c.fpTop;
  if (!(c.fpTag & (1 << p))) c.fpSw |= 1 | (1 << 6) | C1; // stack overflow: IE|SF, C1=1
  c.st[p] = v;
  c.stRaw[p] = raw;
  c.fpTag &= ~(1 << p);
}
function pop(c: X86Cpu): void {
  c.fpTag |= 1 << c.fpTop;
  c.stRaw[c.fpTop] = null;
  c.fpTop = (c.fpTop + 1) & 7;
}

function roundRc(c: X87Like, x: number): number {
  switch ((c.fpCw >> 10) & 3) {
    case 0: {
      const r = Math.round(x);
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}
interface X87Like {
  fpCw: number;
}

function compareSw(c: X86Cpu, a: number, b: number): void {
  let f: number;
  if (a !== a || b !== b) f = C0 | C2 | C3;
  else if (a < b) f = C0;
  else if (a === b) f = C3;
  else f = 0;
  c.fpSw = (c.fpSw & ~(C0 | C1 | C2 | C3)) | f;
}
function compareEflags(c: X86Cpu, a: number, b: number): void {
  let f: number;
  if (a !== a || b !== b) f = ZF | PF | CF;
  else if (a < b) f = CF;
  else if (a === b) f = ZF;
  else f = 0;
  c.fop = 0;
  c.fbits = f;
}

function arith(op: number, a: number, b: number): number {
  switch (op) {
    case 0: return a + b;
    case 1: return a * b;
    case 4: return a - b;
    case 5: return b - a;
    case 6: return a / b;
    default: return b / a;
  }
}

/** Integer store with x87 rounding; out of range → integer indefinite. */
function storeInt(c: X86Cpu, a: number, v: number, bits: number, trunc: boolean): void {
  const r = trunc ? Math.trunc(v) : roundRc(c, v);
  const lim = 2 ** (bits - 1);
  let big: bigint;
  if (!(r >= -lim && r < lim)) {
    big = 1n << BigInt(bits - 1);
    c.fpSw |= 1; // IE
  } else big = BigInt.asUintN(bits, BigInt(r));
  if (bits === 16) c.mem.write16(a, Number(big));
  else if (bits === 32) c.mem.write32(a, Number(big));
  else c.wrMem(a, 64, Number(big & 0xffffffffn), Number(big >> 32n));
}
function loadInt(c: X86Cpu, a: number, bits: number): number {
  if (bits === 16) return (c.mem.read16(a) << 16) >> 16;
  if (bits === 32) return c.mem.read32(a) | 0;
  const lo = c.rdMem(a, 64);
  const hi = c.vh | 0;
  return hi === 0 || hi === -1 ? hi * 4294967296 + lo : Number((BigInt(hi) << 32n) | BigInt(lo));
}
function loadF(c: X86Cpu, a: number, bits: number): number {
  if (bits === 32) {
    view.setUint32(0, c.mem.read32(a), true);
    return view.getFloat32(0, true);
  }
  const lo = c.rdMem(a, 64);
  view.setUint32(0, lo, true);
  view.setUint32(4, c.vh, true);
  return view.getFloat64(0, true);
}
function storeF(c: X86Cpu, a: number, v: number, bits: number): void {
  if (bits === 32) {
    view.setFloat32(0, v, true);
    c.mem.write32(a, view.getUint32(0, true));
  } else {
    view.setFloat64(0, v, true);
    c.wrMem(a, 64, view.getUint32(0, true), view.getUint32(4, true));
  }
}

function memForm(c: X86Cpu, i: Insn): void {
  const a = c.ea(i);
  const reg = (i.modrm >> 3) & 7;
  switch (i.opcode) {
    case 0xd8:
    case 0xdc:
    case 0xda:
    case 0xde: {
      const v = i.opcode === 0xd8 ? loadF(c, a, 32) : i.opcode === 0xdc ? loadF(c, a, 64) : loadInt(c, a, i.opcode === 0xda ? 32 : 16);
      if (reg === 2 || reg === 3) {
        compareSw(c, st(c, 0), v);
        if (reg === 3) pop(c);
      } else setSt(c, 0, arith(reg, st(c, 0), v));
      return;
    }
    case 0xd9:
      switch (reg) {
        case 0: push(c, loadF(c, a, 32)); return;
        case 2: storeF(c, a, st(c, 0), 32); return;
        case 3: storeF(c, a, st(c, 0), 32); pop(c); return;
        case 5: c.fpCw = c.mem.read16(a); return;
        case 7: c.mem.write16(a, c.fpCw); return;
        case 4: // fldenv: control, status, tag words (28-byte protected-mode format)
          c.fpCw = c.mem.read16(a);
          setSw(c, c.mem.read16(a + 4));
          return;
        case 6:
          c.mem.write16(a, c.fpCw);
          c.mem.write16(a + 4, sw(c));
          c.mem.write16(a + 8, 0xffff);
          return;
      }
      break;
    case 0xdb:
      switch (reg) {
        case 0: push(c, loadInt(c, a, 32)); return;
        case 1: storeInt(c, a, st(c, 0), 32, true); pop(c); return;
        case 2: storeInt(c, a, st(c, 0), 32, false); return;
        case 3: storeInt(c, a, st(c, 0), 32, false); pop(c); return;
        case 5: {
          const raw = c.mem.readBytes(a, 10);
          push(c, f80ToF64(raw), raw);
          return;
        }
        case 7: {
          const p = c.fpTop;
          const raw = c.stRaw[p] ?? f64ToF80(c.st[p]!);
          c.mem.writeBytes(a, raw);
          pop(c);
          return;
        }
      }
      break;
    case 0xdd:
      switch (reg) {
        case 0: push(c, loadF(c, a, 64)); return;
        case 1: storeInt(c, a, st(c, 0), 64, true); pop(c); return;
        case 2: storeF(c, a, st(c, 0), 64); return;
        case 3: storeF(c, a, st(c, 0), 64); pop(c); return;
        case 7: c.mem.write16(a, sw(c)); return;
      }
      break;
    case 0xdf:
      switch (reg) {
        case 0: push(c, loadInt(c, a, 16)); return;
        case 1: storeInt(c, a, st(c, 0), 16, true); pop(c); return;
        case 2: storeInt(c, a, st(c, 0), 16, false); return;
        case 3: storeInt(c, a, st(c, 0), 16, false); pop(c); return;
        case 5: push(c, loadInt(c, a, 64)); return;
        case 7: storeInt(c, a, st(c, 0), 64, false); pop(c); return;
      }
      break;
  }
  c.fault(i, { kind: "undefined", pc: i.addr, detail: `x87 ${i.def.mn} not implemented` });
}

function sw(c: X86Cpu): number {
  return (c.fpSw & ~(7 << 11)) | (c.fpTop << 11);
}
function setSw(c: X86Cpu, v: number): void {
  c.fpSw = v & ~(7 << 11);
  c.fpTop = (v >> 11) & 7;
}

const CONSTS = [1, Math.log2(10), Math.LOG2E, Math.PI, Math.log10(2), Math.LN2, 0];

function regForm(c: X86Cpu, i: Insn): void {
  const reg = (i.modrm >> 3) & 7;
  const k = i.modrm & 7;
  switch (i.opcode) {
    case 0xd8:
      if (reg === 2 || reg === 3) {
        compareSw(c, st(c, 0), st(c, k));
        if (reg === 3) pop(c);
      } else setSt(c, 0, arith(reg, st(c, 0), st(c, k)));
      return;
    case 0xdc:
    case 0xde: {
      // st(k) = st(k) op st(0), with Intel's sub/subr and div/divr swapped relative to D8.
      const swap = reg >= 4 ? reg ^ 1 : reg;
      if (i.opcode === 0xde && reg === 3 && k === 1) {
        compareSw(c, st(c, 0), st(c, 1));
        pop(c);
        pop(c);
        return;
      }
      setSt(c, k, arith(swap, st(c, k), st(c, 0)));
      if (i.opcode === 0xde) pop(c);
      return;
    }
    case 0xd9:
      switch (reg) {
        case 0: push(c, st(c, k)); return;
        case 1: {
          const pa = c.fpTop;
          const pb = (c.fpTop + k) & 7;
          const t = c.st[pa]!;
          const tr = c.stRaw[pa]!;
          c.st[pa] = c.st[pb]!;
          c.stRaw[pa] = c.stRaw[pb]!;
          c.st[pb] = t;
          c.stRaw[pb] = tr;
          return;
        }
        case 2: return; // fnop
        case 4:
          if (k === 0) setSt(c, 0, -st(c, 0));
          else if (k === 1) setSt(c, 0, Math.abs(st(c, 0)));
          else if (k === 4) compareSw(c, st(c, 0), 0);
          else if (k === 5) fxam(c);
          else break;
          return;
        case 5:
          if (k < 7) {
            push(c, CONSTS[k]!);
            return;
          }
          break;
        case 6:
          if (k === 6) { c.fpTop = (c.fpTop - 1) & 7; return; }
          if (k === 7) { c.fpTop = (c.fpTop + 1) & 7; return; }
          break;
        case 7:
          switch (k) {
            case 0: { // fprem: partial remainder, truncating quotient
              const a = st(c, 0);
              const b = st(c, 1);
              const q = Math.trunc(a / b);
              setSt(c, 0, a - q * b);
              c.fpSw &= ~(C0 | C1 | C2 | C3);
              return;
            }
            case 2: setSt(c, 0, Math.sqrt(st(c, 0))); return;
            case 4: setSt(c, 0, roundRc(c, st(c, 0))); return;
            case 5: setSt(c, 0, st(c, 0) * 2 ** Math.trunc(st(c, 1))); return;
          }
          break;
      }
      break;
    case 0xda:
    case 0xdb: {
      if (i.opcode === 0xda && reg === 5 && k === 1) {
        compareSw(c, st(c, 0), st(c, 1));
        pop(c);
        pop(c);
        return;
      }
      if (i.opcode === 0xdb && reg === 4) {
        if (k === 2) { c.fpSw &= 0x7f00; return; } // fnclex
        if (k === 3) { c.fpCw = 0x37f; c.fpSw = 0; c.fpTop = 0; c.fpTag = 0xff; return; } // fninit
        break;
      }
      if (i.opcode === 0xdb && (reg === 5 || reg === 6)) {
        compareEflags(c, st(c, 0), st(c, k));
        return;
      }
      // fcmovcc
      const conds = [() => c.getCF() === 1, () => c.getZF() === 1, () => (c.getCF() | c.getZF()) === 1, () => c.getPF() === 1];
      const t = conds[reg & 3]!();
      if (i.opcode === 0xda ? t : !t) setSt(c, 0, st(c, k));
      return;
    }
    case 0xdd:
      switch (reg) {
        case 0: c.fpTag |= 1 << ((c.fpTop + k) & 7); return;
        case 2: setSt(c, k, st(c, 0)); return;
        case 3: setSt(c, k, st(c, 0)); c.stRaw[(c.fpTop + k) & 7] = c.stRaw[c.fpTop]!; pop(c); return;
        case 4: compareSw(c, st(c, 0), st(c, k)); return;
        case 5: compareSw(c, st(c, 0), st(c, k)); pop(c); return;
      }
      break;
    case 0xdf:
      if (reg === 4 && k === 0) {
        c.wrReg(0, 0, 16, sw(c), 0);
        return;
      }
      if (reg === 5 || reg === 6) {
        compareEflags(c, st(c, 0), st(c, k));
        pop(c);
        return;
      }
      break;
  }
  c.fault(i, { kind: "undefined", pc: i.addr, detail: `x87 ${i.def.mn} not implemented` });
}

function fxam(c: X86Cpu): void {
  const p = c.fpTop;
  const v = c.st[p]!;
  const neg = v < 0 || Object.is(v, -0) ? C1 : 0;
  let f: number;
  if (c.fpTag & (1 << p)) f = C3 | C0;
  else if (v !== v) f = C0;
  else if (!Number.isFinite(v)) f = C2 | C0;
  else if (v === 0) f = C3;
  else f = C2;
  c.fpSw = (c.fpSw & ~(C0 | C1 | C2 | C3)) | f | neg;
}

defineOp("x87", () => (c, i) => {
  if (i.mod === 3) regForm(c, i);
  else memForm(c, i);
});

// ------------------------------------------------------------ FXSAVE image

/** The 512-byte FXSAVE image (64-bit layout, SDM Vol. 1 Table 10-2). */
export function fxsaveImage(c: X86Cpu): Uint8Array {
  const out = new Uint8Array(512);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, c.fpCw, true);
  dv.setUint16(2, sw(c), true);
  // Abridged tag: bit set = valid (non-empty).
  out[4] = ~c.fpTag & 0xff;
  dv.setUint32(24, c.mxcsr, true);
  dv.setUint32(28, 0xffff, true); // MXCSR_MASK
  for (let k = 0; k < 8; k++) {
    const p = (c.fpTop + k) & 7;
    out.set(c.stRaw[p] ?? f64ToF80(c.st[p]!), 32 + 16 * k);
  }
  out.set(new Uint8Array(c.xmm.buffer), 160);
  return out;
}
export function fxrstorImage(c: X86Cpu, b: Uint8Array): void {
  if (b.length < 512) throw new RangeError("FXSAVE image must be 512 bytes");
  const dv = new DataView(b.buffer, b.byteOffset, 512);
  c.fpCw = dv.getUint16(0, true);
  setSw(c, dv.getUint16(2, true));
  c.fpTag = ~b[4]! & 0xff;
  c.mxcsr = dv.getUint32(24, true) & 0xffff;
  for (let k = 0; k < 8; k++) {
    const p = (c.fpTop + k) & 7;
    const raw = b.slice(32 + 16 * k, 32 + 16 * k + 10);
    c.st[p] = f80ToF64(raw);
    c.stRaw[p] = raw;
  }
  new Uint8Array(c.xmm.buffer).set(b.subarray(160, 416));
}
defineOp("fxsave", () => (c, i) => {
  const a = c.ea(i);
  if (a % 16 !== 0) {
    c.fault(i, { kind: "alignment", pc: i.addr, addr: a });
    return;
  }
  c.mem.writeBytes(a, fxsaveImage(c));
});
defineOp("fxrstor", () => (c, i) => {
  const a = c.ea(i);
  if (a % 16 !== 0) {
    c.fault(i, { kind: "alignment", pc: i.addr, addr: a });
    return;
  }
  fxrstorImage(c, c.mem.readBytes(a, 512));
});
