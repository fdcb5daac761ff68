/**
 * Dynamically linked programs: glibc's and musl's loaders started by exec (PT_INTERP), linking the generated
 * vDSO. The programs are the committed corpus builds (fixtures/corpus/bin/<target>-dynamic) with their oracle
 * recordings; the loader and libraries come from the host (x86-64) or Debian's arm64 cross libc, and a target
 * whose sysroot is not installed here is skipped.
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ExecError, Kernel, LayeredHostFs, MECHANISM_MODES, type HostFs, type MechanismMode, type Process, type SyscallEvent } from "../src/index.js";
import { NodeHostFs } from "../src/node.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

interface Target {
  target: string;
  sysroot: string;
  /** The interpreter, to know whether the sysroot is installed. */
  interp: string;
  etDynBase: number;
  glibc: boolean;
}
const TARGETS: Target[] = [
  { target: "x86_64-glibc-dynamic", sysroot: "/", interp: "/lib64/ld-linux-x86-64.so.2", etDynBase: 0x555555554000, glibc: true },
  { target: "x86_64-musl-dynamic", sysroot: "/", interp: "/lib/ld-musl-x86_64.so.1", etDynBase: 0x555555554000, glibc: false },
  { target: "aarch64-glibc-dynamic", sysroot: "/usr/aarch64-linux-gnu", interp: "/lib/ld-linux-aarch64.so.1", etDynBase: 0xaaaaaaaa0000, glibc: true },
  // musl:arm64 unpacked by scripts/dynamic/fetch-debs.sh (not committed: skipped until fetched).
  { target: "aarch64-musl-dynamic", sysroot: join(REPO, ".cache/dynamic/musl-arm64/root"), interp: "/lib/ld-musl-aarch64.so.1", etDynBase: 0xaaaaaaaa0000, glibc: false },
];

interface Recording {
  id: string;
  argv: string[];
  env: string[];
  stdout: string;
  exitStatus: number;
}
const recordings = (t: Target): Map<string, Recording> =>
  new Map((JSON.parse(readFileSync(join(REPO, "fixtures/corpus/expected", t.target, "recordings.json"), "utf8")) as { runs: Recording[] }).runs.map((r) => [r.id, r]));

const installed = (t: Target) => (t.sysroot === "/" ? process.arch === "x64" : true) && existsSync(join(t.sysroot, t.interp));
const roots = new Map<string, HostFs>();
/** The sysroot over the host's / (qemu-user's -L rule), so the loader finds its libraries and the program its cwd. */
const rootOf = (t: Target): HostFs => {
  let r = roots.get(t.sysroot);
  if (!r) roots.set(t.sysroot, (r = t.sysroot === "/" ? new NodeHostFs("/") : new LayeredHostFs([new NodeHostFs(t.sysroot), new NodeHostFs("/")])));
  return r;
};

function run(t: Target, name: string, mode: MechanismMode = "direct") {
  const rec = recordings(t).get(name)!;
  const dir = join(REPO, "fixtures/corpus/bin", t.target);
  let stdout = "";
  const calls: SyscallEvent[] = [];
  const k = new Kernel({ mode, root: rootOf(t), maxInstructions: 5e8, stdout: (b) => { stdout += new TextDecoder().decode(b); } });
  k.syscallObservers.push((ev) => calls.push(ev));
  const proc: Process = k.spawn(new Uint8Array(readFileSync(join(dir, name))), { argv: rec.argv, env: rec.env, cwd: dir, path: join(dir, name) });
  const vmas = proc.mm.vmas.map((v) => ({ ...v }));
  const r = k.run();
  return { rec, stdout, exitStatus: r.exitStatus, calls, vmas, mmapBase: proc.mm.mmapBase };
}

for (const t of TARGETS) {
  describe.skipIf(!installed(t))(`${t.target} (loader and libc from ${t.sysroot})`, () => {
    for (const mode of MECHANISM_MODES) {
      it(`hello under ${mode}: the recorded output`, () => {
        const r = run(t, "hello-O2", mode);
        expect([r.stdout, r.exitStatus]).toEqual([r.rec.stdout, r.rec.exitStatus]);
      });
    }

    it("exec maps the program at ELF_ET_DYN_BASE and the interpreter (by its real path) top-down from mmap_base", () => {
      const { vmas, exitStatus, mmapBase } = run(t, "exit42-O2");
      const exe = join(REPO, "fixtures/corpus/bin", t.target, "exit42-O2");
      expect(vmas.find((v) => v.name === exe)?.start).toBe(t.etDynBase);
      const interp = vmas.filter((v) => v.file && v.name !== exe);
      expect(interp.length).toBeGreaterThan(0);
      // Named where the symlinks lead, in the guest's namespace (musl's /lib/ld-musl-x86_64.so.1 is its libc.so).
      expect(interp.every((v) => v.name.startsWith("/") && v.name.endsWith(t.glibc ? t.interp.split("/").pop()! : "/libc.so"))).toBe(true);
      // load_elf_interp's mapping without a hint: the image's span ends at mmap_base. The vDSO comes after it, in the
      // highest gap left (on arm64 that is the hole between ld.so's 64 KiB-aligned segments, as on Linux).
      expect(Math.max(...vmas.filter((v) => v.end <= mmapBase).map((v) => v.end))).toBe(mmapBase);
      expect(Math.min(...interp.map((v) => v.start))).toBeGreaterThan(mmapBase - (1 << 24));
      expect(exitStatus).toBe(42);
    });

    it.runIf(t.glibc)("the auxv glibc's loader reads (LD_SHOW_AUXV): AT_BASE the interpreter, AT_ENTRY and AT_PHDR the program", () => {
      const dir = join(REPO, "fixtures/corpus/bin", t.target);
      const elf = new Uint8Array(readFileSync(join(dir, "exit42-O2")));
      const v = new DataView(elf.buffer, elf.byteOffset);
      let out = "";
      const k = new Kernel({ root: rootOf(t), stdout: (b) => { out += new TextDecoder().decode(b); } });
      const proc = k.spawn(elf, { argv: ["./exit42-O2"], env: ["LD_SHOW_AUXV=1"], cwd: dir, path: join(dir, "exit42-O2") });
      const interpStart = Math.min(...proc.mm.vmas.filter((m) => m.file && !m.name.endsWith("exit42-O2")).map((m) => m.start));
      expect(k.run().exitStatus).toBe(42);
      const aux = Object.fromEntries([...out.matchAll(/^(AT_\w+):\s+(\S+)$/gm)].map((m) => [m[1], m[2]]));
      const hex = (n: number) => `0x${n.toString(16)}`;
      expect(aux.AT_BASE).toBe(hex(interpStart));
      expect(aux.AT_ENTRY).toBe(hex(t.etDynBase + Number(v.getBigUint64(24, true))));
      expect(aux.AT_PHDR).toBe(hex(t.etDynBase + Number(v.getBigUint64(32, true))));
      expect(aux.AT_SYSINFO_EHDR).toBe(hex(proc.vdsoBase));
    });

    it("the clocks go through the vDSO (no clock syscall) and dl_iterate_phdr lists it", () => {
      const r = run(t, "dynamic-vdso-O2");
      expect([r.stdout, r.exitStatus]).toEqual([r.rec.stdout, r.rec.exitStatus]);
      expect(r.stdout).toMatch(/^clocks: ok, monotonic forward, gettimeofday within a second of CLOCK_REALTIME: yes\n/);
      // glibc names the vDSO's link map by its DT_SONAME; musl's link map leaves it unnamed.
      expect(r.stdout).toContain(t.glibc ? "object linux-vdso.so.1\n" : "object (unnamed)\n");
      const names = r.calls.map((c) => c.name);
      expect(names.filter((n) => /clock_gettime|gettimeofday|^time$/.test(n ?? ""))).toEqual([]);
      // glibc's loader did its work through the kernel: it opened and mapped the C library (musl's loader is libc).
      if (t.glibc) expect(names.filter((n) => n === "openat" || n === "mmap").length).toBeGreaterThanOrEqual(3);
    });
  });
}

describe("interpreters", () => {
  it("a missing interpreter is execve's ENOENT (no-interpreter), naming the path", () => {
    const t = TARGETS[0]!;
    const empty = mkdtempSync(join(tmpdir(), "uabi-sysroot-"));
    const k = new Kernel({ root: new NodeHostFs(empty) });
    const elf = new Uint8Array(readFileSync(join(REPO, "fixtures/corpus/bin", t.target, "hello-O2")));
    expect(() => k.spawn(elf)).toThrow(expect.objectContaining({ kind: "no-interpreter", interpreter: t.interp }));
  });

  it("an interpreter that is not an ELF for this machine is bad-interpreter", () => {
    const dir = mkdtempSync(join(tmpdir(), "uabi-sysroot-"));
    mkdirSync(join(dir, "lib64"));
    writeFileSync(join(dir, "lib64/ld-linux-x86-64.so.2"), "#!/bin/sh\n");
    const elf = new Uint8Array(readFileSync(join(REPO, "fixtures/corpus/bin/x86_64-glibc-dynamic/hello-O2")));
    try {
      new Kernel({ root: new NodeHostFs(dir) }).spawn(elf);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExecError);
      expect([(e as ExecError).kind, (e as ExecError).interpreter]).toEqual(["bad-interpreter", "/lib64/ld-linux-x86-64.so.2"]);
    }
  });

  it("LayeredHostFs: the first layer wins, directories list the union", () => {
    const a = mkdtempSync(join(tmpdir(), "uabi-layer-a-")), b = mkdtempSync(join(tmpdir(), "uabi-layer-b-"));
    for (const d of [a, b]) mkdirSync(join(d, "lib"));
    writeFileSync(join(a, "lib/x"), "from a");
    writeFileSync(join(b, "lib/x"), "from b");
    writeFileSync(join(b, "lib/y"), "only b");
    writeFileSync(join(a, "etc"), "a file in a");
    mkdirSync(join(b, "etc"));
    const fs = new LayeredHostFs([new NodeHostFs(a), new NodeHostFs(b)]);
    expect(new TextDecoder().decode(fs.readFile(["lib", "x"]))).toBe("from a");
    expect(new TextDecoder().decode(fs.readFile(["lib", "y"]))).toBe("only b");
    expect(fs.readdir(["lib"]).sort()).toEqual(["x", "y"]);
    expect(fs.lstat(["etc"])?.kind).toBe("file");
    expect(fs.readdir(["etc"])).toEqual([]);
    expect(fs.lstat(["nothing"])).toBeUndefined();
  });
});
