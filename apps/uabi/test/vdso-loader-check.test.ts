/** `uabi vdso inspect --check`'s glibc-loader diagnosis: the generated images pass; damaged ones are named. */
import { describe, expect, it } from "vitest";
import { DT, readElf } from "@uabi/elf";
import { buildVdso } from "@uabi/vdso";
import { formatLoaderCheck, glibcLoaderCheck } from "../src/vdso-report.js";

const image = (arch: "arm64" | "x86_64") => buildVdso({ arch }).bytes.slice();
const VERSION = { arm64: "LINUX_2.6.39", x86_64: "LINUX_2.6" } as const;

describe("glibc loader check", () => {
  for (const arch of ["arm64", "x86_64"] as const) {
    it(`${arch}: the generated vDSO is accepted as linux-vdso.so.1 and every wanted function resolves`, () => {
      const c = glibcLoaderCheck(image(arch));
      expect(c.problems).toEqual([]);
      expect(c.linkMapName).toBe("linux-vdso.so.1");
      expect(c.symbols.length).toBeGreaterThanOrEqual(3);
      expect(c.symbols.every((s) => s.glibc === true && s.version === VERSION[arch])).toBe(true);
    });

    it(`${arch}: a wrong vd_hash hides the functions from glibc (names still match)`, () => {
      const bytes = image(arch);
      const d = readElf(bytes).verdefs.find((v) => v.name === VERSION[arch])!;
      new DataView(bytes.buffer).setUint32(d.offset + 8, 0x1234567, true);
      const c = glibcLoaderCheck(bytes);
      expect(c.symbols.every((s) => typeof s.glibc === "string" && s.glibc.startsWith(`vd_hash of ${VERSION[arch]} is 0x1234567`))).toBe(true);
      expect(formatLoaderCheck(c)).toMatch(/lookup FAILS \(glibc\): vd_hash/);
    });

    it(`${arch}: a missing version and a bloom filter that rejects the names are each diagnosed`, () => {
      const renamed = image(arch);
      const f = readElf(renamed);
      const name = new TextEncoder().encode(`${VERSION[arch]}\0`);
      // The version's string in .dynstr, renamed (same length) so no Verdef carries the name glibc asks for.
      const at = renamed.findIndex((_, i) => name.every((c, j) => renamed[i + j] === c));
      renamed[at + name.length - 2] = 0x78; // "...2.6" -> "...2.x"
      expect(glibcLoaderCheck(renamed).symbols.map((s) => s.glibc)).toContain(`no version definition ${VERSION[arch]}`);
      const bloomless = image(arch);
      const gnu = f.dynamicValue(DT.GNU_HASH)!; // the generated image has both tables; glibc prefers GNU's
      expect(gnu).toBeGreaterThan(0);
      const v = new DataView(bloomless.buffer);
      const words = v.getUint32(gnu + 8, true);
      for (let i = 0; i < words; i++) v.setBigUint64(gnu + 16 + 8 * i, 0n, true);
      expect(glibcLoaderCheck(bloomless).symbols.every((s) => s.glibc === "the DT_GNU_HASH bloom filter rejects the name")).toBe(true);
    });
  }

  it("an image without PT_DYNAMIC is rejected, a non-ELF one is malformed; neither throws", () => {
    const bytes = image("x86_64");
    const v = new DataView(bytes.buffer);
    const phoff = Number(v.getBigUint64(32, true)), phnum = v.getUint16(56, true);
    for (let i = 0; i < phnum; i++) if (v.getUint32(phoff + 56 * i, true) === 2) v.setUint32(phoff + 56 * i, 4, true); // PT_DYNAMIC -> PT_NOTE
    expect(glibcLoaderCheck(bytes).problems).toEqual(["no PT_DYNAMIC: setup_vdso has no dynamic section to read"]);
    expect(glibcLoaderCheck(new Uint8Array(10)).problems[0]).toMatch(/^malformed: /);
  });
});
