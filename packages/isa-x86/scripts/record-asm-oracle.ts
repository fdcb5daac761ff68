/**
 * Records what GNU as emits for every assembler test case (test/asm-cases.ts) into
 * test/fixtures/asm-oracle.json, so the assembler test runs without binutils.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/record-asm-oracle.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASM_CASES } from "../test/asm-cases.js";

const dir = mkdtempSync(join(tmpdir(), "asm-oracle-"));
const out: Record<string, string> = {};
for (const [att] of ASM_CASES) {
  writeFileSync(join(dir, "a.s"), `.text\n${att}\n`);
  execFileSync("as", ["--64", "-o", join(dir, "a.o"), join(dir, "a.s")]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(dir, "a.o"), join(dir, "a.bin")]);
  out[att] = Buffer.from(readFileSync(join(dir, "a.bin"))).toString("hex");
}
const path = new URL("../test/fixtures/asm-oracle.json", import.meta.url);
writeFileSync(path, JSON.stringify(out, null, 1) + "\n");
console.log(`recorded ${Object.keys(out).length} encodings`);
