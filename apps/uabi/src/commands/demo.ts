/**
 * `uabi demo [--arch arm64|x86_64|all] [--json]`: boots one process per ISA and mechanism, runs the
 * demo program (demo/program.ts) and prints the comparison table, the host figures beside it, one
 * bounced syscall step by step, and what broke. The runs and the report live in demo/report.ts (no Node,
 * shared with the browser playground); this file is the command around them.
 */
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import type { Arch } from "../demo/program.js";
import { ARCHES, demoReport, formatDemo } from "../demo/report.js";
import { CORES, pick } from "../machine.js";
import { loadProfile } from "../profile-file.js";
import { reportJson } from "../report-json.js";

export { DEMO_ROWS, demoReport, formatDemo, type DemoReport, type DemoRow, type StepOutcome } from "../demo/report.js";

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const a = args.str("arch") ?? "all";
  if (a !== "all" && !ARCHES.includes(a as Arch)) throw new UsageError(`--arch must be arm64, x86_64 or all (got '${a}')`);
  const core = pick("core", args.str("core"), CORES) as "jit" | "interp" | undefined;
  const rep = demoReport(a === "all" ? ARCHES : [a as Arch], loadProfile(args.str("profile")), core);
  io.stdout.write(args.bool("json") ? reportJson(rep) : formatDemo(rep));
  return rep.rows.every((r) => r.exitStatus === 0) ? 0 : 1;
}

