/**
 * The classes the arm64 instruction fuzzer draws encodings from: the data-processing, scalar FP and Advanced
 * SIMD rows of the decode table (packages/isa-arm64/src/table.ts: each row is one class of the Arm ARM's
 * A64 encoding index), plus the index's classes that have no row (so that a whole class qemu executes and
 * the core lacks shows up), plus the unclaimed words of each data-processing region.
 * Branches, loads/stores and system instructions need memory and control-flow harnesses; they are not here.
 */
import { COMPILED_TABLE, compileRow, matchRow, type CompiledRow } from "../../../packages/isa-arm64/src/index.js";

export interface InsnClass {
  /** Row name, or an encoding-index name for classes without a row. */
  readonly name: string;
  readonly group: "integer" | "scalar FP" | "Advanced SIMD" | "unclaimed";
  /** What a word of the class looks like. */
  readonly row: CompiledRow;
  /** False: draw only words that no table row claims (index classes without a row, unclaimed regions). */
  readonly claimed: boolean;
  /** The encoding fields that name an operation within the class (for the report's per-opcode lines). */
  readonly opFields: readonly string[];
}

const ROWS: readonly [string, InsnClass["group"], readonly string[]][] = [
  ["ADR", "integer", ["op"]], ["ADDSUB_IMM", "integer", ["sf", "op", "S"]], ["LOGIC_IMM", "integer", ["sf", "opc"]],
  ["MOVEWIDE", "integer", ["sf", "opc"]], ["BITFIELD", "integer", ["sf", "opc"]], ["EXTR", "integer", ["sf"]],
  ["LOGIC_SREG", "integer", ["sf", "opc", "N"]], ["ADDSUB_SREG", "integer", ["sf", "op", "S"]], ["ADDSUB_EREG", "integer", ["sf", "op", "S"]],
  ["ADC", "integer", ["sf", "op", "S"]], ["CCMP", "integer", ["sf", "op"]], ["CSEL", "integer", ["sf", "op", "o2"]],
  ["DP2", "integer", ["sf", "opcode"]], ["DP1", "integer", ["sf", "opcode"]], ["DP3", "integer", ["sf", "op54", "op31", "o0"]],
  ["HINT", "integer", ["crm", "op2"]],
  ["FP_DP1", "scalar FP", ["ftype", "opcode"]], ["FP_DP2", "scalar FP", ["ftype", "opcode"]], ["FP_CMP", "scalar FP", ["ftype", "opc"]],
  ["FP_CSEL", "scalar FP", ["ftype"]], ["FP_CCMP", "scalar FP", ["ftype", "op"]], ["FP_IMM", "scalar FP", ["ftype"]],
  ["FP_INT", "scalar FP", ["sf", "ftype", "rmode", "opcode"]], ["FP_DP3", "scalar FP", ["ftype", "o1", "o0"]],
  ["FP_FIXED", "scalar FP", ["sf", "ftype", "rmode", "opcode"]],
  ["SIMD_3SAME", "Advanced SIMD", ["U", "opcode"]], ["SIMD_3DIFF", "Advanced SIMD", ["U", "opcode"]],
  ["SIMD_2MISC", "Advanced SIMD", ["U", "opcode"]], ["SIMD_ACROSS", "Advanced SIMD", ["U", "opcode"]],
  ["SIMD_COPY", "Advanced SIMD", ["op", "imm4"]], ["SIMD_MODIMM", "Advanced SIMD", ["op", "cmode", "o2"]],
  ["SIMD_SHIFT", "Advanced SIMD", ["U", "opcode"]], ["SIMD_EXT", "Advanced SIMD", ["op2"]], ["SIMD_PERM", "Advanced SIMD", ["opcode"]],
  ["SIMD_TBL", "Advanced SIMD", ["len", "op"]], ["SIMD_SCALAR_PAIR", "Advanced SIMD", ["U", "opcode"]],
  ["SIMD_SCALAR_3SAME", "Advanced SIMD", ["U", "opcode"]], ["SIMD_SCALAR_2MISC", "Advanced SIMD", ["U", "opcode"]],
  ["SIMD_SCALAR_SHIFT", "Advanced SIMD", ["U", "opcode"]], ["SIMD_SCALAR_COPY", "Advanced SIMD", ["op"]],
  ["SIMD_SCALAR_INDEXED", "Advanced SIMD", ["U", "opcode"]], ["SIMD_INDEXED", "Advanced SIMD", ["U", "opcode"]],
  ["SIMD_SCALAR_3DIFF", "Advanced SIMD", ["U", "opcode"]],
];

/** Encoding-index classes (Arm ARM C4.1) the table has no row for; patterns in the table's syntax. */
const UNROWED: readonly [string, InsnClass["group"], string, readonly string[]][] = [
  ["SIMD_3SAME_FP16", "Advanced SIMD", "0 Q:1 U:1 01110 a:1 10 rm:5 00 opcode:3 1 rn:5 rd:5", ["U", "a", "opcode"]],
  ["SIMD_2MISC_FP16", "Advanced SIMD", "0 Q:1 U:1 01110 a:1 111100 opcode:5 10 rn:5 rd:5", ["U", "a", "opcode"]],
  ["SIMD_3SAME_EXTRA", "Advanced SIMD", "0 Q:1 U:1 01110 size:2 0 rm:5 1 opcode:4 1 rn:5 rd:5", ["U", "opcode"]],
  ["SIMD_SCALAR_3SAME_FP16", "Advanced SIMD", "01 U:1 11110 a:1 10 rm:5 00 opcode:3 1 rn:5 rd:5", ["U", "a", "opcode"]],
  ["SIMD_SCALAR_2MISC_FP16", "Advanced SIMD", "01 U:1 11110 a:1 111100 opcode:5 10 rn:5 rd:5", ["U", "a", "opcode"]],
  ["SIMD_SCALAR_3SAME_EXTRA", "Advanced SIMD", "01 U:1 11110 size:2 0 rm:5 1 opcode:4 1 rn:5 rd:5", ["U", "opcode"]],
  ["CRYPTO_AES", "Advanced SIMD", "01001110 size:2 10100 opcode:5 10 rn:5 rd:5", ["opcode"]],
  ["CRYPTO_SHA_3REG", "Advanced SIMD", "01011110 size:2 0 rm:5 0 opcode:3 00 rn:5 rd:5", ["opcode"]],
  ["CRYPTO_SHA_2REG", "Advanced SIMD", "01011110 size:2 10100 opcode:5 10 rn:5 rd:5", ["opcode"]],
  // Whole op0 regions (Arm ARM C4.1 "A64 instruction set encoding"), words no row claims.
  ["unclaimed DP-immediate (op0 100x)", "unclaimed", "x:3 100 x:26", []],
  ["unclaimed DP-register (op0 x101)", "unclaimed", "x:4 101 x:25", []],
  ["unclaimed SIMD&FP (op0 x111)", "unclaimed", "x:4 111 x:25", []],
];

export const CLASSES: readonly InsnClass[] = [
  ...ROWS.map(([name, group, opFields]) => {
    const row = COMPILED_TABLE.find((r) => r.name === name);
    if (!row) throw new Error(`no table row ${name}`);
    return { name, group, row, claimed: true, opFields };
  }),
  ...UNROWED.map(([name, group, pattern, opFields], i) => ({
    name, group, claimed: false, opFields,
    // The x fields of the region patterns are only placeholders for "any bits".
    row: compileRow({ name, pattern: pattern.replace(/x:(\d+)/g, (_, n: string) => "x".repeat(Number(n))) }, 1000 + i),
  })),
];

/** The operation key of `word` within its class (e.g. "U=1 opcode=10100"), for grouping in the report. */
export function opKey(cls: InsnClass, word: number): string {
  return cls.opFields.map((n) => {
    const f = cls.row.fields.find((x) => x.name === n);
    if (!f) return n;
    let v = 0;
    for (const sg of f.segments) v |= ((word >>> sg.shift) & sg.mask) << sg.at;
    return `${n}=${v.toString(2).padStart(f.width, "0")}`;
  }).join(" ");
}

/** True when `word` belongs to `cls` as the fuzzer draws it. */
export function inClass(cls: InsnClass, word: number): boolean {
  if (((word & cls.row.mask) >>> 0) !== cls.row.match) return false;
  const r = matchRow(word);
  return cls.claimed ? r?.name === cls.name : r === undefined;
}
