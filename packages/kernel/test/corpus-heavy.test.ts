/**
 * The corpus programs listed in HEAVY (10^8+ instructions), checked like the others. They take
 * tens of seconds each in the interpreters, so they run only when UABI_CORPUS_FULL=1 (CI nightly,
 * or `UABI_CORPUS_FULL=1 pnpm vitest run --project @uabi/kernel corpus-heavy`).
 */
import { describe, it } from "vitest";
import { corpusFixtures } from "@uabi/test-support";
import { HEAVY, KNOWN_FAILING } from "./corpus-cases.js";
import { checkFixture } from "./corpus-check.js";

const full = process.env.UABI_CORPUS_FULL === "1";

describe.runIf(full)("corpus, heavy programs (direct)", () => {
  for (const f of corpusFixtures().filter((x) => HEAVY.has(x.id))) {
    const known = KNOWN_FAILING[`${f.target}/${f.id}`];
    (known ? it.fails : it)(`${f.target}/${f.id}`, { timeout: 300_000 }, () => checkFixture(f));
  }
});
