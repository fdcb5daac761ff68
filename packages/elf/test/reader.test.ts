import { describe, expect, it } from "vitest";
import { EM, ET, ElfError, SHN, STB, STT, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, readElf } from "../src/index.js";
import { fixture, fixtureText, parseDynsyms, parsePhdrs, parseSections } from "./readelf-text.js";

const BINARIES = ["hello-x86_64-musl", "hello-x86_64-musl-pie", "start-aarch64", "libver.so.1", "usever"];

describe("readElf against recorded readelf output", () => {
  it.each(BINARIES)("%s: program headers match readelf -l", (name) => {
    const f = readElf(fixture(name));
    const want = parsePhdrs(fixtureText(`${name}.readelf.txt`));
    expect(want.length).toBeGreaterThan(0);
    expect(f.programHeaders.map((p) => ({
      type: p.type, offset: p.offset, vaddr: p.vaddr, filesz: p.filesz, memsz: p.memsz, align: p.align,
      flags: `${p.flags & 4 ? "R" : ""}${p.flags & 2 ? "W" : ""}${p.flags & 1 ? "E" : ""}`,
    }))).toEqual(want);
  });

  it.each(BINARIES)("%s: sections match readelf -S", (name) => {
    const f = readElf(fixture(name));
    const want = parseSections(fixtureText(`${name}.readelf.txt`));
    expect(want.length).toBeGreaterThan(3);
    expect(f.sections.slice(1).map((s) => ({ index: s.index, name: s.name, addr: s.addr, offset: s.offset, size: s.size }))).toEqual(want);
    for (const s of want) expect(f.sectionByName(s.name)?.index).toBe(s.index);
  });

  it("classifies static, static-PIE and dynamic executables the way exec needs", () => {
    const stat = readElf(fixture("hello-x86_64-musl"));
    expect([stat.type, stat.machine, stat.interpreter]).toEqual([ET.EXEC, EM.X86_64, undefined]);
    expect(stat.tlsSegment).toBeUndefined();
    expect(stat.gnuStack?.flags).toBe(6);
    const pie = readElf(fixture("hello-x86_64-musl-pie"));
    expect([pie.type, pie.interpreter]).toEqual([ET.DYN, undefined]);
    expect(pie.loadSegments[0]!.vaddr).toBe(0);
    const a64 = readElf(fixture("start-aarch64"));
    expect([a64.type, a64.machine]).toEqual([ET.EXEC, EM.AARCH64]);
    const entrySeg = a64.loadSegments.find((p) => a64.entry >= p.vaddr && a64.entry < p.vaddr + p.memsz);
    expect(entrySeg?.flags).toBe(5);
    expect(stat.phdrAddress).toBe(stat.loadSegments[0]!.vaddr + stat.header.phoff); // no PT_PHDR: via the first PT_LOAD
    expect(pie.phdrAddress).toBe(pie.segmentsOfType(6)[0]?.vaddr ?? pie.header.phoff);
    const dyn = readElf(fixture("usever"));
    expect(dyn.phdrAddress).toBe(dyn.segmentsOfType(6)[0]!.vaddr); // PT_PHDR
    expect(dyn.interpreter).toBe("/lib64/ld-linux-x86-64.so.2");
    expect(dyn.needed).toEqual(["libver.so.1", "libc.so.6"]);
  });

  it.each(["libver.so.1", "usever"])("%s: dynamic symbols and versions match readelf --dyn-syms -V", (name) => {
    const f = readElf(fixture(name));
    const want = parseDynsyms(fixtureText(`${name}.dynsyms.txt`));
    expect(f.dynamicSymbols.length).toBe(want.length);
    for (const w of want) {
      const s = f.dynamicSymbols[w.index]!;
      expect({ name: s.name, value: s.value, size: s.size, type: SYMBOL_TYPE_NAMES[s.type], bind: SYMBOL_BINDING_NAMES[s.binding] })
        .toEqual({ name: w.name, value: w.value, size: w.size, type: w.type, bind: w.bind });
      expect(s.shndx === SHN.UNDEF ? "UND" : s.shndx === SHN.ABS ? "ABS" : String(s.shndx)).toBe(w.ndx);
      // readelf omits the version of ABS version-definition symbols and of unversioned (index 1) ones.
      if (w.version !== undefined) {
        expect(s.version?.name).toBe(w.version);
        expect(s.version?.isDefault).toBe(w.isDefault);
      } else if (s.shndx !== SHN.ABS) {
        expect(s.version?.index ?? 1).toBeLessThanOrEqual(1);
      }
    }
  });

  it("reads version definitions with parents, and version needs", () => {
    const lib = readElf(fixture("libver.so.1"));
    expect(lib.soname).toBe("libver.so.1");
    expect(lib.verdefs.map((d) => [d.ndx, d.isBase, d.names])).toEqual([[1, true, ["libver.so.1"]], [2, false, ["V1"]], [3, false, ["V2", "V1"]]]);
    const exe = readElf(fixture("usever"));
    expect(exe.verneeds.map((n) => [n.file, n.aux.map((a) => [a.name, a.other])])).toEqual([
      ["libver.so.1", [["V2", 3]]],
      ["libc.so.6", [["GLIBC_2.2.5", 4], ["GLIBC_2.34", 2]]],
    ]);
    expect(exe.dynamicSymbols.find((s) => s.name === "foo")?.version).toMatchObject({ name: "V2", file: "libver.so.1", isDefault: false });
  });

  it("looks symbols up by hash and by version", () => {
    const lib = readElf(fixture("libver.so.1"));
    for (const name of ["foo", "bar", "data_obj"]) {
      expect(lib.gnuLookup(name)?.name).toBe(name);
      expect(lib.sysvLookup(name)?.name).toBe(name);
    }
    expect(lib.gnuLookup("nope")).toBeUndefined();
    expect(lib.sysvLookup("nope")).toBeUndefined();
    const v1 = lib.lookup("foo", "V1")!;
    const v2 = lib.lookup("foo", "V2")!;
    expect(v1.value).not.toBe(v2.value);
    expect(lib.lookup("foo")!.value).toBe(v2.value); // the default (@@) definition wins
    expect(lib.lookup("foo", "V3")).toBeUndefined();
    expect(lib.lookup("__cxa_finalize")).toBeUndefined(); // undefined symbols are not definitions
    expect(lib.lookup("bar")?.type).toBe(STT.FUNC);
    expect(lib.lookup("data_obj")?.binding).toBe(STB.GLOBAL);
  });

  it("reads notes (GNU build-id) and .symtab", () => {
    const a64 = readElf(fixture("start-aarch64"));
    const id = /Build ID: ([0-9a-f]+)/.exec(fixtureText("start-aarch64.notes.txt"))![1];
    expect(a64.buildId).toBe(id);
    expect(a64.symbols.find((s) => s.name === "_start")?.value).toBe(a64.entry);
    const exe = readElf(fixture("usever"));
    const notesText = fixtureText("usever.notes.txt");
    expect(exe.notes.map((n) => [n.name, n.type, n.desc.length])).toEqual(
      [...notesText.matchAll(/^\s+(\w+)\s+0x([0-9a-f]+)\s+NT_\w+/gm)].map((m) => [m[1], expect.any(Number), parseInt(m[2]!, 16)]),
    );
    expect(exe.notes.map((n) => n.type)).toEqual([5, 3, 1]); // GNU property (8-byte padded), build-id, ABI tag
    expect(exe.buildId).toBe(/Build ID: ([0-9a-f]+)/.exec(notesText)![1]);
    const musl = readElf(fixture("hello-x86_64-musl"));
    expect(musl.symbols.some((s) => s.name === "main" && s.type === STT.FUNC)).toBe(true);
  });
});

describe("readElf rejects malformed headers with typed errors", () => {
  const good = fixture("start-aarch64");
  const mutate = (f: (b: Uint8Array, v: DataView) => void): Uint8Array => {
    const b = good.slice();
    f(b, new DataView(b.buffer));
    return b;
  };
  const code = (b: Uint8Array): string => {
    try {
      const f = readElf(b);
      for (const t of [f.dynamicSymbols, f.notes, f.symbols, f.verdefs]) expect(t).toBeDefined();
      return "ok";
    } catch (e) {
      expect(e).toBeInstanceOf(ElfError);
      return (e as ElfError).code;
    }
  };
  it.each([
    ["empty", "truncated", new Uint8Array(0)],
    ["short header", "truncated", good.subarray(0, 40)],
    ["bad magic", "bad-magic", mutate((b) => (b[1] = 0x46))],
    ["ELFCLASS32", "bad-class", mutate((b) => (b[4] = 1))],
    ["big-endian", "bad-data", mutate((b) => (b[5] = 2))],
    ["bad phentsize", "bad-entsize", mutate((_, v) => v.setUint16(54, 32, true))],
    ["phoff past the end", "out-of-range", mutate((_, v) => v.setUint32(32, 0x100000, true))],
    ["shoff beyond 2^53", "too-large", mutate((_, v) => v.setUint32(44, 0xffffffff, true))],
    ["shstrndx out of range", "out-of-range", mutate((_, v) => v.setUint16(62, 500, true))],
    ["truncated file", "truncated", good.subarray(0, good.length - 100)],
  ] as const)("%s → %s", (_, want, bytes) => {
    expect(code(bytes)).toBe(want);
  });
  it("reports the offending offset", () => {
    try {
      readElf(mutate((b) => (b[4] = 1)));
      expect.unreachable();
    } catch (e) {
      expect((e as ElfError).offset).toBe(4);
    }
  });
});
