/**
 * Signal delivery and return on both ISAs, end to end: a guest program installs a SA_SIGINFO
 * handler, signals itself, and the test checks the rt_sigframe the kernel built byte by byte
 * (arch/x86/kernel/signal_64.c, arch/arm64/kernel/signal.c), the registers at handler entry, and that rt_sigreturn restored everything.
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, sp, xzr, mem as amem } from "@uabi/isa-arm64";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { Kernel, A64_SIGFRAME_SIZE, X86_SIGFRAME_SIZE, type Process } from "../src/index.js";
import { makeElf, CODE_ADDR, DATA_BASE } from "./elf-helper.js";

const SA_SIGINFO = 4, SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000;
const M1 = 0x1111_2222_3333_4444n, M2 = 0x5555_6666_7777_8888n;

function run(elf: Uint8Array): { k: Kernel; p: Process; r: ReturnType<Kernel["run"]> } {
  const k = new Kernel({ maxInstructions: 1e6 });
  const p = k.spawn(elf, { argv: ["sig"] });
  const r = k.run();
  return { k, p, r };
}
const u64 = (p: Process, a: number) => p.mm.mem.read64(a);
const u32 = (p: Process, a: number) => p.mm.mem.read32(a);

/** arm64: handler saves x0, x1, x2, sp, x29, x30 at DATA+0x200.. and clobbers x19. */
function arm64Program(opts: { altstack?: boolean } = {}): { elf: Uint8Array; afterKill: number } {
  const a = new A64Assembler();
  const handler = a.newLabel();
  const afterKill = a.newLabel();
  a.mov(x(19), M1).mov(x(20), M2);
  a.mov(x(9), DATA_BASE);
  if (opts.altstack) {
    // sigaltstack({ss_sp = DATA+0x4000, ss_flags = 0, ss_size = 0x4000})
    a.mov(x(10), DATA_BASE + 0x4000).str(x(10), amem(x(9), 0x40)).str(xzr, amem(x(9), 0x48));
    a.mov(x(10), 0x4000).str(x(10), amem(x(9), 0x50));
    a.add(x(0), x(9), 0x40).mov(x(1), 0).mov(x(8), 132).svc(0);
  }
  a.adr(x(10), handler).str(x(10), amem(x(9), 0));
  a.mov(x(10), SA_SIGINFO | (opts.altstack ? SA_ONSTACK : 0)).str(x(10), amem(x(9), 8));
  a.str(xzr, amem(x(9), 16)).str(xzr, amem(x(9), 24));
  a.mov(x(0), 10).mov(x(1), x(9)).mov(x(2), 0).mov(x(3), 8).mov(x(8), 134).svc(0); // rt_sigaction
  a.mov(x(8), 172).svc(0); // getpid
  a.mov(x(1), 10).mov(x(8), 129).svc(0); // kill(pid, SIGUSR1)
  a.bind(afterKill);
  a.mov(x(9), DATA_BASE);
  a.str(x(19), amem(x(9), 0x100)).str(x(20), amem(x(9), 0x108)).str(x(0), amem(x(9), 0x110));
  a.ldr(x(0), amem(x(9), 0x200)).mov(x(8), 94).svc(0); // exit_group(saved signal number)
  a.bind(handler);
  a.mov(x(9), DATA_BASE + 0x200);
  a.str(x(0), amem(x(9), 0)).str(x(1), amem(x(9), 8)).str(x(2), amem(x(9), 16));
  a.mov(x(10), sp).str(x(10), amem(x(9), 24)).str(x(29), amem(x(9), 32)).str(x(30), amem(x(9), 40));
  a.mov(x(19), 0xdead).ret();
  const code = a.finish();
  return { elf: makeElf({ machine: "arm64", code, dataSize: 0x8000 }), afterKill: CODE_ADDR + a.labelOffset(afterKill) };
}

describe("arm64 signal delivery and return", () => {
  it("builds the 4688-byte rt_sigframe with fpsimd record, terminator and frame record, and restores on sigreturn", () => {
    const { elf, afterKill } = arm64Program();
    const { p, r } = run(elf);
    expect(r.exitStatus).toBe(10);
    const S = DATA_BASE + 0x200;
    const frame = Number(u64(p, S + 24));
    expect(u64(p, S)).toBe(10n); // x0 = signal
    expect(Number(u64(p, S + 8))).toBe(frame); // x1 = &info
    expect(Number(u64(p, S + 16))).toBe(frame + 128); // x2 = &uc
    expect(Number(u64(p, S + 32))).toBe(frame + A64_SIGFRAME_SIZE); // x29 = frame record
    expect(Number(u64(p, S + 40))).toBe(p.vdsoSigreturn); // x30 = __kernel_rt_sigreturn
    expect(frame % 16).toBe(0);
    // siginfo: SIGUSR1 from kill: si_code SI_USER, si_pid = our pid
    expect(u32(p, frame)).toBe(10);
    expect(u32(p, frame + 8)).toBe(0);
    expect(u32(p, frame + 16)).toBe(p.pid);
    // ucontext: sigmask empty, mcontext: x19 marker, pc after the svc, pstate EL0t
    expect(u64(p, frame + 168)).toBe(0n);
    expect(u64(p, frame + 312 + 8 * 19)).toBe(M1);
    expect(Number(u64(p, frame + 568))).toBe(afterKill);
    expect(u64(p, frame + 576) & 0x3ffn).toBe(0n);
    // __reserved: fpsimd record first, then the terminator
    expect(u32(p, frame + 592)).toBe(0x46508001);
    expect(u32(p, frame + 596)).toBe(0x210);
    expect(u32(p, frame + 592 + 0x210)).toBe(0);
    expect(u32(p, frame + 592 + 0x210 + 4)).toBe(0);
    // frame record {fp, lr} above the frame holds the interrupted x29/x30
    expect(u64(p, frame + A64_SIGFRAME_SIZE)).toBe(0n);
    // sigreturn restored x19 (clobbered by the handler) and x20; kill's result 0 survived in x0
    expect(u64(p, DATA_BASE + 0x100)).toBe(M1);
    expect(u64(p, DATA_BASE + 0x108)).toBe(M2);
    expect(u64(p, DATA_BASE + 0x110)).toBe(0n);
    expect(r.stats.signalsDelivered).toBe(1);
    expect(r.stats.sigreturns).toBe(1);
    expect(r.stats.signalFrameBytes[0]).toBeGreaterThanOrEqual(A64_SIGFRAME_SIZE + 16);
    // The cost ledger saw the same events.
    expect(r.stats.cost).toMatchObject({ signalDeliveries: 1, sigreturns: 1, stackBytes: r.stats.signalFrameBytes[0], faults: 0 });
    expect(r.stats.cost.kernelEntries).toBe(r.stats.syscalls);
    expect(r.stats.cost.kernelExits).toBe(r.stats.syscalls - 1); // exit_group never returns
    // The handler returns through x30 into the vDSO's `__kernel_rt_sigreturn` (`mov x8, #139; svc #0`):
    // those 2 instructions retire in the vDSO text and are charged as handler instructions.
    expect(r.stats.cost.handlerInsns).toBe(2);
    expect(r.stats.cost.userInsns + r.stats.cost.handlerInsns).toBe(r.stats.instructions);
  });

  it("delivers on the alternate stack with SA_ONSTACK and reports it in uc_stack", () => {
    const { elf } = arm64Program({ altstack: true });
    const { p, r } = run(elf);
    expect(r.exitStatus).toBe(10);
    const frame = Number(u64(p, DATA_BASE + 0x200 + 24));
    expect(frame).toBeGreaterThanOrEqual(DATA_BASE + 0x4000);
    expect(frame + A64_SIGFRAME_SIZE + 16).toBeLessThanOrEqual(DATA_BASE + 0x8000);
    expect(Number(u64(p, frame + 144))).toBe(DATA_BASE + 0x4000); // uc_stack.ss_sp
    expect(Number(u64(p, frame + 160))).toBe(0x4000); // uc_stack.ss_size
  });
});

/** x86-64: handler saves rdi, rsi, rdx, rsp at DATA+0x200.. and clobbers rbx; restorer = mov eax,15; syscall. */
function x86Program(opts: { noRestorer?: boolean } = {}): { elf: Uint8Array; afterKill: () => number } {
  const a = new X86Assembler();
  const handler = a.newLabel();
  const restorer = a.newLabel();
  a.movabs("rbx", M1).movabs("r12", M2);
  a.mov("r9", DATA_BASE);
  a.lea("rax", xmem({ base: "rip", label: handler })).mov(xmem("r9", 0), "rax");
  a.mov("rax", opts.noRestorer ? SA_SIGINFO : SA_SIGINFO | SA_RESTORER).mov(xmem("r9", 8), "rax");
  a.lea("rax", xmem({ base: "rip", label: restorer })).mov(xmem("r9", 16), "rax");
  a.mov(xmem({ base: "r9", disp: 24, size: 64 }), 0);
  a.mov("edi", 10).mov("rsi", "r9").xor("edx", "edx").mov("r10d", 8).mov("eax", 13).syscall(); // rt_sigaction
  a.mov("eax", 39).syscall(); // getpid
  a.mov("edi", "eax").mov("esi", 10).mov("eax", 62).syscall(); // kill
  let after = 0;
  after = a.here();
  a.mov("r9", DATA_BASE);
  a.mov(xmem("r9", 0x100), "rbx").mov(xmem("r9", 0x108), "r12").mov(xmem("r9", 0x110), "rax");
  a.mov("rdi", xmem("r9", 0x200)).mov("eax", 231).syscall();
  a.bind(handler);
  a.mov("r9", DATA_BASE + 0x200);
  a.mov(xmem("r9", 0), "rdi").mov(xmem("r9", 8), "rsi").mov(xmem("r9", 16), "rdx").mov(xmem("r9", 24), "rsp");
  a.mov("ebx", 0xdead).ret();
  a.bind(restorer);
  a.mov("eax", 15).syscall();
  const code = a.finish();
  return { elf: makeElf({ machine: "x86_64", code, dataSize: 0x8000 }), afterKill: () => CODE_ADDR + after };
}

describe("x86-64 signal delivery and return", () => {
  it("builds the rt_sigframe with the fxsave area, skips the red zone, and restores on sigreturn", () => {
    const { elf, afterKill } = x86Program();
    const { p, r } = run(elf);
    expect(r.exitStatus).toBe(10);
    const S = DATA_BASE + 0x200;
    const frame = Number(u64(p, S + 24));
    expect(u64(p, S)).toBe(10n);
    expect(Number(u64(p, S + 8))).toBe(frame + 312); // rsi = &info
    expect(Number(u64(p, S + 16))).toBe(frame + 8); // rdx = &uc
    expect((frame + 8) % 16).toBe(0); // as after a call
    expect(u64(p, frame)).toBeGreaterThan(BigInt(CODE_ADDR)); // pretcode = restorer
    expect(u64(p, frame + 8)).toBe(6n); // UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
    const mc = frame + 48;
    expect(u64(p, mc + 88)).toBe(M1); // rbx
    expect(Number(u64(p, mc + 128))).toBe(afterKill()); // rip after syscall
    expect(p.mm.mem.read16(mc + 144)).toBe(0x33); // cs
    const userRsp = Number(u64(p, mc + 120));
    expect(userRsp - (frame + X86_SIGFRAME_SIZE)).toBeGreaterThanOrEqual(128 + 512); // red zone + fxsave area
    const fp = Number(u64(p, mc + 184));
    expect(fp % 64).toBe(0);
    expect(fp).toBeGreaterThan(frame);
    expect(fp + 512).toBeLessThanOrEqual(userRsp - 128);
    expect(u32(p, fp + 464)).toBe(0x46505853); // FP_XSTATE_MAGIC1 in sw_reserved
    expect(u32(p, fp + 24)).toBe(0x1f80); // MXCSR
    expect(u32(p, frame + 312)).toBe(10); // siginfo
    expect(u64(p, DATA_BASE + 0x100)).toBe(M1); // rbx restored
    expect(u64(p, DATA_BASE + 0x108)).toBe(M2);
    expect(u64(p, DATA_BASE + 0x110)).toBe(0n); // kill's result
    expect(r.stats.signalFrameBytes[0]).toBe(userRsp - frame);
  });

  it("without SA_RESTORER the frame cannot be set up: the task dies with SIGSEGV", () => {
    const { elf } = x86Program({ noRestorer: true });
    const { r } = run(elf);
    expect(r.signal).toBe(11);
    expect(r.exitStatus).toBe(139);
  });
});
