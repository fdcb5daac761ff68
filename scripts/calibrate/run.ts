/**
 * Runs the calibration on this host and prints the report:
 *   node --conditions=source --import tsx scripts/calibrate/run.ts [--iterations N] [--cc gcc] [--record NAME]
 * --record also stores the raw output as fixtures/calibrate/NAME.txt (+ NAME.host.json), which
 * packages/kernel/test/cost-calibrate.test.ts re-checks.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { calibrationTrapFilter, findCalibrationSource, formatCalibration, runCalibration } from "../../packages/kernel/src/cost/index.js";

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const iterations = Number(arg("--iterations") ?? 100000);
const cc = arg("--cc") ?? "cc";
const record = arg("--record");
const report = runCalibration({ cc, iterations });
console.log(formatCalibration(report));
if (record) {
  const text = report.rawText ?? "";
  const base = new URL(`../../fixtures/calibrate/${record}`, import.meta.url).pathname;
  writeFileSync(`${base}.txt`, text);
  writeFileSync(`${base}.host.json`, JSON.stringify({ ...report.host, source: findCalibrationSource().replace(/.*\/scripts\//, "scripts/"),
    filterInstructions: calibrationTrapFilter(BigInt(report.raw.stub)).length, loadavg: execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim() }, null, 2) + "\n");
  console.log(`recorded ${base}.txt`);
}
