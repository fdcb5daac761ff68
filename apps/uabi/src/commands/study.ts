/**
 * `uabi study [--workloads SPEC] [--arch A] [--configs LIST] [--json] [--host [--rounds N] [--cc CC]]`: run
 * workloads under every mechanism configuration and compare each run with direct (src/study/). `--host` also runs
 * the x86-64 workloads natively (src/study/host.ts); its defaults are the host set, x86-64, and the configurations
 * the host has (sud, seccomp, ptrace).
 */
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { CORES, pick } from "../machine.js";
import { loadProfile } from "../profile-file.js";
import { HostMeasureError, formatStudy, hostUnavailable, studyReport } from "../study/index.js";

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const host = args.bool("host");
  const rounds = args.num("rounds");
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) throw new UsageError(`--rounds must be a positive integer (got ${rounds})`);
  if (!host && (rounds !== undefined || args.has("cc"))) throw new UsageError("--rounds and --cc go with --host");
  if (host) {
    const why = hostUnavailable();
    if (why) {
      io.stderr.write(`uabi study: ${why}\n`);
      return 2;
    }
  }
  const a = args.str("arch") ?? (host ? "x86_64" : "all");
  if (a !== "all" && a !== "arm64" && a !== "x86_64") throw new UsageError(`--arch must be arm64, x86_64 or all (got '${a}')`);
  const configs = args.str("configs")?.split(",").map((s) => s.trim()).filter(Boolean) ?? (host ? ["sud", "seccomp", "ptrace"] : undefined);
  const maxInsns = args.num("max-insns");
  if (maxInsns !== undefined && !(Number.isInteger(maxInsns) && maxInsns > 0)) throw new UsageError(`--max-insns must be a positive integer (got ${maxInsns})`);
  const core = pick("core", args.str("core"), CORES) as "jit" | "interp" | undefined;
  let rep;
  try {
    rep = studyReport({
      workloads: args.str("workloads") ?? (host ? "host" : "default"), arches: a === "all" ? ["arm64", "x86_64"] : [a], profile: loadProfile(args.str("profile")),
      ...(configs ? { configs } : {}), ...(maxInsns ? { maxInstructions: maxInsns } : {}), ...(core ? { core } : {}),
      onProgress: (l) => void io.stderr.write(`  ${l}\n`),
      ...(host ? { host: { ...(rounds ? { rounds } : {}), ...(args.str("cc") ? { cc: args.str("cc")! } : {}) } } : {}),
    });
  } catch (e) {
    if (e instanceof HostMeasureError) {
      io.stderr.write(`uabi study --host: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && e.message.startsWith("unknown configuration")) throw new UsageError(e.message);
    throw e;
  }
  if (rep.workloads.length === 0) throw new UsageError(`--workloads ${args.str("workloads") ?? (host ? "host" : "default")} selects nothing`);
  io.stdout.write(args.bool("json") ? `${JSON.stringify(rep, null, 2)}\n` : formatStudy(rep));
  return rep.unexplained === 0 ? 0 : 1;
}
