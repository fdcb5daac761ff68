/**
 * The bounce (the talk's proposal): after tracing and seccomp have seen the call, the kernel sends it to
 * libkernel instead of its own table. It writes the bounce frame (number, caller SP, return PC, flags) below
 * the caller's stack or in the per-task page, points SP at it and resumes at the vDSO's bounce entry; libkernel
 * answers in userspace or passes the call through (see @uabi/libkernel's layout for the contract).
 *
 * `bounce` reflects every call; `selective` only the numbers the lean kernel table lacks.
 */
import { GuestMemoryFault } from "@uabi/isa-core";
import { BOUNCE, TASK_PAGE, bounceFrameAddress } from "@uabi/libkernel";
import { SIGSEGV } from "../signal.js";
import { CLONE_VFORK, NRS } from "../mechanisms/modes.js";
import { CONTINUE, type EntryCall, type EntryServices, type EntryStage } from "./types.js";

/** Calls that cannot take the bounce, whatever the mode. */
function bounceable(call: EntryCall, s: EntryServices): boolean {
  const { isa, ev } = call;
  const n = NRS[isa];
  if (ev.nr === n.rtSigreturn) return false; // its state is at the caller's SP: never reflected
  if (isa === "x86_64" && (ev.nr === n.clone || ev.nr === n.clone3)) {
    // The x86-64 glue returns in userspace through a frame found from RSP: a child on a new stack cannot — a
    // vfork-style child included (musl's and glibc's posix_spawn run it on a separate stack): it would resume in
    // the glue with RSP on its own stack and return through garbage.
    const newStack = ev.nr === n.clone ? ev.args[1] !== 0n : true;
    if (newStack) return false;
  }
  if (s.config.mode === "bounce") return true;
  // selective: only numbers the lean kernel table lacks (libkernel implements them without re-issuing).
  return s.mechanisms.policy(isa).movable.has(ev.nr);
}

/** The modes that bounce calls; under the others no bounce frame is ever pushed. */
export const BOUNCE_MODES: readonly string[] = ["bounce", "selective"];

export const bounceStage: EntryStage = {
  name: "bounce",
  inert: (config) => !BOUNCE_MODES.includes(config.mode),
  run(call, s) {
    const { mode } = s.config;
    if ((mode !== "bounce" && mode !== "selective") || call.fromText || !call.lib || !bounceable(call, s)) return CONTINUE;
    const { thread: t, proc: p, isa, ev, mech } = call;
    const cpu = t.cpu;
    const spBig = cpu.sp; // read once: the core builds a BigInt per read
    const sp = Number(spBig);
    const n = NRS[isa];
    let variant = s.config.frame;
    // vfork: the child shares the stack and would clobber a stack frame; x86-64 reads it after the call.
    if (isa === "x86_64" && (ev.nr === n.vfork || (ev.nr === n.clone && ((ev.args[0] ?? 0n) & BigInt(CLONE_VFORK)) !== 0n))) variant = "task-page";
    const tp = t.taskPage;
    // One live task-page frame per thread: a bounce while it is live (from the bounce area, or from a signal
    // handler that interrupted a bounced call) uses the stack.
    if (variant === "task-page" && (!tp || mech.taskFrameSp !== null || (sp >= tp + TASK_PAGE.bounceStackLow && sp <= tp + 0x1000))) variant = "stack";
    const f = bounceFrameAddress(isa, sp, variant, tp);
    try {
      if (variant === "stack" && !p.mm.findVma(f)) p.mm.growStack(f);
      const mem = p.mm.mem;
      mem.write64(f + BOUNCE.frame.nr, BigInt(ev.nr));
      mem.write64(f + BOUNCE.frame.sp, spBig);
      mem.write64(f + BOUNCE.frame.pc, BigInt(cpu.pc));
      mem.write64(f + BOUNCE.frame.flags, call.arch.userFlags(cpu));
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      // As signal_setup_done(failed): the frame does not fit, SIGSEGV with SIG_DFL kills the task.
      p.sigactions[SIGSEGV]!.handler = 0;
      ev.mark = "bounce-failed";
      return { kind: "kill", signal: SIGSEGV };
    }
    p.ledger.frame(variant === "stack" ? sp - f : 0, "bounce");
    if (variant === "task-page") mech.taskFrameSp = spBig;
    const callerPc = cpu.pc;
    cpu.sp = BigInt(f);
    cpu.pc = call.lib.base + call.lib.img.entries.bounce;
    if (isa === "arm64") mech.frames.push(f);
    s.mechanisms.openReflection(p, mech, ev, callerPc, Number.isSafeInteger(sp) ? spBig : BigInt(sp));
    ev.mark = s.mechanisms.policy(isa).kindOf(ev.nr) === "passthrough" ? "bounce→kernel" : "bounce→user";
    return { kind: "redirected" };
  },
};
