import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, runtimeImports } from "../../isa-core/test/import-cycles.js";

const SRC = resolve(import.meta.dirname, "../src");

// The finder (shared with isa-core and isa-x86, and tested there) parses import statements and skips
// `import type`. Executors import shared helpers from bits.ts / scratch.ts / state.ts / simd-tables.ts,
// never from each other, the disassembler or cpu.ts (type-only references to Arm64Cpu are fine).
describe("runtime import cycles", () => {
  it("isa-arm64's sources have none", () => {
    expect(importCycles(SRC)).toEqual([]);
  });

  it("the executors load nothing from the disassembler", () => {
    const executors = readdirSync(SRC).filter((f) => f.startsWith("exec"));
    expect(executors.length).toBeGreaterThanOrEqual(3);
    for (const f of executors) expect(runtimeImports(readFileSync(resolve(SRC, f), "utf8")), f).not.toContain("./disasm.js");
  });
});
