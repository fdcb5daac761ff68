/**
 * The translating tier: a hot decoded block, with the blocks it reaches by constant branches, becomes one
 * JavaScript function compiled by V8 (`new Function`). Guest registers the region touches live in locals
 * (32-bit halves, as in `L`/`H`) for the whole call, NZCV is a lazy record (the operands and result of the
 * last flag-setting instruction) turned into flags only when a condition reads them or the state leaves
 * the function, and a branch to a block of the region (a self-loop included) stays in the function as a
 * host loop. Integer loads and stores probe the memory's read / write TLB inline (GuestMemory.readTlb,
 * writeTlb) and touch the page's bytes directly on a hit; a miss, a span crossing the page, a fault or a
 * store to a page holding decoded code goes through the accessors exactly as the interpreter does.
 *
 * Instructions without a translation here run their interpreter handler (the closure the block cache
 * already holds): the registers named by the instruction's fields are written back before the call and
 * reloaded after it, the flags too for the rows that read or write them. Both tiers therefore share every
 * instruction's semantics where this file has no translation of its own.
 *
 * Contract with the run loop (cpu.ts), which keeps the interpreter's observable behaviour:
 * - the function is entered only when its whole entry block fits in the budget, and moves on to another
 *   block of the region only when that whole block still fits, the block is still valid (no write to its
 *   page since it was decoded: self-modifying code) and `loopOk` (the exec watch covers no block start and
 *   the leave watch's range, if any, holds the whole region);
 * - it returns the number of instructions retired and leaves `cpu.pc` at the next instruction; a trap is
 *   reported in `cpu.pendingTrap` with `cpu.pc` and the count exactly as the interpreter sets them;
 * - a translated instruction performs every memory access before it changes a register or the flags, so
 *   when an access throws, the locals hold the state before the instruction; the catch writes them back
 *   and reports the fault at that instruction, with the instructions before it retired.
 */
import { GuestMemoryFault, tlbSlot, tlbSlotSource } from "@uabi/isa-core";
import { branchTarget, mulhu32, rbit32 } from "./bits.js";
import type { Arm64Cpu, Handler } from "./cpu.js";
import { decode, decodeBitMasks, type Decoded } from "./decode.js";
import { SP_SLOT } from "./state.js";
import type { FieldMap, RowName } from "./table.js";

/**
 * The inline probes' TLB slot (the memory's own index: they cannot disagree). When the index depends only on
 * the page number's low 20 bits (its bits inside the address's low word, as with the plain mask), it is taken
 * from the low word alone, an int32 operation instead of one on the page number as a double.
 */
const TLB_SLOT = [0x12345, 2 ** 40 + 0x3ff, 0xf_ffff_ffff, 2 ** 51 + 0x54321].every((pn) => tlbSlot(pn) === tlbSlot(pn % 1048576))
  ? tlbSlotSource("(mal_ >>> 12)")
  : tlbSlotSource("tp_");

/**
 * A region's function: (cpu, budget left, may loop) → instructions retired. Every exit path is constant
 * assignments only (`Gen.leave`), so V8 needs no type feedback for one it has not seen taken; the epilogue
 * gets its feedback from the first calls, which the run loop keeps short (cpu.ts, WARM_INSNS).
 */
export type RegionFn = (cpu: Arm64Cpu, left: number, loopOk: boolean) => number;

/** What the translator needs of a decoded block (cpu.ts's Block). */
export interface RegionBlock {
  readonly start: number;
  readonly hs: Handler[];
  readonly ws: number[];
  valid: boolean;
}

const TWO32 = 4294967296;
/** Access sites per region with a page cache (three locals each, live round the loop). */
const MAX_SITES = 8;
/**
 * Blocks are invalidated (self-modifying code) only by the memory accessors and handlers a region calls, never
 * by its inline fast paths: `loopOk` (may the region go on to another of its blocks) is rechecked at entry and
 * after each such call, instead of the target block's `valid` at every transition.
 */
const RECHECK = "if (loopOk) loopOk = JX.valid(B);";

/** Lazy flag record kinds: 0 means the NZCV locals hold the flags. */
const K_NZCV = 0, K_ADD64 = 1, K_SUB64 = 2, K_ADD32 = 3, K_SUB32 = 4, K_LOG64 = 5, K_LOG32 = 6;

/** Helpers the generated code calls (small, so V8 inlines them). */
export const JX = {
  Fault: GuestMemoryFault,
  /** A page cache's view before its first hit (a DataView, so the cache's type never changes). */
  noView: new DataView(new ArrayBuffer(8)),
  mulhu: mulhu32,
  rbit: rbit32,
  /** Whether every block of a region is still valid (no write to its page since it was decoded). */
  valid(blocks: readonly RegionBlock[]): boolean {
    for (const b of blocks) if (!b.valid) return false;
    return true;
  },
  /** The lazy record as the 4-bit N:Z:C:V value. */
  nzcv(fk: number, fa: number, fah: number, fb: number, fbh: number, fr: number, frh: number): number {
    let n: boolean, z: boolean, c = false, v = false;
    // Add/subtract records hold only the operands (fewer values live round a loop): the result again.
    if (fk === K_ADD64) { fr = (fa + fb) | 0; frh = (fah + fbh + ((fr >>> 0) < (fa >>> 0) ? 1 : 0)) | 0; }
    else if (fk === K_SUB64) { fr = (fa - fb) | 0; frh = (fah - fbh - ((fa >>> 0) < (fb >>> 0) ? 1 : 0)) | 0; }
    else if (fk === K_ADD32) fr = (fa + fb) | 0;
    else if (fk === K_SUB32) fr = (fa - fb) | 0;
    switch (fk) {
      case K_ADD64: n = frh < 0; z = (fr | frh) === 0; c = frh >>> 0 < fah >>> 0 || (frh === fah && fr >>> 0 < fa >>> 0); v = ((fah ^ frh) & (fbh ^ frh)) < 0; break;
      case K_SUB64: n = frh < 0; z = (fr | frh) === 0; c = fah >>> 0 > fbh >>> 0 || (fah === fbh && fa >>> 0 >= fb >>> 0); v = ((fah ^ fbh) & (fah ^ frh)) < 0; break;
      case K_ADD32: n = fr < 0; z = fr === 0; c = fr >>> 0 < fa >>> 0; v = ((fa ^ fr) & (fb ^ fr)) < 0; break;
      case K_SUB32: n = fr < 0; z = fr === 0; c = fa >>> 0 >= fb >>> 0; v = ((fa ^ fb) & (fa ^ fr)) < 0; break;
      case K_LOG64: n = frh < 0; z = (fr | frh) === 0; break;
      default: n = fr < 0; z = fr === 0; break;
    }
    return (n ? 8 : 0) | (z ? 4 : 0) | (c ? 2 : 0) | (v ? 1 : 0);
  },
  /** Variable 64-bit shifts (DP2 lslv/lsrv/asrv/rorv): low half returned, high half in JX.hi. */
  hi: 0,
  shift64(t: number, lo: number, hi: number, s: number): number {
    if (s === 0) { JX.hi = hi; return lo; }
    if (t === 3) {
      if (s >= 32) { const x = lo; lo = hi; hi = x; s -= 32; }
      if (s === 0) { JX.hi = hi; return lo; }
      JX.hi = (hi >>> s) | (lo << (32 - s));
      return (lo >>> s) | (hi << (32 - s));
    }
    if (t === 0) {
      if (s < 32) { JX.hi = (hi << s) | (lo >>> (32 - s)); return lo << s; }
      JX.hi = lo << (s - 32); return 0;
    }
    if (s < 32) { JX.hi = t === 2 ? hi >> s : hi >>> s; return (lo >>> s) | (hi << (32 - s)); }
    JX.hi = t === 2 ? hi >> 31 : 0;
    return t === 2 ? hi >> (s - 32) : hi >>> (s - 32);
  },
};

// ------------------------------------------------------------- constant shifts on (lo, hi) names
type Pair = [string, string];
function shlC(l: string, h: string, s: number): Pair {
  if (s === 0) return [l, h];
  if (s < 32) return [`(${l} << ${s})`, `((${h} << ${s}) | (${l} >>> ${32 - s}))`];
  return ["0", `(${l} << ${s - 32})`];
}
function lsrC(l: string, h: string, s: number): Pair {
  if (s === 0) return [l, h];
  if (s < 32) return [`((${l} >>> ${s}) | (${h} << ${32 - s}))`, `(${h} >>> ${s})`];
  return [`(${h} >>> ${s - 32})`, "0"];
}
function asrC(l: string, h: string, s: number): Pair {
  if (s === 0) return [l, h];
  if (s < 32) return [`((${l} >>> ${s}) | (${h} << ${32 - s}))`, `(${h} >> ${s})`];
  return [`(${h} >> ${s - 32})`, `(${h} >> 31)`];
}
function rorC(l: string, h: string, s: number): Pair {
  if (s >= 32) { [l, h] = [h, l]; s -= 32; }
  if (s === 0) return [l, h];
  return [`((${l} >>> ${s}) | (${h} << ${32 - s}))`, `((${h} >>> ${s}) | (${l} << ${32 - s}))`];
}
const SHIFT_C = [shlC, lsrC, asrC, rorC];
function shift32C(v: string, type: number, s: number): string {
  if (s === 0) return v;
  switch (type) {
    case 0: return `(${v} << ${s})`;
    case 1: return `(${v} >>> ${s})`;
    case 2: return `(${v} >> ${s})`;
    default: return `((${v} >>> ${s}) | (${v} << ${32 - s}))`;
  }
}
/** Register locals and int32 literals as they are, anything else `(e) | 0` (int32 for V8 and for the halves). */
function i32(e: string): string {
  if (/^(?:[lh]\d+|r_|rh_|pl_|ph_|m_|mh_)$/.test(e)) return e;
  if (/^-?\d+$/.test(e) && (Number(e) | 0) === Number(e)) return e;
  return `(${e}) | 0`;
}
/** 64-bit constant of a JS number below 2^64 as int32 halves. */
function halves(v: number): [number, number] {
  return [v | 0, Math.floor(v / TWO32) | 0];
}

/** Rows whose handlers read or write NZCV (an inline call must sync the flags). */
const FLAG_ROWS = new Set(["ADC", "CCMP", "CSEL", "FP_CMP", "FP_CCMP", "FP_CSEL", "SYSREG", "B_COND"]);
/** FP/SIMD rows that touch no general-purpose register (an inline call syncs nothing). */
const VECTOR_ONLY = (name: string) => (name.startsWith("FP_") || name.startsWith("SIMD_")) && name !== "FP_INT" && name !== "FP_FIXED" && name !== "SIMD_COPY" && !FLAG_ROWS.has(name);
const REG_FIELDS = ["rd", "rn", "rm", "ra", "rt", "rt2", "rs"] as const;

/** The decoded word's fields as its row's set (the caller has switched on the row name). */
const F = <N extends RowName>(d: Decoded, _name: N): FieldMap[N] => d.f as FieldMap[N];
const rs = (n: number) => (n === 31 ? SP_SLOT : n); // 31 means SP
const wz = (n: number) => (n === 31 ? 33 : n); // 31 means a discarded write

class Gen {
  readonly used = new Set<number>();
  readonly written = new Set<number>();
  usesFlags = false;
  /** The flag record kind known at this point of the block (null: whatever the record holds). */
  known: number | null = null;
  k = 0;
  bi = 0;
  pc = 0;
  n = 0;
  readonly consts: string[] = [];
  /** Instructions translated, and run through their handler. */
  native = 0;
  inlined = 0;
  readonly index = new Map<number, number>();
  /**
   * Whether every branch between the region's blocks goes forward (to a later block), to the entry block or
   * to the block itself: the blocks are then nested labelled statements, a forward branch a `break` to the
   * label ending just before its target and a branch to the entry the host loop's `continue`, with no
   * dispatch on a block number in between. Otherwise a `switch` in a loop dispatches every transition.
   */
  readonly structured: boolean;

  constructor(readonly blocks: readonly RegionBlock[]) {
    blocks.forEach((b, j) => this.index.set(b.start, j));
    this.structured = blocks.every((b, i) => successors(b).every((t) => {
      const j = this.index.get(t);
      return j === undefined || j >= i || j === 0;
    }));
  }

  // ------------------------------------------------------------ registers
  /** Low / high half of a read slot (31 reads zero). */
  l(s: number): string {
    if (s === 31) return "0";
    this.used.add(s);
    return `l${s}`;
  }
  h(s: number): string {
    if (s === 31) return "0";
    this.used.add(s);
    return `h${s}`;
  }
  /**
   * Assign slot d (33 discards) as statements; each half's value is computed before it is written. Direct
   * assignments (the low half first unless the high half reads it), no temporaries: less bytecode for V8's
   * interpreter, which runs a region until it is optimised, and a smaller function to optimise.
   */
  set(d: number, lo: string, hi: string): string {
    if (d === 33 || d === 31) return "";
    this.used.add(d);
    this.written.add(d);
    if (!new RegExp(`\\bl${d}\\b`).test(hi)) return `l${d} = ${i32(lo)}; h${d} = ${i32(hi)};`;
    if (!new RegExp(`\\bh${d}\\b`).test(lo)) return `h${d} = ${i32(hi)}; l${d} = ${i32(lo)};`;
    return `{ const sv_ = ${lo}, sw_ = ${hi}; l${d} = sv_ | 0; h${d} = sw_ | 0; }`;
  }
  /**
   * `const mal_, mah_` = the 64-bit address slot s + imm as int32 halves (imm a JS integer of |imm| < 2^31):
   * the TLB probe then needs no floating-point division, and the address as a double only on its slow path.
   */
  ea(s: number, imm: number): string {
    const l = this.l(s), h = this.h(s);
    if (imm === 0) return `const mal_ = ${l}, mah_ = ${h};`;
    return `const mal_ = (${l} + ${imm}) | 0, mah_ = (${h} + ${imm < 0 ? -1 : 0} + ((mal_ >>> 0) < (${l} >>> 0) ? 1 : 0)) | 0;`;
  }
  /** Slot s = the address in mal_, mah_ + imm (post-index write-back: from the base as it was before the access). */
  addImm(s: number, imm: number): string {
    this.used.add(s);
    this.written.add(s);
    if (imm === 0) return `l${s} = mal_; h${s} = mah_;`;
    return `l${s} = (mal_ + ${imm}) | 0; h${s} = (mah_ + ${imm < 0 ? -1 : 0} + ((l${s} >>> 0) < (mal_ >>> 0) ? 1 : 0)) | 0;`;
  }
  /** Slot d as an address (the interpreter's addrOf). */
  addr(s: number): string {
    return `((${this.h(s)} >>> 0) * ${TWO32} + (${this.l(s)} >>> 0))`;
  }
  /** Slot s = the address in mal_, mah_ (pre-index write-back). */
  setHalves(s: number): string {
    this.used.add(s);
    this.written.add(s);
    return `l${s} = mal_; h${s} = mah_;`;
  }
  mayFault(): string {
    // Structured regions have no dispatch variable: the catch learns the block from `bi` set here.
    return this.structured ? `k = ${this.k}; bi = ${this.bi};` : `k = ${this.k};`;
  }

  // ------------------------------------------------------------ flags
  setFlags(kind: number, a: string, ah: string, b: string, bh: string, r: string, rh: string): string {
    this.usesFlags = true;
    this.known = kind;
    if (kind === K_LOG32) return `fk = ${kind}; fr = ${r};`;
    if (kind === K_LOG64) return `fk = ${kind}; fr = ${r}; frh = ${rh};`;
    // Add/subtract: the operands only (the result is recomputed where a flag needs it).
    if (kind === K_ADD32 || kind === K_SUB32) return `fk = ${kind}; fa = ${a}; fb = ${b};`;
    return `fk = ${kind}; fa = ${a}; fah = ${ah}; fb = ${b}; fbh = ${bh};`;
  }
  static readonly MAT = "if (fk !== 0) { const z_ = JX.nzcv(fk, fa, fah, fb, fbh, fr, frh); fN = z_ >> 3; fZ = (z_ >> 2) & 1; fC = (z_ >> 1) & 1; fV = z_ & 1; fk = 0; }";
  static readonly WBF = `${Gen.MAT} cpu.fN = fN; cpu.fZ = fZ; cpu.fC = fC; cpu.fV = fV;`;
  static readonly LOADF = "fN = cpu.fN; fZ = cpu.fZ; fC = cpu.fC; fV = cpu.fV; fk = 0;";

  flag(f: "N" | "Z" | "C" | "V", kind: number): string {
    switch (kind) {
      case K_NZCV: return `(f${f} === 1)`;
      case K_LOG64:
        if (f === "N") return "(frh < 0)";
        if (f === "Z") return "((fr | frh) === 0)";
        return "false";
      case K_LOG32:
        if (f === "N") return "(fr < 0)";
        if (f === "Z") return "(fr === 0)";
        return "false";
      case K_SUB64: {
        const rh = "((fah - fbh - ((fa >>> 0) < (fb >>> 0) ? 1 : 0)) | 0)";
        if (f === "N") return `(${rh} < 0)`;
        if (f === "Z") return "(((fa ^ fb) | (fah ^ fbh)) === 0)";
        if (f === "C") return this.cmp64("(fa >>> 0) >= (fb >>> 0)", "(fah >>> 0) > (fbh >>> 0)", "fah", "fbh");
        return `(((fah ^ fbh) & (fah ^ ${rh})) < 0)`;
      }
      case K_ADD64: {
        const r = "((fa + fb) | 0)", rh = `((fah + fbh + ((${r} >>> 0) < (fa >>> 0) ? 1 : 0)) | 0)`;
        if (f === "N") return `(${rh} < 0)`;
        if (f === "Z") return `((${r} | ${rh}) === 0)`;
        if (f === "C") return this.cmp64(`(${r} >>> 0) < (fa >>> 0)`, `(${rh} >>> 0) < (fah >>> 0)`, rh, "fah");
        return `(((fah ^ ${rh}) & (fbh ^ ${rh})) < 0)`;
      }
      case K_SUB32:
        if (f === "N") return "(((fa - fb) | 0) < 0)";
        if (f === "Z") return "(fa === fb)";
        if (f === "C") return "((fa >>> 0) >= (fb >>> 0))";
        return "(((fa ^ fb) & (fa ^ ((fa - fb) | 0))) < 0)";
      default: {
        const r = "((fa + fb) | 0)";
        if (f === "N") return `(${r} < 0)`;
        if (f === "Z") return `(${r} === 0)`;
        if (f === "C") return `((${r} >>> 0) < (fa >>> 0))`;
        return `(((fa ^ ${r}) & (fb ^ ${r})) < 0)`;
      }
    }
  }
  /** Whether a condition used the comparison temporaries t_, u_ (the prologue then declares them). */
  usesCmp = false;
  /**
   * A 64-bit comparison of int32 halves as the low halves' result when the high halves are equal, else the
   * high halves': both always evaluated, so V8 has type feedback for each before it optimises (a `||`/`&&`
   * whose second operand it first meets in optimised code deoptimises the function).
   */
  cmp64(lo: string, hi: string, ah: string, bh: string): string {
    this.usesCmp = true;
    return `(t_ = ${lo}, u_ = ${hi}, ${ah} === ${bh} ? t_ : u_)`;
  }
  /** ConditionHolds(cc): [statements to run first, boolean expression]. */
  cond(cc: number): [string, string] {
    if (cc >> 1 === 7) return ["", "true"];
    this.usesFlags = true;
    let pre = "";
    if (this.known === null) { pre = Gen.MAT; this.known = K_NZCV; }
    const kind = this.known;
    let e: string | undefined;
    if (kind === K_SUB64) {
      switch (cc >> 1) {
        case 4: e = this.cmp64("(fa >>> 0) > (fb >>> 0)", "(fah >>> 0) > (fbh >>> 0)", "fah", "fbh"); break;
        case 5: e = this.cmp64("(fa >>> 0) >= (fb >>> 0)", "fah > fbh", "fah", "fbh"); break;
        case 6: e = this.cmp64("(fa >>> 0) > (fb >>> 0)", "fah > fbh", "fah", "fbh"); break;
      }
    } else if (kind === K_SUB32) {
      switch (cc >> 1) {
        case 4: e = "((fa >>> 0) > (fb >>> 0))"; break;
        case 5: e = "(fa >= fb)"; break;
        case 6: e = "(fa > fb)"; break;
      }
    }
    if (e === undefined) {
      const F = (f: "N" | "Z" | "C" | "V") => this.flag(f, kind);
      switch (cc >> 1) {
        case 0: e = F("Z"); break;
        case 1: e = F("C"); break;
        case 2: e = F("N"); break;
        case 3: e = F("V"); break;
        case 4: e = `(${F("C")} && !${F("Z")})`; break;
        case 5: e = `(${F("N")} === ${F("V")})`; break;
        default: e = `(!${F("Z")} && ${F("N")} === ${F("V")})`; break;
      }
    }
    return [pre, (cc & 1) === 1 ? `!${e}` : e];
  }

  // ------------------------------------------------------------ arithmetic pieces
  /** 64-bit a ± b into slot d (and flags when S). */
  addSub64(sub: boolean, S: boolean, d: number, al: string, ah: string, bl: string, bh: string): string {
    if (!S) {
      if (d === 33) return "";
      this.used.add(d);
      this.written.add(d);
      const L = `l${d}`, H = `h${d}`;
      const imm = /^\d+$/.test(bl) && bh === "0" ? Number(bl) : -1;
      // An immediate in place: the carry is the new low half below it, the borrow the old low half below it.
      if (imm === 0) return this.set(d, al, ah);
      if (imm > 0 && imm < 2 ** 31) {
        return sub
          ? `${H} = (${ah} - ((${al} >>> 0) < ${imm} ? 1 : 0)) | 0; ${L} = (${al} - ${imm}) | 0;`
          : `${L} = (${al} + ${imm}) | 0; ${H} = (${ah} + ((${L} >>> 0) < ${imm} ? 1 : 0)) | 0;`;
      }
      return sub
        ? `{ const a_ = ${al}, b_ = ${bl}; ${H} = (${ah} - ${bh} - ((a_ >>> 0) < (b_ >>> 0) ? 1 : 0)) | 0; ${L} = (a_ - b_) | 0; }`
        : `{ const a_ = ${al}, r_ = (a_ + ${bl}) | 0; ${H} = (${ah} + ${bh} + ((r_ >>> 0) < (a_ >>> 0) ? 1 : 0)) | 0; ${L} = r_; }`;
    }
    if (d === 33) {
      // A compare: only the flag record (its operands) changes.
      const cmp = this.setFlags(sub ? K_SUB64 : K_ADD64, i32(al), i32(ah), i32(bl), i32(bh), "", "");
      return /^(?:[lh]\d+|-?\d+|m_|mh_)$/.test(bl) && /^(?:[lh]\d+|-?\d+|m_|mh_)$/.test(bh) ? cmp : `{ ${cmp} }`;
    }
    const calc = sub
      ? `const a_ = ${al} | 0, ah_ = ${ah} | 0, b_ = ${bl} | 0, bh_ = ${bh} | 0; const r_ = (a_ - b_) | 0, rh_ = (ah_ - bh_ - ((a_ >>> 0) < (b_ >>> 0) ? 1 : 0)) | 0;`
      : `const a_ = ${al} | 0, ah_ = ${ah} | 0, b_ = ${bl} | 0, bh_ = ${bh} | 0; const r_ = (a_ + b_) | 0, rh_ = (ah_ + bh_ + ((r_ >>> 0) < (a_ >>> 0) ? 1 : 0)) | 0;`;
    const fl = S ? this.setFlags(sub ? K_SUB64 : K_ADD64, "a_", "ah_", "b_", "bh_", "r_", "rh_") : "";
    return `{ ${calc} ${this.set(d, "r_", "rh_")} ${fl} }`;
  }
  addSub32(sub: boolean, S: boolean, d: number, a: string, b: string): string {
    if (!S) return this.set(d, `${a} ${sub ? "-" : "+"} ${b}`, "0");
    if (d === 33) return this.setFlags(sub ? K_SUB32 : K_ADD32, i32(a), "0", i32(b), "0", "", "");
    const fl = S ? this.setFlags(sub ? K_SUB32 : K_ADD32, "a_", "0", "b_", "0", "r_", "0") : "";
    return `{ const a_ = ${a} | 0, b_ = ${b} | 0; const r_ = (a_ ${sub ? "-" : "+"} b_) | 0; ${this.set(d, "r_", "0")} ${fl} }`;
  }

  // ------------------------------------------------------------ memory
  /** Whether the region reads or writes memory inline (its prologue then loads the TLB arrays). */
  usesTlb = false;
  /** Memory access sites given a page cache of their own (the first MAX_SITES). */
  sites = 0;
  /**
   * The inline TLB fast path for an access of `span` bytes at the address in the halves `mal_`, `mah_` (see
   * `ea`): `fast` (with the page's DataView in `tv_` and the offset in `to_`) when the read (write) TLB maps
   * the page and the span stays in it, else `slow` with the address as a double in `a_` (the accessors:
   * faults, TLB fills, self-modifying code, page-crossing spans).
   */
  tlb(write: boolean, span: number, fast: string): string {
    this.usesTlb = true;
    const [T, V] = write ? ["WT", "WV"] : ["RT", "RV"];
    const outPage = span === 1 ? "" : ` || to_ > ${4096 - span}`;
    if (this.sites < MAX_SITES) {
      // This site's last page (its number as int32 halves, its view): a loop walking an array within a page
      // compares two int32s instead of probing the TLB (page number as a double, two array loads). A page a
      // site has seen in the TLB stays mapped, with the same access and (for writes) free of decoded code, for
      // the whole call: mappings change only in syscalls, which leave the region, and pages become code pages
      // only when the run loop decodes.
      const c = `c${this.sites++}`;
      return `{ const to_ = mal_ & 4095, pl_ = mal_ >>> 12; if (pl_ !== ${c}l_ || mah_ !== ${c}h_${outPage}) { const tp_ = (mah_ >>> 0) * 1048576 + pl_, ts_ = ${TLB_SLOT}; if (${T}[ts_] !== tp_${outPage}) { nx = ${this.pc}; ${this.leave(this.k)} } ${c}v_ = ${V}[ts_]; ${c}l_ = pl_; ${c}h_ = mah_; } const tv_ = ${c}v_; ${fast} }`;
    }
    // A miss leaves the region before the instruction (constants only: no feedback, so a miss first met in
    // optimised code does not deoptimise it); the run loop's interpreter runs it through the accessors, which
    // fault, fill the TLB, fill deferred pages or drop modified code exactly as for any other instruction.
    return `{ const to_ = mal_ & 4095, tp_ = (mah_ >>> 0) * 1048576 + (mal_ >>> 12), ts_ = ${TLB_SLOT}; if (${T}[ts_] !== tp_${outPage}) { nx = ${this.pc}; ${this.leave(this.k)} } const tv_ = ${V}[ts_]; ${fast} }`;
  }
  /** Reads of `n` 32-bit words at a_ (+4 each) into the names given (unsigned, as mem.read32 returns them). */
  read32s(names: readonly string[]): string {
    const fast = names.map((v, j) => `${v} = tv_.getUint32(to_${j ? ` + ${4 * j}` : ""}, true);`).join(" ");
    return `let ${names.map((v) => `${v} = 0`).join(", ")}; ${this.tlb(false, 4 * names.length, fast)}`;
  }
  /** Writes of 32-bit values at a_ (+4 each), checking the whole span first as the interpreter does. */
  write32s(values: readonly string[]): string {
    const span = 4 * values.length;
    const fast = values.map((v, j) => `tv_.setInt32(to_${j ? ` + ${4 * j}` : ""}, ${v}, true);`).join(" ");
    return this.tlb(true, span, fast);
  }
  /** One unsigned load of 1, 2 or 4 bytes at a_ into `v_`. */
  readN(size: number): string {
    if (size === 2) return this.read32s(["v_"]);
    const get = size === 0 ? "getUint8" : "getUint16";
    return `let v_ = 0; ${this.tlb(false, 1 << size, `v_ = tv_.${get}(to_${size ? ", true" : ""});`)}`;
  }

  /** Statements performing one integer access of `size` at address variable `a` for transfer register t. */
  intAccess(size: number, opc: number, t: number): string | null {
    if (opc === 0) {
      switch (size) {
        case 0: return this.tlb(true, 1, `tv_.setUint8(to_, ${this.l(t)} & 0xff);`);
        case 1: return this.tlb(true, 2, `tv_.setUint16(to_, ${this.l(t)} & 0xffff, true);`);
        case 2: return this.write32s([this.l(t)]);
        default: return this.write32s([this.l(t), this.h(t)]);
      }
    }
    const d = wz(t);
    if (opc === 1) {
      if (size === 3) return `{ ${this.read32s(["v_", "w_"])} ${this.set(d, "v_", "w_")} }`;
      return `{ ${this.readN(size)} ${this.set(d, "v_", "0")} }`;
    }
    if (size === 3) return opc === 2 ? "" : null; // prfm: a hint that never faults
    if (size === 2 && opc === 3) return null;
    const sh = size === 0 ? 24 : size === 1 ? 16 : 0;
    return `{ ${this.readN(size)} v_ = (v_ << ${sh}) >> ${sh}; ${this.set(d, "v_", opc === 2 ? "v_ >> 31" : "0")} }`;
  }

  /** Whether the region touches the vector registers inline (its prologue then loads their views). */
  usesVec = false;
  /**
   * Statements performing one SIMD&FP access at a_ for vector register t (the interpreter's accessor with
   * V = 1: a load reads every byte before it writes the register, and zeroes the rest of it), or null.
   */
  vecAccess(size: number, opc: number, t: number): string | null {
    const bytes = opc >= 2 ? (size === 0 ? 16 : 0) : 1 << size;
    if (bytes === 0) return null;
    this.usesVec = true;
    const base = t * 4;
    const zero = (from: number) => Array.from({ length: 4 - from }, (_v, j) => `VW[${base + from + j}] = 0;`).join(" ");
    if ((opc & 1) === 0) {
      if (bytes === 1) return this.tlb(true, 1, `tv_.setUint8(to_, VB[${t * 16}]);`);
      if (bytes === 2) return this.tlb(true, 2, `tv_.setUint16(to_, VH[${t * 8}], true);`);
      return this.write32s(Array.from({ length: bytes / 4 }, (_v, j) => `VW[${base + j}]`));
    }
    if (bytes === 1) return `{ ${this.readN(0)} ${zero(0)} VB[${t * 16}] = v_; }`;
    if (bytes === 2) return `{ ${this.readN(1)} ${zero(0)} VH[${t * 8}] = v_; }`;
    const names = ["p_", "q_", "r_", "s_"].slice(0, bytes / 4);
    return `{ ${this.read32s(names)} ${names.map((v, j) => `VW[${base + j}] = ${v};`).join(" ")} ${zero(bytes / 4)} }`;
  }

  // ------------------------------------------------------------ one instruction
  /** Code for a non-branch instruction, or null to run its handler. */
  emit(d: Decoded, pc: number): string | null {
    switch (d.row.name) {
      case "ADR": {
        const f = F(d, "ADR");
        const v = f.op ? Math.floor(pc / 4096) * 4096 + f.imm * 4096 : pc + f.imm;
        return this.set(wz(f.rd), `${v | 0}`, `${Math.floor(v / TWO32) | 0}`);
      }
      case "ADDSUB_IMM": {
        const { sf, op, S, sh, imm12 } = F(d, "ADDSUB_IMM");
        const imm = sh ? imm12 << 12 : imm12;
        const n = rs(F(d, "ADDSUB_IMM").rn), dd = S ? wz(F(d, "ADDSUB_IMM").rd) : rs(F(d, "ADDSUB_IMM").rd);
        if (sf) return this.addSub64(op === 1, S === 1, dd, this.l(n), this.h(n), `${imm}`, "0");
        return this.addSub32(op === 1, S === 1, dd, this.l(n), `${imm}`);
      }
      case "LOGIC_IMM": {
        const { sf, opc, N, immr, imms } = F(d, "LOGIC_IMM");
        if (!sf && N) return null;
        const m = decodeBitMasks(N, imms, immr, !!sf);
        if (!m) return null;
        const [ml, mh] = m;
        const n = F(d, "LOGIC_IMM").rn, dd = opc === 3 ? wz(F(d, "LOGIC_IMM").rd) : rs(F(d, "LOGIC_IMM").rd);
        const op = opc === 1 ? "|" : opc === 2 ? "^" : "&";
        const lo = `(${this.l(n)} ${op} ${ml})`;
        const hi = sf ? `(${this.h(n)} ${op} ${mh})` : "0";
        if (opc !== 3) return this.set(dd, lo, hi);
        return `{ const r_ = ${lo}, rh_ = ${hi}; ${this.set(dd, "r_", "rh_")} ${this.setFlags(sf ? K_LOG64 : K_LOG32, "", "", "", "", "r_", "rh_")} }`;
      }
      case "MOVEWIDE": {
        const { sf, opc, hw, imm16 } = F(d, "MOVEWIDE");
        if (opc === 1 || (!sf && hw >= 2)) return null;
        const dd = wz(F(d, "MOVEWIDE").rd);
        if (dd === 33) return "";
        const sh = (hw & 1) * 16, inHi = hw >= 2;
        if (opc === 3) {
          const keep = ~(0xffff << sh), v = imm16 << sh;
          if (inHi) return this.set(dd, this.l(dd), `((${this.h(dd)} & ${keep}) | ${v})`);
          return this.set(dd, `((${this.l(dd)} & ${keep}) | ${v})`, sf ? this.h(dd) : "0");
        }
        let lo = inHi ? 0 : imm16 << sh, hi = inHi ? imm16 << sh : 0;
        if (opc === 0) { lo = ~lo; hi = sf ? ~hi : 0; }
        return this.set(dd, `${lo}`, `${hi}`);
      }
      case "BITFIELD": return this.bitfield(F(d, "BITFIELD"));
      case "EXTR": {
        const { sf, N, imms } = F(d, "EXTR");
        if (N !== sf || (!sf && imms >= 32)) return null;
        const n = F(d, "EXTR").rn, m = F(d, "EXTR").rm, dd = wz(F(d, "EXTR").rd);
        if (!sf) return this.set(dd, imms === 0 ? this.l(m) : `((${this.l(m)} >>> ${imms}) | (${this.l(n)} << ${32 - imms}))`, "0");
        if (imms === 0) return this.set(dd, this.l(m), this.h(m));
        const [al, ah] = shlC("n_", "nh_", 64 - imms);
        const [bl, bh] = lsrC("m_", "mh_", imms);
        return `{ const n_ = ${this.l(n)}, nh_ = ${this.h(n)}, m_ = ${this.l(m)}, mh_ = ${this.h(m)}; ${this.set(dd, `(${al} | ${bl})`, `(${ah} | ${bh})`)} }`;
      }
      case "LOGIC_SREG": {
        const { sf, opc, shift, N, imm6 } = F(d, "LOGIC_SREG");
        if (!sf && imm6 >= 32) return null;
        const n = F(d, "LOGIC_SREG").rn, m = F(d, "LOGIC_SREG").rm, dd = wz(F(d, "LOGIC_SREG").rd);
        const op = opc === 1 ? "|" : opc === 2 ? "^" : "&";
        const inv = N ? " ^ -1" : "";
        if (!sf) {
          const b = shift32C("m_", shift, imm6);
          const fl = opc === 3 ? this.setFlags(K_LOG32, "", "", "", "", "r_", "0") : "";
          return `{ const m_ = ${this.l(m)}; const r_ = ${this.l(n)} ${op} (${b}${inv}); ${this.set(dd, "r_", "0")} ${fl} }`;
        }
        const [bl, bh] = SHIFT_C[shift]!("m_", "mh_", imm6);
        if (opc !== 3) return `{ const m_ = ${this.l(m)}, mh_ = ${this.h(m)}; ${this.set(dd, `${this.l(n)} ${op} (${bl}${inv})`, `${this.h(n)} ${op} (${bh}${inv})`)} }`;
        const fl = this.setFlags(K_LOG64, "", "", "", "", "r_", "rh_");
        return `{ const m_ = ${this.l(m)}, mh_ = ${this.h(m)}; const r_ = ${this.l(n)} ${op} (${bl}${inv}), rh_ = ${this.h(n)} ${op} (${bh}${inv}); ${this.set(dd, "r_", "rh_")} ${fl} }`;
      }
      case "ADDSUB_SREG": {
        const { sf, op, S, shift, imm6 } = F(d, "ADDSUB_SREG");
        if (shift === 3 || (!sf && imm6 >= 32)) return null;
        const n = F(d, "ADDSUB_SREG").rn, m = F(d, "ADDSUB_SREG").rm, dd = wz(F(d, "ADDSUB_SREG").rd);
        if (!sf) return `{ const m_ = ${this.l(m)}; ${this.addSub32(op === 1, S === 1, dd, this.l(n), shift32C("m_", shift, imm6))} }`;
        const [bl, bh] = SHIFT_C[shift]!("m_", "mh_", imm6);
        return `{ const m_ = ${this.l(m)}, mh_ = ${this.h(m)}; ${this.addSub64(op === 1, S === 1, dd, this.l(n), this.h(n), bl, bh)} }`;
      }
      case "ADDSUB_EREG": {
        const { sf, op, S, opt, option, imm3 } = F(d, "ADDSUB_EREG");
        if (opt !== 0 || imm3 > 4) return null;
        const n = rs(F(d, "ADDSUB_EREG").rn), m = F(d, "ADDSUB_EREG").rm, dd = S ? wz(F(d, "ADDSUB_EREG").rd) : rs(F(d, "ADDSUB_EREG").rd);
        const ml = this.l(m), mh = this.h(m);
        const ext: Pair = [
          [`(${ml} & 0xff)`, "0"], [`(${ml} & 0xffff)`, "0"], [ml, "0"], [ml, mh],
          ["((m_ << 24) >> 24)", "(((m_ << 24) >> 24) >> 31)"], ["((m_ << 16) >> 16)", "(((m_ << 16) >> 16) >> 31)"], [ml, `(${ml} >> 31)`], [ml, mh],
        ][option]! as Pair;
        const pre = `const m_ = ${ml};`;
        if (!sf) return `{ ${pre} ${this.addSub32(op === 1, S === 1, dd, this.l(n), `(${ext[0]} << ${imm3})`)} }`;
        return `{ ${pre} const e_ = ${ext[0]}, eh_ = ${ext[1]}; ${this.addSub64(op === 1, S === 1, dd, this.l(n), this.h(n), ...shlC("e_", "eh_", imm3))} }`;
      }
      case "CCMP": {
        const { sf, op, cond, i, nzcv } = F(d, "CCMP");
        const n = F(d, "CCMP").rn, m = F(d, "CCMP").rm;
        const [pre, c] = this.cond(cond);
        // cond() of al/nv reads no flag, but ccmp always writes them: the region must still load and store NZCV.
        this.usesFlags = true;
        const bl = i ? `${m}` : this.l(m), bh = i ? "0" : this.h(m);
        const sub = op === 1;
        let calc: string;
        if (sf) {
          calc = sub
            ? `const a_ = ${this.l(n)}, ah_ = ${this.h(n)}, b_ = ${bl} | 0, bh_ = ${bh} | 0; const r_ = (a_ - b_) | 0, rh_ = (ah_ - bh_ - ((a_ >>> 0) < (b_ >>> 0) ? 1 : 0)) | 0; fN = rh_ < 0 ? 1 : 0; fZ = (r_ | rh_) === 0 ? 1 : 0; fC = (ah_ >>> 0) > (bh_ >>> 0) || (ah_ === bh_ && (a_ >>> 0) >= (b_ >>> 0)) ? 1 : 0; fV = ((ah_ ^ bh_) & (ah_ ^ rh_)) < 0 ? 1 : 0;`
            : `const a_ = ${this.l(n)}, ah_ = ${this.h(n)}, b_ = ${bl} | 0, bh_ = ${bh} | 0; const r_ = (a_ + b_) | 0, rh_ = (ah_ + bh_ + ((r_ >>> 0) < (a_ >>> 0) ? 1 : 0)) | 0; fN = rh_ < 0 ? 1 : 0; fZ = (r_ | rh_) === 0 ? 1 : 0; fC = (rh_ >>> 0) < (ah_ >>> 0) || (rh_ === ah_ && (r_ >>> 0) < (a_ >>> 0)) ? 1 : 0; fV = ((ah_ ^ rh_) & (bh_ ^ rh_)) < 0 ? 1 : 0;`;
        } else {
          calc = sub
            ? `const a_ = ${this.l(n)}, b_ = ${bl} | 0; const r_ = (a_ - b_) | 0; fN = r_ < 0 ? 1 : 0; fZ = r_ === 0 ? 1 : 0; fC = (a_ >>> 0) >= (b_ >>> 0) ? 1 : 0; fV = ((a_ ^ b_) & (a_ ^ r_)) < 0 ? 1 : 0;`
            : `const a_ = ${this.l(n)}, b_ = ${bl} | 0; const r_ = (a_ + b_) | 0; fN = r_ < 0 ? 1 : 0; fZ = r_ === 0 ? 1 : 0; fC = (r_ >>> 0) < (a_ >>> 0) ? 1 : 0; fV = ((a_ ^ r_) & (b_ ^ r_)) < 0 ? 1 : 0;`;
        }
        this.known = K_NZCV;
        return `{ ${pre} if (${c}) { ${calc} } else { fN = ${(nzcv >> 3) & 1}; fZ = ${(nzcv >> 2) & 1}; fC = ${(nzcv >> 1) & 1}; fV = ${nzcv & 1}; } fk = 0; }`;
      }
      case "CSEL": {
        const { sf, op, S, cond, o2 } = F(d, "CSEL");
        if (S) return null;
        const n = F(d, "CSEL").rn, m = F(d, "CSEL").rm, dd = wz(F(d, "CSEL").rd);
        const [pre, c] = this.cond(cond);
        const hiN = sf ? this.h(n) : "0";
        let lo = this.l(m), hi = sf ? this.h(m) : "0";
        let els: string;
        if (!op && !o2) els = this.set(dd, lo, hi);
        else {
          if (op) { lo = `~${lo}`; hi = sf ? `~${hi}` : "0"; }
          if (!o2) els = this.set(dd, lo, hi);
          else if (!sf) els = this.set(dd, `(${lo} + 1)`, "0");
          else els = `{ const x_ = ${lo}, xh_ = ${hi}; const t_ = (x_ >>> 0) + 1; ${this.set(dd, "t_", "xh_ + (t_ > 4294967295 ? 1 : 0)")} }`;
        }
        // Braces: with xzr as destination `set` emits nothing, and a bare `else }` does not compile.
        return `{ ${pre} if (${c}) { ${this.set(dd, this.l(n), hiN)} } else { ${els} } }`;
      }
      case "DP2": {
        const { sf, S, opcode } = F(d, "DP2");
        if (S) return null;
        const n = F(d, "DP2").rn, m = F(d, "DP2").rm, dd = wz(F(d, "DP2").rd);
        if (opcode >= 8 && opcode <= 11) {
          const t = opcode - 8;
          if (!sf) {
            const s = `(${this.l(m)} & 31)`;
            const e = t === 0 ? `(n_ << s_)` : t === 1 ? `(n_ >>> s_)` : t === 2 ? `(n_ >> s_)` : `(s_ === 0 ? n_ : (n_ >>> s_) | (n_ << (32 - s_)))`;
            return `{ const n_ = ${this.l(n)}, s_ = ${s}; ${this.set(dd, e, "0")} }`;
          }
          return `{ const v_ = JX.shift64(${t}, ${this.l(n)}, ${this.h(n)}, ${this.l(m)} & 63); ${this.set(dd, "v_", "JX.hi")} }`;
        }
        if (opcode === 2 && !sf) return `{ const b_ = ${this.l(m)} >>> 0; ${this.set(dd, `(b_ === 0 ? 0 : Math.floor((${this.l(n)} >>> 0) / b_))`, "0")} }`;
        if (opcode === 3 && !sf) return `{ const b_ = ${this.l(m)}; ${this.set(dd, `(b_ === 0 ? 0 : Math.trunc(${this.l(n)} / b_))`, "0")} }`;
        return null;
      }
      case "DP1": {
        const { sf, S, opcode2, opcode } = F(d, "DP1");
        if (S || opcode2) return null;
        const n = F(d, "DP1").rn, dd = wz(F(d, "DP1").rd);
        const bswap = (v: string) => `((${v} >>> 24) | ((${v} >>> 8) & 0xff00) | ((${v} << 8) & 0xff0000) | (${v} << 24))`;
        const rev16 = (v: string) => `(((${v} >>> 8) & 0x00ff00ff) | ((${v} & 0x00ff00ff) << 8))`;
        const pre = `const n_ = ${this.l(n)}, nh_ = ${this.h(n)};`;
        if (!sf) {
          switch (opcode) {
            case 0: return `{ ${pre} ${this.set(dd, "JX.rbit(n_)", "0")} }`;
            case 1: return `{ ${pre} ${this.set(dd, rev16("n_"), "0")} }`;
            case 2: return `{ ${pre} ${this.set(dd, bswap("n_"), "0")} }`;
            case 4: return `{ ${pre} ${this.set(dd, "Math.clz32(n_)", "0")} }`;
            case 5: return `{ ${pre} ${this.set(dd, "(Math.clz32(n_ ^ (n_ >> 31)) - 1)", "0")} }`;
            default: return null;
          }
        }
        switch (opcode) {
          case 0: return `{ ${pre} ${this.set(dd, "JX.rbit(nh_)", "JX.rbit(n_)")} }`;
          case 1: return `{ ${pre} ${this.set(dd, rev16("n_"), rev16("nh_"))} }`;
          case 2: return `{ ${pre} ${this.set(dd, bswap("n_"), bswap("nh_"))} }`;
          case 3: return `{ ${pre} ${this.set(dd, bswap("nh_"), bswap("n_"))} }`;
          case 4: return `{ ${pre} ${this.set(dd, "(nh_ !== 0 ? Math.clz32(nh_) : 32 + Math.clz32(n_))", "0")} }`;
          case 5: return `{ ${pre} const s_ = nh_ >> 31, x_ = n_ ^ s_, xh_ = nh_ ^ s_; ${this.set(dd, "(xh_ !== 0 ? Math.clz32(xh_) : 32 + Math.clz32(x_)) - 1", "0")} }`;
          default: return null;
        }
      }
      case "DP3": {
        const { sf, op54, op31, o0 } = F(d, "DP3");
        if (op54) return null;
        const n = F(d, "DP3").rn, m = F(d, "DP3").rm, a = F(d, "DP3").ra, dd = wz(F(d, "DP3").rd);
        if (op31 === 0 && !sf) return `{ const p_ = Math.imul(${this.l(n)}, ${this.l(m)}); ${this.set(dd, `(${this.l(a)} ${o0 ? "-" : "+"} p_)`, "0")} }`;
        let prod: string;
        if (op31 === 0) prod = `const x_ = ${this.l(n)}, xh_ = ${this.h(n)}, y_ = ${this.l(m)}, yh_ = ${this.h(m)}; let pl_ = Math.imul(x_, y_), ph_ = (JX.mulhu(x_ >>> 0, y_ >>> 0) + Math.imul(xh_, y_) + Math.imul(x_, yh_)) | 0;`;
        else if ((op31 === 1 || op31 === 5) && sf) {
          prod = `const x_ = ${this.l(n)}, y_ = ${this.l(m)}; let pl_ = Math.imul(x_, y_), ph_ = ` +
            (op31 === 5 ? "JX.mulhu(x_ >>> 0, y_ >>> 0) | 0;" : "(JX.mulhu(x_ >>> 0, y_ >>> 0) - (x_ < 0 ? y_ : 0) - (y_ < 0 ? x_ : 0)) | 0;");
        } else return null;
        const neg = o0 ? "pl_ = ~pl_; ph_ = ~ph_; { const l_ = (pl_ >>> 0) + 1; pl_ = l_ | 0; if (l_ > 4294967295) ph_ = (ph_ + 1) | 0; }" : "";
        if (a === 31) return `{ ${prod} ${neg} ${this.set(dd, "pl_", "ph_")} }`;
        return `{ ${prod} ${neg} const s_ = (${this.l(a)} >>> 0) + (pl_ >>> 0); ${this.set(dd, "s_", `${this.h(a)} + ph_ + (s_ > 4294967295 ? 1 : 0)`)} }`;
      }
      case "HINT": return "";
      case "SYS": {
        const { op1, crn, crm, op2, rt } = F(d, "SYS");
        // dc zva: zero the 64-byte block holding the address (one page: 64 divides 4096), as the handler does.
        if (op1 === 3 && crn === 7 && crm === 4 && op2 === 1) {
          const fast = Array.from({ length: 16 }, (_v, j) => `tv_.setInt32(to_ + ${4 * j}, 0, true);`).join(" ");
          return `{ const mal_ = ${this.l(rt)} & -64, mah_ = ${this.h(rt)}; ${this.tlb(true, 64, fast)} }`;
        }
        // Cache maintenance (dc cvau/civac/cvac/cvap, ic ivau) is invisible here, as in the handler.
        if (op1 === 3 && crn === 7 && ((crm === 14 && op2 === 1) || (crm === 11 && op2 === 1) || (crm === 10 && op2 === 1) || (crm === 12 && op2 === 1) || (crm === 5 && op2 === 1))) return "";
        return null;
      }
      case "BARRIER": {
        const { crm, op2 } = F(d, "BARRIER");
        if (op2 === 2) return "cpu.exAddr = -1;";
        if (op2 === 4 || op2 === 5 || op2 === 6 || (op2 === 7 && crm === 0)) return "";
        return null;
      }
      // ---------------------------------------------------------- loads/stores (integer)
      case "LDST_UIMM": {
        const { size, V, opc, imm12 } = F(d, "LDST_UIMM");
        const acc = V ? this.vecAccess(size, opc, F(d, "LDST_UIMM").rt) : this.intAccess(size, opc, F(d, "LDST_UIMM").rt);
        if (acc === null) return null;
        if (acc === "") return "";
        const n = rs(F(d, "LDST_UIMM").rn);
        const scale = V && opc >= 2 ? 4 : size;
        return `{ ${this.ea(n, imm12 * 2 ** scale)} ${acc} }`;
      }
      case "LDST_IMM9": {
        const { size, V, opc, idx, imm } = F(d, "LDST_IMM9");
        if (V && idx === 2) return null;
        const prefetch = !V && size === 3 && opc === 2;
        if (prefetch && idx !== 0) return null;
        const acc = V ? this.vecAccess(size, opc, F(d, "LDST_IMM9").rt) : this.intAccess(size, opc, F(d, "LDST_IMM9").rt);
        if (acc === null) return null;
        const n = rs(F(d, "LDST_IMM9").rn);
        if (idx === 0 || idx === 2) return acc === "" ? "" : `{ ${this.ea(n, imm)} ${acc} }`;
        if (idx === 1) return `{ ${this.ea(n, 0)} ${acc} ${this.addImm(n, imm)} }`;
        return `{ ${this.ea(n, imm)} ${acc} ${this.setHalves(n)} }`;
      }
      case "LDST_REGOFF": {
        const { size, V, opc, option, S } = F(d, "LDST_REGOFF");
        if ((option & 2) === 0) return null;
        const acc = V ? this.vecAccess(size, opc, F(d, "LDST_REGOFF").rt) : this.intAccess(size, opc, F(d, "LDST_REGOFF").rt);
        if (acc === null) return null;
        if (acc === "") return "";
        const n = rs(F(d, "LDST_REGOFF").rn), m = F(d, "LDST_REGOFF").rm;
        const amt = S ? (V && opc >= 2 ? 4 : size) : 0;
        // base + (extended index << amt) modulo 2^64, added in halves: the interpreter's regOffsetAddress.
        const ilo = this.l(m), ihi = (option & 1) !== 0 ? this.h(m) : (option & 4) !== 0 ? `(${this.l(m)} >> 31)` : "0";
        const slo = amt === 0 ? ilo : `(${ilo} << ${amt})`;
        const shi = amt === 0 ? ihi : `((${ihi} << ${amt}) | (${ilo} >>> ${32 - amt}))`;
        const bl = this.l(n);
        return `{ const mal_ = (${bl} + ${slo}) | 0, mah_ = (${this.h(n)} + ${shi} + ((mal_ >>> 0) < (${bl} >>> 0) ? 1 : 0)) | 0; ${acc} }`;
      }
      case "LDR_LIT": {
        const { opc, V } = F(d, "LDR_LIT");
        if (V) return null;
        if (opc === 3) return "";
        const acc = this.intAccess(opc === 1 ? 3 : 2, opc === 2 ? 2 : 1, F(d, "LDR_LIT").rt);
        if (acc === null) return null;
        const [cl, ch] = halves(pc + F(d, "LDR_LIT").off);
        return `{ const mal_ = ${cl}, mah_ = ${ch}; ${acc} }`;
      }
      case "LDSTP": {
        const { opc, V, mode, L: load, imm } = F(d, "LDSTP");
        if (opc === 3 || (!V && opc === 1 && (!load || mode === 0))) return null;
        const bytes = V ? 4 << opc : opc === 2 ? 8 : 4;
        const off = imm * bytes, n = rs(F(d, "LDSTP").rn), t1 = F(d, "LDSTP").rt, t2 = F(d, "LDSTP").rt2;
        let acc: string;
        if (V) {
          // Both registers' words, the first's then the second's (the interpreter's order for ldp v, v).
          this.usesVec = true;
          const w = bytes / 4, regs = [t1, t2];
          if (load) {
            const names = Array.from({ length: 2 * w }, (_v, j) => `v${j}_`);
            const put = regs.map((t, r) => Array.from({ length: 4 }, (_v, j) => `VW[${t * 4 + j}] = ${j < w ? names[r * w + j] : "0"};`).join(" ")).join(" ");
            acc = `{ ${this.read32s(names)} ${put} }`;
          } else acc = this.write32s(regs.flatMap((t) => Array.from({ length: w }, (_v, j) => `VW[${t * 4 + j}]`)));
        } else if (bytes === 8) {
          acc = load
            ? `{ ${this.read32s(["p_", "q_", "r_", "s_"])} ${this.set(wz(t1), "p_", "q_")} ${this.set(wz(t2), "r_", "s_")} }`
            : this.write32s([this.l(t1), this.h(t1), this.l(t2), this.h(t2)]);
        } else {
          const sx = opc === 1;
          acc = load
            ? `{ ${this.read32s(["p_", "q_"])} p_ |= 0; q_ |= 0; ${this.set(wz(t1), "p_", sx ? "p_ >> 31" : "0")} ${this.set(wz(t2), "q_", sx ? "q_ >> 31" : "0")} }`
            : this.write32s([this.l(t1), this.l(t2)]);
        }
        if (mode === 0 || mode === 2) return `{ ${this.ea(n, off)} ${acc} }`;
        if (mode === 1) return `{ ${this.ea(n, 0)} ${acc} ${this.addImm(n, off)} }`;
        return `{ ${this.ea(n, off)} ${acc} ${this.setHalves(n)} }`;
      }
    }
    return null;
  }

  bitfield(f: FieldMap["BITFIELD"]): string | null {
    const { sf, opc, N, immr: r, imms: s } = f;
    if (opc === 3 || N !== sf || (!sf && (r >= 32 || s >= 32))) return null;
    const n = f.rn, d = wz(f.rd);
    if (!sf) {
      const v = this.l(n);
      if (opc === 2 && s === 31) return this.set(d, `(${v} >>> ${r})`, "0");
      if (opc === 0 && s === 31) return this.set(d, `(${v} >> ${r})`, "0");
      if (opc === 2 && s + 1 === r) return this.set(d, `(${v} << ${31 - s})`, "0");
      if (s >= r) {
        const w = s - r + 1;
        const m = w === 32 ? -1 : (1 << w) - 1;
        if (opc === 2) return this.set(d, `((${v} >>> ${r}) & ${m})`, "0");
        if (opc === 0) return this.set(d, `((${v} << ${32 - r - w}) >> ${32 - w})`, "0");
        return this.set(d, `((${this.l(d)} & ${~m}) | ((${v} >>> ${r}) & ${m}))`, "0");
      }
      const w = s + 1, lsb = 32 - r, m = w === 32 ? -1 : (1 << w) - 1;
      if (opc === 2) return this.set(d, `((${v} & ${m}) << ${lsb})`, "0");
      if (opc === 0) return this.set(d, `(((${v} << ${32 - w}) >> ${32 - w}) << ${lsb})`, "0");
      const dm = m << lsb;
      return this.set(d, `((${this.l(d)} & ${~dm}) | ((${v} << ${lsb}) & ${dm}))`, "0");
    }
    // 64-bit: field = (src >> r) or src, low w bits, sign-extended for sbfm, placed at lsb.
    const extract = s >= r;
    const w = extract ? s - r + 1 : s + 1;
    const lsb = extract ? 0 : 64 - r;
    let code = `const x_ = ${this.l(n)}, xh_ = ${this.h(n)};`;
    let [fl, fh] = extract ? lsrC("x_", "xh_", r) : ["x_", "xh_"];
    code += ` const f1_ = ${fl}, fh1_ = ${fh};`;
    if (opc === 0) {
      [fl, fh] = shlC("f1_", "fh1_", 64 - w);
      code += ` const f2_ = ${fl}, fh2_ = ${fh};`;
      [fl, fh] = asrC("f2_", "fh2_", 64 - w);
    } else {
      const ml = w >= 32 ? -1 : w === 0 ? 0 : -1 >>> (32 - w);
      const mh = w >= 64 ? -1 : w > 32 ? -1 >>> (64 - w) : 0;
      [fl, fh] = [`(f1_ & ${ml | 0})`, `(fh1_ & ${mh | 0})`];
    }
    code += ` const f3_ = ${fl}, fh3_ = ${fh};`;
    [fl, fh] = shlC("f3_", "fh3_", lsb);
    if (opc !== 1) return `{ ${code} ${this.set(d, fl, fh)} }`;
    // bfm: insert under the destination mask (the field's w bits moved to lsb).
    const wl = w >= 32 ? -1 : -1 >>> (32 - w), wh = w >= 64 ? -1 : w > 32 ? -1 >>> (64 - w) : 0;
    const big = BigInt.asUintN(64, ((BigInt(wh >>> 0) << 32n) | BigInt(wl >>> 0)) << BigInt(lsb));
    const dml = Number(big & 0xffffffffn) | 0, dmh = Number(big >> 32n) | 0;
    return `{ ${code} const g_ = ${fl}, gh_ = ${fh}; ${this.set(d, `((${this.l(d)} & ${~dml}) | (g_ & ${dml}))`, `((${this.h(d)} & ${~dmh}) | (gh_ & ${dmh}))`)} }`;
  }

  // ------------------------------------------------------------ control flow
  /**
   * Leave the function after `count` instructions of this block. Only constant assignments: a path V8 has
   * not run yet when it optimises the function then needs no type feedback, so taking it later (a loop's
   * exit, typically) does not deoptimise the function and send it back through the compiler.
   */
  leave(count: number): string {
    return `dn = ${count}; break run;`;
  }
  /** Go to constant address t: the region's block there when it fits, else leave with nx = t. */
  exitTo(t: number): string {
    const j = this.index.get(t);
    if (j === undefined) return `{ nx = ${t}; ${this.leave(this.n)} }`;
    const nj = this.blocks[j]!.hs.length;
    // A self-loop continues its own host loop; another block of the region is a `break` to its label (structured)
    // or goes through the dispatch switch. The budget check is inline with constants (a shared one indexed by
    // block measured 30% slower on a two-block loop); block validity is in `loopOk` (RECHECK). An edge V8 has
    // not seen taken when it optimises costs one deoptimisation, its exit none (see `leave`).
    if (this.structured) {
      // Constant assignments and a jump only: the budget check is shared at the target (`enter`), so a branch
      // first taken after V8 optimised the function needs no feedback of its own (no deoptimisation).
      if (j === 0) return `{ dn = ${this.n}; break head; }`;
      if (j === this.bi) { this.selfEdge = true; return `{ dn = ${this.n}; continue b${j}; }`; }
      if (j > this.bi) return `{ dn = ${this.n}; break L${j}; }`;
      // A backward branch the structured form cannot express (a bl into the region, which `successors` does
      // not follow): leave the function, the run loop goes on there.
      return `{ nx = ${t}; ${this.leave(this.n)} }`;
    }
    const go = j === this.bi ? `continue b${j};` : `bi = ${j}; continue run;`;
    return `{ if (loopOk && done + ${this.n + nj} <= left) { done += ${this.n}; ${go} } nx = ${t}; ${this.leave(this.n)} }`;
  }

  /** Code for a block-ending branch, or null to run its handler. */
  branch(d: Decoded, pc: number): string | null {
    const next = pc + 4;
    switch (d.row.name) {
      case "B": {
        const t = branchTarget(pc, F(d, "B").off);
        if (!F(d, "B").op) return this.exitTo(t);
        const [rl, rh] = halves(next);
        return `${this.set(30, `${rl}`, `${rh}`)} ${this.exitTo(t)}`;
      }
      case "B_COND": {
        const [pre, c] = this.cond(F(d, "B_COND").cond);
        return `${pre} if (${c}) ${this.exitTo(branchTarget(pc, F(d, "B_COND").off))} ${this.exitTo(next)}`;
      }
      case "CBZ": {
        const r = F(d, "CBZ").rt;
        const z = F(d, "CBZ").sf ? `((${this.l(r)} | ${this.h(r)}) === 0)` : `(${this.l(r)} === 0)`;
        return `if (${F(d, "CBZ").op ? "!" : ""}${z}) ${this.exitTo(branchTarget(pc, F(d, "CBZ").off))} ${this.exitTo(next)}`;
      }
      case "TBZ": {
        const r = F(d, "TBZ").rt, bit = F(d, "TBZ").bit;
        const v = bit >= 32 ? this.h(r) : this.l(r);
        return `if ((${v} & ${1 << (bit & 31)}) ${F(d, "TBZ").op ? "!==" : "==="} 0) ${this.exitTo(branchTarget(pc, F(d, "TBZ").off))} ${this.exitTo(next)}`;
      }
      case "BR": {
        if (F(d, "BR").opc === 3) return null;
        const n = F(d, "BR").rn;
        const [rl, rh] = halves(next);
        const link = F(d, "BR").opc === 1 ? this.set(30, `${rl}`, `${rh}`) : "";
        return `{ const t_ = ${this.addr(n)}; ${link} if ((t_ & 3) !== 0) cpu.pendingTrap = { kind: "alignment", pc: t_, addr: t_ }; nx = t_; ${this.leave(this.n)} }`;
      }
      case "SVC":
        return `cpu.pendingTrap = { kind: "syscall", pc: ${pc} }; nx = ${next}; ${this.leave(this.n)}`;
    }
    return null;
  }

  /** Run instruction k's interpreter handler, syncing the state it can see. */
  inline(d: Decoded | undefined, k: number, last: boolean): string {
    const name = d?.row.name ?? "";
    const h = `h${this.bi}_${k}`;
    this.consts.push(`${h} = B[${this.bi}].hs[${k}]`);
    let wb = "", load = "";
    if (d && !VECTOR_ONLY(name)) {
      const f = d.f as Readonly<Record<string, number>>;
      const slots = new Set<number>();
      for (const fn of REG_FIELDS) {
        const v = f[fn];
        if (v === undefined) continue;
        if (v < 31) slots.add(v);
        else slots.add(SP_SLOT);
      }
      if (name === "B" || name === "BR") slots.add(30);
      for (const s of [...slots].sort((a, b) => a - b)) {
        this.used.add(s);
        wb += `L[${s}] = l${s}; H[${s}] = h${s}; `;
        load += `l${s} = L[${s}]; h${s} = H[${s}]; `;
      }
    } else if (!d) {
      // Unallocated: the handler only traps.
    }
    if (FLAG_ROWS.has(name)) {
      this.usesFlags = true;
      wb += Gen.WBF;
      load += Gen.LOADF;
      this.known = K_NZCV;
    }
    const pc = this.pc;
    // A trap leaves through the common epilogue: nx = -1 keeps the PC the handler set (an instruction that
    // retired), else the trap is at this instruction.
    const trap = `if (r_ < 0) { if (r_ === -2) { nx = ${pc}; dn = ${k}; } else { nx = -1; dn = ${k + 1}; } break run; }`;
    const call = `{ ${this.mayFault()} ${wb} const r_ = ${h}(); ${load} ${RECHECK} ${trap}`;
    if (!last) return `${call} }`;
    // The handler ends the block: its return value is the next PC.
    return `${call} nx = r_; ${this.leave(this.n)} }`;
  }

  block(bi: number): string {
    const b = this.blocks[bi]!;
    this.bi = bi;
    this.selfEdge = false;
    this.known = null;
    this.n = b.hs.length;
    const parts: string[] = [];
    for (let k = 0; k < this.n; k++) {
      this.k = k;
      const pc = (this.pc = b.start + 4 * k);
      const d = decode(b.ws[k]!);
      const last = k === this.n - 1;
      let code: string | null = null;
      if (d) {
        code = last ? this.branch(d, pc) : null;
        if (code === null) {
          code = this.emit(d, pc);
          if (code !== null && last) code += ` ${this.exitTo(pc + 4)}`;
        }
      }
      if (code === null) {
        code = this.inline(d, k, last);
        this.inlined++;
      } else this.native++;
      parts.push(`/* ${pc.toString(16)} ${d?.row.name ?? "?"} */ ${code}`);
    }
    if (!this.structured) return `case ${bi}: b${bi}: for (;;) {\n${parts.join("\n")}\n}`;
    // Structured: block bi's code follows the label L<bi> that forward branches to it break out of, after the
    // shared check of every branch into it (block 0's is at the end of the host loop).
    if (bi === 0) return parts.join("\n");
    const body = `${this.enter(bi)}\n${parts.join("\n")}`;
    return `}\n${this.selfEdge ? `b${bi}: for (;;) {\n${body}\n}` : body}`;
  }
  /**
   * A branch into block j of a structured region arrives with its source block's length in `dn`: count it, and
   * go on only while the region may loop and the whole block j fits in the budget, else leave at block j.
   */
  enter(j: number): string {
    return `done += dn; if (!loopOk || done + ${this.blocks[j]!.hs.length} > left) { nx = ${this.blocks[j]!.start}; dn = 0; break run; }`;
  }
  /** Whether the block being emitted branches to itself (it then runs in its own host loop). */
  selfEdge = false;

  source(): string {
    const cases: string[] = [];
    for (let bi = 0; bi < this.blocks.length; bi++) cases.push(this.block(bi));
    const regs = [...this.used].sort((a, b) => a - b);
    const written = [...this.written].sort((a, b) => a - b);
    const F = this.usesFlags;
    const wbRegs = written.map((r) => `L[${r}] = l${r}; H[${r}] = h${r};`).join(" ");
    const wbAll = wbRegs + (F ? ` ${Gen.WBF}` : "");
    const labels = this.structured ? Array.from({ length: this.blocks.length - 1 }, (_v, j) => `L${this.blocks.length - 1 - j}: {`).join(" ") : "";
    const body = (this.structured ? `${labels}\n${cases.join("\n")}` : `switch (bi) {\n${cases.join("\n")}\n}`);
    const decl = regs.map((r) => `let l${r} = L[${r}], h${r} = H[${r}];`).join(" ");
    const fdecl = F ? "let fk = 0, fa = 0, fah = 0, fb = 0, fbh = 0, fr = 0, frh = 0, fN = cpu.fN, fZ = cpu.fZ, fC = cpu.fC, fV = cpu.fV;" : "";
    const consts = this.consts.length > 0 ? `const ${this.consts.join(", ")};` : "";
    return `${consts}
return function region_${this.blocks[0]!.start.toString(16)}(cpu, left, loopOk) {
  let done = 0;
  // left < 0: a spin call (cpu.ts, warm-up): -left turns of an empty loop, no effect. V8 optimises a function
  // after it has run enough of its bytecode; this loop's bytecode is the cheapest to run.
  if (left < 0) while (left < 0) left++;
  else {
  const L = cpu.L, H = cpu.H, mem = cpu.mem;${this.usesTlb ? "\n  const RT = mem.readTlb.tag, RV = mem.readTlb.view, WT = mem.writeTlb.tag, WV = mem.writeTlb.view;" : ""}${this.sites > 0 ? `\n  let ${Array.from({ length: this.sites }, (_v, j) => `c${j}l_ = -1, c${j}h_ = 0, c${j}v_ = JX.noView`).join(", ")};` : ""}${this.usesVec ? "\n  const VW = cpu.vw, VH = cpu.vh, VB = cpu.vb;" : ""}
  ${decl}
  ${fdecl}
  if (loopOk) loopOk = JX.valid(B);
  let nx = 0, dn = 0${this.structured ? "" : ", bi = 0"};${this.usesCmp ? " let t_ = false, u_ = false;" : ""}
  ${this.inlined > 0 ? `let k = 0, caught = null;${this.structured ? " let bi = 0;" : ""}
  try {` : "{"}
    run: for (;;) {
${this.structured ? `head: {\n${body}\n}\n${this.enter(0)}` : body}
    }
  ${this.inlined > 0 ? `} catch (e) {
    caught = e;
  }` : "}"}
  // One write-back for every way out (a smaller function: less for V8 to interpret and to compile).
  ${wbAll}${this.inlined > 0 ? `
  // Only the interpreter handlers called in place can throw (inline accesses leave on a TLB miss): no try/catch
  // without them, a smaller function for V8.
  if (caught !== null) {
    if (!(caught instanceof JX.Fault)) throw caught;
    const pc = B[bi].start + 4 * k;
    cpu.pc = pc;
    cpu.pendingTrap = { kind: "page-fault", pc, addr: caught.addr, access: caught.access, reason: caught.reason };
    return done + k;
  }` : ""}
  done += dn;
  ${this.inlined > 0 ? "if (nx >= 0) cpu.pc = nx;" : "cpu.pc = nx;"}
  }
  return done;
};`;
  }
}

/** Constant successors of a block (branch targets and fall-through), for growing a region. */
export function successors(b: RegionBlock): number[] {
  const last = b.ws.length - 1;
  const pc = b.start + 4 * last;
  const d = decode(b.ws[last]!);
  if (!d) return [];
  switch (d.row.name) {
    case "B": return F(d, "B").op ? [] : [branchTarget(pc, F(d, "B").off)];
    case "B_COND": case "CBZ": case "TBZ": return [branchTarget(pc, (d.f as { readonly off: number }).off), pc + 4];
    case "BR": case "SVC": case "BRK": case "UDF": return [];
    default: return [pc + 4];
  }
}

/**
 * Translate a region: `blocks[0]` is the entry, the others blocks it reaches by constant branches.
 * Undefined when most of its instructions would only call their handlers (FP/SIMD-heavy code): V8's
 * compile time would then buy nothing over the interpreter.
 */
export function translate(blocks: readonly RegionBlock[]): { fn: RegionFn; source: string } | undefined {
  const g = new Gen(blocks);
  const source = g.source();
  if (g.inlined > g.native) return undefined;
  const fn = new Function("B", "JX", source)(blocks, JX) as RegionFn;
  return { fn, source };
}
