/**
 * Cost profiles: primitive costs in nanoseconds that turn counters into modelled time.
 *
 * DEFAULT_PROFILE is derived, by measuredProfile (primitives.ts), from one committed `uabi calibrate`
 * run, DEFAULT_RUN (default-run.ts, byte-identical to its file under fixtures/calibrate/). Every primitive
 * comes from a measurement of that primitive alone; no composite is used to derive any of them, so the
 * composites the same run measured are independent checks of the formulas (cost-accuracy.test.ts).
 */
import { DEFAULT_RUN } from "./default-run.js";
import { measuredProfile, parseCalibrationOutput } from "./primitives.js";

export interface CostProfile {
  name: string;
  /** Where the numbers come from (a citation or "calibrate on <host>"). */
  source: string;
  /** One kernel entry + exit for a trivial syscall (raw getpid). */
  syscallNs: number;
  /** Signal delivery + rt_sigreturn, including the sigreturn's own kernel entry. */
  signalNs: number;
  /** One user-mode instruction. */
  userInsnNs: number;
  /** One executed cBPF instruction. */
  cbpfInsnNs: number;
  /** Fixed cost of running one seccomp filter program (entry work, seccomp_data). */
  filterRunNs: number;
  /** One ptrace stop: the tracee stops, the tracer wakes, waits and resumes it. */
  ptraceStopNs: number;
  /** One ordered clock-counter read (rdtscp), beyond the cost of an ordinary instruction. */
  timerReadNs: number;
  /** Syscall User Dispatch's check on one kernel entry (the entry's slow path and the selector read). */
  sudEntryNs: number;
}

export const PROFILE_FIELDS = [
  "syscallNs", "signalNs", "userInsnNs", "cbpfInsnNs", "filterRunNs", "ptraceStopNs", "timerReadNs", "sudEntryNs",
] as const;

export const DEFAULT_PROFILE: Readonly<CostProfile> = Object.freeze(measuredProfile(
  parseCalibrationOutput(DEFAULT_RUN.text),
  "default",
  `uabi calibrate run fixtures/calibrate/${DEFAULT_RUN.name}.txt (${DEFAULT_RUN.machine}, ${DEFAULT_RUN.date})`,
));

/** JSON Schema (2020-12) for a profile file. */
export const COST_PROFILE_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://uabi.dev/schemas/cost-profile.json",
  title: "uabi cost profile",
  type: "object",
  required: ["name", "source", ...PROFILE_FIELDS],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    source: { type: "string" },
    ...Object.fromEntries(PROFILE_FIELDS.map((f) => [f, { type: "number", minimum: 0, description: "nanoseconds" }])),
  },
} as const;

export class CostProfileError extends Error {
  override name = "CostProfileError";
}

/** Validates parsed JSON against the schema's rules and returns a typed profile. */
export function parseCostProfile(json: unknown): CostProfile {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new CostProfileError("profile must be an object");
  const o = json as Record<string, unknown>;
  const allowed = new Set<string>(["name", "source", ...PROFILE_FIELDS]);
  for (const k of Object.keys(o)) if (!allowed.has(k)) throw new CostProfileError(`unknown field ${k}`);
  if (typeof o.name !== "string" || o.name.length === 0) throw new CostProfileError("name must be a non-empty string");
  if (typeof o.source !== "string") throw new CostProfileError("source must be a string");
  for (const f of PROFILE_FIELDS) {
    const v = o[f];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new CostProfileError(`${f} must be a finite number >= 0`);
  }
  return o as unknown as CostProfile;
}
