/**
 * Table lookup: the compiled rows are bucketed by twelve instruction bits
 * (bits 29..22 and 13..10, the split dynarmic uses), each bucket ordered by
 * specificity so that the explicitly allowed overlaps resolve to the more
 * specific row. Decoding is a bucket index plus a short mask/match scan.
 */
import { COMPILED_TABLE, type CompiledRow, type FieldMap, type RowName } from "./table.js";
import { EXTRACTORS } from "./table.gen.js";

/** Any row's decoded fields by name, as the table declares them (extended and scaled). */
export type Fields = Readonly<Record<string, number>>;

/**
 * A decoded word: its row and that row's typed field set. For a generic `N` the
 * pair stays correlated, so `table[d.row.name](d.f)` type-checks against a
 * per-row handler table (`{ [N in RowName]: (f: FieldMap[N]) => … }`).
 */
export type Decoded<N extends RowName = RowName> = { [K in N]: { readonly row: CompiledRow<K>; readonly f: FieldMap[K] } }[N];

const KEY_HI_SHIFT = 22; // bits 29..22
const KEY_LO_SHIFT = 10; // bits 13..10
const KEY_BITS = ((0xff << KEY_HI_SHIFT) | (0xf << KEY_LO_SHIFT)) >>> 0;

function keyOf(word: number): number {
  return (((word >>> KEY_HI_SHIFT) & 0xff) << 4) | ((word >>> KEY_LO_SHIFT) & 0xf);
}
function wordOfKey(key: number): number {
  return ((((key >>> 4) & 0xff) << KEY_HI_SHIFT) | ((key & 0xf) << KEY_LO_SHIFT)) >>> 0;
}

// Each bucket is built on its first lookup: building all 4096 at module load cost ~8-30 ms of every start-up
// (an x86-64 guest loads this module too), while hello touches ~350 keys.
const BUCKETS: (CompiledRow<RowName>[] | undefined)[] = Array.from({ length: 4096 }, () => undefined);
// The rows most specific first (a stable sort, so a bucket filtered from it is in the order that sorting the
// bucket itself gives).
let bySpecificity: readonly CompiledRow<RowName>[] | undefined;

// Indexed loops below, not for...of: these run cold (V8's interpreter) once per word a block decodes, and an
// array iterator there is a call and an allocated result per step.
function bucketOf(key: number): CompiledRow<RowName>[] {
  const w = wordOfKey(key);
  const bucket: CompiledRow<RowName>[] = [];
  const rows = (bySpecificity ??= [...COMPILED_TABLE].sort((a, b) => b.fixedBits - a.fixedBits));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if ((((w ^ r.match) & r.mask & KEY_BITS) >>> 0) === 0) bucket.push(r);
  }
  return (BUCKETS[key] = bucket);
}

/** The row a word belongs to, or undefined when no row's fixed bits match (unallocated). */
export function matchRow(word: number): CompiledRow<RowName> | undefined {
  const key = keyOf(word);
  const bucket = BUCKETS[key] ?? bucketOf(key);
  for (let i = 0; i < bucket.length; i++) {
    const r = bucket[i]!;
    if (((word & r.mask) >>> 0) === r.match) return r;
  }
  return undefined;
}

/**
 * The row's fields of `word`. Runs once per instruction (the interpreter caches the
 * compiled handler), so the per-field segment loop costs nothing at execution time.
 */
export function extractFields(row: CompiledRow, word: number): Fields {
  const f: Record<string, number> = {};
  for (const fs of row.fields) {
    let v = 0;
    for (const sg of fs.segments) v |= ((word >>> sg.shift) & sg.mask) << sg.at;
    if (fs.signed) v = (v << (32 - fs.width)) >> (32 - fs.width);
    f[fs.name] = v * fs.scale;
  }
  return f;
}

/** Decode a 32-bit word into its class and fields; undefined when the encoding is unallocated. */
export function decode(word: number): Decoded | undefined {
  const row = matchRow(word >>> 0);
  if (!row) return undefined;
  // The row's extractor from src/table.gen.ts (one object literal per row, `extractFields`' values). The one place
  // where the typed pairing is asserted: the generator extracts exactly the row's declared fields.
  return { row, f: EXTRACTORS[row.index]!(word >>> 0) } as Decoded;
}

/** Sign-extend the low `bits` of v. */
export function sext(v: number, bits: number): number {
  const s = 32 - bits;
  return bits >= 32 ? v | 0 : ((v << s) >> s);
}

/**
 * DecodeBitMasks from the Arm ARM (shared/functions/bitmasks): the logical
 * immediate as [lo32, hi32] (wmask) or undefined when reserved.
 * `immediate` is true for logical-immediate (all-ones element is reserved).
 */
export function decodeBitMasks(n: number, imms: number, immr: number, is64: boolean): [number, number] | undefined {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  if (!is64 && len === 6) return undefined;
  const esize = 1 << len;
  const levels = esize - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (s === levels) return undefined; // all-ones element is reserved for logical immediates
  // element: (s+1) ones rotated right by r, within esize bits; replicate to 64.
  let elo = 0;
  let ehi = 0;
  for (let i = 0; i <= s; i++) {
    const bit = (i - r + esize) % esize; // ROR by r moves bit i to i-r
    if (bit < 32) elo |= 1 << bit;
    else ehi |= 1 << (bit - 32);
  }
  let lo = 0;
  let hi = 0;
  if (esize === 64) {
    lo = elo;
    hi = ehi;
  } else {
    for (let p = 0; p < 64; p += esize) {
      if (p < 32) lo |= elo << p;
      else hi |= elo << (p - 32);
    }
  }
  if (!is64) hi = 0;
  return [lo | 0, hi | 0];
}
