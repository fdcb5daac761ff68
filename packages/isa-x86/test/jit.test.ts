/**
 * The translating tier against the interpreter on the cases its design has to get right: budgets that end
 * inside a block and inside a host loop, faults in the middle of a block (state as before the faulting
 * instruction, flags of an earlier instruction still lazy), self-modifying code that rewrites the block
 * being run, and the exec watch stopping a self-loop. Each program runs under both tiers from every first
 * budget, then to its end; the state at every stop must be identical.
 */
import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, type Trap } from "@uabi/isa-core";
import { mem, X86Assembler } from "../src/asm.js";
import { X86Cpu, type X86CpuOptions } from "../src/cpu.js";
import { snapshot } from "./jit-diff.js";

const CODE = 0x400000;
const DATA = 0x600000;
const STACK_TOP = 0x800000;
const INTERP: X86CpuOptions = { jit: false };
/** Translation on first entry (single-block regions) and after a few entries (regions spanning decoded successors). */
const JITS: X86CpuOptions[] = [{ jit: true, jitThreshold: 0 }, { jit: true, jitThreshold: 3 }];
const JIT = JITS[0]!;

function machine(code: Uint8Array, opts: X86CpuOptions): X86Cpu {
  const m = new GuestMemory();
  m.map(CODE, 0x1000, PERM_READ | PERM_WRITE | PERM_EXEC);
  m.poke(CODE, code);
  m.map(DATA, 0x1000, PERM_READ | PERM_WRITE); // one page: a store loop runs off its end and faults
  m.map(STACK_TOP - 0x10000, 0x10000, PERM_READ | PERM_WRITE);
  const cpu = new X86Cpu(m, opts);
  cpu.pc = CODE;
  cpu.sp = BigInt(STACK_TOP - 0x100);
  return cpu;
}

const FINAL = new Set<Trap["kind"]>(["breakpoint", "page-fault", "undefined", "divide-error", "privileged"]);

/** run(first), then run(1e6) until a final trap: the snapshot after every stop. */
function trace(code: Uint8Array, opts: X86CpuOptions, first: number, between?: (cpu: X86Cpu, k: number) => void): { log: string[]; cpu: X86Cpu } {
  const cpu = machine(code, opts);
  const log: string[] = [];
  let t = cpu.run(first);
  log.push(snapshot(cpu, t));
  for (let k = 0; k < 8 && !FINAL.has(t.kind); k++) {
    between?.(cpu, k);
    t = cpu.run(1e6);
    log.push(snapshot(cpu, t));
  }
  return { log, cpu };
}

/** Both tiers from first budgets 1..all (every one up to 300, then a stride), identical at every stop. */
function sameUnderBothTiers(code: Uint8Array): { total: number; jit: X86Cpu } {
  const full = trace(code, INTERP, 1e6);
  const total = full.cpu.counters.instructions;
  let jit = full.cpu;
  for (let b = 1; b <= total + 1; b += b < 300 ? 1 : 53) {
    const want = trace(code, INTERP, b).log;
    for (const opts of JITS) {
      const got = trace(code, opts, b);
      expect(got.log, `first budget ${b}, threshold ${opts.jitThreshold}`).toEqual(want);
      jit = got.cpu;
    }
  }
  for (const opts of JITS) expect(trace(code, opts, 1e6).log).toEqual(full.log);
  return { total, jit };
}

describe("translating tier = interpreter", () => {
  it("a store faulting in the middle of a self-looping block leaves the state before it (imul flags still lazy)", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    a.mov("rdi", DATA).mov("ebx", 1).xor("eax", "eax");
    a.bind(loop);
    a.add("rax", 3).imul("rbx", "rax").mov(mem("rdi"), "rbx").add("rdi", 8).cmp("rax", 100000).j("ne", loop);
    a.int3();
    const code = a.finish();
    const { total, jit } = sameUnderBothTiers(code);
    const end = trace(code, JIT, 1e6);
    expect(end.log.at(-1)).toContain(`"kind":"page-fault"`);
    expect(end.log.at(-1)).toContain(`"addr":${DATA + 0x1000}`);
    expect(total).toBeGreaterThan(2000);
    expect(jit.jitBlocks).toBeGreaterThan(0);
  });

  it("self-modifying code: a store rewrites an immediate of the running block; the next iteration sees it", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    const patched = a.newLabel();
    a.xor("ecx", "ecx").xor("ebx", "ebx");
    a.bind(loop).bind(patched).mov("eax", 0x11111111);
    a.add("ebx", "eax").mov(mem({ base: "rip", label: patched, disp: 1, size: 32 }), "ecx").inc("ecx").cmp("ecx", 20).j("ne", loop);
    a.int3();
    const code = a.finish();
    sameUnderBothTiers(code);
    const cpu = machine(code, JIT);
    expect(cpu.run(1e6).kind).toBe("breakpoint");
    // First iteration adds the original immediate, iteration k (k ≥ 1) the k-1 stored by the one before.
    expect(cpu.getReg(3)).toBe(BigInt(0x11111111 + (18 * 19) / 2));
  });

  it("8/32/64-bit ALU, shifts, partial registers, flags read across blocks, calls and returns", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    const fn = a.newLabel();
    const skip = a.newLabel();
    a.mov("rsi", DATA).mov("rax", 0x123456789abcdefn).mov("ecx", 300).xor("edx", "edx");
    a.bind(loop);
    a.mov("rbx", "rax").shl("rbx", 13).xor("rax", "rbx").mov("rbx", "rax").shr("rbx", 7).xor("rax", "rbx");
    a.sar("rbx", 33).add("rdx", "rbx").adc("edx", 0).movzx("r8d", "al").add(mem({ base: "rsi", index: "r8", scale: 1, size: 8 }), "al");
    a.neg(mem({ base: "rsi", disp: 8, size: 64 })).not(mem({ base: "rsi", disp: 16, size: 32 })).neg("r12d").not("r13").cqo().cdq();
    a.call(fn).cmp("r9b", "dl").set("b", "r10b").cmov("l", "r11", "rax").sub("ecx", 1).j("g", skip).nop();
    a.bind(skip).test("ecx", "ecx").j("ne", loop);
    a.int3();
    a.bind(fn).lea("r9", mem({ base: "rdx", index: "rax", scale: 4, disp: -9 })).imul("r9d", "r9d", 7).dec("r9").ret();
    const code = a.finish();
    sameUnderBothTiers(code);
  });

  it("cmp/test records left pending (fp_): observed at faults, budget stops, inline handlers and generic conditions", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    const mid = a.newLabel();
    const next = a.newLabel();
    const wr = a.newLabel();
    const tail = a.newLabel();
    a.mov("rsi", DATA).mov("rcx", 0).mov("rbx", 0x100000000n).mov("eax", 7);
    a.bind(loop);
    // A byte load that faults once rsi + rcx leaves the page: the record of the cmp at the block's end (pending
    // into this block) is what the fault must report.
    a.add("al", mem({ base: "rsi", index: "rcx", scale: 1, size: 8 })).mov(mem({ base: "rsi", index: "rcx", scale: 1, size: 8 }), "al");
    a.add("rcx", 9).cmp("rcx", "rbx").j("ne", mid);
    a.bind(mid);
    // A block that starts with a condition (no setter before it: cpu.cond on the materialised record).
    a.j("l", next).nop();
    a.bind(next);
    // 8-bit and high-byte operands; adc runs its handler inline and reads the pending test's CF.
    a.test("ah", "cl").adc("edx", 0).cmp("cl", 3).j("b", wr);
    a.test("r8", "r8").j("s", wr);
    a.bind(wr);
    // The pending cmp's register written before the next setter: its record is written in full instead.
    a.cmp("rdx", "rax").j("a", tail);
    a.mov("rdx", 5).nop().xor("r8d", "r8d");
    a.bind(tail).cmp("ecx", 0x2000).j("b", loop);
    a.int3();
    const code = a.finish();
    const { total, jit } = sameUnderBothTiers(code);
    expect(total).toBeGreaterThan(1000);
    expect(jit.jitBlocks).toBeGreaterThan(0);
    expect(trace(code, JIT, 1e6).log.at(-1)).toContain(`"kind":"page-fault"`);
  });

  it("translated SSE moves, lane logic, pcmpeqb and pmovmskb; a misaligned movaps traps at its own address", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    a.mov("rdi", DATA).xor("ebx", "ebx").bytes([0x66, 0x0f, 0x76, 0xc9]); // pcmpeqd %xmm1,%xmm1
    a.bind(loop);
    a.bytes([0x0f, 0x11, 0x0f]); // movups %xmm1,(%rdi)
    a.bytes([0x0f, 0x28, 0x17]); // movaps (%rdi),%xmm2
    a.bytes([0x66, 0x0f, 0x6f, 0x27]); // movdqa (%rdi),%xmm4
    a.bytes([0x66, 0x0f, 0xef, 0xca]); // pxor %xmm2,%xmm1
    a.bytes([0x66, 0x0f, 0x74, 0xdc]); // pcmpeqb %xmm4,%xmm3
    a.bytes([0x66, 0x0f, 0xd7, 0xc3]); // pmovmskb %xmm3,%eax
    a.add("rbx", "rax");
    a.bytes([0x66, 0x0f, 0xeb, 0xcb, 0x66, 0x0f, 0xdb, 0xd1, 0x66, 0x0f, 0xdf, 0xe1]); // por, pand, pandn
    a.bytes([0x66, 0x0f, 0x76, 0xe9, 0x0f, 0x28, 0xe9, 0x0f, 0x29, 0xee]); // pcmpeqd, movaps xmm→xmm both forms
    a.bytes([0x0f, 0x57, 0x3f, 0x66, 0x0f, 0x74, 0x27]); // xorps (%rdi),%xmm7; pcmpeqb (%rdi),%xmm4
    a.bytes([0x0f, 0x29, 0x77, 0x10]); // movaps %xmm6,0x10(%rdi)
    a.add("rdi", 16).cmp("rdi", DATA + 0x200).j("ne", loop);
    a.add("rdi", 8).jmp(loop); // movups stays legal; movaps (%rdi) then traps
    const code = a.finish();
    sameUnderBothTiers(code);
    const cpu = machine(code, JIT);
    const t = cpu.run(1e6);
    expect(t.kind).toBe("alignment");
    expect(cpu.jitBlocks).toBeGreaterThan(0);
  });

  it("16-byte SSE loads and stores crossing into an unmapped page fault as the interpreter does (nothing stored)", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    a.mov("rdi", DATA + 0xf00).bytes([0x66, 0x0f, 0x76, 0xc9]); // pcmpeqd %xmm1,%xmm1
    a.bind(loop);
    a.bytes([0xf3, 0x0f, 0x6f, 0x1f]); // movdqu (%rdi),%xmm3
    a.bytes([0x66, 0x0f, 0xfe, 0xcb]); // paddd %xmm3,%xmm1 (run by its handler)
    a.bytes([0x0f, 0x11, 0x4f, 0x04]); // movups %xmm1,0x4(%rdi)
    a.add("rdi", 8).jmp(loop);
    const code = a.finish();
    sameUnderBothTiers(code);
    const cpu = machine(code, JIT);
    expect(cpu.run(1e6).kind).toBe("page-fault");
  });

  it("the exec watch stops a self-loop at its next entry, nothing of it retired", () => {
    const a = new X86Assembler();
    const loop = a.newLabel();
    a.mov("ecx", 1000);
    a.bind(loop).add("rax", "rcx").sub("ecx", 1).j("ne", loop);
    a.int3();
    const code = a.finish();
    const watch = (cpu: X86Cpu, k: number) => {
      if (k === 0) cpu.setExecWatch(CODE + 5, CODE + 6);
      else cpu.setExecWatch(0, 0);
    };
    for (const first of [1, 2, 3, 4, 5, 50, 51, 52, 53]) {
      const want = trace(code, INTERP, first, watch).log;
      for (const opts of JITS) expect(trace(code, opts, first, watch).log).toEqual(want);
      expect(want[1]).toContain(`"kind":"page-fault","pc":${CODE + 5}`);
    }
  });
});
