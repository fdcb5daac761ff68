/**
 * The runtime import graph of every package's sources (scripts/import-graph.ts): no cycles (a type-only
 * back-reference is fine: it is erased), and nothing reachable from @uabi/kernel's main entry point needs Node.js
 * (the kernel runs in a browser; host-directory roots live behind `@uabi/kernel/node`).
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importCycles, resolveSpec, runtimeSpecifiers } from "../scripts/import-graph.js";
import { LAYERS } from "../scripts/layers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_BUILTINS = new Set(["fs", "path", "os", "child_process", "url", "util", "crypto", "worker_threads"]);

describe("runtime import graph", () => {
  for (const [pkg, dir] of Object.entries(LAYERS.dirs)) {
    it(`${pkg} has no runtime import cycle`, () => {
      expect(importCycles(join(ROOT, dir, "src"))).toEqual([]);
    });
  }

  it("nothing reachable from @uabi/kernel's main entry point imports node:*", () => {
    const pkgEntry = (name: string) => join(ROOT, LAYERS.dirs[name]!, "src", "index.ts");
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const s of runtimeSpecifiers(readFileSync(f, "utf8"), { dynamic: true })) {
        if (s.startsWith("node:") || NODE_BUILTINS.has(s)) nodeImports.push(`${relative(ROOT, f)}: ${s}`);
        else if (s.startsWith(".")) {
          const r = resolveSpec(f, s);
          if (r) walk(r);
        } else if (LAYERS.dirs[s]) walk(pkgEntry(s));
      }
    };
    walk(pkgEntry("@uabi/kernel"));
    expect(seen.size).toBeGreaterThan(50);
    expect(nodeImports).toEqual([]);
  });
});
