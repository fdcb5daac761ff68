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
import { Bytes, regFromHalves, roundDown, setHalvesFromNumber, type ArchAdapter, type CpuOptions, type FrameResult, type SignalDelivery, type SigreturnResult } from "./types.js";

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
function initFxImage(): Uint8Array {
  const b = new Bytes(FXSAVE_SIZE);
  b.u16(offsetOf(FX, "cwd"), 0x37f);
  b.u32(offsetOf(FX, "mxcsr"), 0x1f80);
  b.u32(offsetOf(FX, "mxcsr_mask"), 0xffff);
  return b.b;
}
const INIT_FX = initFxImage();

function getFlags(cpu: X86State): bigint {
  return BigInt(cpu.rflags);
}
function setFlags(cpu: X86State, v: bigint): void {
  if (typeof cpu.rflags === "bigint") cpu.rflags = v;
  else cpu.rflags = Number(v);
}

const MAX_SAFE_PC = (1n << 53n) - 1n;
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
 */
function returnFault(rip: bigint, cs: number, ss: number, strictSs: boolean): { returnFault?: SigInfo } {
  const canonical = rip < 1n << 47n || rip >= 0xffff_8000_0000_0000n;
  if (cs !== USER_CS || (strictSs && ss !== USER_DS) || !canonical) return { returnFault: { signo: 11, code: SI_KERNEL, addr: 0 } };
  if (rip >= BigInt(TASK_SIZE_MAX)) return { returnFault: { signo: 11, code: SEGV_MAPERR, addr: rip } };
  return {};
}

/** Module-local aliases for the syscall path (under the development loader each use of an import is a getter call). */
const Core = X86Cpu, fromHalves = regFromHalves, toHalves = setHalvesFromNumber;

/** rdi, rsi, rdx, r10, r8, r9: the syscall argument registers in order. */
const ARG_REGS = [7, 6, 2, 10, 8, 9] as const;

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
    return (getFlags(cpu as X86State) & EFLAGS_TF) !== 0n;
  },
  userFlags(cpu) {
    return getFlags(cpu as X86State);
  },
  setUserFlags(cpu, flags) {
    setFlags(cpu as X86State, flags);
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
      const fx = cpu.fxsave().slice();
      const sw = new DataView(fx.buffer);
      // save_sw_bytes(): magic1, extended_size, xfeatures (FP|SSE), xstate_size; MAGIC2 only with XSAVE.
      sw.setUint32(SW.magic1, FP_XSTATE_MAGIC1, true);
      sw.setUint32(SW.extendedSize, FXSAVE_SIZE + X86_64_SIGFRAME.FP_XSTATE_MAGIC2_SIZE, true);
      sw.setBigUint64(SW.xfeatures, 3n, true); // XFEATURE_MASK_FP | XFEATURE_MASK_SSE
      sw.setUint32(SW.xstateSize, FXSAVE_SIZE, true);
      fx.fill(0, SW.padding, FXSAVE_SIZE);
      const f = new Bytes(X86_SIGFRAME_SIZE);
      f.b.set(mem.readBytes(frame, X86_SIGFRAME_SIZE));
      f.u64(F.pretcode, d.restorer);
      f.u64(F.ucFlags, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
      f.u64(F.ucLink, 0);
      f.u64(F.ssSp, d.altstack.sp);
      f.i32(F.ssFlags, d.altstack.flags);
      f.u32(F.ssFlags + 4, 0); // padding after ss_flags
      f.u64(F.ssSize, d.altstack.size);
      for (const { at: slot, reg } of SC_REGS) f.u64(slot, reg === X86_REG_NUMBER.rsp ? cpu.sp : cpu.getReg(reg));
      f.u64(F.rip, cpu.pc);
      f.u64(F.eflags, getFlags(cpu));
      f.u16(F.cs, USER_CS);
      f.u16(F.gs, 0);
      f.u16(F.fs, 0);
      f.u16(F.ss, USER_DS);
      f.u64(F.err, d.err);
      f.u64(F.trapno, d.trapno);
      f.u64(F.oldmask, d.savedMask);
      f.u64(F.cr2, d.faultAddr);
      f.u64(F.fpstate, bufFx);
      f.b.fill(0, F.reserved1, F.reserved1 + F.reserved1Size);
      f.u64(F.sigmask, d.savedMask);
      if (d.flags & 4) f.b.set(d.info, F.info);
      mem.writeBytes(bufFx, fx);
      mem.writeBytes(frame, f.b);
    } catch {
      return { ok: false, frame, bytes: top - frame };
    }
    cpu.setReg(7, BigInt(d.sig));
    cpu.setReg(6, BigInt(frame + F.info));
    cpu.setReg(2, BigInt(frame + F.uc));
    cpu.setReg(0, 0n);
    cpu.sp = BigInt(frame);
    cpu.pc = d.handler;
    // The handler starts with DF, RF and TF clear and a fresh FPU state (fpu__clear_user_states).
    setFlags(cpu, getFlags(cpu) & ~0x10500n);
    cpu.fxrstor(INIT_FX);
    return { ok: true, frame, bytes: top - frame };
  },

  sigreturn(cpu0: Cpu): SigreturnResult {
    const cpu = cpu0 as X86State;
    const mem = cpu.mem;
    const fail = (reason: string): SigreturnResult => ({ ok: false, mask: 0n, altstack: { sp: 0, flags: 0, size: 0 }, reason });
    // The handler's `ret` popped pretcode: the frame starts 8 bytes below the current rsp.
    const frame = Number(cpu.sp) - 8;
    let raw: Uint8Array;
    try {
      raw = mem.readBytes(frame, X86_SIGFRAME_SIZE);
    } catch {
      return fail("frame not readable");
    }
    const v = new DataView(raw.buffer);
    const fpstate = Number(v.getBigUint64(F.fpstate, true));
    let fx: Uint8Array | undefined;
    if (fpstate !== 0) {
      if (fpstate % 16 !== 0) return fail("misaligned fpstate");
      try {
        fx = mem.readBytes(fpstate, FXSAVE_SIZE).slice();
      } catch {
        return fail("fpstate not readable");
      }
      // MXCSR reserved bits would #GP in fxrstor; the kernel masks them with mxcsr_feature_mask.
      const fv = new DataView(fx.buffer);
      fv.setUint32(SW.mxcsr, fv.getUint32(SW.mxcsr, true) & 0xffff, true);
    }
    for (const { at: slot, reg } of SC_REGS) {
      const val = v.getBigUint64(slot, true);
      if (reg === X86_REG_NUMBER.rsp) cpu.sp = val;
      else cpu.setReg(reg, val);
    }
    const rip = v.getBigUint64(F.rip, true);
    cpu.pc = Number(rip & MAX_SAFE_PC);
    const saved = v.getBigUint64(F.eflags, true);
    setFlags(cpu, (getFlags(cpu) & ~FIX_EFLAGS) | (saved & FIX_EFLAGS));
    if (fx) cpu.fxrstor(fx);
    else cpu.fxrstor(INIT_FX);
    return {
      ok: true,
      ...returnFault(rip, v.getUint16(F.cs, true) | 3, v.getUint16(F.ss, true) | 3, (v.getBigUint64(F.ucFlags, true) & BigInt(UC_STRICT_RESTORE_SS)) !== 0n),
      mask: v.getBigUint64(F.sigmask, true),
      altstack: { sp: Number(v.getBigUint64(F.ssSp, true)), flags: v.getInt32(F.ssFlags, true), size: Number(v.getBigUint64(F.ssSize, true)) },
    };
  },
};
