/**
 * What scripts/calibrate/calibrate.c prints, and the primitives derived from it. Pure (no host access),
 * so the default profile can be derived from a committed run anywhere, the browser included.
 */
import type { CostProfile } from "./profile.js";

export class CalibrationError extends Error {
  override name = "CalibrationError";
}

/**
 * Keys calibrate.c prints, with what they are. t_* in ns per iteration (minimum over every timed batch),
 * n_* in user instructions per iteration (the fewest of many single-stepped iterations: the path without
 * the vDSO clock's seqlock retry; `#` comment lines after each show the counts seen).
 */
export const CALIBRATION_KEYS = {
  iterations: "timed iterations per loop (spread over the rounds)",
  rounds: "rounds: every measurement in a fresh child per round, interleaved with the others",
  reps: "timed batches per child",
  large_filter_extra: "extra cBPF instructions in the large filter",
  stub: "address of the `syscall; ret` stub (the allowed window)",
  site_ip: "IP after the trapped syscall instruction",
  // primitives, each measured on its own
  t_call: "empty function call loop", n_call: "",
  t_straight: "the call loop plus straight-line integer code (stack loads and adds in four independent chains)", n_straight: "",
  t_getpid: "raw getpid", n_getpid: "",
  t_timer: "rdtscp (the vDSO clock's counter read)", n_timer: "",
  t_kill_ignored: "kill(self, SIGUSR1) ignored", n_kill_ignored: "",
  t_kill_handled: "kill(self, SIGUSR1) with an empty SA_SIGINFO handler", n_kill_handled: "",
  t_kill_queued: "kill(self, SIGUSR1) ignored but blocked (queued), unblocked (dequeued and dropped), blocked again", n_kill_queued: "",
  t_kill_discarded: "the same calls with kill(self, SIGUSR2) ignored and unblocked (dropped at generation)", n_kill_discarded: "",
  t_filter_small: "getpid under a 2-instruction filter", n_filter_small: "",
  t_filter_large: "getpid under a (2 + large_filter_extra)-instruction filter", n_filter_large: "",
  t_sud_allowed: "getpid with Syscall User Dispatch on and the selector at ALLOW", n_sud_allowed: "",
  t_ptrace_kill_ignored: "ignored kill(self) under a PTRACE_CONT tracer: one signal-delivery-stop",
  // composites, measured only to be compared with their predictions
  t_stub_getpid: "getpid through a call to the stub", n_stub_getpid: "",
  t_vdso: "vDSO clock_gettime", n_vdso: "",
  t_sud_trap: "getpid trapped by SUD, re-issued from the handler", n_sud_trap: "",
  t_seccomp_trap: "getpid trapped by seccomp RET_TRAP, re-issued from the handler", n_seccomp_trap: "",
  t_seccomp_allowed: "getpid from the stub, allowed by the window filter", n_seccomp_allowed: "",
  t_seccomp_trap_mitigated: "seccomp trap without SECCOMP_FILTER_FLAG_SPEC_ALLOW (speculation mitigations on)",
  t_ptrace_syscall: "getpid under a PTRACE_SYSCALL tracer", n_ptrace_syscall: "",
} as const;
export type CalibrationKey = keyof typeof CALIBRATION_KEYS;
export type CalibrationRaw = Record<CalibrationKey, number>;

/** Parses calibrate.c's `key value` lines; every key must be present and finite. */
export function parseCalibrationOutput(text: string): CalibrationRaw {
  const raw: Partial<Record<string, number>> = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const m = /^([a-z_]+)\s+(\S+)$/.exec(t);
    if (!m) throw new CalibrationError(`unparseable line: ${t}`);
    const v = m[2]!.startsWith("0x") ? Number(BigInt(m[2]!)) : Number(m[2]);
    if (!Number.isFinite(v)) throw new CalibrationError(`${m[1]}: not a number (${m[2]})`);
    raw[m[1]!] = v;
  }
  for (const k of Object.keys(CALIBRATION_KEYS)) {
    if (raw[k] === undefined) throw new CalibrationError(`missing ${k}`);
    if (k.startsWith("t_") && !(raw[k]! > 0)) throw new CalibrationError(`${k} = ${raw[k]}: the measurement failed`);
    if (k.startsWith("n_") && !(raw[k]! > 0)) throw new CalibrationError(`${k} = ${raw[k]}: counting instructions by ptrace single-step failed`);
  }
  return raw as CalibrationRaw;
}

/** Queueing and dequeueing one signal (kill_queued minus kill_discarded: the same calls, the signal dropped at generation). */
export function signalQueueNs(raw: CalibrationRaw, userInsnNs: number): number {
  return Math.max(0, raw.t_kill_queued - raw.t_kill_discarded - (raw.n_kill_queued - raw.n_kill_discarded) * userInsnNs);
}

/**
 * The primitives, each from measurements of that primitive alone (never from a composite). Instruction
 * counts include the loop's own instructions, priced at the user-instruction cost and subtracted.
 */
export function measuredProfile(raw: CalibrationRaw, name = "calibrated", source = "calibrate on this host"): CostProfile {
  // The marginal cost of one more ordinary instruction: what the counters multiply.
  const userInsnNs = Math.max(0, (raw.t_straight - raw.t_call) / (raw.n_straight - raw.n_call));
  const cbpfInsnNs = Math.max(0, (raw.t_filter_large - raw.t_filter_small) / raw.large_filter_extra);
  return {
    name,
    source,
    userInsnNs,
    syscallNs: Math.max(0, raw.t_getpid - raw.n_getpid * userInsnNs),
    signalNs: Math.max(0, raw.t_kill_handled - raw.t_kill_ignored - (raw.n_kill_handled - raw.n_kill_ignored) * userInsnNs),
    cbpfInsnNs,
    filterRunNs: Math.max(0, raw.t_filter_small - raw.t_getpid - 2 * cbpfInsnNs),
    // A traced task's ignored signal is queued and dequeued (sig_ignored never ignores for a ptraced task);
    // an untraced one is dropped at generation, and a syscall stop has no signal: take the queueing out.
    ptraceStopNs: Math.max(0, raw.t_ptrace_kill_ignored - raw.t_kill_ignored - signalQueueNs(raw, userInsnNs)),
    timerReadNs: Math.max(0, raw.t_timer - raw.n_timer * userInsnNs),
    sudEntryNs: Math.max(0, raw.t_sud_allowed - raw.t_getpid - (raw.n_sud_allowed - raw.n_getpid) * userInsnNs),
  };
}
