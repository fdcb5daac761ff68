import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic } from "@uabi/test-support";
import { X86Cpu } from "/work/main/packages/isa-x86/src/index.ts";
const fx = corpusFixture(process.argv[2] as any, process.argv[3]!);
const t0 = performance.now();
const r = runStatic(new X86Cpu(new GuestMemory()), readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, maxInsns: Number(process.argv[4] ?? 5e9) });
const ms = performance.now() - t0;
console.log(r.stop, r.instructions, ms.toFixed(0) + "ms", (r.instructions / ms / 1000).toFixed(1) + " MIPS");
