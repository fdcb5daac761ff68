// Random-word consistency check: every word the disassembler accepts must compile to a real handler.
import { GuestMemory, type Trap } from "@uabi/isa-core";
import { Arm64Cpu, COMPILED_TABLE, disassembleWord } from "../src/index.js";
import { compileInstruction } from "../src/exec.js";
const cpu = new Arm64Cpu(new GuestMemory());
const miss = new Map<string, string[]>();
let seed = 7;
for (const row of COMPILED_TABLE) {
  for (let k = 0; k < 4000; k++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const rnd = (seed ^ Math.imul(seed >>> 13, 0x9e3779b1)) >>> 0;
    const w = ((rnd & ~row.mask) | row.match) >>> 0;
    const d = disassembleWord(w, 0x1000);
    if (d === undefined || row.name === "UDF") continue;
    const h = compileInstruction(cpu, w, 0x1000);
    cpu.pendingTrap = undefined;
    let r = 0;
    try { r = h(); } catch { continue; }
    const trap = cpu.pendingTrap as Trap | undefined; // set by the handler (TS still sees the reset above)
    if (r === -2 && trap?.kind === "undefined") {
      const a = miss.get(row.name) ?? [];
      if (a.length < 4) a.push(w.toString(16).padStart(8, "0") + " " + d);
      miss.set(row.name, a);
    }
  }
}
for (const [k, v] of miss) console.log(k, "\n  " + v.join("\n  "));
