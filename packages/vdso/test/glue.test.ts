/**
 * The glue entries under the ISA interpreters, with this file playing the kernel's part of the
 * bounce contract: push the frame, jump to the bounce entry, and honour the return flag; or build
 * an rt_sigframe and enter the SIGSYS entry. The interrupted code must see exactly what a raw
 * syscall gives it.
 */
import { describe, expect, it } from "vitest";
import { BOUNCE, TASK_PAGE, bounceFrameAddress, decodeReturnFlag, sanitizeBounceFlags } from "@uabi/libkernel";
import { syscallNr } from "@uabi/uapi";
import { buildVdso, type VdsoImage } from "../src/index.js";
import { BASE, Machine, RET_ADDR, STACK_TOP, TASK, X86, runUntil, type Syscall } from "./machine.js";
import type { Arm64Cpu } from "@uabi/isa-arm64";
import type { X86Cpu } from "@uabi/isa-x86";

const IMG: Record<string, VdsoImage> = {};
const img = (arch: "arm64" | "x86_64"): VdsoImage => (IMG[arch] ??= buildVdso({ arch }));
const USER_SP = STACK_TOP - 0x400;
const PID = 4242n;
const WRITE_RESULT = 5n;

/** The fake kernel's answer to syscalls the vDSO issues (or re-issues). */
function kernelFor(arch: "arm64" | "x86_64", seen: Syscall[]) {
  return (nr: number, args: readonly bigint[]): bigint => {
    seen.push({ nr, args: [...args], pc: 0 });
    if (nr === syscallNr(arch, "write")) return WRITE_RESULT;
    if (nr === syscallNr(arch, "openat")) return 3n;
    return BigInt.asUintN(64, -38n);
  };
}

type Case = { name: string; nr: (arch: "arm64" | "x86_64") => number; args: bigint[]; result: bigint; kernelCalls: (arch: "arm64" | "x86_64") => [number, bigint[]][] };
const CASES: Case[] = [
  { name: "getpid (handled in userspace)", nr: (a) => syscallNr(a, "getpid"), args: [], result: PID, kernelCalls: () => [] },
  {
    name: "write (passed through)", nr: (a) => syscallNr(a, "write"), args: [1n, 0x3001_0000n, 5n], result: WRITE_RESULT,
    kernelCalls: (a) => [[syscallNr(a, "write"), [1n, 0x3001_0000n, 5n]]],
  },
  {
    // vvar mode 0 for CLOCK_PROCESS_CPUTIME_ID: the handler itself issues the syscall, then returns.
    name: "clock_gettime fallback (handler issues a syscall)", nr: (a) => syscallNr(a, "clock_gettime"), args: [2n, 0x3001_0000n],
    result: BigInt.asUintN(64, -38n), kernelCalls: (a) => [[syscallNr(a, "clock_gettime"), [2n, 0x3001_0000n]]],
  },
];
const X86_ONLY: Case[] = [
  {
    name: "open (rewritten onto openat)", nr: () => 2, args: [0x3001_0000n, 0x42n, 0o600n], result: 3n,
    kernelCalls: (a) => [[syscallNr(a, "openat"), [BigInt.asUintN(64, -100n), 0x3001_0000n, 0x42n, 0o600n]]],
  },
];

describe("arm64 bounce entry", () => {
  for (const variant of ["stack", "task-page"] as const) {
    for (const c of CASES) {
      it(`${c.name}, ${variant} frame: caller sees a raw syscall, through one return-flag kernel entry`, () => {
        const m = new Machine(img("arm64"));
        const cpu = m.cpu as Arm64Cpu;
        m.mem.write32(TASK + TASK_PAGE.pid, Number(PID));
        const nr = c.nr("arm64");
        const init = Array.from({ length: 31 }, (_, i) => 0x1111_0000_0000n + BigInt(i));
        c.args.forEach((a, i) => (init[i] = a));
        init[8] = BigInt(nr);
        init.forEach((v, i) => cpu.setReg(i, v));
        cpu.nzcv = 0b0110; // Z and C set (the CPU's 4-bit N:Z:C:V view)
        // Below the caller's SP: must be untouched in the task-page variant.
        for (let k = 8; k <= 256; k += 8) m.mem.write64(USER_SP - k, 0xdeadbeefn);
        // The kernel's half of a bounce.
        const frame = bounceFrameAddress("arm64", USER_SP, variant, TASK);
        m.mem.write64(frame + BOUNCE.frame.nr, BigInt(nr));
        m.mem.write64(frame + BOUNCE.frame.sp, BigInt(USER_SP));
        m.mem.write64(frame + BOUNCE.frame.pc, BigInt(RET_ADDR));
        m.mem.write64(frame + BOUNCE.frame.flags, BigInt(cpu.nzcv) << 28n); // PSTATE layout
        cpu.sp = BigInt(frame);
        cpu.pc = BASE + m.img.entries.bounce;
        cpu.nzcv = 0;
        const seen: Syscall[] = [];
        const kernel = kernelFor("arm64", seen);
        let returnEntries = 0;
        const r = runUntil(m, (s) => {
          const inText = s.pc >= BASE + m.img.textStart && s.pc < BASE + m.img.textEnd;
          expect(inText).toBe(true);
          const rf = decodeReturnFlag(s.nr);
          if (!rf) return kernel(s.nr, s.args);
          returnEntries++;
          const res = rf.returnOnly ? cpu.getReg(0) : kernel(rf.nr, s.args);
          // Pop the frame: it must be exactly at SP.
          const f = Number(cpu.sp);
          expect(f).toBe(frame);
          cpu.setReg(0, res);
          cpu.setReg(8, m.mem.read64(f + BOUNCE.frame.nr));
          cpu.nzcv = Number(sanitizeBounceFlags("arm64", m.mem.read64(f + BOUNCE.frame.flags)) >> 28n);
          cpu.pc = Number(m.mem.read64(f + BOUNCE.frame.pc));
          cpu.sp = m.mem.read64(f + BOUNCE.frame.sp);
          return "stop";
        });
        expect(r.kind).toBe("stopped");
        expect(returnEntries).toBe(1);
        expect(seen.map((s, k) => [s.nr, s.args.slice(0, c.kernelCalls("arm64")[k]?.[1].length ?? 0)])).toEqual(c.kernelCalls("arm64"));
        expect(cpu.getReg(0)).toBe(c.result);
        for (let i = 1; i <= 30; i++) expect(cpu.getReg(i), `x${i}`).toBe(init[i]);
        expect(cpu.sp).toBe(BigInt(USER_SP));
        expect(cpu.pc).toBe(RET_ADDR);
        expect(cpu.nzcv).toBe(0b0110);
        if (variant === "task-page") for (let k = 8; k <= 256; k += 8) expect(m.mem.read64(USER_SP - k)).toBe(0xdeadbeefn);
      });
    }
  }
});

describe("x86-64 bounce entry", () => {
  for (const variant of ["stack", "task-page"] as const) {
    for (const c of [...CASES, ...X86_ONLY]) {
      it(`${c.name}, ${variant} frame: returns in userspace, red zone intact, rcx/r11 as sysret`, () => {
        const m = new Machine(img("x86_64"));
        const cpu = m.cpu as X86Cpu;
        m.mem.write32(TASK + TASK_PAGE.pid, Number(PID));
        const nr = c.nr("x86_64");
        const init = Array.from({ length: 16 }, (_, i) => 0x2222_0000_0000n + BigInt(i));
        const argRegs = [X86.rdi, X86.rsi, X86.rdx, X86.r10, X86.r8, X86.r9];
        c.args.forEach((a, i) => (init[argRegs[i]!] = a));
        init[X86.rax] = BigInt(nr);
        init[X86.rsp] = BigInt(USER_SP);
        init.forEach((v, i) => cpu.setReg(i, v));
        const userFlags = 0xac3n; // OF IF SF ZF CF + the reserved bit 1 (user code always runs with IF)
        // The red zone and beyond: a stack frame must start below RSP − 128.
        const guard = variant === "stack" ? 128 : 512;
        for (let k = 8; k <= guard; k += 8) m.mem.write64(USER_SP - k, 0xdeadbeefn);
        const frame = bounceFrameAddress("x86_64", USER_SP, variant, TASK);
        m.mem.write64(frame + BOUNCE.frame.nr, BigInt(nr));
        m.mem.write64(frame + BOUNCE.frame.sp, BigInt(USER_SP));
        m.mem.write64(frame + BOUNCE.frame.pc, BigInt(RET_ADDR));
        m.mem.write64(frame + BOUNCE.frame.flags, userFlags);
        cpu.sp = BigInt(frame);
        cpu.pc = BASE + m.img.entries.bounce;
        cpu.rflags = 0x202n;
        const seen: Syscall[] = [];
        const kernel = kernelFor("x86_64", seen);
        const r = runUntil(m, (s) => {
          expect(s.pc >= BASE + m.img.textStart && s.pc < BASE + m.img.textEnd).toBe(true);
          expect(s.nr & BOUNCE.RETURN_FLAG).toBe(0); // x86-64 never needs the return flag
          return kernel(s.nr, s.args);
        });
        expect(r.kind).toBe("returned");
        expect(seen.map((s, k) => [s.nr, s.args.slice(0, c.kernelCalls("x86_64")[k]?.[1].length ?? 0)])).toEqual(c.kernelCalls("x86_64"));
        expect(cpu.getReg(X86.rax)).toBe(c.result);
        expect(cpu.getReg(X86.rcx)).toBe(BigInt(RET_ADDR));
        expect(cpu.getReg(X86.r11)).toBe(userFlags);
        for (let i = 0; i < 16; i++) {
          if (i === X86.rax || i === X86.rcx || i === X86.r11) continue;
          expect(cpu.getReg(i), `reg ${i}`).toBe(init[i]);
        }
        expect(cpu.rflags & 0xfffn).toBe(userFlags);
        for (let k = 8; k <= guard; k += 8) expect(m.mem.read64(USER_SP - k), `stack at rsp-${k}`).toBe(0xdeadbeefn);
      });
    }
  }
});

describe("SIGSYS entry", () => {
  const cases = (arch: "arm64" | "x86_64") => (arch === "arm64" ? CASES : [...CASES, ...X86_ONLY]);
  for (const arch of ["arm64", "x86_64"] as const) {
    for (const c of cases(arch)) {
      it(`${arch}: ${c.name}: reads the ucontext, writes the result into it, sigreturns`, () => {
        const m = new Machine(img(arch));
        const cpu = m.cpu;
        m.mem.write32(TASK + TASK_PAGE.pid, Number(PID));
        const nr = c.nr(arch);
        let frame: number;
        let resultSlot: number;
        let spAtSigreturn: number;
        if (arch === "arm64") {
          frame = (USER_SP - 4688) & ~15;
          const regs = frame + 312;
          m.mem.write64(regs + 8 * 8, BigInt(nr));
          c.args.forEach((a, i) => m.mem.write64(regs + 8 * i, a));
          cpu.setReg(0, 31n);
          cpu.setReg(1, BigInt(frame));
          cpu.setReg(2, BigInt(frame + 128));
          cpu.setReg(30, BigInt(BASE + m.img.entries.sigreturn));
          resultSlot = regs;
          spAtSigreturn = frame;
        } else {
          frame = ((USER_SP - 128 - 1024) & ~15) - 8;
          const mc = frame + 8 + 40;
          m.mem.write64(frame, BigInt(BASE + m.img.entries.sigreturn));
          m.mem.write64(mc + 104, BigInt(nr));
          const slots = [64, 72, 96, 16, 0, 8];
          c.args.forEach((a, i) => m.mem.write64(mc + slots[i]!, a));
          cpu.setReg(X86.rdi, 31n);
          cpu.setReg(X86.rsi, BigInt(frame + 312));
          cpu.setReg(X86.rdx, BigInt(frame + 8));
          resultSlot = mc + 104;
          spAtSigreturn = frame + 8;
        }
        cpu.sp = BigInt(frame);
        cpu.pc = BASE + m.img.entries.sigsys;
        const seen: Syscall[] = [];
        const kernel = kernelFor(arch, seen);
        const sigreturn = syscallNr(arch, "rt_sigreturn");
        const r = runUntil(m, (s) => {
          expect(s.pc >= BASE + m.img.textStart && s.pc < BASE + m.img.textEnd).toBe(true);
          if (s.nr === sigreturn) {
            expect(Number(cpu.sp)).toBe(spAtSigreturn);
            return "stop";
          }
          return kernel(s.nr, s.args);
        });
        expect(r.kind).toBe("stopped");
        expect(m.mem.read64(resultSlot)).toBe(c.result);
        expect(seen.map((s, k) => [s.nr, s.args.slice(0, c.kernelCalls(arch)[k]?.[1].length ?? 0)])).toEqual(c.kernelCalls(arch));
      });
    }
  }
});
