/**
 * The runtime import graph of every package's sources: no cycles (a type-only back-reference is fine: it is
 * erased), and nothing reachable from @uabi/kernel's main entry point needs Node.js (the kernel runs in a
 * browser; host-directory roots live behind `@uabi/kernel/node`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LAYERS } from "../scripts/layers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Specifiers a module loads at run time: `import type` / `export type` are erased, comments are not code. */
export function runtimeImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out: string[] = [];
  const re = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s*)?["']([^"']+)["']|(?<!typeof\s+)\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of code.matchAll(re)) {
    if (m[4]) out.push(m[4]);
    else if (!m[2] && m[3]) out.push(m[3]);
  }
  return out;
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")]) if (existsSync(c)) return c;
  return undefined;
}

/** Every cycle among a package's modules, each as a list of files relative to the package. */
function cycles(dir: string): string[][] {
  const files = sourceFiles(join(dir, "src"));
  const edges = new Map(files.map((f) => [f, runtimeImports(readFileSync(f, "utf8")).filter((s) => s.startsWith(".")).map((s) => resolveRelative(f, s)).filter((x): x is string => !!x)]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const g of edges.get(f) ?? []) {
      if (state.get(g) === "open") found.push(stack.slice(stack.indexOf(g)).map((x) => relative(dir, x)));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe("runtime import graph", () => {
  for (const [pkg, dir] of Object.entries(LAYERS.dirs)) {
    it(`${pkg} has no runtime import cycle`, () => {
      expect(cycles(join(ROOT, dir))).toEqual([]);
    });
  }

  it("nothing reachable from @uabi/kernel's main entry point imports node:*", () => {
    const pkgEntry = (name: string) => join(ROOT, LAYERS.dirs[name]!, "src", "index.ts");
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const s of runtimeImports(readFileSync(f, "utf8"))) {
        if (s.startsWith("node:") || ["fs", "path", "os", "child_process"].includes(s)) nodeImports.push(`${relative(ROOT, f)}: ${s}`);
        else if (s.startsWith(".")) {
          const r = resolveRelative(f, s);
          if (r) walk(r);
        } else if (s.startsWith("@uabi/") && LAYERS.dirs[s]) walk(pkgEntry(s));
      }
    };
    walk(pkgEntry("@uabi/kernel"));
    expect(seen.size).toBeGreaterThan(50);
    expect(nodeImports).toEqual([]);
  });

  it("the scanner erases type-only imports and comments, and keeps side-effect and dynamic imports", () => {
    const text = [
      'import type { A } from "./a.js";',
      'export type { B } from "./b.js";',
      'import { c, type D } from "./c.js";',
      'import "./side.js";',
      "// import { x } from \"./commented.js\";",
      'export { e } from "./e.js";',
      'const f = await import("./f.js");',
      'type G = typeof import("node:fs");',
    ].join("\n");
    expect(runtimeImports(text)).toEqual(["./c.js", "./side.js", "./e.js", "./f.js"]);
  });
});
