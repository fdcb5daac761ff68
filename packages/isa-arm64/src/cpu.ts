/**
 * The A64 interpreter core.
 *
 * State layout (for speed, no BigInt on the hot path): each X register is two
 * 32-bit halves in `L` (low) and `H` (high) Int32Arrays. Slot 31 always reads
 * zero (XZR), slot 32 is SP, slot 33 is a write sink for XZR destinations; the
 * decoder maps encoding 31 to the right slot once, so handlers never branch on it.
 * NZCV are four 0/1 numbers. V0..V31 share one 512-byte buffer viewed at every
 * lane width (host little-endian, as every Node platform is).
 *
 * Execution: each instruction is compiled once into a closure that captures its
 * decoded operands and its own PC and returns the next PC (or a negative trap
 * code). Closures are cached per 4 KiB code page; the page is registered with
 * `GuestMemory.markCodePage`, and any write/unmap/mprotect of it drops the cache.
 */
import { CpuCounters, GuestMemoryFault, PAGE_SIZE, type Cpu, type GuestMemory, type Trap } from "@uabi/isa-core";
import { matchRow } from "./decode.js";
import { compileInstruction } from "./exec.js";
import { successors, translate, type RegionFn } from "./jit.js";
import { SP_SLOT, TRAP_RETIRED } from "./state.js";

export { CTR_EL0, DCZID_EL0, DC_ZVA_BYTES, MIDR_EL1, SP_SLOT, TRAP_FAULTED, TRAP_RETIRED } from "./state.js";

/** A compiled instruction: returns the next PC, or a TRAP_* code. */
export type Handler = () => number;

/** A decoded basic block: handlers for consecutive instructions from `start`. */
interface Block {
  readonly start: number;
  readonly hs: Handler[];
  /** The instruction words (the translator decodes them again). */
  readonly ws: number[];
  /** False once its page was written, unmapped, reprotected or flushed (a translated region checks it). */
  valid: boolean;
  /** NEVER when it is not to be translated (for now), else 0. */
  hits: number;
  /**
   * Instructions the run loop interprets from here before it hands this block to `run` (translate it, call its
   * region, a warm-up event): the run loop's one test for all of that (see runBlocks). Until it is translated,
   * `jitThreshold` − `due` is what it ran (entries × length).
   */
  due: number;
  /** The region's warm-up phase (see WARM_*): FED (done: long calls), FEEDING or COMPILING. */
  warm: number;
  /** FEEDING: instructions of short calls still to run; FED: short calls in a row (untimed from 8 on). */
  probe: number;
  /** FED: long calls in a row that ran too slowly (see SLOW_INSNS). */
  slow: number;
  /** While warming up: the region's other blocks (not counting entries towards regions of their own). */
  members: Block[];
  /** COMPILING: probe events made, and the first one's fastest spin call (the unoptimised function's, ms). */
  warmN: number;
  warmMs: number;
  /** The translated region entered here (undefined: not translated yet). */
  fn: RegionFn | undefined;
  /** Lowest and highest block start in that region (the exec watch must not cover one for it to loop). */
  rlo: number;
  rhi: number;
  /** End of the region's furthest block (the leave watch needs all of it inside its range to enter it). */
  rend: number;
}
const MAX_BLOCK = 64;
/**
 * `hits` of a block that is not to be translated (for a very long while): a small integer, not -Infinity, so
 * the field stays a small-integer field (a double there would change every block's hidden class, and V8 would
 * deoptimise every function that read one).
 */
const NEVER = -(2 ** 30);
/** `due` of a block the run loop is not to hand over (a small integer, as NEVER). */
const NOT_DUE = 2 ** 30;
/** The empty `members` list (shared: it is replaced, never changed). */
const NO_BLOCKS: Block[] = [];
/**
 * Warm-up: what a new region does before it runs in long calls. V8 first runs a function in its bytecode
 * interpreter (or baseline code), 5–20× slower than this file's interpreter, and optimises it only after it has
 * run some bytecode (ticks of ~66 KB, about 3 + length / 150 of them) and then compiles it on another thread
 * for 5–25 ms; a long call running when that happens is compiled a second time, on the stack (OSR).
 * - FEEDING: calls of at most WARM_INSNS instructions until FEED_INSNS ran (a call shorter than 128 counts as
 *   128): every path the region takes early gets type feedback, its exits and epilogue included (a path first
 *   met in optimised code deoptimises the function; exits are constant assignments, which need none).
 * - COMPILING: the run loop interprets the region's code (5–20× faster than V8's unoptimised code), and every
 *   PROBE_EVERY instructions entering it makes SPIN calls with `left` < 0, timed (at once SPIN_FIRST of them):
 *   an empty loop of SPIN_TURNS turns, no effect. They run the cheapest bytecode there is, so V8's ticks
 *   towards optimising the function come in microseconds instead of 5–60 K guest instructions of slow code,
 *   and they are the probe: their loop has no back edge into guest code (no OSR of it), and once the fastest
 *   of them is PROBE_GAIN times faster than the fastest of the first event's (which ended long before any
 *   compile could), V8's optimised code is installed: long calls from then on. After PROBE_MAX events the
 *   region runs in long calls anyway.
 * Stopping a call early or interpreting changes nothing observable (the run loop goes on from the PC the region
 * left); only the length of the calls depends on timing.
 */
const WARM_INSNS = 256;
const FEED_INSNS = 4096;
const PROBE_EVERY = 16_384;
const PROBE_GAIN = 4;
const PROBE_MAX = 512;
const SPIN_TURNS = 2048;
const SPIN_FIRST = 64;
const SPIN = 4;
/**
 * Two warmed-up region calls in a row of at least SLOW_INSNS instructions each, slower than SLOW_MIPS: V8
 * deoptimised it (a call this long takes ~0.1–1 ms optimised; two in a row is not a descheduled process).
 */
const SLOW_INSNS = 65_536;
const SLOW_MIPS = 25;
/** Warm-up phases (Block.warm). */
const FED = 0, FEEDING = 1, COMPILING = 2;
/**
 * Every later call gets at most SLICE_INSNS: a loop that V8 first optimised inside a running call
 * (on-stack replacement) then moves to the function's regularly optimised code at the next call, which
 * runs it faster (the OSR code's loop variables are typed less precisely). A return costs far less than
 * the instructions in between.
 */
const SLICE_INSNS = 1 << 18;
/** Blocks of one translated region at most. */
const MAX_REGION = 24;
/**
 * Instructions a block runs (entries × length) before it is translated. V8 compiles a region in a
 * few milliseconds, the time the interpreter needs for some 10^5 instructions, so only code that
 * keeps running pays for it; straight-line code run a few hundred times stays interpreted.
 */
const DEFAULT_JIT_THRESHOLD = 50_000;

/**
 * Words after which a block must end: every branch (b, bl, b.cond, cbz, tbz, br/blr/ret),
 * exception generation (svc, brk, udf), isb (context synchronisation for modified code),
 * and msr (may change state later instructions depend on only via the run loop).
 */
function endsBlock(w: number): boolean {
  const op = w >>> 26;
  if (op === 0x05 || op === 0x25) return true; // b, bl
  if ((w & 0xff000010) >>> 0 === 0x54000000) return true; // b.cond
  if ((w & 0x7e000000) === 0x34000000 || (w & 0x7e000000) === 0x36000000) return true; // cbz/cbnz, tbz/tbnz
  if ((w & 0xfe000000) >>> 0 === 0xd6000000) return true; // br, blr, ret, eret...
  if ((w & 0xff000000) >>> 0 === 0xd4000000) return true; // svc, hvc, smc, brk, hlt
  if (w === 0xd5033fdf || (w >>> 16) === 0) return true; // isb, udf
  return !matchRow(w); // unallocated: traps
}


export interface Arm64CpuOptions {
  /** CNTVCT_EL0 source: the kernel's virtual clock in ticks of `counterFrequency`. Default: retired instructions. */
  counter?: () => bigint;
  /** CNTFRQ_EL0 in Hz. Default 1 GHz (the fixed frequency Armv8.6 FEAT_ECV mandates), so ticks are nanoseconds. */
  counterFrequency?: number;
  /**
   * The translating tier (src/jit.ts): blocks entered `jitThreshold` times become JavaScript functions with
   * the guest registers in locals. Default on; `false` keeps every instruction in the interpreter.
   */
  jit?: boolean;
  /** Instructions a block runs (entries × length) before it is translated (default 50 000). */
  jitThreshold?: number;
}


/**
 * What this core implements, as Linux's AT_HWCAP bits (arch/arm64/include/uapi/asm/hwcap.h:
 * HWCAP_FP 1<<0, HWCAP_ASIMD 1<<1). The kernel model should advertise exactly this: glibc picks
 * LSE atomics, SVE or MTE string routines only when their HWCAP bits are set, and those are not
 * implemented here.
 */
export const ARM64_HWCAP = (1 << 0) | (1 << 1);

const ZR = 31;

export class Arm64Cpu implements Cpu {
  readonly arch = "arm64" as const;
  readonly counters = new CpuCounters();
  /** Low / high 32-bit halves of x0..x30, [31]=zero, [32]=sp, [33]=discard. */
  readonly L = new Int32Array(34);
  readonly H = new Int32Array(34);
  /** NZCV as 0/1 numbers. */
  fN = 0;
  fZ = 0;
  fC = 0;
  fV = 0;
  /** Vector registers V0..V31, 16 bytes each. */
  readonly vbuf = new ArrayBuffer(32 * 16);
  readonly vb = new Uint8Array(this.vbuf);
  readonly vh = new Uint16Array(this.vbuf);
  readonly vw = new Uint32Array(this.vbuf);
  readonly vi = new Int32Array(this.vbuf);
  readonly vf = new Float32Array(this.vbuf);
  readonly vd = new Float64Array(this.vbuf);
  readonly vq = new BigUint64Array(this.vbuf);
  /** FPCR / FPSR (stored, not interpreted: rounding is always to nearest, exceptions never trap). */
  fpcr = 0;
  fpsr = 0;
  /** TPIDR_EL0 halves. */
  tpLo = 0;
  tpHi = 0;
  /** Exclusive monitor: address (or -1) and the value the load-exclusive saw. */
  exAddr = -1;
  exLo = 0;
  exHi = 0;
  /** The words a load-exclusive pair saw. */
  readonly exPair = new Uint32Array(4);
  pc = 0;
  /** Set by handlers that return a TRAP_* code. */
  pendingTrap: Trap | undefined;
  readonly counterFn: () => bigint;
  readonly counterFrequency: number;

  /** Whether the translating tier is on, and how many regions it translated (for tests and benches). */
  readonly jit: boolean;
  private readonly jitThreshold: number;
  jitRegions = 0;
  /** The last translated region's JavaScript (debugging aid). */
  jitSource = "";

  private readonly pages = new Map<number, (Block | undefined)[]>();
  private curPn = -1;
  private curPage: (Block | undefined)[] = [];

  constructor(
    readonly mem: GuestMemory,
    options: Arm64CpuOptions = {},
  ) {
    this.counterFrequency = options.counterFrequency ?? 1_000_000_000;
    this.counterFn = options.counter ?? (() => BigInt(this.counters.instructions));
    this.jit = options.jit ?? true;
    this.jitThreshold = options.jitThreshold ?? DEFAULT_JIT_THRESHOLD;
    this.unsubscribe = mem.onCodeInvalidated((first, last) => this.invalidate(first, last));
  }

  private readonly unsubscribe: () => void;

  /**
   * Stop listening for code invalidations (call when the thread this core models exits; the core must not
   * run again). Its blocks are dropped, not marked invalid one by one: nothing reaches them but this core's
   * page cache (a translated region only from its entry block), and the walk cost milliseconds at every exit.
   */
  dispose(): void {
    this.unsubscribe();
    this.pages.clear();
    this.curPn = -1;
  }

  // ------------------------------------------------------------ registers

  getReg(i: number): bigint {
    checkReg(i);
    return (BigInt(this.H[i]! >>> 0) << 32n) | BigInt(this.L[i]! >>> 0);
  }
  setReg(i: number, value: bigint): void {
    checkReg(i);
    this.L[i] = Number(value & 0xffffffffn);
    this.H[i] = Number((value >> 32n) & 0xffffffffn);
  }
  get sp(): bigint {
    return (BigInt(this.H[SP_SLOT]! >>> 0) << 32n) | BigInt(this.L[SP_SLOT]! >>> 0);
  }
  set sp(v: bigint) {
    this.L[SP_SLOT] = Number(v & 0xffffffffn);
    this.H[SP_SLOT] = Number((v >> 32n) & 0xffffffffn);
  }
  get tlsBase(): bigint {
    return (BigInt(this.tpHi >>> 0) << 32n) | BigInt(this.tpLo >>> 0);
  }
  set tlsBase(v: bigint) {
    this.tpLo = Number(v & 0xffffffffn) | 0;
    this.tpHi = Number((v >> 32n) & 0xffffffffn) | 0;
  }
  /** NZCV as the 4-bit value N:Z:C:V (N is bit 3); PSTATE/`mrs nzcv` places it at bits 31..28. */
  get nzcv(): number {
    return (this.fN << 3) | (this.fZ << 2) | (this.fC << 1) | this.fV;
  }
  set nzcv(v: number) {
    this.fN = (v >> 3) & 1;
    this.fZ = (v >> 2) & 1;
    this.fC = (v >> 1) & 1;
    this.fV = v & 1;
  }
  /** Vector register as [low 64 bits, high 64 bits]. */
  getVec(i: number): [bigint, bigint] {
    checkVec(i);
    return [this.vq[i * 2]!, this.vq[i * 2 + 1]!];
  }
  setVec(i: number, lo: bigint, hi: bigint): void {
    checkVec(i);
    this.vq[i * 2] = BigInt.asUintN(64, lo);
    this.vq[i * 2 + 1] = BigInt.asUintN(64, hi);
  }
  /** The 16 bytes of V<i> (a live view). */
  vecBytes(i: number): Uint8Array {
    checkVec(i);
    return this.vb.subarray(i * 16, i * 16 + 16);
  }

  // ------------------------------------------------------------ execution

  flushDecodeCache(): void {
    for (const p of this.pages.values()) killBlocks(p);
    this.pages.clear();
    this.curPn = -1;
  }

  /** The exec watch range (see Cpu.setExecWatch); empty when lo = hi. */
  private watchLo = 0;
  private watchHi = 0;
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

  private invalidate(first: number, last: number): void {
    if (last - first > this.pages.size) {
      for (const [pn, p] of this.pages) if (pn >= first && pn <= last) { killBlocks(p); this.pages.delete(pn); }
    } else {
      for (let pn = first; pn <= last; pn++) {
        const p = this.pages.get(pn);
        if (p) { killBlocks(p); this.pages.delete(pn); }
      }
    }
    if (this.curPn >= first && this.curPn <= last) this.curPn = -1;
  }

  private loadPage(pn: number): (Block | undefined)[] {
    let p = this.pages.get(pn);
    if (!p) {
      p = new Array<Block | undefined>(PAGE_SIZE / 4); // eslint-disable-line unicorn/no-new-array -- a holey array is the cheapest sparse cache here
      this.pages.set(pn, p);
      this.mem.markCodePage(pn);
    }
    this.curPn = pn;
    this.curPage = p;
    return p;
  }

  /**
   * Decode the basic block starting at `pc`: instructions up to and including the first
   * that can change control flow or needs a context synchronisation (branches, svc, brk,
   * isb, undefined encodings), never crossing the page, at most MAX_BLOCK long.
   */
  private buildBlock(page: (Block | undefined)[], pc: number): Block {
    const hs: Handler[] = [];
    const ws: number[] = [];
    let a = pc;
    for (;;) {
      const word = this.mem.fetch32(a); // exec permission check; throws GuestMemoryFault
      hs.push(compileInstruction(this, word, a));
      ws.push(word);
      a += 4;
      if (endsBlock(word) || hs.length >= MAX_BLOCK || (a & (PAGE_SIZE - 1)) === 0) break;
    }
    const b: Block = { start: pc, hs, ws, valid: true, hits: 0, due: this.jitThreshold, warm: FED, probe: 0, slow: 0, members: NO_BLOCKS, warmN: 0, warmMs: NaN, fn: undefined, rlo: pc, rhi: pc, rend: a };
    // Only cache into a page list that is still live (the fetch may have invalidated it).
    if (this.pages.get(Math.floor(pc / PAGE_SIZE)) === page) page[(pc & (PAGE_SIZE - 1)) >>> 2] = b;
    return b;
  }

  run(budget: number): Trap {
    // NaN would never compare as spent; a negative budget is a caller bug. Infinity runs to the next trap.
    if (Number.isNaN(budget) || budget < 0) throw new RangeError(`run(${budget}): budget must be a non-negative number`);
    let n = 0;
    for (;;) {
      n = this.runBlocks(budget, n);
      let trap = this.stop;
      this.stop = undefined;
      if (trap === undefined) {
        // runBlocks stopped at a PC without a decoded block, or at a block that is due (see `due`). Both are
        // handled here, outside its loop: V8 would otherwise inline the decoder and the translator into that
        // loop's optimised code (compiles of 30–120 ms) and deoptimise it whenever one of their paths, or one of
        // the region paths, was first met after it had optimised the loop.
        const pc = this.pc;
        const pn = Math.floor(pc / PAGE_SIZE);
        const page = pn === this.curPn ? this.curPage : this.loadPage(pn);
        const b = page[(pc & (PAGE_SIZE - 1)) >>> 2];
        if (b === undefined) {
          try {
            this.buildBlock(page, pc);
          } catch (e) {
            if (!(e instanceof GuestMemoryFault)) throw e;
            trap = { kind: "page-fault", pc, addr: e.addr, access: e.access, reason: e.reason };
          }
        } else {
          n += this.enter(b, budget - n);
          trap = this.pendingTrap;
          this.pendingTrap = undefined;
        }
      }
      if (trap !== undefined) {
        this.counters.record(trap, n);
        return trap;
      }
    }
  }

  /**
   * Block b is due (runBlocks checked that the translating tier is on, that its whole block fits `left` and no
   * leave watch cuts it): translate it, call its region or make a warm-up event, and say when it is due again.
   * Returns the instructions retired; 0 with no trap pending means the run loop interprets b this once.
   */
  private enter(b: Block, left: number): number {
    let fn = b.fn;
    if (fn === undefined) {
      if (b.hits > NEVER / 2) fn = this.translateAt(b);
      if (fn === undefined) {
        b.due = NOT_DUE;
        return 0;
      }
    }
    const loopOk = !(this.watchLo <= b.rhi && this.watchHi > b.rlo) && this.keepLo <= b.rlo && b.rend <= this.keepHi;
    const r = b.warm === FED ? this.fedCall(b, fn, left, loopOk) : this.warmCall(b, fn, left, loopOk);
    // Due at its next entry, unless it is compiling (warmCall set when) or nothing ran (a TLB miss at the entry's
    // first instruction): then the run loop interprets it once.
    if (b.warm !== COMPILING) b.due = r === 0 && this.pendingTrap === undefined ? b.hs.length + 1 : 0;
    return r;
  }

  /** How runBlocks stopped: the trap, or undefined at a block to decode or a due block (see run). */
  private stop: Trap | undefined;

  /** Run blocks from `this.pc` until a trap (in `stop`), a PC with no decoded block or a due block; returns `n` + instructions run. */
  private runBlocks(budget: number, n: number): number {
    let pc = this.pc;
    let i = 0;
    let start = pc;
    let trap: Trap | undefined;
    // Whether the loop stopped for the budget or the leave watch: its trap is made on the path every return takes
    // (a path of its own, first met after V8 optimised this loop, deoptimised it once per run).
    let spent = false;
    try {
      for (;;) {
        if (n >= budget || pc < this.keepLo || pc >= this.keepHi) {
          spent = true;
          break;
        }
        if (pc < this.watchHi && pc >= this.watchLo) {
          trap = { kind: "page-fault", pc, addr: pc, access: "exec", reason: "protection" };
          this.pc = pc;
          break;
        }
        start = pc;
        i = 0;
        const pn = Math.floor(pc / PAGE_SIZE);
        const page = pn === this.curPn ? this.curPage : this.loadPage(pn);
        const b = page[(pc & (PAGE_SIZE - 1)) >>> 2];
        if (b === undefined) break;
        const hs = b.hs;
        let len = hs.length;
        // The leave watch cuts a block reaching past its range at the first instruction outside.
        const cut = pc + 4 * len > this.keepHi;
        if (cut) len = Math.ceil((this.keepHi - pc) / 4);
        // One test for everything the translating tier does (see `due`): its paths, run once a region exists,
        // are not in this loop's code, where V8 would have no type feedback for them.
        // The budget left once per block (`budget - n` in the ternary's arm ran only when a budget ended inside a
        // block, first met after V8 optimised this loop: a deoptimisation per run).
        const rem = budget - n;
        if (this.jit && !cut && len <= rem && (b.due -= len) <= 0) break;
        const lim = rem < len ? rem : len;
        let next = 0;
        for (i = 0; i < lim; i++) {
          next = hs[i]!();
          if (next < 0) break;
        }
        if (next < 0) {
          trap = this.pendingTrap!;
          this.pendingTrap = undefined;
          n += next === TRAP_RETIRED ? i + 1 : i;
          if (next !== TRAP_RETIRED) this.pc = start + 4 * i;
          break;
        }
        n += lim;
        // Computed for every block, for the same reason as `rem`.
        const cutAt = start + 4 * lim;
        pc = lim === hs.length ? next : cutAt;
      }
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      // The faulting instruction is hs[i]; it did not retire and left no effects.
      n += i;
      this.pc = start + 4 * i;
      trap = { kind: "page-fault", pc: this.pc, addr: e.addr, access: e.access, reason: e.reason };
    }
    if (trap === undefined) {
      this.pc = pc;
      // Made on every such return, used on a budget stop: the literal then has type feedback from the first return.
      const stop: Trap = { kind: "budget", pc };
      if (spent) trap = stop;
    }
    this.stop = trap;
    return n;
  }

  /**
   * Translate the region entered at `b`: it and the cached, valid blocks it reaches by constant branches
   * (breadth first, at most MAX_REGION).
   */
  private translateAt(b: Block): RegionFn | undefined {
    const blocks: Block[] = [b];
    const seen = new Set([b.start]);
    for (let i = 0; i < blocks.length && blocks.length < MAX_REGION; i++) {
      for (const t of successors(blocks[i]!)) {
        if (seen.has(t) || blocks.length >= MAX_REGION) continue;
        seen.add(t);
        const nb = this.pages.get(Math.floor(t / PAGE_SIZE))?.[(t & (PAGE_SIZE - 1)) >>> 2];
        // Only blocks that ran a fair share: cold paths would cost compile time for nothing.
        if (nb?.valid && nb.hits > NEVER / 2 && this.jitThreshold - nb.due >= this.jitThreshold / 8) blocks.push(nb);
      }
    }
    const t = translate(blocks);
    if (!t) {
      b.hits = NEVER; // not worth translating: stay in the interpreter
      return undefined;
    }
    const { fn, source } = t;
    b.warm = FEEDING;
    b.probe = FEED_INSNS;
    // Short warm-up calls end in the middle of the region, whose next block the interpreter then runs: the
    // region's other blocks count no entries towards regions of their own (duplicates) until it has warmed up.
    b.members = blocks.filter((x) => x !== b && x.fn === undefined && x.hits > NEVER / 2);
    for (const x of b.members) {
      x.hits = NEVER;
      x.due = NOT_DUE;
    }
    b.fn = fn;
    b.rlo = Math.min(...blocks.map((x) => x.start));
    b.rhi = Math.max(...blocks.map((x) => x.start));
    b.rend = Math.max(...blocks.map((x) => x.start + 4 * x.hs.length));
    this.jitRegions++;
    this.jitSource = source;
    // V8 allocates a function's feedback vector after it ran ~8× its length: spin calls (no effect) do that now,
    // so the first real calls already record type feedback.
    callRegion(fn, this, -SPIN_TURNS, false);
    return fn;
  }

  /**
   * A call of a warmed-up region. Timed while its calls are long (a region left at a syscall a few instructions in
   * is not: two clock reads would cost as much as the call): two in a row that ran SLOW_INSNS or more at less
   * than SLOW_MIPS mean V8 deoptimised the function (a path first met in its optimised code), and the warm-up's
   * COMPILING phase starts again (the interpreter meanwhile, spin calls for V8's ticks, probes).
   */
  private fedCall(b: Block, fn: RegionFn, left: number, loopOk: boolean): number {
    if (b.probe >= 8) {
      const r = callRegion(fn, this, left > SLICE_INSNS ? SLICE_INSNS : left, loopOk);
      if (r >= SLOW_INSNS) b.probe = 0;
      return r;
    }
    const t0 = performance.now();
    const r = callRegion(fn, this, left > SLICE_INSNS ? SLICE_INSNS : left, loopOk);
    const ms = performance.now() - t0;
    if (r < SLOW_INSNS) b.probe++;
    else if (ms * SLOW_MIPS * 1000 <= r) b.slow = 0;
    else if (++b.slow >= 2) {
      b.slow = 0;
      b.warm = COMPILING;
      b.warmN = 1; // the first probe's baseline stays
      b.due = PROBE_EVERY;
    }
    return r;
  }

  /** A call of the region entered at b while it warms up (FEEDING or COMPILING: see WARM_INSNS). */
  private warmCall(b: Block, fn: RegionFn, left: number, loopOk: boolean): number {
    if (b.warm === FEEDING) {
      const r = callRegion(fn, this, left > WARM_INSNS ? WARM_INSNS : left, loopOk);
      if ((b.probe -= r < 128 ? 128 : r) <= 0) {
        b.warm = COMPILING;
        b.due = 0;
        b.warmN = 0;
        b.warmMs = Infinity;
      }
      return r;
    }
    // Spin calls, timed: V8's ticks towards optimising the function, and the probe of whether it has. The first
    // event's calls (SPIN_FIRST, while no compile can have ended) give the unoptimised time, its fastest.
    const first = b.warmN === 0;
    let best = Infinity;
    for (let i = first ? SPIN_FIRST : SPIN; i > 0; i--) {
      const t0 = performance.now();
      callRegion(fn, this, -SPIN_TURNS, false);
      const ms = performance.now() - t0;
      if (ms < best) best = ms;
    }
    b.warmN++;
    if (first) b.warmMs = best;
    else if (best * PROBE_GAIN < b.warmMs || b.warmN >= PROBE_MAX) {
      this.warmed(b);
      return callRegion(fn, this, left > SLICE_INSNS ? SLICE_INSNS : left, loopOk);
    }
    b.due = PROBE_EVERY;
    return 0;
  }
  /** End b's warm-up: long calls from now on, its region's other blocks count their entries again. */
  private warmed(b: Block): void {
    b.warm = FED;
    b.probe = 0;
    for (const x of b.members) {
      if (x.hits < NEVER / 2) {
        x.hits = 0;
        x.due = this.jitThreshold;
      }
    }
    b.members = NO_BLOCKS;
  }

  /** Execute exactly one instruction. */
  step(): Trap {
    return this.run(1);
  }
}

/**
 * Every call of a region goes through here, a call site whose type feedback is megamorphic from the start (the
 * two calls below): V8 then never specialises the run loop's optimised code to the one region it had seen,
 * which deoptimised it ("wrong call target") when the next region was called.
 */
function callRegion(fn: RegionFn, cpu: Arm64Cpu, left: number, loopOk: boolean): number {
  return fn(cpu, left, loopOk);
}
callRegion(() => 0, undefined as unknown as Arm64Cpu, 0, false);
callRegion(() => 1, undefined as unknown as Arm64Cpu, 0, false);

function killBlocks(p: (Block | undefined)[]): void {
  for (const b of p) if (b) b.valid = false;
}

function checkReg(i: number): void {
  if (!Number.isInteger(i) || i < 0 || i > 30) throw new RangeError(`arm64 register index ${i} (x0..x30; use sp for the stack pointer)`);
}
function checkVec(i: number): void {
  if (!Number.isInteger(i) || i < 0 || i > 31) throw new RangeError(`arm64 vector register index ${i}`);
}

export { ZR };
