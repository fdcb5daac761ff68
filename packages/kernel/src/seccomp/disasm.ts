/**
 * cBPF pretty-printer in bpf_asm/bpf_dbg syntax (`l3:\tjeq #0xc000003e, l4, l9`), with comments
 * naming seccomp_data fields and SECCOMP_RET actions, for `--trace` and docs.
 */
import type { SockFilter } from "./bpf.js";
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ,
  BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD,
  BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TXA, BPF_X, BPF_XOR,
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA,
} from "./constants.js";
import { seccompDataField } from "./data.js";

const ALU_NAMES: Record<number, string> = {
  [BPF_ADD]: "add", [BPF_SUB]: "sub", [BPF_MUL]: "mul", [BPF_DIV]: "div", [BPF_OR]: "or", [BPF_AND]: "and",
  [BPF_LSH]: "lsh", [BPF_RSH]: "rsh", [BPF_NEG]: "neg", [BPF_MOD]: "mod", [BPF_XOR]: "xor",
};
const JMP_NAMES: Record<number, string> = { [BPF_JEQ]: "jeq", [BPF_JGT]: "jgt", [BPF_JGE]: "jge", [BPF_JSET]: "jset" };
const SIZE_SUFFIX: Record<number, string> = { 0: "", [BPF_H]: "h", [BPF_B]: "b" };

export const ACTION_NAMES: Record<number, string> = {
  0x80000000: "KILL_PROCESS", 0x00000000: "KILL_THREAD", 0x00030000: "TRAP", 0x00050000: "ERRNO",
  0x7fc00000: "USER_NOTIF", 0x7ff00000: "TRACE", 0x7ffc0000: "LOG", 0x7fff0000: "ALLOW",
};

/** "ERRNO(1)", "ALLOW", "TRAP(0x1234)"… for a full 32-bit seccomp return value. */
export function describeSeccompRet(ret: number): string {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & SECCOMP_RET_DATA;
  const name = ACTION_NAMES[action] ?? `action 0x${action.toString(16)}`;
  return data ? `${name}(${action === 0x00050000 ? data : "0x" + data.toString(16)})` : name;
}

const ARCH_NAMES: Record<number, string> = { [AUDIT_ARCH_X86_64]: "AUDIT_ARCH_X86_64", [AUDIT_ARCH_AARCH64]: "AUDIT_ARCH_AARCH64" };

const hex = (k: number) => `#0x${(k >>> 0).toString(16)}`;

/** One instruction, without the label. */
export function disassembleInsn(insn: SockFilter, pc: number, seccomp = true): { text: string; comment?: string } {
  const { code, jt, jf } = insn;
  const k = insn.k >>> 0;
  const cls = code & 0x07;
  const mode = code & 0xe0;
  const src = (code & BPF_X) !== 0 ? "x" : hex(k);
  // Only exact encodings are named; anything with stray bits is printed raw (decoding must not guess).
  if (code > 0xff) return unknown(insn);
  switch (cls) {
    case BPF_LD:
    case BPF_LDX: {
      if ((code & 0x18) === 0x18) break;
      const op = (cls === BPF_LD ? "ld" : "ldx") + (SIZE_SUFFIX[code & 0x18] ?? "?");
      if (mode === BPF_IMM) return { text: `${op} ${hex(k)}` };
      if (mode === BPF_ABS) return { text: `${op} [${k}]`, comment: seccomp ? seccompDataField(k) : undefined };
      if (mode === BPF_IND) return { text: `${op} [x + ${k}]` };
      if (mode === BPF_MEM) return { text: `${op} M[${k}]` };
      if (mode === BPF_LEN) return { text: `${op} len` };
      if (mode === BPF_MSH) return { text: `${op} 4*([${k}]&0xf)` };
      break;
    }
    case BPF_ST: if (code === BPF_ST) return { text: `st M[${k}]` }; break;
    case BPF_STX: if (code === BPF_STX) return { text: `stx M[${k}]` }; break;
    case BPF_ALU: {
      const name = ALU_NAMES[code & 0xf0];
      if (!name || (code & 0x07) !== BPF_ALU) break;
      return { text: (code & 0xf0) === BPF_NEG ? "neg" : `${name} ${src}` };
    }
    case BPF_JMP: {
      if (code === (BPF_JMP | BPF_JA)) return { text: `ja l${pc + 1 + k}` };
      const name = JMP_NAMES[code & 0xf0];
      if (!name) break;
      const comment = seccomp && (code & BPF_X) === 0 ? ARCH_NAMES[k] : undefined;
      return { text: `${name} ${src}, l${pc + 1 + jt}, l${pc + 1 + jf}`, comment };
    }
    case BPF_RET:
      if (code === (BPF_RET | BPF_A)) return { text: "ret a" };
      if (code === BPF_RET) return { text: `ret ${hex(k)}`, comment: seccomp ? describeSeccompRet(k) : undefined };
      break;
    case BPF_MISC:
      if (code === (BPF_MISC | BPF_TXA)) return { text: "txa" };
      if (code === BPF_MISC) return { text: "tax" };
      break;
  }
  return unknown(insn);
}

function unknown({ code, jt, jf, k }: SockFilter): { text: string; comment: string } {
  return { text: `.word 0x${code.toString(16)}, ${jt}, ${jf}, ${hex(k)}`, comment: "unknown opcode" };
}

/** The whole program, one line per instruction: `l<pc>:\t<insn>[\t; comment]`. */
export function disassembleBpf(insns: readonly SockFilter[], opts: { seccomp?: boolean } = {}): string[] {
  return insns.map((insn, pc) => {
    const { text, comment } = disassembleInsn(insn, pc, opts.seccomp ?? true);
    return comment ? `l${pc}:\t${text.padEnd(28)}; ${comment}` : `l${pc}:\t${text}`;
  });
}
