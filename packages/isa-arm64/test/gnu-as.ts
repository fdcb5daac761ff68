/** Assemble snippets with aarch64-linux-gnu-as (when installed); one word list per snippet. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const hasGnuAs = spawnSync("aarch64-linux-gnu-as", ["--version"]).status === 0;

export function gnuAssemble(snippets: string[]): number[][] {
  const dir = mkdtempSync(join(tmpdir(), "a64as-"));
  try {
    // Each snippet goes in its own section-less block separated by labels so we can split the output.
    const src = snippets.map((s, i) => `.L_s${i}:\n${s}\n`).join("") + `.L_end:\n`;
    writeFileSync(join(dir, "a.s"), src);
    execFileSync("aarch64-linux-gnu-as", ["-o", join(dir, "a.o"), join(dir, "a.s")]);
    execFileSync("aarch64-linux-gnu-objcopy", ["-O", "binary", "-j", ".text", join(dir, "a.o"), join(dir, "a.bin")]);
    const bin = readFileSync(join(dir, "a.bin"));
    const lengths = snippets.map((s) => s.split("\n").length);
    const out: number[][] = [];
    let off = 0;
    for (const n of lengths) {
      const ws: number[] = [];
      for (let k = 0; k < n; k++, off += 4) ws.push(bin.readUInt32LE(off));
      out.push(ws);
    }
    if (off !== bin.length) throw new Error(`gnu as produced ${bin.length} bytes, expected ${off}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
