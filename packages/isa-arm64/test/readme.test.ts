import { readFileSync } from "node:fs";
import * as CORE from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import * as ARM from "../src/index.js";

// Runs the README's code blocks (imports rewritten to the sources) so the examples cannot rot.
describe("README examples", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it("has examples", () => expect(blocks.length).toBeGreaterThanOrEqual(2));
  blocks.forEach((src, i) => {
    it(`example ${i + 1} runs`, async () => {
      const logs: unknown[][] = [];
      const body = src
        .replace(/import \{([^}]*)\} from "@uabi\/isa-core";/, "const {$1} = CORE;")
        .replace(/import \{([^}]*)\} from "@uabi\/isa-arm64";/, "const {$1} = ARM;")
        .replace(/\b(\w+): (Uint8Array) =/g, "$1 =");
      const fn = new Function("CORE", "ARM", "console", `return (async () => {\n${body}\nreturn typeof code === "undefined" ? undefined : code;\n})();`);
      const out = await fn(CORE, ARM, { log: (...a: unknown[]) => logs.push(a) });
      if (i === 0) {
        expect(logs[0]).toEqual(["DP3", "mul\tx2, x0, x1"]);
        expect(logs[1]).toEqual([{ kind: "syscall", pc: 0x100c }, 42n]);
      } else expect(out).toBeInstanceOf(Uint8Array);
    });
  });
});
