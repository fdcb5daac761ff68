/**
 * Runs the calibration on this host and prints the report:
 *   node --conditions=source --import tsx scripts/calibrate/run.ts [--iterations N] [--rounds R] [--cc gcc] [--record NAME] [--default]
 * --record stores the raw output as fixtures/calibrate/NAME.txt (+ NAME.host.json: machine, date, load),
 * which packages/kernel/test/cost-accuracy.test.ts checks; --default also makes that run the default
 * profile's (it rewrites packages/kernel/src/cost/default-run-data.ts, whose text must stay byte-identical to the fixture).
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
    const dest = new URL("../../packages/kernel/src/cost/default-run-data.ts", import.meta.url).pathname;
    writeFileSync(dest, defaultRunSource(record, machine, report.host.date, text));
    console.log(`default profile now from ${record} (${dest})`);
  }
}

function defaultRunSource(name: string, machine: string, date: string, text: string): string {
  return `/** Written by \`scripts/calibrate/run.ts --record NAME --default\`: the run the default cost profile comes from. */
import type { CalibrationRun } from "./default-run.js";

export const DEFAULT_RUN: CalibrationRun = {
  name: ${JSON.stringify(name)},
  machine: ${JSON.stringify(machine)},
  date: ${JSON.stringify(date)},
  text: ${JSON.stringify(text)},
};
`;
}
