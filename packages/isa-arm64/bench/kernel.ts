/**
 * bench-O2 as `uabi bench` runs it: a fresh process per run, `Kernel.spawn` + `run` in direct mode, the first guest
 * run in the process. Prints wall ms (what `uabi bench` reports), process CPU ms (V8's compile and GC threads
 * included) and the main thread's CPU ms (/proc/self/task/<pid>/stat, Linux), per run, then min / median / max.
 * With checkouts given (each built: packages/*\/dist), runs their builds alternately, run by run (an A/B on a shared
 * machine); without, the sources of this checkout.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-arm64/bench/kernel.ts [runs] [fixture-id] [checkout...]
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(import.meta.url);
const ticks = (): number => {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(f[11]) + Number(f[12]); // utime + stime of the main thread, in clock ticks (1/100 s)
  } catch { return Number.NaN; }
};
interface Row { wall: number; cpu: number; main: number; insns: number }

if (process.argv[2] === "--child") {
  const id = process.argv[3]!;
  const tree = process.argv[4];
  // The kernel is not a dependency of this package: its sources by relative path, or a checkout's build.
  const { Kernel } = (await import(tree ? pathToFileURL(resolve(tree, "packages/kernel/dist/index.js")).href : "../../kernel/src/index.js")) as typeof import("../../kernel/src/index.js");
  const root = tree ? resolve(tree) : fileURLToPath(new URL("../../..", import.meta.url));
  const elf = new Uint8Array(readFileSync(resolve(root, `fixtures/corpus/bin/aarch64-glibc/${id}`)));
  const k = new Kernel({ mode: "direct", onMissingSyscall: () => {} });
  const m0 = ticks();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  k.spawn(elf, { argv: [`./${id}`], env: ["LANG=C"] });
  const r = k.run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  const row: Row = { wall, cpu: (c.user + c.system) / 1000, main: (ticks() - m0) * 10, insns: r.stats.instructions };
  console.log(JSON.stringify(row));
} else {
  const runs = Number(process.argv[2] ?? 6);
  const id = process.argv[3] ?? "bench-O2";
  const trees = process.argv.length > 4 ? process.argv.slice(4) : [""];
  const rows = new Map<string, Row[]>(trees.map((t) => [t, []]));
  for (let i = 0; i < runs; i++) {
    for (const tree of trees) {
      const args = [...process.execArgv, here, "--child", id, ...(tree ? [tree] : [])];
      const p = spawnSync(process.execPath, args, { encoding: "utf8" });
      if (p.status !== 0) throw new Error(p.stderr);
      const row = JSON.parse(p.stdout.trim().split("\n").pop()!) as Row;
      rows.get(tree)!.push(row);
      console.log(`${tree || "src"}: wall ${row.wall.toFixed(0)} ms (${(row.insns / row.wall / 1000).toFixed(0)} MIPS), CPU ${row.cpu.toFixed(0)} ms, main thread ${row.main} ms`);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [tree, rs] of rows) {
    const f = (key: keyof Row) => { const xs = rs.map((r) => r[key]); return `${key} ${Math.min(...xs).toFixed(0)} / ${med(xs).toFixed(0)} / ${Math.max(...xs).toFixed(0)}`; };
    console.log(`${tree || "src"} (min / median / max ms, ${rs.length} runs, ${rs[0]!.insns} insns): ${f("wall")}, ${f("cpu")}, ${f("main")}`);
  }
}
