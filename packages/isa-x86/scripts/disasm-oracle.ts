/**
 * Compare the disassembler with objdump over the corpus objdump fixtures (or a binary's live objdump).
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/disasm-oracle.ts [file.objdump.gz|binary] [maxShown]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { disassemble } from "../src/disasm.js";
import { normaliseObjdump, parseObjdump } from "../test/objdump-oracle.js";

const arg = process.argv[2];
const maxShown = Number(process.argv[3] ?? 40);
const root = new URL("../../../fixtures/corpus/objdump/", import.meta.url).pathname;
const files = arg ? [arg] : ["x86_64-glibc", "x86_64-musl"].flatMap((t) => readdirSync(root + t).map((f) => `${root}${t}/${f}`));
const mism = new Map<string, { n: number; ex: string }>();
let total = 0, same = 0, unsupported = 0;
for (const f of files) {
  const text = f.endsWith(".gz") ? gunzipSync(readFileSync(f)).toString() : execFileSync("objdump", ["-d", "-j", ".text", f], { maxBuffer: 1 << 30 }).toString();
  for (const o of parseObjdump(text)) {
    const want = normaliseObjdump(o.text);
    if (want.includes("(bad)") || want.startsWith(".byte")) continue;
    total++;
    const d = disassemble(Uint8Array.from(o.bytes), 0, o.address);
    if (!d.ok) { unsupported++; const k = "UNSUPPORTED " + want.split(/\s+/)[0]; const e = mism.get(k) ?? { n: 0, ex: `${o.bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")} ${want}` }; e.n++; mism.set(k, e); continue; }
    if (d.text === want && d.length === o.bytes.length) { same++; continue; }
    const k = want.split(/\s+/).slice(0, 1).join(" ");
    const e = mism.get(k) ?? { n: 0, ex: `${o.bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}\n     want: ${want}\n     got:  ${d.text} (len ${d.length})` };
    e.n++;
    mism.set(k, e);
  }
}
console.log(`${total} instructions, ${same} identical, ${unsupported} unsupported, ${total - same - unsupported} different`);
for (const [k, v] of [...mism].sort((a, b) => b[1].n - a[1].n).slice(0, maxShown)) console.log(`${String(v.n).padStart(6)} ${k}: ${v.ex}`);
