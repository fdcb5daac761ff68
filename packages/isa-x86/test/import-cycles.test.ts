import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles } from "../../isa-core/test/import-cycles.js";

describe("runtime import cycles", () => {
  it("isa-x86's sources have none (type-only back-references, e.g. to X86Cpu, are fine)", () => {
    expect(importCycles(resolve(import.meta.dirname, "../src"))).toEqual([]);
  });
});
