/**
 * The calibration run the default cost profile is derived from (DEFAULT_RUN, in default-run-data.ts, which
 * `scripts/calibrate/run.ts --record NAME --default` writes; its `text` is byte-identical to
 * fixtures/calibrate/NAME.txt, as cost-accuracy.test.ts checks), and the composites a run measured (the demo's and
 * bench's "measured" column).
 */
import { type CalibrationRaw, parseCalibrationOutput } from "./primitives.js";
export { DEFAULT_RUN } from "./default-run-data.js";

export interface CalibrationRun {
  /** The fixture's base name under fixtures/calibrate/. */
  name: string;
  /** CPU model, CPU count and `uname -srm` of the machine it ran on. */
  machine: string;
  /** When it ran (ISO 8601). */
  date: string;
  /** calibrate.c's output. */
  text: string;
}

/** The composites a run times natively: composite id → the raw key holding its measurement. */
export const CALIBRATION_RUN_COMPOSITES = {
  direct: "t_stub_getpid",
  "vdso-call": "t_vdso",
  "sud-trap": "t_sud_trap",
  "seccomp-trap": "t_seccomp_trap",
  "seccomp-allowed": "t_seccomp_allowed",
  "ptrace-syscall": "t_ptrace_syscall",
} as const satisfies Record<string, keyof CalibrationRaw>;

/** ns per call of each composite the run measured. */
export function measuredComposites(run: CalibrationRun): Record<keyof typeof CALIBRATION_RUN_COMPOSITES, number> {
  const raw = parseCalibrationOutput(run.text);
  const out = {} as Record<keyof typeof CALIBRATION_RUN_COMPOSITES, number>;
  for (const [id, key] of Object.entries(CALIBRATION_RUN_COMPOSITES)) out[id as keyof typeof CALIBRATION_RUN_COMPOSITES] = raw[key];
  return out;
}
