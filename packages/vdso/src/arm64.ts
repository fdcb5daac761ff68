/**
 * A64 code generation: the IR lowering and the glue (bounce entry, SIGSYS entry, sigreturn
 * trampoline, pass-through stubs), emitted with `@uabi/isa-arm64`'s assembler.
 *
 * Lowering register map (AAPCS64, leaf functions only):
 *   IR r0..r5 → x9..x14 (caller-saved temporaries); scratch x15, x16, x17.
 *   Arguments arrive in x0..x5. A handler that issues a syscall spills them to its frame first
 *   (the syscall sequence reuses x0..x5); otherwise `arg` is a register move.
 *   Frame: sp-relative, [sp, #0 .. frameSize) scratch, then the argument spill area.
 */
import { A64Assembler, type Cond as ACond, type GpReg, type Label, encodeBitmask, mem, memIdx, post, pre, sp, w, wzr, x, xzr } from "@uabi/isa-arm64";
import { BOUNCE, type Cond, type Handler, type Insn, type Size, type Src, VVAR_PAGE } from "@uabi/libkernel";
import { textRecorder, type CodeGen, type FuncSpec, type GenContext, type TextResult } from "./codegen.js";
import { sigframeOffset } from "./sigframe.js";

const VREG: readonly GpReg[] = [x(9), x(10), x(11), x(12), x(13), x(14)];
const S0 = x(15);
const S1 = x(16);
const S2 = x(17);
const ARGS: readonly GpReg[] = [x(0), x(1), x(2), x(3), x(4), x(5)];
const COND: Readonly<Record<Cond, ACond>> = { eq: "eq", ne: "ne", ltu: "lo", leu: "ls", gtu: "hi", geu: "hs", lt: "lt", le: "le", gt: "gt", ge: "ge" };
/** Guard after a `svc` the kernel must never return from (return-flag syscalls, sigreturn). */
const BRK_NORETURN = 0xb0;

const wOf = (r: GpReg): GpReg => (r.num === 31 && !r.isSp ? wzr : w(r.num));

/** Lower one IR handler at the assembler's current position. */
function lowerHandler(a: A64Assembler, h: Handler, ctx: GenContext, site: (nr: number) => void): void {
  const spill = h.code.some((i) => i.op === "syscall");
  const spillOff = h.frameSize;
  const frame = h.frameSize + (spill ? ((h.nargs * 8 + 15) & ~15) : 0);
  const labels = new Map<string, Label>();
  for (const i of h.code) if (i.op === "label") labels.set(i.name, a.newLabel());
  const lbl = (n: string): Label => labels.get(n)!;

  const imm = (d: GpReg, v: bigint): void => {
    if (v === 0n) a.mov(d, xzr);
    else a.mov(d, v);
  };
  const src = (s: Src, scratch: GpReg): GpReg => {
    if (typeof s !== "bigint") return VREG[s]!;
    if (s === 0n) return xzr;
    imm(scratch, s);
    return scratch;
  };
  /** [base + off] as an operand the load/store encoders accept (large offsets go through S1). */
  const addr = (base: GpReg, off: number, size: Size): ReturnType<typeof mem> => {
    if ((off >= 0 && off % size === 0 && off / size <= 0xfff) || (off >= -256 && off < 256)) return mem(base, off);
    imm(S1, BigInt.asUintN(64, BigInt(off)));
    a.add(S1, base, S1);
    return mem(S1, 0);
  };
  const pcrel = (d: GpReg, target: number): void => {
    a.adr(d, target - (ctx.textAddr + a.here()));
  };

  if (frame > 0) a.sub(sp, sp, frame);
  if (spill) {
    a.add(S1, sp, spillOff);
    for (let k = 0; k < h.nargs; k += 2) {
      if (k + 1 < h.nargs) a.stp(ARGS[k]!, ARGS[k + 1]!, mem(S1, k * 8));
      else a.str(ARGS[k]!, mem(S1, k * 8));
    }
  }

  const emit = (i: Insn): void => {
    switch (i.op) {
      case "const":
        imm(VREG[i.d]!, i.v);
        return;
      case "arg":
        if (spill) a.ldr(VREG[i.d]!, addr(sp, spillOff + 8 * i.i, 8));
        else a.mov(VREG[i.d]!, ARGS[i.i]!);
        return;
      case "mov":
        a.mov(VREG[i.d]!, VREG[i.s]!);
        return;
      case "alu": {
        const d = VREG[i.d]!;
        const l = VREG[i.a]!;
        const b = i.b;
        if (typeof b === "bigint") {
          const sv = BigInt.asIntN(64, b);
          if ((i.k === "add" || i.k === "sub") && sv > -4096n && sv < 4096n) {
            const n = Number(sv);
            if (i.k === "add") a.add(d, l, n);
            else a.sub(d, l, n);
            return;
          }
          if ((i.k === "and" || i.k === "or" || i.k === "xor") && encodeBitmask(b, 64) !== undefined) {
            if (i.k === "and") a.and(d, l, b);
            else if (i.k === "or") a.orr(d, l, b);
            else a.eor(d, l, b);
            return;
          }
          if (i.k === "shl" || i.k === "shr" || i.k === "sar") {
            const n = Number(b & 63n);
            if (i.k === "shl") a.lsl(d, l, n);
            else if (i.k === "shr") a.lsr(d, l, n);
            else a.asr(d, l, n);
            return;
          }
        }
        const r = src(b, S0);
        switch (i.k) {
          case "add": a.add(d, l, r); break;
          case "sub": a.sub(d, l, r); break;
          case "and": a.and(d, l, r); break;
          case "or": a.orr(d, l, r); break;
          case "xor": a.eor(d, l, r); break;
          case "mul": a.mul(d, l, r); break;
          // The register forms (lslv & co.) take the count mod 64, as the IR defines.
          case "shl": a.lsl(d, l, r); break;
          case "shr": a.lsr(d, l, r); break;
          case "sar": a.asr(d, l, r); break;
        }
        return;
      }
      case "udiv":
        // A64 UDIV yields 0 for a zero divisor: exactly the IR's definition.
        a.udiv(VREG[i.d]!, VREG[i.a]!, src(i.b, S0));
        return;
      case "ext": {
        const d = VREG[i.d]!;
        const s = VREG[i.s]!;
        if (i.signed) a.sbfm(d, s, 0, i.bits - 1);
        else if (i.bits === 32) a.mov(wOf(d), wOf(s));
        else a.ubfm(d, s, 0, i.bits - 1);
        return;
      }
      case "load": {
        const d = VREG[i.d]!;
        const m = addr(VREG[i.base]!, i.off, i.size);
        if (i.size === 8) a.ldr(d, m);
        else if (i.size === 4) a.ldr(wOf(d), m);
        else if (i.size === 2) a.ldrh(wOf(d), m);
        else a.ldrb(wOf(d), m);
        return;
      }
      case "store": {
        const s = src(i.s, S0);
        const m = addr(VREG[i.base]!, i.off, i.size);
        if (i.size === 8) a.str(s, m);
        else if (i.size === 4) a.str(wOf(s), m);
        else if (i.size === 2) a.strh(wOf(s), m);
        else a.strb(wOf(s), m);
        return;
      }
      case "page":
        if (i.page === "vvar") pcrel(VREG[i.d]!, ctx.vvarAddr);
        else if (i.page === "uts") pcrel(VREG[i.d]!, ctx.utsAddr);
        else {
          pcrel(S1, ctx.vvarAddr);
          a.ldr(VREG[i.d]!, mem(S1, i.page === "task" ? VVAR_PAGE.taskPagePtr : VVAR_PAGE.fsPagePtr));
        }
        return;
      case "stack":
        a.add(VREG[i.d]!, sp, i.off);
        return;
      case "counter":
        // As Linux's __arch_get_hw_counter: an ISB keeps the read from being speculated early.
        a.isb();
        a.mrs(VREG[i.d]!, "cntvct_el0");
        return;
      case "br": {
        const l = VREG[i.a]!;
        const b = i.b;
        if (typeof b === "bigint" && BigInt.asIntN(64, b) > -4096n && BigInt.asIntN(64, b) < 4096n) {
          const n = Number(BigInt.asIntN(64, b));
          if (n >= 0) a.cmp(l, n);
          else a.cmn(l, -n);
        } else a.cmp(l, src(b, S0));
        a.bcond(COND[i.cond], lbl(i.target));
        return;
      }
      case "jmp":
        a.b(lbl(i.target));
        return;
      case "label":
        a.bind(lbl(i.name));
        return;
      case "syscall":
        i.args.forEach((s, k) => {
          if (typeof s === "bigint") imm(ARGS[k]!, s);
          else a.mov(ARGS[k]!, VREG[s]!);
        });
        a.mov(x(8), BigInt(i.nr));
        a.svc(0);
        site(i.nr);
        a.mov(VREG[i.d]!, x(0));
        return;
      case "ret": {
        const s = i.s;
        if (typeof s === "bigint") imm(x(0), s);
        else a.mov(x(0), VREG[s]!);
        if (frame > 0) a.add(sp, sp, frame);
        a.ret();
        return;
      }
    }
  };
  for (const i of h.code) emit(i);
}

/** Caller-saved registers the bounce glue preserves around the handler call (x16/x17 saved first). */
const BOUNCE_SAVED: readonly (readonly [GpReg, GpReg])[] = [
  [x(1), x(2)], [x(3), x(4)], [x(5), x(6)], [x(7), x(9)], [x(10), x(11)], [x(12), x(13)], [x(14), x(15)], [x(18), x(30)],
];
const SAVE_AREA = BOUNCE_SAVED.length * 16;
/** The ucontext inside the rt_sigframe (128) and regs[0] relative to it (184): arch/arm64/kernel/signal.c, via uapi. */
const UC_OFF = sigframeOffset("arm64", "uc");
const UC_REGS = sigframeOffset("arm64", "uc.uc_mcontext.regs") - UC_OFF;

/** x16 ← handler address for syscall x8, or branch to `pass` (number too big or not handled). */
function lookup(a: A64Assembler, ctx: GenContext, pass: Label): void {
  a.cmp(x(8), ctx.tableLen);
  a.bcond("hs", pass);
  a.adr(S1, ctx.tableAddr - (ctx.textAddr + a.here()));
  a.ldrsw(S2, memIdx(S1, x(8), "lsl", true));
  a.cbz(S2, pass);
  a.add(S1, S1, S2);
}

export const ARM64_CODEGEN: CodeGen = {
  arch: "arm64",
  assemble(funcs: readonly FuncSpec[], ctx: GenContext): TextResult {
    const a = new A64Assembler();
    const { offsets, cfi, sites, site, mark, fn } = textRecorder(a, () => a.align(16));
    const c = ctx;

    for (let k = 0; k < (ctx.textPad ?? 0); k += 4) a.nop();
    // __kernel_rt_sigreturn: the NOP *before* the symbol, then exactly `mov x8, #139; svc #0`
    // (arch/arm64/kernel/vdso/sigreturn.S; gdb and libgcc match these two words).
    a.align(16);
    a.nop();
    const sr = a.here();
    a.movz(x(8), 139);
    a.svc(0);
    site(139);
    offsets.set("@sigreturn", { offset: sr, size: 8 });

    // Bounce entry. SP = the kernel's 32-byte frame {nr, sp, pc, pstate}; every register is as
    // at the `svc` (x8 = nr, x0..x5 = args).
    fn("@bounce", () => {
      const pass = a.newLabel();
      mark("bounce", 0);
      a.stp(S1, S2, pre(sp, -16));
      mark("bounce", 16);
      lookup(a, c, pass);
      a.sub(sp, sp, SAVE_AREA);
      mark("bounce", 16 + SAVE_AREA);
      BOUNCE_SAVED.forEach(([r1, r2], k) => a.stp(r1, r2, mem(sp, k * 16)));
      a.blr(S1);
      BOUNCE_SAVED.forEach(([r1, r2], k) => a.ldp(r1, r2, mem(sp, k * 16)));
      a.add(sp, sp, SAVE_AREA);
      mark("bounce", 16);
      a.ldp(S1, S2, post(sp, 16));
      mark("bounce", 0);
      // Result in x0: "return only" — the kernel pops the frame (PC, SP, PSTATE, x8 from it).
      a.mov(x(8), BigInt(BOUNCE.RETURN_FLAG | BOUNCE.NR_RETURN_ONLY));
      a.svc(0);
      site(BOUNCE.RETURN_FLAG | BOUNCE.NR_RETURN_ONLY);
      a.brk(BRK_NORETURN);
      a.bind(pass);
      mark("bounce", 16);
      a.ldp(S1, S2, post(sp, 16));
      mark("bounce", 0);
      // Pass-through: the kernel runs x8's syscall with the caller's x0..x5, then pops the frame.
      a.orr(x(8), x(8), BigInt(BOUNCE.RETURN_FLAG));
      a.svc(0);
      site("any");
      a.brk(BRK_NORETURN);
    });

    // SIGSYS entry (seccomp RET_TRAP, SUD): x2 = &uc, SP = the rt_sigframe. Dispatch the call the
    // ucontext describes, write x0 into it, and sigreturn with SP still at the frame.
    fn("@sigsys", () => {
      const pass = a.newLabel();
      const done = a.newLabel();
      mark("sigsys", 0);
      a.add(x(19), x(2), UC_REGS);
      a.ldr(x(8), mem(x(19), 8 * 8));
      a.ldp(x(0), x(1), mem(x(19), 0));
      a.ldp(x(2), x(3), mem(x(19), 16));
      a.ldp(x(4), x(5), mem(x(19), 32));
      lookup(a, c, pass);
      a.blr(S1);
      a.b(done);
      a.bind(pass);
      a.svc(0);
      site("any");
      a.bind(done);
      a.str(x(0), mem(x(19), 0));
      a.movz(x(8), 139);
      a.svc(0);
      site(139);
      a.brk(BRK_NORETURN);
    });

    for (const f of funcs) {
      fn(f.key, () => {
        if (f.kind === "handler") lowerHandler(a, f.handler!, c, site);
        else {
          a.mov(x(8), BigInt(f.nr!));
          a.svc(0);
          site(f.nr!);
          a.ret();
        }
      });
    }
    a.align(16);
    const code = a.finish();
    return { code, offsets, cfi, sites };
  },
  cfiRegs: { sp: 31, ra: 30, codeAlign: 4, frameSize: BOUNCE.frameSize, ucOffset: UC_OFF },
};
