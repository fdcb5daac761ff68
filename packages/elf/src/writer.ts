/**
 * ELF64 writer for small shared objects (the vDSO, libkernel.so) and static executables.
 *
 * Layout follows the kernel's vDSO linker scripts (arch/arm64/kernel/vdso/vdso.lds.S, arch/x86/entry/vdso/vdso-layout.lds.S): ELF header and program headers at
 * offset 0, then the dynamic-linking tables (.hash, .gnu.hash, .dynsym, .dynstr, .gnu.version,
 * .gnu.version_d, .dynamic), then the caller's sections in the order given, then .shstrtab and the section
 * header table. Every allocated byte has p_offset == p_vaddr - base, which parse_vdso relies on (§5.6).
 * Output is a pure function of the input: same input, same bytes.
 */
import {
  DF, DF_1, DT, DW_EH_PE, DYN_SIZE, EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EM, ET, EV_CURRENT, PF, PHDR_SIZE, PT,
  SHDR_SIZE, SHF, SHN, SHT, STB, STT, SYM_SIZE, VER_FLG_BASE, VERDAUX_SIZE, VERDEF_SIZE, VERSYM_HIDDEN,
} from "./constants.js";
import { ElfError } from "./errors.js";
import { elfHash, gnuHash } from "./hash.js";

/** Final placement of a section, handed to lazily built section contents. */
export interface PlacedSection {
  readonly name: string;
  readonly index: number;
  readonly address: number;
  readonly offset: number;
  readonly size: number;
}

/** Everything a lazy section builder may need: where every section ended up. */
export interface Layout {
  readonly base: number;
  section(name: string): PlacedSection;
}

export interface WriterSection {
  /** e.g. ".text", ".rodata", ".eh_frame", ".note". Must be unique. */
  readonly name: string;
  /**
   * Contents, or a builder called once the layout is fixed (for position-dependent bytes such as .eh_frame's
   * pc-relative pointers). A builder must be pure and return exactly `size` bytes.
   */
  readonly data: Uint8Array | ((layout: Layout) => Uint8Array);
  /** Required when `data` is a builder or `type` is NOBITS. */
  readonly size?: number;
  /** Default: SHT_NOTE for names starting with ".note", SHT_PROGBITS otherwise. */
  readonly type?: number;
  readonly exec?: boolean;
  readonly write?: boolean;
  /** Power of two; default 1 (4 for notes, 8 for .eh_frame). */
  readonly align?: number;
  /** sh_entsize, default 0. */
  readonly entsize?: number;
}

export type SymbolType = "func" | "object" | "notype";
export type SymbolBinding = "global" | "weak";

export interface WriterSymbol {
  readonly name: string;
  /** Section the value is relative to; omit for an absolute (SHN_ABS) symbol. */
  readonly section?: string;
  /** Offset inside `section` (or the absolute value). */
  readonly value: number;
  readonly size?: number;
  readonly type?: SymbolType; // default "func"
  readonly binding?: SymbolBinding; // default "global"
  /** Version node name (one of `versions`); omitted: unversioned (versym 1, or 0 when there are no versions). */
  readonly version?: string;
  /** Non-default version (`name@V` rather than `name@@V`): versym bit 15. */
  readonly hidden?: boolean;
}

export interface WriterVersion {
  readonly name: string;
  /** Predecessor node (written as a second Verdaux, as ld does for `V2 { } V1;`). */
  readonly parent?: string;
}

export interface ElfWriterInput {
  readonly machine: "aarch64" | "x86_64" | number;
  /** Default "dyn" (a shared object). */
  readonly type?: "dyn" | "exec";
  /** Link address of offset 0. Default 0 (like the kernel's vDSO). */
  readonly base?: number;
  readonly soname?: string;
  /** Version nodes in index order (index 2, 3, ...); index 1 is the BASE definition named after the soname. */
  readonly versions?: readonly (string | WriterVersion)[];
  readonly sections: readonly WriterSection[];
  readonly symbols?: readonly WriterSymbol[];
  /** Default "both" (.hash is always needed by musl unless "gnu" is asked for explicitly). */
  readonly hashStyle?: "sysv" | "gnu" | "both";
  /** Emit an ABS OBJECT symbol per version node, as GNU ld does (the kernel's x86-64 vDSO has them). Default false. */
  readonly versionSymbols?: boolean;
  /** DT_SYMBOLIC + DF_SYMBOLIC (ld -Bsymbolic, as the kernel links its vDSO). Default false. */
  readonly symbolic?: boolean;
  /** DF_BIND_NOW + DF_1_NOW. Default false. */
  readonly bindNow?: boolean;
  /**
   * Build .eh_frame_hdr from the section named .eh_frame (placed right after the last section of that
   * segment, with a PT_GNU_EH_FRAME). Default true when .eh_frame exists. To supply a ready header instead,
   * add an ".eh_frame_hdr" section yourself: it is kept as given and gets the PT_GNU_EH_FRAME.
   */
  readonly ehFrameHdr?: boolean;
  /** Add PT_GNU_STACK (RW, non-executable stack). Default false (the kernel's vDSO has none). */
  readonly gnuStack?: boolean;
  /** e_entry: an address or a symbol name. Default 0. */
  readonly entry?: number | string;
  readonly flags?: number;
  readonly pageSize?: number;
  /** Emit the dynamic tables even without symbols or soname. Default: only when there are symbols or a soname. */
  readonly dynamic?: boolean;
}

export interface WrittenSymbol {
  readonly name: string;
  readonly version: string | undefined;
  readonly hidden: boolean;
  readonly address: number;
  readonly size: number;
  /** Index in .dynsym. */
  readonly index: number;
}

export interface ElfImage {
  readonly bytes: Uint8Array;
  readonly entry: number;
  readonly sections: ReadonlyMap<string, PlacedSection>;
  readonly symbols: readonly WrittenSymbol[];
  /** Address of `name` (at `version` when given; otherwise its default or unversioned definition). */
  symbolAddress(name: string, version?: string): number | undefined;
}

const MACHINES: Record<string, number> = { aarch64: EM.AARCH64, x86_64: EM.X86_64 };
const TYPES: Record<SymbolType, number> = { func: STT.FUNC, object: STT.OBJECT, notype: STT.NOTYPE };
const BINDINGS: Record<SymbolBinding, number> = { global: STB.GLOBAL, weak: STB.WEAK };
/** GNU ld's bucket counts (bfd/elflink.c elf_buckets): the largest entry not above the symbol count. */
const LD_BUCKETS = [1, 3, 17, 37, 67, 97, 131, 197, 263, 521, 1031, 2053, 4099, 8209, 16411, 32771, 65537, 131101];

const enc = new TextEncoder();
const bad = (detail: string): ElfError => new ElfError("invalid-input", 0, detail);
const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

class StrTab {
  private readonly map = new Map<string, number>();
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  size = 1;
  add(s: string): number {
    if (s === "") return 0;
    const hit = this.map.get(s);
    if (hit !== undefined) return hit;
    const b = enc.encode(s);
    if (b.includes(0)) throw bad(`string ${JSON.stringify(s)} contains NUL`);
    const off = this.size;
    this.map.set(s, off);
    this.parts.push(b, new Uint8Array(1));
    this.size += b.length + 1;
    return off;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

interface Item {
  name: string;
  type: number;
  flags: number;
  align: number;
  entsize: number;
  link: string | undefined;
  info: number;
  size: number;
  build: (layout: Layout) => Uint8Array;
  nobits: boolean;
  user: boolean;
}

interface DynSym {
  name: string;
  section: string | undefined;
  value: number;
  size: number;
  info: number;
  versym: number;
  version: string | undefined;
  hidden: boolean;
}

/** Build an ELF64 little-endian image. Throws ElfError("invalid-input") on inconsistent input. */
export function writeElf(input: ElfWriterInput): ElfImage {
  const machine = typeof input.machine === "number" ? input.machine : MACHINES[input.machine];
  if (machine === undefined) throw bad(`unknown machine ${String(input.machine)}`);
  const base = input.base ?? 0;
  const pageSize = input.pageSize ?? 4096;
  if (!Number.isSafeInteger(base) || base < 0 || base % pageSize !== 0) throw bad(`base 0x${base.toString(16)} is not page aligned`);
  const hashStyle = input.hashStyle ?? "both";
  const symbolsIn = input.symbols ?? [];
  const wantDynamic = input.dynamic ?? (symbolsIn.length > 0 || input.soname !== undefined);
  if (!wantDynamic && (symbolsIn.length > 0 || input.soname !== undefined || (input.versions ?? []).length > 0)) {
    throw bad("symbols, soname and versions need the dynamic tables (dynamic: false was given)");
  }

  const userNames = new Set<string>();
  for (const s of input.sections) {
    if (userNames.has(s.name)) throw bad(`duplicate section ${s.name}`);
    userNames.add(s.name);
    const a = s.align ?? 1;
    if (!(a >= 1 && (a & (a - 1)) === 0)) throw bad(`section ${s.name}: alignment ${a} is not a power of two`);
  }

  // ---- versions
  const versions: WriterVersion[] = (input.versions ?? []).map((v) => (typeof v === "string" ? { name: v } : v));
  const verIndex = new Map<string, number>();
  versions.forEach((v, i) => {
    if (verIndex.has(v.name)) throw bad(`duplicate version ${v.name}`);
    verIndex.set(v.name, i + 2);
  });
  for (const v of versions) if (v.parent !== undefined && !verIndex.has(v.parent)) throw bad(`version ${v.name}: unknown parent ${v.parent}`);
  const versioned = wantDynamic && versions.length > 0;
  if (versions.length > 0 && input.soname === undefined) throw bad("version definitions need a soname (the BASE definition)");

  // ---- dynamic symbols, sorted for .gnu.hash (by bucket, stable) after the null symbol
  const dsyms: DynSym[] = [];
  for (const s of symbolsIn) {
    if (s.section !== undefined && !userNames.has(s.section)) throw bad(`symbol ${s.name}: unknown section ${s.section}`);
    if (s.version !== undefined && !verIndex.has(s.version)) throw bad(`symbol ${s.name}: unknown version ${s.version}`);
    if (s.name === "") throw bad("symbol with an empty name");
    const okNum = (x: unknown): boolean => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
    if (!okNum(s.value) || (s.size !== undefined && !okNum(s.size))) throw bad(`symbol ${s.name}: value and size must be non-negative integers`);
    if (s.type !== undefined && !(s.type in TYPES)) throw bad(`symbol ${s.name}: unknown type ${String(s.type)}`);
    if (s.binding !== undefined && !(s.binding in BINDINGS)) throw bad(`symbol ${s.name}: unknown binding ${String(s.binding)}`);
    const vi = s.version !== undefined ? verIndex.get(s.version)! : versioned ? 1 : 0;
    dsyms.push({
      name: s.name, section: s.section, value: s.value, size: s.size ?? 0,
      info: (BINDINGS[s.binding ?? "global"] << 4) | TYPES[s.type ?? "func"],
      versym: s.hidden ? vi | VERSYM_HIDDEN : vi, version: s.version, hidden: s.hidden === true,
    });
  }
  if (input.versionSymbols) {
    for (const v of versions) {
      dsyms.push({ name: v.name, section: undefined, value: 0, size: 0, info: (STB.GLOBAL << 4) | STT.OBJECT, versym: verIndex.get(v.name)!, version: v.name, hidden: false });
    }
  }
  const seen = new Set<string>();
  for (const d of dsyms) {
    const key = `${d.name}@${d.version ?? ""}`;
    if (seen.has(key)) throw bad(`duplicate symbol ${key}`);
    seen.add(key);
  }
  const nsyms = dsyms.length + 1;
  let nbuckets = 1;
  for (const b of LD_BUCKETS) if (b <= Math.max(1, dsyms.length)) nbuckets = b;
  const hashes = dsyms.map((d) => gnuHash(d.name));
  if (hashStyle !== "sysv") {
    const order = dsyms.map((_, i) => i).sort((a, b) => hashes[a]! % nbuckets - hashes[b]! % nbuckets || a - b);
    const sorted = order.map((i) => dsyms[i]!);
    const sortedH = order.map((i) => hashes[i]!);
    dsyms.splice(0, dsyms.length, ...sorted);
    hashes.splice(0, hashes.length, ...sortedH);
  }

  // ---- string table (deterministic: soname, versions, symbols)
  const dynstr = new StrTab();
  const sonameOff = input.soname !== undefined ? dynstr.add(input.soname) : 0;
  for (const v of versions) dynstr.add(v.name);
  const nameOff = dsyms.map((d) => dynstr.add(d.name));
  const dynstrBytes = dynstr.bytes();

  // ---- the item list: generated tables, then user sections (+ .eh_frame_hdr)
  const items: Item[] = [];
  const gen = (name: string, type: number, align: number, entsize: number, link: string | undefined, info: number, bytes: (l: Layout) => Uint8Array, size: number): void => {
    items.push({ name, type, flags: SHF.ALLOC, align, entsize, link, info, size, build: bytes, nobits: false, user: false });
  };
  const dynEntries: [number, number | ((l: Layout) => number)][] = [];
  if (wantDynamic) {
    if (hashStyle !== "gnu") {
      const size = 4 * (2 + nbuckets + nsyms);
      gen(".hash", SHT.HASH, 8, 4, ".dynsym", 0, () => sysvHashBytes(dsyms, nbuckets), size);
    }
    let bloomWords = 1, bloomShift = 6;
    if (hashStyle !== "sysv") {
      // 2^k bloom bits with k = ceil(log2(n)) + 3, at least 64: 13 symbols give 2 words and shift 7, as ld did
      // for the Observed x86-64 vDSO (readelf -a of a Linux 6.x x86-64 vDSO, arch/x86/entry/vdso/vdso-layout.lds.S).
      const k = Math.max(6, Math.ceil(Math.log2(Math.max(1, dsyms.length))) + 3);
      bloomShift = k;
      bloomWords = 2 ** (k - 6);
      const size = 16 + 8 * bloomWords + 4 * nbuckets + 4 * dsyms.length;
      gen(".gnu.hash", SHT.GNU_HASH, 8, 0, ".dynsym", 0, () => gnuHashBytes(hashes, nbuckets, bloomWords, bloomShift), size);
    }
    gen(".dynsym", SHT.DYNSYM, 8, SYM_SIZE, ".dynstr", 1, (l) => dynsymBytes(dsyms, nameOff, l), nsyms * SYM_SIZE);
    gen(".dynstr", SHT.STRTAB, 1, 0, undefined, 0, () => dynstrBytes, dynstrBytes.length);
    if (versioned) {
      gen(".gnu.version", SHT.GNU_VERSYM, 2, 2, ".dynsym", 0, () => versymBytes(dsyms), 2 * nsyms);
      const vdSize = (1 + versions.length) * (VERDEF_SIZE + VERDAUX_SIZE) + versions.filter((v) => v.parent !== undefined).length * VERDAUX_SIZE;
      gen(".gnu.version_d", SHT.GNU_VERDEF, 8, 0, ".dynstr", 1 + versions.length, () => verdefBytes(input.soname!, versions, dynstr), vdSize);
    }
    // The .dynamic contents, in the Observed kernel order (readelf -a of a Linux 6.x x86-64 vDSO, arch/x86/entry/vdso/vdso-layout.lds.S).
    const addrOf = (n: string) => (l: Layout) => l.section(n).address;
    if (input.soname !== undefined) dynEntries.push([DT.SONAME, sonameOff]);
    if (input.symbolic) dynEntries.push([DT.SYMBOLIC, 0]);
    if (hashStyle !== "gnu") dynEntries.push([DT.HASH, addrOf(".hash")]);
    if (hashStyle !== "sysv") dynEntries.push([DT.GNU_HASH, addrOf(".gnu.hash")]);
    dynEntries.push([DT.STRTAB, addrOf(".dynstr")], [DT.SYMTAB, addrOf(".dynsym")], [DT.STRSZ, dynstrBytes.length], [DT.SYMENT, SYM_SIZE]);
    if (versioned) dynEntries.push([DT.VERDEF, addrOf(".gnu.version_d")], [DT.VERDEFNUM, 1 + versions.length]);
    const dfFlags = (input.symbolic ? DF.SYMBOLIC : 0) | (input.bindNow ? DF.BIND_NOW : 0);
    if (dfFlags) dynEntries.push([DT.FLAGS, dfFlags]);
    if (input.bindNow) dynEntries.push([DT.FLAGS_1, DF_1.NOW]);
    if (versioned) dynEntries.push([DT.VERSYM, addrOf(".gnu.version")]);
    dynEntries.push([DT.NULL, 0]);
    gen(".dynamic", SHT.DYNAMIC, 8, DYN_SIZE, ".dynstr", 0, (l) => dynamicBytes(dynEntries, l), dynEntries.length * DYN_SIZE);
  }
  for (const s of input.sections) {
    if (s.name.startsWith(".") && items.some((i) => i.name === s.name)) throw bad(`section ${s.name} is generated by the writer`);
    const type = s.type ?? (s.name.startsWith(".note") ? SHT.NOTE : SHT.PROGBITS);
    const nobits = type === SHT.NOBITS;
    const data = s.data;
    if (typeof data !== "function" && !(data instanceof Uint8Array)) throw bad(`section ${s.name}: data must be a Uint8Array or a builder`);
    const size = typeof data === "function" || nobits ? s.size : data.length;
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw bad(`section ${s.name}: a builder or NOBITS section needs a size`);
    const flags = SHF.ALLOC | (s.exec ? SHF.EXECINSTR : 0) | (s.write ? SHF.WRITE : 0);
    const align = s.align ?? (type === SHT.NOTE ? 4 : s.name === ".eh_frame" ? 8 : 1);
    const build = typeof data === "function" ? data : () => data;
    items.push({ name: s.name, type, flags, align, entsize: s.entsize ?? 0, link: undefined, info: 0, size, build, nobits, user: true });
  }

  // .eh_frame_hdr goes after the last section of the segment holding .eh_frame, so that its size (which depends
  // on the FDE count, known only once .eh_frame is built) moves nothing that .eh_frame's contents depend on.
  const eh = items.find((i) => i.name === ".eh_frame");
  // A caller-supplied .eh_frame_hdr is used as is (it still gets its PT_GNU_EH_FRAME).
  const readyHdr = items.some((i) => i.name === ".eh_frame_hdr");
  const buildHdr = eh !== undefined && input.ehFrameHdr !== false && !readyHdr;
  const wantHdr = buildHdr || readyHdr;
  let hdrItem: Item | undefined;
  if (buildHdr) {
    const ehIdx = items.indexOf(eh);
    let at = ehIdx + 1;
    while (at < items.length && segKey(items[at]!) === segKey(eh) && !items[at]!.nobits) at++;
    hdrItem = { name: ".eh_frame_hdr", type: SHT.PROGBITS, flags: SHF.ALLOC, align: 4, entsize: 0, link: undefined, info: 0, size: 12, build: () => new Uint8Array(12), nobits: false, user: false };
    items.splice(at, 0, hdrItem);
  }

  // ---- program header count is known before layout
  const runs = segmentRuns(items);
  const noteItems = items.filter((i) => i.type === SHT.NOTE);
  const phnum = runs.length + (wantDynamic ? 1 : 0) + noteItems.length + (wantHdr ? 1 : 0) + (input.gnuStack ? 1 : 0);

  const place = (): Map<string, PlacedSection & { item: Item }> => {
    const placed = new Map<string, PlacedSection & { item: Item }>();
    let off = EHDR_SIZE + phnum * PHDR_SIZE;
    let prevKey: string | undefined;
    let idx = 1;
    let vaOff = 0; // NOBITS space after the file part of the current segment
    for (const it of items) {
      const key = segKey(it);
      if (prevKey !== undefined && key !== prevKey) {
        off = alignUp(off + vaOff, pageSize);
        vaOff = 0;
      }
      prevKey = key;
      if (it.nobits) {
        const a = alignUp(off + vaOff, it.align);
        placed.set(it.name, { name: it.name, index: idx++, address: base + a, offset: off, size: it.size, item: it });
        vaOff = a + it.size - off;
        continue;
      }
      if (vaOff > 0) throw bad(`section ${it.name} follows a NOBITS section in the same segment`);
      off = alignUp(off, it.align);
      placed.set(it.name, { name: it.name, index: idx++, address: base + off, offset: off, size: it.size, item: it });
      off += it.size;
    }
    return placed;
  };
  const layoutOf = (placed: Map<string, PlacedSection>): Layout => ({
    base,
    section(name) {
      const p = placed.get(name);
      if (!p) throw bad(`layout has no section ${name}`);
      return p;
    },
  });

  // Pass 1 fixes the FDE count (hence .eh_frame_hdr's size); pass 2 is final. Builders are pure.
  let placed = place();
  if (hdrItem) {
    const ehBytes = buildChecked(eh!, layoutOf(placed));
    const fdes = ehFrameFdes(ehBytes, placed.get(".eh_frame")!.address);
    hdrItem.size = 12 + 8 * fdes.length;
    placed = place();
    hdrItem.build = (l) => ehFrameHdrBytes(ehFrameFdes(buildChecked(eh!, l), l.section(".eh_frame").address), l.section(".eh_frame_hdr").address, l.section(".eh_frame").address);
  }
  const layout = layoutOf(placed);

  // ---- file size, .shstrtab, section headers
  const shstr = new StrTab();
  const shNameOff = items.map((i) => shstr.add(i.name));
  const shstrName = shstr.add(".shstrtab");
  const shstrBytes = shstr.bytes();
  let end = 0;
  for (const p of placed.values()) if (!p.item.nobits) end = Math.max(end, p.offset + p.size);
  end = Math.max(end, EHDR_SIZE + phnum * PHDR_SIZE);
  const shstrOff = end;
  const shoff = alignUp(shstrOff + shstrBytes.length, 8);
  const shnum = items.length + 2;
  const total = shoff + shnum * SHDR_SIZE;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const w64 = (o: number, x: number): void => {
    if (!Number.isSafeInteger(x)) throw bad(`value ${x} is not an integer`);
    v.setBigUint64(o, BigInt.asUintN(64, BigInt(x)), true);
  };

  // ---- contents
  for (const p of placed.values()) {
    if (p.item.nobits) continue;
    const bytes = buildChecked(p.item, layout);
    out.set(bytes, p.offset);
  }
  out.set(shstrBytes, shstrOff);

  // ---- ELF header
  out.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, ELFDATA2LSB, EV_CURRENT], 0);
  v.setUint16(16, input.type === "exec" ? ET.EXEC : ET.DYN, true);
  v.setUint16(18, machine, true);
  v.setUint32(20, EV_CURRENT, true);
  const symAddr = (d: DynSym): number => (d.section === undefined ? d.value : layout.section(d.section).address + d.value);
  let entry = 0;
  if (typeof input.entry === "number") {
    if (!Number.isSafeInteger(input.entry) || input.entry < 0) throw bad(`entry ${input.entry} is not an address`);
    entry = input.entry;
  }
  else if (typeof input.entry === "string") {
    const d = dsyms.find((x) => x.name === input.entry);
    if (!d) throw bad(`entry symbol ${input.entry} is not defined`);
    entry = symAddr(d);
  }
  w64(24, entry);
  w64(32, EHDR_SIZE);
  w64(40, shoff);
  v.setUint32(48, input.flags ?? 0, true);
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(54, PHDR_SIZE, true);
  v.setUint16(56, phnum, true);
  v.setUint16(58, SHDR_SIZE, true);
  v.setUint16(60, shnum, true);
  v.setUint16(62, shnum - 1, true);

  // ---- program headers
  let ph = EHDR_SIZE;
  const phdr = (type: number, flags: number, offset: number, filesz: number, memsz: number, align: number): void => {
    v.setUint32(ph, type, true);
    v.setUint32(ph + 4, flags, true);
    w64(ph + 8, offset);
    w64(ph + 16, base + offset);
    w64(ph + 24, base + offset);
    w64(ph + 32, filesz);
    w64(ph + 40, memsz);
    w64(ph + 48, align);
    ph += PHDR_SIZE;
  };
  runs.forEach((run, r) => {
    const ps = run.map((i) => placed.get(i.name)!);
    const start = r === 0 ? 0 : ps[0]!.offset; // the first segment maps the ELF and program headers too
    let fileEnd = start, memEnd = start;
    for (const p of ps) {
      if (!p.item.nobits) fileEnd = Math.max(fileEnd, p.offset + p.size);
      memEnd = Math.max(memEnd, p.address - base + p.size);
    }
    if (r === 0) fileEnd = Math.max(fileEnd, EHDR_SIZE + phnum * PHDR_SIZE);
    memEnd = Math.max(memEnd, fileEnd);
    const flags = PF.R | (run.some((i) => i.flags & SHF.EXECINSTR) ? PF.X : 0) | (run.some((i) => i.flags & SHF.WRITE) ? PF.W : 0);
    phdr(PT.LOAD, flags, start, fileEnd - start, memEnd - start, pageSize);
  });
  if (wantDynamic) {
    const d = placed.get(".dynamic")!;
    phdr(PT.DYNAMIC, PF.R | (d.item.flags & SHF.WRITE ? PF.W : 0), d.offset, d.size, d.size, 8);
  }
  for (const n of noteItems) {
    const p = placed.get(n.name)!;
    phdr(PT.NOTE, PF.R, p.offset, p.size, p.size, n.align);
  }
  if (wantHdr) {
    const p = placed.get(".eh_frame_hdr")!;
    phdr(PT.GNU_EH_FRAME, PF.R, p.offset, p.size, p.size, 4);
  }
  if (input.gnuStack) {
    v.setUint32(ph, PT.GNU_STACK, true);
    v.setUint32(ph + 4, PF.R | PF.W, true);
    w64(ph + 48, 16);
    ph += PHDR_SIZE;
  }

  // ---- section headers (index 0 is null; .shstrtab last)
  const indexOf = (n: string): number => placed.get(n)!.index;
  items.forEach((it, k) => {
    const p = placed.get(it.name)!;
    const o = shoff + p.index * SHDR_SIZE;
    v.setUint32(o, shNameOff[k]!, true);
    v.setUint32(o + 4, it.type, true);
    w64(o + 8, it.flags);
    w64(o + 16, p.address);
    w64(o + 24, p.offset);
    w64(o + 32, p.size);
    v.setUint32(o + 40, it.link ? indexOf(it.link) : 0, true);
    v.setUint32(o + 44, it.info, true);
    w64(o + 48, it.align);
    w64(o + 56, it.entsize);
  });
  const so = shoff + (shnum - 1) * SHDR_SIZE;
  v.setUint32(so, shstrName, true);
  v.setUint32(so + 4, SHT.STRTAB, true);
  w64(so + 24, shstrOff);
  w64(so + 32, shstrBytes.length);
  w64(so + 48, 1);

  // ---- results
  const symbols: WrittenSymbol[] = dsyms.map((d, i) => ({ name: d.name, version: d.version, hidden: d.hidden, address: symAddr(d), size: d.size, index: i + 1 }));
  const sections = new Map<string, PlacedSection>();
  for (const [k, p] of placed) sections.set(k, { name: p.name, index: p.index, address: p.address, offset: p.offset, size: p.size });
  sections.set(".shstrtab", { name: ".shstrtab", index: shnum - 1, address: 0, offset: shstrOff, size: shstrBytes.length });
  return {
    bytes: out, entry, sections, symbols,
    symbolAddress(name, version) {
      const s = symbols.find((x) => x.name === name && (version === undefined ? !x.hidden : x.version === version));
      return s?.address;
    },
  };

  function dynsymBytes(ds: DynSym[], names: number[], l: Layout): Uint8Array {
    const b = new Uint8Array(nsyms * SYM_SIZE);
    const dv = new DataView(b.buffer);
    ds.forEach((d, k) => {
      const o = (k + 1) * SYM_SIZE;
      dv.setUint32(o, names[k]!, true);
      dv.setUint8(o + 4, d.info);
      dv.setUint16(o + 6, d.section === undefined ? SHN.ABS : l.section(d.section).index, true);
      dv.setBigUint64(o + 8, BigInt(d.section === undefined ? d.value : l.section(d.section).address + d.value), true);
      dv.setBigUint64(o + 16, BigInt(d.size), true);
    });
    return b;
  }
}

function segKey(i: Item): string {
  return i.flags & SHF.WRITE ? "w" : "r";
}

/** Consecutive items with the same writability share one PT_LOAD. */
function segmentRuns(items: Item[]): Item[][] {
  const runs: Item[][] = [];
  for (const it of items) {
    const last = runs[runs.length - 1];
    if (last && segKey(last[0]!) === segKey(it)) last.push(it);
    else runs.push([it]);
  }
  if (runs.length === 0) runs.push([]);
  return runs;
}

function buildChecked(it: Item, l: Layout): Uint8Array {
  const b = it.build(l);
  if (!(b instanceof Uint8Array) || b.length !== it.size) throw bad(`section ${it.name}: builder returned ${b?.length} bytes, expected ${it.size}`);
  return b;
}

function sysvHashBytes(ds: DynSym[], nbucket: number): Uint8Array {
  const nchain = ds.length + 1;
  const words = new Uint32Array(2 + nbucket + nchain);
  words[0] = nbucket;
  words[1] = nchain;
  // Insert in ascending index order so each bucket lists its symbols newest-first, as ld does.
  for (let i = 1; i < nchain; i++) {
    const b = elfHash(ds[i - 1]!.name) % nbucket;
    words[2 + nbucket + i] = words[2 + b]!;
    words[2 + b] = i;
  }
  return u32le(words);
}

function gnuHashBytes(hashes: number[], nbuckets: number, bloomWords: number, shift: number): Uint8Array {
  const n = hashes.length;
  const out = new Uint8Array(16 + 8 * bloomWords + 4 * nbuckets + 4 * n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, nbuckets, true);
  dv.setUint32(4, 1, true); // symoffset: everything after the null symbol is hashed
  dv.setUint32(8, bloomWords, true);
  dv.setUint32(12, shift, true);
  const bloom = new BigUint64Array(bloomWords);
  for (const h of hashes) {
    const w = Math.floor(h / 64) % bloomWords;
    bloom[w] = bloom[w]! | (1n << BigInt(h % 64)) | (1n << BigInt((h >>> shift) % 64));
  }
  bloom.forEach((x, k) => dv.setBigUint64(16 + 8 * k, x, true));
  const bk = 16 + 8 * bloomWords;
  const ch = bk + 4 * nbuckets;
  for (let i = 0; i < n; i++) {
    const b = hashes[i]! % nbuckets;
    if (dv.getUint32(bk + 4 * b, true) === 0) dv.setUint32(bk + 4 * b, i + 1, true);
    const last = i === n - 1 || hashes[i + 1]! % nbuckets !== b;
    dv.setUint32(ch + 4 * i, last ? (hashes[i]! | 1) >>> 0 : (hashes[i]! & ~1) >>> 0, true);
  }
  return out;
}

function versymBytes(ds: DynSym[]): Uint8Array {
  const out = new Uint8Array(2 * (ds.length + 1));
  const dv = new DataView(out.buffer);
  ds.forEach((d, k) => dv.setUint16(2 * (k + 1), d.versym, true));
  return out;
}

function verdefBytes(soname: string, versions: WriterVersion[], str: StrTab): Uint8Array {
  const defs = [{ name: soname, parent: undefined as string | undefined, flags: VER_FLG_BASE }, ...versions.map((v) => ({ name: v.name, parent: v.parent, flags: 0 }))];
  const sizes = defs.map((d) => VERDEF_SIZE + VERDAUX_SIZE * (d.parent !== undefined ? 2 : 1));
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  const dv = new DataView(out.buffer);
  let o = 0;
  defs.forEach((d, k) => {
    const cnt = d.parent !== undefined ? 2 : 1;
    dv.setUint16(o, 1, true);
    dv.setUint16(o + 2, d.flags, true);
    dv.setUint16(o + 4, k + 1, true);
    dv.setUint16(o + 6, cnt, true);
    dv.setUint32(o + 8, elfHash(d.name), true);
    dv.setUint32(o + 12, VERDEF_SIZE, true);
    dv.setUint32(o + 16, k === defs.length - 1 ? 0 : sizes[k]!, true);
    dv.setUint32(o + 20, str.add(d.name), true);
    dv.setUint32(o + 24, cnt === 2 ? VERDAUX_SIZE : 0, true);
    if (cnt === 2) dv.setUint32(o + 28, str.add(d.parent!), true);
    o += sizes[k]!;
  });
  return out;
}

function dynamicBytes(entries: [number, number | ((l: Layout) => number)][], l: Layout): Uint8Array {
  const out = new Uint8Array(entries.length * DYN_SIZE);
  const dv = new DataView(out.buffer);
  entries.forEach(([tag, val], k) => {
    dv.setBigUint64(k * DYN_SIZE, BigInt(tag), true);
    dv.setBigUint64(k * DYN_SIZE + 8, BigInt(typeof val === "function" ? val(l) : val), true);
  });
  return out;
}

function u32le(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((x, k) => dv.setUint32(4 * k, x, true));
  return out;
}

// ------------------------------------------------------------------------------------------ .eh_frame_hdr

interface Fde {
  readonly pc: number;
  readonly address: number;
}

/**
 * The FDEs of an .eh_frame at `addr`: each one's initial location and address. Understands the pointer
 * encodings that GCC and hand-written CFI emit (absptr, [us]data{2,4,8}, optionally pc-relative).
 */
export function ehFrameFdes(b: Uint8Array, addr: number): Fde[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const err = (o: number, m: string): ElfError => new ElfError("invalid-input", o, `.eh_frame: ${m}`);
  const need = (o: number, n: number): void => {
    if (o + n > b.length) throw err(o, "record runs past the section");
  };
  const cieEnc = new Map<number, number>();
  const fdes: Fde[] = [];
  let o = 0;
  while (o + 4 <= b.length) {
    const len = dv.getUint32(o, true);
    if (len === 0) break; // terminator
    if (len === 0xffffffff) throw err(o, "64-bit DWARF records are not supported");
    need(o + 4, len);
    const idAt = o + 4;
    const id = dv.getUint32(idAt, true);
    const next = idAt + len;
    if (id === 0) {
      cieEnc.set(o, cieFdeEncoding(b, idAt + 4, next, err));
    } else {
      const cie = idAt - id;
      const encv = cieEnc.get(cie);
      if (encv === undefined) throw err(idAt, `FDE points at 0x${cie.toString(16)}, which is not a CIE seen before`);
      const pcAt = idAt + 4;
      fdes.push({ pc: readEncoded(dv, pcAt, encv, addr + pcAt, err, need), address: addr + o });
    }
    o = next;
  }
  return fdes.sort((a, c) => a.pc - c.pc);
}

function cieFdeEncoding(b: Uint8Array, o: number, end: number, err: (o: number, m: string) => ElfError): number {
  const version = b[o]!;
  if (version !== 1 && version !== 3) throw err(o, `CIE version ${version} is not 1 or 3`);
  let p = o + 1;
  let aug = "";
  while (p < end && b[p] !== 0) aug += String.fromCharCode(b[p++]!);
  p++;
  if (aug.includes("eh")) throw err(o, "augmentation \"eh\" is not supported");
  const leb = (): number => {
    let r = 0, mul = 1;
    for (;;) {
      if (p >= end) throw err(p, "LEB128 runs past the CIE");
      const x = b[p++]!;
      r += (x & 0x7f) * mul;
      mul *= 128;
      if (!(x & 0x80)) return r;
    }
  };
  leb(); // code alignment
  leb(); // data alignment (sign irrelevant: skipped)
  if (version === 1) p++;
  else leb(); // return address register
  if (aug[0] !== "z") return DW_EH_PE.absptr;
  leb(); // augmentation data length
  for (const c of aug.slice(1)) {
    if (c === "R") return b[p]!;
    if (c === "L") p++;
    else if (c === "P") {
      const penc = b[p++]!;
      p += encodedSize(penc & 0x0f, err, p);
    } else if (c !== "S" && c !== "B") throw err(o, `unknown augmentation ${aug}`);
  }
  return DW_EH_PE.absptr;
}

function encodedSize(format: number, err: (o: number, m: string) => ElfError, at: number): number {
  const size: Record<number, number> = { 0x0: 8, 0x2: 2, 0x3: 4, 0x4: 8, 0xa: 2, 0xb: 4, 0xc: 8 };
  const s = size[format];
  if (s === undefined) throw err(at, `pointer encoding 0x${format.toString(16)} is not supported`);
  return s;
}

function readEncoded(dv: DataView, o: number, encv: number, pcAddr: number, err: (o: number, m: string) => ElfError, need: (o: number, n: number) => void): number {
  const fmt = encv & 0x0f;
  const app = encv & 0x70;
  need(o, encodedSize(fmt, err, o));
  let x: number;
  switch (fmt) {
    case 0x0: case 0x4: x = Number(dv.getBigUint64(o, true)); break;
    case 0xc: x = Number(dv.getBigInt64(o, true)); break;
    case 0x2: x = dv.getUint16(o, true); break;
    case 0xa: x = dv.getInt16(o, true); break;
    case 0x3: x = dv.getUint32(o, true); break;
    default: x = dv.getInt32(o, true); break; // 0xb
  }
  if (app === DW_EH_PE.pcrel) return pcAddr + x;
  if (app === 0) return x;
  throw err(o, `pointer application 0x${app.toString(16)} is not supported in .eh_frame`);
}

/** .eh_frame_hdr version 1: pc-relative eh_frame pointer, udata4 count, datarel sdata4 sorted table. */
function ehFrameHdrBytes(fdes: Fde[], hdrAddr: number, ehAddr: number): Uint8Array {
  const out = new Uint8Array(12 + 8 * fdes.length);
  const dv = new DataView(out.buffer);
  out.set([1, DW_EH_PE.pcrel | DW_EH_PE.sdata4, DW_EH_PE.udata4, DW_EH_PE.datarel | DW_EH_PE.sdata4], 0);
  dv.setInt32(4, ehAddr - (hdrAddr + 4), true);
  dv.setUint32(8, fdes.length, true);
  fdes.forEach((f, k) => {
    dv.setInt32(12 + 8 * k, f.pc - hdrAddr, true);
    dv.setInt32(16 + 8 * k, f.address - hdrAddr, true);
  });
  return out;
}
