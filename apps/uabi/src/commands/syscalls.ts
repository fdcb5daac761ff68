/**
 * `uabi syscalls [--arch arm64|x86_64] [--json]`: which syscalls the kernel's table implements per ISA, with the
 * kernel's own notes on partial support (`syscallSupport`, packages/kernel/src/syscalls/notes.ts). A call without
 * a handler answers ENOSYS, with a one-time warning from `uabi run`.
 */
import { syscallSupport } from "@uabi/kernel";
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { reportJson } from "../report-json.js";

const ARCHES = ["arm64", "x86_64"] as const;

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const want = args.str("arch");
  if (want !== undefined && !ARCHES.includes(want as (typeof ARCHES)[number])) throw new UsageError(`syscalls: --arch must be ${ARCHES.join(" or ")} (got '${want}')`);
  const arches = want ? [want as (typeof ARCHES)[number]] : ARCHES;
  if (args.bool("json")) {
    io.stdout.write(reportJson(Object.fromEntries(arches.map((a) => [a, syscallSupport(a)])), 1));
    return 0;
  }
  for (const arch of arches) {
    const rows = syscallSupport(arch);
    const impl = rows.filter((r) => r.implemented);
    const partial = impl.filter((r) => r.support === "partial").length;
    io.stdout.write(`${arch}: ${impl.length} of ${rows.length} syscalls implemented (${partial} partial); the rest answer ENOSYS\n`);
    const width = Math.max(...impl.map((r) => r.name.length));
    for (const r of impl) io.stdout.write(`  ${String(r.nr).padStart(3)} ${r.name.padEnd(width)}  ${r.support === "partial" ? `partial: ${r.note}` : "full"}\n`);
    io.stdout.write(`  not implemented: ${rows.filter((r) => !r.implemented).map((r) => r.name).join(" ")}\n`);
  }
  return 0;
}
