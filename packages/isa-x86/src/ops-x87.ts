/**
 * The x87 subset that libc printf/strtod code paths use (musl's long double
 * formatting, glibc's fallbacks), with true 80-bit extended arithmetic (f80.ts).
 * Precision control (PC) is ignored: results are always rounded to 64 bits,
 * the Linux default (FCW 0x37f). Exceptions only set status-word flags.
 */
import { CF, PF, OpSet, ZF } from "./registry.js";
import type { X86Cpu } from "./cpu.js";
import type { Insn } from "./decode.js";
import * as F from "./f80.js";
import type { F80 } from "./f80.js";
import * as T from "./x87-trans.js";

/** This module's handlers by table key, linked by the CPU (registry.ts). */
export const X87_OPS = new OpSet("x87");

const C0 = 1 << 8;
const C1 = 1 << 9;
const C2 = 1 << 10;
const C3 = 1 << 14;


/**
 * Set when the current instruction read an empty register (stack underflow, SDM Vol. 1 8.5.1.1): with IE masked,
 * every register result of the instruction is the real indefinite, and IE, SF are set with C1 = 0.
 */
let underflow = false;
function st(c: X86Cpu, k: number): F80 {
  const p = (c.fpTop + k) & 7;
  if (c.fpTag & (1 << p)) {
    underflow = true;
    return F.F80_NAN;
  }
  return c.st[p]!;
}
function setSt(c: X86Cpu, k: number, v: F80): void {
  const p = (c.fpTop + k) & 7;
  c.st[p] = underflow ? F.F80_NAN : v;
  c.fpTag &= ~(1 << p);
}
function push(c: X86Cpu, v: F80): void {
  c.fpTop = (c.fpTop - 1) & 7;
  const p = c.fpTop;
  if (!(c.fpTag & (1 << p))) {
    // Stack overflow: IE|SF, C1=1, and the masked response loads the indefinite.
    c.fpSw |= 1 | (1 << 6) | C1;
    v = F.F80_NAN;
  } else c.fpSw = (c.fpSw & ~C1) | (F.roundedUp ? C1 : 0);
  c.st[p] = underflow ? F.F80_NAN : v;
  c.fpTag &= ~(1 << p);
}
/** C1 after a rounded result: set when the significand was rounded up (SDM Vol. 1 8.1.3.1). */
function stored(c: X86Cpu): void {
  c.fpSw = (c.fpSw & ~C1) | (F.roundedUp ? C1 : 0);
}
function pop(c: X86Cpu): void {
  c.fpTag |= 1 << c.fpTop;
  c.fpTop = (c.fpTop + 1) & 7;
}
const rc = (c: X86Cpu) => (c.fpCw >> 10) & 3;

/**
 * IE for a compare: a signalling NaN or unsupported operand always raises it; a quiet NaN only in the ordered
 * forms (fcom, fcomi, ftst), not in the unordered ones (fucom, fucomi).
 */
function compareInvalid(c: X86Cpu, a: F80, b: F80, ordered: boolean): void {
  if (F.isSignaling80(a) || F.isSignaling80(b) || (ordered && (F.isNaN80(a) || F.isNaN80(b)))) c.fpSw |= 1;
}
function compareSw(c: X86Cpu, a: F80, b: F80, ordered: boolean): void {
  compareInvalid(c, a, b, ordered);
  const r = F.compare(a, b);
  let f: number;
  if (r !== r) f = C0 | C2 | C3;
  else if (r < 0) f = C0;
  else if (r === 0) f = C3;
  else f = 0;
  c.fpSw = (c.fpSw & ~(C0 | C1 | C2 | C3)) | f;
}
function compareEflags(c: X86Cpu, a: F80, b: F80, ordered: boolean): void {
  compareInvalid(c, a, b, ordered);
  const r = F.compare(a, b);
  let f: number;
  if (r !== r) f = ZF | PF | CF;
  else if (r < 0) f = CF;
  else if (r === 0) f = ZF;
  else f = 0;
  c.fop = 0;
  c.fbits = f;
}

function arith(c: X86Cpu, op: number, a: F80, b: F80): F80 {
  const r = invalidCheck(c, a, b, arithRaw(c, op, a, b));
  stored(c);
  return r;
}
/**
 * IE (invalid operation) when a NaN result comes from non-NaN operands (0/0, inf-inf, sqrt(-x), ...), or when
 * an operand is a signalling NaN or an unsupported encoding (whose masked result is the real indefinite).
 */
function invalidCheck(c: X86Cpu, a: F80, b: F80, r: F80): F80 {
  if ((F.isNaN80(r) && !F.isNaN80(a) && !F.isNaN80(b)) || F.isSignaling80(a) || F.isSignaling80(b)) c.fpSw |= 1;
  return r;
}
function arithRaw(c: X86Cpu, op: number, a: F80, b: F80): F80 {
  const r = rc(c);
  switch (op) {
    case 0: return F.add(a, b, r);
    case 1: return F.mul(a, b, r);
    case 4: return F.sub(a, b, r);
    case 5: return F.sub(b, a, r);
    case 6: return F.div(a, b, r);
    default: return F.div(b, a, r);
  }
}

/** Integer store with x87 rounding; out of range → integer indefinite. */
function storeInt(c: X86Cpu, a: number, v: F80, bits: number, trunc: boolean): void {
  const r = F.toInt(v, trunc ? F.RC_ZERO : rc(c));
  const lim = 1n << BigInt(bits - 1);
  let big: bigint;
  const invalid = r === undefined || r < -lim || r >= lim;
  if (invalid) big = lim; // integer indefinite
  else big = BigInt.asUintN(bits, r);
  if (bits === 16) c.mem.write16(a, Number(big));
  else if (bits === 32) c.mem.write32(a, Number(big));
  else c.wrMem(a, 64, Number(big & 0xffffffffn), Number(big >> 32n));
  // Status only after the store succeeded (a faulting store has no effects); an invalid conversion rounds nothing.
  if (invalid) {
    c.fpSw = (c.fpSw | 1) & ~C1; // IE
  } else stored(c);
}
/**
 * Packed BCD (SDM Vol. 1 4.7): 18 digits, two per byte from the least significant, sign in bit 7 of byte 9. A
 * non-decimal nibble gives an undefined result (here: its binary value as a digit).
 */
function loadBcd(b: Uint8Array): F80 {
  let v = 0n;
  for (let k = 8; k >= 0; k--) v = v * 100n + BigInt((b[k]! >> 4) * 10 + (b[k]! & 15));
  const s = b[9]! >> 7;
  return v === 0n ? { s, e: 0, m: 0n } : { ...F.fromInt(v), s };
}
/** fbstp: round per RC; out of range (|v| ≥ 10^18), NaN or infinity store the BCD indefinite with IE. */
function storeBcd(c: X86Cpu, a: number, v: F80): void {
  const r = F.toInt(v, rc(c));
  const out = new Uint8Array(10);
  const invalid = r === undefined || r >= 10n ** 18n || r <= -(10n ** 18n);
  if (invalid) out.set([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
  else {
    let m = r < 0n ? -r : r;
    for (let k = 0; k < 9; k++) {
      const d = Number(m % 100n);
      m /= 100n;
      out[k] = ((Math.floor(d / 10)) << 4) | (d % 10);
    }
    out[9] = v.s << 7;
  }
  c.mem.writeBytes(a, out);
  if (invalid) c.fpSw = (c.fpSw | 1) & ~C1;
  else stored(c);
}

function loadInt(c: X86Cpu, a: number, bits: number): F80 {
  if (bits === 16) return F.fromInt(BigInt((c.mem.read16(a) << 16) >> 16));
  if (bits === 32) return F.fromInt(BigInt(c.mem.read32(a) | 0));
  const lo = c.rdMem(a, 64);
  return F.fromInt(BigInt.asIntN(64, (BigInt(c.vh) << 32n) | BigInt(lo)));
}
function loadF(c: X86Cpu, a: number, bits: number): F80 {
  if (bits === 32) return F.fromF32Bits(c.mem.read32(a));
  const lo = c.rdMem(a, 64);
  return F.fromF64Bits((BigInt(c.vh) << 32n) | BigInt(lo));
}
/**
 * fld m32/m64: a signalling NaN is converted to a quiet one, with IE (SDM FLD: "#IA Source operand is an SNaN").
 * Arithmetic keeps the operand signalling so that NaN selection still prefers a quiet NaN over it.
 */
function loadFQuiet(c: X86Cpu, a: number, bits: number): F80 {
  const v = loadF(c, a, bits);
  if (!F.isSignaling80(v)) return v;
  c.fpSw |= 1;
  return { s: v.s, e: v.e, m: v.m | (1n << 62n) };
}
function storeF(c: X86Cpu, a: number, x: F80, bits: number): void {
  if (bits === 32) c.mem.write32(a, F.toF32Bits(x, rc(c)));
  else {
    const b = F.toF64Bits(x, rc(c));
    c.wrMem(a, 64, Number(b & 0xffffffffn), Number(b >> 32n));
  }
  // Status only after the store succeeded (a faulting store has no effects).
  stored(c);
  if (F.isSignaling80(x)) c.fpSw |= 1; // stored as the quieted NaN / the indefinite
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
        compareSw(c, st(c, 0), v, true);
        if (reg === 3) pop(c);
      } else setSt(c, 0, arith(c, reg, st(c, 0), v));
      return;
    }
    case 0xd9:
      switch (reg) {
        case 0: push(c, loadFQuiet(c, a, 32)); return;
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
        case 5:
          push(c, F.fromBytes(c.mem.readBytes(a, 10)));
          return;
        case 7:
          c.mem.writeBytes(a, F.toBytes(st(c, 0)));
          stored(c);
          pop(c);
          return;
      }
      break;
    case 0xdd:
      switch (reg) {
        case 0: push(c, loadFQuiet(c, a, 64)); return;
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
        case 4: push(c, loadBcd(c.mem.readBytes(a, 10))); return; // fbld
        case 6: storeBcd(c, a, st(c, 0)); pop(c); return; // fbstp
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

// fld1, fldl2t, fldl2e, fldpi, fldlg2, fldln2, fldz: the 64-bit significands the SDM lists (round to nearest).
const CONSTS: F80[] = [
  { s: 0, e: 0x3fff, m: 0x8000000000000000n },
  { s: 0, e: 0x4000, m: 0xd49a784bcd1b8afen },
  { s: 0, e: 0x3fff, m: 0xb8aa3b295c17f0bcn },
  { s: 0, e: 0x4000, m: 0xc90fdaa22168c235n },
  { s: 0, e: 0x3ffd, m: 0x9a209a84fbcff799n },
  { s: 0, e: 0x3ffe, m: 0xb17217f7d1cf79acn },
  F.F80_ZERO,
];
/** Whether round-to-nearest rounded each constant up (true), down (false), or it is exact (undefined). */
const CONST_ROUNDED_UP: (boolean | undefined)[] = [undefined, false, true, true, true, true, undefined];

function regForm(c: X86Cpu, i: Insn): void {
  const reg = (i.modrm >> 3) & 7;
  const k = i.modrm & 7;
  switch (i.opcode) {
    case 0xd8:
      if (reg === 2 || reg === 3) {
        compareSw(c, st(c, 0), st(c, k), true);
        if (reg === 3) pop(c);
      } else setSt(c, 0, arith(c, reg, st(c, 0), st(c, k)));
      return;
    case 0xdc:
    case 0xde: {
      // st(k) = st(k) op st(0), with Intel's sub/subr and div/divr swapped relative to D8.
      const swap = reg >= 4 ? reg ^ 1 : reg;
      if (i.opcode === 0xde && reg === 3 && k === 1) {
        compareSw(c, st(c, 0), st(c, 1), true);
        pop(c);
        pop(c);
        return;
      }
      setSt(c, k, arith(c, swap, st(c, k), st(c, 0)));
      if (i.opcode === 0xde) pop(c);
      return;
    }
    case 0xd9:
      switch (reg) {
        case 0: push(c, st(c, k)); return;
        case 1: {
          // An empty operand reads as the indefinite (stack underflow); both registers end up valid.
          const a = st(c, 0);
          const b = st(c, k);
          const p0 = c.fpTop;
          const pk = (c.fpTop + k) & 7;
          c.st[p0] = b;
          c.st[pk] = a;
          c.fpTag &= ~((1 << p0) | (1 << pk));
          c.fpSw &= ~C1;
          return;
        }
        case 2: return; // fnop
        case 4:
          // fchs/fabs: "C1 Set to 0".
          if (k === 0) { setSt(c, 0, F.neg(st(c, 0))); c.fpSw &= ~C1; }
          else if (k === 1) { setSt(c, 0, F.abs(st(c, 0))); c.fpSw &= ~C1; }
          else if (k === 4) compareSw(c, st(c, 0), F.F80_ZERO, true);
          else if (k === 5) fxam(c);
          else break;
          return;
        case 5:
          if (k < 7) {
            // The stored constants are rounded to nearest; directed rounding moves the inexact ones by an ulp.
            const v = CONSTS[k]!;
            const mode = rc(c);
            const up = CONST_ROUNDED_UP[k];
            let m = v.m;
            if (up === true && (mode === F.RC_DOWN || mode === F.RC_ZERO)) m -= 1n;
            else if (up === false && mode === F.RC_UP) m += 1n;
            push(c, m === v.m ? v : { s: v.s, e: v.e, m });
            return;
          }
          break;
        case 6:
          if (k < 4) { transcendental(c, k); return; }
          if (k === 4) { // fxtract: st(0) ← exponent, then push the significand
            const a = st(c, 0);
            const [ex, sig] = F.extract(a);
            if (F.isZero80(a)) c.fpSw |= 4; // ZE
            // A full stack overflows on the push: both results are then the indefinite.
            const full = !(c.fpTag & (1 << ((c.fpTop + 7) & 7)));
            setSt(c, 0, full ? F.F80_NAN : invalidCheck(c, a, a, ex));
            push(c, sig);
            return;
          }
          if (k === 5) { // fprem1
            remStep(c, true);
            return;
          }
          // fdecstp/fincstp: "C1 Set to 0".
          if (k === 6) { c.fpTop = (c.fpTop - 1) & 7; c.fpSw &= ~C1; return; }
          if (k === 7) { c.fpTop = (c.fpTop + 1) & 7; c.fpSw &= ~C1; return; }
          break;
        case 7:
          switch (k) {
            case 0: // fprem: partial remainder (C2=1) or complete, truncating quotient; C0,C3,C1 = Q2,Q1,Q0
              remStep(c, false);
              return;
            case 2: setSt(c, 0, invalidCheck(c, st(c, 0), st(c, 0), F.sqrt(st(c, 0), rc(c)))); stored(c); return;
            case 4: setSt(c, 0, invalidCheck(c, st(c, 0), st(c, 0), F.roundInt(st(c, 0), rc(c)))); stored(c); return;
            case 5: setSt(c, 0, invalidCheck(c, st(c, 0), st(c, 1), F.scale(st(c, 0), st(c, 1), rc(c)))); stored(c); return;
            case 1: transcendental(c, 8 + 1); return;
            case 3: case 6: case 7: transcendental(c, 8 + k); return;
          }
          break;
      }
      break;
    case 0xda:
    case 0xdb: {
      if (i.opcode === 0xda && reg === 5 && k === 1) {
        compareSw(c, st(c, 0), st(c, 1), false);
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
        compareEflags(c, st(c, 0), st(c, k), reg === 6);
        return;
      }
      // fcmovcc: both registers are checked for underflow whatever the condition (an empty one makes st(0) the
      // indefinite); otherwise st(0) := st(k) when the condition holds.
      const conds = [() => c.getCF() === 1, () => c.getZF() === 1, () => (c.getCF() | c.getZF()) === 1, () => c.getPF() === 1];
      const t = conds[reg & 3]!();
      st(c, 0);
      const v = st(c, k);
      if (underflow || (i.opcode === 0xda ? t : !t)) setSt(c, 0, v);
      return;
    }
    case 0xdd:
      switch (reg) {
        case 0: c.fpTag |= 1 << ((c.fpTop + k) & 7); return;
        // fst/fstp st(k): no rounding, so C1 = 0.
        case 2: setSt(c, k, st(c, 0)); c.fpSw &= ~C1; return;
        case 3: setSt(c, k, st(c, 0)); c.fpSw &= ~C1; pop(c); return;
        case 4: compareSw(c, st(c, 0), st(c, k), false); return;
        case 5: compareSw(c, st(c, 0), st(c, k), false); pop(c); return;
      }
      break;
    case 0xdf:
      if (reg === 4 && k === 0) {
        c.wrReg(0, 0, 16, sw(c), 0);
        return;
      }
      if (reg === 5 || reg === 6) {
        compareEflags(c, st(c, 0), st(c, k), reg === 6);
        pop(c);
        return;
      }
      break;
  }
  c.fault(i, { kind: "undefined", pc: i.addr, detail: `x87 ${i.def.mn} not implemented` });
}

const ONE: F80 = { s: 0, e: 0x3fff, m: 1n << 63n };
const INF = (s: number): F80 => ({ s, e: 0x7fff, m: 1n << 63n });
/** A NaN operand's quieted result (or the indefinite for unsupported encodings), IE for signalling ones. */
const nanResult = (c: X86Cpu, a: F80, b: F80): F80 => invalidCheck(c, a, b, F.add(a, b));
const isNaNish = (a: F80) => F.isNaN80(a);

/**
 * The transcendentals (x87-trans.ts): `which` is D9 F0+k for k < 4 (f2xm1 fyl2x fptan fpatan) and 8 + k for
 * D9 F8+k (fyl2xp1 fsincos fsin fcos). Special operands follow the SDM's tables for each instruction.
 */
function transcendental(c: X86Cpu, which: number): void {
  const mode = rc(c);
  const a = st(c, 0);
  switch (which) {
    case 0: { // f2xm1: 2^x − 1, defined for −1 ≤ x ≤ +1
      let r: F80;
      if (isNaNish(a)) r = nanResult(c, a, a);
      else if (F.isInf80(a)) r = a.s ? { s: 1, e: 0x3fff, m: 1n << 63n } : a;
      else if (a.e === 0x3fff && a.m === 1n << 63n) r = a.s ? { s: 1, e: 0x3ffe, m: 1n << 63n } : ONE; // 2^±1 − 1, exact
      else r = T.exp2m1(a, mode);
      setSt(c, 0, r);
      stored(c);
      return;
    }
    case 1: // fyl2x: st(1) := st(1)·log2(st(0)), pop
    case 9: { // fyl2xp1: st(1) := st(1)·log2(st(0) + 1), pop
      const y = st(c, 1);
      let r: F80;
      if (isNaNish(a) || isNaNish(y)) r = nanResult(c, y, a);
      else if (which === 9) {
        if (F.isInf80(a) && a.s) {
          c.fpSw |= 1; // log2(1 + -inf): IE, the indefinite
          r = F.F80_NAN;
        } else if (F.isZero80(a) || F.isZero80(y) || F.isInf80(y) || F.isInf80(a)) r = invalidCheck(c, y, a, F.mul(y, a, mode));
        else r = T.ylog2xp1(y, a, mode);
      } else if (a.s && !F.isZero80(a)) {
        c.fpSw |= 1; // log of a negative number: IE, the indefinite
        r = F.F80_NAN;
      }
      else if (F.isZero80(a) || F.isInf80(a) || F.isInf80(y) || F.isZero80(y) || (a.e === 0x3fff && a.m === 1n << 63n)) {
        // log2 of 0, +inf, 1 are −inf (ZE), +inf, +0; otherwise only its sign matters against an infinite or zero y.
        const lg = F.isZero80(a) ? INF(1) : F.isInf80(a) ? INF(0) : a.e === 0x3fff && a.m === 1n << 63n ? F.F80_ZERO : { s: a.e < 0x3fff ? 1 : 0, e: 0x3fff, m: 1n << 63n };
        if (F.isZero80(a) && !F.isZero80(y)) c.fpSw |= 4; // ZE
        r = invalidCheck(c, y, lg, F.mul(y, lg, mode));
      } else r = T.ylog2x(y, a, mode);
      setSt(c, 1, r);
      stored(c);
      pop(c);
      return;
    }
    case 3: { // fpatan: st(1) := atan2(st(1), st(0)), pop
      const y = st(c, 1);
      let r: F80;
      if (isNaNish(a) || isNaNish(y)) r = nanResult(c, y, a);
      else if (F.isZero80(y)) r = a.s ? T.piMultiple(1, 1, y.s, mode) : y;
      else if (F.isInf80(y)) r = F.isInf80(a) ? T.piMultiple(a.s ? 3 : 1, 4, y.s, mode) : T.piMultiple(1, 2, y.s, mode);
      else if (F.isInf80(a)) r = a.s ? T.piMultiple(1, 1, y.s, mode) : { s: y.s, e: 0, m: 0n };
      else if (F.isZero80(a)) r = T.piMultiple(1, 2, y.s, mode);
      else r = T.atan2(y, a, mode);
      setSt(c, 1, r);
      stored(c);
      pop(c);
      return;
    }
    default: { // fptan (2), fsincos (11), fsin (14), fcos (15)
      const pushes = which === 2 || which === 11;
      // A push onto a full stack overflows: both results are then the indefinite (as fxtract), before any range check.
      const full = pushes && !(c.fpTag & (1 << ((c.fpTop + 7) & 7)));
      if (!full && !isNaNish(a) && !F.isInf80(a) && !T.trigInRange(a)) {
        c.fpSw |= C2; // out of range: st(0) unchanged
        return;
      }
      c.fpSw &= ~C2;
      let r0: F80;
      let r1: F80 = ONE;
      if (isNaNish(a)) r0 = r1 = nanResult(c, a, a);
      else if (F.isInf80(a)) {
        c.fpSw |= 1; // IE
        r0 = r1 = F.F80_NAN;
      } else if (which === 14) r0 = T.sin(a, mode);
      else if (which === 15) r0 = T.cos(a, mode);
      else if (which === 2) r0 = T.tan(a, mode);
      else {
        r1 = T.cos(a, mode);
        r0 = T.sin(a, mode);
      }
      setSt(c, 0, full ? F.F80_NAN : r0);
      stored(c);
      if (pushes) push(c, r1);
      return;
    }
  }
}

/**
 * fprem/fprem1. A NaN result (NaN or invalid operands, or an empty register) clears C1 and C2 and leaves C0, C3 as
 * they were (measured on Intel; the SDM defines the quotient bits only for a remainder).
 */
function remStep(c: X86Cpu, nearest: boolean): void {
  const a = st(c, 0);
  const b = st(c, 1);
  const r = invalidCheck(c, a, b, nearest ? F.rem1(a, b) : F.rem(a, b));
  setSt(c, 0, r);
  if (F.isNaN80(r) || underflow) c.fpSw &= ~(C1 | C2);
  else setRemFlags(c);
}

/** fprem/fprem1 condition codes: C2 for a partial remainder, else C0, C3, C1 = Q2, Q1, Q0. */
function setRemFlags(c: X86Cpu): void {
  const q = F.remQuotientBits;
  c.fpSw = (c.fpSw & ~(C0 | C1 | C2 | C3)) | (F.remIncomplete ? C2 : (q & 4 ? C0 : 0) | (q & 2 ? C3 : 0) | (q & 1 ? C1 : 0));
}

function fxam(c: X86Cpu): void {
  const p = c.fpTop;
  const v = c.st[p]!;
  const neg = v.s ? C1 : 0;
  let f: number;
  if (c.fpTag & (1 << p)) f = C3 | C0;
  else if (F.isUnsupported80(v)) f = 0; // "unsupported": unnormal, pseudo-infinity, pseudo-NaN
  else if (F.isNaN80(v)) f = C0;
  else if (F.isInf80(v)) f = C2 | C0;
  else if (v.m === 0n) f = C3;
  else if (v.e === 0) f = C3 | C2; // denormal
  else f = C2;
  c.fpSw = (c.fpSw & ~(C0 | C1 | C2 | C3)) | f | neg;
}

/**
 * Decoded x87 rows without semantics here: they get no handler, so they trap as undefined instructions (the
 * tables still decode and disassemble them). The full-state save/restore forms are unused by libc.
 */
export const X87_NOT_IMPLEMENTED: ReadonlySet<string> = new Set(["frstor", "fnsave"]);

X87_OPS.op("x87", (d) => X87_NOT_IMPLEMENTED.has(d.mn) ? undefined : (c, i) => {
  underflow = false;
  F.clearRounding();
  if (i.mod === 3) regForm(c, i);
  else memForm(c, i);
  if (underflow) c.fpSw = (c.fpSw | 1 | (1 << 6)) & ~C1;
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
    out.set(F.toBytes(c.st[p]!), 32 + 16 * k);
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
    c.st[p] = F.fromBytes(b, 32 + 16 * k);
  }
  new Uint8Array(c.xmm.buffer).set(b.subarray(160, 416));
}
X87_OPS.op("fxsave", () => (c, i) => {
  const a = c.ea(i);
  if (a % 16 !== 0) {
    c.fault(i, { kind: "alignment", pc: i.addr, addr: a });
    return;
  }
  c.mem.writeBytes(a, fxsaveImage(c));
});
X87_OPS.op("fxrstor", () => (c, i) => {
  const a = c.ea(i);
  if (a % 16 !== 0) {
    c.fault(i, { kind: "alignment", pc: i.addr, addr: a });
    return;
  }
  fxrstorImage(c, c.mem.readBytes(a, 512));
});
