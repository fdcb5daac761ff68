/**
 * The exec half of the harness: map a static ELF's PT_LOAD segments into guest memory and build the
 * initial process stack (argc, argv, envp, auxv) the way Linux's fs/binfmt_elf.c does, minus the vDSO
 * and minus randomisation. CPU-agnostic: everything here works on a bare GuestMemory.
 */
import { GuestMemory, PAGE_SIZE, PERM_EXEC, PERM_READ, PERM_WRITE, type Arch } from "@uabi/isa-core";
import { readElf } from "@uabi/elf";

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;

/** Auxiliary-vector tags (include/uapi/linux/auxvec.h). */
export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13,
  EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, EXECFN: 31, SYSINFO_EHDR: 33,
} as const;

export type LoaderErrorCode = "not-elf" | "wrong-machine" | "not-static" | "bad-segment" | "stack-overflow";

/** A typed loader failure (never a host crash). */
export class LoaderError extends Error {
  constructor(readonly code: LoaderErrorCode, message: string) {
    super(message);
    this.name = "LoaderError";
  }
}

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

const MACHINES: Record<number, Arch> = { [EM_X86_64]: "x86_64", [EM_AARCH64]: "arm64" };
/** Where a static-PIE (ET_DYN) image goes; Linux uses ELF_ET_DYN_BASE plus randomisation. */
export const STATIC_PIE_BIAS: Record<Arch, number> = { x86_64: 0x555555554000, arm64: 0xaaaaaaaa0000 };

const pageDown = (a: number): number => Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
const pageUp = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
// Addresses exceed 2^31: no bitwise masking on them.
const alignDown16 = (a: number): number => a - (a % 16);

function segmentPerm(flags: number): number {
  return (flags & PF_R ? PERM_READ : 0) | (flags & PF_W ? PERM_WRITE : 0) | (flags & PF_X ? PERM_EXEC : 0);
}

/**
 * Map the PT_LOAD segments of a static executable (ET_EXEC, or a static-PIE ET_DYN placed at
 * {@link STATIC_PIE_BIAS}) into `mem`. Pages shared by two segments get the union of their permissions.
 */
export function loadElfImage(mem: GuestMemory, bytes: Uint8Array, expectArch?: Arch): LoadedImage {
  let elf;
  try {
    elf = readElf(bytes);
  } catch (e) {
    throw new LoaderError("not-elf", `not a loadable ELF64 file: ${(e as Error).message}`);
  }
  const h = elf.header;
  const arch = MACHINES[h.machine];
  if (!arch) throw new LoaderError("wrong-machine", `e_machine ${h.machine} is neither EM_X86_64 nor EM_AARCH64`);
  if (expectArch && arch !== expectArch) throw new LoaderError("wrong-machine", `ELF is ${arch}, the CPU is ${expectArch}`);
  if (h.type !== ET_EXEC && h.type !== ET_DYN) throw new LoaderError("not-elf", `e_type ${h.type} is not ET_EXEC or ET_DYN`);
  if (elf.programHeaders.some((p) => p.type === PT_INTERP)) {
    throw new LoaderError("not-static", "the ELF has PT_INTERP: dynamically linked executables are not supported");
  }
  const bias = h.type === ET_DYN ? STATIC_PIE_BIAS[arch] : 0;
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) throw new LoaderError("bad-segment", "no PT_LOAD segment");
  const segments: LoadedImage["segments"] = [];
  let brk = 0;
  let phdr: number | undefined;
  for (const p of loads) {
    if (p.filesz > p.memsz) throw new LoaderError("bad-segment", `segment ${p.index}: p_filesz > p_memsz`);
    if (p.offset % PAGE_SIZE !== p.vaddr % PAGE_SIZE) throw new LoaderError("bad-segment", `segment ${p.index}: p_offset and p_vaddr disagree modulo the page size`);
    const vaddr = p.vaddr + bias;
    const start = pageDown(vaddr);
    const end = pageUp(vaddr + p.memsz);
    if (vaddr < PAGE_SIZE || end > 2 ** 47) throw new LoaderError("bad-segment", `segment ${p.index} at 0x${vaddr.toString(16)} is outside user space`);
    const perm = segmentPerm(p.flags);
    // A page already mapped by an earlier segment keeps its contents and gains our permissions.
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
    if (p.filesz > 0) mem.poke(vaddr, bytes.subarray(p.offset, p.offset + p.filesz));
    segments.push({ start, end, perm });
    brk = Math.max(brk, end);
    // binfmt_elf: AT_PHDR is the address of e_phoff inside the segment whose file range contains it.
    if (phdr === undefined && p.offset <= h.phoff && h.phoff < p.offset + p.filesz) phdr = h.phoff - p.offset + vaddr;
  }
  const pt = elf.programHeaders.find((p) => p.type === PT_PHDR);
  if (pt) phdr = pt.vaddr + bias;
  return { arch, entry: h.entry + bias, phdr: phdr ?? 0, phent: h.phentsize, phnum: h.phnum, bias, brk, segments };
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

const utf8 = new TextEncoder();

/**
 * Map the stack and write the initial process image the way fs/binfmt_elf.c create_elf_tables() does:
 * from the top down, an 8-byte end marker, the strings (argv, envp, execfn, ascending), the platform
 * string, the 16 AT_RANDOM bytes, then argc, argv[], NULL, envp[], NULL and the auxv pairs ending in
 * AT_NULL, with sp 16-byte aligned. No AT_SYSINFO_EHDR: there is no vDSO here.
 */
export function buildInitialStack(mem: GuestMemory, image: LoadedImage, opts: StackOptions): InitialStack {
  const top = opts.top ?? STACK_TOP[image.arch];
  const size = opts.size ?? DEFAULT_STACK_SIZE;
  const limit = top - size;
  mem.map(limit, size, PERM_READ | PERM_WRITE);
  const env = Array.isArray(opts.env) ? (opts.env as readonly string[]) : Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const execfn = opts.execfn ?? opts.argv[0] ?? "";
  const strings = [...opts.argv, ...env, execfn].map((s) => utf8.encode(`${s}\0`));
  const stringBytes = strings.reduce((n, s) => n + s.length, 0);
  const platform = utf8.encode(`${PLATFORM[image.arch]}\0`);
  const random = opts.random ?? DEFAULT_RANDOM;
  if (random.length !== 16) throw new LoaderError("bad-segment", "AT_RANDOM needs exactly 16 bytes");

  let p = top - 8; // end marker (zero)
  p -= stringBytes;
  const stringsStart = p;
  const addrs: number[] = [];
  for (const s of strings) {
    addrs.push(p);
    p += s.length;
  }
  p = stringsStart - platform.length;
  const platformAddr = p;
  p = alignDown16(p - 16);
  const randomAddr = p;

  const auxv: [number, number][] = [
    [AT.HWCAP, 0],
    [AT.PAGESZ, PAGE_SIZE],
    [AT.CLKTCK, 100],
    [AT.PHDR, image.phdr],
    [AT.PHENT, image.phent],
    [AT.PHNUM, image.phnum],
    [AT.BASE, 0],
    [AT.FLAGS, 0],
    [AT.ENTRY, image.entry],
    [AT.UID, opts.uid ?? 1000],
    [AT.EUID, opts.uid ?? 1000],
    [AT.GID, opts.gid ?? 1000],
    [AT.EGID, opts.gid ?? 1000],
    [AT.SECURE, 0],
    [AT.RANDOM, randomAddr],
    [AT.HWCAP2, 0],
    [AT.EXECFN, addrs[addrs.length - 1]!],
    [AT.PLATFORM, platformAddr],
    [AT.NULL, 0],
  ];
  const argc = opts.argv.length;
  const words = 1 + argc + 1 + env.length + 1 + auxv.length * 2;
  const sp = alignDown16(randomAddr - words * 8);
  if (sp - 4096 < limit) throw new LoaderError("stack-overflow", `argv/envp need more than the ${size}-byte stack`);

  for (let i = 0; i < strings.length; i++) mem.poke(addrs[i]!, strings[i]!);
  mem.poke(platformAddr, platform);
  mem.poke(randomAddr, random);
  const table = new DataView(new ArrayBuffer(words * 8));
  let w = 0;
  const put = (v: number): void => {
    table.setBigUint64(w, BigInt(v), true);
    w += 8;
  };
  put(argc);
  for (let i = 0; i < argc; i++) put(addrs[i]!);
  put(0);
  for (let i = 0; i < env.length; i++) put(addrs[argc + i]!);
  put(0);
  for (const [k, v] of auxv) {
    put(k);
    put(v);
  }
  mem.poke(sp, new Uint8Array(table.buffer));
  return { sp, limit, top, auxv, argvAddrs: addrs.slice(0, argc), envAddrs: addrs.slice(argc, argc + env.length) };
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
