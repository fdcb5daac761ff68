/**
 * arm64 (AArch64) adapter: syscalls via x8/x0..x5, rt_sigframe built
 * byte-for-byte as arch/arm64/kernel/signal.c does (4688-byte frame with the
 * 4 KiB __reserved area, fpsimd record first, esr record for faults, a
 * terminator, and the {fp, lr} frame record above it), sigreturn validation
 * (16-byte aligned SP, exactly one fpsimd record, no unknown records) and
 * PSTATE sanitising (valid_user_regs: RES0 mask, EL0t, DAIF clear).
 */
import type { Cpu, GuestMemory } from "@uabi/isa-core";
import { Arm64Cpu, ARM64_HWCAP } from "@uabi/isa-arm64";
import { ARM64_SIGFRAME, LAYOUTS, offsetOf } from "@uabi/uapi";
import { EM } from "@uabi/elf";
import { FrameScratch, bigFromWords, copyOut, sigreturnFailure, inWriteTlb, probeReadable, readInto, regFromHalves, roundDown, setHalvesFromNumber, touchTail, type ArchAdapter, type CpuOptions, type FrameResult, type SignalDelivery, type SigreturnResult } from "./types.js";

/** The arm64-specific CPU state the kernel reads and writes (isa-arm64's Arm64Cpu). */
export interface A64State extends Cpu {
  /** NZCV as the 4-bit value N=8 Z=4 C=2 V=1. */
  nzcv: number;
  fpcr: number;
  fpsr: number;
  getVec(i: number): [bigint, bigint];
  setVec(i: number, lo: bigint, hi: bigint): void;
}

export const { FPSIMD_MAGIC, ESR_MAGIC, SVE_MAGIC, EXTRA_MAGIC } = ARM64_SIGFRAME;

/** sizeof(struct rt_sigframe): siginfo 128 + ucontext 4560. */
export const A64_SIGFRAME_SIZE = LAYOUTS.arm64.rt_sigframe.size;
/**
 * Where each field sits in the rt_sigframe and its records: read from @uabi/uapi's layouts (checked against gcc
 * there), the same table the vDSO's SIGSYS glue reads the frame with, so writer and readers cannot drift.
 */
const FRAME = LAYOUTS.arm64.rt_sigframe;
const FPSIMD = LAYOUTS.arm64.fpsimd_context;
const FPSIMD_SIZE = FPSIMD.size;
const ESR = LAYOUTS.arm64.esr_context;
const at = (field: string) => offsetOf(FRAME, field);
const F = {
  uc: at("uc"),
  ucFlags: at("uc.uc_flags"),
  ucLink: at("uc.uc_link"),
  ssSp: at("uc.uc_stack.ss_sp"),
  ssFlags: at("uc.uc_stack.ss_flags"),
  ssSize: at("uc.uc_stack.ss_size"),
  sigmask: at("uc.uc_sigmask"),
  faultAddress: at("uc.uc_mcontext.fault_address"),
  regs: at("uc.uc_mcontext.regs"),
  sp: at("uc.uc_mcontext.sp"),
  pc: at("uc.uc_mcontext.pc"),
  pstate: at("uc.uc_mcontext.pstate"),
  reserved: at("uc.uc_mcontext.__reserved"),
  reservedSize: FRAME.fields["uc.uc_mcontext.__reserved"]!.size,
} as const;
/** Offsets inside a record of __reserved. */
const REC = {
  magic: offsetOf(FPSIMD, "head.magic"),
  size: offsetOf(FPSIMD, "head.size"),
  fpsr: offsetOf(FPSIMD, "fpsr"),
  fpcr: offsetOf(FPSIMD, "fpcr"),
  vregs: offsetOf(FPSIMD, "vregs"),
  esr: offsetOf(ESR, "esr"),
} as const;
/** PSTATE bits userspace may not set (arch/arm64/kernel/ptrace.c valid_native_regs). */
export const PSTATE_RES0 = ARM64_SIGFRAME.PSR_RES0_MASK;
/** TASK_SIZE_64 with 48-bit VAs. */
const TASK_SIZE_64 = 2 ** 48;
const PSTATE_MODE_MASK = 0x1f; // M[3:0] and MODE32
const PSTATE_DAIF = 0x3c0;
/** The low word of PSTATE_RES0: every PSTATE bit sigreturn looks at (mode, DAIF, NZCV) is in the low word. */
const PSTATE_RES0_LO = Number(PSTATE_RES0 & 0xffffffffn) | 0;
/** TASK_SIZE_64's high word: a PC at or above it is outside user space. */
const TASK_SIZE_64_HI = TASK_SIZE_64 / 0x1_0000_0000;


/**
 * The bytes of ucontext, up to __reserved, that the frame writer does not store (uc_stack's padding, uc.__unused,
 * the pad before __reserved): the complement of the fields it writes, so they keep what memory held.
 */
const KEPT: readonly (readonly [number, number])[] = (() => {
  const written: [number, number][] = [
    [F.ucFlags, 8], [F.ucLink, 8], [F.ssSp, 8], [F.ssFlags, 4], [F.ssSize, 8], [F.sigmask, 8], [F.faultAddress, 8],
    [F.regs, 31 * 8], [F.sp, 8], [F.pc, 8], [F.pstate, 8],
  ];
  written.sort((a, b) => a[0] - b[0]);
  const gaps: [number, number][] = [];
  let at = F.uc;
  for (const [off, len] of written) {
    if (off > at) gaps.push([at, off]);
    at = Math.max(at, off + len);
  }
  if (at < F.reserved) gaps.push([at, F.reserved]);
  if (gaps.some(([lo, hi]) => lo % 4 !== 0 || hi % 4 !== 0)) throw new Error("arm64 rt_sigframe: gaps not word aligned");
  return gaps;
})();
/** Where Arm64Cpu keeps SP in its register halves (x0..x30 are 0..30, [31] the zero register). */
const SP_SLOT = 32;
/** The frame up to the longest records' terminator (fpsimd, esr, terminator), and the {fp, lr} frame record. */
const SCRATCH = new FrameScratch(F.reserved + FPSIMD_SIZE + ESR.size + 8);
const RECORD = new FrameScratch(16);
/** The frame sigreturn restores from, copied out of guest memory whole (its records may lie anywhere in __reserved). */
const FRAME_IN = new FrameScratch(A64_SIGFRAME_SIZE);
/** Typed arrays use the host's byte order; the frame is little-endian. */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copy [lo, hi) of the frame at `frame` from guest memory into the scratch (bytes the kernel leaves as they are). */
function keep(f: FrameScratch, mem: GuestMemory, frame: number, lo: number, hi: number): void {
  for (let o = lo; o < hi; o += 4) f.v.setUint32(o, mem.read32(frame + o), true);
}

function nzcvToPstate(n: number): bigint {
  return BigInt((n & 0xf) >>> 0) << 28n;
}

/** Module-local aliases for the syscall path (under the development loader each use of an import is a getter call). */
const Core = Arm64Cpu, fromHalves = regFromHalves, toHalves = setHalvesFromNumber;

export const arm64Adapter: ArchAdapter = {
  arch: "arm64",
  elfMachine: EM.AARCH64,
  auditArch: 0xc00000b7, // AUDIT_ARCH_AARCH64 = EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
  platform: "aarch64",
  machine: "aarch64",
  // Exactly what the core implements (isa-arm64's ARM64_HWCAP: FP | ASIMD), so glibc picks code paths it can run.
  hwcap: BigInt(ARM64_HWCAP),
  hwcap2: 0n,
  // signal_minsigstksz = sigframe_size + round_up(sizeof(frame_record), 16) + 16 (arch/arm64/kernel/signal.c)
  minSigStkSz: A64_SIGFRAME_SIZE + 16 + 16,
  minSigStkSzConst: 5120, // arch/arm64/include/uapi/asm/signal.h MINSIGSTKSZ
  taskSize: TASK_SIZE_64,
  etDynBase: 0xaaaaaaaaa000, // ELF_ET_DYN_BASE = 2/3 TASK_SIZE, page aligned, no randomisation
  syscallInsnLength: 4,
  redZone: 0,
  frameSize: A64_SIGFRAME_SIZE,

  createCpu(mem: GuestMemory, opts: CpuOptions): Cpu {
    return new Arm64Cpu(mem, { counter: opts.counter, counterFrequency: opts.counterFrequency, ...(opts.jit === false ? { jit: false } : {}) });
  },
  releaseCpu(cpu) {
    if (cpu instanceof Core) cpu.dispose();
  },
  singleStepping() {
    return false; // valid_user_regs clears PSTATE.SS for a native task: sigreturn cannot start single-stepping
  },
  userFlags(cpu) {
    return nzcvToPstate((cpu as A64State).nzcv);
  },
  setUserFlags(cpu, flags) {
    (cpu as A64State).nzcv = Number((flags >> 28n) & 0xfn);
  },
  stackPointer(cpu) {
    return cpu instanceof Core ? (cpu.H[SP_SLOT]! >>> 0) * 0x1_0000_0000 + (cpu.L[SP_SLOT]! >>> 0) : Number(cpu.sp);
  },
  userFlagsWord(cpu) {
    return ((cpu as A64State).nzcv & 0xf) * 0x1000_0000; // nzcvToPstate, unsigned
  },
  setUserFlagsWord(cpu, flags) {
    (cpu as A64State).nzcv = (flags >>> 28) & 0xf;
  },
  setStackPointerWords(cpu, lo, hi) {
    if (cpu instanceof Core) {
      cpu.L[SP_SLOT] = lo;
      cpu.H[SP_SLOT] = hi;
    } else cpu.sp = bigFromWords(lo, hi);
  },
  setRegWords(cpu, i, lo, hi) {
    if (cpu instanceof Core && i >= 0 && i < 31) {
      cpu.L[i] = lo;
      cpu.H[i] = hi;
    } else cpu.setReg(i, bigFromWords(lo, hi));
  },
  syscallNr(cpu) {
    return cpu instanceof Core ? cpu.L[8]! >>> 0 : Number(BigInt.asUintN(32, cpu.getReg(8)));
  },
  syscallArgs(cpu, out) {
    if (cpu instanceof Core) for (let i = 0; i < 6; i++) out[i] = fromHalves(cpu, i);
    else for (let i = 0; i < 6; i++) out[i] = cpu.getReg(i);
  },
  setSyscallResult(cpu, v) {
    cpu.setReg(0, BigInt.asUintN(64, v));
  },
  setSyscallResultNumber(cpu, v) {
    if (cpu instanceof Core) toHalves(cpu, 0, v);
    else cpu.setReg(0, BigInt.asUintN(64, BigInt(v)));
  },
  getSyscallResult(cpu) {
    return cpu.getReg(0);
  },
  initRegisters(cpu, entry, sp) {
    // ELF_PLAT_INIT / start_thread: all registers zero, x0 = 0 (no rtld_fini).
    for (let i = 0; i < 31; i++) cpu.setReg(i, 0n);
    cpu.sp = BigInt(sp);
    cpu.pc = entry;
  },
  copyForClone(parent, child, newSp, tls) {
    const p = parent as A64State, c = child as A64State;
    for (let i = 0; i < 31; i++) c.setReg(i, p.getReg(i));
    c.sp = newSp !== undefined ? BigInt(newSp) : p.sp;
    c.pc = p.pc;
    c.tlsBase = tls !== undefined ? tls : p.tlsBase;
    c.nzcv = p.nzcv;
    c.fpcr = p.fpcr;
    c.fpsr = p.fpsr;
    for (let i = 0; i < 32; i++) {
      const [lo, hi] = p.getVec(i);
      c.setVec(i, lo, hi);
    }
    c.setReg(0, 0n);
  },

  buildSignalFrame(cpu0: Cpu, d: SignalDelivery): FrameResult {
    const cpu = cpu0 as A64State;
    const mem = cpu.mem;
    // get_sigframe: frame record first, then the frame below it (no red zone on arm64).
    const record = roundDown(d.sp - 16, 16);
    const frame = roundDown(record, 16) - A64_SIGFRAME_SIZE;
    const top = d.sp;
    try {
      d.ensure(frame, record + 16);
      // The whole frame is the copy-out's range (a fault leaves memory unchanged); bytes the kernel does not
      // write keep their contents. Only the frame up to the records' terminator is assembled and written (the
      // gaps in it copied from memory first): the rest of __reserved is left as it is.
      if (!inWriteTlb(mem, frame, A64_SIGFRAME_SIZE)) {
        probeReadable(mem, frame, A64_SIGFRAME_SIZE); // read first: the pages become resident even if the write then faults
        mem.checkWritable(frame, A64_SIGFRAME_SIZE);
      }
      const f = SCRATCH;
      if (d.flags & 4 /* SA_SIGINFO */) f.b.set(d.info, 0);
      else keep(f, mem, frame, 0, F.uc);
      for (let k = 0; k < KEPT.length; k++) keep(f, mem, frame, KEPT[k]![0], KEPT[k]![1]);
      f.num(F.ucFlags, 0);
      f.num(F.ucLink, 0);
      f.num(F.ssSp, d.altstack.sp);
      f.i32(F.ssFlags, d.altstack.flags);
      f.num(F.ssSize, d.altstack.size);
      f.big(F.sigmask, d.savedMask);
      f.num(F.faultAddress, d.faultAddr);
      if (cpu instanceof Core) {
        const L = cpu.L, H = cpu.H;
        for (let i = 0; i < 31; i++) f.halves(F.regs + 8 * i, L[i]!, H[i]!);
        f.halves(F.sp, L[SP_SLOT]!, H[SP_SLOT]!);
      } else {
        for (let i = 0; i < 31; i++) f.big(F.regs + 8 * i, cpu.getReg(i));
        f.big(F.sp, cpu.sp);
      }
      f.num(F.pc, cpu.pc);
      f.halves(F.pstate, (cpu.nzcv & 0xf) << 28, 0);
      // fpsimd_context
      let off = F.reserved;
      f.u32(off + REC.magic, FPSIMD_MAGIC);
      f.u32(off + REC.size, FPSIMD_SIZE);
      f.u32(off + REC.fpsr, cpu.fpsr);
      f.u32(off + REC.fpcr, cpu.fpcr);
      if (cpu instanceof Core && HOST_LE) f.b.set(cpu.vb, off + REC.vregs); // V0..V31 as 16 little-endian bytes each
      else for (let i = 0; i < 32; i++) {
        const [lo, hi] = cpu.getVec(i);
        f.big(off + REC.vregs + 16 * i, lo);
        f.big(off + REC.vregs + 16 * i + 8, hi);
      }
      off += FPSIMD_SIZE;
      if (d.esr !== 0) {
        f.u32(off + REC.magic, ESR_MAGIC);
        f.u32(off + REC.size, ESR.size);
        f.num(off + REC.esr, d.esr);
        off += ESR.size;
      }
      f.u32(off + REC.magic, 0); // terminator
      f.u32(off + REC.size, 0);
      const end = off + 8;
      copyOut(mem, frame, f.view(0, end));
      touchTail(mem, frame + end, frame + A64_SIGFRAME_SIZE);
      const rec = RECORD;
      if (cpu instanceof Core) {
        rec.halves(0, cpu.L[29]!, cpu.H[29]!);
        rec.halves(8, cpu.L[30]!, cpu.H[30]!);
      } else {
        rec.big(0, cpu.getReg(29));
        rec.big(8, cpu.getReg(30));
      }
      copyOut(mem, record, rec.b);
    } catch {
      return { ok: false, frame, bytes: top - frame };
    }
    // setup_return
    const lr = d.flags & 0x04000000 /* SA_RESTORER */ ? d.restorer : d.vdsoSigreturn;
    if (cpu instanceof Core) {
      toHalves(cpu, 0, d.sig);
      if (d.flags & 4) {
        toHalves(cpu, 1, frame);
        toHalves(cpu, 2, frame + F.uc);
      }
      toHalves(cpu, SP_SLOT, frame);
      toHalves(cpu, 29, record);
      toHalves(cpu, 30, lr);
    } else {
      cpu.setReg(0, BigInt(d.sig));
      if (d.flags & 4) {
        cpu.setReg(1, BigInt(frame));
        cpu.setReg(2, BigInt(frame + F.uc));
      }
      cpu.sp = BigInt(frame);
      cpu.setReg(29, BigInt(record));
      cpu.setReg(30, BigInt(lr));
    }
    cpu.pc = d.handler;
    return { ok: true, frame, bytes: top - frame };
  },

  sigreturn(cpu0: Cpu): SigreturnResult {
    const cpu = cpu0 as A64State;
    const mem = cpu.mem;
    const sp = arm64Adapter.stackPointer(cpu);
    const fail = sigreturnFailure;
    // Frames are 16-byte aligned: anything else is not a frame we built (restore_sigframe).
    if (sp % 16 !== 0) return fail("misaligned sp");
    const v = FRAME_IN.v;
    try {
      readInto(mem, sp, A64_SIGFRAME_SIZE, FRAME_IN.b);
    } catch {
      return fail("frame not readable");
    }
    // valid_user_regs: silently clear RES0, then require EL0t with DAIF clear.
    const pstateLo = (v.getUint32(F.pstate, true) & ~PSTATE_RES0_LO) >>> 0;
    let ok = (pstateLo & PSTATE_MODE_MASK) === 0 && (pstateLo & PSTATE_DAIF) === 0;
    const nzcv = (pstateLo >>> 28) & 0xf;
    // Parse the records in __reserved (parse_user_sigframe).
    let off = F.reserved;
    let fpsimd = -1;
    let reason = ok ? "" : "invalid pstate";
    while (ok) {
      if (off + 8 > A64_SIGFRAME_SIZE) { ok = false; reason = "records overrun"; break; }
      const magic = v.getUint32(off + REC.magic, true);
      const size = v.getUint32(off + REC.size, true);
      if (magic === 0) {
        if (size !== 0) { ok = false; reason = "bad terminator"; }
        break;
      }
      if (size < 8 || size % 16 !== 0 || off + size > F.reserved + F.reservedSize) { ok = false; reason = "bad record size"; break; }
      if (magic === FPSIMD_MAGIC) {
        if (fpsimd >= 0 || size !== FPSIMD_SIZE) { ok = false; reason = "bad fpsimd record"; break; }
        fpsimd = off;
      } else if (magic === ESR_MAGIC) {
        // ignored on restore
      } else {
        ok = false;
        reason = `unknown record 0x${magic.toString(16)}`;
        break;
      }
      off += size;
    }
    if (ok && fpsimd < 0) { ok = false; reason = "missing fpsimd record"; }
    if (!ok) {
      // The task gets SIGSEGV; PSTATE is forced to a valid EL0t state keeping only NZCV.
      cpu.nzcv = nzcv;
      return fail(reason);
    }
    const pcLo = v.getUint32(F.pc, true), pcHi = v.getUint32(F.pc + 4, true);
    const vregs = fpsimd + REC.vregs;
    if (cpu instanceof Core) {
      const L = cpu.L, H = cpu.H;
      for (let i = 0; i < 31; i++) {
        L[i] = v.getInt32(F.regs + 8 * i, true);
        H[i] = v.getInt32(F.regs + 8 * i + 4, true);
      }
      L[SP_SLOT] = v.getInt32(F.sp, true);
      H[SP_SLOT] = v.getInt32(F.sp + 4, true);
    } else {
      for (let i = 0; i < 31; i++) cpu.setReg(i, v.getBigUint64(F.regs + 8 * i, true));
      cpu.sp = v.getBigUint64(F.sp, true);
    }
    if (cpu instanceof Core && HOST_LE) cpu.vb.set(FRAME_IN.view(vregs, vregs + 512)); // V0..V31, 16 little-endian bytes each
    else for (let i = 0; i < 32; i++) cpu.setVec(i, v.getBigUint64(vregs + 16 * i, true), v.getBigUint64(vregs + 16 * i + 8, true));
    cpu.pc = (pcHi & 0x1fffff) * 0x1_0000_0000 + pcLo; // the low 53 bits
    cpu.nzcv = nzcv;
    cpu.fpsr = v.getUint32(fpsimd + REC.fpsr, true);
    cpu.fpcr = v.getUint32(fpsimd + REC.fpcr, true);
    return {
      ok: true,
      // A PC outside user space (any of bits 63..48 set, or above TASK_SIZE) faults on the first fetch: an
      // instruction abort, SIGSEGV SEGV_MAPERR at the PC (do_page_fault for a lower-EL instruction abort).
      ...(pcHi >= TASK_SIZE_64_HI ? { returnFault: { signo: 11, code: 1, addr: (BigInt(pcHi) << 32n) | BigInt(pcLo) } } : {}),
      mask: v.getBigUint64(F.sigmask, true),
      altstack: { sp: v.getUint32(F.ssSp + 4, true) * 0x1_0000_0000 + v.getUint32(F.ssSp, true), flags: v.getUint32(F.ssFlags, true) | 0, size: v.getUint32(F.ssSize + 4, true) * 0x1_0000_0000 + v.getUint32(F.ssSize, true) },
    };
  },
};
