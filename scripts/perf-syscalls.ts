/**
 * Simulated syscalls per second on the entry path (a generated getppid loop), per ISA and mechanism, measured
 * as `uabi bench` does (best of five runs of the loop, less the best of five of a one-call loop): the figure
 * `uabi bench` reports, without the rest of the bench, for work on the kernel's entry pipeline. Both wall time
 * and this process's CPU time are shown: on a shared machine the CPU time is the steadier figure (the wall time
 * also counts the time other processes held the CPU).
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
/** One run's wall and CPU seconds (spawn and run, as `uabi bench` times them). */
function once(elf: Uint8Array, mode: Mode): { wall: number; cpu: number } {
  const k = new Kernel({ mode, core });
  const t0 = performance.now();
  const c0 = cpuSeconds();
  k.spawn(elf, { argv: ["loop"] });
  const r = k.run();
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  if (r.exitStatus !== 0) throw new Error(`${mode}: exit ${r.exitStatus}`);
  return { wall, cpu };
}
/** Best of five, as `uabi bench` measures (the first runs also pay for V8 compiling the path). */
function best(elf: Uint8Array, mode: Mode): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < 5; i++) {
    const r = once(elf, mode);
    wall = Math.min(wall, r.wall);
    cpu = Math.min(cpu, r.cpu);
  }
  return { wall, cpu };
}
for (const mode of modes) {
  for (const arch of ["arm64", "x86_64"] as const) {
    // The calls alone: a one-call loop's spawn, start-up and exit taken out, as `uabi bench` does.
    const empty = best(buildSyscallLoop(arch, 1), mode);
    const full = best(buildSyscallLoop(arch, calls), mode);
    const n = calls - 1;
    const wall = Math.max(full.wall - empty.wall, 1e-9);
    const cpu = Math.max(full.cpu - empty.cpu, 1e-9);
    const rate = (sec: number) => Math.round(n / sec).toLocaleString("en");
    console.log(
      `${mode.padEnd(9)} ${arch.padEnd(7)} ${rate(wall)} calls/s  (${((wall / n) * 1e9).toFixed(0)} ns per call; CPU time: ${rate(cpu)} calls/s, ${((cpu / n) * 1e9).toFixed(0)} ns)`,
    );
  }
}
