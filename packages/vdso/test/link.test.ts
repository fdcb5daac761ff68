/**
 * The standalone libkernel.so.1 is an ordinary library: GNU ld links a C program against it
 * (binding `__kernel_uname` to the default LIBKERNEL_2 node) and the real dynamic loader maps it;
 * its pass-through stub then performs a real syscall on the host (x86-64) or under qemu-aarch64.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildVdso } from "../src/index.js";
import { linkAndRun } from "../scripts/record-oracles.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const ok = (cmd: string, args: string[] = ["--version"]): boolean => spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
const CAN = {
  x86_64: process.platform === "linux" && process.arch === "x64" && ok("gcc") && ok("readelf"),
  arm64: ok("aarch64-linux-gnu-gcc") && ok("qemu-aarch64", ["--version"]) && ok("readelf"),
};

for (const arch of ["arm64", "x86_64"] as const) {
  describe(`libkernel.so.1 (${arch}) under GNU ld and the real loader`, () => {
    const recorded = readFileSync(join(FIX, `link-${arch}.txt`), "utf8");
    it("recorded: the stub's real write succeeded and __kernel_uname bound to LIBKERNEL_2", () => {
      expect(recorded).toContain('stdout: "hello from libkernel.so.1\\n"');
      expect(recorded).toContain("status: 0");
      expect(recorded).toMatch(/UND __kernel_uname@LIBKERNEL_2 /);
      expect(recorded).toMatch(/UND __kernel_write@LIBKERNEL_1 /);
    });
    it.skipIf(!CAN[arch])("live: the same, on the current build", () => {
      const dir = mkdtempSync(join(tmpdir(), "lk-link-"));
      expect(linkAndRun(arch, buildVdso({ arch, variant: "library" }).bytes, dir)).toBe(recorded);
    });
  });
}
