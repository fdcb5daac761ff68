/**
 * The generated x86-64 code on a real CPU and a real kernel (fixtures/native-x86_64.c): a bounce
 * played in userspace, and Syscall User Dispatch with libkernel.so.1's SIGSYS entry; then gdb
 * unwinding out of both entries with the generated .eh_frame. Recorded outputs are checked always;
 * the live re-run needs an x86-64 Linux host with gcc (and gdb for the unwind check).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildVdso } from "../src/index.js";
import { gdbUnwind, nativeRun } from "../scripts/record-oracles.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const ok = (cmd: string): boolean => spawnSync(cmd, ["--version"], { encoding: "utf8" }).status === 0;
const X86_HOST = process.platform === "linux" && process.arch === "x64" && ok("gcc");
const HAS_GDB = X86_HOST && ok("gdb");
const recordedRun = readFileSync(join(FIX, "native-x86_64.txt"), "utf8");
const recordedGdb = readFileSync(join(FIX, "gdb-x86_64.txt"), "utf8");

describe("x86-64 glue natively", () => {
  it("recorded: bounce and SUD dispatch behaved like the syscalls they replace", () => {
    expect(recordedRun).toContain("bounce: write passed through\n");
    expect(recordedRun).toContain("bounce: getpid=4242 write=29 redzone_and_rcx_ok=1\n");
    expect(recordedRun).toContain("sud: write passed through\n");
    expect(recordedRun).toContain("sud: getpid=4242 umask_old=22 umask_now=777 getppid_real=1 write=26 open_ok=1\n");
    expect(recordedRun).toContain("status: 0\n");
  });
  it("recorded: gdb unwound from inside both entries to the interrupted caller", () => {
    expect(recordedGdb).toContain("bounce (write): #0 <signal handler called> | #1 bounce3 | #2 main\n");
    expect(recordedGdb).toContain("sigsys (getppid): #0 <signal handler called> | #1 main\n");
  });

  let live: ReturnType<typeof nativeRun> | undefined;
  it.skipIf(!X86_HOST)("live: the current build runs the same", () => {
    live = nativeRun(buildVdso({ arch: "x86_64", variant: "library" }).bytes, mkdtempSync(join(tmpdir(), "lk-native-")));
    if (live.stdout.startsWith("layout: no room")) return; // the host's loader left no gap below the library
    if (live.stdout.includes("sud: unavailable")) {
      // A kernel without SUD (< 5.11) or a sandbox that forbids it: the bounce half still counts.
      expect(live.stdout.split("\n").slice(0, 2).join("\n")).toBe(recordedRun.split("\n").slice(0, 2).join("\n"));
    } else expect(live.stdout).toBe(recordedRun);
  });
  it.skipIf(!HAS_GDB)("live: gdb unwinds the current build the same way", () => {
    const run = live ?? nativeRun(buildVdso({ arch: "x86_64", variant: "library" }).bytes, mkdtempSync(join(tmpdir(), "lk-native-")));
    const got = gdbUnwind(run.exe, run.libDir);
    const bounceLine = got.split("\n")[0]!;
    // Where ptrace is forbidden gdb produces no frames at all; otherwise they must match.
    if (bounceLine === "bounce (write): " || run.stdout.startsWith("layout: no room")) return;
    if (run.stdout.includes("sud: unavailable")) expect(bounceLine).toBe(recordedGdb.split("\n")[0]);
    else expect(got).toBe(recordedGdb);
  });
});
