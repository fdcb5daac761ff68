import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimeImports } from "../../../scripts/import-graph.js";

const SRC = resolve(import.meta.dirname, "../src");

// tests/import-graph.test.ts checks every package for runtime import cycles; this pins a finer rule. Executors
// share helpers through bits.ts / scratch.ts / state.ts / simd-tables.ts and import each other only downward
// (exec → exec-scalar → exec-fp → exec-simdfp); they never load the disassembler or cpu.ts (type-only
// references to Arm64Cpu and Compilers are fine).
describe("runtime imports", () => {
  it("the executors load nothing from the disassembler", () => {
    const executors = readdirSync(SRC).filter((f) => f.startsWith("exec"));
    expect(executors.length).toBeGreaterThanOrEqual(3);
    for (const f of executors) expect(runtimeImports(readFileSync(resolve(SRC, f), "utf8")), f).not.toContain("./disasm.js");
  });
});
