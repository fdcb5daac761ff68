/**
 * uabi run against hostile inputs on the host side: files that are not regular files, a host reader that goes
 * away, and the limit flags documented in the help with their defaults.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { uabi } from "./run-cli.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const TMP = mkdtempSync(join(tmpdir(), "uabi-limits-"));


/** A static x86-64 ELF: one RWX segment at 0x400000 holding `code` at its entry, plus `bss` zero bytes. */
function tinyElf(code: number[], bss = 0): Uint8Array {
  const b = new Uint8Array(120 + code.length);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true);
  v.setUint16(18, 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, 0x400078n, true);
  v.setBigUint64(32, 64n, true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 1, true);
  v.setUint32(64, 1, true);
  v.setUint32(68, 7, true);
  v.setBigUint64(80, 0x400000n, true);
  v.setBigUint64(96, BigInt(b.length), true);
  v.setBigUint64(104, BigInt(b.length + bss), true);
  b.set(code, 120);
  return b;
}

describe("uabi run on files that are not regular files", () => {
  beforeAll(async () => void (await uabi("run", join(TMP, "missing"))), 60_000); // load the command first: the timing below is the run's
  it("/dev/zero and a FIFO with no writer are refused at once (execve's EACCES; exit 126)", async () => {
    const fifo = join(TMP, "fifo");
    const made = spawnSync("mkfifo", [fifo]).status === 0;
    for (const f of ["/dev/zero", ...(made ? [fifo] : [])]) {
      const t0 = performance.now();
      const r = await uabi("run", f);
      expect([f, r.code, r.err]).toEqual([f, 126, `uabi: ${f}: permission denied (not a regular file)\n`]);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });
});

describe("the limit flags", () => {
  it("are in uabi run --help with their defaults", async () => {
    const r = await uabi("run", "--help");
    for (const [flag, dflt] of [["--max-tasks", "default 512"], ["--mem-budget", "default 4G"], ["--tmpfs-size", "default 1G"], ["--mem-limit", "default 1G"]] as const) {
      const line = r.out.split("\n").filter((l) => l.trimStart().startsWith(flag)).pop();
      expect(line, flag).toContain(dflt);
    }
  });

  it("are checked and reach the guest (a /tmp write past --tmpfs-size fails with ENOSPC)", async () => {
    expect((await uabi("run", "--max-tasks", "0", "/bin/true")).code).toBe(2);
    expect((await uabi("run", "--tmpfs-size", "12", "/bin/true")).code).toBe(2);
    // open("/tmp/f", O_WRONLY|O_CREAT); write 1 MiB of bss until it fails; exit(-errno)
    const at = 0x400078;
    const code = [
      0xb8, 2, 0, 0, 0, 0xbf, ...le32(at + 62), 0xbe, 0x41, 0, 0, 0, 0xba, 0xa4, 0x01, 0, 0, 0x0f, 0x05, 0x89, 0xc3,
      0x89, 0xdf, 0xbe, ...le32(0x500000), 0xba, ...le32(1 << 20), 0xb8, 1, 0, 0, 0, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x7f, 0x100 - 24,
      0x48, 0xf7, 0xd8, 0x89, 0xc7, 0xb8, 0xe7, 0, 0, 0, 0x0f, 0x05, 0x90, 0x90,
      ...new TextEncoder().encode("/tmp/f\0"),
    ];
    const elf = tinyElf(code, 0x200000);
    // the data the loop writes sits at 0x500000, inside the bss
    const f = join(TMP, "fill");
    writeFileSync(f, elf);
    const r = await uabi("run", "--tmpfs-size", "4M", f);
    expect(r.code).toBe(28);
  });
});

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

describe("stdout whose reader goes away", () => {
  it("`uabi run writer | head -c1`: the guest gets EPIPE/SIGPIPE (141) after the pipe fills, not 1 GiB later", () => {
    // write(1, bss, 64 KiB) sixteen thousand times (1 GiB), then exit 0; a SIGPIPE ends it first.
    const code = [
      0xbb, ...le32(16384), // mov ebx, 16384
      0xbf, 1, 0, 0, 0, 0xbe, ...le32(0x500000), 0xba, ...le32(65536), 0xb8, 1, 0, 0, 0, 0x0f, 0x05, // write(1, buf, 64K)
      0xff, 0xcb, 0x75, 0x100 - 26, // dec ebx; jnz
      0x31, 0xff, 0xb8, 0xe7, 0, 0, 0, 0x0f, 0x05, // exit_group(0)
    ];
    const f = join(TMP, "writer");
    writeFileSync(f, tinyElf(code, 0x200000));
    const t0 = performance.now();
    const r = spawnSync("bash", ["-c", `node --conditions=@uabi/source --import tsx apps/uabi/src/main.ts run ${f} | head -c1 >/dev/null; echo \${PIPESTATUS[0]}`], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout.trim()).toBe("141");
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
