/**
 * x86-64 opcode maps as data (one-byte, 0F, 0F38, 0F3A), in the spirit of
 * Blink's XED tables and v86's single x86 table: each opcode names its
 * mnemonic, operand templates (Intel order, destination first) and flags.
 * The decoder derives ModRM presence, immediate widths and operand size from
 * the templates; the disassembler prints from them; the interpreter links a
 * handler to each row by key (`mnemonic` or an explicit `h`).
 *
 * Operand templates (Intel SDM appendix A notation, trimmed):
 *   E? r/m, G? ModRM.reg, M memory-only, I? immediate, J? relative branch,
 *   O? moffs, Z? register in opcode low bits, A? accumulator, CL, "1",
 *   V xmm in reg, W xmm/mem, U xmm in r/m (register only), X/Y string source/destination,
 *   S st(0), T st(i).
 *   Size letters: b 8, w 16, d 32, q 64, v 16/32/64 by prefixes, z 16/32 (imm), y 32/64 (REX.W),
 *   x 128, s scalar single (32), l scalar double (64).
 */

export type Handler = (cpu: any, insn: any) => void;

export interface OpDef {
  /** Mnemonic as objdump prints it (before any size suffix). */
  mn: string;
  /** Operand templates, Intel order. */
  ops: readonly string[];
  /** Flag bits (F_*). */
  flags: number;
  /** Interpreter handler key; defaults to the mnemonic. */
  key: string;
  /** Linked by the interpreter; undefined means "decodes but not implemented" (→ #UD). */
  exec?: Handler;
  /** Optional per-instruction specialisation (fast paths for common register/size shapes). */
  special?: (insn: any) => Handler | undefined;
  /** Whether `exec` and `special` were linked (on the row's first decode by a CPU: registry.ts linkDef). */
  linked?: boolean;
  /** Precomputed: index of the operand that has ModRM (bit 0), immediate widths etc. */
  modrm: boolean;
  /** Byte register operand naming applies to E (rm) / G (reg) operands. */
  imm1: string; // template of the first immediate ("" none)
  imm2: string; // second immediate (enter)
  sizeKind: string; // operand-size letter that determines osz
  /** Operand normalisation the decoder applies, precomputed from `ops` (NORM_* bits; 0 = none). */
  norm: number;
}

/** `ops` has a Z (opcode register) operand. */
export const NORM_Z = 1;
/** `ops` has an accumulator operand other than AXw. */
export const NORM_A = 2;
/** `ops` has an E-like operand (E, Z, O, M, X, Y), so the accumulator is the G operand. */
export const NORM_A_IS_G = 4;

// Flags
export const F_D64 = 1; // default operand size 64 in long mode (push/pop/branches)
export const F_F64 = 2; // operand size forced 64 (66 ignored) — near branches
export const F_MEMONLY = 4; // mod==3 is #UD
export const F_REGONLY = 8; // mod!=3 is #UD
export const F_SUFFIX = 16; // always print an AT&T size suffix (nopw/nopl, movsb...)
export const F_NOSUFFIX = 32; // never print a size suffix
export const F_BRANCH = 64; // ends a decoded block (changes rip, traps, or serialises)
export const F_LOCKOK = 128; // LOCK prefix permitted (with a memory destination)
export const F_STRING = 256; // string instruction (REP prefixes meaningful)
export const F_X87 = 512; // x87 (affects suffix printing)
export const F_SSE = 1024; // SSE: 66/F2/F3 are mandatory prefixes, not size/rep
export const F_NOPFX = 2048; // a 66, F2 or F3 prefix makes the encoding #UD (no prefixed form in the SDM's opcode map)

export function def(mn: string, ops = "", flags = 0, key?: string): OpDef {
  const list = ops ? ops.split(",") : [];
  // One pass over the operand templates, by first and last character (the maps' ~600 rows are built at the first
  // decode of every x86-64 run, in cold code: a regular expression and a closure per test were most of it).
  let hasModrm = false;
  let imm1 = "";
  let imm2 = "";
  let sizeKind = "";
  let norm = 0;
  for (let k = 0; k < list.length; k++) {
    const o = list[k]!;
    const c = o.charAt(0);
    if (c !== "" && "EGMVWUNPQRS".includes(c) && o !== "S" && !o.startsWith("ST")) hasModrm = true;
    if (c === "I" || c === "J" || c === "O") {
      if (imm1 === "") imm1 = o;
      else if (imm2 === "") imm2 = o;
    }
    const last = o.charAt(o.length - 1);
    if (sizeKind === "" && c !== "" && "EGZAMXY".includes(c) && o.length >= 2 && "bwdqvyz".includes(last)) sizeKind = last;
    if (c === "Z") norm |= NORM_Z;
    if (c === "A" && o !== "AXw") norm |= NORM_A;
    if (c !== "" && "EZOMXY".includes(c)) norm |= NORM_A_IS_G;
  }
  return {
    mn,
    ops: list,
    flags,
    key: key ?? mn,
    modrm: hasModrm,
    imm1,
    imm2,
    sizeKind,
    norm,
    // Linked later (registry.ts); present from the start so every row keeps one shape.
    exec: undefined,
    special: undefined,
    linked: false,
  };
}

/** A row is a definition, a ModRM.reg group, a mod-split group, or a mandatory-prefix split. */
export type Row =
  | OpDef
  | { group: (OpDef | undefined)[]; regForm?: (OpDef | undefined | (OpDef | undefined)[])[] }
  | { pfx: { none?: OpDef | Row; p66?: OpDef | Row; pf3?: OpDef | Row; pf2?: OpDef | Row } };

export const isDef = (r: Row | undefined): r is OpDef => !!r && (r as OpDef).ops !== undefined;

export const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"] as const;

const ALU_NAMES = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const SHIFT_NAMES = ["rol", "ror", "rcl", "rcr", "shl", "shr", undefined, "sar"];

/** CET shadow-stack hints: NOPs on a CPU without CET (rdssp leaves its destination unchanged), which glibc relies on. */
export const INCSSP = def("incssp", "Ey", 0, "nop");
export const RDSSP = def("rdssp", "Ey", 0, "nop");

/** The opcode maps: one-byte, 0F, 0F 38, 0F 3A. */
export type OpcodeMaps = readonly [readonly (Row | undefined)[], readonly (Row | undefined)[], readonly (Row | undefined)[], readonly (Row | undefined)[]];

let maps: OpcodeMaps | undefined;

/**
 * The opcode maps, built on the first decode (then kept): building them at module load cost 2-15 ms of every
 * start-up, an arm64 guest's included (the kernel loads both ISAs).
 */
export function opcodeMaps(): OpcodeMaps {
  return (maps ??= buildMaps());
}

function buildMaps(): OpcodeMaps {
  // ------------------------------------------------------------------ one-byte map

  const MAP1: (Row | undefined)[] = Array.from({ length: 256 }, () => undefined);
  ALU_NAMES.forEach((mn, n) => {
    const b = n * 8;
    const lock = mn === "cmp" ? 0 : F_LOCKOK;
    MAP1[b] = def(mn, "Eb,Gb", lock);
    MAP1[b + 1] = def(mn, "Ev,Gv", lock);
    MAP1[b + 2] = def(mn, "Gb,Eb");
    MAP1[b + 3] = def(mn, "Gv,Ev");
    MAP1[b + 4] = def(mn, "ALb,Ib");
    MAP1[b + 5] = def(mn, "Av,Iz");
  });
  for (let r = 0; r < 8; r++) {
    MAP1[0x50 + r] = def("push", "Zv", F_D64);
    MAP1[0x58 + r] = def("pop", "Zv", F_D64);
  }
  MAP1[0x63] = def("movslq", "Gv,Ed", 0, "movsxd");
  MAP1[0x68] = def("push", "Iz", F_D64);
  MAP1[0x69] = def("imul", "Gv,Ev,Iz", 0, "imul3");
  MAP1[0x6a] = def("push", "Ibs", F_D64);
  MAP1[0x6b] = def("imul", "Gv,Ev,Ibs", 0, "imul3");
  for (let c = 0; c < 16; c++) {
    MAP1[0x70 + c] = def("j" + CC[c], "Jb", F_BRANCH | F_NOSUFFIX, "jcc");
  }
  MAP1[0x80] = { group: ALU_NAMES.map((mn) => def(mn, "Eb,Ib", mn === "cmp" ? 0 : F_LOCKOK)) };
  MAP1[0x81] = { group: ALU_NAMES.map((mn) => def(mn, "Ev,Iz", mn === "cmp" ? 0 : F_LOCKOK)) };
  MAP1[0x83] = { group: ALU_NAMES.map((mn) => def(mn, "Ev,Ibs", mn === "cmp" ? 0 : F_LOCKOK)) };
  MAP1[0x84] = def("test", "Eb,Gb");
  MAP1[0x85] = def("test", "Ev,Gv");
  MAP1[0x86] = def("xchg", "Eb,Gb", F_LOCKOK);
  MAP1[0x87] = def("xchg", "Ev,Gv", F_LOCKOK);
  MAP1[0x88] = def("mov", "Eb,Gb");
  MAP1[0x89] = def("mov", "Ev,Gv");
  MAP1[0x8a] = def("mov", "Gb,Eb");
  MAP1[0x8b] = def("mov", "Gv,Ev");
  MAP1[0x8d] = def("lea", "Gv,M", F_MEMONLY);
  MAP1[0x8f] = { group: [def("pop", "Ev", F_D64)] };
  MAP1[0x90] = def("nop", "", 0, "nop90");
  for (let r = 1; r < 8; r++) MAP1[0x90 + r] = def("xchg", "Zv,Av");
  MAP1[0x98] = def("cwtl", "", 0, "cbw"); // mnemonic chosen by size in the disassembler
  MAP1[0x99] = def("cltd", "", 0, "cwd");
  MAP1[0x9b] = def("fwait", "");
  MAP1[0x9c] = def("pushf", "", F_D64);
  MAP1[0x9d] = def("popf", "", F_D64);
  MAP1[0x9e] = def("sahf", "");
  MAP1[0x9f] = def("lahf", "");
  MAP1[0xa0] = def("mov", "ALb,Ob", 0, "movmoff");
  MAP1[0xa1] = def("mov", "Av,Ov", 0, "movmoff");
  MAP1[0xa2] = def("mov", "Ob,ALb", 0, "movmoff");
  MAP1[0xa3] = def("mov", "Ov,Av", 0, "movmoff");
  const STR: [number, string, string][] = [
    [0xa4, "movs", "Yb,Xb"], [0xa5, "movs", "Yv,Xv"], [0xa6, "cmps", "Xb,Yb"], [0xa7, "cmps", "Xv,Yv"],
    [0xaa, "stos", "Yb,ALb"], [0xab, "stos", "Yv,Av"], [0xac, "lods", "ALb,Xb"], [0xad, "lods", "Av,Xv"],
    [0xae, "scas", "ALb,Yb"], [0xaf, "scas", "Av,Yv"],
  ];
  for (const [op, mn, ops] of STR) MAP1[op] = def(mn, ops, F_STRING);
  MAP1[0xa8] = def("test", "ALb,Ib");
  MAP1[0xa9] = def("test", "Av,Iz");
  for (let r = 0; r < 8; r++) {
    MAP1[0xb0 + r] = def("mov", "Zb,Ib");
    MAP1[0xb8 + r] = def("mov", "Zv,Iv", 0, "movimm");
  }
  MAP1[0xc0] = { group: SHIFT_NAMES.map((mn) => (mn ? def(mn, "Eb,Ib", 0, "shift") : undefined)) };
  MAP1[0xc1] = { group: SHIFT_NAMES.map((mn) => (mn ? def(mn, "Ev,Ib", 0, "shift") : undefined)) };
  MAP1[0xc2] = def("ret", "Iw", F_BRANCH | F_D64 | F_F64, "ret");
  MAP1[0xc3] = def("ret", "", F_BRANCH | F_D64 | F_F64, "ret");
  MAP1[0xc6] = { group: [def("mov", "Eb,Ib")] };
  MAP1[0xc7] = { group: [def("mov", "Ev,Iz")] };
  MAP1[0xc8] = def("enter", "Iw,Ib", F_D64);
  MAP1[0xc9] = def("leave", "", F_D64);
  MAP1[0xcc] = def("int3", "", F_BRANCH);
  MAP1[0xcd] = def("int", "Ib", F_BRANCH);
  MAP1[0xd0] = { group: SHIFT_NAMES.map((mn) => (mn ? def(mn, "Eb,1", 0, "shift") : undefined)) };
  MAP1[0xd1] = { group: SHIFT_NAMES.map((mn) => (mn ? def(mn, "Ev,1", 0, "shift") : undefined)) };
  MAP1[0xd2] = { group: SHIFT_NAMES.map((mn) => (mn ? def(mn, "Eb,CL", 0, "shift") : undefined)) };
  MAP1[0xd3] = { group: SHIFT_NAMES.map((mn) => (mn ? def(mn, "Ev,CL", 0, "shift") : undefined)) };
  MAP1[0xe0] = def("loopne", "Jb", F_BRANCH | F_NOSUFFIX, "loop");
  MAP1[0xe1] = def("loope", "Jb", F_BRANCH | F_NOSUFFIX, "loop");
  MAP1[0xe2] = def("loop", "Jb", F_BRANCH | F_NOSUFFIX, "loop");
  MAP1[0xe3] = def("jrcxz", "Jb", F_BRANCH | F_NOSUFFIX, "jrcxz");
  MAP1[0xe8] = def("call", "Jz", F_BRANCH | F_D64 | F_F64, "callrel");
  MAP1[0xe9] = def("jmp", "Jz", F_BRANCH | F_F64, "jmprel");
  MAP1[0xeb] = def("jmp", "Jb", F_BRANCH | F_F64, "jmprel");
  MAP1[0xf4] = def("hlt", "", F_BRANCH);
  MAP1[0xf5] = def("cmc", "");
  MAP1[0xf6] = {
    group: [def("test", "Eb,Ib"), def("test", "Eb,Ib"), def("not", "Eb", F_LOCKOK), def("neg", "Eb", F_LOCKOK),
      def("mul", "Eb", 0, "mul1"), def("imul", "Eb", 0, "imul1"), def("div", "Eb", 0, "div"), def("idiv", "Eb", 0, "idiv")],
  };
  MAP1[0xf7] = {
    group: [def("test", "Ev,Iz"), def("test", "Ev,Iz"), def("not", "Ev", F_LOCKOK), def("neg", "Ev", F_LOCKOK),
      def("mul", "Ev", 0, "mul1"), def("imul", "Ev", 0, "imul1"), def("div", "Ev", 0, "div"), def("idiv", "Ev", 0, "idiv")],
  };
  MAP1[0xf8] = def("clc", "");
  MAP1[0xf9] = def("stc", "");
  MAP1[0xfa] = def("cli", "", F_BRANCH, "priv");
  MAP1[0xfb] = def("sti", "", F_BRANCH, "priv");
  MAP1[0xfc] = def("cld", "");
  MAP1[0xfd] = def("std", "");
  MAP1[0xfe] = { group: [def("inc", "Eb", F_LOCKOK), def("dec", "Eb", F_LOCKOK)] };
  MAP1[0xff] = {
    group: [
      def("inc", "Ev", F_LOCKOK),
      def("dec", "Ev", F_LOCKOK),
      def("call", "Ev", F_BRANCH | F_D64 | F_F64 | F_NOSUFFIX, "callind"),
      undefined,
      def("jmp", "Ev", F_BRANCH | F_D64 | F_F64 | F_NOSUFFIX, "jmpind"),
      undefined,
      def("push", "Ev", F_D64),
    ],
  };
  // Privileged or I/O in user mode: decode so they trap as privileged rather than undefined.
  for (const [op, mn, ops] of [[0x6c, "insb", ""], [0x6d, "insl", ""], [0x6e, "outsb", ""], [0x6f, "outsl", ""], [0xe4, "in", "ALb,Ib"], [0xe5, "in", "Av,Ib"], [0xe6, "out", "Ib,ALb"], [0xe7, "out", "Ib,Av"], [0xec, "in", ""], [0xed, "in", ""], [0xee, "out", ""], [0xef, "out", ""], [0xcf, "iret", ""]] as const) {
    MAP1[op] = def(mn, ops, F_BRANCH, "priv");
  }

  // x87 (D8..DF): memory forms by reg; register forms by reg and rm.
  const X87_MEM: Record<number, (OpDef | undefined)[]> = {
    0xd8: ["fadds", "fmuls", "fcoms", "fcomps", "fsubs", "fsubrs", "fdivs", "fdivrs"].map((m) => def(m, "Md", F_X87, "x87")),
    0xd9: [def("flds", "Md", F_X87, "x87"), undefined, def("fsts", "Md", F_X87, "x87"), def("fstps", "Md", F_X87, "x87"),
      def("fldenv", "M", F_X87, "x87"), def("fldcw", "Mw", F_X87, "x87"), def("fnstenv", "M", F_X87, "x87"), def("fnstcw", "Mw", F_X87, "x87")],
    0xda: ["fiaddl", "fimull", "ficoml", "ficompl", "fisubl", "fisubrl", "fidivl", "fidivrl"].map((m) => def(m, "Md", F_X87, "x87")),
    0xdb: [def("fildl", "Md", F_X87, "x87"), def("fisttpl", "Md", F_X87, "x87"), def("fistl", "Md", F_X87, "x87"), def("fistpl", "Md", F_X87, "x87"),
      undefined, def("fldt", "M", F_X87, "x87"), undefined, def("fstpt", "M", F_X87, "x87")],
    0xdc: ["faddl", "fmull", "fcoml", "fcompl", "fsubl", "fsubrl", "fdivl", "fdivrl"].map((m) => def(m, "Mq", F_X87, "x87")),
    0xdd: [def("fldl", "Mq", F_X87, "x87"), def("fisttpll", "Mq", F_X87, "x87"), def("fstl", "Mq", F_X87, "x87"), def("fstpl", "Mq", F_X87, "x87"),
      def("frstor", "M", F_X87, "x87"), undefined, def("fnsave", "M", F_X87, "x87"), def("fnstsw", "Mw", F_X87, "x87")],
    0xde: ["fiadds", "fimuls", "ficoms", "ficomps", "fisubs", "fisubrs", "fidivs", "fidivrs"].map((m) => def(m, "Mw", F_X87, "x87")),
    0xdf: [def("filds", "Mw", F_X87, "x87"), def("fisttps", "Mw", F_X87, "x87"), def("fists", "Mw", F_X87, "x87"), def("fistps", "Mw", F_X87, "x87"),
      def("fbld", "M", F_X87, "x87"), def("fildll", "Mq", F_X87, "x87"), def("fbstp", "M", F_X87, "x87"), def("fistpll", "Mq", F_X87, "x87")],
  };
  const x87r = (mn: string, ops: string) => def(mn, ops, F_X87, "x87");
  const X87_REG: Record<number, (OpDef | undefined | (OpDef | undefined)[])[]> = {
    0xd8: ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"].map((m) => x87r(m, m === "fcom" || m === "fcomp" ? "T" : "S,T")),
    0xd9: [
      x87r("fld", "T"),
      x87r("fxch", "T"),
      [x87r("fnop", "")],
      undefined,
      [x87r("fchs", ""), x87r("fabs", ""), undefined, undefined, x87r("ftst", ""), x87r("fxam", "")],
      [x87r("fld1", ""), x87r("fldl2t", ""), x87r("fldl2e", ""), x87r("fldpi", ""), x87r("fldlg2", ""), x87r("fldln2", ""), x87r("fldz", "")],
      [x87r("f2xm1", ""), x87r("fyl2x", ""), x87r("fptan", ""), x87r("fpatan", ""), x87r("fxtract", ""), x87r("fprem1", ""), x87r("fdecstp", ""), x87r("fincstp", "")],
      [x87r("fprem", ""), x87r("fyl2xp1", ""), x87r("fsqrt", ""), x87r("fsincos", ""), x87r("frndint", ""), x87r("fscale", ""), x87r("fsin", ""), x87r("fcos", "")],
    ],
    0xda: [x87r("fcmovb", "S,T"), x87r("fcmove", "S,T"), x87r("fcmovbe", "S,T"), x87r("fcmovu", "S,T"), undefined, [undefined, x87r("fucompp", "")]],
    0xdb: [x87r("fcmovnb", "S,T"), x87r("fcmovne", "S,T"), x87r("fcmovnbe", "S,T"), x87r("fcmovnu", "S,T"),
      [undefined, undefined, x87r("fnclex", ""), x87r("fninit", "")], x87r("fucomi", "S,T"), x87r("fcomi", "S,T")],
    0xdc: [x87r("fadd", "T,S"), x87r("fmul", "T,S"), undefined, undefined, x87r("fsub", "T,S"), x87r("fsubr", "T,S"), x87r("fdiv", "T,S"), x87r("fdivr", "T,S")],
    0xdd: [x87r("ffree", "T"), undefined, x87r("fst", "T"), x87r("fstp", "T"), x87r("fucom", "T"), x87r("fucomp", "T")],
    0xde: [x87r("faddp", "T,S"), x87r("fmulp", "T,S"), undefined, [undefined, x87r("fcompp", "")], x87r("fsubp", "T,S"), x87r("fsubrp", "T,S"), x87r("fdivp", "T,S"), x87r("fdivrp", "T,S")],
    0xdf: [undefined, undefined, undefined, undefined, [x87r("fnstsw", "AXw")], x87r("fucomip", "S,T"), x87r("fcomip", "S,T")],
  };
  for (let op = 0xd8; op <= 0xdf; op++) MAP1[op] = { group: X87_MEM[op]!, regForm: X87_REG[op]! };

  // ------------------------------------------------------------------ 0F map

  const MAP2: (Row | undefined)[] = Array.from({ length: 256 }, () => undefined);
  const sse = (mn: string, ops: string, key?: string, flags = 0) => def(mn, ops, F_SSE | flags, key ?? mn);

  MAP2[0x01] = { group: [], regForm: [undefined, undefined, [def("xgetbv", "", 0, "xgetbv")], undefined, undefined, undefined, undefined, [undefined, def("rdtscp", "", 0, "rdtscp")]] };
  MAP2[0x05] = def("syscall", "", F_BRANCH);
  MAP2[0x0b] = def("ud2", "", F_BRANCH);
  MAP2[0x0d] = { group: [def("prefetch", "Mb", F_MEMONLY, "nop"), def("prefetchw", "Mb", F_MEMONLY, "nop")] };
  MAP2[0x10] = { pfx: { none: sse("movups", "Vx,Wx"), p66: sse("movupd", "Vx,Wx", "movups"), pf3: sse("movss", "Vx,Wss"), pf2: sse("movsd", "Vx,Wsl") } };
  MAP2[0x11] = { pfx: { none: sse("movups", "Wx,Vx"), p66: sse("movupd", "Wx,Vx", "movups"), pf3: sse("movss", "Wss,Vx"), pf2: sse("movsd", "Wsl,Vx") } };
  MAP2[0x12] = { pfx: { none: sse("movlps", "Vx,Mq", "movlpd"), p66: sse("movlpd", "Vx,Mq") } };
  MAP2[0x13] = { pfx: { none: sse("movlps", "Mq,Vx", "movlpd"), p66: sse("movlpd", "Mq,Vx") } };
  MAP2[0x14] = { pfx: { none: sse("unpcklps", "Vx,Wx"), p66: sse("unpcklpd", "Vx,Wx", "punpcklqdq") } };
  MAP2[0x15] = { pfx: { none: sse("unpckhps", "Vx,Wx"), p66: sse("unpckhpd", "Vx,Wx", "punpckhqdq") } };
  MAP2[0x16] = { pfx: { none: sse("movhps", "Vx,Mq", "movhpd"), p66: sse("movhpd", "Vx,Mq") } };
  MAP2[0x17] = { pfx: { none: sse("movhps", "Mq,Vx", "movhpd"), p66: sse("movhpd", "Mq,Vx") } };
  MAP2[0x18] = { group: ["prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2"].map((m) => def(m, "Mb", F_MEMONLY, "nop")) };
  MAP2[0x1e] = { pfx: { none: def("nop", "Ev", F_SUFFIX, "nop"), pf3: def("endbr64", "", 0, "endbr"), p66: def("nop", "Ev", F_SUFFIX, "nop") } };
  MAP2[0x1f] = { group: [def("nop", "Ev", F_SUFFIX)] };
  MAP2[0x28] = { pfx: { none: sse("movaps", "Vx,Wx", "movaps"), p66: sse("movapd", "Vx,Wx", "movaps") } };
  MAP2[0x29] = { pfx: { none: sse("movaps", "Wx,Vx", "movaps"), p66: sse("movapd", "Wx,Vx", "movaps") } };
  MAP2[0x2a] = { pfx: { pf3: sse("cvtsi2ss", "Vx,Ey"), pf2: sse("cvtsi2sd", "Vx,Ey") } };
  MAP2[0x2c] = { pfx: { pf3: sse("cvttss2si", "Gy,Wss"), pf2: sse("cvttsd2si", "Gy,Wsl") } };
  MAP2[0x2d] = { pfx: { pf3: sse("cvtss2si", "Gy,Wss"), pf2: sse("cvtsd2si", "Gy,Wsl") } };
  MAP2[0x2e] = { pfx: { none: sse("ucomiss", "Vx,Wss"), p66: sse("ucomisd", "Vx,Wsl") } };
  MAP2[0x2f] = { pfx: { none: sse("comiss", "Vx,Wss"), p66: sse("comisd", "Vx,Wsl") } };
  MAP2[0x31] = def("rdtsc", "");
  for (let c = 0; c < 16; c++) {
    MAP2[0x40 + c] = def("cmov" + CC[c], "Gv,Ev", 0, "cmov");
    MAP2[0x80 + c] = def("j" + CC[c], "Jz", F_BRANCH | F_NOSUFFIX, "jcc");
    MAP2[0x90 + c] = { group: [def("set" + CC[c], "Eb", 0, "setcc")] };
  }
  MAP2[0x50] = { pfx: { none: sse("movmskps", "Gd,Ux"), p66: sse("movmskpd", "Gd,Ux") } };
  const FP_ARITH: [number, string][] = [[0x51, "sqrt"], [0x58, "add"], [0x59, "mul"], [0x5c, "sub"], [0x5d, "min"], [0x5e, "div"], [0x5f, "max"]];
  for (const [op, n] of FP_ARITH) {
    MAP2[op] = { pfx: { none: sse(n + "ps", "Vx,Wx"), p66: sse(n + "pd", "Vx,Wx"), pf3: sse(n + "ss", "Vx,Wss"), pf2: sse(n + "sd", "Vx,Wsl") } };
  }
  MAP2[0x54] = { pfx: { none: sse("andps", "Vx,Wx", "pand"), p66: sse("andpd", "Vx,Wx", "pand") } };
  MAP2[0x55] = { pfx: { none: sse("andnps", "Vx,Wx", "pandn"), p66: sse("andnpd", "Vx,Wx", "pandn") } };
  MAP2[0x56] = { pfx: { none: sse("orps", "Vx,Wx", "por"), p66: sse("orpd", "Vx,Wx", "por") } };
  MAP2[0x57] = { pfx: { none: sse("xorps", "Vx,Wx", "pxor"), p66: sse("xorpd", "Vx,Wx", "pxor") } };
  MAP2[0x5a] = { pfx: { none: sse("cvtps2pd", "Vx,Wsl"), p66: sse("cvtpd2ps", "Vx,Wx"), pf3: sse("cvtss2sd", "Vx,Wss"), pf2: sse("cvtsd2ss", "Vx,Wsl") } };
  MAP2[0x5b] = { pfx: { none: sse("cvtdq2ps", "Vx,Wx"), p66: sse("cvtps2dq", "Vx,Wx"), pf3: sse("cvttps2dq", "Vx,Wx") } };
  const P66: [number, string, string?][] = [
    [0x60, "punpcklbw"], [0x61, "punpcklwd"], [0x62, "punpckldq"], [0x63, "packsswb"], [0x64, "pcmpgtb"], [0x65, "pcmpgtw"],
    [0x66, "pcmpgtd"], [0x67, "packuswb"], [0x68, "punpckhbw"], [0x69, "punpckhwd"], [0x6a, "punpckhdq"], [0x6b, "packssdw"],
    [0x6c, "punpcklqdq"], [0x6d, "punpckhqdq"], [0x74, "pcmpeqb"], [0x75, "pcmpeqw"], [0x76, "pcmpeqd"],
    [0xd1, "psrlw"], [0xd2, "psrld"], [0xd3, "psrlq"], [0xd4, "paddq"], [0xd5, "pmullw"], [0xd8, "psubusb"], [0xd9, "psubusw"],
    [0xda, "pminub"], [0xdb, "pand"], [0xdc, "paddusb"], [0xdd, "paddusw"], [0xde, "pmaxub"], [0xdf, "pandn"], [0xe0, "pavgb"],
    [0xe1, "psraw"], [0xe2, "psrad"], [0xe3, "pavgw"], [0xe4, "pmulhuw"], [0xe5, "pmulhw"], [0xe8, "psubsb"], [0xe9, "psubsw"],
    [0xea, "pminsw"], [0xeb, "por"], [0xec, "paddsb"], [0xed, "paddsw"], [0xee, "pmaxsw"], [0xef, "pxor"], [0xf1, "psllw"],
    [0xf2, "pslld"], [0xf3, "psllq"], [0xf4, "pmuludq"], [0xf5, "pmaddwd"], [0xf6, "psadbw"], [0xf8, "psubb"], [0xf9, "psubw"],
    [0xfa, "psubd"], [0xfb, "psubq"], [0xfc, "paddb"], [0xfd, "paddw"], [0xfe, "paddd"],
  ];
  for (const [op, mn] of P66) MAP2[op] = { pfx: { p66: sse(mn, "Vx,Wx") } };
  MAP2[0x6e] = { pfx: { p66: sse("movd", "Vx,Ey", "movdtox") } }; // movq when REX.W (disassembler)
  MAP2[0x6f] = { pfx: { p66: sse("movdqa", "Vx,Wx", "movaps"), pf3: sse("movdqu", "Vx,Wx", "movaps") } };
  MAP2[0x70] = { pfx: { p66: sse("pshufd", "Vx,Wx,Ib"), pf3: sse("pshufhw", "Vx,Wx,Ib"), pf2: sse("pshuflw", "Vx,Wx,Ib") } };
  MAP2[0x71] = { pfx: { p66: { group: [undefined, undefined, sse("psrlw", "Ux,Ib", "psrlwi", F_REGONLY), undefined, sse("psraw", "Ux,Ib", "psrawi", F_REGONLY), undefined, sse("psllw", "Ux,Ib", "psllwi", F_REGONLY)] } } };
  MAP2[0x72] = { pfx: { p66: { group: [undefined, undefined, sse("psrld", "Ux,Ib", "psrldi", F_REGONLY), undefined, sse("psrad", "Ux,Ib", "psradi", F_REGONLY), undefined, sse("pslld", "Ux,Ib", "pslldi", F_REGONLY)] } } };
  MAP2[0x73] = { pfx: { p66: { group: [undefined, undefined, sse("psrlq", "Ux,Ib", "psrlqi", F_REGONLY), sse("psrldq", "Ux,Ib", "psrldq", F_REGONLY), undefined, undefined, sse("psllq", "Ux,Ib", "psllqi", F_REGONLY), sse("pslldq", "Ux,Ib", "pslldq", F_REGONLY)] } } };
  MAP2[0x7e] = { pfx: { p66: sse("movd", "Ey,Vx", "movdfromx"), pf3: sse("movq", "Vx,Wsl", "movqload") } };
  MAP2[0x7f] = { pfx: { p66: sse("movdqa", "Wx,Vx", "movaps"), pf3: sse("movdqu", "Wx,Vx", "movaps") } };
  MAP2[0xa2] = def("cpuid", "", F_BRANCH);
  MAP2[0xa3] = def("bt", "Ev,Gv", 0, "bt");
  MAP2[0xa4] = def("shld", "Ev,Gv,Ib", 0, "shd");
  MAP2[0xa5] = def("shld", "Ev,Gv,CL", 0, "shd");
  MAP2[0xab] = def("bts", "Ev,Gv", F_LOCKOK, "bt");
  MAP2[0xac] = def("shrd", "Ev,Gv,Ib", 0, "shd");
  MAP2[0xad] = def("shrd", "Ev,Gv,CL", 0, "shd");
  MAP2[0xae] = {
    group: [def("fxsave", "M", F_NOPFX, "fxsave"), def("fxrstor", "M", F_NOPFX, "fxrstor"), def("ldmxcsr", "Md", F_NOPFX, "ldmxcsr"), def("stmxcsr", "Md", F_NOPFX, "stmxcsr"),
      undefined, undefined, undefined, def("clflush", "Mb", 0, "clflush")],
    regForm: [undefined, undefined, undefined, undefined, undefined, def("lfence", "", F_NOPFX, "nop"), def("mfence", "", F_NOPFX, "nop"), def("sfence", "", F_NOPFX, "nop")],
  };
  MAP2[0xaf] = def("imul", "Gv,Ev", 0, "imul2");
  MAP2[0xb0] = def("cmpxchg", "Eb,Gb", F_LOCKOK);
  MAP2[0xb1] = def("cmpxchg", "Ev,Gv", F_LOCKOK);
  MAP2[0xb3] = def("btr", "Ev,Gv", F_LOCKOK, "bt");
  MAP2[0xb6] = def("movzb", "Gv,Eb", 0, "movzx");
  MAP2[0xb7] = def("movzw", "Gv,Ew", 0, "movzx");
  MAP2[0xb8] = { pfx: { pf3: def("popcnt", "Gv,Ev", F_SSE) } };
  MAP2[0xba] = { group: [undefined, undefined, undefined, undefined, def("bt", "Ev,Ib", 0, "bt"), def("bts", "Ev,Ib", F_LOCKOK, "bt"), def("btr", "Ev,Ib", F_LOCKOK, "bt"), def("btc", "Ev,Ib", F_LOCKOK, "bt")] };
  MAP2[0xbb] = def("btc", "Ev,Gv", F_LOCKOK, "bt");
  MAP2[0xbc] = { pfx: { none: def("bsf", "Gv,Ev", F_SSE), p66: def("bsf", "Gv,Ev", 0), pf3: def("tzcnt", "Gv,Ev", F_SSE) } };
  MAP2[0xbd] = { pfx: { none: def("bsr", "Gv,Ev", F_SSE), p66: def("bsr", "Gv,Ev", 0), pf3: def("lzcnt", "Gv,Ev", F_SSE) } };
  MAP2[0xbe] = def("movsb", "Gv,Eb", 0, "movsx");
  MAP2[0xbf] = def("movsw", "Gv,Ew", 0, "movsx");
  MAP2[0xc0] = def("xadd", "Eb,Gb", F_LOCKOK);
  MAP2[0xc1] = def("xadd", "Ev,Gv", F_LOCKOK);
  MAP2[0xc2] = { pfx: { none: sse("cmpps", "Vx,Wx,Ib"), p66: sse("cmppd", "Vx,Wx,Ib"), pf3: sse("cmpss", "Vx,Wss,Ib"), pf2: sse("cmpsd", "Vx,Wsl,Ib") } };
  MAP2[0xc3] = def("movnti", "My,Gy", F_MEMONLY | F_NOPFX, "mov");
  MAP2[0xc6] = { pfx: { none: sse("shufps", "Vx,Wx,Ib"), p66: sse("shufpd", "Vx,Wx,Ib") } };
  MAP2[0xc7] = { group: [undefined, def("cmpxchg8b", "Mq", F_MEMONLY | F_LOCKOK, "cmpxchg16b")] };
  for (let r = 0; r < 8; r++) MAP2[0xc8 + r] = def("bswap", "Zy");
  MAP2[0xd6] = { pfx: { p66: sse("movq", "Wsl,Vx", "movqstore") } };
  MAP2[0xd7] = { pfx: { p66: sse("pmovmskb", "Gd,Ux") } };
  MAP2[0xe6] = { pfx: { p66: sse("cvttpd2dq", "Vx,Wx"), pf3: sse("cvtdq2pd", "Vx,Wsl"), pf2: sse("cvtpd2dq", "Vx,Wx") } };
  MAP2[0xe7] = { pfx: { p66: sse("movntdq", "Mx,Vx", "movaps") } };
  MAP2[0x2b] = { pfx: { none: sse("movntps", "Mx,Vx", "movaps"), p66: sse("movntpd", "Mx,Vx", "movaps") } };

  /** 0F 38 and 0F 3A (SSSE3/SSE4): not advertised by our CPUID, so empty: every encoding is #UD. */
  const MAP3: (Row | undefined)[] = Array.from({ length: 256 }, () => undefined);
  const MAP4: (Row | undefined)[] = Array.from({ length: 256 }, () => undefined);

  return [MAP1, MAP2, MAP3, MAP4];
}

/** Every definition in the tables (for linking and coverage reports). */
export function allDefs(): OpDef[] {
  const out = new Set<OpDef>();
  const visit = (r: unknown): void => {
    if (!r) return;
    if (Array.isArray(r)) return r.forEach(visit);
    if (isDef(r as Row)) out.add(r as OpDef);
    else if ((r as { group?: unknown }).group) {
      visit((r as { group: unknown }).group);
      visit((r as { regForm?: unknown }).regForm);
    } else if ((r as { pfx?: Record<string, unknown> }).pfx) for (const v of Object.values((r as { pfx: Record<string, unknown> }).pfx)) visit(v);
  };
  for (const m of opcodeMaps()) m.forEach(visit);
  out.add(INCSSP);
  out.add(RDSSP);
  return [...out];
}
