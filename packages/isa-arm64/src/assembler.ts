/**
 * A typed A64 assembler: a builder whose methods append one (or a few) encoded
 * instructions, with labels resolved at `finish()`.
 *
 * Used by the vDSO generator to lower its IR; every encoding here is checked
 * against GNU `as` by `test/assembler.test.ts` and round-tripped through the
 * decoder and disassembler. Bad operands (out-of-range immediates, an SP where
 * only XZR is allowed, mixed widths) throw {@link AsmError}; nothing is
 * silently truncated.
 */

export class AsmError extends Error {
  override name = "AsmError";
}

/** A general-purpose register operand: `x(n)`, `w(n)`, `sp`, `wsp`, `xzr`, `wzr`. */
export interface GpReg {
  readonly kind: "gp";
  /** Encoding number 0..31 (31 is SP or ZR depending on `isSp`). */
  readonly num: number;
  /** true for a 64-bit X register. */
  readonly is64: boolean;
  readonly isSp: boolean;
}

function mkReg(num: number, is64: boolean, isSp: boolean): GpReg {
  return Object.freeze({ kind: "gp" as const, num, is64, isSp });
}
const X_REGS = Array.from({ length: 31 }, (_, i) => mkReg(i, true, false));
const W_REGS = Array.from({ length: 31 }, (_, i) => mkReg(i, false, false));

export function x(n: number): GpReg {
  const r = X_REGS[n];
  if (!Number.isInteger(n) || !r) throw new AsmError(`x(${n}): register number must be 0..30 (use sp/xzr for 31)`);
  return r;
}
export function w(n: number): GpReg {
  const r = W_REGS[n];
  if (!Number.isInteger(n) || !r) throw new AsmError(`w(${n}): register number must be 0..30 (use wsp/wzr for 31)`);
  return r;
}
export const sp: GpReg = mkReg(31, true, true);
export const wsp: GpReg = mkReg(31, false, true);
export const xzr: GpReg = mkReg(31, true, false);
export const wzr: GpReg = mkReg(31, false, false);
export const fp: GpReg = X_REGS[29]!;
export const lr: GpReg = X_REGS[30]!;

export type Cond = "eq" | "ne" | "cs" | "hs" | "cc" | "lo" | "mi" | "pl" | "vs" | "vc" | "hi" | "ls" | "ge" | "lt" | "gt" | "le" | "al" | "nv";
const COND_CODES: Record<Cond, number> = {
  eq: 0, ne: 1, cs: 2, hs: 2, cc: 3, lo: 3, mi: 4, pl: 5, vs: 6, vc: 7,
  hi: 8, ls: 9, ge: 10, lt: 11, gt: 12, le: 13, al: 14, nv: 15,
};

export type Shift = "lsl" | "lsr" | "asr" | "ror";
const SHIFT_CODES: Record<Shift, number> = { lsl: 0, lsr: 1, asr: 2, ror: 3 };

export type Extend = "uxtb" | "uxth" | "uxtw" | "uxtx" | "sxtb" | "sxth" | "sxtw" | "sxtx";
const EXTEND_CODES: Record<Extend, number> = { uxtb: 0, uxth: 1, uxtw: 2, uxtx: 3, sxtb: 4, sxth: 5, sxtw: 6, sxtx: 7 };

/** System registers reachable with mrs/msr: [op0, op1, CRn, CRm, op2]. */
export const SYSREGS = {
  tpidr_el0: [3, 3, 13, 0, 2],
  nzcv: [3, 3, 4, 2, 0],
  fpcr: [3, 3, 4, 4, 0],
  fpsr: [3, 3, 4, 4, 1],
  ctr_el0: [3, 3, 0, 0, 1],
  dczid_el0: [3, 3, 0, 0, 7],
  midr_el1: [3, 0, 0, 0, 0],
  cntvct_el0: [3, 3, 14, 0, 2],
  cntfrq_el0: [3, 3, 14, 0, 0],
} as const satisfies Record<string, readonly [number, number, number, number, number]>;
export type SysReg = keyof typeof SYSREGS;

export type BarrierOption = "sy" | "ish" | "ishld" | "ishst" | "nsh" | "osh" | "ld" | "st";
const BARRIER_CRM: Record<BarrierOption, number> = { sy: 15, st: 14, ld: 13, ish: 11, ishst: 10, ishld: 9, nsh: 7, osh: 3 };

/** A position in the output, bound once with `bind`. */
export interface Label {
  readonly kind: "label";
  readonly id: number;
}

/**
 * A memory operand. Build with {@link mem}, {@link pre}, {@link post} or {@link memIdx}.
 * `offset` is a byte offset (scaled by the assembler where the encoding scales).
 */
export type MemOperand =
  | { readonly mode: "offset" | "pre" | "post"; readonly base: GpReg; readonly offset: number }
  | { readonly mode: "reg"; readonly base: GpReg; readonly index: GpReg; readonly extend: Extend | "lsl"; readonly shifted: boolean };

export const mem = (base: GpReg, offset = 0): MemOperand => ({ mode: "offset", base, offset });
/** `[base, #offset]!` */
export const pre = (base: GpReg, offset: number): MemOperand => ({ mode: "pre", base, offset });
/** `[base], #offset` */
export const post = (base: GpReg, offset: number): MemOperand => ({ mode: "post", base, offset });
/** `[base, index{, extend #amount}]`; `shifted` scales the index by the access size. */
export const memIdx = (base: GpReg, index: GpReg, extend: Extend | "lsl" = "lsl", shifted = false): MemOperand =>
  ({ mode: "reg", base, index, extend, shifted });

interface Fixup {
  at: number;
  label: Label;
  kind: "imm26" | "imm19" | "imm14" | "adr" | "adrp";
}

/** The size/opc rows of the single-register load/store family (size at 30, opc at 22). */
const LS_KINDS = {
  strb: { size: 0, opc: 0 },
  ldrb: { size: 0, opc: 1 },
  ldrsb: { size: 0, opc: 2 },
  strh: { size: 1, opc: 0 },
  ldrh: { size: 1, opc: 1 },
  ldrsh: { size: 1, opc: 2 },
  ldrsw: { size: 2, opc: 2 },
} as const;

export class A64Assembler {
  private buf = new Uint32Array(256);
  private len = 0;
  private nextLabel = 0;
  private readonly bound = new Map<number, number>();
  private readonly fixups: Fixup[] = [];

  // ------------------------------------------------------------------ output

  /** Current offset in bytes from the start of the output. */
  here(): number {
    return this.len * 4;
  }

  /** Emit a raw 32-bit instruction word. */
  word(u32: number): this {
    if (!Number.isInteger(u32) || u32 < -0x80000000 || u32 > 0xffffffff) throw new AsmError(`word(${u32}): not a 32-bit value`);
    if (this.len === this.buf.length) {
      const n = new Uint32Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
    }
    this.buf[this.len++] = u32 >>> 0;
    return this;
  }

  /** Emit raw bytes; their length must be a multiple of 4 so instructions stay aligned. */
  bytes(data: Uint8Array): this {
    if (data.length % 4 !== 0) throw new AsmError(`bytes(): length ${data.length} is not a multiple of 4`);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < data.length; i += 4) this.word(dv.getUint32(i, true));
    return this;
  }

  /** Pad with NOPs (or `fill`) until `here()` is a multiple of `alignment` bytes (a power of two ≥ 4). */
  align(alignment: number, fill = 0xd503201f): this {
    if (!Number.isInteger(alignment) || alignment < 4 || (alignment & (alignment - 1)) !== 0) throw new AsmError(`align(${alignment}): need a power of two >= 4`);
    while (this.here() % alignment !== 0) this.word(fill);
    return this;
  }

  newLabel(): Label {
    return { kind: "label", id: this.nextLabel++ };
  }

  bind(label: Label): this {
    if (this.bound.has(label.id)) throw new AsmError(`label ${label.id} bound twice`);
    this.bound.set(label.id, this.here());
    return this;
  }

  /** Offset a bound label resolved to (after `bind`). */
  labelOffset(label: Label): number {
    const o = this.bound.get(label.id);
    if (o === undefined) throw new AsmError(`label ${label.id} is not bound`);
    return o;
  }

  /** Resolve label references and return the code (little-endian). Throws if a label is unbound or out of range. */
  finish(): Uint8Array {
    for (const f of this.fixups) {
      const target = this.bound.get(f.label.id);
      if (target === undefined) throw new AsmError(`label ${f.label.id} referenced but never bound`);
      const idx = f.at / 4;
      this.buf[idx] = (this.buf[idx]! | patchField(f.kind, f.at, target)) >>> 0;
    }
    this.fixups.length = 0;
    const out = new Uint8Array(this.len * 4);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < this.len; i++) dv.setUint32(i * 4, this.buf[i]!, true);
    return out;
  }

  private emitRef(base: number, target: Label | number, kind: Fixup["kind"]): this {
    if (typeof target === "number") return this.word((base | patchField(kind, this.here(), this.here() + target)) >>> 0);
    this.fixups.push({ at: this.here(), label: target, kind });
    return this.word(base);
  }

  // --------------------------------------------------------------- move wide

  movz(rd: GpReg, imm16: number, shift = 0): this {
    return this.moveWide(0x52800000, rd, imm16, shift);
  }
  movk(rd: GpReg, imm16: number, shift = 0): this {
    return this.moveWide(0x72800000, rd, imm16, shift);
  }
  movn(rd: GpReg, imm16: number, shift = 0): this {
    return this.moveWide(0x12800000, rd, imm16, shift);
  }
  private moveWide(op: number, rd: GpReg, imm16: number, shift: number): this {
    noSp(rd, "move wide destination");
    checkUImm(imm16, 16, "imm16");
    if (shift % 16 !== 0 || shift < 0 || shift > (rd.is64 ? 48 : 16)) throw new AsmError(`move wide: bad shift ${shift}`);
    return this.word(sf(rd) | op | ((shift / 16) << 21) | (imm16 << 5) | rd.num);
  }

  /**
   * `mov rd, rn` (register, SP-aware) or `mov rd, #imm` for any 64-bit (or 32-bit) constant:
   * a single movz/movn/orr when one fits, else movz/movn followed by movk for each remaining halfword.
   */
  mov(rd: GpReg, src: GpReg | number | bigint): this {
    if (typeof src === "object") {
      sameWidth(rd, src);
      if (rd.isSp || src.isSp) return this.word(sf(rd) | 0x11000000 | (src.num << 5) | rd.num); // add rd, rn, #0
      return this.word(sf(rd) | 0x2a0003e0 | (src.num << 16) | rd.num); // orr rd, zr, rm
    }
    noSp(rd, "mov immediate destination");
    const bits = rd.is64 ? 64 : 32;
    const v = BigInt.asUintN(bits, BigInt(src));
    if (typeof src === "number" && !Number.isSafeInteger(src)) throw new AsmError(`mov: ${src} is not an exact integer; pass a bigint`);
    if (BigInt(src) >= 1n << BigInt(bits) || BigInt(src) < -(1n << BigInt(bits - 1))) throw new AsmError(`mov: ${src} does not fit ${bits} bits`);
    const halves: number[] = [];
    for (let i = 0; i < bits / 16; i++) halves.push(Number((v >> BigInt(16 * i)) & 0xffffn));
    const zeros = halves.filter((h) => h === 0).length;
    const ones = halves.filter((h) => h === 0xffff).length;
    if (zeros >= halves.length - 1) {
      const i = Math.max(0, halves.findIndex((h) => h !== 0));
      return this.movz(rd, halves[i]!, i * 16);
    }
    if (ones >= halves.length - 1) {
      const i = Math.max(0, halves.findIndex((h) => h !== 0xffff));
      return this.movn(rd, ~halves[i]! & 0xffff, i * 16);
    }
    const bm = encodeBitmask(v, bits);
    if (bm !== undefined) return this.word(sf(rd) | 0x32000000 | (bm << 10) | (31 << 5) | rd.num); // orr rd, zr, #imm
    // Start from whichever of all-zeros / all-ones leaves fewer halfwords to patch.
    const useN = ones > zeros;
    const skip = useN ? 0xffff : 0;
    let first = true;
    for (let i = 0; i < halves.length; i++) {
      const h = halves[i]!;
      if (h === skip) continue;
      if (first) {
        if (useN) this.movn(rd, ~h & 0xffff, i * 16);
        else this.movz(rd, h, i * 16);
        first = false;
      } else this.movk(rd, h, i * 16);
    }
    return this;
  }

  // ---------------------------------------------------------- add / subtract

  add(rd: GpReg, rn: GpReg, op: GpReg | number, shift?: Shift | Extend, amount = 0): this {
    return this.addSub(0, 0, rd, rn, op, shift, amount);
  }
  adds(rd: GpReg, rn: GpReg, op: GpReg | number, shift?: Shift | Extend, amount = 0): this {
    return this.addSub(0, 1, rd, rn, op, shift, amount);
  }
  sub(rd: GpReg, rn: GpReg, op: GpReg | number, shift?: Shift | Extend, amount = 0): this {
    return this.addSub(1, 0, rd, rn, op, shift, amount);
  }
  subs(rd: GpReg, rn: GpReg, op: GpReg | number, shift?: Shift | Extend, amount = 0): this {
    return this.addSub(1, 1, rd, rn, op, shift, amount);
  }
  cmp(rn: GpReg, op: GpReg | number, shift?: Shift | Extend, amount = 0): this {
    return this.addSub(1, 1, rn.is64 ? xzr : wzr, rn, op, shift, amount);
  }
  cmn(rn: GpReg, op: GpReg | number, shift?: Shift | Extend, amount = 0): this {
    return this.addSub(0, 1, rn.is64 ? xzr : wzr, rn, op, shift, amount);
  }
  neg(rd: GpReg, rm: GpReg): this {
    return this.sub(rd, rd.is64 ? xzr : wzr, rm);
  }

  private addSub(isSub: number, setFlags: number, rd: GpReg, rn: GpReg, op: GpReg | number, shift: Shift | Extend | undefined, amount: number): this {
    sameWidth(rd, rn);
    const opBits = sf(rd) | (isSub << 30) | (setFlags << 29);
    if (setFlags && rd.isSp) throw new AsmError("adds/subs cannot write sp");
    if (typeof op === "number") {
      // Immediate form: 12 bits, optionally shifted left by 12; negative values flip add<->sub.
      if (!Number.isInteger(op)) throw new AsmError(`add/sub immediate ${op} is not an integer`);
      if (op < 0) return this.addSub(isSub ^ 1, setFlags, rd, rn, -op, shift, amount);
      if (rn.num === 31 && !rn.isSp) throw new AsmError("add/sub immediate: source 31 is sp, not zr");
      if (!setFlags && rd.num === 31 && !rd.isSp) throw new AsmError("add/sub immediate: destination 31 is sp, not zr");
      let sh = 0;
      let imm = op;
      if (shift !== undefined && (shift !== "lsl" || (amount !== 0 && amount !== 12))) throw new AsmError("add/sub immediate: only lsl #0 or #12");
      if (amount === 12) sh = 1;
      else if (imm > 0xfff && (imm & 0xfff) === 0 && imm <= 0xfff000) {
        sh = 1;
        imm >>= 12;
      }
      checkUImm(imm, 12, "add/sub immediate");
      return this.word(opBits | 0x11000000 | (sh << 22) | (imm << 10) | (rn.num << 5) | rd.num);
    }
    const extend = shift !== undefined && shift in EXTEND_CODES;
    if (extend || rd.isSp || rn.isSp) {
      // Extended-register form: the only register form that reads or writes SP.
      if (op.isSp) throw new AsmError("add/sub: the second operand cannot be sp");
      const ext: Extend = extend ? (shift as Extend) : rd.is64 ? (op.is64 ? "uxtx" : "uxtw") : "uxtw";
      if (!extend && shift !== undefined && shift !== "lsl") throw new AsmError("add/sub with sp: only lsl/extend shifts");
      if (amount < 0 || amount > 4) throw new AsmError(`add/sub extended: amount ${amount} > 4`);
      if (!setFlags && rd.num === 31 && !rd.isSp) throw new AsmError("add/sub extended: destination 31 is sp");
      if (rn.num === 31 && !rn.isSp) throw new AsmError("add/sub extended: first source 31 is sp");
      return this.word(opBits | 0x0b200000 | (op.num << 16) | (EXTEND_CODES[ext] << 13) | (amount << 10) | (rn.num << 5) | rd.num);
    }
    sameWidth(rd, op);
    const s = shift === undefined ? 0 : SHIFT_CODES[shift as Shift];
    if (s === 3) throw new AsmError("add/sub: ror is not a valid shift");
    if (amount < 0 || amount >= (rd.is64 ? 64 : 32)) throw new AsmError(`add/sub: shift amount ${amount} out of range`);
    return this.word(opBits | 0x0b000000 | (s << 22) | (op.num << 16) | (amount << 10) | (rn.num << 5) | rd.num);
  }

  // ----------------------------------------------------------------- logical

  and(rd: GpReg, rn: GpReg, op: GpReg | number | bigint, shift?: Shift, amount = 0): this {
    return this.logical(0, rd, rn, op, shift, amount);
  }
  orr(rd: GpReg, rn: GpReg, op: GpReg | number | bigint, shift?: Shift, amount = 0): this {
    return this.logical(1, rd, rn, op, shift, amount);
  }
  eor(rd: GpReg, rn: GpReg, op: GpReg | number | bigint, shift?: Shift, amount = 0): this {
    return this.logical(2, rd, rn, op, shift, amount);
  }
  ands(rd: GpReg, rn: GpReg, op: GpReg | number | bigint, shift?: Shift, amount = 0): this {
    return this.logical(3, rd, rn, op, shift, amount);
  }
  tst(rn: GpReg, op: GpReg | number | bigint, shift?: Shift, amount = 0): this {
    return this.logical(3, rn.is64 ? xzr : wzr, rn, op, shift, amount);
  }
  /** `bic` / `orn` / `eon` / `bics`: the inverted-operand register forms. */
  bic(rd: GpReg, rn: GpReg, rm: GpReg, shift?: Shift, amount = 0): this {
    return this.logical(0, rd, rn, rm, shift, amount, 1);
  }
  orn(rd: GpReg, rn: GpReg, rm: GpReg, shift?: Shift, amount = 0): this {
    return this.logical(1, rd, rn, rm, shift, amount, 1);
  }
  mvn(rd: GpReg, rm: GpReg): this {
    return this.logical(1, rd, rd.is64 ? xzr : wzr, rm, undefined, 0, 1);
  }

  private logical(opc: number, rd: GpReg, rn: GpReg, op: GpReg | number | bigint, shift: Shift | undefined, amount: number, invert = 0): this {
    sameWidth(rd, rn);
    noSp(rn, "logical source");
    if (typeof op !== "object") {
      if (opc === 3) noSp(rd, "ands destination");
      if (rd.num === 31 && opc !== 3 && !rd.isSp) throw new AsmError("logical immediate: destination 31 is sp");
      const bits = rd.is64 ? 64 : 32;
      const enc = encodeBitmask(BigInt.asUintN(bits, BigInt(op)), bits);
      if (enc === undefined) throw new AsmError(`logical immediate: ${op} is not an encodable bitmask`);
      return this.word(sf(rd) | (opc << 29) | 0x12000000 | (enc << 10) | (rn.num << 5) | rd.num);
    }
    noSp(rd, "logical register destination");
    sameWidth(rd, op);
    noSp(op, "logical operand");
    if (amount < 0 || amount >= (rd.is64 ? 64 : 32)) throw new AsmError(`logical: shift amount ${amount} out of range`);
    const s = shift === undefined ? 0 : SHIFT_CODES[shift];
    return this.word(sf(rd) | (opc << 29) | 0x0a000000 | (s << 22) | (invert << 21) | (op.num << 16) | (amount << 10) | (rn.num << 5) | rd.num);
  }

  // ------------------------------------------------------------------ shifts

  lsl(rd: GpReg, rn: GpReg, by: GpReg | number): this {
    if (typeof by === "object") return this.dp2(0x1ac02000, rd, rn, by);
    const size = rd.is64 ? 64 : 32;
    checkShift(by, size);
    return this.bitfield(2, rd, rn, (size - by) % size, size - 1 - by);
  }
  lsr(rd: GpReg, rn: GpReg, by: GpReg | number): this {
    if (typeof by === "object") return this.dp2(0x1ac02400, rd, rn, by);
    const size = rd.is64 ? 64 : 32;
    checkShift(by, size);
    return this.bitfield(2, rd, rn, by, size - 1);
  }
  asr(rd: GpReg, rn: GpReg, by: GpReg | number): this {
    if (typeof by === "object") return this.dp2(0x1ac02800, rd, rn, by);
    const size = rd.is64 ? 64 : 32;
    checkShift(by, size);
    return this.bitfield(0, rd, rn, by, size - 1);
  }
  /** ubfm/sbfm/bfm with raw immr/imms (aliases: ubfx, sbfx, uxtb, …). */
  ubfm(rd: GpReg, rn: GpReg, immr: number, imms: number): this {
    return this.bitfield(2, rd, rn, immr, imms);
  }
  sbfm(rd: GpReg, rn: GpReg, immr: number, imms: number): this {
    return this.bitfield(0, rd, rn, immr, imms);
  }
  bfm(rd: GpReg, rn: GpReg, immr: number, imms: number): this {
    return this.bitfield(1, rd, rn, immr, imms);
  }
  ubfx(rd: GpReg, rn: GpReg, lsb: number, width: number): this {
    return this.bitfield(2, rd, rn, lsb, lsb + width - 1);
  }
  private bitfield(opc: number, rd: GpReg, rn: GpReg, immr: number, imms: number): this {
    sameWidth(rd, rn);
    noSp(rd, "bitfield destination");
    noSp(rn, "bitfield source");
    const size = rd.is64 ? 64 : 32;
    if (!(immr >= 0 && immr < size && imms >= 0 && imms < size)) throw new AsmError(`bitfield: immr ${immr}/imms ${imms} out of range`);
    return this.word(sf(rd) | (opc << 29) | 0x13000000 | ((rd.is64 ? 1 : 0) << 22) | (immr << 16) | (imms << 10) | (rn.num << 5) | rd.num);
  }

  // ------------------------------------------------------ multiply / divide

  madd(rd: GpReg, rn: GpReg, rm: GpReg, ra: GpReg): this {
    return this.dp3(0x1b000000, rd, rn, rm, ra);
  }
  msub(rd: GpReg, rn: GpReg, rm: GpReg, ra: GpReg): this {
    return this.dp3(0x1b008000, rd, rn, rm, ra);
  }
  mul(rd: GpReg, rn: GpReg, rm: GpReg): this {
    return this.dp3(0x1b000000, rd, rn, rm, rd.is64 ? xzr : wzr);
  }
  udiv(rd: GpReg, rn: GpReg, rm: GpReg): this {
    return this.dp2(0x1ac00800, rd, rn, rm);
  }
  sdiv(rd: GpReg, rn: GpReg, rm: GpReg): this {
    return this.dp2(0x1ac00c00, rd, rn, rm);
  }
  private dp2(op: number, rd: GpReg, rn: GpReg, rm: GpReg): this {
    sameWidth(rd, rn);
    sameWidth(rd, rm);
    for (const r of [rd, rn, rm]) noSp(r, "operand");
    return this.word(sf(rd) | op | (rm.num << 16) | (rn.num << 5) | rd.num);
  }
  private dp3(op: number, rd: GpReg, rn: GpReg, rm: GpReg, ra: GpReg): this {
    for (const r of [rn, rm, ra]) sameWidth(rd, r);
    for (const r of [rd, rn, rm, ra]) noSp(r, "operand");
    return this.word(sf(rd) | op | (rm.num << 16) | (ra.num << 10) | (rn.num << 5) | rd.num);
  }

  // ------------------------------------------------------ conditional select

  csel(rd: GpReg, rn: GpReg, rm: GpReg, cond: Cond): this {
    return this.condSel(0x1a800000, rd, rn, rm, cond);
  }
  csinc(rd: GpReg, rn: GpReg, rm: GpReg, cond: Cond): this {
    return this.condSel(0x1a800400, rd, rn, rm, cond);
  }
  csinv(rd: GpReg, rn: GpReg, rm: GpReg, cond: Cond): this {
    return this.condSel(0x5a800000, rd, rn, rm, cond);
  }
  csneg(rd: GpReg, rn: GpReg, rm: GpReg, cond: Cond): this {
    return this.condSel(0x5a800400, rd, rn, rm, cond);
  }
  /** rd = cond ? 1 : 0 */
  cset(rd: GpReg, cond: Cond): this {
    const zr = rd.is64 ? xzr : wzr;
    return this.condSel(0x1a800400, rd, zr, zr, invertCond(cond));
  }
  /** rd = cond ? -1 : 0 */
  csetm(rd: GpReg, cond: Cond): this {
    const zr = rd.is64 ? xzr : wzr;
    return this.condSel(0x5a800000, rd, zr, zr, invertCond(cond));
  }
  private condSel(op: number, rd: GpReg, rn: GpReg, rm: GpReg, cond: Cond): this {
    sameWidth(rd, rn);
    sameWidth(rd, rm);
    for (const r of [rd, rn, rm]) noSp(r, "operand");
    return this.word(sf(rd) | op | (rm.num << 16) | (condCode(cond) << 12) | (rn.num << 5) | rd.num);
  }

  // ---------------------------------------------------------------- branches

  /** Branch to a label, or to a byte offset relative to this instruction. */
  b(target: Label | number): this {
    return this.emitRef(0x14000000, target, "imm26");
  }
  bl(target: Label | number): this {
    return this.emitRef(0x94000000, target, "imm26");
  }
  /** `b.<cond>` */
  bcond(cond: Cond, target: Label | number): this {
    return this.emitRef(0x54000000 | condCode(cond), target, "imm19");
  }
  cbz(rt: GpReg, target: Label | number): this {
    noSp(rt, "cbz");
    return this.emitRef(sf(rt) | 0x34000000 | rt.num, target, "imm19");
  }
  cbnz(rt: GpReg, target: Label | number): this {
    noSp(rt, "cbnz");
    return this.emitRef(sf(rt) | 0x35000000 | rt.num, target, "imm19");
  }
  tbz(rt: GpReg, bit: number, target: Label | number): this {
    return this.testBranch(0x36000000, rt, bit, target);
  }
  tbnz(rt: GpReg, bit: number, target: Label | number): this {
    return this.testBranch(0x37000000, rt, bit, target);
  }
  private testBranch(op: number, rt: GpReg, bit: number, target: Label | number): this {
    noSp(rt, "tbz/tbnz");
    if (!Number.isInteger(bit) || bit < 0 || bit >= (rt.is64 ? 64 : 32)) throw new AsmError(`tbz/tbnz: bit ${bit} out of range`);
    return this.emitRef(op | ((bit >> 5) << 31) | ((bit & 31) << 19) | rt.num, target, "imm14");
  }
  br(rn: GpReg): this {
    return this.word(0xd61f0000 | (xOnly(rn, "br") << 5));
  }
  blr(rn: GpReg): this {
    return this.word(0xd63f0000 | (xOnly(rn, "blr") << 5));
  }
  ret(rn: GpReg = lr): this {
    return this.word(0xd65f0000 | (xOnly(rn, "ret") << 5));
  }

  // ---------------------------------------------------------- loads / stores

  /** 32- or 64-bit load; width from `rt`. */
  ldr(rt: GpReg, m: MemOperand): this {
    return this.loadStore(rt.is64 ? 3 : 2, 1, rt, m);
  }
  str(rt: GpReg, m: MemOperand): this {
    return this.loadStore(rt.is64 ? 3 : 2, 0, rt, m);
  }
  ldrb(rt: GpReg, m: MemOperand): this {
    return this.ls("ldrb", rt, m, false);
  }
  strb(rt: GpReg, m: MemOperand): this {
    return this.ls("strb", rt, m, false);
  }
  ldrh(rt: GpReg, m: MemOperand): this {
    return this.ls("ldrh", rt, m, false);
  }
  strh(rt: GpReg, m: MemOperand): this {
    return this.ls("strh", rt, m, false);
  }
  ldrsb(rt: GpReg, m: MemOperand): this {
    return this.ls("ldrsb", rt, m, true);
  }
  ldrsh(rt: GpReg, m: MemOperand): this {
    return this.ls("ldrsh", rt, m, true);
  }
  ldrsw(rt: GpReg, m: MemOperand): this {
    if (!rt.is64) throw new AsmError("ldrsw needs an x register");
    return this.loadStore(2, 2, rt, m);
  }
  private ls(kind: keyof typeof LS_KINDS, rt: GpReg, m: MemOperand, signed: boolean): this {
    const k = LS_KINDS[kind];
    if (!signed && rt.is64) throw new AsmError(`${kind} needs a w register`);
    // Sign-extending loads pick opc 2 (to 64 bits) or 3 (to 32 bits) from the destination width.
    const opc = signed ? (rt.is64 ? 2 : 3) : k.opc;
    return this.loadStore(k.size, opc, rt, m);
  }
  private loadStore(size: number, opc: number, rt: GpReg, m: MemOperand): this {
    noSp(rt, "load/store data register");
    const base = m.base;
    if (!base.is64 || (base.num === 31 && !base.isSp)) throw new AsmError("load/store base must be an x register or sp");
    const head = (size << 30) | (opc << 22) | (base.num << 5) | rt.num;
    if (m.mode === "reg") {
      if (m.index.isSp) throw new AsmError("load/store index cannot be sp");
      const option = m.extend === "lsl" ? 3 : EXTEND_CODES[m.extend];
      if (option !== 2 && option !== 3 && option !== 6 && option !== 7) throw new AsmError(`load/store index extend ${m.extend} not allowed`);
      if ((option & 1) !== (m.index.is64 ? 1 : 0)) throw new AsmError("load/store index width does not match its extend");
      return this.word(head | 0x38200800 | (m.index.num << 16) | (option << 13) | ((m.shifted ? 1 : 0) << 12));
    }
    const scale = 1 << size;
    if (m.mode === "offset" && m.offset >= 0 && m.offset % scale === 0 && m.offset / scale <= 0xfff) {
      return this.word(head | 0x39000000 | ((m.offset / scale) << 10));
    }
    checkSImm(m.offset, 9, "load/store offset");
    const idx = m.mode === "offset" ? 0 : m.mode === "post" ? 1 : 3;
    return this.word(head | 0x38000000 | ((m.offset & 0x1ff) << 12) | (idx << 10));
  }

  ldp(rt1: GpReg, rt2: GpReg, m: MemOperand): this {
    return this.pair(1, rt1, rt2, m);
  }
  stp(rt1: GpReg, rt2: GpReg, m: MemOperand): this {
    return this.pair(0, rt1, rt2, m);
  }
  private pair(load: number, rt1: GpReg, rt2: GpReg, m: MemOperand): this {
    sameWidth(rt1, rt2);
    noSp(rt1, "pair register");
    noSp(rt2, "pair register");
    if (m.mode === "reg") throw new AsmError("ldp/stp take no register offset");
    if (!m.base.is64 || (m.base.num === 31 && !m.base.isSp)) throw new AsmError("ldp/stp base must be an x register or sp");
    const scale = rt1.is64 ? 8 : 4;
    if (m.offset % scale !== 0) throw new AsmError(`ldp/stp offset ${m.offset} is not a multiple of ${scale}`);
    const imm7 = m.offset / scale;
    checkSImm(imm7, 7, "ldp/stp scaled offset");
    const mode = m.mode === "post" ? 1 : m.mode === "offset" ? 2 : 3;
    return this.word(((rt1.is64 ? 2 : 0) << 30) | 0x28000000 | (mode << 23) | (load << 22) | ((imm7 & 0x7f) << 15) | (rt2.num << 10) | (m.base.num << 5) | rt1.num);
  }

  /** `ldr rt, <label>`: PC-relative literal load. */
  ldrLiteral(rt: GpReg, target: Label | number): this {
    noSp(rt, "ldr literal");
    return this.emitRef((rt.is64 ? 0x58000000 : 0x18000000) | rt.num, target, "imm19");
  }

  ldxr(rt: GpReg, base: GpReg): this {
    return this.exclusive(0x085f7c00, 31, rt, base);
  }
  ldaxr(rt: GpReg, base: GpReg): this {
    return this.exclusive(0x085ffc00, 31, rt, base);
  }
  /** `stxr ws, rt, [base]`: ws = 0 on success. */
  stxr(ws: GpReg, rt: GpReg, base: GpReg): this {
    if (ws.is64) throw new AsmError("stxr status register must be a w register");
    return this.exclusive(0x08007c00, ws.num, rt, base);
  }
  stlxr(ws: GpReg, rt: GpReg, base: GpReg): this {
    if (ws.is64) throw new AsmError("stlxr status register must be a w register");
    return this.exclusive(0x0800fc00, ws.num, rt, base);
  }
  ldar(rt: GpReg, base: GpReg): this {
    return this.exclusive(0x08dffc00, 31, rt, base);
  }
  stlr(rt: GpReg, base: GpReg): this {
    return this.exclusive(0x089ffc00, 31, rt, base);
  }
  private exclusive(op: number, rs: number, rt: GpReg, base: GpReg): this {
    noSp(rt, "exclusive data register");
    if (!base.is64 || (base.num === 31 && !base.isSp)) throw new AsmError("exclusive base must be an x register or sp");
    return this.word((((rt.is64 ? 3 : 2) << 30) | op | (rs << 16) | (base.num << 5) | rt.num) >>> 0);
  }

  // -------------------------------------------------------------- PC-relative

  adr(rd: GpReg, target: Label | number): this {
    noSp(rd, "adr");
    if (!rd.is64) throw new AsmError("adr needs an x register");
    return this.emitRef(0x10000000 | rd.num, target, "adr");
  }
  /**
   * `adrp rd, <label>`: the page delta is computed from offsets in this buffer, which
   * is exact only when the code is loaded at a 4 KiB-aligned address (as the vDSO is).
   */
  adrp(rd: GpReg, target: Label | number): this {
    noSp(rd, "adrp");
    if (!rd.is64) throw new AsmError("adrp needs an x register");
    return this.emitRef(0x90000000 | rd.num, target, "adrp");
  }

  // ------------------------------------------------------------------ system

  svc(imm = 0): this {
    checkUImm(imm, 16, "svc immediate");
    return this.word(0xd4000001 | (imm << 5));
  }
  brk(imm = 0): this {
    checkUImm(imm, 16, "brk immediate");
    return this.word(0xd4200000 | (imm << 5));
  }
  mrs(rt: GpReg, reg: SysReg): this {
    if (!rt.is64 || rt.isSp) throw new AsmError("mrs needs an x register");
    return this.word(0xd5300000 | (sysregBits(reg) << 5) | rt.num);
  }
  msr(reg: SysReg, rt: GpReg): this {
    if (!rt.is64 || rt.isSp) throw new AsmError("msr needs an x register");
    return this.word(0xd5100000 | (sysregBits(reg) << 5) | rt.num);
  }
  dmb(option: BarrierOption = "ish"): this {
    return this.word(0xd50330bf | (BARRIER_CRM[option] << 8));
  }
  dsb(option: BarrierOption = "ish"): this {
    return this.word(0xd503309f | (BARRIER_CRM[option] << 8));
  }
  isb(): this {
    return this.word(0xd5033fdf);
  }
  nop(): this {
    return this.word(0xd503201f);
  }
}

// ---------------------------------------------------------------- helpers

function sf(r: GpReg): number {
  return r.is64 ? 0x80000000 | 0 : 0;
}
function noSp(r: GpReg, what: string): void {
  if (r.isSp) throw new AsmError(`${what}: sp is not allowed here`);
}
function xOnly(r: GpReg, what: string): number {
  if (!r.is64 || r.isSp) throw new AsmError(`${what}: needs an x register`);
  return r.num;
}
function sameWidth(a: GpReg, b: GpReg): void {
  if (a.is64 !== b.is64) throw new AsmError("operands mix w and x registers");
}
function checkUImm(v: number, bits: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new AsmError(`${what} ${v} does not fit ${bits} unsigned bits`);
}
function checkSImm(v: number, bits: number, what: string): void {
  if (!Number.isInteger(v) || v < -(2 ** (bits - 1)) || v >= 2 ** (bits - 1)) throw new AsmError(`${what} ${v} does not fit ${bits} signed bits`);
}
function checkShift(by: number, size: number): void {
  if (!Number.isInteger(by) || by < 0 || by >= size) throw new AsmError(`shift ${by} out of range for ${size}-bit register`);
}
function condCode(c: Cond): number {
  const v = COND_CODES[c];
  if (v === undefined) throw new AsmError(`unknown condition ${String(c)}`);
  return v;
}
function invertCond(c: Cond): Cond {
  const code = condCode(c);
  if (code >= 14) throw new AsmError(`cset/csetm cannot use ${c}`);
  return (Object.keys(COND_CODES) as Cond[]).find((k) => COND_CODES[k] === (code ^ 1))!;
}
function sysregBits(reg: SysReg): number {
  const e = SYSREGS[reg];
  if (!e) throw new AsmError(`unknown system register ${String(reg)}`);
  const [op0, op1, crn, crm, op2] = e;
  return ((op0 - 2) << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** Encode a PC-relative byte displacement into its instruction field. */
function patchField(kind: Fixup["kind"], at: number, target: number): number {
  const delta = target - at;
  // Page delta; exact when the buffer is loaded page-aligned (see adrp()).
  if (kind === "adrp") return adrFields(Math.floor(target / 4096) - Math.floor(at / 4096), 21, "adrp");
  if (kind === "adr") return adrFields(delta, 21, "adr");
  if (delta % 4 !== 0) throw new AsmError(`branch displacement ${delta} is not a multiple of 4`);
  const bits = kind === "imm26" ? 26 : kind === "imm19" ? 19 : 14;
  const shift = kind === "imm26" ? 0 : 5;
  const v = delta / 4;
  checkSImm(v, bits, `${kind} displacement`);
  return ((v & ((1 << bits) - 1)) << shift) >>> 0;
}
function adrFields(v: number, bits: number, what: string): number {
  checkSImm(v, bits, `${what} displacement`);
  const u = v & 0x1fffff;
  return (((u & 3) << 29) | ((u >> 2) << 5)) >>> 0;
}

/**
 * Encode `value` (already truncated to `bits`) as a logical-immediate N:immr:imms
 * field (13 bits, returned as N<<12 | immr<<6 | imms), or undefined if it is not a
 * rotated run of ones replicated across 2,4,…,64-bit elements.
 */
export function encodeBitmask(value: bigint, bits: 32 | 64 | number): number | undefined {
  const all = (1n << BigInt(bits)) - 1n;
  value &= all;
  if (value === 0n || value === all) return undefined;
  for (let size = 2; size <= bits; size *= 2) {
    const emask = (1n << BigInt(size)) - 1n;
    const elem = value & emask;
    let rep = 0n;
    for (let i = 0; i < bits; i += size) rep |= elem << BigInt(i);
    if (rep !== value) continue;
    // elem must be a rotation of a contiguous run of ones (not all zeros/ones).
    const ones = popcount(elem);
    if (ones === 0 || ones === size) return undefined;
    for (let r = 0; r < size; r++) {
      // Rotate right by r so the run starts at bit 0; ROR(run, immr) = elem.
      const rotated = ((elem >> BigInt(r)) | (elem << BigInt(size - r))) & emask;
      if (rotated === (1n << BigInt(ones)) - 1n) {
        const immr = (size - r) % size;
        const n = size === 64 ? 1 : 0;
        const imms = ((~(size * 2 - 1) & 0x3f) | (ones - 1)) & 0x3f;
        return (n << 12) | (immr << 6) | imms;
      }
    }
    return undefined;
  }
  return undefined;
}
function popcount(v: bigint): number {
  let n = 0;
  while (v) {
    n += Number(v & 1n);
    v >>= 1n;
  }
  return n;
}
