#!/usr/bin/env node
// The `uabi` command. An installed package ships only dist/: run the built CLI in this process (no second
// Node, no loader). In a checkout, the built CLI runs only while it is at least as new as every workspace
// package's sources; otherwise (or with UABI_FROM_SOURCE=1) the TypeScript sources run through tsx with the
// workspace's "@uabi/source" export condition, so no build is ever needed and a stale dist/ is never used.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const app = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(app, "dist", "main.js");
const sources = join(app, "src", "main.ts");

/** Newest modification time under dir (0 when it does not exist). */
function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** A file's modification time, 0 when it does not exist. */
function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * When a package's dist/ was last written, without walking it (it has four files per source): tsc writes the
 * tsbuildinfo after every build that emits, and a turbo cache restore rewrites dist/ (its entry point among
 * it) but not the tsbuildinfo, so the later of the two. No entry point: no build (0). Neither file says
 * anything (another build tool): the newest file under dist/, as before.
 */
function builtAt(dir) {
  const entry = Math.max(mtime(join(dir, "dist", "index.js")), mtime(join(dir, "dist", "main.js")));
  if (entry === 0) return newest(join(dir, "dist"));
  const info = mtime(join(dir, "tsconfig.build.tsbuildinfo"));
  return Math.max(entry, info);
}

/** In a checkout: every package with sources has a dist/ written after its newest source file. */
function builtIsFresh() {
  const workspace = join(app, "..", "..");
  const dirs = [app, ...readdirSync(join(workspace, "packages")).map((d) => join(workspace, "packages", d))];
  return dirs.every((d) => !existsSync(join(d, "src")) || builtAt(d) >= newest(join(d, "src")));
}

const fromSource = !existsSync(built) || (existsSync(sources) && (process.env.UABI_FROM_SOURCE === "1" || !builtIsFresh()));

if (!fromSource) {
  await import(pathToFileURL(built).href);
} else {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(process.execPath, ["--conditions=@uabi/source", "--import", tsx, sources, ...process.argv.slice(2)], { stdio: "inherit" });
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
