/**
 * exec of static ELF executables (ET_EXEC and static-PIE ET_DYN) and the
 * initial stack, as fs/binfmt_elf.c load_elf_binary + create_elf_tables do:
 * PT_LOAD segments mapped from the file with their p_flags, bss zeroed to the
 * page end (padzero) and anonymous beyond, brk after the highest segment,
 * then argc/argv/envp/auxv in Linux's order with the strings at the top.
 */
import { PAGE_SIZE } from "@uabi/isa-core";
import { ExecError } from "./errors.js";
import type { ArchAdapter } from "./arch/types.js";
import type { AddressSpace, FileBacking } from "./mm.js";

export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13, EGID: 14,
  PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, RSEQ_FEATURE_SIZE: 27, RSEQ_ALIGN: 28,
  EXECFN: 31, SYSINFO_EHDR: 33, MINSIGSTKSZ: 51,
} as const;

const PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
const ET_EXEC = 2, ET_DYN = 3;

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfImage {
  type: number;
  machine: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  segments: ElfSegment[];
  interpreter?: string;
}

/** Bounds-checked parse of the ELF header and program headers (all exec needs). */
export function parseElfForExec(bytes: Uint8Array): ElfImage {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ExecError("not-elf", "not an ELF file (bad magic)");
  }
  if (bytes[4] !== 2) throw new ExecError("bad-class", "not a 64-bit ELF (EI_CLASS != ELFCLASS64)");
  if (bytes[5] !== 1) throw new ExecError("bad-class", "not a little-endian ELF");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint16(16, true);
  const machine = v.getUint16(18, true);
  const entry = Number(v.getBigUint64(24, true));
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  if (type !== ET_EXEC && type !== ET_DYN) throw new ExecError("bad-type", `ELF type ${type} is not executable (want ET_EXEC or ET_DYN)`);
  if (phentsize !== 56) throw new ExecError("truncated", `bad e_phentsize ${phentsize}`);
  if (phnum === 0 || phnum > 65536 / 56) throw new ExecError("truncated", `bad e_phnum ${phnum}`);
  if (phoff + phnum * 56 > bytes.length) throw new ExecError("truncated", "program headers run past the end of the file");
  const segments: ElfSegment[] = [];
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 56;
    const seg: ElfSegment = {
      type: v.getUint32(o, true),
      flags: v.getUint32(o + 4, true),
      offset: Number(v.getBigUint64(o + 8, true)),
      vaddr: Number(v.getBigUint64(o + 16, true)),
      filesz: Number(v.getBigUint64(o + 32, true)),
      memsz: Number(v.getBigUint64(o + 40, true)),
    };
    segments.push(seg);
    if (seg.type === PT_INTERP) {
      if (seg.offset + seg.filesz > bytes.length || seg.filesz < 2) throw new ExecError("truncated", "PT_INTERP runs past the end of the file");
      interpreter = new TextDecoder().decode(bytes.subarray(seg.offset, seg.offset + seg.filesz - 1));
    }
    if (seg.type === PT_LOAD) {
      if (seg.filesz > seg.memsz) throw new ExecError("bad-segment", `PT_LOAD ${i}: p_filesz > p_memsz`);
      if (seg.filesz > 0 && seg.offset + seg.filesz > bytes.length) throw new ExecError("truncated", `PT_LOAD ${i} runs past the end of the file`);
      if ((seg.offset - seg.vaddr) % PAGE_SIZE !== 0) throw new ExecError("bad-segment", `PT_LOAD ${i}: p_offset and p_vaddr disagree modulo the page size`);
    }
  }
  const img: ElfImage = { type, machine, entry, phoff, phentsize, phnum, segments };
  if (interpreter !== undefined) img.interpreter = interpreter;
  return img;
}

export interface LoadedImage {
  entry: number;
  phdr: number;
  phent: number;
  phnum: number;
  bias: number;
  brk: number;
}

const MACHINE_NAMES: Record<number, string> = { 3: "i386", 40: "ARM", 62: "x86-64", 183: "AArch64", 243: "RISC-V" };

/** Map the executable into `mm`. Throws ExecError for anything Linux would refuse (or we cannot run). */
export function loadElf(mm: AddressSpace, arch: ArchAdapter, bytes: Uint8Array, path: string, ino: number): LoadedImage {
  const img = parseElfForExec(bytes);
  if (img.machine !== arch.elfMachine) {
    throw new ExecError("bad-arch", `ELF machine ${MACHINE_NAMES[img.machine] ?? img.machine} cannot run on ${arch.arch}`);
  }
  if (img.interpreter !== undefined) {
    throw new ExecError("dynamic", `dynamically linked executable (interpreter ${img.interpreter}): only static executables are supported`, img.interpreter);
  }
  const loads = img.segments.filter((s) => s.type === PT_LOAD);
  if (loads.length === 0) throw new ExecError("bad-segment", "no PT_LOAD segment");
  const bias = img.type === ET_DYN ? arch.etDynBase : 0;
  const file: FileBacking = { data: bytes, path, dev: 0x1f, ino };
  let brk = 0;
  let phdr = 0;
  for (const s of loads) {
    const start = s.vaddr + bias;
    const end = start + s.memsz;
    if (!Number.isSafeInteger(end) || end > arch.taskSize || start < 0) throw new ExecError("bad-segment", `PT_LOAD at 0x${start.toString(16)} is outside the user address space`);
    const prot = (s.flags & 4 ? 1 : 0) | (s.flags & 2 ? 2 : 0) | (s.flags & 1 ? 4 : 0);
    const pStart = Math.floor(start / PAGE_SIZE) * PAGE_SIZE;
    const fileEnd = start + s.filesz;
    const filePagesEnd = Math.ceil(fileEnd / PAGE_SIZE) * PAGE_SIZE;
    const memPagesEnd = Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
    if (filePagesEnd > pStart) mm.mapFixed(pStart, filePagesEnd - pStart, prot, path, file, s.offset - (start - pStart));
    if (s.memsz > s.filesz) {
      // padzero(): the bss part of the last file page reads as zero.
      if (fileEnd < filePagesEnd) mm.mem.poke(fileEnd, new Uint8Array(filePagesEnd - fileEnd));
      const anonStart = Math.max(filePagesEnd, pStart);
      if (memPagesEnd > anonStart) mm.mapFixed(anonStart, memPagesEnd - anonStart, prot, "");
    }
    if (img.phoff >= s.offset && img.phoff < s.offset + s.filesz) phdr = img.phoff - s.offset + s.vaddr + bias;
    brk = Math.max(brk, end);
  }
  const phdrSeg = img.segments.find((s) => s.type === PT_PHDR);
  if (phdrSeg) phdr = phdrSeg.vaddr + bias;
  if (mm.mappedBytes > mm.memLimit) throw new ExecError("too-big", "the executable does not fit the memory limit");
  return { entry: img.entry + bias, phdr, phent: 56, phnum: img.phnum, bias, brk: Math.ceil(brk / PAGE_SIZE) * PAGE_SIZE };
}

/** PT_GNU_STACK presence is informational here: stacks are never executable. */
export { PT_GNU_STACK };

export interface StackSpec {
  argv: readonly string[];
  env: readonly string[];
  execfn: string;
  auxv: readonly (readonly [number, bigint | number])[];
  /** Filled into AT_RANDOM's 16 bytes. */
  random: Uint8Array;
  platform: string;
}

export interface BuiltStack {
  sp: number;
  argvAddrs: number[];
  auxvAddr: number;
  randomAddr: number;
  execfnAddr: number;
}

/**
 * Build the initial stack just below `top` (create_elf_tables). The stack VMA must already be mapped.
 * Entries in `auxv` with value -1 for AT_RANDOM / AT_EXECFN / AT_PLATFORM are filled with the addresses.
 */
export function buildInitialStack(mm: AddressSpace, top: number, spec: StackSpec): BuiltStack {
  const enc = new TextEncoder();
  let p = top - 8; // bprm->p starts one pointer below STACK_TOP
  const put = (s: string): number => {
    const b = enc.encode(s + "\0");
    p -= b.length;
    mm.mem.poke(p, b);
    return p;
  };
  const execfnAddr = put(spec.execfn);
  const envAddrs: number[] = [];
  for (let i = spec.env.length - 1; i >= 0; i--) envAddrs.unshift(put(spec.env[i]!));
  const argvAddrs: number[] = [];
  for (let i = spec.argv.length - 1; i >= 0; i--) argvAddrs.unshift(put(spec.argv[i]!));
  // arch_align_stack without randomisation: 16-byte alignment (arithmetic: addresses exceed 32 bits)
  p = Math.floor(p / 16) * 16;
  const platformAddr = put(spec.platform);
  p -= 16;
  const randomAddr = p;
  mm.mem.poke(p, spec.random.subarray(0, 16));
  const auxv = spec.auxv.map(([k, v]) => {
    if (k === AT.RANDOM) return [k, BigInt(randomAddr)] as const;
    if (k === AT.EXECFN) return [k, BigInt(execfnAddr)] as const;
    if (k === AT.PLATFORM) return [k, BigInt(platformAddr)] as const;
    return [k, BigInt(v)] as const;
  });
  const words = 1 + argvAddrs.length + 1 + envAddrs.length + 1 + (auxv.length + 1) * 2;
  let sp = p - words * 8;
  sp = Math.floor(sp / 16) * 16; // STACK_ROUND
  const buf = new DataView(new ArrayBuffer(words * 8));
  let o = 0;
  const w = (x: bigint | number) => {
    buf.setBigUint64(o, BigInt.asUintN(64, BigInt(x)), true);
    o += 8;
  };
  w(spec.argv.length);
  for (const a of argvAddrs) w(a);
  w(0);
  for (const e of envAddrs) w(e);
  w(0);
  const auxvAddr = sp + o;
  for (const [k, v] of auxv) {
    w(k);
    w(v);
  }
  w(AT.NULL);
  w(0);
  mm.mem.poke(sp, new Uint8Array(buf.buffer));
  return { sp, argvAddrs, auxvAddr, randomAddr, execfnAddr };
}
