/**
 * Re-records fixtures/seccomp/oracle.json from the real kernel:
 *   node --import tsx scripts/seccomp/record.ts [--cc gcc]
 * Needs Linux x86_64 with seccomp filters enabled and a C compiler.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { behaviourCases, installCases } from "./cases.js";
import { compileOracle, type OracleFixture, runOracle, seccompUsable, toFixture } from "./oracle-io.js";

const cc = process.argv.includes("--cc") ? process.argv[process.argv.indexOf("--cc") + 1] : "gcc";
if (!seccompUsable()) throw new Error("this host cannot run the seccomp oracle (needs Linux x86_64 with seccomp)");
const bin = compileOracle(cc);
if (!bin) throw new Error(`could not compile scripts/seccomp/oracle.c with ${cc}`);
const t0 = Date.now();
const res = runOracle(bin, installCases, behaviourCases);
const fixture: OracleFixture = {
  recorded: {
    kernel: execFileSync("uname", ["-srm"], { encoding: "utf8" }).trim(),
    date: new Date().toISOString().slice(0, 10),
    compiler: execFileSync(cc, ["--version"], { encoding: "utf8" }).split("\n")[0],
  },
  install: installCases.map((c) => ({ ...c, outcome: res.install.get(c.name)! })),
  behaviour: behaviourCases.map((c) => ({ ...c, outcome: res.behaviour.get(c.name)! })),
};
const path = new URL("../../fixtures/seccomp/oracle.json", import.meta.url).pathname;
// One case per line keeps diffs of re-recordings readable.
const file = toFixture(fixture);
const lines = [
  "{", `"recorded": ${JSON.stringify(file.recorded)},`,
  `"install": [`, file.install.map((c) => JSON.stringify(c)).join(",\n"), "],",
  `"behaviour": [`, file.behaviour.map((c) => JSON.stringify(c)).join(",\n"), "]", "}",
];
writeFileSync(path, lines.join("\n") + "\n");
console.log(`recorded ${installCases.length} install and ${behaviourCases.length} behaviour cases in ${Date.now() - t0} ms → ${path}`);
