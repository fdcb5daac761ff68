/**
 * Handler-instruction accounting is exact when user code calls into the vDSO in the middle of a
 * run slice (a ported program's `__kernel_getpid`, libc's clock_gettime), not only when a bounce or
 * SIGSYS starts a slice there. The expected count is derived independently: the same program is
 * single-stepped on its own CPU, counting instructions whose PC lies in the vDSO text.
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, x, mem as amem } from "@uabi/isa-arm64";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { buildVdso } from "@uabi/vdso";
import { Kernel } from "../src/index.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

type Isa = "arm64" | "x86_64";
const CLOCK_GETTIME = { arm64: "__kernel_clock_gettime", x86_64: "__vdso_clock_gettime" } as const;

/**
 * Calls the function whose address the test stores at DATA_BASE, then the one at DATA_BASE+8 as
 * clock_gettime(CLOCK_MONOTONIC, DATA_BASE+32), stores getpid's result at DATA_BASE+16 and exits with
 * exit_group(0): no syscall before the exit, so the whole run is one slice.
 */
function program(isa: Isa): Uint8Array {
  if (isa === "arm64") {
    const a = new A64Assembler();
    a.mov(x(28), DATA_BASE);
    a.ldr(x(9), amem(x(28), 0)).blr(x(9));
    a.str(x(0), amem(x(28), 16));
    a.mov(x(0), 1).mov(x(1), DATA_BASE + 32);
    a.ldr(x(9), amem(x(28), 8)).blr(x(9));
    a.mov(x(0), 0).mov(x(8), 94).svc(0);
    return makeElf({ machine: "arm64", code: a.finish() });
  }
  const a = new X86Assembler();
  a.mov("r15", DATA_BASE);
  a.sub("rsp", 8); // 16-byte alignment at the calls, as the C ABI wants
  a.call(xmem("r15", 0));
  a.mov(xmem("r15", 16), "rax");
  a.mov("edi", 1).mov("rsi", DATA_BASE + 32);
  a.call(xmem("r15", 8));
  a.mov("edi", 0).mov("eax", 231).syscall();
  return makeElf({ machine: "x86_64", code: a.finish() });
}

function boot(isa: Isa) {
  const k = new Kernel({ maxInstructions: 1e6 });
  const p = k.spawn(program(isa), { argv: ["t"] });
  // The symbol table comes from the vdso package (the kernel's image is the same deterministic build).
  const vd = buildVdso({ arch: isa });
  expect(k.vdsoFor(isa)!.bytes).toEqual(vd.bytes);
  const sym = (name: string) => {
    const s = vd.symbols.find((y) => y.name === name && !y.hidden);
    if (!s) throw new Error(`no ${name}`);
    return p.vdsoBase + s.address;
  };
  p.mm.mem.write64(DATA_BASE, BigInt(sym("__kernel_getpid")));
  p.mm.mem.write64(DATA_BASE + 8, BigInt(sym(CLOCK_GETTIME[isa])));
  return { k, p, lo: p.vdsoBase + vd.textStart, hi: p.vdsoBase + vd.textEnd };
}

describe.each(["arm64", "x86_64"] as const)("handler instructions for calls into the vDSO mid-slice (%s)", (isa) => {
  it("direct mode: a ported getpid and a vDSO clock_gettime are charged as handler instructions, exactly", () => {
    // Reference: single-step the program on its CPU, up to its exit_group.
    const ref = boot(isa);
    const cpu = ref.p.threads[0]!.cpu;
    ref.k.updateVvar(ref.p, ref.p.threads[0]); // what the kernel does before each slice (vvar time, page pointers)
    let inText = 0, total = 0;
    for (;;) {
      const pc = cpu.pc;
      const tr = cpu.run(1);
      total++;
      if (pc >= ref.lo && pc < ref.hi) inText++;
      if (tr.kind === "syscall") break;
      expect(tr, `at 0x${pc.toString(16)}`).toMatchObject({ kind: "budget" });
    }
    expect(inText).toBeGreaterThan(10);

    const { k, p } = boot(isa);
    const r = k.run();
    expect(r.exitStatus).toBe(0);
    expect(r.signal ?? null).toBeNull(); // the fence's exec faults never reach the program
    expect(p.mm.mem.read64(DATA_BASE + 16)).toBe(BigInt(p.pid)); // __kernel_getpid really ran
    expect(p.mm.mem.read64(DATA_BASE + 32) + p.mm.mem.read64(DATA_BASE + 40)).toBeGreaterThan(0n); // a time was written
    const c = p.ledger.total;
    expect(c.handlerInsns).toBe(inText);
    expect(c.userInsns + c.handlerInsns).toBe(total);
    // The text is executable again after the run (the fence is lifted before the kernel sees anything).
    expect(p.mm.mem.findRegion(ref.lo)!.perm & 4).toBe(4);
  });

  it("getpid calls split across many slices (quantum 3) give the same count as one slice", () => {
    // Both calls are __kernel_getpid here: clock_gettime retries its seqlock read when the vvar page is
    // refreshed under it, which a 3-instruction quantum does on every slice.
    const a = boot(isa);
    a.p.mm.mem.write64(DATA_BASE + 8, a.p.mm.mem.read64(DATA_BASE));
    expect(a.k.run().exitStatus).toBe(0);
    const k = new Kernel({ maxInstructions: 1e6, quantum: 3 });
    const p = k.spawn(program(isa), { argv: ["t"] });
    p.mm.mem.write64(DATA_BASE, a.p.mm.mem.read64(DATA_BASE));
    p.mm.mem.write64(DATA_BASE + 8, a.p.mm.mem.read64(DATA_BASE));
    expect(k.run().exitStatus).toBe(0);
    expect(p.ledger.total.handlerInsns).toBeGreaterThan(0);
    expect(p.ledger.total.handlerInsns).toBe(a.p.ledger.total.handlerInsns);
    expect(p.ledger.total.userInsns).toBe(a.p.ledger.total.userInsns);
  });
});

/** getpid as a raw syscall, its result kept in a callee-saved register, then exit_group(getpid's result & 0xff). */
function rawGetpid(isa: Isa): Uint8Array {
  if (isa === "arm64") {
    const a = new A64Assembler();
    a.mov(x(8), 172).svc(0);
    a.mov(x(8), 94).svc(0);
    return makeElf({ machine: "arm64", code: a.finish() });
  }
  const a = new X86Assembler();
  a.mov("eax", 39).syscall();
  a.mov("edi", "eax").mov("eax", 231).syscall();
  return makeElf({ machine: "x86_64", code: a.finish() });
}

describe("the result of a call libkernel answered without a kernel entry", () => {
  const cases = [
    ["x86_64", "bounce", "bounce→user", true], // the glue returns with popfq; jmp rcx
    ["x86_64", "seccomp", "sigsys", true], // the handler's sigreturn restores the caller: no event carries the result
    ["arm64", "sud", "sigsys", true],
    ["arm64", "bounce", "bounce→user", false], // the return-only entry carries it (mark "return")
  ] as const;
  it.each(cases)("%s %s: reported when the thread leaves the vDSO at its caller: %s", (isa, mode, mark, reported) => {
    const k = new Kernel({ maxInstructions: 1e6, mode });
    const seen: { name: string; mark?: string; result?: number }[] = [];
    k.reflectionReturnObservers.push((ev) => seen.push({ name: ev.name, mark: ev.mark, result: ev.result }));
    const p = k.spawn(rawGetpid(isa), { argv: ["t"] });
    const r = k.run();
    expect(r.exitStatus).toBe(p.pid & 0xff);
    const getpid = seen.filter((e) => e.name === "getpid");
    if (reported) expect(getpid).toEqual([{ name: "getpid", mark, result: p.pid }]);
    else expect(getpid).toEqual([]);
  });
});
