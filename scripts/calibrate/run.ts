/**
 * Runs the calibration on this host and prints the report:
 *   node --conditions=@uabi/source --import tsx scripts/calibrate/run.ts [--iterations N] [--rounds R] [--cc gcc] [--record NAME [--notes TEXT]] [--default]
 * --record stores the raw output as fixtures/calibrate/NAME.txt (+ NAME.host.json: machine, date, load, and
 * --notes, e.g. what else the shared host was doing), which packages/kernel/test/cost-accuracy.test.ts checks;
 * --default also makes that run the default profile's (it rewrites packages/kernel/src/cost/default-run-data.ts,
 * whose text must stay byte-identical to the fixture).
 *   node --conditions=@uabi/source --import tsx scripts/calibrate/run.ts --set-default NAME
 * makes an already committed run the default without measuring anything.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { calibrationTrapFilter, findCalibrationSource, formatCalibration, runCalibration } from "../../packages/kernel/src/cost/index.js";

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const fixture = (name: string) => {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`${name} is not a plain file name`);
  return new URL(`../../fixtures/calibrate/${name}`, import.meta.url).pathname;
};
const writeDefault = (name: string, machine: string, date: string, text: string) => {
  const dest = new URL("../../packages/kernel/src/cost/default-run-data.ts", import.meta.url).pathname;
  writeFileSync(dest, defaultRunSource(name, machine, date, text));
  console.log(`default profile now from ${name} (${dest})`);
};

const setDefault = arg("--set-default");
if (setDefault) {
  const host = JSON.parse(readFileSync(`${fixture(setDefault)}.host.json`, "utf8")) as { machine: string; date: string };
  writeDefault(setDefault, host.machine, host.date, readFileSync(`${fixture(setDefault)}.txt`, "utf8"));
} else {
  const iterations = Number(arg("--iterations") ?? 200000);
  const rounds = Number(arg("--rounds") ?? 15);
  const cc = arg("--cc") ?? "cc";
  const record = arg("--record");
  const notes = arg("--notes");
  const loadBefore = execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim();
  const report = runCalibration({ cc, iterations, rounds });
  console.log(formatCalibration(report));
  if (record) {
    const text = report.rawText ?? "";
    const base = fixture(record);
    const machine = `${report.host.cpu} (${report.host.cpus} CPUs), ${report.host.kernel}`;
    writeFileSync(`${base}.txt`, text);
    writeFileSync(`${base}.host.json`, JSON.stringify({
      ...report.host, machine, source: findCalibrationSource().replace(/.*\/scripts\//, "scripts/"),
      filterInstructions: calibrationTrapFilter(BigInt(report.raw.stub)).length,
      loadavg: { before: loadBefore, after: execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim() },
      ...(notes !== undefined ? { notes } : {}),
    }, null, 2) + "\n");
    console.log(`recorded ${base}.txt`);
    if (process.argv.includes("--default")) writeDefault(record, machine, report.host.date, text);
  }
}

function defaultRunSource(name: string, machine: string, date: string, text: string): string {
  return `/** Written by \`scripts/calibrate/run.ts --record NAME --default\` (or \`--set-default NAME\`): the run the default cost profile comes from. */
import type { CalibrationRun } from "./default-run.js";

export const DEFAULT_RUN: CalibrationRun = {
  name: ${JSON.stringify(name)},
  machine: ${JSON.stringify(machine)},
  date: ${JSON.stringify(date)},
  text: ${JSON.stringify(text)},
};
`;
}
