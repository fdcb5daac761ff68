/**
 * Builds tiny static ELF executables for tests: a read+exec segment holding the code right after
 * the headers (entry = first code byte) and a read+write zero-filled data segment.
 */
export const TEXT_BASE = 0x400000;
export const CODE_ADDR = TEXT_BASE + 64 + 2 * 56;
export const DATA_BASE = 0x600000;

export interface ElfSpec {
  machine: "arm64" | "x86_64";
  code: Uint8Array;
  dataSize?: number;
  /** Extra PT_INTERP (to test the "dynamic" refusal). */
  interp?: string;
  type?: 2 | 3;
}

export function makeElf(s: ElfSpec): Uint8Array {
  const phnum = 2 + (s.interp ? 1 : 0);
  const interpBytes = s.interp ? new TextEncoder().encode(s.interp + "\0") : new Uint8Array(0);
  const codeOff = 64 + 2 * 56 + (s.interp ? 56 : 0);
  const interpOff = codeOff + s.code.length;
  const size = interpOff + interpBytes.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  v.setUint16(16, s.type ?? 2, true);
  v.setUint16(18, s.machine === "arm64" ? 183 : 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(TEXT_BASE + codeOff), true);
  v.setBigUint64(32, 64n, true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, phnum, true);
  const ph = (i: number, type: number, flags: number, off: number, vaddr: number, filesz: number, memsz: number) => {
    const o = 64 + i * 56;
    v.setUint32(o, type, true);
    v.setUint32(o + 4, flags, true);
    v.setBigUint64(o + 8, BigInt(off), true);
    v.setBigUint64(o + 16, BigInt(vaddr), true);
    v.setBigUint64(o + 24, BigInt(vaddr), true);
    v.setBigUint64(o + 32, BigInt(filesz), true);
    v.setBigUint64(o + 40, BigInt(memsz), true);
    v.setBigUint64(o + 48, 0x1000n, true);
  };
  ph(0, 1, 5, 0, TEXT_BASE, interpOff, interpOff);
  ph(1, 1, 6, 0, DATA_BASE, 0, s.dataSize ?? 0x1000);
  if (s.interp) ph(2, 3, 4, interpOff, TEXT_BASE + interpOff, interpBytes.length, interpBytes.length);
  b.set(s.code, codeOff);
  b.set(interpBytes, interpOff);
  return b;
}
