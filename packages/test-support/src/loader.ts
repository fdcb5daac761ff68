/**
 * The exec half of the harness: the shared loader (@uabi/elf loadExecutable, binfmt_elf's
 * load_elf_binary) and initial-stack layout (@uabi/uapi layoutInitialStack, create_elf_tables) that the
 * kernel uses too, bound to a bare GuestMemory: no VMAs, no vDSO, no randomisation. CPU-agnostic.
 */
import { GuestMemory, PAGE_SIZE, PERM_EXEC, PERM_READ, PERM_WRITE, type Arch } from "@uabi/isa-core";
import { EM, ExecLoadError, PF, loadExecutable, type ExecLoadErrorKind, type LoadTarget } from "@uabi/elf";
import { AT_AUX, layoutInitialStack } from "@uabi/uapi";

/** Auxiliary-vector tags (the uapi table, re-exported under the harness's old name). */
export const AT = AT_AUX;

export type LoaderErrorCode = "not-elf" | "wrong-machine" | "not-static" | "bad-segment" | "stack-overflow";

/** A typed loader failure (never a host crash). */
export class LoaderError extends Error {
  constructor(readonly code: LoaderErrorCode, message: string) {
    super(message);
    this.name = "LoaderError";
  }
}

/** The shared loader's refusals in the harness's coarser terms. */
const LOADER_CODE: Readonly<Record<ExecLoadErrorKind, LoaderErrorCode>> = {
  "not-elf": "not-elf", "bad-class": "not-elf", "bad-type": "not-elf", truncated: "not-elf", "bad-arch": "wrong-machine",
  dynamic: "not-static", "bad-interp": "not-static", "bad-segment": "bad-segment",
  "bad-entry": "bad-segment",
};

export interface LoadedImage {
  arch: Arch;
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
  /** [start, end) of each mapped segment, page-aligned, with its permissions. */
  segments: { start: number; end: number; perm: number }[];
}

const MACHINE: Readonly<Record<Arch, number>> = { x86_64: EM.X86_64, arm64: EM.AARCH64 };
/** Where a static-PIE (ET_DYN) image goes; Linux uses ELF_ET_DYN_BASE plus randomisation. */
export const STATIC_PIE_BIAS: Record<Arch, number> = { x86_64: 0x555555554000, arm64: 0xaaaaaaaa0000 };
/** Segments must lie in [one page, 2^47): a 47-bit user space on both ISAs, page 0 never mapped. */
const USER_TOP = 2 ** 47;

const permOf = (flags: number): number =>
  (flags & PF.R ? PERM_READ : 0) | (flags & PF.W ? PERM_WRITE : 0) | (flags & PF.X ? PERM_EXEC : 0);

/** Map [start, end) with `perm`; pages an earlier segment mapped keep their contents and gain `perm`. */
function mapUnion(mem: GuestMemory, start: number, end: number, perm: number): void {
  for (let a = start; a < end; ) {
    const r = mem.findRegion(a);
    if (r) {
      const stop = Math.min(end, r.end);
      mem.protect(a, stop - a, r.perm | perm);
      a = stop;
    } else {
      let stop = a + PAGE_SIZE;
      while (stop < end && !mem.findRegion(stop)) stop += PAGE_SIZE;
      mem.map(a, stop - a, perm);
      a = stop;
    }
  }
}

/**
 * Map the PT_LOAD segments of a static executable (ET_EXEC, or a static-PIE ET_DYN placed at
 * {@link STATIC_PIE_BIAS}) into `mem`. Pages shared by two segments get the union of their permissions.
 */
export function loadElfImage(mem: GuestMemory, bytes: Uint8Array, expectArch?: Arch): LoadedImage {
  const arches = expectArch ? [expectArch] : (["x86_64", "arm64"] as const);
  const dynBase = Object.fromEntries(arches.map((a) => [MACHINE[a], STATIC_PIE_BIAS[a]]));
  // No file backing here: map the pages, copy the segment's file bytes in, the rest stays zero.
  const target: LoadTarget = {
    mapFile: (m) => {
      mapUnion(mem, m.start, m.start + m.length, permOf(m.flags));
      if (m.data.length > 0) mem.poke(m.vaddr, m.data);
    },
    mapAnon: (start, length, flags) => mapUnion(mem, start, start + length, permOf(flags)),
    zero: (addr, length) => mem.poke(addr, new Uint8Array(length)),
  };
  let img;
  try {
    img = loadExecutable(bytes, target, { dynBase, cpu: arches.join(" or "), lowest: PAGE_SIZE, highest: USER_TOP, pageSize: PAGE_SIZE });
  } catch (e) {
    if (e instanceof ExecLoadError) throw new LoaderError(LOADER_CODE[e.kind], e.message);
    throw e;
  }
  const arch = arches.find((a) => MACHINE[a] === img.machine)!; // loadExecutable admits only dynBase's machines
  const segments = img.segments.map((s) => ({ start: s.start, end: s.end, perm: permOf(s.flags) }));
  return { arch, entry: img.entry, phdr: img.phdr, phent: img.phent, phnum: img.phnum, bias: img.bias, brk: img.brk, segments };
}

export interface StackOptions {
  argv: readonly string[];
  /** `KEY=VALUE` strings, or a record turned into them in insertion order. */
  env?: readonly string[] | Readonly<Record<string, string>>;
  /** AT_EXECFN string; defaults to argv[0]. */
  execfn?: string;
  /** The 16 AT_RANDOM bytes; fixed by default so runs are reproducible. */
  random?: Uint8Array;
  uid?: number;
  gid?: number;
  /** Highest stack address (exclusive). */
  top?: number;
  /** Bytes of stack to map below `top`. */
  size?: number;
}

export interface InitialStack {
  /** The initial stack pointer (points at argc), 16-byte aligned. */
  sp: number;
  /** Lowest mapped stack address. */
  limit: number;
  top: number;
  auxv: [number, number][];
  argvAddrs: number[];
  envAddrs: number[];
}

/** Linux's user address-space tops (TASK_SIZE for 47-bit x86-64 and 48-bit arm64 VAs), one page below. */
export const STACK_TOP: Record<Arch, number> = { x86_64: 0x7ffffffff000, arm64: 0xfffffffff000 };
export const DEFAULT_STACK_SIZE = 8 * 1024 * 1024;
/** AT_PLATFORM strings (ELF_PLATFORM): "x86_64" on x86-64, "aarch64" on arm64. */
export const PLATFORM: Record<Arch, string> = { x86_64: "x86_64", arm64: "aarch64" };
export const DEFAULT_RANDOM = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 0x5a) & 0xff);

/**
 * Map the stack and write the initial process image (argc, argv, envp, auxv and the strings above them,
 * create_elf_tables' layout, with AT_RANDOM's bytes 16-byte aligned as this harness always had them).
 * No AT_SYSINFO_EHDR: there is no vDSO here.
 */
export function buildInitialStack(mem: GuestMemory, image: LoadedImage, opts: StackOptions): InitialStack {
  const top = opts.top ?? STACK_TOP[image.arch];
  const size = opts.size ?? DEFAULT_STACK_SIZE;
  const limit = top - size;
  mem.map(limit, size, PERM_READ | PERM_WRITE);
  const env = Array.isArray(opts.env) ? (opts.env as readonly string[]) : Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const random = opts.random ?? DEFAULT_RANDOM;
  if (random.length !== 16) throw new LoaderError("bad-segment", "AT_RANDOM needs exactly 16 bytes");
  const uid = opts.uid ?? 1000;
  const gid = opts.gid ?? 1000;
  // AT_RANDOM, AT_EXECFN and AT_PLATFORM get their addresses from the layout.
  const auxv: [number, number][] = [
    [AT.HWCAP, 0], [AT.PAGESZ, PAGE_SIZE], [AT.CLKTCK, 100], [AT.PHDR, image.phdr], [AT.PHENT, image.phent],
    [AT.PHNUM, image.phnum], [AT.BASE, 0], [AT.FLAGS, 0], [AT.ENTRY, image.entry], [AT.UID, uid], [AT.EUID, uid],
    [AT.GID, gid], [AT.EGID, gid], [AT.SECURE, 0], [AT.RANDOM, 0], [AT.HWCAP2, 0], [AT.EXECFN, 0], [AT.PLATFORM, 0],
  ];
  const st = layoutInitialStack(top, {
    argv: opts.argv, env, execfn: opts.execfn ?? opts.argv[0] ?? "", auxv, random, platform: PLATFORM[image.arch], alignBelow: "random",
  });
  if (st.sp - 4096 < limit) throw new LoaderError("stack-overflow", `argv/envp need more than the ${size}-byte stack`);
  for (const w of st.writes) mem.poke(w.addr, w.bytes);
  return {
    sp: st.sp, limit, top, auxv: st.auxv.map(([k, v]) => [k, Number(v)]), argvAddrs: st.argvAddrs, envAddrs: st.envAddrs,
  };
}

export interface DecodedStack {
  argc: number;
  argv: string[];
  env: string[];
  auxv: [number, number][];
}

const utf8d = new TextDecoder();

/** Read back an initial stack (for tests and debugging): what a libc's _start sees at `sp`. */
export function readInitialStack(mem: GuestMemory, sp: number): DecodedStack {
  const word = (a: number): number => Number(mem.read64(a));
  const str = (a: number): string => utf8d.decode(mem.readCString(a, 1 << 20) ?? new Uint8Array());
  const argc = word(sp);
  let p = sp + 8;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++, p += 8) argv.push(str(word(p)));
  if (word(p) !== 0) throw new Error("argv is not NULL-terminated");
  p += 8;
  const env: string[] = [];
  for (; word(p) !== 0; p += 8) env.push(str(word(p)));
  p += 8;
  const auxv: [number, number][] = [];
  for (;;) {
    const k = word(p);
    const v = word(p + 8);
    auxv.push([k, v]);
    p += 16;
    if (k === AT.NULL) break;
  }
  return { argc, argv, env, auxv };
}
