/**
 * exec of ELF executables (ET_EXEC, static-PIE ET_DYN, and dynamically linked programs with their PT_INTERP
 * interpreter) and the initial stack. The loader
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
  "bad-entry": "bad-entry",
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

export interface LoadedProgram extends LoadedImage {
  /** PT_INTERP, when `allowInterpreter` was given and the program has one. */
  interpreter?: string;
}

function targetOf(mm: AddressSpace, file: FileBacking): LoadTarget {
  // A segment larger than the memory limit fails before any work (a 128 TiB p_memsz must not cost its size).
  const fits = (length: number) => {
    if (mm.mappedBytes + length > mm.memLimit) throw new ExecError("too-big", "the executable does not fit the memory limit");
  };
  return {
    mapFile: (m) => (fits(m.length), mm.mapFixed(m.start, m.length, protOf(m.flags), file.path, file, m.offset)),
    mapAnon: (start, length, flags) => (fits(length), mm.mapFixed(start, length, protOf(flags), "")),
    zero: (addr, length) => mm.mem.poke(addr, new Uint8Array(length)), // padzero()
  };
}

/**
 * Map the executable into `mm`. Throws ExecError for anything Linux would refuse (or we cannot run). With
 * `allowInterpreter`, a program with PT_INTERP is mapped (ET_DYN at ELF_ET_DYN_BASE) and its interpreter path
 * returned for {@link loadInterpreter}; without it, it is refused with kind "dynamic".
 */
export function loadElf(mm: AddressSpace, arch: ArchAdapter, bytes: Uint8Array, path: string, ino: number, allowInterpreter = false): LoadedProgram {
  const file: FileBacking = { data: bytes, path, dev: 0x1f, ino };
  const img = asExecError(() =>
    loadExecutable(bytes, targetOf(mm, file), {
      dynBase: { [arch.elfMachine]: arch.etDynBase }, cpu: arch.arch, lowest: 0, highest: arch.taskSize, pageSize: PAGE_SIZE,
      interpreter: allowInterpreter ? "allow" : "refuse",
    }),
  );
  if (mm.mappedBytes > mm.memLimit) throw new ExecError("too-big", "the executable does not fit the memory limit");
  const out: LoadedProgram = { entry: img.entry, phdr: img.phdr, phent: img.phent, phnum: img.phnum, bias: img.bias, brk: img.brk };
  if (img.interpreter !== undefined) out.interpreter = img.interpreter;
  return out;
}

/**
 * load_elf_interp: map the interpreter (`file`, already resolved in the guest's filesystem) as an ET_DYN image
 * top-down below mmap_base, where an mmap without a hint would go (no randomisation, so the base is the same on
 * every run). Its own PT_INTERP, if any, is ignored, as Linux ignores it. Throws ExecError "bad-interpreter".
 */
export function loadInterpreter(mm: AddressSpace, arch: ArchAdapter, file: FileBacking, name: string): LoadedImage {
  try {
    const img = loadExecutable(file.data, targetOf(mm, file), {
      dynBase: { [arch.elfMachine]: arch.etDynBase }, cpu: arch.arch, lowest: 0, highest: arch.taskSize, pageSize: PAGE_SIZE,
      interpreter: "allow", placeDyn: (span) => mm.findFree(span),
    });
    if (mm.mappedBytes > mm.memLimit) throw new ExecError("too-big", "the interpreter does not fit the memory limit");
    return { entry: img.entry, phdr: img.phdr, phent: img.phent, phnum: img.phnum, bias: img.bias, brk: img.brk };
  } catch (e) {
    if (e instanceof ExecLoadError) throw new ExecError("bad-interpreter", `bad ELF interpreter ${name}: ${e.message}`, name);
    throw e;
  }
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
