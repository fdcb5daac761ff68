import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { A64Assembler, AsmError, decode, disassembleWord, encodeBitmask, mem, post, sp, w, x, xzr } from "../src/index.js";
import { ASM_CASES } from "./asm-cases.js";
import { gnuAssemble, hasGnuAs } from "./gnu-as.js";

const objdumpText = JSON.parse(readFileSync(new URL("./fixtures/asm-objdump.json", import.meta.url), "utf8")) as Record<string, string[]>;
const oracle = JSON.parse(readFileSync(new URL("./fixtures/asm-oracle.json", import.meta.url), "utf8")) as Record<string, number[]>;

function words(build: (a: A64Assembler) => unknown): number[] {
  const a = new A64Assembler();
  build(a);
  const bytes = a.finish();
  const dv = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 4 }, (_, i) => dv.getUint32(i * 4, true));
}
const hex = (ws: number[]) => ws.map((v) => v.toString(16).padStart(8, "0")).join(" ");

describe("A64Assembler", () => {
  it("matches the recorded GNU as encodings for every case", () => {
    const bad: string[] = [];
    for (const [text, build] of ASM_CASES) {
      const want = oracle[text];
      expect(want, `fixture lacks ${text}; run scripts/record-asm.ts`).toBeDefined();
      const got = words(build);
      if (hex(got) !== hex(want!)) bad.push(`${text}: got ${hex(got)} want ${hex(want!)}`);
    }
    expect(bad).toEqual([]);
  });

  it.skipIf(!hasGnuAs)("fixture agrees with a live aarch64-linux-gnu-as", () => {
    const live = gnuAssemble(ASM_CASES.map(([t]) => t));
    ASM_CASES.forEach(([t], i) => expect(hex(live[i]!), t).toBe(hex(oracle[t]!)));
  });

  it("round-trips: assemble, decode, disassemble gives objdump's text for the same bytes", () => {
    // Cases were assembled back to back in one object, so each word's address is its offset there.
    let addr = 0;
    const bad: string[] = [];
    for (const [text, build] of ASM_CASES) {
      const ws = words(build);
      ws.forEach((wd, k) => {
        expect(decode(wd), text).toBeDefined();
        const got = disassembleWord(wd, addr + 4 * k);
        const want = objdumpText[text]![k];
        if (got !== want) bad.push(`${text}: ours[${got}] objdump[${want}]`);
      });
      addr += 4 * oracle[text]!.length;
    }
    expect(bad).toEqual([]);
  });

  it("resolves forward and backward labels", () => {
    const a = new A64Assembler();
    const top = a.newLabel();
    const end = a.newLabel();
    a.bind(top).cbz(x(0), end).sub(x(0), x(0), 1).b(top).bind(end).ret();
    const dv = new DataView(a.finish().buffer);
    expect(dv.getUint32(0, true)).toBe(0xb4000060); // cbz x0, .+12
    expect(dv.getUint32(8, true)).toBe(0x17fffffe); // b .-8
  });

  it("computes adrp page deltas from buffer offsets", () => {
    const a = new A64Assembler();
    const data = a.newLabel();
    a.adrp(x(0), data);
    for (let i = 0; i < 1100; i++) a.nop();
    a.bind(data);
    const dv = new DataView(a.finish().buffer);
    expect(dv.getUint32(0, true)).toBe(0xb0000000); // adrp x0, +1 page
  });

  it("rejects operands the encoding cannot express", () => {
    const a = new A64Assembler();
    expect(() => a.add(x(0), x(1), 0x1001)).toThrow(AsmError);
    expect(() => a.and(x(0), x(1), 0)).toThrow(AsmError);
    expect(() => a.and(x(0), x(1), 0x1234)).toThrow(AsmError);
    expect(() => a.add(x(0), w(1), x(2))).toThrow(AsmError);
    expect(() => a.ldr(x(0), mem(x(1), 0x10000))).toThrow(AsmError);
    expect(() => a.ldp(x(0), x(1), post(sp, 12))).toThrow(AsmError);
    expect(() => a.mul(sp, x(1), x(2))).toThrow(AsmError);
    expect(() => a.ldr(x(0), mem(xzr))).toThrow(AsmError);
    expect(() => x(31)).toThrow(AsmError);
    expect(() => a.mov(w(0), 0x1_0000_0000)).toThrow(AsmError);
    expect(() => a.tbz(w(0), 32, 8)).toThrow(AsmError);
    const l = a.newLabel();
    a.b(l);
    expect(() => a.finish()).toThrow(/never bound/);
  });

  it("encodes logical immediates exactly when they are rotated runs", () => {
    expect(encodeBitmask(0xffn, 64)).toBe(0x1007);
    expect(encodeBitmask(0x5555555555555555n, 64)).toBe(0x03c); // 2-bit element, one 1
    expect(encodeBitmask(0xfffffffffffffffen, 64)).toBe(0x1ffe);
    expect(encodeBitmask(0n, 64)).toBeUndefined();
    expect(encodeBitmask(0xffffffffffffffffn, 64)).toBeUndefined();
    expect(encodeBitmask(0x5n, 64)).toBeUndefined();
  });
});
