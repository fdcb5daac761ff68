/**
 * The bounce return flag (arm64's glue; see @uabi/vdso's README): libkernel leaves a bounced call with a
 * syscall whose number carries the return flag. Honoured only from the libkernel text while a bounce frame is
 * live. The kernel pops the frame *before* anything runs (a vfork child may clobber it), restores the caller's
 * PC, SP and NZCV from it (untrusted: only NZCV comes back, a forged DAIF/mode is dropped), and then either
 * resumes the caller (return-only: x0 already holds libkernel's result) or runs the carried call as if the
 * caller had issued it — so ptrace and seccomp, which come next, see the caller's call, not the flag.
 *
 * The flag is part of reading the syscall number, like x32's __X32_SYSCALL_BIT, which is why this stage comes
 * before ptrace and seccomp.
 */
import { GuestMemoryFault } from "@uabi/isa-core";
import { BOUNCE, TASK_PAGE, decodeReturnFlag, sanitizeBounceFlags } from "@uabi/libkernel";
import { SIGSEGV } from "../signal.js";
import { CONTINUE, type EntryStage } from "./types.js";
import { BOUNCE_MODES } from "./bounce.js";

export const returnFlagStage: EntryStage = {
  name: "return-flag",
  // Bounce frames are pushed by the bounce stage alone: without it there is never a live frame.
  inert: (config) => !BOUNCE_MODES.includes(config.mode),
  run(call, s) {
    const { thread: t, proc: p, mech } = call;
    if (!call.fromText || mech.frames.length === 0) return CONTINUE; // the cheap tests first: most calls stop here
    const ret = decodeReturnFlag(call.ev.nr);
    if (ret === undefined) return CONTINUE;
    const f = mech.frames.pop()!;
    if (f === t.taskPage + TASK_PAGE.bounceFrame) mech.taskFrameSp = null;
    let frame: { nr: bigint; sp: bigint; pc: bigint; flags: bigint };
    try {
      const mem = p.mm.mem;
      frame = { nr: mem.read64(f + BOUNCE.frame.nr), sp: mem.read64(f + BOUNCE.frame.sp), pc: mem.read64(f + BOUNCE.frame.pc), flags: mem.read64(f + BOUNCE.frame.flags) };
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      return { kind: "kill", signal: SIGSEGV };
    }
    const cpu = t.cpu;
    cpu.pc = Number(BigInt.asUintN(64, frame.pc));
    cpu.sp = frame.sp;
    call.arch.setUserFlags(cpu, sanitizeBounceFlags(call.isa, frame.flags));
    cpu.setReg(8, frame.nr);
    s.mechanisms.closeReflection(p, mech);
    call.ev.mark = "return";
    return ret.returnOnly ? { kind: "resumed" } : { kind: "retarget", nr: ret.nr };
  },
};
