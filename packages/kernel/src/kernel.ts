/**
 * The kernel model: boots processes from static ELF images and runs them
 * with direct syscalls, deterministically, on a round-robin scheduler.
 *
 * Run loop: pick the next runnable thread, run its CPU for a quantum, handle
 * the trap (syscall entry front end, or a fault turned into a signal), then
 * do the exit work (signal delivery) before the thread returns to user mode.
 *
 * The syscall entry front end is an ordered list of stages, as Linux orders
 * them (SUD → ptrace entry stop → seccomp → bounce decision → table dispatch
 * → exit work). Direct mode is just "table dispatch" plus "exit work"; the
 * other mechanisms insert stages in front of dispatch (`entryStages`).
 */
import { GuestMemoryFault, PAGE_SIZE, type Arch, type Cpu, type Trap } from "@uabi/isa-core";
import { arm64Adapter } from "./arch/arm64.js";
import type { ArchAdapter } from "./arch/types.js";
import { x86Adapter } from "./arch/x86_64.js";
import { ExecError, KernelUsageError, SyscallError } from "./errors.js";
import { EAGAIN, EFAULT, EINTR, ENOSYS, ESRCH } from "./errno.js";
import { AT, buildInitialStack, loadElf, parseElfForExec } from "./exec.js";
import { FdTable, OpenFile, O_RDONLY, O_WRONLY } from "./fd.js";
import { AddressSpace } from "./mm.js";
import {
  SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGTRAP,
  SI_KERNEL, SEGV_ACCERR, SEGV_MAPERR, BUS_ADRALN, ILL_ILLOPC, FPE_INTDIV, TRAP_BRKPT, SYNCHRONOUS_MASK, UNBLOCKABLE,
  SS_AUTODISARM, defaultAction, encodeSigInfo, onAltStack, sasFlags, sigbit, type SigInfo, CLD_EXITED, CLD_KILLED, CLD_DUMPED,
} from "./signal.js";
import { buildTable, NO_RETURN, SyscallContext, type SyscallRow } from "./syscall.js";
import { HANDLERS } from "./syscalls/index.js";
import { Process, Thread, type Wait } from "./task.js";
import { Tracer } from "./trace.js";
import { CharDevNode, DirNode, FileNode, GeneratedNode, SymlinkNode, Vfs, S_IFIFO, type CharDevice, type HostFs } from "./vfs.js";
import { NodeHostFs } from "./hostfs.js";
import { Rng } from "./rng.js";
import { zeroCounters, type CostCounters } from "./cost/index.js";
import { buildVdso } from "@uabi/vdso";
import { VVAR_PAGE, VVAR_NCLOCKS, CLOCK_MODE, TASK_PAGE, FS_PAGE, UTS_PAGE } from "@uabi/libkernel";
import { MechanismHost, MECHANISM_MODES, FRAME_VARIANTS, type MechanismMode, type FrameVariant, type PtraceSupervisor } from "./mechanisms/host.js";

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
  /** A PTRACE_SYSCALL-style tracer in any non-direct mode: sees entry stops after the bounce decision. */
  ptraceTracer?: PtraceSupervisor;
  /** The talk's extended seccomp_data (vDSO bounds at 64..79) for the seccomp mechanism's filter. */
  extendedSeccompData?: boolean;
  /** Pin the vDSO's syscall sites: a jump into a vDSO syscall instruction with another number is killed (SIGSYS). */
  pinSyscalls?: boolean;
  /** Guest stdout/stderr bytes go here (default: discarded). */
  stdout?: (data: Uint8Array) => void;
  stderr?: (data: Uint8Array) => void;
  /** Guest stdin: fixed bytes, or a pull function returning null at EOF. */
  stdin?: Uint8Array | (() => Uint8Array | null);
  /** Host directory mounted read-only as the root (writes go to an in-memory overlay). */
  root?: string | HostFs;
  /** Total instruction budget over all threads (default 20 billion). */
  maxInstructions?: number;
  /** Maximum mapped bytes per process (default 1 GiB). */
  memLimit?: number;
  /** "virtual" (default): time derives from retired instructions; "real": host clocks. */
  clock?: "virtual" | "real";
  /** Virtual nanoseconds per retired instruction (default 1). */
  nsPerInstruction?: number;
  /** strace-format lines. */
  trace?: (line: string) => void;
  /** Seed for /dev/urandom, getrandom and AT_RANDOM (default 0). */
  seed?: number;
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

const BUILT_VDSO = new Map<string, VdsoImage>();
function defaultVdso(arch: Arch, fakeroot = false): VdsoImage {
  const key = `${arch}:${fakeroot}`;
  let v = BUILT_VDSO.get(key);
  if (!v) {
    v = buildVdso({ arch, ...(fakeroot ? { personalities: ["fakeroot"] as const } : {}) });
    BUILT_VDSO.set(key, v);
  }
  return v;
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

/** Observable per-syscall event: entry PC, the path taken through the front end, and the result. */
export interface SyscallEvent {
  pid: number;
  tid: number;
  nr: number;
  name: string;
  pc: number;
  args: readonly bigint[];
  path: string[];
  result?: number;
  /** The path mark the mechanism chose: direct, bounce→user, bounce→kernel, sigsys, ptrace, return, reissue, intercepted. */
  mark?: string;
}

export type StageOutcome =
  | { kind: "continue" }
  | { kind: "handled"; result: number }
  | { kind: "kill"; signal: number }
  /** The stage redirected the thread (e.g. to a signal handler); the syscall does not run and no result is written. */
  | { kind: "redirected" };

export interface EntryStage {
  readonly name: string;
  run(ev: SyscallEvent, c: SyscallContext, k: Kernel): StageOutcome;
}

const ADAPTERS: Record<Arch, ArchAdapter> = { arm64: arm64Adapter, x86_64: x86Adapter };

/** Default resource limits (cur, max); RLIM_INFINITY is 2^64-1. */
const INF = (1n << 64n) - 1n;
export function defaultRlimits(): [bigint, bigint][] {
  const r: [bigint, bigint][] = Array.from({ length: 16 }, () => [INF, INF] as [bigint, bigint]);
  r[3] = [8n << 20n, INF]; // RLIMIT_STACK
  r[4] = [0n, INF]; // RLIMIT_CORE
  r[6] = [63_432n, 63_432n]; // RLIMIT_NPROC
  r[7] = [1024n, 1_048_576n]; // RLIMIT_NOFILE
  r[8] = [8n << 20n, 8n << 20n]; // RLIMIT_MEMLOCK
  r[11] = [63_432n, 63_432n]; // RLIMIT_SIGPENDING
  r[12] = [819_200n, 819_200n]; // RLIMIT_MSGQUEUE
  r[13] = [0n, 0n]; // RLIMIT_NICE
  r[14] = [0n, 0n]; // RLIMIT_RTPRIO
  return r;
}

interface FutexWaiter {
  thread: Thread;
  bitset: number;
  woken: boolean;
}

export class Kernel {
  readonly opts: KernelOptions;
  readonly vfs: Vfs;
  readonly tracer: Tracer | undefined;
  readonly rng: Rng;
  readonly processes = new Map<number, Process>();
  readonly tasks: Thread[] = [];
  /** Stages in front of table dispatch (part 2 mechanisms insert here). */
  readonly entryStages: EntryStage[] = [];
  /** Observers of every syscall event. */
  readonly syscallObservers: ((ev: SyscallEvent) => void)[] = [];
  /**
   * Observers of a diverted call (bounce→user, sigsys) that returned to its caller without a kernel entry
   * (x86-64's bounce glue, a SIGSYS handler's sigreturn): called when the thread leaves the libkernel text,
   * with the call's event, its `result` now read from the result register.
   */
  readonly reflectionReturnObservers: ((ev: SyscallEvent) => void)[] = [];
  readonly stats: RunStats = {
    instructions: 0, syscalls: 0, syscallsByName: {}, kernelEntries: 0, exceptions: 0, signalsDelivered: 0, sigreturns: 0,
    signalFrameBytes: [], contextSwitches: 0, missingSyscalls: [], virtualTimeNs: 0n, cost: zeroCounters(),
  };
  private readonly tables = new Map<Arch, SyscallRow[]>();
  private readonly missing = new Set<string>();
  private nextPid = 1;
  private rr = 0;
  private root: Process | undefined;
  private sleepSkewNs = 0n;
  private readonly realStart = process.hrtime.bigint();
  /** Instructions retired by CPUs of threads that no longer exist. */
  private retiredDead = 0;
  readonly futexQueues = new Map<string, FutexWaiter[]>();
  private readonly maxInstructions: number;
  readonly memLimit: number;
  private readonly quantum: number;
  private readonly nsPerInsn: bigint;
  private everMultiTask = false;
  /** Boot time offset so CLOCK_MONOTONIC does not start at 0 (Linux starts near boot uptime). */
  static readonly MONOTONIC_BASE_NS = 1_000_000_000n;
  /** CLOCK_REALTIME at boot in virtual mode: 2024-01-01T00:00:00Z. */
  static readonly REALTIME_BASE_NS = 1_704_067_200_000_000_000n;

  constructor(opts: KernelOptions = {}) {
    if (opts.mode !== undefined && !MECHANISM_MODES.includes(opts.mode)) throw new KernelUsageError(`unknown mode ${JSON.stringify(opts.mode)} (${MECHANISM_MODES.join(", ")})`);
    if (opts.frame !== undefined && !FRAME_VARIANTS.includes(opts.frame)) throw new KernelUsageError(`unknown frame ${JSON.stringify(opts.frame)} (stack, task-page)`);
    if (opts.libkernel !== undefined && opts.libkernel !== "vdso" && opts.libkernel !== "library") throw new KernelUsageError(`unknown libkernel ${JSON.stringify(opts.libkernel)} (vdso, library)`);
    if (opts.personality !== undefined && opts.personality !== "linux" && opts.personality !== "fakeroot") throw new KernelUsageError(`unknown personality ${JSON.stringify(opts.personality)} (linux, fakeroot)`);
    this.opts = opts;
    this.maxInstructions = opts.maxInstructions ?? 20e9;
    this.memLimit = opts.memLimit ?? 1 << 30;
    this.quantum = opts.quantum ?? 2_000_000;
    this.nsPerInsn = BigInt(opts.nsPerInstruction ?? 1);
    if (!(this.quantum > 0) || !(this.maxInstructions > 0) || !(this.memLimit > 0)) throw new KernelUsageError("quantum, maxInstructions and memLimit must be positive");
    this.rng = new Rng(opts.seed ?? 0);
    const host = typeof opts.root === "string" ? new NodeHostFs(opts.root) : opts.root;
    this.vfs = new Vfs(host);
    this.vfs.now = () => this.realtimeNs();
    this.tracer = opts.trace ? new Tracer(opts.trace) : undefined;
    this.buildFilesystem();
    // Always present, direct mode included: seccomp(2) and Syscall User Dispatch are Linux features a program can
    // use under any mechanism, and the host also attributes instructions retired in the vDSO to handlers.
    {
      this.mechanisms = new MechanismHost(this, {
        mode: opts.mode ?? "direct", frame: opts.frame ?? "stack", extendedSeccompData: opts.extendedSeccompData === true, pinSyscalls: opts.pinSyscalls === true,
        libkernel: opts.libkernel ?? "vdso", personality: opts.personality ?? "linux",
        ...(opts.supervisor ? { supervisor: opts.supervisor } : {}), ...(opts.ptraceTracer ? { tracer: opts.ptraceTracer } : {}),
      });
      this.entryStages.push(this.mechanisms);
    }
  }

  /** The mechanism stage and CPU runner (in direct mode it serves seccomp, SUD and handler accounting). */
  readonly mechanisms: MechanismHost;

  // ------------------------------------------------------------------ filesystem

  private stdinDevice(): CharDevice {
    const src = this.opts.stdin;
    let buf = src instanceof Uint8Array ? src : new Uint8Array(0);
    let eof = src instanceof Uint8Array || src === undefined;
    return {
      read: (n) => {
        if (buf.length === 0 && !eof && typeof src === "function") {
          const next = src();
          if (next === null) eof = true;
          else buf = next;
        }
        if (buf.length === 0) return "eof";
        const out = buf.slice(0, n);
        buf = buf.subarray(out.length);
        return out;
      },
      write: () => -9, // EBADF-like: stdin is read-only
      isTty: !!this.opts.tty,
    };
  }

  private buildFilesystem(): void {
    const v = this.vfs;
    const sink = (f?: (d: Uint8Array) => void): CharDevice => ({
      read: () => "eof",
      write: (d) => {
        f?.(d.slice());
        return d.length;
      },
      isTty: !!this.opts.tty,
    });
    const dev = v.mkdirp("/dev");
    dev.entries.clear();
    const mk = (name: string, rdev: number, d: CharDevice) => dev.linkEntry(name, new CharDevNode(0o666, rdev, d));
    mk("null", (1 << 8) | 3, { read: () => "eof", write: (d) => d.length });
    mk("zero", (1 << 8) | 5, { read: (n) => new Uint8Array(n), write: (d) => d.length });
    const urandom: CharDevice = { read: (n) => this.rng.bytes(n), write: (d) => d.length };
    mk("urandom", (1 << 8) | 9, urandom);
    mk("random", (1 << 8) | 8, urandom);
    // The host's stdio appear as pipes (S_IFIFO 0600, as the oracle recordings had them), or as a pty with `tty`.
    const tty = !!this.opts.tty;
    const mkStd = (d: CharDevice) => (tty ? new CharDevNode(0o620, (136 << 8) | 0, d) : new CharDevNode(0o600, 0, d, S_IFIFO));
    this.stdio = [mkStd(this.stdinDevice()), mkStd(sink(this.opts.stdout)), mkStd(sink(this.opts.stderr))];
    for (const n of this.stdio) n.dev = 0xd; // pipefs
    dev.linkEntry("stdin", new SymlinkNode("/proc/self/fd/0"));
    dev.linkEntry("stdout", new SymlinkNode("/proc/self/fd/1"));
    dev.linkEntry("stderr", new SymlinkNode("/proc/self/fd/2"));
    const tmp = v.mkdirp("/tmp");
    tmp.entries.clear();
    if (tmp.host) tmp.host = undefined as never;
    tmp.mode = 0o41777;
    const proc = v.mkdirp("/proc");
    proc.entries.clear();
    proc.host = undefined as never;
    const procDir = (pid: number | "self"): DirNode => {
      const d = new DirNode(0o555, proc, String(pid));
      const who = (ctx: { pid: number }) => this.processes.get(pid === "self" ? ctx.pid : pid);
      d.entries.set("exe", new SymlinkNode((ctx) => who(ctx)?.exePath ?? ""));
      d.entries.set("maps", new GeneratedNode((ctx) => new TextEncoder().encode(who(ctx)?.mm.formatMaps() ?? "")));
      d.entries.set("cmdline", new GeneratedNode((ctx) => new TextEncoder().encode(this.cmdlines.get(who(ctx)?.pid ?? -1) ?? "")));
      d.entries.set("comm", new GeneratedNode((ctx) => new TextEncoder().encode((who(ctx)?.comm ?? "") + "\n")));
      d.entries.set("cwd", new SymlinkNode((ctx) => { const p = who(ctx); return p ? this.vfs.pathOf(p.fs.cwd) : ""; }));
      const fdDir = new DirNode(0o500, d, "fd");
      fdDir.dynamic = (name, ctx) => {
        const p = who(ctx);
        const f = p && /^\d+$/.test(name) ? p.files.file(Number(name)) : undefined;
        return f ? new SymlinkNode(f.path) : undefined;
      };
      fdDir.dynamicList = (ctx) => (who(ctx)?.files.openFds() ?? []).map(String);
      d.entries.set("fd", fdDir);
      return d;
    };
    proc.dynamic = (name, ctx) => {
      if (name === "self") return procDir(ctx.pid);
      if (/^\d+$/.test(name) && this.processes.has(Number(name))) return procDir(Number(name));
      return undefined;
    };
    proc.dynamicList = () => ["self", ...[...this.processes.keys()].map(String)];
    proc.linkEntry("meminfo", new GeneratedNode(() => new TextEncoder().encode(`MemTotal:       ${this.memLimit >> 10} kB\nMemFree:        ${this.memLimit >> 10} kB\n`)));
    proc.linkEntry("cpuinfo", new GeneratedNode(() => new TextEncoder().encode("processor\t: 0\n\n")));
  }

  /** Character devices behind fds 0, 1, 2 of spawned processes. */
  private stdio: CharDevNode[] = [];
  readonly cmdlines = new Map<number, string>();

  // ------------------------------------------------------------------ clock

  /** Total instructions retired by every CPU. */
  get retired(): number {
    let n = this.retiredDead;
    for (const t of this.tasks) if (t.state !== "dead") n += t.cpu.counters.instructions;
    return n;
  }

  /** CLOCK_MONOTONIC in ns. */
  monotonicNs(): bigint {
    if (this.opts.clock === "real") return process.hrtime.bigint() - this.realStart + Kernel.MONOTONIC_BASE_NS + this.sleepSkewNs;
    return Kernel.MONOTONIC_BASE_NS + BigInt(this.retired) * this.nsPerInsn + this.sleepSkewNs;
  }

  realtimeNs(): bigint {
    if (this.opts.clock === "real") return BigInt(Date.now()) * 1_000_000n + this.sleepSkewNs;
    return Kernel.REALTIME_BASE_NS + this.monotonicNs() - Kernel.MONOTONIC_BASE_NS;
  }

  /** The counter the ISA cores expose (CNTVCT_EL0 / TSC): nanoseconds of CLOCK_MONOTONIC. */
  readonly counter = (): bigint => this.monotonicNs();

  // ------------------------------------------------------------------ processes

  adapter(arch: Arch): ArchAdapter {
    return ADAPTERS[arch];
  }

  table(arch: Arch): SyscallRow[] {
    let t = this.tables.get(arch);
    if (!t) {
      t = buildTable(arch, HANDLERS);
      this.tables.set(arch, t);
    }
    return t;
  }

  allocPid(): number {
    return this.nextPid++;
  }

  newThread(proc: Process, cpu: Cpu, tid = this.allocPid()): Thread {
    const t = new Thread(tid, proc, cpu);
    proc.threads.push(t);
    this.tasks.push(t);
    if (this.tasks.length > 1) this.everMultiTask = true;
    return t;
  }

  createCpu(arch: ArchAdapter, mm: AddressSpace): Cpu {
    return arch.createCpu(mm.mem, { counter: this.counter, counterFrequency: 1_000_000_000 });
  }

  /** Which ISA an ELF image is for (by e_machine). */
  static archOf(elf: Uint8Array): Arch {
    const img = parseElfForExec(elf);
    for (const a of Object.values(ADAPTERS)) if (a.elfMachine === img.machine) return a.arch;
    throw new ExecError("bad-arch", `unsupported ELF machine ${img.machine}`);
  }

  /** Create the first process from an ELF image. Throws ExecError for images Linux would refuse. */
  spawn(elf: Uint8Array, o: SpawnOptions = {}): Process {
    const arch = ADAPTERS[Kernel.archOf(elf)];
    const argv = o.argv ?? ["a.out"];
    const env = o.env ?? [];
    const path = o.path ?? `/bin/${(argv[0] ?? "a.out").split("/").pop() || "a.out"}`;
    // The executable appears in the VFS at `path` (for /proc/self/exe and re-exec) unless something is already there.
    const existing = this.vfs.resolve(path, this.vfs.root, { pid: 0 }, { follow: true });
    if (typeof existing === "number" || !existing.node) this.vfs.addNode(path, new FileNode(0o755, elf));
    const cwdR = this.vfs.resolve(o.cwd ?? "/", this.vfs.root, { pid: 0 }, { follow: true });
    if (typeof cwdR === "number" || !(cwdR.node instanceof DirNode)) throw new KernelUsageError(`cwd ${o.cwd} is not a directory`);
    const mm = new AddressSpace({ taskSize: arch.taskSize, stackTop: arch.taskSize }, this.memLimit);
    const files = new FdTable();
    files.install(0, new OpenFile(this.stdio[0]!, O_RDONLY, "/dev/stdin"), false);
    files.install(1, new OpenFile(this.stdio[1]!, O_WRONLY, "/dev/stdout"), false);
    files.install(2, new OpenFile(this.stdio[2]!, O_WRONLY, "/dev/stderr"), false);
    const p = new Process(this.allocPid(), undefined, arch, mm, files, { cwd: cwdR.node, umask: 0o022 });
    p.rlimits = defaultRlimits();
    this.processes.set(p.pid, p);
    const t = this.newThread(p, this.createCpu(arch, mm), p.pid);
    this.execInto(t, elf, path, argv, env);
    this.root ??= p;
    return p;
  }

  /** Replace the image of `t`'s process (execve core). Throws ExecError; on success the old image is gone. */
  execInto(t: Thread, elf: Uint8Array, path: string, argv: readonly string[], env: readonly string[]): void {
    const p = t.proc;
    const arch = ADAPTERS[Kernel.archOf(elf)];
    const mm = new AddressSpace({ taskSize: arch.taskSize, stackTop: arch.taskSize }, this.memLimit);
    mm.stackLimit = Number(p.rlimits[3]?.[0] ?? 8n << 20n);
    const node = this.vfs.resolve(path, p.fs.cwd, { pid: p.pid }, { follow: true });
    const ino = typeof node === "number" || !node.node ? 0 : node.node.ino;
    const loaded = loadElf(mm, arch, elf, path, ino);
    // Stack: 128 KiB below the strings (setup_arg_pages' stack_expand), grows down on faults.
    const top = arch.taskSize;
    const stackSize = 132 * 1024 + Math.ceil((argv.join("\0").length + env.join("\0").length + path.length + 8192) / PAGE_SIZE) * PAGE_SIZE;
    mm.mapFixed(top - stackSize, stackSize, 3, "[stack]");
    mm.brkStart = mm.brkCur = loaded.brk;
    // Data pages + vDSO, placed top-down like map_vdso.
    const vd = this.vdsoFor(arch.arch);
    const dataPages = vd ? vd.pages.count : 1;
    const vdsoLen = vd ? vd.mapSize : PAGE_SIZE;
    const base = mm.findFree(dataPages * PAGE_SIZE + vdsoLen);
    if (base < 0) throw new ExecError("too-big", "no room for the vDSO");
    mm.mapFixed(base, dataPages * PAGE_SIZE, 1, "[vvar]");
    mm.mapFixed(base + dataPages * PAGE_SIZE, vdsoLen, 5, "[vdso]");
    const vdsoBase = base + dataPages * PAGE_SIZE;
    let sigret: number;
    let taskPage = 0, fsPage = 0;
    if (vd) {
      mm.mem.poke(vdsoBase, vd.bytes);
      sigret = vdsoBase + vd.entries.sigreturn;
      // libkernel's per-task and per-fs pages (ordinary user memory the handlers read and write).
      taskPage = mm.mmap(0, PAGE_SIZE, 3, 0x22, 0);
      fsPage = mm.mmap(0, PAGE_SIZE, 3, 0x22, 0);
      if (taskPage < 0 || fsPage < 0) throw new ExecError("too-big", "no room for the libkernel pages");
      const uts = new Uint8Array(UTS_PAGE.newSize);
      this.utsFields(arch).forEach((f, i) => uts.set(new TextEncoder().encode(f).subarray(0, 64), i * UTS_PAGE.fieldLen));
      mm.mem.poke(vdsoBase + vd.pages.uts, uts);
    } else {
      // Minimal image: the arm64 trampoline `mov x8, #139; svc #0` (no ELF, so no AT_SYSINFO_EHDR).
      const tramp = new Uint8Array([0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]);
      mm.mem.poke(vdsoBase, tramp);
      sigret = vdsoBase;
    }
    // Commit: from here on the old image is replaced.
    for (const other of p.threads.slice() /* reaping mutates the list */) if (other !== t) this.reapThread(other);
    p.threads = [t];
    p.mm = mm;
    p.arch = arch;
    p.vdsoBase = vd ? vdsoBase : 0;
    p.vdsoSigreturn = sigret;
    p.vvarBase = vd ? vdsoBase + vd.pages.vvar : 0;
    p.fsPage = fsPage;
    t.taskPage = taskPage;
    p.exePath = path;
    p.exeBytes = elf;
    p.comm = (path.split("/").pop() ?? "").slice(0, 15);
    p.vforkDone = true;
    this.cmdlines.set(p.pid, argv.map((a) => a + "\0").join(""));
    for (const a of p.sigactions) if (a.handler !== 1) Object.assign(a, { handler: 0, flags: 0, restorer: 0, mask: 0n });
    p.files.closeOnExec();
    const old = t.cpu;
    this.retiredDead += old.counters.instructions;
    disposeCpu(old);
    t.cpu = this.createCpu(arch, mm);
    t.altstack = { sp: 0, size: 0, flags: 2 };
    t.rseq = { addr: 0, len: 0, sig: 0 };
    t.robustList = 0;
    t.clearChildTid = 0;
    const random = this.rng.bytes(16);
    const auxv: [number, bigint | number][] = [];
    if (vd) auxv.push([AT.SYSINFO_EHDR, vdsoBase]);
    auxv.push(
      [AT.MINSIGSTKSZ, arch.minSigStkSz],
      [AT.HWCAP, arch.hwcap],
      [AT.PAGESZ, PAGE_SIZE],
      [AT.CLKTCK, 100],
      [AT.PHDR, loaded.phdr],
      [AT.PHENT, loaded.phent],
      [AT.PHNUM, loaded.phnum],
      [AT.BASE, 0],
      [AT.FLAGS, 0],
      [AT.ENTRY, loaded.entry],
      [AT.UID, p.uid],
      [AT.EUID, p.uid],
      [AT.GID, p.gid],
      [AT.EGID, p.gid],
      [AT.SECURE, 0],
      [AT.RANDOM, -1],
      [AT.HWCAP2, arch.hwcap2],
      [AT.EXECFN, -1],
      [AT.PLATFORM, -1],
      [AT.RSEQ_FEATURE_SIZE, 28],
      [AT.RSEQ_ALIGN, 32],
    );
    const st = buildInitialStack(mm, top, { argv, env, execfn: path, auxv, random, platform: arch.platform });
    arch.initRegisters(t.cpu, loaded.entry, st.sp);
    this.mechanisms?.onExec(t);
    this.updateVvar(p);
  }

  /** The vDSO image for an ISA per the options (undefined: none). */
  vdsoFor(arch: Arch): VdsoImage | undefined {
    const o = this.opts.vdso ?? true;
    if (o === false) return undefined;
    if (o === true) return defaultVdso(arch, this.opts.personality === "fakeroot");
    return o[arch];
  }

  utsFields(arch: ArchAdapter): string[] {
    return ["Linux", "uabi", "6.6.0-uabi", "#1 SMP PREEMPT_DYNAMIC", arch.machine, "(none)"];
  }

  /**
   * Refresh the vvar page (time bases under the seqlock) and the per-task/per-fs page slots and
   * contents for the thread about to run. The counter is the virtual ns clock (mult 1, shift 0),
   * so userspace clock reads are exact between updates.
   */
  updateVvar(p: Process, t?: Thread): void {
    if (!p.vvarBase) return;
    const mem = p.mm.mem;
    const v = new DataView(new ArrayBuffer(PAGE_SIZE));
    const now = this.monotonicNs();
    const real = this.realtimeNs();
    p.vvarSeq = (p.vvarSeq + 2) >>> 0;
    v.setUint32(VVAR_PAGE.seq, p.vvarSeq, true);
    v.setBigUint64(VVAR_PAGE.cycleLast, now, true);
    v.setUint32(VVAR_PAGE.mult, 1, true);
    v.setUint32(VVAR_PAGE.shift, 0, true);
    v.setBigUint64(VVAR_PAGE.taskPagePtr, BigInt(t?.taskPage ?? 0), true);
    v.setBigUint64(VVAR_PAGE.fsPagePtr, BigInt(p.fsPage), true);
    for (let id = 0; id < VVAR_NCLOCKS; id++) {
      const base = [0, 5, 8, 11].includes(id) ? real : now;
      const mode = [2, 3].includes(id) ? CLOCK_MODE.syscall : id === 5 || id === 6 ? CLOCK_MODE.coarse : id === 10 ? CLOCK_MODE.syscall : CLOCK_MODE.hres;
      const o = VVAR_PAGE.clocks + id * VVAR_PAGE.clockSize;
      v.setBigUint64(o + VVAR_PAGE.clock.sec, base / 1_000_000_000n, true);
      v.setBigUint64(o + VVAR_PAGE.clock.nsec, base % 1_000_000_000n, true);
      v.setUint32(o + VVAR_PAGE.clock.mode, mode, true);
      v.setUint32(o + VVAR_PAGE.clock.resNsec, id === 5 || id === 6 ? 4_000_000 : 1, true);
    }
    try {
      mem.poke(p.vvarBase, new Uint8Array(v.buffer, 0, VVAR_PAGE.clocks + VVAR_NCLOCKS * VVAR_PAGE.clockSize));
      const libVvar = this.mechanisms?.libraryVvar(p);
      if (libVvar !== undefined) mem.poke(libVvar, new Uint8Array(v.buffer, 0, VVAR_PAGE.clocks + VVAR_NCLOCKS * VVAR_PAGE.clockSize));
      if (t?.taskPage) {
        const tp = new DataView(new ArrayBuffer(0x28));
        tp.setUint32(TASK_PAGE.personality, p.personality, true);
        tp.setUint32(TASK_PAGE.pid, p.pid, true);
        tp.setUint32(TASK_PAGE.tid, t.tid, true);
        tp.setBigUint64(TASK_PAGE.robustHead, BigInt(t.robustList), true);
        tp.setBigUint64(TASK_PAGE.robustLen, BigInt(t.robustLen), true);
        mem.poke(t.taskPage, new Uint8Array(tp.buffer));
      }
      if (p.fsPage) {
        const fp = new Uint8Array(4);
        new DataView(fp.buffer).setUint32(FS_PAGE.umask, p.fs.umask, true);
        mem.poke(p.fsPage + FS_PAGE.umask, fp);
      }
    } catch {
      // The user unmapped a libkernel page: nothing to refresh (the next exec maps them again).
    }
  }

  /**
   * Read back what userspace libkernel handlers changed in the per-task / per-fs pages (untrusted:
   * masked like the syscalls would), so the kernel's view stays coherent when ported code calls
   * __kernel_umask / __kernel_personality / __kernel_set_robust_list directly.
   */
  syncFromPages(p: Process, t: Thread): void {
    if (!p.vvarBase) return;
    const mem = p.mm.mem;
    try {
      if (t.taskPage) {
        p.personality = mem.read32(t.taskPage + TASK_PAGE.personality);
        const head = Number(mem.read64(t.taskPage + TASK_PAGE.robustHead));
        if (Number(mem.read64(t.taskPage + TASK_PAGE.robustLen)) === 24) {
          t.robustList = head;
          t.robustLen = 24;
        }
      }
      if (p.fsPage) p.fs.umask = mem.read32(p.fsPage + FS_PAGE.umask) & 0o777;
    } catch {
      // unmapped by the user: keep the kernel's values
    }
  }

  // ------------------------------------------------------------------ run loop

  run(): RunResult {
    if (!this.root) throw new KernelUsageError("run() before spawn()");
    let reason: RunResult["reason"] = "exit";
    for (;;) {
      if (!this.root.alive && this.tasks.every((t) => t.state === "dead")) break;
      if (this.tasks.every((t) => t.state === "dead")) break;
      const remaining = this.maxInstructions - this.retired;
      if (remaining <= 0) {
        reason = "budget";
        break;
      }
      const t = this.pickNext();
      if (!t) {
        if (!this.advanceToNextDeadline()) {
          reason = "deadlock";
          break;
        }
        continue;
      }
      this.stats.contextSwitches++;
      this.runThread(t, Math.min(this.quantum, remaining));
    }
    if (reason !== "exit") {
      // Budget or deadlock: every remaining process is killed (SIGKILL) so the result is final.
      for (const p of this.processes.values()) if (p.alive) this.exitProcess(p, { signal: SIGKILL });
    }
    this.stats.instructions = this.retired;
    this.stats.virtualTimeNs = this.monotonicNs();
    this.stats.missingSyscalls = [...this.missing];
    this.stats.cost = this.root.ledger.snapshot();
    const ex = this.root.exit ?? { signal: SIGKILL };
    const res: RunResult = {
      exitStatus: ex.signal !== undefined ? 128 + ex.signal : (ex.code ?? 0),
      reason: reason === "exit" && ex.signal !== undefined ? "signal" : reason,
      stats: this.stats,
    };
    if (ex.signal !== undefined) res.signal = ex.signal;
    return res;
  }

  private pickNext(): Thread | undefined {
    const n = this.tasks.length;
    for (let i = 0; i < n; i++) {
      const t = this.tasks[(this.rr + i) % n]!;
      if (t.state === "blocked") this.pollWait(t);
      if (t.state === "runnable") {
        this.rr = (this.rr + i + 1) % n;
        return t;
      }
    }
    return undefined;
  }

  /** Finish a wait whose condition holds or whose deadline passed. */
  private pollWait(t: Thread): void {
    const w = t.wait;
    if (!w) return;
    let r = w.poll();
    if (r === undefined && w.deadline !== undefined && this.monotonicNs() >= w.deadline) {
      w.cancel?.();
      r = w.onTimeout ? w.onTimeout() : 0;
    }
    if (r !== undefined) this.finishWait(t, r);
  }

  private finishWait(t: Thread, result: number): void {
    const sc = t.waitingSyscall;
    t.wait = undefined;
    t.waitingSyscall = undefined;
    t.state = "runnable";
    t.proc.arch.setSyscallResult(t.cpu, BigInt(result));
    t.proc.ledger.add("kernelExits");
    if (sc) {
      this.traceExit(t, sc.nr, sc.name, sc.args, result);
      if (sc.event) {
        sc.event.result = result;
        this.emit(sc.event);
      }
    }
    this.exitWork(t);
    // sigsuspend-style calls restore the caller's mask on return when no handler frame took it (restore_saved_sigmask).
    if (t.savedMask !== undefined) {
      t.sigmask = t.savedMask;
      t.savedMask = undefined;
    }
  }

  /** All threads blocked: jump virtual time to the earliest deadline. False when nothing can ever wake. */
  private advanceToNextDeadline(): boolean {
    let min: bigint | undefined;
    for (const t of this.tasks) if (t.state === "blocked" && t.wait?.deadline !== undefined && (min === undefined || t.wait.deadline < min)) min = t.wait.deadline;
    if (min === undefined) return false;
    const now = this.monotonicNs();
    if (min > now) {
      if (this.opts.clock === "real") {
        const ms = Number((min - now) / 1_000_000n);
        if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
        const after = this.monotonicNs();
        if (after < min) this.sleepSkewNs += min - after;
      } else this.sleepSkewNs += min - now;
    }
    return true;
  }

  private runThread(t: Thread, budget: number): void {
    const p = t.proc;
    if (p.vvarBase) this.updateVvar(p, t);
    const before = t.cpu.counters.instructions;
    const trap = this.mechanisms ? this.mechanisms.runCpu(t, budget) : t.cpu.run(budget);
    p.ledger.add("userInsns", t.cpu.counters.instructions - before);
    if (p.vvarBase && t.state !== "dead") this.syncFromPages(p, t);
    if (t.state === "dead") return;
    this.handleTrap(t, trap);
    if (t.state === "runnable") this.exitWork(t);
  }

  handleTrap(t: Thread, trap: Trap): void {
    switch (trap.kind) {
      case "budget":
        return;
      case "syscall":
        this.stats.kernelEntries++;
        this.syscallEntry(t, trap.pc);
        return;
      default: {
        this.stats.kernelEntries++;
        this.stats.exceptions++;
        const l = t.proc.ledger;
        l.add("kernelEntries");
        l.add("faults");
        this.faultToSignal(t, trap);
        if (t.proc.alive) l.add("kernelExits");
      }
    }
  }

  /** CPU exceptions become signals with Linux's siginfo (arch/x86/kernel/traps.c, arch/arm64/mm/fault.c). */
  private faultToSignal(t: Thread, trap: Trap): void {
    const x86 = t.proc.arch.arch === "x86_64";
    switch (trap.kind) {
      case "page-fault": {
        // A fault just below the stack grows it (expand_stack), as long as RLIMIT_STACK allows.
        if (trap.reason === "unmapped" && trap.access !== "exec" && t.proc.mm.growStack(trap.addr)) return;
        const code = trap.reason === "unmapped" ? SEGV_MAPERR : SEGV_ACCERR;
        let esr = 0, err = 0;
        if (x86) err = (trap.reason === "protection" ? 1 : 0) | (trap.access === "write" ? 2 : 0) | 4 | (trap.access === "exec" ? 16 : 0);
        else {
          // ESR_ELx for a lower-EL abort: EC 0x24 (data) / 0x20 (instruction), IL, WnR, level-3 translation/permission fault.
          const ec = trap.access === "exec" ? 0x20 : 0x24;
          esr = ec * 2 ** 26 + (1 << 25) + (trap.access === "write" ? 1 << 6 : 0) + (trap.reason === "unmapped" ? 0x07 : 0x0f);
        }
        this.forceSignal(t, { signo: SIGSEGV, code, addr: trap.addr }, { faultAddr: trap.addr, esr, trapno: 14, err });
        return;
      }
      case "undefined":
        this.forceSignal(t, { signo: SIGILL, code: ILL_ILLOPC, addr: trap.pc }, { faultAddr: 0, esr: 0, trapno: 6, err: 0 });
        return;
      case "alignment":
        this.forceSignal(t, { signo: SIGBUS, code: BUS_ADRALN, addr: trap.addr }, { faultAddr: trap.addr, esr: 0, trapno: 17, err: 0 });
        return;
      case "divide-error":
        this.forceSignal(t, { signo: SIGFPE, code: FPE_INTDIV, addr: trap.pc }, { faultAddr: 0, esr: 0, trapno: 0, err: 0 });
        return;
      case "breakpoint":
        // x86 int3 reports SI_KERNEL (do_int3_user); arm64 brk reports TRAP_BRKPT at the instruction.
        this.forceSignal(t, x86 ? { signo: SIGTRAP, code: SI_KERNEL } : { signo: SIGTRAP, code: TRAP_BRKPT, addr: trap.pc }, { faultAddr: 0, esr: 0, trapno: 3, err: 0 });
        return;
      case "privileged":
        // #GP in user mode: SIGSEGV with SI_KERNEL and si_addr 0 (x86); arm64 undefined instruction otherwise.
        if (x86) this.forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 }, { faultAddr: 0, esr: 0, trapno: 13, err: 0 });
        else this.forceSignal(t, { signo: SIGILL, code: ILL_ILLOPC, addr: trap.pc }, { faultAddr: 0, esr: 0, trapno: 0, err: 0 });
        return;
    }
  }

  /** Per-thread extra data for the next frame built for a forced fault signal. */
  private readonly faultCtx = new WeakMap<Thread, { faultAddr: number; esr: number; trapno: number; err: number }>();

  /** force_sig_info: a blocked or ignored fault signal is unblocked and reset to SIG_DFL, so it kills. */
  forceSignal(t: Thread, si: SigInfo, ctx?: { faultAddr: number; esr: number; trapno: number; err: number }): void {
    const act = t.proc.sigactions[si.signo]!;
    const bit = sigbit(si.signo);
    const blocked = (t.sigmask & bit) !== 0n;
    if (blocked || act.handler === 1) {
      act.handler = 0;
      if (blocked) t.sigmask &= ~bit;
    }
    if (ctx) this.faultCtx.set(t, ctx);
    this.queueThreadSignal(t, si);
  }

  queueThreadSignal(t: Thread, si: SigInfo): void {
    const bit = sigbit(si.signo);
    // Standard signals do not queue twice; RT signals do.
    if (si.signo < 32 && t.pending & bit) return;
    t.pending |= bit;
    const q = t.pendingInfo.get(si.signo) ?? [];
    q.push(si);
    t.pendingInfo.set(si.signo, q);
    this.signalWake(t);
  }

  /** Process-directed signal (kill): queued on the process, taken by any thread that does not block it. */
  queueProcessSignal(p: Process, si: SigInfo): void {
    if (!p.alive) return;
    const act = p.sigactions[si.signo]!;
    if (si.signo === SIGKILL) {
      this.exitProcess(p, { signal: SIGKILL });
      return;
    }
    // Ignored signals are discarded at generation time (sig_ignored), unless blocked.
    const bit = sigbit(si.signo);
    const allBlock = p.threads.every((t) => t.sigmask & bit);
    if (!allBlock && (act.handler === 1 || (act.handler === 0 && defaultAction(si.signo) === "ignore"))) return;
    if (si.signo < 32 && p.sharedPending & bit) return;
    p.sharedPending |= bit;
    const q = p.sharedPendingInfo.get(si.signo) ?? [];
    q.push(si);
    p.sharedPendingInfo.set(si.signo, q);
    for (const t of p.threads) if (!(t.sigmask & bit)) {
      this.signalWake(t);
      break;
    }
  }

  /** A signal arrived for a blocked thread: interrupt an interruptible wait. */
  private signalWake(t: Thread): void {
    if (t.state !== "blocked" || !t.wait) return;
    const bit = this.deliverableMask(t);
    if (bit === 0n) return;
    const w = t.wait;
    w.cancel?.();
    const sc = t.waitingSyscall;
    // Peek at the first deliverable signal: with SA_RESTART and a restartable call, the syscall restarts.
    const sig = lowestSignal(bit);
    const act = t.proc.sigactions[sig]!;
    if (w.restartable && act.handler > 1 && act.flags & SA_RESTART) {
      t.wait = undefined;
      t.waitingSyscall = undefined;
      t.state = "runnable";
      t.cpu.pc -= t.proc.arch.syscallInsnLength; // the registers still hold the number and arguments
      if (sc) this.traceExit(t, sc.nr, sc.name, sc.args, "restart");
      if (sc?.event) {
        sc.event.path.push("restart");
        this.emit(sc.event);
      }
      return;
    }
    this.finishWait(t, -EINTR);
  }

  private deliverableMask(t: Thread): bigint {
    return (t.pending | t.proc.sharedPending) & ~(t.sigmask & ~UNBLOCKABLE);
  }

  private dequeue(t: Thread): SigInfo | undefined {
    const ready = this.deliverableMask(t);
    if (ready === 0n) return undefined;
    const sync = ready & SYNCHRONOUS_MASK;
    const sig = lowestSignal(sync !== 0n ? sync : ready);
    const bit = sigbit(sig);
    const fromThread = (t.pending & bit) !== 0n;
    const q = fromThread ? t.pendingInfo : t.proc.sharedPendingInfo;
    const list = q.get(sig) ?? [];
    const si = list.shift() ?? { signo: sig, code: SI_KERNEL };
    if (list.length === 0) {
      q.delete(sig);
      if (fromThread) t.pending &= ~bit;
      else t.proc.sharedPending &= ~bit;
    }
    return si;
  }

  /** Exit work before returning to user mode: deliver every deliverable signal (stacking frames as Linux does). */
  exitWork(t: Thread): void {
    for (let guard = 0; guard < 64 && t.state === "runnable"; guard++) {
      const si = this.dequeue(t);
      if (!si) return;
      this.deliver(t, si);
    }
  }

  private deliver(t: Thread, si: SigInfo): void {
    const p = t.proc;
    const sig = si.signo;
    const act = p.sigactions[sig]!;
    const fault = this.faultCtx.get(t);
    this.faultCtx.delete(t);
    if (act.handler === 1) return; // SIG_IGN
    if (act.handler === 0) {
      const d = defaultAction(sig);
      if (d === "ignore" || d === "cont" || d === "stop") return; // no job control: stop signals are ignored
      this.tracer?.signal(this.tracePrefix(t), si);
      this.exitProcess(p, { signal: sig, core: d === "core" });
      return;
    }
    this.tracer?.signal(this.tracePrefix(t), si);
    const arch = p.arch;
    const userSp = Number(t.cpu.sp);
    const onAlt = onAltStack(t.altstack, userSp);
    const useAlt = (act.flags & SA_ONSTACK) !== 0 && t.altstack.size !== 0 && !onAlt;
    // A thread on the task page's small bounce stack takes its signal frame on the caller's stack (mechanisms).
    const sp = useAlt ? t.altstack.sp + t.altstack.size : (this.mechanisms?.signalStack(t, userSp) ?? userSp) - arch.redZone;
    // uc_stack as __save_altstack writes it: ss_flags = sas_ss_flags(interrupted sp) plus SS_AUTODISARM if set.
    const alt = { sp: t.altstack.sp, flags: (sasFlags(t.altstack, userSp) | (t.altstack.flags & SS_AUTODISARM)) | 0, size: t.altstack.size };
    const r = arch.buildSignalFrame(t.cpu, {
      sig,
      info: encodeSigInfo(si),
      handler: act.handler,
      flags: act.flags,
      restorer: act.restorer,
      savedMask: t.savedMask ?? t.sigmask,
      sp,
      altstack: alt,
      faultAddr: fault?.faultAddr ?? 0,
      esr: fault?.esr ?? 0,
      trapno: fault?.trapno ?? 0,
      err: fault?.err ?? 0,
      vdsoSigreturn: p.vdsoSigreturn,
      onAltstack: onAlt,
      ensure: (lo, hi) => this.ensureStack(p, lo, hi),
    });
    if (!r.ok) {
      // signal_setup_done(failed): force SIGSEGV with SIG_DFL: the task dies.
      p.sigactions[SIGSEGV]!.handler = 0;
      this.exitProcess(p, { signal: SIGSEGV, core: true });
      return;
    }
    t.savedMask = undefined;
    this.stats.signalsDelivered++;
    const frameBytes = (useAlt ? t.altstack.sp + t.altstack.size : userSp) - r.frame;
    this.stats.signalFrameBytes.push(frameBytes);
    p.ledger.add("signalDeliveries");
    p.ledger.frame(frameBytes, "signal");
    if (t.altstack.flags & SS_AUTODISARM) t.altstack = { sp: 0, size: 0, flags: 2 };
    let mask = t.sigmask | act.mask;
    if (!(act.flags & SA_NODEFER)) mask |= sigbit(sig);
    t.sigmask = mask & ~UNBLOCKABLE;
    if (act.flags & SA_RESETHAND) Object.assign(act, { handler: 0, flags: act.flags & ~SA_RESETHAND });
  }

  /** Make [lo, hi) part of the stack if it lies in the grow-down range (a frame write faults it in). */
  private ensureStack(p: Process, lo: number, _hi: number): void {
    if (!p.mm.findVma(lo)) p.mm.growStack(lo);
  }

  // ------------------------------------------------------------------ syscalls

  private readonly scratch = new Map<Thread, SyscallContext>();

  private syscallEntry(t: Thread, pc: number): void {
    const arch = t.proc.arch;
    let c = this.scratch.get(t);
    if (!c) {
      c = new SyscallContext(this, t);
      this.scratch.set(t, c);
    }
    c.thread = t;
    c.pc = pc;
    const nr = arch.syscallNr(t.cpu);
    arch.syscallArgs(t.cpu, c.args);
    const row = this.table(arch.arch)[nr];
    c.nr = nr;
    c.name = row?.name ?? `syscall_${nr}`;
    const ledger = t.proc.ledger;
    ledger.begin(nr);
    ledger.add("kernelEntries");
    try {
      this.runEntry(t, c, row, pc, nr);
    } finally {
      // A blocked call leaves the kernel when its wait ends (finishWait charges that exit).
      if (t.state === "runnable") ledger.add("kernelExits");
      ledger.end();
    }
  }

  private runEntry(t: Thread, c: SyscallContext, row: SyscallRow | undefined, pc: number, nr: number): void {
    const arch = t.proc.arch;
    this.stats.syscalls++;
    this.stats.syscallsByName[c.name] = (this.stats.syscallsByName[c.name] ?? 0) + 1;
    const ev: SyscallEvent = { pid: t.proc.pid, tid: t.tid, nr, name: c.name, pc, args: c.args.slice(), path: [] };
    for (const stage of this.entryStages) {
      ev.path.push(stage.name);
      const o = stage.run(ev, c, this);
      if (o.kind === "continue") continue;
      if (o.kind === "handled") {
        ev.result = o.result;
        arch.setSyscallResult(t.cpu, BigInt(o.result));
        this.traceExit(t, nr, c.name, ev.args, o.result);
      } else if (o.kind === "kill") {
        this.exitProcess(t.proc, { signal: o.signal, core: true });
      }
      this.emit(ev);
      return;
    }
    ev.path.push("dispatch");
    // A stage may have turned the call into another one (the bounce return flag runs the real number).
    this.dispatch(t, c, c.nr === nr ? row : this.table(arch.arch)[c.nr], ev);
    // A blocked call is reported when its wait completes (finishWait), with its result.
    if (t.state === "blocked" && t.waitingSyscall) t.waitingSyscall.event = ev;
    else this.emit(ev);
  }

  private emit(ev: SyscallEvent): void {
    for (const o of this.syscallObservers) o(ev);
  }

  /** Table dispatch: run the handler, write the result, trace it. */
  dispatch(t: Thread, c: SyscallContext, row: SyscallRow | undefined, ev: SyscallEvent): void {
    const arch = t.proc.arch;
    const nr = c.nr;
    const args = ev.args as bigint[];
    if (!row?.handler) {
      const key = `${arch.arch}:${nr}${row ? ":" + row.name : ""}`;
      if (!this.missing.has(key)) {
        this.missing.add(key);
        this.opts.onMissingSyscall?.(arch.arch, nr, row?.name);
      }
      ev.result = -ENOSYS;
      arch.setSyscallResult(t.cpu, BigInt(-ENOSYS));
      this.traceExit(t, nr, c.name, args, -ENOSYS);
      return;
    }
    // Calls that never return (exit, exit_group) are traced before they run, as strace prints `= ?` first.
    const noReturn = row.info.ret === "none";
    if (noReturn) this.traceExit(t, nr, c.name, args, "noreturn");
    let r;
    try {
      r = row.handler(c);
    } catch (e) {
      if (e instanceof SyscallError) r = -e.errno;
      else if (e instanceof GuestMemoryFault) r = -EFAULT;
      else throw e;
    }
    if (r === NO_RETURN) {
      // sigreturn and a successful execve return to user with registers the handler set up.
      if (t.state !== "dead" && t.proc.alive) {
        ev.result = Number(BigInt.asIntN(64, arch.getSyscallResult(t.cpu)));
        if (c.name.startsWith("execve")) ev.result = 0;
        this.traceExit(t, nr, c.name, args, ev.result);
      } else if (!noReturn) this.traceExit(t, nr, c.name, args, "noreturn");
      return;
    }
    if (typeof r === "number") {
      ev.result = r;
      arch.setSyscallResult(t.cpu, BigInt(r));
      this.traceExit(t, nr, c.name, args, r);
      return;
    }
    // Blocked: the thread sleeps until its wait completes (result written then).
    t.state = "blocked";
    t.wait = r.block;
    t.waitingSyscall = { nr, name: c.name, args, pc: c.pc };
    this.pollWait(t);
    if (t.state === "blocked" && this.deliverableMask(t) !== 0n) this.signalWake(t);
  }

  tracePrefix(t: Thread): string {
    return this.everMultiTask ? `[pid ${t.tid}] ` : "";
  }

  private traceExit(t: Thread, nr: number, name: string, args: readonly bigint[], result: number | "noreturn" | "restart"): void {
    if (!this.tracer) return;
    const row = this.table(t.proc.arch.arch)[nr];
    this.tracer.syscall(this.tracePrefix(t), t.proc, row?.info, name, args, result);
  }

  // ------------------------------------------------------------------ exit

  /** Thread exit (exit(2) or the end of exit_group): clear-tid wake, robust list, then gone. */
  exitThread(t: Thread): void {
    if (t.state === "dead") return;
    const p = t.proc;
    this.walkRobustList(t);
    if (t.clearChildTid) {
      try {
        p.mm.mem.write32(t.clearChildTid, 0);
        this.futexWake(p, t.clearChildTid, 1, 0xffffffff);
      } catch {
        // Linux ignores a bad clear_child_tid address.
      }
    }
    this.reapThread(t);
    if (p.threads.length === 0 && p.alive) this.finishProcess(p, p.lastExit ?? { code: 0 });
  }

  private reapThread(t: Thread): void {
    t.wait?.cancel?.();
    t.wait = undefined;
    t.state = "dead";
    this.retiredDead += t.cpu.counters.instructions;
    disposeCpu(t.cpu);
    const p = t.proc;
    p.threads = p.threads.filter((x) => x !== t);
    const i = this.tasks.indexOf(t);
    if (i >= 0) {
      this.tasks.splice(i, 1);
      if (this.rr > i) this.rr--;
    }
    this.scratch.delete(t);
  }

  /** exit_group or a fatal signal: every thread goes, then the process becomes a zombie for its parent. */
  exitProcess(p: Process, e: { code?: number; signal?: number; core?: boolean }): void {
    if (!p.alive) return;
    p.lastExit = e;
    for (const t of p.threads.slice() /* exitThread mutates the list */) this.exitThread(t);
    if (p.alive) this.finishProcess(p, e);
  }

  private finishProcess(p: Process, e: { code?: number; signal?: number; core?: boolean }): void {
    p.exit = e;
    this.tracer?.exit(p, e, this.everMultiTask);
    p.files.closeAll();
    for (const c of p.children) c.parent = this.root === p ? undefined : p.parent;
    const parent = p.parent;
    if (parent && parent.alive) {
      const status = e.signal !== undefined ? CLD_KILLED : CLD_EXITED;
      this.queueProcessSignal(parent, { signo: p.exitSignal || SIGCHLD, code: e.core ? CLD_DUMPED : status, pid: p.pid, uid: p.uid, status: e.signal ?? e.code ?? 0 });
    }
  }

  /** Wait status word for wait4 (WIFEXITED / WIFSIGNALED encodings). */
  static waitStatus(e: { code?: number; signal?: number; core?: boolean }): number {
    if (e.signal !== undefined) return e.signal | (e.core ? 0x80 : 0);
    return ((e.code ?? 0) & 0xff) << 8;
  }

  private walkRobustList(t: Thread): void {
    if (!t.robustList) return;
    const mem = t.proc.mm.mem;
    try {
      const head = t.robustList;
      const offset = Number(BigInt.asIntN(64, mem.read64(head + 8)));
      const pending = Number(mem.read64(head + 16));
      let entry = Number(mem.read64(head));
      const handle = (e: number) => {
        const uaddr = e - (e % 2) + offset;
        const val = mem.read32(uaddr);
        if ((val & 0x3fffffff) !== t.tid) return;
        // handle_futex_death: keep FUTEX_WAITERS, set FUTEX_OWNER_DIED, clear the TID; wake one waiter.
        mem.write32(uaddr, ((val & 0x80000000) | 0x40000000) >>> 0);
        if (val & 0x80000000) this.futexWake(t.proc, uaddr, 1, 0xffffffff);
      };
      for (let n = 0; entry !== head && n < 2048; n++) {
        const next = Number(mem.read64(entry - (entry % 2)));
        if (entry !== pending) handle(entry);
        entry = next;
      }
      if (pending) handle(pending);
    } catch {
      // A corrupt list stops the walk, as in Linux.
    }
  }

  // ------------------------------------------------------------------ futex

  futexWait(t: Thread, addr: number, bitset: number, deadline: bigint | undefined): Wait {
    const key = this.futexKeyFor(t.proc, addr);
    const w: FutexWaiter = { thread: t, bitset, woken: false };
    const q = this.futexQueues.get(key) ?? [];
    q.push(w);
    this.futexQueues.set(key, q);
    const leave = () => {
      const l = this.futexQueues.get(key);
      if (!l) return;
      const i = l.indexOf(w);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.futexQueues.delete(key);
    };
    const wait: Wait = {
      poll: () => (w.woken ? 0 : undefined),
      onTimeout: () => -110, // ETIMEDOUT
      cancel: leave,
      restartable: deadline === undefined,
      what: `futex 0x${addr.toString(16)}`,
    };
    if (deadline !== undefined) wait.deadline = deadline;
    return wait;
  }

  /** Threads sharing an address space share futex keys (private futexes are per mm). */
  futexKeyFor(p: Process, addr: number): string {
    let id = this.mmIds.get(p.mm);
    if (id === undefined) {
      id = ++this.mmCount;
      this.mmIds.set(p.mm, id);
    }
    return `${id}:${addr}`;
  }
  private readonly mmIds = new WeakMap<AddressSpace, number>();
  private mmCount = 0;

  futexWake(p: Process, addr: number, n: number, bitset: number): number {
    const key = this.futexKeyFor(p, addr);
    const q = this.futexQueues.get(key);
    if (!q) return 0;
    let woken = 0;
    for (const w of q.slice() /* waking splices the queue */) {
      if (woken >= n) break;
      if (!(w.bitset & bitset)) continue;
      w.woken = true;
      q.splice(q.indexOf(w), 1);
      woken++;
    }
    if (q.length === 0) this.futexQueues.delete(key);
    return woken;
  }

  futexRequeue(p: Process, from: number, to: number, nWake: number, nRequeue: number): number {
    const woken = this.futexWake(p, from, nWake, 0xffffffff);
    const k1 = this.futexKeyFor(p, from);
    const k2 = this.futexKeyFor(p, to);
    const q = this.futexQueues.get(k1);
    if (!q) return woken;
    const moved = q.splice(0, nRequeue);
    if (q.length === 0) this.futexQueues.delete(k1);
    if (moved.length) {
      const q2 = this.futexQueues.get(k2) ?? [];
      q2.push(...moved);
      this.futexQueues.set(k2, q2);
      // The waiters' cancel closures look in the old queue; re-point them.
      for (const w of moved) {
        const wt = w.thread.wait;
        if (wt) wt.cancel = () => {
          const l = this.futexQueues.get(k2);
          if (l) {
            const i = l.indexOf(w);
            if (i >= 0) l.splice(i, 1);
          }
        };
      }
    }
    return woken + moved.length;
  }

  // ------------------------------------------------------------------ helpers for handlers

  findThread(tid: number): Thread | undefined {
    return this.tasks.find((t) => t.tid === tid && t.state !== "dead");
  }

  /** kill(2) target resolution for pid > 0. */
  findProcess(pid: number): Process | undefined {
    const p = this.processes.get(pid);
    return p && p.alive ? p : undefined;
  }

  sendSignal(from: Thread, target: Process, sig: number): number {
    if (!target.alive) return -ESRCH;
    if (sig === 0) return 0;
    this.queueProcessSignal(target, { signo: sig, code: 0, pid: from.proc.pid, uid: from.proc.uid });
    return 0;
  }

  sendThreadSignal(from: Thread, target: Thread, sig: number): number {
    if (sig === 0) return 0;
    if (sig === SIGKILL) {
      this.exitProcess(target.proc, { signal: SIGKILL });
      return 0;
    }
    const act = target.proc.sigactions[sig]!;
    const bit = sigbit(sig);
    if (!(target.sigmask & bit) && (act.handler === 1 || (act.handler === 0 && defaultAction(sig) === "ignore"))) return 0;
    this.queueThreadSignal(target, { signo: sig, code: -6 /* SI_TKILL */, pid: from.proc.pid, uid: from.proc.uid });
    return 0;
  }

  /** Keep the EAGAIN import meaningful for handlers that probe without blocking. */
  static readonly EAGAIN = EAGAIN;
}

/** Cores that subscribe to code invalidation on a shared GuestMemory offer dispose(); a dead thread's core must detach. */
function disposeCpu(cpu: Cpu): void {
  (cpu as Cpu & { dispose?: () => void }).dispose?.();
}

function lowestSignal(mask: bigint): number {
  let sig = 1;
  while (!(mask & 1n)) {
    mask >>= 1n;
    sig++;
  }
  return sig;
}

