import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";

describe("README example", () => {
  it("prints what it claims", () => {
    const md = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!.replace(/^import .*$/m, "");
    const logs: unknown[] = [];
    new Function("core", "console", `const { ${Object.keys(core).join(", ")} } = core;\n${code}`)(core, { log: (v: unknown) => logs.push(v) });
    expect(logs).toEqual(["11223344", "guest read fault at 0x20000 (unmapped)"]);
  });
});
