import { describe, expect, it } from "vitest";
import { IrBuilder, IrError, SparseMemory, interpret, validate, type Handler } from "../src/index.js";

const env = () => ({
  mem: new SparseMemory(),
  pages: { task: 0x1000n, fs: 0x2000n, vvar: 0x3000n, uts: 0x4000n },
  stack: 0x8000n,
  counter: () => 0n,
  syscall: () => 0n,
});

describe("IR validation", () => {
  it("rejects an undefined label", () => {
    expect(() => new IrBuilder("x", 0).jmp("nowhere").build()).toThrow(IrError);
  });
  it("rejects falling off the end", () => {
    expect(() => new IrBuilder("x", 0).const(0, 1).build()).toThrow(/must end/);
  });
  it("rejects reading an argument the handler does not take", () => {
    expect(() => new IrBuilder("x", 1).arg(0, 1).ret(0).build()).toThrow(/arg 1/);
  });
  it("rejects a bad register and a bad access size", () => {
    const bad: Handler = { name: "x", nargs: 0, frameSize: 0, code: [{ op: "mov", d: 7 as 0, s: 0 }, { op: "ret", s: 0 }] };
    expect(() => validate(bad)).toThrow(/bad register/);
    const size: Handler = { name: "x", nargs: 0, frameSize: 0, code: [{ op: "load", d: 0, base: 0, off: 0, size: 3 as 1 }, { op: "ret", s: 0 }] };
    expect(() => validate(size)).toThrow(/bad size/);
  });
  it("rejects a stack offset outside the frame and an unaligned frame", () => {
    expect(() => new IrBuilder("x", 0, 16).stack(0, 16).ret(0).build()).toThrow(/outside/);
    expect(() => new IrBuilder("x", 0, 8).ret(0n).build()).toThrow(/multiple of 16/);
  });
  it("rejects more than six syscall arguments", () => {
    expect(() => new IrBuilder("x", 0).syscall(0, 1, [1n, 2n, 3n, 4n, 5n, 6n, 7n]).ret(0).build()).toThrow(/7 syscall/);
  });
});

describe("IR interpreter", () => {
  it("wraps arithmetic at 64 bits and distinguishes signed from unsigned compares", () => {
    const p = new IrBuilder("y", 0);
    const yes = p.label("yes");
    const built = p.const(0, -1).add(0, 0, 2n).const(1, -5).br("lt", 1, 0, yes).ret(99n).place(yes).ret(0).build();
    expect(interpret(built, [], env())).toBe(1n);
    const q = new IrBuilder("z", 0);
    const big = q.label("big");
    const built2 = q.const(1, -5).const(0, 1).br("gtu", 1, 0, big).ret(0n).place(big).ret(1n).build();
    expect(interpret(built2, [], env())).toBe(1n);
  });
  it("implements sub-word loads, stores, extensions and shifts", () => {
    const h = new IrBuilder("x", 1)
      .arg(0, 0).const(1, 0x100).store(1, 0, 0, 8)
      .load(2, 1, 1, 1).ext(2, 2, 8, true).alu("sar", 2, 2, 4n).alu("shr", 3, 2, 60n).add(2, 2, 3).ret(2).build();
    // byte 1 of 0x8000 is 0x80 → sext −128 → sar 4 = −8; shr 60 of that = 0xf; sum = 7
    expect(interpret(h, [0x8000n], env())).toBe(7n);
  });
  it("divides unsigned, with division by zero giving 0", () => {
    const h = new IrBuilder("x", 2).arg(0, 0).arg(1, 1).udiv(0, 0, 1).ret(0).build();
    expect(interpret(h, [1_000_999n, 1000n], env())).toBe(1000n);
    expect(interpret(h, [5n, 0n], env())).toBe(0n);
  });
  it("stops a runaway handler with a typed error instead of hanging", () => {
    const b = new IrBuilder("spin", 0);
    const l = b.label("l");
    const h = b.place(l).jmp(l).build();
    expect(() => interpret(h, [], { ...env(), maxSteps: 1000 })).toThrow(IrError);
  });
});
