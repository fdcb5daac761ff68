import { describe, expect, it } from "vitest";
import { GuestMemory, PAGE_SIZE, PERM_EXEC, PERM_READ, PERM_WRITE, tlbSlot, tlbSlotSource, type TlbArrays } from "../src/index.js";

/** The inline probe translated code performs: the page's DataView on a hit, else undefined. */
function probe(t: TlbArrays, addr: number): DataView | undefined {
  const pn = Math.floor(addr / PAGE_SIZE);
  const s = tlbSlot(pn);
  return t.tag[s] === pn ? t.view[s] : undefined;
}

describe("GuestMemory's public TLBs", () => {
  const A = 0x10000;
  it("a hit is the page the accessors use; map, unmap and protect empty both", () => {
    const m = new GuestMemory();
    m.map(A, 2 * PAGE_SIZE, PERM_READ | PERM_WRITE);
    expect(probe(m.readTlb, A + 8)).toBeUndefined();
    m.write32(A + 8, 0x12345678);
    expect(probe(m.writeTlb, A + 8)!.getUint32(8, true)).toBe(0x12345678);
    expect(m.read32(A + 8)).toBe(0x12345678);
    probe(m.readTlb, A + 8)!.setUint32(12, 0xcafe, true);
    expect(m.read32(A + 12)).toBe(0xcafe);
    m.protect(A, PAGE_SIZE, PERM_READ);
    expect(probe(m.readTlb, A)).toBeUndefined();
    expect(probe(m.writeTlb, A)).toBeUndefined();
    m.read8(A);
    expect(probe(m.readTlb, A)).toBeDefined();
    m.unmap(A, PAGE_SIZE);
    expect(probe(m.readTlb, A)).toBeUndefined();
  });

  it("the write TLB never holds a page code was decoded from: a store there misses and invalidates", () => {
    const m = new GuestMemory();
    m.map(A, PAGE_SIZE, PERM_READ | PERM_WRITE | PERM_EXEC);
    const dropped: number[] = [];
    m.onCodeInvalidated((first) => dropped.push(first));
    m.write8(A, 1);
    expect(probe(m.writeTlb, A)).toBeDefined();
    m.markCodePage(A / PAGE_SIZE);
    expect(probe(m.writeTlb, A)).toBeUndefined();
    m.write8(A + 1, 2);
    expect(dropped).toEqual([A / PAGE_SIZE]);
    expect(probe(m.writeTlb, A)).toBeDefined();
  });

  it("the slot index: the JITs' inline source agrees with tlbSlot; 1024 consecutive pages never evict each other", () => {
    const inline = new Function("pn", `return ${tlbSlotSource("pn")};`) as (pn: number) => number;
    const vvar = 0x7ffff7ffe000 / PAGE_SIZE, stackTop = 0x7fffffffe000 / PAGE_SIZE;
    for (const pn of [0, 1, 0x400, 0x4ff, 0x10000, vvar, stackTop, 0xffff_ffff, 2 ** 41 - 1]) expect(inline(pn)).toBe(tlbSlot(pn));
    const slots = new Set(Array.from({ length: 1024 }, (_, k) => tlbSlot(0x4a5 + k)));
    expect(slots.size).toBe(1024);
  });
});
