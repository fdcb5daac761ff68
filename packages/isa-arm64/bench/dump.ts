/**
 * Prints the JavaScript of every region the translating tier forms for a corpus fixture (a debugging aid).
 * Run: node --conditions=@uabi/source --import tsx packages/isa-arm64/bench/dump.ts [fixture-id] [start-hex...]
 */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic } from "@uabi/test-support";
import { Arm64Cpu } from "../src/index.js";

const id = process.argv[2] ?? "bench-O2";
const only = new Set(process.argv.slice(3).map((s) => s.toLowerCase()));
const fx = corpusFixture("aarch64-glibc", id);
const cpu = new Arm64Cpu(new GuestMemory());
const sources: string[] = [];
Object.defineProperty(cpu, "jitSource", { set: (v: string) => { sources.push(v); }, get: () => sources.at(-1) ?? "" });
runStatic(cpu, readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 1e10 });
for (const s of sources) {
  const name = /function region_(\w+)/.exec(s)?.[1] ?? "?";
  if (only.size > 0 && !only.has(name)) continue;
  console.log(`// ---- region ${name}\n${s}\n`);
}
console.error(`${sources.length} regions`);
