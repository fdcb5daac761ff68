import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE, type Trap } from "@uabi/isa-core";
import { describe, expect, it } from "vitest";
import { A64Assembler, Arm64Cpu, CTR_EL0, DCZID_EL0, MIDR_EL1, mem, post, pre, sp, w, x, xzr, type Arm64CpuOptions } from "../src/index.js";

const CODE = 0x10000;
const DATA = 0x40000;
const STACK_TOP = 0x80000;

/** Assemble `build`, append `brk #0xf00` as the end marker, run to the first trap. */
function machine(build: (a: A64Assembler) => unknown, opts: Arm64CpuOptions = {}, codePerm = PERM_READ | PERM_EXEC) {
  const m = new GuestMemory();
  m.map(CODE, 0x4000, codePerm);
  m.map(DATA, 0x2000, PERM_READ | PERM_WRITE);
  m.map(STACK_TOP - 0x4000, 0x4000, PERM_READ | PERM_WRITE);
  const a = new A64Assembler();
  build(a);
  a.brk(0xf00);
  m.poke(CODE, a.finish());
  const cpu = new Arm64Cpu(m, opts);
  cpu.pc = CODE;
  cpu.sp = BigInt(STACK_TOP);
  return { cpu, m };
}
function run(build: (a: A64Assembler) => unknown, setup?: (cpu: Arm64Cpu) => void, opts?: Arm64CpuOptions): { cpu: Arm64Cpu; trap: Trap; m: GuestMemory } {
  const { cpu, m } = machine(build, opts);
  setup?.(cpu);
  const trap = cpu.run(10_000);
  return { cpu, trap, m };
}
const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);

describe("Arm64Cpu: integer semantics against a BigInt reference", () => {
  // Binary ops on x1, x2 → x0.
  const OPS: [string, (a: A64Assembler) => unknown, (p: bigint, q: bigint) => bigint][] = [
    ["add", (a) => a.add(x(0), x(1), x(2)), (p, q) => p + q],
    ["sub", (a) => a.sub(x(0), x(1), x(2)), (p, q) => p - q],
    ["add lsl 7", (a) => a.add(x(0), x(1), x(2), "lsl", 7), (p, q) => p + (q << 7n)],
    ["sub asr 3", (a) => a.sub(x(0), x(1), x(2), "asr", 3), (p, q) => p - u64(s64(q) >> 3n)],
    ["eor ror 13", (a) => a.eor(x(0), x(1), x(2), "ror", 13), (p, q) => p ^ ((q >> 13n) | (q << 51n))],
    ["bic", (a) => a.bic(x(0), x(1), x(2)), (p, q) => p & ~q],
    ["eor lsl 13", (a) => a.eor(x(0), x(1), x(2), "lsl", 13), (p, q) => p ^ (q << 13n)],
    ["orr lsr 7", (a) => a.orr(x(0), x(1), x(2), "lsr", 7), (p, q) => p | (q >> 7n)],
    ["and asr 29", (a) => a.and(x(0), x(1), x(2), "asr", 29), (p, q) => p & u64(s64(q) >> 29n)],
    ["eor lsr 40", (a) => a.eor(x(0), x(1), x(2), "lsr", 40), (p, q) => p ^ (q >> 40n)],
    ["mul", (a) => a.mul(x(0), x(1), x(2)), (p, q) => p * q],
    ["msub", (a) => a.msub(x(0), x(1), x(2), x(1)), (p, q) => p - p * q],
    ["umulh", (a) => a.word(0x9bc27c20), (p, q) => (p * q) >> 64n],
    ["smulh", (a) => a.word(0x9b427c20), (p, q) => u64((s64(p) * s64(q)) >> 64n)],
    ["udiv", (a) => a.udiv(x(0), x(1), x(2)), (p, q) => (q === 0n ? 0n : p / q)],
    ["sdiv", (a) => a.sdiv(x(0), x(1), x(2)), (p, q) => (q === 0n ? 0n : u64(s64(p) / s64(q)))],
    ["lslv", (a) => a.lsl(x(0), x(1), x(2)), (p, q) => p << (q & 63n)],
    ["lsrv", (a) => a.lsr(x(0), x(1), x(2)), (p, q) => p >> (q & 63n)],
    ["asrv", (a) => a.asr(x(0), x(1), x(2)), (p, q) => u64(s64(p) >> (q & 63n))],
    ["udiv w", (a) => a.udiv(w(0), w(1), w(2)), (p, q) => ((q & 0xffffffffn) === 0n ? 0n : (p & 0xffffffffn) / (q & 0xffffffffn))],
    ["sdiv w", (a) => a.sdiv(w(0), w(1), w(2)), (p, q) => { const d = BigInt.asIntN(32, q); return d === 0n ? 0n : BigInt.asUintN(32, BigInt.asIntN(32, p) / d); }],
    ["madd w", (a) => a.madd(w(0), w(1), w(2), w(1)), (p, q) => BigInt.asUintN(32, p * q + p)],
    ["smaddl", (a) => a.word(0x9b220420), (p, q) => u64(BigInt.asIntN(32, p) * BigInt.asIntN(32, q) + p)],
    ["umaddl", (a) => a.word(0x9ba20420), (p, q) => u64((p & 0xffffffffn) * (q & 0xffffffffn) + p)],
    ["extr", (a) => a.word(0x93c22020), (p, q) => u64((q >> 8n) | (p << 56n))],
  ];
  const samples: bigint[] = [0n, 1n, 2n, 7n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 0x100000000n, 0x123456789abcdef0n, 0xfedcba9876543210n, 3n << 62n];
  let seed = 99n;
  for (let i = 0; i < 12; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & M64;
    samples.push(seed);
  }
  for (const [name, build, ref] of OPS) {
    it(name, () => {
      for (const p of samples) for (const q of samples) {
        const { cpu, trap } = run(build, (c) => { c.setReg(1, p); c.setReg(2, q); });
        expect(trap.kind).toBe("breakpoint");
        const want = name.endsWith(" w") ? ref(p, q) & 0xffffffffn : u64(ref(p, q));
        expect(cpu.getReg(0), `${name} ${p.toString(16)} ${q.toString(16)}`).toBe(want);
      }
    });
  }

  it("sets NZCV like the hardware for adds/subs (carry = not borrow, signed overflow)", () => {
    const flags = (build: (a: A64Assembler) => unknown, p: bigint, q: bigint) => run(build, (c) => { c.setReg(1, p); c.setReg(2, q); }).cpu.nzcv;
    expect(flags((a) => a.adds(x(0), x(1), x(2)), M64, 1n)).toBe(0b0110); // Z C
    expect(flags((a) => a.adds(x(0), x(1), x(2)), (1n << 63n) - 1n, 1n)).toBe(0b1001); // N V
    expect(flags((a) => a.cmp(x(1), x(2)), 5n, 5n)).toBe(0b0110);
    expect(flags((a) => a.cmp(x(1), x(2)), 4n, 5n)).toBe(0b1000); // borrow: C clear
    expect(flags((a) => a.cmp(w(1), w(2)), 0x80000000n, 1n)).toBe(0b0011); // C, V (INT_MIN - 1)
    expect(flags((a) => a.tst(x(1), x(2)), 1n << 63n, M64)).toBe(0b1000);
    // ccmp with a false condition loads the immediate flags
    expect(flags((a) => a.cmp(x(1), x(2)).word(0xfa410824 /* ccmp x1, #1, #4, eq */), 1n, 2n)).toBe(0b0100);
  });

  it("implements bitfield aliases and 1-source ops", () => {
    const r = (build: (a: A64Assembler) => unknown, v: bigint) => run(build, (c) => c.setReg(1, v)).cpu.getReg(0);
    expect(r((a) => a.ubfx(x(0), x(1), 4, 8), 0x12345n)).toBe(0x34n);
    expect(r((a) => a.sbfm(x(0), x(1), 0, 31), 0x80000000n)).toBe(0xffffffff80000000n); // sxtw
    expect(r((a) => a.word(0x93401c20 /* sxtb x0, w1 */), 0x80n)).toBe(0xffffffffffffff80n);
    expect(r((a) => a.word(0xb3607c20 /* bfi x0, x1, #32, #32 */), 0xabcdn)).toBe(0xabcd00000000n);
    expect(r((a) => a.word(0xd37d7c20 /* ubfiz x0, x1, #3, #32 */), 0x1_8000_0001n)).toBe(0x4_0000_0008n);
    expect(r((a) => a.word(0xdac01020 /* clz x0, x1 */), 1n << 40n)).toBe(23n);
    expect(r((a) => a.word(0xdac01420 /* cls x0, x1 */), M64)).toBe(63n);
    expect(r((a) => a.word(0xdac00020 /* rbit x0, x1 */), 1n)).toBe(1n << 63n);
    expect(r((a) => a.word(0xdac00c20 /* rev x0, x1 */), 0x0102030405060708n)).toBe(0x0807060504030201n);
    expect(r((a) => a.word(0x5ac00820 /* rev w0, w1 */), 0x11223344n)).toBe(0x44332211n);
    expect(r((a) => a.mov(x(0), 0x1234_5678_9abc_def0n), 0n)).toBe(0x123456789abcdef0n);
    expect(r((a) => a.csinc(x(0), x(1), xzr, "ne"), 5n)).toBe(5n); // NZCV starts 0, so ne holds: x0 = x1
    expect(r((a) => a.csinc(x(0), x(1), xzr, "eq"), 5n)).toBe(1n); // eq fails: x0 = xzr + 1
  });
});

describe("Arm64Cpu: traps", () => {
  it("svc: syscall trap at the svc, pc already past it, instruction retired", () => {
    const { cpu, trap } = run((a) => a.mov(x(8), 93).svc(0));
    expect(trap).toEqual({ kind: "syscall", pc: CODE + 4 });
    expect(cpu.pc).toBe(CODE + 8);
    expect(cpu.counters.instructions).toBe(2);
    expect(cpu.getReg(8)).toBe(93n);
  });

  it("brk: breakpoint with its immediate, pc left at the brk", () => {
    const { cpu, trap } = run((a) => a.nop());
    expect(trap).toEqual({ kind: "breakpoint", pc: CODE + 4, imm: 0xf00 });
    expect(cpu.pc).toBe(CODE + 4);
    expect(cpu.counters.instructions).toBe(1);
  });

  it("an unallocated or unimplemented encoding is an undefined trap, never a no-op", () => {
    for (const word of [0x00000000, 0x04000000, 0xffffffff, 0x12800000 | (1 << 29) /* movewide opc=01 */]) {
      const { cpu, trap } = run((a) => a.nop().word(word));
      expect(trap.kind, word.toString(16)).toBe("undefined");
      expect(trap.pc).toBe(CODE + 4);
      expect(cpu.pc).toBe(CODE + 4);
      if (trap.kind === "undefined") expect(Array.from(trap.bytes!)).toEqual([word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24]);
    }
  });

  it("page fault: pc at the instruction, no register or base write-back, retired count excludes it", () => {
    const { cpu, trap } = run((a) => a.mov(x(1), 0x900000).ldr(x(0), pre(x(1), 16)), (c) => c.setReg(0, 7n));
    // mov x1, #0x900000 is one movz; the load is the second instruction.
    expect(trap).toMatchObject({ kind: "page-fault", pc: CODE + 4, addr: 0x900010, access: "read", reason: "unmapped" });
    expect(cpu.pc).toBe(CODE + 4);
    expect(cpu.getReg(0)).toBe(7n);
    expect(cpu.getReg(1)).toBe(0x900000n);
    expect(cpu.counters.instructions).toBe(1);
  });

  it("a pair access straddling into unmapped memory has no partial effect", () => {
    const end = DATA + 0x2000;
    const ld = run((a) => a.ldp(x(2), x(3), mem(x(1))), (c) => { c.setReg(1, BigInt(end - 8)); c.setReg(2, 11n); });
    expect(ld.trap).toMatchObject({ kind: "page-fault", addr: end });
    expect(ld.cpu.getReg(2)).toBe(11n);
    const st = run((a) => a.stp(x(2), x(3), mem(x(1))), (c) => { c.setReg(1, BigInt(end - 8)); c.setReg(2, 0x55n); });
    expect(st.trap).toMatchObject({ kind: "page-fault", access: "write" });
    expect(st.m.read64(end - 8)).toBe(0n);
  });

  it("negative and non-canonical addresses fault instead of crashing the host", () => {
    const { trap } = run((a) => a.ldr(x(0), mem(x(1), -8)), (c) => c.setReg(1, 0n));
    expect(trap.kind).toBe("page-fault");
    const t2 = run((a) => a.str(x(0), mem(x(1))), (c) => c.setReg(1, 0xffff_0000_0000_0000n)).trap;
    expect(t2.kind).toBe("page-fault");
  });

  it("misaligned exclusive access and misaligned branch targets are alignment traps", () => {
    const t = run((a) => a.ldxr(x(0), x(1)), (c) => c.setReg(1, BigInt(DATA + 4))).trap;
    expect(t).toEqual({ kind: "alignment", pc: CODE, addr: DATA + 4 });
    const b = run((a) => a.br(x(1)), (c) => c.setReg(1, BigInt(CODE + 2))).trap;
    expect(b.kind).toBe("alignment");
  });

  it("rejects a NaN or negative budget instead of spinning; Infinity runs to the next trap", () => {
    const { cpu } = machine((a) => a.nop());
    expect(() => cpu.run(Number.NaN)).toThrow(RangeError);
    expect(() => cpu.run(-1)).toThrow(RangeError);
    expect(cpu.run(Number.POSITIVE_INFINITY).kind).toBe("breakpoint");
  });

  it("budget: stops after exactly N instructions and resumes", () => {
    const { cpu } = machine((a) => { for (let i = 0; i < 10; i++) a.add(x(0), x(0), 1); });
    expect(cpu.run(3)).toEqual({ kind: "budget", pc: CODE + 12 });
    expect(cpu.getReg(0)).toBe(3n);
    expect(cpu.run(100).kind).toBe("breakpoint");
    expect(cpu.getReg(0)).toBe(10n);
    expect(cpu.counters.instructions).toBe(10);
  });
});

describe("Arm64Cpu: memory, exclusives, system registers", () => {
  it("load/store forms, sign extension and write-back", () => {
    const { cpu, m } = run((a) => {
      a.mov(x(1), DATA).mov(x(2), 0x80).strb(w(2), mem(x(1), 3)).ldrsb(x(3), mem(x(1), 3)).ldrb(w(4), mem(x(1), 3));
      a.mov(x(5), -2).str(x(5), post(x(1), 8)).ldrsw(x(6), mem(x(1), -8)).stp(x(5), x(2), pre(sp, -16)).ldp(x(7), x(8), post(sp, 16));
    });
    expect(cpu.getReg(3)).toBe(u64(-128n));
    expect(cpu.getReg(4)).toBe(0x80n);
    expect(cpu.getReg(1)).toBe(BigInt(DATA + 8));
    expect(cpu.getReg(6)).toBe(u64(-2n));
    expect([cpu.getReg(7), cpu.getReg(8), cpu.sp]).toEqual([u64(-2n), 0x80n, BigInt(STACK_TOP)]);
    expect(m.read64(DATA)).toBe(u64(-2n));
  });

  it("ldxr/stxr succeed once, a second stxr without a new ldxr fails", () => {
    const { cpu, m } = run((a) => a.mov(x(1), DATA).ldxr(x(0), x(1)).add(x(0), x(0), 5).stxr(w(2), x(0), x(1)).stxr(w(3), x(0), x(1)));
    expect(cpu.getReg(2)).toBe(0n);
    expect(cpu.getReg(3)).toBe(1n);
    expect(m.read64(DATA)).toBe(5n);
  });

  it("system registers: tpidr_el0, nzcv, fpcr, ID registers, virtual counter from the kernel", () => {
    const { cpu } = run(
      (a) => a.mov(x(1), 0x1234).msr("tpidr_el0", x(1)).mrs(x(2), "tpidr_el0").mov(x(3), 0x60000000).msr("nzcv", x(3)).mrs(x(4), "nzcv")
        .mrs(x(5), "midr_el1").mrs(x(6), "ctr_el0").mrs(x(7), "dczid_el0").mrs(x(9), "cntvct_el0").mrs(x(10), "cntfrq_el0")
        .mov(x(11), 0x400000).msr("fpcr", x(11)).mrs(x(12), "fpcr"),
      undefined,
      { counter: () => 123456789n, counterFrequency: 24_000_000 },
    );
    expect(cpu.getReg(2)).toBe(0x1234n);
    expect(cpu.tlsBase).toBe(0x1234n);
    expect(cpu.getReg(4)).toBe(0x60000000n);
    expect(cpu.nzcv).toBe(0b0110);
    expect([cpu.getReg(5), cpu.getReg(6), cpu.getReg(7)]).toEqual([MIDR_EL1, CTR_EL0, DCZID_EL0]);
    expect(cpu.getReg(9)).toBe(123456789n);
    expect(cpu.getReg(10)).toBe(24_000_000n);
    expect(cpu.getReg(12)).toBe(0x400000n);
  });

  it("dc zva zeroes the aligned 64-byte block DCZID_EL0 advertises", () => {
    const { m } = run((a) => a.mov(x(1), DATA + 0x48).word(0xd50b7421 /* dc zva, x1 */), undefined);
    expect(m.read64(DATA + 0x38)).toBe(0n);
    const { cpu, m: m2 } = machine((a) => a.mov(x(1), DATA + 0x48).word(0xd50b7421));
    m2.writeBytes(DATA, new Uint8Array(0x100).fill(0xaa));
    cpu.run(100);
    expect(m2.read8(DATA + 0x3f)).toBe(0xaa);
    expect(m2.read8(DATA + 0x40)).toBe(0);
    expect(m2.read8(DATA + 0x7f)).toBe(0);
    expect(m2.read8(DATA + 0x80)).toBe(0xaa);
  });

  it("self-modifying code: a store to a decoded code page is seen on the next execution", () => {
    const { cpu, m } = machine((a) => {
      const top = a.newLabel();
      a.bind(top).add(x(0), x(0), 1); // patched to add x0, x0, #2 by the guest itself
      a.cbnz(x(5), 16); // second pass: to the final brk
      a.mov(x(5), 1).str(w(6), mem(x(7))).b(top);
    }, {}, PERM_READ | PERM_WRITE | PERM_EXEC);
    cpu.setReg(6, 0x91000800n); // add x0, x0, #2
    cpu.setReg(7, BigInt(CODE));
    expect(cpu.run(100).kind).toBe("breakpoint");
    expect(cpu.getReg(0)).toBe(3n);
    expect(m.read32(CODE)).toBe(0x91000800);
  });
});

describe("Arm64Cpu: floating point and SIMD", () => {
  const fp = (words: number[], setup: (c: Arm64Cpu) => void) => run((a) => { for (const wd of words) a.word(wd); }, setup).cpu;
  const d = (c: Arm64Cpu, i: number) => new Float64Array(new BigUint64Array([c.getVec(i)[0]]).buffer)[0]!;
  const setD = (c: Arm64Cpu, i: number, v: number) => c.setVec(i, new BigUint64Array(new Float64Array([v]).buffer)[0]!, 0n);

  it("fmadd is fused (one rounding)", () => {
    const c = fp([0x1f420020 /* fmadd d0, d1, d2, d0 */], (c) => { setD(c, 1, 1 + 2 ** -30); setD(c, 2, 1 - 2 ** -30); setD(c, 0, -1); });
    expect(d(c, 0)).toBe(-(2 ** -60));
  });

  it("conversions saturate and fcmp orders NaN as unordered", () => {
    const c = fp([0x9e780020 /* fcvtzs x0, d1 */, 0x1e780042 /* fcvtzs w2, d2 */, 0x9e620063 /* scvtf d3, x3 */, 0x1e642020 /* fcmp d1, d4 */, 0xd53b4205 /* mrs x5, nzcv */], (c) => {
      setD(c, 1, 1e30); setD(c, 2, -3.99); c.setReg(3, u64(-5n)); setD(c, 4, NaN);
    });
    expect(c.getReg(0)).toBe((1n << 63n) - 1n);
    expect(c.getReg(2)).toBe(0xfffffffdn);
    expect(d(c, 3)).toBe(-5);
    expect(c.getReg(5)).toBe(0x30000000n);
  });

  it("scalar writes zero the upper vector bits; umov/dup/cmeq/umaxp behave per lane", () => {
    const c = fp([0x4e010c20 /* dup v0.16b, w1 */, 0x4e209801 /* cmeq v1.16b, v0.16b, #0 */, 0x1e6e1002 /* fmov d2, #1.0 */, 0x6e21a403 /* umaxp v3.16b, v0.16b, v1.16b */, 0x0e013c04 /* umov w4, v0.b[0] */], (c) => {
      c.setReg(1, 0x1ffn); c.setVec(2, M64, M64);
    });
    expect(c.getVec(0)).toEqual([0xffffffffffffffffn, 0xffffffffffffffffn]);
    expect(c.getVec(1)).toEqual([0n, 0n]);
    expect(c.getVec(2)).toEqual([0x3ff0000000000000n, 0n]);
    expect(c.getVec(3)).toEqual([M64, 0n]);
    expect(c.getReg(4)).toBe(0xffn);
  });
});

describe("Arm64Cpu: exclusive pairs", () => {
  it("ldaxp/stlxp update a 128-bit pair atomically and fail without a monitor", () => {
    const { cpu, m } = run((a) => a.mov(x(1), DATA).word(0xc87f8c22 /* ldaxp x2, x3, [x1] */).add(x(2), x(2), 1).add(x(3), x(3), 2)
      .word(0xc8248c22 /* stlxp w4, x2, x3, [x1] */).word(0xc8258c22 /* stlxp w5, x2, x3, [x1] */));
    expect([cpu.getReg(4), cpu.getReg(5)]).toEqual([0n, 1n]);
    expect([m.read64(DATA), m.read64(DATA + 8)]).toEqual([1n, 2n]);
  });
});

describe("Arm64Cpu: decode cache", () => {
  it("code rewritten by the kernel (poke, mprotect) is re-decoded; dispose detaches the core", () => {
    const { cpu, m } = machine((a) => a.mov(x(0), 1));
    expect(cpu.run(10).kind).toBe("breakpoint");
    expect(cpu.getReg(0)).toBe(1n);
    m.poke(CODE, new Uint8Array([0x40, 0x00, 0x80, 0xd2])); // mov x0, #2
    cpu.pc = CODE;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(2n);
    m.protect(CODE, 0x4000, PERM_READ); // no longer executable: the cached block must not run
    cpu.pc = CODE;
    expect(cpu.run(10)).toMatchObject({ kind: "page-fault", access: "exec", pc: CODE });
    cpu.dispose();
  });
});
