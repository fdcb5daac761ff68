import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { diffOutcome, InsnRunner, SLOT_FPCR, STATE_BYTES, type Outcome } from "./insn-fuzz.js";

// Replays the arm64 differential instruction fuzzer's recorded sample (fixtures/fuzz/insn-arm64, written by
// `pnpm fuzz:insn --isa arm64 --record`): per record an encoding, its input state and qemu-aarch64's outcome.
// Both tiers must agree with each other everywhere and with qemu except where EXPLAINED says why not.
const dir = new URL("../../../fixtures/fuzz/insn-arm64/", import.meta.url);
const meta = JSON.parse(readFileSync(new URL("meta.json", dir), "utf8")) as { pc: number; records: number };
interface Rec { c: string; w: string; i: string; s: number; o: [number, string][] }
const recs = gunzipSync(readFileSync(new URL("records.jsonl.gz", dir))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as Rec);

const f = (w: number, lo: number, bits: number) => (w >>> lo) & ((1 << bits) - 1);
const misc2 = (w: number) => (w & 0x9f3e0c00) >>> 0 === 0x0e200800 || (w & 0xdf3e0c00) >>> 0 === 0x5e200800;
/** Encodings qemu's Cortex-A72 executes and the core does not implement, each with the reason (docs/isa-arm64-coverage.md). */
const EXPLAINED: readonly [string, (w: number) => boolean][] = [
  ["CRC32 (FEAT_CRC32, not in the core's HWCAP)", (w) => (w & 0x7fe0e000) >>> 0 === 0x1ac04000],
  ["AES/SHA (FEAT_AES/SHA1/SHA256, not in the core's HWCAP)", (w) => (w & 0xff3e0c00) >>> 0 === 0x4e280800 || (w & 0xff208c00) >>> 0 === 0x5e000000 || (w & 0xff3e0c00) >>> 0 === 0x5e280800],
  ["reciprocal and square-root estimates (frecpe, frsqrte, urecpe, ursqrte, frecpx)", (w) => misc2(w) && f(w, 23, 1) === 1 && (f(w, 12, 5) === 28 || f(w, 12, 5) === 29 || (f(w, 30, 1) === 1 && f(w, 29, 1) === 0 && f(w, 12, 5) === 31))],
  ["half-precision fcvtn/fcvtl", (w) => misc2(w) && (f(w, 12, 5) === 22 || f(w, 12, 5) === 23) && f(w, 29, 1) === 0 && f(w, 22, 1) === 0],
  ["half-precision fcvt (scalar, to and from h)", (w) => (w & 0xff207c00) >>> 0 === 0x1e204000 && ((f(w, 22, 2) === 3 && (f(w, 15, 6) === 4 || f(w, 15, 6) === 5)) || f(w, 15, 6) === 7)],
  ["scalar three-different (sqdmlal/sqdmlsl/sqdmull on s/d): no table row", (w) => (w & 0xdf200c00) >>> 0 === 0x5e200000],
];

function wantOf(r: Rec): Outcome {
  const input = new Uint8Array(Buffer.from(r.i, "base64"));
  const state = input.slice();
  const v = new DataView(state.buffer);
  for (const [slot, hex] of r.o) v.setBigUint64(slot * 8, BigInt(`0x${hex}`), true);
  return { sig: r.s, state };
}

describe("arm64 instruction fuzzer: recorded qemu-aarch64 outcomes", () => {
  it("the fixture is the recorded size", () => {
    expect(recs.length).toBe(meta.records);
    for (const r of recs) expect(Buffer.from(r.i, "base64").length).toBe(STATE_BYTES);
  });
  it("interpreter and translating tier agree with qemu", () => {
    const runner = new InsnRunner(meta.pc);
    const bad: string[] = [];
    let compared = 0;
    for (const r of recs) {
      const word = Number.parseInt(r.w, 16);
      const input = new Uint8Array(Buffer.from(r.i, "base64"));
      const got = runner.run(word, input, "interp");
      const jit = runner.run(word, input, "jit");
      const jd = diffOutcome(got, jit, true);
      if (jd.length) bad.push(`${r.w} ${r.c} jit vs interpreter: ${jd.slice(0, 2).join("; ")}`);
      if (EXPLAINED.some(([, p]) => p(word))) continue;
      const d = diffOutcome(wantOf(r), got);
      // Flush-to-zero and directed rounding are modelled on the scalar paths only (README).
      const fpcr = new DataView(input.buffer).getUint32(SLOT_FPCR * 8, true);
      if (d.length && (fpcr & 0x01c00000) !== 0 && /^(FP_|SIMD_)/.test(r.c) && d[0]?.startsWith("signal") !== true) continue;
      compared++;
      if (d.length) bad.push(`${r.w} ${r.c}: ${d.slice(0, 3).join("; ")}`);
    }
    expect(bad.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(recs.length / 2);
  });
});
