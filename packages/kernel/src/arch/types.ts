/**
 * The per-ISA half of the kernel, behind one interface: syscall registers,
 * the initial register state, signal frame build/restore, HWCAP, AT_PLATFORM,
 * AUDIT_ARCH and CPU construction. Everything else in the kernel is
 * arch-neutral.
 */
import { PAGE_MASK, PAGE_SIZE, tlbSlot, type Arch, type Cpu, type GuestMemory } from "@uabi/isa-core";
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
  /** The stack pointer as `Number(cpu.sp)` gives it, read from the register halves (no BigInt). */
  stackPointer(cpu: Cpu): number;
  /** `userFlags` as a Number: both ISAs' user flags lie in the low 32 bits (the bounce path: no BigInt). */
  userFlagsWord(cpu: Cpu): number;
  /** `setUserFlags` from a value below 2^32. */
  setUserFlagsWord(cpu: Cpu, flags: number): void;
  /** `cpu.sp = (hi << 32) | lo` from two 32-bit words, stored into the register halves. */
  setStackPointerWords(cpu: Cpu, lo: number, hi: number): void;
  /** `cpu.setReg(i, (hi << 32) | lo)` from two 32-bit words. */
  setRegWords(cpu: Cpu, i: number, lo: number, hi: number): void;
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
  return bigFromWords(lo, hi);
}
/** The unsigned 64-bit value of two 32-bit words (each taken modulo 2^32), for a core without halves. */
export function bigFromWords(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
/** Store a safe integer (negative ones in two's complement) as a register's halves. */
export function setHalvesFromNumber(r: RegisterHalves, i: number, x: number): void {
  r.L[i] = x | 0; // ToInt32 is x modulo 2^32
  r.H[i] = Math.floor(x / 0x1_0000_0000) | 0;
}

/**
 * A signal frame's bytes, assembled in a buffer reused for every delivery (a fresh 4.6 KiB buffer per SIGSYS was
 * most of a reflected call's allocation): the writers store 64-bit values from 32-bit halves, never via BigInt.
 */
export class FrameScratch {
  readonly b: Uint8Array;
  readonly v: DataView;
  /** `b.subarray(lo, hi)` views, made once per distinct range (a frame writes one of a few ranges). */
  private readonly views = new Map<number, Uint8Array>();
  constructor(n: number) {
    this.b = new Uint8Array(n);
    this.v = new DataView(this.b.buffer);
  }
  view(lo: number, hi: number): Uint8Array {
    const key = lo * 0x10000 + hi;
    let s = this.views.get(key);
    if (!s) {
      s = this.b.subarray(lo, hi);
      this.views.set(key, s);
    }
    return s;
  }
  /** A 64-bit slot from its halves (each taken modulo 2^32). */
  halves(off: number, lo: number, hi: number): void {
    this.v.setInt32(off, lo | 0, true);
    this.v.setInt32(off + 4, hi | 0, true);
  }
  /** A 64-bit slot from an integral Number, as `BigInt.asUintN(64, BigInt(x))` stores it (negatives in two's complement). */
  num(off: number, x: number): void {
    this.v.setInt32(off, x | 0, true); // ToInt32 is x modulo 2^32, exact for any integral double
    this.v.setInt32(off + 4, Math.floor(x / 0x1_0000_0000) | 0, true);
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
  big(off: number, x: bigint): void {
    this.v.setBigUint64(off, x, true); // ToBigUint64: modulo 2^64, as BigInt.asUintN(64, x)
  }
  /** The 64-bit slot at `off` as a Number, as `Number(getBigUint64(off))` rounds it. */
  numAt(off: number): number {
    return (this.v.getUint32(off + 4, true) * 0x1_0000_0000) + this.v.getUint32(off, true);
  }
}

/**
 * Throws the fault `readBytes(addr, len)` would throw, without copying: one read per page of the range (a read
 * resolves the page exactly as the copy does).
 */
export function probeReadable(mem: GuestMemory, addr: number, len: number): void {
  if (len <= 0) return;
  mem.read8(addr);
  for (let a = (Math.floor(addr / PAGE_SIZE) + 1) * PAGE_SIZE; a < addr + len; a += PAGE_SIZE) mem.read8(a);
}

/**
 * `readBytes(addr, len)` into `dst` (from offset 0) without a fresh buffer: each page is copied from the read
 * TLB, a miss resolved by a one-byte read first, which faults exactly where the copy would (page by page, in
 * order) and fills the slot. Throws GuestMemoryFault like readBytes.
 */
export function readInto(mem: GuestMemory, addr: number, len: number, dst: Uint8Array): void {
  const tlb = mem.readTlb;
  let done = 0;
  while (done < len) {
    const a = addr + done;
    const off = a & PAGE_MASK;
    const n = Math.min(len - done, PAGE_SIZE - off);
    const pn = Math.floor(a / PAGE_SIZE);
    const i = tlbSlot(pn);
    if (tlb.tag[i] !== pn) mem.read8(a);
    const page = tlb.tag[i] === pn ? tlb.bytes[i] : undefined;
    if (page) dst.set(page.subarray(off, off + n), done);
    else for (let k = 0; k < n; k++) dst[done + k] = mem.read8(a + k);
    done += n;
  }
}

/**
 * Whether every page of [addr, addr + len) is in the write TLB: writable now and holding no decoded code, so a
 * copy-out there cannot fault and has no effect beyond its bytes (the TLB's contract), and a read cannot fault.
 */
export function inWriteTlb(mem: GuestMemory, addr: number, len: number): boolean {
  const tag = mem.writeTlb.tag;
  const last = Math.floor((addr + len - 1) / PAGE_SIZE);
  for (let pn = Math.floor(addr / PAGE_SIZE); pn <= last; pn++) if (tag[tlbSlot(pn)] !== pn) return false;
  return true;
}

/** `writeBytes(addr, src)`, copied straight into the page when it lies in one page of the write TLB. */
export function copyOut(mem: GuestMemory, addr: number, src: Uint8Array): void {
  const off = addr & PAGE_MASK;
  const tlb = mem.writeTlb;
  const pn = Math.floor(addr / PAGE_SIZE);
  if (off + src.length <= PAGE_SIZE) {
    const i = tlbSlot(pn);
    const page = tlb.tag[i] === pn ? tlb.bytes[i] : undefined;
    if (page) {
      page.set(src, off);
      return;
    }
  } else if (Number.isSafeInteger(addr) && src.length > 0) {
    // A copy across pages (a signal frame usually is): page by page from the TLB when every page is in it (so
    // no part can fault or touch code), else writeBytes for the whole, as before.
    const last = Math.floor((addr + src.length - 1) / PAGE_SIZE);
    let all = true;
    for (let q = pn; q <= last && all; q++) all = tlb.tag[tlbSlot(q)] === q;
    if (all) {
      let done = 0;
      for (let q = pn; q <= last; q++) {
        const o = q === pn ? off : 0;
        const n = Math.min(src.length - done, PAGE_SIZE - o);
        tlb.bytes[tlbSlot(q)]!.set(src.subarray(done, done + n), o);
        done += n;
      }
      return;
    }
  }
  mem.writeBytes(addr, src);
}

/**
 * After a copy-out of [lo, written) whose range is [lo, hi): rewrite one byte of each further page with its own
 * value. A builder that leaves a frame's tail untouched still owes what the whole-frame copy did to those pages:
 * they become resident, and one holding decoded code is invalidated (SMC). Same pages, same order; no byte changes.
 */
export function touchTail(mem: GuestMemory, written: number, hi: number): void {
  for (let a = Math.floor((written - 1) / PAGE_SIZE + 1) * PAGE_SIZE; a < hi; a += PAGE_SIZE) mem.write8(a, mem.read8(a));
}

/** A refused sigreturn (the task gets SIGSEGV). */
export function sigreturnFailure(reason: string): SigreturnResult {
  return { ok: false, mask: 0n, altstack: { sp: 0, flags: 0, size: 0 }, reason };
}

export const roundDown = (x: number, a: number) => x - (((x % a) + a) % a);
export const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;
