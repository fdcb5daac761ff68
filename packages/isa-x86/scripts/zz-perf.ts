import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";
const fx = corpusFixture("x86_64-musl", "bench-O2");
let best = 0;
for (let k = 0; k < 3; k++) {
  const c0 = process.cpuUsage();
  const r = runStatic(new X86Cpu(new GuestMemory()), readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 6e7 });
  const u = process.cpuUsage(c0);
  best = Math.max(best, r.instructions / ((u.user + u.system) / 1e6) / 1e6);
}
console.log("best", best.toFixed(1), "MIPS (cpu)");
