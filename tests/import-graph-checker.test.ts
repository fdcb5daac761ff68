import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, runtimeImports, runtimeSpecifiers } from "../scripts/import-graph.js";

describe("the import-graph checker (scripts/import-graph.ts)", () => {
  it("the checker counts value and side-effect imports, not type-only ones", () => {
    const text = [
      `import type { A } from "./a.js";`,
      `import { type B } from "./b.js";`,
      `import {\n  C,\n  type D,\n} from "./c.js";`,
      `import "./d.js";`,
      `export * from "./e.js";`,
      `export type { F } from "./f.js";`,
      `// import { G } from "./g.js";`,
      `import * as H from "./h.js";`,
      `import { I } from "@uabi/isa-core";`,
    ].join("\n");
    expect(runtimeImports(text)).toEqual(["./b.js", "./c.js", "./d.js", "./e.js", "./h.js"]);
    expect(runtimeSpecifiers(`${text}\nconst j = await import("./j.js");\ntype K = typeof import("node:fs");`, { dynamic: true })).toEqual([
      "./b.js", "./c.js", "./d.js", "./e.js", "./h.js", "@uabi/isa-core", "./j.js",
    ]);
  });

  it("the checker finds a cycle, and ignores one closed only by `import type`", () => {
    const dir = mkdtempSync(join(tmpdir(), "uabi-cycles-"));
    try {
      writeFileSync(join(dir, "a.ts"), `import { b } from "./b.js";\nexport const a = () => b;\n`);
      writeFileSync(join(dir, "b.ts"), `import { c } from "./c.js";\nexport const b = c;\n`);
      writeFileSync(join(dir, "c.ts"), `import type { a } from "./a.js";\nexport const c = 1;\n`);
      expect(importCycles(dir)).toEqual([]);
      writeFileSync(join(dir, "c.ts"), `import { a } from "./a.js";\nexport const c = a;\n`);
      expect(importCycles(dir)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
