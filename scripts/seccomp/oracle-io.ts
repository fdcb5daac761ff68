/**
 * Talking to scripts/seccomp/oracle.c: compile it, feed it cases, parse what the real kernel did.
 * Shared by record.ts (re-records fixtures/seccomp/oracle.json) and the live check in
 * packages/kernel/test/seccomp-oracle.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BehaviourCase, Insn, InstallCase, InstallStep } from "./cases.js";

export type BehaviourOutcome =
  | { kind: "ran"; strictRefused?: number }
  | { kind: "ret"; ret: number; strictRefused?: number }
  | { kind: "sigsys"; code: number; errno: number; syscall: number; arch: number; callAddrMinusStub: number; callAddrIsRip: boolean; raxAtHandler: number }
  | { kind: "killed"; signal: number }
  | { kind: "thread-killed" };

/** One install result per step: the return value (or -errno); "KILLED n" if the child died. */
export type InstallOutcome = number[] | { killed: number };

export interface OracleFixture {
  recorded: { kernel: string; date: string; compiler: string };
  install: (InstallCase & { outcome: InstallOutcome })[];
  behaviour: (BehaviourCase & { outcome: BehaviourOutcome })[];
}

export const ORACLE_SOURCE = new URL("./oracle.c", import.meta.url).pathname;

/** Compiles the oracle with `cc`; returns the binary path, or null if the compiler is missing or fails. */
export function compileOracle(cc = "gcc"): string | null {
  const dir = mkdtempSync(join(tmpdir(), "uabi-seccomp-oracle-"));
  const out = join(dir, "oracle");
  const r = spawnSync(cc, ["-O2", "-Wall", "-mno-red-zone", "-pthread", ORACLE_SOURCE, "-o", out], { encoding: "utf8" });
  return r.status === 0 ? out : null;
}

const insnText = (f: number[][]) => `${f.length} ${f.map((i) => i.join(" ")).join(" ")}`;
const SITE = { libc: 0, stub: 1, thread: 2 } as const;

export function oracleInput(install: InstallCase[], behaviour: BehaviourCase[]): string {
  const lines: string[] = [];
  for (const c of install) {
    lines.push(`INSTALL ${c.name} ${c.steps.reduce((n, s) => n + (s.repeat ?? 1), 0)}`);
    for (const s of c.steps) for (let r = 0; r < (s.repeat ?? 1); r++) {
      const fptr = s.filterPtr === "null" ? 1 : s.filterPtr === "bad" ? 2 : 0;
      lines.push(`STEP ${s.flags ?? 0} ${s.nnp === false ? 0 : 1} ${s.dropCaps ? 1 : 0} ${s.prctl ? 1 : 0} ${s.fprog === "bad" ? 1 : 0} ${fptr} ${s.len ?? s.filter.length} ${insnText(s.filter)}`);
    }
  }
  for (const c of behaviour) {
    lines.push(`BEHAVIOUR ${c.name} ${SITE[c.site]} ${c.strict ? 1 : 0} ${c.nr} ${c.args.join(" ")} ${c.filters.length}`);
    for (const f of c.filters) lines.push(`FILTER ${insnText(f)}`);
  }
  return lines.join("\n") + "\n";
}

/** Run-length form used in the fixture: [count, code, jt, jf, k] per run of identical instructions. */
export type RleFilter = [count: number, code: number, jt: number, jf: number, k: number][];

export function rle(f: Insn[]): RleFilter {
  const out: RleFilter = [];
  for (const i of f) {
    const last = out[out.length - 1];
    if (last && last[1] === i[0] && last[2] === i[1] && last[3] === i[2] && last[4] === i[3]) last[0]++;
    else out.push([1, ...i]);
  }
  return out;
}

export function unrle(r: RleFilter): Insn[] {
  const out: Insn[] = [];
  for (const [n, code, jt, jf, k] of r) for (let i = 0; i < n; i++) out.push([code, jt, jf, k]);
  return out;
}

/** The fixture file's shape: cases with run-length filters and the recorded outcomes. */
export interface OracleFixtureFile {
  recorded: { kernel: string; date: string; compiler: string };
  install: { name: string; note?: string; steps: (Omit<InstallStep, "filter"> & { filter: RleFilter })[]; outcome: InstallOutcome }[];
  behaviour: (Omit<BehaviourCase, "filters"> & { filters: RleFilter[]; outcome: BehaviourOutcome })[];
}

export function toFixture(f: OracleFixture): OracleFixtureFile {
  return {
    recorded: f.recorded,
    install: f.install.map((c) => ({ ...c, steps: c.steps.map((s) => ({ ...s, filter: rle(s.filter) })) })),
    behaviour: f.behaviour.map((c) => ({ ...c, filters: c.filters.map(rle) })),
  };
}

export function fromFixture(f: OracleFixtureFile): OracleFixture {
  return {
    recorded: f.recorded,
    install: f.install.map((c) => ({ ...c, steps: c.steps.map((s) => ({ ...s, filter: unrle(s.filter) })) })),
    behaviour: f.behaviour.map((c) => ({ ...c, filters: c.filters.map(unrle) })),
  };
}

export class OracleParseError extends Error {
  override name = "OracleParseError";
}

export function parseOracleOutput(text: string): { install: Map<string, InstallOutcome>; behaviour: Map<string, BehaviourOutcome> } {
  const install = new Map<string, InstallOutcome>();
  const behaviour = new Map<string, BehaviourOutcome>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [kind, name = "", ...rest] = line.trim().split(/\s+/);
    if (!name) throw new OracleParseError(`line without a case name: ${line}`);
    if (kind === "INSTALL") {
      if (rest[0] === "KILLED") install.set(name, { killed: Number(rest[1]) });
      else {
        const nums = rest.map(Number);
        if (nums.some((n) => !Number.isInteger(n))) throw new OracleParseError(`bad install line: ${line}`);
        install.set(name, nums);
      }
    } else if (kind === "BEHAVIOUR") {
      // "STRICT_REFUSED <errno>" prefixes the result when prctl(PR_SET_SECCOMP, 1) failed.
      const refused = rest[0] === "STRICT_REFUSED" ? { strictRefused: Number(rest.splice(0, 2)[1]) } : {};
      const fields = rest.slice(1).map(Number);
      const n = (i: number): number => {
        const v = fields[i];
        if (v === undefined || Number.isNaN(v)) throw new OracleParseError(`missing field ${i} in: ${line}`);
        return v;
      };
      switch (rest[0]) {
        case "RAN": behaviour.set(name, { kind: "ran", ...refused }); break;
        case "RET": behaviour.set(name, { kind: "ret", ret: n(0), ...refused }); break;
        case "SIGSYS":
          behaviour.set(name, { kind: "sigsys", code: n(0), errno: n(1), syscall: n(2), arch: n(3), callAddrMinusStub: n(4), callAddrIsRip: n(5) === 1, raxAtHandler: n(6) });
          break;
        case "KILLED": behaviour.set(name, { kind: "killed", signal: n(0) }); break;
        case "THREAD_KILLED": behaviour.set(name, { kind: "thread-killed" }); break;
        default: throw new OracleParseError(`bad behaviour line: ${line}`);
      }
    } else throw new OracleParseError(`unknown line: ${line}`);
  }
  return { install, behaviour };
}

/** Runs the compiled oracle over the cases. Throws if it fails or a case is missing. */
export function runOracle(binary: string, install: InstallCase[], behaviour: BehaviourCase[]) {
  const out = execFileSync(binary, [], { input: oracleInput(install, behaviour), encoding: "utf8", maxBuffer: 64 << 20, timeout: 60_000 });
  const parsed = parseOracleOutput(out);
  for (const c of install) if (!parsed.install.has(c.name)) throw new OracleParseError(`no result for install case ${c.name}`);
  for (const c of behaviour) if (!parsed.behaviour.has(c.name)) throw new OracleParseError(`no result for behaviour case ${c.name}`);
  return parsed;
}

/** True when this host can run the oracle at all (Linux x86_64 with seccomp filters available). */
export function seccompUsable(): boolean {
  if (process.platform !== "linux" || process.arch !== "x64") return false;
  try {
    return execFileSync("sh", ["-c", "grep -q '^Seccomp:' /proc/self/status && echo ok"], { encoding: "utf8" }).includes("ok");
  } catch {
    return false;
  }
}
