/**
 * fillSeccompDataAt (the entry path's filler: addresses as Numbers) writes the same 80 bytes as fillSeccompData
 * (the BigInt form) for the same call: any number, arch, address, arguments (missing ones zero) and vDSO bounds.
 */
import { describe, expect, it } from "vitest";
import { fillSeccompData, fillSeccompDataAt, newSeccompDataBuffer } from "../src/seccomp/index.js";

const bytes = (dv: DataView) => Array.from(new Uint8Array(dv.buffer));

describe("fillSeccompDataAt", () => {
  it("matches fillSeccompData", () => {
    let seed = 12345;
    const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const addr = () => [0, 2 ** 53 - 1, 0xffff_ffff, 2 ** 32, -4096, Math.floor(r() * 2 ** 48)][Math.floor(r() * 6)]!;
    const arg = () => [0n, 1n, (1n << 64n) - 1n, -1n, BigInt(Math.floor(r() * 2 ** 32)) << 20n][Math.floor(r() * 5)]!;
    for (let i = 0; i < 500; i++) {
      const nr = Math.floor(r() * 600) - 100, arch = [0xc000003e, 0xc00000b7, 0][i % 3]!;
      const ip = addr(), lo = addr(), hi = addr();
      const args = Array.from({ length: Math.floor(r() * 7) }, arg);
      const a = fillSeccompData(newSeccompDataBuffer(), { nr, arch, instructionPointer: BigInt(ip), args }, { start: BigInt(lo), end: BigInt(hi) });
      const b = fillSeccompDataAt(newSeccompDataBuffer(), nr, arch, ip, args, lo, hi);
      expect(bytes(b), `case ${i}`).toEqual(bytes(a));
    }
  });
});
