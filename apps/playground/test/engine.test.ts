import { describe, expect, it } from "vitest";
import { readElf } from "@uabi/elf";
import { DEMO_ROWS, demoReport, ARCHES } from "@uabi/cli/core";
import { splitArgs } from "../src/args.js";
import { rowCells, runElf, tour, vdsoView } from "../src/engine.js";

describe("the tour", () => {
  const t = tour();
  it("is `uabi demo`'s report: every row on both ISAs, cells as its table prints them", () => {
    expect(t.report.rows.map((r) => `${r.id} ${r.arch}`)).toEqual(ARCHES.flatMap((a) => DEMO_ROWS.map((d) => `${d.id} ${a}`)));
    const again = demoReport(ARCHES);
    expect(t.cells).toEqual(again.rows.map(rowCells));
    for (const c of t.cells) expect(t.text).toContain(`${c[0]!.padEnd(16)}  ${c[1]}`);
  });
  it("disassembles each PC of the bounced walk-through with our disassembler", () => {
    expect(t.walk.map((w) => w.text)).toEqual(t.report.bounced!.lines);
    for (const w of t.walk) {
      if (w.text.includes("kernel pushes")) expect(w.disasm).toBe("");
      else expect(w.disasm).toMatch(/^[0-9a-f]+: \S/);
    }
    expect(t.walk[0]!.disasm).toMatch(/svc\s+#0x0|syscall/);
  });
});

describe("the vDSO explorer", () => {
  it("inspects each ISA and variant: soname, version definitions, versioned symbols", () => {
    const v = vdsoView("arm64", "vdso", "linux");
    expect(v.fileName).toBe("vdso-arm64.so");
    expect(v.inspect).toMatch(/^vdso-arm64\.so: aarch64, \d+ bytes\nsoname: linux-vdso\.so\.1\n/);
    expect(v.inspect).toContain("__kernel_clock_gettime@@LINUX_2.6.39");
    expect(v.disasm).toMatch(/<__kernel_clock_gettime/);
    const lib = vdsoView("x86_64", "library", "fakeroot");
    expect(lib.fileName).toBe("libkernel-x86_64-fakeroot.so");
    expect(readElf(lib.bytes).soname).toBe("libkernel.so.1");
    expect(lib.inspect).toContain("LIBKERNEL_2");
    expect(vdsoView("x86_64", "library", "linux").bytes).not.toEqual(lib.bytes);
  });
});

describe("runs", () => {
  const sink = { stdout: () => {}, stderr: () => {}, trace: () => {} };
  it("refuses what is not a static ELF with exit status 126, as `uabi run` does", () => {
    const r = runElf({ elf: new TextEncoder().encode("#!/bin/sh\necho hi\n"), name: "script", args: [], env: [], stdin: new Uint8Array(), config: { mode: "direct" } }, sink);
    expect(r).toMatchObject({ kind: "refused", exitStatus: 126 });
    expect(r.kind === "refused" && r.message).toMatch(/^script: cannot run \(/);
  });
});

describe("the arguments field", () => {
  it("splits words, quotes and escapes as a shell would (no expansions)", () => {
    expect(splitArgs(` one  "two words" 'it''s' a\\ b "" "q\\"x" $HOME `)).toEqual(["one", "two words", "its", "a b", "", 'q"x', "$HOME"]);
    expect(() => splitArgs(`"open`)).toThrow(/unterminated/);
    expect(splitArgs("   ")).toEqual([]);
  });
});
