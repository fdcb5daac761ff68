/**
 * Prints a recorded `uabi study --host --json` report (fixtures/study/host/NAME.json) as the README's markdown
 * table, and the text table `uabi study --host` prints:
 *   node --conditions=@uabi/source --import tsx scripts/study/host-table.ts fixtures/study/host/NAME.json
 */
import { readFileSync } from "node:fs";
import { formatHost, type StudyReport } from "../../apps/uabi/src/study/index.js";

const file = process.argv[2];
if (!file) throw new Error("usage: host-table.ts REPORT.json");
const rep = JSON.parse(readFileSync(file, "utf8")) as StudyReport;
const figs = rep.host.measured;
const get = (w: string, m: string) => figs.find((f) => f.workload === w && f.mechanism === m);
const ms = (ns: number | null | undefined) => (ns == null ? "—" : (ns / 1e6).toFixed(1));
const ratio = (w: string, m: string) => {
  const f = get(w, m);
  if (!f) return "—";
  return f.predictedOverMeasured == null ? `(${f.note.split(":")[0]})` : f.predictedOverMeasured.toFixed(2);
};
const lines = [
  "| workload | calls | direct ms | exec ms | SUD +ms measured / modelled | seccomp +ms | ptrace +ms | SUD m÷n | seccomp m÷n | ptrace m÷n |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];
for (const w of new Set(figs.map((f) => f.workload))) {
  const d = get(w, "direct");
  const add = (m: string) => `${ms(get(w, m)?.measuredOverheadNs)} / ${ms(get(w, m)?.predictedOverheadNs)}`;
  lines.push(`| ${w.replace(/^host:/, "")} | ${get(w, "sud")?.nativeCalls ?? "—"} | ${ms(d?.medianNs)} | ${ms(get(w, "exec")?.medianNs)} | ${add("sud")} | ${add("seccomp")} | ${add("ptrace")} | ${ratio(w, "sud")} | ${ratio(w, "seccomp")} | ${ratio(w, "ptrace")} |`);
}
console.log(lines.join("\n"));
console.log();
console.log(formatHost(figs).join("\n"));
console.log();
console.log(rep.host.note);
