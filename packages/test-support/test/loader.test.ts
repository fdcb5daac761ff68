import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { AT, LoaderError, buildInitialStack, corpusFixture, loadElfImage, readInitialStack, readFixtureBinary, STACK_TOP } from "../src/index.js";
import { tinyElf } from "./helpers.js";

describe("loadElfImage", () => {
  it("maps PT_LOAD segments with their permissions, file bytes and a zeroed bss", () => {
    const { bytes, text, data } = tinyElf();
    const mem = new GuestMemory();
    const img = loadElfImage(mem, bytes);
    expect(img).toMatchObject({ arch: "arm64", entry: 0x400200, phdr: 0x400040, phent: 56, phnum: 3, bias: 0, brk: 0x404000 });
    expect(mem.findRegion(0x400000)?.perm).toBe(PERM_READ | PERM_EXEC);
    expect(mem.findRegion(0x401000)?.perm).toBe(PERM_READ | PERM_WRITE);
    expect(mem.readBytes(0x400200, text.length)).toEqual(text);
    expect(mem.readBytes(0x401000, data.length)).toEqual(data);
    expect(mem.readBytes(0x401000 + data.length, 64)).toEqual(new Uint8Array(64));
    expect(mem.read8(0x403fff)).toBe(0);
    expect(mem.isMapped(0x404000, 1)).toBe(false);
    // AT_PHDR points at an in-memory copy of the program headers.
    expect(mem.readBytes(img.phdr, 3 * 56)).toEqual(bytes.subarray(64, 64 + 3 * 56));
  });

  it("rejects what it cannot run with typed errors", () => {
    const mem = new GuestMemory();
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(LoaderError);
        return (e as LoaderError).code;
      }
      return undefined;
    };
    expect(codeOf(() => loadElfImage(mem, new TextEncoder().encode("#!/bin/sh\n")))).toBe("not-elf");
    expect(codeOf(() => loadElfImage(mem, tinyElf().bytes.subarray(0, 100)))).toBe("not-elf");
    expect(codeOf(() => loadElfImage(mem, tinyElf({ machine: 40 }).bytes))).toBe("wrong-machine");
    expect(codeOf(() => loadElfImage(mem, tinyElf().bytes, "x86_64"))).toBe("wrong-machine");
    expect(codeOf(() => loadElfImage(mem, tinyElf({ interp: true }).bytes))).toBe("not-static");
    expect(codeOf(() => loadElfImage(mem, tinyElf({ type: 1 }).bytes))).toBe("not-elf");
  });

  it("places a static-PIE (ET_DYN) image at its bias", () => {
    const mem = new GuestMemory();
    const img = loadElfImage(mem, tinyElf({ type: 3, machine: 62 }).bytes);
    expect(img.arch).toBe("x86_64");
    expect(img.bias).toBe(0x555555554000);
    expect(img.entry).toBe(0x555555554000 + 0x400200);
    expect(mem.isMapped(img.bias + 0x400000, 0x4000)).toBe(true);
  });

  for (const [target, arch] of [["aarch64-glibc", "arm64"], ["x86_64-glibc", "x86_64"], ["x86_64-musl", "x86_64"]] as const) {
    it(`loads the real ${target} hello-O2 like binfmt_elf`, () => {
      const f = corpusFixture(target, "hello-O2");
      const bytes = readFixtureBinary(f);
      const mem = new GuestMemory();
      const img = loadElfImage(mem, bytes);
      expect(img.arch).toBe(arch);
      const dv = new DataView(bytes.buffer, bytes.byteOffset);
      expect(img.entry).toBe(Number(dv.getBigUint64(24, true)));
      const phoff = Number(dv.getBigUint64(32, true));
      expect(mem.readBytes(img.phdr, img.phnum * 56)).toEqual(bytes.subarray(phoff, phoff + img.phnum * 56));
      // The instruction bytes at the entry point are the file's.
      const textPh = [...Array(img.phnum).keys()].map((i) => phoff + i * 56).find((o) => dv.getUint32(o, true) === 1 && dv.getUint32(o + 4, true) & 1)!;
      const off = Number(dv.getBigUint64(textPh + 8, true));
      const vaddr = Number(dv.getBigUint64(textPh + 16, true));
      expect(mem.readBytes(img.entry, 64)).toEqual(bytes.subarray(img.entry - vaddr + off, img.entry - vaddr + off + 64));
      expect(mem.findRegion(img.entry)!.perm & PERM_EXEC).toBe(PERM_EXEC);
      expect(img.brk % 4096).toBe(0);
    });
  }
});

describe("buildInitialStack", () => {
  const setup = (argv: string[], env: Record<string, string> | string[] = {}) => {
    const mem = new GuestMemory();
    const img = loadElfImage(mem, tinyElf().bytes);
    const st = buildInitialStack(mem, img, { argv, env });
    return { mem, img, st };
  };

  it("lays out argc, argv, envp and auxv the way _start expects, 16-byte aligned", () => {
    const { mem, img, st } = setup(["./prog", "one", "two words", ""], { LANG: "C", UABI_VAR: "x=y" });
    expect(st.sp % 16).toBe(0);
    expect(st.top).toBe(STACK_TOP.arm64);
    const d = readInitialStack(mem, st.sp);
    expect(d.argc).toBe(4);
    expect(d.argv).toEqual(["./prog", "one", "two words", ""]);
    expect(d.env).toEqual(["LANG=C", "UABI_VAR=x=y"]);
    const aux = new Map(d.auxv);
    expect(d.auxv.at(-1)).toEqual([AT.NULL, 0]);
    expect(aux.get(AT.PHDR)).toBe(img.phdr);
    expect(aux.get(AT.PHENT)).toBe(56);
    expect(aux.get(AT.PHNUM)).toBe(3);
    expect(aux.get(AT.PAGESZ)).toBe(4096);
    expect(aux.get(AT.ENTRY)).toBe(img.entry);
    expect(aux.get(AT.HWCAP)).toBe(0);
    expect(aux.get(AT.CLKTCK)).toBe(100);
    expect(aux.get(AT.SECURE)).toBe(0);
    expect(aux.get(AT.UID)).toBe(1000);
    expect(aux.has(AT.SYSINFO_EHDR)).toBe(false);
    const str = (a: number) => new TextDecoder().decode(mem.readCString(a)!);
    expect(str(aux.get(AT.EXECFN)!)).toBe("./prog");
    expect(str(aux.get(AT.PLATFORM)!)).toBe("aarch64");
    const rnd = aux.get(AT.RANDOM)!;
    expect(rnd % 16).toBe(0);
    expect(mem.readBytes(rnd, 16)).toHaveLength(16);
    // Strings ascend from argv[0] and end 8 bytes below the top (binfmt_elf's end marker).
    expect(st.argvAddrs[0]! < st.argvAddrs[1]!).toBe(true);
    expect(st.envAddrs[0]! > st.argvAddrs[3]!).toBe(true);
    expect(mem.read64(st.top - 8)).toBe(0n);
    expect(aux.get(AT.EXECFN)! + "./prog".length + 1).toBe(st.top - 8);
  });

  it("uses x86-64's platform string and stack top, and honours execfn/uid/random", () => {
    const mem = new GuestMemory();
    const img = loadElfImage(mem, tinyElf({ machine: 62 }).bytes);
    const random = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);
    const st = buildInitialStack(mem, img, { argv: ["a"], execfn: "/bin/a", uid: 0, gid: 5, random });
    expect(st.top).toBe(STACK_TOP.x86_64);
    const aux = new Map(readInitialStack(mem, st.sp).auxv);
    expect(new TextDecoder().decode(mem.readCString(aux.get(AT.PLATFORM)!)!)).toBe("x86_64");
    expect(new TextDecoder().decode(mem.readCString(aux.get(AT.EXECFN)!)!)).toBe("/bin/a");
    expect(aux.get(AT.UID)).toBe(0);
    expect(aux.get(AT.EGID)).toBe(5);
    expect(mem.readBytes(aux.get(AT.RANDOM)!, 16)).toEqual(random);
  });

  it("fails with a typed error when argv does not fit the stack", () => {
    const mem = new GuestMemory();
    const img = loadElfImage(mem, tinyElf().bytes);
    expect(() => buildInitialStack(mem, img, { argv: ["x".repeat(70_000)], size: 65536 })).toThrow(LoaderError);
  });

  it("matches the file it was given, not a cached one", () => {
    // Guard against the loader reading anything but its argument: load two different corpus binaries.
    const a = readFileSync(corpusFixture("x86_64-musl", "hello-O0").binaryPath);
    const b = readFileSync(corpusFixture("x86_64-musl", "exit42-O0").binaryPath);
    const ma = new GuestMemory();
    const mb = new GuestMemory();
    const ia = loadElfImage(ma, new Uint8Array(a));
    const ib = loadElfImage(mb, new Uint8Array(b));
    expect(ia.entry === ib.entry && ma.readBytes(ia.entry, 256).join() === mb.readBytes(ib.entry, 256).join() && a.equals(b)).toBe(false);
  });
});
