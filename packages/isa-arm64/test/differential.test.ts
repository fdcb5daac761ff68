import { readFileSync } from "node:fs";
import { GuestMemory } from "@uabi/isa-core";
import { runStatic } from "@uabi/test-support";
import { describe, expect, it } from "vitest";
import { Arm64Cpu } from "../src/index.js";

// Small -nostdlib programs (test/fixtures/src, rebuilt by build.sh) that exercise the FP,
// integer, FP/SIMD and load/store (intdiff, simddiff, memdiff: random encodings from scripts/gen-*diff.ts;
// scalardiff: every decoded encoding of the AdvSIMD scalar, fixed-point and shll classes) and
// Advanced SIMD semantics line by line; expected stdout and status recorded from qemu-aarch64.
describe("differential programs vs qemu-aarch64", () => {
  for (const name of ["simd", "fp", "intdiff", "simddiff", "memdiff", "scalardiff"]) {
    it(`${name}: every printed result matches`, () => {
      const dir = new URL("./fixtures/", import.meta.url);
      const elf = new Uint8Array(readFileSync(new URL(name, dir)));
      const want = readFileSync(new URL(`${name}.stdout`, dir), "utf8");
      const status = Number(readFileSync(new URL(`${name}.status`, dir), "utf8"));
      const r = runStatic(new Arm64Cpu(new GuestMemory()), elf, { argv: [`./${name}`] });
      const got = r.stdout.split("\n");
      const diffs = want.split("\n").map((l, i) => (l === got[i] ? undefined : `${i}: want ${l} got ${got[i]}`)).filter(Boolean);
      expect(diffs).toEqual([]);
      expect(r.exitStatus).toBe(status);
    });
  }
});
