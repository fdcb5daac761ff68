import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Runs the README's first ts block (package import pointed at the sources) and checks each console.log
// prints what its trailing comment says.
describe("README example", () => {
  it("runs and prints what it claims", () => {
    const md = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!;
    const dir = mkdtempSync(join(tmpdir(), "uabi-readme-"));
    const file = join(dir, "example.ts");
    writeFileSync(file, code.replace(/from "@uabi\/elf"/, `from ${JSON.stringify(join(import.meta.dirname, "..", "src", "index.ts"))}`));
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", cwd: join(import.meta.dirname, "..") });
    expect(r.stderr).toBe("");
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(r.stdout.trimEnd().split("\n")).toEqual(expected);
  });
});
