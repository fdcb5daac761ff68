/**
 * @uabi/kernel cost model: counters per process and per syscall, cost profiles (JSON schema + the
 * default derived from measured primitives), composite predictions, and calibration against the
 * host. See README.md next to this file.
 */
export {
  type CostCounters, type CounterName, type SyscallCost, COUNTER_NAMES, CostLedger, zeroCounters, counters, addCounters, diffCounters,
} from "./counters.js";
export { type CostProfile, COST_PROFILE_SCHEMA, CostProfileError, DEFAULT_PROFILE, PROFILE_FIELDS, parseCostProfile } from "./profile.js";
export { type Composite, type CompositeParams, type Prediction, COMPOSITES, composite, predict } from "./predict.js";
export {
  type CalibrationKey, type CalibrationOptions, type CalibrationRaw, type CalibrationReport, type CompositeCheck, CALIBRATION_KEYS,
  CalibrationError, buildCalibrationReport, calibrationTrapFilter, findCalibrationSource, formatCalibration, measuredProfile,
  parseCalibrationOutput, runCalibration,
} from "./calibrate.js";
