/** layoutInitialStack: create_elf_tables' layout as addresses and bytes. */
import { describe, expect, it } from "vitest";
import { AT_AUX, layoutInitialStack, type InitialStackSpec } from "../src/index.js";

const TOP = 0x7ffffffff000;
const SPEC: InitialStackSpec = {
  argv: ["./a", "xy"], env: ["K=V"], execfn: "/bin/a", platform: "x86_64",
  random: Uint8Array.from({ length: 20 }, (_, i) => i + 1),
  auxv: [[AT_AUX.PAGESZ, 4096], [AT_AUX.RANDOM, -1], [AT_AUX.EXECFN, -1], [AT_AUX.PLATFORM, -1], [AT_AUX.UID, 1000n]],
};

/** The bytes the layout writes, as one sparse map. */
function memory(writes: { addr: number; bytes: Uint8Array }[]): (a: number, n: number) => number[] {
  const m = new Map<number, number>();
  for (const w of writes) w.bytes.forEach((b, i) => {
    expect(m.has(w.addr + i)).toBe(false); // no two writes overlap
    m.set(w.addr + i, b);
  });
  return (a, n) => Array.from({ length: n }, (_, i) => m.get(a + i) ?? -1);
}
const word = (read: (a: number, n: number) => number[], a: number): bigint =>
  read(a, 8).reduceRight((v, b) => (v << 8n) | BigInt(b), 0n);

describe("layoutInitialStack", () => {
  it("puts the strings under an 8-byte end marker, aligns below them, then platform and AT_RANDOM (Linux)", () => {
    const st = layoutInitialStack(TOP, SPEC);
    const read = memory(st.writes);
    // "./a\0xy\0K=V\0/bin/a\0" = 18 bytes ending at TOP - 8
    expect(st.argvAddrs).toEqual([TOP - 8 - 18, TOP - 8 - 14]);
    expect(st.envAddrs).toEqual([TOP - 8 - 11]);
    expect(st.execfnAddr).toBe(TOP - 8 - 7);
    const aligned = Math.floor((TOP - 26) / 16) * 16;
    expect(st.platformAddr).toBe(aligned - 7);
    expect(st.randomAddr).toBe(aligned - 7 - 16);
    expect(read(st.randomAddr, 16)).toEqual([...SPEC.random.subarray(0, 16)]);
    expect(read(st.platformAddr, 7)).toEqual([...new TextEncoder().encode("x86_64\0")]);
    expect(st.sp % 16).toBe(0);
    // argc, argv, NULL, envp, NULL, then the auxv with the placeholders filled and AT_NULL appended
    const words = Array.from({ length: 6 + 12 }, (_, i) => word(read, st.sp + i * 8));
    expect(words.slice(0, 6)).toEqual([2n, BigInt(st.argvAddrs[0]!), BigInt(st.argvAddrs[1]!), 0n, BigInt(st.envAddrs[0]!), 0n]);
    const auxv: [number, bigint][] = [
      [AT_AUX.PAGESZ, 4096n], [AT_AUX.RANDOM, BigInt(st.randomAddr)], [AT_AUX.EXECFN, BigInt(st.execfnAddr)],
      [AT_AUX.PLATFORM, BigInt(st.platformAddr)], [AT_AUX.UID, 1000n], [AT_AUX.NULL, 0n],
    ];
    expect(st.auxv).toEqual(auxv);
    expect(words.slice(6)).toEqual(auxv.flatMap(([k, v]) => [BigInt(k), v]));
    expect(st.auxvAddr).toBe(st.sp + 48);
    // Nothing between the table and AT_RANDOM but alignment padding.
    expect(st.randomAddr - (st.sp + 18 * 8)).toBeLessThan(16);
  });

  it("can align AT_RANDOM instead (the test harness's layout)", () => {
    const st = layoutInitialStack(TOP, { ...SPEC, alignBelow: "random" });
    expect(st.platformAddr).toBe(TOP - 8 - 18 - 7);
    expect(st.randomAddr).toBe(Math.floor((st.platformAddr - 16) / 16) * 16);
    expect(st.randomAddr % 16).toBe(0);
    expect(layoutInitialStack(TOP, SPEC).randomAddr % 16).not.toBe(0);
  });
});
