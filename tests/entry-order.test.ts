/**
 * The documents agree with the code about the syscall entry order: docs/architecture.md's pipeline diagram and
 * the README's travel diagram list the stages of ENTRY_STAGES, in order.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ENTRY_ORDER } from "../packages/kernel/src/entry/stages.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

describe("entry order in the documents", () => {
  it("docs/architecture.md's diagram is ENTRY_ORDER", () => {
    const doc = read("docs/architecture.md");
    const at = doc.indexOf("<!-- entry-pipeline -->");
    expect(at).toBeGreaterThan(0);
    const block = doc.slice(doc.indexOf("```", at) + 3, doc.indexOf("```", doc.indexOf("```", at) + 3));
    const stages = [...block.matchAll(/^\s*→ (\S+)/gm)].map((m) => m[1]);
    expect(stages).toEqual(ENTRY_ORDER);
  });

  it("the README's diagram names the stages before dispatch in the same order", () => {
    const line = read("README.md").split("\n").find((l) => /pin → SUD/.test(l));
    expect(line).toBeDefined();
    const names = line!.slice(line!.indexOf("pin")).split("→").map((s) => s.trim().replace(/\?$/, "").toLowerCase().replace(/ /g, "-"));
    expect(names).toEqual(ENTRY_ORDER.filter((n) => n !== "control" && n !== "dispatch"));
  });
});
