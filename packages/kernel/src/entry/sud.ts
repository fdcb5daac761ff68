/**
 * Syscall User Dispatch (kernel/entry/syscall_user_dispatch.c, syscall_user_dispatch()): the first thing
 * Linux's syscall_trace_enter does. A call from outside the allowed region, with the selector (if any) saying
 * BLOCK, is rolled back and reflected to the thread as SIGSYS (si_code SYS_USER_DISPATCH); ptrace and seccomp
 * never see it.
 *
 * A thread may have two: the program's own (what its prctl set, as Linux keeps one per task) and the `sud`
 * mechanism's, kept in a slot of its own so that the program cannot switch it off. The program's is checked
 * first, on the program's calls only (libkernel's re-issues on its behalf are not its calls); then the
 * mechanism's. The dispatch check is priced once per entry (SYSCALL_WORK_SYSCALL_USER_DISPATCH).
 */
import { SIGSEGV, SIGSYS } from "../signal.js";
import { M64, NRS, SYSCALL_DISPATCH_FILTER_ALLOW, SYSCALL_DISPATCH_FILTER_BLOCK, SYS_USER_DISPATCH, exemptFromSigsys } from "../mechanisms/modes.js";
import type { SudConfig } from "../mechanisms/state.js";
import { CONTINUE, type EntryCall, type EntryOutcome, type EntryServices, type EntryStage } from "./types.js";

/** One SUD configuration's decision: undefined lets the call through. */
function dispatch(sud: SudConfig, call: EntryCall, s: EntryServices): EntryOutcome | undefined {
  const { ev, proc: p, isa } = call;
  // (post - offset) mod 2^64 < len; without a BigInt when the region starts at or below the call (the usual
  // case: then offset < 2^53 and the difference is exact; BigInt and Number compare exactly).
  const post = call.post, offset = sud.offset;
  const offsetNum = sud.offsetNum;
  // In Numbers when offset and len are safe integers (exact): mixed BigInt/Number comparisons are runtime calls.
  const inRegion = offsetNum >= 0 && Number.isSafeInteger(post)
    ? offsetNum <= post ? (sud.lenNum >= 0 ? post - offsetNum < sud.lenNum : post - offsetNum < sud.len) : ((BigInt(post) - offset) & M64) < sud.len
    : offset <= post ? post - Number(offset) < sud.len : ((BigInt(post) - offset) & M64) < sud.len;
  // arch_syscall_is_vdso_sigreturn: arm64's vDSO trampoline (`mov x8, #139; svc #0`) is never dispatched;
  // x86-64 only exempts the ia32 vDSO's, which this model does not have.
  const vdsoSigreturn = isa === "arm64" && ev.nr === NRS.arm64.rtSigreturn && ev.pc === p.vdsoSigreturn + 4;
  const exempt = vdsoSigreturn || (sud.byKernel && exemptFromSigsys(isa, ev.nr, ev.args));
  if (inRegion || exempt) return undefined;
  if (sud.selector !== 0n) {
    let state: number;
    try {
      state = p.mm.mem.read8(Number(sud.selector));
    } catch {
      return { kind: "kill", signal: SIGSEGV }; // force_exit_sig(SIGSEGV)
    }
    if (state === SYSCALL_DISPATCH_FILTER_ALLOW) return undefined;
    if (state !== SYSCALL_DISPATCH_FILTER_BLOCK) return { kind: "kill", signal: SIGSYS }; // force_exit_sig(SIGSYS)
  }
  // syscall_rollback: x0 = orig_x0 / rax = orig_ax — this entry has not written either yet.
  s.mechanisms.reflectSigsys(call.thread, call.mech, ev, SYS_USER_DISPATCH, 0, call.post);
  ev.mark = "sigsys";
  return { kind: "redirected" };
}

export const sudStage: EntryStage = {
  name: "sud",
  run(call, s) {
    const { sud: own, kernelSud } = call.mech;
    if (!own && !kernelSud) return CONTINUE;
    call.proc.ledger.addSudEntry();
    const programCall = !(call.fromText && call.mech.open.length > 0);
    const o = (own && programCall ? dispatch(own, call, s) : undefined) ?? (kernelSud ? dispatch(kernelSud, call, s) : undefined);
    return o ?? CONTINUE;
  },
};
