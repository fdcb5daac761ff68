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

// ---- strace formatting oracle (x86-64 only): pairs each probe call with strace's rendering of the argument.
function splitArgs(s) {
  const out = [];
  let depth = 0;
  let quote = false;
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      cur += c;
      if (c === "\\") cur += s[++i];
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    if (c === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

{
  const dir = mkdtempSync(join(tmpdir(), "uapi-strace-"));
  try {
    const exe = join(dir, "probe");
    execFileSync("gcc", ["-O0", "-Wall", "-Werror", "-static", "-o", exe, join(here, "oracle", "strace-probe.c")]);
    const log = join(dir, "strace.log");
    const notes = execFileSync("strace", ["-qq", "-o", log, exe], { encoding: "utf8" })
      .trim().split("\n").map((l) => JSON.parse(l));
    const lines = execFileSync("cat", [log], { encoding: "utf8" }).split("\n");
    let at = lines.findIndex((l) => l.includes('"uapi-probe-begin"'));
    if (at < 0) throw new Error("probe marker not found in strace output");
    const flags = [];
    const errnos = new Map();
    for (const n of notes) {
      let line;
      while (++at < lines.length && !(line = lines[at]).startsWith(`${n.syscall}(`));
      if (at >= lines.length) throw new Error(`no strace line for ${JSON.stringify(n)}`);
      const m = /^(\w+)\((.*)\)\s+= (.*)$/.exec(line);
      if (!m) throw new Error(`cannot parse ${line}`);
      let arg = splitArgs(m[2])[n.arg];
      if (n.table === "sa_flags") arg = /sa_flags=([^,}]+)/.exec(arg)[1];
      else arg = arg.replace(/^\w+=/, "");
      // Only the formatted argument is kept: the rest of the line has addresses and pids that change per run.
      flags.push({ syscall: n.syscall, arg: n.arg, table: n.table, value: n.value, strace: arg });
      const e = /^-1 (E\w+) \((.*)\)$/.exec(m[3]);
      if (e) errnos.set(e[1], e[2]);
    }
    const version = execFileSync("strace", ["-V"], { encoding: "utf8" }).split("\n")[0];
    writeFileSync(join(fixtures, "strace-x86_64.json"), JSON.stringify({ recordedWith: version, flags, errno: Object.fromEntries(errnos) }, null, 1) + "\n");
    console.log(`strace: ${flags.length} formatted arguments, ${errnos.size} errno spellings`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
