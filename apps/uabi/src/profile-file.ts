/** `--profile FILE`: a cost profile read from the host's filesystem (kept apart from machine.ts, which has no Node imports). */
import { readFileSync } from "node:fs";
import { DEFAULT_PROFILE, parseCostProfile, type CostProfile } from "@uabi/kernel";

/** A cost profile JSON file (e.g. written by `uabi calibrate --out`), validated by the kernel's schema. */
export function loadProfile(path: string | undefined): CostProfile {
  if (path === undefined) return DEFAULT_PROFILE;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read profile ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return parseCostProfile(JSON.parse(text));
  } catch (e) {
    throw new Error(`${path}: not a cost profile (${e instanceof Error ? e.message : String(e)})`);
  }
}
