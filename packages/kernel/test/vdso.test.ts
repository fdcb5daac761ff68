/** The vDSO mapping and its data pages: vvar time (exact against the virtual clock), uts, libkernel pages. */
import { describe, expect, it } from "vitest";
import { A64Assembler, x } from "@uabi/isa-arm64";
import { VVAR_PAGE, TASK_PAGE, FS_PAGE } from "@uabi/libkernel";
import { Kernel } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

function boot(opts = {}) {
  const a = new A64Assembler();
  const top = a.newLabel();
  a.bind(top).add(x(0), x(0), 1).b(top);
  const k = new Kernel({ maxInstructions: 30_000, quantum: 10_000, ...opts });
  const p = k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
  return { k, p };
}

describe("vvar and libkernel pages", () => {
  it("vvar time bases reproduce CLOCK_MONOTONIC / CLOCK_REALTIME from the counter", () => {
    const { k, p } = boot();
    k.run();
    k.updateVvar(p, p.threads[0]);
    const m = p.mm.mem;
    const v = p.vvarBase;
    expect(m.read32(v + VVAR_PAGE.seq) % 2).toBe(0);
    const cycleLast = m.read64(v + VVAR_PAGE.cycleLast);
    const at = (id: number) => {
      const o = v + VVAR_PAGE.clocks + id * VVAR_PAGE.clockSize;
      const ns = m.read64(o) * 1_000_000_000n + m.read64(o + 8);
      const mult = BigInt(m.read32(v + VVAR_PAGE.mult)), shift = BigInt(m.read32(v + VVAR_PAGE.shift));
      return ns + (((k.counter() - cycleLast) * mult) >> shift);
    };
    expect(at(1)).toBe(k.monotonicNs());
    expect(at(0)).toBe(k.realtimeNs());
    expect(k.realtimeNs() - k.monotonicNs()).toBe(Kernel.REALTIME_BASE_NS - Kernel.MONOTONIC_BASE_NS);
    expect(k.monotonicNs()).toBe(Kernel.MONOTONIC_BASE_NS + BigInt(k.stats.instructions));
  });

  it("the per-task page is the running thread's; umask written by userspace libkernel is read back", () => {
    const { k, p } = boot();
    const t = p.threads[0]!;
    expect(Number(p.mm.mem.read64(p.vvarBase + VVAR_PAGE.taskPagePtr))).toBe(0);
    k.updateVvar(p, t);
    expect(Number(p.mm.mem.read64(p.vvarBase + VVAR_PAGE.taskPagePtr))).toBe(t.taskPage);
    expect(p.mm.mem.read32(t.taskPage + TASK_PAGE.tid)).toBe(t.tid);
    expect(p.mm.mem.read32(p.fsPage + FS_PAGE.umask)).toBe(0o022);
    p.mm.mem.write32(p.fsPage + FS_PAGE.umask, 0o7077); // untrusted: the kernel keeps 0777 bits only
    k.syncFromPages(p, t);
    expect(p.fs.umask).toBe(0o077);
  });

  it("vdso: false maps only a sigreturn trampoline and no AT_SYSINFO_EHDR (qemu-user's behaviour)", () => {
    const { p } = boot({ vdso: false });
    expect(p.vdsoBase).toBe(0);
    expect(p.mm.mem.read32(p.vdsoSigreturn)).toBe(0xd2801168); // mov x8, #139
    expect(p.mm.mem.read32(p.vdsoSigreturn + 4)).toBe(0xd4000001); // svc #0
  });
});
