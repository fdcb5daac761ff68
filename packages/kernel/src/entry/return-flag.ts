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
import { GuestMemoryFault, PAGE_MASK } from "@uabi/isa-core";
import { BOUNCE, TASK_PAGE, sanitizeBounceFlags } from "@uabi/libkernel";
import { SIGSEGV } from "../signal.js";
import { CONTINUE, RESUMED, type EntryStage } from "./types.js";
import { BOUNCE_MODES, framePage } from "./bounce.js";

const { RETURN_FLAG, NR_RETURN_ONLY } = BOUNCE;
const { nr: NR_AT, sp: SP_AT, pc: PC_AT, flags: FLAGS_AT } = BOUNCE.frame;
const TASK_FRAME = TASK_PAGE.bounceFrame;
/**
 * sanitizeBounceFlags as a mask and forced bits on the low word: both ISAs' rules are `(flags & keep) | force`
 * with keep and force inside the low 32 bits (checked in test/syscall-words.test.ts), so the frame's high word
 * never matters.
 */
const SANITIZE = {
  arm64: { keep: Number(sanitizeBounceFlags("arm64", 0xffff_ffffn)), force: Number(sanitizeBounceFlags("arm64", 0n)) },
  x86_64: { keep: Number(sanitizeBounceFlags("x86_64", 0xffff_ffffn)), force: Number(sanitizeBounceFlags("x86_64", 0n)) },
} as const;
/** `Number(sanitizeBounceFlags(isa, flags))` from the flags' low word. */
export function sanitizeFlagsWord(isa: "arm64" | "x86_64", lo: number): number {
  const san = SANITIZE[isa];
  return ((lo & san.keep) | san.force) >>> 0;
}

/**
 * decodeReturnFlag(nr) for an integer nr, without its BigInt and result object: -1 without the flag, else the
 * carried call's number, NR_RETURN_ONLY meaning "return only".
 */
export function returnFlagNr(nr: number): number {
  return (nr & RETURN_FLAG) === 0 ? -1 : (nr & ~RETURN_FLAG) >>> 0;
}

/** The four 64-bit fields of a popped frame as 32-bit words (reused: the stage finishes with it before returning). */
const W = new Uint32Array(8);

export const returnFlagStage: EntryStage = {
  name: "return-flag",
  // Bounce frames are pushed by the bounce stage alone: without it there is never a live frame.
  inert: (config) => !BOUNCE_MODES.includes(config.mode),
  run(call, s) {
    const { thread: t, proc: p, mech } = call;
    if (!call.fromText || mech.frames.length === 0) return CONTINUE; // the cheap tests first: most calls stop here
    const real = returnFlagNr(call.ev.nr);
    if (real < 0) return CONTINUE;
    const f = mech.frames.pop()!;
    if (f === t.taskPage + TASK_FRAME) mech.taskFrameSp = null;
    try {
      const mem = p.mm.mem;
      const page = framePage(mem.readTlb, f);
      if (page !== undefined) {
        const o = f & PAGE_MASK;
        W[0] = page.getUint32(o + NR_AT, true);
        W[1] = page.getUint32(o + NR_AT + 4, true);
        W[2] = page.getUint32(o + SP_AT, true);
        W[3] = page.getUint32(o + SP_AT + 4, true);
        W[4] = page.getUint32(o + PC_AT, true);
        W[5] = page.getUint32(o + PC_AT + 4, true);
        W[6] = page.getUint32(o + FLAGS_AT, true);
        W[7] = page.getUint32(o + FLAGS_AT + 4, true);
      } else if ((f & 7) === 0) {
        // Each field as two 32-bit loads from the same page (the frame is 8-aligned): the same faults and
        // resident pages as four read64s, in the same order.
        W[0] = mem.read32(f + NR_AT);
        W[1] = mem.read32(f + NR_AT + 4);
        W[2] = mem.read32(f + SP_AT);
        W[3] = mem.read32(f + SP_AT + 4);
        W[4] = mem.read32(f + PC_AT);
        W[5] = mem.read32(f + PC_AT + 4);
        W[6] = mem.read32(f + FLAGS_AT);
        W[7] = mem.read32(f + FLAGS_AT + 4);
      } else {
        const at = [NR_AT, SP_AT, PC_AT, FLAGS_AT];
        const v = at.map((o) => mem.read64(f + o));
        for (let i = 0; i < 4; i++) {
          W[2 * i] = Number(v[i]! & 0xffff_ffffn);
          W[2 * i + 1] = Number(v[i]! >> 32n);
        }
      }
    } catch (e) {
      if (!(e instanceof GuestMemoryFault)) throw e;
      return { kind: "kill", signal: SIGSEGV };
    }
    const cpu = t.cpu;
    const arch = call.arch;
    cpu.pc = W[5]! * 0x1_0000_0000 + W[4]!; // Number(pc): one rounding of the exact value, as Number(BigInt) does
    arch.setStackPointerWords(cpu, W[2]!, W[3]!);
    arch.setUserFlagsWord(cpu, sanitizeFlagsWord(call.isa, W[6]!));
    arch.setRegWords(cpu, 8, W[0]!, W[1]!);
    s.mechanisms.closeReflection(p, mech);
    call.ev.mark = "return";
    return real === NR_RETURN_ONLY ? RESUMED : { kind: "retarget", nr: real };
  },
};
