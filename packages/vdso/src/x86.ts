/**
 * x86-64 code generation: the IR lowering and the glue, emitted with `@uabi/isa-x86`'s assembler.
 *
 * Lowering register map (System V AMD64, leaf functions only):
 *   IR r0..r5 → rbx, rbp, r12, r13, r14, r15 (callee-saved: pushed in the prologue when used,
 *   so they survive the `syscall` instruction and need no spill); scratch rax, r10, r11.
 *   Arguments arrive in rdi, rsi, rdx, rcx, r8, r9. A handler containing an instruction that
 *   clobbers them (syscall, udiv, counter, shift by register) spills them to its frame first.
 *   Frame: [rsp, #0 .. frameSize) scratch, then the argument spill area.
 */
import { type Cond as XCond, type Label, type Mem, type Reg32, type Reg64, type Reg8, type Reg16, X86Assembler, mem, sized } from "@uabi/isa-x86";
import { BOUNCE, type Cond, type Handler, type Insn, type Src, VVAR_PAGE } from "@uabi/libkernel";
import { textRecorder, type CodeGen, type FuncSpec, type GenContext, type TextResult } from "./codegen.js";
import { sigframeOffset } from "./sigframe.js";

const V64: readonly Reg64[] = ["rbx", "rbp", "r12", "r13", "r14", "r15"];
const V32: readonly Reg32[] = ["ebx", "ebp", "r12d", "r13d", "r14d", "r15d"];
const V16: readonly Reg16[] = ["bx", "bp", "r12w", "r13w", "r14w", "r15w"];
const V8: readonly Reg8[] = ["bl", "bpl", "r12b", "r13b", "r14b", "r15b"];
const ARGS: readonly Reg64[] = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"];
const SYS_ARGS: readonly Reg64[] = ["rdi", "rsi", "rdx", "r10", "r8", "r9"];
const COND: Readonly<Record<Cond, XCond>> = { eq: "e", ne: "ne", ltu: "b", leu: "be", gtu: "a", geu: "ae", lt: "l", le: "le", gt: "g", ge: "ge" };
const fitsI32 = (v: bigint): boolean => {
  const s = BigInt.asIntN(64, v);
  return s >= -0x80000000n && s <= 0x7fffffffn;
};

/** An instruction whose lowering uses rax/rcx/rdx/rdi… as scratch, so incoming arguments are spilled first. */
const clobbersArgs = (i: Insn): boolean =>
  i.op === "syscall" || i.op === "udiv" || i.op === "counter" ||
  (i.op === "alu" && (i.k === "shl" || i.k === "shr" || i.k === "sar") && typeof i.b !== "bigint");

/** `lea`/`mov` with a rip-relative operand to an absolute link-time address (always 7 bytes here). */
function ripOp(a: X86Assembler, ctx: GenContext, target: number, emit: (m: Mem) => void): void {
  const start = a.here();
  emit(mem("rip", target - (ctx.textAddr + start + 7)));
  if (a.here() - start !== 7) throw new Error(`rip-relative instruction is ${a.here() - start} bytes, expected 7`);
}

function lowerHandler(a: X86Assembler, h: Handler, ctx: GenContext, site: (nr: number) => void): void {
  const used = new Set<number>();
  for (const i of h.code) {
    const regs: number[] = [];
    if ("d" in i) regs.push(i.d);
    if ("a" in i) regs.push(i.a);
    if ("base" in i) regs.push(i.base);
    if ("s" in i && typeof i.s === "number") regs.push(i.s);
    if ("b" in i && typeof i.b === "number") regs.push(i.b);
    if (i.op === "syscall") for (const s of i.args) if (typeof s === "number") regs.push(s);
    for (const r of regs) used.add(r);
  }
  const saved = [...used].sort().map((r) => V64[r]!);
  const spill = h.code.some(clobbersArgs);
  const spillOff = h.frameSize;
  const frame = h.frameSize + (spill ? h.nargs * 8 : 0);
  const labels = new Map<string, Label>();
  for (const i of h.code) if (i.op === "label") labels.set(i.name, a.newLabel());
  const lbl = (n: string): Label => labels.get(n)!;

  const srcReg = (s: Src, scratch: Reg64): Reg64 => {
    if (typeof s !== "bigint") return V64[s]!;
    a.mov(scratch, s);
    return scratch;
  };
  const memAt = (base: number, off: number, size: 8 | 16 | 32 | 64): Mem => sized(mem(V64[base]!, off), size);

  for (const r of saved) a.push(r);
  if (frame > 0) a.sub("rsp", frame);
  if (spill) for (let k = 0; k < h.nargs; k++) a.mov(mem("rsp", spillOff + 8 * k), ARGS[k]!);

  const emit = (i: Insn): void => {
    switch (i.op) {
      case "const":
        a.mov(V64[i.d]!, i.v);
        return;
      case "arg":
        if (spill) a.mov(V64[i.d]!, mem("rsp", spillOff + 8 * i.i));
        else a.mov(V64[i.d]!, ARGS[i.i]!);
        return;
      case "mov":
        a.mov(V64[i.d]!, V64[i.s]!);
        return;
      case "alu": {
        // Two-operand x86: d = a op b becomes [mov d, a;] op d, b — through rax only when b is d.
        const d = V64[i.d]!;
        const b = i.b;
        if (i.k === "shl" || i.k === "shr" || i.k === "sar") {
          if (typeof b !== "bigint") a.mov("rcx", V64[b]!);
          if (i.d !== i.a) a.mov(d, V64[i.a]!);
          if (typeof b === "bigint") a[i.k](d, Number(b & 63n));
          else a[i.k](d, "cl");
          return;
        }
        if (i.k === "mul" && typeof b === "bigint" && fitsI32(b)) {
          a.imul(d, V64[i.a]!, BigInt.asIntN(64, b));
          return;
        }
        const op = i.k === "mul" ? null : i.k;
        const emitOp = (dst: Reg64, src: Reg64 | bigint): void => {
          if (op === null) a.imul(dst, typeof src === "bigint" ? srcReg(src, "r11") : src);
          else a[op](dst, src);
        };
        let rhs: Reg64 | bigint;
        if (typeof b === "bigint") rhs = fitsI32(b) && op !== null ? BigInt.asIntN(64, b) : srcReg(b, "r11");
        else rhs = V64[b]!;
        if (typeof b !== "bigint" && b === i.d && i.d !== i.a) {
          a.mov("rax", V64[i.a]!);
          emitOp("rax", rhs);
          a.mov(d, "rax");
          return;
        }
        if (i.d !== i.a) a.mov(d, V64[i.a]!);
        emitOp(d, rhs);
        return;
      }
      case "udiv": {
        const zero = a.newLabel();
        const d = srcReg(i.b, "r11");
        a.xor("eax", "eax");
        // x86 DIV faults on a zero divisor; the IR defines the result as 0 (as A64 UDIV).
        a.test(d, d);
        a.j("e", zero);
        a.mov("rax", V64[i.a]!);
        a.xor("edx", "edx");
        a.div(d);
        a.bind(zero);
        a.mov(V64[i.d]!, "rax");
        return;
      }
      case "ext":
        if (i.bits === 32) {
          if (i.signed) a.movsxd(V64[i.d]!, V32[i.s]!);
          else a.mov(V32[i.d]!, V32[i.s]!);
        } else {
          const s = i.bits === 8 ? V8[i.s]! : V16[i.s]!;
          if (i.signed) a.movsx(V64[i.d]!, s);
          else a.movzx(V32[i.d]!, s);
        }
        return;
      case "load":
        if (i.size === 8) a.mov(V64[i.d]!, memAt(i.base, i.off, 64));
        else if (i.size === 4) a.mov(V32[i.d]!, memAt(i.base, i.off, 32));
        else a.movzx(V32[i.d]!, memAt(i.base, i.off, i.size === 2 ? 16 : 8));
        return;
      case "store": {
        const bits = (i.size * 8) as 8 | 16 | 32 | 64;
        const m = memAt(i.base, i.off, bits);
        const s = i.s;
        if (typeof s === "bigint") {
          const v = BigInt.asUintN(bits, s);
          if (bits < 64 || fitsI32(s)) {
            a.mov(m, bits === 64 ? BigInt.asIntN(64, s) : BigInt.asIntN(bits, v));
            return;
          }
          a.mov("r11", s);
          a.mov(m, "r11");
          return;
        }
        a.mov(m, bits === 64 ? V64[s]! : bits === 32 ? V32[s]! : bits === 16 ? V16[s]! : V8[s]!);
        return;
      }
      case "page": {
        const d = V64[i.d]!;
        if (i.page === "vvar") ripOp(a, ctx, ctx.vvarAddr, (m) => a.lea(d, m));
        else if (i.page === "uts") ripOp(a, ctx, ctx.utsAddr, (m) => a.lea(d, m));
        else {
          const slot = ctx.vvarAddr + (i.page === "task" ? VVAR_PAGE.taskPagePtr : VVAR_PAGE.fsPagePtr);
          ripOp(a, ctx, slot, (m) => a.mov(d, m));
        }
        return;
      }
      case "stack":
        a.lea(V64[i.d]!, mem("rsp", i.off));
        return;
      case "counter":
        // rdtsc_ordered(): LFENCE keeps RDTSC from executing ahead of the seqlock read.
        a.lfence();
        a.rdtsc();
        a.shl("rdx", 32);
        a.or("rax", "rdx");
        a.mov(V64[i.d]!, "rax");
        return;
      case "br": {
        const b = i.b;
        if (typeof b === "bigint" && fitsI32(b)) a.cmp(V64[i.a]!, BigInt.asIntN(64, b));
        else a.cmp(V64[i.a]!, srcReg(b, "r11"));
        a.j(COND[i.cond], lbl(i.target), { near: true });
        return;
      }
      case "jmp":
        a.jmp(lbl(i.target), { near: true });
        return;
      case "label":
        a.bind(lbl(i.name));
        return;
      case "syscall":
        i.args.forEach((s, k) => {
          if (typeof s === "bigint") a.mov(SYS_ARGS[k]!, s);
          else a.mov(SYS_ARGS[k]!, V64[s]!);
        });
        a.mov("eax", BigInt(i.nr));
        a.syscall();
        site(i.nr);
        a.mov(V64[i.d]!, "rax");
        return;
      case "ret": {
        const s = i.s;
        if (typeof s === "bigint") a.mov("rax", s);
        else a.mov("rax", V64[s]!);
        if (frame > 0) a.add("rsp", frame);
        for (const r of [...saved].reverse()) a.pop(r);
        a.ret();
        return;
      }
    }
  };
  for (const i of h.code) emit(i);
}

/** Syscall-argument registers the bounce glue preserves around the handler call. */
const BOUNCE_SAVED: readonly Reg64[] = ["rdi", "rsi", "rdx", "r10", "r8", "r9"];
/** The ucontext inside the rt_sigframe (8, after pretcode) and register slots relative to it (arch/x86/kernel/signal_64.c, via uapi). */
const UC_OFF = sigframeOffset("x86_64", "uc");
const MC_REG: Readonly<Record<string, number>> = Object.fromEntries(
  ["r8", "r9", "r10", "rdi", "rsi", "rdx", "rax"].map((r) => [r, sigframeOffset("x86_64", `uc.uc_mcontext.${r}`) - UC_OFF]),
);

/** r11 ← handler address for syscall rax, or jump to `pass`. Clobbers rcx, r11, flags. */
function lookup(a: X86Assembler, ctx: GenContext, pass: Label): void {
  a.cmp("rax", ctx.tableLen);
  a.j("ae", pass, { near: true });
  ripOp(a, ctx, ctx.tableAddr, (m) => a.lea("r11", m));
  a.movsxd("rcx", sized(mem({ base: "r11", index: "rax", scale: 4 }), 32));
  a.test("rcx", "rcx");
  a.j("e", pass, { near: true });
  a.add("r11", "rcx");
}

export const X86_CODEGEN: CodeGen = {
  arch: "x86_64",
  assemble(funcs: readonly FuncSpec[], ctx: GenContext): TextResult {
    const a = new X86Assembler();
    const { offsets, cfi, sites, site, mark, fn } = textRecorder(a, () => a.align(16, 0x90));

    // The libc restorer, byte for byte (gdb's amd64-linux-tdep.c matches these 9 bytes): the
    // rt_sigreturn entry of LIBKERNEL_1 and a valid SA_RESTORER for the kernel's SIGSYS delivery.
    for (let k = 0; k < (ctx.textPad ?? 0); k++) a.nop();
    fn("@sigreturn", () => {
      a.bytes([0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00]);
      a.syscall();
      site(15);
    });

    // Bounce entry: RSP = the kernel's 32-byte frame {nr, rsp, rip, rflags}, placed below the
    // caller's 128-byte red zone; rax = nr, rdi/rsi/rdx/r10/r8/r9 = args. Returns in userspace.
    fn("@bounce", () => {
      const pass = a.newLabel();
      const back = a.newLabel();
      mark("bounce", 0);
      lookup(a, ctx, pass);
      BOUNCE_SAVED.forEach((r, k) => {
        a.push(r);
        mark("bounce", 8 * (k + 1));
      });
      a.mov("rcx", "r10"); // syscall ABI → C ABI: the 4th argument moves from r10 to rcx
      a.call("r11");
      [...BOUNCE_SAVED].reverse().forEach((r, k) => {
        a.pop(r);
        mark("bounce", 8 * (BOUNCE_SAVED.length - k - 1));
      });
      a.jmp(back, { near: true });
      a.bind(pass);
      // Pass-through: issued from inside the vDSO text, so the kernel runs it directly.
      a.syscall();
      site("any");
      a.bind(back);
      // Return exactly as sysret would: RFLAGS restored (and copied to r11), rcx = return RIP.
      a.mov("r11", mem("rsp", BOUNCE.frame.flags));
      a.push("r11");
      mark("bounce", 8);
      a.popfq();
      mark("bounce", 0);
      a.mov("rcx", mem("rsp", BOUNCE.frame.pc));
      a.mov("rsp", mem("rsp", BOUNCE.frame.sp));
      mark("bounce", -1); // back on the caller's stack: CFA = rsp, return address in rcx
      a.jmp("rcx");
    });

    // SIGSYS entry: rdx = &uc, RSP = the rt_sigframe (pretcode at [rsp]). Dispatch the call the
    // ucontext describes, store rax into it, then rt_sigreturn with RSP just past pretcode.
    fn("@sigsys", () => {
      const pass = a.newLabel();
      const done = a.newLabel();
      mark("sigsys", 0);
      a.mov("rbx", "rdx");
      a.mov("rax", mem("rbx", MC_REG.rax!));
      for (const r of ["rdi", "rsi", "rdx", "r10", "r8", "r9"] as const) a.mov(r, mem("rbx", MC_REG[r]!));
      lookup(a, ctx, pass);
      a.mov("rcx", "r10");
      a.sub("rsp", 8); // the handler must see (rsp + 8) 16-aligned, as after a call
      mark("sigsys", 8);
      a.call("r11");
      a.add("rsp", 8);
      mark("sigsys", 0);
      a.jmp(done, { near: true });
      a.bind(pass);
      a.syscall();
      site("any");
      a.bind(done);
      a.mov(mem("rbx", MC_REG.rax!), "rax");
      a.add("rsp", 8);
      mark("sigsys", -8);
      a.mov("eax", 15n);
      a.syscall();
      site(15);
      a.ud2();
    });

    for (const f of funcs) {
      fn(f.key, () => {
        if (f.kind === "handler") lowerHandler(a, f.handler!, ctx, site);
        else {
          a.mov("eax", BigInt(f.nr!));
          a.mov("r10", "rcx"); // C ABI → syscall ABI
          a.syscall();
          site(f.nr!);
          a.ret();
        }
      });
    }
    a.align(16, 0x90);
    return { code: a.finish(), offsets, cfi, sites };
  },
  cfiRegs: { sp: 7, ra: 16, codeAlign: 1, frameSize: BOUNCE.frameSize, ucOffset: UC_OFF },
};
