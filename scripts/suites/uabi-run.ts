/**
 * What the suites' checkers share: one guest run in uabi's kernel (in-process, the same library `uabi run`
 * uses), the mechanisms this kernel accepts, a pool of worker processes, and the baseline file of what passed.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { StringDecoder } from "node:string_decoder";
import { Kernel, KernelUsageError, type KernelOptions } from "../../packages/kernel/src/index.js";
import { NodeHostFs } from "../../packages/kernel/src/node.js";
import { MECHANISMS } from "../../apps/uabi/src/choices.js";

export interface GuestRun {
  elf: Uint8Array;
  argv: readonly string[];
  env: readonly string[];
  cwd: string;
  /** Where the executable appears in the guest (/proc/self/exe). */
  path: string;
  stdin: Uint8Array;
  /** Host directory mounted read-only (with an in-memory overlay) as the guest's root, as `uabi run --root`. */
  root?: string;
  mode: string;
  maxInstructions: number;
  /** Guest credentials (the kernel's default is root). */
  uid?: number;
  gid?: number;
  /** strace-format lines (slow: for diagnosing a failure, not for every run). */
  trace?: (line: string) => void;
}

export interface GuestResult {
  /** Bytes as a latin1 string. */
  stdout: string;
  stderr: string;
  status: number;
  reason: "exit" | "signal" | "budget" | "deadlock" | "host-exception";
  signal?: number;
  /** Syscalls the guest made that the kernel does not implement (they returned ENOSYS). */
  missing: string[];
  instructions: number;
  ms: number;
}

const latin1 = (chunks: Uint8Array[]): string => {
  let s = "";
  for (const c of chunks) for (const b of c) s += String.fromCharCode(b);
  return s;
};

export function runGuest(r: GuestRun): GuestResult {
  const t0 = performance.now();
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const missing = new Set<string>();
  try {
    const k = new Kernel({
      mode: r.mode,
      // Statement bodies: the kernel reads a number returned here as the bytes the sink accepted.
      stdout: (d: Uint8Array) => {
        out.push(d.slice());
      },
      stderr: (d: Uint8Array) => {
        err.push(d.slice());
      },
      stdin: r.stdin,
      maxInstructions: r.maxInstructions,
      ...(r.root ? { root: new NodeHostFs(r.root) } : {}),
      ...(r.uid !== undefined ? { uid: r.uid } : {}),
      ...(r.gid !== undefined ? { gid: r.gid } : {}),
      ...(r.trace ? { trace: r.trace } : {}),
      onMissingSyscall: (_arch: string, nr: number, name: string | undefined) => missing.add(name ?? `#${nr}`),
    } as unknown as KernelOptions);
    k.spawn(r.elf, { argv: r.argv, env: r.env, cwd: r.cwd, path: r.path });
    const res = k.run();
    return {
      stdout: latin1(out), stderr: latin1(err), status: res.exitStatus, reason: res.reason, ...(res.signal ? { signal: res.signal } : {}),
      missing: [...missing], instructions: res.stats.instructions, ms: performance.now() - t0,
    };
  } catch (e) {
    return {
      stdout: latin1(out), stderr: `${latin1(err)}host exception: ${e instanceof Error ? e.message : String(e)}`, status: -1, reason: "host-exception",
      missing: [...missing], instructions: 0, ms: performance.now() - t0,
    };
  }
}

/** The mechanisms requested (all by default) that this kernel's constructor accepts, and those it refuses. */
export function supportedModes(wanted: readonly string[]): { modes: string[]; skipped: string[] } {
  const modes: string[] = [];
  const skipped: string[] = [];
  for (const m of wanted.length ? wanted : MECHANISMS.map((x) => x.name)) {
    try {
      new Kernel({ mode: m } as unknown as KernelOptions);
      modes.push(m);
    } catch (e) {
      if (!(e instanceof KernelUsageError)) throw e;
      skipped.push(m);
    }
  }
  return { modes, skipped };
}

export const cliOpt = (argv: readonly string[], name: string): string[] => argv.flatMap((a, i) => (a === name && argv[i + 1] ? [argv[i + 1]!] : []));

/**
 * Runs `items` (the same list in every process) across `jobs` workers: each worker is this script again with
 * `--worker`; the parent hands out item indices one at a time on the worker's stdin as workers finish (runs
 * take from a millisecond to minutes, so a fixed split would leave one worker with the slow ones), and the
 * worker answers each with its outcome as one JSON line. With jobs ≤ 1 everything runs here. `onResult` sees
 * outcomes as they arrive.
 */
export async function pool<T, R>(items: readonly T[], work: (item: T) => R, o: { argv: readonly string[]; self: string; jobs: number; onResult: (r: R) => void }): Promise<void> {
  if (isWorker(o.argv)) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      const it = items[Number(line)];
      if (it === undefined) throw new Error(`worker: no item ${line}`);
      process.stdout.write(`${JSON.stringify(work(it))}\n`);
    }
    return;
  }
  if (o.jobs <= 1 || items.length <= 1) {
    for (const it of items) o.onResult(work(it));
    return;
  }
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(o.jobs, items.length) }, (_, k) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, o.self, ...o.argv, "--worker"], { stdio: ["pipe", "pipe", "inherit"] });
    const feed = () => {
      if (next < items.length) child.stdin.write(`${next++}\n`);
      else child.stdin.end();
    };
    const dec = new StringDecoder("utf8");
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += dec.write(d);
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        o.onResult(JSON.parse(buf.slice(0, nl)) as R);
        buf = buf.slice(nl + 1);
        feed();
      }
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${k} exited with ${code}`))));
    feed();
  })));
}

/** Whether we are a pool worker (which prints JSON lines only). */
export const isWorker = (argv: readonly string[]): boolean => argv.includes("--worker");

/** A committed baseline: for each "<isa> <mode>", the sorted names that passed. */
export type Baseline = Record<string, string[]>;
export const readBaseline = (file: string): Baseline => (existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { passed: Baseline }).passed : {});

/** The first difference between two outputs, on one line. */
export function oneLineDiff(expected: string, got: string): string {
  const e = expected.split("\n");
  const g = got.split("\n");
  for (let i = 0; i < Math.max(e.length, g.length); i++) {
    if (e[i] !== g[i]) {
      const show = (s: string | undefined) => (s === undefined ? "(end)" : JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s));
      return `line ${i + 1}: expected ${show(e[i])}, got ${show(g[i])}`;
    }
  }
  return "same";
}

/** A pass/fail table: rows × columns of "passed/total". */
export function table(rows: readonly string[], cols: readonly string[], cell: (r: string, c: string) => string, corner = ""): string {
  const head = [corner, ...cols];
  const body = rows.map((r) => [r, ...cols.map((c) => cell(r, c))]);
  const w = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((x, i) => x.padEnd(w[i]!)).join("  ");
  return [line(head), ...body.map(line)].join("\n");
}
