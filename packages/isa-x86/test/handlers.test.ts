/**
 * Handlers are linked explicitly (cpu.ts HANDLERS): every row the decoder can produce must get one (save the
 * declared x87 gaps), and every handler must belong to a row. A row left without one would decode and then trap
 * as undefined at run time.
 */
import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { HANDLERS, X86Cpu } from "../src/cpu.js";
import { BufferSource, decode } from "../src/decode.js";
import { INT_OPS } from "../src/ops-int.js";
import { X87_NOT_IMPLEMENTED } from "../src/ops-x87.js";
import { linkDef, rowsWithoutHandler } from "../src/registry.js";
import { allDefs } from "../src/tables.js";

const describeRow = (d: { key: string; mn: string; ops: readonly string[] }) => `${d.mn} ${d.ops.join(",")} (key ${d.key})`;

describe("x86 handler linking", () => {
  it("every decodable table row has a handler, except the declared x87 gaps", () => {
    expect(rowsWithoutHandler(HANDLERS).map((d) => d.mn).sort()).toEqual([...X87_NOT_IMPLEMENTED].sort());
  });

  it("a constructed CPU links every row on its first decode", () => {
    new X86Cpu(new GuestMemory()).dispose();
    const rows = allDefs();
    expect(rows.length).toBeGreaterThan(600);
    for (const d of rows) linkDef(d);
    expect(rows.filter((d) => typeof d.exec !== "function" && !X87_NOT_IMPLEMENTED.has(d.mn)).map(describeRow)).toEqual([]);
  });

  it("every x87 encoding whose row has a handler runs (one shared handler must not hide unimplemented forms)", () => {
    const trapped: string[] = [];
    let ran = 0;
    for (let op = 0xd8; op <= 0xdf; op++) {
      for (let modrm = 0; modrm < 256; modrm++) {
        if (modrm >> 6 === 1 || modrm >> 6 === 2 || (modrm >> 6 === 0 && (modrm & 7) !== 7)) continue; // (%rdi) or a register
        let mn: string;
        try {
          mn = decode(new BufferSource(Uint8Array.of(op, modrm), 0), 0).def.mn;
        } catch {
          continue; // not an encoding
        }
        if (X87_NOT_IMPLEMENTED.has(mn)) continue;
        const mem = new GuestMemory();
        mem.map(0x10000, 0x1000, PERM_READ | PERM_EXEC);
        mem.map(0x20000, 0x1000, PERM_READ | PERM_WRITE);
        mem.poke(0x10000, Uint8Array.of(0xd9, 0xe8, 0xd9, 0xeb, op, modrm, 0xcc)); // fld1; fldpi; op; int3
        const cpu = new X86Cpu(mem);
        cpu.setReg(7, 0x20100n);
        cpu.pc = 0x10000;
        const trap = cpu.run(10);
        ran++;
        if (trap.kind !== "breakpoint") trapped.push(`${op.toString(16)} ${modrm.toString(16)} ${mn}: ${trap.kind}`);
      }
    }
    expect(ran).toBeGreaterThan(380);
    expect(trapped).toEqual([]);
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
