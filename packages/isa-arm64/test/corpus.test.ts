import { describe, expect, it } from "vitest";
import { BENCH, fixtures, HARNESS_LIMITED, HEAVY, runFixture, TOO_SLOW_FOR_TESTS } from "./corpus-run.js";

describe("aarch64 corpus on the interpreter (recorded qemu/Linux outputs)", () => {
  it("has the corpus", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });
  for (const fx of fixtures) {
    if (HEAVY.has(fx.id) || BENCH.has(fx.id) || TOO_SLOW_FOR_TESTS.has(fx.id)) continue;
    const limited = HARNESS_LIMITED[fx.id];
    if (limited) {
      it(`${fx.id}: runs without an undefined instruction (harness limit: ${limited})`, () => {
        const r = runFixture(fx);
        expect(r.trap?.kind).not.toBe("undefined");
        if (fx.name === "signals") expect(r.trap).toMatchObject({ kind: "page-fault", addr: 0x10, access: "write", reason: "unmapped" });
      });
      continue;
    }
    it(`${fx.id}: same stdout, exit status and syscall sequence`, () => {
      const r = runFixture(fx);
      expect(r.stdout).toBe(fx.expected.stdout);
      expect(r.exitStatus).toBe(fx.expected.exitStatus);
      expect(r.syscalls).toEqual(fx.expected.syscalls);
    });
  }
});
