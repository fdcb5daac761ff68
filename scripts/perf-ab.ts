/**
 * A/B CPU time of two builds of the repository, each run a fresh `node` process, builds alternated run by run (a
 * shared machine's other jobs then penalise both alike). A build is a checkout (e.g. `git worktree add /work/a
 * <commit>`) after `pnpm build`; its packages/kernel/dist and apps/uabi/dist are what runs.
 * Workloads: `bench-O2:<arm64|x86_64>` (spawn + run of the corpus's CPU-bound fixture, direct mode) or
 * `syscalls:<mode>:<arm64|x86_64>:<calls>` (the generated getppid loop under a mechanism). Prints the CPU ms of
 * spawn + run per build, min and median, and checks both builds retire the same instructions.
 * Run: node --import tsx scripts/perf-ab.ts <runs> <workload> <checkout A> <checkout B>
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const FIXTURE_DIR = { arm64: "aarch64-glibc", x86_64: "x86_64-glibc" } as const;
type Arch = keyof typeof FIXTURE_DIR;

async function child(tree: string, workload: string): Promise<void> {
  const load = (p: string) => import(pathToFileURL(resolve(tree, p)).href);
  const { Kernel } = await load("packages/kernel/dist/index.js");
  const [kind, ...rest] = workload.split(":");
  let elf: Uint8Array;
  let mode = "direct";
  if (kind === "bench-O2") {
    const arch = rest[0] as Arch;
    elf = new Uint8Array(readFileSync(resolve(tree, "fixtures/corpus/bin", FIXTURE_DIR[arch], "bench-O2")));
  } else if (kind === "syscalls") {
    const { buildSyscallLoop } = await load("apps/uabi/dist/demo/program.js");
    mode = rest[0]!;
    elf = buildSyscallLoop(rest[1], Number(rest[2]));
  } else throw new Error(`unknown workload ${workload}`);
  const c0 = process.cpuUsage();
  const k = new Kernel({ mode });
  k.spawn(elf, { argv: ["ab"] });
  const r = k.run();
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, insns: r.stats.instructions, exit: r.exitStatus }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (process.argv[2] === "--child") {
  await child(process.argv[3]!, process.argv[4]!);
} else {
  const [runsArg, workload, a, b] = process.argv.slice(2);
  if (!runsArg || !workload || !a || !b) {
    console.error("usage: node --import tsx scripts/perf-ab.ts <runs> <workload> <checkout A> <checkout B>");
    process.exit(2);
  }
  const here = fileURLToPath(import.meta.url);
  const got = new Map<string, { cpu: number[]; insns: number }>();
  for (let i = 0; i < Number(runsArg); i++) {
    for (const tree of [a, b]) {
      const p = spawnSync(process.execPath, [...process.execArgv, here, "--child", tree, workload], { encoding: "utf8" });
      if (p.status !== 0) throw new Error(`${tree}: ${p.stderr}`);
      const row = JSON.parse(p.stdout.trim().split("\n").pop()!) as { cpuMs: number; insns: number; exit: number };
      const g = got.get(tree) ?? { cpu: [], insns: row.insns };
      if (g.insns !== row.insns) throw new Error(`${tree}: ${row.insns} instructions, then ${g.insns}`);
      g.cpu.push(row.cpuMs);
      got.set(tree, g);
    }
  }
  const [ga, gb] = [got.get(a)!, got.get(b)!];
  if (ga.insns !== gb.insns) console.log(`note: the builds retire different instruction counts (${ga.insns} vs ${gb.insns})`);
  for (const [tree, g] of got) console.log(`${tree}: CPU ms min ${Math.min(...g.cpu).toFixed(0)} median ${median(g.cpu).toFixed(0)} (${g.cpu.length} runs, ${g.insns} instructions)`);
}
