/**
 * A structure-aware ELF mutator: each mutation either rewrites one field of a structure the loaders read
 * (ELF header, a program header, a section header, a note header, PT_INTERP) with a value chosen to sit on an
 * edge (0, page and 2^32/2^47/2^53/2^64 boundaries, the original ± a little), or flips, sets, truncates or
 * extends bytes. Every input is a pure function of (seed, index), so a failure printed by the runner is
 * reproduced by its seed and index alone.
 */

/** xorshift128+ on two 32-bit halves: fast, seedable, and the same sequence on every host. */
export class Rng {
  private a: number;
  private b: number;
  constructor(seed: number, stream = 0) {
    this.a = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.b = (Math.imul(stream + 1, 0x85ebca6b) ^ seed) >>> 0 || 2;
    for (let i = 0; i < 8; i++) this.u32();
  }
  u32(): number {
    let x = this.a;
    const y = this.b;
    this.a = y;
    x ^= x << 11;
    x ^= x >>> 8;
    this.b = (x ^ y ^ (y >>> 19)) >>> 0;
    return this.b;
  }
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

const M64 = (1n << 64n) - 1n;
/** Edge values for 64-bit address, offset and size fields. */
const EDGES64: readonly bigint[] = [
  0n, 1n, 0xfffn, 0x1000n, 0x10000n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 1n << 40n, 1n << 46n,
  (1n << 47n) - 0x1000n, (1n << 47n) - 1n, 1n << 47n, (1n << 48n) - 0x1000n, 1n << 48n, (1n << 52n) + 1n, (1n << 53n) - 1n,
  1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 63n) - 1n, M64 - 0xfffn, M64,
];
const EDGES16: readonly number[] = [0, 1, 2, 3, 4, 55, 56, 57, 63, 64, 65, 1169, 1170, 0x7fff, 0xfff0, 0xffff];
const EDGES32: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 0x6474e550, 0x6474e551, 0x6474e552, 0x6474e553, 0x7fffffff, 0x80000000, 0xffffffff];

/** A 64-bit value near `orig`: an edge, orig ± a small delta or a page, a random page-aligned address, or random. */
function value64(r: Rng, orig: bigint): bigint {
  switch (r.below(6)) {
    case 0:
    case 1:
      return r.pick(EDGES64);
    case 2:
      return (orig + BigInt(r.below(17)) - 8n) & M64;
    case 3:
      return (orig + BigInt((r.below(9) - 4) * 0x1000)) & M64;
    case 4:
      return BigInt(r.below(1 << 20)) * 0x1000n;
    default:
      return r.u64();
  }
}

interface Layout {
  phoff: number;
  phnum: number;
  shoff: number;
  shnum: number;
}

function layoutOf(b: Uint8Array): Layout | undefined {
  if (b.length < 64) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const phoff = Number(v.getBigUint64(32, true));
  const shoff = Number(v.getBigUint64(40, true));
  const phnum = v.getUint16(56, true);
  const shnum = v.getUint16(60, true);
  return {
    phoff, shoff,
    phnum: phoff + phnum * 56 <= b.length ? phnum : 0,
    shnum: shoff + shnum * 64 <= b.length ? shnum : 0,
  };
}

// Field offsets, with their widths: the ELF header, a program header, a section header (ELF64).
const EHDR_FIELDS: readonly [number, 2 | 4 | 8][] = [[16, 2], [18, 2], [20, 4], [24, 8], [32, 8], [40, 8], [48, 4], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2]];
const PHDR_FIELDS: readonly [number, 4 | 8][] = [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 8], [48, 8]];
const SHDR_FIELDS: readonly [number, 4 | 8][] = [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]];

function setField(v: DataView, off: number, width: 2 | 4 | 8, r: Rng): void {
  if (off + width > v.byteLength) return;
  if (width === 8) v.setBigUint64(off, value64(r, v.getBigUint64(off, true)), true);
  else if (width === 4) v.setUint32(off, r.below(3) === 0 ? r.u32() : r.pick(EDGES32), true);
  else v.setUint16(off, r.below(3) === 0 ? r.below(0x10000) : r.pick(EDGES16), true);
}

type Mutation = (b: Uint8Array, r: Rng) => Uint8Array;

const PT_LOAD = 1, PT_INTERP = 3, PT_NOTE = 4;

const MUTATIONS: readonly [string, number, Mutation][] = [
  ["ehdr-field", 3, (b, r) => {
    const [off, w] = r.pick(EHDR_FIELDS);
    setField(new DataView(b.buffer, b.byteOffset, b.byteLength), off, w, r);
    return b;
  }],
  ["e_entry", 1, (b, r) => {
    if (b.length >= 32) new DataView(b.buffer, b.byteOffset).setBigUint64(24, value64(r, new DataView(b.buffer, b.byteOffset).getBigUint64(24, true)), true);
    return b;
  }],
  ["phdr-field", 5, (b, r) => {
    const l = layoutOf(b);
    if (!l || l.phnum === 0) return b;
    const [off, w] = r.pick(PHDR_FIELDS);
    setField(new DataView(b.buffer, b.byteOffset, b.byteLength), l.phoff + r.below(l.phnum) * 56 + off, w, r);
    return b;
  }],
  ["segment-size", 3, (b, r) => {
    // p_filesz / p_memsz / p_offset / p_vaddr of a PT_LOAD: the fields exec maps from.
    const l = layoutOf(b);
    if (!l) return b;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const loads = [...Array(l.phnum).keys()].filter((i) => v.getUint32(l.phoff + i * 56, true) === PT_LOAD);
    if (loads.length === 0) return b;
    const o = l.phoff + r.pick(loads) * 56 + r.pick([8, 16, 32, 40, 48]);
    v.setBigUint64(o, value64(r, v.getBigUint64(o, true)), true);
    return b;
  }],
  ["pt-interp", 1, (b, r) => {
    // Turn a program header into PT_INTERP pointing at a (possibly unterminated, empty or overlong) path.
    const l = layoutOf(b);
    if (!l || l.phnum === 0) return b;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const o = l.phoff + r.below(l.phnum) * 56;
    v.setUint32(o, PT_INTERP, true);
    const at = r.below(b.length);
    v.setBigUint64(o + 8, r.below(4) === 0 ? value64(r, BigInt(at)) : BigInt(at), true);
    v.setBigUint64(o + 32, r.below(4) === 0 ? value64(r, 16n) : BigInt(r.below(64)), true);
    if (r.below(2) === 0) b.set(new TextEncoder().encode("/lib/ld.so\0").subarray(0, Math.max(0, b.length - at)), at);
    return b;
  }],
  ["notes", 2, (b, r) => {
    // The namesz/descsz/type words of a note at the start of a PT_NOTE segment or SHT_NOTE section.
    const l = layoutOf(b);
    if (!l) return b;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const at: number[] = [];
    for (let i = 0; i < l.phnum; i++) if (v.getUint32(l.phoff + i * 56, true) === PT_NOTE) at.push(Number(v.getBigUint64(l.phoff + i * 56 + 8, true)));
    for (let i = 0; i < l.shnum; i++) if (v.getUint32(l.shoff + i * 64 + 4, true) === 7) at.push(Number(v.getBigUint64(l.shoff + i * 64 + 24, true)));
    const base = at.length ? r.pick(at) : -1;
    if (!(base >= 0 && base + 12 <= b.length)) return b;
    v.setUint32(base + 4 * r.below(3), r.below(2) ? r.pick(EDGES32) : r.below(64), true);
    return b;
  }],
  ["shdr-field", 3, (b, r) => {
    const l = layoutOf(b);
    if (!l || l.shnum === 0) return b;
    const [off, w] = r.pick(SHDR_FIELDS);
    setField(new DataView(b.buffer, b.byteOffset, b.byteLength), l.shoff + r.below(l.shnum) * 64 + off, w, r);
    return b;
  }],
  ["byte-flip", 3, (b, r) => {
    for (let n = 1 + r.below(8); n > 0 && b.length; n--) b[r.below(b.length)]! ^= 1 << r.below(8);
    return b;
  }],
  ["byte-set", 2, (b, r) => {
    // Bytes in the headers are where parsers decide; bias towards them.
    const span = r.below(2) ? Math.min(b.length, 1024) : b.length;
    for (let n = 1 + r.below(4); n > 0 && span; n--) b[r.below(span)] = r.pick([0, 0xff, 0x7f, 0x80, 1, r.below(256)]);
    return b;
  }],
  ["truncate", 1, (b, r) => b.slice(0, r.below(b.length + 1))],
  ["extend", 1, (b, r) => {
    const out = new Uint8Array(b.length + 1 + r.below(4096));
    out.set(b);
    return out;
  }],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((n, m) => n + m[1], 0);

/** Input `index` of run `seed`: a copy of one of `seeds` with 1–4 mutations applied (names returned for the report). */
export function mutateInput(seeds: readonly Uint8Array[], seed: number, index: number): { bytes: Uint8Array; seedIndex: number; ops: string[] } {
  const r = new Rng(seed, index);
  const seedIndex = r.below(seeds.length);
  let b = seeds[seedIndex]!.slice();
  const ops: string[] = [];
  for (let n = 1 + r.below(4); n > 0; n--) {
    let w = r.below(TOTAL_WEIGHT);
    const m = MUTATIONS.find((x) => (w -= x[1]) < 0)!;
    ops.push(m[0]);
    b = m[2](b, r);
  }
  return { bytes: b, seedIndex, ops };
}
