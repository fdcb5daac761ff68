/**
 * `.eh_frame` for the two glue entries, so a debugger (or libgcc) can unwind from inside a
 * bounce or a SIGSYS dispatch into the interrupted code.
 *
 * Both FDEs use the CIE augmentation "zRS": R = pc-relative sdata4 pointers, S = signal frame
 * (the return address is the exact resume PC, not a call site, so unwinders must not subtract 1).
 * Every row is expressed relative to the current stack pointer (the glue tracks its depth):
 *   bounce:  CFA = *(sp + depth + frame.sp), return address at sp + depth + frame.pc;
 *   sigsys:  CFA = *(uc + mcontext.sp), return address at uc + mcontext.pc, every GPR at its
 *            mcontext slot, with uc = sp + depth + ucOffset.
 * x86-64's bounce ends with `mov rsp, [rsp+8]; jmp rcx`: for that last instruction the CFA is
 * rsp itself and the return address lives in rcx (depth marker −1).
 */
import type { Arch } from "@uabi/uapi";
import { BOUNCE } from "@uabi/libkernel";
import type { CfiMark, CfiRegs } from "./codegen.js";
import { sigframeOffset } from "./sigframe.js";

const DW_CFA_advance_loc = 0x40;
const DW_CFA_advance_loc1 = 0x02;
const DW_CFA_advance_loc2 = 0x03;
const DW_CFA_def_cfa = 0x0c;
const DW_CFA_register = 0x09;
const DW_CFA_def_cfa_expression = 0x0f;
const DW_CFA_expression = 0x10;
const DW_OP_breg0 = 0x70;
const DW_OP_bregx = 0x92;
const DW_OP_deref = 0x06;
const DW_EH_PE_pcrel_sdata4 = 0x1b;

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const breg = (reg: number, off: number): number[] => (reg < 32 ? [DW_OP_breg0 + reg, ...sleb(off)] : [DW_OP_bregx, ...uleb(reg), ...sleb(off)]);
const block = (ops: number[]): number[] => [...uleb(ops.length), ...ops];

/** GPR save slots in the ucontext, as [DWARF register, offset from the ucontext] (via uapi's layouts). */
const X86_DWARF = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
function sigsysSlots(arch: Arch): { sp: number; pc: number; regs: (readonly [number, number])[] } {
  const uc = sigframeOffset(arch, "uc");
  const at = (f: string): number => sigframeOffset(arch, `uc.uc_mcontext.${f}`) - uc;
  if (arch === "arm64") {
    return { sp: at("sp"), pc: at("pc"), regs: Array.from({ length: 30 }, (_, n) => [n, at("regs") + 8 * n] as const) };
  }
  return { sp: at("rsp"), pc: at("rip"), regs: X86_DWARF.map((r, n) => [n, at(r)] as const).filter(([n]) => n !== 7) };
}
const SIGSYS_SLOTS: Readonly<Record<Arch, ReturnType<typeof sigsysSlots>>> = { arm64: sigsysSlots("arm64"), x86_64: sigsysSlots("x86_64") };

function rowBounce(r: CfiRegs, depth: number): number[] {
  if (depth === -1) return [DW_CFA_def_cfa, ...uleb(r.sp), ...uleb(0), DW_CFA_register, ...uleb(r.ra), ...uleb(2 /* rcx */)];
  return [
    DW_CFA_def_cfa_expression, ...block([...breg(r.sp, depth + BOUNCE.frame.sp), DW_OP_deref]),
    DW_CFA_expression, ...uleb(r.ra), ...block(breg(r.sp, depth + BOUNCE.frame.pc)),
  ];
}

function rowSigsys(arch: Arch, r: CfiRegs, depth: number): number[] {
  const s = SIGSYS_SLOTS[arch];
  const uc = depth + r.ucOffset;
  const out = [
    DW_CFA_def_cfa_expression, ...block([...breg(r.sp, uc + s.sp), DW_OP_deref]),
    DW_CFA_expression, ...uleb(r.ra), ...block(breg(r.sp, uc + s.pc)),
  ];
  for (const [reg, off] of s.regs) {
    if (reg === r.ra) continue;
    out.push(DW_CFA_expression, ...uleb(reg), ...block(breg(r.sp, uc + off)));
  }
  return out;
}

function advance(delta: number, codeAlign: number): number[] {
  const d = delta / codeAlign;
  if (!Number.isInteger(d) || d < 0) throw new Error(`CFI advance ${delta} not a multiple of ${codeAlign}`);
  if (d === 0) return [];
  if (d < 64) return [DW_CFA_advance_loc | d];
  if (d < 256) return [DW_CFA_advance_loc1, d];
  return [DW_CFA_advance_loc2, d & 0xff, d >> 8];
}

export interface CfiEntry {
  /** Offset of the function inside .text, its size, and the depth marks (offsets inside .text). */
  readonly offset: number;
  readonly size: number;
  readonly marks: readonly CfiMark[];
  readonly kind: "bounce" | "sigsys";
}

function pad(bytes: number[], to: number): void {
  while (bytes.length % to !== 0) bytes.push(0); // DW_CFA_nop
}

/**
 * Build the section. Layout-independent size; `ehAddr`/`textAddr` only feed the pc-relative
 * pc_begin fields, so the writer can call this again once the layout is fixed.
 */
export function buildEhFrame(arch: Arch, r: CfiRegs, entries: readonly CfiEntry[], ehAddr: number, textAddr: number): Uint8Array {
  const out: number[] = [];
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  // CIE
  const cie: number[] = [...u32(0), 1, ...Array.from("zRS", (c) => c.charCodeAt(0)), 0, ...uleb(r.codeAlign), ...sleb(-8), r.ra, ...uleb(1), DW_EH_PE_pcrel_sdata4];
  pad(cie, 4);
  while ((cie.length + 4) % 8 !== 0) cie.push(0);
  out.push(...u32(cie.length), ...cie);
  for (const e of entries) {
    const fdeStart = out.length;
    const body: number[] = [];
    body.push(...u32(fdeStart + 4)); // CIE pointer: distance back to the CIE (at 0)
    const pcBeginAt = ehAddr + fdeStart + 8;
    body.push(...u32((textAddr + e.offset - pcBeginAt) | 0));
    body.push(...u32(e.size));
    body.push(...uleb(0)); // augmentation data length
    let at = e.offset;
    let first = true;
    for (const m of e.marks) {
      if (!first) body.push(...advance(m.offset - at, r.codeAlign));
      first = false;
      at = m.offset;
      body.push(...(e.kind === "bounce" ? rowBounce(r, m.depth) : rowSigsys(arch, r, m.depth)));
    }
    while ((body.length + 4) % 8 !== 0) body.push(0);
    out.push(...u32(body.length), ...body);
  }
  out.push(...u32(0)); // terminator
  return Uint8Array.from(out);
}
