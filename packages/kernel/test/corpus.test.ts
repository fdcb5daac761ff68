/**
 * Every corpus fixture (aarch64-glibc, x86_64-glibc, x86_64-musl; -O0 and -O2) runs under the
 * kernel in direct mode with the recorded stdout, exit status and syscall sequence. Exceptions are
 * listed, with reasons, in corpus-cases.ts; the 10^8-instruction programs are in corpus-heavy.test.ts.
 */
import { describe, it } from "vitest";
import { corpusFixtures, TARGETS } from "@uabi/test-support";
import { HEAVY, KNOWN_FAILING } from "./corpus-cases.js";
import { checkFixture } from "./corpus-check.js";

for (const t of TARGETS) {
  describe(`corpus ${t.name} (direct)`, () => {
    for (const f of corpusFixtures(t.name)) {
      if (HEAVY.has(f.id)) continue;
      const known = KNOWN_FAILING[`${f.target}/${f.id}`];
      (known ? it.fails : it)(`${f.id}${known ? ` (known failing: ${known})` : ""}`, () => checkFixture(f));
    }
  });
}
