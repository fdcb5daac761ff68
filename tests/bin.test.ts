import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildSyscallLoop } from "../apps/uabi/src/demo/program.js";

// apps/uabi/bin/uabi.js on its development path (TypeScript sources through tsx in a child node): the guest's
// status passes through unchanged, and a signal that kills the child kills the bin the same way (a shell then
// reports 128+n; the bin used to turn every signal death into 137).
const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "apps/uabi/bin/uabi.js");
const env = { ...process.env, UABI_FROM_SOURCE: "1" };

describe("uabi bin (development path)", () => {
  it("passes the guest's exit status through (SIGSEGV guest: 128+11)", () => {
    const r = spawnSync(process.execPath, [BIN, "run", join(ROOT, "fixtures/corpus/bin/x86_64-musl/fault-O2")], { env, encoding: "utf8" });
    expect(r.signal).toBe(null);
    expect(r.status).toBe(139);
  });

  // "bin" signals the bin itself (forwarded to the child); "child" signals the child alone, as the kernel's OOM
  // killer or a user's kill would: the bin must then report the same death, not 137. The guest is a getppid loop
  // of 2^31 - 1 calls, still running when the signal comes however fast the simulator gets (bench-O2, used before,
  // came to finish within the test's wait).
  const dir = mkdtempSync(join(tmpdir(), "uabi-bin-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const endless = join(dir, "syscall-loop");
  writeFileSync(endless, buildSyscallLoop("x86_64", 2 ** 31 - 1), { mode: 0o755 });
  for (const [target, sig] of [["bin", "SIGTERM"], ["child", "SIGTERM"], ["child", "SIGKILL"]] as const) {
    it(`dies by ${sig} when the ${target} gets it`, async () => {
      const bin = spawn(process.execPath, [BIN, "run", endless], { env, stdio: "ignore" });
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => bin.on("exit", (c, s) => r([c, s])));
      let child = "";
      for (const deadline = Date.now() + 30_000; !child && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 100));
        child = spawnSync("pgrep", ["-P", String(bin.pid)], { encoding: "utf8" }).stdout.trim();
      }
      expect(child).toMatch(/^\d+$/);
      await new Promise((r) => setTimeout(r, 1000)); // let the child install its handlers and start the guest
      if (target === "bin") bin.kill(sig);
      else process.kill(Number(child), sig);
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: null, signal: sig });
    }, 60_000);
  }
});
