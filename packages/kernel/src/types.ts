/**
 * The kernel's public option and result types, in a module of their own so that every part of the kernel can
 * name them without importing the `Kernel` class.
 */
import type { Arch } from "@uabi/isa-core";
import type { CostCounters } from "./cost/index.js";
import type { FrameVariant, MechanismMode, PtraceSupervisor } from "./mechanisms/modes.js";
import type { HostFs } from "./vfs.js";

export type Mode = MechanismMode;

export interface KernelOptions {
  /** Syscall mechanism for every process (src/mechanisms): direct (default), bounce, selective, seccomp, sud, ptrace. */
  mode?: Mode;
  /** Where the bounce frame goes: below the user stack (default) or in the per-task page. */
  frame?: FrameVariant;
  /** libkernel as the vDSO (default), or the standalone libkernel.so.1 mapped like a library (non-direct modes). */
  libkernel?: "vdso" | "library";
  /** ABI personality of the generated vDSO: "linux" (default) or "fakeroot". */
  personality?: "linux" | "fakeroot";
  /** ptrace mode: the supervisor's emulation hook (return a result to emulate; undefined runs the kernel's table). */
  supervisor?: PtraceSupervisor;
  /** A PTRACE_SYSCALL-style tracer in any non-ptrace mode: sees every entry stop, before seccomp and the bounce. */
  ptraceTracer?: PtraceSupervisor;
  /** The talk's extended seccomp_data (vDSO bounds at 64..79) for the seccomp mechanism's filter. */
  extendedSeccompData?: boolean;
  /** Pin the vDSO's syscall sites: a jump into a vDSO syscall instruction with another number is killed (SIGSYS). */
  pinSyscalls?: boolean;
  /**
   * Guest stdout/stderr bytes go here (default: discarded). A sink may return a negative errno, -32 (EPIPE) when
   * the host's reader has gone: the guest's write fails and SIGPIPE is raised, as on a pipe whose reader closed
   * (any other return value means the bytes were taken). A sink that blocks until the host takes the bytes gives
   * back-pressure.
   */
  stdout?: (data: Uint8Array) => unknown;
  stderr?: (data: Uint8Array) => unknown;
  /** Guest stdin: fixed bytes, or a pull function returning null at EOF. */
  stdin?: Uint8Array | (() => Uint8Array | null);
  /**
   * The root filesystem: a HostFs, read-only (writes go to an in-memory overlay). On Node.js a host directory is
   * `new NodeHostFs(dir)` from `@uabi/kernel/node`; the main entry point imports nothing from Node.
   */
  root?: HostFs;
  /** Total instruction budget over all threads (default 20 billion). */
  maxInstructions?: number;
  /** Maximum mapped bytes per process (default 1 GiB). */
  memLimit?: number;
  /** Maximum mapped bytes over all processes together (default 4 GiB, at least memLimit): fork answers ENOMEM beyond it. */
  memBudget?: number;
  /** Bytes of file data the guest may write into the in-memory filesystem (/tmp, /dev/shm, the overlay; default 1 GiB): ENOSPC beyond. */
  tmpfsSize?: number;
  /** Maximum tasks at once, threads and unreaped processes (default 512, like a small RLIMIT_NPROC): fork/clone answer EAGAIN. */
  maxTasks?: number;
  /** "virtual" (default): time derives from retired instructions; "real": host clocks. */
  clock?: "virtual" | "real";
  /** Virtual nanoseconds per retired instruction (default 1). */
  nsPerInstruction?: number;
  /** strace-format lines. */
  trace?: (line: string) => void;
  /** Seed for /dev/urandom, getrandom and AT_RANDOM (default 0). */
  seed?: number;
  /**
   * The CPU cores' execution tier: "jit" (default) translates hot guest code into JavaScript; "interp" runs the
   * interpreter only (the reference). Everything the cost model counts is the same either way.
   */
  core?: "jit" | "interp";
  /** Instructions per scheduling quantum (default 2 000 000: about a CFS slice of virtual time). */
  quantum?: number;
  /** Called once per unknown syscall number. */
  onMissingSyscall?: (arch: Arch, nr: number, name: string | undefined) => void;
  /**
   * The vDSO mapped into every process (AT_SYSINFO_EHDR): `true` (default) builds @uabi/vdso's image per ISA;
   * `false` maps only a one-page signal-return trampoline and no AT_SYSINFO_EHDR (what qemu-user does);
   * or give images per ISA.
   */
  vdso?: boolean | Partial<Record<Arch, VdsoImage>>;
  /**
   * Credentials of the first process (real = effective = saved = fs id). Default 0/0, with /etc/passwd and
   * /etc/group naming root (in the in-memory filesystem, unless the root filesystem has its own): a program
   * started from a root shell, as the recorded native oracles were.
   */
  uid?: number;
  gid?: number;
  /** Report stdin/stdout/stderr as a terminal (TCGETS succeeds). Default false: they are pipes. */
  tty?: boolean;
}

/** What the kernel needs from a generated vDSO (a subset of @uabi/vdso's VdsoImage). */
export interface VdsoImage {
  readonly bytes: Uint8Array;
  readonly mapSize: number;
  readonly textStart: number;
  readonly textEnd: number;
  readonly entries: { readonly bounce: number; readonly sigsys: number; readonly sigreturn: number };
  /** Data pages below the image: vvar and uts offsets from the load base (negative), and their count. */
  readonly pages: { readonly vvar: number; readonly uts: number; readonly count: number };
}

export interface SpawnOptions {
  argv?: readonly string[];
  env?: readonly string[];
  cwd?: string;
  /** Path the executable appears at (/proc/self/exe, AT_EXECFN). Default "/bin/<argv0 basename>". */
  path?: string;
}

export interface RunStats {
  instructions: number;
  syscalls: number;
  syscallsByName: Record<string, number>;
  kernelEntries: number;
  exceptions: number;
  signalsDelivered: number;
  sigreturns: number;
  /** Stack bytes consumed by each signal frame, in delivery order. */
  signalFrameBytes: number[];
  contextSwitches: number;
  missingSyscalls: string[];
  virtualTimeNs: bigint;
  /** The root process's cost counters (src/cost), for the cost model's predictions. */
  cost: CostCounters;
}

export interface RunResult {
  /** Exit status as a shell reports it: the code, or 128+n when killed by signal n. */
  exitStatus: number;
  signal?: number;
  /** "exit": exited normally; "signal": killed; "budget": instruction budget exhausted; "deadlock": every thread blocked forever. */
  reason: "exit" | "signal" | "budget" | "deadlock";
  stats: RunStats;
}

