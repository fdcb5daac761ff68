/**
 * rt_sigreturn refuses what Linux refuses on the way back to user mode: the frame is read, then the return with
 * its state faults — x86-64's IRET with a CS other than __USER_CS, an SS other than __USER_DS (with
 * UC_STRICT_RESTORE_SS), or a non-canonical RIP raises #GP (SIGSEGV, SI_KERNEL); on both ISAs a PC above user
 * space faults on the first fetch (SIGSEGV). RFLAGS.TF makes the CPU trap after one instruction (SIGTRAP,
 * TRAP_TRACE). Each program builds a frame by hand and calls rt_sigreturn on it; the restored PC points at
 * `exit(42)`, so 42 means the return went through.
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, x } from "@uabi/isa-arm64";
import { X86Assembler } from "@uabi/isa-x86";
import { LAYOUTS, offsetOf } from "@uabi/uapi";
import { Kernel } from "../src/index.js";
import { makeElf, CODE_ADDR, DATA_BASE } from "./elf-helper.js";

const FRAME = DATA_BASE + 0x100; // 16-aligned
const STACK = DATA_BASE + 0x3f00;
const DATA_SIZE = 0x4000; // room for arm64's 4688-byte frame

interface Outcome {
  status: number;
  signalLine: string | undefined;
}

function runWith(elf: Uint8Array, fill: (write64: (at: number, v: bigint | number) => void, write16: (at: number, v: number) => void, write32: (at: number, v: number) => void) => void): Outcome {
  const lines: string[] = [];
  const k = new Kernel({ trace: (l) => lines.push(l) });
  const p = k.spawn(elf);
  const m = p.mm.mem;
  fill((at, v) => m.write64(FRAME + at, BigInt.asUintN(64, BigInt(v))), (at, v) => m.write16(FRAME + at, v), (at, v) => m.write32(FRAME + at, v));
  const r = k.run();
  return { status: r.exitStatus, signalLine: lines.find((l) => l.startsWith("--- SIG")) };
}

describe("x86-64 rt_sigreturn: the IRET back to user mode", () => {
  const F = LAYOUTS.x86_64.rt_sigframe;
  const at = (f: string) => offsetOf(F, f);
  // rsp = frame + 8 (the handler's ret popped pretcode), rax = 15, syscall; then exit(42) at `target`.
  const a = new X86Assembler();
  a.mov("rsp", FRAME + 8).mov("eax", 15).syscall();
  const target = CODE_ADDR + a.finish().length;
  a.mov("edi", 42).mov("eax", 60).syscall();
  const elf = makeElf({ machine: "x86_64", code: a.finish(), dataSize: DATA_SIZE });
  const frame = (o: { cs?: number; ss?: number; rip?: bigint | number; eflags?: number; strictSs?: boolean } = {}) =>
    runWith(elf, (w64, w16) => {
      w64(at("uc.uc_flags"), o.strictSs === false ? 2 : 6); // UC_SIGCONTEXT_SS (| UC_STRICT_RESTORE_SS)
      w64(at("uc.uc_mcontext.rip"), o.rip ?? target);
      w64(at("uc.uc_mcontext.rsp"), STACK);
      w64(at("uc.uc_mcontext.eflags"), o.eflags ?? 0x202);
      w16(at("uc.uc_mcontext.cs"), o.cs ?? 0x33);
      w16(at("uc.uc_mcontext.ss"), o.ss ?? 0x2b);
    });

  it("a frame with the user selectors returns", () => {
    expect(frame().status).toBe(42);
  });

  it.each([
    ["CS 0x10 (kernel code)", { cs: 0x10 }],
    ["CS 0 (null)", { cs: 0 }],
    ["SS 0x10 with UC_STRICT_RESTORE_SS", { ss: 0x10 }],
    ["SS 0 with UC_STRICT_RESTORE_SS", { ss: 0 }],
    ["RIP with bit 63 set (non-canonical)", { rip: (1n << 63n) | BigInt(target) }],
    ["RIP with bit 53 set (non-canonical)", { rip: (1n << 53n) + BigInt(target) }],
  ])("%s: #GP, SIGSEGV with SI_KERNEL", (_, o) => {
    const r = frame(o);
    expect(r.status).toBe(128 + 11);
    expect(r.signalLine).toMatch(/SIGSEGV.*si_code=SI_KERNEL/);
  });

  it("a canonical kernel-half RIP faults on the first fetch: SIGSEGV at that address", () => {
    const r = frame({ rip: 0xffff_8000_0000_1000n });
    expect(r.status).toBe(128 + 11);
    expect(r.signalLine).toMatch(/SEGV_MAPERR.*si_addr=0xffff800000001000/);
  });

  it("without UC_STRICT_RESTORE_SS a bad SS is replaced by __USER_DS (force_valid_ss) and the return goes through", () => {
    expect(frame({ ss: 0x10, strictSs: false }).status).toBe(42);
  });

  it("EFLAGS.TF: one instruction runs, then SIGTRAP (TRAP_TRACE) kills the task without a handler", () => {
    const r = frame({ eflags: 0x302 });
    expect(r.status).toBe(128 + 5);
    expect(r.signalLine).toMatch(/SIGTRAP.*si_code=TRAP_TRACE/);
  });
});

describe("arm64 rt_sigreturn: a PC outside user space", () => {
  const F = LAYOUTS.arm64.rt_sigframe;
  const at = (f: string) => offsetOf(F, f);
  const fp = LAYOUTS.arm64.fpsimd_context;
  const a = new A64Assembler();
  a.mov(x(9), FRAME).mov(x(8), 139);
  // mov sp, x9 (add sp, x9, #0), then svc
  a.word(0x9100013f).svc(0);
  const target = CODE_ADDR + a.finish().length;
  a.mov(x(0), 42).mov(x(8), 93).svc(0);
  const elf = makeElf({ machine: "arm64", code: a.finish(), dataSize: DATA_SIZE });
  const frame = (pc: bigint | number) =>
    runWith(elf, (w64, _w16, w32) => {
      w64(at("uc.uc_mcontext.pc"), pc);
      w64(at("uc.uc_mcontext.sp"), STACK);
      w64(at("uc.uc_mcontext.pstate"), 0);
      const rec = at("uc.uc_mcontext.__reserved");
      w32(rec, 0x46508001); // FPSIMD_MAGIC
      w32(rec + 4, fp.size);
      w32(rec + fp.size, 0); // terminator
      w32(rec + fp.size + 4, 0);
    });

  it("a frame with a user PC returns", () => {
    expect(frame(target).status).toBe(42);
  });

  it.each([
    ["bit 63", (1n << 63n) | BigInt(target)],
    ["bit 53", (1n << 53n) + BigInt(target)],
    ["TASK_SIZE", 1n << 48n],
  ])("PC with %s set: SIGSEGV (SEGV_MAPERR) at that PC, not a PC cut to 53 bits", (_, pc) => {
    const r = frame(pc);
    expect(r.status).toBe(128 + 11);
    expect(r.signalLine).toMatch(new RegExp(`SEGV_MAPERR.*si_addr=0x${pc.toString(16)}`));
  });
});
