import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { liveProcessVdso } from "../src/index.js";

describe("README example", () => {
  it("runs (and, where there is a live vDSO, resolves clock_gettime but not a bogus version)", () => {
    const md = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!;
    const file = join(mkdtempSync(join(tmpdir(), "uabi-readme-")), "example.ts");
    writeFileSync(file, code.replace(/from "@uabi\/vdso-parser"/, `from ${JSON.stringify(join(import.meta.dirname, "..", "src", "index.ts"))}`));
    const r = spawnSync(process.execPath, ["--conditions=@uabi/source", "--import", "tsx", file], { encoding: "utf8", cwd: join(import.meta.dirname, "..") });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    if (liveProcessVdso()) {
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^linux-vdso\.so\.1 __(vdso|kernel)_clock_gettime [0-9a-f]+ undefined$/);
      expect(lines.some((l) => /clock_gettime@@LINUX_2\.6(\.39)? FUNC/.test(l))).toBe(true);
    }
  });
});
