/**
 * `uabi vdso inspect`'s report of an image's bytes and its text form (what `readelf --dyn-syms -V` tells a
 * person). No Node: the browser playground's vDSO explorer prints the same lines.
 */
import { DT, EM, SHN, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, readElf, type ElfFile } from "@uabi/elf";

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
