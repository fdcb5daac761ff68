import { describe, expect, it } from "vitest";
import { BENCH, fixtures, runFixture } from "./corpus-run.js";

describe("aarch64 corpus on the interpreter: the CPU-bound benchmark (128 M instructions)", () => {
  for (const fx of fixtures.filter((f) => BENCH.has(f.id))) {
    it(`${fx.id}: same stdout, exit status and syscall sequence`, () => {
      const r = runFixture(fx);
      expect(r.stdout).toBe(fx.expected.stdout);
      expect(r.exitStatus).toBe(fx.expected.exitStatus);
      expect(r.syscalls).toEqual(fx.expected.syscalls);
    });
  }
});
