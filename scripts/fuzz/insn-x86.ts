/**
 * pnpm fuzz:insn --isa x86_64 [--count N] [--seconds T] [--seed S] [--batch B] [--show K] [--record N] [--only MN[,MN…]] [--class int,sse,x87] [--exclude MN,...]
 *
 * Differential instruction fuzzing of the x86-64 core against native execution on an x86-64 host: random sequences
 * drawn from the decoder's tables (insn-x86-gen.ts) with random register, flag, XMM and x87 states run in a native
 * harness (insn-x86-native.ts) and in uabi's interpreter and translating tier; results are compared under the
 * declared undefined-flag tables (packages/isa-x86/test/insn-diff.ts). Prints cases run, instructions executed,
 * mismatches grouped by the first instruction's mnemonic, and tier disagreements; exit status 1 when any.
 * `--record N` writes the first N cases that agree to fixtures/fuzz/insn-x86/cases.jsonl.gz, replayed
 * by packages/isa-x86/test/insn-diff.test.ts. Case i of seed S is a pure function of (S, i).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { decode, Insn } from "../../packages/isa-x86/src/decode.js";
import { F_SSE, F_X87 } from "../../packages/isa-x86/src/tables.js";
import { CODE, CodeBuf, Rng, diffStates, encodeCase, inputState, runUabi, type RecordedCase } from "../../packages/isa-x86/test/insn-diff.js";
import { allForms, generate } from "./insn-x86-gen.js";
import { buildHarness, runNative } from "./insn-x86-native.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

const { values } = parseArgs({
  options: {
    isa: { type: "string" },
    count: { type: "string" },
    seed: { type: "string" },
    batch: { type: "string" },
    show: { type: "string" },
    record: { type: "string" },
    only: { type: "string" },
    class: { type: "string" },
    exclude: { type: "string" },
    start: { type: "string" },
    seconds: { type: "string" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: pnpm fuzz:insn --isa x86_64 [--count N] [--seconds T] [--seed S] [--batch B] [--show K] [--record N] [--only MN,...] [--class int,sse,x87] [--exclude MN,...]");
  process.exit(0);
}
const count = Number(values.count ?? 2000);
const seed = Number(values.seed ?? Math.floor(Date.now() / 1000) % 1000000);
const batch = Number(values.batch ?? 500);
const show = Number(values.show ?? 3);
const recordN = Number(values.record ?? 0);
const only = values.only ? new Set(values.only.split(",")) : undefined;

const caseSeed = (i: number) => (Math.imul(seed, 0x9e3779b1) + Math.imul(i + 1, 0x85ebca77)) >>> 0;

let forms = allForms();
if (only) forms = forms.filter((f) => only.has(f.def.mn) || only.has(f.def.key));
// --class int|sse|x87 (comma list): the integer rows, the SSE/SSE2 rows (mandatory-prefix rows), the x87 rows.
const formClass = (f: (typeof forms)[number]) => (f.def.flags & F_X87 ? "x87" : f.def.flags & F_SSE || f.pfx ? "sse" : "int");
if (values.exclude) forms = forms.filter((f) => !values.exclude!.split(",").includes(f.def.mn));
if (values.class) forms = forms.filter((f) => values.class!.split(",").includes(formClass(f)));
if (!forms.length) throw new Error("no forms selected");
const bin = buildHarness();
console.log(`fuzz:insn x86_64: seed ${seed}, ${count} sequences from ${forms.length} table forms (host ${cpus()[0]?.model ?? "?"})`);

interface Group { n: number; examples: string[] }
const mismatches = new Map<string, Group>();
const tierGroups = new Map<string, Group>();
const outcomes: Record<string, number> = {};
const coverage = new Map<string, number>();
let insns = 0;
let compared = 0;
let indeterminate = 0;
let mismatchCases = 0;
let tierCases = 0;
const recorded: RecordedCase[] = [];
const lastBits = new Map<string, Group>();
let lastBitCases = 0;
const TRANSCENDENTAL = new Set(["f2xm1", "fyl2x", "fyl2xp1", "fptan", "fpatan", "fsin", "fcos", "fsincos"]);
/** An st(i) that differs by one unit in the last place, or the C1 (round-up) bit that goes with it. */
function lastBitOnly(line: string): boolean {
  const st = /^st\d ([+-])([0-9a-f]+):([0-9a-f]+) vs ([+-])([0-9a-f]+):([0-9a-f]+)$/.exec(line);
  if (st) {
    const [, s1, e1, m1, s2, e2, m2] = st;
    if (s1 !== s2) return false;
    const a = (BigInt("0x" + e1!) << 64n) | BigInt("0x" + m1!);
    const b = (BigInt("0x" + e2!) << 64n) | BigInt("0x" + m2!);
    const dd = a > b ? a - b : b - a;
    return dd === 1n || (e1 !== e2 && dd <= (1n << 64n) - (1n << 63n) + 1n && dd >= (1n << 63n) - 1n);
  }
  const sw = /^fsw ([0-9a-f]+) vs ([0-9a-f]+) \(mask ([0-9a-f]+)\)$/.exec(line);
  if (sw) return ((parseInt(sw[1]!, 16) ^ parseInt(sw[2]!, 16)) & parseInt(sw[3]!, 16)) === 0x200;
  return false;
}
const t0 = Date.now();

function disasm(code: Uint8Array): string {
  const parts: string[] = [];
  let pc = CODE;
  const i = new Insn();
  while (pc < CODE + code.length) {
    try {
      decode(new CodeBuf(code), pc, i);
    } catch {
      break;
    }
    parts.push(`${i.def.mn}[${Buffer.from(code.subarray(pc - CODE, pc - CODE + i.len)).toString("hex")}]`);
    pc += i.len;
  }
  return parts.join(" ");
}
const note = (m: Map<string, Group>, k: string, ex: string) => {
  const g = m.get(k) ?? { n: 0, examples: [] };
  g.n++;
  if (g.examples.length < show) g.examples.push(ex);
  m.set(k, g);
};

// --start I runs cases I .. I+count-1 (reproducing one printed case: --start I --count 1 --verbose).
const first = Number(values.start ?? 0);
// --seconds T stops after the batch that crosses T seconds (a time budget for CI or long runs); the summary counts what ran.
const deadline = values.seconds ? Date.now() + 1000 * Number(values.seconds) : Infinity;
let ran = 0;
for (let start = 0; start < count && Date.now() < deadline; start += batch) {
  const cases: { i: number; s: number; code: Uint8Array; st: ReturnType<typeof inputState> }[] = [];
  for (let i = first + start; i < first + Math.min(count, start + batch); i++) {
    const s = caseSeed(i);
    const st = inputState(s);
    const g = generate(new Rng(s ^ 0x1234567), forms, st);
    cases.push({ i, s, code: g.code, st });
  }
  const native = await runNative(bin, cases);
  ran += cases.length;
  cases.forEach((c, k) => {
    const want = native[k]!;
    const u = runUabi(c.code, c.st, true);
    insns += u.steps;
    outcomes[want.cls] = (outcomes[want.cls] ?? 0) + 1;
    for (const mn of u.executed) coverage.set(mn, (coverage.get(mn) ?? 0) + 1);
    // A native timeout is the host's doing (a split lock throttled by the kernel), not the instruction's.
    if (u.bad || want.cls === "timeout") {
      indeterminate++;
      return;
    }
    compared++;
    const d = diffStates(want, u.interp, u.masks);
    if (values.verbose) {
      console.log(`case ${c.i}: ${disasm(c.code)}\n  in:  ${c.st.gpr.map((v) => v.toString(16)).join(" ")} fl ${c.st.rflags.toString(16)}`);
      console.log(`  nat: ${want.cls} ${want.rip.toString(16)} ${want.gpr.map((v) => v.toString(16)).join(" ")} fl ${want.rflags.toString(16)}`);
      console.log(`  uabi: ${u.interp.cls} ${u.interp.rip.toString(16)} ${u.interp.gpr.map((v) => v.toString(16)).join(" ")} fl ${u.interp.rflags.toString(16)}`);
    }
    const where = `case ${c.i} (seed ${c.s}): ${disasm(c.code)}`;
    if (d.length && d.every(lastBitOnly) && u.executed.some((m) => TRANSCENDENTAL.has(m))) {
      // A transcendental's last bit (the SDM promises 1 ulp, not correct rounding): counted, not a mismatch.
      lastBitCases++;
      note(lastBits, [...new Set(u.executed.filter((m) => TRANSCENDENTAL.has(m)))].sort().join(" "), `${where}\n      ${d.join("\n      ")}`);
    } else if (d.length) {
      mismatchCases++;
      // Group by the instruction at which the states first disagree is unknowable without stepping natively;
      // group by the mnemonics executed (the sequence's distinctive rows) instead, shortest first.
      const key = [...new Set(u.executed)].sort().join(" ");
      note(mismatches, key.length > 80 ? key.slice(0, 80) + "…" : key, `${where}\n      ${d.join("\n      ")}`);
    }
    if (u.tierDiffs.length) {
      tierCases++;
      note(tierGroups, [...new Set(u.executed)].sort().join(" ").slice(0, 80), `${where}\n      ${u.tierDiffs.join("\n      ")}`);
    }
    // Only agreeing cases become fixtures (the replay test requires equality); mismatches are printed above.
    if (recordN && !d.length && !u.tierDiffs.length && recorded.length < recordN) recorded.push(encodeCase(c.s, c.code, c.st, want));
  });
  const done = Math.min(count, start + batch);
  if (done < count && process.stderr.isTTY) process.stderr.write(`\r${done}/${count} sequences, ${mismatchCases} mismatching, ${tierCases} tier diffs`);
}
process.stderr.write("\n");

const secs = (Date.now() - t0) / 1000;
console.log(`${ran} sequences (${compared} compared, ${indeterminate} indeterminate), ${insns} instructions executed in ${secs.toFixed(1)} s`);
console.log(`native outcomes: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`mnemonics executed: ${coverage.size}; forms never executed: ${[...new Set(forms.map((f) => f.def.mn))].filter((m) => !coverage.has(m)).join(" ") || "none"}`);
const sorted = (m: Map<string, Group>) => [...m.entries()].sort((a, b) => a[0].split(" ").length - b[0].split(" ").length || b[1].n - a[1].n);
console.log(`mismatching sequences vs native: ${mismatchCases}`);
for (const [k, g] of sorted(mismatches).slice(0, 40)) {
  console.log(`  [${g.n}] ${k}`);
  for (const e of g.examples) console.log(`    ${e}`);
}
console.log(`transcendental results one unit in the last place off native (documented, not counted as mismatches): ${lastBitCases}`);
for (const [k, g] of sorted(lastBits).slice(0, 10)) console.log(`  [${g.n}] ${k}`);
console.log(`tier disagreements: ${tierCases}`);
for (const [k, g] of sorted(tierGroups).slice(0, 20)) {
  console.log(`  [${g.n}] ${k}`);
  for (const e of g.examples) console.log(`    ${e}`);
}
if (recordN) {
  const dir = join(ROOT, "fixtures/fuzz/insn-x86");
  mkdirSync(dir, { recursive: true });
  const body = recorded.map((r) => JSON.stringify(r)).join("\n") + "\n";
  writeFileSync(join(dir, "cases.jsonl.gz"), gzipSync(body, { level: 9 }));
  writeFileSync(join(dir, "README.md"), `# x86-64 differential instruction fixtures\n\nRecorded by \`pnpm fuzz:insn --isa x86_64 --count ${count} --seed ${seed} --record ${recordN}\` on ${cpus()[0]?.model ?? "?"}: ${recorded.length} sequences (code, input-state seed, native result as changes against the input state). Replayed by packages/isa-x86/test/insn-diff.test.ts without a native run.\n`);
  console.log(`recorded ${recorded.length} cases to fixtures/fuzz/insn-x86/cases.jsonl.gz`);
}
process.exit(mismatchCases || tierCases ? 1 : 0);
