import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { elfHash, gnuBloomAccepts, gnuHashTable, readElf, writeElf } from "@uabi/elf";
import {
  VdsoError, bytesReader, guestMemoryReader, liveProcessVdso, liveSysinfoEhdr, parseVdso, type MemoryReader,
} from "../src/index.js";
import { arm64Vdso, fixture, fixtureText, hasReadelf, parseDynsyms } from "./helpers.js";

const live = liveProcessVdso();
const BASE = 0x7fff_a000_0000;

describe("the live vDSO of this Node process", () => {
  it.skipIf(!live)("is where AT_SYSINFO_EHDR says, and resolves clock_gettime at the right version only", () => {
    const v = parseVdso(live!.reader, live!.base);
    expect(live!.base).toBe(liveSysinfoEhdr());
    expect(v.soname).toBe("linux-vdso.so.1");
    const [name, version, wrong] = process.arch === "arm64"
      ? ["__kernel_clock_gettime", "LINUX_2.6.39", "LINUX_2.6"]
      : ["__vdso_clock_gettime", "LINUX_2.6", "LINUX_2.6.39"];
    const addr = v.lookup(name, version);
    expect(addr).toBeDefined();
    expect(addr!).toBeGreaterThan(live!.base);
    expect(addr!).toBeLessThan(live!.base + live!.size);
    expect(v.lookup(name, wrong)).toBeUndefined();
    expect(v.lookup(`${name}_nope`, version)).toBeUndefined();
    // The bytes at the resolved address are the function body that symbols() reports a size for.
    const sym = v.symbols().find((s) => s.name === name)!;
    expect(sym).toMatchObject({ address: addr, version, isDefault: true, type: "FUNC" });
  });

  it.skipIf(!live || !hasReadelf)("enumerates exactly what readelf --dyn-syms -V shows for the dumped image", () => {
    const dir = mkdtempSync(join(tmpdir(), "uabi-vdso-"));
    const path = join(dir, "vdso.so");
    writeFileSync(path, live!.reader.read(live!.base, live!.size));
    const text = spawnSync("readelf", ["--dyn-syms", "-V", "-W", path], { encoding: "utf8" }).stdout;
    const v = parseVdso(live!.reader, live!.base);
    expect(v.symbols().map((s) => [s.name, s.version, s.address - (s.type === "OBJECT" ? 0 : live!.base), s.size, s.type, s.binding]))
      .toEqual(parseDynsyms(text).filter((s) => s.ndx !== "UND").map((s) => [s.name, s.version ?? s.name, s.value, s.size, s.type, s.bind]));
  });
});

describe("a recorded x86-64 kernel vDSO (fixture, Linux 6.18)", () => {
  const bytes = fixture("host-vdso-x86_64.so");
  const v = parseVdso(bytesReader(bytes, BASE), BASE);

  it("has the Observed shape (readelf -a of a Linux 6.x x86-64 vDSO, arch/x86/entry/vdso/vdso-layout.lds.S)", () => {
    expect(v.soname).toBe("linux-vdso.so.1");
    expect(v.hashStyle).toBe("gnu");
    expect(v.symbolCount).toBe(14);
    expect(v.versions).toEqual([
      { index: 1, name: "linux-vdso.so.1", hash: 0x0deebfa1, isBase: true, parents: [] },
      { index: 2, name: "LINUX_2.6", hash: 0x03ae75f6, isBase: false, parents: [] },
    ]);
  });

  it("resolves every exported function at LINUX_2.6 and nothing at another version", () => {
    const want = parseDynsyms(fixtureText("host-vdso-x86_64.so.readelf.txt")).filter((s) => s.type === "FUNC");
    expect(want.length).toBe(12);
    for (const s of want) {
      expect(v.lookup(s.name, "LINUX_2.6"), s.name).toBe(BASE + s.value);
      expect(v.lookup(s.name, "LINUX_2.6.39"), s.name).toBeUndefined();
    }
    expect(v.lookup("LINUX_2.6", "LINUX_2.6")).toBeUndefined(); // the ABS OBJECT version symbol is not a function
  });

  it("enumerates the same symbols as the recorded readelf output", () => {
    const want = parseDynsyms(fixtureText("host-vdso-x86_64.so.readelf.txt")).filter((s) => s.ndx !== "UND");
    expect(v.symbols().map((s) => [s.name, s.version, s.size, s.type, s.binding, s.isDefault])).toEqual(
      want.map((s) => [s.name, s.version ?? s.name, s.size, s.type, s.bind, true]),
    );
  });

  it("musl's __vdsosym finds the same addresses; glibc's bloom filter accepts every symbol", () => {
    const f = readElf(bytes);
    const gh = f.sectionByName(".gnu.hash")!;
    const t = gnuHashTable(f.bin, gh.offset, gh.size);
    for (const s of v.symbols().filter((x) => x.type === "FUNC")) {
      expect(v.lookupMusl(s.name, "LINUX_2.6"), s.name).toBe(s.address);
      expect(v.lookupMusl(s.name, "LINUX_2.6.39"), s.name).toBeUndefined();
      expect(gnuBloomAccepts(f.bin, t, s.name), s.name).toBe(true);
    }
  });

  it("agrees with @uabi/elf's section-based reader", () => {
    const f = readElf(bytes);
    for (const s of v.symbols().filter((x) => x.type === "FUNC")) expect(BASE + f.lookup(s.name, s.version)!.value).toBe(s.address);
  });
});

describe("parse_vdso semantics on images built with @uabi/elf", () => {
  it("SysV-only arm64 layout: resolves __kernel_* at LINUX_2.6.39", () => {
    const img = arm64Vdso();
    const v = parseVdso(bytesReader(img.bytes, BASE), BASE);
    expect(v.hashStyle).toBe("sysv");
    for (const s of img.symbols) expect(v.lookup(s.name, "LINUX_2.6.39")).toBe(BASE + s.address);
    expect(v.lookup("__kernel_clock_gettime", "LINUX_2.6")).toBeUndefined();
    const sigret = v.lookup("__kernel_rt_sigreturn", "LINUX_2.6.39")!;
    expect([...img.bytes.subarray(sigret - BASE, sigret - BASE + 8)]).toEqual([0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]);
  });

  it("hidden versions resolve by explicit version (versym masked with 0x7fff)", () => {
    const img = writeElf({
      machine: "x86_64", soname: "linux-vdso.so.1", versions: ["LIBKERNEL_1", "LIBKERNEL_2"],
      sections: [{ name: ".text", data: new Uint8Array(32), exec: true }],
      symbols: [
        { name: "__kernel_uname", section: ".text", value: 0, size: 16, version: "LIBKERNEL_1", hidden: true },
        { name: "__kernel_uname", section: ".text", value: 16, size: 16, version: "LIBKERNEL_2" },
      ],
    });
    const v = parseVdso(bytesReader(img.bytes, BASE), BASE);
    const t = BASE + img.sections.get(".text")!.address;
    expect(v.lookup("__kernel_uname", "LIBKERNEL_1")).toBe(t);
    expect(v.lookup("__kernel_uname", "LIBKERNEL_2")).toBe(t + 16);
    expect(v.symbols().map((s) => [s.version, s.isDefault])).toEqual([["LIBKERNEL_1", false], ["LIBKERNEL_2", true]]);
  });

  it("checks vd_hash as well as the name (§5.6)", () => {
    const img = arm64Vdso();
    const f = readElf(img.bytes);
    const vd = f.verdefs[1]!;
    expect(vd.hash).toBe(elfHash("LINUX_2.6.39"));
    const b = img.bytes.slice();
    new DataView(b.buffer).setUint32(vd.offset + 8, vd.hash ^ 1, true);
    expect(parseVdso(bytesReader(b, BASE), BASE).lookup("__kernel_clock_gettime", "LINUX_2.6.39")).toBeUndefined();
  });

  it("without DT_VERDEF, versions are not checked at all (§5.6)", () => {
    const img = writeElf({
      machine: "aarch64", soname: "linux-vdso.so.1", hashStyle: "sysv",
      sections: [{ name: ".text", data: new Uint8Array(8), exec: true }],
      symbols: [{ name: "__kernel_clock_gettime", section: ".text", value: 0, size: 8 }],
    });
    const v = parseVdso(bytesReader(img.bytes, BASE), BASE);
    expect(v.versions).toEqual([]);
    expect(v.lookup("__kernel_clock_gettime", "ANY_VERSION")).toBe(BASE + img.sections.get(".text")!.address);
  });

  it("only STT_FUNC symbols match", () => {
    const img = arm64Vdso({}, [{ name: "vdso_data", section: ".text", value: 0, size: 8, type: "object", version: "LINUX_2.6.39" }]);
    const v = parseVdso(bytesReader(img.bytes, BASE), BASE);
    expect(v.lookup("vdso_data", "LINUX_2.6.39")).toBeUndefined();
    expect(v.symbols().find((s) => s.name === "vdso_data")?.type).toBe("OBJECT");
  });

  it("reads through a GuestMemory-like readBytes and turns its faults into VdsoError", () => {
    const img = arm64Vdso();
    const mem = {
      readBytes(addr: number, len: number): Uint8Array {
        if (addr < BASE || addr + len > BASE + img.bytes.length) throw { addr, access: "read", reason: "unmapped" };
        return img.bytes.slice(addr - BASE, addr - BASE + len);
      },
    };
    expect(parseVdso(guestMemoryReader(mem), BASE).lookup("__kernel_gettimeofday", "LINUX_2.6.39")).toBe(BASE + img.symbolAddress("__kernel_gettimeofday")!);
    expect(() => parseVdso(guestMemoryReader(mem), BASE + 4096)).toThrow(expect.objectContaining({ code: "unreadable" }));
  });
});

describe("musl's rules differ from parse_vdso's", () => {
  it("musl needs DT_HASH: a GNU-hash-only image resolves for parse_vdso but not for musl", () => {
    const img = arm64Vdso({ hashStyle: "gnu" });
    const v = parseVdso(bytesReader(img.bytes, BASE), BASE);
    expect(v.lookup("__kernel_clock_gettime", "LINUX_2.6.39")).toBe(BASE + img.symbolAddress("__kernel_clock_gettime")!);
    expect(v.lookupMusl("__kernel_clock_gettime", "LINUX_2.6.39")).toBeUndefined();
  });

  it("musl ignores vd_hash and accepts NOTYPE/OBJECT symbols", () => {
    const img = arm64Vdso({}, [{ name: "__kernel_notype", section: ".text", value: 0, type: "notype", version: "LINUX_2.6.39" }]);
    const vd = readElf(img.bytes).verdefs[1]!;
    const b = img.bytes.slice();
    new DataView(b.buffer).setUint32(vd.offset + 8, 0x12345, true);
    const v = parseVdso(bytesReader(b, BASE), BASE);
    expect(v.lookup("__kernel_clock_gettime", "LINUX_2.6.39")).toBeUndefined();
    expect(v.lookupMusl("__kernel_clock_gettime", "LINUX_2.6.39")).toBe(BASE + img.symbolAddress("__kernel_clock_gettime")!);
    expect(v.lookupMusl("__kernel_notype", "LINUX_2.6.39")).toBe(BASE + img.sections.get(".text")!.address);
    expect(v.lookupMusl("__kernel_clock_gettime", "LINUX_2.6")).toBeUndefined();
  });
});

describe("malformed images give VdsoError, never a hang or a wild read", () => {
  const good = fixture("host-vdso-x86_64.so");
  const guarded = (bytes: Uint8Array): MemoryReader => {
    const r = bytesReader(bytes, BASE);
    return { read: (a, n) => (expect(a).toBeGreaterThanOrEqual(BASE), r.read(a, n)) };
  };
  const outcome = (bytes: Uint8Array): string => {
    try {
      const v = parseVdso(guarded(bytes), BASE);
      v.symbols();
      void v.versions;
      for (const n of ["__vdso_clock_gettime", "time", "__kernel_clock_gettime", "nope"]) {
        v.lookup(n, "LINUX_2.6");
        v.lookupMusl(n, "LINUX_2.6");
      }
      return "ok";
    } catch (e) {
      if (!(e instanceof VdsoError)) throw new Error(`non-VdsoError escaped: ${String(e)}`, { cause: e });
      return e.code;
    }
  };

  it("truncated images", () => {
    // Bytes past the first PT_LOAD's file extent are not part of the image; cutting anything before it must fail.
    const extent = readElf(good).loadSegments[0]!.filesz;
    for (let n = 0; n < good.length; n += 7) {
      const c = outcome(good.subarray(0, n));
      if (n < extent) expect(["unreadable", "truncated", "out-of-range", "bad-string", "bad-hash", "missing"]).toContain(c);
      else expect(c).toBe("ok");
    }
  });

  it("random byte flips in the header and dynamic tables", () => {
    let x = 12345;
    const next = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x / 2 ** 32);
    const codes = new Map<string, number>();
    for (let iter = 0; iter < 1500; iter++) {
      const b = good.slice();
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) b[Math.floor(next() * 0x600)] = Math.floor(next() * 256);
      const c = outcome(b);
      codes.set(c, (codes.get(c) ?? 0) + 1);
    }
    expect(codes.get("ok")).toBeGreaterThan(0);
    expect(codes.size).toBeGreaterThan(3);
  });

  it("a cyclic SysV chain raises cycle", () => {
    const img = arm64Vdso();
    const f = readElf(img.bytes);
    const h = f.sectionByName(".hash")!;
    const b = img.bytes.slice();
    const dv = new DataView(b.buffer);
    const nbucket = dv.getUint32(h.offset, true), nchain = dv.getUint32(h.offset + 4, true);
    for (let i = 0; i < nbucket; i++) dv.setUint32(h.offset + 8 + 4 * i, 1, true);
    for (let i = 0; i < nchain; i++) dv.setUint32(h.offset + 8 + 4 * nbucket + 4 * i, 1, true);
    expect(() => parseVdso(bytesReader(b, BASE), BASE).lookup("x", "LINUX_2.6.39")).toThrow(expect.objectContaining({ code: "cycle" }));
  });

  it("a dynamic pointer outside the image raises out-of-range", () => {
    const img = arm64Vdso();
    const f = readElf(img.bytes);
    const d = f.sectionByName(".dynamic")!;
    const b = img.bytes.slice();
    const dv = new DataView(b.buffer);
    for (let o = d.offset; o < d.offset + d.size; o += 16) if (dv.getUint32(o, true) === 6) dv.setUint32(o + 8, 0x100000, true); // DT_SYMTAB
    expect(() => parseVdso(bytesReader(b, BASE), BASE)).toThrow(expect.objectContaining({ code: "out-of-range" }));
  });

  it("rejects a non-ELF base and an absurd image size", () => {
    expect(() => parseVdso(bytesReader(new Uint8Array(4096), BASE), BASE)).toThrow(expect.objectContaining({ code: "bad-magic" }));
    expect(() => parseVdso(bytesReader(good, BASE), BASE, { maxSize: 1024 })).toThrow(expect.objectContaining({ code: "too-large" }));
  });
});

describe("portability", () => {
  it("src has no static node: imports, so the package loads in a browser", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const dir = join(import.meta.dirname, "..", "src");
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), "utf8"), f).not.toMatch(/^import .* from "node:/m);
  });
});
