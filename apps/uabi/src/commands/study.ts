/**
 * `uabi study [--workloads SPEC] [--arch A] [--configs LIST] [--json]`: run workloads under every mechanism
 * configuration and compare each run with direct (src/study/).
 */
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { loadProfile } from "../profile-file.js";
import { formatStudy, studyReport } from "../study/index.js";

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const a = args.str("arch") ?? "all";
  if (a !== "all" && a !== "arm64" && a !== "x86_64") throw new UsageError(`--arch must be arm64, x86_64 or all (got '${a}')`);
  const configs = args.str("configs")?.split(",").map((s) => s.trim()).filter(Boolean);
  const maxInsns = args.num("max-insns");
  if (maxInsns !== undefined && !(Number.isInteger(maxInsns) && maxInsns > 0)) throw new UsageError(`--max-insns must be a positive integer (got ${maxInsns})`);
  let rep;
  try {
    rep = studyReport({
      workloads: args.str("workloads") ?? "default", arches: a === "all" ? ["arm64", "x86_64"] : [a], profile: loadProfile(args.str("profile")),
      ...(configs ? { configs } : {}), ...(maxInsns ? { maxInstructions: maxInsns } : {}),
      onProgress: (l) => void io.stderr.write(`  ${l}\n`),
    });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("unknown configuration")) throw new UsageError(e.message);
    throw e;
  }
  if (rep.workloads.length === 0) throw new UsageError(`--workloads ${args.str("workloads") ?? "default"} selects nothing`);
  io.stdout.write(args.bool("json") ? `${JSON.stringify(rep, null, 2)}\n` : formatStudy(rep));
  return rep.unexplained === 0 ? 0 : 1;
}
