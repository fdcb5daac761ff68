import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The packages as a consumer gets them: every public package packed with pnpm (workspace:^ rewritten, `files`
// applied), the tarballs installed into an empty npm project with --offline (so every @uabi dependency must be
// one of the tarballs), each README's first ts example type-checked by tsc --strict with and without the common
// `customConditions: ["source"]` and run under plain node. Needs built dist/ (`pnpm build`; .ci/run builds first):
// without it, or with a dist/ older than its sources, the suite is skipped and says why.

const ROOT = join(import.meta.dirname, "..");
const dirs = ["packages", "apps"]
  .flatMap((top) => readdirSync(join(ROOT, top)).map((d) => `${top}/${d}`))
  .filter((d) => existsSync(join(ROOT, d, "package.json")));
type Manifest = {
  name: string; private?: boolean; license?: string; engines?: { node?: string }; files?: string[];
  repository?: { url?: string; directory?: string }; homepage?: string; bin?: Record<string, string>;
  exports?: Record<string, unknown>; dependencies?: Record<string, string>;
};
const manifest = (d: string): Manifest => JSON.parse(readFileSync(join(ROOT, d, "package.json"), "utf8"));
const pub = dirs.filter((d) => !manifest(d).private);
/** The public packages used as libraries (the CLI's README describes a command, checked through its bin below). */
const libraries = pub.filter((d) => !manifest(d).bin);

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const stale = pub.filter((d) => newest(join(ROOT, d, "dist")) < newest(join(ROOT, d, "src")));
const skipReason = stale.length
  ? `dist/ missing or older than src/ in ${stale.join(", ")}: run \`pnpm build\` first (.ci/run does)`
  : "";
if (skipReason) console.warn(`tests/packages.test.ts skipped: ${skipReason}`);

/** pnpm as the test was started (pnpm sets npm_execpath for its children), else the pinned version through npx. */
function pnpm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const execPath = process.env.npm_execpath ?? "";
  const pinned = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager as string;
  const [cmd, pre] = /pnpm/.test(basename(execPath)) ? [process.execPath, [execPath]] : ["npx", ["-y", pinned]];
  return spawnSync(cmd, [...pre, ...args], { cwd, encoding: "utf8" });
}
const ok = (r: SpawnSyncReturns<string>, what: string) => {
  expect(r.status, `${what}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};

describe("package metadata (every package.json)", () => {
  const root = manifest(".") as Manifest & { repository: { url: string } };
  it.each(dirs)("%s: license, repository, homepage, engines, project-scoped source condition", (d) => {
    const m = manifest(d);
    expect(m.license).toBe("MIT");
    expect(m.repository).toEqual({ type: "git", url: root.repository.url, directory: d });
    expect(m.homepage).toMatch(/^https:\/\//);
    expect(m.engines?.node).toBe(manifest(".").engines?.node);
    // A bare "source" condition would hand a consumer using customConditions: ["source"] our .ts sources.
    expect(JSON.stringify(m.exports ?? {})).not.toMatch(/"source"/);
  });
  it("LICENSE exists; changesets publish the public packages as public", () => {
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License[\s\S]*uabi contributors/);
    expect(JSON.parse(readFileSync(join(ROOT, ".changeset/config.json"), "utf8")).access).toBe("public");
  });
  it("tsconfig.build.json references mirror package.json dependencies; the root tsconfig references every package", () => {
    const byName = new Map(dirs.map((d) => [manifest(d).name, d]));
    const strip = (s: string) => JSON.parse(s.replace(/^\s*\/\/.*$/gm, ""));
    for (const d of dirs.filter((d) => existsSync(join(ROOT, d, "tsconfig.build.json")))) {
      const refs = (strip(readFileSync(join(ROOT, d, "tsconfig.build.json"), "utf8")).references ?? []).map((r: { path: string }) => r.path);
      const deps = Object.keys(manifest(d).dependencies ?? {}).filter((n) => byName.has(n));
      expect(refs.sort(), d).toEqual(deps.map((n) => `../../${byName.get(n)}/tsconfig.build.json`).sort());
    }
    const rootRefs = strip(readFileSync(join(ROOT, "tsconfig.json"), "utf8")).references.map((r: { path: string }) => r.path);
    const built = dirs.filter((d) => existsSync(join(ROOT, d, "tsconfig.build.json")));
    expect(rootRefs.sort()).toEqual(built.map((d) => `./${d}/tsconfig.build.json`).sort());
  });
});

describe.skipIf(skipReason !== "")("packed packages in an empty npm project (offline)", () => {
  let work = "";
  const examples = new Map<string, string>(); // package dir -> example file stem
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "uabi-packages-"));
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    ok(pnpm(["-r", ...pub.flatMap((d) => ["--filter", manifest(d).name]), "pack", "--pack-destination", tarballs], ROOT), "pnpm pack");
    const consumer = join(work, "consumer");
    mkdirSync(join(consumer, "examples"), { recursive: true });
    const deps = Object.fromEntries(readdirSync(tarballs).map((t) => [`@uabi/${t.replace(/^uabi-|-\d+\.\d+\.\d+\.tgz$/g, "")}`, `file:../tarballs/${t}`]));
    expect(Object.keys(deps).sort()).toEqual(pub.map((d) => manifest(d).name).sort());
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: deps }, null, 2));
    ok(spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: consumer, encoding: "utf8" }), "npm install --offline");
    for (const d of libraries) {
      const md = join(ROOT, d, "README.md");
      const code = existsSync(md) ? /```ts\n([\s\S]*?)```/.exec(readFileSync(md, "utf8"))?.[1] : undefined;
      if (!code) continue;
      const stem = basename(d);
      examples.set(d, stem);
      writeFileSync(join(consumer, "examples", `${stem}.ts`), code);
    }
    const base = {
      strict: true, target: "ES2022", lib: ["ES2022"], module: "NodeNext", moduleResolution: "NodeNext",
      types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")], skipLibCheck: false, rootDir: "examples",
    };
    for (const [name, extra] of [["plain", {}], ["source", { customConditions: ["source"] }]] as const) {
      writeFileSync(join(consumer, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...base, ...extra, outDir: `out-${name}` }, include: ["examples"] }));
    }
  }, 180_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("installs only the packed files: no tests, no scratch files, no tsconfig; LICENSE in each", () => {
    for (const d of pub) {
      const inst = join(work, "consumer/node_modules", manifest(d).name);
      const top = readdirSync(inst).sort();
      expect(top, d).toContain("LICENSE");
      expect(top.filter((f) => !["LICENSE", "README.md", "package.json", "dist", "src", "bin"].includes(f)), d).toEqual([]);
    }
  });

  for (const cond of ["plain", "source"] as const) {
    it(`README examples type-check with tsc --strict (${cond === "plain" ? "default conditions" : 'customConditions: ["source"]'})`, () => {
      const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
      ok(spawnSync(process.execPath, [tsc, "-p", `tsconfig.${cond}.json`], { cwd: join(work, "consumer"), encoding: "utf8" }), `tsc (${cond})`);
      expect([...examples.keys()]).toEqual(libraries);
    }, 120_000);
  }

  it("README examples run under plain node (and with --conditions=source, which must not reach .ts files)", () => {
    for (const [d, stem] of examples) {
      for (const [out, flags] of [["out-plain", []], ["out-source", ["--conditions=source"]]] as const) {
        const js = join(work, "consumer", out, `${stem}.js`);
        // cwd: the repository, for examples that read a corpus binary by relative path.
        const r = spawnSync(process.execPath, [...flags, js], { cwd: ROOT, encoding: "utf8" });
        expect(r.status, `${d} (${out}):\n${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.stdout + r.stderr, d).not.toBe("");
      }
    }
  }, 120_000);

  it("the installed uabi bin runs the built CLI (no sources, no tsx shipped)", () => {
    const bin = join(work, "consumer/node_modules/.bin/uabi");
    // bin/package.json ships: the bin starts as CommonJS (no ES module loader at every start).
    const binPkg = join(work, "consumer/node_modules/@uabi/cli/bin/package.json");
    expect(JSON.parse(readFileSync(binPkg, "utf8")).type).toBe("commonjs");
    const t0 = performance.now();
    const help = spawnSync(bin, ["run", "--help"], { encoding: "utf8" });
    const ms = performance.now() - t0;
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: uabi run/);
    console.log(`installed \`uabi run --help\`: ${ms.toFixed(0)} ms`);
    const hello = spawnSync(bin, ["run", join(ROOT, "fixtures/corpus/bin/x86_64-musl/hello-O2")], { encoding: "utf8" });
    expect(hello.stdout).toBe("hello, world\n");
    expect(hello.status).toBe(0);
  }, 60_000);
});
