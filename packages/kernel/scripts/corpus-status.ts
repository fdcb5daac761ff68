/** Prints the corpus status under the kernel (direct mode): node --conditions=@uabi/source --import tsx scripts/corpus-status.ts [target] [id-prefix] */
import { corpusFixtures } from "@uabi/test-support";
import { runFixture } from "../test/corpus-run.js";
const only = process.argv[2];
for (const f of corpusFixtures(only as any)) {
  if (process.argv[3] && !f.id.startsWith(process.argv[3])) continue;
  if (process.env.SKIP_HEAVY && /^(bench|malloc)-/.test(f.id)) continue;
  const t0 = Date.now();
  try {
    const o = runFixture(f, { maxInstructions: 2e9 });
    const okOut = o.stdout === f.expected.stdout, okExit = o.exitStatus === f.expected.exitStatus;
    const exp = f.expected.syscalls;
    const okSys = f.expected.syscallsDeterministic ? JSON.stringify(exp) === JSON.stringify(o.syscalls) : JSON.stringify([...exp].sort()) === JSON.stringify([...o.syscalls].sort());
    let diff = "";
    if (!okSys) { for (let i = 0; i < Math.max(exp.length, o.syscalls.length); i++) if (exp[i] !== o.syscalls[i]) { diff = `@${i} exp=${exp[i]} got=${o.syscalls[i]}`; break; } }
    console.log(`${f.target}/${f.id}: out=${okOut} exit=${okExit}(${o.exitStatus}/${f.expected.exitStatus}) sys=${okSys} ${diff} ${o.result.reason} ${o.result.stats.instructions} insns ${Date.now() - t0}ms`);
  } catch (e) {
    console.log(`${f.target}/${f.id}: THREW ${(e as Error).stack?.split("\n").slice(0, 3).join(" | ")}`);
  }
}
