/**
 * The translating tier against the interpreter on every corpus program (both libcs, -O0 and -O2): the same
 * output, exit status, and the same state (registers, rip, rflags, xmm, retired count) at every trap. The
 * translated run translates every block on its second entry (with its decoded successors as a region) and
 * takes its budgets in random small pieces, so budgets end inside blocks and inside host loops, and resume.
 */
import { describe, expect, it } from "vitest";
import { GuestMemory } from "@uabi/isa-core";
import { corpusFixtures, readFixtureBinary, runStatic, type TargetName } from "@uabi/test-support";
import { firstDifference, LoggingCpu, rng } from "./jit-diff.js";

const SLOW = new Set(["bench"]);

for (const target of ["x86_64-musl", "x86_64-glibc"] as TargetName[]) {
  describe(`translating tier = interpreter on the ${target} corpus`, () => {
    const fixtures = corpusFixtures(target).filter((f) => !SLOW.has(f.id.replace(/-O[02]$/, "")));
    it("has fixtures", () => expect(fixtures.length).toBeGreaterThan(20));
    for (const fx of fixtures) {
      it(fx.id, { timeout: 600_000 }, () => {
        const elf = readFixtureBinary(fx);
        const opts = { argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 3e8 };
        const ref = new LoggingCpu(new GuestMemory(), { jit: false });
        const r1 = runStatic(ref, elf, opts);
        // Threshold 2: most blocks are translated, and their decoded successors join them in regions.
        const jit = new LoggingCpu(new GuestMemory(), { jit: true, jitThreshold: 2 }, rng(fx.id.length * 7919 + 17));
        const r2 = runStatic(jit, elf, opts);
        const at = firstDifference(ref.log, jit.log);
        expect(at === -1 ? "" : `trap ${at}:\n  interp ${ref.log[at]}\n  jit    ${jit.log[at]}`).toBe("");
        expect({ out: r2.stdout, exit: r2.exitStatus, n: r2.instructions, sys: r2.syscalls }).toEqual({ out: r1.stdout, exit: r1.exitStatus, n: r1.instructions, sys: r1.syscalls });
        expect(ref.log.length).toBeGreaterThan(0);
        expect(jit.jitBlocks).toBeGreaterThan(0);
      });
    }
  });
}
