/**
 * uabi run / demo / bench / vdso build / calibrate, in process through `main` (as the bin runs it).
 * Guest facts come from the corpus recordings (fixtures/corpus/expected), not from this file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readElf } from "@uabi/elf";
import { uabi } from "./run-cli.js";
import { supported } from "../src/machine.js";
import { MarkedTrace, pathMark } from "../src/machine.js";
import { parseSize } from "../src/commands/run.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const CORPUS = join(ROOT, "fixtures", "corpus");
const bin = (target: string, id: string) => join(CORPUS, "bin", target, id);
const expected = (target: string, id: string) =>
  JSON.parse(readFileSync(join(CORPUS, "expected", target, `${id}.json`), "utf8")) as { stdout: string; exitStatus: number; syscalls: string[] };
const TMP = mkdtempSync(join(tmpdir(), "uabi-cmd-"));
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;


const TARGETS = ["aarch64-glibc", "x86_64-glibc", "x86_64-musl"] as const;

/** A copy of a static ELF whose first PT_NOTE is turned into a PT_INTERP naming `path` (a "dynamic" binary). */
function withInterp(elf: Uint8Array, path: string): Uint8Array {
  const b = new Uint8Array(elf);
  const v = new DataView(b.buffer);
  const phoff = Number(v.getBigUint64(32, true));
  for (let i = 0; i < v.getUint16(56, true); i++) {
    const ph = phoff + i * 56;
    if (v.getUint32(ph, true) !== 4) continue;
    const off = Number(v.getBigUint64(ph + 8, true));
    b.set(new TextEncoder().encode(`${path}\0`), off);
    v.setUint32(ph, 3, true);
    v.setBigUint64(ph + 32, BigInt(path.length + 1), true);
    v.setBigUint64(ph + 40, BigInt(path.length + 1), true);
    return b;
  }
  throw new Error("no PT_NOTE to turn into PT_INTERP");
}

describe("uabi run", () => {
  it.each(TARGETS)("%s hello-O2: stdout and exit status as recorded; --trace reads like strace with path marks", async (t) => {
    const want = expected(t, "hello-O2");
    const r = await uabi("run", "--mode", "direct", "--trace", bin(t, "hello-O2"));
    expect(r.code).toBe(want.exitStatus);
    expect(r.out).toBe(want.stdout);
    const lines = r.err.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("+++ exited with 0 +++");
    // strace's first line: the execve that started the program (it has no path: no mechanism ran it).
    expect(lines[0]).toMatch(/^execve\(".*hello-O2", \[.*\], 0x[0-9a-f]+ \/\* 0 vars \*\/\) = 0$/);
    const calls = lines.slice(1, -1).map((l) => l.replace(/ {2,}= /, " = ")); // results aligned at column 40
    for (const l of calls) expect(l).toMatch(/^[a-z_0-9]+\(.*\) = .+ \[direct\]$/);
    // Same calls, in the order the oracle (strace / qemu -strace) recorded them.
    expect(calls.map((l) => l.slice(0, l.indexOf("(")))).toEqual(want.syscalls.map((s) => s.slice(0, s.indexOf(" "))));
    expect(calls.find((l) => l.startsWith("write")) ?? calls.find((l) => l.startsWith("writev"))).toContain("hello, world");
    expect(calls.at(-1)).toBe("exit_group(0) = ? [direct]");
  });

  it("passes arguments (options after <elf> belong to the guest) and exactly the --env environment", async () => {
    const r = await uabi("run", "--env", "UABI_VAR=set by test", bin("x86_64-musl", "args-O2"), "one", "--flag=x", "-c");
    expect(r.code).toBe(4);
    expect(r.out).toContain('argv[2]="--flag=x"');
    expect(r.out).toContain('argv[3]="-c"');
    expect(r.out).toContain("UABI_VAR=set by test");
  });

  it("exit status is the guest's, or 128+signal", async () => {
    expect((await uabi("run", bin("aarch64-glibc", "exit42-O2"))).code).toBe(42);
    const f = await uabi("run", bin("x86_64-glibc", "fault-O2"));
    expect([f.code, f.out]).toEqual([139, expected("x86_64-glibc", "fault-O2").stdout]);
  });

  it("--core interp gives the same output and every counter the default translating core gives", async () => {
    for (const target of ["aarch64-glibc", "x86_64-glibc"]) {
      const [jit, interp] = await Promise.all(["jit", "interp"].map((core) => uabi("run", "--mode", "bounce", "--core", core, "--stats", "--json", bin(target, "qsort-O2"))));
      expect(interp!.code).toBe(0);
      const [a, b] = [jit!, interp!].map((r) => JSON.parse(r.out.trimEnd().split("\n").at(-1)!) as { config: string; counters: unknown; instructions: number });
      expect(b!.config).toContain("--core interp");
      expect({ ...b!, config: "" }).toEqual({ ...a!, config: "" });
      expect(interp!.out.split("\n").slice(0, -2)).toEqual(jit!.out.split("\n").slice(0, -2));
    }
    expect((await uabi("run", "--core", "fast", bin("x86_64-musl", "hello-O2"))).err).toContain("--core must be one of jit, interp");
  });

  it("--stats --json: one JSON line with counters and the modelled cost", async () => {
    const r = await uabi("run", "--mode", "direct", "--stats", "--json", bin("x86_64-musl", "hello-O2"));
    expect(r.code).toBe(0);
    // The JSON line follows the guest's stdout; stderr has none of it.
    expect(r.err).toBe("");
    const s = JSON.parse(r.out.trimEnd().split("\n").at(-1)!);
    expect(s).toMatchObject({ schemaVersion: 1, mode: "direct", arch: "x86_64", exitStatus: 0, reason: "exit", syscallEntries: expected("x86_64-musl", "hello-O2").syscalls.length });
    expect(s.instructions).toBeGreaterThan(500);
    expect(s.counters.kernelEntries).toBe(s.syscallEntries);
    const file = join(TMP, "stats.json");
    const f = await uabi("run", "--stats", "--json", "--stats-file", file, bin("x86_64-musl", "hello-O2"));
    expect([f.err, JSON.parse(readFileSync(file, "utf8")).schemaVersion]).toEqual(["", 1]);
    expect(s.modelledNs).toBeGreaterThan(0);
    const text = await uabi("run", "--stats", bin("x86_64-musl", "hello-O2"));
    expect(text.err).toMatch(/uabi: stats\n {2}machine +x86_64, --mode \w+\n/);
    expect(text.err).toMatch(/\n {2}syscall entries +\d+/);
  });

  it("--max-insns ends a run with SIGKILL's status and says why", async () => {
    const r = await uabi("run", "--max-insns", "1000", bin("x86_64-glibc", "hello-O2"));
    expect(r.code).toBe(137);
    expect(r.err).toContain("uabi: instruction budget exhausted (--max-insns 1000)");
  });

  it.each([
    [["run"], "uabi: missing <elf>\n"],
    [["run", "--mode", "fast", "x"], "uabi: --mode must be one of direct, bounce, selective, seccomp, sud, ptrace (got 'fast')\n"],
    [["run", "--frame", "heap", "x"], "uabi: --frame must be one of stack, task-page (got 'heap')\n"],
    [["run", "--mem-limit", "lots", "x"], "uabi: --mem-limit expects a size like 268435456, 256M or 1G (got 'lots')\n"],
    [["run", "--max-insns", "-5", "x"], "uabi: --max-insns must be a positive integer (got -5)\n"],
    [["run", "--env", "NOEQUALS", "x"], "uabi: --env expects NAME=VALUE (got 'NOEQUALS')\n"],
    [["run", "--json", "x"], "uabi: --json goes with --stats\n"],
    [["run", "--profile", "p.json", "x"], "uabi: --profile goes with --stats\n"],
  ])("usage error %j: exit 2, one line", async (argv, msg) => {
    expect(await uabi(...argv)).toEqual({ code: 2, out: "", err: msg });
  });

  it("a mechanism the kernel does not implement yet is a one-line usage error; an implemented one runs", async () => {
    for (const mode of ["bounce", "selective", "seccomp", "sud", "ptrace"]) {
      const r = await uabi("run", "--mode", mode, bin("x86_64-musl", "hello-O2"));
      if (supported({ mode }).ok) expect([r.code, r.out]).toEqual([0, "hello, world\n"]);
      else expect([r.code, r.out, r.err.split("\n").length]).toEqual([2, "", 2]);
    }
  });

  it("files uabi cannot run get exit 126 (127 when missing) and one line naming why", async () => {
    const hello = readFileSync(bin("x86_64-glibc", "hello-O2"));
    const cases: [string, Uint8Array, RegExp][] = [
      ["text", new TextEncoder().encode("#!/bin/sh\necho hi\n"), /cannot run \(not-elf\)/],
      ["elf32", (() => { const b = new Uint8Array(hello); b[4] = 1; return b; })(), /cannot run \(bad-class\)/],
      ["truncated", hello.subarray(0, 300), /cannot run \(truncated\)/],
    ];
    for (const [name, bytes, why] of cases) {
      const f = join(TMP, name);
      writeFileSync(f, bytes);
      const r = await uabi("run", f);
      expect(r.code, name).toBe(126);
      expect(r.err).toMatch(why);
      expect(r.err.split("\n").length).toBe(2);
    }
    expect(await uabi("run", join(TMP, "absent"))).toEqual({ code: 127, out: "", err: `uabi: ${join(TMP, "absent")}: no such file\n` });
    // A dynamic program whose interpreter is not in the sysroot: execve's ENOENT, one line naming the host path.
    const dyn = join(TMP, "dynamic");
    writeFileSync(dyn, withInterp(hello, "/lib/ld-uabi-test.so.1"));
    expect(await uabi("run", "--sysroot", TMP, dyn)).toEqual({
      code: 127, out: "", err: `uabi: ${dyn}: interpreter /lib/ld-uabi-test.so.1 not found (looked up ${join(TMP, "lib/ld-uabi-test.so.1")})\n`,
    });
  });

  it("parses memory sizes", () => {
    expect([parseSize("268435456"), parseSize("256M"), parseSize("1g"), parseSize("2048k")]).toEqual([256 << 20, 256 << 20, 1 << 30, 2 << 20]);
    expect(() => parseSize("1k")).toThrow(/at least 1M/);
  });

  it("merges a diverted call with its re-issue; a call handled in userspace gets a line of its own", () => {
    const out: string[] = [];
    const t = new MarkedTrace((l) => out.push(l));
    const ev = (name: string, mark: string, args: bigint[] = []) => ({ pid: 1, tid: 1, nr: 1, name, pc: 0, args, path: [], mark });
    t.line("getpid() = 1");
    t.event(ev("getpid", "direct"));
    t.event(ev("write", "bounce→kernel"));
    t.line('write(1, "a", 1) = 1');
    t.event(ev("write", "return"));
    t.event(ev("umask", "bounce→user"));
    t.event(ev("syscall_536875007", "return", [0o22n]));
    t.event(ev("brk", "sigsys"));
    t.line("--- SIGSYS {si_signo=SIGSYS, si_code=SYS_USER_DISPATCH} ---");
    t.line("brk(NULL) = 0x1000");
    t.event(ev("brk", "reissue"));
    t.line("rt_sigreturn() = 4096");
    t.event(ev("rt_sigreturn", "reissue"));
    t.event(ev("getpid", "bounce→user"));
    t.event(ev("exit_group", "bounce→kernel"));
    t.line("exit_group(0) = ?");
    t.line("+++ exited with 0 +++");
    t.event(ev("exit_group", "return"));
    t.end();
    expect(out).toEqual([
      "getpid() = 1 [direct]", 'write(1, "a", 1) = 1 [bounce→kernel]', "umask(...) = 18 [bounce→user]",
      "--- SIGSYS {si_signo=SIGSYS, si_code=SYS_USER_DISPATCH} ---", "brk(NULL) = 0x1000 [sigsys]", "rt_sigreturn() = 4096 [reissue]",
      "getpid(...) = ? [bounce→user]",
      "exit_group(0) = ? [bounce→kernel]", "+++ exited with 0 +++",
    ]);
    expect(pathMark({ ...ev("x", ""), path: ["dispatch"] } as never)).toBe("[direct]");
  });

  it.each(TARGETS)("%s hello-O2 --mode bounce --trace: one line per program call, marked with its path", async (t) => {
    const want = expected(t, "hello-O2");
    const r = await uabi("run", "--mode", "bounce", "--trace", bin(t, "hello-O2"));
    expect([r.code, r.out]).toEqual([0, want.stdout]);
    const lines = r.err.trimEnd().split("\n");
    expect(lines.some((l) => /^writev?\(1, .*hello.* \[bounce→kernel\]$/.test(l))).toBe(true);
    expect(lines.at(-2)).toBe(`${"exit_group(0)".padEnd(40)}= ? [bounce→kernel]`);
    // glibc's set_robust_list is implemented by libkernel: it never reaches the kernel as itself.
    if (t !== "x86_64-musl") expect(lines.some((l) => /^set_robust_list\(.*\) += .* \[bounce→user\]$/.test(l))).toBe(true);
  });
});

describe("uabi vdso build", () => {
  it.each(["arm64", "x86_64"] as const)("%s: writes a vDSO that our reader, --check and (when present) readelf accept", async (arch) => {
    const f = join(TMP, `vdso-${arch}.so`);
    const r = await uabi("vdso", "build", "--arch", arch, "-o", f);
    expect(r.code).toBe(0);
    expect(r.out).toContain("linux-vdso.so.1");
    const elf = readElf(readFileSync(f));
    expect(elf.soname).toBe("linux-vdso.so.1");
    expect((await uabi("vdso", "inspect", "--check", f)).code).toBe(0);
    const d = await uabi("vdso", "inspect", "--disasm", f);
    expect(d.out).toContain(arch === "arm64" ? "svc\t#0x0" : "syscall");
    expect(d.out).toContain("__kernel_uname");
    const lib = join(TMP, `lib-${arch}.so`);
    expect((await uabi("vdso", "build", "--arch", arch, "--variant", "library", "-o", lib)).code).toBe(0);
    expect(readElf(readFileSync(lib)).soname).toBe("libkernel.so.1");
  });

  it.skipIf(!has("readelf"))("readelf -a -W reads the images without warnings (live binutils)", async () => {
    for (const arch of ["arm64", "x86_64"]) {
      const f = join(TMP, `re-${arch}.so`);
      await uabi("vdso", "build", "--arch", arch, "-o", f);
      const r = spawnSync("readelf", ["-a", "-W", f], { encoding: "utf8" });
      expect([r.status, r.stderr]).toEqual([0, ""]);
      expect(r.stdout).toContain("linux-vdso.so.1");
    }
  });

  it.each([
    [["vdso", "build", "-o", "x"], "uabi: vdso build: --arch must be arm64 or x86_64\n"],
    [["vdso", "build", "--arch", "mips", "-o", "x"], "uabi: vdso build: --arch must be arm64 or x86_64 (got 'mips')\n"],
    [["vdso", "build", "--arch", "arm64"], "uabi: vdso build: -o FILE is required\n"],
    [["vdso", "build", "--arch", "arm64", "--variant", "dll", "-o", "x"], "uabi: vdso build: --variant must be vdso or library (got 'dll')\n"],
    [["calibrate", "--iterations", "5"], "uabi: --iterations must be an integer ≥ 1000 (got 5)\n"],
    [["demo", "--arch", "riscv"], "uabi: --arch must be arm64, x86_64 or all (got 'riscv')\n"],
  ])("usage error %j", async (argv, msg) => {
    expect(await uabi(...argv)).toEqual({ code: 2, out: "", err: msg });
  });
});

describe("uabi demo", () => {
  it("--json: every implemented mechanism per ISA, the program's facts and per-step paths", async () => {
    const r = await uabi("demo", "--json");
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.arches).toEqual(["arm64", "x86_64"]);
    for (const key of ["rows", "unsupported", "host", "bounced", "broke", "program", "durationMs"]) expect(rep).toHaveProperty(key);
    const direct = (arch: string) => rep.rows.find((x: { id: string; arch: string }) => x.id === "direct" && x.arch === arch);
    for (const arch of ["arm64", "x86_64"]) {
      const d = direct(arch);
      expect(d.exitStatus).toBe(0);
      expect(d.ratioToDirect === null || d.ratioToDirect === 1).toBe(true);
      const marks = Object.fromEntries(d.steps.map((s: { id: string; marks: string[] }) => [s.id, s.marks]));
      // Direct: each svc is one kernel entry; the vDSO calls (clock, ported, both unames) make none.
      expect(marks).toMatchObject({ getpid: ["[direct]"], umask: ["[direct]"], clock: [], ported: [], uname1: [], uname2: [], write: ["[direct]"] });
      // getpid, umask, (dup2), getppid via the vDSO stub, prctl, seccomp, write, exit_group.
      expect(d.counters.kernelEntries).toBe(arch === "x86_64" ? 8 : 7);
      expect(d.results.rawPid).toBe(d.results.portedPid);
      expect(d.results.umaskOld).toBe("022");
      expect(d.results.clock).toBe("0");
      expect([d.results.uname1Fields.length, d.results.uname2Fields.length]).toEqual([5, 6]);
      expect(d.results.uname2Fields[4]).toBe(arch === "arm64" ? "aarch64" : "x86_64");
    }
    expect(direct("x86_64").results.redZoneIntact).toBe(true);
    expect(direct("x86_64").results.dup2).toBe("1");
    // Every other row ran the same program to completion with the same answers.
    for (const row of rep.rows) {
      expect(row.exitStatus, row.id).toBe(0);
      expect(row.results.uname2Fields, row.id).toEqual(direct(row.arch).results.uname2Fields);
      if (row.mechanism === "bounce") expect(row.steps.find((s: { id: string }) => s.id === "getpid").marks).not.toContain("[direct]");
    }
    // The mechanisms' defining facts, as the kernel reports them per step.
    type Row = { id: string; arch: string; counters: { stackBytes: number }; steps: { id: string; marks: string[] }[] };
    const row = (id: string, arch: string): Row => rep.rows.find((x: Row) => x.id === id && x.arch === arch);
    const marks = (id: string, arch: string, step: string) => row(id, arch).steps.find((s) => s.id === step)!.marks;
    for (const arch of ["arm64", "x86_64"]) {
      for (const r of rep.rows.filter((x: Row) => x.arch === arch)) {
        for (const s of ["clock", "ported", "uname1", "uname2"]) expect(marks(r.id, arch, s), `${r.id} ${arch} ${s}`).toEqual([]);
      }
      expect(marks("bounce", arch, "write")[0]).toBe("[bounce→kernel]");
      expect(marks("selective", arch, "getpid")[0]).toBe("[bounce→user]");
      expect(marks("selective", arch, "write")).toEqual(["[direct]"]);
      for (const m of ["seccomp", "sud"]) expect(marks(m, arch, "getpid")[0]).toBe("[sigsys]");
      expect(marks("ptrace", arch, "getpid")).toEqual(["[ptrace]"]);
      // The vDSO's own syscall instruction is not mediated by any in-process mechanism.
      for (const m of ["bounce", "selective", "seccomp", "sud"]) expect(marks(m, arch, "bypass"), m).toEqual(["[direct]"]);
      // The task-page frame has no user-stack footprint; the stack frame has.
      expect(row("bounce/task-page", arch).counters.stackBytes).toBe(0);
      expect(row("bounce", arch).counters.stackBytes).toBeGreaterThan(0);
    }
    // A userspace-implemented call: arm64 needs a kernel entry to return (PC, SP and NZCV together), x86-64 does not.
    expect(marks("bounce", "arm64", "getpid")).toEqual(["[bounce→user]", "[return]"]);
    expect(marks("bounce", "x86_64", "getpid")).toEqual(["[bounce→user]"]);
    expect(rep.bounced.lines.join("\n")).toMatch(/vDSO bounce entry/);
    const ids = [...rep.rows, ...rep.unsupported].map((x: { id: string }) => x.id);
    for (const id of ["direct", "bounce", "selective", "seccomp", "sud", "ptrace"]) expect(ids).toContain(id);
    const { DEFAULT_RUN, measuredComposites } = await import("@uabi/kernel");
    expect(rep.host.rows.find((h: { mechanism: string }) => h.mechanism === "direct").ns).toBe(measuredComposites(DEFAULT_RUN).direct);
    expect(rep.host.machine).toBe(DEFAULT_RUN.machine);
  });

  it("--profile prices the same counters with another cost profile", async () => {
    const f = join(TMP, "profile.json");
    // Every syscall 10× the default, nothing else changed: direct's modelled time moves, its counters do not.
    const { DEFAULT_PROFILE } = await import("@uabi/kernel");
    writeFileSync(f, JSON.stringify({ ...DEFAULT_PROFILE, name: "test", syscallNs: DEFAULT_PROFILE.syscallNs * 10 }));
    const a = JSON.parse((await uabi("demo", "--arch", "arm64", "--json")).out);
    const b = JSON.parse((await uabi("demo", "--arch", "arm64", "--json", "--profile", f)).out);
    expect(b.profile).toBe("test");
    const da = a.rows.find((r: { id: string }) => r.id === "direct"), db = b.rows.find((r: { id: string }) => r.id === "direct");
    expect(db.counters).toEqual(da.counters);
    expect(db.modelledNs - da.modelledNs).toBeCloseTo(9 * DEFAULT_PROFILE.syscallNs * da.counters.kernelEntries, 6);
    expect((await uabi("demo", "--profile", join(TMP, "none.json"))).code).toBe(1);
  });

  it("prints the comparison table and what broke", async () => {
    const r = await uabi("demo", "--arch", "x86_64");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mechanism +ISA +kernel entries +user insns +handler insns +stack bytes +modelled +× direct +measured \(calibrate run\)/);
    expect(r.out).toMatch(/\n {2}direct +x86_64 +8 /);
    expect(r.out).toContain("What broke:");
    expect(r.out).toContain("red zone (x86-64): intact under direct");
    expect(r.out).toMatch(/bypass: a call into the vDSO's own syscall instruction .* under x86_64 bounce, /);
  });
});

describe("uabi bench", () => {
  it("--quick --json reports every figure (shape only: timings are host-dependent)", async () => {
    const svg = join(TMP, "bench.svg");
    const r = await uabi("bench", "--quick", "--json", "--svg", svg);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.quick).toBe(true);
    expect(rep.mips.map((m: { arch: string }) => m.arch)).toEqual(["arm64", "x86_64"]);
    for (const m of rep.mips) {
      expect(m.instructions).toBeGreaterThanOrEqual(5e6);
      expect(m.mips).toBeGreaterThan(0);
      expect(Array.isArray(m.others)).toBe(true);
    }
    const direct = rep.syscalls.filter((s: { mechanism: string }) => s.mechanism === "direct");
    expect(direct.map((s: { arch: string }) => s.arch)).toEqual(["arm64", "x86_64"]);
    for (const s of direct) {
      expect(s.kernelEntriesPerCall).toBe(1);
      expect(s.perSecond).toBeGreaterThan(0);
    }
    expect(rep.runHello.map((h: { exitStatus: number }) => h.exitStatus)).toEqual([0, 0]);
    expect(r.err).toContain("bench: arm64 bench-O2 under uabi");
    const chart = readFileSync(svg, "utf8");
    expect(chart.startsWith("<svg")).toBe(true);
    expect(chart.trimEnd().endsWith("</svg>")).toBe(true);
  });
});
