import { describe, expect, it } from "vitest";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { mem } from "../src/asm.js";
import { X86Cpu } from "../src/cpu.js";
import { CODE, DATA, runBytes, runCode, STACK_TOP } from "./run-helper.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));

describe("X86Cpu traps and architectural effects", () => {
  it("syscall: trap at the instruction, rip after it, RCX = return rip, R11 = rflags", () => {
    const { cpu, trap } = runCode((a) => {
      a.mov("eax", 60);
      a.syscall();
    });
    expect(trap).toEqual({ kind: "syscall", pc: CODE + 5 });
    expect(cpu.pc).toBe(CODE + 7);
    expect(cpu.getReg(1)).toBe(BigInt(CODE + 7));
    expect(cpu.getReg(11)).toBe(cpu.rflags);
    expect(cpu.counters.instructions).toBe(2);
  });
  it("int3: breakpoint imm 3 naming the int3, rip left after it", () => {
    const { cpu, trap } = runCode((a) => a.nop());
    expect(trap).toEqual({ kind: "breakpoint", pc: CODE + 1, imm: 3 });
    expect(cpu.pc).toBe(CODE + 2);
    expect(cpu.counters.instructions).toBe(2);
  });
  it("ud2, unknown and VEX encodings are undefined-instruction traps at the instruction", () => {
    for (const code of ["0f0b", "d6", "c5f877", "62f1fe486f06", "0f3800c1"]) {
      const { cpu, trap } = runBytes(hex("90" + code));
      expect(trap.kind, code).toBe("undefined");
      expect(trap.pc).toBe(CODE + 1);
      expect(cpu.pc).toBe(CODE + 1);
      expect(cpu.counters.instructions).toBe(1);
    }
  });
  it("hlt, cli and in/out are privileged", () => {
    for (const code of ["f4", "fa", "e460", "ee"]) {
      const { trap } = runBytes(hex(code));
      expect(trap.kind, code).toBe("privileged");
      expect(trap.pc).toBe(CODE);
    }
  });
  it("div by zero and quotient overflow are divide errors with no effects", () => {
    const z = runCode((a) => {
      a.mov("eax", 7);
      a.xor("ecx", "ecx");
      a.div("ecx");
    });
    expect(z.trap).toEqual({ kind: "divide-error", pc: CODE + 7 });
    expect(z.cpu.pc).toBe(CODE + 7);
    expect(z.cpu.getReg(0)).toBe(7n);
    const o = runCode((a) => {
      a.mov("rax", -0x8000000000000000n);
      a.cqo();
      a.mov("rcx", -1);
      a.idiv("rcx");
    });
    expect(o.trap.kind).toBe("divide-error");
    expect(o.cpu.getReg(0)).toBe(0x8000000000000000n);
  });
  it("a faulting store leaves no partial effects and rip at the instruction", () => {
    const { cpu, trap } = runCode((a) => {
      a.mov("rdi", 0x1000);
      a.mov("eax", 5);
      a.add(mem("rdi", 0, 32), "eax"); // unmapped: faults on the read
    }, { 0: 0n });
    expect(trap).toMatchObject({ kind: "page-fault", pc: CODE + 10, addr: 0x1000, access: "read", reason: "unmapped" });
    expect(cpu.pc).toBe(CODE + 10);
    expect(cpu.counters.instructions).toBe(2);
  });
  it("a write to read-only code faults as a protection fault without changing flags", () => {
    const { cpu, trap } = runCode((a) => {
      a.xor("eax", "eax"); // ZF=1
      a.mov("rdi", CODE);
      a.add(mem("rdi", 0, 8), 1);
    });
    expect(trap).toMatchObject({ kind: "page-fault", access: "write", reason: "protection" });
    expect(cpu.rflags & 0x40n).toBe(0x40n);
  });
  it("rep movsb that faults keeps the completed iterations, with rcx/rsi/rdi updated", () => {
    const { cpu, trap } = runCode((a) => {
      a.mov("rsi", DATA);
      a.mov("rdi", DATA + 0x10000 - 4); // 4 bytes before the end of the data mapping
      a.mov("ecx", 10);
      a.repMovsb();
    });
    expect(trap).toMatchObject({ kind: "page-fault", addr: DATA + 0x10000, access: "write" });
    expect(cpu.getReg(1)).toBe(6n);
    expect(cpu.getReg(6)).toBe(BigInt(DATA + 4));
    expect(cpu.getReg(7)).toBe(BigInt(DATA + 0x10000));
    expect(cpu.pc).toBe(trap.pc);
  });
  it("budget traps stop exactly and count exactly", () => {
    const { cpu, trap } = runCode((a) => {
      const top = a.newLabel();
      a.bind(top);
      a.inc("rax");
      a.jmp(top);
    }, {}, 1001);
    expect(trap.kind).toBe("budget");
    expect(cpu.counters.instructions).toBe(1001);
    expect(cpu.getReg(0)).toBe(501n);
  });
  it("rdtsc reads the supplied counter", () => {
    const m = new GuestMemory();
    m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
    m.poke(CODE, hex("0f31cc"));
    const cpu = new X86Cpu(m, { counter: () => 0x1122334455667788n });
    cpu.pc = CODE;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(0x55667788n);
    expect(cpu.getReg(2)).toBe(0x11223344n);
  });
  it("cpuid reports a baseline SSE2 CPU (no SSE3+, no AVX, no XSAVE)", () => {
    const { cpu } = runCode((a) => {
      a.mov("eax", 1);
      a.bytes([0x0f, 0xa2]);
    });
    const ecx = Number(cpu.getReg(1));
    const edx = Number(cpu.getReg(2));
    expect(edx & (1 << 26)).not.toBe(0); // SSE2
    expect(edx & (1 << 25)).not.toBe(0); // SSE
    expect(ecx).toBe(0); // no SSE3/SSSE3/SSE4/POPCNT/XSAVE/AVX
  });
  it("FS base applies to fs: operands; tlsBase is the FS base", () => {
    const m = new GuestMemory();
    m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
    m.map(DATA, 0x1000, PERM_READ | PERM_WRITE);
    m.poke(CODE, hex("64488b042528000000cc")); // mov %fs:0x28,%rax
    m.poke(DATA + 0x28, hex("efbeadde00000000"));
    const cpu = new X86Cpu(m);
    cpu.tlsBase = BigInt(DATA);
    cpu.pc = CODE;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(0xdeadbeefn);
  });
  it("self-modifying code invalidates cached decodes", () => {
    const m = new GuestMemory();
    m.map(CODE, 0x1000, PERM_READ | PERM_WRITE | PERM_EXEC);
    m.poke(CODE, hex("b801000000cc")); // mov $1,%eax; int3
    const cpu = new X86Cpu(m);
    cpu.pc = CODE;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(1n);
    m.write8(CODE + 1, 2);
    cpu.pc = CODE;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(2n);
  });
  it("a write to the second page of a page-crossing instruction invalidates the block that holds it", () => {
    const m = new GuestMemory();
    m.map(CODE, 0x2000, PERM_READ | PERM_WRITE | PERM_EXEC);
    m.poke(CODE + 0xffd, hex("b801000000cc")); // mov $1,%eax straddling the page boundary; int3
    const cpu = new X86Cpu(m);
    cpu.pc = CODE + 0xffd;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(1n);
    m.write8(CODE + 0x1000, 1); // third immediate byte, on the next page
    cpu.pc = CODE + 0xffd;
    cpu.run(10);
    expect(cpu.getReg(0)).toBe(0x10001n);
  });
  it("fxsave/fxrstor round-trip x87, MXCSR and XMM state (512-byte image)", () => {
    const { cpu } = runBytes(hex("d9e8 d9eb cc")); // fld1; fldpi
    cpu.setXmm(3, 0x0123456789abcdefn, 0xfedcba9876543210n);
    cpu.mxcsr = 0x1fa0;
    const img = cpu.fxsave();
    expect(img.length).toBe(512);
    expect(Buffer.from(img.subarray(32, 42)).toString("hex")).toBe("35c26821a2da0fc90040"); // st(0) = pi
    const other = new X86Cpu(new GuestMemory());
    other.fxrstor(img);
    expect(other.getXmm(3)).toEqual([0x0123456789abcdefn, 0xfedcba9876543210n]);
    expect(other.mxcsr).toBe(0x1fa0);
    expect(Buffer.from(other.fxsave()).equals(Buffer.from(img))).toBe(true);
  });
  it("rflags setter keeps reserved bits and drops privileged ones", () => {
    const cpu = new X86Cpu(new GuestMemory());
    cpu.rflags = 0xffffffffn;
    expect(cpu.rflags & 0x2n).toBe(0x2n);
    expect(cpu.rflags & 0x3000n).toBe(0n); // IOPL
    expect(cpu.rflags & 0x20000n).toBe(0n); // VM
    expect(cpu.rflags & 0x200n).toBe(0x200n); // IF stays set in user mode
  });
  it("push/call/ret and leave keep the stack consistent", () => {
    const { cpu } = runCode((a) => {
      const f = a.newLabel();
      const done = a.newLabel();
      a.push("rbp");
      a.mov("rbp", "rsp");
      a.call(f);
      a.leave();
      a.jmp(done);
      a.bind(f);
      a.mov("eax", 42);
      a.ret();
      a.bind(done);
      a.pop("rbx");
    });
    expect(cpu.getReg(0)).toBe(42n);
    expect(cpu.sp).toBe(BigInt(STACK_TOP - 0x100 + 8));
  });
});

describe("X86Cpu API input checks", () => {
  it("rejects bad register indices and pc values with RangeError", () => {
    const cpu = new X86Cpu(new GuestMemory());
    expect(() => cpu.getReg(16)).toThrow(RangeError);
    expect(() => cpu.setReg(-1, 0n)).toThrow(RangeError);
    expect(() => cpu.getXmm(16)).toThrow(RangeError);
    expect(() => (cpu.pc = -4)).toThrow(RangeError);
    expect(() => cpu.fxrstor(new Uint8Array(100))).toThrow(RangeError);
  });
  it("a jump to an unmapped or non-canonical address is a page fault at the target", () => {
    const { trap } = runCode((a) => {
      a.mov("rax", 0x7fff00000000n);
      a.jmp("rax");
    });
    expect(trap).toMatchObject({ kind: "page-fault", pc: 0x7fff00000000, access: "exec" });
    const nc = runCode((a) => {
      a.mov("rax", 0xffff800000000000n);
      a.jmp("rax");
    });
    expect(nc.trap.kind).toBe("page-fault");
  });
});

describe("LOCK prefix", () => {
  it("is #UD on non-lockable instructions and register destinations, accepted on memory RMW", () => {
    expect(runBytes(hex("f0 89 c8 cc")).trap.kind).toBe("undefined"); // lock mov %ecx,%eax
    expect(runBytes(hex("f0 01 c8 cc")).trap.kind).toBe("undefined"); // lock add %ecx,%eax
    const ok = runCode((a) => {
      a.mov("rdi", DATA);
      a.mov("eax", 5);
      a.xadd(mem("rdi"), "eax", true);
      a.xadd(mem("rdi"), "eax", true);
    });
    expect(ok.trap.kind).toBe("breakpoint");
    expect(ok.cpu.getReg(0)).toBe(5n);
  });
});

describe("rep string instructions", () => {
  it("a long rep stosb is interrupted with a budget trap and resumes to completion", () => {
    const m = new GuestMemory();
    m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
    m.map(0x1000000, 0x300000, PERM_READ | PERM_WRITE);
    m.poke(CODE, hex("f3aa cc")); // rep stosb; int3
    const cpu = new X86Cpu(m);
    cpu.setReg(7, 0x1000000n);
    cpu.setReg(1, 0x280000n);
    cpu.setReg(0, 0xabn);
    cpu.pc = CODE;
    const t1 = cpu.run(1000);
    expect(t1).toEqual({ kind: "budget", pc: CODE });
    expect(cpu.getReg(1)).toBe(0x280000n - (1n << 20n));
    let t = t1;
    while (t.kind === "budget") t = cpu.run(1000);
    expect(t.kind).toBe("breakpoint");
    expect(cpu.getReg(1)).toBe(0n);
    expect(m.read8(0x1000000 + 0x27ffff)).toBe(0xab);
    expect(cpu.counters.instructions).toBe(2); // the rep retires once, then int3
  });
});

describe("fault addresses", () => {
  it("a 64-bit load from an unmapped page faults at the operand address", () => {
    const { trap } = runCode((a) => {
      a.mov("rax", 0xdead000);
      a.mov("rbx", mem("rax"));
    });
    expect(trap).toMatchObject({ kind: "page-fault", addr: 0xdead000, access: "read" });
  });
  it("a page-crossing 64-bit load faults at the first byte of the missing page, before any effect", () => {
    const { cpu, trap } = runCode((a) => {
      a.mov("rax", DATA + 0x10000 - 4);
      a.mov("rbx", 7);
      a.mov("rbx", mem("rax"));
    });
    expect(trap).toMatchObject({ kind: "page-fault", addr: DATA + 0x10000, access: "read" });
    expect(cpu.getReg(3)).toBe(7n);
  });
  it("a page-crossing movdqu faults at the missing page", () => {
    const m = new GuestMemory();
    m.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
    m.map(DATA, 0x1000, PERM_READ | PERM_WRITE);
    m.poke(CODE, hex("f30f6f00cc")); // movdqu (%rax),%xmm0
    const cpu = new X86Cpu(m);
    cpu.setReg(0, BigInt(DATA + 0x1000 - 8));
    cpu.pc = CODE;
    expect(cpu.run(10)).toMatchObject({ kind: "page-fault", addr: DATA + 0x1000, pc: CODE });
  });
});
