/**
 * The regions the translating tier forms on a corpus fixture: entry address, blocks, source size, and the CPU time
 * of the run (one fresh process; pair with `node --trace-deopt` or `--cpu-prof` to see V8's side). With a
 * directory, each region's JavaScript source is written there as region_<entry>.js.
 * Run: node [--trace-deopt] --import tsx packages/isa-x86/bench/regions.ts [fixture=bench-O2] [out dir] [build dir = ../dist]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic } from "@uabi/test-support";

const id = process.argv[2] ?? "bench-O2";
const out = process.argv[3];
const dir = process.argv[4] ?? resolve(fileURLToPath(import.meta.url), "../../dist");
const { X86Cpu } = (await import(pathToFileURL(resolve(dir, "index.js")).href)) as typeof import("../src/index.js");
const fx = corpusFixture("x86_64-glibc", id);
const elf = readFixtureBinary(fx);
const regions: { entry: number; size: number; at: number }[] = [];
if (out !== undefined && out !== "-") mkdirSync(out, { recursive: true });
const c0 = process.cpuUsage();
const t0 = performance.now();
const cpu = new X86Cpu(new GuestMemory(), {
  onTranslate(entry, source) {
    regions.push({ entry, size: source.length, at: performance.now() - t0 });
    if (out !== undefined && out !== "-") writeFileSync(resolve(out, `region_${entry.toString(16)}.js`), source);
  },
});
const r = runStatic(cpu, elf, { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
const u = process.cpuUsage(c0);
const cpuMs = (u.user + u.system) / 1000;
if (r.stdout !== fx.expected.stdout) throw new Error("output differs");
for (const g of regions) console.log(`${g.entry.toString(16)} ${g.size} chars, translated at ${g.at.toFixed(1)} ms`);
console.log(`${regions.length} regions; ${r.instructions} insns; ${cpuMs.toFixed(0)} ms CPU (${(r.instructions / cpuMs / 1000).toFixed(0)} MIPS)`);
