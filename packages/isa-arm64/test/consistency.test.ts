import { GuestMemory, type Trap } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { Arm64Cpu, COMPILED_TABLE, disassembleWord } from "../src/index.js";
import { compileInstruction } from "../src/exec.js";

// Every encoding the disassembler accepts must also execute (no "decodes but traps" gaps),
// except encodings that trap by design at EL0.
const TRAPS_AT_EL0 = [/^udf\t/, /^msr\ttpidrro_el0,/];

describe("decoder, disassembler and interpreter agree", () => {
  it("random words of every row: disassemblable implies executable", () => {
    const cpu = new Arm64Cpu(new GuestMemory());
    const gaps: string[] = [];
    let seed = 7;
    for (const row of COMPILED_TABLE) {
      for (let k = 0; k < 600; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const word = (((seed ^ Math.imul(seed >>> 13, 0x9e3779b1)) & ~row.mask) | row.match) >>> 0;
        const text = disassembleWord(word, 0x1000);
        if (text === undefined || TRAPS_AT_EL0.some((re) => re.test(text))) continue;
        const h = compileInstruction(cpu, word, 0x1000);
        cpu.pendingTrap = undefined;
        try {
          h();
        } catch {
          continue; // a memory fault: the instruction executed
        }
        const trap = cpu.pendingTrap as Trap | undefined; // set by the handler
        if (trap?.kind === "undefined" && gaps.length < 20) gaps.push(`${word.toString(16).padStart(8, "0")} ${text}`);
      }
    }
    expect(gaps).toEqual([]);
  });
});
