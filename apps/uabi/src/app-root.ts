/**
 * Where this package and its repository checkout are, for the files the CLI reads beside its code (the study's
 * C sources, the bin, the calibration program). From this module's URL, the nearest directory up that holds a
 * package.json: src/ and tsc's dist/ are one level down, and in the bundle (dist/uabi.cjs) every module's
 * import.meta.url is the bundle's own, so a path relative to a module's own URL would be wrong there.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** apps/uabi (or an installed node_modules/@uabi/cli). */
export function appRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`uabi: no package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

/** The repository checkout this app runs from (meaningful only in a checkout). */
export const repoRoot = (): string => join(appRoot(), "..", "..");
