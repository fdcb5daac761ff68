/**
 * Run every x86-64 corpus fixture (glibc and musl, -O0/-O2) on the interpreter through the
 * test-support harness and compare stdout / exit status with the recording. One line per fixture.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/run-corpus.ts [filter]
 */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixtures, readFixtureBinary, runStatic } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";

const filter = process.argv[2];
let bad = 0;
for (const target of ["x86_64-glibc", "x86_64-musl"] as const) {
  for (const fx of corpusFixtures(target)) {
    if (filter && !`${target}/${fx.id}`.includes(filter)) continue;
    const cpu = new X86Cpu(new GuestMemory());
    const t0 = performance.now();
    let r;
    try {
      r = runStatic(cpu, readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 5e9 });
    } catch (e) {
      bad++;
      console.log(`FAIL ${target}/${fx.id} threw ${(e as Error).stack}`);
      continue;
    }
    const ms = performance.now() - t0;
    const ok = r.stdout === fx.expected.stdout && r.exitStatus === fx.expected.exitStatus;
    if (!ok) bad++;
    const trap = r.trap && r.stop !== "exit" ? " trap=" + JSON.stringify(r.trap, (k, v) => (k === "bytes" ? Buffer.from(Object.values(v as object) as number[]).toString("hex") : typeof v === "number" && k !== "imm" ? "0x" + v.toString(16) : v)) : "";
    console.log(`${ok ? "ok  " : "FAIL"} ${(target + "/" + fx.id).padEnd(36)} insns=${r.instructions} ${ms.toFixed(0)}ms ${(r.instructions / ms / 1000).toFixed(1)} MIPS exit=${r.exitStatus}/${fx.expected.exitStatus} stop=${r.stop}${trap}${r.unhandled.length ? " unhandled=" + r.unhandled.join(",") : ""}`);
    if (!ok && r.stdout !== fx.expected.stdout) {
      console.log("   got:  " + JSON.stringify(r.stdout.slice(0, 300)));
      console.log("   want: " + JSON.stringify(fx.expected.stdout.slice(0, 300)));
    }
  }
}
console.log(bad ? `${bad} failing` : "all ok");
