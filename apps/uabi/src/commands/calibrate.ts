/** `uabi calibrate [--json] [--out PROFILE]`: the kernel's cost calibration (packages/kernel/src/cost). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../app-root.js";
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { formatCalibration, runCalibration } from "@uabi/kernel";
import { reportJson } from "../report-json.js";

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const iterations = args.num("iterations");
  if (iterations !== undefined && !(Number.isInteger(iterations) && iterations >= 1000)) throw new UsageError(`--iterations must be an integer ≥ 1000 (got ${iterations})`);
  const out = args.str("out");
  // The checkout's calibration program, found from this package (the kernel's own search goes by its module's
  // URL, which in the bundled CLI is the bundle's).
  const source = join(repoRoot(), "scripts/calibrate/calibrate.c");
  const report = runCalibration({
    ...(existsSync(source) ? { source } : {}),
    ...(args.str("cc") !== undefined ? { cc: args.str("cc")! } : {}),
    ...(iterations !== undefined ? { iterations } : {}),
    ...(out !== undefined ? { profilePath: out } : {}),
  });
  const { rawText: _raw, ...rest } = report;
  io.stdout.write(args.bool("json") ? reportJson(rest) : `${formatCalibration(report)}\n`);
  if (out && !args.bool("json")) io.stdout.write(`profile written to ${report.profilePath}\n`);
  return 0;
}
