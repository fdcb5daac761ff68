/**
 * The translating tier against the interpreter, instruction for instruction: corpus programs run under both
 * with the same random budget pieces and must show the same trap, PC, registers, flags, vector registers
 * and retired count at every stop; plus hand-written cases for self-modifying code, budgets ending inside
 * a block, faults inside a block and the exec watch on a translated self-loop.
 */
import { createHash } from "node:crypto";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, type Cpu, type Trap } from "@uabi/isa-core";
import { readFixtureBinary, runStatic } from "@uabi/test-support";
import { describe, expect, it, vi } from "vitest";
import { A64Assembler, Arm64Cpu, mem, post, pre, w, x, type Arm64CpuOptions } from "../src/index.js";
import { BENCH, fixtures, HARNESS_LIMITED, HEAVY, TOO_SLOW_FOR_TESTS } from "./corpus-run.js";

/** Everything architectural a run can leave behind, as one comparable string. */
function snapshot(c: Arm64Cpu, t: Trap): string {
  const regs: string[] = [];
  for (let i = 0; i < 31; i++) regs.push(c.getReg(i).toString(16));
  const v = createHash("sha1").update(c.vb).digest("hex").slice(0, 12);
  return `${JSON.stringify(t, (_k, val: unknown) => (val instanceof Uint8Array ? [...val] : val))} pc=${c.pc.toString(16)} n=${c.counters.instructions} nzcv=${c.nzcv} sp=${c.sp.toString(16)} tp=${c.tlsBase.toString(16)} fpcr=${c.fpcr} v=${v} x=${regs.join(",")}`;
}

/** A Cpu that runs the core in random budget pieces (seeded, so both tiers get the same pieces) and logs every stop. */
class Recorder implements Cpu {
  readonly arch = "arm64" as const;
  readonly log: string[] = [];
  private seed: number;
  constructor(readonly core: Arm64Cpu, seed: number, private readonly maxPiece: number) {
    this.seed = seed;
  }
  get mem() { return this.core.mem; }
  get counters() { return this.core.counters; }
  get pc() { return this.core.pc; }
  set pc(v: number) { this.core.pc = v; }
  get sp() { return this.core.sp; }
  set sp(v: bigint) { this.core.sp = v; }
  get tlsBase() { return this.core.tlsBase; }
  set tlsBase(v: bigint) { this.core.tlsBase = v; }
  getReg(i: number) { return this.core.getReg(i); }
  setReg(i: number, v: bigint) { this.core.setReg(i, v); }
  flushDecodeCache() { this.core.flushDecodeCache(); }
  setExecWatch(lo: number, hi: number) { this.core.setExecWatch(lo, hi); }
  runWithin(lo: number, hi: number, budget: number): Trap { return this.core.runWithin(lo, hi, budget); }
  run(budget: number): Trap {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    const piece = Math.min(budget, 1 + (this.seed % this.maxPiece));
    const t = this.core.run(piece);
    this.log.push(snapshot(this.core, t));
    return t;
  }
}

function both(run: (opts: Arm64CpuOptions) => string[]): { interp: string[]; jit: string[] } {
  return { interp: run({ jit: false }), jit: run({ jit: true, jitThreshold: 48 }) };
}
function expectSameLogs(a: string[], b: string[]): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect({ stop: i, jit: b[i] }).toEqual({ stop: i, jit: a[i] });
}

const CORPUS = fixtures.filter((f) => !HEAVY.has(f.id) && !BENCH.has(f.id) && !TOO_SLOW_FOR_TESTS.has(f.id) && !HARNESS_LIMITED[f.id]);

describe("translating tier = interpreter on the corpus", () => {
  it.each(CORPUS.map((f) => [f.id, f] as const))("%s: state at every stop (random budget pieces)", (_id, fx) => {
    const elf = readFixtureBinary(fx);
    const outs: string[] = [];
    const logs = both((opts) => {
      const rec = new Recorder(new Arm64Cpu(new GuestMemory(), opts), 7, 5000);
      const r = runStatic(rec, elf, { argv: fx.expected.argv, env: fx.expected.env, stdin: fx.expected.stdin, maxInsns: 2e8 });
      outs.push(`${r.stdout}|${r.exitStatus}|${r.instructions}|${r.syscalls.join(",")}`);
      if (opts.jit) expect(rec.core.jitRegions).toBeGreaterThan(0);
      return rec.log;
    });
    expect(outs[1]).toBe(outs[0]);
    expectSameLogs(logs.interp, logs.jit);
  });
});

// ---------------------------------------------------------------- hand-written programs

const CODE = 0x10000;
const DATA = 0x20000;

function machine(code: Uint8Array, opts: Arm64CpuOptions, writableCode = false): Arm64Cpu {
  const m = new GuestMemory();
  m.map(CODE, 0x2000, PERM_READ | PERM_EXEC | (writableCode ? PERM_WRITE : 0));
  m.map(DATA, 0x1000, PERM_READ | PERM_WRITE);
  m.poke(CODE, code);
  const cpu = new Arm64Cpu(m, opts);
  cpu.pc = CODE;
  cpu.sp = BigInt(DATA + 0x800);
  return cpu;
}

/** Run to the first non-budget trap in pieces of `piece` (or once with a large budget), logging each stop. */
function drive(cpu: Arm64Cpu, piece: number, max = 100_000): string[] {
  const log: string[] = [];
  while (cpu.counters.instructions < max) {
    const t = cpu.run(piece);
    log.push(snapshot(cpu, t));
    if (t.kind !== "budget") break;
  }
  return log;
}

/** ccmp Xn, #imm5, #nzcv, cond (the assembler has no ccmp). */
const ccmpImm = (rn: number, imm5: number, nzcv: number, cond: number) => (0xfa400800 | (imm5 << 16) | (cond << 12) | (rn << 5) | nzcv) >>> 0;

/** A loop over flag-setting arithmetic, loads and stores, conditional selects, bitfields and a call. */
function arithmeticLoop(): Uint8Array {
  const a = new A64Assembler();
  const loop = a.newLabel(), skip = a.newLabel(), fn = a.newLabel(), done = a.newLabel();
  a.mov(x(0), 0).mov(x(1), 40).mov(x(2), DATA).mov(x(3), 0x1234_5678_9abcn).mov(x(9), -3);
  a.bind(loop);
  a.adds(x(3), x(3), x(1)).eor(x(3), x(3), x(3), "lsl", 13).eor(x(4), x(3), x(3), "lsr", 7);
  a.str(x(4), mem(x(2), 8)).ldrb(w(5), mem(x(2), 9)).ldrsw(x(6), mem(x(2), 8)).add(x(0), x(0), x(5));
  a.cmp(x(6), x(9)).csel(x(7), x(6), x(9), "lt").csinc(w(8), w(7), w(1), "hi");
  a.word(ccmpImm(6, 5, 2, 10)).cset(x(17), "ge");
  a.tbz(x(4), 3, skip).mul(x(10), x(4), x(3)).madd(x(11), x(10), x(1), x(0)).bl(fn);
  a.bind(skip);
  a.stp(x(0), x(3), mem(x(2), 32)).ldp(x(12), x(13), mem(x(2), 32)).subs(w(18), w(1), 7).cset(w(19), "lt");
  a.udiv(w(20), w(3), w(1)).sdiv(w(21), w(3), w(9)).lsl(x(22), x(3), x(1)).asr(x(23), x(3), x(1));
  a.subs(x(1), x(1), 1).bcond("ne", loop);
  a.b(done);
  a.bind(fn);
  a.ubfx(x(14), x(11), 5, 17).asr(x(15), x(11), 37).lsl(x(16), x(14), 40).sbfm(x(24), x(11), 60, 3).bfm(x(25), x(4), 20, 45);
  a.ret();
  a.bind(done);
  a.svc(0);
  return a.finish();
}

const JIT: Arm64CpuOptions = { jit: true, jitThreshold: 48 };
const INTERP: Arm64CpuOptions = { jit: false };

describe("translating tier = interpreter on hand-written programs", () => {
  it("arithmetic, flags, memory and calls in a hot loop, at every budget piece size", () => {
    const code = arithmeticLoop();
    for (const piece of [1, 2, 3, 5, 7, 13, 64, 1000]) {
      const jitCpu = machine(code, JIT);
      expectSameLogs(drive(machine(code, INTERP), piece), drive(jitCpu, piece));
      if (piece >= 5) expect(jitCpu.jitRegions).toBeGreaterThan(0);
    }
  });

  it("a budget that ends at every point of a translated loop, then the rest", () => {
    const code = arithmeticLoop();
    for (let first = 1; first <= 120; first++) {
      const run = (opts: Arm64CpuOptions) => {
        const c = machine(code, opts);
        // Warm up so the loop is translated, then split at `first`.
        const log = [snapshot(c, c.run(60)), snapshot(c, c.run(first))];
        return log.concat(drive(c, 1_000_000));
      };
      expectSameLogs(run(INTERP), run(JIT));
    }
  });

  it("self-modifying code: a store into the running block's page is seen from the next block on", () => {
    const a = new A64Assembler();
    const loop = a.newLabel(), patch = a.newLabel(), done = a.newLabel();
    a.mov(x(1), 50).mov(x(5), 0);
    a.adr(x(2), patch);
    a.bind(loop);
    a.bind(patch);
    a.movz(x(0), 1); // its imm16 (bits 20..5) grows by one each iteration
    a.add(x(5), x(5), x(0)).ldr(w(6), mem(x(2), 0)).add(w(6), w(6), 1 << 5).str(w(6), mem(x(2), 0));
    a.add(x(5), x(5), x(0)).subs(x(1), x(1), 1).bcond("ne", loop);
    a.b(done);
    a.bind(done);
    a.svc(0);
    const code = a.finish();
    for (const piece of [1, 3, 10, 1000]) {
      const i = machine(code, INTERP, true), j = machine(code, JIT, true);
      const li = drive(i, piece), lj = drive(j, piece);
      expectSameLogs(li, lj);
      expect(j.getReg(5)).toBe(i.getReg(5));
    }
    const c = machine(code, JIT, true);
    drive(c, 1000);
    // Interpreter semantics: the rest of the block runs stale, the next entry decodes the new word.
    expect(c.getReg(5)).toBe(BigInt([...Array(50).keys()].reduce((s, k) => s + 2 * (k + 1), 0)));
  });

  it("faults inside a translated block: nothing of the faulting instruction, everything before it", () => {
    const a = new A64Assembler();
    const loop = a.newLabel();
    a.mov(x(4), DATA).mov(x(0), 0).mov(x(9), DATA + 0x200);
    a.bind(loop);
    a.add(x(0), x(0), 1).adds(x(7), x(0), x(4)).ldr(x(3), mem(x(4), 8)); // walks off the end of the mapping
    a.stp(x(0), x(7), pre(x(9), -16)); // and this one off its start
    a.add(x(4), x(4), 0x40).bcond("ne", loop);
    a.svc(0);
    const code = a.finish();
    for (const piece of [1, 7, 1000]) {
      const i = machine(code, INTERP), j = machine(code, JIT);
      const li = drive(i, piece), lj = drive(j, piece);
      expectSameLogs(li, lj);
      expect(lj.at(-1)).toContain('"kind":"page-fault"');
    }
    const c = machine(code, JIT);
    const t = c.run(100_000);
    expect(t).toMatchObject({ kind: "page-fault", access: "write", addr: DATA - 16 });
    expect(c.pc).toBe(CODE + 4 * 7); // the stp, whose writeback did not happen
    expect(c.getReg(9)).toBe(BigInt(DATA));
    expect(c.getReg(0)).toBe(33n);
    expect(c.jitRegions).toBeGreaterThan(0);
  });

  it("a load fault in a translated block reports its address and leaves the base register", () => {
    const a = new A64Assembler();
    const loop = a.newLabel();
    a.mov(x(4), DATA + 0xf00).mov(x(1), 0);
    a.bind(loop);
    a.add(x(1), x(1), 3).ldr(x(3), post(x(4), 16)).add(x(1), x(1), x(3)).b(loop);
    const code = a.finish();
    const i = machine(code, INTERP), j = machine(code, JIT);
    expectSameLogs(drive(i, 1000), drive(j, 1000));
    expect(j.getReg(4)).toBe(BigInt(DATA + 0x1000));
    expect(j.pc).toBe(CODE + 4 * 4); // the ldr
  });

  it("SIMD&FP loads and stores of every width and addressing form, and dc zva, up to a fault across the page end", () => {
    // ldr/str q, d, s, h, b (unsigned offset, pre/post-index, unscaled, register offset), ldp/stp/ldnp/stnp of
    // s, d and q, dc zva and the unpredictable ldp q0, q0 (the second register's words win, as in the interpreter).
    const words = [
      0x3dc00440, 0x3d800c40, 0xfd400441, 0xfd002441, 0xbd400442, 0xbd005442, 0x7d400443, 0x7d00b443, 0x3d400444,
      0x3d017c44, 0x3cdf0c45, 0x3c810445, 0xfc403046, 0xbc065046, 0x3ce17847, 0xfc217847, 0x3c614848, 0xad412849,
      0xad04244a, 0x6cc1304b, 0x2dbf304b, 0x6c41384d, 0xac05384d, 0xd50b7422, 0xad410040,
    ];
    const a = new A64Assembler();
    const loop = a.newLabel();
    a.mov(x(2), DATA + 0x10).mov(x(1), 1).mov(x(3), 0x1234_5678_9abc_def0n);
    a.bind(loop);
    a.eor(x(3), x(3), x(3), "lsl", 13).eor(x(3), x(3), x(3), "lsr", 7);
    a.str(x(3), mem(x(2), 0)).str(x(3), mem(x(2), 24)).str(x(3), mem(x(2), 40)).str(x(3), mem(x(2), 88));
    // Fill the registers the narrower loads write, so a load that failed to zero the rest would show.
    for (const v of [1, 2, 3, 4, 6, 8, 11, 12]) a.word(0x3dc00440 | v); // ldr qv, [x2, #16]
    for (const wd of words) a.word(wd);
    a.add(x(2), x(2), 40).b(loop);
    const code = a.finish();
    for (const piece of [1, 3, 7, 29, 1000]) {
      const i = machine(code, INTERP), j = machine(code, JIT);
      const li = drive(i, piece), lj = drive(j, piece);
      expectSameLogs(li, lj);
      expect(lj.at(-1)).toContain('"kind":"page-fault"');
      expect(j.jitRegions).toBeGreaterThan(0);
      expect(Buffer.from(j.mem.readBytes(DATA, 0x1000))).toEqual(Buffer.from(i.mem.readBytes(DATA, 0x1000)));
    }
  });

  it("a TLB miss at any instruction, the region's first included, leaves the region to the interpreter", () => {
    // A store at the loop's head walks 4 pages (a new one every 4 iterations) and a load reads them back at
    // another stride; a second load alternates, every 8 iterations, between the first page and one 4 GiB away
    // (the same TLB slot, the same low address word: the per-site page cache must compare both halves): misses
    // at the region's first instruction and inside it, each run by the interpreter.
    const a = new A64Assembler();
    const loop = a.newLabel();
    const far = DATA + 2 ** 32;
    a.mov(x(10), DATA + 0x1000).mov(x(7), 0).mov(x(8), 0).mov(x(1), 300).mov(x(0), 0);
    a.bind(loop);
    a.add(x(2), x(10), x(7)).add(x(3), x(10), x(8)).and(x(13), x(1), 8).lsl(x(13), x(13), 29).add(x(12), x(10), x(13));
    a.str(x(1), mem(x(2), 8)).add(x(0), x(0), x(1)).ldr(x(4), mem(x(3), 8)).add(x(0), x(0), x(4));
    a.ldr(x(9), mem(x(12), 16)).add(x(0), x(0), x(9));
    a.stp(x(0), x(1), mem(x(2), 16)).add(x(7), x(7), 0x400).add(x(8), x(8), 0x300);
    a.and(x(7), x(7), 0x3fff).and(x(8), x(8), 0x3ff8);
    a.subs(x(1), x(1), 1).bcond("ne", loop);
    a.svc(0);
    const code = a.finish();
    const make = (opts: Arm64CpuOptions) => {
      const c = machine(code, opts);
      c.mem.map(DATA + 0x1000, 0x4000, PERM_READ | PERM_WRITE);
      c.mem.map(far + 0x1000, 0x1000, PERM_READ | PERM_WRITE);
      c.mem.poke(far + 0x1010, new Uint8Array([7]));
      return c;
    };
    for (const piece of [1, 5, 1000]) {
      const i = make(INTERP), j = make(JIT);
      expectSameLogs(drive(i, piece), drive(j, piece));
      expect(j.jitRegions).toBeGreaterThan(0);
      expect(Buffer.from(j.mem.readBytes(DATA + 0x1000, 0x4000))).toEqual(Buffer.from(i.mem.readBytes(DATA + 0x1000, 0x4000)));
    }
  });

  it("a jump to an unmapped page after a translated loop: the fetch fault (decoded outside the run loop) counts what ran", () => {
    const a = new A64Assembler();
    const loop = a.newLabel();
    a.mov(x(1), 100);
    a.bind(loop);
    a.subs(x(1), x(1), 1).bcond("ne", loop);
    a.mov(x(2), 0x90000).br(x(2));
    const code = a.finish();
    for (const piece of [1, 7, 1000]) {
      const i = machine(code, INTERP), j = machine(code, JIT);
      const lj = drive(j, piece);
      expectSameLogs(drive(i, piece), lj);
      expect(lj.at(-1)).toContain('"kind":"page-fault"');
    }
    const c = machine(code, JIT);
    expect(c.run(10_000)).toEqual({ kind: "page-fault", pc: 0x90000, addr: 0x90000, access: "exec", reason: "unmapped" });
    expect(c.counters.instructions).toBe(1 + 200 + 2);
  });

  it("the warm-up's phases under a controlled clock: probes, long calls, a slow long call back to compiling", () => {
    const a = new A64Assembler();
    const loop = a.newLabel();
    a.mov(x(0), 0).mov(x(1), 3).mov(x(2), 400_000);
    a.bind(loop);
    a.add(x(0), x(0), x(1)).eor(x(3), x(0), x(0), "lsl", 7).subs(x(2), x(2), 1).bcond("ne", loop);
    a.svc(0);
    const code = a.finish();
    // Every timed call appears to take `dt` ms (the warm-up times calls with performance.now).
    let t = 0, dt = 1;
    const clock = vi.spyOn(performance, "now").mockImplementation(() => (t += dt));
    try {
      const j = machine(code, JIT), i = machine(code, INTERP);
      const pages = (j as unknown as { pages: Map<number, ({ fn?: unknown; warm: number } | undefined)[]> }).pages;
      const phase = () => pages.get(CODE / 0x1000)!.find((b) => b?.fn !== undefined)?.warm;
      const step = (n: number) => {
        expect(snapshot(j, j.run(n))).toBe(snapshot(i, i.run(n)));
        return phase();
      };
      expect(step(30_000)).toBe(2); // fed, then compiling: the probes' spin calls no faster than the first
      dt = 0.001;
      expect(step(40_000)).toBe(0); // a probe 1000x faster: optimised, long calls
      dt = 100;
      expect(step(300_000)).toBe(0); // one long call at < 25 M insns per second: a descheduled process, perhaps
      expect(step(300_000)).toBe(2); // two in a row: deoptimised, compiling again
      dt = 0.001;
      expect(step(40_000)).toBe(0);
      expect(snapshot(j, j.run(1e6))).toBe(snapshot(i, i.run(1e6)));
    } finally {
      clock.mockRestore();
    }
  });

  it("a spin call (left < 0, the warm-up's) retires nothing and changes nothing", () => {
    const c = machine(arithmeticLoop(), JIT);
    c.run(2000);
    const pages = (c as unknown as { pages: Map<number, ({ fn?: (cpu: Arm64Cpu, left: number, loopOk: boolean) => number } | undefined)[]> }).pages;
    const fns = [...pages.values()].flatMap((p) => p.map((b) => b?.fn)).filter((f) => f !== undefined);
    expect(fns.length).toBeGreaterThan(0);
    const before = snapshot(c, { kind: "budget", pc: c.pc });
    for (const fn of fns) expect(fn(c, -1000, true)).toBe(0);
    expect(snapshot(c, { kind: "budget", pc: c.pc })).toBe(before);
    expect(c.pendingTrap).toBeUndefined();
  });

  it("the exec watch stops a translated self-loop at its next iteration", () => {
    const a = new A64Assembler();
    const loop = a.newLabel();
    a.mov(x(0), 0);
    a.bind(loop);
    a.add(x(0), x(0), 1).b(loop);
    for (const opts of [INTERP, JIT]) {
      const c = machine(a.finish(), opts);
      expect(c.run(1001)).toEqual({ kind: "budget", pc: CODE + 4 });
      c.setExecWatch(CODE, CODE + 0x1000);
      expect(c.run(1000)).toEqual({ kind: "page-fault", pc: CODE + 4, addr: CODE + 4, access: "exec", reason: "protection" });
      expect(c.counters.instructions).toBe(1001);
      expect(c.getReg(0)).toBe(500n);
      c.setExecWatch(0, 0);
      expect(c.run(10)).toEqual({ kind: "budget", pc: CODE + 4 });
      expect(c.getReg(0)).toBe(505n);
    }
  });
});
