/**
 * Advanced SIMD scalar forms (three-same, two-register-misc, shift by immediate): each is
 * the vector operation on element 0 with the rest of V<d> zeroed, so the compilers reuse
 * the vector ones (exec-fp.ts) on the same operands and clear the upper bytes afterwards.
 * Which scalar encodings exist is the simd-tables.ts data the disassembler also reads.
 */
import type { Arm64Cpu, Handler } from "./cpu.js";
import type { Compilers } from "./exec.js";
import { FP_SIMD } from "./exec-fp.js";
import { SAT_MISC2_KEYS, SAT_SAME3_KEYS, satDiff3, satIndexed, satMisc2, satSame3, satShift } from "./exec-simd-sat.js";
import { fcvtxn, fpEstimate, simdFixedCvt, simdIndexed } from "./exec-simdfp.js";
import { commit, tb } from "./scratch.js";
import { FIXED_CVT_OPS, fixedCvtSize, FP2_OPS, FP3_OPS, fpKey, INDEXED_OPS, SCALAR2_FP_OPS, SCALAR2_INT_OPS, SCALAR2_NARROW_OPS, SCALAR3_FP_OPS, SCALAR3_INT_OPS, SCALAR_SHIFT_OPS } from "./simd-tables.js";

/** `h` followed by zeroing V<d> above its low `bytes` (1, 2, 4 or 8: a b, h, s or d element). */
function scalar(c: Arm64Cpu, h: Handler | undefined, d: number, bytes: number): Handler | undefined {
  if (!h) return undefined;
  const vw = c.vw, base = d * 4;
  if (bytes === 8) return () => { const r = h(); vw[base + 2] = 0; vw[base + 3] = 0; return r; };
  const low = bytes === 4 ? -1 : bytes === 2 ? 0xffff : 0xff;
  return () => { const r = h(); vw[base] = vw[base]! & low; vw[base + 1] = 0; vw[base + 2] = 0; vw[base + 3] = 0; return r; };
}

export const SCALAR = {
  SIMD_SCALAR_3SAME(c, f, pc) {
    const { U, size, opcode } = f;
    if (opcode >= 24) {
      // FP: size<1> is a (part of the op), size<0> picks d (vector 2d, Q=1) or s (vector 2s, Q=0).
      const name = FP3_OPS[fpKey(U, size >> 1, opcode)];
      if (!name || !SCALAR3_FP_OPS.has(name)) return undefined;
      const dbl = (size & 1) === 1;
      return scalar(c, FP_SIMD.SIMD_3SAME(c, { ...f, Q: dbl ? 1 : 0 }, pc), f.rd, dbl ? 8 : 4);
    }
    const k = (U << 5) | opcode;
    if (SAT_SAME3_KEYS.includes(k)) return satSame3(c, { ...f, Q: 1 }, pc, true);
    if (size !== 3 || !SCALAR3_INT_OPS[k]) return undefined;
    return scalar(c, FP_SIMD.SIMD_3SAME(c, { ...f, Q: 1 }, pc), f.rd, 8);
  },
  SIMD_SCALAR_2MISC(c, f, pc) {
    const { U, size, opcode } = f;
    if (U === 1 && opcode === 22 && size === 1) return fcvtxn(c, f.rn, f.rd, 0, true, pc);
    const fp = FP2_OPS[fpKey(U, size >> 1, opcode)];
    if (fp !== undefined && ((opcode >= 12 && opcode <= 15) || opcode >= 22)) {
      if (!SCALAR2_FP_OPS.has(fp)) return undefined;
      const dbl = (size & 1) === 1;
      if (fp === "frecpe" || fp === "frsqrte" || fp === "frecpx") return fpEstimate(c, fp, f.rn, f.rd, dbl, 1, 1, pc);
      return scalar(c, FP_SIMD.SIMD_2MISC(c, { ...f, Q: dbl ? 1 : 0 }, pc), f.rd, dbl ? 8 : 4);
    }
    const k = (U << 5) | opcode;
    if (SAT_MISC2_KEYS.includes(k)) return satMisc2(c, { ...f, Q: 1 }, pc, true);
    // Narrowing: the vector form with Q=0 puts element 0's result in byte 0 up.
    if (SCALAR2_NARROW_OPS[k]) return size === 3 ? undefined : scalar(c, FP_SIMD.SIMD_2MISC(c, { ...f, Q: 0 }, pc), f.rd, 1 << size);
    if (size !== 3 || !SCALAR2_INT_OPS[k]) return undefined;
    return scalar(c, FP_SIMD.SIMD_2MISC(c, { ...f, Q: 1 }, pc), f.rd, 8);
  },
  SIMD_SCALAR_SHIFT(c, f, pc) {
    const { U, immh, immb, opcode } = f;
    const k = (U << 5) | opcode, immhb = (immh << 3) | immb;
    const fixed = FIXED_CVT_OPS[k];
    if (fixed) {
      const size = fixedCvtSize(immh);
      if (size === undefined) return undefined;
      return simdFixedCvt(c, pc, fixed, f.rn, f.rd, size === 3, 1, (16 << size) - immhb, 1 << size);
    }
    if ([14, 46, 44, 18, 19, 50, 51, 48, 49].includes(k)) return satShift(c, { ...f, Q: 1 }, pc, true);
    if (immh < 8 || !SCALAR_SHIFT_OPS[k]) return undefined;
    return scalar(c, FP_SIMD.SIMD_SHIFT(c, { ...f, Q: 1 }, pc), f.rd, 8);
  },
  SIMD_SCALAR_COPY(c, f, pc) {
    // dup (element, scalar), printed `mov`: V<d> = element imm5 of V<n>, zero-extended.
    const { op, imm5, imm4 } = f;
    const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : imm5 & 8 ? 3 : -1;
    if (op || imm4 || size < 0) return undefined;
    const n = f.rn, d = f.rd, next = pc + 4, vb = c.vb, esz = 1 << size, src = n * 16 + (imm5 >> (size + 1)) * esz;
    return () => {
      for (let b = 0; b < esz; b++) tb[b] = vb[src + b]!;
      for (let b = esz; b < 16; b++) tb[b] = 0;
      commit(c, d, 1);
      return next;
    };
  },
  SIMD_SCALAR_INDEXED(c, f, pc) {
    // FP by element (fmul/fmla/fmls s or d): the vector form's element 0.
    const op = INDEXED_OPS[(f.U << 4) | f.opcode];
    if (!op?.fp) return satIndexed(c, { ...f, Q: 1 }, pc, true);
    if (op.long || f.size < 2) return undefined;
    const dbl = f.size === 3;
    return scalar(c, simdIndexed(c, { ...f, Q: dbl ? 1 : 0 }, pc), f.rd, dbl ? 8 : 4);
  },
  // sqdmlal/sqdmlsl/sqdmull on h or s elements into an s or d result.
  SIMD_SCALAR_3DIFF: (c, f, pc) => (f.U ? undefined : satDiff3(c, { ...f, Q: 1 }, pc, true)),
} satisfies Partial<Compilers>;
