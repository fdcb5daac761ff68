/**
 * x86-64 adapter: syscalls via rax/rdi,rsi,rdx,r10,r8,r9; rt_sigframe as
 * arch/x86/kernel/signal_64.c builds it for an FXSR-only CPU (isa-x86 reports
 * SSE2 without XSAVE): 128-byte red zone skipped, 512-byte fxsave image at a
 * 64-byte boundary with the software-reserved bytes filled by
 * save_xstate_epilog, frame at round_down(buf_fx - 440, 16) - 8, SA_RESTORER
 * required. sigreturn applies FIX_EFLAGS and restores through fxrstor.
 */
import type { Cpu, GuestMemory } from "@uabi/isa-core";
import { X86Cpu, CPUID } from "@uabi/isa-x86";
import { LAYOUTS, X86_64_SIGFRAME, offsetOf } from "@uabi/uapi";
import { EM } from "@uabi/elf";
import type { SigInfo } from "../signal.js";
import { FrameScratch, bigFromWords, copyOut, sigreturnFailure, probeReadable, readInto, regFromHalves, roundDown, setHalvesFromNumber, type ArchAdapter, type CpuOptions, type FrameResult, type SignalDelivery, type SigreturnResult } from "./types.js";

export interface X86State extends Cpu {
  rflags: bigint | number;
  gsBase: bigint;
  fxsave(): Uint8Array;
  fxrstor(bytes: Uint8Array): void;
}

/** sizeof(struct rt_sigframe) on x86-64. */
export const X86_SIGFRAME_SIZE = LAYOUTS.x86_64.rt_sigframe.size;
/** Register numbers (ModRM encoding) of the registers sigcontext saves. */
const X86_REG_NUMBER = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 } as const;
/**
 * Where each field sits in the rt_sigframe and the FXSAVE image: read from @uabi/uapi's layouts (checked against
 * gcc there), the same table the vDSO's SIGSYS glue reads the frame with, so writer and readers cannot drift.
 */
const FRAME = LAYOUTS.x86_64.rt_sigframe;
const FX = LAYOUTS.x86_64._fpstate;
const FXSAVE_SIZE = FX.size;
const at = (field: string) => offsetOf(FRAME, field);
const mc = (field: string) => at(`uc.uc_mcontext.${field}`);
const F = {
  pretcode: at("pretcode"),
  uc: at("uc"),
  info: at("info"),
  ucFlags: at("uc.uc_flags"),
  ucLink: at("uc.uc_link"),
  ssSp: at("uc.uc_stack.ss_sp"),
  ssFlags: at("uc.uc_stack.ss_flags"),
  ssSize: at("uc.uc_stack.ss_size"),
  sigmask: at("uc.uc_sigmask"),
  rip: mc("rip"), eflags: mc("eflags"), cs: mc("cs"), gs: mc("gs"), fs: mc("fs"), ss: mc("ss"), err: mc("err"),
  trapno: mc("trapno"), oldmask: mc("oldmask"), cr2: mc("cr2"), fpstate: mc("fpstate"), reserved1: mc("reserved1"),
  reserved1Size: FRAME.fields["uc.uc_mcontext.reserved1"]!.size,
} as const;
/** sigcontext's general registers, each with its slot and its register number in the core (rsp is cpu.sp). */
const SC_REGS = (["r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx", "rdx", "rax", "rcx", "rsp"] as const)
  .map((name) => ({ at: mc(name), reg: X86_REG_NUMBER[name] }));
/** The software-reserved bytes at the end of the FXSAVE image (struct _fpx_sw_bytes) and MXCSR. */
const SW = {
  magic1: offsetOf(FX, "sw_reserved.magic1"),
  extendedSize: offsetOf(FX, "sw_reserved.extended_size"),
  xfeatures: offsetOf(FX, "sw_reserved.xfeatures"),
  xstateSize: offsetOf(FX, "sw_reserved.xstate_size"),
  padding: offsetOf(FX, "sw_reserved.padding"),
  mxcsr: offsetOf(FX, "mxcsr"),
} as const;
/** Flags userspace may change through sigreturn (arch/x86/kernel/signal.c FIX_EFLAGS). */
export const FIX_EFLAGS = BigInt(X86_64_SIGFRAME.FIX_EFLAGS);
const UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
const { FP_XSTATE_MAGIC1 } = X86_64_SIGFRAME;
/** The x86-64 user segment selectors (__USER_CS, __USER_DS). */
const USER_CS = 0x33, USER_DS = 0x2b;

/** AT_HWCAP on x86-64 is CPUID.1:EDX (boot_cpu_data.x86_capability[CPUID_1_EDX]) of the CPU isa-x86 reports. */
const HWCAP_X86 = BigInt(CPUID[1]![3] >>> 0);

/** Initial FXSAVE image (fpu__init: FCW 0x37f, MXCSR 0x1f80), loaded at signal-handler entry. */
function initFxImage(): FrameScratch {
  const b = new FrameScratch(FXSAVE_SIZE);
  b.u16(offsetOf(FX, "cwd"), 0x37f);
  b.u32(offsetOf(FX, "mxcsr"), 0x1f80);
  b.u32(offsetOf(FX, "mxcsr_mask"), 0xffff);
  return b;
}
const INIT_FX_IMAGE = initFxImage();
const INIT_FX = INIT_FX_IMAGE.b;

/**
 * The FXSAVE image as a frame carries it, assembled in place (isa-x86's fxsave() builds a fresh image and ten-byte
 * arrays per x87 register): the bytes X86Cpu.fxsave() gives, with save_sw_bytes()'s software-reserved words. The
 * constant parts — MXCSR_MASK, the reserved words, the sw bytes — are written once; everything else the image
 * holds is zero. Kept equal to the core's image by test/signal-frame-writer.test.ts.
 */
const FX_OUT = (() => {
  const b = new FrameScratch(FXSAVE_SIZE);
  b.u32(offsetOf(FX, "mxcsr_mask"), 0xffff);
  b.u32(SW.magic1, FP_XSTATE_MAGIC1);
  b.u32(SW.extendedSize, FXSAVE_SIZE + X86_64_SIGFRAME.FP_XSTATE_MAGIC2_SIZE);
  b.big(SW.xfeatures, 3n); // XFEATURE_MASK_FP | XFEATURE_MASK_SSE
  b.u32(SW.xstateSize, FXSAVE_SIZE);
  return b;
})();
/** FXSAVE offsets: x87 registers (16-byte slots, st(0) first) and XMM0..15. */
const FX_ST = offsetOf(FX, "st_space"), FX_XMM = offsetOf(FX, "xmm_space"), FX_XMM_END = FX_XMM + 16 * 16;
const FX_CWD = offsetOf(FX, "cwd"), FX_SWD = offsetOf(FX, "swd"), FX_TWD = offsetOf(FX, "twd");

function saveFx(c: X86Cpu, out: FrameScratch): void {
  const v = out.v;
  v.setUint16(FX_CWD, c.fpCw, true);
  v.setUint16(FX_SWD, (c.fpSw & ~(7 << 11)) | (c.fpTop << 11), true); // TOP lives in fpTop
  out.b[FX_TWD] = ~c.fpTag & 0xff; // abridged tag: bit set = register valid
  v.setUint32(SW.mxcsr, c.mxcsr, true);
  for (let k = 0; k < 8; k++) {
    const r = c.st[(c.fpTop + k) & 7]!;
    v.setBigUint64(FX_ST + 16 * k, r.m, true);
    v.setUint16(FX_ST + 16 * k + 8, (r.s << 15) | r.e, true);
  }
  out.b.set(c.xmmU8, FX_XMM);
}

type F80 = X86Cpu["st"][number];
/** The value every empty or zeroed x87 register holds (the core's values are immutable: one can be shared). */
const F80_ZERO: F80 = { s: 0, e: 0, m: 0n };

/** fxrstor from an image in a scratch (no allocation for a zero register, the common case). */
function loadFx(c: X86Cpu, img: FrameScratch): void {
  const v = img.v;
  c.fpCw = v.getUint16(FX_CWD, true);
  const sw = v.getUint16(FX_SWD, true);
  c.fpSw = sw & ~(7 << 11);
  c.fpTop = (sw >> 11) & 7;
  c.fpTag = ~img.b[FX_TWD]! & 0xff;
  c.mxcsr = v.getUint32(SW.mxcsr, true) & 0xffff;
  for (let k = 0; k < 8; k++) {
    const o = FX_ST + 16 * k;
    const se = v.getUint16(o + 8, true);
    c.st[(c.fpTop + k) & 7] = se === 0 && v.getUint32(o, true) === 0 && v.getUint32(o + 4, true) === 0
      ? F80_ZERO
      : { s: se >> 15, e: se & 0x7fff, m: v.getBigUint64(o, true) };
  }
  c.xmmU8.set(img.view(FX_XMM, FX_XMM_END));
}

/** The frame being built, the frame being restored, the restored FXSAVE image. */
const SCRATCH = new FrameScratch(X86_SIGFRAME_SIZE);
const FRAME_IN = new FrameScratch(X86_SIGFRAME_SIZE);
const FX_IN = new FrameScratch(FXSAVE_SIZE);
/** FIX_EFLAGS lies in RFLAGS' low word. */
const FIX_EFLAGS_LO = X86_64_SIGFRAME.FIX_EFLAGS;

function getFlags(cpu: X86State): bigint {
  return BigInt(cpu.rflags);
}
function setFlags(cpu: X86State, v: bigint): void {
  if (typeof cpu.rflags === "bigint") cpu.rflags = v;
  else cpu.rflags = Number(v);
}

const TASK_SIZE_MAX = 0x7ffffffff000;
/** RFLAGS.TF: trap after each instruction (#DB → SIGTRAP TRAP_TRACE). */
const EFLAGS_TF = 0x100n;
/** SIGSEGV's si_code for a #GP (SI_KERNEL), SIGSEGV's for an unmapped address (SEGV_MAPERR). */
const SI_KERNEL = 0x80, SEGV_MAPERR = 1;

/**
 * What the IRET back to user mode does with restored state (restore_sigcontext forces RPL 3 on CS and SS): a CS
 * other than __USER_CS, or with UC_STRICT_RESTORE_SS an SS other than __USER_DS, faults with #GP (SIGSEGV,
 * SI_KERNEL, address 0), as does a non-canonical RIP; a canonical RIP above user space faults on the first fetch
 * (SEGV_MAPERR at RIP). Without UC_STRICT_RESTORE_SS a bad SS is replaced by __USER_DS (force_valid_ss).
 * RIP comes as its two 32-bit words.
 */
function returnFault(ripLo: number, ripHi: number, cs: number, ss: number, strictSs: boolean): { returnFault?: SigInfo } {
  const canonical = ripHi < 0x8000 || ripHi >= 0xffff8000; // below 2^47, or at or above 0xffff_8000_0000_0000
  if (cs !== USER_CS || (strictSs && ss !== USER_DS) || !canonical) return { returnFault: { signo: 11, code: SI_KERNEL, addr: 0 } };
  if (ripHi * 0x1_0000_0000 + ripLo >= TASK_SIZE_MAX) return { returnFault: { signo: 11, code: SEGV_MAPERR, addr: (BigInt(ripHi) << 32n) | BigInt(ripLo) } };
  return {};
}

/** Module-local aliases for the syscall path (under the development loader each use of an import is a getter call). */
const Core = X86Cpu, fromHalves = regFromHalves, toHalves = setHalvesFromNumber;

/** rdi, rsi, rdx, r10, r8, r9: the syscall argument registers in order. */
const ARG_REGS = [7, 6, 2, 10, 8, 9] as const;
/** RFLAGS.TF as a Number: the core keeps it in `flagsOther` (only the status flags are computed lazily). */
const EFLAGS_TF_BIT = 0x100;

export const x86Adapter: ArchAdapter = {
  arch: "x86_64",
  elfMachine: EM.X86_64,
  auditArch: 0xc000003e, // AUDIT_ARCH_X86_64
  platform: "x86_64",
  machine: "x86_64",
  hwcap: HWCAP_X86,
  hwcap2: 0n,
  // init_sigframe_size(): sizeof(rt_sigframe) + MAX_FRAME_PADDING(15) + fpstate(512) + MAX_XSAVE_PADDING(63), rounded to 16. Derived.
  minSigStkSz: Math.ceil((X86_SIGFRAME_SIZE + 15 + FXSAVE_SIZE + 63) / 16) * 16,
  minSigStkSzConst: 2048,
  taskSize: TASK_SIZE_MAX, // (1 << 47) - PAGE_SIZE
  etDynBase: 0x555555554000, // ELF_ET_DYN_BASE without randomisation
  syscallInsnLength: 2,
  redZone: 128,
  frameSize: X86_SIGFRAME_SIZE,

  createCpu(mem: GuestMemory, opts: CpuOptions): Cpu {
    return new X86Cpu(mem, { counter: opts.counter, ...(opts.jit === false ? { jit: false } : {}) });
  },
  releaseCpu(cpu) {
    if (cpu instanceof Core) cpu.dispose();
  },
  singleStepping(cpu) {
    if (cpu instanceof Core) return (cpu.flagsOther & EFLAGS_TF_BIT) !== 0; // flags32() without the lazy status flags
    return (getFlags(cpu as X86State) & EFLAGS_TF) !== 0n;
  },
  userFlags(cpu) {
    return getFlags(cpu as X86State);
  },
  setUserFlags(cpu, flags) {
    setFlags(cpu as X86State, flags);
  },
  stackPointer(cpu) {
    return cpu instanceof Core ? (cpu.H[4]! >>> 0) * 0x1_0000_0000 + (cpu.L[4]! >>> 0) : Number(cpu.sp);
  },
  userFlagsWord(cpu) {
    return cpu instanceof Core ? cpu.flags32() : Number(getFlags(cpu as X86State));
  },
  setUserFlagsWord(cpu, flags) {
    if (cpu instanceof Core) cpu.setFlags32(flags);
    else setFlags(cpu as X86State, BigInt(flags >>> 0));
  },
  setStackPointerWords(cpu, lo, hi) {
    if (cpu instanceof Core) {
      cpu.L[4] = lo;
      cpu.H[4] = hi;
    } else cpu.sp = bigFromWords(lo, hi);
  },
  setRegWords(cpu, i, lo, hi) {
    if (cpu instanceof Core && i >= 0 && i < 16) {
      cpu.L[i] = lo;
      cpu.H[i] = hi;
    } else cpu.setReg(i, bigFromWords(lo, hi));
  },
  syscallNr(cpu) {
    return cpu instanceof Core ? cpu.L[0]! >>> 0 : Number(BigInt.asUintN(32, cpu.getReg(0)));
  },
  syscallArgs(cpu, out) {
    if (cpu instanceof Core) for (let i = 0; i < 6; i++) out[i] = fromHalves(cpu, ARG_REGS[i]!);
    else for (let i = 0; i < 6; i++) out[i] = cpu.getReg(ARG_REGS[i]!);
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
    // start_thread: general registers zero; rdx = 0 means "no rtld_fini" to _start (ELF_PLAT_INIT).
    for (let i = 0; i < 16; i++) cpu.setReg(i, 0n);
    cpu.sp = BigInt(sp);
    cpu.pc = entry;
    setFlags(cpu as X86State, 0x202n); // IF set, reserved bit 1
  },
  copyForClone(parent, child, newSp, tls) {
    const p = parent as X86State, c = child as X86State;
    for (let i = 0; i < 16; i++) c.setReg(i, p.getReg(i));
    c.sp = newSp !== undefined ? BigInt(newSp) : p.sp;
    c.pc = p.pc;
    c.tlsBase = tls !== undefined ? tls : p.tlsBase;
    c.gsBase = p.gsBase;
    setFlags(c, getFlags(p));
    c.fxrstor(p.fxsave());
    c.setReg(0, 0n);
  },

  buildSignalFrame(cpu0: Cpu, d: SignalDelivery): FrameResult {
    const cpu = cpu0 as X86State;
    const mem = cpu.mem;
    // SA_RESTORER is mandatory on x86-64: without it the frame cannot be set up (-EFAULT → SIGSEGV).
    const top = d.sp;
    if (!(d.flags & 0x04000000)) return { ok: false, frame: top, bytes: 0 };
    const bufFx = roundDown(d.sp - FXSAVE_SIZE, 64);
    const frame = roundDown(bufFx - X86_SIGFRAME_SIZE, 16) - 8;
    try {
      d.ensure(frame, bufFx + FXSAVE_SIZE);
      // save_sw_bytes(): magic1, extended_size, xfeatures (FP|SSE), xstate_size are in the scratch image already.
      let fx: Uint8Array;
      if (cpu instanceof Core) {
        saveFx(cpu, FX_OUT);
        fx = FX_OUT.b;
      } else {
        fx = cpu.fxsave().slice();
        const sw = new DataView(fx.buffer);
        sw.setUint32(SW.magic1, FP_XSTATE_MAGIC1, true);
        sw.setUint32(SW.extendedSize, FXSAVE_SIZE + X86_64_SIGFRAME.FP_XSTATE_MAGIC2_SIZE, true);
        sw.setBigUint64(SW.xfeatures, 3n, true); // XFEATURE_MASK_FP | XFEATURE_MASK_SSE
        sw.setUint32(SW.xstateSize, FXSAVE_SIZE, true);
        fx.fill(0, SW.padding, FXSAVE_SIZE);
      }
      // The frame's bytes are read first (a fault there writes nothing), then the FXSAVE image, then the frame.
      probeReadable(mem, frame, X86_SIGFRAME_SIZE);
      const f = SCRATCH;
      f.num(F.pretcode, d.restorer);
      f.num(F.ucFlags, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
      f.num(F.ucLink, 0);
      f.num(F.ssSp, d.altstack.sp);
      f.i32(F.ssFlags, d.altstack.flags);
      f.u32(F.ssFlags + 4, 0); // padding after ss_flags
      f.num(F.ssSize, d.altstack.size);
      if (cpu instanceof Core) {
        const L = cpu.L, H = cpu.H;
        for (let i = 0; i < SC_REGS.length; i++) {
          const r = SC_REGS[i]!;
          f.halves(r.at, L[r.reg]!, H[r.reg]!); // rsp is register 4
        }
        f.halves(F.eflags, cpu.flags32(), 0);
      } else {
        for (const { at: slot, reg } of SC_REGS) f.big(slot, reg === X86_REG_NUMBER.rsp ? cpu.sp : cpu.getReg(reg));
        f.big(F.eflags, getFlags(cpu));
      }
      f.num(F.rip, cpu.pc);
      f.u16(F.cs, USER_CS);
      f.u16(F.gs, 0);
      f.u16(F.fs, 0);
      f.u16(F.ss, USER_DS);
      f.num(F.err, d.err);
      f.num(F.trapno, d.trapno);
      f.big(F.oldmask, d.savedMask);
      f.num(F.cr2, d.faultAddr);
      f.num(F.fpstate, bufFx);
      f.b.fill(0, F.reserved1, F.reserved1 + F.reserved1Size);
      f.big(F.sigmask, d.savedMask);
      // Without SA_SIGINFO the siginfo bytes are left as they are.
      if (d.flags & 4) f.b.set(d.info, F.info);
      else for (let o = F.info; o < X86_SIGFRAME_SIZE; o += 4) f.v.setUint32(o, mem.read32(frame + o), true);
      copyOut(mem, bufFx, fx);
      copyOut(mem, frame, f.b);
    } catch {
      return { ok: false, frame, bytes: top - frame };
    }
    if (cpu instanceof Core) {
      toHalves(cpu, 7, d.sig);
      toHalves(cpu, 6, frame + F.info);
      toHalves(cpu, 2, frame + F.uc);
      toHalves(cpu, 0, 0);
      toHalves(cpu, 4, frame);
      cpu.pc = d.handler;
      // The handler starts with DF, RF and TF clear and a fresh FPU state (fpu__clear_user_states).
      cpu.setFlags32(cpu.flags32() & ~0x10500);
      loadFx(cpu, INIT_FX_IMAGE);
    } else {
      cpu.setReg(7, BigInt(d.sig));
      cpu.setReg(6, BigInt(frame + F.info));
      cpu.setReg(2, BigInt(frame + F.uc));
      cpu.setReg(0, 0n);
      cpu.sp = BigInt(frame);
      cpu.pc = d.handler;
      setFlags(cpu, getFlags(cpu) & ~0x10500n);
      cpu.fxrstor(INIT_FX);
    }
    return { ok: true, frame, bytes: top - frame };
  },

  sigreturn(cpu0: Cpu): SigreturnResult {
    const cpu = cpu0 as X86State;
    const mem = cpu.mem;
    const fail = sigreturnFailure;
    // The handler's `ret` popped pretcode: the frame starts 8 bytes below the current rsp.
    const frame = x86Adapter.stackPointer(cpu) - 8;
    const v = FRAME_IN;
    try {
      readInto(mem, frame, X86_SIGFRAME_SIZE, v.b);
    } catch {
      return fail("frame not readable");
    }
    const fpstate = v.numAt(F.fpstate);
    let fx: FrameScratch | undefined;
    if (fpstate !== 0) {
      if (fpstate % 16 !== 0) return fail("misaligned fpstate");
      try {
        readInto(mem, fpstate, FXSAVE_SIZE, FX_IN.b);
      } catch {
        return fail("fpstate not readable");
      }
      fx = FX_IN;
      // MXCSR reserved bits would #GP in fxrstor; the kernel masks them with mxcsr_feature_mask.
      fx.v.setUint32(SW.mxcsr, fx.v.getUint32(SW.mxcsr, true) & 0xffff, true);
    }
    const ripLo = v.v.getUint32(F.rip, true), ripHi = v.v.getUint32(F.rip + 4, true);
    if (cpu instanceof Core) {
      const L = cpu.L, H = cpu.H;
      for (let i = 0; i < SC_REGS.length; i++) {
        const r = SC_REGS[i]!;
        L[r.reg] = v.v.getInt32(r.at, true);
        H[r.reg] = v.v.getInt32(r.at + 4, true);
      }
      cpu.pc = (ripHi & 0x1fffff) * 0x1_0000_0000 + ripLo; // the low 53 bits
      // Only the low word of RFLAGS holds bits FIX_EFLAGS lets through.
      cpu.setFlags32(((cpu.flags32() & ~FIX_EFLAGS_LO) | (v.v.getUint32(F.eflags, true) & FIX_EFLAGS_LO)) >>> 0);
      loadFx(cpu, fx ?? INIT_FX_IMAGE);
    } else {
      for (const { at: slot, reg } of SC_REGS) {
        const val = v.v.getBigUint64(slot, true);
        if (reg === X86_REG_NUMBER.rsp) cpu.sp = val;
        else cpu.setReg(reg, val);
      }
      cpu.pc = (ripHi & 0x1fffff) * 0x1_0000_0000 + ripLo;
      const saved = v.v.getBigUint64(F.eflags, true);
      setFlags(cpu, (getFlags(cpu) & ~FIX_EFLAGS) | (saved & FIX_EFLAGS));
      cpu.fxrstor(fx ? fx.b : INIT_FX);
    }
    return {
      ok: true,
      ...returnFault(ripLo, ripHi, v.v.getUint16(F.cs, true) | 3, v.v.getUint16(F.ss, true) | 3, (v.v.getUint32(F.ucFlags, true) & UC_STRICT_RESTORE_SS) !== 0),
      mask: v.v.getBigUint64(F.sigmask, true),
      altstack: { sp: v.numAt(F.ssSp), flags: v.v.getInt32(F.ssFlags, true), size: v.numAt(F.ssSize) },
    };
  },
};
