import { describe, expect, it } from "vitest";
import { AsmError, mem, X86Assembler } from "../src/asm.js";
import oracle from "./fixtures/asm-oracle.json" with { type: "json" };
import { ASM_CASES } from "./asm-cases.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("X86Assembler encodings match GNU as (recorded)", () => {
  for (const [att, build] of ASM_CASES) {
    it(att, () => {
      const a = new X86Assembler();
      build(a);
      expect(hex(a.finish())).toBe((oracle as Record<string, string>)[att]);
    });
  }
});

describe("labels and fix-ups", () => {
  it("resolves forward rel32 and backward rel8 branches", () => {
    const a = new X86Assembler();
    const top = a.newLabel();
    const out = a.newLabel();
    a.bind(top);
    a.j("e", out); // forward: 0f 84 rel32
    a.dec("ecx");
    a.j("ne", top); // backward: 75 rel8
    a.bind(out);
    a.ret();
    // 0: 0f 84 04 00 00 00 ; 6: ff c9 ; 8: 75 f6 ; a: c3
    expect(hex(a.finish())).toBe("0f8404000000ffc975f6c3");
  });
  it("rip-relative lea to a label, with an immediate after the displacement", () => {
    const a = new X86Assembler();
    const data = a.newLabel();
    a.lea("rdi", mem({ base: "rip", label: data }));
    a.cmp(mem({ base: "rip", label: data, size: 32 }), 5);
    a.bind(data);
    a.long(7);
    // lea: 48 8d 3d rel32 (7 bytes) ; cmpl: 83 3d rel32 05 (7 bytes) -> data at 14
    expect(hex(a.finish())).toBe("488d3d070000008" + "33d0000000005" + "07000000");
  });
  it("call to a label and jmp short", () => {
    const a = new X86Assembler();
    const f = a.newLabel();
    a.call(f);
    a.jmpShort(f);
    a.bind(f);
    a.ret();
    expect(hex(a.finish())).toBe("e802000000eb00c3");
  });
  it("reports unbound labels and out-of-range short jumps", () => {
    const a = new X86Assembler();
    a.jmp(a.newLabel());
    expect(() => a.finish()).toThrow(AsmError);
    const b = new X86Assembler();
    const l = b.newLabel();
    b.jShort("e", l);
    b.bytes(new Uint8Array(200));
    b.bind(l);
    expect(() => b.finish()).toThrow(/rel8/);
  });
  it("rejects invalid operand combinations", () => {
    const a = new X86Assembler();
    expect(() => a.mov("ah", "r8b")).toThrow(AsmError);
    expect(() => a.mov("eax", "rbx")).toThrow(AsmError);
    expect(() => a.mov(mem("rdi"), 1)).toThrow(/size/);
    expect(() => a.add("rax", 0x1_0000_0000)).toThrow(/imm32/);
    expect(() => a.lea("rax", mem({ base: "rax", index: "rsp" }))).toThrow(/index/);
  });
  it("align, quad and here", () => {
    const a = new X86Assembler();
    a.ret();
    a.align(8);
    expect(a.here()).toBe(8);
    a.quad(-1n);
    expect(hex(a.finish())).toBe("c3" + "90".repeat(7) + "ff".repeat(8));
  });
});
