import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Runs the README's first ts block (package imports pointed at the sources) and checks that each
// console.log prints what its trailing comment says.
describe("README example", () => {
  it("runs and prints what it claims", () => {
    const pkg = join(import.meta.dirname, "..");
    const md = readFileSync(join(pkg, "README.md"), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!;
    const dir = mkdtempSync(join(tmpdir(), "uabi-readme-"));
    try {
      const file = join(dir, "example.ts");
      writeFileSync(
        file,
        code
          .replace(/from "@uabi\/test-support"/, `from ${JSON.stringify(join(pkg, "src", "index.ts"))}`)
          .replace(/from "@uabi\/isa-core"/, `from ${JSON.stringify(join(pkg, "..", "isa-core", "src", "index.ts"))}`),
      );
      const r = spawnSync(process.execPath, ["--conditions=@uabi/source", "--import", "tsx", file], { encoding: "utf8", cwd: pkg });
      expect(r.stderr).toBe("");
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
      expect(r.stdout.trimEnd().split("\n")).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
