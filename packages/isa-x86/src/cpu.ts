/**
 * The x86-64 interpreter core: register file, lazy flags, operand access,
 * the decoded-block cache and the run loop. Instruction semantics live in
 * ops-int.ts, ops-sse.ts and ops-x87.ts, whose handler sets are linked to
 * table rows by key (HANDLERS below).
 *
 * Representation (for speed, no BigInt on hot paths): each general register
 * is two int32 halves (`L`, `H`, as in the arm64 core); values travel as unsigned 32-bit numbers,
 * with the high half of a 64-bit operand returned in the scratch field `vh`.
 * Flags are lazy: arithmetic records (op, size, dst, src, result) and the
 * individual flags are computed only when read.
 */
import { CpuCounters, GuestMemory, GuestMemoryFault, PAGE_SIZE, type Cpu, type Trap } from "@uabi/isa-core";
import { decode, Insn, UndefinedInstruction, BASE_RIP } from "./decode.js";
import {
  FL_ADC, FL_ADD, FL_EAGER, FL_IMUL, FL_INC, FL_LOGIC, FL_RES, FL_SBB, FL_SUB, IF, linkDef, linkHandlers, PARITY, STATUS, TrapSignal, USER_WRITABLE,
} from "./registry.js";
import { INT_OPS } from "./ops-int.js";
import { SSE_OPS } from "./ops-sse.js";
import { fxrstorImage, fxsaveImage, X87_OPS } from "./ops-x87.js";
import { F80_ZERO, type F80 } from "./f80.js";
import { successors, translate, type BlockFn } from "./jit.js";

const TWO32 = 4294967296;

/** Every instruction's semantics, linked by name (never by importing a module for its side effects). */
export const HANDLERS = [INT_OPS, SSE_OPS, X87_OPS] as const;

export interface X86CpuOptions {
  /** Time-stamp counter source for RDTSC (the kernel's virtual clock). Defaults to retired instructions. */
  counter?: () => bigint;
  /**
   * The translating tier (src/jit.ts): blocks entered `jitThreshold` times are compiled to JavaScript.
   * Off runs the interpreter alone; both give the same registers, counts and traps.
   */
  jit?: boolean;
  /** Block entries before a block is translated (default 128; 0 translates on first entry). */
  jitThreshold?: number;
  /** Told the JavaScript source of every region translated (diagnostics: scripts/jit-dump.ts). */
  onTranslate?: (entry: number, source: string) => void;
}

/**
 * A fresh region runs in V8's bytecode interpreter, slower than the warmed-up handlers, until V8 optimises it
 * (hundreds of iterations): code entered only a few dozen times is cheaper left to the interpreter, which is
 * what a short run such as hello spends its time on (32 translated a few regions there that never paid back).
 */
const DEFAULT_JIT_THRESHOLD = 128;
/**
 * A new region's first WARM_CALLS calls return at their first time back at the entry block after WARM_LEFT
 * instructions, the first SLOW_CALLS of them every other one through the memory accessors (see run).
 */
const WARM_CALLS = 2048;
const SLOW_CALLS = 32;
const WARM_LEFT = 500;
/** A region leaves out a successor entered fewer than 1/COLD_RATIO times as often as its entry. */
const COLD_RATIO = 8;
/** Most blocks one translated region holds. */
const REGION_BLOCKS = 8;

/** A decoded basic block with a two-entry successor cache (block chaining: no map lookup on hot edges). */
class Block {
  valid = true;
  a1 = -1;
  b1: Block | null = null;
  a2 = -1;
  b2: Block | null = null;
  /** Entries counted toward translation; the translated function once compiled, and its calls so far (to WARM_CALLS). */
  hits = 0;
  warm = 0;
  fn: BlockFn | null = null;
  /** Lowest and highest block start in the translated region (the exec watch test for staying inside it). */
  jitLo = 0;
  jitHi = 0;
  /** One past the highest instruction start in the region (the leave watch needs all of them inside its range). */
  jitEnd = 0;
  constructor(readonly insns: Insn[]) {}
}

export class X86Cpu implements Cpu {
  readonly arch = "x86_64" as const;
  readonly counters = new CpuCounters();
  /** General registers, low and high 32-bit halves, in encoding order (named as in the arm64 core). */
  readonly L = new Int32Array(16);
  readonly H = new Int32Array(16);
  /** rip (exact: user addresses < 2^53). */
  rip = 0;
  fsBase = 0;
  gsBaseNum = 0;
  /** Scratch: high half of the last 64-bit operand read / result. */
  vh = 0;

  // Lazy flags.
  fop = FL_EAGER;
  fsz = 32;
  fd = 0;
  fdh = 0;
  fs = 0;
  fsh = 0;
  fr = 0;
  frh = 0;
  fcin = 0;
  fbits = 0;
  /** Non-status RFLAGS bits (IF, DF, ID, ...); bit 1 is always set. */
  flagsOther = IF | 2;

  /** XMM0..15 as 4 int32 lanes each. */
  readonly xmm = new Int32Array(64);
  readonly xmmF32 = new Float32Array(this.xmm.buffer);
  readonly xmmF64 = new Float64Array(this.xmm.buffer);
  readonly xmmU8 = new Uint8Array(this.xmm.buffer);
  readonly xmmU16 = new Uint16Array(this.xmm.buffer);
  mxcsr = 0x1f80;

  /** x87 physical registers (80-bit extended, see f80.ts); st(i) is st[(fpTop + i) & 7]. */
  readonly st: F80[] = Array.from({ length: 8 }, () => F80_ZERO);
  fpTop = 0;
  fpTag = 0xff; // bit i set = physical register i empty
  fpCw = 0x37f;
  fpSw = 0;

  private readonly cache = new Map<number, Block>();
  /** The blocks decoded from each page (start address, block), so an invalidation drops only those pages' blocks. */
  private readonly pageBlocks = new Map<number, [number, Block][]>();
  private readonly counter?: () => bigint;
  private readonly detach: () => void;
  /** Set by handlers that end the run loop with a trap. */
  pending: Trap | null = null;
  /** Translating tier on, and its threshold (block entries before translation). */
  readonly jit: boolean;
  private readonly jitThreshold: number;
  private readonly onTranslate?: (entry: number, source: string) => void;
  /** Set by a translated block that unwinds with an exception: the faulting instruction and the count retired before it. */
  jitPc = 0;
  jitRetired = 0;
  /** Regions translated so far (diagnostics and tests). */
  jitBlocks = 0;
  /** The exec watch range (see Cpu.setExecWatch); empty when lo = hi. */
  private watchLo = 0;
  private watchHi = 0;

  constructor(
    readonly mem: GuestMemory,
    options: X86CpuOptions = {},
  ) {
    this.counter = options.counter;
    this.jit = options.jit ?? true;
    this.jitThreshold = options.jitThreshold ?? DEFAULT_JIT_THRESHOLD;
    this.onTranslate = options.onTranslate;
    // The lazy-flag record's halves are unsigned 32-bit values, which pass 2^31 in most programs: a double stored
    // first gives the fields V8's double representation from the start, where a change from small-integer fields
    // later would deoptimise every optimised function (translated regions included) that stores them.
    this.fd = this.fdh = this.fs = this.fsh = this.fr = this.frh = 0.5;
    this.fd = this.fdh = this.fs = this.fsh = this.fr = this.frh = 0;
    linkHandlers(HANDLERS);
    this.detach = mem.onCodeInvalidated((first, last) => this.dropPages(first, last));
  }

  // ------------------------------------------------------------- Cpu interface

  get pc(): number {
    return this.rip;
  }
  set pc(v: number) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`pc ${v} is not a user address`);
    this.rip = v;
  }
  get sp(): bigint {
    return this.getReg(4);
  }
  set sp(v: bigint) {
    this.setReg(4, v);
  }
  getReg(i: number): bigint {
    checkIndex(i, 16, "register");
    return (BigInt(this.H[i]! >>> 0) << 32n) | BigInt(this.L[i]! >>> 0);
  }
  setReg(i: number, v: bigint): void {
    checkIndex(i, 16, "register");
    const u = BigInt.asUintN(64, v);
    this.L[i] = Number(u & 0xffffffffn);
    this.H[i] = Number(u >> 32n);
  }
  get tlsBase(): bigint {
    return BigInt.asUintN(64, BigInt(this.fsBase));
  }
  set tlsBase(v: bigint) {
    this.fsBase = Number(BigInt.asIntN(64, v));
  }
  get gsBase(): bigint {
    return BigInt.asUintN(64, BigInt(this.gsBaseNum));
  }
  set gsBase(v: bigint) {
    this.gsBaseNum = Number(BigInt.asIntN(64, v));
  }
  /** RFLAGS with the lazy status flags materialised. */
  get rflags(): bigint {
    return BigInt(this.flags32());
  }
  set rflags(v: bigint) {
    this.setFlags32(Number(v & 0xffffffffn));
  }
  flags32(): number {
    return (this.getCF() | (this.getPF() << 2) | (this.getAF() << 4) | (this.getZF() << 6) | (this.getSF() << 7) | (this.getOF() << 11) | this.flagsOther) >>> 0;
  }
  /** Set all RFLAGS bits a user could set (kernel use: sigreturn); reserved bits are forced. */
  setFlags32(v: number): void {
    this.fop = FL_EAGER;
    this.fbits = v & STATUS;
    this.flagsOther = (v & USER_WRITABLE & ~STATUS) | IF | 2;
  }
  getXmm(i: number): [bigint, bigint] {
    checkIndex(i, 16, "xmm register");
    const x = this.xmm;
    const w = (k: number) => BigInt(x[i * 4 + k]! >>> 0);
    return [(w(1) << 32n) | w(0), (w(3) << 32n) | w(2)];
  }
  setXmm(i: number, lo: bigint, hi: bigint): void {
    checkIndex(i, 16, "xmm register");
    const x = this.xmm;
    const l = BigInt.asUintN(64, lo);
    const h = BigInt.asUintN(64, hi);
    x[i * 4] = Number(l & 0xffffffffn);
    x[i * 4 + 1] = Number(l >> 32n);
    x[i * 4 + 2] = Number(h & 0xffffffffn);
    x[i * 4 + 3] = Number(h >> 32n);
  }
  /** The 512-byte FXSAVE image (x87, MXCSR, XMM0-15), as the kernel stores it in signal frames. */
  fxsave(): Uint8Array {
    return fxsaveImage(this);
  }
  fxrstor(bytes: Uint8Array): void {
    fxrstorImage(this, bytes);
  }
  flushDecodeCache(): void {
    this.dropCache();
  }
  setExecWatch(lo: number, hi: number): void {
    this.watchLo = lo;
    this.watchHi = hi;
  }
  /** The leave watch range (see Cpu.runWithin); everything while no runWithin is active. */
  private keepLo = -Infinity;
  private keepHi = Infinity;
  runWithin(lo: number, hi: number, budget: number): Trap {
    this.keepLo = lo;
    this.keepHi = hi;
    try {
      return this.run(budget);
    } finally {
      this.keepLo = -Infinity;
      this.keepHi = Infinity;
    }
  }

  // ----------------------------------------------------------------- run loop

  /** Stop listening to the memory's code invalidations (the CPU must not run afterwards). */
  dispose(): void {
    this.detach();
    this.dropCache();
  }

  private dropCache(): void {
    for (const b of this.cache.values()) b.valid = false;
    this.cache.clear();
    this.pageBlocks.clear();
  }

  /** Drop the blocks decoded from pages first..last (writes, unmaps and reprotections elsewhere keep theirs). */
  private dropPages(first: number, last: number): void {
    if (last - first > 64) return this.dropCache();
    for (let pn = first; pn <= last; pn++) {
      const list = this.pageBlocks.get(pn);
      if (!list) continue;
      this.pageBlocks.delete(pn);
      for (const [addr, b] of list) {
        b.valid = false;
        if (this.cache.get(addr) === b) this.cache.delete(addr);
      }
    }
  }

  private lookup(addr: number): Block | null {
    const b = this.cache.get(addr);
    if (b !== undefined) return b;
    return this.decodeBlock(addr);
  }

  run(budget: number): Trap {
    let left = budget;
    let trap: Trap | null = null;
    let cur: Insn | null = null;
    let prev: Block | null = null;
    let inJit = false;
    try {
      while (left > 0) {
        const rip = this.rip;
        if (rip < this.keepLo || rip >= this.keepHi) break; // the leave watch: a budget stop here
        if (rip < this.watchHi && rip >= this.watchLo) {
          this.pending = { kind: "page-fault", pc: rip, addr: rip, access: "exec", reason: "protection" };
          break;
        }
        let block: Block | null = null;
        // Follow the previous block's successor cache before the map.
        if (prev !== null) {
          if (prev.a1 === rip) block = prev.b1;
          else if (prev.a2 === rip) block = prev.b2;
          if (block !== null && !block.valid) block = null;
        }
        if (block === null) {
          block = this.lookup(rip);
          if (block === null) break; // decodeBlock set this.pending
          if (prev !== null) {
            if (prev.a1 === -1 || prev.b1 === null || !prev.b1.valid) { prev.a1 = rip; prev.b1 = block; }
            else { prev.a2 = rip; prev.b2 = block; }
          }
        }
        const insns = block.insns;
        let n = insns.length;
        // The leave watch cuts a block reaching past its range at the first instruction starting outside.
        const cut = insns[n - 1]!.addr >= this.keepHi;
        if (cut) {
          n = 0;
          while (insns[n]!.addr < this.keepHi) n++;
        }
        if (n <= left && this.jit && !cut) {
          let fn = block.fn;
          if (fn === null && ++block.hits >= this.jitThreshold) fn = this.translate(block);
          if (fn !== null) {
            inJit = true;
            const loopOk = !(this.watchLo <= block.jitHi && this.watchHi > block.jitLo) && this.keepLo <= block.jitLo && block.jitEnd <= this.keepHi;
            // A new region's first calls return early (back at their entry), so its exits and write-back run, and
            // the first few every other one through the memory accessors instead of the TLB's fast path, so its
            // slow paths run too, all getting V8's type feedback before V8 optimises the region (code first
            // reached after optimisation deoptimises it); and while V8 still interprets it, the next call enters
            // the optimised function as soon as V8 has compiled it, instead of waiting for on-stack replacement.
            let cap = left;
            let slow = false;
            if (block.warm < WARM_CALLS) {
              if (cap > WARM_LEFT) cap = WARM_LEFT;
              slow = block.warm < SLOW_CALLS && (block.warm & 1) === 1;
              block.warm++;
            }
            const done = fn(this, left, loopOk, slow, cap);
            inJit = false;
            left -= done;
            if (this.pending !== null) break;
            prev = block;
            continue;
          }
        }
        if (n <= left && !cut) {
          // Only the last instruction of a block can transfer control, so rip is set once, before it;
          // handlers that trap set rip themselves and faults unwind to `cur`.
          const last = n - 1;
          for (let k = 0; k < last; k++) {
            const i = insns[k]!;
            cur = i;
            i.exec(this, i);
            if (this.pending !== null) {
              left -= k;
              break;
            }
          }
          if (this.pending !== null) break;
          const i = insns[last]!;
          cur = i;
          this.rip = i.next;
          i.exec(this, i);
          if (this.pending !== null) {
            left -= last;
            break;
          }
          left -= n;
        } else {
          const lim = n < left ? n : left;
          for (let k = 0; k < lim; k++) {
            const i = insns[k]!;
            cur = i;
            this.rip = i.next;
            i.exec(this, i);
            if (this.pending !== null) {
              left -= k;
              break;
            }
          }
          if (this.pending !== null) break;
          left -= lim;
        }
        prev = block;
      }
    } catch (e) {
      if (e instanceof GuestMemoryFault) {
        const pc = inJit ? this.jitPc : cur ? cur.addr : this.rip;
        this.rip = pc;
        trap = { kind: "page-fault", pc, addr: e.addr, access: e.access, reason: e.reason };
        left -= inJit ? this.jitRetired : this.retiredBefore(cur);
      } else if (e instanceof TrapSignal) {
        trap = e.trap;
        this.rip = trap.pc;
        left -= inJit ? this.jitRetired : this.retiredBefore(cur);
      } else throw e;
    }
    if (!trap) {
      if (this.pending) {
        trap = this.pending;
        this.pending = null;
        // Retiring traps count as executed instructions.
        if (trap.kind === "syscall" || trap.kind === "breakpoint") left--;
      } else trap = { kind: "budget", pc: this.rip };
    }
    this.counters.record(trap, budget - left);
    return trap;
  }

  /**
   * Translate `entry` with the blocks it reaches by constant branches (jcc, jmp, fall-through) that are already
   * decoded and valid, up to REGION_BLOCKS: loops whose body has branches stay in one host function.
   */
  private translate(entry: Block): BlockFn {
    const list = [entry];
    const seen = new Set<number>([entry.insns[0]!.addr]);
    for (let q = 0; q < list.length && list.length < REGION_BLOCKS; q++) {
      for (const t of successors(list[q]!)) {
        if (seen.has(t) || list.length >= REGION_BLOCKS) continue;
        const b = this.cache.get(t);
        // A block entered far less often than the entry (a loop's exit path, memset's tail) stays out: code V8
        // first reaches after optimising the region deoptimises it, and a larger region compiles longer. So does
        // the entry of another region (an inner loop translated first): the run loop goes on in that region's
        // code, already optimised, instead of V8 compiling the loop a second time inside this one.
        if (b === undefined || !b.valid || b.fn !== null || b.hits * COLD_RATIO < Math.min(entry.hits, this.jitThreshold)) continue;
        seen.add(t);
        list.push(b);
      }
    }
    const starts = list.map((b) => b.insns[0]!.addr);
    entry.jitLo = Math.min(...starts);
    entry.jitHi = Math.max(...starts);
    entry.jitEnd = Math.max(...list.map((b) => b.insns[b.insns.length - 1]!.addr)) + 1;
    this.jitBlocks++;
    const t = translate(list, this);
    this.onTranslate?.(starts[0]!, t.source);
    return (entry.fn = t.fn);
  }

  /** Instructions of `cur`'s block that retired before it (for exact counts when a fault unwinds the loop). */
  private retiredBefore(cur: Insn | null): number {
    if (cur === null) return 0;
    return cur.indexInBlock;
  }

  /** Decode a block starting at `addr`: up to a control transfer, a page end, or 64 instructions. */
  private decodeBlock(addr: number): Block | null {
    const block: Insn[] = [];
    const page = Math.floor(addr / PAGE_SIZE);
    let a = addr;
    const mem = this.mem;
    while (block.length < 64) {
      let i: Insn;
      try {
        i = decode(mem, a);
      } catch (e) {
        if (block.length > 0) break; // let the failing instruction start its own block
        if (e instanceof UndefinedInstruction) {
          this.pending = { kind: "undefined", pc: addr, bytes: e.bytes, detail: e.detail };
          return null;
        }
        if (e instanceof GuestMemoryFault) {
          this.pending = { kind: "page-fault", pc: addr, addr: e.addr, access: e.access, reason: e.reason };
          return null;
        }
        throw e;
      }
      const d = i.def;
      if (d.linked !== true) linkDef(d);
      i.exec = (d.special && d.special(i)) || d.exec || unimplemented;
      i.indexInBlock = block.length;
      block.push(i);
      // Every instruction starts on `page` (the loop stops at a page change), so only the first and one ending
      // on the next page have a page to mark.
      if (block.length === 1) mem.markCodePage(page);
      const endPage = Math.floor((i.next - 1) / PAGE_SIZE);
      if (endPage !== page) mem.markCodePage(endPage);
      a = i.next;
      if (i.def.flags & 64 /* F_BRANCH */ || Math.floor(a / PAGE_SIZE) !== page) break;
    }
    const b = new Block(block);
    this.cache.set(addr, b);
    // A block never spans more than two pages: its first, and the one its last instruction ends in.
    const lastPage = Math.floor((a - 1) / PAGE_SIZE);
    for (let pn = page; pn <= lastPage; pn++) {
      let list = this.pageBlocks.get(pn);
      if (!list) this.pageBlocks.set(pn, (list = []));
      list.push([addr, b]);
    }
    return b;
  }

  /** Raise a trap from a handler (fault-like: rip at the instruction). */
  fault(i: Insn, trap: Trap): void {
    this.rip = i.addr;
    this.pending = trap;
  }

  readCounter(): bigint {
    return this.counter ? this.counter() : BigInt(this.counters.instructions);
  }

  // ------------------------------------------------------------------- flags

  getCF(): number {
    switch (this.fop) {
      case FL_EAGER: return this.fbits & 1;
      case FL_ADD: return lt64(this.fr, this.frh, this.fd, this.fdh);
      case FL_ADC: return this.fcin ? le64(this.fr, this.frh, this.fd, this.fdh) : lt64(this.fr, this.frh, this.fd, this.fdh);
      case FL_SUB: return lt64(this.fd, this.fdh, this.fs, this.fsh);
      case FL_SBB: return this.fcin ? le64(this.fd, this.fdh, this.fs, this.fsh) : lt64(this.fd, this.fdh, this.fs, this.fsh);
      case FL_LOGIC: return 0;
      case FL_IMUL: return this.imulOverflow();
      default: return this.fcin; // inc/dec keep CF; FL_RES records it
    }
  }
  getZF(): number {
    if (this.fop === FL_EAGER) return (this.fbits >> 6) & 1;
    return this.fr === 0 && this.frh === 0 ? 1 : 0;
  }
  getSF(): number {
    if (this.fop === FL_EAGER) return (this.fbits >> 7) & 1;
    return this.fsz === 64 ? this.frh >>> 31 : (this.fr >>> (this.fsz - 1)) & 1;
  }
  getPF(): number {
    if (this.fop === FL_EAGER) return (this.fbits >> 2) & 1;
    return PARITY[this.fr & 0xff]!;
  }
  getAF(): number {
    if (this.fop === FL_EAGER) return (this.fbits >> 4) & 1;
    if (this.fop === FL_LOGIC || this.fop === FL_RES || this.fop === FL_IMUL) return 0;
    return ((this.fd ^ this.fs ^ this.fr) >>> 4) & 1;
  }
  getOF(): number {
    let x: number;
    const sz = this.fsz;
    switch (this.fop) {
      case FL_EAGER: return (this.fbits >> 11) & 1;
      case FL_LOGIC: return 0;
      case FL_RES: return this.fs;
      case FL_IMUL: return this.imulOverflow();
      case FL_ADD:
      case FL_ADC:
      case FL_INC:
        x = sz === 64 ? (this.fdh ^ this.frh) & (this.fsh ^ this.frh) : (this.fd ^ this.fr) & (this.fs ^ this.fr);
        break;
      default:
        x = sz === 64 ? (this.fdh ^ this.fsh) & (this.fdh ^ this.frh) : (this.fd ^ this.fs) & (this.fd ^ this.fr);
    }
    return sz === 64 ? x >>> 31 : (x >>> (sz - 1)) & 1;
  }
  /** Signed overflow of the imul recorded by FL_IMUL (as ops-int.ts computes it for imul2/imul3). */
  private imulOverflow(): number {
    if (this.fsz === 64) {
      const a = BigInt.asIntN(64, (BigInt(this.fdh >>> 0) << 32n) | BigInt(this.fd >>> 0));
      const b = BigInt.asIntN(64, (BigInt(this.fsh >>> 0) << 32n) | BigInt(this.fs >>> 0));
      const p = a * b;
      return BigInt.asIntN(64, p) === p ? 0 : 1;
    }
    const x = this.fd | 0;
    const y = this.fs | 0;
    return x * y !== Math.imul(x, y) ? 1 : 0;
  }
  /** Materialise status flags into fbits (before partial flag updates). */
  eagerFlags(): number {
    if (this.fop !== FL_EAGER) {
      this.fbits = this.getCF() | (this.getPF() << 2) | (this.getAF() << 4) | (this.getZF() << 6) | (this.getSF() << 7) | (this.getOF() << 11);
      this.fop = FL_EAGER;
    }
    return this.fbits;
  }
  setLazy(op: number, sz: number, d: number, dh: number, s: number, sh: number, r: number, rh: number, cin: number): void {
    this.fop = op;
    this.fsz = sz;
    this.fd = d;
    this.fdh = dh;
    this.fs = s;
    this.fsh = sh;
    this.fr = r;
    this.frh = rh;
    this.fcin = cin;
  }
  setLogic(sz: number, r: number, rh: number): void {
    this.fop = FL_LOGIC;
    this.fsz = sz;
    this.fr = r;
    this.frh = rh;
    this.fd = 0;
    this.fs = 0;
  }
  /** Eager flags: CF and OF given; ZF/SF/PF from the result of size `sz`; AF given. */
  setResultFlags(sz: number, r: number, rh: number, cf: number, of: number, af: number): void {
    const sf = sz === 64 ? rh >>> 31 : (r >>> (sz - 1)) & 1;
    const zf = r === 0 && rh === 0 ? 1 : 0;
    this.fop = FL_EAGER;
    this.fbits = cf | (PARITY[r & 0xff]! << 2) | (af << 4) | (zf << 6) | (sf << 7) | (of << 11);
  }

  /** Evaluate condition code 0..15. */
  cond(cc: number): boolean {
    let v: number;
    // Fast paths for cmp/sub and test/logic.
    if (this.fop === FL_SUB && this.fsz === 64) {
      const d = this.fd, dh = this.fdh, s = this.fs, sh = this.fsh;
      switch (cc >> 1) {
        case 1: v = lt64(d, dh, s, sh); return (cc & 1) === 0 ? v === 1 : v === 0;
        case 2: v = d === s && dh === sh ? 1 : 0; return (cc & 1) === 0 ? v === 1 : v === 0;
        case 3: v = le64(d, dh, s, sh); return (cc & 1) === 0 ? v === 1 : v === 0;
        case 6: v = (dh | 0) < (sh | 0) || (dh === sh && d < s) ? 1 : 0; return (cc & 1) === 0 ? v === 1 : v === 0;
        case 7: v = (dh | 0) < (sh | 0) || (dh === sh && d <= s) ? 1 : 0; return (cc & 1) === 0 ? v === 1 : v === 0;
      }
    }
    if (this.fop === FL_SUB && this.fsz !== 64) {
      const sz = this.fsz;
      const d = this.fd;
      const s = this.fs;
      switch (cc >> 1) {
        case 1: v = d < s ? 1 : 0; return (cc & 1) === 0 ? v === 1 : v === 0;
        case 2: v = d === s ? 1 : 0; return (cc & 1) === 0 ? v === 1 : v === 0;
        case 3: v = d <= s ? 1 : 0; return (cc & 1) === 0 ? v === 1 : v === 0;
        case 6: {
          const sh = 32 - sz;
          v = (d << sh) >> sh < (s << sh) >> sh ? 1 : 0;
          return (cc & 1) === 0 ? v === 1 : v === 0;
        }
        case 7: {
          const sh = 32 - sz;
          v = (d << sh) >> sh <= (s << sh) >> sh ? 1 : 0;
          return (cc & 1) === 0 ? v === 1 : v === 0;
        }
      }
    }
    switch (cc >> 1) {
      case 0: v = this.getOF(); break;
      case 1: v = this.getCF(); break;
      case 2: v = this.getZF(); break;
      case 3: v = this.getCF() | this.getZF(); break;
      case 4: v = this.getSF(); break;
      case 5: v = this.getPF(); break;
      case 6: v = this.getSF() ^ this.getOF(); break;
      default: v = this.getZF() | (this.getSF() ^ this.getOF()); break;
    }
    return (cc & 1) === 0 ? v !== 0 : v === 0;
  }

  // ---------------------------------------------------------- operand access

  /** High half (signed) of the last addrSum. */
  eaHi = 0;
  /**
   * base + index·scale + disp modulo 2^64, summed on 32-bit limbs: returns the low half (unsigned) and leaves
   * the high half in `eaHi` (lea). Adding whole registers as doubles would round whenever an operand is ≥ 2^53
   * in magnitude, even when the sum is small (opposite-sign operands, as SHA-512 and strchr produce).
   */
  addrSum(i: Insn): number {
    let lo = i.disp;
    let hi = 0;
    const b = i.base;
    if (b >= 0) {
      if (b === BASE_RIP) {
        hi = Math.floor(i.next / TWO32);
        lo += i.next - hi * TWO32;
      } else {
        lo += this.L[b]! >>> 0;
        hi = this.H[b]!;
      }
    }
    const x = i.index;
    if (x >= 0) {
      const s = 1 << i.scale;
      lo += (this.L[x]! >>> 0) * s;
      hi += this.H[x]! * s;
    }
    const carry = Math.floor(lo / TWO32);
    this.eaHi = (hi + carry) | 0;
    return lo - carry * TWO32;
  }

  /**
   * Effective address of the memory operand (segment base applied), exact for every address that can be
   * mapped. The limbs of base and index are summed separately (signed high halves, so opposite signs cancel
   * exactly); recombined as a double that is exact below 2^53, else wrapped modulo 2^64 by addrSum. A single
   * 64-bit base + disp (the hot shape) is summed directly: exact whenever the base is below 2^53 in magnitude,
   * and a larger base puts the true and the computed address both outside user space (the access faults).
   */
  ea(i: Insn): number {
    let a: number;
    const b = i.base;
    const x = i.index;
    if (x >= 0) {
      const s = 1 << i.scale;
      let lo = i.disp + (this.L[x]! >>> 0) * s;
      let hi = this.H[x]! * s;
      if (b >= 0) {
        if (b === BASE_RIP) lo += i.next;
        else {
          lo += this.L[b]! >>> 0;
          hi += this.H[b]!;
        }
      }
      if (i.asz === 32) a = lo >>> 0;
      else {
        a = hi * TWO32 + lo;
        if (!(a < 9007199254740992 && a > -9007199254740992)) {
          const l = this.addrSum(i); // sets eaHi: call it before reading
          a = this.eaHi * TWO32 + l;
        }
      }
    } else if (i.asz === 32) a = this.addrSum(i);
    else if (b < 0) a = i.disp;
    else if (b === BASE_RIP) a = i.next + i.disp;
    else a = this.H[b]! * TWO32 + (this.L[b]! >>> 0) + i.disp;
    if (i.seg !== 0) a += i.seg === 4 ? this.fsBase : this.gsBaseNum;
    return a;
  }

  rdReg(r: number, rb: number, sz: number): number {
    switch (sz) {
      case 64:
        this.vh = this.H[r]! >>> 0;
        return this.L[r]! >>> 0;
      case 32:
        this.vh = 0;
        return this.L[r]! >>> 0;
      case 16:
        this.vh = 0;
        return this.L[r]! & 0xffff;
      default:
        this.vh = 0;
        return rb < 16 ? this.L[rb]! & 0xff : (this.L[rb - 16]! >>> 8) & 0xff;
    }
  }
  wrReg(r: number, rb: number, sz: number, v: number, vh: number): void {
    switch (sz) {
      case 64:
        this.L[r] = v;
        this.H[r] = vh;
        return;
      case 32:
        this.L[r] = v;
        this.H[r] = 0;
        return;
      case 16:
        this.L[r] = (this.L[r]! & ~0xffff) | (v & 0xffff);
        return;
      default:
        if (rb < 16) this.L[rb] = (this.L[rb]! & ~0xff) | (v & 0xff);
        else this.L[rb - 16] = (this.L[rb - 16]! & ~0xff00) | ((v & 0xff) << 8);
    }
  }
  rdMem(a: number, sz: number): number {
    switch (sz) {
      case 64: {
        // Low half first so a fault names the operand's address; a page-crossing operand probes the
        // second page (at its first byte, where hardware reports the fault) before anything is read.
        if ((a & 4095) > 4088) {
          this.mem.read8(a);
          this.mem.read8(a - (a & 4095) + 4096);
        }
        const lo = this.mem.read32(a);
        this.vh = this.mem.read32(a + 4);
        return lo;
      }
      case 32:
        this.vh = 0;
        return this.mem.read32(a);
      case 16:
        this.vh = 0;
        return this.mem.read16(a);
      default:
        this.vh = 0;
        return this.mem.read8(a);
    }
  }
  wrMem(a: number, sz: number, v: number, vh: number): void {
    switch (sz) {
      case 64:
        if ((a & 4095) > 4088) this.mem.checkWritable(a, 8);
        this.mem.write32(a, v);
        this.mem.write32(a + 4, vh);
        return;
      case 32:
        this.mem.write32(a, v);
        return;
      case 16:
        this.mem.write16(a, v);
        return;
      default:
        this.mem.write8(a, v);
    }
  }
  /** Address of the last memory E operand read by rdE (read-modify-write handlers write back through wrEm). */
  lastEa = 0;
  /** Read the E operand at the instruction's operand size. */
  rdE(i: Insn): number {
    if (i.mod === 3) return this.rdReg(i.rm, i.rmb, i.osz);
    const a = this.ea(i);
    this.lastEa = a;
    return this.rdMem(a, i.osz);
  }
  /** Write back the E operand just read with rdE (no second address computation). */
  wrEm(i: Insn, v: number, vh: number): void {
    if (i.mod === 3) this.wrReg(i.rm, i.rmb, i.osz, v, vh);
    else this.wrMem(this.lastEa, i.osz, v, vh);
  }
  rdEs(i: Insn, sz: number): number {
    return i.mod === 3 ? this.rdReg(i.rm, i.rmb, sz) : this.rdMem(this.ea(i), sz);
  }
  wrE(i: Insn, v: number, vh: number): void {
    if (i.mod === 3) this.wrReg(i.rm, i.rmb, i.osz, v, vh);
    else this.wrMem(this.ea(i), i.osz, v, vh);
  }
  rdG(i: Insn): number {
    return this.rdReg(i.reg, i.regb, i.osz);
  }
  wrG(i: Insn, v: number, vh: number): void {
    this.wrReg(i.reg, i.regb, i.osz, v, vh);
  }

  // -------------------------------------------------------------- stack

  rsp(): number {
    return this.H[4]! * TWO32 + (this.L[4]! >>> 0);
  }
  setRsp(v: number): void {
    this.L[4] = v;
    this.H[4] = Math.floor(v / TWO32);
  }
  push64(v: number, vh: number): void {
    const sp = this.rsp() - 8;
    this.wrMem(sp, 64, v, vh);
    this.setRsp(sp);
  }
  pop64(): number {
    const sp = this.rsp();
    const v = this.rdMem(sp, 64);
    this.setRsp(sp + 8);
    return v;
  }
}

function checkIndex(i: number, n: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`no ${what} ${i} (0..${n - 1})`);
}

function lt64(a: number, ah: number, b: number, bh: number): number {
  return ah < bh || (ah === bh && a < b) ? 1 : 0;
}
function le64(a: number, ah: number, b: number, bh: number): number {
  return ah < bh || (ah === bh && a <= b) ? 1 : 0;
}

function unimplemented(cpu: X86Cpu, i: Insn): void {
  const bytes = cpu.mem.readBytes(i.addr, i.len);
  cpu.fault(i, { kind: "undefined", pc: i.addr, bytes, detail: `${i.def.mn} is decoded but not implemented` });
}

