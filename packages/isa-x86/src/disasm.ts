/**
 * AT&T-syntax disassembler in GNU objdump's format (binutils 2.40), printed
 * from the same opcode tables the interpreter decodes with. Output omits
 * objdump's `<symbol>` and `# comment` annotations.
 */
import { BASE_RIP, BufferSource, decode, Insn, P_66, P_67, P_66_EXTRA, P_CS, P_DS, P_F2, P_F3, P_LOCK, P_REP_MANDATORY, SEG_FS, SEG_GS, UndefinedInstruction } from "./decode.js";
import { F_BRANCH, F_STRING, F_SUFFIX, F_X87 } from "./tables.js";

export interface Disassembly {
  /** Bytes consumed (1 for an undecodable byte, printed as "(bad)"). */
  length: number;
  text: string;
  /** False when the bytes are not a supported instruction. */
  ok: boolean;
}

const R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
const R8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"];
const SUFFIX: Record<number, string> = { 8: "b", 16: "w", 32: "l", 64: "q" };

function regName(n: number, sz: number): string {
  return "%" + (sz === 64 ? R64[n] : sz === 32 ? R32[n] : sz === 16 ? R16[n] : R8[n]);
}
function hex(v: bigint | number): string {
  return "0x" + v.toString(16);
}
function signedHex(v: number): string {
  return v < 0 ? "-0x" + (-v).toString(16) : "0x" + v.toString(16);
}

/** Size in bits of an operand template for printing registers. */
function tmplSize(t: string, i: Insn): number {
  const s = t[t.length - 1];
  switch (s) {
    case "b": return 8;
    case "w": return 16;
    case "d": return 32;
    case "q": return 64;
    case "y": return i.rex & 8 ? 64 : 32;
    default: return i.osz;
  }
}

function memText(i: Insn): string {
  let s = "";
  if (i.seg === SEG_FS) s += "%fs:";
  else if (i.seg === SEG_GS) s += "%gs:";
  const a = i.asz === 32 ? R32 : R64;
  if (i.base === BASE_RIP) return s + signedHex(i.disp) + (i.asz === 32 ? "(%eip)" : "(%rip)");
  if (i.base < 0 && i.index < 0) {
    // [disp32] through SIB (or moffs): objdump prints the absolute address.
    const v = i.disp < 0 ? BigInt.asUintN(i.asz, BigInt(i.disp)) : BigInt(i.disp);
    return s + hex(v);
  }
  const hasDisp = i.mod === 1 || i.mod === 2 || i.base < 0;
  if (hasDisp) s += signedHex(i.disp);
  s += "(";
  if (i.base >= 0) s += "%" + a[i.base];
  if (i.index >= 0) s += ",%" + a[i.index] + "," + (1 << i.scale);
  return s + ")";
}

function immText(i: Insn, t: string): string {
  let sz: number;
  if (t === "Ib") return "$" + hex(i.imm & 0xff);
  if (t === "Iw") return "$" + hex(i.imm & 0xffff);
  sz = i.osz;
  const v = BigInt.asUintN(sz, (BigInt(i.immHi) << 32n) | BigInt(i.imm >>> 0));
  return "$" + hex(v);
}

/** Text of one operand (AT&T form). */
function operand(i: Insn, t: string, address: number, indirect: boolean): string {
  const c = t[0];
  switch (c) {
    case "E":
    case "M":
    case "W":
    case "U":
      if (i.mod === 3) {
        if (c === "W" || c === "U") return "%xmm" + i.rm;
        const sz = tmplSize(t, i);
        return (indirect ? "*" : "") + regName(sz === 8 ? i.rmb : i.rm, sz);
      }
      return (indirect ? "*" : "") + memText(i);
    case "G": {
      const sz = tmplSize(t, i);
      return regName(sz === 8 ? i.regb : i.reg, sz);
    }
    case "V":
      return "%xmm" + i.reg;
    case "Z": {
      const sz = tmplSize(t, i);
      return regName(sz === 8 ? i.rmb : i.rm, sz);
    }
    case "A":
      if (t === "AXw") return "%ax";
      return regName(0, t === "ALb" ? 8 : i.osz);
    case "O":
      return memText(i);
    case "I":
      return immText(i, t);
    case "J": {
      const target = address + i.len + i.imm;
      return (target < 0 ? BigInt.asUintN(64, BigInt(target)) : BigInt(target)).toString(16);
    }
    case "X":
      return (i.seg === SEG_FS ? "%fs:" : i.seg === SEG_GS ? "%gs:" : "%ds:") + (i.asz === 32 ? "(%esi)" : "(%rsi)");
    case "Y":
      return i.asz === 32 ? "%es:(%edi)" : "%es:(%rdi)";
    case "S":
      return "%st";
    case "T":
      return `%st(${i.modrm & 7})`;
  }
  if (t === "CL") return "%cl";
  if (t === "1") return "";
  return "?";
}

/** Mnemonic with objdump's size suffix rules. */
function mnemonic(i: Insn): string {
  const d = i.def;
  let mn = d.mn;
  const key = d.key;
  const sfx = SUFFIX[i.osz]!;
  switch (key) {
    case "cbw": return i.osz === 64 ? "cltq" : i.osz === 32 ? "cwtl" : "cbtw";
    case "cwd": return i.osz === 64 ? "cqto" : i.osz === 32 ? "cltd" : "cwtd";
    case "movsxd": return i.osz === 64 ? "movslq" : "movsxd";
    case "movzx":
    case "movsx": return (key === "movzx" ? "movz" : "movs") + mn[mn.length - 1] + sfx;
    case "movimm": return i.osz === 64 && i.len - prefixCount(i) >= 9 ? "movabs" : "mov";
    case "movmoff": return "movabs";
    case "pushf": return i.osz === 16 ? "pushfw" : "pushf";
    case "popf": return i.osz === 16 ? "popfw" : "popf";
    case "movdtox":
    case "movdfromx": return i.rex & 8 ? "movq" : "movd";
    case "nop":
      if (mn === "incssp" || mn === "rdssp") return mn + (i.rex & 8 ? "q" : "d");
      break;
    case "cmpxchg16b": return i.rex & 8 ? "cmpxchg16b" : "cmpxchg8b";
    case "nop90": return i.pfx & P_F3 ? "pause" : i.rex & 1 ? "xchg" : i.pfx & P_66 ? "xchg" : "nop";
  }
  if (d.flags & F_SUFFIX) return mn + sfx;
  if (d.flags & F_STRING) {
    // With a register operand (stos/lods/scas) the size shows in the register; movs/cmps take a suffix.
    return mn === "movs" || mn === "cmps" ? mn + sfx : mn;
  }
  if (d.flags & F_X87) return mn;
  // cvtsi2sd/ss with a memory source take l/q.
  if ((mn === "cvtsi2sd" || mn === "cvtsi2ss") && i.mod !== 3) return mn + (i.rex & 8 ? "q" : "l");
  if (d.flags & 1024 /* F_SSE */) return mn;
  // Ambiguous size: a memory operand and no register operand (immediate or no other operand).
  const ops = d.ops;
  const hasMem = i.mod !== 3 && ops.some((o) => o[0] === "E");
  if (!hasMem) return mn;
  const hasReg = ops.some((o) => o[0] === "G" || o[0] === "A" || o[0] === "Z");
  if (hasReg) return mn;
  if (key === "callind" || key === "jmpind" || key === "push" || key === "pop" || key === "setcc" || key === "nop" || key === "lea") return mn;
  return mn + sfx;
}

function prefixCount(i: Insn): number {
  let n = 0;
  for (const p of [P_66, P_LOCK, P_F2, P_F3, P_CS, P_DS]) if (i.pfx & p) n++;
  if (i.rex) n++;
  if (i.seg) n++;
  return n;
}

/** Prefix words objdump prints before the mnemonic. */
function prefixText(i: Insn): string {
  let s = "";
  const d = i.def;
  if (i.pfx & P_66_EXTRA || (i.pfx & P_66 && (d.key === "nop" || d.flags & F_SUFFIX) && i.pfx & P_CS)) {
    // 66 66 2e 0f 1f 84 ...: every 66 beyond the one giving the operand size prints as data16.
    const extra = Math.floor(i.pfx / P_66_EXTRA);
    for (let k = 0; k < extra; k++) s += "data16 ";
  }
  if (i.pfx & P_67 && (i.modrm < 0 || i.mod === 3)) s += "addr32 ";
  if (i.pfx & P_LOCK) s += "lock ";
  if (i.pfx & (P_F2 | P_F3) && !(i.pfx & P_REP_MANDATORY) && d.key !== "nop90") {
    if (d.flags & F_STRING) {
      const cmp = d.mn === "cmps" || d.mn === "scas";
      s += i.pfx & P_F3 ? (cmp ? "repz " : "rep ") : "repnz ";
    } else if (d.flags & F_BRANCH && i.pfx & P_F2) s += "bnd ";
    else if (i.pfx & P_F3) s += "repz ";
    else s += "repnz ";
  }
  if (i.pfx & P_CS && !(d.flags & F_BRANCH && d.key === "jcc")) s += "cs ";
  if (i.pfx & P_DS && (d.key === "jmpind" || d.key === "callind")) s += "notrack ";
  else if (i.pfx & P_DS && d.key === "jcc") s += "ds ";
  return s;
}

function format(i: Insn, address: number): string {
  const d = i.def;
  const mn = prefixText(i) + mnemonic(i);
  let ops = d.ops.filter((o) => o !== "1");
  const indirect = d.key === "callind" || d.key === "jmpind";
  // objdump prints string instructions' implicit operands in Intel order reversed, like others.
  if (d.key === "nop90") {
    if (i.pfx & P_F3 || (!(i.rex & 1) && !(i.pfx & P_66))) return mn;
    return mn.padEnd(6) + " " + regName(i.rex & 1 ? 8 : 0, i.osz) + "," + regName(0, i.osz);
  }
  if (d.key === "movlpd" || d.key === "movhpd") {
    if (i.mod === 3) {
      const name = d.key === "movlpd" ? "movhlps" : "movlhps";
      return name.padEnd(6) + " %xmm" + i.rm + ",%xmm" + i.reg;
    }
  }
  if (d.key === "x87" && d.mn === "fnstsw" && i.mod === 3) ops = ["AXw"];
  const parts = ops.map((o) => operand(i, o, address, indirect)).reverse();
  if (parts.length === 0) return mn;
  return mn.padEnd(6) + " " + parts.join(",");
}

/**
 * Disassemble one instruction of `bytes` at `offset`, as if loaded at `address`.
 * Unknown encodings give `{ ok: false, text: "(bad)", length: 1 }`.
 */
export function disassemble(bytes: Uint8Array, offset: number, address: number): Disassembly {
  const src = new BufferSource(bytes.subarray(offset, Math.min(bytes.length, offset + 15)), address);
  let i: Insn;
  try {
    i = decode(src, address);
  } catch (e) {
    if (e instanceof UndefinedInstruction || e instanceof RangeError) return { length: 1, text: "(bad)", ok: false };
    throw e;
  }
  return { length: i.len, text: format(i, address), ok: true };
}

/** Disassemble a whole buffer into lines `address: text`. */
export function disassembleAll(bytes: Uint8Array, address: number): { address: number; length: number; text: string }[] {
  const out: { address: number; length: number; text: string }[] = [];
  for (let off = 0; off < bytes.length; ) {
    const d = disassemble(bytes, off, address + off);
    out.push({ address: address + off, length: d.length, text: d.text });
    off += d.length;
  }
  return out;
}
