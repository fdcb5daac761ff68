/**
 * The layering rule of docs/architecture.md, enforced: a package's sources may
 * import only packages below it in the layer table, and only through their
 * public entry points (never "@uabi/x/internal/…" or "@uabi/x/src/…", never a
 * relative path that leaves the package).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERS, checkImports } from "../scripts/layers.js";

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts)$/.test(name)) out.push(p);
  }
  return out;
}

describe("layering", () => {
  for (const [pkg, dir] of Object.entries(LAYERS.dirs)) {
    it(`${pkg} imports only downward and only public entry points`, () => {
      const problems: string[] = [];
      for (const file of sourceFiles(join(dir, "src"))) {
        const text = readFileSync(file, "utf8");
        for (const p of checkImports(pkg, relative(resolve(dir), resolve(file)), text)) problems.push(`${file}: ${p}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it("the checker itself rejects an upward import, an internal reach and an escaping relative path", () => {
    expect(checkImports("@uabi/elf", "src/a.ts", `import { x } from "@uabi/kernel";`)).toHaveLength(1);
    expect(checkImports("@uabi/kernel", "src/a.ts", `import { x } from "@uabi/elf/internal/reader.js";`)).toHaveLength(1);
    expect(checkImports("@uabi/kernel", "src/a.ts", `export * from "../../elf/src/index.js";`)).toHaveLength(1);
    expect(checkImports("@uabi/isa-arm64", "src/a.ts", `import type { Cpu } from "@uabi/isa-core";`)).toEqual([]);
    expect(checkImports("@uabi/isa-arm64", "src/a.ts", `const m = await import("@uabi/uapi");`)).toHaveLength(1);
  });
});
