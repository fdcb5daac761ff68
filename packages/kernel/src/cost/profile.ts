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

/**
 * JSON Schema (2020-12) for a profile file: the one definition of what a profile file may hold.
 * parseCostProfile checks a value against this object (checkSchema below), so the schema and the
 * validator cannot drift; the CLI's tests also validate with ajv that it is a JSON Schema and agrees.
 */
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
} as const satisfies SchemaNode;

export class CostProfileError extends Error {
  override name = "CostProfileError";
}

/** The JSON Schema keywords the profile schema uses; checkSchema interprets exactly these. */
interface SchemaNode {
  readonly type?: "object" | "string" | "number";
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly [keyword: string]: unknown;
}

/** The first way `value` breaks `schema` (as a message naming the field), or undefined when it conforms. */
function checkSchema(schema: SchemaNode, value: unknown, at: string): string | undefined {
  const where = at === "" ? "profile" : at;
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return `${where} must be an object`;
      const o = value as Record<string, unknown>;
      const props = schema.properties ?? {};
      if (schema.additionalProperties === false) for (const k of Object.keys(o)) if (!(k in props)) return `unknown field ${k}`;
      for (const k of schema.required ?? []) if (!(k in o)) return `missing field ${k}`;
      for (const [k, sub] of Object.entries(props)) {
        if (!(k in o)) continue;
        const err = checkSchema(sub, o[k], k);
        if (err) return err;
      }
      return undefined;
    }
    case "string":
      if (typeof value !== "string") return `${where} must be a string`;
      if (schema.minLength !== undefined && value.length < schema.minLength) return `${where} must have at least ${schema.minLength} character(s)`;
      return undefined;
    case "number":
      // JSON numbers are finite; a value built in code could be NaN or Infinity, which no JSON file holds.
      if (typeof value !== "number" || !Number.isFinite(value)) return `${where} must be a finite number`;
      if (schema.minimum !== undefined && value < schema.minimum) return `${where} must be >= ${schema.minimum}`;
      return undefined;
    default:
      return undefined;
  }
}

/** Checks parsed JSON against COST_PROFILE_SCHEMA and returns a typed profile. */
export function parseCostProfile(json: unknown): CostProfile {
  const err = checkSchema(COST_PROFILE_SCHEMA, json, "");
  if (err) throw new CostProfileError(err);
  return json as CostProfile;
}
