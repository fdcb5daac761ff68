/**
 * The leave watch (Cpu.runWithin) against single-stepping: a program with a call out of and back into the
 * range, a hot loop the translating tier compiles and a faulting load, run from inside [lo, hi) for every
 * instruction boundary as `hi` (blocks cut there) and two values of `lo`, in budget pieces of several sizes,
 * under both tiers (outside the range it runs under the exec watch, as in the kernel's runner). Every stop must show the trap, PC, registers, flags and retired count that `run(1)`
 * repeated while the PC stays in the range gives.
 */
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, runWithinStepped, type Trap } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { A64Assembler, Arm64Cpu, mem, x, type Arm64CpuOptions } from "../src/index.js";

const CODE = 0x10000;
const DATA = 0x20000;

/** b start; fn: x9 += 1, ret; start: a branchy loop, a counted loop storing, loading and calling fn; then a load from 0 (faults). */
function program(): Uint8Array {
  const a = new A64Assembler();
  const start = a.newLabel(), fn = a.newLabel(), loop = a.newLabel(), loop1 = a.newLabel(), skip1 = a.newLabel();
  a.b(start);
  a.bind(fn).add(x(9), x(9), 1).ret();
  a.bind(start).mov(x(2), DATA).mov(x(1), 60).mov(x(0), 0);
  // A loop of three blocks (one translated region) that a cut range leaves in its middle.
  a.bind(loop1).add(x(0), x(0), x(1)).tbz(x(0), 2, skip1).add(x(10), x(10), 1);
  a.bind(skip1).add(x(11), x(11), x(0)).subs(x(1), x(1), 1).bcond("ne", loop1).mov(x(1), 60);
  a.bind(loop).add(x(0), x(0), x(1)).str(x(0), mem(x(2), 8)).ldr(x(3), mem(x(2), 8)).bl(fn);
  a.subs(x(1), x(1), 1).bcond("ne", loop);
  a.mov(x(4), 7).add(x(5), x(4), x(0)).mov(x(7), 0).ldr(x(6), mem(x(7), 0)).mov(x(8), 1);
  return a.finish();
}

function machine(opts: Arm64CpuOptions, pc: number): Arm64Cpu {
  const m = new GuestMemory();
  m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
  m.map(DATA, 0x1000, PERM_READ | PERM_WRITE);
  m.poke(CODE, program());
  const cpu = new Arm64Cpu(m, opts);
  cpu.pc = pc;
  return cpu;
}

function snapshot(c: Arm64Cpu, t: Trap): string {
  const regs: string[] = [];
  for (let i = 0; i < 31; i++) regs.push(c.getReg(i).toString(16));
  return `${JSON.stringify(t)} pc=${c.pc.toString(16)} n=${c.counters.instructions} nzcv=${c.nzcv} x=${regs.join(",")}`;
}

/**
 * Stops of `within` calls with budget `piece` while the PC is in the range, and outside it of `run(piece)`
 * under the exec watch over the range (as the kernel's runner does), to a trap.
 */
function stops(cpu: Arm64Cpu, lo: number, hi: number, piece: number, within: (c: Arm64Cpu, lo: number, hi: number, b: number) => Trap): string[] {
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
  // Every PC the program visits, in order: [0] the branch to start, [1] start.
  const visited: number[] = [CODE];
  const probe = machine({ jit: false }, CODE);
  while (probe.run(1).kind === "budget") visited.push(probe.pc);
  const start = visited[1]!;
  const bounds = [...new Set(visited)].sort((p, q) => p - q);
  const his = [...bounds.filter((a) => a > start), bounds.at(-1)! + 4, bounds.at(-1)! + 8];

  it.each([CODE, start])("lo = %i: every hi, budget pieces 1, 5 and 10^6, both tiers", (lo) => {
    let translated = 0;
    for (const hi of his) {
      for (const piece of [1, 5, 1e6]) {
        const want = stops(machine({ jit: false }, start), lo, hi, piece, runWithinStepped);
        for (const opts of [{ jit: false }, { jit: true, jitThreshold: 24 }]) {
          const cpu = machine(opts, start);
          const got = stops(cpu, lo, hi, piece, (c, l, h, b) => c.runWithin(l, h, b));
          expect(got, `lo ${lo.toString(16)} hi ${hi.toString(16)} piece ${piece} jit ${opts.jit}`).toEqual(want);
          translated += cpu.jitRegions;
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
