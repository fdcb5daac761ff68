import { describe, expect, it } from "vitest";
import { GuestMemory, GuestMemoryFault, PAGE_SIZE, PERM_EXEC, PERM_READ, PERM_WRITE, tlbSlot } from "../src/index.js";

const BASE = 0x10000;
const PN = BASE / PAGE_SIZE;

/** A memory with three mapped pages (the middle one read-only), and a filler that writes 0xAB at offset 8 of page PN. */
function setup(perm = PERM_READ) {
  const m = new GuestMemory();
  m.map(BASE - PAGE_SIZE, PAGE_SIZE, PERM_READ | PERM_WRITE);
  m.map(BASE, PAGE_SIZE, perm);
  m.map(BASE + PAGE_SIZE, PAGE_SIZE, PERM_READ | PERM_WRITE);
  const runs: number[] = [];
  const fill = (page: Uint8Array) => {
    runs.push(page[8]!);
    page[8] = 0xab;
  };
  return { m, runs, fill };
}

describe("GuestMemory.fillOnAccess", () => {
  it("runs the filler once, before the first read through any accessor, and drops the page's TLB entries", () => {
    for (const read of [
      (m: GuestMemory) => m.read8(BASE + 8),
      (m: GuestMemory) => m.read32(BASE + 8) & 0xff,
      (m: GuestMemory) => Number(m.read64(BASE + 8) & 0xffn),
      (m: GuestMemory) => m.readBytes(BASE + 4, 8)[4]!,
    ]) {
      const { m, runs, fill } = setup();
      expect(m.read8(BASE + 8)).toBe(0); // the TLB now holds the page
      expect(m.readTlb.tag[tlbSlot(PN)]).toBe(PN);
      m.fillOnAccess(PN, fill);
      expect(m.readTlb.tag[tlbSlot(PN)]).not.toBe(PN);
      expect(m.fillPending(PN)).toBe(true);
      expect(read(m)).toBe(0xab);
      expect(read(m)).toBe(0xab);
      expect(runs).toEqual([0]);
      expect(m.fillPending(PN)).toBe(false);
    }
  });

  it("fills before a store lands (the store wins), and before poke, kernelPage, clone, map, unmap and protect", () => {
    const { m, runs, fill } = setup(PERM_READ | PERM_WRITE);
    m.fillOnAccess(PN, fill);
    m.write8(BASE + 8, 7);
    expect(m.read8(BASE + 8)).toBe(7);
    expect(runs).toEqual([0]);
    const ops: ((m: GuestMemory) => unknown)[] = [
      (m) => m.poke(BASE + 9, new Uint8Array([1])),
      (m) => m.kernelPage(BASE),
      (m) => m.clone(),
      (m) => m.map(BASE + 8 * PAGE_SIZE, PAGE_SIZE, PERM_READ),
      (m) => m.unmap(BASE + PAGE_SIZE, PAGE_SIZE),
      (m) => m.protect(BASE - PAGE_SIZE, PAGE_SIZE, PERM_READ),
      (m) => m.fetch8(BASE),
    ];
    for (const op of ops) {
      const s = setup(PERM_READ | PERM_WRITE | PERM_EXEC);
      s.m.fillOnAccess(PN, s.fill);
      const gen = s.m.fillGeneration;
      op(s.m);
      expect(s.runs).toEqual([0]);
      expect(s.m.fillGeneration).not.toBe(gen);
      if (op !== ops[2]) expect(s.m.kernelPage(BASE)?.[8]).toBe(0xab);
    }
    // A copy made for fork holds the filled page.
    const s = setup();
    s.m.fillOnAccess(PN, s.fill);
    expect(s.m.clone().read8(BASE + 8)).toBe(0xab);
  });

  it("accesses to other pages leave it pending; cancelFill forgets it; the generation says when any filler left", () => {
    const { m, runs, fill } = setup();
    m.fillOnAccess(PN, fill);
    const gen = m.fillGeneration;
    m.write32(BASE - PAGE_SIZE, 1);
    m.read32(BASE + PAGE_SIZE);
    expect(m.fillPending(PN)).toBe(true);
    expect(m.fillGeneration).toBe(gen);
    m.fillOnAccess(PN, fill); // replacing a pending filler counts as one leaving
    expect(m.fillGeneration).not.toBe(gen);
    m.cancelFill(PN);
    expect(m.fillPending(PN)).toBe(false);
    expect(m.read8(BASE + 8)).toBe(0);
    expect(runs).toEqual([]);
  });

  it("a faulting access still fills first (nothing is observable), and the fault is the same", () => {
    const { m, runs, fill } = setup();
    m.fillOnAccess(PN, fill);
    let fault: unknown;
    try {
      m.write8(BASE + 8, 1);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(GuestMemoryFault);
    expect(fault).toMatchObject({ addr: BASE + 8, access: "write", reason: "protection" });
    expect(runs).toEqual([0]);
    expect(m.read8(BASE + 8)).toBe(0xab);
  });
});
