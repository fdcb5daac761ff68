/** Random machine states for the arm64 instruction fuzzer: values biased to the edges instructions get wrong. */
import { SLOT_FPCR, SLOT_FPSR, SLOT_NZCV, SLOT_SP, SLOT_V, STATE_BYTES } from "../../../packages/isa-arm64/test/insn-fuzz.js";

/** sfc32 seeded from (seed, index): each record's stream is independent of the others. */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number, index: number) {
    this.a = seed | 0; this.b = index | 0; this.c = Math.floor(index / 2 ** 32) ^ 0x9e3779b9; this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  below(n: number): number { return this.u32() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.below(xs.length)]!; }
}

const U64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
/** Lane values per lane width (bits): integer edges, and for 16/32/64 the FP edges (zeros, ones, inf, NaNs, subnormals, max). */
const EDGES: Record<number, readonly bigint[]> = {
  8: [0n, 1n, 0x7fn, 0x80n, 0xffn, 0xfen, 0x81n, 0x40n],
  16: [0n, 1n, 0x7fffn, 0x8000n, 0xffffn, 0x3c00n, 0xbc00n, 0x7c00n, 0x7e00n, 0x7c01n, 0x0001n, 0x03ffn, 0x7bffn, 0x8001n, 0x00ffn],
  32: [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x3f800000n, 0xbf800000n, 0x7f800000n, 0xff800000n, 0x7fc00000n, 0x7f800001n,
    0xffc00001n, 0x00000001n, 0x007fffffn, 0x00800000n, 0x7f7fffffn, 0x4f000000n, 0xcf000000n, 0x3f000000n, 0x4b000001n, 0x80000001n],
  64: [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x3ff0000000000000n, 0xbff0000000000000n,
    0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff0000000000001n, 0xfff8000000000001n, 0x0000000000000001n,
    0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0x43e0000000000000n, 0xc3e0000000000000n, 0x3fe0000000000000n,
    0x41e0000000000000n, 0x4330000000000001n, 0x8000000000000001n],
};

/** A 64-bit value: fully random, small, an edge, or lanes of one width each random / edge / small. */
function value64(r: Rng): bigint {
  switch (r.below(8)) {
    case 0: case 1: return U64(r.u32(), r.u32());
    case 2: return BigInt(r.below(64));
    case 3: return BigInt.asUintN(64, -BigInt(r.below(64) + 1));
    case 4: return r.pick(EDGES[64]!);
    default: {
      const bits = r.pick([8, 16, 32, 32, 64]);
      let v = 0n;
      for (let i = 0; i < 64 / bits; i++) {
        const k = r.below(4);
        const lane = k === 0 ? BigInt(r.u32()) & ((1n << BigInt(bits)) - 1n)
          : k === 1 ? BigInt(r.below(16)) & ((1n << BigInt(bits)) - 1n)
          : bits === 64 || bits === 32 ? r.pick(EDGES[bits]!) : r.pick(EDGES[bits]!);
        v |= lane << BigInt(i * bits);
      }
      return v;
    }
  }
}

/** FPCR: half the time the default (0), else AHP, DN, FZ and RMode at random (trap enables stay 0: the A72 ignores them). */
function fpcr(r: Rng): number {
  if (r.below(2) === 0) return 0;
  return ((r.below(2) << 26) | (r.below(2) << 25) | (r.below(2) << 24) | (r.below(4) << 22)) >>> 0;
}

export function randomState(r: Rng): Uint8Array {
  const s = new Uint8Array(STATE_BYTES);
  const v = new DataView(s.buffer);
  for (let i = 0; i <= SLOT_SP; i++) v.setBigUint64(i * 8, value64(r), true);
  v.setBigUint64(SLOT_NZCV * 8, BigInt(r.below(16) << 28 >>> 0), true);
  v.setBigUint64(SLOT_FPCR * 8, BigInt(fpcr(r)), true);
  // FPSR.QC sometimes set on entry: saturating instructions must leave it set.
  v.setBigUint64(SLOT_FPSR * 8, r.below(8) === 0 ? 1n << 27n : 0n, true);
  for (let i = 0; i < 64; i++) v.setBigUint64(SLOT_V * 8 + i * 8, value64(r), true);
  return s;
}
