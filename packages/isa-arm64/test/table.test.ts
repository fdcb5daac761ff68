import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderTableModule } from "../src/table.js";
import { A64_TABLE, ALLOWED_OVERLAPS, COMPILED_TABLE, compileRow, decode, extractFields, FORMATTED_ROWS, matchRow, rowsOverlap, TableError } from "../src/index.js";

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

  it("decodes like a linear scan in every one of the 4096 buckets (each built on its first word)", () => {
    const sorted = [...COMPILED_TABLE].sort((a, b) => b.fixedBits - a.fixedBits);
    let seed = 777;
    for (let key = 0; key < 4096; key++) {
      for (let k = 0; k < 3; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        // bits 29..22 and 13..10 from the key, the others random
        const w = ((seed & ~0x3fc03c00) | (((key >>> 4) & 0xff) << 22) | ((key & 0xf) << 10)) >>> 0;
        expect(matchRow(w)?.name, w.toString(16)).toBe(sorted.find((r) => ((w & r.mask) >>> 0) === r.match)?.name);
      }
    }
  });

  it("src/table.gen.ts is what scripts/gen-table.ts writes for the current table (compileRow of every row)", () => {
    expect(readFileSync(join(import.meta.dirname, "../src/table.gen.ts"), "utf8"), "run: node --import tsx packages/isa-arm64/scripts/gen-table.ts").toBe(renderTableModule());
    expect(COMPILED_TABLE).toStrictEqual(A64_TABLE.map((r, i) => compileRow(r, i)));
  });

  it("decode's generated extractors give extractFields' objects: same keys, same order, same values", () => {
    let seed = 4242;
    for (const row of COMPILED_TABLE) {
      for (let k = 0; k < 40; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const w = ((seed & ~row.mask) | row.match) >>> 0;
        const d = decode(w);
        if (d?.row !== row) continue; // a more specific row claims this word
        const ref = extractFields(row, w);
        expect(Object.keys(d.f), row.name).toEqual(Object.keys(ref));
        expect(d.f, row.name).toStrictEqual(ref);
      }
    }
  });

  it("extracts named fields", () => {
    const d = decode(0x91004210)!; // add x16, x16, #0x10
    expect(d.row.name).toBe("ADDSUB_IMM");
    expect(d.f).toMatchObject({ sf: 1, op: 0, S: 0, sh: 0, imm12: 0x10, rn: 16, rd: 16 });
  });

  it("sign-extends, scales and joins fields as the table declares them", () => {
    const field = (word: number) => decode(word)?.f;
    expect(field(0x17ffffff)).toEqual({ op: 0, off: -4 }); // b .-4: imm26 all ones
    expect(field(0x14000002)).toEqual({ op: 0, off: 8 });
    expect(field(0x54ffffe1)).toMatchObject({ off: -4, cond: 1 }); // b.ne .-4
    expect(field((0xb7000000 | (31 << 19) | (0x3f00 << 5)) >>> 0)).toMatchObject({ bit: 63, op: 1, off: -1024 }); // tbnz x0, #63, .-1024
    expect(field(0x70000000 | (0x7ffff << 5) | 1)).toMatchObject({ op: 0, imm: -1, rd: 1 }); // adr x1, .-1: immhi:immlo all ones
    expect(field(0x30000020)).toMatchObject({ imm: 5, rd: 0 }); // adr x0, .+5: immhi = 1, immlo = 1
    expect(field(0xa9bf7bfd)).toMatchObject({ mode: 3, imm: -2 }); // stp x29, x30, [sp, #-16]!
    expect(field(0xf85f83e0)).toMatchObject({ imm: -8, idx: 0 }); // ldur x0, [sp, #-8]
    expect(field(0x6f07e7e0)).toMatchObject({ imm8: 0xff, cmode: 14, op: 1 }); // movi v0.2d, #-1: abc:defgh joined
  });

  it("compiles split, signed and scaled field tokens and rejects malformed ones", () => {
    const r = compileRow({ name: "X", pattern: "f<3:2>:s2 0000000000000000000000000 f<1:0>:2 g:3*8" }, 0);
    expect(r.fields.map((x) => [x.name, x.width, x.signed, x.scale])).toEqual([["f", 4, true, 1], ["g", 3, false, 8]]);
    const bad = ["a:16 a:16", "a<1:0>:3 " + "0".repeat(29), "a<3:2>:2 a<0:0>:1 " + "0".repeat(29), "a<1:0>:2 a<1:0>:2 " + "0".repeat(28),
      "a<3:2>:2 a<1:0>:s2 " + "0".repeat(28), "a:32", "a<2:1>:2 " + "0".repeat(30)];
    for (const p of bad) expect(() => compileRow({ name: "X", pattern: p }, 0), p).toThrow(TableError);
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
