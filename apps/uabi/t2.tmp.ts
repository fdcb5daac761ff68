import { Kernel } from "@uabi/kernel";
import { buildDemoProgram, decodeResults } from "./src/demo/program.js";
for (const arch of ["arm64", "x86_64"] as const) {
  const t0 = performance.now();
  const p = buildDemoProgram(arch);
  const t1 = performance.now();
  const chunks: Uint8Array[] = [];
  const k = new Kernel({ stdout: (b) => chunks.push(b), trace: (l) => console.error(l) });
  k.syscallObservers.push((ev) => console.error("  ev", ev.name, ev.pc.toString(16), ev.path.join(",")));
  k.spawn(p.elf, { argv: ["demo"] });
  const r = k.run();
  const t2 = performance.now();
  console.log(arch, r.exitStatus, r.reason, r.stats.instructions, r.stats.kernelEntries, (t1-t0).toFixed(1), (t2-t1).toFixed(1));
  console.log(p.steps.map(s => `${s.step.id}:${s.start.toString(16)}-${s.end.toString(16)}`).join(" "));
  const out = Buffer.concat(chunks);
  console.log(decodeResults(arch, out));
}
