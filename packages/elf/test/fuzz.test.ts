import { describe, expect, it } from "vitest";
import { Bin, ElfError, readElf, type ElfFile } from "../src/index.js";
import { writeVdsoLike } from "./helpers.js";
import { fixture } from "./readelf-text.js";

/** xorshift32: a fixed seed keeps failures reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Touch every table the reader can produce; only ElfError may escape. */
function exercise(f: ElfFile): void {
  const all = [f.interpreter, f.dynamic, f.soname, f.needed, f.symbols, f.dynamicSymbols, f.verdefs, f.verneeds, f.notes, f.buildId];
  if (all.length !== 10) throw new Error("unreachable");
  for (const s of f.sections) f.sectionData(s);
  for (const name of ["foo", "bar", "__vdso_time", "clock_gettime", "main", "LINUX_2.6"]) {
    f.gnuLookup(name);
    f.sysvLookup(name);
    f.lookup(name);
    f.lookup(name, "LINUX_2.6");
  }
}

function outcome(bytes: Uint8Array): string {
  try {
    exercise(readElf(bytes));
    return "ok";
  } catch (e) {
    if (!(e instanceof ElfError)) throw new Error(`non-ElfError escaped: ${String(e)}`, { cause: e });
    return e.code;
  }
}

const INPUTS: [string, Uint8Array][] = [
  ["written vDSO", writeVdsoLike().bytes],
  ["libver.so.1", fixture("libver.so.1")],
  ["usever", fixture("usever")],
  ["start-aarch64", fixture("start-aarch64")],
  ["libver.so.1 without section headers", withoutSections(fixture("libver.so.1"))],
];

function withoutSections(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  new DataView(b.buffer).setBigUint64(40, 0n, true);
  b.fill(0, 60, 64); // e_shnum, e_shstrndx
  return b;
}

describe("malformed input only ever raises ElfError, in bounded time", () => {
  it.each(INPUTS)("%s: every truncation", (_, good) => {
    expect(outcome(good)).toBe("ok");
    const step = Math.max(1, Math.floor(good.length / 1500));
    const codes = new Set<string>();
    for (let n = 0; n < good.length; n += step) codes.add(outcome(good.subarray(0, n)));
    expect(codes.has("truncated")).toBe(true);
  });

  it.each(INPUTS)("%s: random byte flips in the headers and tables", (name, good) => {
    const next = rng(0x9e3779b9 ^ good.length);
    // Bias flips towards the first 4 KiB (headers, dynamic tables) where they matter most.
    const hot = Math.min(good.length, 4096);
    const t0 = performance.now();
    let failures = 0;
    for (let iter = 0; iter < 400; iter++) {
      const b = good.slice();
      const flips = 1 + Math.floor(next() * 4);
      for (let k = 0; k < flips; k++) {
        const at = Math.floor(next() * (next() < 0.8 ? hot : good.length));
        b[at] = Math.floor(next() * 256);
      }
      if (outcome(b) !== "ok") failures++;
    }
    expect(failures).toBeGreaterThan(0);
    expect(performance.now() - t0, name).toBeLessThan(10_000);
  });

  it("a string table without NULs costs a scan of the table, not of the whole file, per string", () => {
    const b = new Bin(new Uint8Array(8 << 20).fill(0x41)); // 8 MiB without a single NUL
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) expect(() => b.cstr(i, 4096)).toThrow(expect.objectContaining({ code: "bad-string" }));
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("a cyclic SysV hash chain raises cycle, not a hang", () => {
    const img = writeVdsoLike();
    const f = readElf(img.bytes);
    const hash = f.sectionByName(".hash")!;
    const b = img.bytes.slice();
    const dv = new DataView(b.buffer);
    const nbucket = dv.getUint32(hash.offset, true);
    const nchain = dv.getUint32(hash.offset + 4, true);
    // Point every chain entry at itself, and every bucket at symbol 1.
    for (let i = 0; i < nbucket; i++) dv.setUint32(hash.offset + 8 + 4 * i, 1, true);
    for (let i = 0; i < nchain; i++) dv.setUint32(hash.offset + 8 + 4 * nbucket + 4 * i, i, true);
    expect(() => readElf(b).sysvLookup("no-such-symbol")).toThrow(expect.objectContaining({ code: "cycle" }));
  });

  it("a GNU hash run without an end bit raises out-of-range, not an overrun", () => {
    const img = writeVdsoLike();
    const f = readElf(img.bytes);
    const gh = f.sectionByName(".gnu.hash")!;
    const b = img.bytes.slice();
    const dv = new DataView(b.buffer);
    const nb = dv.getUint32(gh.offset, true), bloom = dv.getUint32(gh.offset + 8, true);
    const chain = gh.offset + 16 + 8 * bloom + 4 * nb;
    for (let o = chain; o < gh.offset + gh.size; o += 4) dv.setUint32(o, dv.getUint32(o, true) & ~1, true);
    b.fill(0xff, gh.offset + 16, gh.offset + 16 + 8 * bloom); // let every name past the bloom filter
    expect(() => readElf(b).gnuLookup("no-such-symbol-xyz")).toThrow(expect.objectContaining({ code: "out-of-range" }));
  });
});
