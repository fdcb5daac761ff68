/** Assemble snippets with aarch64-linux-gnu-as (when installed); one word list per snippet. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const hasGnuAs = spawnSync("aarch64-linux-gnu-as", ["--version"]).status === 0;

/** objdump's text for each word (comments and `<sym>` dropped, targets as 0x…), keyed by index. */
export function normaliseObjdump(text: string): string {
  let t = text.replace(/\s*\/\/.*$/, "").replace(/ <[^>]*>/g, "").trim();
  // Branch / literal / adr targets: objdump prints bare hex; we print 0x-prefixed.
  t = t.replace(/^(b|bl|b\.\w+|cbz|cbnz|tbz|tbnz|adr|adrp|ldr|ldrsw|prfm)(\t(?:[^,[]*, )*(?:#\d+, )?)([0-9a-f]+)$/, (_a, mn: string, pre: string, tg: string) => `${mn}${pre}0x${tg}`);
  return t;
}

export function gnuAssemble(snippets: string[]): number[][] {
  return gnuAssembleWithText(snippets).words;
}

export function gnuAssembleWithText(snippets: string[]): { words: number[][]; text: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), "a64as-"));
  try {
    // Each snippet goes in its own section-less block separated by labels so we can split the output.
    const src = snippets.map((s, i) => `.L_s${i}:\n${s}\n`).join("") + `.L_end:\n`;
    writeFileSync(join(dir, "a.s"), src);
    execFileSync("aarch64-linux-gnu-as", ["-o", join(dir, "a.o"), join(dir, "a.s")]);
    execFileSync("aarch64-linux-gnu-objcopy", ["-O", "binary", "-j", ".text", join(dir, "a.o"), join(dir, "a.bin")]);
    const bin = readFileSync(join(dir, "a.bin"));
    const dis = execFileSync("aarch64-linux-gnu-objdump", ["-d", join(dir, "a.o")]).toString();
    const lines = dis.split("\n").map((l) => /^\s+[0-9a-f]+:\t[0-9a-f]{8} \t(.*)$/.exec(l)?.[1]).filter((x): x is string => x !== undefined).map(normaliseObjdump);
    const lengths = snippets.map((s) => s.split("\n").length);
    const words: number[][] = [];
    const text: string[][] = [];
    let off = 0;
    for (const n of lengths) {
      const ws: number[] = [];
      const ts: string[] = [];
      for (let k = 0; k < n; k++, off += 4) {
        ws.push(bin.readUInt32LE(off));
        ts.push(lines[off / 4]!);
      }
      words.push(ws);
      text.push(ts);
    }
    if (off !== bin.length) throw new Error(`gnu as produced ${bin.length} bytes, expected ${off}`);
    return { words, text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
