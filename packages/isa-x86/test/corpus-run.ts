/** Shared corpus runner for the per-target corpus tests. */
import { expect, it } from "vitest";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixtures, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { X86Cpu } from "../src/cpu.js";

/**
 * Fixtures whose recording needs more than the test-support harness offers (it has no vDSO, no signal
 * delivery, no threads, no file system). For these the test requires that the run got as far as the
 * harness allows without any CPU-level trap, and that the harness itself names the missing piece.
 */
const HARNESS_LIMITS: Record<string, { why: string; explained: (r: ReturnType<typeof runStatic>) => boolean }> = {
  ported: { why: "needs the vDSO (the harness maps none)", explained: (r) => r.stdout.startsWith("vdso: absent") },
  signals: { why: "needs signal delivery", explained: (r) => r.unhandled.some((n) => /kill|sigpending/.test(n)) },
  threads: { why: "needs clone", explained: (r) => r.unhandled.some((n) => n.startsWith("clone")) },
  umask: { why: "needs a file system", explained: (r) => r.unhandled.length > 0 },
};
/** CPU-bound benchmark fixtures run in bench/mips.ts, not here (they take seconds to minutes). */
const SLOW = new Set(["bench"]);

export function corpusTests(target: TargetName, opt: "-O0" | "-O2"): void {
  const fixtures = corpusFixtures(target).filter((f) => f.id.endsWith(opt));
  it("has fixtures", () => expect(fixtures.length).toBeGreaterThan(10));
  for (const fx of fixtures) {
    const name = fx.id.replace(/-O[02]$/, "");
    if (SLOW.has(name)) continue;
    it(fx.id, () => {
      const cpu = new X86Cpu(new GuestMemory());
      const r = runStatic(cpu, readFixtureBinary(fx), { argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 3e8 });
      const ok = r.stdout === fx.expected.stdout && r.exitStatus === fx.expected.exitStatus;
      const limit = HARNESS_LIMITS[name];
      if (ok || !limit) {
        expect({ stdout: r.stdout, exit: r.exitStatus }).toEqual({ stdout: fx.expected.stdout, exit: fx.expected.exitStatus });
        return;
      }
      // Not a CPU failure: no undefined/privileged instruction, and the harness's gap explains it.
      expect(r.trap?.kind === "undefined" || r.trap?.kind === "privileged", JSON.stringify(r.trap)).toBe(false);
      expect(limit.explained(r), `${fx.id}: ${limit.why}`).toBe(true);
    });
  }
}
