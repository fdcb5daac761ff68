/**
 * Classic BPF as seccomp uses it: the `sock_filter` encoding, decoding from guest bytes, builders,
 * and an interpreter over a `seccomp_data` buffer that counts the instructions it executes
 * (the cost model charges per cBPF instruction).
 */
import { BPF_MEMWORDS } from "./constants.js";

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
    const ins = insns[i]!;
    p.code[i] = ins.code;
    p.jt[i] = ins.jt;
    p.jf[i] = ins.jf;
    p.k[i] = ins.k >>> 0;
  }
  return p;
}

export function fromProgram(p: BpfProgram): SockFilter[] {
  const out: SockFilter[] = [];
  for (let i = 0; i < p.length; i++) out.push({ code: p.code[i]!, jt: p.jt[i]!, jf: p.jf[i]!, k: p.k[i]! });
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

/**
 * Runs a validated program over `data` (a `seccomp_data` image, little-endian) with scratch `mem`
 * (16 words, reused). Semantics follow net/core/filter.c's conversion of cBPF: TAX copies A to X,
 * TXA copies X to A; division or modulo by X = 0 makes the filter return 0 (= SECCOMP_RET_KILL_THREAD);
 * shifts by X use the low 5 bits, as the kernel's 32-bit ALU does. Loads are native-endian words.
 * Case labels are literal opcodes (named in comments) so V8 can compile the switch to a jump table.
 */
export function runBpf(p: BpfProgram, data: DataView, mem: Uint32Array, out: BpfRun): BpfRun {
  const { code, jt, jf, k, length } = p;
  const limit = data.byteLength - 4;
  let a = 0;
  let x = 0;
  let pc = 0;
  let count = 0;
  for (;;) {
    if (pc >= length) throw new BpfRuntimeError("fell off the end of the program", pc);
    count++;
    const kk = k[pc]!;
    switch (code[pc]) {
      case 0x20: // LD|W|ABS
        if (kk > limit) throw new BpfRuntimeError(`load [${kk}] beyond ${data.byteLength}-byte data`, pc);
        a = data.getUint32(kk, true);
        break;
      case 0x00: a = kk; break; // LD|IMM
      case 0x01: x = kk; break; // LDX|IMM
      case 0x60: a = mem[kk & 15]!; break; // LD|MEM
      case 0x61: x = mem[kk & 15]!; break; // LDX|MEM
      case 0x02: mem[kk & 15] = a; break; // ST
      case 0x03: mem[kk & 15] = x; break; // STX
      case 0x07: x = a; break; // MISC|TAX
      case 0x87: a = x; break; // MISC|TXA
      case 0x06: out.ret = kk; out.insns = count; return out; // RET|K
      case 0x16: out.ret = a; out.insns = count; return out; // RET|A
      case 0x05: pc += kk; break; // JMP|JA
      case 0x15: pc += a === kk ? jt[pc]! : jf[pc]!; break; // JEQ|K
      case 0x1d: pc += a === x ? jt[pc]! : jf[pc]!; break; // JEQ|X
      case 0x25: pc += a > kk ? jt[pc]! : jf[pc]!; break; // JGT|K
      case 0x2d: pc += a > x ? jt[pc]! : jf[pc]!; break; // JGT|X
      case 0x35: pc += a >= kk ? jt[pc]! : jf[pc]!; break; // JGE|K
      case 0x3d: pc += a >= x ? jt[pc]! : jf[pc]!; break; // JGE|X
      case 0x45: pc += (a & kk) !== 0 ? jt[pc]! : jf[pc]!; break; // JSET|K
      case 0x4d: pc += (a & x) !== 0 ? jt[pc]! : jf[pc]!; break; // JSET|X
      case 0x04: a = (a + kk) >>> 0; break; // ALU ADD K
      case 0x0c: a = (a + x) >>> 0; break; // ALU ADD X
      case 0x14: a = (a - kk) >>> 0; break; // SUB K
      case 0x1c: a = (a - x) >>> 0; break; // SUB X
      case 0x24: a = Math.imul(a, kk) >>> 0; break; // MUL K
      case 0x2c: a = Math.imul(a, x) >>> 0; break; // MUL X
      case 0x34: a = Math.floor(a / kk) >>> 0; break; // DIV K (k != 0: validated)
      case 0x3c: // DIV X
        if (x === 0) { out.ret = 0; out.insns = count; return out; }
        a = Math.floor(a / x) >>> 0;
        break;
      case 0x94: a = (a % kk) >>> 0; break; // MOD K (classic only; seccomp rejects MOD)
      case 0x9c: // MOD X
        if (x === 0) { out.ret = 0; out.insns = count; return out; }
        a = (a % x) >>> 0;
        break;
      case 0x44: a = (a | kk) >>> 0; break; // OR K
      case 0x4c: a = (a | x) >>> 0; break; // OR X
      case 0x54: a = (a & kk) >>> 0; break; // AND K
      case 0x5c: a = (a & x) >>> 0; break; // AND X
      case 0xa4: a = (a ^ kk) >>> 0; break; // XOR K
      case 0xac: a = (a ^ x) >>> 0; break; // XOR X
      case 0x64: a = (a << (kk & 31)) >>> 0; break; // LSH K
      case 0x6c: a = (a << (x & 31)) >>> 0; break; // LSH X
      case 0x74: a = a >>> (kk & 31); break; // RSH K
      case 0x7c: a = a >>> (x & 31); break; // RSH X
      case 0x84: a = (-a) >>> 0; break; // NEG
      default:
        throw new BpfRuntimeError(`opcode 0x${code[pc]!.toString(16)} not allowed in seccomp`, pc);
    }
    pc++;
  }
}

export { BPF_MEMWORDS };
