import { describe, expect, it } from "vitest";
import type { Arch } from "@uabi/isa-core";
import { AT, HANDLED_SYSCALLS, readInitialStack, runStatic, syscallNumber, type SyscallRecord } from "../src/index.js";
import { ScriptedCpu, doThen, sys, tinyElf, type Step } from "./helpers.js";

const ARCHES: [Arch, number][] = [["arm64", 183], ["x86_64", 62]];
const DATA = 0x401000; // "hello from data\n" in tinyElf

for (const [arch, machine] of ARCHES) {
  const nr = (name: string): number => {
    const n = syscallNumber(arch, name);
    if (n === undefined) throw new Error(`${arch} has no ${name}`);
    return n;
  };
  const run = (steps: Step[], extra: Partial<Parameters<typeof runStatic>[2]> = {}) => {
    const cpu = new ScriptedCpu(arch, steps);
    const calls: SyscallRecord[] = [];
    const res = runStatic(cpu, tinyElf({ machine }).bytes, { argv: ["./t"], env: { A: "1" }, onSyscall: (r) => calls.push(r), ...extra });
    return { cpu, res, calls };
  };

  describe(`runStatic on ${arch}`, () => {
    it("starts at the entry with sp at argc and zeroed registers, and captures write/writev", () => {
      let sp = 0;
      const { cpu, res } = run([
        doThen((c) => {
          sp = Number(c.sp);
          expect(c.pc).toBe(0x400200);
          expect(c.regs.slice(0, 16).every((r) => r === 0n)).toBe(true);
        }, sys(nr("write"), 1, DATA, 6)),
        sys(nr("write"), 2, DATA + 6, 5),
        doThen((c) => {
          // struct iovec[2] on the stack below sp.
          const iov = sp - 64;
          c.mem.write64(iov, BigInt(DATA + 11));
          c.mem.write64(iov + 8, 5n);
          c.mem.write64(iov + 16, BigInt(DATA));
          c.mem.write64(iov + 24, 2n);
          c.regs[31] = BigInt(iov);
        }, (c) => sys(nr("writev"), 1, c.regs[31]!, 2)(c)),
        sys(nr("exit_group"), 7),
      ]);
      expect(readInitialStack(cpu.mem, sp).argv).toEqual(["./t"]);
      expect(new Map(readInitialStack(cpu.mem, sp).auxv).get(AT.ENTRY)).toBe(0x400200);
      expect(res.stdout).toBe("hello data\nhe");
      expect(res.stderr).toBe("from ");
      expect(res).toMatchObject({ stop: "exit", exitStatus: 7, instructions: 4 });
      expect(res.syscalls).toEqual(["write = 6", "write = 5", "writev = 7", "exit_group = ?"]);
      expect(cpu.seen.slice(0, 3)).toEqual([6n, 5n, 7n]);
    });

    it("answers the startup calls of static glibc/musl like Linux", () => {
      const { cpu, res } = run([
        sys(nr("brk"), 0),
        (c) => sys(nr("brk"), c.regs[0]! + 0x21000n)(c),
        sys(nr("set_tid_address"), DATA + 0x100),
        sys(nr("set_robust_list"), DATA + 0x200, 24),
        sys(nr("set_robust_list"), DATA + 0x200, 32),
        sys(nr("rseq"), DATA + 0x400, 32, 0, 0x53053053),
        sys(nr("rseq"), DATA + 0x400, 32, 0, 0x53053053),
        sys(nr("prlimit64"), 0, 3, 0, DATA + 0x500),
        sys(nr("readlinkat"), -100, DATA + 0x600, DATA + 0x700, 4096),
        sys(nr("getrandom"), DATA + 0x800, 8, 1),
        sys(nr("mprotect"), DATA + 0x2000, 4096, 1),
        sys(nr("newfstatat"), 1, DATA + 0xfff, DATA + 0x900, 0x1000),
        sys(nr("ioctl"), 1, 0x5401, DATA + 0xa00),
        sys(nr("getpid")),
        sys(nr("uname"), DATA + 0x1000),
        sys(nr("uname"), DATA + 0x2000),
        sys(nr("exit_group"), 0),
      ], { exePath: "/opt/corpus/t" });
      // The C string at DATA+0x600 is all zeros (bss), so readlinkat sees "" and answers ENOENT;
      // the second uname targets the page mprotect made read-only.
      expect(res.syscalls).toEqual([
        "brk = <addr>", "brk = <addr>", "set_tid_address = <pid>", "set_robust_list = 0", "set_robust_list = -EINVAL",
        "rseq = 0", "rseq = -EBUSY", "prlimit64 = 0", "readlinkat = -ENOENT", "getrandom = 8", "mprotect = 0",
        "newfstatat = 0", "ioctl = -ENOTTY", "getpid = <pid>", "uname = 0", "uname = -EFAULT", "exit_group = ?",
      ]);
      expect(cpu.seen[0]).toBe(0x404000n); // initial break = end of bss
      expect(cpu.seen[1]).toBe(0x404000n + 0x21000n);
      expect(cpu.mem.isMapped(0x404000, 0x21000)).toBe(true);
      expect(cpu.mem.read64(DATA + 0x500)).toBe(8n << 20n);
      expect(cpu.mem.read64(DATA + 0x508)).toBe(0xffffffffffffffffn);
      const mode = arch === "x86_64" ? cpu.mem.read32(DATA + 0x900 + 24) : cpu.mem.read32(DATA + 0x900 + 16);
      expect(mode).toBe(0o010600); // S_IFIFO | 0600: stdout is a pipe, as in the recordings
      const field = (i: number) => new TextDecoder().decode(cpu.mem.readCString(DATA + 0x1000 + 65 * i)!);
      expect([field(0), field(4)]).toEqual(["Linux", arch === "arm64" ? "aarch64" : "x86_64"]);
      expect(res.unhandled).toEqual([]);
    });

    it("implements readlink of /proc/self/exe, brk shrink, anonymous mmap/munmap and EFAULT", () => {
      const path = new TextEncoder().encode("/proc/self/exe\0");
      const { cpu, res } = run([
        doThen((c) => c.mem.writeBytes(DATA + 0x600, path), sys(nr("readlinkat"), -100, DATA + 0x600, DATA + 0x700, 4096)),
        sys(nr("mmap"), 0, 10000, 3, 0x22, -1, 0),
        (c) => sys(nr("munmap"), c.regs[0]!, 12288)(c),
        sys(nr("mmap"), 0, 4096, 3, 0x02, 1, 0),
        sys(nr("mmap"), 0, 4096, 3, 0x22, -1, 100),
        sys(nr("mmap"), 0, 0, 3, 0x22, -1, 0),
        sys(nr("mremap"), 0x10000, 4096, 8192, 1),
        sys(nr("write"), 1, 0x10, 4),
        sys(nr("write"), 9, DATA, 4),
        sys(nr("brk"), 0x404000 + 0x5000),
        sys(nr("brk"), 0x404000 + 0x1000),
        sys(nr("brk"), 0x1000),
        sys(nr("close"), 0),
        sys(nr("read"), 0, DATA, 10),
        sys(nr("lseek"), 1, 0, 0),
        sys(nr("exit"), 300),
      ], { exePath: "/opt/corpus/t" });
      expect(res.syscalls).toEqual([
        "readlinkat = <len>", "mmap = <addr>", "munmap = 0", "mmap = -ENODEV", "mmap = -EINVAL", "mmap = -EINVAL",
        "mremap = -ENOMEM", "write = -EFAULT", "write = -EBADF", "brk = <addr>", "brk = <addr>", "brk = <addr>",
        "close = 0", "read = -EBADF", "lseek = -ESPIPE", "exit = ?",
      ]);
      expect(cpu.seen[0]).toBe(13n);
      expect(new TextDecoder().decode(cpu.mem.readBytes(DATA + 0x700, 13))).toBe("/opt/corpus/t");
      const mapped = Number(cpu.seen[1]);
      expect(mapped % 4096).toBe(0);
      expect(mapped).toBeGreaterThan(0x404000);
      expect(cpu.mem.isMapped(mapped, 1)).toBe(false); // munmapped
      expect(cpu.mem.isMapped(0x404000 + 0x1000, 1)).toBe(false); // brk shrank
      expect(cpu.mem.isMapped(0x404000, 0x1000)).toBe(true);
      expect(cpu.seen[11]).toBe(0x405000n); // brk below the start: unchanged
      expect(res.exitStatus).toBe(300 & 0xff);
    });

    it("reads stdin, records signal calls, and marks unknown syscalls -ENOSYS", () => {
      const { cpu, res, calls } = run([
        sys(nr("read"), 0, DATA, 3),
        sys(nr("read"), 0, DATA + 3, 100),
        sys(nr("read"), 0, DATA, 100),
        sys(nr("rt_sigaction"), 10, DATA, DATA + 0x40, 8),
        sys(nr("rt_sigaction"), 10, 0, DATA + 0x80, 8),
        sys(nr("rt_sigaction"), 9, DATA, 0, 8),
        sys(nr("rt_sigprocmask"), 0, DATA, DATA + 0xc0, 8),
        sys(nr("rt_sigprocmask"), 2, 0, DATA + 0xc8, 8),
        sys(nr("clock_gettime"), 1, DATA + 0x100),
        sys(nr("futex"), DATA + 0x200, 0x81, 1),
        sys(nr("futex"), DATA + 0x200, 0x80, 5, 0),
        sys(nr("personality"), 0xffffffff),
        sys(nr("personality"), 0x40000),
        sys(nr("personality"), 0xffffffff),
        sys(nr("umask"), 0o027),
        sys(nr("umask"), 0o1777),
        sys(nr("umask"), 0),
        sys(nr("sysinfo"), DATA + 0x300),
        sys(nr("kill"), 1, 9),
        sys(0x7fff),
        sys(nr("exit_group"), 0),
      ], { stdin: "abcdef" });
      expect(res.syscalls).toEqual([
        "read = 3", "read = 3", "read = 0", "rt_sigaction = 0", "rt_sigaction = 0", "rt_sigaction = -EINVAL",
        "rt_sigprocmask = 0", "rt_sigprocmask = 0", "clock_gettime = 0", "futex = 0", "futex = -EAGAIN",
        "personality = 0", "personality = 0", "personality = 262144", "umask = 18", "umask = 23", "umask = 511", "sysinfo = 0",
        "kill = -ENOSYS", "syscall_32767 = -ENOSYS", "exit_group = ?",
      ]);
      expect(new TextDecoder().decode(cpu.mem.readBytes(DATA, 6))).toBe("abcdef");
      // The old action returned by the second call is the one the first installed.
      expect(cpu.mem.readBytes(DATA + 0x80, 32)).toEqual(cpu.mem.readBytes(DATA, 32));
      expect(cpu.mem.read64(DATA + 0xc8)).toBe(cpu.mem.read64(DATA));
      expect(res.unhandled).toEqual(["kill", "syscall_32767"]);
      expect(cpu.mem.read32(DATA + 0x300 + 104)).toBe(1); // sysinfo.mem_unit
      expect(calls[0]).toMatchObject({ name: "read", nr: nr("read"), result: 3n });
      expect(calls[0]!.args.slice(0, 3)).toEqual([0n, BigInt(DATA), 3n]);
    });

    it("copies only what is mapped: short writes at a fault, EFAULT when nothing is readable, no huge host buffers", () => {
      const { res, cpu } = run([
        sys(nr("write"), 1, 0x403ffc, 0x7fffffff),
        doThen((c) => {
          c.mem.write64(DATA + 0x100, BigInt(DATA));
          c.mem.write64(DATA + 0x108, 5n);
          c.mem.write64(DATA + 0x110, 0x10n); // unmapped
          c.mem.write64(DATA + 0x118, 4n);
        }, sys(nr("writev"), 1, DATA + 0x100, 2)),
        sys(nr("writev"), 1, DATA + 0x110, 1),
        sys(nr("writev"), 1, 0x10, 1),
        sys(nr("getrandom"), 0x403ff8, 1 << 24, 0),
        sys(nr("getrandom"), 0x10, 16, 0),
        sys(nr("write"), 1, 0x10, 0),
        sys(nr("exit_group"), 0),
      ]);
      expect(res.syscalls).toEqual([
        "write = 4", "writev = 5", "writev = -EFAULT", "writev = -EFAULT", "getrandom = 8", "getrandom = -EFAULT", "write = 0", "exit_group = ?",
      ]);
      expect(res.stdoutBytes.length).toBe(9);
      expect(cpu.mem.read64(0x403ff8)).not.toBe(0n);
    });

    it("stops on a fault with 128+signal, on an exhausted budget, and on a single-thread deadlock", () => {
      const fault = run([sys(nr("getpid")), (c) => ({ kind: "page-fault", pc: c.pc, addr: 0, access: "read", reason: "unmapped" })]);
      expect(fault.res).toMatchObject({ stop: "fault", signal: 11, exitStatus: 139, syscalls: ["getpid = <pid>"] });
      const ud = run([(c) => ({ kind: "undefined", pc: c.pc })]);
      expect(ud.res).toMatchObject({ stop: "fault", signal: 4, exitStatus: 132 });
      const budget = run([sys(nr("getpid")), sys(nr("getpid")), sys(nr("getpid")), sys(nr("getpid"))], { maxInsns: 2 });
      expect(budget.res).toMatchObject({ stop: "budget", exitStatus: -1, instructions: 2 });
      const spin = run([sys(nr("getpid")), sys(nr("getpid")), sys(nr("getpid")), sys(nr("getpid"))], { maxSyscalls: 3 });
      expect(spin.res).toMatchObject({ stop: "budget", syscalls: ["getpid = <pid>", "getpid = <pid>", "getpid = <pid>"] });
      const dead = run([sys(nr("futex"), DATA + 0x200, 0x80, 0, 0)]);
      expect(dead.res).toMatchObject({ stop: "deadlock", syscalls: ["futex = ?"] });
    });
  });
}

describe("runStatic, ISA-specific calls", () => {
  it("arch_prctl(ARCH_SET_FS) sets the x86-64 thread pointer; arm64 has no arch_prctl", () => {
    const cpu = new ScriptedCpu("x86_64", [sys(158, 0x1002, 0x401800), sys(158, 0x1003, 0x401000 + 0x100), sys(158, 0x9999, 0), sys(231, 0)]);
    const res = runStatic(cpu, tinyElf({ machine: 62 }).bytes, { argv: ["t"] });
    expect(cpu.tlsBase).toBe(0x401800n);
    expect(cpu.mem.read64(0x401100)).toBe(0x401800n);
    expect(res.syscalls).toEqual(["arch_prctl = 0", "arch_prctl = 0", "arch_prctl = -EINVAL", "exit_group = ?"]);
    expect(syscallNumber("arm64", "arch_prctl")).toBeUndefined();
  });

  it("uses the number register of each ISA (x8 on arm64, rax on x86-64)", () => {
    // 64 is write on arm64 and semget on x86-64; 1 is write on x86-64 and io_destroy on arm64.
    expect(syscallNumber("arm64", "write")).toBe(64);
    expect(syscallNumber("x86_64", "write")).toBe(1);
    expect(HANDLED_SYSCALLS).toContain("writev");
  });
});
