/**
 * The A64 encoding table: one row per instruction class, written as a bit string
 * from bit 31 down to bit 0 with named fields (the idea of QEMU's decodetree and
 * dynarmic's `a64.inc`). `compileRow` turns it into mask/match pairs and field
 * extractors; `decode.ts` buckets them for fast lookup.
 *
 * Pattern syntax: space-separated tokens, each either literal bits (`0`, `1`, `x`
 * for "either") or a field. Tokens must add up to 32 bits. Field tokens:
 *   `rd:5`            an unsigned 5-bit field;
 *   `imm:s9`          a signed field, sign-extended from 9 bits when decoded;
 *   `off:s19*4`       signed and scaled (decodetree's `!function=times_4`): branch
 *                     and literal offsets decode straight to byte offsets;
 *   `imm<20:2>:s19`   one segment of a field split across the word (decodetree's
 *                     multi-segment `%field`): bits 20..2 of `imm`. The segments of a
 *                     field must cover it without gaps; `s` and `*k` belong on the
 *                     segment that holds the field's top bit and apply to the whole field.
 * Each row's decoded field set is a typed object derived from its pattern at
 * compile time (`RowFields<"ADR">` is `{ op, imm, rd }`), so compilers and
 * formatters read declared fields only, already extended and scaled.
 *
 * Rows are instruction *classes* (e.g. every add/sub immediate). Aliases (mov,
 * cmp, lsl, …) are chosen by the disassembler, not by extra rows, so that rows do
 * not overlap. Reserved values of a field inside a class are rejected by the
 * class's interpreter/disassembler functions, which then report "unallocated".
 * Section names follow the Arm ARM (DDI 0487) "A64 instruction set encoding".
 */

import { COMPILED_ROWS } from "./table.gen.js";

export interface RowSpec {
  readonly name: string;
  readonly pattern: string;
}

export const A64_TABLE = [
  // ---- Data processing -- immediate
  { name: "ADR", pattern: "op:1 imm<1:0>:2 10000 imm<20:2>:s19 rd:5" },
  { name: "ADDSUB_IMM", pattern: "sf:1 op:1 S:1 100010 sh:1 imm12:12 rn:5 rd:5" },
  { name: "LOGIC_IMM", pattern: "sf:1 opc:2 100100 N:1 immr:6 imms:6 rn:5 rd:5" },
  { name: "MOVEWIDE", pattern: "sf:1 opc:2 100101 hw:2 imm16:16 rd:5" },
  { name: "BITFIELD", pattern: "sf:1 opc:2 100110 N:1 immr:6 imms:6 rn:5 rd:5" },
  { name: "EXTR", pattern: "sf:1 00 100111 N:1 0 rm:5 imms:6 rn:5 rd:5" },

  // ---- Branches, exception generation and system
  { name: "B", pattern: "op:1 00101 off:s26*4" },
  { name: "B_COND", pattern: "01010100 off:s19*4 0 cond:4" },
  { name: "CBZ", pattern: "sf:1 011010 op:1 off:s19*4 rt:5" },
  { name: "TBZ", pattern: "bit<5>:1 011011 op:1 bit<4:0>:5 off:s14*4 rt:5" },
  { name: "SVC", pattern: "11010100 000 imm16:16 00001" },
  { name: "BRK", pattern: "11010100 001 imm16:16 00000" },
  { name: "UDF", pattern: "0000000000000000 imm16:16" },
  { name: "HINT", pattern: "11010101000000110010 crm:4 op2:3 11111" },
  { name: "BARRIER", pattern: "11010101000000110011 crm:4 op2:3 11111" },
  { name: "SYS", pattern: "1101010100001 op1:3 crn:4 crm:4 op2:3 rt:5" },
  { name: "SYSREG", pattern: "1101010100 L:1 1 o0:1 op1:3 crn:4 crm:4 op2:3 rt:5" },
  { name: "BR", pattern: "110101100 opc:2 11111000000 rn:5 00000" },

  // ---- Loads and stores
  { name: "LDST_EXCL", pattern: "size:2 001000 o2:1 L:1 o1:1 rs:5 o0:1 rt2:5 rn:5 rt:5" },
  { name: "LDR_LIT", pattern: "opc:2 011 V:1 00 off:s19*4 rt:5" },
  { name: "LDSTP", pattern: "opc:2 101 V:1 0 mode:2 L:1 imm:s7 rt2:5 rn:5 rt:5" },
  { name: "LDST_IMM9", pattern: "size:2 111 V:1 00 opc:2 0 imm:s9 idx:2 rn:5 rt:5" },
  { name: "LDST_REGOFF", pattern: "size:2 111 V:1 00 opc:2 1 rm:5 option:3 S:1 10 rn:5 rt:5" },
  { name: "LDST_UIMM", pattern: "size:2 111 V:1 01 opc:2 imm12:12 rn:5 rt:5" },
  { name: "LDST_MULT", pattern: "0 Q:1 0011000 L:1 000000 opcode:4 size:2 rn:5 rt:5" },
  { name: "LDST_MULT_POST", pattern: "0 Q:1 0011001 L:1 0 rm:5 opcode:4 size:2 rn:5 rt:5" },

  // ---- Data processing -- register
  { name: "LOGIC_SREG", pattern: "sf:1 opc:2 01010 shift:2 N:1 rm:5 imm6:6 rn:5 rd:5" },
  { name: "ADDSUB_SREG", pattern: "sf:1 op:1 S:1 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5" },
  { name: "ADDSUB_EREG", pattern: "sf:1 op:1 S:1 01011 opt:2 1 rm:5 option:3 imm3:3 rn:5 rd:5" },
  { name: "ADC", pattern: "sf:1 op:1 S:1 11010000 rm:5 000000 rn:5 rd:5" },
  { name: "CCMP", pattern: "sf:1 op:1 1 11010010 rm:5 cond:4 i:1 0 rn:5 0 nzcv:4" },
  { name: "CSEL", pattern: "sf:1 op:1 S:1 11010100 rm:5 cond:4 0 o2:1 rn:5 rd:5" },
  { name: "DP2", pattern: "sf:1 0 S:1 11010110 rm:5 opcode:6 rn:5 rd:5" },
  { name: "DP1", pattern: "sf:1 1 S:1 11010110 opcode2:5 opcode:6 rn:5 rd:5" },
  { name: "DP3", pattern: "sf:1 op54:2 11011 op31:3 rm:5 o0:1 ra:5 rn:5 rd:5" },

  // ---- Scalar floating point
  { name: "FP_DP1", pattern: "00011110 ftype:2 1 opcode:6 10000 rn:5 rd:5" },
  { name: "FP_DP2", pattern: "00011110 ftype:2 1 rm:5 opcode:4 10 rn:5 rd:5" },
  { name: "FP_CMP", pattern: "00011110 ftype:2 1 rm:5 op:2 1000 rn:5 opc:5" },
  { name: "FP_CSEL", pattern: "00011110 ftype:2 1 rm:5 cond:4 11 rn:5 rd:5" },
  { name: "FP_CCMP", pattern: "00011110 ftype:2 1 rm:5 cond:4 01 rn:5 op:1 nzcv:4" },
  { name: "FP_IMM", pattern: "00011110 ftype:2 1 imm8:8 100 imm5:5 rd:5" },
  { name: "FP_INT", pattern: "sf:1 0 S:1 11110 ftype:2 1 rmode:2 opcode:3 000000 rn:5 rd:5" },
  { name: "FP_DP3", pattern: "00011111 ftype:2 o1:1 rm:5 o0:1 ra:5 rn:5 rd:5" },
  { name: "FP_FIXED", pattern: "sf:1 0 S:1 11110 ftype:2 0 rmode:2 opcode:3 scale:6 rn:5 rd:5" },

  // ---- Advanced SIMD
  { name: "SIMD_3SAME", pattern: "0 Q:1 U:1 01110 size:2 1 rm:5 opcode:5 1 rn:5 rd:5" },
  { name: "SIMD_3DIFF", pattern: "0 Q:1 U:1 01110 size:2 1 rm:5 opcode:4 00 rn:5 rd:5" },
  { name: "SIMD_2MISC", pattern: "0 Q:1 U:1 01110 size:2 10000 opcode:5 10 rn:5 rd:5" },
  { name: "SIMD_ACROSS", pattern: "0 Q:1 U:1 01110 size:2 11000 opcode:5 10 rn:5 rd:5" },
  { name: "SIMD_COPY", pattern: "0 Q:1 op:1 01110000 imm5:5 0 imm4:4 1 rn:5 rd:5" },
  { name: "SIMD_MODIMM", pattern: "0 Q:1 op:1 0111100000 imm8<7:5>:3 cmode:4 o2:1 1 imm8<4:0>:5 rd:5" },
  { name: "SIMD_SHIFT", pattern: "0 Q:1 U:1 011110 immh:4 immb:3 opcode:5 1 rn:5 rd:5" },
  { name: "SIMD_EXT", pattern: "0 Q:1 101110 op2:2 0 rm:5 0 imm4:4 0 rn:5 rd:5" },
  { name: "SIMD_PERM", pattern: "0 Q:1 001110 size:2 0 rm:5 0 opcode:3 10 rn:5 rd:5" },
  { name: "SIMD_TBL", pattern: "0 Q:1 001110 op2:2 0 rm:5 0 len:2 op:1 00 rn:5 rd:5" },
  { name: "SIMD_SCALAR_PAIR", pattern: "01 U:1 11110 size:2 11000 opcode:5 10 rn:5 rd:5" },
  { name: "SIMD_SCALAR_3SAME", pattern: "01 U:1 11110 size:2 1 rm:5 opcode:5 1 rn:5 rd:5" },
  { name: "SIMD_SCALAR_2MISC", pattern: "01 U:1 11110 size:2 10000 opcode:5 10 rn:5 rd:5" },
  { name: "SIMD_SCALAR_SHIFT", pattern: "01 U:1 111110 immh:4 immb:3 opcode:5 1 rn:5 rd:5" },
  { name: "SIMD_SCALAR_COPY", pattern: "01 op:1 11110000 imm5:5 0 imm4:4 1 rn:5 rd:5" },
  { name: "SIMD_SCALAR_INDEXED", pattern: "01 U:1 11111 size:2 L:1 M:1 rm:4 opcode:4 H:1 0 rn:5 rd:5" },
  { name: "SIMD_SCALAR_3DIFF", pattern: "01 U:1 11110 size:2 1 rm:5 opcode:4 00 rn:5 rd:5" },
  { name: "SIMD_INDEXED", pattern: "0 Q:1 U:1 01111 size:2 L:1 M:1 rm:4 opcode:4 H:1 0 rn:5 rd:5" },
] as const satisfies readonly RowSpec[];

// ---------------------------------------------------------------- typed field sets
// The field names of a pattern, computed by the type checker from the literal string.
type Tokens<P extends string> = P extends `${infer A} ${infer B}` ? A | Tokens<B> : P;
type FieldName<T extends string> = T extends `${infer N}<${string}` ? N : T extends `${infer N}:${string}` ? N : never;
/** The decoded field set of a pattern: one number per declared field name. */
export type FieldsOf<P extends string> = { readonly [K in FieldName<Tokens<P>>]: number };

type TableRow = (typeof A64_TABLE)[number];
/** Names of the table's rows. */
export type RowName = TableRow["name"];
/** Every row's field set, by row name. */
export type FieldMap = { readonly [N in RowName]: FieldsOf<Extract<TableRow, { name: N }>["pattern"]> };
/** The field set of one row, e.g. `RowFields<"B">` is `{ op: number; off: number }`. */
export type RowFields<N extends RowName> = FieldMap[N];

/**
 * Deliberate overlaps: [winner, loser]. The winner has strictly more fixed bits,
 * and the loser's encodings that the winner covers are not part of the loser's class.
 */
export const ALLOWED_OVERLAPS: readonly (readonly [string, string])[] = [
  // Advanced SIMD modified immediate is the immh == 0000 corner of the shift-by-immediate space.
  ["SIMD_MODIMM", "SIMD_SHIFT"],
];

/** One contiguous run of a field's bits in the instruction word. */
export interface FieldSegment {
  /** Bit position in the word of the segment's lowest bit. */
  readonly shift: number;
  /** `(1 << width) - 1`. */
  readonly mask: number;
  /** Bit position in the field value of the segment's lowest bit. */
  readonly at: number;
}

/** A field as the decoder extracts it: segments ORed together, then sign-extended and scaled. */
export interface FieldSpec {
  readonly name: string;
  /** Total width in bits. */
  readonly width: number;
  readonly segments: readonly FieldSegment[];
  readonly signed: boolean;
  /** Multiplier applied after extension (1 for plain fields). */
  readonly scale: number;
}

export interface CompiledRow<N extends string = string> {
  readonly index: number;
  readonly name: N;
  readonly mask: number;
  readonly match: number;
  readonly fields: readonly FieldSpec[];
  /** Number of fixed bits (specificity). */
  readonly fixedBits: number;
}

export class TableError extends Error {
  override name = "TableError";
}

const FIELD_TOKEN = /^([A-Za-z][A-Za-z0-9]*)(?:<(\d+)(?::(\d+))?>)?:(s?)(\d+)(?:\*(\d+))?$/;

interface Segment { readonly hi: number; readonly lo: number; readonly shift: number; readonly signed: boolean; readonly scale: number }

export function compileRow<N extends string>(spec: { readonly name: N; readonly pattern: string }, index: number): CompiledRow<N> {
  let bit = 32;
  let mask = 0;
  let match = 0;
  const byName = new Map<string, Segment[]>();
  const fail = (why: string): never => { throw new TableError(`${spec.name}: ${why}`); };
  for (const tok of spec.pattern.split(/\s+/).filter(Boolean)) {
    const m = FIELD_TOKEN.exec(tok);
    if (m) {
      const [, name = "", hiS, loS, sign, widthS = "", scaleS] = m;
      const width = Number(widthS);
      if (width < 1 || width > 31) fail(`field "${tok}" must be 1..31 bits`);
      const hi = hiS === undefined ? width - 1 : Number(hiS);
      const lo = hiS === undefined ? 0 : loS === undefined ? hi : Number(loS);
      if (hi - lo + 1 !== width) fail(`segment "${tok}" is ${hi - lo + 1} bits, not ${width}`);
      bit -= width;
      const segs = byName.get(name) ?? [];
      if (hiS === undefined && segs.length > 0) fail(`duplicate field name "${name}"`);
      segs.push({ hi, lo, shift: bit, signed: sign === "s", scale: scaleS === undefined ? 1 : Number(scaleS) });
      byName.set(name, segs);
      continue;
    }
    if (!/^[01x]+$/.test(tok)) fail(`bad token "${tok}"`);
    for (const ch of tok) {
      bit--;
      if (ch !== "x") {
        mask |= 1 << bit;
        if (ch === "1") match |= 1 << bit;
      }
    }
  }
  if (bit !== 0) fail(`pattern covers ${32 - bit} bits, not 32`);
  const fields: FieldSpec[] = [];
  for (const [name, segs] of byName) {
    segs.sort((a, b) => b.hi - a.hi);
    let next = segs[0]?.hi ?? 0;
    for (const sg of segs) {
      if (sg.hi !== next) fail(`field "${name}" has a gap or overlap at bit ${next}`);
      next = sg.lo - 1;
    }
    if (next !== -1) fail(`field "${name}" does not start at bit 0`);
    const top = segs[0];
    if (!top) continue;
    if (segs.some((sg) => sg !== top && (sg.signed || sg.scale !== 1))) fail(`field "${name}": s and *k belong on its top segment`);
    const width = top.hi + 1;
    if (width > 31) fail(`field "${name}" is wider than 31 bits`);
    fields.push({
      name,
      width,
      segments: segs.map((sg) => ({ shift: sg.shift, mask: (1 << (sg.hi - sg.lo + 1)) - 1, at: sg.lo })),
      signed: top.signed,
      scale: top.scale,
    });
  }
  let fixed = 0;
  for (let i = 0; i < 32; i++) if ((mask >>> i) & 1) fixed++;
  return { index, name: spec.name, mask: mask >>> 0, match: match >>> 0, fields, fixedBits: fixed };
}

/**
 * Every row of A64_TABLE compiled, by index: `compileRow`'s results as written out by scripts/gen-table.ts
 * (src/table.gen.ts), so that loading the package parses no pattern (it cost ~2-6 ms of every start-up, an x86-64
 * run's included); test/table.test.ts checks the file against `renderTableModule()`.
 */
export const COMPILED_TABLE: readonly CompiledRow<RowName>[] = COMPILED_ROWS;

/** A field's value in `w` as a JavaScript expression: `extractFields`' arithmetic for that one field. */
function fieldExpression(fs: FieldSpec): string {
  let e = fs.segments.map((sg) => `((w >>> ${sg.shift}) & ${sg.mask})${sg.at ? ` << ${sg.at}` : ""}`).join(" | ");
  if (fs.signed) e = `((${e}) << ${32 - fs.width}) >> ${32 - fs.width}`;
  return fs.scale === 1 ? e : `(${e}) * ${fs.scale}`;
}

/**
 * The text of src/table.gen.ts for the current A64_TABLE: the compiled rows, and per row an extractor returning
 * the row's fields as one object literal (the properties and values `extractFields` gives, in its order; a
 * literal of constant shape is what V8 specialises, where `extractFields`' computed stores are not).
 */
export function renderTableModule(): string {
  const rows = A64_TABLE.map((r, i) => compileRow<RowName>(r, i));
  return [
    "// GENERATED by scripts/gen-table.ts from A64_TABLE (table.ts). Do not edit: run the script after changing the table.",
    'import type { CompiledRow, RowName } from "./table.js";',
    "",
    "/** `compileRow(A64_TABLE[i], i)` for every row. */",
    "export const COMPILED_ROWS: readonly CompiledRow<RowName>[] = [",
    ...rows.map((r) => `  ${JSON.stringify(r)},`),
    "];",
    "",
    "/** Per row (by index), its fields of an instruction word, as `extractFields` gives them. */",
    "export const EXTRACTORS: readonly ((w: number) => Readonly<Record<string, number>>)[] = [",
    ...rows.map((r) => `  (w) => ({ ${r.fields.map((fs) => `${fs.name}: ${fieldExpression(fs)}`).join(", ")} }), // ${r.name}`),
    "];",
    "",
  ].join("\n");
}

/** `word` with field `f` set to the raw (not yet extended or scaled) value `raw`: extraction's inverse, for generators. */
export function insertField(word: number, f: FieldSpec, raw: number): number {
  for (const sg of f.segments) word = (word & ~(sg.mask << sg.shift)) | (((raw >>> sg.at) & sg.mask) << sg.shift);
  return word >>> 0;
}

/** True when some 32-bit word matches both rows. */
export function rowsOverlap(a: CompiledRow, b: CompiledRow): boolean {
  return (((a.mask & b.mask) & (a.match ^ b.match)) >>> 0) === 0;
}
