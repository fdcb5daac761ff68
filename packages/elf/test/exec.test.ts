/** The shared exec loader: what it asks the memory for, and its typed refusals. */
import { describe, expect, it } from "vitest";
import { EM, ET, ExecLoadError, PF, PT, loadExecutable, parseElfForExec, type LoadTarget, type LoadOptions } from "../src/index.js";

interface Ph { type: number; flags: number; offset: number; vaddr: number; filesz: number; memsz: number; align?: number }

/** ELF header + program headers at 64, padded to `size` bytes of a recognisable pattern. */
function image(phs: Ph[], o: { type?: number; machine?: number; entry?: number; size?: number } = {}): Uint8Array {
  const b = Uint8Array.from({ length: o.size ?? 0x3000 }, (_, i) => (i * 13 + 5) & 0xff);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  v.setUint16(16, o.type ?? ET.EXEC, true);
  v.setUint16(18, o.machine ?? EM.AARCH64, true);
  v.setBigUint64(24, BigInt(o.entry ?? 0x400100), true);
  v.setBigUint64(32, 64n, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, phs.length, true);
  phs.forEach((p, i) => {
    const a = 64 + i * 56;
    v.setUint32(a, p.type, true);
    v.setUint32(a + 4, p.flags, true);
    v.setBigUint64(a + 8, BigInt(p.offset), true);
    v.setBigUint64(a + 16, BigInt(p.vaddr), true);
    v.setBigUint64(a + 32, BigInt(p.filesz), true);
    v.setBigUint64(a + 40, BigInt(p.memsz), true);
    v.setBigUint64(a + 48, BigInt(p.align ?? 0), true);
  });
  return b;
}

const TEXT: Ph = { type: PT.LOAD, flags: PF.R | PF.X, offset: 0, vaddr: 0x400000, filesz: 0x1234, memsz: 0x1234 };
// Data starts mid-page and its bss runs two pages past the file bytes.
const DATA: Ph = { type: PT.LOAD, flags: PF.R | PF.W, offset: 0x2100, vaddr: 0x412100, filesz: 0x80, memsz: 0x2000 };
const OPTS: LoadOptions = { dynBase: { [EM.AARCH64]: 0xaaaa0000 }, cpu: "arm64", lowest: 0x1000, highest: 2 ** 47, pageSize: 0x1000 };

function record(): { calls: string[]; target: LoadTarget } {
  const calls: string[] = [];
  const hex = (n: number) => n.toString(16);
  const target: LoadTarget = {
    mapFile: (m) => calls.push(`file ${hex(m.start)}+${hex(m.length)} f${m.flags} @${hex(m.offset)} data ${hex(m.vaddr)}+${hex(m.data.length)} ${m.data[0]}`),
    mapAnon: (s, l, f) => calls.push(`anon ${hex(s)}+${hex(l)} f${f}`),
    zero: (a, l) => calls.push(`zero ${hex(a)}+${hex(l)}`),
  };
  return { calls, target };
}

const kindOf = (f: () => unknown): string => {
  try {
    f();
    return "ok";
  } catch (e) {
    if (!(e instanceof ExecLoadError)) throw e;
    return e.kind;
  }
};

describe("loadExecutable", () => {
  it("maps file pages, zeroes the last file page's bss tail, then maps anonymous bss pages", () => {
    const bytes = image([TEXT, DATA]);
    const { calls, target } = record();
    const img = loadExecutable(bytes, target, OPTS);
    expect(calls).toEqual([
      `file 400000+2000 f5 @0 data 400000+1234 ${bytes[0]}`,
      `file 412000+1000 f6 @2000 data 412100+80 ${bytes[0x2100]}`,
      "zero 412180+e80",
      "anon 413000+2000 f6",
    ]);
    expect(img).toEqual({
      machine: EM.AARCH64, entry: 0x400100, phdr: 0x400040, phent: 56, phnum: 2, bias: 0, brk: 0x415000,
      segments: [{ start: 0x400000, end: 0x402000, flags: 5 }, { start: 0x412000, end: 0x415000, flags: 6 }],
    });
  });

  it("places ET_DYN at the machine's base and prefers PT_PHDR for AT_PHDR", () => {
    const phdr: Ph = { type: PT.PHDR, flags: PF.R, offset: 64, vaddr: 0x400040 + 0x10, filesz: 0, memsz: 0 };
    const img = loadExecutable(image([phdr, TEXT], { type: ET.DYN }), record().target, OPTS);
    expect([img.bias, img.entry, img.phdr]).toEqual([0xaaaa0000, 0xaaaa0000 + 0x400100, 0xaaaa0000 + 0x400050]);
  });

  it("refuses with typed errors, in Linux's order", () => {
    const t = record().target;
    const good = image([TEXT, DATA]);
    const bad = (f: (b: Uint8Array, v: DataView) => void) => {
      const b = good.slice();
      f(b, new DataView(b.buffer));
      return b;
    };
    expect(kindOf(() => loadExecutable(good, t, OPTS))).toBe("ok");
    expect(kindOf(() => loadExecutable(new TextEncoder().encode("#!/bin/sh\n"), t, OPTS))).toBe("not-elf");
    expect(kindOf(() => loadExecutable(bad((b) => (b[4] = 1)), t, OPTS))).toBe("bad-class");
    expect(kindOf(() => loadExecutable(bad((b) => (b[5] = 2)), t, OPTS))).toBe("bad-class");
    expect(kindOf(() => loadExecutable(bad((_, v) => v.setUint16(16, ET.REL, true)), t, OPTS))).toBe("bad-type");
    expect(kindOf(() => loadExecutable(bad((_, v) => v.setUint16(54, 32, true)), t, OPTS))).toBe("truncated");
    expect(kindOf(() => loadExecutable(good.subarray(0, 100), t, OPTS))).toBe("truncated");
    expect(kindOf(() => loadExecutable(image([TEXT], { machine: EM.X86_64 }), t, OPTS))).toBe("bad-arch");
    expect(() => loadExecutable(image([TEXT], { machine: EM.RISCV }), t, OPTS)).toThrow("ELF machine RISC-V cannot run on arm64");
    expect(kindOf(() => loadExecutable(image([{ ...DATA, filesz: 0x3000 }]), t, OPTS))).toBe("bad-segment");
    expect(kindOf(() => loadExecutable(image([{ ...DATA, offset: 0x2101 }]), t, OPTS))).toBe("bad-segment");
    expect(kindOf(() => loadExecutable(image([{ ...DATA, offset: 0x2f00, vaddr: 0x412f00, filesz: 0x200 }]), t, OPTS))).toBe("truncated");
    expect(kindOf(() => loadExecutable(image([{ ...TEXT, vaddr: 0 }]), t, OPTS))).toBe("bad-segment");
    expect(kindOf(() => loadExecutable(image([{ ...TEXT, vaddr: 2 ** 47 - 0x1000 }]), t, OPTS))).toBe("bad-segment");
    expect(kindOf(() => loadExecutable(image([{ ...TEXT, type: PT.NOTE }]), t, OPTS))).toBe("bad-segment");
    expect(kindOf(() => loadExecutable(image([TEXT, { type: PT.INTERP, flags: 4, offset: 0x2000, vaddr: 0, filesz: 1, memsz: 1 }]), t, OPTS))).toBe("bad-interp");
    // BAD_ADDR(e_entry): at TASK_SIZE, past 2^53 (a double cannot hold it exactly) and near 2^64 are all EINVAL's kind.
    for (const entry of [2 ** 47, 2 ** 53 + 2, 2 ** 64 - 2 ** 12]) expect(kindOf(() => loadExecutable(image([TEXT], { entry }), t, OPTS))).toBe("bad-entry");
    expect(loadExecutable(image([TEXT], { entry: 2 ** 47 - 1 }), t, OPTS).entry).toBe(2 ** 47 - 1);
  });

  it("names the interpreter of a dynamically linked executable", () => {
    const bytes = image([TEXT, { type: PT.INTERP, flags: 4, offset: 0x2000, vaddr: 0, filesz: 7, memsz: 7 }]);
    bytes.set(new TextEncoder().encode("/ld.so\0"), 0x2000);
    const e = (() => {
      try {
        loadExecutable(bytes, record().target, OPTS);
      } catch (x) {
        return x as ExecLoadError;
      }
      throw new Error("loaded");
    })();
    expect([e.kind, e.interpreter]).toEqual(["dynamic", "/ld.so"]);
    expect(parseElfForExec(bytes, 0x1000).interpreter).toBe("/ld.so");
  });

  it("with interpreter: allow, maps a PIE at ELF_ET_DYN_BASE aligned down to its largest p_align and returns PT_INTERP", () => {
    const pie = (align: number) => {
      const b = image([
        { ...TEXT, vaddr: 0, align },
        { ...DATA, vaddr: 0x12100, align },
        { type: PT.INTERP, flags: 4, offset: 0x2800, vaddr: 0, filesz: 7, memsz: 7 },
      ], { type: ET.DYN, entry: 0x100 });
      b.set(new TextEncoder().encode("/ld.so\0"), 0x2800);
      return b;
    };
    const base = 0xaaaaaaaaa000; // arm64's ELF_ET_DYN_BASE
    const opts: LoadOptions = { ...OPTS, dynBase: { [EM.AARCH64]: base }, highest: 2 ** 48, interpreter: "allow" };
    const small = loadExecutable(pie(0x1000), record().target, opts);
    expect([small.bias, small.entry, small.interpreter]).toEqual([base, base + 0x100, "/ld.so"]);
    // 64 KiB-aligned segments (arm64's default max-page-size): 0xaaaaaaaa0000, as Linux places them.
    expect(loadExecutable(pie(0x10000), record().target, opts).bias).toBe(0xaaaaaaaa0000);
    // A non-power-of-two p_align is ignored (maximum_alignment).
    expect(loadExecutable(pie(0x3000), record().target, opts).bias).toBe(base);
  });

  it("placeDyn chooses where an ET_DYN interpreter goes, given its page-aligned span; no room is a typed error", () => {
    const ld = image([{ ...TEXT, vaddr: 0 }, { ...DATA, vaddr: 0x12100 }], { type: ET.DYN, entry: 0x40 });
    const spans: number[] = [];
    const img = loadExecutable(ld, record().target, { ...OPTS, placeDyn: (span) => (spans.push(span), 0x7fff0000) });
    expect([spans, img.bias, img.entry]).toEqual([[0x15000], 0x7fff0000, 0x7fff0040]);
    expect(kindOf(() => loadExecutable(ld, record().target, { ...OPTS, placeDyn: () => -12 }))).toBe("bad-segment");
  });
});
