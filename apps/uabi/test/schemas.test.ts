/**
 * Every `--json` report has one JSON Schema (apps/uabi/schemas/<report>.schema.json) and carries its
 * schemaVersion; each command's real output is validated against its schema with ajv. The kernel's cost
 * profile schema is checked the same way, and ajv and parseCostProfile (which interprets that schema) agree.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { COST_PROFILE_SCHEMA, DEFAULT_PROFILE, parseCostProfile } from "@uabi/kernel";
import { COMMANDS } from "../src/cli.js";
import { uabi } from "./run-cli.js";
import { REPORT_SCHEMA_VERSION } from "../src/report-json.js";
import { STUDY_SCHEMA_VERSION } from "../src/study/index.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const SCHEMAS = join(import.meta.dirname, "..", "schemas");
const TMP = mkdtempSync(join(tmpdir(), "uabi-schemas-"));
const bin = (target: string, id: string) => join(ROOT, "fixtures", "corpus", "bin", target, id);
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;


const files = readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json")).sort();
const schemas = Object.fromEntries(files.map((f) => [f.replace(/\.schema\.json$/, ""), JSON.parse(readFileSync(join(SCHEMAS, f), "utf8")) as { $id: string; properties: { schemaVersion: { const: number } } }]));
// strict: unknown keywords and ambiguous types in a schema are errors, so a typo cannot make it accept anything.
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
ajv.addSchema(COST_PROFILE_SCHEMA);
for (const s of Object.values(schemas)) ajv.addSchema(s);
const validate = (name: string, value: unknown): string[] => {
  const v = ajv.getSchema(schemas[name]!.$id)!;
  return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

/** The report each command's --json prints (command path → schema name). */
const REPORTS: Readonly<Record<string, string>> = {
  run: "run-stats", demo: "demo", bench: "bench", study: "study", calibrate: "calibrate", "vdso inspect": "vdso-inspect", syscalls: "syscalls",
};

describe("one JSON Schema per --json report", () => {
  it("every command with --json has its schema, and every schema belongs to a report", () => {
    const withJson = COMMANDS.filter((c) => c.options.some((o) => o.name === "json")).map((c) => c.path.join(" ")).sort();
    expect(withJson).toEqual(Object.keys(REPORTS).sort());
    expect(Object.keys(schemas).sort()).toEqual(Object.values(REPORTS).sort());
  });

  it("schemas compile under ajv's strict mode and pin the version the CLI writes", () => {
    for (const [name, s] of Object.entries(schemas)) {
      expect(s.properties.schemaVersion.const, name).toBe(name === "study" ? STUDY_SCHEMA_VERSION : REPORT_SCHEMA_VERSION);
      expect(ajv.getSchema(s.$id), name).toBeTypeOf("function");
    }
  });

  const cases: [string, string[], string][] = [
    ["run --stats --json (x86-64, seccomp)", ["run", "--mode", "seccomp", "--stats", "--json", bin("x86_64-glibc", "signals-O2")], "run-stats"],
    ["run --stats --json (arm64)", ["run", "--stats", "--json", bin("aarch64-glibc", "hello-O2")], "run-stats"],
    ["demo --json", ["demo", "--json", "--arch", "x86_64"], "demo"],
    ["syscalls --json", ["syscalls", "--json"], "syscalls"],
    ["syscalls --json --arch arm64", ["syscalls", "--json", "--arch", "arm64"], "syscalls"],
    ["study --json", ["study", "--json", "--workloads", "study:sigaltstack", "--arch", "arm64", "--configs", "bounce,seccomp"], "study"],
  ];
  it.each(cases)("%s validates", async (_, argv, schema) => {
    const r = await uabi(...argv);
    const json = JSON.parse(argv[0] === "run" ? r.out.trimEnd().split("\n").at(-1)! : r.out);
    expect(validate(schema, json)).toEqual([]);
    // The schema is not a formality: a report without one of its required fields fails.
    const { schemaVersion: _v, ...without } = json;
    expect(validate(schema, without).length).toBeGreaterThan(0);
  });

  it("vdso inspect --json and --check --json validate", async () => {
    const so = join(TMP, "vdso.so");
    expect((await uabi("vdso", "build", "--arch", "arm64", "-o", so)).code).toBe(0);
    for (const extra of [[], ["--check"]]) {
      const r = await uabi("vdso", "inspect", "--json", ...extra, so);
      expect(validate("vdso-inspect", JSON.parse(r.out))).toEqual([]);
    }
  });

  it("bench --quick --json validates", async () => {
    const r = await uabi("bench", "--quick", "--json");
    expect(validate("bench", JSON.parse(r.out))).toEqual([]);
  });

  it.skipIf(!has("cc") || process.platform !== "linux")("calibrate --json validates, and its --out profile is a cost profile", async () => {
    const out = join(TMP, "profile.json");
    const r = await uabi("calibrate", "--json", "--iterations", "1000", "--out", out);
    expect(r.code).toBe(0);
    expect(validate("calibrate", JSON.parse(r.out))).toEqual([]);
    const profile = JSON.parse(readFileSync(out, "utf8"));
    expect(ajv.validate(COST_PROFILE_SCHEMA.$id, profile)).toBe(true);
    expect(parseCostProfile(profile)).toEqual(profile);
  });
});

describe("the cost profile: one schema, interpreted by parseCostProfile, agreeing with ajv", () => {
  const samples: [string, unknown][] = [
    ["the default profile", JSON.parse(JSON.stringify(DEFAULT_PROFILE))],
    ["an extra field", { ...DEFAULT_PROFILE, extra: 1 }],
    ["a negative cost", { ...DEFAULT_PROFILE, signalNs: -1 }],
    ["a string cost", { ...DEFAULT_PROFILE, syscallNs: "fast" }],
    ["an empty name", { ...DEFAULT_PROFILE, name: "" }],
    ["a number for source", { ...DEFAULT_PROFILE, source: 3 }],
    ["a missing field", Object.fromEntries(Object.entries(DEFAULT_PROFILE).filter(([k]) => k !== "cbpfInsnNs"))],
    ["an array", []],
    ["null", null],
    ["zero costs", { ...DEFAULT_PROFILE, userInsnNs: 0 }],
  ];
  it.each(samples)("%s", (_, value) => {
    const byAjv = ajv.validate(COST_PROFILE_SCHEMA.$id, value);
    let byKernel = true;
    try {
      parseCostProfile(value);
    } catch {
      byKernel = false;
    }
    expect(byKernel).toBe(byAjv);
  });
});
