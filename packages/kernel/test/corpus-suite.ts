/** One describe block per target: every fixture but the heavy ones, with the lists of corpus-cases.ts. */
import { describe, it } from "vitest";
import { corpusFixtures, type TargetName } from "@uabi/test-support";
import { HEAVY, KNOWN_FAILING } from "./corpus-cases.js";
import { checkFixture } from "./corpus-check.js";

export function corpusSuite(target: TargetName): void {
  describe(`corpus ${target} (direct)`, () => {
    for (const f of corpusFixtures(target)) {
      if (HEAVY.has(f.id)) continue;
      const known = KNOWN_FAILING[`${f.target}/${f.id}`];
      (known ? it.fails : it)(`${f.id}${known ? ` (known failing: ${known})` : ""}`, () => checkFixture(f));
    }
  });
}
