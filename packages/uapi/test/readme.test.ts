import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as uapi from "../src/index.js";

// Runs the README example (its code block, with the package import pointed at the sources) and checks that
// each console.log prints what the comment next to it says.
describe("README example", () => {
  it("runs and prints what it claims", () => {
    const md = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!;
    const body = code.replace(/^import .*\n/m, "").replace(/([)\]\w])!(?=[.;),\s])/g, "$1");
    const printed: string[] = [];
    // Format like console.log: bigints print with their "n" suffix.
    const log = (...a: unknown[]) => printed.push(a.map((v) => (typeof v === "bigint" ? `${v}n` : String(v))).join(" "));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function("uapi", "console", `const { ${Object.keys(uapi).join(", ")} } = uapi;\n${body}`)(uapi, { log });
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(printed).toEqual(expected);
  });
});
