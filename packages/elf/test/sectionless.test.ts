import { describe, expect, it } from "vitest";
import { readElf } from "../src/index.js";
import { writeVdsoLike } from "./helpers.js";
import { fixture } from "./readelf-text.js";

/** The same file with its section header table removed (as sstrip does, and as a memory image looks). */
function stripSections(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  dv.setBigUint64(40, 0n, true); // e_shoff
  dv.setUint16(60, 0, true); // e_shnum
  dv.setUint16(62, 0, true); // e_shstrndx
  return b;
}

const FILES: [string, Uint8Array][] = [
  ["libver.so.1 (ld, both hashes)", fixture("libver.so.1")],
  ["usever (ld, GNU hash only, verneed)", fixture("usever")],
  ["the Linux 6.18 x86-64 vDSO", fixture("linux-6.18-vdso-x86_64.so")],
  ["the writer's vDSO", writeVdsoLike().bytes],
];

describe("without section headers, the dynamic tables are found through PT_DYNAMIC", () => {
  it.each(FILES)("%s", (_, bytes) => {
    const full = readElf(bytes);
    const bare = readElf(stripSections(bytes));
    expect(bare.sections).toEqual([]);
    expect(bare.soname).toBe(full.soname);
    expect(bare.needed).toEqual(full.needed);
    expect(bare.dynamicSymbols).toEqual(full.dynamicSymbols);
    expect(bare.verdefs).toEqual(full.verdefs);
    expect(bare.verneeds).toEqual(full.verneeds);
    expect(bare.notes.map((n) => [n.name, n.type])).toEqual(full.notes.map((n) => [n.name, n.type]));
    for (const s of full.dynamicSymbols.filter((x) => x.shndx !== 0 && x.index > 0)) {
      expect(bare.gnuLookup(s.name)?.name ?? bare.sysvLookup(s.name)?.name, s.name).toBe(s.name);
      expect(bare.lookup(s.name, s.version?.name)?.value).toBe(full.lookup(s.name, s.version?.name)?.value);
    }
  });
});
