/**
 * x86-64 instruction decoder: legacy prefixes, REX, opcode maps (tables.ts),
 * ModRM/SIB/displacement, immediates. Produces a flat {@link Insn} record
 * that the interpreter caches per address and the disassembler prints.
 *
 * Operands are normalised so handlers need few shapes: a Z (opcode register),
 * an accumulator paired with an immediate, and a moffs all become the "E"
 * operand (register when `mod === 3`, memory otherwise); an accumulator
 * paired with E becomes the "G" operand.
 */
import { PAGE_SIZE } from "@uabi/isa-core";
import { F_D64, F_F64, F_LOCKOK, F_MEMONLY, F_NOPFX, F_REGONLY, F_SSE, INCSSP, isDef, NORM_A, NORM_A_IS_G, NORM_Z, opcodeMaps, RDSSP, type OpDef, type Row } from "./tables.js";

export const P_66 = 1;
export const P_67 = 2;
export const P_F2 = 4;
export const P_F3 = 8;
export const P_LOCK = 16;
export const P_REX = 32;
export const P_CS = 64; // 2E: printed as "cs" by objdump (branch hint / nop padding)
export const P_DS = 128;
export const P_SS = 256;
export const P_ES = 512;
/** 66 was consumed as a mandatory SSE prefix (not an operand-size override). */
export const P_66_MANDATORY = 1024;
/** F2/F3 consumed as a mandatory prefix. */
export const P_REP_MANDATORY = 2048;
/** Count of extra 66 prefixes beyond the first (objdump prints "data16"). */
export const P_66_EXTRA = 4096;

export const SEG_NONE = 0;
export const SEG_FS = 4;
export const SEG_GS = 5;

/** Base value meaning "rip-relative". */
export const BASE_RIP = 16;

/**
 * One decoded instruction. Plain numbers only, so the record stays monomorphic. The fields are set in the
 * constructor (declared, not class fields): V8 runs class field initialisers as a separate function per `new`,
 * a call that a cold start paid once per decoded instruction.
 */
export class Insn {
  declare addr: number;
  declare len: number;
  declare next: number;
  declare map: number; // 0 one-byte, 1 0F, 2 0F38, 3 0F3A
  declare opcode: number;
  declare def: OpDef;
  declare pfx: number;
  declare rex: number;
  declare seg: number;
  declare osz: number;
  declare asz: number;
  declare modrm: number;
  declare mod: number;
  declare reg: number; // ModRM.reg with REX.R
  declare rm: number; // register operand of E (ModRM.rm with REX.B, or Z, or accumulator)
  declare regb: number; // byte-register number for G: 0..15, or 16..19 for ah/ch/dh/bh
  declare rmb: number; // same for E
  declare base: number;
  declare index: number;
  declare scale: number; // shift count 0..3
  declare disp: number;
  declare imm: number; // low 32 bits of the immediate (sign-extended per template), as an int32
  declare immHi: number; // high 32 bits (int32)
  declare imm2: number; // second immediate (enter)
  /** Position in its decoded block (exact retired counts when a fault unwinds the block). */
  declare indexInBlock: number;
  declare exec: (cpu: any, insn: Insn) => void;
  constructor() {
    // The order of the former class fields (the operands' through resetOperands): the same hidden class as before.
    this.addr = 0;
    this.len = 0;
    this.next = 0;
    this.map = 0;
    this.opcode = 0;
    this.def = undefined as never;
    this.pfx = 0;
    this.rex = 0;
    this.seg = SEG_NONE;
    this.osz = 32;
    this.asz = 64;
    this.modrm = -1;
    resetOperands(this);
    this.indexInBlock = 0;
    this.exec = undefined as never;
  }
}

/** Thrown by the decoder for encodings outside the tables. */
export class UndefinedInstruction {
  constructor(
    readonly addr: number,
    readonly bytes: Uint8Array,
    readonly detail: string,
  ) {}
}

/** Byte source: the interpreter passes guest memory (fetch permission), the disassembler a buffer. */
export interface ByteSource {
  fetch8(addr: number): number;
  /**
   * Optional: the aligned page holding `addr` (PAGE_SIZE bytes, throwing what fetch8(addr) would), so the decoder
   * reads an instruction inside one page from an array rather than by a call per byte (GuestMemory has it).
   */
  fetchPage?(addr: number): Uint8Array;
}

const MAX_LEN = 15;

/**
 * The bytes the current decode reads without a call per byte: win[k] is the byte at winBase + k, for addresses in
 * [winBase, winEnd); anything else (an instruction running into the next page, a plain ByteSource) goes through
 * the source's fetch8, which also raises its faults exactly where the per-byte reads did. Module state rather than
 * decode's locals so that `at` stays a small function V8 inlines (decode is not re-entered by a byte source).
 */
const NO_BYTES = new Uint8Array(0);
let win: Uint8Array = NO_BYTES;
let winBase = 0;
let winEnd = 0;
let winSrc: ByteSource = { fetch8: () => 0 };

function at(p: number): number {
  return p < winEnd && p >= winBase ? win[p - winBase]! : winSrc.fetch8(p);
}

function setWindow(src: ByteSource, addr: number): void {
  winSrc = src;
  if (src instanceof BufferSource) {
    win = src.bytes;
    winBase = src.base;
  } else if (src.fetchPage !== undefined) {
    win = src.fetchPage(addr);
    winBase = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
  } else {
    win = NO_BYTES;
    winBase = addr;
  }
  winEnd = winBase + win.length;
}

/**
 * Decode one instruction at `addr`. Throws {@link UndefinedInstruction} for encodings not in the tables
 * (and propagates the byte source's own faults).
 */
export function decode(src: ByteSource, addr: number, out?: Insn): Insn {
  setWindow(src, addr);
  let p = addr;
  let pfx = 0;
  let rex = 0;
  let seg = SEG_NONE;
  let b = 0;
  // Legacy prefixes and REX (a REX followed by a legacy prefix is ignored, as on hardware).
  for (;;) {
    if (p - addr >= MAX_LEN) fail(src, addr, p, "instruction longer than 15 bytes");
    b = at(p);
    switch (b) {
      case 0x66: if (pfx & P_66) pfx += P_66_EXTRA; pfx |= P_66; rex = 0; p++; continue;
      case 0x67: pfx |= P_67; rex = 0; p++; continue;
      case 0xf0: pfx |= P_LOCK; rex = 0; p++; continue;
      case 0xf2: pfx = (pfx & ~P_F3) | P_F2; rex = 0; p++; continue;
      case 0xf3: pfx = (pfx & ~P_F2) | P_F3; rex = 0; p++; continue;
      case 0x2e: pfx |= P_CS; rex = 0; p++; continue;
      case 0x3e: pfx |= P_DS; rex = 0; p++; continue;
      case 0x26: pfx |= P_ES; rex = 0; p++; continue;
      case 0x36: pfx |= P_SS; rex = 0; p++; continue;
      case 0x64: seg = SEG_FS; rex = 0; p++; continue;
      case 0x65: seg = SEG_GS; rex = 0; p++; continue;
    }
    if ((b & 0xf0) === 0x40) {
      rex = b;
      p++;
      continue;
    }
    break;
  }
  if (rex) pfx |= P_REX;
  // Opcode map escape.
  let map = 0;
  p++;
  if (b === 0x0f) {
    b = at(p++);
    map = 1;
    if (b === 0x38 || b === 0x3a) {
      map = b === 0x38 ? 2 : 3;
      b = at(p++);
    }
  } else if (b === 0xc4 || b === 0xc5 || b === 0x62) {
    // VEX (C4/C5) and EVEX (62): LES/LDS/BOUND are invalid in 64-bit mode, so these bytes only start vector encodings.
    fail(src, addr, p, "VEX/EVEX encodings are not implemented");
  }
  const opcode = b;
  let row: Row | undefined = opcodeMaps()[map]![opcode];
  if (!row) fail(src, addr, p, "opcode not in table");
  let modrm = -1;
  // Mandatory-prefix split (SSE and friends).
  if (!isDef(row!) && "pfx" in row!) {
    const v = row.pfx;
    let pick: OpDef | Row | undefined;
    if (pfx & P_F3 && v.pf3) { pick = v.pf3; pfx |= P_REP_MANDATORY; }
    else if (pfx & P_F2 && v.pf2) { pick = v.pf2; pfx |= P_REP_MANDATORY; }
    else if (pfx & P_66 && v.p66) { pick = v.p66; pfx |= P_66_MANDATORY; }
    else pick = (pfx & (P_F2 | P_F3)) && (v.pf2 || v.pf3) ? undefined : v.none;
    if (!pick) fail(src, addr, p, "prefix combination not in table");
    // A 66 that selects a non-SSE row (66 0F BC = 16-bit bsf) is still an operand-size prefix.
    if (isDef(pick!) && !(pick.flags & F_SSE)) pfx &= ~P_66_MANDATORY;
    row = pick;
  }
  let d: OpDef | undefined;
  if (isDef(row!)) {
    d = row;
    if (d.modrm) modrm = at(p++);
  } else {
    modrm = at(p++);
    const g = row as { group: (OpDef | undefined)[]; regForm?: (OpDef | undefined | (OpDef | undefined)[])[] };
    const r = (modrm >> 3) & 7;
    if ((modrm & 0xc0) === 0xc0 && g.regForm) {
      const e = g.regForm[r];
      d = Array.isArray(e) ? e[modrm & 7] : e;
    } else d = g.group[r];
    if (!d) fail(src, addr, p, "opcode extension not in table");
  }
  const df = d!;
  // endbr64 is exactly F3 0F 1E FA; other F3 0F 1E forms are hint nops here.
  if (map === 1 && opcode === 0x1e && df.key === "endbr") {
    const m = at(p);
    if (m === 0xfa) p++;
    else {
      d = (opcodeMaps()[1]![0x1e] as { pfx: { none: OpDef } }).pfx.none;
      pfx &= ~P_REP_MANDATORY;
      modrm = at(p++);
    }
  }
  // CET hints in the F3 0F AE /5 and F3 0F 1E /1 register forms.
  if (map === 1 && pfx & P_F3 && modrm >= 0xc0) {
    if (opcode === 0xae && ((modrm >> 3) & 7) === 5) { d = INCSSP; pfx |= P_REP_MANDATORY; }
    else if (opcode === 0x1e && ((modrm >> 3) & 7) === 1) { d = RDSSP; pfx |= P_REP_MANDATORY; }
  }
  const D = d!;
  // Rows that exist only without a 66/F2/F3 prefix (group 15's fxsave...stmxcsr and fences, movnti): #UD with one.
  if (D.flags & F_NOPFX && pfx & (P_66 | P_F2 | P_F3)) fail(src, addr, p, "66/F2/F3 prefix on a row that has no prefixed form");
  const flags = D.flags;
  const rexW = (rex & 8) !== 0;
  // Operand size. A mandatory 66 does not change it.
  const p66 = (pfx & P_66) !== 0 && (pfx & P_66_MANDATORY) === 0;
  let osz: number;
  switch (D.sizeKind) {
    case "b": osz = 8; break;
    case "w": osz = 16; break;
    case "d": osz = 32; break;
    case "q": osz = 64; break;
    case "y": osz = rexW ? 64 : 32; break;
    default:
      if (flags & F_F64) osz = 64;
      // REX.W wins over 66 (SDM Vol. 1 3.6.1: "a REX prefix with REX.W = 1 ... the 66H prefix is ignored").
      else if (flags & F_D64) osz = p66 && !rexW ? 16 : 64;
      else osz = rexW ? 64 : p66 ? 16 : 32;
  }
  if (flags & F_SSE && (D.sizeKind === "" || D.sizeKind === "x")) osz = rexW ? 64 : 32;
  const asz = pfx & P_67 ? 32 : 64;

  // A fresh record already holds the operand defaults (the class's initialisers); only a reused one is reset.
  const i = out === undefined ? new Insn() : resetOperands(out);
  i.addr = addr;
  i.map = map;
  i.opcode = opcode;
  i.def = D;
  i.rex = rex;
  i.seg = seg;
  i.osz = osz;
  i.asz = asz;
  i.modrm = modrm;

  if (modrm >= 0) {
    const mod = modrm >> 6;
    const rmLow = modrm & 7;
    const reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
    i.mod = mod;
    i.reg = reg;
    i.regb = !rex && reg >= 4 && reg < 8 ? reg + 12 : reg;
    if (mod === 3) {
      if (flags & F_MEMONLY) fail(src, addr, p, "register form of a memory-only instruction");
      const rm = rmLow | (rex & 1 ? 8 : 0);
      i.rm = rm;
      i.rmb = !rex && rm >= 4 && rm < 8 ? rm + 12 : rm;
    } else {
      if (flags & F_REGONLY) fail(src, addr, p, "memory form of a register-only instruction");
      if (rmLow === 4) {
        const sib = at(p++);
        const idx = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0);
        i.scale = sib >> 6;
        i.index = idx === 4 ? -1 : idx;
        const bl = sib & 7;
        if (bl === 5 && mod === 0) {
          i.base = -1;
          i.disp = readS32(p);
          p += 4;
        } else i.base = bl | (rex & 1 ? 8 : 0);
      } else if (rmLow === 5 && mod === 0) {
        i.base = BASE_RIP;
        i.disp = readS32(p);
        p += 4;
      } else i.base = rmLow | (rex & 1 ? 8 : 0);
      if (mod === 1) {
        i.disp = (at(p++) << 24) >> 24;
      } else if (mod === 2) {
        i.disp = readS32(p);
        p += 4;
      }
    }
  }
  // LOCK is only valid on the listed read-modify-write instructions with a memory destination (SDM "LOCK").
  if (pfx & P_LOCK && (!(flags & F_LOCKOK) || i.mod === 3)) fail(src, addr, p, "LOCK prefix on an instruction that cannot be locked");
  // Operand normalisation (see the header comment).
  const norm = D.norm;
  if (norm & NORM_Z) {
    const r = (opcode & 7) | (rex & 1 ? 8 : 0);
    i.mod = 3;
    i.rm = r;
    i.rmb = !rex && r >= 4 && r < 8 ? r + 12 : r;
  }
  if (norm & NORM_A) {
    // Accumulator: G when another operand is E-like; else E.
    if (norm & NORM_A_IS_G) { i.reg = 0; i.regb = 0; } else if (modrm < 0 && !(norm & NORM_Z)) { i.mod = 3; i.rm = 0; i.rmb = 0; }
  }
  // Immediates.
  const im = D.imm1;
  if (im) {
    switch (im) {
      case "Ib": i.imm = at(p++); i.immHi = 0; break;
      case "Ibs":
      case "Jb": i.imm = (at(p++) << 24) >> 24; i.immHi = i.imm < 0 ? -1 : 0; break;
      case "Iw": i.imm = at(p) | (at(p + 1) << 8); p += 2; i.immHi = 0; break;
      case "Iz":
        if (osz === 16) { i.imm = ((at(p) | (at(p + 1) << 8)) << 16) >> 16; p += 2; }
        else { i.imm = readS32(p); p += 4; }
        i.immHi = i.imm < 0 ? -1 : 0;
        break;
      case "Jz": i.imm = readS32(p); p += 4; i.immHi = i.imm < 0 ? -1 : 0; break;
      case "Iv":
        if (osz === 64) { i.imm = readS32(p); i.immHi = readS32(p + 4); p += 8; }
        else if (osz === 16) { i.imm = at(p) | (at(p + 1) << 8); p += 2; }
        else { i.imm = readS32(p); p += 4; }
        break;
      case "Ob":
      case "Ov": {
        // moffs: an absolute address as the E operand.
        const lo = readS32(p) >>> 0;
        const hi = asz === 64 ? readS32(p + 4) : 0;
        p += asz === 64 ? 8 : 4;
        i.mod = 0;
        i.base = -1;
        i.index = -1;
        i.disp = hi === 0 ? lo : (hi | 0) * 4294967296 + lo; // exact for user addresses; a huge value faults
        i.immHi = hi; // kept for the disassembler
        i.imm = lo | 0;
        break;
      }
    }
    if (D.imm2 === "Ib") i.imm2 = at(p++);
  }
  i.pfx = pfx;
  i.len = p - addr;
  if (i.len > MAX_LEN) fail(src, addr, p, "instruction longer than 15 bytes");
  i.next = addr + i.len;
  return i;
}

/** The operand fields a decode may leave untouched, set to the values a new {@link Insn} starts with. */
function resetOperands(i: Insn): Insn {
  // In the constructor's field order: it also makes those fields of a new Insn.
  i.mod = 3;
  i.reg = 0;
  i.rm = 0;
  i.regb = 0;
  i.rmb = 0;
  i.base = -1;
  i.index = -1;
  i.scale = 0;
  i.disp = 0;
  i.imm = 0;
  i.immHi = 0;
  i.imm2 = 0;
  return i;
}

function readS32(p: number): number {
  if (p + 4 <= winEnd && p >= winBase) {
    const k = p - winBase;
    return win[k]! | (win[k + 1]! << 8) | (win[k + 2]! << 16) | (win[k + 3]! << 24);
  }
  return at(p) | (at(p + 1) << 8) | (at(p + 2) << 16) | (at(p + 3) << 24);
}

/**
 * Throw {@link UndefinedInstruction} with the bytes from `addr` to the failing position `p` (a module function, not a
 * closure in decode: capturing `p` would keep every decoder variable it shares a scope with in a heap context).
 */
function fail(src: ByteSource, addr: number, p: number, detail: string): never {
  const n = Math.max(1, Math.min(p - addr + 1, MAX_LEN));
  const bytes = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    try {
      bytes[k] = src.fetch8(addr + k);
    } catch {
      return bytesFail(addr, bytes.subarray(0, k), detail);
    }
  }
  throw new UndefinedInstruction(addr, bytes, detail);
}

function bytesFail(addr: number, bytes: Uint8Array, detail: string): never {
  throw new UndefinedInstruction(addr, bytes, detail);
}

/** A byte source over a buffer mapped at `base` (for the disassembler). Reads past the end throw. */
export class BufferSource implements ByteSource {
  constructor(
    readonly bytes: Uint8Array,
    readonly base: number,
  ) {}
  fetch8(addr: number): number {
    const k = addr - this.base;
    if (k < 0 || k >= this.bytes.length) throw new RangeError("truncated instruction");
    return this.bytes[k]!;
  }
}
