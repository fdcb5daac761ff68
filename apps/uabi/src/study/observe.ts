/**
 * One workload under one configuration: run it, and record what the program could observe (stdout, stderr,
 * exit, files written, its own syscalls with the mechanism's entries filtered out by their path marks, the
 * signals delivered to it with their stack and mask) and what it cost. `differences` compares with direct.
 */
import { createHash } from "node:crypto";
import {
  DEFAULT_PROFILE, DirNode, FileNode, FileTooBigError, Kernel, exemptFromSigsys, predict, type CostCounters, type CostProfile, type SyscallEvent,
} from "@uabi/kernel";
import { SIGNALS } from "@uabi/uapi";
import { mediatesAll, type StudyConfig } from "./configs.js";
import type { DiffKind } from "./catalogue.js";

export interface Workload {
  /** e.g. `corpus:x86_64-glibc/hello-O2`, `study:sigaltstack/arm64`. */
  readonly id: string;
  readonly arch: "arm64" | "x86_64";
  readonly group: "corpus" | "study" | "busybox";
  /** The static ELF (a host runner can write it to a file and exec it natively with the same argv and stdin). */
  readonly elf: () => Uint8Array;
  /** Host path of the binary, when it is a file (corpus, busybox). */
  readonly path?: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly stdin: Uint8Array;
  /** The catalogue cause a provoking program is written for. */
  readonly provokes?: string;
}

export interface ProgramCall {
  name: string;
  /** Arguments as decimal strings (JSON-safe). */
  args: string[];
  mark: string;
  /** Issued from inside the libkernel text. */
  fromText: boolean;
}

export interface SignalSeen {
  signal: string;
  code: string;
  /** Where its handler runs: `alt` (sigaltstack), `main`, or `default` (no handler: the default action). */
  stack: "alt" | "main" | "default";
  /** The handler's signal mask (hex). */
  mask: string;
}

export interface Observation {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exitStatus: number;
  reason: string;
  /** Files the run left in the in-memory filesystem (path → sha256), /proc and /dev excluded. */
  files: Record<string, string>;
  /** The program's own calls, in order (the mechanism's re-issues, return entries and intercepts left out). */
  calls: ProgramCall[];
  /** The first 32 signals delivered to the program's handlers or default actions (the mechanism's SIGSYS left out). */
  signals: SignalSeen[];
  signalsTotal: number;
  /** Program calls the configuration should have mediated that reached the kernel directly. */
  unmediated: { name: string; fromText: boolean }[];
  marks: Record<string, number>;
  vdsoBase: bigint;
  counters: CostCounters;
  modelledNs: number;
  hostMs: number;
}

/** Path marks of entries that are the mechanism's own, not the program's call. */
const MECHANISM_MARKS = new Set(["return", "reissue", "intercepted"]);
const SIGNO: Readonly<Record<string, number>> = SIGNALS;
const SA_ONSTACK = 0x0800_0000, SA_NODEFER = 0x4000_0000;

export function observe(w: Workload, config: StudyConfig, opts: { maxInstructions?: number; profile?: CostProfile; core?: "jit" | "interp" } = {}): Observation {
  const out: Uint8Array[] = [], err: Uint8Array[] = [];
  const events: SyscallEvent[] = [];
  const signals: SignalSeen[] = [];
  let signalsTotal = 0;
  let k: Kernel | undefined;
  const onTrace = (line: string) => {
    const m = /^(?:\[pid (\d+)\] )?--- (SIG[A-Z0-9]+) \{[^}]*?si_code=([A-Z_0-9]+)/.exec(line);
    if (!m || !k) return;
    const seen = signalSeen(k, m[1] ? Number(m[1]) : undefined, m[2]!, m[3]!);
    signalsTotal += seen.length;
    if (signals.length < 32) signals.push(...seen); // a runaway handler loop would otherwise fill the report
  };
  k = new Kernel({
    mode: config.mode, ...(config.frame ? { frame: config.frame } : {}), ...(config.libkernel ? { libkernel: config.libkernel } : {}),
    pinSyscalls: config.pin === true, stdout: (b) => out.push(b.slice()), stderr: (b) => err.push(b.slice()), stdin: w.stdin,
    maxInstructions: opts.maxInstructions ?? 3e8, trace: onTrace, onMissingSyscall: () => {}, ...(opts.core ? { core: opts.core } : {}),
  });
  const kernel = k;
  let lib: { lo: number; hi: number; sites: Map<number, number | "any"> } | undefined;
  kernel.syscallObservers.push((ev) => events.push(ev));
  const t0 = performance.now();
  const p = kernel.spawn(w.elf(), { argv: w.argv, env: w.env });
  const image = kernel.mechanisms.image(p);
  if (image) {
    const img = image.img as typeof image.img & { syscallSites?: readonly { pc: number; nr: number | "any" }[] };
    lib = { lo: image.base + img.textStart, hi: image.base + img.textEnd, sites: new Map((img.syscallSites ?? []).map((s) => [image.base + s.pc, s.nr])) };
  }
  const r = kernel.run();
  const hostMs = performance.now() - t0;
  const calls: ProgramCall[] = [];
  const unmediated: { name: string; fromText: boolean }[] = [];
  const marks: Record<string, number> = {};
  const isa = w.arch;
  const insn = isa === "arm64" ? 4 : 2;
  for (const ev of events) {
    const mark = ev.mark ?? "direct";
    marks[mark] = (marks[mark] ?? 0) + 1;
    if (MECHANISM_MARKS.has(mark)) continue;
    const fromText = lib !== undefined && ev.pc >= lib.lo && ev.pc < lib.hi;
    calls.push({ name: ev.name, args: ev.args.map((a) => BigInt.asIntN(64, a).toString()), mark, fromText });
    // A call the program's own seccomp filter answered (errno, kill) was decided before any mechanism: not a bypass.
    if (mark !== "direct" || !mediatesAll(config) || ev.path.includes("seccomp") || exemptFromSigsys(isa, ev.nr, ev.args)) continue;
    // From the text: libkernel's own stub issuing its own number is the designed path (a ported program); any
    // other number there is a jump into a syscall instruction.
    if (fromText && lib!.sites.get(ev.pc + insn) === ev.nr) continue;
    unmediated.push({ name: ev.name, fromText });
  }
  const counters = { ...r.stats.cost };
  return {
    stdout: concat(out), stderr: concat(err), exitStatus: r.exitStatus, reason: r.reason, files: filesOf(kernel.vfs.root),
    calls, signals, signalsTotal, unmediated, marks, vdsoBase: BigInt(p.vdsoBase), counters,
    modelledNs: predict(opts.profile ?? DEFAULT_PROFILE, counters).totalNs, hostMs,
  };
}

/** The signal being delivered now (the tracer prints it before the frame is built): its handler's stack and mask. */
function signalSeen(k: Kernel, tid: number | undefined, name: string, code: string): SignalSeen[] {
  const t = tid !== undefined ? k.findThread(tid) : k.tasks.threads.find((x) => x.state === "runnable") ?? k.tasks.threads[0];
  const signo = SIGNO[name];
  if (!t || signo === undefined) return [{ signal: name, code, stack: "default", mask: "?" }];
  const p = t.proc;
  const act = p.sigactions[signo]!;
  // The mechanism's own reflection (its SIGSYS entry) is not a signal the program sees.
  const image = k.mechanisms.image(p);
  if (image && act.handler === image.base + image.img.entries.sigsys) return [];
  if (act.handler === 0) return [{ signal: name, code, stack: "default", mask: "-" }];
  const sp = Number(t.cpu.sp);
  const alt = t.altstack;
  const onAlt = alt.size !== 0 && sp > alt.sp && sp - alt.sp <= alt.size;
  const stack = (act.flags & SA_ONSTACK) !== 0 && alt.size !== 0 && !onAlt ? "alt" : onAlt ? "alt" : "main";
  let mask = (t.savedMask ?? t.sigmask) | act.mask;
  if (!(act.flags & SA_NODEFER)) mask |= 1n << BigInt(signo - 1);
  return [{ signal: name, code, stack, mask: `0x${mask.toString(16)}` }];
}

/** A short content hash; a sparse file too big to lay out is named by its size and allocated pages instead. */
function fileDigest(node: FileNode): string {
  try {
    return createHash("sha256").update(node.data).digest("hex").slice(0, 16);
  } catch (e) {
    if (e instanceof FileTooBigError) return `sparse:${node.size}:${node.allocatedPages}`;
    throw e;
  }
}

function filesOf(root: DirNode): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: DirNode, path: string) => {
    for (const [name, node] of d.entries) {
      const full = `${path}/${name}`;
      if (full === "/proc" || full === "/dev") continue;
      if (node instanceof DirNode) {
        if (node !== d && node !== d.parent) walk(node, full);
      } else if (node instanceof FileNode) files[full] = fileDigest(node);
    }
  };
  walk(root, "");
  return files;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const b = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    b.set(c, at);
    at += c.length;
  }
  return b;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** What differs between a run and the direct run of the same workload. */
export function differences(run: Observation, direct: Observation): DiffKind[] {
  const d: DiffKind[] = [];
  if (!same(run.stdout, direct.stdout)) d.push("stdout");
  if (!same(run.stderr, direct.stderr)) d.push("stderr");
  if (run.exitStatus !== direct.exitStatus || run.reason !== direct.reason) d.push("exit");
  if (JSON.stringify(run.files) !== JSON.stringify(direct.files)) d.push("files");
  if (run.calls.map((c) => c.name).join(",") !== direct.calls.map((c) => c.name).join(",")) d.push("syscalls");
  if (run.signalsTotal !== direct.signalsTotal || JSON.stringify(run.signals) !== JSON.stringify(direct.signals)) d.push("signals");
  if (run.unmediated.length > 0) d.push("unmediated");
  return d;
}
