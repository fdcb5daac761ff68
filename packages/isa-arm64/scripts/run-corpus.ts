/**
 * Run every aarch64 corpus fixture on the interpreter through the test-support harness and
 * compare stdout / exit status with the recording. Prints one line per fixture with MIPS.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-arm64/scripts/run-corpus.ts [filter]
 */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixtures, readFixtureBinary, runStatic } from "@uabi/test-support";
import { Arm64Cpu } from "../src/index.js";

const filter = process.argv[2];
let bad = 0;
for (const fx of corpusFixtures("aarch64-glibc")) {
  if (filter && !fx.id.includes(filter)) continue;
  const cpu = new Arm64Cpu(new GuestMemory());
  const t0 = performance.now();
  const r = runStatic(cpu, readFixtureBinary(fx), {
    argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 5e9,
  });
  const ms = performance.now() - t0;
  const sysOk = JSON.stringify(r.syscalls) === JSON.stringify(fx.expected.syscalls);
  const ok = r.stdout === fx.expected.stdout && r.exitStatus === fx.expected.exitStatus;
  if (!ok) bad++;
  console.log(`${ok ? "ok  " : "FAIL"} ${fx.id.padEnd(22)} insns=${r.instructions} ${ms.toFixed(0)}ms ${(r.instructions / ms / 1000).toFixed(1)} MIPS exit=${r.exitStatus}/${fx.expected.exitStatus} stop=${r.stop} syscalls=${sysOk ? "same" : "DIFF"}${r.trap && r.stop !== "exit" ? " trap=" + JSON.stringify(r.trap, (k, v) => (k === "bytes" ? undefined : typeof v === "number" && k !== "imm" ? "0x" + v.toString(16) : v)) : ""}${r.unhandled.length ? " unhandled=" + r.unhandled.join(",") : ""}`);
  if (!ok && r.stdout !== fx.expected.stdout) {
    console.log("   got:  " + JSON.stringify(r.stdout.slice(0, 300)));
    console.log("   want: " + JSON.stringify(fx.expected.stdout.slice(0, 300)));
  }
}
console.log(bad ? `${bad} failing` : "all ok");
