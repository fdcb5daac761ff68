/**
 * `libkernel: "library"`: the standalone libkernel.so.1 mapped like an ordinary library (with its own
 * vvar/uts pages, kept current by the kernel) is the trusted region and provides the entry points.
 */
import { describe, expect, it } from "vitest";
import { corpusFixture, type TargetName } from "@uabi/test-support";
import { runUnder } from "./mechanism-matrix.js";
import { Kernel } from "../src/index.js";
import { readFixtureBinary } from "@uabi/test-support";

const TARGETS: readonly TargetName[] = ["aarch64-glibc", "x86_64-glibc", "x86_64-musl"];

describe("libkernel as a library", () => {
  for (const target of TARGETS) {
    for (const id of ["hello-O2", "umask-O2", "personality-O2", "signals-O2"]) {
      it.each(["bounce", "seccomp", "sud"] as const)(`${target}/${id} under %s`, (mode) => {
        const f = corpusFixture(target, id);
        const o = runUnder(f, { mode, libkernel: "library" });
        expect(o.stdout).toBe(f.expected.stdout);
        expect(o.exitStatus).toBe(f.expected.exitStatus);
      });
    }
  }

  it("re-issued calls come from the library's text, not the vDSO's", () => {
    const f = corpusFixture("x86_64-glibc", "hello-O2");
    const k = new Kernel({ mode: "bounce", libkernel: "library" });
    const pcs: number[] = [];
    k.syscallObservers.push((e) => { if (e.mark === "reissue") pcs.push(e.pc); });
    const p = k.spawn(readFixtureBinary(f), { argv: ["hello"] });
    const lib = p.mm.formatMaps().split("\n").find((l) => l.endsWith("/usr/lib/libkernel.so.1"))!;
    const [lo, hi] = lib.split(" ")[0]!.split("-").map((h) => parseInt(h, 16)) as [number, number];
    expect(k.run().exitStatus).toBe(0);
    expect(pcs.length).toBeGreaterThan(5);
    expect(pcs.every((pc) => pc >= lo && pc < hi)).toBe(true);
  });
});
