/**
 * Advanced SIMD floating-point and by-element operations as data, shared by the
 * disassembler and the interpreter. Keys are U<<6 | a<<5 | opcode, where `a` is
 * instruction bit 23 (the high bit of the `size` field) and `opcode` the 5-bit
 * opcode field (Arm ARM, "Advanced SIMD three same" / "two-register miscellaneous").
 */

export const fpKey = (u: number, a: number, opcode: number) => (u << 6) | (a << 5) | opcode;

/** Three-same FP (opcode 11xxx). */
export const FP3_OPS: Readonly<Record<number, string>> = {
  [fpKey(0, 0, 24)]: "fmaxnm", [fpKey(0, 0, 25)]: "fmla", [fpKey(0, 0, 27)]: "fmulx", [fpKey(0, 0, 31)]: "frecps", [fpKey(0, 1, 31)]: "frsqrts", [fpKey(0, 0, 26)]: "fadd", [fpKey(0, 0, 28)]: "fcmeq", [fpKey(0, 0, 30)]: "fmax",
  [fpKey(0, 1, 24)]: "fminnm", [fpKey(0, 1, 25)]: "fmls", [fpKey(0, 1, 26)]: "fsub", [fpKey(0, 1, 30)]: "fmin",
  [fpKey(1, 0, 24)]: "fmaxnmp", [fpKey(1, 0, 26)]: "faddp", [fpKey(1, 0, 27)]: "fmul", [fpKey(1, 0, 28)]: "fcmge", [fpKey(1, 0, 29)]: "facge",
  [fpKey(1, 0, 30)]: "fmaxp", [fpKey(1, 0, 31)]: "fdiv",
  [fpKey(1, 1, 24)]: "fminnmp", [fpKey(1, 1, 26)]: "fabd", [fpKey(1, 1, 28)]: "fcmgt", [fpKey(1, 1, 29)]: "facgt", [fpKey(1, 1, 30)]: "fminp",
};

/** Two-register-misc FP (opcodes 01100..01111 with a=1, 10110..11111). */
export const FP2_OPS: Readonly<Record<number, string>> = {
  [fpKey(0, 1, 15)]: "fabs", [fpKey(1, 1, 15)]: "fneg", [fpKey(1, 1, 31)]: "fsqrt",
  [fpKey(0, 0, 24)]: "frintn", [fpKey(0, 0, 25)]: "frintm", [fpKey(0, 1, 24)]: "frintp", [fpKey(0, 1, 25)]: "frintz",
  [fpKey(1, 0, 24)]: "frinta", [fpKey(1, 0, 25)]: "frintx", [fpKey(1, 1, 25)]: "frinti",
  [fpKey(0, 0, 26)]: "fcvtns", [fpKey(0, 0, 27)]: "fcvtms", [fpKey(0, 0, 28)]: "fcvtas", [fpKey(0, 0, 29)]: "scvtf",
  [fpKey(0, 1, 26)]: "fcvtps", [fpKey(0, 1, 27)]: "fcvtzs",
  [fpKey(1, 0, 26)]: "fcvtnu", [fpKey(1, 0, 27)]: "fcvtmu", [fpKey(1, 0, 28)]: "fcvtau", [fpKey(1, 0, 29)]: "ucvtf",
  [fpKey(1, 1, 26)]: "fcvtpu", [fpKey(1, 1, 27)]: "fcvtzu",
  [fpKey(0, 1, 12)]: "fcmgt", [fpKey(0, 1, 13)]: "fcmeq", [fpKey(0, 1, 14)]: "fcmlt", [fpKey(1, 1, 12)]: "fcmge", [fpKey(1, 1, 13)]: "fcmle",
  [fpKey(0, 0, 22)]: "fcvtn", [fpKey(0, 0, 23)]: "fcvtl",
  // Estimates: urecpe/ursqrte only on s lanes; frecpx only scalar.
  [fpKey(0, 1, 29)]: "frecpe", [fpKey(1, 1, 29)]: "frsqrte", [fpKey(0, 1, 28)]: "urecpe", [fpKey(1, 1, 28)]: "ursqrte", [fpKey(0, 1, 31)]: "frecpx",
};

/** Across-lanes FP (single precision, 4S only). */
export const FP_ACROSS_OPS: Readonly<Record<number, string>> = {
  [fpKey(1, 0, 12)]: "fmaxnmv", [fpKey(1, 0, 15)]: "fmaxv", [fpKey(1, 1, 12)]: "fminnmv", [fpKey(1, 1, 15)]: "fminv",
};

/** By-element ops: key U<<4 | opcode; `fp` ops use size 2/3 as single/double. */
export const INDEXED_OPS: Readonly<Record<number, { name: string; fp: boolean; long?: boolean }>> = {
  [(0 << 4) | 8]: { name: "mul", fp: false },
  [(1 << 4) | 0]: { name: "mla", fp: false },
  [(1 << 4) | 4]: { name: "mls", fp: false },
  [(0 << 4) | 10]: { name: "smull", fp: false, long: true },
  [(1 << 4) | 10]: { name: "umull", fp: false, long: true },
  [(0 << 4) | 9]: { name: "fmul", fp: true },
  [(1 << 4) | 9]: { name: "fmulx", fp: true },
  [(0 << 4) | 1]: { name: "fmla", fp: true },
  [(0 << 4) | 5]: { name: "fmls", fp: true },
};

/** Element index and register for a by-element operand (size 1: H:L:M with Rm<16; 2: H:L; 3: H). */
export function indexedOperand(size: number, H: number, L: number, M: number, rm: number): { index: number; reg: number } | undefined {
  if (size === 1) return { index: (H << 2) | (L << 1) | M, reg: rm };
  if (size === 2) return { index: (H << 1) | L, reg: (M << 4) | rm };
  if (size === 3) return L ? undefined : { index: H, reg: (M << 4) | rm };
  return undefined;
}

/** [registers, elements-per-structure] for ld1-4/st1-4 multiple-structure opcodes. */
export const MULT_OPCODES: Readonly<Record<number, readonly [number, number]>> = { 0: [4, 4], 2: [4, 1], 4: [3, 3], 6: [3, 1], 7: [1, 1], 8: [2, 2], 10: [2, 1] };

// ---- Advanced SIMD scalar forms: the vector operation on lane 0, the rest of V<d> zeroed.
// Keys are U<<5 | opcode; the integer forms listed here exist only for 64-bit (d) elements.

/** Scalar three-same integer ops (size 3). */
export const SCALAR3_INT_OPS: Readonly<Record<number, string>> = {
  16: "add", 48: "sub", 6: "cmgt", 7: "cmge", 38: "cmhi", 39: "cmhs", 49: "cmeq", 17: "cmtst", 8: "sshl", 40: "ushl",
};
/** Scalar pairwise FP (U=1; key a<<5 | opcode, a = size<1>): element 0 op element 1 of a 2s or 2d source. */
export const SCALAR_PAIR_FP_OPS: Readonly<Record<number, string>> = { 12: "fmaxnmp", 13: "faddp", 15: "fmaxp", 44: "fminnmp", 47: "fminp" };
/** Scalar three-same saturating ops, every element size (b, h, s, d). */
export const SCALAR3_SAT_OPS: Readonly<Record<number, string>> = { 1: "sqadd", 33: "uqadd", 5: "sqsub", 37: "uqsub" };
/** Scalar saturating narrows (two-register misc, result size 0..2 from an element twice as wide). */
export const SCALAR2_NARROW_OPS: Readonly<Record<number, string>> = { 20: "sqxtn", 52: "uqxtn", 50: "sqxtun" };
/** Scalar three-same FP ops, by their FP3_OPS name (s or d by size<0>). */
export const SCALAR3_FP_OPS: ReadonlySet<string> = new Set(["fabd", "fcmeq", "fcmge", "fcmgt", "facge", "facgt", "fmulx", "frecps", "frsqrts"]);
/** Scalar two-register-misc integer ops (size 3); the compares are against #0. */
export const SCALAR2_INT_OPS: Readonly<Record<number, string>> = { 8: "cmgt", 9: "cmeq", 10: "cmlt", 11: "abs", 40: "cmge", 41: "cmle", 43: "neg" };
/** Scalar two-register-misc FP ops, by their FP2_OPS name. */
export const SCALAR2_FP_OPS: ReadonlySet<string> = new Set([
  "fcvtns", "fcvtms", "fcvtas", "fcvtps", "fcvtzs", "fcvtnu", "fcvtmu", "fcvtau", "fcvtpu", "fcvtzu", "scvtf", "ucvtf",
  "fcmgt", "fcmeq", "fcmlt", "fcmge", "fcmle", "frecpe", "frsqrte", "frecpx",
]);
/** Scalar shift-by-immediate integer ops (immh = 1xxx); `left` shifts by immh:immb - 64, the others right by 128 - immh:immb. */
export const SCALAR_SHIFT_OPS: Readonly<Record<number, { name: string; left?: boolean }>> = {
  0: { name: "sshr" }, 2: { name: "ssra" }, 4: { name: "srshr" }, 6: { name: "srsra" }, 10: { name: "shl", left: true },
  32: { name: "ushr" }, 34: { name: "usra" }, 36: { name: "urshr" }, 38: { name: "ursra" }, 40: { name: "sri" }, 42: { name: "sli", left: true },
};
/** Fixed-point conversions in the shift-by-immediate space (scalar and vector; s or d elements, fbits = 2*esize - immh:immb). */
export const FIXED_CVT_OPS: Readonly<Record<number, string>> = { 28: "scvtf", 60: "ucvtf", 31: "fcvtzs", 63: "fcvtzu" };
/** Element size log2 (2: s, 3: d) of a fixed-point conversion's immh, or undefined (h needs FP16; 0000 is not a shift). */
export const fixedCvtSize = (immh: number): number | undefined => (immh >= 8 ? 3 : immh >= 4 ? 2 : undefined);
