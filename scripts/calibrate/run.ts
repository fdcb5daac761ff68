/**
 * Runs the calibration on this host and prints the report:
 *   node --conditions=source --import tsx scripts/calibrate/run.ts [--iterations N] [--rounds R] [--cc gcc] [--record NAME] [--default]
 * --record stores the raw output as fixtures/calibrate/NAME.txt (+ NAME.host.json: machine, date, load),
 * which packages/kernel/test/cost-accuracy.test.ts checks; --default also makes that run the default
 * profile's (it rewrites packages/kernel/src/cost/default-run.ts, which must stay byte-identical to the fixture).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { calibrationTrapFilter, findCalibrationSource, formatCalibration, runCalibration } from "../../packages/kernel/src/cost/index.js";

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const iterations = Number(arg("--iterations") ?? 200000);
const rounds = Number(arg("--rounds") ?? 7);
const cc = arg("--cc") ?? "cc";
const record = arg("--record");
const loadBefore = execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim();
const report = runCalibration({ cc, iterations, rounds });
console.log(formatCalibration(report));
if (record) {
  if (!/^[A-Za-z0-9._-]+$/.test(record)) throw new Error(`--record: ${record} is not a plain file name`);
  const text = report.rawText ?? "";
  const base = new URL(`../../fixtures/calibrate/${record}`, import.meta.url).pathname;
  const machine = `${report.host.cpu} (${report.host.cpus} CPUs), ${report.host.kernel}`;
  writeFileSync(`${base}.txt`, text);
  writeFileSync(`${base}.host.json`, JSON.stringify({
    ...report.host, machine, source: findCalibrationSource().replace(/.*\/scripts\//, "scripts/"),
    filterInstructions: calibrationTrapFilter(BigInt(report.raw.stub)).length,
    loadavg: { before: loadBefore, after: execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim() },
  }, null, 2) + "\n");
  console.log(`recorded ${base}.txt`);
  if (process.argv.includes("--default")) {
    const dest = new URL("../../packages/kernel/src/cost/default-run.ts", import.meta.url).pathname;
    writeFileSync(dest, defaultRunSource(record, machine, report.host.date, text));
    console.log(`default profile now from ${record} (${dest})`);
  }
}

function defaultRunSource(name: string, machine: string, date: string, text: string): string {
  return `/**
 * The calibration run the default cost profile is derived from, and the composites it measured (the
 * demo's and bench's "measured" column). Written by \`scripts/calibrate/run.ts --record NAME --default\`;
 * \`text\` is byte-identical to fixtures/calibrate/NAME.txt (cost-accuracy.test.ts checks it).
 */
import { type CalibrationRaw, parseCalibrationOutput } from "./primitives.js";

export interface CalibrationRun {
  /** The fixture's base name under fixtures/calibrate/. */
  name: string;
  /** CPU model, CPU count and \`uname -srm\` of the machine it ran on. */
  machine: string;
  /** When it ran (ISO 8601). */
  date: string;
  /** calibrate.c's output. */
  text: string;
}

/** The composites a run times natively: composite id → the raw key holding its measurement. */
export const CALIBRATION_RUN_COMPOSITES = {
  direct: "t_stub_getpid",
  "vdso-call": "t_vdso",
  "sud-trap": "t_sud_trap",
  "seccomp-trap": "t_seccomp_trap",
  "seccomp-allowed": "t_seccomp_allowed",
  "ptrace-syscall": "t_ptrace_syscall",
} as const satisfies Record<string, keyof CalibrationRaw>;

/** ns per call of each composite the run measured. */
export function measuredComposites(run: CalibrationRun): Record<keyof typeof CALIBRATION_RUN_COMPOSITES, number> {
  const raw = parseCalibrationOutput(run.text);
  const out = {} as Record<keyof typeof CALIBRATION_RUN_COMPOSITES, number>;
  for (const [id, key] of Object.entries(CALIBRATION_RUN_COMPOSITES)) out[id as keyof typeof CALIBRATION_RUN_COMPOSITES] = raw[key];
  return out;
}

export const DEFAULT_RUN: CalibrationRun = {
  name: ${JSON.stringify(name)},
  machine: ${JSON.stringify(machine)},
  date: ${JSON.stringify(date)},
  text: ${JSON.stringify(text)},
};
`;
}
