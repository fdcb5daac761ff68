/**
 * The calls that configure the entry path itself — seccomp(2), prctl(PR_SET_SECCOMP / PR_GET_SECCOMP) and
 * prctl(PR_SET_SYSCALL_USER_DISPATCH) — answered from the mechanism state when the call really runs (last
 * before the table). In seccomp mode a program's filters go to the intercepted chain (`intercepted`), since
 * the thread's own chain is the mechanism's window filter.
 *
 * It also names the path of a call that reaches the kernel's table: `reissue` when libkernel's text issues it
 * with a reflection open, else `direct`.
 */
import { NRS, PR_GET_SECCOMP, PR_SET_SECCOMP, PR_SET_SYSCALL_USER_DISPATCH } from "../mechanisms/modes.js";
import { layout } from "@uabi/uapi";
import { GuestMemoryFault } from "@uabi/isa-core";
import { EFAULT } from "../errno.js";
import { SyscallError } from "../errors.js";
import { CONTINUE, type EntryCall, type EntryOutcome, type EntryStage } from "./types.js";

const low32 = (x: bigint | undefined) => Number((x ?? 0n) & 0xffffffffn);

/** uc_stack inside each ISA's rt_sigframe (arch/arm64/kernel/signal.c, arch/x86/kernel/signal_64.c), from uapi. */
const UC_STACK = {
  arm64: layout("arm64", "rt_sigframe")!.fields["uc.uc_stack"]!.offset,
  x86_64: layout("x86_64", "rt_sigframe")!.fields["uc.uc_stack"]!.offset,
} as const;

/**
 * sigaltstack re-issued by libkernel's SIGSYS handler for the program. Run as Linux runs it; but the handler's
 * rt_sigreturn would then restore the settings saved in the SIGSYS frame's uc_stack (restore_altstack in
 * kernel/signal.c), undoing it. So, as the SIGSYS path, write the new settings into that frame too: the handler
 * re-issues with SP at its rt_sigframe (the vDSO's SIGSYS entry), and the sigreturn then installs them.
 */
function sigaltstackInReflection(call: EntryCall): EntryOutcome {
  const { ctx: c, thread: t, ev, row } = call;
  if (!row?.handler) return CONTINUE;
  let r;
  try {
    r = row.handler(c);
  } catch (e) {
    if (e instanceof SyscallError) r = -e.errno;
    else if (e instanceof GuestMemoryFault) r = -EFAULT;
    else throw e;
  }
  if (typeof r !== "number") return { kind: "handled", result: -EFAULT }; // sigaltstack never blocks
  if (r === 0 && (ev.args[0] ?? 0n) !== 0n) {
    const st = new Uint8Array(24);
    const v = new DataView(st.buffer);
    v.setBigUint64(0, BigInt(t.altstack.sp), true);
    v.setInt32(8, t.altstack.flags | 0, true);
    v.setBigUint64(16, BigInt(t.altstack.size), true);
    try {
      c.write(Number(t.cpu.sp) + UC_STACK[call.isa], st);
    } catch {
      // An unwritable frame: its sigreturn fails and the task dies with SIGSEGV, as Linux would.
    }
  }
  return { kind: "handled", result: r };
}

export const controlStage: EntryStage = {
  name: "control",
  run(call, s) {
    const { ev, ctx: c, mech, isa } = call;
    const intercepting = s.config.mode === "seccomp";
    if (s.config.mode !== "ptrace" && !ev.mark) ev.mark = call.fromText && mech.open.length > 0 ? "reissue" : "direct";
    const n = NRS[isa];
    const a = ev.args;
    if (ev.nr === n.seccomp) {
      if (intercepting) ev.mark = "intercepted";
      const chain = s.mechanisms.programChain(c, mech);
      return { kind: "handled", result: chain.seccomp(low32(a[0]), low32(a[1]), a[2] ?? 0n, s.mechanisms.seccompEnv(c)) };
    }
    if (ev.nr === n.sigaltstack && call.fromText && mech.open.at(-1)?.ev.mark === "sigsys") return sigaltstackInReflection(call);
    if (ev.nr !== n.prctl) return CONTINUE;
    switch (low32(a[0])) {
      case PR_SET_SECCOMP: {
        if (intercepting) ev.mark = "intercepted";
        const chain = s.mechanisms.programChain(c, mech);
        return { kind: "handled", result: chain.prctlSetSeccomp(low32(a[1]), a[2] ?? 0n, s.mechanisms.seccompEnv(c)) };
      }
      case PR_GET_SECCOMP:
        return { kind: "handled", result: (mech.program ?? mech.seccomp).mode };
      case PR_SET_SYSCALL_USER_DISPATCH:
        return { kind: "handled", result: s.mechanisms.setSud(c, mech, a[1] ?? 0n, a[2] ?? 0n, a[3] ?? 0n, a[4] ?? 0n) };
      default:
        return CONTINUE;
    }
  },
};
