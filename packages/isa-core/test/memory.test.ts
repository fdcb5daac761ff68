import { describe, expect, it } from "vitest";
import { GuestMemory, GuestMemoryFault, PERM_EXEC, PERM_READ, PERM_WRITE } from "../src/index.js";

const RW = PERM_READ | PERM_WRITE;

describe("GuestMemory", () => {
  it("reads back little-endian values of every width, including across a page boundary", () => {
    const m = new GuestMemory();
    m.map(0x10000, 0x2000, RW);
    m.write64(0x10ffc, 0x1122334455667788n);
    expect(m.read64(0x10ffc)).toBe(0x1122334455667788n);
    expect(m.read32(0x10ffc)).toBe(0x55667788);
    expect(m.read16(0x11000)).toBe(0x3344);
    expect(m.read8(0x11003)).toBe(0x11);
    m.write32(0x10000, 0xdeadbeef);
    expect(m.read32(0x10000)).toBe(0xdeadbeef);
    expect(m.read8(0x10000)).toBe(0xef);
  });

  it("faults with address, access kind and reason instead of throwing a host error", () => {
    const m = new GuestMemory();
    m.map(0x1000, 0x1000, PERM_READ);
    expect(() => m.read8(0x5000)).toThrow(GuestMemoryFault);
    try {
      m.write8(0x1004, 1);
    } catch (e) {
      expect(e).toBeInstanceOf(GuestMemoryFault);
      expect(e).toMatchObject({ addr: 0x1004, access: "write", reason: "protection" });
    }
    expect(() => m.fetch32(0x1000)).toThrow(GuestMemoryFault);
    const f = m.tryReadBytes(0x1ffe, 4);
    expect(f).toBeInstanceOf(GuestMemoryFault);
    expect((f as GuestMemoryFault).addr).toBe(0x2000);
  });

  it("leaves memory unchanged when a multi-page write faults part way", () => {
    const m = new GuestMemory();
    m.map(0x1000, 0x1000, RW);
    m.map(0x2000, 0x1000, PERM_READ);
    const fault = m.tryWriteBytes(0x1ff0, new Uint8Array(32).fill(7));
    expect(fault).toMatchObject({ addr: 0x2000, reason: "protection" });
    expect(m.read8(0x1ff0)).toBe(0);
  });

  it("splits and merges regions on protect and unmap", () => {
    const m = new GuestMemory();
    m.map(0x10000, 0x4000, RW);
    m.write32(0x11000, 42);
    expect(m.protect(0x11000, 0x1000, PERM_READ)).toBe(true);
    expect(m.listRegions().map((r) => r.perm)).toEqual([RW, PERM_READ, RW]);
    expect(() => m.write32(0x11000, 1)).toThrow(GuestMemoryFault);
    expect(m.read32(0x11000)).toBe(42);
    m.protect(0x11000, 0x1000, RW);
    expect(m.listRegions()).toHaveLength(1);
    m.unmap(0x11000, 0x1000);
    expect(m.isMapped(0x10000, 0x4000)).toBe(false);
    expect(m.protect(0x10000, 0x4000, PERM_READ)).toBe(false);
    m.map(0x11000, 0x1000, RW);
    expect(m.read32(0x11000)).toBe(0);
  });

  it("tells decoders when a cached code page is written, unmapped or reprotected", () => {
    const m = new GuestMemory();
    m.map(0x400000, 0x1000, RW | PERM_EXEC);
    const seen: number[] = [];
    m.onCodeInvalidated((first) => seen.push(first));
    expect(m.fetch32(0x400000)).toBe(0);
    m.markCodePage(0x400);
    m.write32(0x400010, 0xd503201f);
    expect(seen).toEqual([0x400]);
    m.write32(0x400014, 1); // not re-marked: no second notification
    expect(seen).toEqual([0x400]);
    m.markCodePage(0x400);
    m.protect(0x400000, 0x1000, PERM_READ | PERM_EXEC);
    expect(seen).toEqual([0x400, 0x400]);
  });

  it("allocates page storage lazily, so a huge mapping costs nothing until touched", () => {
    const m = new GuestMemory();
    m.map(0x7f0000000000, 1 << 30, RW);
    expect(m.residentBytes).toBe(0);
    m.write8(0x7f0000000000 + 12345678, 1);
    expect(m.residentBytes).toBe(4096);
  });

  it("clones an address space for fork", () => {
    const m = new GuestMemory();
    m.map(0x1000, 0x1000, RW);
    m.write32(0x1000, 5);
    const c = m.clone();
    c.write32(0x1000, 6);
    expect(m.read32(0x1000)).toBe(5);
    expect(c.read32(0x1000)).toBe(6);
  });
});
