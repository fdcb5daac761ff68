/**
 * Where a run's time goes per translated region: runs a corpus fixture once (a fresh process is a cold run, as
 * `uabi run` sees it), timing every region call, and prints each region's instructions, CPU ms and
 * MIPS, then the rest of the run (interpreter, decoding, translation). Times are process CPU (V8's compile
 * threads included, whichever region they overlap), so the figures stay meaningful on a loaded machine.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-arm64/bench/regions.ts [fixture-id] [repeats]
 */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic } from "@uabi/test-support";
import { Arm64Cpu } from "../src/index.js";
import type { RegionFn } from "../src/jit.js";

const id = process.argv[2] ?? "bench-O2";
const repeats = Number(process.argv[3] ?? 1);
const fx = corpusFixture("aarch64-glibc", id);
const elf = readFixtureBinary(fx);
for (let r = 0; r < repeats; r++) {
  const cpu = new Arm64Cpu(new GuestMemory());
  const stats = new Map<string, { calls: number; insns: number; ms: number; warm: number }>();
  // Wrap each region's function as it is translated (translateAt is private: reached through the prototype).
  const proto = Object.getPrototypeOf(cpu) as { translateAt: (b: { start: number }) => RegionFn | undefined };
  const orig = proto.translateAt;
  (cpu as unknown as typeof proto).translateAt = function (this: Arm64Cpu, b: { start: number }) {
    const fn = orig.call(this, b);
    if (fn === undefined) return fn;
    const s = { calls: 0, insns: 0, ms: 0, warm: 0 };
    stats.set(b.start.toString(16), s);
    const wrapped: RegionFn = (c, left, loopOk) => {
      // Warm-up calls (cpu.ts WARM_INSNS) and probes (loopOk false) are not timed: the run loop times them to see when V8 has
      // optimised the region, and a cpuUsage call would double their cost. Their time counts as the rest's.
      if (left <= 256 || !loopOk) {
        const n = fn(c, left, loopOk);
        s.warm += n;
        return n;
      }
      const t0 = process.cpuUsage();
      const n = fn(c, left, loopOk);
      const t = process.cpuUsage(t0);
      s.ms += (t.user + t.system) / 1000;
      s.calls++;
      s.insns += n;
      return n;
    };
    (b as { fn?: RegionFn }).fn = wrapped;
    return wrapped;
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = runStatic(cpu, elf, { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 1e10 });
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  if (res.stdout !== fx.expected.stdout) throw new Error(`wrong output: ${JSON.stringify(res.stdout)}`);
  let inRegions = 0, regionMs = 0;
  for (const [pc, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
    inRegions += s.insns;
    regionMs += s.ms;
    console.log(`region ${pc}: ${s.calls} calls, ${s.insns} insns, ${s.ms.toFixed(1)} ms, ${(s.insns / s.ms / 1000).toFixed(0)} MIPS (+ ${s.warm} insns in warm-up calls)`);
  }
  const cpuMs = (cu.user + cu.system) / 1000;
  console.log(`rest: ${res.instructions - inRegions} insns, ${(cpuMs - regionMs).toFixed(1)} ms CPU; total ${wall.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, ${(res.instructions / cpuMs / 1000).toFixed(0)} MIPS`);
}
