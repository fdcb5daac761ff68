/** Address space: the mmap family's Linux error behaviour, /proc/self/maps format, memory limit, budget. */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, w, sp, mem as amem } from "@uabi/isa-arm64";
import { AddressSpace, Kernel } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

const TASK = 0x7ffffffff000;
const mk = (limit = 1 << 30) => new AddressSpace({ taskSize: TASK, stackTop: TASK }, limit);
const ANON = 0x22; // MAP_PRIVATE | MAP_ANONYMOUS
const FIXED = 0x10;

describe("mmap family", () => {
  it("answers Linux's errors", () => {
    const mm = mk();
    expect(mm.mmap(0, 0, 3, ANON, 0)).toBe(-22); // len 0: EINVAL
    expect(mm.mmap(0, 4096, 3, 0x20, 0)).toBe(-22); // neither SHARED nor PRIVATE
    expect(mm.mmap(0x10001, 4096, 3, ANON | FIXED, 0)).toBe(-22); // unaligned MAP_FIXED
    expect(mm.mmap(0x1000, 4096, 3, ANON | FIXED, 0)).toBe(-1); // below mmap_min_addr: EPERM
    expect(mm.mmap(0, 4096, 3, ANON, 123)).toBe(-22); // unaligned offset
    expect(mm.munmap(0x10001, 4096)).toBe(-22);
    expect(mm.mprotect(0x500000, 4096, 1)).toBe(-12); // unmapped: ENOMEM
    expect(mm.mprotect(0x500000, 4096, 0x100)).toBe(-22); // unknown prot bit
    const a = mm.mmap(0x500000, 0x3000, 3, ANON | FIXED, 0);
    expect(a).toBe(0x500000);
    expect(mm.mmap(0x501000, 0x1000, 3, ANON | 0x100000, 0)).toBe(-17); // MAP_FIXED_NOREPLACE: EEXIST
    expect(mm.mremap(0x500000, 0x1000, 0, 1, 0)).toBe(-22);
    expect(mm.mremap(0x900000, 0x1000, 0x2000, 1, 0)).toBe(-14); // not mapped: EFAULT
  });

  it("splits and merges VMAs and prints /proc/self/maps like Linux", () => {
    const mm = mk();
    mm.mmap(0x500000, 0x4000, 3, ANON | FIXED, 0);
    expect(mm.mprotect(0x501000, 0x1000, 1)).toBe(0);
    expect(mm.vmas.map((v) => [v.start, v.end, v.prot])).toEqual([[0x500000, 0x501000, 3], [0x501000, 0x502000, 1], [0x502000, 0x504000, 3]]);
    expect(mm.mprotect(0x501000, 0x1000, 3)).toBe(0);
    expect(mm.vmas.length).toBe(1); // merged back
    mm.mapFixed(0x7ffffffde000, 0x21000, 3, "[stack]");
    const maps = mm.formatMaps().split("\n");
    expect(maps[0]).toBe("00500000-00504000 rw-p 00000000 00:00 0 ");
    expect(maps[1]).toBe("7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0" + " ".repeat(26) + "[stack]");
    expect(maps[1]!.indexOf("[stack]")).toBe(73);
    mm.munmap(0x501000, 0x1000);
    expect(mm.vmas.filter((v) => v.start < 0x600000).length).toBe(2);
  });

  it("mremap grows in place, moves with MREMAP_MAYMOVE keeping contents, and refuses without it", () => {
    const mm = mk();
    mm.mmap(0x500000, 0x1000, 3, ANON | FIXED, 0);
    mm.mmap(0x502000, 0x1000, 3, ANON | FIXED, 0);
    mm.mem.write32(0x500010, 0xcafe);
    expect(mm.mremap(0x500000, 0x1000, 0x2000, 0, 0)).toBe(0x500000); // room for one more page
    expect(mm.mremap(0x500000, 0x2000, 0x4000, 0, 0)).toBe(-12); // blocked, may not move
    const moved = mm.mremap(0x500000, 0x2000, 0x4000, 1, 0);
    expect(moved).not.toBe(0x500000);
    expect(mm.mem.read32(moved + 0x10)).toBe(0xcafe);
    expect(mm.findVma(0x500000)).toBeUndefined();
  });

  it("enforces the memory limit: mmap/mremap ENOMEM, brk keeps the old break", () => {
    const mm = mk(1 << 20);
    mm.brkStart = mm.brkCur = 0x600000;
    expect(mm.mmap(0, 2 << 20, 3, ANON, 0)).toBe(-12);
    const a = mm.mmap(0, 512 << 10, 3, ANON, 0);
    expect(a).toBeGreaterThan(0);
    expect(mm.mremap(a, 512 << 10, 2 << 20, 1, 0)).toBe(-12);
    expect(mm.brk(0x600000 + (1 << 20))).toBe(0x600000);
    expect(mm.brk(0x600000 + (256 << 10))).toBe(0x600000 + (256 << 10));
    expect(mm.mappedBytes).toBe((512 + 256) << 10);
  });
});

function loopElf(body: (a: A64Assembler) => void): Uint8Array {
  const a = new A64Assembler();
  body(a);
  return makeElf({ machine: "arm64", code: a.finish() });
}

describe("kernel limits", () => {
  it("a guest mmap beyond memLimit gets ENOMEM, never a host out-of-memory", () => {
    const k = new Kernel({ memLimit: 16 << 20, maxInstructions: 1e5 });
    const results: number[] = [];
    k.syscallObservers.push((e) => e.name === "mmap" && results.push(e.result!));
    // mmap(NULL, 1 TiB, RW, PRIVATE|ANON, -1, 0), then exit_group(0)
    k.spawn(loopElf((a) => {
      a.mov(x(0), 0).mov(x(1), 1n << 40n).mov(x(2), 3).mov(x(3), 0x22).mov(x(4), -1).mov(x(5), 0).mov(x(8), 222).svc(0);
      a.mov(x(0), 0).mov(x(8), 94).svc(0);
    }));
    expect(k.run().exitStatus).toBe(0);
    expect(results).toEqual([-12]);
  });

  it("the instruction budget stops an endless loop", () => {
    const k = new Kernel({ maxInstructions: 50_000 });
    k.spawn(loopElf((a) => {
      const top = a.newLabel();
      a.bind(top).add(x(0), x(0), 1).b(top);
    }));
    const r = k.run();
    expect(r.reason).toBe("budget");
    expect(r.exitStatus).toBe(137);
    expect(r.stats.instructions).toBeGreaterThanOrEqual(50_000);
    expect(r.stats.instructions).toBeLessThan(50_100);
  });

  it("a stack overflow past RLIMIT_STACK is SIGSEGV, while ordinary growth below the stack works", () => {
    const k = new Kernel({ maxInstructions: 1e7 });
    // Touch one byte every page going down from sp: grows the stack until the 8 MiB limit, then faults.
    k.spawn(loopElf((a) => {
      const top = a.newLabel();
      a.mov(x(1), sp);
      a.bind(top).sub(x(1), x(1), 4096).strb(w(0), amem(x(1), 0)).b(top);
    }));
    const r = k.run();
    expect(r.signal).toBe(11);
    // ~2000 pages were faulted in below the initial stack VMA before the limit stopped it.
    expect(r.stats.instructions).toBeGreaterThan(3 * 1900);
  });
});
