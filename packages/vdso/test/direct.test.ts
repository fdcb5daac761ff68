/**
 * The lowered handlers on CPUs other than ours: fixtures/direct-call.c maps the generated image as
 * the kernel maps the vDSO and calls the handlers — natively on x86-64, under qemu-aarch64 for
 * arm64. Recorded outputs are checked always; the live re-run needs the toolchain.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildVdso } from "../src/index.js";
import { directRun } from "../scripts/record-oracles.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const ok = (cmd: string): boolean => spawnSync(cmd, ["--version"], { encoding: "utf8" }).status === 0;
const CAN = {
  x86_64: process.platform === "linux" && process.arch === "x64" && ok("gcc"),
  arm64: ok("aarch64-linux-gnu-gcc") && ok("qemu-aarch64"),
};
const EXPECTED = [
  "getpid=4242 gettid=4243",
  "umask old=22 now=777",
  "personality old=0 query=40000",
  "robust set=0 bad=-22 get=0 head_ok=1 len=24",
  "monotonic=0 5000.000000123",
  "counting=0,0 past_base=1 nondecreasing=1 normalised=1",
  "realtime=0 1700000000.999999999 res=0 0.004000000",
  "gettimeofday=0 1700000000.999999",
  "uname@@LIBKERNEL_2=0 Linux/uabi/6.18.0-uabi domain=(none) after=aa",
  "uname@LIBKERNEL_1=0 Linux/uabi machine=x86_64 after=aa",
  "status: 0",
  "",
].join("\n");

for (const arch of ["arm64", "x86_64"] as const) {
  describe(`lowered handlers on a real ${arch} CPU`, () => {
    it("recorded: every handler answered as Linux would", () => {
      expect(readFileSync(join(FIX, `direct-${arch}.txt`), "utf8")).toBe(EXPECTED);
    });
    it.skipIf(!CAN[arch])("live: the current build answers the same", () => {
      expect(directRun(arch, buildVdso({ arch }), mkdtempSync(join(tmpdir(), "lk-direct-")))).toBe(EXPECTED);
    });
  });
}
