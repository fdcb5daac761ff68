/**
 * @uabi/test-support: test-only helpers. The corpus index (fixtures/corpus), the oracle-trace normal
 * form, and a minimal CPU-agnostic harness that runs a static Linux binary on any Cpu.
 */
export {
  TARGETS, RUN_SPECS, DEFAULT_ENV, corpusFixtures, corpusFixture, corpusDir, repoRoot, readFixtureBinary, applyCorrections, compareRun,
  type Target, type TargetName, type RunSpec, type ExpectedFile, type CorpusFixture, type Correction, type CorrectionsFile, type RunOutcome,
} from "./corpus.js";
export {
  parseStraceLog, parseQemuLog, normaliseResult, normaliseValue, normaliseArgs, traceKey, type TraceEntry, type ParsedTrace,
} from "./trace.js";
export { syscallName, syscallNumber, errnoName, errnoNumber, ERRNO_NAMES } from "./tables.js";
export {
  AT, LoaderError, loadElfImage, buildInitialStack, readInitialStack, STACK_TOP, PLATFORM, DEFAULT_RANDOM, DEFAULT_STACK_SIZE,
  STATIC_PIE_BIAS, type LoadedImage, type StackOptions, type InitialStack, type DecodedStack, type LoaderErrorCode,
} from "./loader.js";
export {
  runStatic, HANDLED_SYSCALLS, type RunStaticOptions, type RunStaticResult, type SyscallRecord, type StopReason,
} from "./harness.js";
