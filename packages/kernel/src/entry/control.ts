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
import type { EntryStage } from "./types.js";

const low32 = (x: bigint | undefined) => Number((x ?? 0n) & 0xffffffffn);

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
    if (ev.nr !== n.prctl) return { kind: "continue" };
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
        return { kind: "continue" };
    }
  },
};
