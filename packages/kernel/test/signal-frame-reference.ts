/**
 * The straightforward signal-frame writer and reader the arch adapters had before they assembled frames in reused
 * buffers (commit 80aaa8e): the whole frame read with readBytes into a fresh buffer, every register stored through
 * a BigInt, the FXSAVE image from the core's fxsave()/fxrstor(). test/signal-frame-writer.test.ts holds the
 * adapters to these byte for byte and register for register.
 */
import type { Cpu } from "@uabi/isa-core";
import { ARM64_SIGFRAME, LAYOUTS, X86_64_SIGFRAME, offsetOf } from "@uabi/uapi";
import type { SignalDelivery, SigreturnResult } from "../src/arch/types.js";
import type { A64State } from "../src/arch/arm64.js";
import type { X86State } from "../src/arch/x86_64.js";
import type { SigInfo } from "../src/signal.js";

const roundDown = (x: number, a: number) => x - (((x % a) + a) % a);

class Bytes {
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

export interface RefFrame {
  ok: boolean;
  frame: number;
  bytes: number;
}

// ------------------------------------------------------------------------------------------------------- arm64

const A = LAYOUTS.arm64.rt_sigframe;
const A_SIZE = A.size;
const FPSIMD = LAYOUTS.arm64.fpsimd_context;
const ESR = LAYOUTS.arm64.esr_context;
const aAt = (f: string) => offsetOf(A, f);
const AF = {
  uc: aAt("uc"), ucFlags: aAt("uc.uc_flags"), ucLink: aAt("uc.uc_link"), ssSp: aAt("uc.uc_stack.ss_sp"),
  ssFlags: aAt("uc.uc_stack.ss_flags"), ssSize: aAt("uc.uc_stack.ss_size"), sigmask: aAt("uc.uc_sigmask"),
  faultAddress: aAt("uc.uc_mcontext.fault_address"), regs: aAt("uc.uc_mcontext.regs"), sp: aAt("uc.uc_mcontext.sp"),
  pc: aAt("uc.uc_mcontext.pc"), pstate: aAt("uc.uc_mcontext.pstate"), reserved: aAt("uc.uc_mcontext.__reserved"),
  reservedSize: A.fields["uc.uc_mcontext.__reserved"]!.size,
};
const REC = {
  magic: offsetOf(FPSIMD, "head.magic"), size: offsetOf(FPSIMD, "head.size"), fpsr: offsetOf(FPSIMD, "fpsr"),
  fpcr: offsetOf(FPSIMD, "fpcr"), vregs: offsetOf(FPSIMD, "vregs"), esr: offsetOf(ESR, "esr"),
};
const nzcvToPstate = (n: number) => BigInt((n & 0xf) >>> 0) << 28n;

export function refBuildArm64(cpu0: Cpu, d: SignalDelivery): RefFrame {
  const cpu = cpu0 as A64State;
  const mem = cpu.mem;
  const record = roundDown(d.sp - 16, 16);
  const frame = roundDown(record, 16) - A_SIZE;
  const top = d.sp;
  try {
    d.ensure(frame, record + 16);
    const f = new Bytes(A_SIZE);
    f.b.set(mem.readBytes(frame, A_SIZE));
    if (d.flags & 4) f.b.set(d.info, 0);
    f.u64(AF.ucFlags, 0);
    f.u64(AF.ucLink, 0);
    f.u64(AF.ssSp, d.altstack.sp);
    f.i32(AF.ssFlags, d.altstack.flags);
    f.u64(AF.ssSize, d.altstack.size);
    f.u64(AF.sigmask, d.savedMask);
    f.u64(AF.faultAddress, d.faultAddr);
    for (let i = 0; i < 31; i++) f.u64(AF.regs + 8 * i, cpu.getReg(i));
    f.u64(AF.sp, cpu.sp);
    f.u64(AF.pc, cpu.pc);
    f.u64(AF.pstate, nzcvToPstate(cpu.nzcv));
    let off = AF.reserved;
    f.u32(off + REC.magic, ARM64_SIGFRAME.FPSIMD_MAGIC);
    f.u32(off + REC.size, FPSIMD.size);
    f.u32(off + REC.fpsr, cpu.fpsr);
    f.u32(off + REC.fpcr, cpu.fpcr);
    for (let i = 0; i < 32; i++) {
      const [lo, hi] = cpu.getVec(i);
      f.u64(off + REC.vregs + 16 * i, lo);
      f.u64(off + REC.vregs + 16 * i + 8, hi);
    }
    off += FPSIMD.size;
    if (d.esr !== 0) {
      f.u32(off + REC.magic, ARM64_SIGFRAME.ESR_MAGIC);
      f.u32(off + REC.size, ESR.size);
      f.u64(off + REC.esr, d.esr);
      off += ESR.size;
    }
    f.u32(off + REC.magic, 0);
    f.u32(off + REC.size, 0);
    mem.writeBytes(frame, f.b);
    const rec = new Bytes(16);
    rec.u64(0, cpu.getReg(29));
    rec.u64(8, cpu.getReg(30));
    mem.writeBytes(record, rec.b);
  } catch {
    return { ok: false, frame, bytes: top - frame };
  }
  cpu.setReg(0, BigInt(d.sig));
  if (d.flags & 4) {
    cpu.setReg(1, BigInt(frame));
    cpu.setReg(2, BigInt(frame + AF.uc));
  }
  cpu.sp = BigInt(frame);
  cpu.setReg(29, BigInt(record));
  cpu.setReg(30, BigInt(d.flags & 0x04000000 ? d.restorer : d.vdsoSigreturn));
  cpu.pc = d.handler;
  return { ok: true, frame, bytes: top - frame };
}

export function refSigreturnArm64(cpu0: Cpu): SigreturnResult {
  const cpu = cpu0 as A64State;
  const mem = cpu.mem;
  const sp = Number(cpu.sp);
  const fail = (reason: string): SigreturnResult => ({ ok: false, mask: 0n, altstack: { sp: 0, flags: 0, size: 0 }, reason });
  if (sp % 16 !== 0) return fail("misaligned sp");
  let raw: Uint8Array;
  try {
    raw = mem.readBytes(sp, A_SIZE);
  } catch {
    return fail("frame not readable");
  }
  const v = new DataView(raw.buffer);
  const mask = v.getBigUint64(AF.sigmask, true);
  let pstate = v.getBigUint64(AF.pstate, true);
  pstate &= ~ARM64_SIGFRAME.PSR_RES0_MASK;
  let ok = (pstate & 0x1fn) === 0n && (pstate & 0x3c0n) === 0n;
  let off = AF.reserved;
  let fpsimd = -1;
  let reason = ok ? "" : "invalid pstate";
  while (ok) {
    if (off + 8 > A_SIZE) { ok = false; reason = "records overrun"; break; }
    const magic = v.getUint32(off + REC.magic, true);
    const size = v.getUint32(off + REC.size, true);
    if (magic === 0) {
      if (size !== 0) { ok = false; reason = "bad terminator"; }
      break;
    }
    if (size < 8 || size % 16 !== 0 || off + size > AF.reserved + AF.reservedSize) { ok = false; reason = "bad record size"; break; }
    if (magic === ARM64_SIGFRAME.FPSIMD_MAGIC) {
      if (fpsimd >= 0 || size !== FPSIMD.size) { ok = false; reason = "bad fpsimd record"; break; }
      fpsimd = off;
    } else if (magic !== ARM64_SIGFRAME.ESR_MAGIC) {
      ok = false;
      reason = `unknown record 0x${magic.toString(16)}`;
      break;
    }
    off += size;
  }
  if (ok && fpsimd < 0) { ok = false; reason = "missing fpsimd record"; }
  if (!ok) {
    cpu.nzcv = Number((pstate >> 28n) & 0xfn);
    return fail(reason);
  }
  for (let i = 0; i < 31; i++) cpu.setReg(i, v.getBigUint64(AF.regs + 8 * i, true));
  cpu.sp = v.getBigUint64(AF.sp, true);
  const pc = v.getBigUint64(AF.pc, true);
  cpu.pc = Number(pc & ((1n << 53n) - 1n));
  cpu.nzcv = Number((pstate >> 28n) & 0xfn);
  cpu.fpsr = v.getUint32(fpsimd + REC.fpsr, true);
  cpu.fpcr = v.getUint32(fpsimd + REC.fpcr, true);
  for (let i = 0; i < 32; i++) cpu.setVec(i, v.getBigUint64(fpsimd + REC.vregs + 16 * i, true), v.getBigUint64(fpsimd + REC.vregs + 16 * i + 8, true));
  return {
    ok: true,
    ...(pc >= BigInt(2 ** 48) ? { returnFault: { signo: 11, code: 1, addr: pc } } : {}),
    mask,
    altstack: { sp: Number(v.getBigUint64(AF.ssSp, true)), flags: v.getInt32(AF.ssFlags, true), size: Number(v.getBigUint64(AF.ssSize, true)) },
  };
}

// ------------------------------------------------------------------------------------------------------ x86-64

const X = LAYOUTS.x86_64.rt_sigframe;
const X_SIZE = X.size;
const FX = LAYOUTS.x86_64._fpstate;
const xAt = (f: string) => offsetOf(X, f);
const mc = (f: string) => xAt(`uc.uc_mcontext.${f}`);
const XF = {
  pretcode: xAt("pretcode"), uc: xAt("uc"), info: xAt("info"), ucFlags: xAt("uc.uc_flags"), ucLink: xAt("uc.uc_link"),
  ssSp: xAt("uc.uc_stack.ss_sp"), ssFlags: xAt("uc.uc_stack.ss_flags"), ssSize: xAt("uc.uc_stack.ss_size"),
  sigmask: xAt("uc.uc_sigmask"), rip: mc("rip"), eflags: mc("eflags"), cs: mc("cs"), gs: mc("gs"), fs: mc("fs"),
  ss: mc("ss"), err: mc("err"), trapno: mc("trapno"), oldmask: mc("oldmask"), cr2: mc("cr2"), fpstate: mc("fpstate"),
  reserved1: mc("reserved1"), reserved1Size: X.fields["uc.uc_mcontext.reserved1"]!.size,
};
const REGNO = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 } as const;
const SC = (["r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx", "rdx", "rax", "rcx", "rsp"] as const).map((n) => ({ at: mc(n), reg: REGNO[n] }));
const SW = {
  magic1: offsetOf(FX, "sw_reserved.magic1"), extendedSize: offsetOf(FX, "sw_reserved.extended_size"),
  xfeatures: offsetOf(FX, "sw_reserved.xfeatures"), xstateSize: offsetOf(FX, "sw_reserved.xstate_size"),
  padding: offsetOf(FX, "sw_reserved.padding"), mxcsr: offsetOf(FX, "mxcsr"),
};
const FIX = BigInt(X86_64_SIGFRAME.FIX_EFLAGS);
const INIT_FX = (() => {
  const b = new Bytes(FX.size);
  b.u16(offsetOf(FX, "cwd"), 0x37f);
  b.u32(offsetOf(FX, "mxcsr"), 0x1f80);
  b.u32(offsetOf(FX, "mxcsr_mask"), 0xffff);
  return b.b;
})();
const getFlags = (c: X86State) => BigInt(c.rflags);
const setFlags = (c: X86State, v: bigint) => {
  if (typeof c.rflags === "bigint") c.rflags = v;
  else c.rflags = Number(v);
};

export function refBuildX86(cpu0: Cpu, d: SignalDelivery): RefFrame {
  const cpu = cpu0 as X86State;
  const mem = cpu.mem;
  const top = d.sp;
  if (!(d.flags & 0x04000000)) return { ok: false, frame: top, bytes: 0 };
  const bufFx = roundDown(d.sp - FX.size, 64);
  const frame = roundDown(bufFx - X_SIZE, 16) - 8;
  try {
    d.ensure(frame, bufFx + FX.size);
    const fx = cpu.fxsave().slice();
    const sw = new DataView(fx.buffer);
    sw.setUint32(SW.magic1, X86_64_SIGFRAME.FP_XSTATE_MAGIC1, true);
    sw.setUint32(SW.extendedSize, FX.size + X86_64_SIGFRAME.FP_XSTATE_MAGIC2_SIZE, true);
    sw.setBigUint64(SW.xfeatures, 3n, true);
    sw.setUint32(SW.xstateSize, FX.size, true);
    fx.fill(0, SW.padding, FX.size);
    const f = new Bytes(X_SIZE);
    f.b.set(mem.readBytes(frame, X_SIZE));
    f.u64(XF.pretcode, d.restorer);
    f.u64(XF.ucFlags, 6);
    f.u64(XF.ucLink, 0);
    f.u64(XF.ssSp, d.altstack.sp);
    f.i32(XF.ssFlags, d.altstack.flags);
    f.u32(XF.ssFlags + 4, 0);
    f.u64(XF.ssSize, d.altstack.size);
    for (const { at, reg } of SC) f.u64(at, reg === 4 ? cpu.sp : cpu.getReg(reg));
    f.u64(XF.rip, cpu.pc);
    f.u64(XF.eflags, getFlags(cpu));
    f.u16(XF.cs, 0x33);
    f.u16(XF.gs, 0);
    f.u16(XF.fs, 0);
    f.u16(XF.ss, 0x2b);
    f.u64(XF.err, d.err);
    f.u64(XF.trapno, d.trapno);
    f.u64(XF.oldmask, d.savedMask);
    f.u64(XF.cr2, d.faultAddr);
    f.u64(XF.fpstate, bufFx);
    f.b.fill(0, XF.reserved1, XF.reserved1 + XF.reserved1Size);
    f.u64(XF.sigmask, d.savedMask);
    if (d.flags & 4) f.b.set(d.info, XF.info);
    mem.writeBytes(bufFx, fx);
    mem.writeBytes(frame, f.b);
  } catch {
    return { ok: false, frame, bytes: top - frame };
  }
  cpu.setReg(7, BigInt(d.sig));
  cpu.setReg(6, BigInt(frame + XF.info));
  cpu.setReg(2, BigInt(frame + XF.uc));
  cpu.setReg(0, 0n);
  cpu.sp = BigInt(frame);
  cpu.pc = d.handler;
  setFlags(cpu, getFlags(cpu) & ~0x10500n);
  cpu.fxrstor(INIT_FX);
  return { ok: true, frame, bytes: top - frame };
}

function refReturnFault(rip: bigint, cs: number, ss: number, strictSs: boolean): { returnFault?: SigInfo } {
  const canonical = rip < 1n << 47n || rip >= 0xffff_8000_0000_0000n;
  if (cs !== 0x33 || (strictSs && ss !== 0x2b) || !canonical) return { returnFault: { signo: 11, code: 0x80, addr: 0 } };
  if (rip >= BigInt(0x7ffffffff000)) return { returnFault: { signo: 11, code: 1, addr: rip } };
  return {};
}

export function refSigreturnX86(cpu0: Cpu): SigreturnResult {
  const cpu = cpu0 as X86State;
  const mem = cpu.mem;
  const fail = (reason: string): SigreturnResult => ({ ok: false, mask: 0n, altstack: { sp: 0, flags: 0, size: 0 }, reason });
  const frame = Number(cpu.sp) - 8;
  let raw: Uint8Array;
  try {
    raw = mem.readBytes(frame, X_SIZE);
  } catch {
    return fail("frame not readable");
  }
  const v = new DataView(raw.buffer);
  const fpstate = Number(v.getBigUint64(XF.fpstate, true));
  let fx: Uint8Array | undefined;
  if (fpstate !== 0) {
    if (fpstate % 16 !== 0) return fail("misaligned fpstate");
    try {
      fx = mem.readBytes(fpstate, FX.size).slice();
    } catch {
      return fail("fpstate not readable");
    }
    const fv = new DataView(fx.buffer);
    fv.setUint32(SW.mxcsr, fv.getUint32(SW.mxcsr, true) & 0xffff, true);
  }
  for (const { at, reg } of SC) {
    const val = v.getBigUint64(at, true);
    if (reg === 4) cpu.sp = val;
    else cpu.setReg(reg, val);
  }
  const rip = v.getBigUint64(XF.rip, true);
  cpu.pc = Number(rip & ((1n << 53n) - 1n));
  const saved = v.getBigUint64(XF.eflags, true);
  setFlags(cpu, (getFlags(cpu) & ~FIX) | (saved & FIX));
  cpu.fxrstor(fx ?? INIT_FX);
  return {
    ok: true,
    ...refReturnFault(rip, v.getUint16(XF.cs, true) | 3, v.getUint16(XF.ss, true) | 3, (v.getBigUint64(XF.ucFlags, true) & 4n) !== 0n),
    mask: v.getBigUint64(XF.sigmask, true),
    altstack: { sp: Number(v.getBigUint64(XF.ssSp, true)), flags: v.getInt32(XF.ssFlags, true), size: Number(v.getBigUint64(XF.ssSize, true)) },
  };
}
