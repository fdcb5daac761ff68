/**
 * Interpreter throughput (a benchmark script, not a test):
 *   node --conditions=@uabi/source --import tsx scripts/seccomp/bench.ts [evaluations]
 */
import { AUDIT_ARCH_X86_64, fillSeccompData, newSeccompDataBuffer, SeccompState, vdsoWindowFilter } from "../../packages/kernel/src/seccomp/index.js";

const n = Number(process.argv[2] ?? 2_000_000);
const st = new SeccompState("x86_64");
st.attach(vdsoWindowFilter("x86_64", 0x7fff_0000_1000n, 0x7fff_0000_3000n));
st.attach(vdsoWindowFilter("x86_64", 0x7fff_0000_1000n, 0x7fff_0000_3000n, { extended: true }), { extended: true });
const inside = fillSeccompData(newSeccompDataBuffer(), { nr: 39, arch: AUDIT_ARCH_X86_64, instructionPointer: 0x7fff_0000_1802n, args: [] },
  { start: 0x7fff_0000_1000n, end: 0x7fff_0000_3000n });
let insns = 0;
for (let i = 0; i < n / 10; i++) insns += st.evaluate(inside).insns; // warm up
insns = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) insns += st.evaluate(inside).insns;
const ns = Number(process.hrtime.bigint() - t0);
console.log(`${n} evaluations of a 2-filter stack: ${(ns / n).toFixed(1)} ns each, ${(ns / insns).toFixed(2)} ns per cBPF instruction (${insns / n} per evaluation)`);
