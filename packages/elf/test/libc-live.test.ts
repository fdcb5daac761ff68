import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SHN, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, readElf } from "../src/index.js";
import { hasReadelf, parseDynsyms } from "./readelf-text.js";

// The host's glibc, compared symbol by symbol with readelf (live only: the library differs per machine; the
// fixture-based equivalents are libver.so.1 and usever in reader.test.ts).
const LIBC = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6"].find((p) => existsSync(p));

describe("the host glibc (live)", () => {
  it.skipIf(!LIBC || !hasReadelf)("every versioned dynamic symbol matches readelf --dyn-syms -V -W", () => {
    const text = spawnSync("readelf", ["--dyn-syms", "-W", LIBC!], { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: "C" } }).stdout;
    const want = parseDynsyms(text);
    const f = readElf(new Uint8Array(readFileSync(LIBC!)));
    const got = f.dynamicSymbols;
    expect(got.length).toBe(want.length);
    expect(want.length).toBeGreaterThan(1000);
    for (const w of want) {
      const s = got[w.index]!;
      expect([s.name, s.value, s.size, SYMBOL_TYPE_NAMES[s.type], SYMBOL_BINDING_NAMES[s.binding]]).toEqual([w.name, w.value, w.size, w.type, w.bind]);
      if (w.version !== undefined) expect([s.version?.name, s.version?.isDefault], w.name).toEqual([w.version, w.isDefault]);
    }
    // Multiply versioned names: each version resolves to its own definition, the bare name to the default.
    const multi = want.filter((w) => w.ndx !== "UND" && w.version && !w.isDefault);
    expect(multi.length).toBeGreaterThan(10);
    for (const w of multi) expect(f.lookup(w.name, w.version)?.value, `${w.name}@${w.version}`).toBe(w.value);
    for (const w of want.filter((x) => x.isDefault && x.ndx !== "UND")) {
      const s = f.lookup(w.name)!;
      expect(s.value, w.name).toBe(w.value);
      expect(s.shndx).not.toBe(SHN.UNDEF);
    }
  });
});
