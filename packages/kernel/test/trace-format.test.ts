/** strace's formats in the kernel's tracer (src/trace.ts): wait4 statuses, personas, exit lines, the execve line. */
import { describe, expect, it } from "vitest";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { RLIMIT } from "@uabi/uapi";
import { Kernel } from "../src/index.js";
import { Tracer, formatPersonality, formatWaitStatus } from "../src/trace.js";
import type { Process } from "../src/task.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

describe("strace's formats", () => {
  it("decodes wait statuses as strace does", () => {
    expect(formatWaitStatus(7 << 8)).toBe("[{WIFEXITED(s) && WEXITSTATUS(s) == 7}]");
    expect(formatWaitStatus(11)).toBe("[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV}]");
    expect(formatWaitStatus(0x80 | 11)).toBe("[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]");
    expect(formatWaitStatus((19 << 8) | 0x7f)).toBe("[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]");
    expect(formatWaitStatus(0xffff)).toBe("[{WIFCONTINUED(s)}]");
  });

  it("prints personas as PER_* with the flag bits", () => {
    expect(formatPersonality(0)).toBe("PER_LINUX");
    expect(formatPersonality(0x40000)).toBe("PER_LINUX|ADDR_NO_RANDOMIZE");
  });

  it("says (core dumped) only when RLIMIT_CORE allows a core", () => {
    const lines: string[] = [];
    const t = new Tracer((l) => lines.push(l));
    const proc = (core: bigint) => {
      const rlimits: [bigint, bigint][] = [];
      rlimits[RLIMIT.CORE] = [core, -1n];
      return { pid: 2, rlimits } as unknown as Process;
    };
    t.exit(proc(0n), { signal: 11, core: true }, false);
    t.exit(proc(1n << 20n), { signal: 11, core: true }, false);
    t.exit(proc(1n << 20n), { signal: 9 }, false);
    expect(lines).toEqual(["+++ killed by SIGSEGV +++", "+++ killed by SIGSEGV (core dumped) +++", "+++ killed by SIGKILL +++"]);
  });

  it("a traced fork + wait4 shows the child's status; brk(NULL) and the execve line read as strace's", () => {
    const b = new X86Assembler();
    const child = b.newLabel();
    b.mov("r12", DATA_BASE);
    b.xor("edi", "edi").mov("eax", 12).syscall(); // brk(NULL)
    b.mov("eax", 57).syscall(); // fork
    b.test("eax", "eax").j("e", child);
    b.mov("rdi", -1).lea("rsi", xmem("r12", 0x20)).xor("edx", "edx").xor("r10d", "r10d").mov("eax", 61).syscall(); // wait4
    b.xor("edi", "edi").mov("eax", 231).syscall();
    b.bind(child).mov("edi", 7).mov("eax", 231).syscall();
    const lines: string[] = [];
    const k = new Kernel({ trace: (l) => lines.push(l), quantum: 1000 });
    const p = k.spawn(makeElf({ machine: "x86_64", code: b.finish() }), { argv: ["prog", "a"], env: ["A=1"] });
    k.tracer!.execve(p, "/bin/prog", ["prog", "a"], 1);
    expect(k.run().exitStatus).toBe(0);
    expect(lines[0]).toMatch(/^execve\("\/bin\/prog", \["prog", "a"\], 0x[0-9a-f]+ \/\* 1 var \*\/\) = 0$/);
    expect(lines[1]).toMatch(/^brk\(NULL\) = 0x[0-9a-f]+$/);
    expect(lines.some((l) => /^(\[pid \d+\] )?wait4\(-1, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 7\}\], 0, NULL\) = 3$/.test(l)), lines.join("\n")).toBe(true);
  });
});
