/**
 * Disassembly listing of a generated image (or any vDSO-like ELF), function by function, with the
 * ISA packages' objdump-syntax disassemblers. Used by `uabi vdso inspect --disasm`.
 */
import { readElf, STT } from "@uabi/elf";
import { disassemble as a64Disassemble } from "@uabi/isa-arm64";
import { disassemble as x86Disassemble } from "@uabi/isa-x86";
import type { Arch } from "@uabi/uapi";

export interface ListingLine {
  readonly addr: number;
  readonly bytes: Uint8Array;
  /** objdump-syntax text; empty when the disassembler has no rendering for it. */
  readonly text: string;
}

export interface ListingFunction {
  readonly addr: number;
  readonly size: number;
  /** Every name at this address, as name@@VERSION / name@VERSION. */
  readonly names: readonly string[];
  readonly lines: readonly ListingLine[];
}

/** Disassemble `bytes` (code loaded at `addr`) into instructions. */
export function disassembleCode(arch: Arch, bytes: Uint8Array, addr: number): ListingLine[] {
  const out: ListingLine[] = [];
  if (arch === "arm64") {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + 4 <= bytes.length; off += 4) {
      out.push({ addr: addr + off, bytes: bytes.subarray(off, off + 4), text: a64Disassemble(dv.getUint32(off, true), addr + off) });
    }
    return out;
  }
  for (let off = 0; off < bytes.length; ) {
    let d: { length: number; text: string };
    try {
      d = x86Disassemble(bytes, off, addr + off);
    } catch {
      d = { length: 0, text: "" };
    }
    const len = d.length > 0 ? Math.min(d.length, bytes.length - off) : 1;
    out.push({ addr: addr + off, bytes: bytes.subarray(off, off + len), text: d.length > 0 ? d.text : "(bad)" });
    off += len;
  }
  return out;
}

/** The image's exported functions with their code, in address order. */
export function listFunctions(image: Uint8Array): { arch: Arch; functions: ListingFunction[] } {
  const elf = readElf(image);
  const arch: Arch = elf.machine === 183 ? "arm64" : "x86_64";
  const byAddr = new Map<number, { size: number; names: string[] }>();
  for (const s of elf.dynamicSymbols) {
    if (s.type !== STT.FUNC || s.value === 0) continue;
    const v = s.version;
    const name = v?.name ? `${s.name}${v.isDefault ? "@@" : "@"}${v.name}` : s.name;
    const e = byAddr.get(s.value) ?? { size: s.size, names: [] };
    e.size = Math.max(e.size, s.size);
    e.names.push(name);
    byAddr.set(s.value, e);
  }
  const functions: ListingFunction[] = [];
  for (const [addr, { size, names }] of [...byAddr].sort((x, y) => x[0] - y[0])) {
    const off = elf.vaddrToOffset(addr, size);
    if (off === undefined) throw new Error(`function at 0x${addr.toString(16)} lies outside every PT_LOAD`);
    functions.push({ addr, size, names: names.sort(), lines: disassembleCode(arch, image.subarray(off, off + size), addr) });
  }
  return { arch, functions };
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

/** A text listing in objdump's layout: `addr <name>:` headers, then `addr:\tbytes\ttext` lines. */
export function disassemblyListing(image: Uint8Array): string {
  const { functions } = listFunctions(image);
  const out: string[] = [];
  for (const f of functions) {
    out.push("", `${f.addr.toString(16).padStart(16, "0")} <${f.names.join(", ")}>:`);
    for (const l of f.lines) out.push(`${l.addr.toString(16).padStart(8, " ")}:\t${hex(l.bytes)}\t${l.text}`);
  }
  return out.join("\n").trimStart() + "\n";
}
