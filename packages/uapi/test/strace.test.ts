import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENUM_TABLES, ERRNO, errnoMessage, errnoName, FLAG_TABLES, formatEnum, formatFlags } from "../src/index.js";

/**
 * strace 6.1's rendering of real x86-64 syscall arguments, recorded by scripts/record-oracle.mjs from
 * scripts/oracle/strace-probe.c. Each entry: which uapi table formats the value, and what strace printed.
 */
interface Fixture {
  flags: { syscall: string; arg: number; table: string; value: number; strace: string }[];
  errno: Record<string, string>;
}
const fx = JSON.parse(readFileSync(new URL("./fixtures/strace-x86_64.json", import.meta.url), "utf8")) as Fixture;

describe("strace oracle (x86-64)", () => {
  it("formats every recorded flag/enum argument exactly like strace", () => {
    const wrong: string[] = [];
    for (const f of fx.flags) {
      const flagTable = FLAG_TABLES.x86_64[f.table];
      const enumTable = ENUM_TABLES[f.table];
      const ours = flagTable ? formatFlags(flagTable, f.value) : enumTable ? formatEnum(enumTable, f.value) : `no table ${f.table}`;
      if (ours !== f.strace) wrong.push(`${f.table} ${f.value.toString(16)}: ours ${ours}, strace ${f.strace}`);
    }
    expect(wrong).toEqual([]);
    expect(fx.flags.length).toBeGreaterThan(80);
  });

  it("spells errno names and messages like strace", () => {
    for (const [name, message] of Object.entries(fx.errno)) {
      expect(errnoName(ERRNO[name]!)).toBe(name);
      expect(errnoMessage(ERRNO[name]!)).toBe(message);
    }
  });
});
