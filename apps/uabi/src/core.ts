/**
 * `@uabi/cli/core`: the CLI's parts that need neither Node nor a command line, for the browser playground
 * (apps/playground), which runs them in a Web Worker so its page shows what `uabi demo` and `uabi run` show
 * for the same build: the demo's runs and report, the demo program builders, the mechanism vocabulary,
 * kernel construction from it, strace lines with path marks, counters and modelled time.
 */
export { ARCHES, DEMO_ROWS, demoReport, formatDemo, type DemoReport, type DemoRow, type StepOutcome } from "./demo/report.js";
export { buildDemoProgram, buildSyscallLoop, concatBytes, type Arch, type DemoProgram } from "./demo/program.js";
export { HOST_FOR_MECHANISM, HOST_MEASURED } from "./data/host-measured.js";
export { formatNs } from "./format.js";
export {
  DEFAULT_MODE, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, MarkedTrace, createKernel, describeConfig, modelledNs, pathMark, runCounters, supported,
  type Choice, type Counters, type MachineConfig,
} from "./machine.js";
export { statsReport, type StatsReport } from "./stats.js";
export { fileReport, formatReport, type InspectReport } from "./vdso-report.js";
