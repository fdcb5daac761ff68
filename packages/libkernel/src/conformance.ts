/**
 * Conformance vectors for the handlers: data, not tests. `@uabi/libkernel` runs them on the IR
 * interpreter; `@uabi/vdso` runs the very same vectors on the lowered A64 and x86-64 code under
 * the ISA interpreters. A vector names a handler, the initial memory, the scripted kernel answers,
 * and the expected result, memory and syscall trace.
 */
import { type Arch, ERRNO, syscallNr } from "@uabi/uapi";
import { K, abiFor } from "./abi.js";
import type { IrMemory } from "./interp.js";
import type { PageId } from "./layout.js";
import { ABI_PERSONALITY, CLOCK_MODE, FS_PAGE, TASK_PAGE, VVAR_PAGE } from "./layout.js";
import type { Handler } from "./ir.js";
import { type Personality, dispatchPolicy, versionedExtras } from "./policy.js";

export interface CaseCtx {
  readonly arch: Arch;
  readonly pages: Readonly<Record<PageId, bigint>>;
  /** A writable 8 KiB user buffer area. */
  readonly buf: bigint;
}

export type MemWrite = readonly [addr: bigint, size: 1 | 2 | 4 | 8, value: bigint];
export type KernelFn = (nr: number, args: readonly bigint[], mem: IrMemory, ctx: CaseCtx) => bigint;

export interface ConformanceCase {
  readonly title: string;
  /** Syscall name whose handler runs; `version` selects a versioned extra (uname@LIBKERNEL_1). */
  readonly handler: string;
  readonly version?: string;
  readonly arches?: readonly Arch[];
  readonly personalities?: readonly Personality[];
  /** Personalities compiled in behind TASK_PAGE.abiPersonality bits. */
  readonly switchable?: readonly Personality[];
  args(ctx: CaseCtx): readonly bigint[];
  init?(ctx: CaseCtx): readonly MemWrite[];
  /** Successive counter reads; the last value repeats. May also mutate memory (seqlock tests). */
  counter?(n: number, mem: IrMemory, ctx: CaseCtx): bigint;
  /** The fake kernel; default answers −ENOSYS. */
  kernel?: KernelFn;
  ret(ctx: CaseCtx): bigint;
  mem?(ctx: CaseCtx): readonly MemWrite[];
  /** Expected syscalls in order, as [name, leading args]; omitted = must issue none. */
  syscalls?(ctx: CaseCtx): readonly (readonly [string, readonly bigint[]])[];
}

const u = (v: bigint | number): bigint => BigInt.asUintN(64, BigInt(v));
/** A syscall's return value for errno `name` (−errno as an unsigned 64-bit register). */
const err = (name: string): bigint => {
  const n = ERRNO[name];
  if (n === undefined) throw new Error(`no errno ${name}`);
  return u(-n);
};
const ENOSYS = err("ENOSYS");
const T = (ctx: CaseCtx, off: number): bigint => ctx.pages.task + BigInt(off);
const F = (ctx: CaseCtx, off: number): bigint => ctx.pages.fs + BigInt(off);
const V = (ctx: CaseCtx, off: number): bigint => ctx.pages.vvar + BigInt(off);
const clk = (ctx: CaseCtx, id: number, field: keyof typeof VVAR_PAGE.clock): bigint =>
  V(ctx, VVAR_PAGE.clocks + id * VVAR_PAGE.clockSize + VVAR_PAGE.clock[field]);

/** A vvar page with CLOCK_REALTIME (hres), CLOCK_MONOTONIC (hres), CLOCK_REALTIME_COARSE (coarse). */
function vvarInit(ctx: CaseCtx, o: { seq?: number; realtimeMode?: number } = {}): MemWrite[] {
  return [
    [V(ctx, VVAR_PAGE.seq), 4, BigInt(o.seq ?? 42)],
    [V(ctx, VVAR_PAGE.cycleLast), 8, 1000n],
    [V(ctx, VVAR_PAGE.mult), 4, 1n << 24n], // 16 ns per tick at shift 20
    [V(ctx, VVAR_PAGE.shift), 4, 20n],
    [V(ctx, VVAR_PAGE.tzMinuteswest), 4, u(-60) & 0xffffffffn],
    [V(ctx, VVAR_PAGE.tzDsttime), 4, 1n],
    [clk(ctx, 0, "sec"), 8, 1_700_000_000n],
    [clk(ctx, 0, "nsec"), 8, 999_999_000n],
    [clk(ctx, 0, "mode"), 4, BigInt(o.realtimeMode ?? CLOCK_MODE.hres)],
    [clk(ctx, 0, "resNsec"), 4, 1n],
    [clk(ctx, 1, "sec"), 8, 5000n],
    [clk(ctx, 1, "nsec"), 8, 100n],
    [clk(ctx, 1, "mode"), 4, BigInt(CLOCK_MODE.hres)],
    [clk(ctx, 1, "resNsec"), 4, 1n],
    [clk(ctx, 5, "sec"), 8, 1_699_999_999n],
    [clk(ctx, 5, "nsec"), 8, 4_000_000n],
    [clk(ctx, 5, "mode"), 4, BigInt(CLOCK_MODE.coarse)],
    [clk(ctx, 5, "resNsec"), 4, 4_000_000n],
  ];
}

const TS = 0n;
const TZ = 0x100n;

/** Script a kernel that answers by syscall name. */
function kernel(answers: Record<string, bigint | ((args: readonly bigint[], mem: IrMemory, ctx: CaseCtx) => bigint)>): KernelFn {
  return (nr, args, mem, ctx) => {
    for (const [name, a] of Object.entries(answers)) {
      let n: number;
      try {
        n = syscallNr(ctx.arch, name);
      } catch {
        continue;
      }
      if (n === nr) return typeof a === "bigint" ? a : a(args, mem, ctx);
    }
    return ENOSYS;
  };
}

/** A stat buffer the fake kernel writes: dev, ino, uid 1000, gid 1000. */
function fakeStat(dev: bigint, ino: bigint) {
  return (bufArg: number) => (args: readonly bigint[], mem: IrMemory, ctx: CaseCtx): bigint => {
    const st = abiFor(ctx.arch).stat;
    const b = args[bufArg]!;
    mem.write(b + BigInt(st.dev), 8, dev);
    mem.write(b + BigInt(st.ino), 8, ino);
    mem.write(b + BigInt(st.uid), 4, 1000n);
    mem.write(b + BigInt(st.gid), 4, 1000n);
    return 0n;
  };
}

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  // ---------------------------------------------------------------- personality
  {
    title: "personality(0xffffffff) queries without changing",
    handler: "personality",
    args: () => [0xffffffffn],
    init: (c) => [[T(c, TASK_PAGE.personality), 4, 0x0040000n]],
    ret: () => 0x0040000n,
    mem: (c) => [[T(c, TASK_PAGE.personality), 4, 0x0040000n]],
  },
  {
    title: "personality(x) sets and returns the old value; upper 32 bits of the argument are ignored",
    handler: "personality",
    args: () => [0xdead_0000_0000_0008n],
    init: (c) => [[T(c, TASK_PAGE.personality), 4, 3n]],
    ret: () => 3n,
    mem: (c) => [[T(c, TASK_PAGE.personality), 4, 8n]],
  },
  // ---------------------------------------------------------------- robust list
  {
    title: "set_robust_list stores head and len",
    handler: "set_robust_list",
    args: (c) => [c.buf + 0x40n, 24n],
    ret: () => 0n,
    mem: (c) => [[T(c, TASK_PAGE.robustHead), 8, c.buf + 0x40n], [T(c, TASK_PAGE.robustLen), 8, 24n]],
  },
  {
    title: "set_robust_list with a wrong len is EINVAL and changes nothing",
    handler: "set_robust_list",
    args: (c) => [c.buf, 16n],
    init: (c) => [[T(c, TASK_PAGE.robustHead), 8, 0x1234n]],
    ret: () => err("EINVAL"),
    mem: (c) => [[T(c, TASK_PAGE.robustHead), 8, 0x1234n]],
  },
  {
    title: "get_robust_list(0) answers from the per-task page",
    handler: "get_robust_list",
    args: (c) => [0n, c.buf, c.buf + 8n],
    init: (c) => [[T(c, TASK_PAGE.robustHead), 8, 0xabcdef00n], [T(c, TASK_PAGE.tid), 4, 77n]],
    ret: () => 0n,
    mem: (c) => [[c.buf, 8, 0xabcdef00n], [c.buf + 8n, 8, 24n]],
  },
  {
    title: "get_robust_list(own tid) answers from the per-task page",
    handler: "get_robust_list",
    args: (c) => [77n, c.buf, c.buf + 8n],
    init: (c) => [[T(c, TASK_PAGE.robustHead), 8, 0x5550n], [T(c, TASK_PAGE.tid), 4, 77n]],
    ret: () => 0n,
    mem: (c) => [[c.buf, 8, 0x5550n], [c.buf + 8n, 8, 24n]],
  },
  {
    title: "get_robust_list(other pid) passes through",
    handler: "get_robust_list",
    args: (c) => [78n, c.buf, c.buf + 8n],
    init: (c) => [[T(c, TASK_PAGE.tid), 4, 77n]],
    kernel: kernel({ get_robust_list: err("EPERM") }),
    ret: () => err("EPERM"),
    syscalls: (c) => [["get_robust_list", [78n, c.buf, c.buf + 8n]]],
  },
  // ---------------------------------------------------------------- umask, ids
  {
    title: "umask masks to 0777 and returns the old mask",
    handler: "umask",
    args: () => [0o7777n],
    init: (c) => [[F(c, FS_PAGE.umask), 4, 0o022n]],
    ret: () => 0o022n,
    mem: (c) => [[F(c, FS_PAGE.umask), 4, 0o777n]],
  },
  {
    title: "getpid reads the per-task page",
    handler: "getpid",
    args: () => [],
    init: (c) => [[T(c, TASK_PAGE.pid), 4, 4242n], [T(c, TASK_PAGE.tid), 4, 4243n]],
    ret: () => 4242n,
  },
  {
    title: "gettid reads the per-task page",
    handler: "gettid",
    args: () => [],
    init: (c) => [[T(c, TASK_PAGE.pid), 4, 4242n], [T(c, TASK_PAGE.tid), 4, 4243n]],
    ret: () => 4243n,
  },
  {
    title: "getcpu fills cpu and node; NULL cache ignored",
    handler: "getcpu",
    arches: ["x86_64"],
    args: (c) => [c.buf, c.buf + 4n, 0n],
    init: (c) => [[T(c, TASK_PAGE.cpu), 4, 3n], [T(c, TASK_PAGE.node), 4, 1n], [c.buf, 8, u(-1)]],
    ret: () => 0n,
    mem: (c) => [[c.buf, 4, 3n], [c.buf + 4n, 4, 1n]],
  },
  {
    title: "getcpu with NULL cpu writes only node",
    handler: "getcpu",
    arches: ["x86_64"],
    args: (c) => [0n, c.buf + 4n, 0n],
    init: (c) => [[T(c, TASK_PAGE.cpu), 4, 3n], [T(c, TASK_PAGE.node), 4, 1n]],
    ret: () => 0n,
    mem: (c) => [[c.buf + 4n, 4, 1n]],
  },
  // ---------------------------------------------------------------- uname
  {
    title: "uname fills struct new_utsname (390 bytes) and nothing after it",
    handler: "uname",
    args: (c) => [c.buf],
    init: (c) => [
      ...Array.from({ length: 49 }, (_, k): MemWrite => [c.pages.uts + BigInt(8 * k), 8, 0x0101010101010101n * BigInt(k + 1)]),
      [c.buf + 390n, 8, 0x7777777777777777n],
    ],
    ret: () => 0n,
    mem: (c) => [
      [c.buf, 8, 0x0101010101010101n],
      [c.buf + 376n, 8, 0x0101010101010101n * 48n],
      [c.buf + 384n, 4, 0x31313131n],
      [c.buf + 388n, 2, 0x3131n],
      [c.buf + 390n, 8, 0x7777777777777777n],
    ],
  },
  {
    title: "uname@LIBKERNEL_1 fills struct old_utsname (325 bytes) only",
    handler: "uname",
    version: "LIBKERNEL_1",
    args: (c) => [c.buf],
    init: (c) => [
      ...Array.from({ length: 49 }, (_, k): MemWrite => [c.pages.uts + BigInt(8 * k), 8, 0x0202020202020202n]),
      [c.buf + 320n, 8, 0x7777777777777777n],
    ],
    ret: () => 0n,
    mem: (c) => [[c.buf + 312n, 8, 0x0202020202020202n], [c.buf + 320n, 8, 0x7777770202020202n]],
  },
  // ---------------------------------------------------------------- clocks
  {
    title: "clock_gettime(MONOTONIC) = base + (counter − cycleLast) × mult >> shift",
    handler: "clock_gettime",
    args: (c) => [1n, c.buf + TS],
    init: (c) => vvarInit(c),
    counter: () => 1000n + 10n,
    ret: () => 0n,
    mem: (c) => [[c.buf + TS, 8, 5000n], [c.buf + TS + 8n, 8, 100n + 160n]],
  },
  {
    title: "clock_gettime(REALTIME) carries nanoseconds into seconds",
    handler: "clock_gettime",
    args: (c) => [0n, c.buf + TS],
    init: (c) => vvarInit(c),
    counter: () => 1000n + 125_000_000n, // 2 s worth of 16 ns ticks
    ret: () => 0n,
    mem: (c) => [[c.buf + TS, 8, 1_700_000_002n], [c.buf + TS + 8n, 8, 999_999_000n]],
  },
  {
    title: "clock_gettime(REALTIME_COARSE) reads the base without the counter",
    handler: "clock_gettime",
    args: (c) => [5n, c.buf + TS],
    init: (c) => vvarInit(c),
    counter: () => 99_999_999n,
    ret: () => 0n,
    mem: (c) => [[c.buf + TS, 8, 1_699_999_999n], [c.buf + TS + 8n, 8, 4_000_000n]],
  },
  {
    title: "clock_gettime retries when the seqlock changed during the read",
    handler: "clock_gettime",
    args: (c) => [1n, c.buf + TS],
    init: (c) => vvarInit(c, { seq: 44 }),
    counter: (n, mem, c) => {
      // A kernel update lands between the handler's reads: seq moves on and the base changes.
      // The first result must be thrown away and the read redone.
      if (n === 0) {
        mem.write(V(c, VVAR_PAGE.seq), 4, 46n);
        mem.write(clk(c, 1, "sec"), 8, 6000n);
      }
      return 1000n;
    },
    ret: () => 0n,
    mem: (c) => [[c.buf + TS, 8, 6000n], [c.buf + TS + 8n, 8, 100n]],
  },
  {
    title: "clock_gettime of a clock without a vvar mode falls back to the syscall",
    handler: "clock_gettime",
    args: (c) => [2n, c.buf + TS],
    init: (c) => vvarInit(c),
    kernel: kernel({ clock_gettime: 0n }),
    ret: () => 0n,
    syscalls: (c) => [["clock_gettime", [2n, c.buf + TS]]],
  },
  {
    title: "clock_gettime of a negative (CPU-time) clock id falls back",
    handler: "clock_gettime",
    args: (c) => [u(-6), c.buf + TS],
    init: (c) => vvarInit(c),
    kernel: kernel({ clock_gettime: err("EINVAL") }),
    ret: () => err("EINVAL"),
    syscalls: (c) => [["clock_gettime", [u(-6), c.buf + TS]]],
  },
  {
    title: "clock_getres reports the record's resolution",
    handler: "clock_getres",
    args: (c) => [5n, c.buf + TS],
    init: (c) => [...vvarInit(c), [c.buf + TS, 8, u(-1)]],
    ret: () => 0n,
    mem: (c) => [[c.buf + TS, 8, 0n], [c.buf + TS + 8n, 8, 4_000_000n]],
  },
  {
    title: "clock_getres with NULL res succeeds",
    handler: "clock_getres",
    args: () => [1n, 0n],
    init: (c) => vvarInit(c),
    ret: () => 0n,
  },
  {
    title: "gettimeofday converts to microseconds and fills the timezone",
    handler: "gettimeofday",
    args: (c) => [c.buf + TS, c.buf + TZ],
    init: (c) => vvarInit(c),
    counter: () => 1000n + 62_500n, // +1 ms
    ret: () => 0n,
    mem: (c) => [
      [c.buf + TS, 8, 1_700_000_001n], [c.buf + TS + 8n, 8, 999n],
      [c.buf + TZ, 4, 0xffffffc4n], [c.buf + TZ + 4n, 4, 1n],
    ],
  },
  {
    title: "gettimeofday(NULL, tz) fills only the timezone",
    handler: "gettimeofday",
    args: (c) => [0n, c.buf + TZ],
    init: (c) => vvarInit(c),
    ret: () => 0n,
    mem: (c) => [[c.buf + TZ, 4, 0xffffffc4n]],
  },
  {
    title: "gettimeofday falls back when REALTIME has no vvar mode",
    handler: "gettimeofday",
    args: (c) => [c.buf + TS, 0n],
    init: (c) => vvarInit(c, { realtimeMode: CLOCK_MODE.syscall }),
    kernel: kernel({ gettimeofday: 0n }),
    ret: () => 0n,
    syscalls: (c) => [["gettimeofday", [c.buf + TS, 0n]]],
  },
  {
    title: "time returns REALTIME seconds and stores them",
    handler: "time",
    arches: ["x86_64"],
    args: (c) => [c.buf],
    init: (c) => vvarInit(c),
    ret: () => 1_700_000_000n,
    mem: (c) => [[c.buf, 8, 1_700_000_000n]],
  },
  {
    title: "time falls back to clock_gettime(REALTIME), its successor",
    handler: "time",
    arches: ["x86_64"],
    args: () => [0n],
    init: (c) => vvarInit(c, { realtimeMode: CLOCK_MODE.syscall }),
    kernel: kernel({
      clock_gettime: (a, mem) => {
        mem.write(a[1]!, 8, 123n);
        mem.write(a[1]! + 8n, 8, 0n);
        return 0n;
      },
    }),
    ret: () => 123n,
    syscalls: () => [["clock_gettime", [0n]]],
  },
  // ---------------------------------------------------------------- x86-64 rewrites
  ...(
    [
      ["open", [0x1000n, 0x42n, 0o644n], "openat", [u(K.AT_FDCWD), 0x1000n, 0x42n, 0o644n]],
      ["creat", [0x1000n, 0o600n], "openat", [u(K.AT_FDCWD), 0x1000n, 0x241n, 0o600n]],
      ["stat", [0x1000n, 0x2000n], "newfstatat", [u(K.AT_FDCWD), 0x1000n, 0x2000n, 0n]],
      ["lstat", [0x1000n, 0x2000n], "newfstatat", [u(K.AT_FDCWD), 0x1000n, 0x2000n, 0x100n]],
      ["access", [0x1000n, 4n], "faccessat", [u(K.AT_FDCWD), 0x1000n, 4n]],
      ["pipe", [0x1000n], "pipe2", [0x1000n, 0n]],
      ["mkdir", [0x1000n, 0o755n], "mkdirat", [u(K.AT_FDCWD), 0x1000n, 0o755n]],
      ["rmdir", [0x1000n], "unlinkat", [u(K.AT_FDCWD), 0x1000n, 0x200n]],
      ["unlink", [0x1000n], "unlinkat", [u(K.AT_FDCWD), 0x1000n, 0n]],
      ["rename", [0x1000n, 0x2000n], "renameat2", [u(K.AT_FDCWD), 0x1000n, u(K.AT_FDCWD), 0x2000n, 0n]],
      ["readlink", [0x1000n, 0x2000n, 64n], "readlinkat", [u(K.AT_FDCWD), 0x1000n, 0x2000n, 64n]],
      ["getpgrp", [], "getpgid", [0n]],
      ["fork", [], "clone", [17n, 0n, 0n, 0n, 0n]],
    ] as const
  ).map(([name, args, succ, sargs]): ConformanceCase => ({
    title: `${name} is rewritten onto ${succ}`,
    handler: name,
    arches: ["x86_64"],
    args: () => args,
    kernel: kernel({ [succ]: 7n }),
    ret: () => 7n,
    syscalls: () => [[succ, sargs]],
  })),
  {
    title: "dup2 with different fds is dup3(old, new, 0)",
    handler: "dup2",
    arches: ["x86_64"],
    args: () => [3n, 10n],
    kernel: kernel({ dup3: 10n }),
    ret: () => 10n,
    syscalls: () => [["dup3", [3n, 10n, 0n]]],
  },
  {
    title: "dup2(fd, fd) on an open fd returns fd (dup3 would say EINVAL)",
    handler: "dup2",
    arches: ["x86_64"],
    args: () => [5n, 5n],
    kernel: kernel({ fcntl: 1n }),
    ret: () => 5n,
    syscalls: () => [["fcntl", [5n, 1n]]],
  },
  {
    title: "dup2(fd, fd) on a closed fd is EBADF",
    handler: "dup2",
    arches: ["x86_64"],
    args: () => [9n, 9n],
    kernel: kernel({ fcntl: err("EBADF") }),
    ret: () => err("EBADF"),
    syscalls: () => [["fcntl", [9n, 1n]]],
  },
  // ---------------------------------------------------------------- ABI personality (LIBKERNEL_2)
  {
    title: "__kernel_abi_personality sets the task's ABI bits and returns the old ones; 0xffffffff queries",
    handler: "abi_personality",
    version: "LIBKERNEL_2",
    args: () => [1n],
    init: (c) => [[T(c, TASK_PAGE.abiPersonality), 4, 0n]],
    ret: () => 0n,
    mem: (c) => [[T(c, TASK_PAGE.abiPersonality), 4, 1n]],
  },
  {
    title: "switchable fakeroot, bit clear: getuid is the real syscall",
    handler: "getuid",
    switchable: ["fakeroot"],
    args: () => [],
    kernel: kernel({ getuid: 1000n }),
    ret: () => 1000n,
    syscalls: () => [["getuid", []]],
  },
  {
    title: "switchable fakeroot, bit set: getuid is 0 without a kernel entry",
    handler: "getuid",
    switchable: ["fakeroot"],
    args: () => [],
    init: (c) => [[T(c, TASK_PAGE.abiPersonality), 4, BigInt(ABI_PERSONALITY.fakeroot)]],
    kernel: kernel({ getuid: 1000n }),
    ret: () => 0n,
  },
  {
    title: "switchable fakeroot, bit clear: fstat reports the real owner",
    handler: "fstat",
    switchable: ["fakeroot"],
    args: (c) => [4n, c.buf],
    kernel: kernel({ fstat: fakeStat(1n, 2n)(1) }),
    ret: () => 0n,
    mem: (c) => [[c.buf + BigInt(abiFor(c.arch).stat.uid), 4, 1000n]],
    syscalls: (c) => [["fstat", [4n, c.buf]]],
  },
  {
    title: "switchable fakeroot, bit set: fstat reports root",
    handler: "fstat",
    switchable: ["fakeroot"],
    args: (c) => [4n, c.buf],
    init: (c) => [[T(c, TASK_PAGE.abiPersonality), 4, BigInt(ABI_PERSONALITY.fakeroot)]],
    kernel: kernel({ fstat: fakeStat(1n, 2n)(1) }),
    ret: () => 0n,
    mem: (c) => [[c.buf + BigInt(abiFor(c.arch).stat.uid), 4, 0n]],
    syscalls: (c) => [["fstat", [4n, c.buf]]],
  },
  {
    title: "switchable fakeroot on x86-64, bit clear: stat keeps its rewrite onto newfstatat",
    handler: "stat",
    arches: ["x86_64"],
    switchable: ["fakeroot"],
    args: (c) => [c.buf, c.buf + 0x100n],
    kernel: kernel({ newfstatat: fakeStat(1n, 2n)(2) }),
    ret: () => 0n,
    mem: (c) => [[c.buf + 0x100n + 28n, 4, 1000n]],
    syscalls: (c) => [["newfstatat", [u(K.AT_FDCWD), c.buf, c.buf + 0x100n, 0n]]],
  },
  // ---------------------------------------------------------------- fakeroot
  {
    title: "fakeroot: getuid is 0",
    handler: "getuid",
    personalities: ["fakeroot"],
    args: () => [],
    ret: () => 0n,
  },
  {
    title: "fakeroot: getresgid writes three zeros",
    handler: "getresgid",
    personalities: ["fakeroot"],
    args: (c) => [c.buf, c.buf + 4n, c.buf + 8n],
    init: (c) => [[c.buf, 8, u(-1)], [c.buf + 8n, 4, 5n]],
    ret: () => 0n,
    mem: (c) => [[c.buf, 8, 0n], [c.buf + 8n, 4, 0n]],
  },
  {
    title: "fakeroot: fchownat records uid/gid by (dev, ino)",
    handler: "fchownat",
    personalities: ["fakeroot"],
    args: (c) => [u(K.AT_FDCWD), c.buf, 1234n, 5678n, u(K.AT_SYMLINK_NOFOLLOW | 0x4000n)],
    kernel: kernel({ newfstatat: fakeStat(0x801n, 99n)(2) }),
    ret: () => 0n,
    mem: (c) => [
      [F(c, FS_PAGE.fakerootCount), 4, 1n],
      [F(c, FS_PAGE.fakerootTable), 8, 0x801n],
      [F(c, FS_PAGE.fakerootTable + 8), 8, 99n],
      [F(c, FS_PAGE.fakerootTable + 16), 4, 1234n],
      [F(c, FS_PAGE.fakerootTable + 20), 4, 5678n],
    ],
    // Only the two lookup flags reach newfstatat.
    syscalls: (c) => [["newfstatat", [u(K.AT_FDCWD), c.buf]]],
  },
  {
    title: "fakeroot: fchown with uid −1 keeps the recorded uid, updates gid",
    handler: "fchown",
    personalities: ["fakeroot"],
    args: () => [3n, 0xffffffffn, 50n],
    init: (c) => [
      [F(c, FS_PAGE.fakerootCount), 4, 2n],
      [F(c, FS_PAGE.fakerootTable + 24), 8, 0x801n],
      [F(c, FS_PAGE.fakerootTable + 32), 8, 99n],
      [F(c, FS_PAGE.fakerootTable + 40), 4, 1234n],
      [F(c, FS_PAGE.fakerootTable + 44), 4, 5678n],
    ],
    kernel: kernel({ fstat: fakeStat(0x801n, 99n)(1) }),
    ret: () => 0n,
    syscalls: () => [["fstat", [3n]]],
    mem: (c) => [
      [F(c, FS_PAGE.fakerootCount), 4, 2n],
      [F(c, FS_PAGE.fakerootTable + 40), 4, 1234n],
      [F(c, FS_PAGE.fakerootTable + 44), 4, 50n],
    ],
  },
  {
    title: "fakeroot: chown of a missing file fails like the real lookup",
    handler: "fchownat",
    personalities: ["fakeroot"],
    args: (c) => [u(K.AT_FDCWD), c.buf, 0n, 0n, 0n],
    kernel: kernel({ newfstatat: err("ENOENT") }),
    ret: () => err("ENOENT"),
    syscalls: (c) => [["newfstatat", [u(K.AT_FDCWD), c.buf]]],
    mem: (c) => [[F(c, FS_PAGE.fakerootCount), 4, 0n]],
  },
  {
    title: "fakeroot: a full table recycles slots round robin",
    handler: "fchown",
    personalities: ["fakeroot"],
    args: () => [3n, 1n, 2n],
    init: (c) => [[F(c, FS_PAGE.fakerootCount), 4, BigInt(FS_PAGE.fakerootCapacity)], [F(c, FS_PAGE.fakerootNext), 4, BigInt(FS_PAGE.fakerootCapacity - 1)]],
    kernel: kernel({ fstat: fakeStat(7n, 8n)(1) }),
    ret: () => 0n,
    syscalls: () => [["fstat", [3n]]],
    mem: (c) => {
      const last = FS_PAGE.fakerootTable + (FS_PAGE.fakerootCapacity - 1) * FS_PAGE.fakerootEntrySize;
      return [
        [F(c, FS_PAGE.fakerootNext), 4, 0n],
        [F(c, last), 8, 7n], [F(c, last + 8), 8, 8n], [F(c, last + 16), 4, 1n], [F(c, last + 20), 4, 2n],
      ];
    },
  },
  {
    title: "fakeroot: newfstatat reports the recorded owner",
    handler: "newfstatat",
    personalities: ["fakeroot"],
    args: (c) => [u(K.AT_FDCWD), c.buf, c.buf + 0x100n, 0n],
    init: (c) => [
      [F(c, FS_PAGE.fakerootCount), 4, 1n],
      [F(c, FS_PAGE.fakerootTable), 8, 0x801n],
      [F(c, FS_PAGE.fakerootTable + 8), 8, 99n],
      [F(c, FS_PAGE.fakerootTable + 16), 4, 1234n],
      [F(c, FS_PAGE.fakerootTable + 20), 4, 5678n],
    ],
    kernel: kernel({ newfstatat: fakeStat(0x801n, 99n)(2) }),
    ret: () => 0n,
    mem: (c) => {
      const st = abiFor(c.arch).stat;
      return [[c.buf + 0x100n + BigInt(st.uid), 4, 1234n], [c.buf + 0x100n + BigInt(st.gid), 4, 5678n]];
    },
    syscalls: (c) => [["newfstatat", [u(K.AT_FDCWD), c.buf, c.buf + 0x100n, 0n]]],
  },
  {
    title: "fakeroot: statx re-encodes major/minor as st_dev and reports the recorded owner",
    handler: "statx",
    personalities: ["fakeroot"],
    args: (c) => [u(K.AT_FDCWD), c.buf, 0n, 0xfffn, c.buf + 0x100n],
    init: (c) => [
      [F(c, FS_PAGE.fakerootCount), 4, 1n],
      [F(c, FS_PAGE.fakerootTable), 8, 0x1231_0345n], // new_encode_dev(MKDEV(0x103, 0x12345))
      [F(c, FS_PAGE.fakerootTable + 8), 8, 99n],
      [F(c, FS_PAGE.fakerootTable + 16), 4, 1234n],
      [F(c, FS_PAGE.fakerootTable + 20), 4, 5678n],
    ],
    kernel: kernel({
      statx: (a, mem, ctx) => {
        const sx = abiFor(ctx.arch).statx;
        mem.write(a[4]! + BigInt(sx.devMajor), 4, 0x103n);
        mem.write(a[4]! + BigInt(sx.devMinor), 4, 0x12345n);
        mem.write(a[4]! + BigInt(sx.ino), 8, 99n);
        mem.write(a[4]! + BigInt(sx.uid), 4, 1000n);
        mem.write(a[4]! + BigInt(sx.gid), 4, 1000n);
        return 0n;
      },
    }),
    ret: () => 0n,
    mem: (c) => {
      const sx = abiFor(c.arch).statx;
      return [[c.buf + 0x100n + BigInt(sx.uid), 4, 1234n], [c.buf + 0x100n + BigInt(sx.gid), 4, 5678n]];
    },
    syscalls: (c) => [["statx", [u(K.AT_FDCWD), c.buf, 0n, 0xfffn, c.buf + 0x100n]]],
  },
  {
    title: "fakeroot: fstat of an unrecorded file reports root:root",
    handler: "fstat",
    personalities: ["fakeroot"],
    args: (c) => [4n, c.buf],
    kernel: kernel({ fstat: fakeStat(1n, 2n)(1) }),
    ret: () => 0n,
    syscalls: (c) => [["fstat", [4n, c.buf]]],
    mem: (c) => {
      const st = abiFor(c.arch).stat;
      return [[c.buf + BigInt(st.uid), 4, 0n], [c.buf + BigInt(st.gid), 4, 0n], [c.buf + BigInt(st.ino), 8, 2n]];
    },
  },
  {
    title: "fakeroot: x86-64 stat is newfstatat plus the owner patch",
    handler: "stat",
    arches: ["x86_64"],
    personalities: ["fakeroot"],
    args: (c) => [c.buf, c.buf + 0x100n],
    kernel: kernel({ newfstatat: fakeStat(1n, 2n)(2) }),
    ret: () => 0n,
    mem: (c) => [[c.buf + 0x100n + 28n, 4, 0n]],
    syscalls: (c) => [["newfstatat", [u(K.AT_FDCWD), c.buf, c.buf + 0x100n, 0n]]],
  },
  {
    title: "fakeroot: a failing stat is returned untouched",
    handler: "fstat",
    personalities: ["fakeroot"],
    args: (c) => [40n, c.buf],
    init: (c) => [[c.buf + 24n, 8, 0x5555555555555555n]],
    kernel: kernel({ fstat: err("EBADF") }),
    ret: () => err("EBADF"),
    syscalls: (c) => [["fstat", [40n, c.buf]]],
    mem: (c) => [[c.buf + 24n, 8, 0x5555555555555555n]],
  },
];

/** The vectors that apply to an ISA. */
export function conformanceCases(arch: Arch): readonly ConformanceCase[] {
  return CONFORMANCE_CASES.filter((c) => !c.arches || c.arches.includes(arch));
}

/** The handler a vector exercises, from the ISA's policy (with the vector's personalities). */
export function caseHandler(arch: Arch, c: ConformanceCase): Handler {
  if (c.version) {
    const x = versionedExtras(arch).find((e) => e.name === c.handler && e.version === c.version);
    if (!x) throw new Error(`no ${c.handler}@${c.version} on ${arch}`);
    return x.handler;
  }
  const policy = dispatchPolicy(arch, { personalities: c.personalities ?? [], switchable: c.switchable ?? [] });
  const e = policy.entries.find((p) => p.name === c.handler);
  if (!e?.handler) throw new Error(`${arch} policy has no handler for ${c.handler}`);
  return e.handler;
}

export interface SyscallRecord {
  readonly nr: number;
  readonly args: readonly bigint[];
}

/** Compare an execution against a vector; returns human-readable mismatches (empty = pass). */
export function caseMismatches(c: ConformanceCase, ctx: CaseCtx, mem: IrMemory, ret: bigint, trace: readonly SyscallRecord[]): string[] {
  const out: string[] = [];
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  const want = u(c.ret(ctx));
  if (u(ret) !== want) out.push(`ret ${hex(u(ret))}, want ${hex(want)}`);
  for (const [addr, size, value] of c.mem?.(ctx) ?? []) {
    const got = mem.read(addr, size);
    const w = BigInt.asUintN(size * 8, value);
    if (got !== w) out.push(`mem[${hex(addr)}:${size}] = ${hex(got)}, want ${hex(w)}`);
  }
  const calls = c.syscalls?.(ctx) ?? [];
  if (calls.length !== trace.length) out.push(`${trace.length} syscalls (${trace.map((t) => t.nr).join(",")}), want ${calls.length}`);
  calls.forEach(([name, args], k) => {
    const t = trace[k];
    if (!t) return;
    const nr = syscallNr(ctx.arch, name);
    if (t.nr !== nr) out.push(`syscall ${k}: nr ${t.nr}, want ${nr} (${name})`);
    args.forEach((a, j) => {
      if (u(t.args[j] ?? 0n) !== u(a)) out.push(`syscall ${k} (${name}) arg ${j}: ${hex(u(t.args[j] ?? 0n))}, want ${hex(u(a))}`);
    });
  });
  return out;
}
