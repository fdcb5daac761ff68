/**
 * Bad input gets an errno, never a host exception or a hang: every row of both syscall tables is
 * dispatched with hostile argument patterns (zero, all-ones, unmapped and non-canonical pointers,
 * huge lengths, negative fds).
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, x } from "@uabi/isa-arm64";
import { X86Assembler } from "@uabi/isa-x86";
import { Kernel, SyscallContext, type SyscallEvent } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

const PATTERNS: readonly bigint[][] = [
  [0n, 0n, 0n, 0n, 0n, 0n],
  Array(6).fill((1n << 64n) - 1n),
  [0x1000n, 0x1000n, 0x1000n, 0x1000n, 0x1000n, 0x1000n],
  [1n << 63n, 1n << 62n, 0xdead_beef_0000n, 1n << 47n, 1n << 52n, 1n << 53n],
  [3n, 0x1000n, 0x7fff_ffffn, 0x1000n, 0n, 0n],
  [(1n << 64n) - 100n, 0x10n, 0x41n, 0o777n, 0n, 0n], // AT_FDCWD-ish dirfd, small pointer
];
// These end or replace the calling thread by design (exercised elsewhere).
const SKIP = new Set(["exit", "exit_group", "execve", "execveat", "rt_sigreturn"]);

function boot(machine: "arm64" | "x86_64"): Kernel {
  const code = machine === "arm64" ? new A64Assembler().mov(x(8), 94).svc(0).finish() : new X86Assembler().mov("eax", 231).syscall().finish();
  const k = new Kernel({ maxInstructions: 1e5 });
  k.spawn(makeElf({ machine, code }));
  return k;
}

describe.each(["arm64", "x86_64"] as const)("%s: every syscall with hostile arguments", (machine) => {
  it("answers a number in range or blocks; never throws", () => {
    let calls = 0;
    for (const pattern of PATTERNS) {
      const k = boot(machine);
      const p = [...k.processes.values()][0]!;
      const t = p.threads[0]!;
      const rows = k.table(p.arch.arch);
      for (const row of rows) {
        if (!row || SKIP.has(row.name)) continue;
        if (t.state === "dead" || !p.alive) break;
        const c = new SyscallContext(k, t);
        c.nr = row.nr;
        c.name = row.name;
        pattern.forEach((v, i) => (c.args[i] = v));
        const ev: SyscallEvent = { pid: p.pid, tid: t.tid, nr: row.nr, name: row.name, pc: 0, args: c.args.slice(), path: [] };
        expect(() => k.entry.dispatch(t, c, row, ev), `${row.name}(${pattern.join(", ")})`).not.toThrow();
        calls++;
        if (t.state === "blocked") {
          t.wait?.cancel?.();
          t.wait = undefined;
          t.waitingSyscall = undefined;
          t.state = "runnable";
        } else if (ev.result !== undefined) {
          expect(Number.isSafeInteger(ev.result), row.name).toBe(true);
        }
      }
    }
    expect(calls).toBeGreaterThan(1000);
  });
});
