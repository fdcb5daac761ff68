/**
 * One fuzzing worker: runs target inputs (seed, start), (seed, start+1), … until its deadline or count, writing
 * the index it is on into shared memory before each input (so the runner can tell a hang and which input it was)
 * and reporting untyped failures and slow inputs as messages.
 */
import { parentPort, workerData } from "node:worker_threads";
import { mutateInput } from "./mutate.js";
import { TARGETS } from "./targets.js";
import { signature } from "./signature.js";

export interface WorkerInput {
  target: string;
  seed: number;
  start: number;
  /** Stop at this index (exclusive) or at `deadline` (Date.now() ms), whichever comes first. */
  end: number;
  deadline: number;
  /** Float64Array view: [0] the index in flight, [1] inputs finished, [2] 1 once the worker is loaded and fuzzing. */
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { kind: "untyped"; index: number; signature: string; message: string }
  | { kind: "slow"; index: number; ms: number }
  | { kind: "done"; next: number };

const w = workerData as WorkerInput;
const target = TARGETS[w.target]!;
const seeds = target.seeds();
const cell = new Float64Array(w.shared);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
let i = w.start;
cell[0] = i;
cell[2] = 1; // loaded: from here on, time without progress is a hang (loading may take long on a busy machine)
for (; i < w.end; i++) {
  if ((i & 63) === 0 && Date.now() >= w.deadline) break;
  cell[0] = i;
  const { bytes } = mutateInput(seeds, w.seed, i);
  const t0 = performance.now();
  try {
    target.run(bytes);
  } catch (e) {
    if (!target.typed(e)) post({ kind: "untyped", index: i, signature: signature(e), message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
  const ms = performance.now() - t0;
  if (ms > target.hangMs) post({ kind: "slow", index: i, ms });
  cell[1]! += 1;
}
post({ kind: "done", next: i });
