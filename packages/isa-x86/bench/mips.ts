/**
 * Guest instructions per second on the CPU-bound corpus fixture (bench: a sieve plus a 64-bit hash loop),
 * for the interpreter alone and with the translating tier, measured alternately in one process (best of N
 * by CPU time, so a loaded machine penalises both alike), beside native execution and qemu-x86_64 on the
 * same binary when those are available.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/bench/mips.ts [target] [fixture] [runs]
 *   target: x86_64-musl (default) | x86_64-glibc; fixture: bench-O2 (default); runs: 3 (default)
 */
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";

const target = (process.argv[2] ?? "x86_64-musl") as TargetName;
const id = process.argv[3] ?? "bench-O2";
const runs = Number(process.argv[4] ?? 3);
const fx = corpusFixture(target, id);
const elf = readFixtureBinary(fx);

interface Run { wall: number; cpu: number; insns: number; ok: boolean }
function once(jit: boolean): Run {
  const cpu = new X86Cpu(new GuestMemory(), { jit });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runStatic(cpu, elf, { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
  const wall = (performance.now() - t0) / 1000;
  const u = process.cpuUsage(c0);
  return { wall, cpu: (u.user + u.system) / 1e6, insns: r.instructions, ok: r.stdout === fx.expected.stdout && r.exitStatus === fx.expected.exitStatus };
}
const best: Record<"interp" | "jit", Run | undefined> = { interp: undefined, jit: undefined };
for (let k = 0; k < runs; k++) {
  for (const tier of ["interp", "jit"] as const) {
    const r = once(tier === "jit");
    if (!r.ok) throw new Error(`${tier}: output differs`);
    const b = best[tier];
    if (!b || r.cpu < b.cpu) best[tier] = r;
  }
}

function time(cmd: string, args: string[]): number | undefined {
  let bestT: number | undefined;
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    const p = spawnSync(cmd, args, { cwd: dirname(fx.binaryPath), env: { ...fx.expected.env }, stdio: ["ignore", "ignore", "ignore"] });
    if (p.error || p.status !== fx.expected.exitStatus) return undefined;
    const s = (performance.now() - t) / 1000;
    if (bestT === undefined || s < bestT) bestT = s;
  }
  return bestT;
}
const bin = `./${id}`;
const native = process.platform === "linux" && process.arch === "x64" ? time(bin, []) : undefined;
const qemu = time("qemu-x86_64", [bin]);
const fmt = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(3)} s`);
const I = best.interp!;
const J = best.jit!;
const mips = (r: Run) => r.insns / r.cpu / 1e6;
console.log(`${target}/${id}: output matches (best of ${runs} by CPU time, tiers alternated)`);
console.log(`guest instructions  ${J.insns.toLocaleString("en")}`);
for (const [name, r] of [["interpreter", I], ["translating tier", J]] as const) {
  console.log(`${name.padEnd(19)} ${fmt(r.wall)} wall, ${r.cpu.toFixed(3)} s cpu -> ${mips(r).toFixed(1)} M guest insns/s (cpu), ${(r.insns / r.wall / 1e6).toFixed(1)} M/s (wall)`);
}
console.log(`ratio               ${(mips(J) / mips(I)).toFixed(2)}x (translating tier / interpreter, CPU time)`);
console.log(`native              ${fmt(native)}${native ? `  (translating tier ${(J.wall / native).toFixed(0)}x slower)` : ""}`);
console.log(`qemu-x86_64         ${fmt(qemu)}${qemu ? `  (translating tier ${(J.wall / qemu).toFixed(1)}x slower)` : ""}`);
