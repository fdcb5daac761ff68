/**
 * The CPU runner: runs a thread's CPU and splits user from handler (libkernel text) instructions.
 *
 * Instructions retired with the PC in the libkernel text are charged as handler instructions: they run under the
 * cores' leave watch (`runWithin`), at full speed but stopping at the first instruction outside the text with
 * exactly the counts single-stepping gives; the rest run at full speed. That split is exact wherever the text is entered: by a bounce or a
 * SIGSYS (the slice starts there), or by a plain call from user code in the middle of a slice (a ported
 * program's `__kernel_getpid`, libc's `__vdso_clock_gettime`). For the last case user code runs at full speed
 * under the cores' exec watch over the text (`setExecWatch`): entering it stops the core before the first
 * instruction, with nothing retired, and the runner goes on under the leave watch. Those stops never leave this
 * function (no SIGSEGV); a real exec fault (elsewhere, or met while running a text the program made
 * non-executable) is returned as usual. The watch costs one comparison per block and leaves decoded code
 * cached. When the thread leaves the text, an open reflection's cost stops being charged to the syscall that
 * caused it.
 */
import type { Trap } from "@uabi/isa-core";
import type { Thread } from "../task.js";
import type { MechanismState } from "./state.js";

export function runCpu(mechanisms: MechanismState, t: Thread, budget: number): Trap {
  const p = t.proc;
  const cpu = t.cpu;
  const lib = mechanisms.text(p);
  if (!lib) return cpu.run(budget);
  const lo = lib.textLo, hi = lib.textHi;
  let left = budget;
  let handler = 0;
  let trap: Trap | undefined;
  for (;;) {
    if (left > 0 && cpu.pc >= lo && cpu.pc < hi) {
      const before = cpu.counters.instructions;
      const tr = cpu.runWithin(lo, hi, left);
      const n = cpu.counters.instructions - before;
      handler += n;
      left -= n;
      if (tr.kind !== "budget") trap = tr;
    }
    if (trap || left <= 0) break;
    mechanisms.leftText(t);
    const before = cpu.counters.instructions;
    cpu.setExecWatch(lo, hi);
    let tr: Trap;
    try {
      tr = cpu.run(left);
    } finally {
      cpu.setExecWatch(0, 0);
    }
    left -= cpu.counters.instructions - before;
    // The watch stopped the core at the first instruction of a call into the text: account it as handler code.
    if (tr.kind === "page-fault" && tr.access === "exec" && tr.reason === "protection" && tr.addr >= lo && tr.addr < hi && cpu.pc === tr.addr) continue;
    trap = tr;
    break;
  }
  if (handler) {
    p.ledger.addHandlerInsns(handler);
    p.ledger.addUserInsns(-handler); // the scheduler charges every retired instruction as user
  }
  return trap ?? { kind: "budget", pc: cpu.pc };
}
