/**
 * The handler IR: a tiny register machine, written once and lowered to A64 and x86-64 by
 * `@uabi/vdso`, and run directly by {@link interpret} for ISA-free tests.
 *
 * Model:
 * - 6 virtual registers `0..5`, 64-bit. Six is what x86-64 can give without spilling (the
 *   callee-saved rbx, rbp, r12–r15), so every lowering is a fixed register mapping.
 * - Up to 6 incoming arguments, read with `arg` (the C calling convention of `__kernel_<name>`,
 *   which is also the syscall's argument order).
 * - A per-call scratch frame of `frameSize` bytes (16-aligned, ≤ 1024), addressed with `stack`.
 * - Operands that are not registers are `bigint` immediates (any 64-bit value; lowering
 *   materialises what the ISA cannot encode).
 * - Loads zero-extend; stores truncate; arithmetic wraps at 64 bits.
 */
import type { PageId } from "./layout.js";
import { PAGE_IDS } from "./layout.js";

export const NUM_VREGS = 6;
export const MAX_ARGS = 6;
export const MAX_FRAME = 1024;

export type Reg = 0 | 1 | 2 | 3 | 4 | 5;
/** A register or a 64-bit immediate. */
export type Src = Reg | bigint;
export type Size = 1 | 2 | 4 | 8;
export type AluOp = "add" | "sub" | "and" | "or" | "xor" | "shl" | "shr" | "sar" | "mul";
/** Comparison for `br`: unsigned (ltu…) and signed (lt…) orders, 64-bit. */
export type Cond = "eq" | "ne" | "ltu" | "leu" | "gtu" | "geu" | "lt" | "le" | "gt" | "ge";

export type Insn =
  | { readonly op: "const"; readonly d: Reg; readonly v: bigint }
  | { readonly op: "arg"; readonly d: Reg; readonly i: number }
  | { readonly op: "mov"; readonly d: Reg; readonly s: Reg }
  | { readonly op: "alu"; readonly k: AluOp; readonly d: Reg; readonly a: Reg; readonly b: Src }
  /** Unsigned 64-bit division; division by zero yields 0 (as A64 UDIV; handlers never divide by a variable that can be 0). */
  | { readonly op: "udiv"; readonly d: Reg; readonly a: Reg; readonly b: Src }
  /** Sign- or zero-extend the low `bits` of `s`. */
  | { readonly op: "ext"; readonly d: Reg; readonly s: Reg; readonly bits: 8 | 16 | 32; readonly signed: boolean }
  | { readonly op: "load"; readonly d: Reg; readonly base: Reg; readonly off: number; readonly size: Size }
  | { readonly op: "store"; readonly base: Reg; readonly off: number; readonly s: Src; readonly size: Size }
  /** Address of one of the libkernel data pages (see layout.ts for where each is found). */
  | { readonly op: "page"; readonly d: Reg; readonly page: PageId }
  /** Address of the scratch frame + off. */
  | { readonly op: "stack"; readonly d: Reg; readonly off: number }
  /** The ISA's free-running counter: CNTVCT_EL0 / RDTSC. */
  | { readonly op: "counter"; readonly d: Reg }
  | { readonly op: "br"; readonly cond: Cond; readonly a: Reg; readonly b: Src; readonly target: string }
  | { readonly op: "jmp"; readonly target: string }
  | { readonly op: "label"; readonly name: string }
  /** Issue a real syscall from inside the vDSO (never bounced); the result lands in `d`. */
  | { readonly op: "syscall"; readonly d: Reg; readonly nr: number; readonly args: readonly Src[] }
  | { readonly op: "ret"; readonly s: Src };

export interface Handler {
  /** The syscall (or libkernel function) name, e.g. "umask". */
  readonly name: string;
  /** Number of incoming arguments the handler reads (0..6). */
  readonly nargs: number;
  /** Scratch frame bytes (multiple of 16). */
  readonly frameSize: number;
  readonly code: readonly Insn[];
}

export class IrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IrError";
  }
}

/**
 * Fluent builder. Each method appends one instruction. `label()` returns fresh names so that
 * helper emitters (like the clock reader) can be inlined more than once.
 */
export class IrBuilder {
  private readonly code: Insn[] = [];
  private labels = 0;
  constructor(
    readonly name: string,
    readonly nargs: number,
    private frameSize = 0,
  ) {}

  /** A fresh label name (not yet placed). */
  label(hint = "L"): string {
    return `${hint}.${this.labels++}`;
  }
  place(name: string): this {
    return this.push({ op: "label", name });
  }
  const(d: Reg, v: bigint | number): this {
    return this.push({ op: "const", d, v: BigInt.asUintN(64, BigInt(v)) });
  }
  arg(d: Reg, i: number): this {
    return this.push({ op: "arg", d, i });
  }
  mov(d: Reg, s: Reg): this {
    return this.push({ op: "mov", d, s });
  }
  alu(k: AluOp, d: Reg, a: Reg, b: Src): this {
    return this.push({ op: "alu", k, d, a, b: imm(b) });
  }
  add(d: Reg, a: Reg, b: Src): this {
    return this.alu("add", d, a, b);
  }
  sub(d: Reg, a: Reg, b: Src): this {
    return this.alu("sub", d, a, b);
  }
  and(d: Reg, a: Reg, b: Src): this {
    return this.alu("and", d, a, b);
  }
  udiv(d: Reg, a: Reg, b: Src): this {
    return this.push({ op: "udiv", d, a, b: imm(b) });
  }
  ext(d: Reg, s: Reg, bits: 8 | 16 | 32, signed = false): this {
    return this.push({ op: "ext", d, s, bits, signed });
  }
  load(d: Reg, base: Reg, off: number, size: Size): this {
    return this.push({ op: "load", d, base, off, size });
  }
  store(base: Reg, off: number, s: Src, size: Size): this {
    return this.push({ op: "store", base, off, s: imm(s), size });
  }
  page(d: Reg, page: PageId): this {
    return this.push({ op: "page", d, page });
  }
  stack(d: Reg, off = 0): this {
    return this.push({ op: "stack", d, off });
  }
  counter(d: Reg): this {
    return this.push({ op: "counter", d });
  }
  br(cond: Cond, a: Reg, b: Src, target: string): this {
    return this.push({ op: "br", cond, a, b: imm(b), target });
  }
  jmp(target: string): this {
    return this.push({ op: "jmp", target });
  }
  syscall(d: Reg, nr: number, args: readonly Src[]): this {
    return this.push({ op: "syscall", d, nr, args: args.map(imm) });
  }
  ret(s: Src): this {
    return this.push({ op: "ret", s: imm(s) });
  }
  /** Reserve (at least) `bytes` of scratch frame; returns the offset of the reservation. */
  reserve(bytes: number): number {
    const off = this.frameSize;
    this.frameSize = (off + bytes + 15) & ~15;
    return off;
  }
  build(): Handler {
    const h: Handler = Object.freeze({ name: this.name, nargs: this.nargs, frameSize: this.frameSize, code: Object.freeze([...this.code]) });
    validate(h);
    return h;
  }
  private push(i: Insn): this {
    this.code.push(Object.freeze(i));
    return this;
  }
}

/** Numbers are registers, bigints immediates (normalised to unsigned 64-bit). */
function imm(v: Src): Src {
  return typeof v === "bigint" ? BigInt.asUintN(64, v) : v;
}

/** Registers an instruction reads and writes (for validation and lowering). */
export function regsOf(i: Insn): { reads: Reg[]; writes: Reg[] } {
  const r = (s: Src): Reg[] => (typeof s === "bigint" ? [] : [s]);
  switch (i.op) {
    case "const": case "arg": case "page": case "stack": case "counter":
      return { reads: [], writes: [i.d] };
    case "mov": case "ext":
      return { reads: [i.s], writes: [i.d] };
    case "alu": case "udiv":
      return { reads: [i.a, ...r(i.b)], writes: [i.d] };
    case "load":
      return { reads: [i.base], writes: [i.d] };
    case "store":
      return { reads: [i.base, ...r(i.s)], writes: [] };
    case "br":
      return { reads: [i.a, ...r(i.b)], writes: [] };
    case "syscall":
      return { reads: i.args.flatMap(r), writes: [i.d] };
    case "ret":
      return { reads: r(i.s), writes: [] };
    case "jmp": case "label":
      return { reads: [], writes: [] };
  }
}

const SIZES: ReadonlySet<number> = new Set([1, 2, 4, 8]);
const OFF_LIMIT = 1 << 16;

/** Structural checks; throws IrError. Called by `build()`; lowering may rely on them. */
export function validate(h: Handler): void {
  const fail = (at: number, msg: string): never => {
    throw new IrError(`${h.name}[${at}]: ${msg}`);
  };
  if (!Number.isInteger(h.nargs) || h.nargs < 0 || h.nargs > MAX_ARGS) fail(-1, `nargs ${h.nargs} out of range`);
  if (h.frameSize % 16 !== 0 || h.frameSize < 0 || h.frameSize > MAX_FRAME) fail(-1, `frameSize ${h.frameSize} must be a multiple of 16 ≤ ${MAX_FRAME}`);
  const labels = new Set<string>();
  h.code.forEach((i, at) => {
    if (i.op === "label") {
      if (labels.has(i.name)) fail(at, `label ${i.name} placed twice`);
      labels.add(i.name);
    }
  });
  if (h.code.length === 0) fail(0, "empty handler");
  const last = h.code[h.code.length - 1]!;
  if (last.op !== "ret" && last.op !== "jmp") fail(h.code.length - 1, "must end in ret or jmp (no fall-through off the end)");
  h.code.forEach((i, at) => {
    const { reads, writes } = regsOf(i);
    for (const r of [...reads, ...writes]) if (!Number.isInteger(r) || r < 0 || r >= NUM_VREGS) fail(at, `bad register ${String(r)}`);
    switch (i.op) {
      case "arg":
        if (!Number.isInteger(i.i) || i.i < 0 || i.i >= h.nargs) fail(at, `arg ${i.i} but handler takes ${h.nargs}`);
        break;
      case "load": case "store":
        if (!SIZES.has(i.size)) fail(at, `bad size ${i.size}`);
        if (!Number.isInteger(i.off) || Math.abs(i.off) >= OFF_LIMIT) fail(at, `offset ${i.off} out of range`);
        break;
      case "stack":
        if (!Number.isInteger(i.off) || i.off < 0 || i.off >= Math.max(h.frameSize, 1)) fail(at, `stack offset ${i.off} outside the ${h.frameSize}-byte frame`);
        break;
      case "page":
        if (!PAGE_IDS.includes(i.page)) fail(at, `unknown page ${String(i.page)}`);
        break;
      case "br": case "jmp":
        if (!labels.has(i.target)) fail(at, `undefined label ${i.target}`);
        break;
      case "syscall":
        if (i.args.length > MAX_ARGS) fail(at, `${i.args.length} syscall arguments`);
        if (!Number.isInteger(i.nr) || i.nr < 0 || i.nr >= 0x1000) fail(at, `syscall number ${i.nr}`);
        break;
      case "alu":
        if ((i.k === "shl" || i.k === "shr" || i.k === "sar") && typeof i.b === "bigint" && i.b > 63n) fail(at, `shift by ${i.b}`);
        break;
      default:
        break;
    }
  });
}

/** Does the handler contain an instruction of this kind? (Lowerings use it to decide spills.) */
export function uses(h: Handler, pred: (i: Insn) => boolean): boolean {
  return h.code.some(pred);
}

/**
 * `name(args)`: if `(load32(page + off) & mask) != 0` run `whenSet`, else `whenClear`. The two
 * bodies are concatenated with their labels renamed apart; the frame is the larger of the two.
 */
export function branchOnFlag(name: string, page: PageId, off: number, mask: bigint, whenSet: Handler, whenClear: Handler): Handler {
  const rename = (h: Handler, tag: string): Insn[] =>
    h.code.map((i): Insn => {
      if (i.op === "label") return { ...i, name: `${tag}.${i.name}` };
      if (i.op === "br" || i.op === "jmp") return { ...i, target: `${tag}.${i.target}` };
      return i;
    });
  const code: Insn[] = [
    { op: "page", d: 0, page },
    { op: "load", d: 0, base: 0, off, size: 4 },
    { op: "alu", k: "and", d: 0, a: 0, b: BigInt.asUintN(64, mask) },
    { op: "br", cond: "ne", a: 0, b: 0n, target: "set.entry" },
    ...rename(whenClear, "clear"),
    { op: "label", name: "set.entry" },
    ...rename(whenSet, "set"),
  ];
  const h: Handler = Object.freeze({
    name, nargs: Math.max(whenSet.nargs, whenClear.nargs), frameSize: Math.max(whenSet.frameSize, whenClear.frameSize), code: Object.freeze(code),
  });
  validate(h);
  return h;
}

/** `name(args…)` that just issues syscall `nr` with its `nargs` arguments: the pass-through as IR. */
export function passThrough(name: string, nr: number, nargs: number): Handler {
  const b = new IrBuilder(name, nargs);
  const regs: Reg[] = [];
  for (let k = 0; k < nargs; k++) {
    b.arg(k as Reg, k);
    regs.push(k as Reg);
  }
  return b.syscall(0, nr, regs).ret(0).build();
}
