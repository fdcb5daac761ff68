/**
 * The leave watch (Cpu.runWithin) against single-stepping: a program with a call out of and back into the
 * range, a branchy loop and a counted loop the translating tier compiles and a faulting load, run from inside
 * [lo, hi) for every instruction boundary as `hi` (blocks cut there) and two values of `lo`, in budget pieces
 * of several sizes, under both tiers (outside the range it runs under the exec watch, as in the kernel's
 * runner). Every stop must show the trap, PC, registers, flags and retired count that `run(1)` repeated while
 * the PC stays in the range gives.
 */
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, runWithinStepped, type Trap } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { mem, X86Assembler } from "../src/asm.js";
import { X86Cpu, type X86CpuOptions } from "../src/cpu.js";
import { snapshot } from "./jit-diff.js";

const CODE = 0x400000;
const DATA = 0x600000;
const STACK_TOP = 0x800000;

function program(): Uint8Array {
  const a = new X86Assembler();
  const start = a.newLabel(), fn = a.newLabel(), loop = a.newLabel(), loop1 = a.newLabel(), skip1 = a.newLabel();
  a.jmp(start, { near: true });
  a.bind(fn).add("r9", 1).ret();
  a.bind(start).mov("rsi", DATA).mov("ecx", 60).xor("eax", "eax");
  // A loop of three blocks (one translated region) that a cut range leaves in its middle.
  a.bind(loop1).add("rax", "rcx").test("eax", 4).j("e", skip1).add("r10", 1);
  a.bind(skip1).add("r11", "rax").sub("ecx", 1).j("ne", loop1).mov("ecx", 60);
  a.bind(loop).add("rax", "rcx").mov(mem("rsi", 8), "rax").mov("rdx", mem("rsi", 8)).call(fn);
  a.sub("ecx", 1).j("ne", loop);
  a.mov("ebx", 7).add("rbx", "rax").xor("edi", "edi").mov("r8", mem("rdi")).mov("r12d", 1);
  return a.finish();
}

function machine(opts: X86CpuOptions, pc: number): X86Cpu {
  const m = new GuestMemory();
  m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
  m.map(DATA, 0x1000, PERM_READ | PERM_WRITE);
  m.map(STACK_TOP - 0x10000, 0x10000, PERM_READ | PERM_WRITE);
  m.poke(CODE, program());
  const cpu = new X86Cpu(m, opts);
  cpu.pc = pc;
  cpu.sp = BigInt(STACK_TOP - 0x100);
  return cpu;
}

/**
 * Stops of `within` calls with budget `piece` while the PC is in the range, and outside it of `run(piece)`
 * under the exec watch over the range (as the kernel's runner does), to a trap.
 */
function stops(cpu: X86Cpu, lo: number, hi: number, piece: number, within: (c: X86Cpu, lo: number, hi: number, b: number) => Trap): string[] {
  const log: string[] = [];
  for (let k = 0; k < 5000; k++) {
    let t: Trap;
    if (cpu.pc >= lo && cpu.pc < hi) t = within(cpu, lo, hi, piece);
    else {
      cpu.setExecWatch(lo, hi);
      t = cpu.run(piece);
      cpu.setExecWatch(0, 0);
    }
    log.push(snapshot(cpu, t));
    if (t.kind !== "budget" && !(t.kind === "page-fault" && t.access === "exec" && t.addr >= lo && t.addr < hi)) break;
  }
  return log;
}

describe("leave watch (runWithin)", () => {
  // Every PC the program visits, in order: [0] the jump to start, [1] start.
  const visited: number[] = [CODE];
  const probe = machine({ jit: false }, CODE);
  while (probe.run(1).kind === "budget") visited.push(probe.pc);
  const start = visited[1]!;
  const bounds = [...new Set(visited)].sort((p, q) => p - q);
  const his = [...bounds.filter((a) => a > start), bounds.at(-1)! + 1, bounds.at(-1)! + 8];

  it.each([CODE, start])("lo = %i: every hi, budget pieces 1, 5 and 10^6, both tiers", (lo) => {
    let translated = 0;
    for (const hi of his) {
      for (const piece of [1, 5, 1e6]) {
        const want = stops(machine({ jit: false }, start), lo, hi, piece, runWithinStepped);
        for (const opts of [{ jit: false }, { jit: true, jitThreshold: 3 }]) {
          const cpu = machine(opts, start);
          const got = stops(cpu, lo, hi, piece, (c, l, h, b) => c.runWithin(l, h, b));
          expect(got, `lo ${lo.toString(16)} hi ${hi.toString(16)} piece ${piece} jit ${opts.jit}`).toEqual(want);
          translated += cpu.jitBlocks;
        }
      }
    }
    expect(translated).toBeGreaterThan(0);
  });

  it("stops at once when the PC starts outside, and leaves no watch behind", () => {
    const cpu = machine({ jit: false }, start);
    expect(cpu.runWithin(CODE, start, 100)).toEqual({ kind: "budget", pc: start });
    expect(cpu.counters.instructions).toBe(0);
    expect(cpu.run(1e6)).toMatchObject({ kind: "page-fault", addr: 0, access: "read" });
  });
});
