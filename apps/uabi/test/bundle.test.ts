/**
 * The bundled CLI the bin runs (scripts/bundle.mjs → dist/uabi.cjs) and the bin's choice between it and the
 * sources. Each test works in a directory of its own inside this package (so that the bin finds tsx and the
 * bundle finds package.json as they do from dist/), removed afterwards.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const APP = join(import.meta.dirname, "..");
const ROOT = join(APP, "..", "..");
const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(APP, ".test-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the bundle", () => {
  it("runs the CLI from one file: hello's output and status, the version from package.json, every input listed", () => {
    const dir = scratch();
    const out = join(dir, "dist");
    const b = spawnSync(process.execPath, [join(APP, "scripts/bundle.mjs"), "--outdir", out], { encoding: "utf8" });
    expect(b.status, b.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "uabi.manifest.json"), "utf8")) as { hash: string; inputs: string[] };
    expect(manifest.hash).toMatch(/^[0-9a-f]{16}$/);
    for (const f of ["src/start.ts", "src/vdso-cache.ts", "package.json", "../../packages/kernel/src/kernel.ts", "../../packages/kernel/package.json", "../../tsconfig.base.json"]) expect(manifest.inputs).toContain(f);
    for (const f of manifest.inputs) expect(existsSync(join(APP, f)), f).toBe(true);
    // Loaded as the CommonJS module it is (the bin compiles the same text through node:vm).
    writeFileSync(join(dir, "load.cjs"), 'require("./dist/uabi.cjs").start(process.argv.slice(2));\n');
    const start = (...argv: string[]) => spawnSync(process.execPath, [join(dir, "load.cjs"), ...argv], { cwd: ROOT, encoding: "utf8" });
    const hello = start("run", "fixtures/corpus/bin/aarch64-glibc/hello-O2");
    expect({ status: hello.status, out: hello.stdout, err: hello.stderr }).toEqual({ status: 0, out: "hello, world\n", err: "" });
    const version = JSON.parse(readFileSync(join(APP, "package.json"), "utf8")).version as string;
    expect(start("--version").stdout).toBe(`uabi ${version}\n`);
    const fault = start("run", "fixtures/corpus/bin/x86_64-musl/fault-O2");
    expect(fault.status).toBe(139);
  }, 120_000);
});

describe("the bin's choice", () => {
  // A fake package: its "bundle" and its "sources" each say which one ran.
  function fakeApp(): { dir: string; run: (env?: Record<string, string>) => string } {
    const dir = scratch();
    for (const d of ["bin", "dist", "src"]) mkdirSync(join(dir, d));
    copyFileSync(join(APP, "bin/uabi.js"), join(dir, "bin/uabi.js"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(dir, "src/main.ts"), 'const from: string = "sources"; console.log(from, process.argv.slice(2).join(" "));\n');
    writeFileSync(join(dir, "dist/uabi.cjs"), 'exports.start = async (argv) => { console.log("bundle", argv.join(" ")); };\n');
    writeFileSync(join(dir, "dist/uabi.manifest.json"), JSON.stringify({ hash: "0123456789abcdef", inputs: ["src/main.ts", "package.json"] }));
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dir, "src/main.ts"), past, past);
    utimesSync(join(dir, "package.json"), past, past);
    const run = (env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [join(dir, "bin/uabi.js"), "a", "b"], { encoding: "utf8", env: { ...process.env, UABI_FROM_SOURCE: "", ...env } });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    return { dir, run };
  }

  it("runs a fresh bundle, with a V8 code cache written once and then used", () => {
    const { dir, run } = fakeApp();
    expect(run()).toBe("bundle a b\n");
    const cache = readFileSync(join(dir, "dist/uabi.v8cache"));
    expect(cache.subarray(0, cache.indexOf(10)).toString()).toBe(`uabi 0123456789abcdef ${process.version} ${process.arch}`);
    expect(run()).toBe("bundle a b\n");
    expect(readFileSync(join(dir, "dist/uabi.v8cache"))).toEqual(cache);
  });

  it("runs the sources when an input is newer than the bundle, is gone, or the manifest is missing, or with UABI_FROM_SOURCE=1", () => {
    const { dir, run } = fakeApp();
    expect(run({ UABI_FROM_SOURCE: "1" })).toBe("sources a b\n");
    const now = new Date(Date.now() + 5_000);
    utimesSync(join(dir, "package.json"), now, now);
    expect(run()).toBe("sources a b\n");
    const other = fakeApp();
    writeFileSync(join(other.dir, "dist/uabi.manifest.json"), JSON.stringify({ hash: "0123456789abcdef", inputs: ["src/main.ts", "src/gone.ts"] }));
    expect(other.run()).toBe("sources a b\n");
    rmSync(join(other.dir, "dist/uabi.manifest.json"));
    expect(other.run()).toBe("sources a b\n");
  }, 60_000);

  it("an installed package (no src/) always runs its bundle", () => {
    const { dir, run } = fakeApp();
    rmSync(join(dir, "src"), { recursive: true });
    expect(run({ UABI_FROM_SOURCE: "1" })).toBe("bundle a b\n");
  });
});
