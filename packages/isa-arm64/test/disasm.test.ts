import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { corpusDir, corpusFixtures } from "@uabi/test-support";
import { describe, expect, it } from "vitest";
import { disassemble, disassembleBytes, disassembleWord } from "../src/index.js";
import { normaliseObjdump } from "./gnu-as.js";

const hasObjdump = spawnSync("aarch64-linux-gnu-objdump", ["--version"]).status === 0;
const LINE = /^\s+([0-9a-f]+):\t([0-9a-f]{8}) \t(.*)$/;

/** Compare every objdump line our decoder supports; returns counts and the first mismatches. */
function compare(text: string): { ok: number; unsupported: number; bad: string[] } {
  let ok = 0;
  let unsupported = 0;
  const bad: string[] = [];
  for (const l of text.split("\n")) {
    const m = LINE.exec(l);
    if (!m) continue;
    const addr = parseInt(m[1]!, 16);
    const got = disassembleWord(parseInt(m[2]!, 16), addr);
    if (got === undefined) {
      unsupported++;
      continue;
    }
    const want = normaliseObjdump(m[3]!);
    if (got === want) ok++;
    else if (bad.length < 20) bad.push(`${m[1]}: ${m[2]} objdump[${want}] ours[${got}]`);
  }
  return { ok, unsupported, bad };
}

describe("disassembler vs GNU objdump", () => {
  const dir = join(corpusDir(), "objdump", "aarch64-glibc");
  const files = readdirSync(dir).filter((f) => f.endsWith(".objdump.gz"));

  it("has recorded objdump fixtures to compare against (including glibc static hello)", () => {
    expect(files).toContain("hello-O2.objdump.gz");
  });

  for (const f of files) {
    it(`agrees with the recorded objdump of ${f} on every supported instruction`, () => {
      const r = compare(gunzipSync(readFileSync(join(dir, f))).toString());
      expect(r.bad).toEqual([]);
      // What we do not decode is SVE, MTE and LSE atomics (not executed on this core model).
      expect(r.unsupported / (r.ok + r.unsupported)).toBeLessThan(0.01);
      expect(r.ok).toBeGreaterThan(50);
    });
  }

  it("agrees with the recorded objdump of every distinct word in the differential programs (random encodings)", () => {
    const text = gunzipSync(readFileSync(new URL("./fixtures/differential.objdump.gz", import.meta.url))).toString();
    const r = compare(text);
    expect(r.bad).toEqual([]);
    expect(r.ok).toBeGreaterThan(3000);
  });

  it("agrees with the recorded objdump of every exhaustively enumerated scalar / fixed-point / shll encoding", () => {
    const r = compare(gunzipSync(readFileSync(new URL("./fixtures/scalardiff.objdump.gz", import.meta.url))).toString());
    expect(r.bad).toEqual([]);
    expect(r.ok).toBeGreaterThan(2400);
  });

  it.skipIf(!hasObjdump)("agrees with a live objdump over more corpus binaries (-O0 and -O2 user code)", () => {
    // A sample keeps the test fast: the libc part of every static binary is the same code.
    const ids = new Set(["strings-O2", "printf-double-O0", "int128-O0", "qsort-O2"]);
    const bins = [...new Set(corpusFixtures("aarch64-glibc").filter((f) => ids.has(f.id)).map((f) => f.binaryPath))];
    expect(bins.length).toBe(ids.size);
    let total = 0;
    for (const b of bins) {
      const r = compare(execFileSync("aarch64-linux-gnu-objdump", ["-d", b], { maxBuffer: 1 << 28 }).toString());
      expect(r.bad, b).toEqual([]);
      total += r.ok;
    }
    expect(total).toBeGreaterThan(100000);
  });

  it("agrees with recorded objdump on the saturating, long, narrowing, estimate and half-precision AdvSIMD/FP forms", () => {
    // One or two encodings per operation and operand shape, printed by aarch64-linux-gnu-objdump 2.40.
    const cases = JSON.parse(readFileSync(new URL("./fixtures/disasm-simd-objdump.json", import.meta.url), "utf8")) as [string, string][];
    expect(cases.length).toBeGreaterThan(200);
    const bad = cases.filter(([w, want]) => disassembleWord(Number.parseInt(w, 16), 0x1000) !== want).map(([w, want]) => `${w}: objdump[${want}] ours[${disassembleWord(Number.parseInt(w, 16), 0x1000)}]`);
    expect(bad).toEqual([]);
  });
  it("formats targets, unsupported words and byte ranges", () => {
    expect(disassemble(0x14000002, 0x400000)).toBe("b\t0x400008");
    expect(disassemble(0xd503201f, 0)).toBe("nop");
    expect(disassemble(0x04000000, 0)).toBe(".inst\t0x04000000");
    const lines = disassembleBytes(new Uint8Array([0x20, 0x00, 0x80, 0xd2, 0xc0, 0x03, 0x5f, 0xd6]), 0x1000);
    expect(lines.map((l) => l.text)).toEqual(["mov\tx0, #0x1", "ret"]);
    expect(lines[1]!.addr).toBe(0x1004);
  });
});

describe("PC-relative targets below address zero", () => {
  it("wrap to 64 bits as objdump prints them", async () => {
    const { disassemble } = await import("../src/index.js");
    expect(disassemble(0x17fff800, 0)).toBe("b\t0xffffffffffffe000"); // b .-0x2000 at address 0
    expect(disassemble(0x90ffffe0, 0)).toBe("adrp\tx0, 0xffffffffffffc000"); // aarch64-linux-gnu-objdump prints the same
  });
});
