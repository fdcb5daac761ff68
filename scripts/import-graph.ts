/**
 * The runtime import graph of the sources: what each module loads when it runs, and the cycles among one
 * package's modules. `import type` / `export type` are erased and do not count; `import { type A } from "./a.js"`
 * does count: under verbatimModuleSyntax it is emitted as `import {} from "./a.js"`, which still loads the module.
 * Dynamic `import()` is ignored for cycles (it cannot take part in load order). Used by tests/import-graph.test.ts
 * (every package) and by package tests that pin finer rules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const STATIC = /(?:^|[;}\n])\s*(import|export)\s+(type\s+)?(?:([\w*{}\s,$]+?)\s+from\s+)?["']([^"']+)["']/g;

const DYNAMIC = /(?<!typeof\s+)\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/.*$/gm, "$1");

/** Every specifier `text` loads at run time (static imports and re-exports; with `dynamic`, `import("…")` too). */
export function runtimeSpecifiers(text: string, opts: { dynamic?: boolean } = {}): string[] {
  const code = withoutComments(text);
  const out: string[] = [];
  for (const m of code.matchAll(STATIC)) {
    const [, kw, typeOnly, clause, spec] = m;
    if (typeOnly || spec === undefined) continue;
    if (kw === "export" && clause === undefined) continue; // `export "x"` is not a form; guards odd matches
    out.push(spec);
  }
  if (opts.dynamic) for (const m of code.matchAll(DYNAMIC)) out.push(m[1]!);
  return out;
}

/** The relative specifiers `text` loads at run time. */
export function runtimeImports(text: string): string[] {
  return runtimeSpecifiers(text).filter((s) => s.startsWith("."));
}

/** Every TypeScript source below `dir`. */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The source file a relative specifier names (`./x.js` → `./x.ts`), if it exists. */
export function resolveSpec(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.m?js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

/** Every elementary cycle found by depth-first search over `srcDir`'s runtime import graph, as file lists. */
export function importCycles(srcDir: string): string[][] {
  const graph = new Map<string, string[]>();
  for (const f of tsFiles(srcDir)) {
    const deps = runtimeImports(readFileSync(f, "utf8")).map((s) => resolveSpec(f, s)).filter((d) => d !== undefined);
    graph.set(f, deps);
  }
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      const st = state.get(d);
      if (st === "open") {
        const cyc = stack.slice(stack.indexOf(d)).map((p) => relative(srcDir, p));
        const key = [...cyc].sort().join(" ");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cyc, relative(srcDir, d)]);
        }
      } else if (st === undefined) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}
