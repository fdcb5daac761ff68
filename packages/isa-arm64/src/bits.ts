/**
 * Pure bit and number helpers shared by the executors and the disassembler
 * (kept here so neither imports the other).
 */

/** High 32 bits of the unsigned 32×32 product. */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16)) >>> 0;
}

/** Reverse the bits of a 32-bit word. */
export function rbit32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return (v >>> 16) | (v << 16);
}

/** VFPExpandImm: the 8-bit FP immediate as a double. */
export function vfpExpandImm(imm8: number): number {
  // Exponent NOT(b):b…b:c:d gives an unbiased exponent of cd-3 (b=1) or cd+1 (b=0).
  const b = (imm8 >> 6) & 1;
  const cd = (imm8 >> 4) & 3;
  const mag = ((16 + (imm8 & 15)) / 16) * 2 ** (b ? cd - 3 : cd + 1);
  return imm8 & 0x80 ? -mag : mag;
}

/** Round to an integral value, ties to even (FPRoundInt with RN); infinities and NaN pass through. */
export function roundEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
}

/** Round to an integral value, ties away from zero (FPRoundInt with TieAway). */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * A PC-relative branch target: pc + offset modulo 2^64. A target below 0 wraps to the top of the address space
 * (not a user address: the fetch there faults, SIGSEGV, as on hardware); it must never stay negative, because
 * negative numbers are the run loop's trap codes.
 */
export function branchTarget(pc: number, off: number): number {
  const t = pc + off;
  return t < 0 ? t + 2 ** 64 : t;
}
