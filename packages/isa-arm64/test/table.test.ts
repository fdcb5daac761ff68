import { describe, expect, it } from "vitest";
import { ALLOWED_OVERLAPS, COMPILED_TABLE, compileRow, decode, FORMATTED_ROWS, matchRow, rowsOverlap, TableError } from "../src/index.js";

describe("A64 encoding table", () => {
  it("has no unintended overlaps between rows", () => {
    const allowed = new Set(ALLOWED_OVERLAPS.map(([a, b]) => `${a}|${b}`));
    const found: string[] = [];
    for (let i = 0; i < COMPILED_TABLE.length; i++) {
      for (let j = i + 1; j < COMPILED_TABLE.length; j++) {
        const a = COMPILED_TABLE[i]!, b = COMPILED_TABLE[j]!;
        if (!rowsOverlap(a, b)) continue;
        const key = a.fixedBits >= b.fixedBits ? `${a.name}|${b.name}` : `${b.name}|${a.name}`;
        if (!allowed.has(key)) found.push(key);
      }
    }
    expect(found).toEqual([]);
  });

  it("gives every allowed overlap a strictly more specific winner, and the decoder picks it", () => {
    for (const [winner, loser] of ALLOWED_OVERLAPS) {
      const w = COMPILED_TABLE.find((r) => r.name === winner)!;
      const l = COMPILED_TABLE.find((r) => r.name === loser)!;
      expect(rowsOverlap(w, l)).toBe(true);
      expect(w.fixedBits).toBeGreaterThan(l.fixedBits);
      expect(matchRow(w.match)!.name).toBe(winner);
    }
  });

  it("decodes to the same row as a linear scan for random words", () => {
    let seed = 12345;
    for (let k = 0; k < 5000; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const w = (seed ^ (seed << 7)) >>> 0;
      const linear = [...COMPILED_TABLE].sort((a, b) => b.fixedBits - a.fixedBits).find((r) => ((w & r.mask) >>> 0) === r.match);
      expect(matchRow(w)?.name).toBe(linear?.name);
    }
  });

  it("extracts named fields", () => {
    const d = decode(0x91004210)!; // add x16, x16, #0x10
    expect(d.row.name).toBe("ADDSUB_IMM");
    expect(d.f).toMatchObject({ sf: 1, op: 0, S: 0, sh: 0, imm12: 0x10, rn: 16, rd: 16 });
  });

  it("reports unallocated encodings as no row", () => {
    expect(decode(0x04000000)).toBeUndefined(); // SVE space: not implemented, so unallocated here
    expect(decode(0xffffffff)).toBeUndefined();
  });

  it("has a disassembler for every row and rejects malformed patterns", () => {
    for (const r of COMPILED_TABLE) expect(FORMATTED_ROWS).toContain(r.name);
    expect(() => compileRow({ name: "X", pattern: "0101" }, 0)).toThrow(TableError);
    expect(() => compileRow({ name: "X", pattern: "a:16 a:16" }, 0)).toThrow(TableError);
    expect(() => compileRow({ name: "X", pattern: "2".repeat(32) }, 0)).toThrow(TableError);
  });
});
