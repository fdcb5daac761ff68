/**
 * The regions the translating tier forms on a corpus fixture: entry address, blocks, source size, and the CPU time
 * of the run (one fresh process; pair with `node --trace-deopt` or `--cpu-prof` to see V8's side). With a
 * directory, each region's JavaScript source is written there as region_<entry>.js.
 * The run is sliced into 2 M-instruction budgets as the kernel runs it (one 5e9 budget would reach the regions
 * as a heap number and deoptimise them, which the kernel never does). Per region: its calls, instructions, the
 * time inside it (performance.now around each call) and its throughput over its calls (groups of 256 calls
 * while it warms up, then the rest), the steady state being the last figures.
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
const SLICE = 2e6;

/** Per-region timing: the translated functions wrapped once they are installed (diagnostics only). */
interface Stat { calls: number; insns: number; ms: number; groups: [number, number][] }
const stats = new Map<number, Stat>();
type Fn = (...a: unknown[]) => number;
interface BlockLike { insns: { addr: number }[]; fn: Fn | null }
const wrapped = new WeakSet<Fn>();
function wrapNew(cache: Map<number, BlockLike>): void {
  for (const b of cache.values()) {
    const f = b.fn;
    if (f === null || wrapped.has(f)) continue;
    const s: Stat = { calls: 0, insns: 0, ms: 0, groups: [] };
    stats.set(b.insns[0]!.addr, s);
    const w: Fn = (...a) => {
      const t0 = performance.now();
      const n = f(...a);
      const ms = performance.now() - t0;
      const g = Math.min(s.calls >> 8, 8);
      s.groups[g] ??= [0, 0];
      s.groups[g][0] += n;
      s.groups[g][1] += ms;
      s.calls++;
      s.insns += n;
      s.ms += ms;
      return n;
    };
    wrapped.add(w);
    b.fn = w;
  }
}

const c0 = process.cpuUsage();
const t0 = performance.now();
const cpu = new X86Cpu(new GuestMemory(), {
  onTranslate(entry, source) {
    regions.push({ entry, size: source.length, at: performance.now() - t0 });
    if (out !== undefined && out !== "-") writeFileSync(resolve(out, `region_${entry.toString(16)}.js`), source);
  },
});
const cache = (cpu as unknown as { cache: Map<number, BlockLike> }).cache;
const run = cpu.run.bind(cpu);
cpu.run = (budget: number) => {
  const t = run(Math.min(budget, SLICE));
  wrapNew(cache);
  return t;
};
const r = runStatic(cpu, elf, { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
const u = process.cpuUsage(c0);
const cpuMs = (u.user + u.system) / 1000;
if (r.stdout !== fx.expected.stdout) throw new Error("output differs");
const mips = (n: number, ms: number) => (n / ms / 1000).toFixed(0);
for (const g of regions) {
  const s = stats.get(g.entry);
  const line = s === undefined ? "" : `: ${s.calls} calls, ${(s.insns / 1e6).toFixed(2)} M insns in ${s.ms.toFixed(1)} ms; M/s by 256 calls ${s.groups.map(([n, ms]) => mips(n, ms)).join(" ")}`;
  console.log(`${g.entry.toString(16)} ${g.size} chars, translated at ${g.at.toFixed(1)} ms${line}`);
}
console.log(`${regions.length} regions; ${r.instructions} insns; ${cpuMs.toFixed(0)} ms CPU (${(r.instructions / cpuMs / 1000).toFixed(0)} MIPS)`);
