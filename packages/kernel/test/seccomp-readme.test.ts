import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

/** The README examples are the example scripts with the package import: keep them identical and working. */
const cases = [
  { readme: "../src/seccomp/README.md", script: "../../../scripts/seccomp/example.ts", expect: ["attach: 0", "allow (13 cBPF instructions)", "trap (8 cBPF instructions)"] },
  { readme: "../src/cost/README.md", script: "../../../scripts/calibrate/example.ts", expect: ["sud-trap", "ptrace-syscall"] },
];

describe("README examples", () => {
  afterEach(() => vi.restoreAllMocks());
  for (const c of cases) {
    it(`${c.readme} matches ${c.script} and runs`, async () => {
      const readme = readFileSync(new URL(c.readme, import.meta.url), "utf8");
      const script = readFileSync(new URL(c.script, import.meta.url), "utf8");
      const body = script.split("\n").slice(1).join("\n").trim();
      const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
      expect(block.split("\n").slice(1).join("\n").trim()).toBe(body);
      expect(block.split("\n")[0]).toMatch(/from "@uabi\/kernel";$/);
      expect(block.trim().split("\n").length).toBeLessThanOrEqual(15);
      const lines: string[] = [];
      vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(" ")));
      await import(new URL(c.script, import.meta.url).pathname);
      const out = lines.join("\n");
      for (const e of c.expect) expect(out).toContain(e);
    });
  }
});
