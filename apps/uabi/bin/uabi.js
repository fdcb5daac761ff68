#!/usr/bin/env node
// The `uabi` command. It runs the built CLI in this process: one bundled file, dist/uabi.cjs (scripts/bundle.mjs,
// part of `pnpm build`), compiled with a V8 code cache kept beside it, so neither ~150 ES modules nor their
// compilation is paid at every start. An installed package ships only bin/ and dist/ and always runs the bundle.
// In a checkout the bundle runs only while it is at least as new as every file it was built from (the list
// that dist/uabi.manifest.json holds); otherwise (or with UABI_FROM_SOURCE=1) the TypeScript sources run through
// tsx with the workspace's "@uabi/source" export condition, so no build is ever needed and a stale one never runs.
//
// This file is CommonJS (bin/package.json): Node starts a CommonJS entry ~10 ms sooner than an ES module one (no
// ES module loader, no facades for the built-in modules). It has no import, export or require, so that it also
// runs as an ES module if it is ever copied without bin/package.json (then its own path comes from argv[1]).
"use strict";
const { readFileSync, realpathSync, renameSync, statSync, writeFileSync } = process.getBuiltinModule("node:fs");
const { dirname, join } = process.getBuiltinModule("node:path");
const { Script } = process.getBuiltinModule("node:vm");

const self = typeof __filename === "string" ? __filename : realpathSync(process.argv[1]);
const app = join(dirname(self), "..");
const bundle = join(app, "dist", "uabi.cjs");
const inCheckout = statSync(join(app, "src"), { throwIfNoEntry: false }) !== undefined;

/** The bundle's manifest ({ hash, inputs: paths relative to the package }), undefined without a complete build. */
function manifest() {
  try {
    return JSON.parse(readFileSync(join(app, "dist", "uabi.manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/** No input of the bundle was modified (or removed) after the bundle was written. */
function fresh(m) {
  const built = statSync(bundle, { throwIfNoEntry: false });
  if (!built) return false;
  // Paths as `app/../../packages/...`, not through path.join: normalising ~200 paths in cold code cost 2-5 ms.
  const base = `${app}/`;
  for (const f of m.inputs) {
    const st = statSync(base + f, { throwIfNoEntry: false });
    if (!st || st.mtimeMs > built.mtimeMs) return false;
  }
  return true;
}

/** The cache file's V8 data if its first line is `tag` (this bundle, this Node), else undefined. */
function readCache(cacheFile, tag) {
  try {
    const b = readFileSync(cacheFile);
    if (b.subarray(0, tag.length).equals(tag)) return b.subarray(tag.length);
  } catch {
    // no cache yet
  }
  return undefined;
}

/**
 * The bundle compiled as Node compiles a CommonJS module, but through node:vm with cached data: V8's code for
 * every function an earlier run compiled. The cache file starts with one line naming the bundle's hash and the
 * Node version, and V8 itself rejects data from another V8 or other flags. Returns the bundle's `start` and
 * `saveCache()`, which writes what this process compiled (aside, then renamed; a read-only installation keeps
 * none).
 */
function loadBundle(m, useCache = true) {
  // The young generation starts at 1 MB a semi-space and doubles only after scavenges that keep much of it (a
  // start-up keeps most of what it allocates: code, tables, decoded guest blocks), so a short run paid 5-6 of
  // them (10-35 ms for hello-O2). Growing straight to V8's maximum (16 MB) at the first growth leaves 2 (3-7 ms).
  // Set before the bundle is compiled: the code cache is made and used under the same flags.
  process.getBuiltinModule("node:v8").setFlagsFromString("--semi-space-growth-factor=16");
  const cacheFile = join(app, "dist", "uabi.v8cache");
  const tag = Buffer.from(`uabi ${m.hash} ${process.version} ${process.arch}\n`);
  const cachedData = useCache ? readCache(cacheFile, tag) : undefined;
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, "utf8")}\n})`;
  const script = new Script(source, { filename: bundle, cachedData });
  const module = { exports: {} };
  // The bundle requires only Node's built-in modules: they are given as they are, without node:module's
  // createRequire (loading node:module and the ES module loader parts it pulls in cost 2-10 ms of every start).
  const require = (id) => process.getBuiltinModule(id) ?? process.getBuiltinModule("node:module").createRequire(bundle)(id);
  script.runInThisContext().call(module.exports, module.exports, require, module, bundle, dirname(bundle));
  return {
    start: module.exports.start,
    /** No usable cache was found: none, another bundle's or Node's, or rejected by V8. */
    uncached: () => cachedData === undefined || script.cachedDataRejected,
    /** Another process wrote a cache for this bundle and Node since this one started. */
    cachedElsewhere: () => cachedData === undefined && readCache(cacheFile, tag) !== undefined,
    saveCache() {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([tag, script.createCachedData()]));
        renameSync(tmp, cacheFile);
      } catch {
        // read-only: no cache
      }
    },
  };
}

/**
 * Runs the command in the bundle. A missing or rejected cache is written after the command, unless another
 * process wrote one meanwhile: `uabi bench` starts `uabi run hello` five times, and its own cache (everything
 * the bench compiled; 1.2 MB after `uabi demo` against 0.9 MB after a hello) would otherwise replace theirs.
 * When the command has left nothing for the event loop (`start` says so: its output is all written, no timer,
 * child or request is active), the process exits at once with the command's status: ending normally would then
 * only wait for V8's background compile jobs to finish (3-20 ms after `run hello`) and tear the heap down.
 */
async function runBundle(m) {
  const b = loadBundle(m);
  const settled = await b.start(process.argv.slice(2));
  if (b.uncached() && !b.cachedElsewhere()) b.saveCache();
  if (settled === true) process.exit();
}

/**
 * Writes the code cache of a fresh build from the commands `argvs` run one after the other in this process
 * (scripts/bundle.mjs runs hello-O2 of both ISAs), so that it holds both ISAs' paths: a cache written after an
 * arm64 run left every x86-64 function to be compiled at each x86-64 start, and the reverse. Any cache already
 * there is not read: V8 would write every function it held back, run now or not.
 */
async function warmCache(argvs) {
  const m = manifest();
  if (!m) throw new Error(`uabi: no bundle manifest in ${join(app, "dist")}`);
  const b = loadBundle(m, false);
  for (const argv of argvs) await b.start(argv);
  b.saveCache();
}

/** The TypeScript sources in a child node through tsx; this process mirrors the child's exit. */
function runSources() {
  const { spawn } = process.getBuiltinModule("node:child_process");
  const { constants } = process.getBuiltinModule("node:os");
  const tsx = process.getBuiltinModule("node:module").createRequire(self).resolve("tsx");
  const child = spawn(process.execPath, ["--conditions=@uabi/source", "--import", tsx, join(app, "src", "main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
  // A signal sent to this process (kill, a supervisor) is meant for the CLI: pass it on and let the child decide.
  const forwarded = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
  const forward = (sig) => child.kill(sig);
  for (const s of forwarded) process.on(s, forward);
  child.on("exit", (code, signal) => {
    for (const s of forwarded) process.off(s, forward);
    if (signal) {
      // Die by the same signal, so our parent (a shell: 128+n) sees exactly what the child got. A signal whose
      // default action does not terminate cannot have killed the child; the fallback is the shell's 128+n.
      process.kill(process.pid, signal);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    process.exit(code ?? 1);
  });
}

// Required (scripts/bundle.mjs), the bin only exports warmCache; run as a program (or as an ES module), it runs.
if (typeof module === "object" && typeof require === "function" && require.main !== module) {
  module.exports = { warmCache };
} else {
  const m = manifest();
  // A rejection (none is expected: the CLI's main returns a status) ends the process as an uncaught error does.
  if (m && (!inCheckout || (process.env.UABI_FROM_SOURCE !== "1" && fresh(m)))) runBundle(m);
  else runSources();
}
