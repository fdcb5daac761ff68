/**
 * Core throughput: runs a CPU-bound corpus binary (default bench-O2: a sieve plus a 64-bit
 * xorshift/FNV hash loop) on both tiers (interpreter only, and with the translating tier),
 * alternating them so both see the same machine load, and reports the best guest instructions
 * per CPU-second of each, beside qemu-aarch64's wall time on the same binary when qemu is installed.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-arm64/bench/mips.ts [fixture-id] [repeats] [tiers: interp,jit]
 */
import { spawnSync } from "node:child_process";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic } from "@uabi/test-support";
import { Arm64Cpu } from "../src/index.js";

const id = process.argv[2] ?? "bench-O2";
const repeats = Number(process.argv[3] ?? 3);
const tiers = (process.argv[4] ?? "interp,jit").split(",");
const fx = corpusFixture("aarch64-glibc", id);
const elf = readFixtureBinary(fx);
const best: Record<string, number> = {};
const bestWall: Record<string, number> = {};
let insns = 0;
for (let r = 0; r < repeats; r++) {
  for (const tier of tiers) {
    const cpu = new Arm64Cpu(new GuestMemory(), { jit: tier === "jit" });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = runStatic(cpu, elf, { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 1e10 });
    const cu = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    // CPU time (user+system) rather than wall time: the figure stays meaningful on a loaded machine.
    const ms = (cu.user + cu.system) / 1000;
    if (res.stdout !== fx.expected.stdout) throw new Error(`${tier}: wrong output: ${JSON.stringify(res.stdout)}`);
    insns = res.instructions;
    best[tier] = Math.min(best[tier] ?? Infinity, ms);
    bestWall[tier] = Math.min(bestWall[tier] ?? Infinity, wall);
    console.log(`run ${r + 1} ${tier}: ${insns} instructions in ${ms.toFixed(0)} ms CPU (${wall.toFixed(0)} ms wall) = ${(insns / ms / 1000).toFixed(1)} MIPS`);
  }
}
for (const tier of tiers) console.log(`best ${tier}: ${(insns / best[tier]! / 1000).toFixed(1)} million guest instructions per CPU-second (${id})`);
if (best.interp !== undefined && best.jit !== undefined) console.log(`translating tier / interpreter: ${(best.interp / best.jit).toFixed(2)}x`);
const qemu = spawnSync("qemu-aarch64", ["--version"]);
if (qemu.status === 0) {
  const t0 = performance.now();
  const q = spawnSync("qemu-aarch64", [fx.binaryPath], { env: { ...fx.expected.env } });
  const ms = performance.now() - t0;
  for (const tier of tiers) console.log(`qemu-aarch64 (JIT): ${ms.toFixed(0)} ms wall (exit ${q.status}); ${tier}: ${bestWall[tier]!.toFixed(0)} ms wall, ${best[tier]!.toFixed(0)} ms CPU; wall ratio ${(bestWall[tier]! / ms).toFixed(1)}x`);
} else console.log("qemu-aarch64 not installed: no comparison");
