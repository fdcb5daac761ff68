/**
 * Simulated syscalls per second on the entry path (a generated getppid loop), per ISA and mechanism, best of
 * a few runs after a warm-up: the figure `uabi bench` reports, without the rest of the bench, for work on the
 * kernel's entry pipeline. Run: node --conditions=@uabi/source --import tsx scripts/perf-syscalls.ts [calls] [mode…]
 */
import { Kernel, type Mode } from "../packages/kernel/src/index.js";
import { buildSyscallLoop } from "../apps/uabi/src/demo/program.js";

const calls = Number(process.argv[2] ?? 50_000);
const modes = (process.argv.slice(3).length ? process.argv.slice(3) : ["direct", "bounce", "sud"]) as Mode[];
for (const mode of modes) {
  for (const arch of ["arm64", "x86_64"] as const) {
    const elf = buildSyscallLoop(arch, calls);
    let best = Infinity;
    for (let i = 0; i < 4; i++) {
      const k = new Kernel({ mode });
      k.spawn(elf, { argv: ["loop"] });
      const t0 = performance.now();
      const r = k.run();
      const s = (performance.now() - t0) / 1000;
      if (r.exitStatus !== 0) throw new Error(`${arch} ${mode}: exit ${r.exitStatus}`);
      if (i > 0) best = Math.min(best, s); // the first run warms the JIT up
    }
    console.log(`${mode.padEnd(9)} ${arch.padEnd(7)} ${Math.round(calls / best).toLocaleString("en")} calls/s  (${((best / calls) * 1e9).toFixed(0)} ns per call)`);
  }
}
