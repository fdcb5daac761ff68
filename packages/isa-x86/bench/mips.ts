/**
 * Guest instructions per second on the CPU-bound corpus fixture (bench: a sieve plus a 64-bit hash loop),
 * beside native execution and qemu-x86_64 on the same binary when those are available.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/bench/mips.ts [target] [fixture]
 *   target: x86_64-musl (default) | x86_64-glibc; fixture: bench-O2 (default)
 */
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";

const target = (process.argv[2] ?? "x86_64-musl") as TargetName;
const id = process.argv[3] ?? "bench-O2";
const fx = corpusFixture(target, id);

const cpu = new X86Cpu(new GuestMemory());
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = runStatic(cpu, readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
const wall = (performance.now() - t0) / 1000;
const cpuSec = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
const ok = r.stdout === fx.expected.stdout && r.exitStatus === fx.expected.exitStatus;

function time(cmd: string, args: string[]): number | undefined {
  const t = performance.now();
  const p = spawnSync(cmd, args, { cwd: dirname(fx.binaryPath), env: { ...fx.expected.env }, stdio: ["ignore", "ignore", "ignore"] });
  if (p.error || p.status !== fx.expected.exitStatus) return undefined;
  return (performance.now() - t) / 1000;
}
const bin = `./${id}`;
const native = process.platform === "linux" && process.arch === "x64" ? time(bin, []) : undefined;
const qemu = time("qemu-x86_64", [bin]);
const fmt = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(3)} s`);
console.log(`${target}/${id}: output ${ok ? "matches" : "DIFFERS"}`);
console.log(`guest instructions  ${r.instructions.toLocaleString("en")}`);
console.log(`interpreter         ${fmt(wall)} wall, ${cpuSec.toFixed(3)} s cpu -> ${(r.instructions / cpuSec / 1e6).toFixed(1)} M guest insns/s (cpu), ${(r.instructions / wall / 1e6).toFixed(1)} M/s (wall)`);
console.log(`native              ${fmt(native)}${native ? `  (interpreter ${(wall / native).toFixed(0)}x slower)` : ""}`);
console.log(`qemu-x86_64         ${fmt(qemu)}${qemu ? `  (interpreter ${(wall / qemu).toFixed(1)}x slower)` : ""}`);
