/**
 * The demo's runs and report, free of Node and of the command line: `uabi demo` prints it, and the browser
 * playground (apps/playground) runs the same code in a Web Worker, so both show the same numbers for the
 * same build. Rows come from DEMO_ROWS; a configuration the kernel does not implement yet is listed as
 * such instead of failing the demo.
 */
import { errnoName } from "@uabi/uapi";
import { DEFAULT_PROFILE, type CostProfile, type SyscallEvent } from "@uabi/kernel";
import { HOST_FOR_MECHANISM, HOST_MEASURED } from "../data/host-measured.js";
import { formatNs } from "../format.js";
import { createKernel, describeConfig, modelledNs, pathMark, runCounters, supported, type Counters, type MachineConfig } from "../machine.js";
import { buildDemoProgram, concatBytes, decodeResults, type Arch, type DemoProgram, type DemoResults } from "./program.js";

/** One row per mechanism configuration, in table order; direct first (the baseline of the ratios). */
export const DEMO_ROWS: readonly { id: string; config: MachineConfig }[] = [
  { id: "direct", config: { mode: "direct" } },
  { id: "bounce", config: { mode: "bounce" } },
  { id: "bounce/task-page", config: { mode: "bounce", frame: "task-page" } },
  { id: "selective", config: { mode: "selective" } },
  { id: "seccomp", config: { mode: "seccomp" } },
  { id: "sud", config: { mode: "sud" } },
  { id: "ptrace", config: { mode: "ptrace" } },
];

export const ARCHES: readonly Arch[] = ["arm64", "x86_64"];
/** Bytes of the syscall instruction (svc #0 / syscall): event PCs point past it. */
/** Length of the syscall instruction (svc #0 / syscall): where the caller resumes. */
const SYSCALL_INSN: Record<Arch, number> = { arm64: 4, x86_64: 2 };

export interface StepOutcome {
  id: string;
  /** Path marks of the kernel entries this step made, in order. */
  marks: string[];
  kernelEntries: number;
}

export interface DemoRow {
  id: string;
  config: string;
  mechanism: string;
  arch: Arch;
  exitStatus: number;
  counters: Counters;
  modelledNs: number;
  ratioToDirect: number | null;
  steps: StepOutcome[];
  results: Record<string, string | number | boolean | string[] | null> | null;
  host: string;
  /** The trace of the run, marked (for the bounced-syscall walk-through). */
  events: { name: string; pc: string; mark: string; result: number | null; where: string }[];
}

export interface DemoReport {
  arches: Arch[];
  /** Cost profile of the modelled times. */
  profile: string;
  program: { id: string; title: string; arches: string[] }[];
  rows: DemoRow[];
  unsupported: { id: string; config: string; arch: Arch; why: string }[];
  host: typeof HOST_MEASURED;
  bounced: { arch: Arch; config: string; lines: string[] } | null;
  broke: string[];
  durationMs: number;
}

function runRow(prog: DemoProgram, id: string, config: MachineConfig, profile: CostProfile, core: "jit" | "interp" | undefined): DemoRow {
  const out: Uint8Array[] = [];
  const events: SyscallEvent[] = [];
  const k = createKernel(core ? { ...config, core } : config, { stdout: (b) => out.push(b), maxInstructions: 10_000_000, onMissingSyscall: () => {} });
  k.syscallObservers.push((ev) => events.push(ev));
  k.spawn(prog.elf, { argv: ["demo"], env: [] });
  const r = k.run();
  const counters = runCounters(r);
  const results = decodeResults(prog.arch, concatBytes(out));
  const vdsoBase = results ? Number(results.vdsoBase) : 0;
  const where = (pc: number): string => describePc(prog, vdsoBase, pc);
  return {
    id, config: describeConfig(config), mechanism: config.mode ?? "direct", arch: prog.arch, exitStatus: r.exitStatus,
    counters, modelledNs: modelledNs(counters, profile), ratioToDirect: null,
    steps: attribute(prog, vdsoBase, events), results: results ? resultsJson(results) : null,
    host: HOST_FOR_MECHANISM[config.mode ?? "direct"] ?? "",
    events: events.map((e) => ({ name: e.name, pc: hex(e.pc), mark: pathMark(e), result: e.result ?? null, where: where(e.pc) })),
  };
}

/**
 * Which step made each kernel entry: an entry from the program's text belongs to the step whose code
 * holds the syscall instruction; one from inside a vDSO function a step calls, to that step; any other
 * one from the vDSO (the bounce or SIGSYS glue re-issuing a call) to the step running. Entries from the
 * prologue or the final exit_group (and their re-issues) belong to no step.
 */
function attribute(prog: DemoProgram, vdsoBase: number, events: readonly SyscallEvent[]): StepOutcome[] {
  const out = prog.steps.map((s) => ({ id: s.step.id, marks: [] as string[], kernelEntries: 0 }));
  let current = -1;
  for (const e of events) {
    const site = e.pc; // a SyscallEvent's pc is the syscall instruction's own address
    const inVdso = vdsoBase !== 0 && site >= vdsoBase && site < vdsoBase + prog.vdso.mapSize;
    if (!inVdso) current = prog.steps.findIndex((s) => site >= s.start && site < s.end);
    else {
      const callee = [...prog.callees].find(([, [lo, hi]]) => site - vdsoBase >= lo && site - vdsoBase < hi)?.[0];
      const i = callee ? prog.steps.findIndex((s) => s.step.id === callee) : -1;
      if (i >= 0) current = i;
    }
    if (current < 0) continue;
    out[current]!.marks.push(pathMark(e));
    out[current]!.kernelEntries++;
  }
  return out;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/** Where a syscall instruction at `pc` lives: a program step, or a vDSO symbol + offset. */
function describePc(prog: DemoProgram, vdsoBase: number, pc: number): string {
  const step = prog.steps.find((s) => pc >= s.start && pc < s.end);
  if (step) return `program, step ${step.step.id}`;
  if (vdsoBase && pc >= vdsoBase && pc < vdsoBase + prog.vdso.mapSize) {
    const off = pc - vdsoBase;
    let best: { name: string; address: number } | undefined;
    for (const s of prog.vdso.symbols) if (s.address <= off && (!best || s.address > best.address)) best = s;
    return `vDSO ${best ? `${best.name}+${hex(off - best.address)}` : hex(off)}`;
  }
  return "program";
}

function errText(v: bigint): string {
  return v < 0n && v > -4096n ? `-${errnoName(Number(-v)) ?? Number(-v)}` : String(v);
}

function resultsJson(r: DemoResults): DemoRow["results"] {
  return {
    vdsoBase: hex(r.vdsoBase), rawPid: Number(r.rawPid), portedPid: Number(r.portedPid), umaskOld: `0${r.umaskOld.toString(8)}`,
    dup2: r.dup2 === null ? null : errText(r.dup2), clock: errText(r.clockRet), clockNs: r.clockNs.toString(),
    uname1: errText(r.uname1Ret), uname2: errText(r.uname2Ret), uname1Fields: r.uname1Fields, uname2Fields: r.uname2Fields,
    redZoneIntact: r.redZoneIntact, ownFilter: errText(r.filterRet), bypass: errText(r.bypassRet),
  };
}

/** `core`: the CPU cores' tier (`--core`; the kernel's default, jit, when absent). The report is the same either way. */
export function demoReport(arches: readonly Arch[], profile: CostProfile = DEFAULT_PROFILE, core?: "jit" | "interp"): DemoReport {
  const t0 = performance.now();
  const rows: DemoRow[] = [];
  const unsupported: DemoReport["unsupported"] = [];
  for (const arch of arches) {
    const prog = buildDemoProgram(arch);
    for (const row of DEMO_ROWS) {
      const ok = supported(row.config);
      if (!ok.ok) {
        unsupported.push({ id: row.id, config: describeConfig(row.config), arch, why: ok.why });
        continue;
      }
      rows.push(runRow(prog, row.id, row.config, profile, core));
    }
  }
  for (const r of rows) {
    const base = rows.find((d) => d.arch === r.arch && d.id === "direct");
    if (base?.modelledNs) r.ratioToDirect = r.modelledNs / base.modelledNs;
  }
  return {
    arches: [...arches], profile: profile.name, rows, unsupported, host: HOST_MEASURED, bounced: bouncedWalkthrough(rows), broke: whatBroke(rows),
    program: buildDemoProgram("x86_64").steps.map((s) => s.step).map((s) => ({ id: s.id, title: s.title, arches: [...(s.arches ?? ARCHES)] })),
    durationMs: Math.round(performance.now() - t0),
  };
}

/** The pass-through write under the first bounce row, entry by entry. */
function bouncedWalkthrough(rows: readonly DemoRow[]): DemoReport["bounced"] {
  const row = rows.find((r) => r.mechanism === "bounce");
  if (!row) return null;
  const prog = buildDemoProgram(row.arch);
  const base = row.results ? Number(BigInt(row.results.vdsoBase as string)) : 0;
  const lines: string[] = [];
  // The program's write entry, then the vDSO's entries that follow it (the re-issue).
  const first = row.events.findIndex((e) => e.where === "program, step write");
  const inStep = first < 0 ? [] : [row.events[first]!];
  for (let i = first + 1; first >= 0 && i < row.events.length && row.events[i]!.where.startsWith("vDSO"); i++) inStep.push(row.events[i]!);
  let n = 0;
  for (const e of inStep) {
    const pc = Number(e.pc);
    const site = hex(pc);
    lines.push(`${++n}. ${e.where.startsWith("vDSO") ? "vDSO  " : "user  "} ${site.padEnd(16)} ${row.arch === "arm64" ? "svc #0" : "syscall"} (${e.name})  → kernel ${e.mark}${e.result !== null ? ` = ${e.result}` : ""}  [${e.where}]`);
    if (n === 1 && base) lines.push(`${++n}. kernel pushes the bounce frame, pc := ${hex(base + prog.vdso.entries.bounce)} (vDSO bounce entry)`);
  }
  const ret = inStep.find((e) => !e.where.startsWith("vDSO"));
  if (ret) lines.push(`${++n}. user   ${hex(Number(ret.pc) + SYSCALL_INSN[row.arch]).padEnd(16)} resumes after the syscall instruction with the result`);
  return { arch: row.arch, config: row.config, lines };
}

/** The "what broke" lines: facts the runs produced that differ from a direct syscall. */
function whatBroke(rows: readonly DemoRow[]): string[] {
  const out: string[] = [];
  // ptrace view: where does the kernel (and so a tracer) see the program's write come from?
  const views = new Map<string, string[]>();
  for (const r of rows) {
    const fromVdso = r.events.find((e) => e.name === "write" && e.where.startsWith("vDSO"));
    if (fromVdso) {
      const sym = fromVdso.where.replace(/\+0x[0-9a-f]+$/, "");
      views.set(sym, [...(views.get(sym) ?? []), `${r.arch} ${r.id}`]);
    }
    if (r.results?.redZoneIntact === false) out.push(`red zone (${r.arch} ${r.config}): the word below rsp was overwritten across getpid — a frame was pushed without skipping the 128-byte red zone`);
  }
  for (const [sym, who] of views) out.push(`ptrace view: a tracer sees the program's write issued from ${sym}, not from the program's own syscall instruction (${who.join(", ")})`);
  const x86 = rows.filter((r) => r.arch === "x86_64" && r.results);
  if (x86.length && x86.every((r) => r.results!.redZoneIntact === true)) out.push(`red zone (x86-64): intact under ${x86.map((r) => r.id).join(", ")} (a bounce frame must sit below rsp − 128)`);
  // Bypass: the vDSO's own syscall instruction reaches the kernel without the mechanism.
  const bypassed = rows.filter((r) => r.mechanism !== "direct" && r.mechanism !== "ptrace" && r.steps.find((s) => s.id === "bypass")?.marks.join("") === "[direct]");
  if (bypassed.length) {
    out.push(`bypass: a call into the vDSO's own syscall instruction (__kernel_getppid's pass-through stub) reaches the kernel unmediated, marked [direct], under ${
      bypassed.map((r) => `${r.arch} ${r.id}`).join(", ")}: the kernel cannot tell it from libkernel's re-issue (pinning syscall sites is the defence)`);
  }
  const filters = new Map<string, string[]>();
  for (const r of rows) {
    if (!r.results) continue;
    const intercepted = r.steps.find((s) => s.id === "filter")?.marks.some((m) => m.includes("intercept")) ?? false;
    const res = String(r.results.ownFilter);
    const key = intercepted ? `${res} (intercepted by the mechanism: the program's filter is not attached in front of it)`
      : res === "-ENOSYS" ? `${res} (this kernel has no seccomp syscall in this mode)`
      : res === "0" ? `${res} (attached: it runs on every later kernel entry, the mechanism's own included)` : res;
    filters.set(key, [...(filters.get(key) ?? []), `${r.arch} ${r.id}`]);
  }
  for (const [res, who] of filters) out.push(`filter installation: the program's own seccomp(SECCOMP_SET_MODE_FILTER) = ${res}: ${who.join(", ")}`);
  return out;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : " ".repeat(n - s.length) + s);

export function formatDemo(rep: DemoReport): string {
  const L: string[] = [];
  L.push(`uabi demo: one program per ISA (${rep.arches.join(", ")}), run under every mechanism this kernel implements`, "");
  L.push("The program:");
  for (const s of rep.program) L.push(`  ${pad(s.id, 8)} ${s.title}${s.arches.length < 2 ? ` (${s.arches.join(", ")} only)` : ""}`);
  L.push("");
  const head = ["mechanism", "ISA", "kernel entries", "user insns", "handler insns", "stack bytes", "modelled", "× direct", "measured (calibrate run)"];
  const body = rep.rows.map((r) => [
    r.id, r.arch, String(r.counters.kernelEntries), String(r.counters.userInsns),
    String(r.counters.handlerInsns), String(r.counters.stackBytes), formatNs(r.modelledNs),
    r.ratioToDirect === null ? "—" : `${r.ratioToDirect.toFixed(2)}×`, r.host,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i >= 2 && i <= 7 ? lpad(c, widths[i]!) : pad(c, widths[i]!))).join("  ")}`.trimEnd();
  L.push(line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line));
  if (rep.unsupported.length) {
    const ids = [...new Set(rep.unsupported.map((u) => u.id))];
    L.push(`  not in this kernel yet: ${ids.join(", ")} (${rep.unsupported[0]!.why})`);
  }
  L.push(`  (modelled: cost profile '${rep.profile}'; × direct: modelled time ÷ the direct row of the same ISA)`);
  L.push("", `Measured: ${rep.host.machine}; ${rep.host.source}, the run the default profile is derived from.`, "");
  L.push("Paths taken, per step (one mark per kernel entry; none = no kernel entry):");
  const stepIds = rep.program.map((s) => s.id);
  const sw = Math.max(...rep.rows.map((r) => `${r.id} ${r.arch}`.length));
  for (const r of rep.rows) {
    const cells = stepIds.map((id) => {
      const s = r.steps.find((x) => x.id === id);
      return s ? `${id} ${s.marks.length ? s.marks.join("") : "—"}` : null;
    }).filter((c): c is string => c !== null);
    L.push(`  ${pad(`${r.id} ${r.arch}`, sw)}  ${cells.join("  ")}`);
  }
  const first = rep.rows.find((r) => r.results);
  if (first?.results) {
    const res = first.results;
    L.push("", `What the program got (${first.arch} ${first.id}): getpid ${res.rawPid} (ported call: ${res.portedPid}), umask was ${res.umaskOld}, clock_gettime ${res.clock},`);
    L.push(`  uname@LIBKERNEL_1 filled ${(res.uname1Fields as string[]).length} fields (old_utsname), uname@@LIBKERNEL_2 filled ${(res.uname2Fields as string[]).length} (new_utsname): ${(res.uname2Fields as string[]).join(" | ")}`);
  }
  L.push("");
  if (rep.bounced) {
    L.push(`One bounced syscall (${rep.bounced.arch}, ${rep.bounced.config}): the pass-through write`);
    for (const l of rep.bounced.lines) L.push(`  ${l}`);
  } else L.push("One bounced syscall: bounce is not in this kernel yet, so there is none to show.");
  L.push("", "What broke:");
  for (const b of rep.broke) L.push(`  - ${b}`);
  L.push("", `(${rep.rows.length} runs in ${rep.durationMs} ms)`, "");
  return L.join("\n");
}
