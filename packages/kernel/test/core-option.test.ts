/** The `core` option: "interp" makes every thread's CPU interpret only (both cores' `jit: false`); jit is the default. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Kernel, KernelUsageError } from "../src/index.js";

const CORPUS = join(import.meta.dirname, "..", "..", "..", "fixtures", "corpus", "bin");

describe("core option", () => {
  for (const target of ["aarch64-glibc", "x86_64-musl"]) {
    it(`${target}: interp turns the translating tier off, with the same run`, () => {
      const elf = readFileSync(join(CORPUS, target, "qsort-O2"));
      const runs = (["jit", "interp", undefined] as const).map((core) => {
        const out: Uint8Array[] = [];
        const k = new Kernel({ stdout: (b) => out.push(b.slice()), ...(core ? { core } : {}) });
        k.spawn(elf, { argv: ["qsort"] });
        const cpu = k.tasks.threads[0]!.cpu as unknown as { jit: boolean };
        const jit = cpu.jit;
        const r = k.run();
        return { jit, exitStatus: r.exitStatus, stats: r.stats, out: Buffer.concat(out).toString("latin1") };
      });
      expect(runs.map((r) => r.jit)).toEqual([true, false, true]);
      expect(runs[1]!.exitStatus).toBe(0);
      expect({ ...runs[1]!, jit: true }).toEqual(runs[0]);
    });
  }
  it("refuses an unknown core", () => {
    expect(() => new Kernel({ core: "fast" as "jit" })).toThrow(KernelUsageError);
  });
});
