import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { diffOutcome, InsnRunner, SLOT_FPCR, STATE_BYTES, type Outcome } from "./insn-fuzz.js";

// Replays the arm64 differential instruction fuzzer's recorded sample (fixtures/fuzz/insn-arm64, written by
// `pnpm fuzz:insn --isa arm64 --record`): per record an encoding, its input state and qemu-aarch64's outcome.
// Both tiers must agree with each other everywhere and with qemu except where EXPLAINED says why not.
const dir = new URL("../../../fixtures/fuzz/insn-arm64/", import.meta.url);
interface Run { file?: string; pc: number; records: number }
const meta = JSON.parse(readFileSync(new URL("meta.json", dir), "utf8")) as Run & { extra?: Run[] };
interface Rec { c: string; w: string; i: string; s: number; o: [number, string][] }
const load = (file: string) => gunzipSync(readFileSync(new URL(file, dir))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as Rec);
// The main sample (every class) and the supplements (e.g. records-fp: FP and SIMD encodings qemu executes, FPCR states included).
const runs = [{ ...meta, file: "records.jsonl.gz" }, ...(meta.extra ?? [])].map((r) => ({ ...r, recs: load(r.file!) }));

/** Encodings qemu's Cortex-A72 executes and the core does not implement, each with the reason (docs/isa-arm64-coverage.md). */
const EXPLAINED: readonly [string, (w: number) => boolean][] = [
  ["CRC32 (FEAT_CRC32, not in the core's HWCAP)", (w) => (w & 0x7fe0e000) >>> 0 === 0x1ac04000],
  ["AES/SHA (FEAT_AES/SHA1/SHA256, not in the core's HWCAP)", (w) => (w & 0xff3e0c00) >>> 0 === 0x4e280800 || (w & 0xff208c00) >>> 0 === 0x5e000000 || (w & 0xff3e0c00) >>> 0 === 0x5e280800],
];

function wantOf(r: Rec): Outcome {
  const input = new Uint8Array(Buffer.from(r.i, "base64"));
  const state = input.slice();
  const v = new DataView(state.buffer);
  for (const [slot, hex] of r.o) v.setBigUint64(slot * 8, BigInt(`0x${hex}`), true);
  return { sig: r.s, state };
}

describe("arm64 instruction fuzzer: recorded qemu-aarch64 outcomes", () => {
  it.each(runs.map((r) => [r.file!, r] as const))("%s is the recorded size", (_, r) => {
    expect(r.recs.length).toBe(r.records);
    for (const rec of r.recs) expect(Buffer.from(rec.i, "base64").length).toBe(STATE_BYTES);
  });
  it.each(runs.map((r) => [r.file!, r] as const))("%s: interpreter and translating tier agree with qemu", (_, r) => {
    const runner = new InsnRunner(r.pc);
    const bad: string[] = [];
    let compared = 0, fpcrSet = 0;
    for (const rec of r.recs) {
      const word = Number.parseInt(rec.w, 16);
      const input = new Uint8Array(Buffer.from(rec.i, "base64"));
      const got = runner.run(word, input, "interp");
      const jit = runner.run(word, input, "jit");
      const jd = diffOutcome(got, jit, true);
      if (jd.length) bad.push(`${rec.w} ${rec.c} jit vs interpreter: ${jd.slice(0, 2).join("; ")}`);
      if (EXPLAINED.some(([, p]) => p(word))) continue;
      const d = diffOutcome(wantOf(rec), got);
      compared++;
      // FPCR.FZ and RMode are modelled on every FP path: records with them set are compared like the others.
      if ((new DataView(input.buffer).getUint32(SLOT_FPCR * 8, true) & 0x01c00000) !== 0) fpcrSet++;
      if (d.length) bad.push(`${rec.w} ${rec.c}: ${d.slice(0, 3).join("; ")}`);
    }
    expect(bad.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(r.recs.length / 2);
    expect(fpcrSet).toBeGreaterThan(r.recs.length / 4);
  });
});
