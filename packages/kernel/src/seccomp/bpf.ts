/**
 * Classic BPF as seccomp uses it: the `sock_filter` encoding, decoding from guest bytes, builders,
 * and an interpreter over a `seccomp_data` buffer that counts the instructions it executes
 * (the cost model charges per cBPF instruction).
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LSH, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MUL,
  BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
} from "./constants.js";

/** One `struct sock_filter` (8 bytes: u16 code, u8 jt, u8 jf, u32 k). */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const SOCK_FILTER_SIZE = 8;

/** BPF_STMT(code, k). */
export function stmt(code: number, k = 0): SockFilter {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** BPF_JUMP(code, k, jt, jf). */
export function jump(code: number, k: number, jt: number, jf: number): SockFilter {
  return { code, jt, jf, k: k >>> 0 };
}

/** Thrown for malformed byte input (length not a multiple of 8, fields out of range). */
export class BpfEncodingError extends Error {
  override name = "BpfEncodingError";
}

/** Encodes instructions as little-endian `sock_filter` records (both target ISAs are LE). */
export function encodeProgram(insns: readonly SockFilter[]): Uint8Array {
  const out = new Uint8Array(insns.length * SOCK_FILTER_SIZE);
  const dv = new DataView(out.buffer);
  insns.forEach((insn, i) => {
    const { code, jt, jf, k } = insn;
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw new BpfEncodingError(`insn ${i}: code ${code} is not a u16`);
    if (!Number.isInteger(jt) || jt < 0 || jt > 0xff) throw new BpfEncodingError(`insn ${i}: jt ${jt} is not a u8`);
    if (!Number.isInteger(jf) || jf < 0 || jf > 0xff) throw new BpfEncodingError(`insn ${i}: jf ${jf} is not a u8`);
    if (!Number.isInteger(k) || k < -0x80000000 || k > 0xffffffff) throw new BpfEncodingError(`insn ${i}: k ${k} is not a u32`);
    const o = i * SOCK_FILTER_SIZE;
    dv.setUint16(o, code, true);
    dv.setUint8(o + 2, jt);
    dv.setUint8(o + 3, jf);
    dv.setUint32(o + 4, k >>> 0, true);
  });
  return out;
}

/** Decodes `sock_filter` records (e.g. bytes copied from guest memory at `sock_fprog.filter`). */
export function decodeProgram(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    throw new BpfEncodingError(`${bytes.length} bytes is not a whole number of 8-byte sock_filter records`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SockFilter[] = [];
  for (let o = 0; o < bytes.length; o += SOCK_FILTER_SIZE) {
    out.push({ code: dv.getUint16(o, true), jt: dv.getUint8(o + 2), jf: dv.getUint8(o + 3), k: dv.getUint32(o + 4, true) });
  }
  return out;
}

/**
 * A program in struct-of-arrays form for the interpreter. Only `validateSeccompFilter` (validate.ts)
 * should build one for seccomp use: the interpreter trusts that loads are in bounds and jumps forward.
 */
export interface BpfProgram {
  readonly length: number;
  readonly code: Uint16Array;
  readonly jt: Uint8Array;
  readonly jf: Uint8Array;
  readonly k: Uint32Array;
  /** Bytes a `BPF_LD|BPF_W|BPF_ABS` may read (64, or 80 with the vDSO-bounds extension). */
  readonly dataSize: number;
}

export function toProgram(insns: readonly SockFilter[], dataSize: number): BpfProgram {
  const n = insns.length;
  const p = { length: n, code: new Uint16Array(n), jt: new Uint8Array(n), jf: new Uint8Array(n), k: new Uint32Array(n), dataSize };
  for (let i = 0; i < n; i++) {
    p.code[i] = insns[i].code;
    p.jt[i] = insns[i].jt;
    p.jf[i] = insns[i].jf;
    p.k[i] = insns[i].k >>> 0;
  }
  return p;
}

export function fromProgram(p: BpfProgram): SockFilter[] {
  const out: SockFilter[] = [];
  for (let i = 0; i < p.length; i++) out.push({ code: p.code[i], jt: p.jt[i], jf: p.jf[i], k: p.k[i] });
  return out;
}

/** Thrown only if an unvalidated program misbehaves (validated programs cannot reach these). */
export class BpfRuntimeError extends Error {
  override name = "BpfRuntimeError";
  constructor(message: string, readonly pc: number) {
    super(`${message} at pc ${pc}`);
  }
}

/** Reusable result slot, so the hot path allocates nothing per syscall. */
export interface BpfRun {
  ret: number;
  insns: number;
}

const CODE = {
  LD_IMM: BPF_LD | BPF_IMM,
  LD_ABS_W: BPF_LD | BPF_W | BPF_ABS,
  LD_MEM: BPF_LD | BPF_MEM,
  LDX_IMM: BPF_LDX | BPF_IMM,
  LDX_MEM: BPF_LDX | BPF_MEM,
  ST: BPF_ST,
  STX: BPF_STX,
  RET_K: BPF_RET | BPF_K,
  RET_A: BPF_RET | BPF_A,
  TAX: BPF_MISC | BPF_TAX,
  TXA: BPF_MISC | BPF_TXA,
  JA: BPF_JMP | BPF_JA,
} as const;

/**
 * Runs a validated program over `data` (a `seccomp_data` image, little-endian) with scratch `mem`
 * (16 words, reused). Semantics follow net/core/filter.c's conversion of cBPF: TAX copies A to X,
 * TXA copies X to A; division or modulo by X = 0 makes the filter return 0 (= SECCOMP_RET_KILL_THREAD);
 * shifts by X use the low 5 bits, as the kernel's 32-bit ALU does. Loads are native-endian words.
 */
export function runBpf(p: BpfProgram, data: DataView, mem: Uint32Array, out: BpfRun): BpfRun {
  const { code, jt, jf, k, length } = p;
  let a = 0;
  let x = 0;
  let pc = 0;
  let count = 0;
  for (;;) {
    if (pc >= length) throw new BpfRuntimeError("fell off the end of the program", pc);
    count++;
    const c = code[pc];
    const kk = k[pc];
    switch (c) {
      case CODE.LD_ABS_W:
        if (kk + 4 > data.byteLength) throw new BpfRuntimeError(`load [${kk}] beyond ${data.byteLength}-byte data`, pc);
        a = data.getUint32(kk, true);
        break;
      case CODE.LD_IMM: a = kk; break;
      case CODE.LDX_IMM: x = kk; break;
      case CODE.LD_MEM: a = mem[kk & 15]; break;
      case CODE.LDX_MEM: x = mem[kk & 15]; break;
      case CODE.ST: mem[kk & 15] = a; break;
      case CODE.STX: mem[kk & 15] = x; break;
      case CODE.TAX: x = a; break;
      case CODE.TXA: a = x; break;
      case CODE.RET_K: out.ret = kk; out.insns = count; return out;
      case CODE.RET_A: out.ret = a; out.insns = count; return out;
      case CODE.JA: pc += kk; break;
      default: {
        const cls = c & 0x07;
        if (cls === BPF_ALU) {
          const src = (c & BPF_X) !== 0 ? x : kk;
          switch (c & 0xf0) {
            case BPF_ADD: a = (a + src) >>> 0; break;
            case BPF_SUB: a = (a - src) >>> 0; break;
            case BPF_MUL: a = Math.imul(a, src) >>> 0; break;
            case BPF_DIV:
              if (src === 0) { out.ret = 0; out.insns = count; return out; }
              a = Math.floor(a / src) >>> 0;
              break;
            case BPF_MOD:
              if (src === 0) { out.ret = 0; out.insns = count; return out; }
              a = (a % src) >>> 0;
              break;
            case BPF_OR: a = (a | src) >>> 0; break;
            case BPF_AND: a = (a & src) >>> 0; break;
            case BPF_XOR: a = (a ^ src) >>> 0; break;
            case BPF_LSH: a = (a << (src & 31)) >>> 0; break;
            case BPF_RSH: a = a >>> (src & 31); break;
            case BPF_NEG: a = (-a) >>> 0; break;
            default: throw new BpfRuntimeError(`bad ALU opcode 0x${c.toString(16)}`, pc);
          }
        } else if (cls === BPF_JMP) {
          const src = (c & BPF_X) !== 0 ? x : kk;
          let taken: boolean;
          switch (c & 0xf0) {
            case BPF_JEQ: taken = a === src; break;
            case BPF_JGT: taken = a > src; break;
            case BPF_JGE: taken = a >= src; break;
            case BPF_JSET: taken = (a & src) !== 0; break;
            default: throw new BpfRuntimeError(`bad JMP opcode 0x${c.toString(16)}`, pc);
          }
          pc += taken ? jt[pc] : jf[pc];
        } else {
          throw new BpfRuntimeError(`opcode 0x${c.toString(16)} not allowed in seccomp`, pc);
        }
      }
    }
    pc++;
  }
}

export { BPF_MEMWORDS };
