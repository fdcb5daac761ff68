/**
 * Handlers are linked explicitly (cpu.ts HANDLERS): every row the decoder can produce must get one, and every
 * handler must belong to a row. A row left without one would decode and then trap as undefined at run time.
 */
import { describe, expect, it } from "vitest";
import { GuestMemory } from "@uabi/isa-core";
import { HANDLERS, X86Cpu } from "../src/cpu.js";
import { INT_OPS } from "../src/ops-int.js";
import { rowsWithoutHandler } from "../src/registry.js";
import { allDefs } from "../src/tables.js";

const describeRow = (d: { key: string; mn: string; ops: readonly string[] }) => `${d.mn} ${d.ops.join(",")} (key ${d.key})`;

describe("x86 handler linking", () => {
  it("every decodable table row has a handler", () => {
    expect(rowsWithoutHandler(HANDLERS).map(describeRow)).toEqual([]);
  });

  it("a constructed CPU has linked them all", () => {
    new X86Cpu(new GuestMemory()).dispose();
    const rows = allDefs();
    expect(rows.length).toBeGreaterThan(600);
    expect(rows.filter((d) => typeof d.exec !== "function").map(describeRow)).toEqual([]);
  });

  it("the check fails when a set is left out (SSE and x87 rows lose their handlers)", () => {
    const missing = rowsWithoutHandler([INT_OPS]).map((d) => d.mn);
    expect(missing).toContain("addsd");
    expect(missing).toContain("fld");
    expect(missing).not.toContain("add");
  });

  it("every handler key names a table row", () => {
    const keys = new Set(allDefs().map((d) => d.key));
    const orphans = HANDLERS.flatMap((set) => [...set.factories.keys(), ...set.specials.keys()].filter((k) => !keys.has(k)).map((k) => `${set.name}:${k}`));
    expect(orphans).toEqual([]);
  });
});
