/**
 * Debug aid: write the sequence of executed instruction addresses of a corpus fixture (one hex per line),
 * to diff against `qemu-x86_64 -singlestep -d exec,nochain`.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/pc-trace.ts x86_64-glibc hello-O2 [max] > out
 */
import { GuestMemory, type Trap } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";

const [target, id, maxArg] = process.argv.slice(2) as [TargetName, string, string?];
const max = Number(maxArg ?? 2e6);
const out: string[] = [];
class Tracing extends X86Cpu {
  override run(budget: number): Trap {
    for (let k = 0; k < budget; k++) {
      if (out.length < max) out.push(this.pc.toString(16));
      const t = super.run(1);
      if (t.kind !== "budget") return t;
    }
    return { kind: "budget", pc: this.pc };
  }
}
const fx = corpusFixture(target, id);
runStatic(new Tracing(new GuestMemory()), readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, maxInsns: 5e9 });
process.stdout.write(out.join("\n") + "\n");
