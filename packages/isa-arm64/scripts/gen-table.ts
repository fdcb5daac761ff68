/**
 * Writes src/table.gen.ts: the A64 table compiled (`compileRow` of every A64_TABLE row: masks, matches, fields)
 * and one field extractor per row, as source. A start-up then neither parses the table's patterns nor builds an
 * extractor with `new Function` per row it decodes (code that V8's code cache cannot hold): both are ordinary
 * functions of the bundle, compiled once and cached. test/table.test.ts fails when the file is not what this
 * script writes for the current table.
 * Run: node --import tsx packages/isa-arm64/scripts/gen-table.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderTableModule } from "../src/table.js";

const out = join(import.meta.dirname, "..", "src", "table.gen.ts");
writeFileSync(out, renderTableModule());
console.log(`wrote ${out}`);
