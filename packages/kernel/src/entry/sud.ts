/**
 * Syscall User Dispatch (kernel/entry/syscall_user_dispatch.c, syscall_user_dispatch()): the first thing
 * Linux's syscall_trace_enter does. A call from outside the allowed region, with the selector (if any) saying
 * BLOCK, is rolled back and reflected to the thread as SIGSYS (si_code SYS_USER_DISPATCH); ptrace and seccomp
 * never see it.
 */
import { SIGSEGV, SIGSYS } from "../signal.js";
import { M64, NRS, SYSCALL_DISPATCH_FILTER_ALLOW, SYSCALL_DISPATCH_FILTER_BLOCK, SYS_USER_DISPATCH, exemptFromSigsys } from "../mechanisms/modes.js";
import type { EntryStage } from "./types.js";

export const sudStage: EntryStage = {
  name: "sud",
  run(call, s) {
    const sud = call.mech.sud;
    if (!sud) return { kind: "continue" };
    const { ev, proc: p, isa } = call;
    // The dispatch check runs on every entry while SUD is on (SYSCALL_WORK_SYSCALL_USER_DISPATCH): priced alone.
    p.ledger.add("sudEntries");
    const inRegion = ((BigInt(call.post) - sud.offset) & M64) < sud.len;
    // arch_syscall_is_vdso_sigreturn: arm64's vDSO trampoline (`mov x8, #139; svc #0`) is never dispatched;
    // x86-64 only exempts the ia32 vDSO's, which this model does not have.
    const vdsoSigreturn = isa === "arm64" && ev.nr === NRS.arm64.rtSigreturn && ev.pc === p.vdsoSigreturn + 4;
    const exempt = vdsoSigreturn || (sud.byKernel && exemptFromSigsys(isa, ev.nr, ev.args));
    if (inRegion || exempt) return { kind: "continue" };
    if (sud.selector !== 0n) {
      let state: number;
      try {
        state = p.mm.mem.read8(Number(sud.selector));
      } catch {
        return { kind: "kill", signal: SIGSEGV }; // force_exit_sig(SIGSEGV)
      }
      if (state === SYSCALL_DISPATCH_FILTER_ALLOW) return { kind: "continue" };
      if (state !== SYSCALL_DISPATCH_FILTER_BLOCK) return { kind: "kill", signal: SIGSYS }; // force_exit_sig(SIGSYS)
    }
    // syscall_rollback: x0 = orig_x0 / rax = orig_ax — this entry has not written either yet.
    s.mechanisms.reflectSigsys(call.thread, call.mech, ev, SYS_USER_DISPATCH, 0, call.post);
    ev.mark = "sigsys";
    return { kind: "redirected" };
  },
};
