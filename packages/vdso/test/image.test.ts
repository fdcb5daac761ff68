/**
 * The generated images: binutils oracles (recorded fixtures, plus a live re-check where binutils
 * are installed), the vdso-parser (parse_vdso and musl lookup rules), determinism, entry points.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { bytesReader, parseVdso } from "@uabi/vdso-parser";
import { syscalls } from "@uabi/uapi";
import { VdsoBuildError, buildVdso, disassembleCode, type VdsoImage } from "../src/index.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const has = (tool: string): boolean => spawnSync(tool, ["--version"], { encoding: "utf8" }).status === 0;
const HAS_READELF = has("readelf");
const HAS_OBJDUMP = { arm64: has("aarch64-linux-gnu-objdump"), x86_64: has("objdump") };
const RERECORD = "re-record with: node_modules/.bin/tsx --conditions=@uabi/source packages/vdso/scripts/record-oracles.ts";

const ARCHES = ["arm64", "x86_64"] as const;
const VARIANTS = ["vdso", "library"] as const;
const built = new Map<string, VdsoImage>();
const image = (arch: (typeof ARCHES)[number], variant: (typeof VARIANTS)[number]): VdsoImage => {
  const k = `${arch}-${variant}`;
  if (!built.has(k)) built.set(k, buildVdso({ arch, variant }));
  return built.get(k)!;
};
const fixture = (name: string): Buffer => readFileSync(join(FIX, name));

/** objdump -d lines → address → {bytes, text}, with symbol annotations and comments dropped. */
function parseObjdump(text: string): Map<number, { len: number; text: string }> {
  const out = new Map<number, { len: number; text: string }>();
  let last: { addr: number; len: number; text: string } | undefined;
  for (const line of text.split("\n")) {
    const m = /^\s+([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$/.exec(line);
    if (!m) continue;
    const addr = parseInt(m[1]!, 16);
    const len = m[2]!.replace(/\s+/g, "").length / 2; // bytes (arm64 prints whole words)
    if (m[3] === undefined && last) {
      // objdump wraps long x86 encodings onto a continuation line without text.
      last.len += len;
      continue;
    }
    last = { addr, len, text: m[3] ?? "" };
    out.set(addr, last);
  }
  return out;
}
const norm = (s: string): string =>
  s
    // isa-arm64 renders a negative PC-relative target as "0x-2000" where objdump wraps it to 64
    // bits (ffffffffffffe000): the vvar page lies below the image. Reported to the ISA owner.
    .replace(/0x-([0-9a-f]+)/g, (_, h: string) => `0x${(2n ** 64n - BigInt(`0x${h}`)).toString(16)}`)
    .replace(/\s*(\/\/|#(?!0x|-?\d)).*$/, "").replace(/<[^>]*>/g, "").replace(/0x([0-9a-f]+)/g, "$1").replace(/\s+/g, " ").trim();

for (const arch of ARCHES) {
  for (const variant of VARIANTS) {
    const name = `${arch}-${variant}`;
    describe(`${name} image`, () => {
      it("is deterministic and identical to the recorded oracle input", () => {
        const a = image(arch, variant);
        const b = buildVdso({ arch, variant });
        expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
        expect(Buffer.from(a.bytes).equals(fixture(`${name}.so`)), `generator output changed; ${RERECORD}`).toBe(true);
      });

      it("passed readelf -a -W without warnings (recorded), with the expected shape", () => {
        const r = fixture(`${name}.readelf.txt`).toString("utf8");
        expect(r).not.toMatch(/warning|error/i);
        expect(r).toContain(`Library soname: [${variant === "vdso" ? "linux-vdso.so.1" : "libkernel.so.1"}]`);
        for (const t of ["(HASH)", "(GNU_HASH)", "(VERDEF)", "(VERSYM)", "SYMBOLIC BIND_NOW"]) expect(r).toContain(t);
        for (const t of ["LOAD", "DYNAMIC", "NOTE", "GNU_EH_FRAME"]) expect(r).toMatch(new RegExp(`^\\s+${t}\\s`, "m"));
        expect(r).toMatch(/Name: LIBKERNEL_2\s/);
        expect(r).toMatch(/Parent 1: LIBKERNEL_1/);
        if (variant === "vdso") expect(r).toContain(arch === "arm64" ? "Name: LINUX_2.6.39" : "Name: LINUX_2.6");
        else expect(r).not.toContain("Name: LINUX_2.6");
        expect(r).toContain("__kernel_uname@@LIBKERNEL_2");
        expect(r).toContain("__kernel_uname@LIBKERNEL_1");
      });

      it.skipIf(!HAS_READELF)("readelf -a -W on the current build: no warnings, same output as recorded", () => {
        const dir = mkdtempSync(join(tmpdir(), "vdso-"));
        const file = join(dir, `${name}.so`);
        writeFileSync(file, image(arch, variant).bytes);
        const r = spawnSync("readelf", ["-a", "-W", file], { encoding: "utf8", maxBuffer: 64 << 20 });
        expect(r.stderr).toBe("");
        expect(r.stdout.replaceAll(file, `${name}.so`)).toBe(fixture(`${name}.readelf.txt`).toString("utf8"));
      });

      it("decodes under objdump -d as intended (recorded): every function starts on an instruction, no bad encodings", () => {
        const img = image(arch, variant);
        const lines = parseObjdump(fixture(`${name}.objdump.txt`).toString("utf8"));
        expect(lines.size).toBeGreaterThan(500);
        for (const l of lines.values()) expect(l.text, `at ${l.text}`).not.toMatch(/\(bad\)|^\.inst|^udf|\.byte/);
        for (const s of img.symbols) expect(lines.has(s.address), `${s.name} @ 0x${s.address.toString(16)}`).toBe(true);
        // The instruction stream objdump sees covers the text exactly, without overlaps or gaps.
        const sorted = [...lines].sort((x, y) => x[0] - y[0]);
        for (let k = 1; k < sorted.length; k++) expect(sorted[k]![0]).toBe(sorted[k - 1]![0] + sorted[k - 1]![1].len);
        expect(sorted[0]![0]).toBe(img.textStart);
        expect(sorted.at(-1)![0] + sorted.at(-1)![1].len).toBe(img.textEnd);
      });

      it("our disassembler agrees with objdump on every instruction it renders (recorded listing)", () => {
        const img = image(arch, variant);
        const lines = parseObjdump(fixture(`${name}.objdump.txt`).toString("utf8"));
        const ours = disassembleCode(arch, img.bytes.subarray(img.textStart, img.textEnd), img.textStart);
        let compared = 0;
        for (const l of ours) {
          if (l.text === "(bad)" || l.text.startsWith(".inst")) continue; // not rendered by the ISA package (yet)
          const o = lines.get(l.addr);
          expect(o, `objdump has no instruction at 0x${l.addr.toString(16)}`).toBeDefined();
          expect(norm(l.text), `0x${l.addr.toString(16)}`).toBe(norm(o!.text));
          compared++;
        }
        expect(compared).toBe(ours.length);
      });

      it.skipIf(!HAS_OBJDUMP[arch])("objdump -d on the current build matches the recorded listing", () => {
        const dir = mkdtempSync(join(tmpdir(), "vdso-"));
        const file = join(dir, `${name}.so`);
        writeFileSync(file, image(arch, variant).bytes);
        const r = spawnSync(arch === "arm64" ? "aarch64-linux-gnu-objdump" : "objdump", ["-d", file], { encoding: "utf8", maxBuffer: 64 << 20 });
        expect(r.stderr).toBe("");
        expect(r.stdout.replaceAll(file, `${name}.so`)).toBe(fixture(`${name}.objdump.txt`).toString("utf8"));
      });

      it("vdso-parser resolves every export with its version and rejects wrong versions", () => {
        const img = image(arch, variant);
        const v = parseVdso(bytesReader(img.bytes, 0), 0);
        expect(v.soname).toBe(img.soname);
        for (const s of img.symbols) {
          expect(v.lookup(s.name, s.version!), `${s.name}@${s.version}`).toBe(s.address);
        }
        expect(v.lookup("__kernel_getpid", "LIBKERNEL_9")).toBeUndefined();
        expect(v.lookup("__kernel_getpid", "LIBKERNEL_2")).toBeUndefined();
        expect(v.lookup("__kernel_no_such_call", "LIBKERNEL_1")).toBeUndefined();
        const u1 = v.lookup("__kernel_uname", "LIBKERNEL_1");
        const u2 = v.lookup("__kernel_uname", "LIBKERNEL_2");
        expect(u1).toBeDefined();
        expect(u2).toBeDefined();
        expect(u1).not.toBe(u2);
        if (variant === "vdso") {
          const [ver, names] = arch === "arm64"
            ? ["LINUX_2.6.39", ["__kernel_rt_sigreturn", "__kernel_clock_gettime", "__kernel_gettimeofday", "__kernel_clock_getres"]]
            : ["LINUX_2.6", ["__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres", "clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres"]];
          for (const n of names) {
            expect(v.lookup(n, ver), n).toBeDefined();
            expect(v.lookupMusl(n, ver), `musl ${n}`).toBe(v.lookup(n, ver));
            expect(v.lookup(n, arch === "arm64" ? "LINUX_2.6" : "LINUX_2.6.39")).toBeUndefined();
          }
          if (arch === "x86_64") {
            const weak = v.symbols().filter((s) => s.binding === "WEAK").map((s) => s.name).sort();
            expect(weak).toEqual(["clock_getres", "clock_gettime", "getcpu", "gettimeofday", "time"]);
          }
        } else {
          expect(v.lookup(arch === "arm64" ? "__kernel_clock_gettime" : "__vdso_clock_gettime", arch === "arm64" ? "LINUX_2.6.39" : "LINUX_2.6")).toBeUndefined();
        }
      });

      it("exports __kernel_<name> for every syscall of the ISA's table", () => {
        const img = image(arch, variant);
        const names = new Set(img.symbols.filter((s) => s.version?.startsWith("LIBKERNEL")).map((s) => s.name));
        for (const s of syscalls(arch)) expect(names.has(`__kernel_${s.name}`), s.name).toBe(true);
        for (const s of syscalls(arch)) {
          const e = img.syscallEntries.get(s.nr)!;
          expect(e >= img.textStart && e < img.textEnd).toBe(true);
        }
      });

      it("dispatch table: every handled number points at its handler, every other number passes through", () => {
        for (const personalities of [[], ["fakeroot"]] as const) {
          const img = personalities.length ? buildVdso({ arch, variant, personalities: [...personalities] }) : image(arch, variant);
          const dv = new DataView(img.bytes.buffer, img.bytes.byteOffset);
          const t = img.dispatchTable;
          expect(t.length).toBe(Math.max(...syscalls(arch).map((x) => x.nr)) + 1);
          for (let nr = 0; nr < t.length; nr++) {
            const rel = dv.getInt32(t.offset + 4 * nr, true);
            if (img.policy.handled.has(nr)) expect(t.offset + rel, `nr ${nr}`).toBe(img.syscallEntries.get(nr));
            else expect(rel, `nr ${nr}`).toBe(0);
          }
        }
      });

      it("lists every syscall instruction of the text as a pinnable site", () => {
        const img = image(arch, variant);
        const dv = new DataView(img.bytes.buffer, img.bytes.byteOffset);
        for (const site of img.syscallSites) {
          expect(site.pc > img.textStart && site.pc <= img.textEnd).toBe(true);
          if (arch === "arm64") expect(dv.getUint32(site.pc - 4, true)).toBe(0xd4000001);
          else expect([img.bytes[site.pc - 2], img.bytes[site.pc - 1]]).toEqual([0x0f, 0x05]);
        }
        // Every pass-through stub issues exactly its own number; the glue re-issues "any" in two places.
        for (const e of img.policy.entries) {
          if (e.handler || e.name === "rt_sigreturn") continue;
          const at = img.syscallEntries.get(e.nr)!;
          const mine = img.syscallSites.filter((x) => x.pc > at && x.pc <= at + 16);
          expect(mine.map((x) => x.nr), e.name).toEqual([e.nr]);
        }
        expect(img.syscallSites.filter((x) => x.nr === "any")).toHaveLength(2);
        // And no other svc/syscall encodings hide in the text (objdump's view, recorded).
        const lines = parseObjdump(fixture(`${name}.objdump.txt`).toString("utf8"));
        const svcs = [...lines].filter(([, l]) => /^(svc|syscall)\b/.test(l.text)).map(([a, l]) => a + l.len).sort((x, y) => x - y);
        expect(svcs).toEqual(img.syscallSites.map((x) => x.pc).sort((x, y) => x - y));
      });

      it("places the entry points inside .text and the data pages right below the image", () => {
        const img = image(arch, variant);
        for (const e of Object.values(img.entries)) expect(e >= img.textStart && e < img.textEnd).toBe(true);
        expect(img.pages).toEqual({ vvar: -8192, uts: -4096, count: 2 });
        expect(img.mapSize % 4096).toBe(0);
        const dv = new DataView(img.bytes.buffer, img.bytes.byteOffset);
        if (arch === "arm64") {
          // arch/arm64/kernel/vdso/sigreturn.S: nop, then exactly mov x8, #139; svc #0.
          expect(dv.getUint32(img.entries.sigreturn - 4, true)).toBe(0xd503201f);
          expect(dv.getUint32(img.entries.sigreturn, true)).toBe(0xd2801168);
          expect(dv.getUint32(img.entries.sigreturn + 4, true)).toBe(0xd4000001);
        } else {
          expect([...img.bytes.subarray(img.entries.sigreturn, img.entries.sigreturn + 9)]).toEqual([0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05]);
        }
      });
    });
  }
}

describe("buildVdso input checking", () => {
  it("rejects an unknown arch, variant or personality with an error", () => {
    expect(() => buildVdso({ arch: "riscv64" as "arm64" })).toThrow(VdsoBuildError);
    expect(() => buildVdso({ arch: "toString" as "arm64" })).toThrow(VdsoBuildError);
    expect(() => buildVdso({ arch: "arm64", variant: "static" as "vdso" })).toThrow(/variant/);
    expect(() => buildVdso({ arch: "arm64", personalities: ["nope" as "fakeroot"] })).toThrow(VdsoBuildError);
  });
  it("textPad moves every function (another build's layout) and keeps the ABI", () => {
    for (const arch of ["arm64", "x86_64"] as const) {
      const a = buildVdso({ arch });
      const b = buildVdso({ arch, textPad: 256 });
      expect(b.entries.bounce - a.entries.bounce).toBe(256);
      expect(b.symbols.map((s) => `${s.name}@${s.version}`)).toEqual(a.symbols.map((s) => `${s.name}@${s.version}`));
      const v = parseVdso(bytesReader(b.bytes, 0), 0);
      for (const s of b.symbols) expect(v.lookup(s.name, s.version!)).toBe(s.address);
    }
    expect(() => buildVdso({ arch: "arm64", textPad: 7 })).toThrow(VdsoBuildError);
  });

  it("a personality changes the dispatch table but not the export list", () => {
    const base = buildVdso({ arch: "x86_64" });
    const fr = buildVdso({ arch: "x86_64", personalities: ["fakeroot"] });
    expect(fr.symbols.map((s) => `${s.name}@${s.version}`)).toEqual(base.symbols.map((s) => `${s.name}@${s.version}`));
    expect(Buffer.from(fr.bytes).equals(Buffer.from(base.bytes))).toBe(false);
  });
});
