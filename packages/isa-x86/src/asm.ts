/**
 * A typed x86-64 assembler for the code the vDSO glue needs.
 *
 * Registers are named by string (`"rax"`, `"r9d"`, `"sil"`, ...); the register
 * name fixes the operand size. Memory operands are plain objects built with
 * {@link mem}; when no register gives the size (e.g. `mov [m], imm`), set
 * `size` on the memory operand. Branches to labels are fixed up at
 * {@link X86Assembler.finish}: a backward branch to an already-bound label in
 * rel8 range uses the short form, everything else rel32 (no relaxation pass,
 * so code size is predictable while emitting).
 */

export type Reg64 =
  | "rax" | "rcx" | "rdx" | "rbx" | "rsp" | "rbp" | "rsi" | "rdi"
  | "r8" | "r9" | "r10" | "r11" | "r12" | "r13" | "r14" | "r15";
export type Reg32 =
  | "eax" | "ecx" | "edx" | "ebx" | "esp" | "ebp" | "esi" | "edi"
  | "r8d" | "r9d" | "r10d" | "r11d" | "r12d" | "r13d" | "r14d" | "r15d";
export type Reg16 =
  | "ax" | "cx" | "dx" | "bx" | "sp" | "bp" | "si" | "di"
  | "r8w" | "r9w" | "r10w" | "r11w" | "r12w" | "r13w" | "r14w" | "r15w";
export type Reg8 =
  | "al" | "cl" | "dl" | "bl" | "spl" | "bpl" | "sil" | "dil"
  | "r8b" | "r9b" | "r10b" | "r11b" | "r12b" | "r13b" | "r14b" | "r15b"
  | "ah" | "ch" | "dh" | "bh";
export type Reg = Reg64 | Reg32 | Reg16 | Reg8;
export type Size = 8 | 16 | 32 | 64;

export const REG64: readonly Reg64[] = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
export const REG32: readonly Reg32[] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
export const REG16: readonly Reg16[] = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
export const REG8: readonly Reg8[] = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"];
const REG8_HIGH: readonly Reg8[] = ["ah", "ch", "dh", "bh"];

interface RegInfo {
  num: number; // encoding number 0..15
  size: Size;
  needRex: boolean; // spl/bpl/sil/dil
  highByte: boolean; // ah/ch/dh/bh: forbids REX
}
const REGS = new Map<string, RegInfo>();
REG64.forEach((r, i) => REGS.set(r, { num: i, size: 64, needRex: false, highByte: false }));
REG32.forEach((r, i) => REGS.set(r, { num: i, size: 32, needRex: false, highByte: false }));
REG16.forEach((r, i) => REGS.set(r, { num: i, size: 16, needRex: false, highByte: false }));
REG8.forEach((r, i) => REGS.set(r, { num: i, size: 8, needRex: i >= 4 && i < 8, highByte: false }));
REG8_HIGH.forEach((r, i) => REGS.set(r, { num: i + 4, size: 8, needRex: false, highByte: true }));

/** Condition codes in encoding order, with the usual aliases. */
export type Cond =
  | "o" | "no" | "b" | "ae" | "e" | "ne" | "be" | "a" | "s" | "ns" | "p" | "np" | "l" | "ge" | "le" | "g"
  | "c" | "nc" | "nae" | "nb" | "z" | "nz" | "na" | "nbe" | "pe" | "po" | "nge" | "nl" | "ng" | "nle";
const COND: Record<Cond, number> = {
  o: 0, no: 1, b: 2, c: 2, nae: 2, ae: 3, nb: 3, nc: 3, e: 4, z: 4, ne: 5, nz: 5, be: 6, na: 6, a: 7, nbe: 7,
  s: 8, ns: 9, p: 10, pe: 10, np: 11, po: 11, l: 12, nge: 12, ge: 13, nl: 13, le: 14, ng: 14, g: 15, nle: 15,
};

export class Label {
  /** Offset in the output once bound, else -1. */
  offset = -1;
  constructor(readonly id: number) {}
}

export interface Mem {
  readonly kind: "mem";
  /** Base register, or "rip" for rip-relative addressing (disp, or a label's address). */
  readonly base?: Reg64 | "rip";
  readonly index?: Reg64;
  readonly scale?: 1 | 2 | 4 | 8;
  readonly disp?: number;
  /** rip-relative only: address this label (plus disp). */
  readonly label?: Label;
  readonly seg?: "fs" | "gs";
  /** Operand size when no register operand implies it (imm stores, movzx/movsx sources, inc/neg/... on memory). */
  readonly size?: Size;
}

/** Build a memory operand: `mem("rdi", 8)`, `mem({ base: "rax", index: "rcx", scale: 8, disp: -16 })`. */
export function mem(base: Reg64 | "rip" | Omit<Mem, "kind">, disp = 0, size?: Size): Mem {
  if (typeof base === "string") return { kind: "mem", base, disp, size };
  return { kind: "mem", ...base };
}
/** Same memory operand with an explicit size. */
export const sized = (m: Mem, size: Size): Mem => ({ ...m, size });

export class AsmError extends Error {
  override readonly name = "AsmError";
}

type Operand = Reg | Mem;
type Imm = number | bigint;

function isMem(o: unknown): o is Mem {
  return typeof o === "object" && o !== null && (o as Mem).kind === "mem";
}
function reg(name: string): RegInfo {
  const r = REGS.get(name);
  if (!r) throw new AsmError(`unknown register ${name}`);
  return r;
}
const fitsI8 = (v: bigint) => v >= -128n && v <= 127n;
const fitsI32 = (v: bigint) => v >= -0x80000000n && v <= 0x7fffffffn;
const fitsU32 = (v: bigint) => v >= 0n && v <= 0xffffffffn;

interface Fixup {
  label: Label;
  pos: number; // where the displacement is stored
  width: 1 | 4;
  end: number; // offset the displacement is relative to (end of instruction)
  what: string;
}

/** ALU ops sharing the classic 00..3F encoding pattern: op*8 + form, /op in group 1. */
const ALU = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7 } as const;
type AluOp = keyof typeof ALU;
/** Group 2 shift/rotate /digit. */
const SHIFT = { rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, shr: 5, sar: 7 } as const;
type ShiftOp = keyof typeof SHIFT;

export class X86Assembler {
  private buf: number[] = [];
  private readonly fixups: Fixup[] = [];
  private nextLabel = 0;

  /** Current offset from the start of the output. */
  here(): number {
    return this.buf.length;
  }
  newLabel(): Label {
    return new Label(this.nextLabel++);
  }
  bind(label: Label): this {
    if (label.offset >= 0) throw new AsmError(`label ${label.id} bound twice`);
    label.offset = this.buf.length;
    return this;
  }
  /** Raw bytes. */
  bytes(data: ArrayLike<number>): this {
    for (let i = 0; i < data.length; i++) this.buf.push(data[i]! & 0xff);
    return this;
  }
  /** Pad with single-byte nops (or `fill`) to a multiple of `n`. */
  align(n: number, fill = 0x90): this {
    while (this.buf.length % n !== 0) this.buf.push(fill);
    return this;
  }
  quad(v: Imm): this {
    this.le(BigInt.asUintN(64, BigInt(v)), 8);
    return this;
  }
  long(v: Imm): this {
    this.le(BigInt.asUintN(32, BigInt(v)), 4);
    return this;
  }
  /** Resolve label fix-ups and return the code. */
  finish(): Uint8Array {
    for (const f of this.fixups) {
      if (f.label.offset < 0) throw new AsmError(`${f.what}: label ${f.label.id} never bound`);
      const rel = f.label.offset - f.end;
      if (f.width === 1) {
        if (rel < -128 || rel > 127) throw new AsmError(`${f.what}: label ${f.label.id} out of rel8 range (${rel})`);
        this.buf[f.pos] = rel & 0xff;
      } else {
        for (let i = 0; i < 4; i++) this.buf[f.pos + i] = (rel >> (8 * i)) & 0xff;
      }
    }
    return Uint8Array.from(this.buf);
  }

  // ------------------------------------------------------------ encoding core

  private le(v: bigint, n: number): void {
    for (let i = 0; i < n; i++) this.buf.push(Number((v >> BigInt(8 * i)) & 0xffn));
  }
  private imm(v: Imm, n: 1 | 2 | 4 | 8): void {
    const b = BigInt(v);
    const bits = BigInt(n * 8);
    // Accept both signed and unsigned spellings of the value.
    if (b < -(1n << (bits - 1n)) || b >= 1n << bits) throw new AsmError(`immediate ${v} does not fit ${n} bytes`);
    this.le(BigInt.asUintN(n * 8, b), n);
  }

  /**
   * Emit prefixes, REX, opcode and ModRM/SIB/disp for `reg` field `r` and r/m operand `rm`.
   * `immBytes` is how many immediate bytes follow (rip-relative displacements are relative to the instruction end).
   */
  private modrm(opcode: number[], size: Size | 0, r: number, rm: Operand, opts: { immBytes?: number; rexR?: RegInfo; prefix?: number[]; noW?: boolean } = {}): void {
    const rexRegs: RegInfo[] = [];
    if (opts.rexR) rexRegs.push(opts.rexR);
    let rex = size === 64 && !opts.noW ? 0x48 : 0;
    if (r & 8) rex |= 0x44;
    const pre: number[] = [];
    let tail: number[] = [];
    let fix: Omit<Fixup, "end" | "pos"> & { at: number } | undefined;
    if (isMem(rm)) {
      if (rm.seg) pre.push(rm.seg === "fs" ? 0x64 : 0x65);
      const disp = rm.disp ?? 0;
      if (!Number.isInteger(disp) || disp < -0x80000000 || disp > 0x7fffffff) throw new AsmError(`displacement ${disp} out of range`);
      if (rm.base === "rip") {
        if (rm.index) throw new AsmError("rip-relative operand cannot have an index");
        tail.push(((r & 7) << 3) | 5);
        if (rm.label) fix = { label: rm.label, width: 4, what: "rip-relative", at: tail.length };
        for (let i = 0; i < 4; i++) tail.push((disp >> (8 * i)) & 0xff);
      } else {
        const base = rm.base ? reg(rm.base) : undefined;
        const index = rm.index ? reg(rm.index) : undefined;
        if (base && base.size !== 64) throw new AsmError("base register must be 64-bit");
        if (index && (index.size !== 64 || index.num === 4)) throw new AsmError(`bad index register ${rm.index}`);
        if (base && base.num & 8) rex |= 0x41;
        if (index && index.num & 8) rex |= 0x42;
        const scale = rm.scale ?? 1;
        const ss = { 1: 0, 2: 1, 4: 2, 8: 3 }[scale];
        if (ss === undefined) throw new AsmError(`bad scale ${scale}`);
        let mod: number;
        if (!base) mod = 0; // [index*s + disp32] or [disp32] via SIB with base=5
        else if (disp === 0 && (base.num & 7) !== 5) mod = 0;
        else if (disp >= -128 && disp <= 127) mod = 1;
        else mod = 2;
        const needSib = !base || index || (base.num & 7) === 4;
        if (needSib) {
          tail.push((mod << 6) | ((r & 7) << 3) | 4);
          tail.push((ss << 6) | ((index ? index.num & 7 : 4) << 3) | (base ? base.num & 7 : 5));
        } else {
          tail.push((mod << 6) | ((r & 7) << 3) | (base!.num & 7));
        }
        if (!base || mod === 2) for (let i = 0; i < 4; i++) tail.push((disp >> (8 * i)) & 0xff);
        else if (mod === 1) tail.push(disp & 0xff);
      }
    } else {
      const ri = reg(rm);
      rexRegs.push(ri);
      if (ri.num & 8) rex |= 0x41;
      tail = [0xc0 | ((r & 7) << 3) | (ri.num & 7)];
    }
    if (rexRegs.some((x) => x.needRex)) rex |= 0x40;
    if (rex && rexRegs.some((x) => x.highByte)) throw new AsmError("ah/ch/dh/bh cannot be used with a REX prefix");
    this.bytes(pre);
    if (size === 16) this.buf.push(0x66);
    if (opts.prefix) this.bytes(opts.prefix);
    if (rex) this.buf.push(rex);
    this.bytes(opcode);
    const tailAt = this.buf.length;
    this.bytes(tail);
    if (fix) {
      this.fixups.push({ label: fix.label, width: 4, what: fix.what, pos: tailAt + fix.at, end: this.buf.length + (opts.immBytes ?? 0) });
      // The stored disp is an addend to the label: keep it by folding it into the label offset at finish.
      const addend = isMem(rm) ? rm.disp ?? 0 : 0;
      if (addend !== 0) this.fixups[this.fixups.length - 1]!.end -= addend;
    }
  }

  private sizeOf(o: Operand, what: string): Size {
    if (isMem(o)) {
      if (!o.size) throw new AsmError(`${what}: memory operand needs a size`);
      return o.size;
    }
    return reg(o).size;
  }
  private opSize(a: Operand, b?: Operand): Size {
    if (!isMem(a)) return reg(a).size;
    if (b !== undefined && !isMem(b)) return reg(b).size;
    return this.sizeOf(a, "operand");
  }
  private immWidth(size: Size): 1 | 2 | 4 {
    return size === 8 ? 1 : size === 16 ? 2 : 4;
  }
  private checkImm(v: Imm, size: Size): bigint {
    const b = BigInt(v);
    if (size === 64 && !fitsI32(b)) throw new AsmError(`immediate ${v} does not fit a sign-extended imm32`);
    return b;
  }

  // ----------------------------------------------------------------- moves

  /** mov: reg←imm (shortest encoding; movabs when needed), reg←reg/mem, mem←reg/imm. */
  mov(dst: Operand, src: Operand | Imm): this {
    if (typeof src === "number" || typeof src === "bigint") {
      const v = BigInt(src);
      if (!isMem(dst)) {
        const d = reg(dst);
        if (d.size === 64) {
          if (fitsU32(v)) return this.mov(REG32[d.num]!, v); // zero-extends: 5 or 6 bytes
          if (fitsI32(v)) {
            this.modrm([0xc7], 64, 0, dst, { immBytes: 4 });
            this.imm(v, 4);
            return this;
          }
          return this.movabs(dst as Reg64, v);
        }
        const w = this.immWidth(d.size);
        const rex = (d.num & 8 ? 0x41 : 0) | (d.needRex ? 0x40 : 0);
        if (d.size === 16) this.buf.push(0x66);
        if (rex) this.buf.push(rex);
        this.buf.push((d.size === 8 ? 0xb0 : 0xb8) + (d.num & 7));
        this.imm(v, w);
        return this;
      }
      const size = this.sizeOf(dst, "mov");
      this.checkImm(v, size);
      const w = this.immWidth(size);
      this.modrm([size === 8 ? 0xc6 : 0xc7], size, 0, dst, { immBytes: w });
      this.imm(size === 64 ? BigInt.asIntN(64, v) : v, w);
      return this;
    }
    if (!isMem(src)) {
      const s = reg(src);
      if (!isMem(dst) && reg(dst).size !== s.size) throw new AsmError(`mov ${dst},${src}: size mismatch`);
      this.modrm([s.size === 8 ? 0x88 : 0x89], s.size, s.num, dst, { rexR: s });
      return this;
    }
    if (isMem(dst)) throw new AsmError("mov: memory to memory");
    const d = reg(dst);
    this.modrm([d.size === 8 ? 0x8a : 0x8b], d.size, d.num, src, { rexR: d });
    return this;
  }
  /** movabs r64, imm64: always the 10-byte form (patchable). */
  movabs(dst: Reg64, imm: Imm): this {
    const d = reg(dst);
    if (d.size !== 64) throw new AsmError("movabs needs a 64-bit register");
    this.buf.push(0x48 | (d.num & 8 ? 1 : 0), 0xb8 + (d.num & 7));
    this.le(BigInt.asUintN(64, BigInt(imm)), 8);
    return this;
  }
  private extend(op8: number, dst: Reg, src: Operand, name: string): this {
    const d = reg(dst);
    const ss = this.sizeOf(src, name);
    if (ss !== 8 && ss !== 16) throw new AsmError(`${name}: source must be 8 or 16 bits`);
    if (d.size <= ss) throw new AsmError(`${name}: destination must be wider than the source`);
    this.modrm([0x0f, ss === 8 ? op8 : op8 + 1], d.size, d.num, src, { rexR: d });
    return this;
  }
  movzx(dst: Reg, src: Operand): this {
    return this.extend(0xb6, dst, src, "movzx");
  }
  movsx(dst: Reg, src: Operand): this {
    return this.extend(0xbe, dst, src, "movsx");
  }
  movsxd(dst: Reg64, src: Reg32 | Mem): this {
    const d = reg(dst);
    if (d.size !== 64 || (!isMem(src) && reg(src).size !== 32)) throw new AsmError("movsxd r64, r/m32");
    this.modrm([0x63], 64, d.num, src, { rexR: d });
    return this;
  }
  lea(dst: Reg, src: Mem): this {
    const d = reg(dst);
    if (!isMem(src) || d.size === 8) throw new AsmError("lea r16/32/64, mem");
    this.modrm([0x8d], d.size, d.num, src, { rexR: d });
    return this;
  }
  xchg(a: Operand, b: Reg): this {
    const r = reg(b);
    this.modrm([r.size === 8 ? 0x86 : 0x87], r.size, r.num, a, { rexR: r });
    return this;
  }
  /** cmpxchg r/m, reg (compares with rax/eax/...); `lock` for memory destinations. */
  cmpxchg(dst: Operand, src: Reg, lock = false): this {
    const r = reg(src);
    this.modrm([0x0f, r.size === 8 ? 0xb0 : 0xb1], r.size, r.num, dst, { rexR: r, prefix: lock ? [0xf0] : undefined });
    return this;
  }
  xadd(dst: Operand, src: Reg, lock = false): this {
    const r = reg(src);
    this.modrm([0x0f, r.size === 8 ? 0xc0 : 0xc1], r.size, r.num, dst, { rexR: r, prefix: lock ? [0xf0] : undefined });
    return this;
  }

  // ------------------------------------------------------------------- ALU

  private alu(op: AluOp, dst: Operand, src: Operand | Imm): this {
    const n = ALU[op];
    if (typeof src === "number" || typeof src === "bigint") {
      const size = this.opSize(dst);
      const v = this.checkImm(src, size);
      if (size !== 8 && fitsI8(v)) {
        this.modrm([0x83], size, n, dst, { immBytes: 1 });
        this.imm(v, 1);
      } else {
        const w = this.immWidth(size);
        this.modrm([size === 8 ? 0x80 : 0x81], size, n, dst, { immBytes: w });
        this.imm(size === 64 ? BigInt.asIntN(64, v) : v, w);
      }
      return this;
    }
    if (!isMem(src)) {
      const s = reg(src);
      if (!isMem(dst) && reg(dst).size !== s.size) throw new AsmError(`${op} ${dst},${src}: size mismatch`);
      this.modrm([n * 8 + (s.size === 8 ? 0 : 1)], s.size, s.num, dst, { rexR: s });
      return this;
    }
    if (isMem(dst)) throw new AsmError(`${op}: memory to memory`);
    const d = reg(dst);
    this.modrm([n * 8 + (d.size === 8 ? 2 : 3)], d.size, d.num, src, { rexR: d });
    return this;
  }
  add(d: Operand, s: Operand | Imm): this { return this.alu("add", d, s); }
  or(d: Operand, s: Operand | Imm): this { return this.alu("or", d, s); }
  adc(d: Operand, s: Operand | Imm): this { return this.alu("adc", d, s); }
  sbb(d: Operand, s: Operand | Imm): this { return this.alu("sbb", d, s); }
  and(d: Operand, s: Operand | Imm): this { return this.alu("and", d, s); }
  sub(d: Operand, s: Operand | Imm): this { return this.alu("sub", d, s); }
  xor(d: Operand, s: Operand | Imm): this { return this.alu("xor", d, s); }
  cmp(d: Operand, s: Operand | Imm): this { return this.alu("cmp", d, s); }

  test(dst: Operand, src: Reg | Imm): this {
    if (typeof src === "number" || typeof src === "bigint") {
      const size = this.opSize(dst);
      const v = this.checkImm(src, size);
      const w = this.immWidth(size);
      this.modrm([size === 8 ? 0xf6 : 0xf7], size, 0, dst, { immBytes: w });
      this.imm(size === 64 ? BigInt.asIntN(64, v) : v, w);
      return this;
    }
    const s = reg(src);
    this.modrm([s.size === 8 ? 0x84 : 0x85], s.size, s.num, dst, { rexR: s });
    return this;
  }
  private unary(op: number, digit: number, dst: Operand, name: string): this {
    const size = this.opSize(dst);
    void name;
    this.modrm([size === 8 ? op : op + 1], size, digit, dst);
    return this;
  }
  inc(d: Operand): this { return this.unary(0xfe, 0, d, "inc"); }
  dec(d: Operand): this { return this.unary(0xfe, 1, d, "dec"); }
  not(d: Operand): this { return this.unary(0xf6, 2, d, "not"); }
  neg(d: Operand): this { return this.unary(0xf6, 3, d, "neg"); }
  /** Unsigned multiply rdx:rax ← rax * r/m. */
  mul(s: Operand): this { return this.unary(0xf6, 4, s, "mul"); }
  /** Unsigned divide rdx:rax by r/m (rax quotient, rdx remainder). */
  div(s: Operand): this { return this.unary(0xf6, 6, s, "div"); }
  idiv(s: Operand): this { return this.unary(0xf6, 7, s, "idiv"); }
  /** imul reg, r/m  or  imul reg, r/m, imm. */
  imul(dst: Reg, src: Operand, imm?: Imm): this {
    const d = reg(dst);
    if (d.size === 8) throw new AsmError("imul r, r/m needs 16/32/64-bit registers");
    if (imm === undefined) {
      this.modrm([0x0f, 0xaf], d.size, d.num, src, { rexR: d });
      return this;
    }
    const v = this.checkImm(imm, d.size);
    if (fitsI8(v)) {
      this.modrm([0x6b], d.size, d.num, src, { rexR: d, immBytes: 1 });
      this.imm(v, 1);
    } else {
      const w = this.immWidth(d.size);
      this.modrm([0x69], d.size, d.num, src, { rexR: d, immBytes: w });
      this.imm(v, w);
    }
    return this;
  }
  private shift(op: ShiftOp, dst: Operand, count: number | "cl"): this {
    const size = this.opSize(dst);
    const n = SHIFT[op];
    const w = size === 8 ? 0 : 1;
    if (count === "cl") this.modrm([0xd2 + w], size, n, dst);
    else if (count === 1) this.modrm([0xd0 + w], size, n, dst);
    else {
      if (!Number.isInteger(count) || count < 0 || count > 255) throw new AsmError(`bad shift count ${count}`);
      this.modrm([0xc0 + w], size, n, dst, { immBytes: 1 });
      this.buf.push(count);
    }
    return this;
  }
  shl(d: Operand, c: number | "cl"): this { return this.shift("shl", d, c); }
  shr(d: Operand, c: number | "cl"): this { return this.shift("shr", d, c); }
  sar(d: Operand, c: number | "cl"): this { return this.shift("sar", d, c); }
  rol(d: Operand, c: number | "cl"): this { return this.shift("rol", d, c); }
  ror(d: Operand, c: number | "cl"): this { return this.shift("ror", d, c); }

  /** Sign-extend rax into rdx (cqo), eax into edx (cdq). */
  cqo(): this { return this.bytes([0x48, 0x99]); }
  cdq(): this { return this.bytes([0x99]); }

  // ----------------------------------------------------------------- stack

  push(src: Reg64 | Mem | Imm): this {
    if (typeof src === "number" || typeof src === "bigint") {
      const v = BigInt(src);
      if (fitsI8(v)) this.buf.push(0x6a, Number(BigInt.asUintN(8, v)));
      else {
        if (!fitsI32(v)) throw new AsmError(`push: immediate ${src} does not fit imm32`);
        this.buf.push(0x68);
        this.imm(v, 4);
      }
      return this;
    }
    if (isMem(src)) {
      this.modrm([0xff], 0, 6, src);
      return this;
    }
    const r = reg(src);
    if (r.size !== 64) throw new AsmError("push needs a 64-bit register");
    if (r.num & 8) this.buf.push(0x41);
    this.buf.push(0x50 + (r.num & 7));
    return this;
  }
  pop(dst: Reg64 | Mem): this {
    if (isMem(dst)) {
      this.modrm([0x8f], 0, 0, dst);
      return this;
    }
    const r = reg(dst);
    if (r.size !== 64) throw new AsmError("pop needs a 64-bit register");
    if (r.num & 8) this.buf.push(0x41);
    this.buf.push(0x58 + (r.num & 7));
    return this;
  }
  pushfq(): this { return this.bytes([0x9c]); }
  popfq(): this { return this.bytes([0x9d]); }
  leave(): this { return this.bytes([0xc9]); }

  // -------------------------------------------------------------- branches

  private branch(short: number[], near: number[], target: Label, what: string, forceNear: boolean): this {
    if (!forceNear && short.length && target.offset >= 0) {
      const rel = target.offset - (this.buf.length + short.length + 1);
      if (rel >= -128) {
        this.bytes(short);
        this.buf.push(rel & 0xff);
        return this;
      }
    }
    this.bytes(near);
    const pos = this.buf.length;
    this.le(0n, 4);
    this.fixups.push({ label: target, pos, width: 4, end: this.buf.length, what });
    return this;
  }
  /** jmp label (rel8 when backward and in range, else rel32), or jmp *reg / *mem. */
  jmp(target: Label | Reg64 | Mem, opts: { near?: boolean } = {}): this {
    if (target instanceof Label) return this.branch([0xeb], [0xe9], target, "jmp", !!opts.near);
    this.modrm([0xff], 0, 4, target);
    return this;
  }
  /** jmp rel8 to a label that must be within range (checked at finish). */
  jmpShort(target: Label): this {
    this.buf.push(0xeb, 0);
    this.fixups.push({ label: target, pos: this.buf.length - 1, width: 1, end: this.buf.length, what: "jmp short" });
    return this;
  }
  j(cc: Cond, target: Label, opts: { near?: boolean } = {}): this {
    const c = COND[cc];
    if (c === undefined) throw new AsmError(`bad condition ${cc}`);
    return this.branch([0x70 + c], [0x0f, 0x80 + c], target, `j${cc}`, !!opts.near);
  }
  jShort(cc: Cond, target: Label): this {
    const c = COND[cc];
    if (c === undefined) throw new AsmError(`bad condition ${cc}`);
    this.buf.push(0x70 + c, 0);
    this.fixups.push({ label: target, pos: this.buf.length - 1, width: 1, end: this.buf.length, what: `j${cc} short` });
    return this;
  }
  /** call label (rel32), or call *reg / *mem. */
  call(target: Label | Reg64 | Mem): this {
    if (target instanceof Label) return this.branch([], [0xe8], target, "call", true);
    this.modrm([0xff], 0, 2, target);
    return this;
  }
  ret(popBytes = 0): this {
    if (popBytes) {
      this.buf.push(0xc2);
      this.imm(popBytes, 2);
    } else this.buf.push(0xc3);
    return this;
  }
  set(cc: Cond, dst: Reg8 | Mem): this {
    const c = COND[cc];
    if (c === undefined) throw new AsmError(`bad condition ${cc}`);
    if (!isMem(dst) && reg(dst).size !== 8) throw new AsmError("setcc needs an 8-bit register");
    this.modrm([0x0f, 0x90 + c], 0, 0, dst);
    return this;
  }
  cmov(cc: Cond, dst: Reg, src: Operand): this {
    const c = COND[cc];
    if (c === undefined) throw new AsmError(`bad condition ${cc}`);
    const d = reg(dst);
    if (d.size === 8) throw new AsmError("cmov needs 16/32/64-bit registers");
    this.modrm([0x0f, 0x40 + c], d.size, d.num, src, { rexR: d });
    return this;
  }

  // ---------------------------------------------------------- system & misc

  syscall(): this { return this.bytes([0x0f, 0x05]); }
  rdtsc(): this { return this.bytes([0x0f, 0x31]); }
  lfence(): this { return this.bytes([0x0f, 0xae, 0xe8]); }
  mfence(): this { return this.bytes([0x0f, 0xae, 0xf0]); }
  sfence(): this { return this.bytes([0x0f, 0xae, 0xf8]); }
  pause(): this { return this.bytes([0xf3, 0x90]); }
  int3(): this { return this.bytes([0xcc]); }
  ud2(): this { return this.bytes([0x0f, 0x0b]); }
  hlt(): this { return this.bytes([0xf4]); }
  endbr64(): this { return this.bytes([0xf3, 0x0f, 0x1e, 0xfa]); }
  /** A nop of `n` bytes (1..11), in the forms GNU as and gcc emit. */
  nop(n = 1): this {
    const forms: number[][] = [
      [0x90],
      [0x66, 0x90],
      [0x0f, 0x1f, 0x00],
      [0x0f, 0x1f, 0x40, 0x00],
      [0x0f, 0x1f, 0x44, 0x00, 0x00],
      [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
      [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
      [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
      [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
      [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
      [0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    ];
    const f = forms[n - 1];
    if (!f) throw new AsmError(`nop length ${n} not in 1..11`);
    return this.bytes(f);
  }
  /** rep movsb / rep stosb (memcpy / memset helpers). */
  repMovsb(): this { return this.bytes([0xf3, 0xa4]); }
  repStosb(): this { return this.bytes([0xf3, 0xaa]); }
}
