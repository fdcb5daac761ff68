/**
 * `uabi vdso inspect`'s report of an image's bytes and its text form (what `readelf --dyn-syms -V` tells a
 * person). No Node: the browser playground's vDSO explorer prints the same lines.
 */
import {
  Bin, DT, EM, SHN, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, elfHash, gnuBloomAccepts, gnuHashFind, gnuHashTable, readElf, sysvHashFind, walkVerdefs,
  type ElfFile,
} from "@uabi/elf";

export interface InspectReport {
  readonly source: string;
  /** Where the image is mapped (--self), or 0 for a file (addresses are link addresses). */
  readonly base: number;
  readonly size: number;
  readonly machine: string;
  readonly soname: string | null;
  readonly hashTables: string[];
  readonly versions: { index: number; name: string; hash: string; base: boolean; parents: string[] }[];
  readonly symbols: ReportSymbol[];
  /** With --check: glibc's dynamic loader on the image (setup_vdso, dl_vdso_vsym). */
  loader?: LoaderCheck;
}

export interface ReportSymbol {
  name: string;
  version: string | null;
  isDefault: boolean;
  address: string;
  size: number;
  type: string;
  binding: string;
  /** With --check, for versioned functions: does the lookup resolve to this symbol's address? */
  check?: { parseVdso: boolean; musl: boolean };
}

export const MACHINE_NAMES: Record<number, string> = { [EM.X86_64]: "x86-64", [EM.AARCH64]: "aarch64" };
export const hex = (n: number, w = 0): string => `0x${n.toString(16).padStart(w, "0")}`;

/** The report of an image file's bytes (`source` names it); link addresses, since nothing maps it. */
export function fileReport(bytes: Uint8Array, source: string): InspectReport {
  const f: ElfFile = readElf(bytes);
  if (f.dynamicSymbols.length === 0) throw new Error(`${source} has no dynamic symbol table`);
  const hashTables = [
    ...(f.dynamicValue(DT.HASH) !== undefined ? ["DT_HASH"] : []),
    ...(f.dynamicValue(DT.GNU_HASH) !== undefined ? ["DT_GNU_HASH"] : []),
  ];
  const report: InspectReport = {
    source, base: 0, size: bytes.length, machine: MACHINE_NAMES[f.machine] ?? `EM ${f.machine}`,
    soname: f.soname ?? null, hashTables,
    versions: f.verdefs.map((d) => ({ index: d.ndx, name: d.name, hash: hex(d.hash, 8), base: d.isBase, parents: d.names.slice(1) })),
    symbols: f.dynamicSymbols
      .filter((s) => s.index > 0 && s.shndx !== SHN.UNDEF && s.binding !== 0)
      .map((s) => ({
        name: s.name, version: s.shndx === SHN.ABS && s.name === s.version?.name ? null : s.version?.name ?? null, isDefault: s.version ? !s.version.hidden : true,
        address: hex(s.value, 16), size: s.size, type: SYMBOL_TYPE_NAMES[s.type] ?? String(s.type),
        binding: SYMBOL_BINDING_NAMES[s.binding] ?? String(s.binding),
      })),
  };
  return report;
}

export function formatReport(r: InspectReport): string {
  const out = [
    `${r.source}: ${r.machine}, ${r.size} bytes${r.base ? ` at ${hex(r.base)}` : ""}`,
    `soname: ${r.soname ?? "(none)"}`,
    `hash tables: ${r.hashTables.join(", ") || "(none)"}`,
    "",
    `version definitions (${r.versions.length}):`,
    ...r.versions.map((v) => `  ${String(v.index).padStart(3)}  ${v.base ? "BASE" : "    "}  hash ${v.hash}  ${v.name}${v.parents.length ? `  (parents: ${v.parents.join(", ")})` : ""}`),
    "",
    `symbols (${r.symbols.length}):`,
    `  ${"address".padEnd(18)}  ${"size".padStart(6)}  ${"type".padEnd(7)} ${"bind".padEnd(7)} name`,
    ...r.symbols.map((s) =>
      `  ${s.address}  ${String(s.size).padStart(6)}  ${s.type.padEnd(7)} ${s.binding.padEnd(7)} ${s.name}${s.version ? `${s.isDefault ? "@@" : "@"}${s.version}` : ""}${
        s.check && !(s.check.parseVdso && s.check.musl) ? `  ← lookup FAILS (${[!s.check.parseVdso && "parse_vdso", !s.check.musl && "musl"].filter(Boolean).join(", ")})` : ""}`),
    "",
  ];
  const checked = r.symbols.filter((s) => s.check);
  if (checked.length > 0) {
    const ok = checked.filter((s) => s.check!.parseVdso && s.check!.musl).length;
    out.push(`lookup check: ${ok}/${checked.length} versioned functions resolve to themselves under parse_vdso and musl rules`, "");
  }
  return out.join("\n");
}

/** What each C library's loader looks up in the vDSO, at which version (glibc: dl_vdso_vsym at startup; musl: __vdsosym). */
export const LOADER_WANTS: Readonly<Record<number, { version: string; glibc: readonly string[]; musl: readonly string[] }>> = {
  [EM.X86_64]: { version: "LINUX_2.6", glibc: ["__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres"], musl: ["__vdso_clock_gettime"] },
  [EM.AARCH64]: { version: "LINUX_2.6.39", glibc: ["__kernel_clock_gettime", "__kernel_gettimeofday", "__kernel_clock_getres"], musl: ["__kernel_clock_gettime"] },
};

export interface LoaderSymbolCheck {
  name: string;
  version: string;
  /** glibc's answer: the symbol resolves (true), is absent so the call falls back to a syscall ("absent"), or why it is rejected. */
  glibc: true | "absent" | string;
}

export interface LoaderCheck {
  /** setup_vdso's view of the image: problems that stop glibc from adding it to the link map (empty: accepted). */
  problems: string[];
  /** What dl_iterate_phdr and LD_DEBUG show as its name (DT_SONAME; "" without one). */
  linkMapName: string;
  symbols: LoaderSymbolCheck[];
}

const PT_LOAD = 1, PT_DYNAMIC = 2, ET_DYN = 3, VER_FLG_BASE = 1, VERSYM_VERSION = 0x7fff, SYM_SIZE = 24;

/**
 * glibc's dynamic loader on a vDSO image (its bytes as mapped, from offset 0): setup_vdso (ET_DYN, a PT_LOAD, a
 * PT_DYNAMIC, DT_STRTAB/DT_SYMTAB and a hash table; DT_SONAME becomes the link-map name, "linux-vdso.so.1" on
 * Linux) and dl_vdso_vsym for every function it wants: _dl_lookup_symbol_x through DT_GNU_HASH (bloom filter
 * first) or DT_HASH, then check_match's version test, which compares the Verdef's vd_hash with the ELF hash of
 * the version name as well as the name — so a wrong vd_hash hides the symbol from glibc though parse_vdso and musl
 * (which compare names only) still find it.
 */
export function glibcLoaderCheck(bytes: Uint8Array): LoaderCheck {
  const problems: string[] = [];
  const out: LoaderCheck = { problems, linkMapName: "", symbols: [] };
  try {
    const b = new Bin(bytes);
    if (b.u16(16, "e_type") !== ET_DYN) problems.push("not ET_DYN: setup_vdso maps only shared objects");
    const wants = LOADER_WANTS[b.u16(18, "e_machine")];
    const phoff = b.u64(32, "e_phoff"), phnum = b.u16(56, "e_phnum");
    let load: { vaddr: number; offset: number } | undefined, dyn: number | undefined;
    for (let i = 0; i < phnum; i++) {
      const o = phoff + 56 * i, type = b.u32(o, "p_type");
      if (type === PT_LOAD && !load) load = { offset: b.u64(o + 8, "p_offset"), vaddr: b.u64(o + 16, "p_vaddr") };
      if (type === PT_DYNAMIC) dyn = b.u64(o + 8, "p_offset");
    }
    if (!load) problems.push("no PT_LOAD: setup_vdso cannot compute l_addr");
    if (dyn === undefined) problems.push("no PT_DYNAMIC: setup_vdso has no dynamic section to read");
    if (!load || dyn === undefined) return out;
    const tags = new Map<number, number>();
    for (let o = dyn; ; o += 16) {
      const tag = b.u64(o, "d_tag");
      if (tag === DT.NULL) break;
      tags.set(tag, b.u64(o + 8, "d_val"));
    }
    const at = (tag: number) => (tags.has(tag) ? tags.get(tag)! - load.vaddr + load.offset : undefined);
    const strtab = at(DT.STRTAB), symtab = at(DT.SYMTAB), gnu = at(DT.GNU_HASH), sysv = at(DT.HASH), versym = at(DT.VERSYM), verdef = at(DT.VERDEF);
    if (strtab === undefined || symtab === undefined) problems.push("no DT_STRTAB or DT_SYMTAB");
    if (gnu === undefined && sysv === undefined) problems.push("no DT_HASH or DT_GNU_HASH: _dl_setup_hash has nothing to look symbols up in");
    if (strtab === undefined || symtab === undefined || (gnu === undefined && sysv === undefined)) return out;
    const strEnd = tags.has(DT.STRSZ) ? Math.min(bytes.length, strtab + tags.get(DT.STRSZ)!) : bytes.length;
    const str = (off: number) => b.cstr(strtab + off, strEnd, "dynamic string");
    if (tags.has(DT.SONAME)) out.linkMapName = str(tags.get(DT.SONAME)!);
    else problems.push('no DT_SONAME: the link map (dl_iterate_phdr, LD_DEBUG) names the vDSO "" instead of linux-vdso.so.1');
    // Version index -> { name, vd_hash } as _dl_check_map_versions fills l_versions.
    const versions = new Map<number, { name: string; hash: number }>();
    if (verdef !== undefined) {
      for (const d of walkVerdefs(b, verdef, bytes.length, tags.get(DT.VERDEFNUM) ?? 0, str)) {
        if (!(d.flags & VER_FLG_BASE)) versions.set(d.ndx & VERSYM_VERSION, { name: d.name, hash: d.hash });
      }
    }
    if (!wants) return out;
    const hasVersion = [...versions.values()].some((v) => v.name === wants.version);
    const nsyms = Math.floor((bytes.length - symtab) / SYM_SIZE);
    for (const name of wants.glibc) {
      const byName = (i: number) => b.u16(symtab + i * SYM_SIZE + 6) !== SHN.UNDEF && str(b.u32(symtab + i * SYM_SIZE)) === name;
      // Does the symbol exist at all (a linear scan, which no loader does)?
      let present = false;
      for (let i = 1; i < nsyms && !present; i++) {
        try {
          present = byName(i);
        } catch {
          break; // past the symbol table
        }
      }
      let verdict: LoaderSymbolCheck["glibc"];
      if (!present) verdict = "absent";
      else if (gnu !== undefined && !gnuBloomAccepts(b, gnuHashTable(b, gnu, bytes.length - gnu), name)) verdict = "the DT_GNU_HASH bloom filter rejects the name";
      else {
        const find = (match: (i: number) => boolean) =>
          gnu !== undefined ? gnuHashFind(b, gnu, bytes.length - gnu, nsyms, name, match) : sysvHashFind(b, sysv!, bytes.length - sysv!, name, match);
        const i = find(byName);
        if (i === undefined) verdict = `not reachable through ${gnu !== undefined ? "DT_GNU_HASH" : "DT_HASH"} (wrong hash or chain)`;
        else if (versym === undefined) verdict = true; // unversioned objects match any requested version
        else {
          const v = versions.get(b.u16(versym + 2 * i, "versym") & VERSYM_VERSION);
          if (!hasVersion) verdict = `no version definition ${wants.version}`;
          else if (!v || v.name !== wants.version) verdict = `defined at version ${v?.name ?? "(none)"}, not ${wants.version}`;
          else if (v.hash !== elfHash(v.name)) verdict = `vd_hash of ${v.name} is 0x${v.hash.toString(16)}, not its ELF hash 0x${elfHash(v.name).toString(16)}`;
          else verdict = true;
        }
      }
      out.symbols.push({ name, version: wants.version, glibc: verdict });
    }
  } catch (e) {
    problems.push(`malformed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}

/** The text form of a loader check; "" when there is nothing to say beyond the counts. */
export function formatLoaderCheck(c: LoaderCheck): string {
  const rejected = c.symbols.filter((s) => s.glibc !== true && s.glibc !== "absent");
  const lines = [
    `glibc loader: ${c.problems.length === 0 ? "accepts the image" : "REJECTS the image"} as "${c.linkMapName}"; ` +
      `${c.symbols.filter((s) => s.glibc === true).length}/${c.symbols.length} of its vDSO functions resolve` +
      `${c.symbols.some((s) => s.glibc === "absent") ? ` (absent, so a syscall: ${c.symbols.filter((s) => s.glibc === "absent").map((s) => s.name).join(", ")})` : ""}`,
    ...c.problems.map((p) => `  problem: ${p}`),
    ...rejected.map((s) => `  ${s.name}@${s.version} ← lookup FAILS (glibc): ${s.glibc}`),
    "",
  ];
  return lines.join("\n");
}
