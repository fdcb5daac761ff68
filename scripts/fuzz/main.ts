/**
 * pnpm fuzz [--target T[,T…]] [--seconds N] [--count N] [--seed S] [--save] [--replay]
 *
 * Mutation fuzzing of the parsers and the exec/spawn path (targets in targets.ts, mutations in mutate.ts). Each
 * target runs in a worker thread for `--seconds` (default 10) or `--count` inputs; the runner watches the input in
 * flight and calls it a hang when one input takes longer than the target's budget (the worker is then stopped and
 * restarted after it). Prints, per target, inputs tried, untyped failures (exceptions other than the package's typed
 * error, deduplicated by signature) and hangs; exit status 1 when there is any. `--save` writes each new failure,
 * minimized, to fixtures/fuzz/<target>/ (replayed by tests/fuzz-fixtures.test.ts); `--replay` only replays those.
 * Inputs are a function of (seed, index): `--seed S` with the printed index reproduces one.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { mutateInput } from "./mutate.js";
import { signature } from "./signature.js";
import { ROOT, TARGETS, fixtureFiles, type Target } from "./targets.js";
import type { WorkerInput, WorkerMessage } from "./worker.js";

const { values } = parseArgs({
  options: {
    target: { type: "string", multiple: true },
    seconds: { type: "string" },
    count: { type: "string" },
    seed: { type: "string" },
    save: { type: "boolean" },
    replay: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`usage: pnpm fuzz [--target ${Object.keys(TARGETS).join("|")}] [--seconds N] [--count N] [--seed S] [--save] [--replay]`);
  for (const t of Object.values(TARGETS)) console.log(`  ${t.name.padEnd(12)} ${t.summary}`);
  process.exit(0);
}
const names = (values.target ?? Object.keys(TARGETS)).flatMap((t) => t.split(","));
for (const n of names) if (!TARGETS[n]) throw new Error(`unknown target ${n} (${Object.keys(TARGETS).join(", ")})`);
const seconds = Number(values.seconds ?? 10);
const count = values.count !== undefined ? Number(values.count) : Infinity;
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;

interface Failure {
  kind: "untyped" | "hang";
  index: number;
  signature: string;
  message: string;
}

/** Run one target in a worker until the time or count is used up; restart after a hang. */
async function fuzz(t: Target): Promise<{ tried: number; failures: Failure[]; slow: number }> {
  const deadline = Date.now() + seconds * 1000;
  const failures: Failure[] = [];
  let slow = 0;
  let next = 0, tried = 0;
  while (next < count && Date.now() < deadline) {
    const shared = new SharedArrayBuffer(24);
    const cell = new Float64Array(shared);
    const input: WorkerInput = { target: t.name, seed, start: next, end: count, deadline, shared };
    // worker-boot.mjs registers the TypeScript loader (the source condition comes with process.execArgv).
    const w = new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: input });
    const outcome = await new Promise<{ next: number; hung?: number }>((resolve, reject) => {
      let last = -1, since = Date.now();
      const timer = setInterval(() => {
        const at = cell[0]!;
        if (cell[2] !== 1) since = Date.now(); // still loading its modules and seeds
        else if (at !== last) {
          last = at;
          since = Date.now();
        } else if (Date.now() - since > t.hangMs * 2 + 1000) {
          clearInterval(timer);
          void w.terminate();
          resolve({ next: at + 1, hung: at });
        }
      }, 100);
      w.on("message", (m: WorkerMessage) => {
        if (m.kind === "untyped") failures.push({ kind: "untyped", index: m.index, signature: m.signature, message: m.message });
        else if (m.kind === "slow") {
          slow++;
          failures.push({ kind: "hang", index: m.index, signature: `slow input (${Math.round(m.ms)} ms)`, message: `took ${Math.round(m.ms)} ms` });
        } else {
          clearInterval(timer);
          resolve({ next: m.next });
        }
      });
      w.on("error", (e) => {
        clearInterval(timer);
        reject(e);
      });
    });
    tried += cell[1]!;
    if (outcome.hung !== undefined) {
      failures.push({ kind: "hang", index: outcome.hung, signature: "hang (no progress)", message: `input ${outcome.hung} did not finish` });
      tried++;
    }
    next = outcome.next;
    await w.terminate();
  }
  return { tried, failures, slow };
}

/** Throws the failure `sig` on `bytes`, or returns false. */
function fails(t: Target, bytes: Uint8Array, sig: string): boolean {
  try {
    t.run(bytes);
    return false;
  } catch (e) {
    return !t.typed(e) && signature(e) === sig;
  }
}

/** Shrink an untyped failure towards its seed: revert changed runs of bytes, then cut the tail, while it still fails the same way. */
function minimize(t: Target, bytes: Uint8Array, seedBytes: Uint8Array, sig: string): Uint8Array {
  let cur = bytes.slice();
  const stop = Date.now() + 10_000;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && Date.now() < stop; chunk >>= 1) {
    for (let at = 0; at < cur.length && Date.now() < stop; at += chunk) {
      const trial = cur.slice();
      let changed = false;
      for (let j = at; j < Math.min(at + chunk, trial.length, seedBytes.length); j++) {
        if (trial[j] !== seedBytes[j]) {
          trial[j] = seedBytes[j]!;
          changed = true;
        }
      }
      if (changed && fails(t, trial, sig)) cur = trial;
    }
  }
  for (let len = cur.length >> 1; len >= 64 && Date.now() < stop; len >>= 1) {
    if (fails(t, cur.slice(0, len), sig)) cur = cur.slice(0, len);
    else break;
  }
  return cur;
}

function replay(t: Target): { files: number; untyped: string[] } {
  const untyped: string[] = [];
  const files = fixtureFiles(t.name);
  for (const f of files) {
    try {
      t.run(new Uint8Array(readFileSync(f)));
    } catch (e) {
      if (!t.typed(e)) untyped.push(`${f}: ${signature(e)}`);
    }
  }
  return { files: files.length, untyped };
}

let bad = 0;
console.log(values.replay ? "fuzz: replaying fixtures/fuzz" : `fuzz: seed ${seed}, ${Number.isFinite(count) ? `${count} inputs or ` : ""}${seconds} s per target`);
for (const name of names) {
  const t = TARGETS[name]!;
  if (values.replay) {
    const r = replay(t);
    bad += r.untyped.length;
    console.log(`${name.padEnd(12)} fixtures ${r.files}  untyped ${r.untyped.length}${r.untyped.map((u) => `\n  ${u}`).join("")}`);
    continue;
  }
  const t0 = Date.now();
  const r = await fuzz(t);
  const secs = (Date.now() - t0) / 1000;
  const bySig = new Map<string, Failure[]>();
  for (const f of r.failures) bySig.set(f.signature, [...(bySig.get(f.signature) ?? []), f]);
  const untyped = r.failures.filter((f) => f.kind === "untyped").length, hangs = r.failures.length - untyped;
  bad += r.failures.length;
  console.log(`${name.padEnd(12)} inputs ${r.tried}  (${Math.round(r.tried / secs)}/s)  untyped ${untyped}  hangs ${hangs}`);
  const seeds = t.seeds();
  for (const [sig, fs] of bySig) {
    const first = fs[0]!;
    console.log(`  ${fs.length}× ${sig}\n     first: --seed ${seed} index ${first.index}\n     ${first.message.split("\n").slice(0, 4).join("\n     ")}`);
    if (!values.save) continue;
    const m = mutateInput(seeds, seed, first.index);
    const out = first.kind === "untyped" ? minimize(t, m.bytes, seeds[m.seedIndex]!, sig) : m.bytes;
    const dir = join(ROOT, "fixtures/fuzz", name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${first.kind}-${createHash("sha256").update(out).digest("hex").slice(0, 12)}.elf`);
    writeFileSync(file, out);
    console.log(`     saved ${file.slice(ROOT.length)} (${out.length} bytes)`);
  }
}
process.exit(bad > 0 ? 1 : 0);
