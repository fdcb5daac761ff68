/**
 * Differential instruction fuzzer for the arm64 core against qemu-aarch64 (-cpu cortex-a72, the core the
 * simulator models). Encodings are drawn at random from each class of classes.ts, each with a random
 * register/vector/NZCV/FPCR state; a batch runs once under qemu (runner.c, one process per batch) and once
 * on each of the core's tiers (interpreter and translating tier); every difference is counted per class.
 *
 *   pnpm fuzz:insn --isa arm64 --count 100000 --seed 7     # fuzz; prints per-class figures and mismatches
 *   pnpm fuzz:insn --isa arm64 --count 300000 --report     # also write docs/isa-arm64-coverage.md
 *   pnpm fuzz:insn --isa arm64 --record                    # write the replay fixture (fixtures/fuzz/insn-arm64)
 *   pnpm fuzz:insn --isa arm64 --only SIMD_3SAME --show 20
 *
 * Record i of seed S is a pure function of (S, i) and the class list, so a printed mismatch reproduces.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { disassembleWord, matchRow } from "../../../packages/isa-arm64/src/index.js";
import { diffOutcome, InsnRunner, SLOT_FPCR, STATE_BYTES, type Outcome } from "../../../packages/isa-arm64/test/insn-fuzz.js";
import { CLASSES, opKey, type InsnClass } from "./classes.js";
import { randomState, Rng } from "./state.js";

// `--isa x86_64` is the x86-64 fuzzer (native execution): scripts/fuzz/insn-x86.ts, which exits when done.
const isaArg = process.argv[process.argv.indexOf("--isa") + 1];
if (process.argv.includes("--isa") && /^x86[-_]?(64)?$/.test(isaArg ?? "")) await import("../insn-x86.js");

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../../..");
const QEMU_CPU = "cortex-a72";
const REC = 8 + STATE_BYTES;

interface Args { isa: string; count: number; seed: number; report: boolean; record: boolean; recordAs?: string; executedOnly: boolean; perClass: number; only: string[]; show: number; batch: number }
function parseArgs(argv: string[]): Args {
  const a: Args = { isa: "arm64", count: 20_000, seed: Math.floor(Math.random() * 2 ** 31), report: false, record: false, executedOnly: false, perClass: 40, only: [], show: 3, batch: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!, v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${k} needs a value`); return x; };
    if (k === "--isa") a.isa = v();
    else if (k === "--count") a.count = Number(v());
    else if (k === "--seed") a.seed = Number(v());
    else if (k === "--report") a.report = true;
    else if (k === "--record") a.record = true;
    else if (k === "--record-as") { a.record = true; a.recordAs = v(); if (!/^[a-z0-9-]+$/.test(a.recordAs)) throw new Error("--record-as takes a name of [a-z0-9-]"); }
    else if (k === "--executed-only") a.executedOnly = true;
    else if (k === "--per-class") a.perClass = Number(v());
    else if (k === "--only") a.only.push(...v().split(","));
    else if (k === "--show") a.show = Number(v());
    else if (k === "--batch") a.batch = Number(v());
    else if (k === "--") continue;
    else throw new Error(`unknown option ${k}`);
  }
  if (a.isa !== "arm64") throw new Error(`--isa ${a.isa}: this fuzzer is for arm64 (x86-64 has its own)`);
  if (!Number.isSafeInteger(a.count) || a.count < 1) throw new Error("--count must be a positive integer");
  return a;
}

/** The qemu side, compiled once per runner.c change into node_modules/.cache. */
function runnerBinary(): string {
  const src = join(HERE, "runner.c");
  const dir = join(ROOT, "node_modules/.cache/uabi-fuzz-insn");
  const bin = join(dir, "runner-aarch64");
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    execFileSync("aarch64-linux-gnu-gcc", ["-static", "-O2", "-o", bin, src], { stdio: "inherit" });
  }
  return bin;
}

function qemuVersion(): string {
  return execFileSync("qemu-aarch64", ["--version"], { encoding: "utf8" }).split("\n")[0]!.trim();
}

/** Run one batch under qemu: returns the runner's instruction address and each record's outcome. */
function runQemu(bin: string, input: Buffer): Promise<{ pc: number; out: Outcome[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn("qemu-aarch64", ["-cpu", QEMU_CPU, bin], { stdio: ["pipe", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    p.stdout.on("data", (d: Buffer) => chunks.push(d));
    p.on("error", reject);
    p.on("close", (code) => {
      const buf = Buffer.concat(chunks);
      if (code !== 0) return reject(new Error(`qemu runner exited ${code}`));
      const pc = Number(buf.readBigUInt64LE(8));
      const out: Outcome[] = [];
      for (let o = 16; o + REC <= buf.length; o += REC) out.push({ sig: buf.readUInt32LE(o + 4), state: new Uint8Array(buf.subarray(o + 8, o + REC)) });
      resolve({ pc, out });
    });
    p.stdin.end(input);
  });
}

interface Stat {
  jitExample?: string;
  tried: number; qemuSigill: number; uabiImpl: number; matched: number; jitDiff: number; fpsrExcOnly: number;
  /** opKey -> counts and a first example, for qemu-executes-uabi-refuses and value mismatches. */
  missing: Map<string, { n: number; word: number }>;
  extra: Map<string, { n: number; word: number }>;
  /** Value mismatches with FPCR.FZ or FPCR.RMode set on entry (flush-to-zero and directed rounding in paths that do not model them). */
  fpcrWrong: Map<string, { n: number; word: number; diff?: string[]; index?: number }>;
  wrong: Map<string, { n: number; word: number; diff: string[]; index: number }>;
}
const newStat = (): Stat => ({ tried: 0, qemuSigill: 0, uabiImpl: 0, matched: 0, jitDiff: 0, fpsrExcOnly: 0, missing: new Map(), extra: new Map(), fpcrWrong: new Map(), wrong: new Map() });

interface Record { cls: InsnClass; word: number; input: Uint8Array; index: number }

/** Record `index` of the run: a class (round robin over the selected ones) and a word and state drawn from (seed, index). */
function makeRecord(seed: number, index: number, classes: readonly InsnClass[]): Record {
  const cls = classes[index % classes.length]!;
  const rng = new Rng(seed, index);
  let word = 0;
  for (let tries = 0; ; tries++) {
    word = ((rng.u32() & ~cls.row.mask) | cls.row.match) >>> 0;
    if (cls.claimed || tries > 5000) break;
    // Classes without a row: only words no row claims (the others belong to their row's class).
    if (!CLASSES.some((c) => c.claimed && ((word & c.row.mask) >>> 0) === c.row.match) && unclaimed(word)) break;
  }
  return { cls, word, input: randomState(rng), index };
}
const unclaimed = (w: number) => matchRow(w) === undefined;

/** FPCR.FZ (bit 24) or RMode (bits 23..22) set in the input state. */
const nonDefaultFpcr = (s: Uint8Array) => (new DataView(s.buffer, s.byteOffset).getUint32(SLOT_FPCR * 8, true) & 0x01c00000) !== 0;
const hex = (w: number) => w.toString(16).padStart(8, "0");

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const classes = args.only.length ? CLASSES.filter((c) => args.only.includes(c.name)) : CLASSES;
  if (classes.length === 0) throw new Error(`--only ${args.only.join(",")}: no such class`);
  const bin = runnerBinary();
  const stats = new Map(classes.map((c) => [c.name, newStat()]));
  const kept: { r: Record; q: Outcome }[] = [];
  const keptPer = new Map<string, number>();
  let runner: InsnRunner | undefined;
  let pc = 0;
  const t0 = Date.now();
  console.log(`arm64 instruction fuzzer: ${args.count} encodings over ${classes.length} classes, seed ${args.seed}, qemu -cpu ${QEMU_CPU}`);
  const batches: [number, number][] = [];
  for (let s = 0; s < args.count; s += args.batch) batches.push([s, Math.min(args.count, s + args.batch)]);
  const build = ([lo, hi]: [number, number]) => {
    const recs: Record[] = [];
    const buf = Buffer.alloc((hi - lo) * REC);
    for (let i = lo; i < hi; i++) {
      const r = makeRecord(args.seed, i, classes);
      recs.push(r);
      buf.writeUInt32LE(r.word, (i - lo) * REC);
      buf.set(r.input, (i - lo) * REC + 8);
    }
    return { recs, q: runQemu(bin, buf) };
  };
  // qemu runs batch k+1 while the core checks batch k.
  let next = batches.length ? build(batches[0]!) : undefined;
  for (let b = 0; b < batches.length; b++) {
    const cur = next!;
    const q = await cur.q;
    next = b + 1 < batches.length ? build(batches[b + 1]!) : undefined;
    if (!runner) { pc = q.pc; runner = new InsnRunner(pc); }
    if (q.out.length !== cur.recs.length) throw new Error(`qemu returned ${q.out.length} of ${cur.recs.length} records`);
    cur.recs.forEach((r, k) => {
      const want = q.out[k]!;
      const st = stats.get(r.cls.name)!;
      st.tried++;
      const got = runner!.run(r.word, r.input, "interp");
      const jit = runner!.run(r.word, r.input, "jit");
      const jd = diffOutcome(got, jit, true);
      if (jd.length) { st.jitDiff++; st.jitExample ??= `#${r.index} ${hex(r.word)} ${disasm(r.word)}: ${jd.slice(0, 3).join("; ")}`; }
      const key = opKey(r.cls, r.word);
      const bump = (m: Map<string, { n: number; word: number }>) => { const e = m.get(key); if (e) e.n++; else m.set(key, { n: 1, word: r.word }); };
      if (want.sig === 4) st.qemuSigill++;
      if (got.sig !== 4) st.uabiImpl++;
      const d = diffOutcome(want, got);
      if (d.length === 0) {
        st.matched++;
        if (diffOutcome(want, got, true).length) st.fpsrExcOnly++;
      } else if (want.sig !== 4 && got.sig === 4) bump(st.missing);
      else if (want.sig === 4 && got.sig !== 4) bump(st.extra);
      else if (nonDefaultFpcr(r.input)) {
        const e = st.fpcrWrong.get(key);
        if (e) e.n++; else st.fpcrWrong.set(key, { n: 1, word: r.word, diff: d, index: r.index });
      }
      else {
        const e = st.wrong.get(key);
        if (e) e.n++; else st.wrong.set(key, { n: 1, word: r.word, diff: d, index: r.index });
      }
      if (args.record && (keptPer.get(r.cls.name) ?? 0) < args.perClass && !(args.executedOnly && want.sig !== 0)) {
        keptPer.set(r.cls.name, (keptPer.get(r.cls.name) ?? 0) + 1);
        kept.push({ r, q: want });
      }
    });
    process.stderr.write(`\r${batches[b]![1]} / ${args.count} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  process.stderr.write("\n");
  printSummary(stats, args.show);
  if (args.record) writeFixture(kept, args, pc);
  if (args.report) writeReport(stats, args);
  const bad = [...stats.values()].reduce((n, s) => n + s.tried - s.matched, 0);
  process.exitCode = bad > 0 ? 1 : 0;
}

function disasm(w: number): string {
  return disassembleWord(w, 0)?.replace(/\t/g, " ") ?? "(not decoded)";
}

function printSummary(stats: Map<string, Stat>, show: number): void {
  let tried = 0, matched = 0;
  for (const [name, s] of stats) {
    tried += s.tried; matched += s.matched;
    console.log(`${name.padEnd(34)} tried ${String(s.tried).padStart(7)}  impl ${String(s.uabiImpl).padStart(7)}  match ${String(s.matched).padStart(7)}  qemu-sigill ${String(s.qemuSigill).padStart(7)}  jit-diff ${s.jitDiff}`);
    if (s.jitExample) console.log(`    translating tier differs from the interpreter: ${s.jitExample}`);
    for (const [k, e] of s.missing) console.log(`    qemu executes, uabi SIGILL: ${k} ×${e.n} e.g. ${hex(e.word)}`);
    for (const [k, e] of s.extra) console.log(`    uabi executes, qemu SIGILL: ${k} ×${e.n} e.g. ${hex(e.word)} ${disasm(e.word)}`);
    for (const [k, e] of [...s.fpcrWrong].slice(0, show)) console.log(`    differs with FPCR.FZ/RMode set: ${k} ×${e.n} e.g. #${e.index} ${hex(e.word)} ${disasm(e.word)}: ${e.diff?.slice(0, 3).join("; ")}`);
    let shown = 0;
    for (const [k, e] of s.wrong) {
      if (shown++ >= show) { console.log(`    … ${s.wrong.size - show} more mismatching operations`); break; }
      console.log(`    mismatch ${k} ×${e.n} e.g. #${e.index} ${hex(e.word)} ${disasm(e.word)}: ${e.diff.slice(0, 3).join("; ")}`);
    }
  }
  console.log(`total: ${tried} tried, ${matched} matched qemu, ${tried - matched} differ`);
}

/**
 * fixtures/fuzz/insn-arm64/records.jsonl.gz: per record its class, word, input state and qemu's outcome (changed
 * slots only). `--record-as NAME` writes a supplement, records-NAME.jsonl.gz, listed under `extra` in meta.json
 * (e.g. only the classes and encodings qemu executes, `--only … --executed-only`), leaving the main sample as it is.
 */
function writeFixture(kept: { r: Record; q: Outcome }[], args: Args, pc: number): void {
  const dir = join(ROOT, "fixtures/fuzz/insn-arm64");
  mkdirSync(dir, { recursive: true });
  const lines = kept.map(({ r, q }) => {
    const changed: [number, string][] = [];
    if (q.sig === 0) {
      const a = Buffer.from(r.input), b = Buffer.from(q.state);
      for (let i = 0; i < 100; i++) if (a.readBigUInt64LE(i * 8) !== b.readBigUInt64LE(i * 8)) changed.push([i, b.readBigUInt64LE(i * 8).toString(16)]);
    }
    return JSON.stringify({ c: r.cls.name, w: hex(r.word), i: Buffer.from(r.input).toString("base64"), s: q.sig, o: changed });
  });
  const file = args.recordAs ? `records-${args.recordAs}.jsonl.gz` : "records.jsonl.gz";
  writeFileSync(join(dir, file), gzipSync(lines.join("\n") + "\n", { level: 9 }));
  const metaPath = join(dir, "meta.json");
  const old = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, "utf8")) as { extra?: { file: string }[] }) : {};
  const run = { seed: args.seed, count: args.count, perClass: args.perClass, qemu: qemuVersion(), cpu: QEMU_CPU, records: kept.length };
  let meta: object;
  if (args.recordAs) {
    const entry = { file, pc, ...run, only: args.only, executedOnly: args.executedOnly };
    meta = { ...old, extra: [...(old.extra ?? []).filter((e) => e.file !== file), entry] };
  } else meta = { pc, ...run, ...(old.extra ? { extra: old.extra } : {}) };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + "\n");
  console.log(`recorded ${kept.length} records in fixtures/fuzz/insn-arm64/${file}`);
}

/** Why the differences that remain are there (the report's preface to them). */
const NOTE = "CRC32 (DP2 opcodes 010xxx), AES, SHA-1 and SHA-256 are deliberately not implemented: the modelled core advertises only FP and ASIMD in AT_HWCAP, so programs that probe HWCAP do not use them (qemu's Cortex-A72 has them). Every other drawn class matches, FPCR FZ/RMode/DN/AHP states included.\n\n";

function writeReport(stats: Map<string, Stat>, args: Args): void {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const c of CLASSES) {
    const s = stats.get(c.name);
    if (!s) continue;
    rows.push(`| ${c.group} | \`${c.name}\` | ${s.tried} | ${s.tried - s.qemuSigill} | ${s.uabiImpl} | ${s.matched} | ${s.qemuSigill} | ${s.fpsrExcOnly} |`);
    const lines = [
      ...[...s.missing].map(([k, e]) => `- qemu executes, uabi raises SIGILL: ${k} (×${e.n}, e.g. \`${hex(e.word)}\`)`),
      ...[...s.extra].map(([k, e]) => `- uabi executes, qemu raises SIGILL: ${k} (×${e.n}, e.g. \`${hex(e.word)}\` ${disasm(e.word)})`),
      ...[...s.fpcrWrong].map(([k, e]) => `- results differ, FPCR.FZ or FPCR.RMode set: ${k} (×${e.n}, e.g. \`${hex(e.word)}\` ${disasm(e.word)})`),
      ...[...s.wrong].map(([k, e]) => `- results differ: ${k} (×${e.n}, e.g. \`${hex(e.word)}\` ${disasm(e.word)}: ${e.diff[0]})`),
    ];
    if (lines.length) notes.push(`### ${c.name}\n\n${lines.join("\n")}\n`);
  }
  const total = [...stats.values()].reduce((a, s) => ({ tried: a.tried + s.tried, matched: a.matched + s.matched }), { tried: 0, matched: 0 });
  const md = `# arm64 instruction coverage against qemu-aarch64

Generated by \`pnpm fuzz:insn --isa arm64 --count ${args.count} --seed ${args.seed} --report\` (scripts/fuzz/insn-arm64):
random encodings from each class of the A64 decode table (packages/isa-arm64/src/table.ts) and from the encoding
index's classes that have no row, each with a random register, vector, NZCV and FPCR state, run under
${qemuVersion()} with \`-cpu ${QEMU_CPU}\` (the core the simulator models) and on the core's interpreter and translating
tier. ${total.tried} encodings, ${total.matched} matched qemu.

Columns: **tried** encodings drawn; **qemu ran** how many qemu executed (the rest raised SIGILL: unallocated, or a
feature the Cortex-A72 lacks); **uabi ran** how many the core executed; **match** how many gave the same signal
and the same registers, NZCV, vector registers and FPSR.QC as qemu (a SIGILL on both sides is a match);
**unallocated** how many qemu treats as unallocated; **fpsr-exc** how many of the matches differ only in FPSR's
cumulative exception bits (IOC/DZC/OFC/UFC/IXC/IDC), which the core does not model.
Branches, loads/stores and system instructions are not drawn (they need memory and control-flow harnesses).

| group | class | tried | qemu ran | uabi ran | match | unallocated | fpsr-exc |
|---|---|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

## Differences left

${NOTE}${notes.length ? notes.join("\n") : "None.\n"}`;
  writeFileSync(join(ROOT, "docs/isa-arm64-coverage.md"), md);
  console.log("wrote docs/isa-arm64-coverage.md");
}

await main();
