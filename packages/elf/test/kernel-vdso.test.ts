import { describe, expect, it } from "vitest";
import { DT, PF, PT, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, gnuHashTable, readElf } from "../src/index.js";
import { writeVdsoLike } from "./helpers.js";
import { fixture, fixtureText, parseDynsyms, parsePhdrs, parseSections } from "./readelf-text.js";

// A real x86-64 vDSO (Linux 6.18.44, dumped from /proc/self/mem by vdso-parser's record script) with its
// readelf -a -W output: the reference the writer imitates (readelf -a of a Linux 6.x x86-64 vDSO, arch/x86/entry/vdso/vdso-layout.lds.S).
const NAME = "linux-6.18-vdso-x86_64.so";
const real = readElf(fixture(NAME));
const text = fixtureText(`${NAME}.readelf.txt`);

describe("the real Linux x86-64 vDSO", () => {
  it("reads as readelf does", () => {
    expect(real.programHeaders.map((p) => [p.type, p.offset, p.filesz])).toEqual(parsePhdrs(text).map((p) => [p.type, p.offset, p.filesz]));
    expect(real.sections.slice(1).map((s) => [s.name, s.addr, s.size])).toEqual(parseSections(text).map((s) => [s.name, s.addr, s.size]));
    expect(real.dynamicSymbols.map((s) => [s.name, s.value, SYMBOL_TYPE_NAMES[s.type], SYMBOL_BINDING_NAMES[s.binding]]))
      .toEqual(parseDynsyms(text).map((s) => [s.name, s.value, s.type, s.bind]));
  });

  it("has the Observed layout facts", () => {
    expect(real.programHeaders.map((p) => [p.type, p.flags])).toEqual([[PT.LOAD, PF.R | PF.X], [PT.DYNAMIC, PF.R], [PT.NOTE, PF.R], [PT.GNU_EH_FRAME, PF.R]]);
    const gh = real.sectionByName(".gnu.hash")!;
    const t = gnuHashTable(real.bin, gh.offset, gh.size);
    expect([t.nbuckets, t.symoffset, t.bloomSize, t.bloomShift]).toEqual([3, 1, 2, 7]);
    expect(real.verdefs.map((d) => [d.name, d.hash, d.isBase])).toEqual([["linux-vdso.so.1", 0x0deebfa1, true], ["LINUX_2.6", 0x03ae75f6, false]]);
    expect(real.notes[0]).toMatchObject({ name: "Linux", type: 0 });
    expect([...real.notes[0]!.desc]).toEqual([0x2c, 0x12, 0x06, 0x00]); // LINUX_VERSION_CODE 6.18.44
    expect(real.buildId).toBe(/Build ID: ([0-9a-f]+)/.exec(text)![1]);
  });

  it("our writer emits the same table order, dynamic tags and program headers", () => {
    const ours = readElf(writeVdsoLike().bytes);
    const gen = [".hash", ".gnu.hash", ".dynsym", ".dynstr", ".gnu.version", ".gnu.version_d", ".dynamic"];
    expect(ours.sections.slice(1, 8).map((s) => s.name)).toEqual(gen);
    expect(real.sections.slice(1, 8).map((s) => s.name)).toEqual(gen);
    // The distribution kernel's stray DT_RUNPATH is not part of the vDSO's ABI (§2.4).
    expect(ours.dynamic.map((d) => d.tag)).toEqual(real.dynamic.map((d) => d.tag).filter((t) => t !== DT.RUNPATH));
    expect(ours.programHeaders.map((p) => [p.type, p.flags, p.align])).toEqual(real.programHeaders.map((p) => [p.type, p.flags, p.align]));
    expect(ours.sectionByName(".hash")!.offset).toBe(real.sectionByName(".hash")!.offset); // both 0x120: the ELF header plus 4 program headers
  });
});
