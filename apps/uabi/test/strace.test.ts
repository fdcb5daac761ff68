/**
 * `uabi run`'s strace options against the host strace's own output for the same static binaries
 * (fixtures/strace/*.txt, re-recorded by fixtures/strace/record.sh). Values differ where a real machine
 * decides them (addresses, pids, random bytes, times), so lines are compared by shape: the syscall
 * name, every argument with strings, numbers and addresses replaced by placeholders, the result's kind,
 * the `=` column rule, the -T and -t formats and the -c table's layout. arm64 has no host strace
 * here: its lines are held to the same rules.
 */
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uabi } from "./run-cli.js";
import { alignResult, MarkedTrace } from "../src/machine.js";
import { formatTimestamp, parseTraceSet } from "../src/strace.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const REC = join(ROOT, "fixtures", "strace");
const bin = (target: string, id: string) => join(ROOT, "fixtures", "corpus", "bin", target, id);
const TMP = mkdtempSync(join(tmpdir(), "uabi-strace-"));


const recording = (name: string) => readFileSync(join(REC, `${name}.txt`), "utf8").trimEnd().split("\n");

/** uabi's additions: the path mark after the result (kept apart so shapes compare with strace's). */
const stripMark = (l: string) => l.replace(/ \[[^\]]*\](?= <|$)/, "");

/** A line's shape: placeholders for values a machine chooses, everything strace decides kept. */
function shape(l: string): string {
  return stripMark(l)
    .replace(/^\d\d:\d\d:\d\d\.\d{6} /, "TS ")
    .replace(/"(?:[^"\\]|\\.)*"(\.\.\.)?/g, "S")
    .replace(/0x[0-9a-f]+/g, "H")
    .replace(/<\d+\.\d+>$/, "<T>")
    .replace(/\b\d+\b/g, "N")
    .replace(/ {2,}=/, " =");
}

const RESULT = / = (\?|-1 E[A-Z0-9]+ \(.*\)|-?\d+|0x[0-9a-f]+)( <\d+\.\d+>)?$/;

/** strace's column rule: `=` at column 40, or one space after a longer call. */
function checkColumn(l: string): void {
  const line = stripMark(l).replace(/ <\d+\.\d+>$/, "");
  if (!RESULT.test(line) || /^(---|\+\+\+)/.test(line)) return;
  const at = line.search(/ = [^=]*$/) + 1;
  const call = line.slice(0, at).trimEnd();
  expect(at, line).toBe(Math.max(40, call.length + 1));
}

/** Pair lines by syscall name in order (a longest common subsequence), so missing or extra calls do not shift the rest. */
function pairs(a: string[], b: string[]): [string, string][] {
  const key = (l: string) => shape(l).replace(/^TS /, "").split(/[( ]/, 1)[0]!;
  const ka = a.map(key), kb = b.map(key);
  const dp = Array.from({ length: ka.length + 1 }, () => Array.from({ length: kb.length + 1 }, () => 0));
  for (let i = ka.length - 1; i >= 0; i--) for (let j = kb.length - 1; j >= 0; j--) dp[i]![j] = ka[i] === kb[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: [string, string][] = [];
  for (let i = 0, j = 0; i < ka.length && j < kb.length;) {
    if (ka[i] === kb[j]) out.push([a[i++]!, b[j++]!]);
    else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

/** Where the simulated machine legitimately differs from the recording host (documented per call). */
const SHAPE_EXCEPTIONS: Readonly<Record<string, string>> = {};

/**
 * Recorded lines uabi does not print, and why. strace's tracee is ptraced, and Linux delivers a signal
 * the program ignores to a ptraced task anyway (sig_ignored() is false under ptrace), so strace shows
 * it; uabi's program is not ptraced and discards it, as it would untraced: the program never sees it.
 */
const ONLY_UNDER_PTRACE = [/^--- SIGUSR2 \{/];

const CASES: readonly [string, string[]][] = [
  ["hello-O2.plain", []],
  ["hello-O2.T", ["-T"]],
  ["hello-O2.tt", ["-tt"]],
  ["hello-O2.file", ["-e", "trace=%file"]],
  ["hello-O2.notmemory", ["-e", "trace=!%memory"]],
  ["signals-O2.plain", []],
  ["fault-O2.plain", []],
  ["exit42-O2.plain", []],
  ["umask-O2.plain", []],
  ["args-O2.plain", []],
  ["personality-O2.plain", []],
];

describe("uabi run's strace options, against recorded strace output (x86-64 glibc)", () => {
  it.each(CASES)("%s: same lines, same shapes", async (name, opts) => {
    const [id] = name.split(".") as [string];
    const out = join(TMP, `${name}.out`);
    // The recordings ran with one environment variable (record.sh).
    const r = await uabi("run", "--mode", "direct", "--env", "LANG=C", "-o", out, ...opts, bin("x86_64-glibc", id));
    expect(r.err).toBe("");
    const want = recording(name).filter((l) => !ONLY_UNDER_PTRACE.some((r) => r.test(l)));
    const got = readFileSync(out, "utf8").trimEnd().split("\n");
    for (const l of [...want, ...got]) checkColumn(l);
    // The first line is execve; the last is the exit.
    // (strace -T times execve too; uabi's program starts without one, so its line has no modelled cost.)
    expect(shape(got[0]!)).toBe(shape(want[0]!).replace(/ <T>$/, ""));
    expect(shape(got.at(-1)!)).toBe(shape(want.at(-1)!));
    const matched = pairs(want.slice(1), got.slice(1));
    // Every call the host made appears (the host's /proc/self/exe path and pids aside, nothing is dropped).
    expect(matched.length, `${name}: matched ${matched.length} of ${want.length}`).toBe(want.length - 1);
    for (const [w, g] of matched) expect(shape(g), `${w}\n${g}`).toBe(SHAPE_EXCEPTIONS[shape(w)] ?? shape(w));
  });

  it("-c: strace's table layout, with kernel entries and path marks after the name", async () => {
    const out = join(TMP, "c.out");
    expect((await uabi("run", "-c", "-o", out, bin("x86_64-glibc", "hello-O2"))).code).toBe(0);
    const want = recording("hello-O2.c");
    const got = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(got[0]!.startsWith(want[0]!)).toBe(true);
    expect(got[1]!.startsWith(want[1]!)).toBe(true);
    expect(got.at(-2)!.startsWith(want.at(-2)!)).toBe(true);
    const row = /^( {0,2}\d{1,3}\.\d\d) ( {0,10}\d+\.\d{6}) ( *\d+(?:\.\d+)?) ( *\d+) ( *\d*) (\S+)/;
    for (const l of [...want.slice(2, -2), want.at(-1)!, ...got.slice(2, -2), got.at(-1)!]) expect(l, l).toMatch(row);
    // The same calls as the host (execve aside: uabi's program starts without one), as their names.
    const names = (ls: string[]) => ls.slice(2, -2).map((l) => row.exec(l)![6]).sort();
    expect(names(got)).toEqual(names(want).filter((n) => n !== "execve" && n !== "ioctl"));
    expect(got.at(-1)).toMatch(/^100\.00 .* total +\d+$/);
  });
});

describe("arm64 lines follow the x86-64 format rules", () => {
  it.each([[[] as string[]], [["-T"]], [["-tt"]], [["-e", "trace=%file,write"]]])("aarch64 hello-O2 %j", async (opts) => {
    const out = join(TMP, `arm64-${opts.join("")}.out`);
    expect((await uabi("run", "-o", out, ...opts, bin("aarch64-glibc", "hello-O2"))).code).toBe(0);
    const got = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(got[0]).toMatch(/^(\d\d:\d\d:\d\d\.\d{6} )?execve\(".*hello-O2", \[".*"(\.\.\.)?\], 0x[0-9a-f]+ \/\* 0 vars \*\/\) = 0$/);
    expect(got.at(-1)).toMatch(/^(\d\d:\d\d:\d\d\.\d{6} )?\+\+\+ exited with 0 \+\+\+$/);
    for (const l of got) {
      checkColumn(l);
      if (opts[0] === "-T" && !/\+\+\+|execve| = \? /.test(l)) expect(l).toMatch(/ <\d\.\d{9}>$/);
      if (opts[0] === "-tt") expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} /);
    }
    if (opts[0] === "-e") expect(got.slice(1, -1).every((l) => /^(faccessat|openat|readlinkat|newfstatat|fstatat|write)\(/.test(l) || l.startsWith("---")), got.join("\n")).toBe(true);
  });
});

describe("trace details", () => {
  it("aligns results at column 40 as strace does", () => {
    expect(alignResult("brk(NULL) = 0x1000")).toBe("brk(NULL)                               = 0x1000");
    expect(alignResult(`write(1, "${"x".repeat(40)}", 40) = 40`)).toBe(`write(1, "${"x".repeat(40)}", 40) = 40`);
    expect(alignResult("--- SIGSEGV {si_signo=SIGSEGV} ---")).toBe("--- SIGSEGV {si_signo=SIGSEGV} ---");
  });

  it("parses -e trace= sets: names, classes, regexes, negation", () => {
    const f = parseTraceSet("trace=%file,write", "x86_64");
    expect(["openat", "readlink", "execve", "write", "read", "brk"].map(f)).toEqual([true, true, true, true, false, false]);
    const n = parseTraceSet("!%memory", "arm64");
    expect(["brk", "mmap", "write"].map(n)).toEqual([false, false, true]);
    expect(parseTraceSet("trace=/^rt_sig", "x86_64")("rt_sigaction")).toBe(true);
    expect(() => parseTraceSet("trace=nosuchcall", "x86_64")).toThrow(/invalid system call/);
    expect(parseTraceSet("trace=?nosuchcall,read", "x86_64")("read")).toBe(true);
    expect(() => parseTraceSet("trace=%nosuch", "x86_64")).toThrow(/unknown class/);
  });

  it("formats the virtual clock like -t, -tt and -ttt", () => {
    const ns = 3_723_000_456_789n; // 01:02:03.000456789 after the epoch
    expect([1, 2, 3].map((l) => formatTimestamp(ns, l))).toEqual(["01:02:03", "01:02:03.000456", "3723.000456"]);
  });

  it("a SIGSYS the program sees at a userspace-answered call prints before the call's line", () => {
    const out: string[] = [];
    const t = new MarkedTrace((l) => out.push(l));
    const ev = (name: string, mark: string, args: bigint[] = []) => ({ pid: 1, tid: 1, nr: 1, name, pc: 0, args, path: [], mark });
    t.event(ev("set_robust_list", "sigsys"));
    t.line("--- SIGSYS {si_signo=SIGSYS, si_code=SYS_SECCOMP} ---");
    t.event(ev("set_robust_list", "return", [0n]));
    t.line("rt_sigreturn({mask=[]}) = 0");
    t.event(ev("rt_sigreturn", "reissue"));
    // A legacy call libkernel re-issued in its modern form: one line, marked with both.
    t.event(ev("readlink", "bounce→user"));
    t.line('readlinkat(AT_FDCWD, "/proc/self/exe", "/bin/x", 4096) = 6');
    t.event({ ...ev("readlinkat", "reissue"), result: 6 });
    t.event(ev("readlink", "return", [6n]));
    t.end();
    expect(out).toEqual([
      "--- SIGSYS {si_signo=SIGSYS, si_code=SYS_SECCOMP} ---", "set_robust_list(...) = 0 [sigsys]", "rt_sigreturn({mask=[]}) = 0 [reissue]",
      "readlink(...) = 6 [bounce→user→readlinkat]",
    ]);
  });

  it("(core dumped) only when RLIMIT_CORE allows a core: the default 0 does not", async () => {
    const r = await uabi("run", "--trace", bin("x86_64-glibc", "fault-O2"));
    expect(r.code).toBe(139);
    expect(r.err.trimEnd().split("\n").at(-1)).toBe("+++ killed by SIGSEGV +++");
  });
});
