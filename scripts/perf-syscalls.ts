/**
 * Simulated syscalls per second on the entry path (a generated getppid loop), per ISA and mechanism, best of
 * a few runs after a warm-up: the figure `uabi bench` reports, without the rest of the bench, for work on the
 * kernel's entry pipeline. Both wall time and this process's CPU time are shown: on a shared machine the CPU
 * time is the steadier figure (the wall time also counts the time other processes held the CPU).
 * Run: node --conditions=@uabi/source --import tsx scripts/perf-syscalls.ts [calls] [mode…] [--core interp|jit]
 */
import { Kernel, type Mode } from "../packages/kernel/src/index.js";
import { buildSyscallLoop } from "../apps/uabi/src/demo/program.js";

const args = process.argv.slice(2);
const coreAt = args.indexOf("--core");
const core = coreAt >= 0 ? (args.splice(coreAt, 2)[1] as "jit" | "interp") : "jit";
const calls = Number(args[0] ?? 50_000);
const modes = (args.slice(1).length ? args.slice(1) : ["direct", "bounce", "sud"]) as Mode[];
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
for (const mode of modes) {
  for (const arch of ["arm64", "x86_64"] as const) {
    const elf = buildSyscallLoop(arch, calls);
    let best = Infinity;
    let bestCpu = Infinity;
    for (let i = 0; i < 4; i++) {
      const k = new Kernel({ mode, core });
      k.spawn(elf, { argv: ["loop"] });
      const t0 = performance.now();
      const c0 = cpuSeconds();
      const r = k.run();
      const s = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds() - c0;
      if (r.exitStatus !== 0) throw new Error(`${arch} ${mode}: exit ${r.exitStatus}`);
      if (i > 0) {
        // the first run warms the JIT up
        best = Math.min(best, s);
        bestCpu = Math.min(bestCpu, cpu);
      }
    }
    const rate = (sec: number) => Math.round(calls / sec).toLocaleString("en");
    console.log(
      `${mode.padEnd(9)} ${arch.padEnd(7)} ${rate(best)} calls/s  (${((best / calls) * 1e9).toFixed(0)} ns per call; CPU time: ${rate(bestCpu)} calls/s, ${((bestCpu / calls) * 1e9).toFixed(0)} ns)`,
    );
  }
}
