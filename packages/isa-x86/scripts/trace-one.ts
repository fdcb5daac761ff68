/**
 * Debug aid: run one corpus fixture with syscall tracing and print stdout/stderr and the trap.
 * Run: node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/trace-one.ts x86_64-glibc hello-O2
 */
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixture, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { X86Cpu } from "../src/index.js";

const [target, id] = process.argv.slice(2) as [TargetName, string];
const fx = corpusFixture(target, id);
const cpu = new X86Cpu(new GuestMemory());
const r = runStatic(cpu, readFixtureBinary(fx), {
  argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 5e9,
  onSyscall: (s) => console.log(`  ${s.name}(${s.args.slice(0, 3).map((a) => "0x" + a.toString(16)).join(", ")}) = ${s.result} @0x${s.pc.toString(16)}`),
});
console.log({ stdout: r.stdout, stderr: r.stderr, exit: r.exitStatus, stop: r.stop, trap: r.trap, insns: r.instructions });
console.log("want", JSON.stringify(fx.expected.stdout), fx.expected.syscalls.join(" | "));
