/**
 * Re-record test/fixtures/asm-oracle.json: assemble every ASM_CASES text with
 * GNU as and store the words. Run: node --conditions=source --import tsx packages/isa-arm64/scripts/record-asm.ts
 */
import { writeFileSync } from "node:fs";
import { ASM_CASES } from "../test/asm-cases.js";
import { gnuAssemble } from "../test/gnu-as.js";

const out: Record<string, number[]> = {};
const words = gnuAssemble(ASM_CASES.map(([t]) => t));
ASM_CASES.forEach(([t], i) => (out[t] = words[i]!));
writeFileSync(new URL("../test/fixtures/asm-oracle.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
console.log(`recorded ${ASM_CASES.length} cases`);
