/**
 * Measured host figures, copied from the project reference `reference/mechanisms.md` §2 ("Measured on
 * this project's development machine"), so a clone without that file still prints them beside the
 * demo's modelled figures. Ranges span the two runs of the measurement.
 */
export const HOST_MEASURED = {
  source: "reference/mechanisms.md §2 (measured on the project's development machine)",
  machine: "x86_64 VM, Linux 6.18, gcc -O2, 2 million iterations per test, two runs",
  rows: [
    { mechanism: "direct", operation: "raw getpid syscall", nsLow: 107, nsHigh: 132, ratio: "1.0" },
    { mechanism: "stub", operation: "getpid through a call to a `syscall; ret` stub", nsLow: 140, nsHigh: 144, ratio: "—" },
    { mechanism: "vdso-call", operation: "vDSO clock_gettime", nsLow: 22, nsHigh: 22, ratio: "—" },
    { mechanism: "raw clock", operation: "raw clock_gettime syscall", nsLow: 171, nsHigh: 175, ratio: "—" },
    { mechanism: "sud", operation: "getpid trapped by Syscall User Dispatch, re-issued from the SIGSYS handler", nsLow: 2433, nsHigh: 2451, ratio: "18–23×" },
    { mechanism: "seccomp", operation: "getpid trapped by a seccomp RET_TRAP IP-window filter, re-issued from the SIGSYS handler", nsLow: 2450, nsHigh: 2450, ratio: "18–23×" },
    { mechanism: "seccomp-allowed", operation: "an allowed syscall through that 10-instruction cBPF filter", nsLow: 199, nsHigh: 199, ratio: "+60–90 ns" },
    { mechanism: "ptrace", operation: "getpid under a PTRACE_SYSCALL tracer", nsLow: 83_000, nsHigh: 85_000, ratio: "630–800×" },
  ],
} as const;

/** The host row printed beside each mechanism of the demo table (bounce and selective do not exist on Linux). */
export const HOST_FOR_MECHANISM: Readonly<Record<string, string>> = {
  direct: "getpid 107–132 ns (1.0)",
  bounce: "not in Linux",
  selective: "not in Linux",
  seccomp: "RET_TRAP 2450 ns (18–23×); allowed 199 ns",
  sud: "2433–2451 ns (18–23×)",
  ptrace: "83–85 µs (630–800×)",
};
