/**
 * Re-record test/fixtures/asm-oracle.json: assemble every ASM_CASES text with
 * GNU as and store the words. Run: node --conditions=@uabi/source --import tsx packages/isa-arm64/scripts/record-asm.ts
 */
import { writeFileSync } from "node:fs";
import { ASM_CASES } from "../test/asm-cases.js";
import { gnuAssembleWithText } from "../test/gnu-as.js";

// Each case: the words GNU as emits and objdump's disassembly of them (for the round-trip test).
const out: Record<string, number[]> = {};
const text: Record<string, string[]> = {};
const r = gnuAssembleWithText(ASM_CASES.map(([t]) => t));
ASM_CASES.forEach(([t], i) => {
  out[t] = r.words[i]!;
  text[t] = r.text[i]!;
});
writeFileSync(new URL("../test/fixtures/asm-oracle.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
writeFileSync(new URL("../test/fixtures/asm-objdump.json", import.meta.url), JSON.stringify(text, null, 1) + "\n");
console.log(`recorded ${ASM_CASES.length} cases`);
