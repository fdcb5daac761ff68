/**
 * CPU traps become signals with Linux's siginfo; default actions end the process with 128+n;
 * sigreturn validates and sanitises what it restores (arm64 PSTATE, x86-64 FIX_EFLAGS).
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, xzr, mem as amem, Arm64Cpu } from "@uabi/isa-arm64";
import { X86Assembler, mem as xmem, X86Cpu } from "@uabi/isa-x86";
import { GuestMemory } from "@uabi/isa-core";
import { Kernel, arm64Adapter, x86Adapter, A64_SIGFRAME_SIZE, PSTATE_RES0 } from "../src/index.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

const SA_SIGINFO = 4, SA_RESTORER = 0x04000000;

function runElf(elf: Uint8Array) {
  const k = new Kernel({ maxInstructions: 1e6 });
  const p = k.spawn(elf, { argv: ["f"] });
  return { p, r: k.run() };
}

const a64 = (body: (a: A64Assembler) => void) => {
  const a = new A64Assembler();
  body(a);
  return makeElf({ machine: "arm64", code: a.finish(), dataSize: 0x2000 });
};
const x86 = (body: (a: X86Assembler) => void) => {
  const a = new X86Assembler();
  body(a);
  return makeElf({ machine: "x86_64", code: a.finish(), dataSize: 0x2000 });
};

describe("default actions: 128+n", () => {
  it("arm64 NULL load → SIGSEGV (139)", () => {
    const { r } = runElf(a64((a) => a.mov(x(1), 0).ldr(x(0), amem(x(1), 0))));
    expect(r).toMatchObject({ exitStatus: 139, signal: 11, reason: "signal" });
  });
  it("arm64 undefined instruction → SIGILL (132)", () => {
    const { r } = runElf(a64((a) => a.word(0x00000000)));
    expect(r).toMatchObject({ exitStatus: 132, signal: 4 });
  });
  it("arm64 misaligned exclusive load → SIGBUS (135)", () => {
    const { r } = runElf(a64((a) => a.mov(x(1), DATA_BASE + 1).ldxr(x(0), x(1))));
    expect(r).toMatchObject({ exitStatus: 135, signal: 7 });
  });
  it("x86-64 write to a read-only page → SIGSEGV, ud2 → SIGILL, div by zero → SIGFPE, hlt → SIGSEGV", () => {
    expect(runElf(x86((a) => a.mov("rax", 0x400000).mov(xmem({ base: "rax", disp: 0, size: 64 }), 1))).r.exitStatus).toBe(139);
    expect(runElf(x86((a) => a.ud2())).r.exitStatus).toBe(132);
    expect(runElf(x86((a) => a.xor("ecx", "ecx").mov("eax", 1).xor("edx", "edx").div("ecx"))).r.exitStatus).toBe(136);
    expect(runElf(x86((a) => a.hlt())).r.exitStatus).toBe(139);
  });
  it("a fault with the signal blocked still kills (force_sig unblocks and resets to SIG_DFL)", () => {
    const { r } = runElf(
      a64((a) => {
        // rt_sigprocmask(SIG_BLOCK, {SIGSEGV}, NULL, 8) then a NULL store
        a.mov(x(9), DATA_BASE).mov(x(10), 1 << 10).str(x(10), amem(x(9), 0));
        a.mov(x(0), 0).mov(x(1), x(9)).mov(x(2), 0).mov(x(3), 8).mov(x(8), 135).svc(0);
        a.str(xzr, amem(x(2), 0)); // x2 = 0: NULL store
      }),
    );
    expect(r.exitStatus).toBe(139);
  });
});

describe("fault siginfo reaches a handler", () => {
  it("x86-64 SIGSEGV handler sees si_addr and SEGV_MAPERR, cr2 in the sigcontext", () => {
    const elf = x86((a) => {
      const h = a.newLabel();
      const rest = a.newLabel();
      a.mov("r9", DATA_BASE);
      a.lea("rax", xmem({ base: "rip", label: h })).mov(xmem("r9", 0), "rax");
      a.mov("rax", SA_SIGINFO | SA_RESTORER).mov(xmem("r9", 8), "rax");
      a.lea("rax", xmem({ base: "rip", label: rest })).mov(xmem("r9", 16), "rax");
      a.mov("edi", 11).mov("rsi", "r9").xor("edx", "edx").mov("r10d", 8).mov("eax", 13).syscall();
      a.mov("rax", 0xdead000).mov("rbx", xmem("rax", 0)); // fault
      a.bind(h);
      // exit_group(si_code * 16 + (si_addr == 0xdead000) + 2*(cr2 == si_addr))
      a.mov("eax", xmem({ base: "rsi", disp: 8, size: 32 })).shl("eax", 4);
      a.mov("rcx", xmem("rsi", 16)).cmp("rcx", 0xdead000).set("e", "dil").movzx("edi", "dil").add("eax", "edi");
      a.mov("rcx", xmem("rdx", 40 + 176)).cmp("rcx", 0xdead000).set("e", "dil").movzx("edi", "dil").add("edi", "edi").add("edi", "eax");
      a.mov("eax", 231).syscall();
      a.bind(rest);
      a.mov("eax", 15).syscall();
    });
    expect(runElf(elf).r.exitStatus).toBe(1 * 16 + 1 + 2);
  });
});

describe("rt_sigreturn validation", () => {
  function arm64Frame() {
    const mem = new GuestMemory();
    mem.map(0x10000, 0x4000, 3);
    const cpu = new Arm64Cpu(mem);
    const frame = 0x10000 + 0x1000;
    cpu.sp = BigInt(frame);
    const f = new DataView(new ArrayBuffer(A64_SIGFRAME_SIZE));
    for (let i = 0; i < 31; i++) f.setBigUint64(312 + 8 * i, BigInt(i + 100), true);
    f.setBigUint64(560, 0x12340n, true);
    f.setBigUint64(568, 0x400100n, true);
    f.setUint32(592, 0x46508001, true);
    f.setUint32(596, 0x210, true);
    const write = () => mem.writeBytes(frame, new Uint8Array(f.buffer));
    return { mem, cpu, f, write };
  }

  it("arm64: restores registers, clears PSTATE RES0 bits silently", () => {
    const { cpu, f, write } = arm64Frame();
    f.setBigUint64(576, 0xf0000000n | PSTATE_RES0, true); // NZCV + every RES0 bit
    write();
    const r = arm64Adapter.sigreturn(cpu);
    expect(r.ok).toBe(true);
    expect(cpu.getReg(19)).toBe(119n);
    expect(cpu.sp).toBe(0x12340n);
    expect(cpu.pc).toBe(0x400100);
    expect(cpu.nzcv).toBe(0xf);
  });
  it("arm64: non-EL0 mode or DAIF set → failure (SIGSEGV); misaligned SP, missing or duplicated fpsimd, unknown record → failure", () => {
    const cases: [string, (f: DataView) => void][] = [
      ["EL1h", (f) => f.setBigUint64(576, 0x5n, true)],
      ["DAIF", (f) => f.setBigUint64(576, 0x3c0n, true)],
      ["AArch32", (f) => f.setBigUint64(576, 0x10n, true)],
      ["no fpsimd", (f) => (f.setUint32(592, 0, true), f.setUint32(596, 0, true))],
      ["bad fpsimd size", (f) => f.setUint32(596, 0x200, true)],
      ["unknown record", (f) => (f.setUint32(592 + 0x210, 0x12345678, true), f.setUint32(592 + 0x214, 16, true))],
      ["two fpsimd", (f) => (f.setUint32(592 + 0x210, 0x46508001, true), f.setUint32(592 + 0x214, 0x210, true))],
    ];
    for (const [name, mutate] of cases) {
      const { cpu, f, write } = arm64Frame();
      mutate(f);
      write();
      expect(arm64Adapter.sigreturn(cpu).ok, name).toBe(false);
    }
    const { cpu, write } = arm64Frame();
    write();
    cpu.sp += 8n;
    expect(arm64Adapter.sigreturn(cpu).ok).toBe(false);
  });
  it("x86-64: only FIX_EFLAGS bits come from the frame (IF, IOPL, VM keep the kernel's)", () => {
    const mem = new GuestMemory();
    mem.map(0x10000, 0x4000, 3);
    const cpu = new X86Cpu(mem);
    const frame = 0x11000;
    cpu.sp = BigInt(frame + 8);
    const f = new DataView(new ArrayBuffer(440));
    f.setBigUint64(48 + 128, 0x401000n, true);
    f.setBigUint64(48 + 120, 0x13000n, true);
    f.setBigUint64(48 + 136, 0x3000n | 0x20000n | 0x1n | 0x400n, true); // IOPL=3, VM, CF, DF
    mem.writeBytes(frame, new Uint8Array(f.buffer));
    cpu.rflags = 0x202n;
    const r = x86Adapter.sigreturn(cpu);
    expect(r.ok).toBe(true);
    expect(Number(cpu.rflags) & 0x3000).toBe(0);
    expect(Number(cpu.rflags) & 0x20000).toBe(0);
    expect(Number(cpu.rflags) & 0x401).toBe(0x401);
    expect(Number(cpu.rflags) & 0x200).toBe(0x200);
    expect(cpu.pc).toBe(0x401000);
  });
});
