/**
 * The ptrace entry stop (ptrace_report_syscall_entry in syscall_trace_enter, after SUD and before seccomp):
 * the `ptrace` mechanism's supervisor, or a PTRACE_SYSCALL-style tracer attached under another mode. Stops are
 * counted as Linux gives them, and as the cost composites `ptrace-sysemu` / `ptrace-syscall` price them: the
 * entry stop; a call the tracer emulates (PTRACE_SYSEMU) is skipped and has no other; a call it lets the kernel
 * run (PTRACE_SYSCALL) stops again at syscall exit — unless it never returns (exit, exit_group).
 *
 * Because tracing precedes the bounce, a tracer sees the program's call at its own PC, and then, for a call
 * libkernel passes through, the re-issue from the vDSO as well (the talk's "what breaks": a tracer's view).
 */
import { CONTINUE, type EntryStage } from "./types.js";

export const ptraceStage: EntryStage = {
  name: "ptrace",
  inert: (config) => config.mode !== "ptrace" && !config.tracer,
  run(call, s) {
    const { mode, supervisor, tracer } = s.config;
    const stop = mode === "ptrace" ? supervisor : tracer;
    if (mode !== "ptrace" && !stop) return CONTINUE;
    const { ev, proc: p } = call;
    p.ledger.addPtraceStop();
    if (mode === "ptrace") ev.mark = "ptrace";
    const emulated = stop?.({ pid: p.pid, tid: call.thread.tid, nr: ev.nr, name: ev.name, pc: call.post, args: ev.args });
    if (emulated !== undefined) return { kind: "handled", result: emulated };
    if (call.row?.info.ret !== "none") p.ledger.addPtraceStop(); // the exit stop to come
    return CONTINUE;
  },
};
