#!/usr/bin/env node
// Re-records test/fixtures/oracle-{x86_64,arm64}.json: compiles scripts/oracle/oracle.c with gcc (run natively)
// and aarch64-linux-gnu-gcc -static (run under qemu-aarch64). Needs the Debian cross toolchain and qemu-user.
// Run: node packages/uapi/scripts/record-oracle.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "test", "fixtures");

function names(cc, header, re) {
  const out = execFileSync(cc, ["-E", "-dM", "-"], { input: `#include <${header}>\n`, encoding: "utf8" });
  return [...new Set(out.split("\n").map((l) => re.exec(l)?.[1]).filter(Boolean))].sort();
}

const TARGETS = [
  { arch: "x86_64", cc: "gcc", flags: [], run: (exe) => [exe, []] },
  { arch: "arm64", cc: "aarch64-linux-gnu-gcc", flags: ["-static"], run: (exe) => ["qemu-aarch64", [exe]] },
];

for (const t of TARGETS) {
  const dir = mkdtempSync(join(tmpdir(), "uapi-oracle-"));
  try {
    const nrs = names(t.cc, "asm/unistd.h", /^#define __NR_(\w+) /).filter((n) => n !== "syscalls" && n !== "arch_specific_syscall");
    const errs = names(t.cc, "errno.h", /^#define (E[A-Z0-9]+) /);
    writeFileSync(join(dir, "gen-nr.h"), nrs.map((n) => `NR(${n});`).join("\n") + "\n");
    writeFileSync(join(dir, "gen-errno.h"), errs.map((n) => `ERR(${n});`).join("\n") + "\n");
    const exe = join(dir, "oracle");
    execFileSync(t.cc, ["-O0", "-Wall", "-Werror", ...t.flags, "-I", dir, "-o", exe, join(here, "oracle", "oracle.c")], { stdio: ["ignore", "inherit", "inherit"] });
    const [cmd, args] = t.run(exe);
    const json = JSON.parse(execFileSync(cmd, args, { encoding: "utf8" }));
    const version = execFileSync(t.cc, ["--version"], { encoding: "utf8" }).split("\n")[0];
    json.recordedWith = version;
    writeFileSync(join(fixtures, `oracle-${t.arch}.json`), JSON.stringify(json, null, 1) + "\n");
    console.log(`${t.arch}: ${Object.keys(json.syscalls).length} syscalls, ${Object.keys(json.errno).length} errno, ${Object.keys(json.constants).length} constants, ${Object.keys(json.offsets).length} offsets`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
