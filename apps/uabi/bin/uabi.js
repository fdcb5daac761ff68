#!/usr/bin/env node
// Runs the TypeScript CLI through tsx with the workspace "source" condition, so no build is needed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx");
const main = join(here, "..", "src", "main.ts");
const r = spawnSync(process.execPath, ["--conditions=source", "--import", tsx, main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? (r.signal ? 128 + 9 : 1));
