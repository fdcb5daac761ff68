/**
 * Print the JavaScript the translating tier generates for a corpus program's hot regions.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/jit-dump.ts [target] [fixture] [threshold]
 */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";

const fx = corpusFixture((process.argv[2] ?? "x86_64-musl") as TargetName, process.argv[3] ?? "bench-O2");
const cpu = new X86Cpu(new GuestMemory(), {
  jitThreshold: Number(process.argv[4] ?? 32),
  onTranslate: (entry, source) => console.log(`// ===== region at 0x${entry.toString(16)}\n${source}\n`),
});
const r = runStatic(cpu, readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
console.log(`// ${r.instructions} instructions, ${cpu.jitBlocks} regions`);
