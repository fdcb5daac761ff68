/**
 * The per-ISA half of the kernel, behind one interface: syscall registers,
 * the initial register state, signal frame build/restore, HWCAP, AT_PLATFORM,
 * AUDIT_ARCH and CPU construction. Everything else in the kernel is
 * arch-neutral.
 */
import type { Arch, Cpu, GuestMemory } from "@uabi/isa-core";
import type { SigInfo } from "../signal.js";

/** What a signal frame needs to know about the signal being delivered. */
export interface SignalDelivery {
  sig: number;
  /** 128-byte siginfo image (already encoded). */
  info: Uint8Array;
  handler: number;
  flags: number; // sa_flags
  restorer: number;
  /** Signal mask to save in the frame (the mask before delivery). */
  savedMask: bigint;
  /** Where the frame goes: the stack pointer to build below (already switched to the altstack if needed). */
  sp: number;
  /** uc_stack contents (the thread's sigaltstack settings). */
  altstack: { sp: number; flags: number; size: number };
  /** Address reported as fault_address / cr2 (0 if none). */
  faultAddr: number;
  /** arm64 ESR for fault signals (0: no esr_context record); x86 trapno/err. */
  esr: number;
  trapno: number;
  err: number;
  /** Address of __kernel_rt_sigreturn in the vDSO (arm64 default return when no SA_RESTORER). */
  vdsoSigreturn: number;
  /** Whether the interrupted SP was on the alternate stack (decides red-zone skipping and uc_stack flags). */
  onAltstack: boolean;
  /** Make [lo, hi) writable stack if it can be (grows the stack VMA like a user fault would). */
  ensure(lo: number, hi: number): void;
}

export interface FrameResult {
  ok: boolean;
  /** Address of the frame (sp at handler entry). */
  frame: number;
  /** Bytes of stack consumed, from the interrupted sp down to the frame (the cost story). */
  bytes: number;
}

export interface SigreturnResult {
  ok: boolean;
  mask: bigint;
  altstack: { sp: number; flags: number; size: number };
  /**
   * The frame was accepted, but the return to user mode with its state faults at once (x86-64: IRET with a
   * non-user CS/SS or a non-canonical RIP raises #GP; either ISA: the first fetch from a PC outside user space):
   * the signal the task then gets. The registers hold what could be restored; mask and altstack are restored.
   */
  returnFault?: SigInfo;
  /** Why validation failed (for the trace), when !ok. */
  reason?: string;
}

export interface CpuOptions {
  /** The virtual counter (CNTVCT_EL0 / TSC). */
  counter: () => bigint;
  counterFrequency: number;
  /** The translating tier (both cores' `jit` option); false runs the interpreter only. Default true. */
  jit?: boolean;
}

export interface ArchAdapter {
  readonly arch: Arch;
  /** ELF e_machine this adapter executes. */
  readonly elfMachine: number;
  /** AUDIT_ARCH_* (seccomp_data.arch). */
  readonly auditArch: number;
  readonly platform: string;
  readonly hwcap: bigint;
  readonly hwcap2: bigint;
  /** AT_MINSIGSTKSZ. */
  readonly minSigStkSz: number;
  /** MINSIGSTKSZ for sigaltstack's ENOMEM check (uapi constant). */
  readonly minSigStkSzConst: number;
  /** One past the highest user address. */
  readonly taskSize: number;
  /** Load bias for static-PIE (ET_DYN) executables (ELF_ET_DYN_BASE without randomisation). */
  readonly etDynBase: number;
  /** Length of the syscall instruction (for restarts). */
  readonly syscallInsnLength: number;
  /** Does this arch have a red zone that signal frames skip? */
  readonly redZone: number;
  /** uname machine field. */
  readonly machine: string;
  createCpu(mem: GuestMemory, opts: CpuOptions): Cpu;
  /** The CPU is gone (thread exit, exec): the core detaches from the shared memory's code invalidation. */
  releaseCpu(cpu: Cpu): void;
  /** The user-visible condition flags as the bounce frame stores them: PSTATE (NZCV at 31..28) / RFLAGS. */
  userFlags(cpu: Cpu): bigint;
  /** Set the condition flags from a (sanitised) PSTATE / RFLAGS value. */
  setUserFlags(cpu: Cpu, flags: bigint): void;
  syscallNr(cpu: Cpu): number;
  /** Write the six syscall arguments into `out`. */
  syscallArgs(cpu: Cpu, out: bigint[]): void;
  setSyscallResult(cpu: Cpu, value: bigint): void;
  /** The same for a result the handler gave as a safe integer (the hot path: no BigInt). */
  setSyscallResultNumber(cpu: Cpu, value: number): void;
  getSyscallResult(cpu: Cpu): bigint;
  /** Registers at process entry (after the initial stack is built). */
  initRegisters(cpu: Cpu, entry: number, sp: number): void;
  /** For a new thread from clone: copy registers, set the child's sp/tls and result 0. */
  copyForClone(parent: Cpu, child: Cpu, newSp: number | undefined, tls: bigint | undefined): void;
  buildSignalFrame(cpu: Cpu, d: SignalDelivery): FrameResult;
  /** The CPU traps after every instruction (x86-64 RFLAGS.TF): the kernel runs it one instruction at a time, then SIGTRAP. */
  singleStepping(cpu: Cpu): boolean;
  sigreturn(cpu: Cpu): SigreturnResult;
  /** The stack-pointer the sigreturn frame is expected at (for tests and traces). */
  readonly frameSize: number;
}

/** Little-endian byte builder over a scratch buffer. */
export class Bytes {
  readonly b: Uint8Array;
  readonly v: DataView;
  constructor(n: number) {
    this.b = new Uint8Array(n);
    this.v = new DataView(this.b.buffer);
  }
  u16(off: number, x: number): void {
    this.v.setUint16(off, x, true);
  }
  u32(off: number, x: number): void {
    this.v.setUint32(off, x >>> 0, true);
  }
  i32(off: number, x: number): void {
    this.v.setInt32(off, x, true);
  }
  u64(off: number, x: bigint | number): void {
    this.v.setBigUint64(off, BigInt.asUintN(64, BigInt(x)), true);
  }
}

/**
 * Both cores keep each 64-bit register as two 32-bit halves (`L`, `H`). The syscall path reads and writes them
 * there directly: the BigInt a `getReg` builds costs more than the rest of a simple syscall's entry.
 */
export interface RegisterHalves {
  readonly L: Int32Array;
  readonly H: Int32Array;
}
/** A register as a BigInt from its halves: no BigInt operation for zero, one when the high half is zero. */
export function regFromHalves(r: RegisterHalves, i: number): bigint {
  const hi = r.H[i]!;
  const lo = r.L[i]!;
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo >>> 0);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
/** Store a safe integer (negative ones in two's complement) as a register's halves. */
export function setHalvesFromNumber(r: RegisterHalves, i: number, x: number): void {
  r.L[i] = x | 0; // ToInt32 is x modulo 2^32
  r.H[i] = Math.floor(x / 0x1_0000_0000) | 0;
}

export const roundDown = (x: number, a: number) => x - (((x % a) + a) % a);
export const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;
