/**
 * The translating tier: a hot decoded block becomes one JavaScript function (compiled by V8 through
 * `new Function`), with the guest registers it touches held in locals for the whole block, the lazy-flag
 * record held in locals (written back to the CPU only when the block leaves), memory accesses probing the
 * memory's read / write TLB inline (GuestMemory.readTlb, writeTlb: the page's bytes directly on a hit, the
 * accessors on a miss, a page crossing, a fault or a store to a page holding decoded code), and a block that
 * branches back to its own start run as a host loop.
 *
 * Instructions without a translation here run their interpreter handler inline (registers and flags are
 * written back before and reloaded after), so any block can be translated and both tiers share every
 * instruction's semantics where no translation exists.
 *
 * The contract with the run loop (cpu.ts) keeps the interpreter's observable behaviour:
 * - the function runs only when the whole block fits in the budget, and loops only while another whole
 *   iteration does, the block is still valid (self-modifying code), the exec watch does not cover its start and the
 *   leave watch's range, if any, holds the whole region;
 * - it returns the instructions retired; when an inline handler set `cpu.pending` the count excludes that
 *   instruction, as in the interpreter;
 * - a translated instruction performs all its memory accesses before it changes any register or flag, so
 *   when an access throws, the locals hold the state before the instruction: the catch writes them back
 *   and records the faulting instruction's address and the retired count (`jitPc`, `jitRetired`) for the
 *   run loop, which then reports the fault exactly as the interpreter does.
 */
import { tlbSlot, tlbSlotSource, type GuestMemory } from "@uabi/isa-core";
import { BASE_RIP, P_LOCK, type Insn } from "./decode.js";
import { FL_ADD, FL_DEC, FL_IMUL, FL_INC, FL_LOGIC, FL_RES, FL_SUB, formOf, PARITY, TrapSignal } from "./registry.js";
import { CC, F_SSE } from "./tables.js";
import type { X86Cpu } from "./cpu.js";

/** The inline probes' TLB slot for page number tp_ (the memory's own index: they cannot disagree). */
const TLB_SLOT = tlbSlotSource("tp_");
/**
 * The slot for an address in int32 halves mal_, mah_: when the index depends only on the page number's low 20
 * bits (those inside the low word, as with the plain mask), an int32 operation on the low word.
 */
const TLB_SLOT_HALVES = [0x12345, 2 ** 40 + 0x3ff, 0xf_ffff_ffff, 2 ** 51 + 0x54321].every((pn) => tlbSlot(pn) === tlbSlot(pn % 1048576))
  ? tlbSlotSource("pl_")
  : TLB_SLOT;

/**
 * An address as int32 halves: `pre` defines `mal_`, `mah_` (the sum modulo 2^64), `dbl` is cpu.ea's double for
 * the slow path (the same value wherever the fast path can hit: a user page).
 */
interface Halves {
  pre: string;
  dbl: string;
}

/**
 * A translated region: runs from its entry block through the region's blocks (self-loops and branches between
 * them stay in the function while the budget `left` allows another whole block, the target block is valid and
 * `loopOk`; back at the entry also while `cap` does), returns instructions retired. `slow`: every memory access
 * through the accessors (a warm-up call).
 */
export type BlockFn = (cpu: X86Cpu, left: number, loopOk: boolean, slow: boolean, cap: number) => number;

/** What the translator needs of a decoded block (cpu.ts's Block). */
export interface RegionBlock {
  readonly insns: Insn[];
  valid: boolean;
}

const TWO32 = 4294967296;
/** An operand expression used in place (a local or an integer literal). */
const SIMPLE = /^(?:-?\d+|[a-z]\w*)$/;
/** `x >>> 0`, folded for a literal. */
const u32 = (x: string): string => (/^-?\d+$/.test(x) ? `${Number(x) >>> 0}` : `(${x} >>> 0)`);
/** The flag and register locals are int32 (never boxed when V8 tags them); `U` reads one as unsigned. */
const U = (v: string) => `(${v} >>> 0)`;
/**
 * 64-bit comparisons of int32 halves with both halves' comparisons always evaluated (into the locals t_, u_) and
 * the choice made on the high halves' equality: a short-circuit (`hi < hi' || (hi === hi' && lo < lo')`) leaves an
 * operation V8 may first reach only after optimising the region, which then deoptimises for lack of type feedback.
 */
const cmp64 = (lo: string, hi: string, ah: string, bh: string) => `(t_ = ${lo}, u_ = ${hi}, ${ah} === ${bh} ? t_ : u_)`;
const LT64: Record<"ltu" | "leu" | "lts" | "les", (a: string, ah: string, b: string, bh: string) => string> = {
  ltu: (a, ah, b, bh) => cmp64(`${U(a)} < ${U(b)}`, `${U(ah)} < ${U(bh)}`, ah, bh),
  leu: (a, ah, b, bh) => cmp64(`${U(a)} <= ${U(b)}`, `${U(ah)} < ${U(bh)}`, ah, bh),
  lts: (a, ah, b, bh) => cmp64(`${U(a)} < ${U(b)}`, `${ah} < ${bh}`, ah, bh),
  les: (a, ah, b, bh) => cmp64(`${U(a)} <= ${U(b)}`, `${ah} < ${bh}`, ah, bh),
};

/** Unsigned high 32 bits of a 32×32 product (16-bit limbs: every partial product is exact in a double). */
function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** Helpers the generated code calls (small enough for V8 to inline). */
export const JX = {
  /** High half of the last mul64. */
  hi: 0,
  /** A warm-up call's TLB tags (no page matches NaN: every access takes the accessors), sized on first use. */
  NOTAG: new Float64Array(0),
  /** The page memo's initial bytes and view (of no page: the memo's page number matches no address first). */
  NOPAGE: new Uint8Array(4096),
  NOVIEW: new DataView(new ArrayBuffer(4096)),
  P: PARITY,
  /** Low 64 bits of a 64×64 product (the same modulo 2^64 signed or unsigned); high half in JX.hi. */
  mul64(a: number, ah: number, b: number, bh: number): number {
    JX.hi = (mulhu(a, b) + Math.imul(a, bh) + Math.imul(ah, b)) | 0;
    return Math.imul(a, b);
  },
  /** cpu.ea's sum for base + index·s + disp when the double sum is not exact (cpu.addrSum on limbs). */
  eaWrap(lb: number, hb: number, lx: number, hx: number, s: number, disp: number): number {
    let lo = disp + (lx >>> 0) * s + (lb >>> 0);
    const hi = hx * s + hb;
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    return ((hi + carry) | 0) * TWO32 + lo;
  },
  /** pcmpeqb on one 32-bit lane: 0xff in each byte where a and b agree. */
  eqb(a: number, b: number): number {
    const t = a ^ b;
    return ((t & 0xff) === 0 ? 0xff : 0) | ((t & 0xff00) === 0 ? 0xff00 : 0) | ((t & 0xff0000) === 0 ? 0xff0000 : 0) | ((t & 0xff000000) === 0 ? 0xff000000 : 0);
  },
  /** pmovmskb: the top bit of each of the 16 bytes. */
  mskb(x0: number, x1: number, x2: number, x3: number): number {
    return JX.msk4(x0) | (JX.msk4(x1) << 4) | (JX.msk4(x2) << 8) | (JX.msk4(x3) << 12);
  },
  /** An m128 load from a page's DataView into JX.q, and a store to it (the TLB's fast path). */
  r128(v: DataView, o: number): void {
    const q = JX.q;
    q[0] = v.getInt32(o, true);
    q[1] = v.getInt32(o + 4, true);
    q[2] = v.getInt32(o + 8, true);
    q[3] = v.getInt32(o + 12, true);
  },
  w128(v: DataView, o: number, x0: number, x1: number, x2: number, x3: number): void {
    v.setInt32(o, x0, true);
    v.setInt32(o + 4, x1, true);
    v.setInt32(o + 8, x2, true);
    v.setInt32(o + 12, x3, true);
  },
  /** An m128 load off the TLB's fast path into JX.q (ops-sse.ts loadW: a page-crossing operand probes both pages first). */
  q: new Int32Array(4),
  ld128(mem: GuestMemory, a: number): void {
    if ((a & 4095) > 4080) {
      mem.read8(a);
      mem.read8(a - (a & 4095) + 4096);
    }
    const q = JX.q;
    q[0] = mem.read32(a);
    q[1] = mem.read32(a + 4);
    q[2] = mem.read32(a + 8);
    q[3] = mem.read32(a + 12);
  },
  /** An m128 store off the fast path (ops-sse.ts store128: a page-crossing store checks both pages first, all or nothing). */
  st128(mem: GuestMemory, a: number, x0: number, x1: number, x2: number, x3: number): void {
    if ((a & 4095) > 4080) mem.checkWritable(a, 16);
    mem.write32(a, x0);
    mem.write32(a + 4, x1);
    mem.write32(a + 8, x2);
    mem.write32(a + 12, x3);
  },
  /** The alignment trap of a misaligned legacy m128 operand (the run loop reports it at the instruction). */
  align(pc: number, addr: number): never {
    throw new TrapSignal({ kind: "alignment", pc, addr });
  },
  msk4(x: number): number {
    return ((x >>> 7) & 1) | ((x >>> 14) & 2) | ((x >>> 21) & 4) | ((x >>> 28) & 8);
  },
  /** Store the flag locals into the CPU (before an inline handler, a generic condition, or leaving). */
  wbf(c: X86Cpu, fop: number, fsz: number, fd: number, fdh: number, fs: number, fsh: number, fr: number, frh: number, fcin: number): void {
    // The CPU's record holds unsigned halves (its compares read them so).
    c.fop = fop;
    c.fsz = fsz;
    c.fd = fd >>> 0;
    c.fdh = fdh >>> 0;
    c.fs = fs >>> 0;
    c.fsh = fsh >>> 0;
    c.fr = fr >>> 0;
    c.frh = frh >>> 0;
    c.fcin = fcin;
  },
};

/** Instruction keys this translator emits code for (everything else runs its handler inline). */
const ALU: Record<string, number> = { add: 0, or: 1, and: 4, sub: 5, xor: 6, cmp: 7, test: 8 };
const SHIFT: Record<string, number> = { shl: 4, shr: 5, sar: 7 };

/** SSE lane-wise logic translated on 32-bit lanes (d: destination lane, w: source lane), by table key. */
const SSE_LANES: Record<string, (d: string, w: string) => string> = {
  pxor: (d, w) => `${d} ^ ${w}`,
  por: (d, w) => `${d} | ${w}`,
  pand: (d, w) => `${d} & ${w}`,
  pandn: (d, w) => `~${d} & ${w}`,
  pcmpeqb: (d, w) => `JX.eqb(${d}, ${w})`,
  pcmpeqd: (d, w) => `(${d} === ${w} ? -1 : 0)`,
};
/** m128 operands that may be misaligned (ops-sse.ts UNALIGNED_OK); every other legacy SSE m128 operand traps. */
const SSE_UNALIGNED = new Set(["movups", "movupd", "movdqu"]);

/**
 * A cmp/test of registers and immediates whose flag record may stay pending: instead of nine assignments per
 * execution the setter assigns `fp_ = id`, its block's conditions read the operands' registers directly, and every
 * observer of the record (an exit, the catch, an inline handler, a generic condition) stores it into the CPU from
 * the registers (the region's `M_`) in place of the flag locals. Valid while those registers keep their values until
 * the next setter, in the setter's block and in every in-region successor (checked once every block is emitted);
 * otherwise the setter writes the record.
 */
interface Pending {
  id: number;
  /** The setter's placeholder, block, the registers its fields read, and the fields (name → expression). */
  key: string;
  bi: number;
  regs: Set<number>;
  fields: Map<string, string>;
  /** False once a register it reads is written before the next setter in its own block. */
  ok: boolean;
}

interface Known {
  op: number;
  sz: number;
}

class Gen {
  readonly used = new Set<number>();
  readonly written = new Set<number>();
  usesFlags = false;
  /** The flag-setting instruction last translated in this block (null: the CPU's own record, unknown here). */
  known: Known | null = null;
  k = 0;
  /** The block being emitted: its index in the region, instructions and start. */
  bi = 0;
  insns: Insn[] = [];
  start = 0;
  /** Index of the first flag-setting instruction of this block (-1: none yet) and whether flags are read before it. */
  firstSet = -1;
  liveIn = false;
  /** Names of the handlers run inline, and their instructions. */
  readonly inlined: string[] = [];
  /** Region block index by start address. */
  readonly index = new Map<number, number>();

  /**
   * Whether every branch between the region's blocks goes to a later block, to the entry or to the block itself
   * (see `order`): the blocks are then nested labelled statements, a forward branch a `break` out of the label
   * that ends just before its target and a branch to the entry the host loop's `continue`, so a transition is a
   * jump instead of a dispatch on a block number through a `switch`.
   */
  readonly structured: boolean;

  constructor(readonly blocks: readonly RegionBlock[], structured: boolean) {
    blocks.forEach((b, j) => this.index.set(b.insns[0]!.addr, j));
    this.structured = structured;
  }

  // --------------------------------------------------------------- registers

  /** Register r written by the instruction being emitted (a pending flag record reading it can no longer stay pending). */
  markWrite(r: number): void {
    this.written.add(r);
    this.insWrites.add(r);
    const p = this.knownPend;
    if (p !== null && p.regs.has(r)) {
      p.ok = false;
      this.knownPend = null;
    }
  }
  l(r: number): string {
    this.used.add(r);
    return `l${r}`;
  }
  h(r: number): string {
    this.used.add(r);
    return `h${r}`;
  }
  /** Register read as [lo int32, hi int32] at size sz (8-bit uses the byte-register number rb). */
  rdReg(sz: number, r: number, rb: number): [string, string] {
    switch (sz) {
      case 64: return [this.l(r), this.h(r)];
      case 32: return [this.l(r), "0"];
      case 16: return [`(${this.l(r)} & 0xffff)`, "0"];
      default: return rb < 16 ? [`(${this.l(rb)} & 0xff)`, "0"] : [`((${this.l(rb - 16)} >> 8) & 0xff)`, "0"];
    }
  }
  wrReg(sz: number, r: number, rb: number, lo: string, hi: string): string {
    switch (sz) {
      case 64:
        this.markWrite(r);
        return `${this.l(r)} = ${lo} | 0; ${this.h(r)} = ${hi} | 0;`;
      case 32:
        this.markWrite(r);
        return `${this.l(r)} = ${lo} | 0; ${this.h(r)} = 0;`;
      case 16:
        this.markWrite(r);
        return `${this.l(r)} = (${this.l(r)} & ~0xffff) | (${lo} & 0xffff);`;
      default:
        if (rb < 16) {
          this.markWrite(rb);
          return `${this.l(rb)} = (${this.l(rb)} & ~0xff) | (${lo} & 0xff);`;
        }
        this.markWrite(rb - 16);
        return `${this.l(rb - 16)} = (${this.l(rb - 16)} & ~0xff00) | ((${lo} & 0xff) << 8);`;
    }
  }

  // ------------------------------------------------------------------ memory

  /** The effective address expression (cpu.ea's arithmetic), or null for shapes left to the interpreter. */
  ea(i: Insn): string | null {
    if (i.asz !== 64) return null;
    const b = i.base;
    const x = i.index;
    let a: string;
    if (x >= 0) {
      if (b === BASE_RIP) return null;
      const s = 1 << i.scale;
      const lb = b >= 0 ? this.l(b) : "0";
      const hb = b >= 0 ? this.h(b) : "0";
      const lx = this.l(x);
      const hx = this.h(x);
      // cpu.ea sums the limbs as a double when that is exact, else modulo 2^64 on limbs (JX.eaWrap, which
      // equals the double sum whenever that is exact): zero high halves take the short sum.
      const scaled = s === 1 ? `(${lx} >>> 0)` : `(${lx} >>> 0) * ${s}`;
      // Zero terms are left out (adding 0 changes no sum).
      const sum = [i.disp !== 0 ? `${i.disp}` : "", scaled, b >= 0 ? `(${lb} >>> 0)` : ""].filter((t) => t !== "").join(" + ");
      a = `((${hx} | ${hb}) === 0 ? ${sum} : JX.eaWrap(${lb}, ${hb}, ${lx}, ${hx}, ${s}, ${i.disp}))`;
    } else if (b < 0) a = `${i.disp}`;
    else if (b === BASE_RIP) a = `${i.next + i.disp}`;
    else a = `(${this.h(b)} * ${TWO32} + (${this.l(b)} >>> 0)${i.disp !== 0 ? ` + ${i.disp}` : ""})`;
    if (i.seg === 4) a = `(${a} + cpu.fsBase)`;
    else if (i.seg === 5) a = `(${a} + cpu.gsBaseNum)`;
    else if (i.seg !== 0) return null;
    return a;
  }
  /** Whether the region reads or writes memory inline (its prologue then loads the TLB arrays). */
  usesTlb = false;
  /** Whether the region's halves-form accesses read (write) through the page memo (its prologue declares it). */
  memoR = false;
  memoW = false;
  /**
   * The inline TLB fast path for an access of `span` bytes at address `a`: `fast` (with the page's bytes or
   * DataView in `tv_` and the offset in `to_`) when the read (write) TLB maps the page and the span stays in it,
   * else `slow` with the address in `ta_` (the accessors: faults, TLB fills, self-modifying code, page crossings).
   * A warm-up call (`slow`, see cpu.ts run) probes an all-NaN tag array, so every access takes the accessors
   * with no per-access test of the flag.
   */
  tlb(write: boolean, a: string | Halves, span: number, fast: string, slow: string): string {
    this.usesTlb = true;
    // Byte accesses index the page's Uint8Array (an element access, no DataView method call in the lower tiers).
    const [T, V] = write ? ["WT", span === 1 ? "WB" : "WV"] : ["RT", span === 1 ? "RB" : "RV"];
    const inPage = span === 1 ? "" : ` && to_ <= ${4096 - span}`;
    // A store off the fast path may hit a page holding decoded code (the write TLB never maps one): the blocks'
    // validity is read from then on (iv_).
    if (write) slow += " iv_ = 1;";
    if (typeof a === "string") return `{ const ta_ = ${a}; const to_ = ta_ & 4095, tp_ = Math.floor(ta_ / 4096), ts_ = ${TLB_SLOT}; if (${T}[ts_] === tp_${inPage}) { const tv_ = ${V}[ts_]; ${fast} } else { ${slow} } }`;
    // Halves (defined before, by a.pre): the page number without a floating-point division, the double address
    // only on the slow path. The page last hit this call (its number as halves, bytes and view in the memo locals
    // m<r|w>l_, m<r|w>h_, m<r|w>b_, m<r|w>v_) is used without probing the TLB: a page the TLB held when the call
    // hit it stays mapped with the same permissions, storage and code-page state until the call returns (only
    // map, unmap, protect, a decoder marking a code page or the kernel's page refresh change those, none of
    // which runs inside a call; the memo is dropped after an inline handler all the same).
    const m = write ? "mw" : "mr";
    if (write) this.memoW = true;
    else this.memoR = true;
    const mv = span === 1 ? `${m}b_` : `${m}v_`;
    return `{ const to_ = mal_ & 4095, pl_ = mal_ >>> 12; if (pl_ === ${m}l_ && mah_ === ${m}h_${inPage}) { const tv_ = ${mv}; ${fast} } else { const tp_ = (mah_ >>> 0) * 1048576 + pl_, ts_ = ${TLB_SLOT_HALVES}; if (${T}[ts_] === tp_${inPage}) { ${m}l_ = pl_; ${m}h_ = mah_; ${m}b_ = ${T[0]}B[ts_]; ${m}v_ = ${T[0]}V[ts_]; const tv_ = ${mv}; ${fast} } else { const ta_ = ${a.dbl}; ${slow} } } }`;
  }
  /**
   * The E operand's address as halves (64-bit addressing without a segment base), or null. cpu.ea's value is the
   * sum modulo 2^64 read as signed for an index form; for base + disp it is the double sum, which differs from
   * that only for a base of magnitude ≥ 2^53, outside user space either way (the slow path then uses cpu.ea's).
   */
  halves(i: Insn): Halves | null {
    if (i.asz !== 64 || i.seg !== 0) return null;
    const b = i.base;
    const x = i.index;
    const d = i.disp;
    const dh = d < 0 ? -1 : 0;
    // a (lo, hi) + (bl, bh) into (rl, rh), with the carry out of the low words.
    const add = (rl: string, rh: string, al: string, ah: string, bl: string, bh: string) =>
      `const ${rl} = (${al} + ${bl}) | 0, ${rh} = (${ah} + ${bh} + ((${rl} >>> 0) < (${al} >>> 0) ? 1 : 0)) | 0;`;
    if (x < 0) {
      if (b === BASE_RIP || b < 0) {
        const a = b === BASE_RIP ? i.next + d : d;
        const hi = Math.floor(a / TWO32);
        return { pre: `const mal_ = ${(a - hi * TWO32) | 0}, mah_ = ${hi | 0};`, dbl: `${a}` };
      }
      const dbl = `(${this.h(b)} * ${TWO32} + (${this.l(b)} >>> 0)${d !== 0 ? ` + ${d}` : ""})`;
      if (d === 0) return { pre: `const mal_ = ${this.l(b)}, mah_ = ${this.h(b)};`, dbl };
      return { pre: add("mal_", "mah_", this.l(b), this.h(b), `${d}`, `${dh}`), dbl };
    }
    if (b === BASE_RIP) return null;
    const s = i.scale;
    let pre = "";
    let [xl, xh] = [this.l(x), this.h(x)];
    if (s !== 0) {
      pre += `const xl_ = ${xl} << ${s}, xh_ = (${xh} << ${s}) | (${xl} >>> ${32 - s});`;
      [xl, xh] = ["xl_", "xh_"];
    }
    let [sl, sh] = [xl, xh];
    if (b >= 0) {
      const [rl, rh] = d === 0 ? ["mal_", "mah_"] : ["sl_", "sh_"];
      pre += add(rl, rh, this.l(b), this.h(b), xl, xh);
      [sl, sh] = [rl, rh];
    }
    if (d !== 0) pre += add("mal_", "mah_", sl, sh, `${d}`, `${dh}`);
    else if (sl !== "mal_") pre += `const mal_ = ${sl}, mah_ = ${sh};`;
    return { pre, dbl: `(mah_ * ${TWO32} + (mal_ >>> 0))` };
  }
  /** The address of the E operand last read by rdE (for a read-modify-write's store). */
  lastAddr: string | Halves = "ea";
  /** Statements reading size sz at address variable `a` into `v` (and `vh`). */
  rdMem(sz: number, a: string | Halves, v: string, vh: string): string {
    switch (sz) {
      case 64: return `let ${v} = 0, ${vh} = 0; ${this.tlb(false, a, 8, `${v} = tv_.getInt32(to_, true); ${vh} = tv_.getInt32(to_ + 4, true);`, `${v} = cpu.rdMem(ta_, 64) | 0; ${vh} = cpu.vh | 0;`)}`;
      case 32: return `let ${v} = 0; const ${vh} = 0; ${this.tlb(false, a, 4, `${v} = tv_.getInt32(to_, true);`, `${v} = mem.read32(ta_) | 0;`)}`;
      case 16: return `let ${v} = 0; const ${vh} = 0; ${this.tlb(false, a, 2, `${v} = tv_.getUint16(to_, true);`, `${v} = mem.read16(ta_);`)}`;
      default: return `let ${v} = 0; const ${vh} = 0; ${this.tlb(false, a, 1, `${v} = tv_[to_];`, `${v} = mem.read8(ta_);`)}`;
    }
  }
  wrMem(sz: number, a: string | Halves, v: string, vh: string): string {
    switch (sz) {
      case 64: return this.tlb(true, a, 8, `tv_.setInt32(to_, ${v}, true); tv_.setInt32(to_ + 4, ${vh}, true);`, `cpu.wrMem(ta_, 64, ${v} >>> 0, ${vh} >>> 0);`);
      case 32: return this.tlb(true, a, 4, `tv_.setInt32(to_, ${v}, true);`, `mem.write32(ta_, ${v});`);
      case 16: return this.tlb(true, a, 2, `tv_.setUint16(to_, ${v} & 0xffff, true);`, `mem.write16(ta_, ${v} & 0xffff);`);
      default: return this.tlb(true, a, 1, `tv_[to_] = ${v};`, `mem.write8(ta_, ${v} & 0xff);`);
    }
  }

  /** Mark the current instruction as one that may throw (the catch needs its index). */
  mayFault(): string {
    this.fFaults[this.k] = true;
    // A structured region has no dispatch variable: the catch learns the block from `bi` set here.
    return this.structured ? `k = ${this.k}; bi = ${this.bi};` : `k = ${this.k};`;
  }

  // ------------------------------------------------------------------- flags

  setFlags(op: number, sz: number, d: string, dh: string, s: string, sh: string, r: string, rh: string, cin: string): string {
    this.usesFlags = true;
    this.known = { op, sz };
    if (this.firstSet < 0) this.firstSet = this.k;
    const set: [string, string][] = [["fop", `${op}`], ["fsz", `${sz}`], ["fd", d], ["fdh", dh], ["fs", s], ["fsh", sh], ["fr", r], ["frh", rh], ["fcin", cin]];
    // A field the operation keeps (its old value) needs no assignment (no flag getter reads it for that operation).
    const code = set.filter(([f, v]) => f !== v).map(([f, v]) => `${f} = ${v};`).join(" ");
    // A placeholder: the block's flag liveness (flagLiveness) drops the record when nothing can observe it.
    const key = `@F${this.bi}_${this.k}@`;
    this.flagCode.set(key, code);
    this.fSets[this.k] = key;
    this.knownPend = null;
    const ops = this.pendOps;
    if (ops !== null && (op === FL_SUB || op === FL_LOGIC)) {
      const [A, AH, B, BH] = ops as [string, string, string, string];
      const w = sz === 64;
      const m = sz === 8 ? " & 0xff" : sz === 16 ? " & 0xffff" : " | 0";
      const fields: [string, string][] = op === FL_SUB
        ? [["fop", `${op}`], ["fsz", `${sz}`], ["fd", A], ["fdh", w ? AH : "0"], ["fs", B], ["fsh", w ? BH : "0"],
          ["fr", w ? `((${A} - ${B}) | 0)` : `((${A} - ${B})${m})`], ["frh", w ? `((${AH} - ${BH} - (${u32(A)} < ${u32(B)} ? 1 : 0)) | 0)` : "0"], ["fcin", "0"]]
        : [["fop", `${op}`], ["fsz", `${sz}`], ["fd", "0"], ["fs", "0"], ["fr", `(${A} & ${B})`], ["frh", `(${AH} & ${BH})`]];
      const regs = new Set([...`${A} ${AH} ${B} ${BH}`.matchAll(/\b[lh](\d+)\b/g)].map((x) => Number(x[1])));
      const p: Pending = { id: this.pending.length + 1, key, bi: this.bi, regs, fields: new Map(fields), ok: true };
      this.pending.push(p);
      this.knownPend = p;
    }
    return key;
  }
  /** The cmp/test operands (lo, hi expressions of registers or literals) of the setter being emitted, if any. */
  pendOps: [string, string, string, string] | null = null;
  /** Flag records that may stay pending (see Pending), and the one the current block's conditions read, if any. */
  readonly pending: Pending[] = [];
  knownPend: Pending | null = null;
  /** The flag names of an expression replaced by the pending record's expressions (the registers are unchanged). */
  subst(e: string): string {
    const p = this.knownPend;
    if (p === null) return e;
    return e.replace(/\b(?:fop|fsz|fd|fdh|fs|fsh|fr|frh|fcin)\b/g, (f) => p.fields.get(f) ?? f);
  }
  /** The flag records set (placeholder → assignments), and the dead ones. */
  readonly flagCode = new Map<string, string>();
  readonly deadFlags = new Set<string>();
  /** Per instruction of the block being emitted: its flag-record placeholder, whether it reads the record, whether it may fault. */
  fSets: (string | undefined)[] = [];
  fReads: boolean[] = [];
  fFaults: boolean[] = [];
  /**
   * A flag record is dead when the block's next setter replaces it before anything can observe it: no reader (a
   * condition, an inline handler, a trap's writeback), no instruction that may fault (the catch writes the record
   * back as it was before that instruction) and not the block's end (successors and the run loop may read it).
   */
  flagLiveness(n: number): void {
    let live = true;
    for (let k = n - 1; k >= 0; k--) {
      const key = this.fSets[k];
      const observes = this.fReads[k] === true || this.fFaults[k] === true;
      if (key !== undefined) {
        if (!live) this.deadFlags.add(key);
        live = observes;
      } else if (observes) live = true;
    }
  }

  /** Flag-local writeback expression (a statement). */
  static readonly WBF = "JX.wbf(cpu, fop, fsz, fd, fdh, fs, fsh, fr, frh, fcin)";

  /** One status flag as a 0/1 expression from the known record, or null. */
  flagExpr(f: "cf" | "zf" | "sf" | "of" | "pf", kn: Known): string | null {
    const { op, sz } = kn;
    const top = sz - 1;
    switch (f) {
      case "zf": return sz === 64 ? "((fr | frh) === 0 ? 1 : 0)" : "(fr === 0 ? 1 : 0)";
      case "sf": return sz === 64 ? "(frh >>> 31)" : `((fr >>> ${top}) & 1)`;
      case "pf": return "JX.P[fr & 0xff]";
      case "cf":
        switch (op) {
          case FL_ADD: return sz === 64 ? `(${LT64.ltu("fr", "frh", "fd", "fdh")} ? 1 : 0)` : `(${U("fr")} < ${U("fd")} ? 1 : 0)`;
          case FL_SUB: return sz === 64 ? `(${LT64.ltu("fd", "fdh", "fs", "fsh")} ? 1 : 0)` : `(${U("fd")} < ${U("fs")} ? 1 : 0)`;
          case FL_LOGIC: return "0";
          case FL_INC: case FL_DEC: case FL_RES: return "fcin";
        }
        return null;
      case "of":
        switch (op) {
          case FL_LOGIC: return "0";
          case FL_RES: return "fs";
          case FL_ADD: case FL_INC:
            return sz === 64 ? "((((fdh ^ frh) & (fsh ^ frh)) >>> 31) & 1)" : `((((fd ^ fr) & (fs ^ fr)) >>> ${top}) & 1)`;
          case FL_SUB: case FL_DEC:
            return sz === 64 ? "((((fdh ^ fsh) & (fdh ^ frh)) >>> 31) & 1)" : `((((fd ^ fs) & (fd ^ fr)) >>> ${top}) & 1)`;
        }
        return null;
    }
  }

  /** Condition code cc as a boolean expression. */
  cond(cc: number): string {
    this.usesFlags = true;
    this.fReads[this.k] = true;
    const kn = this.known;
    const neg = (cc & 1) === 1;
    const generic = `(@OBS@, cpu.cond(${cc}))`;
    if (kn === null) {
      if (this.firstSet < 0) this.liveIn = true;
      return generic;
    }
    let e: string | null = null;
    if (kn.op === FL_SUB) {
      const wide = kn.sz === 64;
      const sh = 32 - kn.sz;
      const sx = (v: string) => (kn.sz === 32 ? `(${v} | 0)` : `((${v} << ${sh}) >> ${sh})`);
      switch (cc >> 1) {
        case 1: e = wide ? LT64.ltu("fd", "fdh", "fs", "fsh") : `(${U("fd")} < ${U("fs")})`; break;
        case 2: e = wide ? "(((fd ^ fs) | (fdh ^ fsh)) === 0)" : "(fd === fs)"; break;
        case 3: e = wide ? LT64.leu("fd", "fdh", "fs", "fsh") : `(${U("fd")} <= ${U("fs")})`; break;
        case 6: e = wide ? LT64.lts("fd", "fdh", "fs", "fsh") : `(${sx("fd")} < ${sx("fs")})`; break;
        case 7: e = wide ? LT64.les("fd", "fdh", "fs", "fsh") : `(${sx("fd")} <= ${sx("fs")})`; break;
      }
      if (e !== null) return this.subst(neg ? `!${e}` : e);
    }
    const F = (f: "cf" | "zf" | "sf" | "of" | "pf") => this.flagExpr(f, kn);
    let v: string | null;
    switch (cc >> 1) {
      case 0: v = F("of"); break;
      case 1: v = F("cf"); break;
      case 2: v = F("zf"); break;
      case 3: { const c = F("cf"), z = F("zf"); v = c && z ? `(${c} | ${z})` : null; break; }
      case 4: v = F("sf"); break;
      case 5: v = F("pf"); break;
      case 6: { const s = F("sf"), o = F("of"); v = s && o ? `(${s} ^ ${o})` : null; break; }
      default: { const z = F("zf"), s = F("sf"), o = F("of"); v = z && s && o ? `(${z} | (${s} ^ ${o}))` : null; }
    }
    if (v === null) return generic;
    return this.subst(neg ? `(${v} === 0)` : `(${v} !== 0)`);
  }
  /** CF as a 0/1 expression (inc/dec keep it). */
  cf(): string {
    this.usesFlags = true;
    this.fReads[this.k] = true;
    const kn = this.known;
    const e = kn ? this.flagExpr("cf", kn) : null;
    if (e === null && this.firstSet < 0) this.liveIn = true;
    return e !== null ? this.subst(e) : "(@OBS@, cpu.getCF())";
  }

  // ---------------------------------------------------------- instructions

  /** The E operand read at size sz: statements defining `a`/`ah` (and `ea` for memory), or null. */
  rdE(i: Insn, sz: number, a: string, ah: string, keepEa: boolean): string | null {
    if (i.mod === 3) {
      const [lo, hi] = this.rdReg(sz, i.rm, i.rmb);
      return `const ${a} = ${lo}; const ${ah} = ${hi};`;
    }
    const hv = this.halves(i);
    if (hv !== null) {
      this.lastAddr = hv;
      return `${this.mayFault()} ${hv.pre} ${this.rdMem(sz, hv, a, ah)}`;
    }
    const e = this.ea(i);
    if (e === null) return null;
    this.lastAddr = keepEa ? "ea" : "ea_";
    return `${this.mayFault()} const ${keepEa ? "ea" : "ea_"} = ${e}; ${this.rdMem(sz, keepEa ? "ea" : "ea_", a, ah)}`;
  }

  imm(i: Insn, sz: number): [string, string] {
    if (sz === 64) return [`${i.imm | 0}`, `${i.immHi | 0}`];
    if (sz === 32) return [`${i.imm | 0}`, "0"];
    if (sz === 16) return [`${i.imm & 0xffff}`, "0"];
    return [`${i.imm & 0xff}`, "0"];
  }

  /**
   * Arithmetic result and flags for op on (a, ah) and (b, bh), each a local or a literal (no temporaries: fewer
   * bytecodes while V8 interprets a fresh region, and smaller graphs to optimise); returns [statements, flags].
   */
  aluCore(op: number, sz: number, a: string, ah: string, b: string, bh: string): [string, string] {
    const m = sz === 8 ? " & 0xff" : sz === 16 ? " & 0xffff" : " | 0";
    switch (op) {
      case 0:
        // The carry from the truncated sum (r <u a): a 33-bit sum in a double would make V8 speculate on a small
        // integer and deoptimise the region when a sum first passes 2^31 (the sieve's running total).
        if (sz === 64) return [`const r = (${a} + ${b}) | 0; const rh = (${ah} + ${bh} + ((r >>> 0) < ${u32(a)} ? 1 : 0)) | 0;`,
          this.setFlags(FL_ADD, 64, a, ah, b, bh, "r", "rh", "0")];
        return [`const r = (${a} + ${b})${m}; const rh = 0;`, this.setFlags(FL_ADD, sz, a, "0", b, "0", "r", "0", "0")];
      case 5:
      case 7:
        if (sz === 64) return [`const r = (${a} - ${b}) | 0; const rh = (${ah} - ${bh} - (${u32(a)} < ${u32(b)} ? 1 : 0)) | 0;`,
          this.setFlags(FL_SUB, 64, a, ah, b, bh, "r", "rh", "0")];
        return [`const r = (${a} - ${b})${m}; const rh = 0;`, this.setFlags(FL_SUB, sz, a, "0", b, "0", "r", "0", "0")];
      default: {
        const o = op === 1 ? "|" : op === 6 ? "^" : "&";
        return [`const r = ${a} ${o} ${b}; const rh = ${ah} ${o} ${bh};`, this.setFlags(FL_LOGIC, sz, "0", "fdh", "0", "fsh", "r", "rh", "fcin")];
      }
    }
  }
  /** A register operand as [lo, hi] locals or literals: simple expressions are used in place, others bound to names. */
  operand(sz: number, r: number, rb: number, lo: string, hi: string): [string, string, string] {
    const [el, eh] = this.rdReg(sz, r, rb);
    const bind = (e: string, n: string): [string, string] => (SIMPLE.test(e) ? ["", e] : [`const ${n} = ${e}; `, n]);
    const [sl, vl] = bind(el, lo);
    const [sh, vh] = bind(eh, hi);
    return [sl + sh, vl, vh];
  }

  /** Code for one instruction, or null to run its handler inline. */
  emit(i: Insn): string | null {
    if (i.pfx & P_LOCK) return null;
    const d = i.def;
    const key = d.key;
    const sz = i.osz;
    const form = formOf(d);
    if (d.flags & F_SSE) return this.emitSse(i);
    const alu = ALU[key];
    if (alu !== undefined) {
      if (sz === 16) return null;
      const write = alu !== 7 && alu !== 8;
      let src: string;
      let dst: string;
      let ops: [string, string, string, string];
      if (form === "EG" || form === "EI") {
        let sa: string, a: string, ah: string;
        if (i.mod === 3) [sa, a, ah] = this.operand(sz, i.rm, i.rmb, "a", "ah");
        else {
          const rd = this.rdE(i, sz, "a", "ah", write);
          if (rd === null) return null;
          [sa, a, ah] = [rd, "a", "ah"];
        }
        let sb = "", b: string, bh: string;
        if (form === "EI") [b, bh] = this.imm(i, sz);
        else [sb, b, bh] = this.operand(sz, i.reg, i.regb, "b", "bh");
        src = `${sa} ${sb}`;
        ops = [a, ah, b, bh];
        dst = !write ? "" : i.mod === 3 ? this.wrReg(sz, i.rm, i.rmb, "r", "rh") : this.wrMem(sz, this.lastAddr, "r", "rh");
      } else if (form === "GE") {
        let sb: string, b: string, bh: string;
        if (i.mod === 3) [sb, b, bh] = this.operand(sz, i.rm, i.rmb, "b", "bh");
        else {
          const rd = this.rdE(i, sz, "b", "bh", false);
          if (rd === null) return null;
          [sb, b, bh] = [rd, "b", "bh"];
        }
        const [sa, a, ah] = this.operand(sz, i.reg, i.regb, "a", "ah");
        src = `${sb} ${sa}`;
        ops = [a, ah, b, bh];
        dst = write ? this.wrReg(sz, i.reg, i.regb, "r", "rh") : "";
      } else return null;
      // cmp/test of registers and immediates: the record's fields are expressions of registers (see Pending).
      // (A memory operand's value kept in a local for the same purpose measured no fewer instructions.)
      if (!write && i.mod === 3) {
        const e = this.rdReg(sz, i.rm, i.rmb);
        const g = form === "EI" ? this.imm(i, sz) : this.rdReg(sz, i.reg, i.regb);
        this.pendOps = form === "GE" ? [g[0], g[1], e[0], e[1]] : [e[0], e[1], g[0], g[1]];
      }
      const [calc, flags] = this.aluCore(alu, sz, ...ops);
      this.pendOps = null;
      // The operands may name the destination register: record the flags before writing it. A memory destination
      // is written first (the store may fault, and the catch needs the flags as they were before the instruction).
      return i.mod === 3 || form === "GE" ? `{ ${src} ${calc} ${flags} ${dst} }` : `{ ${src} ${calc} ${dst} ${flags} }`;
    }
    switch (key) {
      case "mov": {
        if (sz === 16) return null;
        if (form === "EG") {
          const [v, vh] = this.rdReg(sz, i.reg, i.regb);
          if (i.mod === 3) return this.wrReg(sz, i.rm, i.rmb, v, vh);
          const hv = this.halves(i);
          if (hv !== null) return `{ ${this.mayFault()} const v = ${v}; const vh = ${vh}; ${hv.pre} ${this.wrMem(sz, hv, "v", "vh")} }`;
          const e = this.ea(i);
          if (e === null) return null;
          return `{ ${this.mayFault()} const v = ${v}; const vh = ${vh}; ${this.wrMem(sz, e, "v", "vh")} }`;
        }
        if (form === "GE") {
          const rd = this.rdE(i, sz, "v", "vh", false);
          if (rd === null) return null;
          return `{ ${rd} ${this.wrReg(sz, i.reg, i.regb, "v", "vh")} }`;
        }
        if (form === "EI") {
          const [v, vh] = this.imm(i, sz);
          if (i.mod === 3) return this.wrReg(sz, i.rm, i.rmb, v, vh);
          const hv = this.halves(i);
          if (hv !== null) return `{ ${this.mayFault()} ${hv.pre} ${this.wrMem(sz, hv, v, vh)} }`;
          const e = this.ea(i);
          if (e === null) return null;
          return `{ ${this.mayFault()} ${this.wrMem(sz, e, v, vh)} }`;
        }
        return null;
      }
      case "movimm": {
        if (sz === 16) return null;
        const [v, vh] = this.imm(i, sz);
        return this.wrReg(sz, i.rm, i.rmb, v, vh);
      }
      case "movzx":
      case "movsx": {
        if (sz !== 32 && sz !== 64) return null;
        const ssz = d.ops[1]!.endsWith("b") ? 8 : 16;
        const rd = this.rdE(i, ssz, "v0", "vh0", false);
        if (rd === null) return null;
        if (key === "movzx") return `{ ${rd} ${this.wrReg(sz, i.reg, i.regb, "v0", "0")} }`;
        const sh = 32 - ssz;
        return `{ ${rd} const v = (v0 << ${sh}) >> ${sh}; ${this.wrReg(sz, i.reg, i.regb, "v", sz === 64 ? "(v >> 31)" : "0")} }`;
      }
      case "movsxd": {
        if (sz !== 64) return null;
        const rd = this.rdE(i, 32, "v", "vh0", false);
        if (rd === null) return null;
        return `{ ${rd} ${this.wrReg(64, i.reg, i.regb, "v", "(v >> 31)")} }`;
      }
      case "lea": {
        if ((sz !== 64 && sz !== 32) || i.asz !== 64) return null;
        // cpu.addrSum: the sum on limbs, exact modulo 2^64 (segment bases are not added).
        const parts = [`${i.disp}`];
        const hparts: string[] = [];
        if (i.base === BASE_RIP) {
          const hi = Math.floor(i.next / TWO32);
          parts.push(`${i.next - hi * TWO32}`);
          hparts.push(`${hi}`);
        } else if (i.base >= 0) {
          parts.push(`(${this.l(i.base)} >>> 0)`);
          hparts.push(this.h(i.base));
        }
        if (i.index >= 0) {
          const s = 1 << i.scale;
          parts.push(`(${this.l(i.index)} >>> 0) * ${s}`);
          hparts.push(`${this.h(i.index)} * ${s}`);
        }
        if (sz === 32) return this.wrReg(32, i.reg, i.regb, `(${parts.join(" + ")})`, "0");
        return `{ const lo = ${parts.join(" + ")}; const c = Math.floor(lo / ${TWO32}); ${this.wrReg(64, i.reg, i.regb, "lo", `(${hparts.length ? hparts.join(" + ") : "0"} + c)`)} }`;
      }
      case "push": {
        if (sz !== 64) return null;
        let rd: string;
        if (form === "I") {
          const [v, vh] = this.imm(i, 64);
          rd = `const v = ${v}; const vh = ${vh};`;
        } else {
          const r = this.rdE(i, 64, "v", "vh", false);
          if (r === null) return null;
          rd = r;
        }
        return `{ ${this.mayFault()} ${rd} const sp = ${this.h(4)} * ${TWO32} + (${this.l(4)} >>> 0) - 8; ${this.wrMem(64, "sp", "v", "vh")} ${this.setRsp("sp")} }`;
      }
      case "pop": {
        if (sz !== 64 || i.mod !== 3) return null;
        return `{ ${this.mayFault()} const sp = ${this.h(4)} * ${TWO32} + (${this.l(4)} >>> 0); ${this.rdMem(64, "sp", "v", "vh")} ${this.setRsp("sp + 8")} ${this.wrReg(64, i.rm, i.rmb, "v", "vh")} }`;
      }
      case "inc":
      case "dec": {
        if (i.mod !== 3 || (sz !== 32 && sz !== 64)) return null;
        const r = i.rm;
        const inc = key === "inc";
        const cf = this.cf();
        const op = inc ? "+" : "-";
        const calc = sz === 64
          ? `const v = (a ${op} 1) | 0; const vh = (${inc ? "v === 0" : "a === 0"} ? ah ${op} 1 : ah) | 0;`
          : "const v = (a " + op + " 1) | 0; const vh = 0;";
        return `{ const a = ${this.l(r)}; const ah = ${sz === 64 ? this.h(r) : "0"}; const c0 = ${cf}; ${calc} ${this.wrReg(sz, r, r, "v", "vh")} ${this.setFlags(inc ? FL_INC : FL_DEC, sz, "a", "ah", "1", "0", "v", "vh", "c0")} }`;
      }
      case "shift": {
        const kind = SHIFT[d.mn];
        if (kind === undefined || i.mod !== 3 || (sz !== 32 && sz !== 64) || (form !== "EI" && form !== "E1")) return null;
        const n = (form === "E1" ? 1 : i.imm & 0xff) & (sz === 64 ? 63 : 31);
        if (n === 0) return null;
        const r = i.rm;
        // The flags read the source register: record them before writing it.
        const [calc, cf, of] = this.shift(kind, sz, n, this.l(r), sz === 64 ? this.h(r) : "0");
        return `{ ${calc} ${this.setFlags(FL_RES, sz, "fd", "fdh", of, "fsh", "v", "vh", cf)} ${this.wrReg(sz, r, r, "v", "vh")} }`;
      }
      case "imul2":
      case "imul3": {
        if (sz !== 32 && sz !== 64) return null;
        let rd: string | null;
        if (key === "imul2") {
          rd = this.rdE(i, sz, "b", "bh", false);
          if (rd === null) return null;
          const [al, ah] = this.rdReg(sz, i.reg, i.regb);
          rd += ` const a = ${al}; const ah = ${ah};`;
        } else {
          rd = this.rdE(i, sz, "a", "ah", false);
          if (rd === null) return null;
          const [bl, bh] = this.imm(i, sz);
          rd += ` const b = ${bl}; const bh = ${bh};`;
        }
        const calc = sz === 64 ? "const v = JX.mul64(a, ah, b, bh); const vh = JX.hi;" : "const v = Math.imul(a, b); const vh = 0;";
        return `{ ${rd} ${calc} ${this.wrReg(sz, i.reg, i.regb, "v", "vh")} ${this.setFlags(FL_IMUL, sz, "a", "ah", "b", "bh", "v", "vh", "0")} }`;
      }
      case "cmov": {
        if (sz !== 32 && sz !== 64) return null;
        const cc = CC.indexOf(d.mn.slice(4) as (typeof CC)[number]);
        const rd = this.rdE(i, sz, "v", "vh", false);
        if (rd === null) return null;
        const c = this.cond(cc);
        const els = sz === 32 ? ` else { ${this.h(i.reg)} = 0; }` : "";
        this.markWrite(i.reg);
        return `{ ${rd} if (${c}) { ${this.wrReg(sz, i.reg, i.regb, "v", "vh")} }${els} }`;
      }
      case "setcc": {
        const cc = CC.indexOf(d.mn.slice(3) as (typeof CC)[number]);
        const c = this.cond(cc);
        if (i.mod === 3) return this.wrReg(8, i.rm, i.rmb, `(${c} ? 1 : 0)`, "0");
        const hv = this.halves(i);
        const e = hv ?? this.ea(i);
        if (e === null) return null;
        // The condition is evaluated before the store may fault (it only reads flags).
        return `{ ${this.mayFault()} const v = ${c} ? 1 : 0; ${hv?.pre ?? ""} ${this.wrMem(8, e, "v", "0")} }`;
      }
      case "cbw": // cltq / cwtl
        if (sz === 64) {
          this.markWrite(0);
          return `${this.h(0)} = ${this.l(0)} >> 31;`;
        }
        if (sz === 32) return this.wrReg(32, 0, 0, `((${this.l(0)} << 16) >> 16)`, "0");
        return null;
      case "cwd": // cqto / cltd
        if (sz === 64) return `{ const s = ${this.h(0)} >> 31; ${this.wrReg(64, 2, 2, "s", "s")} }`;
        if (sz === 32) return this.wrReg(32, 2, 2, `(${this.l(0)} >> 31)`, "0");
        return null;
      case "not":
      case "neg": {
        if (sz === 16) return null;
        const rd = this.rdE(i, sz, "a", "ah", true);
        if (rd === null) return null;
        const wr = i.mod === 3 ? this.wrReg(sz, i.rm, i.rmb, "r", "rh") : this.wrMem(sz, this.lastAddr, "r", "rh");
        if (key === "not") return `{ ${rd} const r = ~a; const rh = ~ah; ${wr} }`;
        const m = sz === 8 ? "& 0xff" : "| 0";
        const calc = sz === 64 ? "const r = -a | 0; const rh = (-ah - (a !== 0 ? 1 : 0)) | 0;" : `const r = (-a) ${m}; const rh = 0;`;
        return `{ ${rd} ${calc} ${wr} ${this.setFlags(FL_SUB, sz, "0", "0", "a", "ah", "r", "rh", "0")} }`;
      }
      case "nop":
      case "endbr":
        return "";
      case "nop90":
        return i.rex & 1 ? null : "";
    }
    return null;
  }

  /** Whether the region touches the xmm registers (its prologue then names them `X`). */
  usesXmm = false;
  x(r: number, lane: number): string {
    this.usesXmm = true;
    return `X[${r * 4 + lane}]`;
  }
  /**
   * The m128 operand W into locals w0..w3 (int32 lanes), or null. A legacy SSE operand that must be aligned
   * traps like the interpreter (ops-sse.ts checkAlign: before any access, state as before the instruction).
   */
  rdW(i: Insn, aligned: boolean): string | null {
    if (i.mod === 3) return `const w0 = ${this.x(i.rm, 0)}, w1 = ${this.x(i.rm, 1)}, w2 = ${this.x(i.rm, 2)}, w3 = ${this.x(i.rm, 3)};`;
    const e = this.ea(i);
    if (e === null) return null;
    const fast = "JX.r128(tv_, to_); w0 = JX.q[0]; w1 = JX.q[1]; w2 = JX.q[2]; w3 = JX.q[3];";
    // ops-sse.ts loadW: a page-crossing operand probes both pages before reading.
    const slow = "JX.ld128(mem, ta_); w0 = JX.q[0]; w1 = JX.q[1]; w2 = JX.q[2]; w3 = JX.q[3];";
    return `${this.mayFault()} const ea = ${e}; ${aligned ? this.alignTrap(i) : ""} let w0 = 0, w1 = 0, w2 = 0, w3 = 0; ${this.tlb(false, "ea", 16, fast, slow)}`;
  }
  /**
   * The alignment trap of a misaligned m128 operand at `ea` (the run loop reports `cpu.pending`); `ea & 15` keeps
   * the low bits of any address below 2^53 and, unlike `%` on a double, needs no floating-point remainder.
   */
  alignTrap(i: Insn): string {
    // Thrown (JX.align) after mayFault(): the catch writes the state back as for a fault at this instruction, so
    // the check is one short call here instead of a write-back of every local per m128 access.
    return `if ((ea & 15) !== 0) JX.align(${i.addr}, ea);`;
  }
  /** SSE instructions translated here (moves and lane-wise logic), or null for the interpreter's handler. */
  emitSse(i: Insn): string | null {
    const d = i.def;
    const key = d.key;
    const form = formOf(d);
    const aligned = !SSE_UNALIGNED.has(d.mn);
    if (key === "movaps" || key === "movups") {
      if (form === "VW") {
        const rd = this.rdW(i, aligned);
        if (rd === null) return null;
        return `{ ${rd} ${this.x(i.reg, 0)} = w0; ${this.x(i.reg, 1)} = w1; ${this.x(i.reg, 2)} = w2; ${this.x(i.reg, 3)} = w3; }`;
      }
      if (form !== "WV") return null;
      const v = [0, 1, 2, 3].map((k) => this.x(i.reg, k));
      if (i.mod === 3) return `{ const v0 = ${v[0]}, v1 = ${v[1]}, v2 = ${v[2]}, v3 = ${v[3]}; ${this.x(i.rm, 0)} = v0; ${this.x(i.rm, 1)} = v1; ${this.x(i.rm, 2)} = v2; ${this.x(i.rm, 3)} = v3; }`;
      const e = this.ea(i);
      if (e === null) return null;
      // One call of a shared helper (hot, so optimised early, and inlined into optimised regions) instead of four
      // DataView calls, which a fresh region pays ~50 ns each for in V8's interpreter.
      const fast = `JX.w128(tv_, to_, ${v[0]}, ${v[1]}, ${v[2]}, ${v[3]});`;
      const slow = `JX.st128(mem, ta_, ${v[0]}, ${v[1]}, ${v[2]}, ${v[3]});`;
      return `{ ${this.mayFault()} const ea = ${e}; ${aligned ? this.alignTrap(i) : ""} ${this.tlb(true, "ea", 16, fast, slow)} }`;
    }
    const lane = SSE_LANES[key];
    if (lane !== undefined && form === "VW") {
      const rd = this.rdW(i, aligned);
      if (rd === null) return null;
      const r = i.reg;
      return `{ ${rd} ${[0, 1, 2, 3].map((k) => `${this.x(r, k)} = ${lane(this.x(r, k), `w${k}`)};`).join(" ")} }`;
    }
    if (key === "pmovmskb" && i.mod === 3) {
      return this.wrReg(32, i.reg, i.reg, `JX.mskb(${this.x(i.rm, 0)}, ${this.x(i.rm, 1)}, ${this.x(i.rm, 2)}, ${this.x(i.rm, 3)})`, "0");
    }
    return null;
  }

  setRsp(v: string): string {
    this.markWrite(4);
    return `{ const n = ${v}; ${this.l(4)} = n | 0; ${this.h(4)} = Math.floor(n / ${TWO32}) | 0; }`;
  }

  /**
   * shl/shr/sar by a constant n ≠ 0 (ops-int.ts shiftOp) of the locals x, xh: statements defining v, vh, and the
   * CF and OF expressions (evaluated only where the flag record is live, before the destination is written).
   */
  shift(kind: number, sz: number, n: number, x: string, xh: string): [string, string, string] {
    if (sz === 32) {
      if (kind === 4) return [`const v = ${x} << ${n}; const vh = 0;`, `((${x} >>> ${32 - n}) & 1)`, `((v >>> 31) ^ ((${x} >>> ${32 - n}) & 1))`];
      if (kind === 5) return [`const v = (${x} >>> ${n}) | 0; const vh = 0;`, `((${x} >>> ${n - 1}) & 1)`, `(${x} >>> 31)`];
      return [`const v = ${x} >> ${n}; const vh = 0;`, `((${x} >>> ${n - 1}) & 1)`, "0"];
    }
    if (kind === 4) {
      const cf = n < 32 ? `((${xh} >>> ${32 - n}) & 1)` : n === 32 ? `(${xh} & 1)` : `((${x} >>> ${64 - n}) & 1)`;
      const calc = n < 32 ? `const vh = (${xh} << ${n}) | (${x} >>> ${32 - n}); const v = ${x} << ${n};` : `const vh = ${x} << ${n - 32}; const v = 0;`;
      return [calc, cf, `((vh >>> 31) ^ ${cf})`];
    }
    const sar = kind === 7;
    const hs = sar ? ">>" : ">>>";
    const of = sar ? "0" : `(${xh} >>> 31)`;
    if (n < 32) return [`const v = (${x} >>> ${n}) | (${xh} << ${32 - n}); const vh = (${xh} ${hs} ${n}) | 0;`, `((${x} >>> ${n - 1}) & 1)`, of];
    return [`const v = (${xh} ${hs} ${n - 32}) | 0; const vh = ${sar ? `${xh} >> 31` : "0"};`, n === 32 ? `(${x} >>> 31)` : `((${xh} >>> ${n - 33}) & 1)`, of];
  }

  /** Control transfer at the end of the block: statements that set `nx` (or loop) and leave. */
  branch(i: Insn): string | null {
    const d = i.def;
    const exitTo = (t: number) => this.exitTo(t);
    const leave = this.leave();
    switch (d.key) {
      case "jcc": {
        const cc = CC.indexOf(d.mn.slice(1) as (typeof CC)[number]);
        return `if (${this.cond(cc)}) ${exitTo(i.next + i.imm)} ${exitTo(i.next)}`;
      }
      case "jmprel":
        return exitTo(i.next + i.imm);
      case "callrel": {
        const hi = Math.floor(i.next / TWO32);
        return `${this.mayFault()} { const sp = ${this.h(4)} * ${TWO32} + (${this.l(4)} >>> 0) - 8; ${this.wrMem(64, "sp", `${i.next - hi * TWO32}`, `${hi}`)} ${this.setRsp("sp")} } ${exitTo(i.next + i.imm)}`;
      }
      case "ret": {
        if (formOf(d) !== "") return null;
        return `${this.mayFault()} { const sp = ${this.h(4)} * ${TWO32} + (${this.l(4)} >>> 0); ${this.rdMem(64, "sp", "v", "vh")} ${this.setRsp("sp + 8")} nx = (vh >>> 0) * ${TWO32} + (v >>> 0); ${leave} }`;
      }
      case "jmpind":
      case "callind": {
        const rd = this.rdE(i, 64, "v", "vh", false);
        if (rd === null) return null;
        const t = `(vh >>> 0) * ${TWO32} + (v >>> 0)`;
        if (d.key === "jmpind") return `{ ${rd} nx = ${t}; ${leave} }`;
        const hi = Math.floor(i.next / TWO32);
        return `{ ${this.mayFault()} ${rd} const sp = ${this.h(4)} * ${TWO32} + (${this.l(4)} >>> 0) - 8; ${this.wrMem(64, "sp", `${i.next - hi * TWO32}`, `${hi}`)} ${this.setRsp("sp")} nx = ${t}; ${leave} }`;
      }
    }
    return null;
  }

  // ------------------------------------------------------------ the block

  /** Leave the region with `nx` set (this block retired: its count was added at its head). */
  leave(): string {
    return "break run;";
  }
  /** Registers the instruction being emitted writes, and whether it runs its handler inline. */
  insWrites = new Set<number>();
  insInline = false;
  /** Per emitted block, per instruction: its flag placeholder, the registers it writes, whether it is inline. */
  readonly blockInfo: { sets: (string | undefined)[]; writes: Set<number>[]; inline: boolean[]; edges: Set<number> }[] = [];
  /** The region blocks the block being emitted branches or falls to. */
  edges = new Set<number>();

  /**
   * Whether pending record p may stay pending into block j: scanning j from its start, no instruction writes one
   * of p's registers before j's first setter or inline handler (which observes it first); a block with neither
   * passes the record on and is not followed here.
   */
  pendsInto(p: Pending, j: number): boolean {
    const info = this.blockInfo[j]!;
    for (let k = 0; k < info.sets.length; k++) {
      if (info.inline[k] === true || info.sets[k] !== undefined) return true;
      for (const r of info.writes[k]!) if (p.regs.has(r)) return false;
    }
    return false;
  }
  /** The pending records that stay pending (the others are written as records). */
  decidePending(): Set<string> {
    const out = new Set<string>();
    for (const p of this.pending) {
      if (!p.ok || this.deadFlags.has(p.key)) continue;
      const sets = this.blockInfo[p.bi]!.sets;
      // Superseded by a later setter of its block (its registers unwritten until then: p.ok), or at the block's
      // end pending into every in-region successor.
      let last = sets.length - 1;
      while (last >= 0 && sets[last] === undefined) last--;
      if (sets[last] === p.key) {
        if (![...this.blockInfo[p.bi]!.edges].every((j) => this.pendsInto(p, j))) continue;
      }
      out.add(p.key);
    }
    return out;
  }
  /** Whether the block being emitted branches to its own start. */
  selfLoop = false;
  /**
   * Go to constant address t: the region's block there (whose head checks the budget and its validity), else
   * leave. Every exit is constant assignments only: a path first taken after V8 optimised the region then has no
   * arithmetic lacking type feedback, so it does not deoptimise the region.
   */
  exitTo(t: number): string {
    const j = this.index.get(t);
    if (j === undefined) return `{ nx = ${t}; break run; }`;
    // Every in-region target (a pending flag record must hold into each, see decidePending); an exit below is
    // only an extra check.
    this.edges.add(j);
    if (this.structured) {
      if (j === 0) return "continue run;";
      if (j > this.bi) return `break L${j};`;
      // A branch back the nested form cannot express (a call into the region): the run loop goes on there.
      if (j !== this.bi) return `{ nx = ${t}; break run; }`;
    }
    // A block branching to its own start loops in place (its case is a labelled host loop).
    if (j === this.bi) {
      this.selfLoop = true;
      return `continue b${j};`;
    }
    return `{ bi = ${j}; continue run; }`;
  }

  wbRegs(): string {
    let s = "";
    for (const r of [...this.written].sort((x, y) => x - y)) s += `L[${r}] = l${r}; H[${r}] = h${r}; `;
    return s;
  }
  loadRegs(): string {
    let s = "";
    for (const r of [...this.used].sort((x, y) => x - y)) s += `l${r} = L[${r}]; h${r} = H[${r}]; `;
    return s;
  }
  static readonly LOADF = "fop = cpu.fop; fsz = cpu.fsz; fd = cpu.fd | 0; fdh = cpu.fdh | 0; fs = cpu.fs | 0; fsh = cpu.fsh | 0; fr = cpu.fr | 0; frh = cpu.frh | 0; fcin = cpu.fcin;";

  /** An instruction run by its interpreter handler: the markers are replaced once the register sets are known. */
  inline(k: number, i: Insn, last: boolean): string {
    const f = `f${this.bi}_${k}`;
    const ii = `i${this.bi}_${k}`;
    this.inlined.push(`const ${f} = B[${this.bi}].insns[${k}].exec, ${ii} = B[${this.bi}].insns[${k}];`);
    this.known = null;
    this.knownPend = null;
    this.insInline = true;
    this.fReads[k] = true;
    // The handler sees the CPU's flags: if none were set here yet, the locals must hold the CPU's own.
    if (this.firstSet < 0) this.liveIn = true;
    const call = `${this.mayFault()} inFb = true; @WB@ cpu.rip = ${i.next}; ${f}(cpu, ${ii}); if (cpu.pending !== null) return done + ${k - this.insns.length};`;
    if (last) return `${call} return done;`;
    return `${call} @LOAD@ inFb = false; iv_ = 1;`;
  }

  /** One block's code (a case of the region's dispatch switch). */
  block(bi: number): string {
    const insns = (this.insns = this.blocks[bi]!.insns);
    this.bi = bi;
    this.start = insns[0]!.addr;
    this.known = null;
    this.firstSet = -1;
    this.liveIn = false;
    this.selfLoop = false;
    const n = insns.length;
    this.fSets = [];
    this.fReads = [];
    this.fFaults = [];
    this.knownPend = null;
    this.edges = new Set();
    const parts: string[] = [];
    const writes: Set<number>[] = [];
    const inl: boolean[] = [];
    for (let k = 0; k < n; k++) {
      this.k = k;
      this.insWrites = new Set();
      this.insInline = false;
      const i = insns[k]!;
      const last = k === n - 1;
      const isBranch = (i.def.flags & 64) !== 0;
      let code: string | null;
      if (last && isBranch) code = this.branch(i);
      else code = isBranch ? null : this.emit(i);
      if (code === null) code = this.inline(k, i, last);
      else if (last && !isBranch) code += " " + this.exitTo(i.next);
      parts.push(`/* ${i.addr.toString(16)} ${i.def.mn} */ ${code}`);
      writes.push(this.insWrites);
      inl.push(this.insInline);
    }
    this.flagLiveness(n);
    this.blockInfo[bi] = { sets: this.fSets, writes, inline: inl, edges: this.edges };
    // The head: the block runs only when it is still valid (self-modifying code) and wholly fits in the budget
    // (`left` is the entry block's length when the region may not loop); its count is added here, once, so the
    // exits need no arithmetic (a fault or trap inside it subtracts the instructions not yet retired).
    // The entry block also returns once `cap` (≤ left) instructions are done (a warm-up call, see cpu.ts run).
    // Validity is read only once something may have invalidated a block (`iv_`): after a store off the fast path
    // or an inline handler, and in every warm-up call (`cap < left`), so each head's read has V8's type feedback
    // before the region is optimised (a read first reached after optimising deoptimised the sieve's outer loop);
    // `iv_` starts from every block's validity without a short circuit, for the same reason.
    const head = `if (done > ${bi === 0 ? "cap" : "left"} - ${n} || (iv_ !== 0 && !B${bi}.valid)) { nx = ${this.start}; break run; } done += ${n};`;
    // Every path through a block ends in continue, break or return, so its loop never falls out.
    const code = this.selfLoop ? `b${bi}: for (;;) {\n${head}\n${parts.join("\n")}\n}` : `${head}\n${parts.join("\n")}`;
    // Structured: block bi follows the end of the label L<bi> that branches to it break out of.
    if (this.structured) return bi === 0 ? code : `}\n${code}`;
    return this.selfLoop ? `case ${bi}: ${code}` : `case ${bi}: {\n${code}\n}`;
  }

  source(): string {
    const cases: string[] = [];
    // Flags start as zeros when every block sets them before reading them (an unset record is never observed:
    // the catch writes them back only once a setter has run); otherwise they are loaded from the CPU.
    let liveIn = false;
    let firstSet0 = -1;
    for (let bi = 0; bi < this.blocks.length; bi++) {
      cases.push(this.block(bi));
      if (this.liveIn || this.firstSet < 0) liveIn = true;
      if (bi === 0) firstSet0 = this.firstSet;
    }
    const F = this.usesFlags;
    const regs = [...this.used].sort((x, y) => x - y);
    // Pending records: an observer stores the record into the CPU through the region's M_, from the registers
    // (unchanged since the setter) when one is pending, else from the flag locals; the kept fields of a logic record
    // stay the CPU's (no flag reads them). Every observer is the same call (no branch at the site V8 may first take
    // after optimising the region), and the factory runs each of M_'s cases once (on the translating CPU, its
    // record restored), so M_ has type feedback throughout before any region inlines it.
    const pend = this.decidePending();
    const live = this.pending.filter((p) => pend.has(p.key));
    const mregs = [...new Set(live.flatMap((p) => [...p.regs]))].sort((x, y) => x - y).flatMap((r) => [`l${r}`, `h${r}`]);
    const store = (f: string, e: string) => `c.${f} = ${f === "fop" || f === "fsz" || f === "fcin" ? e : `(${e}) >>> 0`};`;
    const FL = "fop, fsz, fd, fdh, fs, fsh, fr, frh, fcin";
    const margs = [...mregs, FL].join(", ");
    const prime = live.map((p) => `M_(C, ${p.id}, ${mregs.map((_, j) => (j & 1 ? -1 : 0x7fffffff - j)).join(", ")}, 0, 32, 0, 0, 0, 0, 0, 0, 0);`).join(" ");
    const mfn = live.length === 0 ? "" : `const M_ = function (c, fp, ${margs}) { ${live.map((p) => `if (fp === ${p.id}) { ${[...p.fields].map(([f, e]) => store(f, e)).join(" ")} }`).join(" else ")} else JX.wbf(c, ${FL}); };
{ const s = [C.fop, C.fsz, C.fd, C.fdh, C.fs, C.fsh, C.fr, C.frh, C.fcin]; ${prime} M_(C, 0, ${mregs.map(() => "0").join(", ")}, ...s); }`;
    const obs = live.length === 0 ? Gen.WBF : `M_(cpu, fp_, ${margs})`;
    const wb = this.wbRegs() + (F ? obs + ";" : "");
    // The page memo is dropped after an inline handler (see tlb); its locals start as a page no address has.
    const memoDrop = (this.memoR ? " mrl_ = -1;" : "") + (this.memoW ? " mwl_ = -1;" : "");
    const load = this.loadRegs() + (F ? Gen.LOADF : "") + memoDrop + (live.length > 0 ? " fp_ = 0;" : "");
    const memo = (["r", "w"] as const).filter((k) => (k === "r" ? this.memoR : this.memoW)).map((k) => `\n  let m${k}l_ = -1, m${k}h_ = 0, m${k}b_ = JX.NOPAGE, m${k}v_ = JX.NOVIEW;`).join("");
    const labels = Array.from({ length: this.blocks.length - 1 }, (_v, j) => `L${this.blocks.length - 1 - j}: {`).join(" ");
    const body = (this.structured ? `${labels}\n${cases.join("\n")}` : `switch (bi) {\n${cases.join("\n")}\n}`).replaceAll("@WB@", wb).replaceAll("@LOAD@", load)
      .replace(/@F\d+_\d+@/g, (m) => (this.deadFlags.has(m) ? "" : pend.has(m) ? `fp_ = ${this.pending.find((p) => p.key === m)!.id};` : this.flagCode.get(m)! + (live.length > 0 ? " fp_ = 0;" : "")))
      .replaceAll("@OBS@", obs);
    const decl = regs.map((r) => `let l${r} = L[${r}], h${r} = H[${r}];`).join(" ");
    const fdecl = !F
      ? ""
      : !liveIn
        ? "let fop = 0, fsz = 32, fd = 0, fdh = 0, fs = 0, fsh = 0, fr = 0, frh = 0, fcin = 0;"
        : "let fop = cpu.fop, fsz = cpu.fsz, fd = cpu.fd | 0, fdh = cpu.fdh | 0, fs = cpu.fs | 0, fsh = cpu.fsh | 0, fr = cpu.fr | 0, frh = cpu.frh | 0, fcin = cpu.fcin;";
    const catchWb = this.wbRegs() + (!F ? "" : liveIn ? obs + ";" : `if (done > ${this.blocks[0]!.insns.length} || k > ${firstSet0}) ${obs};`);
    const name = `region_${this.blocks[0]!.insns[0]!.addr.toString(16)}`;
    const blockRefs = this.blocks.map((_, j) => `B${j} = B[${j}]`).join(", ");
    return `const ${blockRefs}; ${this.inlined.join(" ")} ${mfn}
return function ${name}(cpu, left, loopOk, slow, cap) {
  const L = cpu.L, H = cpu.H, mem = cpu.mem;${this.usesTlb ? "\n  const RT = slow ? JX.NOTAG : mem.readTlb.tag, RV = mem.readTlb.view, RB = mem.readTlb.bytes, WT = slow ? JX.NOTAG : mem.writeTlb.tag, WV = mem.writeTlb.view, WB = mem.writeTlb.bytes;" : ""}${this.usesXmm ? "\n  const X = cpu.xmm;" : ""}${memo}
  ${decl}
  ${fdecl}
  let k = 0, done = 0, nx = 0, inFb = false, bi = 0, t_ = false, u_ = false, iv_ = (cap < left ? 1 : 0)${this.blocks.map((_, j) => ` | (B${j}.valid ? 0 : 1)`).join("")};${live.length > 0 ? " let fp_ = 0;" : ""}
  if (!loopOk) left = cap = ${this.blocks[0]!.insns.length};
  try {
    run: for (;;) {
${body}
    }
  } catch (e) {
    if (!inFb) { ${catchWb} }
    cpu.jitPc = B[bi].insns[k].addr;
    cpu.jitRetired = done - B[bi].insns.length + k;
    throw e;
  }
  ${wb}
  cpu.rip = nx;
  return done;
};`;
  }
}

/**
 * Translate a region: `blocks[0]` is the entry, the others blocks it can reach by constant branches (decoded
 * blocks whose instructions already carry their handlers).
 */
export function translate(region: readonly RegionBlock[], cpu: X86Cpu): { fn: BlockFn; source: string } {
  if (!primed) primeHelpers(cpu);
  const ordered = order(region);
  const blocks = ordered ?? region;
  const g = new Gen(blocks, ordered !== null);
  const src = g.source();
  // One compiled factory per distinct source: the same code in another CPU (threads, processes running the same
  // binary) reuses V8's parse, and its closures share the function's type feedback.
  let factory = FACTORIES.get(src);
  if (factory === undefined) {
    if (FACTORIES.size >= MAX_FACTORIES) FACTORIES.clear();
    factory = new Function("B", "JX", "C", src) as Factory;
    FACTORIES.set(src, factory);
  }
  return { fn: factory(blocks, JX, cpu), source: src };
}
/** Constant successors of a block (branch targets and fall-through), as the region is grown (cpu.ts translate). */
export function successors(b: RegionBlock): number[] {
  const last = b.insns[b.insns.length - 1]!;
  const key = last.def.key;
  if (!(last.def.flags & 64)) return [last.next];
  return key === "jcc" ? [last.next + last.imm, last.next] : key === "jmprel" ? [last.next + last.imm] : [];
}

/**
 * The region's blocks, entry first, in an order where every branch between them goes to a later block, to the
 * entry or to the block itself (a topological order of the other edges, ties in the given order), or null when
 * the other edges have a cycle.
 */
function order(blocks: readonly RegionBlock[]): RegionBlock[] | null {
  const n = blocks.length;
  const index = new Map<number, number>();
  blocks.forEach((b, j) => index.set(b.insns[0]!.addr, j));
  const preds = Array.from({ length: n }, () => 0);
  const succ = blocks.map((b, i) => [...new Set(successors(b).map((t) => index.get(t)).filter((j): j is number => j !== undefined && j !== 0 && j !== i))]);
  for (const list of succ) for (const j of list) preds[j]!++;
  const out = [0];
  const ready = new Set<number>(succ[0]!.filter((j) => --preds[j]! === 0));
  while (ready.size > 0) {
    const j = Math.min(...ready);
    ready.delete(j);
    out.push(j);
    for (const t of succ[j]!) if (--preds[t]! === 0) ready.add(t);
  }
  return out.length === n ? out.map((j) => blocks[j]!) : null;
}

/**
 * The helpers' arithmetic first met with small operands gets V8's small-integer feedback, and a region that inlined
 * it deoptimises when a value first passes 2^31 (a flag half's `>>> 0`, a product). Running them with full-width
 * operands before the first region (enough calls for V8 to allocate their feedback) records double arithmetic from
 * the start; `cpu`'s flag record is restored after.
 */
let primed = false;
function primeHelpers(c: X86Cpu): void {
  primed = true;
  JX.NOTAG = new Float64Array(c.mem.readTlb.tag.length).fill(NaN);
  const { fop, fsz, fd, fdh, fs, fsh, fr, frh, fcin } = c;
  for (let k = 0; k < 64; k++) {
    const x = k & 1 ? -1 : 0x7fffffff - k;
    JX.mul64(x, x, -x | 0, k);
    JX.eaWrap(x, k, x, -1, 8, -x | 0);
    JX.wbf(c, fop, fsz, x, -1, -x | 0, x, -1, x, fcin);
  }
  Object.assign(c, { fop, fsz, fd, fdh, fs, fsh, fr, frh, fcin });
}
/** A region's factory: its blocks, the helpers, and the translating CPU (the pending-record helper's warm-up). */
type Factory = (blocks: readonly RegionBlock[], jx: typeof JX, cpu: X86Cpu) => BlockFn;
const FACTORIES = new Map<string, Factory>();
const MAX_FACTORIES = 1024;
