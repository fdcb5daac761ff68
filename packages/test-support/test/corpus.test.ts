import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { TARGETS, applyCorrections, compareRun, corpusDir, corpusFixtures, type CorrectionsFile, type ExpectedFile, type TargetName } from "../src/index.js";

const root = corpusDir();
const corrections = JSON.parse(readFileSync(join(root, "corrections.json"), "utf8")) as CorrectionsFile;
const all = corpusFixtures();
const hasTool = (t: string) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0;
const nativeX86 = process.platform === "linux" && process.arch === "x64";

/** Programs whose stdout legitimately differs: per ISA (trap behaviour, machine name) or per libc (%a). */
const VARIES_BY: Record<string, "arch" | "libc"> = { divedge: "arch", signals: "arch", ported: "arch", "printf-double": "libc" };

describe("corpus index", () => {
  it("has one recording per built binary, for every target", () => {
    for (const t of TARGETS) {
      const bins = readdirSync(join(root, "bin", t.name)).sort();
      const ids = corpusFixtures(t.name).map((f) => f.id);
      expect(ids).toEqual(bins);
      expect(ids.length).toBeGreaterThanOrEqual(36);
      for (const f of corpusFixtures(t.name)) expect(existsSync(f.binaryPath)).toBe(true);
    }
    expect(all.length).toBe(corpusFixtures("aarch64-glibc").length + corpusFixtures("x86_64-glibc").length + corpusFixtures("x86_64-musl").length);
  });

  it("every program is built at O0 and O2 for every target (nostdlib ones for the two glibc ISA dirs; dynamic-* only for the dynamic targets)", () => {
    const sources = readdirSync(join(root, "src")).filter((f) => f.endsWith(".c")).map((f) => f.slice(0, -2));
    for (const t of TARGETS) {
      const ids = new Set(corpusFixtures(t.name).map((f) => f.id));
      for (const s of sources) {
        if (s.startsWith("nostdlib") && t.libc === "musl") continue;
        if (s.startsWith("dynamic-")) continue; // built only for the *-dynamic targets (scripts/fixtures/build.sh)
        expect(ids.has(`${s}-O0`) && ids.has(`${s}-O2`), `${t.name}/${s}`).toBe(true);
      }
    }
  });

  it("each expected file is well-formed", () => {
    const ids = new Set(corrections.corrections.map((c) => c.id));
    for (const f of all) {
      const e = f.expected;
      const where = `${f.target}/${f.id}`;
      expect(e.name, where).toBe(f.name);
      expect(`${e.name}-${e.opt}`, where).toBe(f.id);
      expect(e.target, where).toBe(f.target);
      expect(e.arch, where).toBe(TARGETS.find((t) => t.name === f.target)!.arch);
      expect(e.argv[0], where).toBe(`./${f.id}`);
      expect(typeof e.stdout, where).toBe("string");
      expect([...e.stdout].every((ch) => ch === "\t" || ch === "\n" || (ch >= " " && ch <= "~")), `${where}: stdout is printable ASCII`).toBe(true);
      expect(Number.isInteger(e.exitStatus) && e.exitStatus >= 0 && e.exitStatus <= 255, where).toBe(true);
      expect(e.syscalls.length, where).toBe(e.syscallArgs.length);
      expect(e.syscalls.length, where).toBeGreaterThan(0);
      for (const s of e.syscalls) expect(s, where).toMatch(/^\w+ = (\?|-E[A-Z0-9]+|<addr>|<pid>|<len>|<sigreturn>|-?\d+)$/);
      // No address or pid leaked into the comparison keys.
      for (const s of e.syscalls) expect(s, where).not.toMatch(/0x/);
      // A process killed by a signal ends without exit_group; the oracle saw the signal.
      if (e.exitStatus > 128) expect(e.signals.length, where).toBeGreaterThan(0);
      else expect(e.syscalls.at(-1), where).toMatch(/^exit(_group)? = \?$/);
      for (const c of e.corrections) expect(ids.has(c), `${where}: correction ${c}`).toBe(true);
      if (e.oracleStdout !== undefined) expect(e.oracleStdout, where).not.toBe(e.stdout);
      expect(typeof e.syscallsDeterministic).toBe("boolean");
    }
  });

  it("stdout does not depend on the optimisation level, nor (except listed programs) on the target", () => {
    const byName = new Map<string, Map<string, string>>();
    for (const f of all) {
      if (!byName.has(f.name)) byName.set(f.name, new Map());
      byName.get(f.name)!.set(`${f.target}/${f.opt}`, f.expected.stdout);
    }
    for (const [name, outs] of byName) {
      const key = (k: string) => {
        const t = TARGETS.find((x) => k.startsWith(`${x.name}/`))!;
        return VARIES_BY[name] === "arch" ? t.arch : VARIES_BY[name] === "libc" ? t.libc : "all";
      };
      const groups = new Map<string, Set<string>>();
      for (const [k, v] of outs) {
        if (!groups.has(key(k))) groups.set(key(k), new Set());
        groups.get(key(k))!.add(v);
      }
      for (const [g, set] of groups) expect(set.size, `${name} (${g})`).toBe(1);
    }
  });

  it("the bytes written to fd 1 add up to the recorded stdout (corrections included)", () => {
    for (const f of all) {
      let total = 0;
      f.expected.syscalls.forEach((s, i) => {
        const m = /^(write|writev) = (\d+)$/.exec(s);
        if (m && /^(write|writev)\(1,/.test(f.expected.syscallArgs[i]!)) total += Number(m[2]);
      });
      expect(total, `${f.target}/${f.id}`).toBe(f.expected.stdout.length);
    }
  });

  it("recordings carry the qemu corrections on arm64 and none on native x86-64", () => {
    for (const f of corpusFixtures("aarch64-glibc")) {
      if (f.name.startsWith("nostdlib")) continue;
      expect(f.expected.corrections, f.id).toContain("qemu-rseq");
      expect(f.expected.syscalls, f.id).toContain("set_robust_list = 0");
      expect(f.expected.oracleSyscalls, f.id).toContain("rseq = -ENOSYS");
    }
    for (const t of ["x86_64-glibc", "x86_64-musl"] as TargetName[]) for (const f of corpusFixtures(t)) expect(f.expected.corrections).toEqual([]);
    const ported = corpusFixtures("aarch64-glibc").find((f) => f.id === "ported-O2")!;
    expect(ported.expected.stdout).toContain("vdso: present\n");
    expect(ported.expected.oracleStdout).toContain("vdso: absent\n");
    // The corrected arm64 robust-list lines are what native Linux printed on x86-64.
    const arm = corpusFixtures("aarch64-glibc").find((f) => f.id === "personality-O2")!.expected.stdout;
    const x86 = corpusFixtures("x86_64-glibc").find((f) => f.id === "personality-O2")!.expected.stdout;
    expect(arm).toBe(x86);
  });

  it("known facts of the recordings hold", () => {
    const get = (t: TargetName, id: string) => all.find((f) => f.target === t && f.id === id)!.expected;
    expect(get("x86_64-glibc", "hello-O2").stdout).toBe("hello, world\n");
    expect(get("x86_64-musl", "exit42-O0").exitStatus).toBe(42);
    expect(get("aarch64-glibc", "args-O2")).toMatchObject({ exitStatus: 5, env: { UABI_VAR: "uabi corpus value" } });
    expect(get("aarch64-glibc", "divedge-O2").stdout).toContain("arm64 INT64_MIN/-1=-9223372036854775808");
    expect(get("x86_64-glibc", "signals-O0").signals).toEqual(["SIGUSR1", "SIGUSR1", "SIGSEGV", "SIGFPE", "SIGUSR2"]);
    expect(get("x86_64-glibc", "threads-O2").syscallsDeterministic).toBe(false);
    expect(get("x86_64-glibc", "nostdlib-hello-O2").syscalls).toEqual(["write = 20", "exit_group = ?"]);
    expect(get("aarch64-glibc", "umask-O2").stdout).toContain("mode=0640");
    expect(get("x86_64-musl", "fault-O0")).toMatchObject({ exitStatus: 139, stdout: "before the fault\n", signals: ["SIGSEGV"] });
  });

  it("objdump oracles are present and look like GNU objdump -d", () => {
    for (const t of TARGETS) {
      const dir = join(root, "objdump", t.name);
      const files = readdirSync(dir);
      expect(files).toContain("hello-O2.objdump.gz");
      const text = gunzipSync(readFileSync(join(dir, "hello-O2.objdump.gz"))).toString("utf8");
      expect(text).toContain(`hello-O2:     file format elf64-${t.arch === "arm64" ? "littleaarch64" : "x86-64"}`);
      expect(text).toMatch(/<main>:/);
    }
  });

  it("the corpus stays under 80 MB", () => {
    let total = 0;
    const walk = (d: string): void => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (f.isDirectory()) walk(join(d, f.name));
        else total += statSync(join(d, f.name)).size;
      }
    };
    walk(root);
    expect(total).toBeLessThan(80 * 1024 * 1024);
  });

  // Live oracle checks: these need the tools, and skip without them (the fixture checks above do not).
  it.skipIf(!hasTool("qemu-aarch64"))("qemu-aarch64 still prints the recorded stdout (hello-O2, int128-O0)", () => {
    for (const id of ["hello-O2", "int128-O0"]) {
      const f = all.find((x) => x.target === "aarch64-glibc" && x.id === id)!;
      const r = spawnSync("qemu-aarch64", [f.binaryPath], { env: f.expected.env });
      expect(r.status).toBe(f.expected.exitStatus);
      expect(r.stdout.toString("latin1")).toBe(f.expected.stdout);
    }
  });

  it.skipIf(!nativeX86)("native x86-64 still prints the recorded stdout (glibc and musl)", () => {
    for (const [t, id] of [["x86_64-glibc", "printf-int-O2"], ["x86_64-musl", "exit42-O2"], ["x86_64-glibc", "args-O0"]] as const) {
      const f = all.find((x) => x.target === t && x.id === id)!;
      const r = spawnSync(f.binaryPath, f.expected.argv.slice(1), { env: f.expected.env });
      expect(r.status).toBe(f.expected.exitStatus);
      expect(r.stdout.toString("latin1")).toBe(f.expected.stdout);
    }
  });
});

describe("applyCorrections", () => {
  const raw: ExpectedFile = {
    name: "p", target: "aarch64-glibc", arch: "arm64", opt: "O2", argv: ["./p-O2"], env: {}, stdin: "",
    stdout: "rl = ENOSYS\n", exitStatus: 0, syscalls: ["set_robust_list = -ENOSYS", "set_robust_list = -ENOSYS", "write = 12", "exit_group = ?"],
    syscallArgs: [], signals: [], syscallsDeterministic: true, oracle: "qemu", corrections: [],
  };
  const entries = [
    { name: "set_robust_list", args: "4817120,24,0,0,0,0", result: "-ENOSYS" },
    { name: "set_robust_list", args: "4817120,32,0,0,0,0", result: "-ENOSYS" },
    { name: "write", args: "1,<addr>,12", result: "12" },
    { name: "exit_group", args: "0", result: "?" },
  ];
  const rules = corrections;

  it("fixes syscall results by name and argument pattern, stdout by text, and the write count with it", () => {
    const file: CorrectionsFile = {
      description: "",
      corrections: [
        ...rules.corrections.filter((c) => c.id.startsWith("qemu-set-robust-list")),
        { id: "t-stdout", oracle: "qemu-aarch64", programs: ["p"], stdout: [{ from: "rl = ENOSYS\n", to: "rl = 0\n" }], oracleBehaviour: "", linux: "", citation: "" },
        { id: "t-other-program", oracle: "qemu-aarch64", programs: ["q"], stdout: [{ from: "rl", to: "RL" }], oracleBehaviour: "", linux: "", citation: "" },
      ],
    };
    const out = applyCorrections(raw, entries, file, "qemu-aarch64");
    expect(out.syscalls).toEqual(["set_robust_list = 0", "set_robust_list = -EINVAL", "write = 7", "exit_group = ?"]);
    expect(out.stdout).toBe("rl = 0\n");
    expect(out.corrections).toEqual(["qemu-set-robust-list", "qemu-set-robust-list-bad-len", "t-stdout"]);
    expect(out.oracleStdout).toBe(raw.stdout);
    expect(out.oracleSyscalls).toEqual(raw.syscalls);
    expect(raw.syscalls[0]).toBe("set_robust_list = -ENOSYS"); // input untouched
    // Another oracle's rules do not apply.
    expect(applyCorrections(raw, entries, file, "strace").corrections).toEqual([]);
  });

  it("refuses a stdout correction whose byte count it cannot attribute to one write", () => {
    const file: CorrectionsFile = {
      description: "",
      corrections: [{ id: "t", oracle: "qemu-aarch64", stdout: [{ from: "ENOSYS", to: "0" }], oracleBehaviour: "", linux: "", citation: "" }],
    };
    const two = [...entries.slice(0, 3), { name: "write", args: "1,<addr>,0", result: "0" }, entries[3]!];
    expect(() => applyCorrections({ ...raw, syscalls: [...raw.syscalls.slice(0, 3), "write = 0", "exit_group = ?"] }, two, file, "qemu-aarch64")).toThrow(/exactly one write/);
  });
});

describe("compareRun", () => {
  const hello = corpusFixtures("x86_64-glibc").find((f) => f.id === "hello-O2")!.expected;
  const threads = corpusFixtures("x86_64-musl").find((f) => f.id === "threads-O2")!.expected;

  it("agrees with a faithful run and reports each kind of difference", () => {
    expect(compareRun(hello, hello)).toEqual([]);
    const bad = compareRun({ stdout: "hello, World\n", exitStatus: 1, syscalls: [...hello.syscalls.slice(0, 5), "rseq = -ENOSYS", ...hello.syscalls.slice(6)] }, hello);
    expect(bad).toHaveLength(3);
    expect(bad[0]).toMatch(/^stdout differs at byte 7/);
    expect(bad[1]).toBe("exit status 1, want 0");
    expect(bad[2]).toMatch(/^syscall #5: got rseq = -ENOSYS, want .* \(rseq\(/);
    expect(compareRun({ ...hello, syscalls: [] }, hello, { syscalls: false })).toEqual([]);
  });

  it("compares a threaded program's syscalls as a multiset", () => {
    const shuffled = [...threads.syscalls].reverse();
    expect(compareRun({ ...threads, syscalls: shuffled }, threads)).toEqual([]);
    expect(compareRun({ ...threads, syscalls: [...shuffled, "futex = 0"] }, threads)[0]).toMatch(/multiset differs: futex = 0 ×\+1/);
  });
});
