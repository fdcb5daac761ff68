// The CLI as one file for the bin: esbuild bundles src/start.ts and every workspace package it imports, from
// their TypeScript sources (the "@uabi/source" condition, as the tests and tsx run them), into dist/uabi.cjs.
// One file instead of ~150 ES modules saves their resolution and loading (~150 ms of a 300 ms start); it is
// CommonJS so that the bin can compile it with node:vm and a V8 code cache (Node 20 caches no ES module code).
// Whitespace-minified: without comments the text is a third smaller and pure ASCII, which V8 keeps as a one-byte
// string (a single non-ASCII character in a comment made the whole 1.4 MB a two-byte string: twice the bytes to
// decode, copy and scavenge at every start). Identifiers and syntax are left as written.
// dist/uabi.manifest.json lists every input (sources, package.json and tsconfig files) with the bundle's
// hash: the bin compares their modification times with the bundle's, so a stale bundle never runs.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const app = join(dirname(fileURLToPath(import.meta.url)), "..");
// `--outdir DIR` (the tests): somewhere else than dist/; input paths stay relative to the package.
const at = process.argv.indexOf("--outdir");
const outdir = at > 0 ? resolve(process.argv[at + 1]) : join(app, "dist");
const out = join(outdir, "uabi.cjs");
const manifest = join(outdir, "uabi.manifest.json");

const result = await build({
  absWorkingDir: app,
  entryPoints: [join(app, "src", "start.ts")],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  conditions: ["@uabi/source"],
  // Every module's import.meta.url is the bundle's own URL (paths from it go through src/app-root.ts).
  define: { "import.meta.url": "__uabi_bundle_url", __UABI_BUNDLED__: "true" },
  // Strict, as the ES modules it is made of are ("use strict" opens the body of the bin's function wrapper).
  banner: { js: '"use strict";\nvar __uabi_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  minifyWhitespace: true,
  write: false,
  metafile: true,
  logLevel: "warning",
});
const code = result.outputFiles[0].contents;
const text = Buffer.from(code).toString("latin1");
if (/\bimport\(/.test(text)) throw new Error("bundle: a dynamic import() is left (the bin runs the bundle as a script)");
const wide = /[\x80-\xff]/.exec(text); // latin1: one character per byte
if (wide) throw new Error(`bundle: a non-ASCII byte at offset ${wide.index} (the bundle must stay one-byte text)`);

// Inputs: the bundled files, and each one's package.json and tsconfig (what esbuild read to resolve and compile).
const bundled = Object.keys(result.metafile.inputs).map((f) => resolve(app, f));
const inputs = new Set(bundled);
for (const f of bundled) {
  for (let d = dirname(f); d !== dirname(d); d = dirname(d)) {
    let found = false;
    for (const name of ["package.json", "tsconfig.json"]) {
      try {
        readFileSync(join(d, name));
        inputs.add(join(d, name));
        found ||= name === "package.json";
      } catch {
        // none here
      }
    }
    if (found) break;
  }
}
inputs.add(resolve(app, "../../tsconfig.base.json"));
inputs.add(fileURLToPath(import.meta.url));
const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);

// The bundle first, then the manifest, each whole (written aside, then renamed).
mkdirSync(outdir, { recursive: true });
writeFileSync(`${out}.tmp`, code);
renameSync(`${out}.tmp`, out);
writeFileSync(`${manifest}.tmp`, `${JSON.stringify({ hash, inputs: [...inputs].map((f) => relative(app, f)).sort() }, null, 1)}\n`);
renameSync(`${manifest}.tmp`, manifest);
console.log(`bundle: ${relative(process.cwd(), out)} (${(code.length / 1024).toFixed(0)} KiB, ${inputs.size} inputs)`);

// The bin's V8 code cache for this build (dist/uabi.v8cache; the bin writes one itself when it finds none): made
// now by `uabi run hello-O2` on both ISAs in one process, so it holds both ISAs' run paths. Twice: the first
// process generates and caches the vDSO images on the way, so only the second runs what every later run does
// (reading the cached images); its cache then leaves out the vDSO generator (~180 KB of cached data, 15% of it,
// that each start would deserialise for nothing). Only for the package's own dist/, in a checkout with the corpus.
const hellos = ["aarch64-glibc", "x86_64-glibc"].map((t) => resolve(app, "../../fixtures/corpus/bin", t, "hello-O2"));
if (outdir === join(app, "dist") && hellos.every((f) => existsSync(f))) {
  const bin = join(app, "bin", "uabi.js");
  const argvs = hellos.map((f) => ["run", "--core", "jit", f]);
  let w;
  for (let pass = 0; pass < 2 && (pass === 0 || w.status === 0); pass++) {
    w = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(bin)}).warmCache(JSON.parse(process.argv[1]))`, JSON.stringify(argvs)], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  }
  if (w.status === 0) console.log(`bundle: ${relative(process.cwd(), join(outdir, "uabi.v8cache"))} (V8 code cache of run hello-O2, arm64 and x86-64)`);
  else console.warn(`bundle: no V8 code cache made (the bin writes one at its first run): ${w.stderr.trim() || `status ${w.status}`}`);
}
