/**
 * Differential tests of the lowering itself: hundreds of small IR programs covering every ALU
 * operation × operand form × register aliasing, extensions, division, every branch condition
 * against awkward immediates, and loads/stores at awkward offsets — run on the IR reference
 * interpreter and on the lowered code under both ISA interpreters.
 */
import { describe, expect, it } from "vitest";
import { type AluOp, type Cond, type Handler, IrBuilder, IrError, type Size, SparseMemory, interpret } from "@uabi/libkernel";
import { Arm64Cpu } from "@uabi/isa-arm64";
import { X86Cpu } from "@uabi/isa-x86";
import { lowerHandlers } from "../src/index.js";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { CALL_ARGS, RET_ADDR, X86 } from "./machine.js";

const TEXT = 0x5000_0000;
const DATA = 0x6000_0000; // 64 KiB, programs address its middle
const MID = DATA + 0x8000;
const STACK_TOP = 0x7000_0000;

const VALS = [0n, 1n, 0x7fn, 0xffff_ffffn, 0x8000_0000_0000_0001n, 0xffff_ffff_ffff_fffen, 0x1234_5678_9abc_def0n, 70n];
const IMMS = [5n, 4095n, 4096n, 0xffff_ffff_ffff_ffffn, 0x8000_0000n, 0x1234_5678_9abc_def0n, 0xffff_0000n, 0xff00n];
const OPS: AluOp[] = ["add", "sub", "and", "or", "xor", "shl", "shr", "sar", "mul"];
const CONDS: Cond[] = ["eq", "ne", "ltu", "leu", "gtu", "geu", "lt", "le", "gt", "ge"];

function programs(): Handler[] {
  const hs: Handler[] = [];
  const pairs = [[VALS[4]!, VALS[7]!], [VALS[6]!, VALS[5]!], [VALS[3]!, VALS[1]!], [VALS[2]!, VALS[0]!]] as const;
  for (const k of OPS) {
    for (const [A, B] of pairs) {
      const shift = k === "shl" || k === "shr" || k === "sar";
      hs.push(new IrBuilder(`${k} d=a reg`, 0).const(0, A).const(1, B).alu(k, 0, 0, 1).ret(0).build());
      hs.push(new IrBuilder(`${k} d=b reg`, 0).const(0, A).const(1, B).alu(k, 1, 0, 1).ret(1).build());
      hs.push(new IrBuilder(`${k} d=a=b reg`, 0).const(0, A).alu(k, 0, 0, 0).ret(0).build());
      // Distinct destination; also return a checksum proving the sources survived.
      hs.push(new IrBuilder(`${k} distinct reg`, 0).const(0, A).const(1, B).alu(k, 2, 0, 1).alu("xor", 2, 2, 0).alu("add", 2, 2, 1).ret(2).build());
      for (const imm of shift ? [0n, 1n, 31n, 32n, 63n] : IMMS) {
        hs.push(new IrBuilder(`${k} d=a imm ${imm}`, 0).const(0, A).alu(k, 0, 0, imm).ret(0).build());
        hs.push(new IrBuilder(`${k} distinct imm ${imm}`, 0).const(0, A).alu(k, 3, 0, imm).alu("xor", 3, 3, 0).ret(3).build());
      }
    }
  }
  for (const [A, B] of [[1_000_999n, 1000n], [VALS[5]!, 3n], [5n, 0n], [VALS[6]!, VALS[6]!]] as const) {
    hs.push(new IrBuilder(`udiv ${A}/${B}`, 0).const(4, A).const(5, B).udiv(3, 4, 5).ret(3).build());
    hs.push(new IrBuilder(`udiv same ${A}/${B}`, 0).const(4, A).const(5, B).udiv(5, 4, 5).ret(5).build());
    if (B !== 0n) hs.push(new IrBuilder(`udiv imm ${A}/${B}`, 0).const(4, A).udiv(4, 4, B).ret(4).build());
  }
  for (const v of [0x80n, 0x7fffn, 0x8000_8080n, 0xffff_ffff_8000_0000n, 0x1234_5678_9abc_def0n]) {
    for (const bits of [8, 16, 32] as const) {
      for (const signed of [false, true]) {
        hs.push(new IrBuilder(`ext${bits}${signed ? "s" : "u"} ${v}`, 0).const(2, v).ext(5, 2, bits, signed).ret(5).build());
        hs.push(new IrBuilder(`ext${bits}${signed ? "s" : "u"} in place ${v}`, 0).const(2, v).ext(2, 2, bits, signed).ret(2).build());
      }
    }
  }
  for (const cond of CONDS) {
    for (const A of [0n, 5n, 0xffff_ffff_ffff_fffbn, 0x8000_0000n]) {
      for (const b of [5n, 0n, 0xffff_ffff_ffff_fffbn, 4095n, 0x8000_0000n, 0x1234_5678_9abc_def0n, "reg" as const]) {
        const bld = new IrBuilder(`br ${cond} ${A} ${b}`, 0);
        const yes = bld.label("yes");
        bld.const(0, A).const(1, 5n);
        bld.br(cond, 0, b === "reg" ? 1 : b, yes).ret(10n).place(yes).ret(20n);
        hs.push(bld.build());
      }
    }
  }
  for (const size of [1, 2, 4, 8] as const) {
    for (const off of [0, 1, 7, -8, -300, 4095, 4096, 30000, -32000]) {
      hs.push(new IrBuilder(`st/ld${size} @${off}`, 0).const(0, BigInt(MID)).const(1, VALS[6]!).store(0, off, 1, size).load(2, 0, off, 8 as Size).load(3, 0, off, size).add(2, 2, 3).ret(2).build());
      hs.push(new IrBuilder(`st imm${size} @${off}`, 0).const(0, BigInt(MID)).store(0, off, 0xfedc_ba98_7654_3210n, size).load(3, 0, off, 8).ret(3).build());
    }
  }
  hs.push(new IrBuilder("stack", 0, 64).stack(0, 48).const(1, 77n).store(0, 8, 1, 8).stack(2, 56).load(3, 2, 0, 8).ret(3).build());
  hs.push(new IrBuilder("args", 6).arg(0, 5).arg(1, 0).alu("sub", 0, 0, 1).arg(2, 3).add(0, 0, 2).ret(0).build());
  return hs;
}

const HANDLERS = programs();

describe("lowerHandlers input checking", () => {
  it("rejects a malformed handler with IrError before emitting anything", () => {
    const bad: Handler = { name: "bad", nargs: 0, frameSize: 0, code: [{ op: "jmp", target: "nowhere" }] };
    expect(() => lowerHandlers("arm64", [bad], { textAddr: TEXT, vvarAddr: 0, utsAddr: 0 })).toThrow(IrError);
    expect(() => lowerHandlers("x86_64", [bad], { textAddr: TEXT, vvarAddr: 0, utsAddr: 0 })).toThrow(IrError);
  });
});
const ARGS = [11n, 22n, 33n, 44n, 55n, 66n];

function expected(h: Handler): { ret: bigint; mem: SparseMemory } {
  const mem = new SparseMemory();
  const ret = interpret(h, ARGS, { mem, pages: { task: 0n, fs: 0n, vvar: 0n, uts: 0n }, stack: 0x100000n, counter: () => 0n, syscall: () => 0n });
  return { ret, mem };
}

for (const arch of ["arm64", "x86_64"] as const) {
  describe(`IR lowering on ${arch}`, () => {
    it(`${HANDLERS.length} programs agree with the IR interpreter`, () => {
      const low = lowerHandlers(arch, HANDLERS, { textAddr: TEXT, vvarAddr: TEXT - 0x2000, utsAddr: TEXT - 0x1000 });
      const mem = new GuestMemory();
      mem.map(TEXT, Math.ceil(low.code.length / 4096) * 4096, PERM_READ | PERM_EXEC);
      mem.poke(TEXT, low.code);
      mem.map(DATA, 0x10000, PERM_READ | PERM_WRITE);
      mem.map(STACK_TOP - 0x10000, 0x10000, PERM_READ | PERM_WRITE);
      const cpu = arch === "arm64" ? new Arm64Cpu(mem) : new X86Cpu(mem);
      const failures: string[] = [];
      HANDLERS.forEach((h, k) => {
        const want = expected(h);
        // Each program sees fresh (zero) memory where it stores, as the IR interpreter does.
        for (const i of h.code) if (i.op === "store") mem.writeBytes(MID + i.off, new Uint8Array(16));
        CALL_ARGS[arch].forEach((r, j) => cpu.setReg(r, ARGS[j]!));
        if (arch === "arm64") {
          cpu.setReg(30, BigInt(RET_ADDR));
          cpu.sp = BigInt(STACK_TOP - 0x100);
        } else {
          mem.write64(STACK_TOP - 0x108, BigInt(RET_ADDR));
          cpu.sp = BigInt(STACK_TOP - 0x108);
        }
        cpu.pc = low.entries[k]!;
        const t = cpu.run(10_000);
        if (!(t.kind === "page-fault" && t.addr === RET_ADDR)) {
          failures.push(`${h.name}: trap ${t.kind} at 0x${t.pc.toString(16)}`);
          return;
        }
        const got = cpu.getReg(arch === "arm64" ? 0 : X86.rax);
        if (got !== want.ret) failures.push(`${h.name}: 0x${got.toString(16)}, want 0x${want.ret.toString(16)}`);
      });
      expect(failures).toEqual([]);
    });
  });
}
