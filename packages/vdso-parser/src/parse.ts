/**
 * What a static binary does with AT_SYSINFO_EHDR: find the vDSO's dynamic tables and look a symbol up by
 * name and version. The lookup follows the kernel's tools/testing/selftests/vDSO/parse_vdso.c
 * (tools/testing/selftests/vDSO/parse_vdso.c): first PT_LOAD gives the load offset, PT_DYNAMIC is found by p_offset, GNU hash is
 * preferred over SysV, only STT_FUNC with GLOBAL/WEAK binding matches, the SysV path skips SHN_UNDEF, versym is
 * masked with 0x7fff, BASE verdefs are skipped and both vd_hash and the first Verdaux name must match.
 *
 * Unlike parse_vdso, every read is bounds-checked against the image (the first PT_LOAD's file extent) and
 * every walk is bounded, so a malformed image yields a VdsoError, never a wild read or a hang.
 */
import {
  Bin, DT, ElfError, PT, SHN, STB, STT, SYM_SIZE, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, VER_FLG_BASE,
  VERSYM_HIDDEN, VERSYM_VERSION, elfHash, gnuHashFind, gnuHashSymbolCount, gnuHashTable, sysvHashFind,
  walkVerdefs, type GnuHashTable, type VerdefEntry,
} from "@uabi/elf";
import { VdsoError, type MemoryReader } from "./reader.js";

export interface VdsoSymbol {
  readonly name: string;
  /** Version name, or undefined when the image has no version tables (or versym is 0/1). */
  readonly version: string | undefined;
  readonly address: number;
  readonly size: number;
  /** "FUNC", "OBJECT", "NOTYPE", ... (readelf's names). */
  readonly type: string;
  /** "GLOBAL", "WEAK", ... */
  readonly binding: string;
  /** `name@@version` (true) or hidden `name@version` (false). */
  readonly isDefault: boolean;
  /** Index in the dynamic symbol table. */
  readonly index: number;
  /** SHN_ABS: `address` is the raw value, not relocated (e.g. ld's version-definition symbols). */
  readonly absolute: boolean;
}

export interface VdsoVersion {
  readonly index: number;
  readonly name: string;
  readonly hash: number;
  readonly isBase: boolean;
  /** Further Verdaux names (parent versions). */
  readonly parents: readonly string[];
}

export interface ParseOptions {
  /** Refuse images larger than this many bytes (default 1 MiB; the kernel's vDSOs are 2 pages). */
  readonly maxSize?: number;
}

// musl src/internal/vdso.c OK_TYPES / OK_BINDS.
const MUSL_OK_TYPES = (1 << STT.NOTYPE) | (1 << STT.OBJECT) | (1 << STT.FUNC) | (1 << STT.COMMON);
const MUSL_OK_BINDS = (1 << STB.GLOBAL) | (1 << STB.WEAK) | (1 << STB.GNU_UNIQUE);

const EHDR = 64;
const PHDR = 56;
const DYN = 16;
const MAX_PHNUM = 64;
const MAX_DYN = 512;

/** Parse the vDSO image whose ELF header is at `base` (AT_SYSINFO_EHDR). */
export function parseVdso(reader: MemoryReader, base: number, options: ParseOptions = {}): Vdso {
  if (!Number.isSafeInteger(base) || base < 0) throw new VdsoError("out-of-range", base, "base address is not a valid address");
  const ehdr = readChecked(reader, base, EHDR, "ELF header");
  const hb = new Bin(ehdr);
  if (ehdr[0] !== 0x7f || ehdr[1] !== 0x45 || ehdr[2] !== 0x4c || ehdr[3] !== 0x46) throw new VdsoError("bad-magic", base, "no ELF header at the vDSO base");
  // parse_vdso checks only the class (§5.2); the magic check above is our addition.
  if (ehdr[4] !== 2) throw new VdsoError("bad-class", base + 4, `EI_CLASS ${ehdr[4]} is not ELFCLASS64`);
  const phoff = wrap(base, () => hb.u64(32, "e_phoff"));
  const phentsize = hb.u16(54);
  const phnum = hb.u16(56);
  if (phentsize !== PHDR) throw new VdsoError("bad-entsize", base + 54, `e_phentsize ${phentsize} is not ${PHDR}`);
  if (phnum > MAX_PHNUM) throw new VdsoError("out-of-range", base + 56, `e_phnum ${phnum} is implausible for a vDSO`);
  const phb = new Bin(readChecked(reader, base + phoff, phnum * PHDR, "program headers"));

  let loadOffset: number | undefined;
  let lastLoadOffset = 0;
  let imageEnd = 0;
  let dynOff: number | undefined;
  for (let i = 0; i < phnum; i++) {
    const o = i * PHDR;
    const type = phb.u32(o);
    if (type === PT.LOAD) {
      const off = wrap(base, () => phb.u64(o + 8)), vaddr = wrap(base, () => phb.u64(o + 16)), filesz = wrap(base, () => phb.u64(o + 32));
      // musl's loop keeps overwriting its base, so the LAST PT_LOAD wins there.
      lastLoadOffset = base + off - vaddr;
      if (loadOffset === undefined) {
        // parse_vdso: only the first PT_LOAD counts (§5.2 step 3); it also bounds the image we read.
        loadOffset = lastLoadOffset;
        imageEnd = off + filesz;
      }
    } else if (type === PT.DYNAMIC) {
      // Found by file offset, not vaddr: correct for the vDSO because p_offset == p_vaddr (§5.6).
      dynOff = wrap(base, () => phb.u64(o + 8));
    }
  }
  if (loadOffset === undefined) throw new VdsoError("missing", base, "no PT_LOAD segment");
  if (dynOff === undefined) throw new VdsoError("missing", base, "no PT_DYNAMIC segment");
  const maxSize = options.maxSize ?? 1 << 20;
  if (imageEnd > maxSize) throw new VdsoError("too-large", base, `image of ${imageEnd} bytes exceeds ${maxSize}`);
  if (imageEnd < EHDR) throw new VdsoError("out-of-range", base, "first PT_LOAD does not cover the ELF header");
  const image = readChecked(reader, base, imageEnd, "vDSO image");
  return wrap(base, () => new Vdso(image, base, loadOffset!, dynOff!, lastLoadOffset));
}

/** A parsed vDSO. All addresses are in the reader's address space. */
export class Vdso {
  readonly bin: Bin;
  readonly hashStyle: "gnu" | "sysv";
  readonly soname: string | undefined;
  private readonly symtab: number;
  private readonly strtab: number;
  private readonly strEnd: number;
  private readonly gnu: GnuHashTable | undefined;
  private readonly gnuOff: number | undefined;
  private readonly sysv: number | undefined;
  private readonly muslLoadOffset: number;
  private readonly versym: number | undefined;
  private readonly verdef: number | undefined;
  private readonly verdefNum: number;
  private nsymsCache: number | undefined;
  private versionsCache: VerdefEntry[] | undefined;

  constructor(readonly image: Uint8Array, readonly base: number, readonly loadOffset: number, dynOff: number, lastLoadOffset: number) {
    const b = (this.bin = new Bin(image));
    this.muslLoadOffset = lastLoadOffset;
    const tags = new Map<number, number>();
    const maxEntries = Math.min(MAX_DYN, Math.floor((image.length - dynOff) / DYN));
    let terminated = false;
    // parse_vdso walks to DT_NULL; we also stop at the image end and at a sane count.
    for (let i = 0; i < maxEntries; i++) {
      const tag = b.u64(dynOff + i * DYN, "d_tag");
      if (tag === DT.NULL) {
        terminated = true;
        break;
      }
      tags.set(tag, b.u64(dynOff + i * DYN + 8, "d_val")); // a repeated tag overrides, as in parse_vdso's switch
    }
    if (!terminated) throw new ElfError("out-of-range", dynOff, "dynamic section has no DT_NULL inside the image");
    const ptr = (tag: number): number | undefined => {
      const v = tags.get(tag);
      if (v === undefined) return undefined;
      const off = v + loadOffset - base; // relocate by load_offset (§5.2 step 5), then make image-relative
      if (!(off >= 0 && off < image.length)) throw new ElfError("out-of-range", dynOff, `dynamic tag 0x${tag.toString(16)} points outside the image`);
      return off;
    };
    const strtab = ptr(DT.STRTAB), symtab = ptr(DT.SYMTAB), gnu = ptr(DT.GNU_HASH), sysv = ptr(DT.HASH);
    if (strtab === undefined || symtab === undefined) throw new ElfError("missing", dynOff, "no DT_STRTAB or DT_SYMTAB");
    if (gnu === undefined && sysv === undefined) throw new ElfError("missing", dynOff, "no DT_HASH or DT_GNU_HASH");
    this.strtab = strtab;
    this.symtab = symtab;
    const strsz = tags.get(DT.STRSZ);
    this.strEnd = strsz !== undefined && strtab + strsz <= image.length ? strtab + strsz : image.length;
    this.verdef = ptr(DT.VERDEF);
    // Without DT_VERDEF, versym is dropped and versions are not checked at all (§5.2 step 7).
    this.versym = this.verdef === undefined ? undefined : ptr(DT.VERSYM);
    this.verdefNum = tags.get(DT.VERDEFNUM) ?? 0;
    this.sysv = sysv;
    this.gnuOff = gnu;
    this.gnu = gnu !== undefined ? gnuHashTable(b, gnu, image.length - gnu) : undefined; // GNU preferred (§5.2 step 8)
    if (sysv !== undefined) {
      const nbucket = b.u32(sysv), nchain = b.u32(sysv + 4);
      b.check(sysv, 8 + 4 * (nbucket + nchain), ".hash");
    }
    this.hashStyle = this.gnu ? "gnu" : "sysv";
    const so = tags.get(DT.SONAME);
    this.soname = so === undefined ? undefined : this.str(so);
  }

  private str(off: number): string {
    return this.bin.cstr(this.strtab + off, this.strEnd, "dynamic string");
  }

  /** Number of dynamic symbols: SysV nchain, else derived from the GNU hash chains. */
  get symbolCount(): number {
    if (this.nsymsCache === undefined) {
      const max = Math.floor((this.image.length - this.symtab) / SYM_SIZE);
      this.nsymsCache = wrap(this.base, () =>
        this.sysv !== undefined ? this.bin.u32(this.sysv + 4, "nchain") : gnuHashSymbolCount(this.bin, this.gnu!, max));
      if (this.nsymsCache > max) throw new VdsoError("out-of-range", this.base + this.symtab, `${this.nsymsCache} symbols do not fit in the image`);
    }
    return this.nsymsCache;
  }

  /** Version definitions in table order (BASE first). Empty when the image has no DT_VERDEF. */
  get versions(): readonly VdsoVersion[] {
    return this.verdefs().map((d) => ({ index: d.ndx, name: d.name, hash: d.hash, isBase: d.isBase, parents: d.names.slice(1) }));
  }

  private verdefs(): VerdefEntry[] {
    if (this.verdef === undefined) return [];
    this.versionsCache ??= wrap(this.base, () => walkVerdefs(this.bin, this.verdef!, this.image.length, this.verdefNum, (o) => this.str(o)));
    return this.versionsCache;
  }

  /**
   * parse_vdso's vdso_sym(version, name): the address of `name` defined at `version`, or undefined.
   * Throws VdsoError only when the tables it walks are malformed.
   */
  lookup(name: string, version: string): number | undefined {
    return wrap(this.base, () => {
      const verHash = elfHash(version);
      const accept = (i: number, sysvPath: boolean): boolean => {
        const o = this.symtab + i * SYM_SIZE;
        const b = this.bin;
        const info = b.u8(o + 4, "st_info");
        if ((info & 0xf) !== STT.FUNC) return false;
        const bind = info >> 4;
        if (bind !== STB.GLOBAL && bind !== STB.WEAK) return false;
        if (sysvPath && b.u16(o + 6) === SHN.UNDEF) return false; // only the SysV path filters SHN_UNDEF (§5.6)
        if (this.str(b.u32(o)) !== name) return false;
        return this.versym === undefined || this.versionMatches(b.u16(this.versym + 2 * i, "versym"), version, verHash);
      };
      const max = Math.floor((this.image.length - this.symtab) / SYM_SIZE);
      const i = this.gnu
        ? gnuHashFind(this.bin, this.gnuOff!, this.image.length - this.gnuOff!, max, name, (k) => accept(k, false))
        : sysvHashFind(this.bin, this.sysv!, this.image.length - this.sysv!, name, (k) => accept(k, true));
      if (i === undefined) return undefined;
      return this.loadOffset + this.bin.u64(this.symtab + i * SYM_SIZE + 8, "st_value");
    });
  }

  /**
   * §5.5: skip BASE, stop at the first matching vd_ndx, then compare vd_hash (parse_vdso only; musl passes
   * undefined) and the first Verdaux name.
   */
  private versionMatches(raw: number, version: string, verHash: number | undefined): boolean {
    const ver = raw & VERSYM_VERSION;
    const b = this.bin;
    let o = this.verdef!;
    const limit = Math.floor((this.image.length - o) / 20) + 1;
    for (let steps = 0; ; steps++) {
      if (steps > limit) throw new ElfError("cycle", o, "verdef chain does not end");
      const flags = b.u16(o + 2, "vd_flags");
      if (!(flags & VER_FLG_BASE) && (b.u16(o + 4, "vd_ndx") & VERSYM_VERSION) === ver) break;
      const next = b.u32(o + 16, "vd_next");
      if (next === 0) return false;
      o += next;
    }
    if (verHash !== undefined && b.u32(o + 8, "vd_hash") !== verHash) return false;
    const aux = o + b.u32(o + 12, "vd_aux");
    return this.str(b.u32(aux, "vda_name")) === version;
  }

  /**
   * musl's __vdsosym(vername, name) (src/internal/vdso.c), which static musl binaries use: needs DT_HASH
   * (undefined without it, even when DT_GNU_HASH exists), scans all nchain symbols linearly, accepts
   * NOTYPE/OBJECT/FUNC/COMMON with GLOBAL/WEAK/GNU_UNIQUE binding and st_shndx != 0, compares only the first
   * Verdaux name (not vd_hash), and relocates the result by the LAST PT_LOAD. (The tables themselves are
   * located as parse_vdso does; the two agree whenever the image has one PT_LOAD, as every vDSO does.)
   */
  lookupMusl(name: string, version: string): number | undefined {
    return wrap(this.base, () => {
      if (this.sysv === undefined) return undefined;
      const b = this.bin;
      const n = b.u32(this.sysv + 4, "nchain");
      const max = Math.floor((this.image.length - this.symtab) / SYM_SIZE);
      if (n > max) throw new ElfError("out-of-range", this.sysv + 4, `nchain ${n} exceeds the symbols that fit in the image`);
      for (let i = 0; i < n; i++) {
        const o = this.symtab + i * SYM_SIZE;
        const info = b.u8(o + 4);
        if (!((1 << (info & 0xf)) & MUSL_OK_TYPES) || !((1 << (info >> 4)) & MUSL_OK_BINDS)) continue;
        if (b.u16(o + 6) === SHN.UNDEF || this.str(b.u32(o)) !== name) continue;
        if (this.versym !== undefined && !this.versionMatches(b.u16(this.versym + 2 * i, "versym"), version, undefined)) continue;
        return this.muslLoadOffset + b.u64(o + 8, "st_value");
      }
      return undefined;
    });
  }

  /** Every defined GLOBAL/WEAK dynamic symbol with its version (what `readelf --dyn-syms -V` shows). */
  symbols(): VdsoSymbol[] {
    return wrap(this.base, () => {
      const n = this.symbolCount;
      const defs = new Map<number, string>();
      for (const d of this.verdefs()) if (!defs.has(d.ndx & VERSYM_VERSION)) defs.set(d.ndx & VERSYM_VERSION, d.name);
      const out: VdsoSymbol[] = [];
      const b = this.bin;
      for (let i = 1; i < n; i++) {
        const o = this.symtab + i * SYM_SIZE;
        const info = b.u8(o + 4), shndx = b.u16(o + 6);
        const bind = info >> 4;
        if (shndx === SHN.UNDEF || (bind !== STB.GLOBAL && bind !== STB.WEAK)) continue;
        const raw = this.versym === undefined ? 1 : b.u16(this.versym + 2 * i, "versym");
        const value = b.u64(o + 8, "st_value");
        out.push({
          index: i, name: this.str(b.u32(o)), version: defs.get(raw & VERSYM_VERSION),
          address: shndx === SHN.ABS ? value : this.loadOffset + value, size: b.u64(o + 16, "st_size"),
          type: SYMBOL_TYPE_NAMES[info & 0xf] ?? `${info & 0xf}`, binding: SYMBOL_BINDING_NAMES[bind] ?? `${bind}`,
          isDefault: (raw & VERSYM_HIDDEN) === 0, absolute: shndx === SHN.ABS,
        });
      }
      return out;
    });
  }
}

function readChecked(reader: MemoryReader, addr: number, len: number, what: string): Uint8Array {
  let b: Uint8Array;
  try {
    b = reader.read(addr, len);
  } catch (e) {
    if (e instanceof VdsoError) throw e;
    throw new VdsoError("unreadable", addr, `${what}: cannot read ${len} bytes (${String(e)})`, e);
  }
  if (!(b instanceof Uint8Array) || b.length !== len) throw new VdsoError("unreadable", addr, `${what}: reader returned ${b?.length} bytes, wanted ${len}`);
  return b;
}

/** Turn an ElfError (image-relative offset) into a VdsoError at an address. */
function wrap<T>(base: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ElfError) throw new VdsoError(e.code, base + Math.max(0, e.offset), `${e.detail} (image offset 0x${e.offset.toString(16)})`, e);
    throw e;
  }
}
