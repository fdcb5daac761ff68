import { execFileSync } from "node:child_process";
import { GuestMemory } from "@uabi/isa-core";
import { Arm64Cpu, disassembleWord } from "../src/index.js";
import { compileInstruction } from "../src/exec.js";
const cpu = new Arm64Cpu(new GuestMemory());
const seen = new Map<string, number>();
for (const f of process.argv.slice(2)) {
  const dis = execFileSync("aarch64-linux-gnu-objdump", ["-d", f], { maxBuffer: 1 << 28 }).toString();
  for (const l of dis.split("\n")) {
    const m = /^\s+([0-9a-f]+):\t([0-9a-f]{8}) \t(\S+)/.exec(l); if (!m) continue;
    const w = parseInt(m[2]!, 16);
    const d = disassembleWord(w, 0x1000);
    if (d === undefined) continue;
    const h = compileInstruction(cpu, w, 0x1000);
    cpu.pendingTrap = undefined;
    let r = 0;
    try { r = h(); } catch { continue; }
    if (r === -2 && cpu.pendingTrap && (cpu.pendingTrap as any).kind === "undefined") {
      const k = m[3]!; seen.set(k, (seen.get(k) ?? 0) + 1); if (seen.get(k)! <= 2) console.log(m[2], d);
    }
  }
}
console.log([...seen]);
