/**
 * Measured host figures printed beside the demo's modelled ones: the composites measured by the
 * committed calibration run the default cost profile comes from (DEFAULT_RUN in @uabi/kernel), so the
 * "measured" and "modelled" columns come from the same machine and the same run.
 */
import { DEFAULT_RUN, measuredComposites } from "@uabi/kernel";

const m = measuredComposites(DEFAULT_RUN);
const ns = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} µs` : `${Math.round(v)} ns`);
const x = (v: number): string => `${(v / m.direct).toFixed(1)}×`;

export const HOST_MEASURED = {
  source: `uabi calibrate run fixtures/calibrate/${DEFAULT_RUN.name}.txt (${DEFAULT_RUN.date.slice(0, 10)})`,
  machine: DEFAULT_RUN.machine,
  rows: [
    { mechanism: "direct", operation: "getpid through a call to a `syscall; ret` stub", ns: m.direct },
    { mechanism: "vdso-call", operation: "vDSO clock_gettime", ns: m["vdso-call"] },
    { mechanism: "sud", operation: "getpid trapped by Syscall User Dispatch, re-issued from the SIGSYS handler", ns: m["sud-trap"] },
    { mechanism: "seccomp", operation: "getpid trapped by a seccomp RET_TRAP IP-window filter, re-issued from the SIGSYS handler", ns: m["seccomp-trap"] },
    { mechanism: "seccomp-allowed", operation: "getpid allowed through that filter", ns: m["seccomp-allowed"] },
    { mechanism: "ptrace", operation: "getpid under a PTRACE_SYSCALL tracer", ns: m["ptrace-syscall"] },
  ],
} as const;

/** The host figure printed beside each mechanism of the demo table (bounce and selective do not exist on Linux). */
export const HOST_FOR_MECHANISM: Readonly<Record<string, string>> = {
  direct: `getpid ${ns(m.direct)} (1.0×)`,
  bounce: "not in Linux",
  selective: "not in Linux",
  seccomp: `RET_TRAP ${ns(m["seccomp-trap"])} (${x(m["seccomp-trap"])}); allowed ${ns(m["seccomp-allowed"])}`,
  sud: `${ns(m["sud-trap"])} (${x(m["sud-trap"])})`,
  ptrace: `${ns(m["ptrace-syscall"])} (${x(m["ptrace-syscall"])})`,
};
