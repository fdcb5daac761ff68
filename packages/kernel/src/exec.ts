/**
 * exec of static ELF executables (ET_EXEC and static-PIE ET_DYN) and the initial stack. The loader
 * (@uabi/elf loadExecutable: binfmt_elf's load_elf_binary) and the stack layout (@uabi/uapi
 * layoutInitialStack: create_elf_tables) are shared with @uabi/test-support; this file binds them to
 * the kernel's address space: PT_LOAD segments become file-backed VMAs (so /proc/self/maps names the
 * executable), bss beyond the last file page becomes anonymous VMAs.
 */
import { PAGE_SIZE } from "@uabi/isa-core";
import { ExecLoadError, PF, loadExecutable, parseElfForExec as parseHeaders, type ExecHeaders, type ExecLoadErrorKind, type ExecSegment, type LoadTarget } from "@uabi/elf";
import { AT_AUX, PROT, layoutInitialStack } from "@uabi/uapi";
import { ExecError, type ExecErrorKind } from "./errors.js";
import type { ArchAdapter } from "./arch/types.js";
import type { AddressSpace, FileBacking } from "./mm.js";

/** Auxiliary-vector tags (the uapi table under the name the kernel has always exported). */
export const AT = AT_AUX;

export type ElfSegment = ExecSegment;
export type ElfImage = ExecHeaders;

/** The loader's refusals as the kernel reports them (a malformed PT_INTERP counts as a truncated file). */
const EXEC_ERROR_KIND: Readonly<Record<ExecLoadErrorKind, ExecErrorKind>> = {
  "not-elf": "not-elf", "bad-class": "bad-class", "bad-type": "bad-type", "bad-arch": "bad-arch", truncated: "truncated",
  "bad-segment": "bad-segment", "bad-interp": "truncated", dynamic: "dynamic",
};

function asExecError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ExecLoadError) throw new ExecError(EXEC_ERROR_KIND[e.kind], e.message, e.interpreter);
    throw e;
  }
}

/** Bounds-checked parse of the ELF header and program headers (all exec needs). Throws ExecError. */
export function parseElfForExec(bytes: Uint8Array): ElfImage {
  return asExecError(() => parseHeaders(bytes, PAGE_SIZE));
}

export interface LoadedImage {
  entry: number;
  phdr: number;
  phent: number;
  phnum: number;
  bias: number;
  brk: number;
}

/** p_flags → PROT_* */
const protOf = (flags: number): number =>
  (flags & PF.R ? PROT.READ : 0) | (flags & PF.W ? PROT.WRITE : 0) | (flags & PF.X ? PROT.EXEC : 0);

/** Map the executable into `mm`. Throws ExecError for anything Linux would refuse (or we cannot run). */
export function loadElf(mm: AddressSpace, arch: ArchAdapter, bytes: Uint8Array, path: string, ino: number): LoadedImage {
  const file: FileBacking = { data: bytes, path, dev: 0x1f, ino };
  const target: LoadTarget = {
    mapFile: (m) => mm.mapFixed(m.start, m.length, protOf(m.flags), path, file, m.offset),
    mapAnon: (start, length, flags) => mm.mapFixed(start, length, protOf(flags), ""),
    zero: (addr, length) => mm.mem.poke(addr, new Uint8Array(length)), // padzero()
  };
  const img = asExecError(() =>
    loadExecutable(bytes, target, { dynBase: { [arch.elfMachine]: arch.etDynBase }, cpu: arch.arch, lowest: 0, highest: arch.taskSize, pageSize: PAGE_SIZE }),
  );
  if (mm.mappedBytes > mm.memLimit) throw new ExecError("too-big", "the executable does not fit the memory limit");
  return { entry: img.entry, phdr: img.phdr, phent: img.phent, phnum: img.phnum, bias: img.bias, brk: img.brk };
}

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
 * The values given for AT_RANDOM / AT_EXECFN / AT_PLATFORM in `auxv` are replaced by the addresses.
 */
export function buildInitialStack(mm: AddressSpace, top: number, spec: StackSpec): BuiltStack {
  const st = layoutInitialStack(top, spec);
  for (const w of st.writes) mm.mem.poke(w.addr, w.bytes);
  return { sp: st.sp, argvAddrs: st.argvAddrs, auxvAddr: st.auxvAddr, randomAddr: st.randomAddr, execfnAddr: st.execfnAddr };
}
