import { Bin } from "./bin.js";
import {
  DT, DYN_SIZE, EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, PHDR_SIZE, PN_XNUM, PT, SHDR_SIZE, SHN, SHT,
  STB, STT, SYM_SIZE, VER_FLG_BASE, VERDAUX_SIZE, VERDEF_SIZE, VERNAUX_SIZE, VERNEED_SIZE, VERSYM_HIDDEN,
  VERSYM_VERSION, VER_NDX_GLOBAL, VER_NDX_LOCAL,
} from "./constants.js";
import { ElfError } from "./errors.js";
import { elfHash, gnuHash } from "./hash.js";

export interface ElfHeader {
  readonly osabi: number;
  readonly abiVersion: number;
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** Real program-header count (PN_XNUM resolved). */
  readonly phnum: number;
  readonly shentsize: number;
  /** Real section count (extended numbering resolved). */
  readonly shnum: number;
  /** Real section-name string table index (SHN_XINDEX resolved). */
  readonly shstrndx: number;
}

export interface ProgramHeader {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface DynamicEntry {
  readonly tag: number;
  readonly value: number;
}

/** A symbol's version, resolved through .gnu.version plus .gnu.version_d (defined) or .gnu.version_r (needed). */
export interface SymbolVersion {
  /** versym & 0x7fff: 0 local, 1 global (unversioned), ≥ 2 a Verdef/Vernaux index. */
  readonly index: number;
  /** Bit 15 of versym: the symbol is not the default version (`name@V`, not `name@@V`). */
  readonly hidden: boolean;
  /** Version name; undefined for index 0/1 or an index no table defines. */
  readonly name: string | undefined;
  /** For a needed version (Verneed), the file that must provide it. */
  readonly file?: string;
  /** True when this symbol is a definition in its version's default slot (`@@`). */
  readonly isDefault: boolean;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: number;
  readonly binding: number;
  readonly visibility: number;
  readonly shndx: number;
  /** Only for .dynsym entries of a file that has .gnu.version. */
  readonly version?: SymbolVersion;
}

export interface VerdefEntry {
  readonly offset: number;
  readonly version: number;
  readonly flags: number;
  readonly ndx: number;
  readonly hash: number;
  /** Verdaux names: [0] is the version name, the rest are parent versions. */
  readonly names: readonly string[];
  readonly name: string;
  readonly isBase: boolean;
}

export interface VernauxEntry {
  readonly hash: number;
  readonly flags: number;
  readonly other: number;
  readonly name: string;
}

export interface VerneedEntry {
  readonly offset: number;
  readonly version: number;
  readonly file: string;
  readonly aux: readonly VernauxEntry[];
}

export interface ElfNote {
  /** File offset of the note header. */
  readonly offset: number;
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

/** Hard limits so that a hostile header cannot make us allocate or loop without bound. */
const MAX_TABLE_ENTRIES = 1 << 22;

/** Parse an ELF64 little-endian file. Headers are checked eagerly; tables are parsed (and checked) on first use. */
export function readElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}

export class ElfFile {
  readonly bin: Bin;
  readonly header: ElfHeader;
  readonly programHeaders: readonly ProgramHeader[];
  readonly sections: readonly Section[];
  private readonly byName = new Map<string, Section>();
  private cache = new Map<string, unknown>();

  constructor(readonly bytes: Uint8Array) {
    const b = (this.bin = new Bin(bytes));
    if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      throw new ElfError(bytes.length < 4 ? "truncated" : "bad-magic", 0, "not an ELF file (magic \\x7fELF missing)");
    }
    b.check(0, EHDR_SIZE, "ELF header");
    if (bytes[4] !== ELFCLASS64) throw new ElfError("bad-class", 4, `EI_CLASS ${bytes[4]} is not ELFCLASS64`);
    if (bytes[5] !== ELFDATA2LSB) throw new ElfError("bad-data", 5, `EI_DATA ${bytes[5]} is not little-endian`);
    if (bytes[6] !== EV_CURRENT) throw new ElfError("bad-version", 6, `EI_VERSION ${bytes[6]} is not 1`);
    const phoff = b.u64(32, "e_phoff");
    const shoff = b.u64(40, "e_shoff");
    const phentsize = b.u16(54);
    let phnum = b.u16(56);
    const shentsize = b.u16(58);
    let shnum = b.u16(60);
    let shstrndx = b.u16(62);

    // Extended numbering: section 0 holds the real counts when the header fields overflow.
    if (shoff !== 0) {
      if (shentsize !== SHDR_SIZE) throw new ElfError("bad-entsize", 58, `e_shentsize ${shentsize} is not ${SHDR_SIZE}`);
      b.check(shoff, SHDR_SIZE, "section header 0");
      if (shnum === 0) shnum = b.u64(shoff + 32, "section 0 sh_size (e_shnum)");
      if (shstrndx === SHN.XINDEX) shstrndx = b.u32(shoff + 40, "section 0 sh_link (e_shstrndx)");
      if (phnum === PN_XNUM) phnum = b.u32(shoff + 44, "section 0 sh_info (e_phnum)");
    } else {
      shnum = 0;
    }
    if (phnum !== 0 && phentsize !== PHDR_SIZE) throw new ElfError("bad-entsize", 54, `e_phentsize ${phentsize} is not ${PHDR_SIZE}`);
    if (phnum > MAX_TABLE_ENTRIES || shnum > MAX_TABLE_ENTRIES) throw new ElfError("out-of-range", 56, "header counts are absurdly large");
    b.check(phoff, phnum * PHDR_SIZE, "program header table");
    b.check(shoff, shnum * SHDR_SIZE, "section header table");

    this.header = {
      osabi: bytes[7]!, abiVersion: bytes[8]!, type: b.u16(16), machine: b.u16(18), version: b.u32(20),
      entry: b.u64(24, "e_entry"), phoff, shoff, flags: b.u32(48), ehsize: b.u16(52),
      phentsize, phnum, shentsize, shnum, shstrndx,
    };

    const phs: ProgramHeader[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * PHDR_SIZE;
      const ph: ProgramHeader = {
        index: i, type: b.u32(o), flags: b.u32(o + 4), offset: b.u64(o + 8, "p_offset"), vaddr: b.u64(o + 16, "p_vaddr"),
        paddr: b.u64(o + 24, "p_paddr"), filesz: b.u64(o + 32, "p_filesz"), memsz: b.u64(o + 40, "p_memsz"),
        align: b.u64(o + 48, "p_align"),
      };
      if (ph.filesz > 0) b.check(ph.offset, ph.filesz, `segment ${i} file range`);
      phs.push(ph);
    }
    this.programHeaders = phs;

    const raw: Omit<Section, "name">[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * SHDR_SIZE;
      const s = {
        index: i, nameOffset: b.u32(o), type: b.u32(o + 4), flags: b.u64(o + 8, "sh_flags"), addr: b.u64(o + 16, "sh_addr"),
        offset: b.u64(o + 24, "sh_offset"), size: b.u64(o + 32, "sh_size"), link: b.u32(o + 40), info: b.u32(o + 44),
        addralign: b.u64(o + 48, "sh_addralign"), entsize: b.u64(o + 56, "sh_entsize"),
      };
      if (i > 0 && s.type !== SHT.NOBITS && s.type !== SHT.NULL) b.check(s.offset, s.size, `section ${i} contents`);
      raw.push(s);
    }
    let names: ((off: number) => string) | undefined;
    if (shnum > 0 && shstrndx !== SHN.UNDEF) {
      if (shstrndx >= shnum) throw new ElfError("out-of-range", 62, `e_shstrndx ${shstrndx} ≥ section count ${shnum}`);
      const st = raw[shstrndx]!;
      if (st.type !== SHT.STRTAB) throw new ElfError("bad-link", shoff + shstrndx * SHDR_SIZE, "e_shstrndx is not a string table");
      names = (off) => b.cstr(st.offset + off, st.offset + st.size, "section name");
    }
    this.sections = raw.map((s) => ({ ...s, name: names && s.index > 0 ? names(s.nameOffset) : "" }));
    for (const s of this.sections) if (s.name !== "" && !this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  private memo<T>(key: string, f: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = f();
    this.cache.set(key, v);
    return v;
  }

  // ---------------------------------------------------------------- headers and segments

  get type(): number { return this.header.type; }
  get machine(): number { return this.header.machine; }
  get entry(): number { return this.header.entry; }

  /** First section with this name. */
  sectionByName(name: string): Section | undefined {
    return this.byName.get(name);
  }
  sectionsOfType(type: number): Section[] {
    return this.sections.filter((s) => s.type === type);
  }
  /** Section contents (empty for SHT_NOBITS). A view, not a copy. */
  sectionData(s: Section): Uint8Array {
    if (s.type === SHT.NOBITS || s.type === SHT.NULL) return new Uint8Array(0);
    return this.bin.slice(s.offset, s.size, `section ${s.name || s.index}`);
  }
  segmentsOfType(type: number): ProgramHeader[] {
    return this.programHeaders.filter((p) => p.type === type);
  }
  /** The file bytes of a segment (p_filesz of them). */
  segmentData(p: ProgramHeader): Uint8Array {
    return this.bin.slice(p.offset, p.filesz, `segment ${p.index}`);
  }
  get loadSegments(): ProgramHeader[] {
    return this.memo("load", () => this.segmentsOfType(PT.LOAD));
  }
  /** PT_INTERP path (a dynamically linked executable), or undefined for static ones. */
  get interpreter(): string | undefined {
    return this.memo("interp", () => {
      const p = this.programHeaders.find((x) => x.type === PT.INTERP);
      if (!p) return undefined;
      return this.bin.cstr(p.offset, p.offset + p.filesz, "PT_INTERP");
    });
  }
  get tlsSegment(): ProgramHeader | undefined {
    return this.programHeaders.find((p) => p.type === PT.TLS);
  }
  get gnuStack(): ProgramHeader | undefined {
    return this.programHeaders.find((p) => p.type === PT.GNU_STACK);
  }

  /**
   * Link-time address of the program header table, for AT_PHDR: PT_PHDR's p_vaddr when present, else the
   * address at which the PT_LOAD covering e_phoff maps it (what Linux's load_elf_binary computes).
   */
  get phdrAddress(): number | undefined {
    const pt = this.programHeaders.find((p) => p.type === PT.PHDR);
    if (pt) return pt.vaddr;
    const { phoff, phnum } = this.header;
    const p = this.loadSegments.find((l) => phoff >= l.offset && phoff + phnum * PHDR_SIZE <= l.offset + l.filesz);
    return p ? p.vaddr + (phoff - p.offset) : undefined;
  }

  /** Map a virtual address to a file offset through the PT_LOAD segments (file-backed part only). */
  vaddrToOffset(vaddr: number, len = 1): number | undefined {
    for (const p of this.loadSegments) {
      if (vaddr >= p.vaddr && vaddr + len <= p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- string and symbol tables

  /** String at `off` in string-table section `strtab`. */
  stringAt(strtab: Section, off: number): string {
    if (strtab.type !== SHT.STRTAB) throw new ElfError("bad-link", this.shdrOffset(strtab), `section ${strtab.index} is not a string table`);
    return this.bin.cstr(strtab.offset + off, strtab.offset + strtab.size, `string in ${strtab.name || strtab.index}`);
  }

  private shdrOffset(s: Section): number {
    return this.header.shoff + s.index * SHDR_SIZE;
  }

  private linked(s: Section, what: string, type?: number): Section {
    const t = this.sections[s.link];
    if (s.link === 0 || !t || (type !== undefined && t.type !== type)) {
      throw new ElfError("bad-link", this.shdrOffset(s) + 40, `${s.name || s.index}: sh_link ${s.link} is not a valid ${what}`);
    }
    return t;
  }

  private checkEntsize(s: Section, size: number): number {
    if (s.entsize !== size && !(s.entsize === 0 && s.size === 0)) {
      throw new ElfError("bad-entsize", this.shdrOffset(s) + 56, `${s.name || s.index}: sh_entsize ${s.entsize} is not ${size}`);
    }
    if (s.size % size !== 0) throw new ElfError("bad-entsize", this.shdrOffset(s) + 32, `${s.name || s.index}: size ${s.size} is not a multiple of ${size}`);
    return s.size / size;
  }

  /** Parse the symbols of a SHT_SYMTAB / SHT_DYNSYM section (without versions). */
  symbolsOf(s: Section): ElfSymbol[] {
    const n = this.checkEntsize(s, SYM_SIZE);
    const str = this.linked(s, "string table", SHT.STRTAB);
    return this.parseSymbols(s.offset, n, (o) => this.stringAt(str, o));
  }

  private parseSymbols(off: number, n: number, str: (o: number) => string): ElfSymbol[] {
    const b = this.bin;
    b.check(off, n * SYM_SIZE, "symbol table");
    const out: ElfSymbol[] = [];
    for (let i = 0; i < n; i++) {
      const o = off + i * SYM_SIZE;
      const info = b.u8(o + 4);
      out.push({
        index: i, name: str(b.u32(o)), type: info & 0xf, binding: info >> 4, visibility: b.u8(o + 5) & 3,
        shndx: b.u16(o + 6), value: b.u64(o + 8, "st_value"), size: b.u64(o + 16, "st_size"),
      });
    }
    return out;
  }

  /**
   * Where a dynamic-linking table lives: its section when the file has section headers; otherwise (a file
   * stripped of them, or a memory image) the DT_* address mapped through the PT_LOADs, bounded by the end of
   * the segment that holds it. `info` is sh_info (or the DT_*NUM count; 0 = unknown).
   */
  private dynTable(sht: number, dtAddr: number, dtNum?: number): { off: number; end: number; info: number } | undefined {
    const s = this.sections.find((x) => x.type === sht);
    if (s) return { off: s.offset, end: s.offset + s.size, info: s.info };
    if (this.sections.length > 0) return undefined;
    const addr = this.dynamicValue(dtAddr);
    if (addr === undefined) return undefined;
    const seg = this.loadSegments.find((p) => addr >= p.vaddr && addr < p.vaddr + p.filesz);
    if (!seg) throw new ElfError("out-of-range", 0, `dynamic tag 0x${dtAddr.toString(16)} address 0x${addr.toString(16)} is not inside a PT_LOAD`);
    const off = seg.offset + (addr - seg.vaddr);
    return { off, end: seg.offset + seg.filesz, info: dtNum === undefined ? 0 : this.dynamicValue(dtNum) ?? 0 };
  }

  /** Number of .dynsym entries: the section size, else DT_HASH's nchain, else what DT_GNU_HASH implies. */
  private dynsymLocation(): { off: number; count: number; str: (o: number) => string } | undefined {
    const s = this.dynsymSection;
    if (s) {
      const str = this.linked(s, "string table", SHT.STRTAB);
      return { off: s.offset, count: this.checkEntsize(s, SYM_SIZE), str: (o) => this.stringAt(str, o) };
    }
    const t = this.dynTable(SHT.DYNSYM, DT.SYMTAB);
    if (!t) return undefined;
    const max = Math.floor((t.end - t.off) / SYM_SIZE);
    const sysv = this.dynTable(SHT.HASH, DT.HASH);
    const gnu = this.dynTable(SHT.GNU_HASH, DT.GNU_HASH);
    let count: number;
    if (sysv) count = this.bin.u32(sysv.off + 4, "nchain");
    else if (gnu) count = gnuHashSymbolCount(this.bin, gnuHashTable(this.bin, gnu.off, gnu.end - gnu.off), max);
    else throw new ElfError("missing", t.off, "no hash table to size the dynamic symbol table");
    if (count > max) throw new ElfError("out-of-range", t.off, `${count} dynamic symbols do not fit their segment`);
    return { off: t.off, count, str: (o) => this.dynString(o) };
  }

  /** .symtab entries (empty when stripped). */
  get symbols(): readonly ElfSymbol[] {
    return this.memo("symtab", () => {
      const s = this.sections.find((x) => x.type === SHT.SYMTAB);
      return s ? this.symbolsOf(s) : [];
    });
  }

  get dynsymSection(): Section | undefined {
    return this.sections.find((x) => x.type === SHT.DYNSYM);
  }

  /** .dynsym entries, each with its resolved version when the file has .gnu.version. */
  get dynamicSymbols(): readonly ElfSymbol[] {
    return this.memo("dynsym", () => {
      const loc = this.dynsymLocation();
      if (!loc) return [];
      const syms = this.parseSymbols(loc.off, loc.count, loc.str);
      const vs = this.versyms;
      if (!vs) return syms;
      if (vs.length !== syms.length) {
        throw new ElfError("out-of-range", loc.off, `.gnu.version has ${vs.length} entries but .dynsym has ${syms.length}`);
      }
      const defs = new Map<number, VerdefEntry>();
      for (const d of this.verdefs) if (!defs.has(d.ndx & VERSYM_VERSION)) defs.set(d.ndx & VERSYM_VERSION, d);
      const needs = new Map<number, { file: string; name: string }>();
      for (const n of this.verneeds) for (const a of n.aux) needs.set(a.other & VERSYM_VERSION, { file: n.file, name: a.name });
      return syms.map((sym, i) => {
        const raw = vs[i]!;
        const index = raw & VERSYM_VERSION;
        const hidden = (raw & VERSYM_HIDDEN) !== 0;
        let version: SymbolVersion;
        if (index === VER_NDX_LOCAL || index === VER_NDX_GLOBAL) {
          version = { index, hidden, name: undefined, isDefault: false };
        } else if (sym.shndx !== SHN.UNDEF && defs.has(index)) {
          version = { index, hidden, name: defs.get(index)!.name, isDefault: !hidden };
        } else if (needs.has(index)) {
          const n = needs.get(index)!;
          version = { index, hidden, name: n.name, file: n.file, isDefault: false };
        } else if (defs.has(index)) {
          version = { index, hidden, name: defs.get(index)!.name, isDefault: false };
        } else {
          version = { index, hidden, name: undefined, isDefault: false };
        }
        return { ...sym, version };
      });
    });
  }

  // ---------------------------------------------------------------- dynamic section

  /** Dynamic entries up to and excluding DT_NULL; from .dynamic, else from PT_DYNAMIC. */
  get dynamic(): readonly DynamicEntry[] {
    return this.memo("dynamic", () => {
      let off: number, size: number;
      const s = this.sections.find((x) => x.type === SHT.DYNAMIC);
      if (s) {
        off = s.offset;
        size = s.size;
      } else {
        const p = this.programHeaders.find((x) => x.type === PT.DYNAMIC);
        if (!p) return [];
        off = p.offset;
        size = p.filesz;
      }
      const out: DynamicEntry[] = [];
      const n = Math.floor(size / DYN_SIZE);
      for (let i = 0; i < n; i++) {
        const o = off + i * DYN_SIZE;
        const tag = this.bin.u64(o, "d_tag");
        if (tag === DT.NULL) break;
        out.push({ tag, value: this.bin.u64(o + 8, "d_val") });
      }
      return out;
    });
  }

  dynamicValue(tag: number): number | undefined {
    return this.dynamic.find((d) => d.tag === tag)?.value;
  }

  private dynstrSection(): Section | undefined {
    const ds = this.dynsymSection;
    if (ds) return this.linked(ds, "string table", SHT.STRTAB);
    const d = this.sections.find((x) => x.type === SHT.DYNAMIC);
    return d ? this.linked(d, "string table", SHT.STRTAB) : undefined;
  }

  /** A string from the dynamic string table (DT_STRTAB), by offset. */
  private dynString(off: number): string {
    const s = this.dynstrSection();
    if (s) return this.stringAt(s, off);
    // No section headers: follow DT_STRTAB/DT_STRSZ through the load segments.
    const addr = this.dynamicValue(DT.STRTAB);
    const sz = this.dynamicValue(DT.STRSZ);
    if (addr === undefined || sz === undefined) throw new ElfError("missing", 0, "no dynamic string table");
    const fo = this.vaddrToOffset(addr, sz);
    if (fo === undefined) throw new ElfError("out-of-range", 0, "DT_STRTAB is not inside a PT_LOAD");
    return this.bin.cstr(fo + off, fo + sz, "dynamic string");
  }

  get soname(): string | undefined {
    return this.memo("soname", () => {
      const v = this.dynamicValue(DT.SONAME);
      return v === undefined ? undefined : this.dynString(v);
    });
  }

  get needed(): readonly string[] {
    return this.memo("needed", () => this.dynamic.filter((d) => d.tag === DT.NEEDED).map((d) => this.dynString(d.value)));
  }

  // ---------------------------------------------------------------- symbol versioning

  /** Raw .gnu.version entries (one u16 per .dynsym entry), or undefined when absent. */
  get versyms(): Uint16Array | undefined {
    return this.memo("versym", () => {
      const s = this.sections.find((x) => x.type === SHT.GNU_VERSYM);
      let off: number, n: number;
      if (s) {
        off = s.offset;
        n = this.checkEntsize(s, 2);
      } else {
        const t = this.dynTable(SHT.GNU_VERSYM, DT.VERSYM);
        if (!t) return undefined;
        off = t.off;
        n = this.dynsymLocation()?.count ?? 0; // one entry per dynamic symbol
      }
      this.bin.check(off, 2 * n, ".gnu.version");
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = this.bin.u16(off + 2 * i);
      return out;
    });
  }

  /** .gnu.version_d entries in file order (BASE first, normally). */
  get verdefs(): readonly VerdefEntry[] {
    return this.memo("verdef", () => {
      const s = this.sections.find((x) => x.type === SHT.GNU_VERDEF);
      if (s) {
        const str = this.linked(s, "string table", SHT.STRTAB);
        return walkVerdefs(this.bin, s.offset, s.offset + s.size, s.info, (o) => this.stringAt(str, o));
      }
      const t = this.dynTable(SHT.GNU_VERDEF, DT.VERDEF, DT.VERDEFNUM);
      return t ? walkVerdefs(this.bin, t.off, t.end, t.info, (o) => this.dynString(o)) : [];
    });
  }

  /** .gnu.version_r entries. */
  get verneeds(): readonly VerneedEntry[] {
    return this.memo("verneed", () => {
      const s = this.sections.find((x) => x.type === SHT.GNU_VERNEED);
      if (s) {
        const str = this.linked(s, "string table", SHT.STRTAB);
        return walkVerneeds(this.bin, s.offset, s.offset + s.size, s.info, (o) => this.stringAt(str, o));
      }
      const t = this.dynTable(SHT.GNU_VERNEED, DT.VERNEED, DT.VERNEEDNUM);
      return t ? walkVerneeds(this.bin, t.off, t.end, t.info, (o) => this.dynString(o)) : [];
    });
  }

  // ---------------------------------------------------------------- notes

  /** Notes from SHT_NOTE sections, or from PT_NOTE segments when there are no sections. */
  get notes(): readonly ElfNote[] {
    return this.memo("notes", () => {
      const out: ElfNote[] = [];
      const secs = this.sections.filter((x) => x.type === SHT.NOTE);
      if (secs.length > 0) {
        for (const s of secs) out.push(...parseNotes(this.bin, s.offset, s.size, s.addralign));
      } else {
        for (const p of this.segmentsOfType(PT.NOTE)) out.push(...parseNotes(this.bin, p.offset, p.filesz, p.align));
      }
      return out;
    });
  }

  /** GNU build-id as lowercase hex, if present. */
  get buildId(): string | undefined {
    const n = this.notes.find((x) => x.name === "GNU" && x.type === 3);
    return n ? Array.from(n.desc, (x) => x.toString(16).padStart(2, "0")).join("") : undefined;
  }

  // ---------------------------------------------------------------- hash lookups

  /** Look a .dynsym symbol up through .hash (SysV). Returns undefined when there is no .hash or no match. */
  sysvLookup(name: string): ElfSymbol | undefined {
    const t = this.dynTable(SHT.HASH, DT.HASH);
    if (!t) return undefined;
    const syms = this.dynamicSymbols;
    const idx = sysvHashFind(this.bin, t.off, t.end - t.off, name, (i) => syms[i]?.name === name);
    return idx === undefined ? undefined : syms[idx];
  }

  /** Look a .dynsym symbol up through .gnu.hash (bloom filter first, as glibc does). */
  gnuLookup(name: string): ElfSymbol | undefined {
    const t = this.dynTable(SHT.GNU_HASH, DT.GNU_HASH);
    if (!t) return undefined;
    if (!gnuBloomAccepts(this.bin, gnuHashTable(this.bin, t.off, t.end - t.off), name)) return undefined;
    const syms = this.dynamicSymbols;
    const idx = gnuHashFind(this.bin, t.off, t.end - t.off, syms.length, name, (i) => syms[i]?.name === name);
    return idx === undefined ? undefined : syms[idx];
  }

  /**
   * Find a defined dynamic symbol by name (and version, when given), through whichever hash tables exist
   * (GNU preferred, as glibc and parse_vdso do). Falls back to a linear scan when the file has no hash table.
   */
  lookup(name: string, version?: string): ElfSymbol | undefined {
    const match = (sym: ElfSymbol | undefined): boolean =>
      !!sym && sym.name === name && sym.shndx !== SHN.UNDEF && sym.binding !== STB.LOCAL &&
      (version === undefined ? sym.version?.hidden !== true : sym.version?.name === version);
    // Hash chains yield the first name match; with versions there may be several (foo@V1, foo@@V2): scan all.
    if (version === undefined) {
      const g = this.gnuLookup(name) ?? this.sysvLookup(name);
      if (match(g)) return g;
    }
    return this.dynamicSymbols.find(match);
  }
}

// ------------------------------------------------------------------ shared table walkers (also used on images)

/** Walk a Verdef list in [start, end). `count` (sh_info / DT_VERDEFNUM; 0 = unknown) bounds the walk. */
export function walkVerdefs(b: Bin, start: number, end: number, count: number, str: (off: number) => string): VerdefEntry[] {
  const out: VerdefEntry[] = [];
  const limit = count > 0 ? count : Math.floor((end - start) / VERDEF_SIZE);
  let o = start;
  for (let i = 0; ; i++) {
    if (i >= limit + 1 || out.length > MAX_TABLE_ENTRIES) throw new ElfError("cycle", o, "verdef chain is longer than its declared count");
    if (o + VERDEF_SIZE > end) throw new ElfError("out-of-range", o, "Verdef runs past its table");
    const version = b.u16(o);
    if (version !== 1) throw new ElfError("bad-version", o, `vd_version ${version} is not 1`);
    const flags = b.u16(o + 2), ndx = b.u16(o + 4), cnt = b.u16(o + 6), hash = b.u32(o + 8);
    const aux = b.u32(o + 12), next = b.u32(o + 16);
    const names: string[] = [];
    let a = o + aux;
    for (let j = 0; j < cnt; j++) {
      if (a + VERDAUX_SIZE > end || a < start) throw new ElfError("out-of-range", a, "Verdaux runs past its table");
      names.push(str(b.u32(a)));
      const an = b.u32(a + 4);
      if (an === 0) break;
      a += an;
    }
    if (names.length === 0) throw new ElfError("missing", o, "Verdef has no Verdaux name");
    out.push({ offset: o, version, flags, ndx, hash, names, name: names[0]!, isBase: (flags & VER_FLG_BASE) !== 0 });
    if (next === 0) break;
    if (count > 0 && out.length >= count) break; // readelf also stops at sh_info entries
    o += next;
  }
  return out;
}

/** Walk a Verneed list in [start, end). */
export function walkVerneeds(b: Bin, start: number, end: number, count: number, str: (off: number) => string): VerneedEntry[] {
  const out: VerneedEntry[] = [];
  const limit = count > 0 ? count : Math.floor((end - start) / VERNEED_SIZE);
  let o = start;
  for (let i = 0; ; i++) {
    if (i >= limit + 1) throw new ElfError("cycle", o, "verneed chain is longer than its declared count");
    if (o + VERNEED_SIZE > end) throw new ElfError("out-of-range", o, "Verneed runs past its table");
    const version = b.u16(o);
    if (version !== 1) throw new ElfError("bad-version", o, `vn_version ${version} is not 1`);
    const cnt = b.u16(o + 2), file = str(b.u32(o + 4)), aux = b.u32(o + 8), next = b.u32(o + 12);
    const auxes: VernauxEntry[] = [];
    let a = o + aux;
    for (let j = 0; j < cnt; j++) {
      if (a + VERNAUX_SIZE > end || a < start) throw new ElfError("out-of-range", a, "Vernaux runs past its table");
      auxes.push({ hash: b.u32(a), flags: b.u16(a + 4), other: b.u16(a + 6), name: str(b.u32(a + 8)) });
      const an = b.u32(a + 12);
      if (an === 0) break;
      a += an;
    }
    out.push({ offset: o, version, file, aux: auxes });
    if (next === 0) break;
    if (count > 0 && out.length >= count) break;
    o += next;
  }
  return out;
}

/** Parse note records in [off, off+size); `align` 8 selects 8-byte padding (gnu.property notes), else 4. */
export function parseNotes(b: Bin, off: number, size: number, align: number): ElfNote[] {
  const pad = align === 8 ? 8 : 4;
  const end = off + size;
  b.check(off, size, "note table");
  const out: ElfNote[] = [];
  let o = off;
  while (o + 12 <= end) {
    const namesz = b.u32(o), descsz = b.u32(o + 4), type = b.u32(o + 8);
    const nameAt = o + 12;
    // Padding is relative to the note start: with 8-byte notes, "GNU\0" after the 12-byte header needs none.
    const descAt = o + roundUp(12 + namesz, pad);
    const next = o + roundUp(descAt - o + descsz, pad);
    if (descAt + descsz > end || namesz > size || descsz > size) throw new ElfError("bad-note", o, "note record runs past its table");
    let name = "";
    if (namesz > 0) name = b.cstr(nameAt, nameAt + namesz, "note name");
    out.push({ offset: o, name, type, desc: b.slice(descAt, descsz) });
    o = Math.min(next, end);
  }
  return out;
}

function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/**
 * SysV hash lookup over the table at [off, off+size). `isMatch(i)` decides whether symbol i is the one
 * wanted. The walk is bounded by nchain steps, so a cyclic chain raises "cycle" instead of hanging.
 */
export function sysvHashFind(b: Bin, off: number, size: number, name: string, isMatch: (i: number) => boolean): number | undefined {
  const nbucket = b.u32(off, "nbucket");
  const nchain = b.u32(off + 4, "nchain");
  if (nbucket === 0 || 8 + 4 * (nbucket + nchain) > size) throw new ElfError("bad-hash", off, `.hash header (nbucket ${nbucket}, nchain ${nchain}) does not fit ${size} bytes`);
  const buckets = off + 8;
  const chain = buckets + 4 * nbucket;
  let i = b.u32(buckets + 4 * (elfHash(name) % nbucket));
  for (let steps = 0; i !== 0; steps++) {
    if (i >= nchain) throw new ElfError("out-of-range", chain, `hash chain index ${i} ≥ nchain ${nchain}`);
    if (steps > nchain) throw new ElfError("cycle", chain + 4 * i, "SysV hash chain loops");
    if (isMatch(i)) return i;
    i = b.u32(chain + 4 * i);
  }
  return undefined;
}

/** GNU hash geometry: where the buckets and chain words are. */
export interface GnuHashTable {
  readonly nbuckets: number;
  readonly symoffset: number;
  readonly bloomSize: number;
  readonly bloomShift: number;
  readonly bloom: number;
  readonly buckets: number;
  readonly chain: number;
  readonly end: number;
}

export function gnuHashTable(b: Bin, off: number, size: number): GnuHashTable {
  const nbuckets = b.u32(off, "nbuckets"), symoffset = b.u32(off + 4), bloomSize = b.u32(off + 8), bloomShift = b.u32(off + 12);
  const bloom = off + 16;
  const buckets = bloom + 8 * bloomSize; // bloom words are 8 bytes on ELF64 (tools/testing/selftests/vDSO/parse_vdso.c)
  const chain = buckets + 4 * nbuckets;
  if (nbuckets === 0 || chain > off + size) throw new ElfError("bad-hash", off, `.gnu.hash header (nbuckets ${nbuckets}, bloom ${bloomSize}) does not fit ${size} bytes`);
  return { nbuckets, symoffset, bloomSize, bloomShift, bloom, buckets, chain, end: off + size };
}

/**
 * The GNU hash bloom filter test glibc's loader applies before walking a bucket (parse_vdso skips it): with
 * 64-bit words, word (h / 64) % bloomSize must have bits h % 64 and (h >> bloomShift) % 64 set.
 * False means the name is certainly absent; a writer whose filter rejects a defined symbol breaks glibc.
 */
export function gnuBloomAccepts(b: Bin, t: GnuHashTable, name: string): boolean {
  if (t.bloomSize === 0) return false;
  const h = gnuHash(name);
  const w = b.u64big(t.bloom + 8 * (Math.floor(h / 64) % t.bloomSize), "bloom word");
  const bits = (1n << BigInt(h % 64)) | (1n << BigInt((h >>> t.bloomShift) % 64));
  return (w & bits) === bits;
}

/** GNU hash lookup. `nsyms` bounds the chain walk (runs end at bit 0 or at the last symbol). */
export function gnuHashFind(b: Bin, off: number, size: number, nsyms: number, name: string, isMatch: (i: number) => boolean): number | undefined {
  const t = gnuHashTable(b, off, size);
  const h1 = gnuHash(name);
  let i = b.u32(t.buckets + 4 * (h1 % t.nbuckets));
  if (i === 0) return undefined;
  if (i < t.symoffset) throw new ElfError("out-of-range", t.buckets, `bucket names symbol ${i} below symoffset ${t.symoffset}`);
  for (;;) {
    if (i >= nsyms) throw new ElfError("out-of-range", t.chain, `GNU hash chain runs past the last symbol (${nsyms})`);
    const at = t.chain + 4 * (i - t.symoffset);
    if (at + 4 > t.end) throw new ElfError("out-of-range", at, "GNU hash chain runs past its table");
    const h2 = b.u32(at);
    if (((h1 | 1) >>> 0) === ((h2 | 1) >>> 0) && isMatch(i)) return i;
    if (h2 & 1) return undefined;
    i++;
  }
}

/** Symbol count implied by a GNU hash table: one past the end of the highest bucket's run. */
export function gnuHashSymbolCount(b: Bin, t: GnuHashTable, maxSyms: number): number {
  let max = 0;
  for (let k = 0; k < t.nbuckets; k++) max = Math.max(max, b.u32(t.buckets + 4 * k));
  if (max === 0) return t.symoffset;
  if (max < t.symoffset) throw new ElfError("out-of-range", t.buckets, "bucket below symoffset");
  for (let i = max; ; i++) {
    if (i - max > maxSyms) throw new ElfError("cycle", t.chain, "GNU hash chain never ends");
    const at = t.chain + 4 * (i - t.symoffset);
    if (at + 4 > t.end) throw new ElfError("out-of-range", at, "GNU hash chain runs past its table");
    if (b.u32(at) & 1) return i + 1;
  }
}

export const SYMBOL_TYPE_NAMES: Record<number, string> = {
  [STT.NOTYPE]: "NOTYPE", [STT.OBJECT]: "OBJECT", [STT.FUNC]: "FUNC", [STT.SECTION]: "SECTION", [STT.FILE]: "FILE",
  [STT.COMMON]: "COMMON", [STT.TLS]: "TLS", [STT.GNU_IFUNC]: "IFUNC",
};
export const SYMBOL_BINDING_NAMES: Record<number, string> = {
  [STB.LOCAL]: "LOCAL", [STB.GLOBAL]: "GLOBAL", [STB.WEAK]: "WEAK", [STB.GNU_UNIQUE]: "UNIQUE",
};
