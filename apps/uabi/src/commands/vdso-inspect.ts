/** `uabi vdso inspect <file> | --self`: what `readelf --dyn-syms -V` tells a person, or JSON. */
import { readFileSync } from "node:fs";
import { bytesReader, liveProcessVdso, parseVdso, type Vdso } from "@uabi/vdso-parser";
import { disassemblyListing } from "@uabi/vdso";
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { MACHINE_NAMES, fileReport, formatLoaderCheck, formatReport, glibcLoaderCheck, hex, type InspectReport } from "../vdso-report.js";
import { reportJson } from "../report-json.js";

export { fileReport, formatReport, type InspectReport };

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positionals[0];
  const self = args.bool("self");
  if (self === (file !== undefined)) throw new UsageError("vdso inspect: give either <file> or --self");
  const result = self ? inspectSelf() : inspectFile(file!);
  if (result === undefined) {
    io.stderr.write("uabi: this process has no [vdso] mapping (not Linux, or /proc unavailable)\n");
    return 1;
  }
  const { report } = result;
  let failures = 0;
  if (args.bool("check")) {
    let v: Vdso;
    try {
      v = result.vdso();
    } catch (e) {
      throw new Error(`--check: not a vDSO-shaped image (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
    failures = checkLookups(report, v);
    // What a dynamic loader would make of it: glibc adds it to the link map and resolves its functions by hash and version.
    const loader = glibcLoaderCheck(result.bytes());
    report.loader = loader;
    failures += loader.problems.length + loader.symbols.filter((s) => s.glibc !== true && s.glibc !== "absent").length;
  }
  if (args.bool("disasm") && args.bool("json")) throw new UsageError("vdso inspect: --disasm and --json do not combine");
  io.stdout.write(args.bool("json") ? reportJson(report) : formatReport(report) + (report.loader ? formatLoaderCheck(report.loader) : ""));
  // Our own disassemblers (objdump syntax), function by function from the dynamic symbols.
  if (args.bool("disasm")) io.stdout.write(`disassembly:${disassemblyListing(result.bytes())}\n`);
  return failures === 0 ? 0 : 1;
}

/**
 * Resolve every versioned function the way static binaries do (the kernel's parse_vdso, and musl's
 * __vdsosym) and record whether each lands on the symbol's own address. Returns the number of misses.
 */
function checkLookups(report: InspectReport, v: Vdso): number {
  let misses = 0;
  for (const s of report.symbols) {
    if (s.type !== "FUNC" || s.version === null) continue;
    const want = BigInt(s.address);
    const hit = (a: number | undefined): boolean => a !== undefined && BigInt(a) === want;
    s.check = { parseVdso: hit(v.lookup(s.name, s.version)), musl: hit(v.lookupMusl(s.name, s.version)) };
    if (!s.check.parseVdso || !s.check.musl) misses++;
  }
  return misses;
}

interface Inspected {
  report: InspectReport;
  /** The image parsed as a static binary would (for --check). */
  vdso: () => Vdso;
  /** The image's bytes (for --disasm). */
  bytes: () => Uint8Array;
}

function inspectSelf(): Inspected | undefined {
  const live = liveProcessVdso();
  if (!live) return undefined;
  const v = parseVdso(live.reader, live.base);
  return { report: selfReport(v, live.base, live.size), vdso: () => v, bytes: () => live.reader.read(live.base, live.size) };
}

function selfReport(v: Vdso, base: number, size: number): InspectReport {
  const machine = v.bin.u16(18);
  return {
    source: "[vdso] of this process", base, size,
    machine: MACHINE_NAMES[machine] ?? `EM ${machine}`, soname: v.soname ?? null, hashTables: [v.hashStyle === "gnu" ? "DT_GNU_HASH (used)" : "DT_HASH"],
    versions: v.versions.map((d) => ({ index: d.index, name: d.name, hash: hex(d.hash, 8), base: d.isBase, parents: [...d.parents] })),
    symbols: v.symbols().map((s) => ({
      // readelf prints ld's ABS version-definition symbol (LINUX_2.6) without a version suffix; so do we.
      name: s.name, version: s.absolute && s.name === s.version ? null : s.version ?? null, isDefault: s.isDefault, address: hex(s.address, 16), size: s.size, type: s.type, binding: s.binding,
    })),
  };
}

function inspectFile(path: string): Inspected {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const report = fileReport(bytes, path);
  return { report, vdso: () => parseVdso(bytesReader(bytes, 0), 0), bytes: () => bytes };
}

