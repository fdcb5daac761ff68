/**
 * Disassembler producing GNU objdump (binutils) syntax: mnemonic, TAB, operands,
 * with objdump's alias choices (mov/cmp/lsl/ubfx/cset/…) and number formats
 * (hex for data immediates, decimal for load/store offsets). Branch and
 * PC-relative targets print as `0x<addr>` (objdump prints the bare hex address
 * followed by `<symbol>`; the oracle test normalises that).
 *
 * One formatter per table row; a formatter returns undefined for encodings the
 * row's class leaves unallocated or that this package does not implement.
 */
import { vfpExpandImm } from "./bits.js";
import { decode, decodeBitMasks, type Decoded } from "./decode.js";
import {
  FIXED_CVT_OPS, fixedCvtSize, FP2_OPS, FP3_OPS, FP_ACROSS_OPS, fpKey, INDEXED_OPS, indexedOperand, MULT_OPCODES,
  SCALAR2_FP_OPS, SCALAR2_INT_OPS, SCALAR2_NARROW_OPS, SCALAR3_FP_OPS, SCALAR3_INT_OPS, SCALAR3_SAT_OPS, SCALAR_PAIR_FP_OPS, SCALAR_SHIFT_OPS,
} from "./simd-tables.js";
import type { FieldMap, RowName } from "./table.js";

/** One formatter per row, typed by that row's declared fields. */
type Formatters = { readonly [N in RowName]: (f: FieldMap[N], pc: number) => string | undefined };

export const COND_NAMES = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"] as const;
const EXTEND_NAMES = ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"];
const SHIFT_NAMES = ["lsl", "lsr", "asr", "ror"];

/** General register name; `sp31` picks sp/wsp for encoding 31, else xzr/wzr. */
export function gpr(n: number, is64: boolean | number, sp31 = false): string {
  if (n === 31) return sp31 ? (is64 ? "sp" : "wsp") : is64 ? "xzr" : "wzr";
  return (is64 ? "x" : "w") + n;
}
const X = (n: number) => gpr(n, true);
const XS = (n: number) => gpr(n, true, true);
const hex = (v: number | bigint) => (typeof v === "bigint" ? (v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16)) : v < 0 ? "-0x" + (-v).toString(16) : "0x" + v.toString(16));
/** A PC-relative target as objdump prints it: the 64-bit address, wrapping below zero. */
const addr64 = (a: number) => "0x" + (a >= 0 ? a.toString(16) : BigInt.asUintN(64, BigInt(a)).toString(16));
const target = (pc: number, off: number) => addr64(pc + off);
const u64 = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

const FP_REG = ["s", "d", undefined, "h"] as const;
function fpr(ftype: number, n: number): string | undefined {
  const p = FP_REG[ftype];
  return p ? p + n : undefined;
}

/** Vector arrangement from size (0..3) and Q. */
export function arrangement(size: number, q: number): string {
  return ["8b", "16b", "4h", "8h", "2s", "4s", "1d", "2d"][size * 2 + q]!;
}
const V = (n: number, arr: string) => `v${n}.${arr}`;

/** objdump prints FP immediates with printf("%.18e"). */
export function fmtFloat(v: number): string {
  const s = v.toExponential(18);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

const memOff = (base: number, off: number) => (off === 0 ? `[${XS(base)}]` : `[${XS(base)}, #${off}]`);

function ldstName(size: number, opc: number, unscaled: boolean): [string, string] | undefined {
  // returns [mnemonic, register prefix "w"/"x"/"prfm"]
  const pre = unscaled ? "ldur" : "ldr";
  const spre = unscaled ? "stur" : "str";
  const k = size * 4 + opc;
  const table: Record<number, [string, string]> = {
    0: [spre + "b", "w"], 1: [pre + "b", "w"], 2: [pre + "sb", "x"], 3: [pre + "sb", "w"],
    4: [spre + "h", "w"], 5: [pre + "h", "w"], 6: [pre + "sh", "x"], 7: [pre + "sh", "w"],
    8: [spre, "w"], 9: [pre, "w"], 10: [pre + "sw", "x"],
    12: [spre, "x"], 13: [pre, "x"], 14: [unscaled ? "prfum" : "prfm", "p"],
  };
  return table[k];
}
/** SIMD&FP register for a load/store: [prefix, log2(bytes)] or undefined. */
function fpLdst(size: number, opc: number): [string, number] | undefined {
  if (opc >= 2) return size === 0 ? ["q", 4] : undefined;
  return [["b", "h", "s", "d"][size]!, size];
}

const PRFOPS = ["pld", "pli", "pst"];
function prfop(rt: number): string {
  const type = rt >> 3;
  const tgt = (rt >> 1) & 3;
  if (type > 2 || tgt > 2) return hex(rt).replace("0x", "#0x");
  return `${PRFOPS[type]}l${tgt + 1}${rt & 1 ? "strm" : "keep"}`;
}

export const SYSREG_NAMES: Record<string, string> = {
  "3.3.13.0.2": "tpidr_el0",
  "3.3.4.2.0": "nzcv",
  "3.3.4.4.0": "fpcr",
  "3.3.4.4.1": "fpsr",
  "3.3.0.0.1": "ctr_el0",
  "3.3.0.0.7": "dczid_el0",
  "3.0.0.0.0": "midr_el1",
  "3.3.14.0.2": "cntvct_el0",
  "3.3.14.0.0": "cntfrq_el0",
  "3.3.13.0.3": "tpidrro_el0",
};

const BARRIER_NAMES: Record<number, string> = { 1: "oshld", 2: "oshst", 3: "osh", 5: "nshld", 6: "nshst", 7: "nsh", 9: "ishld", 10: "ishst", 11: "ish", 13: "ld", 14: "st", 15: "sy" };

const HINT_NAMES: Record<number, string> = {
  0: "nop", 1: "yield", 2: "wfe", 3: "wfi", 4: "sev", 5: "sevl", 7: "xpaclri",
  8: "pacia1716", 10: "pacib1716", 12: "autia1716", 14: "autib1716",
  16: "esb", 17: "psb\tcsync", 20: "csdb",
  24: "paciaz", 25: "paciasp", 26: "pacibz", 27: "pacibsp", 28: "autiaz", 29: "autiasp", 30: "autibz", 31: "autibsp",
  32: "bti", 34: "bti\tc", 36: "bti\tj", 38: "bti\tjc",
};

/** Is MOVZ/MOVN the better description of a value (ARM MoveWidePreferred)? */
function moveWidePreferred(sf: number, immn: number, imms: number, immr: number): boolean {
  const width = sf ? 64 : 32;
  if (sf === 1 && immn !== 1) return false;
  if (sf === 0 && !(immn === 0 && (imms & 0x20) === 0)) return false;
  if (imms < 16) return (-immr & 15) <= 15 - imms;
  if (imms >= width - 15) return (immr & 15) <= imms - (width - 15);
  return false;
}

function bfxPreferred(sf: number, uns: number, imms: number, immr: number): boolean {
  if (imms < immr) return false;
  if (imms === (sf ? 63 : 31)) return false;
  if (immr === 0) {
    if (sf === 0 && (imms === 7 || imms === 15)) return false;
    if (sf === 1 && uns === 0 && (imms === 7 || imms === 15 || imms === 31)) return false;
  }
  return true;
}

function modImm64(abcdefgh: number): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) if ((abcdefgh >> i) & 1) v |= 0xffn << BigInt(i * 8);
  return v;
}

const FMT: Formatters = {
  ADR(f, pc) {
    if (f.op) return `adrp\t${X(f.rd)}, ${addr64(Math.floor(pc / 4096) * 4096 + f.imm * 4096)}`;
    return `adr\t${X(f.rd)}, ${target(pc, f.imm)}`;
  },
  ADDSUB_IMM(f) {
    const { sf, op, S, sh, imm12, rn, rd } = f;
    const shs = sh ? ", lsl #12" : "";
    if (!op && !S && !sh && imm12 === 0 && (rd === 31 || rn === 31)) return `mov\t${gpr(rd, sf, true)}, ${gpr(rn, sf, true)}`;
    if (S && rd === 31) return `${op ? "cmp" : "cmn"}\t${gpr(rn, sf, true)}, #${hex(imm12)}${shs}`;
    return `${op ? "sub" : "add"}${S ? "s" : ""}\t${gpr(rd, sf, !S)}, ${gpr(rn, sf, true)}, #${hex(imm12)}${shs}`;
  },
  LOGIC_IMM(f) {
    const { sf, opc, N, immr, imms, rn, rd } = f;
    if (!sf && N) return undefined;
    const m = decodeBitMasks(N, imms, immr, !!sf);
    if (!m) return undefined;
    const v = sf ? u64(m[0], m[1]) : BigInt(m[0] >>> 0);
    if (opc === 3 && rd === 31) return `tst\t${gpr(rn, sf)}, #${hex(v)}`;
    if (opc === 1 && rn === 31 && !moveWidePreferred(sf, N, imms, immr)) return `mov\t${gpr(rd, sf, true)}, #${hex(v)}`;
    return `${["and", "orr", "eor", "ands"][opc]}\t${gpr(rd, sf, opc !== 3)}, ${gpr(rn, sf)}, #${hex(v)}`;
  },
  MOVEWIDE(f) {
    const { sf, opc, hw, imm16, rd } = f;
    if (opc === 1 || (!sf && hw >= 2)) return undefined;
    const shift = hw * 16;
    const r = gpr(rd, sf);
    if (opc === 2 && !(imm16 === 0 && hw !== 0)) return `mov\t${r}, #${hex(BigInt(imm16) << BigInt(shift))}`;
    if (opc === 0 && !(imm16 === 0 && hw !== 0) && !(sf === 0 && imm16 === 0xffff)) {
      const bits = sf ? 64 : 32;
      return `mov\t${r}, #${hex(BigInt.asUintN(bits, ~(BigInt(imm16) << BigInt(shift))))}`;
    }
    const name = ["movn", "", "movz", "movk"][opc]!;
    return `${name}\t${r}, #${hex(imm16)}${shift ? `, lsl #${shift}` : ""}`;
  },
  BITFIELD(f) {
    const { sf, opc, N, immr, imms, rn, rd } = f;
    if (opc === 3 || N !== sf || (!sf && (immr >= 32 || imms >= 32))) return undefined;
    const size = sf ? 64 : 32;
    const d = gpr(rd, sf);
    const n = gpr(rn, sf);
    if (opc === 0) {
      if (imms === size - 1) return `asr\t${d}, ${n}, #${immr}`;
      if (imms < immr) return `sbfiz\t${d}, ${n}, #${size - immr}, #${imms + 1}`;
      if (bfxPreferred(sf, 0, imms, immr)) return `sbfx\t${d}, ${n}, #${immr}, #${imms - immr + 1}`;
      if (immr === 0 && (imms === 7 || imms === 15 || imms === 31)) return `${imms === 7 ? "sxtb" : imms === 15 ? "sxth" : "sxtw"}\t${d}, ${gpr(rn, 0)}`;
      return `sbfm\t${d}, ${n}, #${immr}, #${imms}`;
    }
    if (opc === 1) {
      if (imms < immr) return rn === 31 ? `bfc\t${d}, #${size - immr}, #${imms + 1}` : `bfi\t${d}, ${n}, #${size - immr}, #${imms + 1}`;
      return `bfxil\t${d}, ${n}, #${immr}, #${imms - immr + 1}`;
    }
    if (imms !== size - 1 && imms + 1 === immr) return `lsl\t${d}, ${n}, #${size - 1 - imms}`;
    if (imms === size - 1) return `lsr\t${d}, ${n}, #${immr}`;
    if (imms < immr) return `ubfiz\t${d}, ${n}, #${size - immr}, #${imms + 1}`;
    if (bfxPreferred(sf, 1, imms, immr)) return `ubfx\t${d}, ${n}, #${immr}, #${imms - immr + 1}`;
    if (immr === 0 && (imms === 7 || imms === 15)) return `${imms === 7 ? "uxtb" : "uxth"}\t${d}, ${gpr(rn, 0)}`;
    return `ubfm\t${d}, ${n}, #${immr}, #${imms}`;
  },
  EXTR(f) {
    const { sf, N, rm, imms, rn, rd } = f;
    if (N !== sf || (!sf && imms >= 32)) return undefined;
    if (rn === rm) return `ror\t${gpr(rd, sf)}, ${gpr(rn, sf)}, #${imms}`;
    return `extr\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${gpr(rm, sf)}, #${imms}`;
  },
  B: (f, pc) => `${f.op ? "bl" : "b"}\t${target(pc, f.off)}`,
  B_COND: (f, pc) => `b.${COND_NAMES[f.cond]}\t${target(pc, f.off)}`,
  CBZ: (f, pc) => `${f.op ? "cbnz" : "cbz"}\t${gpr(f.rt, f.sf)}, ${target(pc, f.off)}`,
  TBZ: (f, pc) => `${f.op ? "tbnz" : "tbz"}\t${gpr(f.rt, f.bit >= 32)}, #${f.bit}, ${target(pc, f.off)}`,
  SVC: (f) => `svc\t#${hex(f.imm16)}`,
  BRK: (f) => `brk\t#${hex(f.imm16)}`,
  UDF: (f) => `udf\t#${f.imm16}`,
  HINT(f) {
    const n = (f.crm << 3) | f.op2;
    return HINT_NAMES[n] ?? `hint\t#${hex(n)}`;
  },
  BARRIER(f) {
    const { crm, op2 } = f;
    const opt = BARRIER_NAMES[crm] ?? `#${hex(crm)}`;
    if (op2 === 2) return crm === 15 ? "clrex" : `clrex\t#${crm}`;
    if (op2 === 4) return crm === 0 ? "ssbb" : crm === 4 ? "pssbb" : `dsb\t${opt}`;
    if (op2 === 5) return `dmb\t${opt}`;
    if (op2 === 6) return crm === 15 ? "isb" : `isb\t#${hex(crm)}`;
    if (op2 === 7 && crm === 0) return "sb";
    return undefined;
  },
  SYS(f) {
    const name = SYS_OPS[`${f.op1}.${f.crn}.${f.crm}.${f.op2}`];
    return name ? `${name}, ${X(f.rt)}` : undefined;
  },
  SYSREG(f) {
    const name = SYSREG_NAMES[`${2 + f.o0}.${f.op1}.${f.crn}.${f.crm}.${f.op2}`];
    if (!name) return undefined;
    return f.L ? `mrs\t${X(f.rt)}, ${name}` : `msr\t${name}, ${X(f.rt)}`;
  },
  BR(f) {
    if (f.opc === 2) return f.rn === 30 ? "ret" : `ret\t${X(f.rn)}`;
    if (f.opc === 3) return undefined;
    return `${f.opc ? "blr" : "br"}\t${X(f.rn)}`;
  },
  LDST_EXCL(f) {
    const { size, o2, L, o1, rs, o0, rt2, rn, rt } = f;
    const sfx = size === 0 ? "b" : size === 1 ? "h" : "";
    const r = gpr(rt, size === 3);
    const b = `[${XS(rn)}]`;
    if (!o2 && !o1) {
      if (rt2 !== 31) return undefined;
      if (L) return rs === 31 ? `${o0 ? "ldaxr" : "ldxr"}${sfx}\t${r}, ${b}` : undefined;
      return `${o0 ? "stlxr" : "stxr"}${sfx}\t${gpr(rs, 0)}, ${r}, ${b}`;
    }
    if (!o2 && o1) {
      if (size < 2) return undefined;
      if (L) return rs === 31 ? `${o0 ? "ldaxp" : "ldxp"}\t${r}, ${gpr(rt2, size === 3)}, ${b}` : undefined;
      return `${o0 ? "stlxp" : "stxp"}\t${gpr(rs, 0)}, ${r}, ${gpr(rt2, size === 3)}, ${b}`;
    }
    if (o2 && !o1 && o0 && rs === 31 && rt2 === 31) return `${L ? "ldar" : "stlr"}${sfx}\t${r}, ${b}`;
    return undefined;
  },
  LDR_LIT(f, pc) {
    const { opc, V, off, rt } = f;
    const t = target(pc, off);
    if (V) return opc === 3 ? undefined : `ldr\t${["s", "d", "q"][opc]}${rt}, ${t}`;
    if (opc === 3) return `prfm\t${prfop(rt)}, ${t}`;
    return `${opc === 2 ? "ldrsw" : "ldr"}\t${gpr(rt, opc !== 0)}, ${t}`;
  },
  LDSTP(f) {
    const { opc, V, mode, L, imm, rt2, rn, rt } = f;
    let name = L ? "ldp" : "stp";
    let reg: (n: number) => string;
    let scale: number;
    if (V) {
      if (opc === 3) return undefined;
      const p = ["s", "d", "q"][opc]!;
      reg = (n) => p + n;
      scale = 4 << opc;
    } else {
      if (opc === 3 || (opc === 1 && (!L || mode === 0))) return undefined;
      if (opc === 1) name = "ldpsw";
      reg = (n) => gpr(n, opc !== 0);
      scale = opc === 2 ? 8 : 4; // ldpsw moves 32-bit words
    }
    if (mode === 0) name = L ? "ldnp" : "stnp";
    const off = imm * scale;
    const m = mode === 1 ? `[${XS(rn)}], #${off}` : mode === 3 ? `[${XS(rn)}, #${off}]!` : memOff(rn, off);
    return `${name}\t${reg(rt)}, ${reg(rt2)}, ${m}`;
  },
  LDST_IMM9(f) {
    const { size, V, opc, imm: off, idx, rn, rt } = f;
    let name: string;
    let reg: string;
    if (V) {
      const r = fpLdst(size, opc);
      if (!r || idx === 2) return undefined;
      name = (opc & 1 ? "ld" : "st") + (idx === 0 ? "ur" : "r");
      reg = r[0] + rt;
    } else {
      const k = ldstName(size, opc, idx !== 1 && idx !== 3);
      if (!k || (k[1] === "p" && idx !== 0)) return undefined;
      // idx 2: the unprivileged ldtr/sttr forms (unscaled offset, like ldur/stur).
      name = idx === 2 ? k[0].replace(/^ldur/, "ldtr").replace(/^stur/, "sttr") : k[0];
      reg = k[1] === "p" ? prfop(rt) : gpr(rt, k[1] === "x");
    }
    const m = idx === 0 || idx === 2 ? memOff(rn, off) : idx === 1 ? `[${XS(rn)}], #${off}` : `[${XS(rn)}, #${off}]!`;
    return `${name}\t${reg}, ${m}`;
  },
  LDST_REGOFF(f) {
    const { size, V, opc, rm, option, S, rn, rt } = f;
    if ((option & 2) === 0) return undefined;
    let name: string;
    let reg: string;
    let shift: number;
    if (V) {
      const r = fpLdst(size, opc);
      if (!r) return undefined;
      name = opc & 1 ? "ldr" : "str";
      reg = r[0] + rt;
      shift = r[1];
    } else {
      const k = ldstName(size, opc, false);
      if (!k) return undefined;
      name = k[0];
      reg = k[1] === "p" ? prfop(rt) : gpr(rt, k[1] === "x");
      shift = size;
    }
    const idxReg = gpr(rm, (option & 1) === 1);
    let ext: string;
    if (option === 3) ext = S ? `, lsl #${shift}` : "";
    else ext = `, ${EXTEND_NAMES[option]}${S ? ` #${shift}` : ""}`;
    return `${name}\t${reg}, [${XS(rn)}, ${idxReg}${ext}]`;
  },
  LDST_UIMM(f) {
    const { size, V, opc, imm12, rn, rt } = f;
    if (V) {
      const r = fpLdst(size, opc);
      if (!r) return undefined;
      return `${opc & 1 ? "ldr" : "str"}\t${r[0]}${rt}, ${memOff(rn, imm12 << r[1])}`;
    }
    const k = ldstName(size, opc, false);
    if (!k) return undefined;
    const reg = k[1] === "p" ? prfop(rt) : gpr(rt, k[1] === "x");
    return `${k[0]}\t${reg}, ${memOff(rn, imm12 << size)}`;
  },
  LDST_MULT: (f) => ldstMult(f, undefined),
  LDST_MULT_POST: (f) => ldstMult(f, f.rm),
  LOGIC_SREG(f) {
    const { sf, opc, shift, N, rm, imm6, rn, rd } = f;
    if (!sf && imm6 >= 32) return undefined;
    const sh = shift === 0 && imm6 === 0 ? "" : `, ${SHIFT_NAMES[shift]} #${imm6}`;
    const m = gpr(rm, sf);
    if (opc === 1 && N === 0 && rn === 31 && shift === 0 && imm6 === 0) return `mov\t${gpr(rd, sf)}, ${m}`;
    if (opc === 1 && N === 1 && rn === 31) return `mvn\t${gpr(rd, sf)}, ${m}${sh}`;
    if (opc === 3 && rd === 31) return `${N ? "bics" : "tst"}${N ? `\t${gpr(rd, sf)}, ${gpr(rn, sf)}` : `\t${gpr(rn, sf)}`}, ${m}${sh}`;
    const name = [["and", "bic"], ["orr", "orn"], ["eor", "eon"], ["ands", "bics"]][opc]![N]!;
    return `${name}\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${m}${sh}`;
  },
  ADDSUB_SREG(f) {
    const { sf, op, S, shift, rm, imm6, rn, rd } = f;
    if (shift === 3 || (!sf && imm6 >= 32)) return undefined;
    const sh = shift === 0 && imm6 === 0 ? "" : `, ${SHIFT_NAMES[shift]} #${imm6}`;
    const m = gpr(rm, sf);
    if (S && rd === 31) return `${op ? "cmp" : "cmn"}\t${gpr(rn, sf)}, ${m}${sh}`;
    if (op && rn === 31) return `${S ? "negs" : "neg"}\t${gpr(rd, sf)}, ${m}${sh}`;
    return `${op ? "sub" : "add"}${S ? "s" : ""}\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${m}${sh}`;
  },
  ADDSUB_EREG(f) {
    const { sf, op, S, opt, rm, option, imm3, rn, rd } = f;
    if (opt !== 0 || imm3 > 4) return undefined;
    const m = gpr(rm, sf && (option & 3) === 3);
    const lslForm = (rd === 31 && !S) || rn === 31 ? option === (sf ? 3 : 2) : false;
    const ext = lslForm ? (imm3 ? `, lsl #${imm3}` : "") : `, ${EXTEND_NAMES[option]}${imm3 ? ` #${imm3}` : ""}`;
    if (S && rd === 31) return `${op ? "cmp" : "cmn"}\t${gpr(rn, sf, true)}, ${m}${ext}`;
    return `${op ? "sub" : "add"}${S ? "s" : ""}\t${gpr(rd, sf, !S)}, ${gpr(rn, sf, true)}, ${m}${ext}`;
  },
  ADC(f) {
    const { sf, op, S, rm, rn, rd } = f;
    if (op && rn === 31) return `${S ? "ngcs" : "ngc"}\t${gpr(rd, sf)}, ${gpr(rm, sf)}`;
    return `${op ? "sbc" : "adc"}${S ? "s" : ""}\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${gpr(rm, sf)}`;
  },
  CCMP(f) {
    const { sf, op, rm, cond, i, rn, nzcv } = f;
    const second = i ? `#${hex(rm)}` : gpr(rm, sf);
    return `${op ? "ccmp" : "ccmn"}\t${gpr(rn, sf)}, ${second}, #${hex(nzcv)}, ${COND_NAMES[cond]}`;
  },
  CSEL(f) {
    const { sf, op, S, rm, cond, o2, rn, rd } = f;
    if (S) return undefined;
    const d = gpr(rd, sf);
    const inv = COND_NAMES[cond ^ 1];
    if (cond < 14 && rn === rm) {
      if (op === 0 && o2 === 1) return rn === 31 ? `cset\t${d}, ${inv}` : `cinc\t${d}, ${gpr(rn, sf)}, ${inv}`;
      if (op === 1 && o2 === 0) return rn === 31 ? `csetm\t${d}, ${inv}` : `cinv\t${d}, ${gpr(rn, sf)}, ${inv}`;
      if (op === 1 && o2 === 1) return `cneg\t${d}, ${gpr(rn, sf)}, ${inv}`;
    }
    const name = [["csel", "csinc"], ["csinv", "csneg"]][op]![o2]!;
    return `${name}\t${d}, ${gpr(rn, sf)}, ${gpr(rm, sf)}, ${COND_NAMES[cond]}`;
  },
  DP2(f) {
    const { sf, S, rm, opcode, rn, rd } = f;
    const name = S ? undefined : ({ 2: "udiv", 3: "sdiv", 8: "lsl", 9: "lsr", 10: "asr", 11: "ror" } as Record<number, string>)[opcode];
    return name ? `${name}\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${gpr(rm, sf)}` : undefined;
  },
  DP1(f) {
    const { sf, S, opcode2, opcode, rn, rd } = f;
    if (S || opcode2) return undefined;
    const names = sf ? ["rbit", "rev16", "rev32", "rev", "clz", "cls"] : ["rbit", "rev16", "rev", undefined, "clz", "cls"];
    const name = names[opcode];
    return name ? `${name}\t${gpr(rd, sf)}, ${gpr(rn, sf)}` : undefined;
  },
  DP3(f) {
    const { sf, op54, op31, rm, o0, ra, rn, rd } = f;
    if (op54) return undefined;
    if (op31 === 0) {
      if (ra === 31) return `${o0 ? "mneg" : "mul"}\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${gpr(rm, sf)}`;
      return `${o0 ? "msub" : "madd"}\t${gpr(rd, sf)}, ${gpr(rn, sf)}, ${gpr(rm, sf)}, ${gpr(ra, sf)}`;
    }
    if (!sf) return undefined;
    if (op31 === 1 || op31 === 5) {
      const u = op31 === 5 ? "u" : "s";
      if (ra === 31) return `${u}${o0 ? "mnegl" : "mull"}\t${X(rd)}, ${gpr(rn, 0)}, ${gpr(rm, 0)}`;
      return `${u}${o0 ? "msubl" : "maddl"}\t${X(rd)}, ${gpr(rn, 0)}, ${gpr(rm, 0)}, ${X(ra)}`;
    }
    if ((op31 === 2 || op31 === 6) && !o0) return `${op31 === 6 ? "umulh" : "smulh"}\t${X(rd)}, ${X(rn)}, ${X(rm)}`;
    return undefined;
  },
  FP_DP1(f) {
    const { ftype, opcode, rn, rd } = f;
    if (opcode === 7 && ftype <= 1) return `fcvt\th${rd}, ${fpr(ftype, rn)}`;
    if (ftype === 3 && (opcode === 4 || opcode === 5)) return `fcvt\t${fpr(opcode - 4, rd)}, h${rn}`;
    if (ftype > 1) return undefined;
    const s = (n: number) => fpr(ftype, n)!;
    if (opcode === 4 || opcode === 5) return opcode - 4 === ftype ? undefined : `fcvt\t${fpr(opcode - 4, rd)}, ${s(rn)}`;
    const name = ({ 0: "fmov", 1: "fabs", 2: "fneg", 3: "fsqrt", 8: "frintn", 9: "frintp", 10: "frintm", 11: "frintz", 12: "frinta", 14: "frintx", 15: "frinti" } as Record<number, string>)[opcode];
    return name ? `${name}\t${s(rd)}, ${s(rn)}` : undefined;
  },
  FP_DP2(f) {
    const { ftype, rm, opcode, rn, rd } = f;
    const name = ["fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"][opcode];
    if (ftype > 1 || !name) return undefined;
    return `${name}\t${fpr(ftype, rd)}, ${fpr(ftype, rn)}, ${fpr(ftype, rm)}`;
  },
  FP_CMP(f) {
    const { ftype, rm, op, rn, opc } = f;
    if (ftype > 1 || op || (opc & 7)) return undefined;
    const name = opc & 16 ? "fcmpe" : "fcmp";
    return `${name}\t${fpr(ftype, rn)}, ${opc & 8 ? "#0.0" : fpr(ftype, rm)}`;
  },
  FP_CSEL(f) {
    const { ftype, rm, cond, rn, rd } = f;
    if (ftype > 1) return undefined;
    return `fcsel\t${fpr(ftype, rd)}, ${fpr(ftype, rn)}, ${fpr(ftype, rm)}, ${COND_NAMES[cond]}`;
  },
  FP_CCMP(f) {
    const { ftype, rm, cond, rn, op, nzcv } = f;
    if (ftype > 1) return undefined;
    return `${op ? "fccmpe" : "fccmp"}\t${fpr(ftype, rn)}, ${fpr(ftype, rm)}, #${hex(nzcv)}, ${COND_NAMES[cond]}`;
  },
  FP_IMM(f) {
    const { ftype, imm8, imm5, rd } = f;
    if (ftype > 1 || imm5) return undefined;
    return `fmov\t${fpr(ftype, rd)}, #${fmtFloat(vfpExpandImm(imm8))}`;
  },
  FP_INT(f) {
    const { sf, S, ftype, rmode, opcode, rn, rd } = f;
    if (S) return undefined;
    const g = (n: number) => gpr(n, sf);
    if (opcode >= 6) {
      if (rmode === 0 && ((sf === 0 && ftype === 0) || (sf === 1 && ftype === 1))) {
        return opcode === 6 ? `fmov\t${g(rd)}, ${fpr(ftype, rn)}` : `fmov\t${fpr(ftype, rd)}, ${g(rn)}`;
      }
      if (rmode === 1 && sf === 1 && ftype === 2) return opcode === 6 ? `fmov\t${X(rd)}, v${rn}.d[1]` : `fmov\tv${rd}.d[1], ${X(rn)}`;
      return undefined;
    }
    if (ftype > 1) return undefined;
    if (opcode === 2 || opcode === 3) return rmode === 0 ? `${opcode === 2 ? "scvtf" : "ucvtf"}\t${fpr(ftype, rd)}, ${g(rn)}` : undefined;
    let name: string | undefined;
    if (opcode <= 1) name = `fcvt${"npmz"[rmode]}${opcode ? "u" : "s"}`;
    else if (opcode >= 4 && rmode === 0) name = `fcvta${opcode === 5 ? "u" : "s"}`;
    return name ? `${name}\t${g(rd)}, ${fpr(ftype, rn)}` : undefined;
  },
  FP_FIXED(f) {
    const { sf, S, ftype, rmode, opcode, scale, rn, rd } = f;
    if (S || ftype > 1 || (!sf && scale < 32)) return undefined;
    const fbits = 64 - scale;
    if (rmode === 3 && opcode <= 1) return `fcvtz${opcode ? "u" : "s"}\t${gpr(rd, sf)}, ${fpr(ftype, rn)}, #${fbits}`;
    if (rmode === 0 && (opcode === 2 || opcode === 3)) return `${opcode === 3 ? "ucvtf" : "scvtf"}\t${fpr(ftype, rd)}, ${gpr(rn, sf)}, #${fbits}`;
    return undefined;
  },
  FP_DP3(f) {
    const { ftype, o1, rm, o0, ra, rn, rd } = f;
    if (ftype > 1) return undefined;
    const name = [["fmadd", "fmsub"], ["fnmadd", "fnmsub"]][o1]![o0]!;
    const s = (n: number) => fpr(ftype, n)!;
    return `${name}\t${s(rd)}, ${s(rn)}, ${s(rm)}, ${s(ra)}`;
  },
  SIMD_3SAME(f) {
    const { Q, U, size, rm, opcode, rn, rd } = f;
    if (opcode === 3) {
      const name = U ? ["eor", "bsl", "bit", "bif"][size]! : ["and", "bic", "orr", "orn"][size]!;
      const a = Q ? "16b" : "8b";
      if (!U && size === 2 && rn === rm) return `mov\t${V(rd, a)}, ${V(rn, a)}`;
      return `${name}\t${V(rd, a)}, ${V(rn, a)}, ${V(rm, a)}`;
    }
    if (opcode >= 24) {
      const fname = FP3_OPS[fpKey(U, size >> 1, opcode)];
      const sz = size & 1;
      if (!fname || (sz && !Q)) return undefined;
      const a = sz ? "2d" : Q ? "4s" : "2s";
      return `${fname}\t${V(rd, a)}, ${V(rn, a)}, ${V(rm, a)}`;
    }
    const name = (U ? SIMD3_U1 : SIMD3_U0)[opcode];
    if (!name || (size === 3 && !Q)) return undefined;
    if (size === 3 && !SIMD3_D.has(name)) return undefined;
    if (((name === "sqdmulh" || name === "sqrdmulh") && (size === 0 || size === 3)) || (name === "pmul" && size !== 0)) return undefined;
    const a = arrangement(size, Q);
    return `${name}\t${V(rd, a)}, ${V(rn, a)}, ${V(rm, a)}`;
  },
  SIMD_3DIFF(f) {
    const { Q, U, size, rm, opcode, rn, rd } = f;
    const sat = DIFF3_SAT[(U << 4) | opcode];
    if (sat) {
      const [name, kind] = sat;
      const two = Q ? "2" : "";
      if (kind === "pmull") {
        if (size !== 0 && size !== 3) return undefined;
        return `${name}${two}\t${V(rd, size ? "1q" : "8h")}, ${V(rn, arrangement(size, Q))}, ${V(rm, arrangement(size, Q))}`;
      }
      if (size === 3 || (kind === "doubling" && size === 0)) return undefined;
      const wide = arrangement(size + 1, 1), narrow = arrangement(size, Q);
      if (kind === "narrow") return `${name}${two}\t${V(rd, narrow)}, ${V(rn, wide)}, ${V(rm, wide)}`;
      return `${name}${two}\t${V(rd, wide)}, ${V(rn, narrow)}, ${V(rm, narrow)}`;
    }
    const base = ({ 0: "addl", 1: "addw", 2: "subl", 3: "subw", 12: "mull" } as Record<number, string>)[opcode];
    if (!base || size === 3) return undefined;
    const name = (U ? "u" : "s") + base + (Q ? "2" : "");
    const wide = arrangement(size + 1, 1);
    const narrow = arrangement(size, Q);
    const second = opcode === 1 || opcode === 3 ? V(rn, wide) : V(rn, narrow);
    return `${name}\t${V(rd, wide)}, ${second}, ${V(rm, narrow)}`;
  },
  SIMD_2MISC(f) {
    const { Q, U, size, opcode, rn, rd } = f;
    if (U === 1 && opcode === 22 && size === 1) return `fcvtxn${Q ? "2" : ""}\t${V(rd, Q ? "4s" : "2s")}, ${V(rn, "2d")}`;
    const satName = MISC2_SAT[(U << 5) | opcode];
    if (satName) return size === 3 && !Q ? undefined : `${satName}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size, Q))}`;
    if ((opcode >= 12 && opcode <= 15) || opcode >= 22) {
      const fname = FP2_OPS[fpKey(U, size >> 1, opcode)];
      const sz = size & 1;
      if (!fname) return undefined;
      if (fname === "fcvtn") return sz ? `fcvtn${Q ? "2" : ""}\t${V(rd, Q ? "4s" : "2s")}, ${V(rn, "2d")}` : `fcvtn${Q ? "2" : ""}\t${V(rd, Q ? "8h" : "4h")}, ${V(rn, "4s")}`;
      if (fname === "fcvtl") return sz ? `fcvtl${Q ? "2" : ""}\t${V(rd, "2d")}, ${V(rn, Q ? "4s" : "2s")}` : `fcvtl${Q ? "2" : ""}\t${V(rd, "4s")}, ${V(rn, Q ? "8h" : "4h")}`;
      if ((sz && !Q) || fname === "frecpx" || (sz && (fname === "urecpe" || fname === "ursqrte"))) return undefined;
      const fa = sz ? "2d" : Q ? "4s" : "2s";
      const zero = opcode >= 12 && opcode <= 14 ? ", #0.0" : "";
      return `${fname}\t${V(rd, fa)}, ${V(rn, fa)}${zero}`;
    }
    const a = arrangement(size, Q);
    const k = (U << 5) | opcode;
    if (k === 5 && size === 0) return `cnt\t${V(rd, a)}, ${V(rn, a)}`;
    if (k === 37 && size === 0) return `mvn\t${V(rd, a)}, ${V(rn, a)}`;
    if (k === 37 && size === 1) return `rbit\t${V(rd, Q ? "16b" : "8b")}, ${V(rn, Q ? "16b" : "8b")}`;
    if (k === 51) return size === 3 ? undefined : `shll${Q ? "2" : ""}\t${V(rd, arrangement(size + 1, 1))}, ${V(rn, a)}, #${8 << size}`;
    if (k === 18) return size === 3 ? undefined : `xtn${Q ? "2" : ""}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size + 1, 1))}`;
    if ((k === 0 && size < 3) || (k === 32 && size < 2) || (k === 1 && size === 0)) return `${k === 0 ? "rev64" : k === 32 ? "rev32" : "rev16"}\t${V(rd, a)}, ${V(rn, a)}`;
    if ((k === 4 || k === 36) && size < 3) return `${k === 4 ? "cls" : "clz"}\t${V(rd, a)}, ${V(rn, a)}`;
    const pairLong = ({ 2: "saddlp", 34: "uaddlp", 6: "sadalp", 38: "uadalp" } as Record<number, string>)[k];
    if (pairLong) return size === 3 ? undefined : `${pairLong}\t${V(rd, arrangement(size + 1, Q))}, ${V(rn, a)}`;
    const satNarrow = ({ 20: "sqxtn", 52: "uqxtn", 50: "sqxtun" } as Record<number, string>)[k];
    if (satNarrow) return size === 3 ? undefined : `${satNarrow}${Q ? "2" : ""}\t${V(rd, a)}, ${V(rn, arrangement(size + 1, 1))}`;
    const cmpz = ({ 9: "cmeq", 8: "cmgt", 40: "cmge", 41: "cmle", 10: "cmlt" } as Record<number, string>)[k];
    if (cmpz) return size === 3 && !Q ? undefined : `${cmpz}\t${V(rd, a)}, ${V(rn, a)}, #0`;
    if (k === 11 || k === 43) return size === 3 && !Q ? undefined : `${k === 11 ? "abs" : "neg"}\t${V(rd, a)}, ${V(rn, a)}`;
    return undefined;
  },
  SIMD_ACROSS(f) {
    const { Q, U, size, opcode, rn, rd } = f;
    if (opcode === 12 || opcode === 15) {
      const fname = FP_ACROSS_OPS[fpKey(U, size >> 1, opcode)];
      if (!fname || !Q || (size & 1)) return undefined;
      return `${fname}\ts${rd}, ${V(rn, "4s")}`;
    }
    const k = (U << 5) | opcode;
    const name = ({ 27: "addv", 10: "smaxv", 26: "sminv", 42: "umaxv", 58: "uminv", 35: "uaddlv", 3: "saddlv" } as Record<number, string>)[k];
    if (!name || size === 3 || (size === 2 && !Q)) return undefined;
    const long = k === 35 || k === 3;
    return `${name}\t${"bhsd"[size + (long ? 1 : 0)]}${rd}, ${V(rn, arrangement(size, Q))}`;
  },
  SIMD_COPY(f) {
    const { Q, op, imm5, imm4, rn, rd } = f;
    const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : imm5 & 8 ? 3 : -1;
    if (size < 0) return undefined;
    const t = "bhsd"[size]!;
    const idx = imm5 >> (size + 1);
    if (op) {
      if (!Q) return undefined;
      return `mov\tv${rd}.${t}[${idx}], v${rn}.${t}[${imm4 >> size}]`;
    }
    if (imm4 === 0) return size === 3 && !Q ? undefined : `dup\t${V(rd, arrangement(size, Q))}, v${rn}.${t}[${idx}]`;
    if (imm4 === 1) return size === 3 && !Q ? undefined : `dup\t${V(rd, arrangement(size, Q))}, ${gpr(rn, size === 3)}`;
    if (imm4 === 3 && Q) return `mov\tv${rd}.${t}[${idx}], ${gpr(rn, size === 3)}`;
    if (imm4 === 5 && size < 3 && (Q ? size < 3 : size < 2)) return `smov\t${gpr(rd, Q)}, v${rn}.${t}[${idx}]`;
    if (imm4 === 7) {
      if ((size === 3) !== !!Q) return undefined;
      const alias = size >= 2 ? "mov" : "umov";
      return `${alias}\t${gpr(rd, Q)}, v${rn}.${t}[${idx}]`;
    }
    return undefined;
  },
  SIMD_MODIMM(f) {
    const { Q, op, imm8, cmode, o2, rd } = f;
    if (o2) return undefined;
    if (cmode === 15) {
      if (op && !Q) return undefined;
      const v = op ? vfpExpandImm(imm8) : vfpExpandImm(imm8);
      return `fmov\t${V(rd, op ? "2d" : Q ? "4s" : "2s")}, #${fmtFloat(v)}`;
    }
    if (cmode === 14) {
      if (!op) return `movi\t${V(rd, Q ? "16b" : "8b")}, #${hex(imm8)}`;
      const v = modImm64(imm8);
      return Q ? `movi\t${V(rd, "2d")}, #${hex(v)}` : `movi\td${rd}, #${hex(v)}`;
    }
    if ((cmode & 8) === 0) {
      const sh = ((cmode >> 1) & 3) * 8;
      const name = cmode & 1 ? (op ? "bic" : "orr") : op ? "mvni" : "movi";
      return `${name}\t${V(rd, Q ? "4s" : "2s")}, #${hex(imm8)}${sh ? `, lsl #${sh}` : ""}`;
    }
    if ((cmode & 12) === 8) {
      const sh = ((cmode >> 1) & 1) * 8;
      const name = cmode & 1 ? (op ? "bic" : "orr") : op ? "mvni" : "movi";
      return `${name}\t${V(rd, Q ? "8h" : "4h")}, #${hex(imm8)}${sh ? `, lsl #${sh}` : ""}`;
    }
    // cmode 110x: shifting ones
    return `${op ? "mvni" : "movi"}\t${V(rd, Q ? "4s" : "2s")}, #${hex(imm8)}, msl #${cmode & 1 ? 16 : 8}`;
  },
  SIMD_SHIFT(f) {
    const { Q, U, immh, immb, opcode, rn, rd } = f;
    if (immh === 0) return undefined;
    const size = 31 - Math.clz32(immh); // 0:b 1:h 2:s 3:d
    const esize = 8 << size;
    const immhb = (immh << 3) | immb;
    const k = (U << 5) | opcode;
    const fixed = FIXED_CVT_OPS[k];
    if (fixed) {
      const fs = fixedCvtSize(immh);
      if (fs === undefined || (fs === 3 && !Q)) return undefined;
      const a = arrangement(fs, Q);
      return `${fixed}\t${V(rd, a)}, ${V(rn, a)}, #${2 * esize - immhb}`;
    }
    const sat = SHIFT_SAT[k];
    if (sat) {
      const [name, narrow] = sat;
      if (narrow) return size === 3 ? undefined : `${name}${Q ? "2" : ""}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size + 1, 1))}, #${2 * esize - immhb}`;
      if (size === 3 && !Q) return undefined;
      return `${name}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size, Q))}, #${immhb - esize}`;
    }
    if (k === 0 || k === 32) {
      if (size === 3 && !Q) return undefined;
      const a = arrangement(size, Q);
      return `${U ? "ushr" : "sshr"}\t${V(rd, a)}, ${V(rn, a)}, #${2 * esize - immhb}`;
    }
    const rightAcc = ({ 2: "ssra", 34: "usra", 4: "srshr", 36: "urshr", 6: "srsra", 38: "ursra", 40: "sri" } as Record<number, string>)[k];
    if (rightAcc) {
      if (size === 3 && !Q) return undefined;
      const a = arrangement(size, Q);
      return `${rightAcc}\t${V(rd, a)}, ${V(rn, a)}, #${2 * esize - immhb}`;
    }
    if (k === 17) {
      if (size === 3) return undefined;
      return `rshrn${Q ? "2" : ""}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size + 1, 1))}, #${2 * esize - immhb}`;
    }
    if (k === 10 || k === 42) {
      if (size === 3 && !Q) return undefined;
      const a = arrangement(size, Q);
      if (k === 42) return `sli\t${V(rd, a)}, ${V(rn, a)}, #${immhb - esize}`;
      return `shl\t${V(rd, a)}, ${V(rn, a)}, #${immhb - esize}`;
    }
    if (k === 16) {
      if (size === 3) return undefined;
      return `shrn${Q ? "2" : ""}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size + 1, 1))}, #${2 * esize - immhb}`;
    }
    if (k === 20 || k === 52) {
      if (size === 3) return undefined;
      const sh = immhb - esize;
      const base = U ? "ushll" : "sshll";
      if (sh === 0) return `${U ? "uxtl" : "sxtl"}${Q ? "2" : ""}\t${V(rd, arrangement(size + 1, 1))}, ${V(rn, arrangement(size, Q))}`;
      return `${base}${Q ? "2" : ""}\t${V(rd, arrangement(size + 1, 1))}, ${V(rn, arrangement(size, Q))}, #${sh}`;
    }
    return undefined;
  },
  SIMD_EXT(f) {
    const { Q, op2, rm, imm4, rn, rd } = f;
    if (op2 || (!Q && imm4 >= 8)) return undefined;
    const a = Q ? "16b" : "8b";
    return `ext\t${V(rd, a)}, ${V(rn, a)}, ${V(rm, a)}, #${imm4}`;
  },
  SIMD_PERM(f) {
    const { Q, size, rm, opcode, rn, rd } = f;
    const name = [undefined, "uzp1", "trn1", "zip1", undefined, "uzp2", "trn2", "zip2"][opcode];
    if (!name || (size === 3 && !Q)) return undefined;
    const a = arrangement(size, Q);
    return `${name}\t${V(rd, a)}, ${V(rn, a)}, ${V(rm, a)}`;
  },
  SIMD_TBL(f) {
    const { Q, op2, rm, len, op, rn, rd } = f;
    if (op2) return undefined;
    const a = Q ? "16b" : "8b";
    const regs = Array.from({ length: len + 1 }, (_, i) => `v${(rn + i) % 32}.16b`);
    // objdump lists one or two registers, and a range from three on unless it wraps past v31.
    const list = len <= 1 || rn + len > 31 ? `{${regs.join(", ")}}` : `{${regs[0]}-${regs[len]}}`;
    return `${op ? "tbx" : "tbl"}\t${V(rd, a)}, ${list}, ${V(rm, a)}`;
  },
  SIMD_INDEXED(f) {
    const { Q, U, size, L, M, rm, opcode, H, rn, rd } = f;
    const op = INDEXED_OPS[(U << 4) | opcode];
    const sat = INDEXED_SAT[(U << 4) | opcode];
    if (!op && sat) {
      const el = size === 1 || size === 2 ? indexedOperand(size, H, L, M, rm) : undefined;
      if (!el) return undefined;
      const e = `v${el.reg}.${"bhsd"[size]}[${el.index}]`;
      if (sat[1]) return `${sat[0]}${Q ? "2" : ""}\t${V(rd, arrangement(size + 1, 1))}, ${V(rn, arrangement(size, Q))}, ${e}`;
      return `${sat[0]}\t${V(rd, arrangement(size, Q))}, ${V(rn, arrangement(size, Q))}, ${e}`;
    }
    if (!op) return undefined;
    if (op.fp ? size < 2 || (size === 3 && !Q) : size === 0 || size === 3) return undefined;
    const el = indexedOperand(size, H, L, M, rm);
    if (!el) return undefined;
    const t = "bhsd"[size]!;
    if (op.long) return `${op.name}${Q ? "2" : ""}\t${V(rd, arrangement(size + 1, 1))}, ${V(rn, arrangement(size, Q))}, v${el.reg}.${t}[${el.index}]`;
    const a = arrangement(size, Q);
    return `${op.name}\t${V(rd, a)}, ${V(rn, a)}, v${el.reg}.${t}[${el.index}]`;
  },
  SIMD_SCALAR_PAIR(f) {
    const { U, size, opcode, rn, rd } = f;
    if (!U && opcode === 27 && size === 3) return `addp\td${rd}, ${V(rn, "2d")}`;
    const fp = U ? SCALAR_PAIR_FP_OPS[((size >> 1) << 5) | opcode] : undefined;
    return fp ? `${fp}\t${size & 1 ? "d" : "s"}${rd}, ${V(rn, size & 1 ? "2d" : "2s")}` : undefined;
  },
  SIMD_SCALAR_3SAME(f) {
    const { U, size, rm, opcode, rn, rd } = f;
    if (opcode >= 24) {
      const name = FP3_OPS[fpKey(U, size >> 1, opcode)];
      if (!name || !SCALAR3_FP_OPS.has(name)) return undefined;
      const t = size & 1 ? "d" : "s";
      return `${name}\t${t}${rd}, ${t}${rn}, ${t}${rm}`;
    }
    const sat = SCALAR3_SAT_OPS[(U << 5) | opcode];
    if (sat) { const t = "bhsd"[size]; return `${sat}\t${t}${rd}, ${t}${rn}, ${t}${rm}`; }
    const extra = SCALAR3_SAT_EXTRA[(U << 5) | opcode];
    if (extra) { const t = "bhsd"[size]; return extra[1].includes(size) ? `${extra[0]}\t${t}${rd}, ${t}${rn}, ${t}${rm}` : undefined; }
    const name = SCALAR3_INT_OPS[(U << 5) | opcode];
    return name && size === 3 ? `${name}\td${rd}, d${rn}, d${rm}` : undefined;
  },
  SIMD_SCALAR_2MISC(f) {
    const { U, size, opcode, rn, rd } = f;
    if (U === 1 && opcode === 22 && size === 1) return `fcvtxn\ts${rd}, d${rn}`;
    const satName = MISC2_SAT[(U << 5) | opcode];
    if (satName) { const t = "bhsd"[size]; return `${satName}\t${t}${rd}, ${t}${rn}`; }
    const fp = FP2_OPS[fpKey(U, size >> 1, opcode)];
    if (fp !== undefined && ((opcode >= 12 && opcode <= 15) || opcode >= 22)) {
      if (!SCALAR2_FP_OPS.has(fp)) return undefined;
      const t = size & 1 ? "d" : "s";
      return `${fp}\t${t}${rd}, ${t}${rn}${opcode >= 12 && opcode <= 14 ? ", #0.0" : ""}`;
    }
    const narrow = SCALAR2_NARROW_OPS[(U << 5) | opcode];
    if (narrow) return size === 3 ? undefined : `${narrow}\t${"bhsd"[size]}${rd}, ${"bhsd"[size + 1]}${rn}`;
    const name = SCALAR2_INT_OPS[(U << 5) | opcode];
    if (!name || size !== 3) return undefined;
    return `${name}\td${rd}, d${rn}${name.startsWith("cm") ? ", #0" : ""}`;
  },
  SIMD_SCALAR_COPY(f) {
    const { op, imm5, imm4, rn, rd } = f;
    const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : imm5 & 8 ? 3 : -1;
    if (op || imm4 || size < 0) return undefined;
    const t = "bhsd"[size];
    return `mov\t${t}${rd}, v${rn}.${t}[${imm5 >> (size + 1)}]`;
  },
  SIMD_SCALAR_INDEXED(f) {
    const { U, size, L, M, rm, opcode, H, rn, rd } = f;
    const sat = INDEXED_SAT[(U << 4) | opcode];
    if (sat?.[2]) {
      const el = size === 1 || size === 2 ? indexedOperand(size, H, L, M, rm) : undefined;
      if (!el) return undefined;
      const t = "bhsd"[size]!, w = sat[1] ? "bhsd"[size + 1]! : t;
      return `${sat[0]}\t${w}${rd}, ${t}${rn}, v${el.reg}.${t}[${el.index}]`;
    }
    const op = INDEXED_OPS[(U << 4) | opcode];
    if (!op?.fp || op.long || size < 2) return undefined;
    const el = indexedOperand(size, H, L, M, rm);
    if (!el) return undefined;
    const t = size === 3 ? "d" : "s";
    return `${op.name}\t${t}${rd}, ${t}${rn}, v${el.reg}.${t}[${el.index}]`;
  },
  SIMD_SCALAR_3DIFF(f) {
    const { U, size, rm, opcode, rn, rd } = f;
    const name = U ? undefined : ({ 9: "sqdmlal", 11: "sqdmlsl", 13: "sqdmull" } as Record<number, string>)[opcode];
    if (!name || (size !== 1 && size !== 2)) return undefined;
    const t = "bhsd"[size]!, w = "bhsd"[size + 1]!;
    return `${name}\t${w}${rd}, ${t}${rn}, ${t}${rm}`;
  },
  SIMD_SCALAR_SHIFT(f) {
    const { U, immh, immb, opcode, rn, rd } = f;
    const k = (U << 5) | opcode, immhb = (immh << 3) | immb;
    const fixed = FIXED_CVT_OPS[k];
    if (fixed) {
      const size = fixedCvtSize(immh);
      if (size === undefined) return undefined;
      const t = size === 3 ? "d" : "s";
      return `${fixed}\t${t}${rd}, ${t}${rn}, #${(16 << size) - immhb}`;
    }
    const sat = SHIFT_SAT[k];
    if (sat && immh !== 0) {
      const size = 31 - Math.clz32(immh), esize = 8 << size, t = "bhsd"[size]!;
      if (!sat[1]) return `${sat[0]}\t${t}${rd}, ${t}${rn}, #${immhb - esize}`;
      return size === 3 ? undefined : `${sat[0]}\t${t}${rd}, ${"bhsd"[size + 1]}${rn}, #${2 * esize - immhb}`;
    }
    const op = SCALAR_SHIFT_OPS[k];
    if (!op || immh < 8) return undefined;
    return `${op.name}\td${rd}, d${rn}, #${op.left ? immhb - 64 : 128 - immhb}`;
  },
};

const SIMD3_U0: Record<number, string> = { 0: "shadd", 1: "sqadd", 2: "srhadd", 4: "shsub", 5: "sqsub", 8: "sshl", 14: "sabd", 15: "saba", 18: "mla", 16: "add", 17: "cmtst", 6: "cmgt", 7: "cmge", 20: "smaxp", 21: "sminp", 23: "addp", 12: "smax", 13: "smin", 19: "mul", 9: "sqshl", 10: "srshl", 11: "sqrshl", 22: "sqdmulh" };
const SIMD3_U1: Record<number, string> = { 0: "uhadd", 1: "uqadd", 2: "urhadd", 4: "uhsub", 5: "uqsub", 8: "ushl", 14: "uabd", 15: "uaba", 18: "mls", 16: "sub", 17: "cmeq", 6: "cmhi", 7: "cmhs", 20: "umaxp", 21: "uminp", 12: "umax", 13: "umin", 9: "uqshl", 10: "urshl", 11: "uqrshl", 22: "sqrdmulh", 19: "pmul" };
/** Three-same ops that exist on 2d. */
const SIMD3_D: ReadonlySet<string> = new Set(["add", "sub", "cmeq", "cmhs", "cmhi", "cmgt", "cmge", "cmtst", "addp", "sshl", "ushl", "sqadd", "uqadd", "sqsub", "uqsub", "sqshl", "uqshl", "srshl", "urshl", "sqrshl", "uqrshl"]);
/** Three-different ops beyond add/sub/mull long (key U<<4 | opcode): the high-half narrows, the polynomial multiply and the long multiply-accumulates. */
const DIFF3_SAT: Readonly<Record<number, readonly [string, "narrow" | "long" | "doubling" | "pmull"]>> = {
  4: ["addhn", "narrow"], 20: ["raddhn", "narrow"], 6: ["subhn", "narrow"], 22: ["rsubhn", "narrow"],
  5: ["sabal", "long"], 21: ["uabal", "long"], 7: ["sabdl", "long"], 23: ["uabdl", "long"],
  8: ["smlal", "long"], 24: ["umlal", "long"], 10: ["smlsl", "long"], 26: ["umlsl", "long"],
  9: ["sqdmlal", "doubling"], 11: ["sqdmlsl", "doubling"], 13: ["sqdmull", "doubling"], 14: ["pmull", "pmull"],
};
/** Two-register-misc saturating ops (key U<<5 | opcode), vector and scalar. */
const MISC2_SAT: Readonly<Record<number, string>> = { 3: "suqadd", 7: "sqabs", 35: "usqadd", 39: "sqneg" };
/** Scalar three-same saturating shifts and doubling multiplies (key U<<5 | opcode) with their element sizes. */
const SCALAR3_SAT_EXTRA: Readonly<Record<number, readonly [string, readonly number[]]>> = {
  9: ["sqshl", [0, 1, 2, 3]], 41: ["uqshl", [0, 1, 2, 3]], 11: ["sqrshl", [0, 1, 2, 3]], 43: ["uqrshl", [0, 1, 2, 3]],
  10: ["srshl", [3]], 42: ["urshl", [3]], 22: ["sqdmulh", [1, 2]], 54: ["sqrdmulh", [1, 2]],
};
/** Saturating shifts by immediate (key U<<5 | opcode): left shifts keep the element size, the narrows halve it. */
const SHIFT_SAT: Readonly<Record<number, readonly [string, boolean]>> = {
  14: ["sqshl", false], 46: ["uqshl", false], 44: ["sqshlu", false],
  18: ["sqshrn", true], 19: ["sqrshrn", true], 50: ["uqshrn", true], 51: ["uqrshrn", true], 48: ["sqshrun", true], 49: ["sqrshrun", true],
};
/** By-element saturating/long integer ops (key U<<4 | opcode): [name, long, exists as a scalar]. */
const INDEXED_SAT: Readonly<Record<number, readonly [string, boolean, boolean]>> = {
  2: ["smlal", true, false], 18: ["umlal", true, false], 6: ["smlsl", true, false], 22: ["umlsl", true, false],
  3: ["sqdmlal", true, true], 7: ["sqdmlsl", true, true], 11: ["sqdmull", true, true], 12: ["sqdmulh", false, true], 13: ["sqrdmulh", false, true],
};

export const SYS_OPS: Record<string, string> = {
  "3.7.4.1": "dc\tzva",
  "3.7.14.1": "dc\tcivac",
  "3.7.11.1": "dc\tcvau",
  "3.7.10.1": "dc\tcvac",
  "3.7.12.1": "dc\tcvap",
  "3.7.5.1": "ic\tivau",
};

/** ld1-4/st1-4; `rm` is the post-index register (31: by the transfer size), undefined without writeback. */
function ldstMult(f: FieldMap["LDST_MULT"], rm: number | undefined): string | undefined {
  const { Q, L, opcode, size, rn, rt } = f;
  const op = MULT_OPCODES[opcode];
  if (!op || (size === 3 && !Q && op[1] !== 1)) return undefined;
  const [regs, sel] = op;
  const a = arrangement(size, Q);
  const names = Array.from({ length: regs }, (_, i) => `v${(rt + i) % 32}.${a}`);
  const list = regs > 2 && (rt + regs - 1) < 32 ? `{${names[0]}-${names[regs - 1]}}` : `{${names.join(", ")}}`;
  const name = `${L ? "ld" : "st"}${sel}`;
  let addr = `[${XS(rn)}]`;
  if (rm !== undefined) addr += rm === 31 ? `, #${regs * (Q ? 16 : 8)}` : `, ${X(rm)}`;
  return `${name}\t${list}, ${addr}`;
}

/** Disassemble one instruction word at `pc` in objdump syntax; undefined when not a supported encoding. */
export function disassembleWord(word: number, pc: number): string | undefined {
  const d = decode(word);
  return d ? format(d, pc) : undefined;
}
/** The row's formatter on the row's fields (generic in N so the pair type-checks without a cast). */
function format<N extends RowName>(d: Decoded<N>, pc: number): string | undefined {
  const fmt: Formatters[N] = FMT[d.row.name];
  return fmt(d.f, pc);
}

/** Like {@link disassembleWord} but never undefined: unsupported words print as objdump's `.inst`. */
export function disassemble(word: number, pc: number): string {
  return disassembleWord(word, pc) ?? `.inst\t0x${(word >>> 0).toString(16).padStart(8, "0")}`;
}

export interface DisasmLine {
  readonly addr: number;
  readonly word: number;
  readonly text: string;
}

/** Disassemble a byte range (little-endian words) that starts at guest address `addr`. */
export function disassembleBytes(bytes: Uint8Array, addr: number): DisasmLine[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: DisasmLine[] = [];
  for (let off = 0; off + 4 <= bytes.length; off += 4) {
    const word = dv.getUint32(off, true);
    out.push({ addr: addr + off, word, text: disassemble(word, addr + off) });
  }
  return out;
}

/** Row names that have a formatter (used by the coverage test). */
export const FORMATTED_ROWS: readonly string[] = Object.keys(FMT);
