/**
 * The bounce (the talk's proposal): after tracing and seccomp have seen the call, the kernel sends it to
 * libkernel instead of its own table. It writes the bounce frame (number, caller SP, return PC, flags) below
 * the caller's stack or in the per-task page, points SP at it and resumes at the vDSO's bounce entry; libkernel
 * answers in userspace or passes the call through (see @uabi/libkernel's layout for the contract).
 *
 * `bounce` reflects every call; `selective` only the numbers the lean kernel table lacks.
 */
import { GuestMemoryFault, PAGE_MASK, PAGE_SIZE, tlbSlot, type GuestMemory, type TlbArrays } from "@uabi/isa-core";
import { BOUNCE, TASK_PAGE, bounceFrameAddress } from "@uabi/libkernel";
import { SIGSEGV } from "../signal.js";
import { CLONE_VFORK, NRS } from "../mechanisms/modes.js";
import { CONTINUE, REDIRECTED, type EntryCall, type EntryServices, type EntryStage } from "./types.js";

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

/** A frame's field offsets, read once (under the development loader each use of an import is a getter call). */
const { nr: NR_AT, sp: SP_AT, pc: PC_AT, flags: FLAGS_AT } = BOUNCE.frame;
const frameAddress = bounceFrameAddress;

/** Store a safe integer as a 64-bit little-endian word, as `write64(addr, BigInt(x))` does (negative: two's complement). */
function put64(mem: GuestMemory, addr: number, x: number): void {
  mem.write32(addr, x >>> 0);
  mem.write32(addr + 4, Math.floor(x / 0x1_0000_0000) >>> 0);
}
function put64View(v: DataView, off: number, x: number): void {
  v.setUint32(off, x >>> 0, true);
  v.setUint32(off + 4, Math.floor(x / 0x1_0000_0000) >>> 0, true);
}

/**
 * The page holding the whole frame at `f`, if it is in `tlb` (a hit: the access is allowed and has no effect
 * beyond the bytes, the TLB's contract), else undefined: the caller then goes through the accessors.
 */
export function framePage(tlb: TlbArrays, f: number): DataView | undefined {
  if ((f & PAGE_MASK) > PAGE_SIZE - FRAME_SIZE) return undefined;
  const pn = Math.floor(f / PAGE_SIZE);
  const i = tlbSlot(pn);
  return tlb.tag[i] === pn ? tlb.view[i] : undefined;
}
const FRAME_SIZE = BOUNCE.frameSize;

export const bounceStage: EntryStage = {
  name: "bounce",
  inert: (config) => !BOUNCE_MODES.includes(config.mode),
  run(call, s) {
    const { mode } = s.config;
    if ((mode !== "bounce" && mode !== "selective") || call.fromText || !call.lib || !bounceable(call, s)) return CONTINUE;
    const { thread: t, proc: p, isa, ev, mech, arch } = call;
    const cpu = t.cpu;
    const sp = arch.stackPointer(cpu); // Number(cpu.sp), from the register halves
    const n = NRS[isa];
    let variant = s.config.frame;
    // vfork: the child shares the stack and would clobber a stack frame; x86-64 reads it after the call.
    if (isa === "x86_64" && (ev.nr === n.vfork || (ev.nr === n.clone && ((ev.args[0] ?? 0n) & BigInt(CLONE_VFORK)) !== 0n))) variant = "task-page";
    const tp = t.taskPage;
    // One live task-page frame per thread: a bounce while it is live (from the bounce area, or from a signal
    // handler that interrupted a bounced call) uses the stack.
    if (variant === "task-page" && (!tp || mech.taskFrameSp !== null || (sp >= tp + TASK_PAGE.bounceStackLow && sp <= tp + 0x1000))) variant = "stack";
    const f = frameAddress(isa, sp, variant, tp);
    try {
      if (variant === "stack" && !p.mm.findVma(f)) p.mm.growStack(f);
      const mem = p.mm.mem;
      const pc = cpu.pc;
      const page = Number.isSafeInteger(sp) && Number.isSafeInteger(pc) ? framePage(mem.writeTlb, f) : undefined;
      if (page !== undefined) {
        const o = f & PAGE_MASK;
        put64View(page, o + NR_AT, ev.nr);
        put64View(page, o + SP_AT, sp);
        put64View(page, o + PC_AT, pc);
        put64View(page, o + FLAGS_AT, arch.userFlagsWord(cpu));
      } else if ((f & 7) === 0 && Number.isSafeInteger(sp) && Number.isSafeInteger(pc)) {
        // Each 64-bit field as two 32-bit stores to the same page (the frame is 8-aligned): the same bytes, faults
        // and code-page invalidation as four write64s, without a BigInt per field.
        put64(mem, f + NR_AT, ev.nr);
        put64(mem, f + SP_AT, sp);
        put64(mem, f + PC_AT, pc);
        put64(mem, f + FLAGS_AT, arch.userFlagsWord(cpu));
      } else {
        mem.write64(f + NR_AT, BigInt(ev.nr));
        mem.write64(f + SP_AT, cpu.sp);
        mem.write64(f + PC_AT, BigInt(pc));
        mem.write64(f + FLAGS_AT, arch.userFlags(cpu));
      }
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      // As signal_setup_done(failed): the frame does not fit, SIGSEGV with SIG_DFL kills the task.
      p.sigactions[SIGSEGV]!.handler = 0;
      ev.mark = "bounce-failed";
      return { kind: "kill", signal: SIGSEGV };
    }
    p.ledger.frame(variant === "stack" ? sp - f : 0, "bounce");
    if (variant === "task-page") mech.taskFrameSp = cpu.sp;
    const callerPc = cpu.pc;
    // cpu.sp = BigInt(f): f is a safe integer (the frame was written there), stored as its two words.
    arch.setStackPointerWords(cpu, f >>> 0, Math.floor(f / 0x1_0000_0000) >>> 0);
    cpu.pc = call.lib.base + call.lib.img.entries.bounce;
    if (isa === "arm64") mech.frames.push(f);
    // The caller's SP as the Number read above (a SP of 2^53 or more is recorded rounded, as before).
    s.mechanisms.openReflection(p, mech, ev, callerPc, sp, undefined);
    ev.mark = s.mechanisms.policy(isa).kindOf(ev.nr) === "passthrough" ? "bounce→kernel" : "bounce→user";
    return REDIRECTED;
  },
};
