/**
 * What the worker does, as plain functions (no DOM, no Node): the tour is `uabi demo`'s own report
 * (`@uabi/cli/core`), a run is `uabi run --trace --stats` over the in-memory VFS, the vDSO explorer prints
 * `uabi vdso inspect`'s report. The unit tests call these directly under Node; the worker posts their results.
 */
import { readElf } from "@uabi/elf";
import { ExecError, Kernel, type SyscallEvent } from "@uabi/kernel";
import { buildVdso, disassembleCode, disassemblyListing } from "@uabi/vdso";
import {
  ARCHES, MarkedTrace, formatNs, buildDemoProgram, createKernel, demoReport, fileReport, formatDemo, formatReport, statsReport,
  type Arch, type DemoReport, type DemoRow, type MachineConfig, type StatsReport,
} from "@uabi/cli/core";

export interface WalkLine {
  /** The `uabi demo` walk-through line. */
  readonly text: string;
  /** Our disassembler's reading of the instructions at the line's PC (empty for the kernel's own step). */
  readonly disasm: string;
}

export interface Tour {
  readonly report: DemoReport;
  /** `uabi demo`'s text, exactly (its last line carries this run's duration). */
  readonly text: string;
  readonly walk: readonly WalkLine[];
  /** The comparison table's header and cells, as `uabi demo` prints them. */
  readonly head: readonly string[];
  readonly cells: readonly (readonly string[])[];
}

const HEAD = ["mechanism", "ISA", "kernel entries", "user insns", "handler insns", "stack bytes", "modelled", "× direct", "measured (calibrate run)"];

/** A row's cells as `uabi demo` prints them (formatDemo's columns). */
export function rowCells(r: DemoRow): string[] {
  return [
    r.id, r.arch, String(r.counters.kernelEntries), String(r.counters.userInsns), String(r.counters.handlerInsns),
    String(r.counters.stackBytes), formatNs(r.modelledNs), r.ratioToDirect === null ? "—" : `${r.ratioToDirect.toFixed(2)}×`, r.host,
  ];
}

/** The demo, as `uabi demo --json` computes it, plus disassembly of each PC in the bounced walk-through. */
export function tour(): Tour {
  const report = demoReport(ARCHES);
  return { report, text: formatDemo(report), walk: walkDisassembly(report), head: HEAD, cells: report.rows.map(rowCells) };
}

const PC = /0x[0-9a-f]+/;

function walkDisassembly(report: DemoReport): WalkLine[] {
  const b = report.bounced;
  if (!b) return [];
  const prog = buildDemoProgram(b.arch);
  const row = report.rows.find((r) => r.arch === b.arch && r.mechanism === "bounce");
  const vdsoBase = row?.results ? Number(BigInt(String(row.results.vdsoBase))) : 0;
  const textSec = readElf(prog.elf).sections.find((s) => s.name === ".text")!;
  return b.lines.map((text) => {
    const m = PC.exec(text.replace(/^\d+\.\s+/, ""));
    if (!m || text.includes("kernel pushes")) return { text, disasm: "" };
    const pc = Number(m[0]);
    const inVdso = vdsoBase !== 0 && pc >= vdsoBase && pc < vdsoBase + prog.vdso.mapSize;
    const bytes = inVdso ? prog.vdso.bytes.subarray(pc - vdsoBase, pc - vdsoBase + 16) : prog.elf.subarray(textSec.offset + pc - textSec.addr, textSec.offset + pc - textSec.addr + 16);
    // The instruction at the printed PC and the next one: the syscall instruction is one of them (the kernel's
    // event PC and the demo's subtraction disagree on arm64 today, so both are shown rather than one guessed).
    const lines = disassembleCode(b.arch, bytes, pc).slice(0, 2);
    return { text, disasm: lines.map((l) => `${l.addr.toString(16)}: ${l.text}`).join("   ") };
  });
}

export interface RunRequest {
  readonly elf: Uint8Array;
  /** argv[0]. */
  readonly name: string;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly stdin: Uint8Array;
  readonly config: MachineConfig;
  readonly maxInstructions?: number;
}

export interface RunSink {
  stdout(b: Uint8Array): void;
  stderr(b: Uint8Array): void;
  trace(line: string): void;
}

export type RunOutcome =
  | {
      readonly kind: "exited"; readonly arch: string; readonly exitStatus: number; readonly reason: string; readonly stats: StatsReport;
      /** The stats' modelled time, formatted as `uabi run --stats` prints it. */
      readonly modelled: string;
      readonly messages: string[];
    }
  | { readonly kind: "refused"; readonly exitStatus: 126; readonly message: string };

/**
 * `uabi run --trace --stats` in memory: the same kernel options, the same marked trace, the same exit status
 * (126 for an ELF the kernel refuses), the same budget and deadlock messages. No `--root`: the in-memory VFS.
 */
export function runElf(req: RunRequest, sink: RunSink): RunOutcome {
  let trace: MarkedTrace | undefined;
  const messages: string[] = [];
  const warned = new Set<string>();
  const kernel = createKernel(req.config, {
    stdout: sink.stdout, stderr: sink.stderr, stdin: req.stdin,
    ...(req.maxInstructions !== undefined ? { maxInstructions: req.maxInstructions } : {}),
    trace: (l) => trace!.line(l),
    onMissingSyscall: (arch, nr, name) => {
      const key = `${arch}:${nr}`;
      if (!warned.has(key)) messages.push(`syscall ${name ?? "#" + nr} (${arch} ${nr}) is not implemented; the guest got ENOSYS`);
      warned.add(key);
    },
  });
  trace = new MarkedTrace(sink.trace, kernel);
  kernel.syscallObservers.push(trace.event);
  // As `uabi run --trace`: a call answered in userspace completes its line when the thread leaves the vDSO.
  kernel.reflectionReturnObservers.push((ev) => trace!.event({ ...ev, mark: "return", args: [BigInt(ev.result ?? 0)], path: [] } as SyscallEvent));
  try {
    kernel.spawn(req.elf, { argv: [req.name, ...req.args], env: [...req.env] });
  } catch (e) {
    if (e instanceof ExecError) return { kind: "refused", exitStatus: 126, message: `${req.name}: cannot run (${e.kind}): ${e.message}` };
    throw e;
  }
  const arch = Kernel.archOf(req.elf);
  const r = kernel.run();
  trace.end();
  if (r.reason === "budget") messages.push(`instruction budget exhausted (${req.maxInstructions ?? "default"}); the guest was killed`);
  if (r.reason === "deadlock") messages.push("every guest thread is blocked forever (deadlock); the guest was killed");
  const stats = statsReport(req.config, arch, r);
  return { kind: "exited", arch, exitStatus: r.exitStatus, reason: r.reason, stats, modelled: formatNs(stats.modelledNs), messages };
}

export interface VdsoView {
  readonly fileName: string;
  /** `uabi vdso inspect FILE`'s text. */
  readonly inspect: string;
  /** `uabi vdso inspect FILE --disasm`'s listing. */
  readonly disasm: string;
  readonly bytes: Uint8Array;
}

/** The image `uabi vdso build --arch A [--variant V] [--personality P]` writes, inspected. */
export function vdsoView(arch: Arch, variant: "vdso" | "library", personality: "linux" | "fakeroot"): VdsoView {
  const img = buildVdso({ arch, variant, ...(personality !== "linux" ? { personalities: [personality] } : {}) });
  const fileName = `${variant === "vdso" ? "vdso" : "libkernel"}-${arch}${personality !== "linux" ? `-${personality}` : ""}.so`;
  return { fileName, inspect: formatReport(fileReport(img.bytes, fileName)), disasm: disassemblyListing(img.bytes), bytes: img.bytes };
}
