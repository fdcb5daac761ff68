/**
 * Cold runs of a corpus fixture: each run a fresh `node` process loading a built isa-x86 (`dist/`, or a copy of
 * an older build), so V8's warm-up (regions interpreted until optimised, deoptimisations, compile threads) is
 * counted as `uabi run` pays it. Builds given are alternated run by run (a shared machine penalises them alike);
 * the CPU of all the process's threads (Linux /proc, 10 ms ticks; and process.cpuUsage, microseconds) and of the
 * main thread, min and median per build.
 * Run: node --import tsx packages/isa-x86/bench/cold.ts [runs=6] [fixture=bench-O2] [build dirs... = packages/isa-x86/dist]
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";

/** CPU ms (user + system) per thread of this process, by thread id. */
function threadCpu(): Map<string, number> {
  const tick = 10; // USER_HZ 100
  const out = new Map<string, number>();
  for (const t of readdirSync("/proc/self/task")) {
    const s = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    out.set(t, (Number(f[11]) + Number(f[12])) * tick);
  }
  return out;
}

const TARGET: TargetName = "x86_64-glibc";

if (process.argv[2] === "--child") {
  const [dir, id] = [process.argv[3]!, process.argv[4]!];
  const { X86Cpu } = (await import(pathToFileURL(resolve(dir, "index.js")).href)) as typeof import("../src/index.js");
  const fx = corpusFixture(TARGET, id);
  const elf = readFixtureBinary(fx);
  const before = threadCpu();
  const u0 = process.cpuUsage();
  const r = runStatic(new X86Cpu(new GuestMemory()), elf, { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
  const u = process.cpuUsage(u0);
  const after = threadCpu();
  let total = 0;
  for (const [t, ms] of after) total += ms - (before.get(t) ?? 0);
  const main = after.get(String(process.pid))! - before.get(String(process.pid))!;
  if (r.stdout !== fx.expected.stdout) throw new Error(`${dir}: output differs`);
  console.log(JSON.stringify({ total, main, cpu: (u.user + u.system) / 1000, insns: r.instructions }));
} else {
  const runs = Number(process.argv[2] ?? 6);
  const id = process.argv[3] ?? "bench-O2";
  const here = fileURLToPath(import.meta.url);
  const dirs = process.argv.length > 4 ? process.argv.slice(4) : [resolve(here, "../../dist")];
  const got = new Map<string, { total: number[]; main: number[]; cpu: number[]; insns: number }>();
  for (let k = 0; k < runs; k++) {
    for (const d of dirs) {
      const p = spawnSync(process.execPath, [...process.execArgv, here, "--child", d, id], { encoding: "utf8" });
      if (p.status !== 0) throw new Error(`${d}: ${p.stderr}`);
      const r = JSON.parse(p.stdout.trim().split("\n").at(-1)!) as { total: number; main: number; cpu: number; insns: number };
      const g = got.get(d) ?? { total: [], main: [], cpu: [], insns: r.insns };
      g.cpu.push(r.cpu);
      g.total.push(r.total);
      g.main.push(r.main);
      got.set(d, g);
    }
  }
  const stat = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return `${+s[0]!.toFixed(1)} / ${+s[s.length >> 1]!.toFixed(1)} ms`;
  };
  for (const [d, g] of got) {
    const best = Math.min(...g.total);
    console.log(`${d}: process CPU ${stat(g.total)} (min / median; cpuUsage ${stat(g.cpu)}), main thread ${stat(g.main)}; ${(g.insns / best / 1000).toFixed(0)} M insns/s at the min`);
  }
}
