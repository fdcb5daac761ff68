/**
 * Loading a static executable (ET_EXEC, or a static-PIE ET_DYN) the way Linux's fs/binfmt_elf.c
 * load_elf_binary() does, against any memory model: PT_LOAD segments mapped from the file with their
 * p_flags, the bss tail of the last file page zeroed (padzero), anonymous pages beyond, brk after the
 * highest segment, AT_PHDR from PT_PHDR or the PT_LOAD that covers e_phoff. The memory is reached only
 * through a {@link LoadTarget}, so a bare page store and a VMA-keeping address space share this code.
 */
import { EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EM_NAMES, ET, PHDR_SIZE, PT } from "./constants.js";

/**
 * Why an image cannot be executed. `bad-interp`: a PT_INTERP too short or past the end of the file; `bad-entry`:
 * e_entry (bias applied) is not a user address (load_elf_binary's BAD_ADDR, execve's EINVAL).
 */
export type ExecLoadErrorKind = "not-elf" | "bad-class" | "bad-type" | "bad-arch" | "truncated" | "bad-segment" | "bad-interp" | "dynamic" | "bad-entry";

/** A typed refusal to load an image (never a host crash). */
export class ExecLoadError extends Error {
  override readonly name = "ExecLoadError";
  constructor(
    readonly kind: ExecLoadErrorKind,
    message: string,
    /** The PT_INTERP path when kind is "dynamic". */
    readonly interpreter?: string,
  ) {
    super(message);
  }
}

/** One program header, as exec needs it. */
export interface ExecSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** p_align (a power of two, or 0/1 for none). */
  align: number;
}

/** The ELF header fields and program headers exec needs. */
export interface ExecHeaders {
  type: number;
  machine: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  segments: ExecSegment[];
  interpreter?: string;
}

/**
 * Bounds-checked parse of the ELF header and program headers, checking what load_elf_binary() checks
 * before it maps anything. `pageSize` is the congruence modulus for p_offset and p_vaddr.
 */
export function parseElfForExec(bytes: Uint8Array, pageSize: number): ExecHeaders {
  if (bytes.length < EHDR_SIZE || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ExecLoadError("not-elf", "not an ELF file (bad magic)");
  }
  if (bytes[4] !== ELFCLASS64) throw new ExecLoadError("bad-class", "not a 64-bit ELF (EI_CLASS != ELFCLASS64)");
  if (bytes[5] !== ELFDATA2LSB) throw new ExecLoadError("bad-class", "not a little-endian ELF");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint16(16, true);
  const machine = v.getUint16(18, true);
  const entry = Number(v.getBigUint64(24, true));
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  if (type !== ET.EXEC && type !== ET.DYN) throw new ExecLoadError("bad-type", `ELF type ${type} is not executable (want ET_EXEC or ET_DYN)`);
  if (phentsize !== PHDR_SIZE) throw new ExecLoadError("truncated", `bad e_phentsize ${phentsize}`);
  // binfmt_elf refuses program header tables over 64 KiB.
  if (phnum === 0 || phnum > 65536 / PHDR_SIZE) throw new ExecLoadError("truncated", `bad e_phnum ${phnum}`);
  if (phoff + phnum * PHDR_SIZE > bytes.length) throw new ExecLoadError("truncated", "program headers run past the end of the file");
  const segments: ExecSegment[] = [];
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    const seg: ExecSegment = {
      type: v.getUint32(o, true),
      flags: v.getUint32(o + 4, true),
      offset: Number(v.getBigUint64(o + 8, true)),
      vaddr: Number(v.getBigUint64(o + 16, true)),
      filesz: Number(v.getBigUint64(o + 32, true)),
      memsz: Number(v.getBigUint64(o + 40, true)),
      align: Number(v.getBigUint64(o + 48, true)),
    };
    segments.push(seg);
    if (seg.type === PT.INTERP) {
      if (seg.offset + seg.filesz > bytes.length || seg.filesz < 2) throw new ExecLoadError("bad-interp", "PT_INTERP runs past the end of the file");
      interpreter = new TextDecoder().decode(bytes.subarray(seg.offset, seg.offset + seg.filesz - 1));
    }
    if (seg.type === PT.LOAD) {
      if (seg.filesz > seg.memsz) throw new ExecLoadError("bad-segment", `PT_LOAD ${i}: p_filesz > p_memsz`);
      if (seg.filesz > 0 && seg.offset + seg.filesz > bytes.length) throw new ExecLoadError("truncated", `PT_LOAD ${i} runs past the end of the file`);
      if ((seg.offset - seg.vaddr) % pageSize !== 0) throw new ExecLoadError("bad-segment", `PT_LOAD ${i}: p_offset and p_vaddr disagree modulo the page size`);
    }
  }
  const img: ExecHeaders = { type, machine, entry, phoff, phentsize, phnum, segments };
  if (interpreter !== undefined) img.interpreter = interpreter;
  return img;
}

/** A file-backed part of a segment: pages [start, start + length), p_flags `flags`. */
export interface FileMapping {
  start: number;
  length: number;
  flags: number;
  /** File offset of `start` (page-aligned when the file is mapped like Linux maps it). */
  offset: number;
  /** The segment's file bytes (p_filesz of them) and where they belong: for memories without file backing. */
  vaddr: number;
  data: Uint8Array;
}

/**
 * The memory a segment is loaded into. A VMA-keeping address space maps the file; a bare page store
 * maps the pages and copies `data` to `vaddr`. Calls come per PT_LOAD in this order: mapFile (when the
 * segment has file pages), zero (the bss tail of the last file page), mapAnon (the bss pages beyond).
 */
export interface LoadTarget {
  mapFile(m: FileMapping): void;
  mapAnon(start: number, length: number, flags: number): void;
  zero(addr: number, length: number): void;
}

export interface LoadOptions {
  /** The e_machine values this CPU runs, each with where its ET_DYN images go (ELF_ET_DYN_BASE). */
  dynBase: Readonly<Record<number, number>>;
  /**
   * What to do with a PT_INTERP: "refuse" (default) throws kind "dynamic"; "allow" maps the program and returns
   * the interpreter's path for the caller to load (an ET_DYN program then goes at ELF_ET_DYN_BASE aligned down
   * to its largest p_align, as load_elf_binary places programs that have an interpreter).
   */
  interpreter?: "refuse" | "allow";
  /**
   * Where an ET_DYN image goes when the caller chooses (load_elf_interp: the first mapping without MAP_FIXED,
   * so top-down below mmap_base): given the page-aligned span of its PT_LOADs, the address of the lowest
   * page, or a negative number when there is no room. Overrides `dynBase` for ET_DYN images.
   */
  placeDyn?: (span: number) => number;
  /** The CPU's name, for the "cannot run on" message. */
  cpu: string;
  /** Segments must lie inside [lowest, highest) (the user address space). */
  lowest: number;
  highest: number;
  pageSize: number;
}

export interface LoadedExecutable {
  machine: number;
  /** Entry point, bias applied. */
  entry: number;
  /** Address of the program headers in memory (AT_PHDR). */
  phdr: number;
  phent: number;
  phnum: number;
  /** Added to every p_vaddr (0 for ET_EXEC). */
  bias: number;
  /** First byte after the highest segment, page-aligned: the initial program break. */
  brk: number;
  /** Each PT_LOAD's pages [start, end) with its p_flags. */
  segments: { start: number; end: number; flags: number }[];
  /** The PT_INTERP path (only with `interpreter: "allow"`). */
  interpreter?: string;
}

/**
 * Map an executable (or, with `placeDyn`, an interpreter) into `target`. Throws {@link ExecLoadError} for anything
 * Linux would refuse (or we cannot run).
 */
export function loadExecutable(bytes: Uint8Array, target: LoadTarget, opts: LoadOptions): LoadedExecutable {
  const img = parseElfForExec(bytes, opts.pageSize);
  const base = opts.dynBase[img.machine];
  if (base === undefined) throw new ExecLoadError("bad-arch", `ELF machine ${EM_NAMES[img.machine] ?? img.machine} cannot run on ${opts.cpu}`);
  if (img.interpreter !== undefined && opts.interpreter !== "allow") {
    throw new ExecLoadError("dynamic", `dynamically linked executable (interpreter ${img.interpreter}): only static executables are supported`, img.interpreter);
  }
  const loads = img.segments.filter((s) => s.type === PT.LOAD);
  if (loads.length === 0) throw new ExecLoadError("bad-segment", "no PT_LOAD segment");
  const page = opts.pageSize;
  const bias = img.type === ET.DYN ? dynBias(img, loads, base, opts) : 0;
  const segments: LoadedExecutable["segments"] = [];
  let brk = 0;
  let phdr = 0;
  for (const s of loads) {
    const start = s.vaddr + bias;
    const end = start + s.memsz;
    if (!Number.isSafeInteger(end) || end > opts.highest || start < opts.lowest) {
      throw new ExecLoadError("bad-segment", `PT_LOAD at 0x${start.toString(16)} is outside the user address space`);
    }
    // Arithmetic, not bit masks: addresses exceed 2^32.
    const pStart = Math.floor(start / page) * page;
    const fileEnd = start + s.filesz;
    const filePagesEnd = Math.ceil(fileEnd / page) * page;
    const memPagesEnd = Math.ceil(end / page) * page;
    if (filePagesEnd > pStart) {
      const data = bytes.subarray(s.offset, s.offset + s.filesz);
      target.mapFile({ start: pStart, length: filePagesEnd - pStart, flags: s.flags, offset: s.offset - (start - pStart), vaddr: start, data });
    }
    if (s.memsz > s.filesz) {
      if (fileEnd < filePagesEnd) target.zero(fileEnd, filePagesEnd - fileEnd);
      const anonStart = Math.max(filePagesEnd, pStart);
      if (memPagesEnd > anonStart) target.mapAnon(anonStart, memPagesEnd - anonStart, s.flags);
    }
    // load_elf_binary: AT_PHDR is e_phoff's address inside the PT_LOAD whose file range holds it.
    if (img.phoff >= s.offset && img.phoff < s.offset + s.filesz) phdr = img.phoff - s.offset + s.vaddr + bias;
    segments.push({ start: pStart, end: memPagesEnd, flags: s.flags });
    brk = Math.max(brk, end);
  }
  const phdrSeg = img.segments.find((s) => s.type === PT.PHDR);
  if (phdrSeg) phdr = phdrSeg.vaddr + bias;
  // BAD_ADDR(e_entry): at or above TASK_SIZE is EINVAL. The header's u64 became a double, so anything past 2^53
  // also lands here (rounded, but still above every user address) rather than as an inexact PC.
  const entry = img.entry + bias;
  if (!Number.isSafeInteger(entry) || entry >= opts.highest) throw new ExecLoadError("bad-entry", `e_entry 0x${entry.toString(16)} is outside the user address space`);
  const out: LoadedExecutable = { machine: img.machine, entry, phdr, phent: PHDR_SIZE, phnum: img.phnum, bias, brk: Math.ceil(brk / page) * page, segments };
  if (img.interpreter !== undefined) out.interpreter = img.interpreter;
  return out;
}

/** load_elf_binary's / load_elf_interp's load bias for an ET_DYN image (no randomisation). */
function dynBias(img: ExecHeaders, loads: readonly ExecSegment[], base: number, opts: LoadOptions): number {
  const page = opts.pageSize;
  const first = Math.floor(loads[0]!.vaddr / page) * page;
  if (opts.placeDyn) {
    const last = loads.reduce((m, s) => Math.max(m, s.vaddr + s.memsz), 0);
    const span = Math.ceil(last / page) * page - first;
    const at = opts.placeDyn(span);
    if (at < 0) throw new ExecLoadError("bad-segment", "no room for the image in the address space");
    return at - first;
  }
  if (img.interpreter === undefined) return base;
  // A program with an interpreter: ELF_ET_DYN_BASE aligned down to the largest PT_LOAD p_align (maximum_alignment).
  // Only powers of two count; an alignment above the base itself would put the image at 0, so it is ignored.
  const align = loads.reduce((m, s) => (s.align > m && s.align <= base && Number.isInteger(Math.log2(s.align)) ? s.align : m), page);
  return Math.floor(base / align) * align - first;
}
