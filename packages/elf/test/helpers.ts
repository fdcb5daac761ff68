import { writeElf, type ElfWriterInput, type Layout } from "../src/index.js";

/** A minimal x86-64 .eh_frame (one CIE, one FDE per function) whose pc-relative pointers depend on the layout. */
export function ehFrameFor(funcs: { offset: number; size: number }[], textSection = ".text"): { size: number; build: (l: Layout) => Uint8Array } {
  const cie = [
    0x14, 0, 0, 0, 0, 0, 0, 0, // length 20, CIE id 0
    1, 0x7a, 0x52, 0, // version 1, "zR"
    1, 0x78, 0x10, // code align 1, data align -8, return address register 16
    1, 0x1b, // augmentation data: FDE pointers are pcrel sdata4
    0x0c, 7, 8, 0x90, 1, 0, 0, // def_cfa rsp+8; rip at cfa-8; nops
  ];
  const fdeLen = 24;
  const size = cie.length + funcs.length * fdeLen + 4;
  const build = (l: Layout): Uint8Array => {
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    out.set(cie, 0);
    const eh = l.section(".eh_frame").address;
    const text = l.section(textSection).address;
    funcs.forEach((f, k) => {
      const o = cie.length + k * fdeLen;
      dv.setUint32(o, fdeLen - 4, true);
      dv.setUint32(o + 4, o + 4, true); // back to the CIE at 0
      dv.setInt32(o + 8, text + f.offset - (eh + o + 8), true);
      dv.setUint32(o + 12, f.size, true);
      // augmentation length 0 and nops follow (zero bytes)
    });
    return out;
  };
  return { size, build };
}

const NOTE = (() => {
  // "Linux" note type 0 with LINUX_VERSION_CODE, as the kernel's vDSO carries (readelf -a of a Linux 6.x x86-64 vDSO, arch/x86/entry/vdso/vdso-layout.lds.S).
  const b = new Uint8Array(12 + 8 + 4);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 6, true);
  dv.setUint32(4, 4, true);
  dv.setUint32(8, 0, true);
  b.set(new TextEncoder().encode("Linux\0"), 12);
  dv.setUint32(20, 0x0006122c, true);
  return b;
})();

/** An x86-64 vDSO-shaped input, close to the Observed kernel image (readelf -a of a Linux 6.x x86-64 vDSO, arch/x86/entry/vdso/vdso-layout.lds.S). */
export function vdsoLikeInput(over: Partial<ElfWriterInput> = {}): ElfWriterInput {
  const text = new Uint8Array(0x100).fill(0x90);
  text.set([0xb8, 0xe4, 0, 0, 0, 0x0f, 0x05, 0xc3], 0x00); // clock_gettime: mov $228,%eax; syscall; ret
  text.set([0xb8, 0x60, 0, 0, 0, 0x0f, 0x05, 0xc3], 0x10); // gettimeofday
  text.set([0xb8, 0xc9, 0, 0, 0, 0x0f, 0x05, 0xc3], 0x20); // time
  text.set([0xb8, 0x35, 0, 0, 0, 0x0f, 0x05, 0xc3], 0x30); // getcpu
  const funcs = [
    ["clock_gettime", 0x00], ["gettimeofday", 0x10], ["time", 0x20], ["getcpu", 0x30],
  ] as const;
  const eh = ehFrameFor(funcs.map(([, o]) => ({ offset: o, size: 8 })));
  return {
    machine: "x86_64",
    soname: "linux-vdso.so.1",
    versions: ["LINUX_2.6"],
    symbolic: true,
    bindNow: true,
    versionSymbols: true,
    sections: [
      { name: ".rodata", data: new Uint8Array(16), align: 16 },
      { name: ".note", data: NOTE, align: 4 },
      { name: ".eh_frame", data: eh.build, size: eh.size, align: 8 },
      { name: ".text", data: text, exec: true, align: 16 },
    ],
    symbols: funcs.flatMap(([n, o]) => [
      { name: `__vdso_${n}`, section: ".text", value: o, size: 8, version: "LINUX_2.6" },
      { name: n, section: ".text", value: o, size: 8, binding: "weak" as const, version: "LINUX_2.6" },
    ]),
    ...over,
  };
}

export function writeVdsoLike(over: Partial<ElfWriterInput> = {}) {
  return writeElf(vdsoLikeInput(over));
}
