import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DT, ET, ElfError, PF, PT, SHT, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, elfHash, gnuBloomAccepts, gnuHashTable, readElf,
  writeElf,
} from "../src/index.js";
import { vdsoLikeInput, writeVdsoLike } from "./helpers.js";
import { fixture, fixtureText, hasReadelf, parseDynsyms, parsePhdrs, parseSections } from "./readelf-text.js";

const tmp = mkdtempSync(join(tmpdir(), "uabi-elf-"));
const hasGcc = spawnSync("gcc", ["--version"], { stdio: "ignore" }).status === 0;

describe("writeElf: a vDSO-shaped shared object", () => {
  const img = writeVdsoLike();
  const f = readElf(img.bytes);

  it("has the kernel vDSO's program headers: one R+X PT_LOAD from offset 0, DYNAMIC, NOTE, GNU_EH_FRAME", () => {
    expect(f.type).toBe(ET.DYN);
    expect(f.programHeaders.map((p) => [p.type, p.flags])).toEqual([
      [PT.LOAD, PF.R | PF.X], [PT.DYNAMIC, PF.R], [PT.NOTE, PF.R], [PT.GNU_EH_FRAME, PF.R],
    ]);
    const load = f.loadSegments[0]!;
    expect([load.offset, load.vaddr, load.align]).toEqual([0, 0, 4096]);
    for (const p of f.programHeaders) expect(p.offset).toBe(p.vaddr);
    for (const s of f.sections.filter((x) => x.addr !== 0)) expect(s.addr + s.size).toBeLessThanOrEqual(load.filesz);
  });

  it("lays the dynamic tables out first, in the kernel's order", () => {
    expect(f.sections.map((s) => s.name)).toEqual([
      "", ".hash", ".gnu.hash", ".dynsym", ".dynstr", ".gnu.version", ".gnu.version_d", ".dynamic",
      ".rodata", ".note", ".eh_frame", ".text", ".eh_frame_hdr", ".shstrtab",
    ]);
    expect(f.dynamic.map((d) => d.tag)).toEqual([
      DT.SONAME, DT.SYMBOLIC, DT.HASH, DT.GNU_HASH, DT.STRTAB, DT.SYMTAB, DT.STRSZ, DT.SYMENT, DT.VERDEF, DT.VERDEFNUM,
      DT.FLAGS, DT.FLAGS_1, DT.VERSYM,
    ]);
    expect(f.dynamicValue(DT.HASH)).toBe(f.sectionByName(".hash")!.addr);
    expect(f.dynamicValue(DT.SYMTAB)).toBe(f.sectionByName(".dynsym")!.addr);
  });

  it("defines versions with BASE = soname and correct vd_hash", () => {
    expect(f.soname).toBe("linux-vdso.so.1");
    expect(f.verdefs.map((d) => [d.ndx, d.isBase, d.name, d.hash])).toEqual([
      [1, true, "linux-vdso.so.1", 0x0deebfa1],
      [2, false, "LINUX_2.6", 0x03ae75f6],
    ]);
  });

  it("finds every symbol through both hash tables and reports its address", () => {
    expect(img.symbols.length).toBe(9);
    for (const s of img.symbols) {
      const g = f.gnuLookup(s.name)!;
      const v = f.sysvLookup(s.name)!;
      expect([g.index, v.index]).toEqual([s.index, s.index]);
      expect(g.value).toBe(s.address);
      expect(g.version).toMatchObject({ name: "LINUX_2.6", isDefault: true });
    }
    const text = img.sections.get(".text")!;
    expect(img.symbolAddress("__vdso_time")).toBe(text.address + 0x20);
    expect(img.symbolAddress("time", "LINUX_2.6")).toBe(text.address + 0x20);
    expect(f.lookup("__vdso_clock_gettime", "LINUX_2.6")?.value).toBe(text.address);
    expect(f.lookup("LINUX_2.6")?.shndx).toBe(0xfff1);
  });

  it("sets GNU bloom filter bits that glibc's loader checks, matching GNU ld's formula", () => {
    const gh = f.sectionByName(".gnu.hash")!;
    const t = gnuHashTable(f.bin, gh.offset, gh.size);
    expect([t.nbuckets, t.symoffset, t.bloomSize, t.bloomShift]).toEqual([3, 1, 2, 7]); // the kernel's 13-symbol x86-64 vDSO has the same (§2.4)
    for (const s of img.symbols) expect(gnuBloomAccepts(f.bin, t, s.name), s.name).toBe(true);
    const absent = Array.from({ length: 200 }, (_, i) => `absent_${i}`).filter((n) => gnuBloomAccepts(f.bin, t, n));
    expect(absent.length).toBeLessThan(100);
    const lib = readElf(fixture("libver.so.1"));
    const lgh = lib.sectionByName(".gnu.hash")!;
    const lt = gnuHashTable(lib.bin, lgh.offset, lgh.size);
    for (const s of lib.dynamicSymbols.slice(lt.symoffset)) expect(gnuBloomAccepts(lib.bin, lt, s.name), s.name).toBe(true);
  });

  it("builds a sorted .eh_frame_hdr whose entries point at the FDEs", () => {
    const hdr = f.sectionData(f.sectionByName(".eh_frame_hdr")!);
    const hdrAddr = f.sectionByName(".eh_frame_hdr")!.addr;
    const eh = f.sectionByName(".eh_frame")!;
    const dv = new DataView(hdr.buffer, hdr.byteOffset, hdr.byteLength);
    expect([...hdr.subarray(0, 4)]).toEqual([1, 0x1b, 0x03, 0x3b]);
    expect(hdrAddr + 4 + dv.getInt32(4, true)).toBe(eh.addr);
    expect(dv.getUint32(8, true)).toBe(4);
    const text = f.sectionByName(".text")!.addr;
    const pcs = [0, 1, 2, 3].map((k) => hdrAddr + dv.getInt32(12 + 8 * k, true));
    expect(pcs).toEqual([text, text + 0x10, text + 0x20, text + 0x30]);
    const fde0 = hdrAddr + dv.getInt32(16, true);
    expect(fde0).toBe(eh.addr + 24); // first FDE follows the 24-byte CIE
  });

  it("is deterministic", () => {
    expect(writeVdsoLike().bytes).toEqual(img.bytes);
  });

  it("matches the recorded readelf -a -W output (fixture)", () => {
    const text = fixtureText("written-vdso.readelf.txt");
    expect(parsePhdrs(text)).toEqual(f.programHeaders.map((p) => expect.objectContaining({ type: p.type, offset: p.offset, filesz: p.filesz })));
    expect(parseSections(text).map((s) => [s.name, s.addr, s.size])).toEqual(f.sections.slice(1).map((s) => [s.name, s.addr, s.size]));
    const syms = parseDynsyms(text);
    expect(syms.map((s) => [s.name, s.value, s.type, s.bind])).toEqual(
      f.dynamicSymbols.map((s) => [s.name, s.value, SYMBOL_TYPE_NAMES[s.type], SYMBOL_BINDING_NAMES[s.binding]]),
    );
    expect(text).not.toMatch(/warning|error/i);
  });

  it.skipIf(!hasReadelf)("readelf -a -W reads it without warnings and prints exactly the fixture (live)", () => {
    const path = join(tmp, "vdso.so");
    writeFileSync(path, img.bytes);
    const r = spawnSync("readelf", ["-a", "-W", path], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/warning/i);
    expect(r.stdout.replaceAll(path, "vdso.so")).toBe(fixtureText("written-vdso.readelf.txt"));
  });

  it.skipIf(!hasGcc)("GNU ld links a program against it, binding the versioned symbol (live)", () => {
    const so = join(tmp, "vdso.so");
    writeFileSync(so, img.bytes);
    const c = join(tmp, "use.c");
    writeFileSync(c, "int __vdso_time(long *);\nint main(void) { return __vdso_time(0); }\n");
    execFileSync("gcc", ["-o", join(tmp, "use"), c, so]);
    const out = execFileSync("readelf", ["--dyn-syms", "-W", join(tmp, "use")], { encoding: "utf8" });
    expect(out).toMatch(/__vdso_time@LINUX_2\.6/);
  });
});

describe("writeElf: variants", () => {
  it("SysV-only (arm64 style): no .gnu.hash, DT_HASH lookup works", () => {
    const img = writeElf({
      machine: "aarch64", soname: "linux-vdso.so.1", versions: ["LINUX_2.6.39"], hashStyle: "sysv",
      sections: [{ name: ".text", data: new Uint8Array([0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]), exec: true, align: 16 }],
      symbols: [
        { name: "__kernel_rt_sigreturn", section: ".text", value: 0, size: 8, version: "LINUX_2.6.39" },
        { name: "__kernel_clock_gettime", section: ".text", value: 0, size: 8, version: "LINUX_2.6.39" },
      ],
    });
    const f = readElf(img.bytes);
    expect(f.machine).toBe(183);
    expect(f.sectionByName(".gnu.hash")).toBeUndefined();
    expect(f.dynamicValue(DT.GNU_HASH)).toBeUndefined();
    expect(f.sysvLookup("__kernel_rt_sigreturn")?.value).toBe(img.sections.get(".text")!.address);
    expect(f.gnuLookup("__kernel_rt_sigreturn")).toBeUndefined();
    expect(f.programHeaders.map((p) => p.type)).toEqual([PT.LOAD, PT.DYNAMIC]);
  });

  it("hidden (non-default) versions and version parents", () => {
    const img = writeElf({
      machine: "x86_64", soname: "libkernel.so.1", versions: ["LIBKERNEL_1", { name: "LIBKERNEL_2", parent: "LIBKERNEL_1" }],
      sections: [{ name: ".text", data: new Uint8Array(32), exec: true }],
      symbols: [
        { name: "__kernel_uname", section: ".text", value: 0, size: 16, version: "LIBKERNEL_1", hidden: true },
        { name: "__kernel_uname", section: ".text", value: 16, size: 16, version: "LIBKERNEL_2" },
      ],
    });
    const f = readElf(img.bytes);
    expect(f.verdefs.map((d) => d.names)).toEqual([["libkernel.so.1"], ["LIBKERNEL_1"], ["LIBKERNEL_2", "LIBKERNEL_1"]]);
    expect(f.verdefs[2]!.hash).toBe(elfHash("LIBKERNEL_2"));
    expect(f.lookup("__kernel_uname", "LIBKERNEL_1")?.value).toBe(img.sections.get(".text")!.address);
    expect(f.lookup("__kernel_uname")?.value).toBe(img.sections.get(".text")!.address + 16);
    expect(f.lookup("__kernel_uname", "LIBKERNEL_1")?.version).toMatchObject({ hidden: true, isDefault: false });
    expect(img.symbolAddress("__kernel_uname")).toBe(img.sections.get(".text")!.address + 16);
  });

  it("a static ET_EXEC with text, data and bss gets page-separated R+X and RW segments", () => {
    const img = writeElf({
      machine: "aarch64", type: "exec", base: 0x400000, entry: 0x400000 + 0x1000, gnuStack: true,
      sections: [
        { name: ".text", data: new Uint8Array(100), exec: true, align: 4 },
        { name: ".data", data: new Uint8Array(24).fill(7), write: true, align: 8 },
        { name: ".bss", data: new Uint8Array(0), size: 4096, type: SHT.NOBITS, write: true, align: 16 },
      ],
    });
    const f = readElf(img.bytes);
    expect(f.type).toBe(ET.EXEC);
    expect(f.interpreter).toBeUndefined();
    expect(f.dynamic).toEqual([]);
    const [rx, rw] = f.loadSegments;
    expect([rx!.flags, rw!.flags]).toEqual([PF.R | PF.X, PF.R | PF.W]);
    expect(rx!.vaddr).toBe(0x400000);
    expect(rw!.offset % 4096).toBe(0);
    expect(rw!.memsz).toBeGreaterThan(rw!.filesz);
    expect(f.sectionByName(".bss")!.addr + 4096).toBe(rw!.vaddr + rw!.memsz);
    expect(f.gnuStack?.flags).toBe(PF.R | PF.W);
    expect(f.sectionData(f.sectionByName(".data")!)[0]).toBe(7);
  });

  it.skipIf(!hasReadelf)("readelf -a -W accepts the SysV-only, hidden-version and ET_EXEC variants without warnings (live)", () => {
    const variants = {
      sysv: writeElf({ ...vdsoLikeInput(), machine: "aarch64", hashStyle: "sysv" }),
      gnu: writeElf({ ...vdsoLikeInput(), hashStyle: "gnu", versions: ["LINUX_2.6", { name: "LINUX_2.7", parent: "LINUX_2.6" }],
        symbols: [...vdsoLikeInput().symbols!, { name: "newfn", section: ".text", value: 0x20, version: "LINUX_2.7" }, { name: "old", section: ".text", value: 0, version: "LINUX_2.6", hidden: true }] }),
      exec: writeElf({
        machine: "x86_64", type: "exec", base: 0x400000, entry: 0x401000, gnuStack: true,
        sections: [
          { name: ".text", data: new Uint8Array(16).fill(0x90), exec: true },
          { name: ".data", data: new Uint8Array(8), write: true, align: 8 },
          { name: ".bss", data: new Uint8Array(0), size: 64, type: SHT.NOBITS, write: true, align: 16 },
        ],
      }),
    };
    for (const [name, img] of Object.entries(variants)) {
      const path = join(tmp, `${name}.elf`);
      writeFileSync(path, img.bytes);
      const r = spawnSync("readelf", ["-a", "-W", path], { encoding: "utf8" });
      expect(r.status, name).toBe(0);
      expect(r.stderr, name).toBe("");
      expect(r.stdout, name).not.toMatch(/warning/i);
    }
  });

  it("keeps a caller-supplied .eh_frame_hdr and points PT_GNU_EH_FRAME at it", () => {
    const ready = new Uint8Array([1, 0x1b, 0x03, 0x3b, 0, 0, 0, 0, 0, 0, 0, 0]);
    const img = writeElf({ ...vdsoLikeInput(), sections: [...vdsoLikeInput().sections, { name: ".eh_frame_hdr", data: ready, align: 4 }] });
    const f = readElf(img.bytes);
    expect(f.sectionsOfType(SHT.PROGBITS).filter((s) => s.name === ".eh_frame_hdr").length).toBe(1);
    const hdr = f.sectionByName(".eh_frame_hdr")!;
    expect(f.sectionData(hdr)).toEqual(ready);
    expect(f.segmentsOfType(PT.GNU_EH_FRAME).map((p) => [p.vaddr, p.filesz])).toEqual([[hdr.addr, 12]]);
  });

  it.each([
    ["unknown section", { symbols: [{ name: "x", section: ".nope", value: 0 }] }],
    ["unknown version", { symbols: [{ name: "x", section: ".text", value: 0, version: "V9" }] }],
    ["duplicate symbol", { symbols: [{ name: "x", section: ".text", value: 0 }, { name: "x", section: ".text", value: 1 }] }],
    ["bad alignment", { sections: [{ name: ".text", data: new Uint8Array(4), align: 3 }] }],
    ["builder without size", { sections: [{ name: ".text", data: () => new Uint8Array(4) }] }],
    ["builder with wrong size", { sections: [{ name: ".text", data: () => new Uint8Array(4), size: 8 }] }],
    ["generated section name", { sections: [{ name: ".dynsym", data: new Uint8Array(4) }] }],
    ["versions without soname", { soname: undefined }],
    ["unknown machine", { machine: "mips" as never }],
    ["negative symbol value", { symbols: [{ name: "x", section: ".text", value: -1 }] }],
    ["fractional symbol size", { symbols: [{ name: "x", section: ".text", value: 0, size: 1.5 }] }],
    ["unknown symbol type", { symbols: [{ name: "x", section: ".text", value: 0, type: "tls" as never }] }],
    ["section data of the wrong kind", { sections: [{ name: ".text", data: [1, 2, 3] as never }] }],
    ["negative entry", { entry: -4 }],
    ["undefined entry symbol", { entry: "nope" }],
    ["symbols without dynamic tables", { dynamic: false, symbols: [{ name: "x", section: ".text", value: 0 }] }],
  ])("rejects %s with invalid-input", (_, over) => {
    const base = vdsoLikeInput();
    const input = { ...base, sections: [{ name: ".text", data: new Uint8Array(16), exec: true }], symbols: [], ...over };
    expect(() => writeElf(input)).toThrow(ElfError);
    try {
      writeElf(input);
    } catch (e) {
      expect((e as ElfError).code).toBe("invalid-input");
    }
  });
});
