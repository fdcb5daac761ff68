/**
 * Install-time validation of a seccomp filter, in the kernel's order:
 *   bpf_prog_create_from_user → bpf_check_basics_ok (length 1..BPF_MAXINSNS)
 *   → bpf_prepare_filter → bpf_check_classic (net/core/filter.c: opcode table, per-opcode checks,
 *     last insn RET, check_load_and_stores) → seccomp_check_filter (kernel/seccomp.c: the seccomp
 *     allow-list, ABS loads aligned and inside seccomp_data, LEN rewritten to an immediate).
 * Every failure is -EINVAL, as in Linux; `reason` and `pc` say why, for traces and tests.
 */
import { type BpfProgram, type SockFilter, toProgram } from "./bpf.js";
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ,
  BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MAXINSNS, BPF_MEM,
  BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX,
  BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, EINVAL, SECCOMP_DATA_EXT_SIZE, SECCOMP_DATA_SIZE,
  SKF_AD_OFF,
} from "./constants.js";

export type ValidationResult =
  | { ok: true; program: BpfProgram; insns: SockFilter[]; ebpfLength: number }
  | { ok: false; error: number; reason: string; pc?: number };

const ALU_OPS = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH];
const CJMP_OPS = [BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET];

/** chk_code_allowed() in net/core/filter.c: every opcode classic BPF knows. */
const CLASSIC_CODES: ReadonlySet<number> = new Set([
  ...ALU_OPS.flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
  BPF_LD | BPF_IMM, BPF_LD | BPF_MEM,
  BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH, BPF_LDX | BPF_IMM, BPF_LDX | BPF_MEM,
  BPF_ST, BPF_STX,
  BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
  BPF_RET | BPF_K, BPF_RET | BPF_A,
  BPF_JMP | BPF_JA,
  ...CJMP_OPS.flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

/** The explicit allow-list of seccomp_check_filter() (MOD, IND, MSH, H/B loads are not in it). */
const SECCOMP_CODES: ReadonlySet<number> = new Set([
  BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN,
  BPF_RET | BPF_K, BPF_RET | BPF_A,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap((op) => [
    BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X,
  ]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX,
  BPF_JMP | BPF_JA,
  ...CJMP_OPS.flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

const fail = (reason: string, pc?: number): ValidationResult => ({ ok: false, error: -EINVAL, reason, pc });

/** SKF_AD_* ancillary offsets (SKF_AD_PROTOCOL 0 … SKF_AD_VLAN_TPID 60, SKF_AD_MAX 64), as bpf_anc_helper knows them. */
function isKnownAncillary(k: number): boolean {
  const off = (k - SKF_AD_OFF) >>> 0;
  return off < 64 && off % 4 === 0;
}

/** bpf_check_classic(): generic classic-BPF checks. Returns null when the program passes. */
export function checkClassic(insns: readonly SockFilter[]): { reason: string; pc?: number } | null {
  const flen = insns.length;
  for (let pc = 0; pc < flen; pc++) {
    const { code, jt, jf, k: k0 } = insns[pc]!;
    const k = k0 >>> 0;
    if (!CLASSIC_CODES.has(code)) return { reason: `opcode 0x${code.toString(16)} is not classic BPF`, pc };
    switch (code) {
      case BPF_ALU | BPF_DIV | BPF_K:
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) return { reason: "division by constant zero", pc };
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (k >= 32) return { reason: `shift by ${k} (>= 32)`, pc };
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) return { reason: `scratch index ${k} >= ${BPF_MEMWORDS}`, pc };
        break;
      case BPF_JMP | BPF_JA:
        // Unsigned compare: k >= flen - pc - 1 would leave the program (or loop).
        if (k >= flen - pc - 1) return { reason: `ja +${k} leaves the program`, pc };
        break;
      case BPF_LD | BPF_W | BPF_ABS:
      case BPF_LD | BPF_H | BPF_ABS:
      case BPF_LD | BPF_B | BPF_ABS:
        if (k >= SKF_AD_OFF && !isKnownAncillary(k)) return { reason: `unknown ancillary load ${k}`, pc };
        break;
      default:
        if ((code & 0x07) === BPF_JMP) {
          if (pc + jt + 1 >= flen || pc + jf + 1 >= flen) return { reason: `jump target beyond the program`, pc };
        }
    }
  }
  const last = insns[flen - 1]!.code;
  if (last !== (BPF_RET | BPF_K) && last !== (BPF_RET | BPF_A)) return { reason: "last instruction is not RET", pc: flen - 1 };
  return checkLoadAndStores(insns);
}

/**
 * check_load_and_stores(): a scratch word may be read only if every path to the read stored it.
 * One 16-bit mask of valid words flows forward; jumps AND it into their targets' masks.
 */
export function checkLoadAndStores(insns: readonly SockFilter[]): { reason: string; pc: number } | null {
  const flen = insns.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < flen; pc++) {
    valid &= masks[pc]!;
    const { code, jt, jf, k } = insns[pc]!;
    switch (code) {
      case BPF_ST:
      case BPF_STX:
        valid |= 1 << k;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if ((valid & (1 << k)) === 0) return { reason: `M[${k}] read before any store on some path`, pc };
        break;
      case BPF_JMP | BPF_JA:
        masks[pc + 1 + k]! &= valid;
        valid = 0xffff;
        break;
      default:
        if ((code & 0x07) === BPF_JMP) {
          masks[pc + 1 + jt]! &= valid;
          masks[pc + 1 + jf]! &= valid;
          valid = 0xffff;
        }
    }
  }
  return null;
}

export interface ValidateOptions {
  /** Accept loads up to the extended seccomp_data (vDSO bounds at 64/72); LEN then yields 80. */
  extended?: boolean;
}

/**
 * Validates a seccomp filter as Linux does and returns the rewritten program
 * (LD/LDX W LEN → LD/LDX IMM sizeof(seccomp_data)) ready for `runBpf`.
 */
export function validateSeccompFilter(insns: readonly SockFilter[], opts: ValidateOptions = {}): ValidationResult {
  const dataSize = opts.extended ? SECCOMP_DATA_EXT_SIZE : SECCOMP_DATA_SIZE;
  if (insns.length === 0 || insns.length > BPF_MAXINSNS) return fail(`length ${insns.length} not in 1..${BPF_MAXINSNS}`);
  const classic = checkClassic(insns);
  if (classic) return fail(classic.reason, classic.pc);
  const out: SockFilter[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k: k0 } = insns[pc]!;
    const k = k0 >>> 0;
    if (!SECCOMP_CODES.has(code)) return fail(`opcode 0x${code.toString(16)} not allowed by seccomp`, pc);
    if (code === (BPF_LD | BPF_W | BPF_ABS)) {
      if (k >= dataSize || (k & 3) !== 0) return fail(`load [${k}] not an aligned word inside ${dataSize}-byte seccomp_data`, pc);
      out.push({ code, jt, jf, k });
    } else if (code === (BPF_LD | BPF_W | BPF_LEN)) {
      out.push({ code: BPF_LD | BPF_IMM, jt, jf, k: dataSize });
    } else if (code === (BPF_LDX | BPF_W | BPF_LEN)) {
      out.push({ code: BPF_LDX | BPF_IMM, jt, jf, k: dataSize });
    } else {
      out.push({ code, jt, jf, k });
    }
  }
  return { ok: true, program: toProgram(out, dataSize), insns: out, ebpfLength: ebpfLength(out) };
}

/**
 * Length of the eBPF program bpf_convert_filter() (net/core/filter.c, Linux ≥ 5.11) makes from an
 * already seccomp-checked filter. This, not the cBPF length, is `prog->len`, which
 * seccomp_attach_filter() sums against MAX_INSNS_PER_PATH; the oracle shows it (3641 one-instruction
 * filters attach, not 6554). Prologue: 3 (A = 0, X = 0, CTX = ARG1; seccomp never sets seen_ld_abs).
 * Assumes net.core.bpf_jit_harden = 0: constant blinding would lengthen the program further.
 */
export function ebpfLength(insns: readonly SockFilter[]): number {
  let n = 3;
  for (const { code, jt, jf, k } of insns) {
    const cls = code & 0x07;
    if (code === (BPF_RET | BPF_K)) n += 2; // mov r0, k; exit
    else if (code === (BPF_RET | BPF_A)) n += 1; // exit (A is r0)
    else if (code === (BPF_ALU | BPF_DIV | BPF_X) || code === (BPF_ALU | BPF_MOD | BPF_X)) n += 5; // zext X; jne X,0; A ^= A; exit; op
    else if (cls === BPF_JMP && (code & 0xf0) !== BPF_JA) {
      if ((code & BPF_X) === 0 && (k | 0) < 0) n += 1; // negative immediates go through a temp register
      const op = code & 0xf0;
      if (jf === 0) n += 1;
      else if (jt === 0 && op !== BPF_JSET) n += 1; // inverted to JNE/JLE/JLT
      else n += 2; // Jxx + JA
    } else n += 1;
  }
  return n;
}

