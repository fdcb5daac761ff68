import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readElf, writeElf } from "@uabi/elf";
import { liveProcessVdso } from "@uabi/vdso-parser";
import { COMMANDS, VERSION, main, type Io } from "../src/cli.js";
import { UsageError, parseArgs, type OptionSpec } from "../src/args.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io: Io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } };
  const code = await main(argv, io);
  return { code, out, err };
}

const ROOT = join(import.meta.dirname, "..", "..", "..");

describe("argument parser", () => {
  const opts: OptionSpec[] = [
    { name: "json", short: "j", type: "boolean", summary: "" },
    { name: "mode", short: "m", type: "string", summary: "", valueName: "name" },
    { name: "base", type: "number", summary: "" },
    { name: "env", short: "e", type: "string", summary: "", repeat: true },
  ];
  it("parses booleans, values, =values, short clusters, repeats and the -- terminator", () => {
    const a = parseArgs(["-j", "--mode", "sud", "--base=0x1000", "-e", "A=1", "-eB=2", "x", "--", "--json", "-m"], opts, [{ name: "prog" }, { name: "args", rest: true }]);
    expect(a.bool("json")).toBe(true);
    expect(a.str("mode")).toBe("sud");
    expect(a.num("base")).toBe(0x1000);
    expect(a.list("env")).toEqual(["A=1", "B=2"]);
    expect(a.positionals).toEqual(["x", "--json", "-m"]);
    expect(parseArgs(["-jmdirect"], opts, []).str("mode")).toBe("direct");
  });
  it.each([
    [["--nope"], "unknown option --nope"],
    [["-z"], "unknown option -z"],
    [["--mode"], "option --mode needs a value <name>"],
    [["-m"], "option -m needs a value <name>"],
    [["--json=yes"], "option --json does not take a value"],
    [["--base", "ten"], "option --base expects a number, got 'ten'"],
    [["a", "b"], "unexpected argument 'b'"],
  ])("%j → UsageError", (argv, msg) => {
    expect(() => parseArgs(argv, opts, [{ name: "file" }])).toThrow(new UsageError(msg));
  });
  it("reports a missing required positional", () => {
    expect(() => parseArgs([], opts, [{ name: "file" }])).toThrow(new UsageError("missing <file>"));
    expect(parseArgs(["--help"], opts, [{ name: "file" }]).bool("help")).toBe(true);
  });
});

describe("uabi", () => {
  it("--version and --help", async () => {
    expect(await run("--version")).toEqual({ code: 0, out: `uabi ${VERSION}\n`, err: "" });
    const h = await run("--help");
    expect(h.code).toBe(0);
    for (const c of COMMANDS) expect(h.out).toContain(c.path.join(" "));
    const ch = await run("vdso", "inspect", "--help");
    expect(ch.out).toMatch(/^usage: uabi vdso inspect \[--self\] \[--json\] \[--check\] \[--disasm\] \[file\]\n/);
    expect((await run("vdso", "--help")).out).toContain("vdso inspect");
  });

  it.each([
    [[], "uabi: missing command (try 'uabi --help')\n"],
    [["frobnicate"], "uabi: unknown command 'frobnicate' (try 'uabi --help')\n"],
    [["vdso"], "uabi: 'vdso' needs a subcommand (one of: inspect, build)\n"],
    [["vdso", "nope"], "uabi: unknown command 'vdso nope' (one of: inspect, build)\n"],
    [["vdso", "inspect", "--bogus"], "uabi: unknown option --bogus\n"],
    [["vdso", "inspect"], "uabi: vdso inspect: give either <file> or --self\n"],
    [["vdso", "inspect", "--self", "x.so"], "uabi: vdso inspect: give either <file> or --self\n"],
  ])("usage error %j exits 2 with one line", async (argv, msg) => {
    expect(await run(...argv)).toEqual({ code: 2, out: "", err: msg });
  });

  it("a missing or non-ELF file fails with exit 1 and one line", async () => {
    const r = await run("vdso", "inspect", "/nonexistent/x.so");
    expect(r).toEqual({ code: 1, out: "", err: "uabi: cannot read /nonexistent/x.so: ENOENT\n" });
    const bad = await run("vdso", "inspect", join(import.meta.dirname, "cli.test.ts"));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^uabi: bad-magic: .*\n$/);
  });
});

describe("uabi vdso inspect", () => {
  const dir = mkdtempSync(join(tmpdir(), "uabi-cli-"));
  const img = writeElf({
    machine: "aarch64", soname: "linux-vdso.so.1", versions: ["LINUX_2.6.39", "LIBKERNEL_1", { name: "LIBKERNEL_2", parent: "LIBKERNEL_1" }],
    hashStyle: "sysv", versionSymbols: true,
    sections: [{ name: ".text", data: new Uint8Array(64), exec: true, align: 16 }],
    symbols: [
      { name: "__kernel_clock_gettime", section: ".text", value: 0, size: 16, version: "LINUX_2.6.39" },
      { name: "__kernel_uname", section: ".text", value: 16, size: 16, version: "LIBKERNEL_1", hidden: true },
      { name: "__kernel_uname", section: ".text", value: 32, size: 16, version: "LIBKERNEL_2" },
    ],
  });
  const file = join(dir, "vdso.so");
  writeFileSync(file, img.bytes);

  it("prints soname, versions and symbols of a file", async () => {
    const r = await run("vdso", "inspect", file);
    expect(r.code).toBe(0);
    const t = img.sections.get(".text")!.address;
    expect(r.out).toContain("aarch64");
    expect(r.out).toContain("soname: linux-vdso.so.1");
    expect(r.out).toContain("hash tables: DT_HASH\n");
    expect(r.out).toMatch(/1 {2}BASE {2}hash 0x0deebfa1 {2}linux-vdso\.so\.1/);
    expect(r.out).toMatch(/hash 0x075fcb89 {2}LINUX_2\.6\.39/);
    expect(r.out).toContain("LIBKERNEL_2  (parents: LIBKERNEL_1)");
    expect(r.out).toContain(`0x${t.toString(16).padStart(16, "0")}      16  FUNC    GLOBAL  __kernel_clock_gettime@@LINUX_2.6.39`);
    expect(r.out).toContain("__kernel_uname@LIBKERNEL_1\n");
    expect(r.out).toContain("__kernel_uname@@LIBKERNEL_2\n");
    expect(r.out).toMatch(/OBJECT  GLOBAL  LINUX_2\.6\.39\n/); // ld's version symbol, printed like readelf does
  });

  it("--check resolves every versioned function as parse_vdso and musl would", async () => {
    const ok = await run("vdso", "inspect", "--check", file);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("lookup check: 3/3 versioned functions resolve to themselves under parse_vdso and musl rules\n");
    // Corrupt LINUX_2.6.39's vd_hash: parse_vdso (which checks it) misses, musl (which does not) still resolves.
    const bad = img.bytes.slice();
    const f = readElf(bad);
    const vd = f.verdefs.find((d) => d.name === "LINUX_2.6.39")!;
    new DataView(bad.buffer).setUint32(vd.offset + 8, 1, true);
    const badFile = join(dir, "bad-hash.so");
    writeFileSync(badFile, bad);
    const r = await run("vdso", "inspect", "--check", badFile);
    expect(r.code).toBe(1);
    expect(r.out).toContain("__kernel_clock_gettime@@LINUX_2.6.39  ← lookup FAILS (parse_vdso)\n");
    expect(r.out).toContain("lookup check: 2/3");
    const j = JSON.parse((await run("vdso", "inspect", "--check", "--json", badFile)).out);
    expect(j.symbols.find((s: { name: string }) => s.name === "__kernel_clock_gettime").check).toEqual({ parseVdso: false, musl: true });
  });

  it("reads an image without section headers (a memory dump) the same way", async () => {
    const bare = img.bytes.slice();
    new DataView(bare.buffer).setBigUint64(40, 0n, true);
    bare.fill(0, 60, 64);
    const bareFile = join(dir, "bare.so");
    writeFileSync(bareFile, bare);
    const a = await run("vdso", "inspect", "--check", file);
    const b = await run("vdso", "inspect", "--check", bareFile);
    expect(b.code).toBe(0);
    expect(b.out.replace(bareFile, "F").replace(String(bare.length), "N")).toBe(a.out.replace(file, "F").replace(String(img.bytes.length), "N"));
  });

  it("--json is machine-readable", async () => {
    const r = await run("vdso", "inspect", "--json", file);
    const j = JSON.parse(r.out);
    expect(j.soname).toBe("linux-vdso.so.1");
    expect(j.versions.map((v: { name: string }) => v.name)).toEqual(["linux-vdso.so.1", "LINUX_2.6.39", "LIBKERNEL_1", "LIBKERNEL_2"]);
    expect(j.symbols.filter((s: { name: string }) => s.name === "__kernel_uname").map((s: { version: string; isDefault: boolean }) => [s.version, s.isDefault]))
      .toEqual([["LIBKERNEL_1", false], ["LIBKERNEL_2", true]]);
  });

  it.skipIf(!liveProcessVdso())("--self shows this process's vDSO (live)", async () => {
    const r = await run("vdso", "inspect", "--self", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.soname).toBe("linux-vdso.so.1");
    const [name, ver] = process.arch === "arm64" ? ["__kernel_clock_gettime", "LINUX_2.6.39"] : ["__vdso_clock_gettime", "LINUX_2.6"];
    expect(j.symbols).toContainEqual(expect.objectContaining({ name, version: ver, isDefault: true, type: "FUNC" }));
    expect(j.base).toBe(liveProcessVdso()!.base);
  });

  it("the installed entry point exits 2 with one stderr line on a usage error (spawned)", () => {
    const r = spawnSync(process.execPath, ["--conditions=@uabi/source", "--import", "tsx", "apps/uabi/src/main.ts", "vdso", "inspect", "--bogus"], { cwd: ROOT, encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([2, "", "uabi: unknown option --bogus\n"]);
  });
});
