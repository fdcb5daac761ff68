/**
 * The reference interpreter for the handler IR: the semantics every lowering must match.
 * Tests run handlers here against a fake page set, then run the lowered code on the ISA
 * interpreters and compare.
 */
import type { Cond, Handler, Insn, Size, Src } from "./ir.js";
import { IrError, NUM_VREGS } from "./ir.js";
import type { PageId } from "./layout.js";

/** The memory a handler touches. Addresses and values are unsigned 64-bit. */
export interface IrMemory {
  read(addr: bigint, size: Size): bigint;
  write(addr: bigint, size: Size, value: bigint): void;
}

export interface IrEnv {
  readonly mem: IrMemory;
  /** Addresses of the data pages, as the handler's `page` instruction finds them. */
  readonly pages: Readonly<Record<PageId, bigint>>;
  /** Address of the handler's scratch frame (frameSize bytes, writable). */
  readonly stack: bigint;
  /** The ISA counter. */
  counter(): bigint;
  /** A real syscall issued by the handler; returns the raw result (−errno on failure). */
  syscall(nr: number, args: readonly bigint[]): bigint;
  /** Step limit (default 1,000,000): a runaway handler throws instead of hanging. */
  readonly maxSteps?: number;
}

const M64 = (1n << 64n) - 1n;

function cmp(cond: Cond, a: bigint, b: bigint): boolean {
  const sa = BigInt.asIntN(64, a);
  const sb = BigInt.asIntN(64, b);
  switch (cond) {
    case "eq": return a === b;
    case "ne": return a !== b;
    case "ltu": return a < b;
    case "leu": return a <= b;
    case "gtu": return a > b;
    case "geu": return a >= b;
    case "lt": return sa < sb;
    case "le": return sa <= sb;
    case "gt": return sa > sb;
    case "ge": return sa >= sb;
  }
}

/** Run `h` with arguments `args`; returns the value of its `ret` (unsigned 64-bit). */
export function interpret(h: Handler, args: readonly bigint[], env: IrEnv): bigint {
  const regs: bigint[] = Array.from({ length: NUM_VREGS }, () => 0n);
  const argv = Array.from({ length: h.nargs }, (_, i) => BigInt.asUintN(64, args[i] ?? 0n));
  const at = new Map<string, number>();
  h.code.forEach((i, n) => {
    if (i.op === "label") at.set(i.name, n);
  });
  const val = (s: Src): bigint => (typeof s === "bigint" ? s : regs[s]!);
  const limit = env.maxSteps ?? 1_000_000;
  let pc = 0;
  for (let steps = 0; steps < limit; steps++) {
    const i: Insn | undefined = h.code[pc++];
    if (!i) throw new IrError(`${h.name}: fell off the end`);
    switch (i.op) {
      case "const": regs[i.d] = i.v; break;
      case "arg": regs[i.d] = argv[i.i]!; break;
      case "mov": regs[i.d] = regs[i.s]!; break;
      case "alu": {
        const a = regs[i.a]!;
        const b = val(i.b);
        let r: bigint;
        switch (i.k) {
          case "add": r = a + b; break;
          case "sub": r = a - b; break;
          case "and": r = a & b; break;
          case "or": r = a | b; break;
          case "xor": r = a ^ b; break;
          case "mul": r = a * b; break;
          // Shift counts are taken mod 64, as both ISAs do for 64-bit shifts.
          case "shl": r = a << (b & 63n); break;
          case "shr": r = a >> (b & 63n); break;
          case "sar": r = BigInt.asIntN(64, a) >> (b & 63n); break;
        }
        regs[i.d] = r & M64;
        break;
      }
      case "udiv": {
        const b = val(i.b);
        regs[i.d] = b === 0n ? 0n : regs[i.a]! / b;
        break;
      }
      case "ext": {
        const v = regs[i.s]!;
        regs[i.d] = i.signed ? BigInt.asUintN(64, BigInt.asIntN(i.bits, v)) : BigInt.asUintN(i.bits, v);
        break;
      }
      case "load":
        regs[i.d] = BigInt.asUintN(i.size * 8, env.mem.read((regs[i.base]! + BigInt(i.off)) & M64, i.size));
        break;
      case "store":
        env.mem.write((regs[i.base]! + BigInt(i.off)) & M64, i.size, BigInt.asUintN(i.size * 8, val(i.s)));
        break;
      case "page": regs[i.d] = env.pages[i.page]; break;
      case "stack": regs[i.d] = env.stack + BigInt(i.off); break;
      case "counter": regs[i.d] = env.counter() & M64; break;
      case "br":
        if (cmp(i.cond, regs[i.a]!, val(i.b))) pc = at.get(i.target)!;
        break;
      case "jmp": pc = at.get(i.target)!; break;
      case "label": break;
      case "syscall":
        regs[i.d] = BigInt.asUintN(64, env.syscall(i.nr, i.args.map(val)));
        break;
      case "ret": return val(i.s);
    }
  }
  throw new IrError(`${h.name}: exceeded ${limit} steps`);
}

/** A sparse little-endian byte memory for tests and tools: every address is readable and writable. */
export class SparseMemory implements IrMemory {
  private readonly bytes = new Map<bigint, number>();
  read(addr: bigint, size: Size): bigint {
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(this.bytes.get((addr + BigInt(k)) & M64) ?? 0);
    return v;
  }
  write(addr: bigint, size: Size, value: bigint): void {
    for (let k = 0; k < size; k++) this.bytes.set((addr + BigInt(k)) & M64, Number((value >> BigInt(8 * k)) & 0xffn));
  }
  readBytes(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let k = 0; k < len; k++) out[k] = this.bytes.get(addr + BigInt(k)) ?? 0;
    return out;
  }
  writeBytes(addr: bigint, data: Uint8Array): void {
    data.forEach((b, k) => this.bytes.set(addr + BigInt(k), b));
  }
}
