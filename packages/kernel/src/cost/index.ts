/**
 * @uabi/kernel cost model: counters per process and per syscall, cost profiles (JSON schema + the
 * default derived from a committed calibration run's isolated primitives), composite predictions, and
 * calibration against the host. See README.md next to this file.
 */
export {
  type CostCounters, type CounterName, type SyscallCost, COUNTER_NAMES, CostLedger, zeroCounters, counters, addCounters, diffCounters,
} from "./counters.js";
export { type CostProfile, COST_PROFILE_SCHEMA, CostProfileError, DEFAULT_PROFILE, PROFILE_FIELDS, parseCostProfile } from "./profile.js";
export { type CalibrationRun, CALIBRATION_RUN_COMPOSITES, DEFAULT_RUN, measuredComposites } from "./default-run.js";
export {
  type CalibrationKey, type CalibrationRaw, CALIBRATION_KEYS, CalibrationError, measuredProfile, parseCalibrationOutput,
} from "./primitives.js";
export { type Composite, type CompositeParams, type Prediction, COMPOSITES, composite, predict } from "./predict.js";
export {
  type CalibrationHost, type CalibrationOptions, type CalibrationReport, type CompositeCheck,
  buildCalibrationReport, calibrationTrapFilter, findCalibrationSource, formatCalibration, runCalibration,
} from "./calibrate.js";
