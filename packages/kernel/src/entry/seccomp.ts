/**
 * seccomp (__secure_computing in syscall_trace_enter, after the ptrace entry stop): the thread's filter chain —
 * the program's own filters, or in seccomp mode the mechanism's window filter — and then, in seccomp mode, the
 * program's intercepted filters for a call the window lets through. Coming before the bounce, a program's own
 * filter is a boundary that no call answered in userspace slips past.
 *
 * The mechanism's own RET_TRAP is the reflection: SIGSYS to libkernel's handler, delivered even when blocked.
 * A program's RET_TRAP has force_sig_seccomp semantics: blocked or ignored, the signal resets to SIG_DFL and kills.
 */
import { SECCOMP_RET_ALLOW, fillSeccompDataAt, newSeccompDataBuffer, seccompOutcome, type SeccompState } from "../seccomp/index.js";
import { SIGSYS } from "../signal.js";
import { SYS_SECCOMP_CODE } from "../mechanisms/modes.js";
import { ENOSYS } from "../errno.js";
import { CONTINUE, type EntryCall, type EntryOutcome, type EntryServices, type EntryStage } from "./types.js";

const DATA = newSeccompDataBuffer();

function evaluate(chain: SeccompState, call: EntryCall, s: EntryServices): EntryOutcome {
  if (chain.mode === 0) return CONTINUE;
  const { ev, proc: p, lib } = call;
  fillSeccompDataAt(DATA, ev.nr, p.arch.auditArch, call.post, ev.args, lib ? lib.textLo : 0, lib ? lib.textHi : 0);
  const v = chain.evaluate(DATA);
  p.ledger.addFilterRuns(v.filtersRun, v.insns);
  // Most calls are allowed: seccompOutcome's answer for a plain ALLOW, without building it.
  if (v.action === SECCOMP_RET_ALLOW && !v.strictViolation) return CONTINUE;
  const o = seccompOutcome(v, { liveThreads: p.threads.length });
  switch (o.kind) {
    case "allow":
      return CONTINUE;
    case "errno":
    case "skip":
      return { kind: "handled", result: o.ret };
    case "trap":
      if (chain === call.mech.seccomp && s.config.mode === "seccomp") {
        s.mechanisms.reflectSigsys(call.thread, call.mech, ev, SYS_SECCOMP_CODE, o.data, call.post);
      } else {
        s.forceSignal(call.thread, { signo: SIGSYS, code: SYS_SECCOMP_CODE, errno: o.data, callAddr: call.post, syscall: ev.nr, arch: p.arch.auditArch });
      }
      ev.mark = "sigsys";
      return { kind: "redirected" };
    case "kill":
      return { kind: "kill", signal: o.signal };
    default:
      return { kind: "handled", result: -ENOSYS };
  }
}

export const seccompStage: EntryStage = {
  name: "seccomp",
  run(call, s) {
    const o = evaluate(call.mech.seccomp, call, s);
    if (o.kind !== "continue" || !call.mech.program) return o;
    return evaluate(call.mech.program, call, s);
  },
};
