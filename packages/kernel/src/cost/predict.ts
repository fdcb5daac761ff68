/**
 * Counters × profile → modelled nanoseconds, and the composite mechanisms written as counters.
 * The same formulas serve the simulator's `--stats`, the demo table and calibration's predictions.
 */
import { type CostCounters, counters } from "./counters.js";
import type { CostProfile } from "./profile.js";

export interface Prediction {
  totalNs: number;
  parts: { syscall: number; signal: number; user: number; cbpf: number; filter: number; ptrace: number; timer: number; sud: number };
}

/**
 * Kernel entries are priced as syscall round trips, except rt_sigreturn's, which `signalNs` already
 * covers (it is the delivery + sigreturn pair, measured together). User instructions inside and
 * outside the vDSO cost the same per instruction; the split is for reporting. Every term is a count
 * times one primitive measured on its own: there is no fitted term.
 */
export function predict(profile: CostProfile, c: Readonly<CostCounters>): Prediction {
  const parts = {
    syscall: Math.max(0, c.kernelEntries - c.sigreturns) * profile.syscallNs,
    signal: c.signalDeliveries * profile.signalNs,
    user: (c.userInsns + c.handlerInsns) * profile.userInsnNs,
    cbpf: c.cbpfInsns * profile.cbpfInsnNs,
    filter: c.filterRuns * profile.filterRunNs,
    ptrace: c.ptraceStops * profile.ptraceStopNs,
    timer: c.timerReads * profile.timerReadNs,
    sud: c.sudEntries * profile.sudEntryNs,
  };
  const totalNs = parts.syscall + parts.signal + parts.user + parts.cbpf + parts.filter + parts.ptrace + parts.timer + parts.sud;
  return { totalNs, parts };
}

/** Inputs a composite needs beyond its shape: instruction counts measured or simulated. */
export interface CompositeParams {
  /** User instructions around the call (the caller's loop, a libc wrapper…). */
  userInsns?: number;
  /** Instructions executed in the vDSO / SIGSYS handler / libkernel (incl. trampolines). */
  handlerInsns?: number;
  /** cBPF instructions executed on the trapping entry, the re-issued entry and the sigreturn entry. */
  cbpfTrap?: number;
  cbpfReissue?: number;
  cbpfSigreturn?: number;
  /** cBPF instructions executed when an allowed syscall passes the filter. */
  cbpfAllow?: number;
  /** Filters attached (each runs on every kernel entry). */
  filters?: number;
  /** Bytes of the bounce frame. */
  frameBytes?: number;
  /** Clock counter reads (vdso-call: 1 unless given). */
  timerReads?: number;
}

export interface Composite {
  id: string;
  title: string;
  /** The formula in words, as printed by `uabi calibrate` and the docs. */
  formula: string;
  /** Whether the mechanism exists on stock Linux, so calibration can time it natively. */
  native: boolean;
  counters(p: CompositeParams): CostCounters;
}

const n = (v: number | undefined) => v ?? 0;

export const COMPOSITES: readonly Composite[] = [
  {
    id: "direct", title: "direct syscall", native: true,
    formula: "1 syscall round trip + caller instructions",
    counters: (p) => counters({ kernelEntries: 1, kernelExits: 1, userInsns: n(p.userInsns) }),
  },
  {
    id: "vdso-call", title: "vDSO call (clock_gettime)", native: true,
    formula: "vDSO instructions + 1 clock counter read: no kernel entry",
    counters: (p) => counters({ userInsns: n(p.userInsns), handlerInsns: n(p.handlerInsns), timerReads: p.timerReads ?? 1 }),
  },
  {
    id: "sud-trap", title: "Syscall User Dispatch trap, re-issued from the SIGSYS handler", native: true,
    formula: "trapping entry + signal delivery + handler instructions + re-issued syscall + rt_sigreturn, each entry with SUD's dispatch check",
    counters: (p) => counters({
      kernelEntries: 3, kernelExits: 3, signalDeliveries: 1, sigreturns: 1, sudEntries: 3,
      userInsns: n(p.userInsns), handlerInsns: n(p.handlerInsns),
    }),
  },
  {
    id: "seccomp-trap", title: "seccomp RET_TRAP, re-issued from the SIGSYS handler inside the allowed window", native: true,
    formula: "SUD trap + the filter run on each of the 3 entries (trap, re-issue, rt_sigreturn)",
    counters: (p) => counters({
      kernelEntries: 3, kernelExits: 3, signalDeliveries: 1, sigreturns: 1,
      userInsns: n(p.userInsns), handlerInsns: n(p.handlerInsns),
      cbpfInsns: n(p.cbpfTrap) + n(p.cbpfReissue) + n(p.cbpfSigreturn), filterRuns: 3 * (p.filters ?? 1),
    }),
  },
  {
    id: "seccomp-allowed", title: "syscall allowed by a seccomp filter", native: true,
    formula: "1 syscall round trip + filter run + its cBPF instructions",
    counters: (p) => counters({ kernelEntries: 1, kernelExits: 1, userInsns: n(p.userInsns), cbpfInsns: n(p.cbpfAllow), filterRuns: p.filters ?? 1 }),
  },
  {
    id: "ptrace-syscall", title: "syscall under a PTRACE_SYSCALL tracer", native: true,
    formula: "1 syscall round trip + 2 ptrace stops (entry and exit)",
    counters: (p) => counters({ kernelEntries: 1, kernelExits: 1, ptraceStops: 2, userInsns: n(p.userInsns) }),
  },
  {
    // What the `ptrace` mechanism's supervisor does when it emulates a call: the syscall is skipped, so there
    // is no exit stop. A call the supervisor lets the kernel run is `ptrace-syscall`; the mechanism counts
    // stops the same way, so its ledger and these formulas agree. Calibration does not time SYSEMU.
    id: "ptrace-sysemu", title: "syscall emulated by a PTRACE_SYSEMU supervisor", native: false,
    formula: "1 syscall round trip + 1 ptrace stop (entry; the call is skipped, no exit stop)",
    counters: (p) => counters({ kernelEntries: 1, kernelExits: 1, ptraceStops: 1, userInsns: n(p.userInsns) }),
  },
  {
    id: "bounce-arm64", title: "in-kernel bounce to the vDSO (arm64: return through the kernel)", native: false,
    formula: "entry + bounce frame + handler instructions + re-issue with the return flag (kernel pops the frame)",
    counters: (p) => counters({
      kernelEntries: 2, kernelExits: 2, bounceFrames: 1, stackBytes: n(p.frameBytes),
      userInsns: n(p.userInsns), handlerInsns: n(p.handlerInsns),
    }),
  },
  {
    id: "bounce-x86_64-userspace-return", title: "in-kernel bounce, implemented in userspace (x86-64 returns without entry)", native: false,
    formula: "entry + bounce frame + handler instructions, no second kernel entry",
    counters: (p) => counters({
      kernelEntries: 1, kernelExits: 1, bounceFrames: 1, stackBytes: n(p.frameBytes),
      userInsns: n(p.userInsns), handlerInsns: n(p.handlerInsns),
    }),
  },
  {
    id: "ported", title: "ported program calling libkernel in the vDSO directly", native: false,
    formula: "handler instructions only",
    counters: (p) => counters({ userInsns: n(p.userInsns), handlerInsns: n(p.handlerInsns) }),
  },
];

export function composite(id: string): Composite {
  const c = COMPOSITES.find((x) => x.id === id);
  if (!c) throw new RangeError(`unknown composite ${id}`);
  return c;
}
