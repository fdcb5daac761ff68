/**
 * Processes and threads. A thread owns a CPU of its ISA; a process owns the
 * address space, descriptor table, filesystem context, signal handlers and
 * identity. Threads of one process share all of these (CLONE_VM|CLONE_FILES|
 * CLONE_FS|CLONE_SIGHAND|CLONE_THREAD).
 */
import type { Cpu } from "@uabi/isa-core";
import type { ArchAdapter } from "./arch/types.js";
import type { FdTable } from "./fd.js";
import type { AddressSpace } from "./mm.js";
import type { AltStack, SigAction, SigInfo } from "./signal.js";
import type { DirNode } from "./vfs.js";
import { CostLedger } from "./cost/index.js";
import type { SyscallEvent } from "./entry/types.js";
import type { LibkernelText, ThreadMech } from "./mechanisms/state.js";

/** What a blocked thread waits for. `poll` answers the syscall result once the wait is over. */
export interface Wait {
  /** Virtual-clock deadline (ns, CLOCK_MONOTONIC), if any. */
  deadline?: bigint;
  poll(): number | undefined;
  onTimeout?(): number;
  /** Called when a signal interrupts the wait (cleanup, e.g. leave a futex queue). */
  cancel?(): void;
  /** The syscall may be restarted after a handler with SA_RESTART (ERESTARTSYS semantics). */
  restartable: boolean;
  /** For traces: what it waits on. */
  what: string;
}

/** Real, effective, saved and filesystem ids and supplementary groups (struct cred). */
export interface Credentials {
  ruid: number;
  euid: number;
  suid: number;
  fsuid: number;
  rgid: number;
  egid: number;
  sgid: number;
  fsgid: number;
  groups: number[];
}

export function rootCredentials(uid: number, gid: number): Credentials {
  return { ruid: uid, euid: uid, suid: uid, fsuid: uid, rgid: gid, egid: gid, sgid: gid, fsgid: gid, groups: [gid] };
}

export function copyCredentials(c: Credentials): Credentials {
  return { ...c, groups: [...c.groups] };
}

export type ThreadState = "runnable" | "blocked" | "dead";

export class Thread {
  state: ThreadState = "runnable";
  sigmask = 0n;
  pending = 0n;
  readonly pendingInfo = new Map<number, SigInfo[]>();
  altstack: AltStack = { sp: 0, size: 0, flags: 2 };
  clearChildTid = 0;
  robustList = 0;
  robustLen = 0;
  rseq = { addr: 0, len: 0, sig: 0 };
  /** libkernel per-task page (0 without a vDSO). */
  taskPage = 0;
  wait: Wait | undefined;
  /** Pending syscall during a wait: number and name, for trace lines. */
  waitingSyscall: { nr: number; name: string; args: bigint[]; pc: number; event?: SyscallEvent } | undefined;
  /** Signal mask to restore after a handler that interrupted sigsuspend-style calls. */
  savedMask: bigint | undefined;
  /** The mechanisms' state of this thread (MechanismState's, kept here: it is read on every slice and entry). */
  mech: ThreadMech | undefined = undefined;
  /** Instructions this thread has retired. */
  get instructions(): number {
    return this.cpu.counters.instructions;
  }
  constructor(
    readonly tid: number,
    public proc: Process,
    public cpu: Cpu,
  ) {}
}

export interface ExitInfo {
  /** exit code (0..255) or undefined when killed by a signal. */
  code?: number;
  signal?: number;
  core?: boolean;
}

export interface FsContext {
  cwd: DirNode;
  umask: number;
}

export class Process {
  threads: Thread[] = [];
  children: Process[] = [];
  /** Cost counters of this process, per syscall (src/cost). */
  readonly ledger = new CostLedger();
  sigactions: SigAction[] = [];
  sharedPending = 0n;
  readonly sharedPendingInfo = new Map<number, SigInfo[]>();
  exit: ExitInfo | undefined;
  /** How the process is ending (set by exit_group / a fatal signal before the threads are torn down). */
  lastExit: ExitInfo | undefined;
  /** Reaped by wait4 (or by the kernel for the root process). */
  reaped = false;
  personality = 0;
  comm = "";
  exePath = "";
  exeBytes: Uint8Array = new Uint8Array(0);
  vdsoBase = 0;
  vdsoSigreturn = 0;
  vvarBase = 0;
  vvarSeq = 0;
  /** libkernel per-fs page, shared by CLONE_FS threads (0 without a vDSO). */
  fsPage = 0;
  /**
   * MechanismState's per-process cache, kept here because it is read on every slice and entry: the libkernel
   * text (null: none; undefined: not looked up since the last exec) and the thread that last entered the kernel.
   */
  mechText: LibkernelText | null | undefined = undefined;
  lastEntered: Thread | undefined = undefined;
  exitSignal = 17; // SIGCHLD
  rlimits: [bigint, bigint][] = [];
  /** Credentials (include/linux/cred.h): shared by the threads of the process in this model. */
  cred: Credentials = rootCredentials(0, 0);
  /** The effective uid: what permission and capability checks ask (CAP_* iff euid 0 in this model). */
  get uid(): number {
    return this.cred.euid;
  }
  get gid(): number {
    return this.cred.egid;
  }
  noNewPrivs = false;
  /** A CLONE_VFORK child released its parent (exec or exit). */
  vforkDone = false;
  dumpable = 1;
  pdeathsig = 0;
  constructor(
    readonly pid: number,
    public parent: Process | undefined,
    public arch: ArchAdapter,
    public mm: AddressSpace,
    public files: FdTable,
    public fs: FsContext,
  ) {
    for (let i = 0; i <= 64; i++) this.sigactions.push({ handler: 0, flags: 0, restorer: 0, mask: 0n });
  }
  /**
   * The parent's pid. The first process has a parent that is not a guest process (the shell that started it,
   * pid 1), and orphans are reparented to it, as to init on Linux.
   */
  get ppid(): number {
    return this.parent?.pid ?? 1;
  }
  get alive(): boolean {
    return this.exit === undefined;
  }
  get leader(): Thread | undefined {
    return this.threads[0];
  }
}
