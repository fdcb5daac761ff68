/**
 * The .eh_frame CFI of the glue entries, checked the way a debugger uses it: single-step a bounce
 * (and a SIGSYS dispatch) on the interpreters and, at every instruction inside an FDE, unwind one
 * frame with a small DWARF CFA evaluator. The unwound CFA and return address must always be the
 * interrupted caller's SP and resume PC.
 */
import { describe, expect, it } from "vitest";
import { readElf } from "@uabi/elf";
import { BOUNCE, TASK_PAGE } from "@uabi/libkernel";
import { syscallNr } from "@uabi/uapi";
import { buildVdso, type VdsoImage } from "../src/index.js";
import { BASE, Machine, RET_ADDR, STACK_TOP, TASK, X86, type AnyCpu } from "./machine.js";

type Rule = { kind: "expr"; ops: Uint8Array } | { kind: "val"; reg: number; off: number } | { kind: "reg"; reg: number };
interface Row { loc: number; cfa: Rule; regs: Map<number, Rule> }
interface Fde { start: number; end: number; rows: Row[] }

function uleb(b: Uint8Array, p: { o: number }): number {
  let v = 0, s = 0, x: number;
  do { x = b[p.o++]!; v += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return v;
}
function sleb(b: Uint8Array, p: { o: number }): number {
  let v = 0, s = 0, x: number;
  do { x = b[p.o++]!; v += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return x & 0x40 ? v - 2 ** s : v;
}

/** Parse the FDEs of our .eh_frame (one zRS CIE; the instruction subset the generator emits). */
function parseEhFrame(bytes: Uint8Array, addr: number, codeAlign: number): Fde[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fdes: Fde[] = [];
  let o = 0;
  while (o + 4 <= bytes.length) {
    const len = dv.getUint32(o, true);
    if (len === 0) break;
    const id = dv.getUint32(o + 4, true);
    if (id !== 0) {
      const start = addr + o + 8 + dv.getInt32(o + 8, true);
      const range = dv.getUint32(o + 12, true);
      const p = { o: o + 16 };
      const augLen = uleb(bytes, p);
      p.o += augLen;
      const rows: Row[] = [];
      let cur: Row = { loc: start, cfa: { kind: "val", reg: 0, off: 0 }, regs: new Map() };
      const end = o + 4 + len;
      while (p.o < end) {
        const op = bytes[p.o++]!;
        if ((op & 0xc0) === 0x40 || op === 0x02 || op === 0x03) {
          const d = (op & 0xc0) === 0x40 ? op & 0x3f : op === 0x02 ? bytes[p.o++]! : dv.getUint16((p.o += 2) - 2, true);
          rows.push(cur);
          cur = { loc: cur.loc + d * codeAlign, cfa: cur.cfa, regs: new Map(cur.regs) };
        } else if (op === 0x0f) {
          const n = uleb(bytes, p);
          cur.cfa = { kind: "expr", ops: bytes.slice(p.o, (p.o += n)) };
        } else if (op === 0x10) {
          const r = uleb(bytes, p);
          const n = uleb(bytes, p);
          cur.regs.set(r, { kind: "expr", ops: bytes.slice(p.o, (p.o += n)) });
        } else if (op === 0x0c) {
          cur.cfa = { kind: "val", reg: uleb(bytes, p), off: uleb(bytes, p) };
        } else if (op === 0x09) {
          const r = uleb(bytes, p);
          cur.regs.set(r, { kind: "reg", reg: uleb(bytes, p) });
        } else if (op !== 0) throw new Error(`unexpected CFA op 0x${op.toString(16)}`);
      }
      rows.push(cur);
      fdes.push({ start, end: start + range, rows });
    }
    o += 4 + len;
  }
  return fdes;
}

/** DWARF register → value, for the registers the CFI names (sp and GPRs). */
function dwarfReg(cpu: AnyCpu, arch: "arm64" | "x86_64", r: number): bigint {
  if (arch === "arm64") return r === 31 ? cpu.sp : cpu.getReg(r);
  const map = [X86.rax, X86.rdx, X86.rcx, X86.rbx, X86.rsi, X86.rdi, X86.rbp, X86.rsp, 8, 9, 10, 11, 12, 13, 14, 15];
  return r === 7 ? cpu.sp : cpu.getReg(map[r]!);
}
function evalExpr(ops: Uint8Array, m: Machine): bigint {
  const st: bigint[] = [];
  const p = { o: 0 };
  while (p.o < ops.length) {
    const op = ops[p.o++]!;
    if (op >= 0x70 && op <= 0x8f) st.push(dwarfReg(m.cpu, m.arch, op - 0x70) + BigInt(sleb(ops, p)));
    else if (op === 0x06) st.push(m.mem.read64(Number(st.pop()!)));
    else throw new Error(`unexpected DW_OP 0x${op.toString(16)}`);
  }
  return st.pop()!;
}
/** Unwind one frame at the CPU's current PC: [CFA, return address], or undefined outside every FDE. */
function unwind(m: Machine, fdes: Fde[], raCol: number): [bigint, bigint] | undefined {
  const pc = m.cpu.pc;
  const f = fdes.find((x) => pc >= x.start && pc < x.end);
  if (!f) return undefined;
  const row = [...f.rows].reverse().find((r) => r.loc <= pc)!;
  const cfa = row.cfa.kind === "expr" ? evalExpr(row.cfa.ops, m) : row.cfa.kind === "val" ? dwarfReg(m.cpu, m.arch, row.cfa.reg) + BigInt(row.cfa.off) : 0n;
  const ra = row.regs.get(raCol)!;
  const raVal = ra.kind === "expr" ? m.mem.read64(Number(evalExpr(ra.ops, m))) : ra.kind === "reg" ? dwarfReg(m.cpu, m.arch, ra.reg) : 0n;
  return [cfa, raVal];
}

const imgs: Record<string, VdsoImage> = {};
const USER_SP = STACK_TOP - 0x400;

function setup(arch: "arm64" | "x86_64", entry: "bounce" | "sigsys", nr: number): { m: Machine; fdes: Fde[]; raCol: number } {
  const img = (imgs[arch] ??= buildVdso({ arch }));
  const m = new Machine(img);
  m.mem.write32(TASK + TASK_PAGE.pid, 7);
  const elf = readElf(img.bytes);
  const eh = elf.sectionByName(".eh_frame")!;
  const fdes = parseEhFrame(elf.sectionData(eh), eh.addr + BASE, arch === "arm64" ? 4 : 1);
  const cpu = m.cpu;
  if (entry === "bounce") {
    const frame = arch === "arm64" ? (USER_SP & ~15) - 32 : ((USER_SP - 128) & ~15) - 32;
    m.mem.write64(frame + BOUNCE.frame.nr, BigInt(nr));
    m.mem.write64(frame + BOUNCE.frame.sp, BigInt(USER_SP));
    m.mem.write64(frame + BOUNCE.frame.pc, BigInt(RET_ADDR));
    m.mem.write64(frame + BOUNCE.frame.flags, arch === "arm64" ? 0n : 0x202n);
    cpu.setReg(arch === "arm64" ? 8 : X86.rax, BigInt(nr));
    cpu.sp = BigInt(frame);
    cpu.pc = BASE + img.entries.bounce;
  } else if (arch === "arm64") {
    const frame = (USER_SP - 4688) & ~15;
    m.mem.write64(frame + 312 + 64, BigInt(nr));
    m.mem.write64(frame + 560, BigInt(USER_SP));
    m.mem.write64(frame + 568, BigInt(RET_ADDR));
    cpu.setReg(2, BigInt(frame + 128));
    cpu.sp = BigInt(frame);
    cpu.pc = BASE + img.entries.sigsys;
  } else {
    const frame = ((USER_SP - 128 - 1024) & ~15) - 8;
    m.mem.write64(frame + 48 + 104, BigInt(nr));
    m.mem.write64(frame + 48 + 120, BigInt(USER_SP));
    m.mem.write64(frame + 48 + 128, BigInt(RET_ADDR));
    cpu.setReg(X86.rdx, BigInt(frame + 8));
    cpu.sp = BigInt(frame);
    cpu.pc = BASE + img.entries.sigsys;
  }
  return { m, fdes, raCol: arch === "arm64" ? 30 : 16 };
}

describe("unwinding through the glue with its .eh_frame", () => {
  for (const arch of ["arm64", "x86_64"] as const) {
    for (const entry of ["bounce", "sigsys"] as const) {
      for (const call of ["getpid", "write"] as const) {
        it(`${arch} ${entry} entry, ${call}: every instruction unwinds to the caller`, () => {
          const { m, fdes, raCol } = setup(arch, entry, syscallNr(arch, call));
          expect(fdes.length).toBe(2);
          let checked = 0;
          for (let steps = 0; steps < 2000; steps++) {
            const u = unwind(m, fdes, raCol);
            if (u) {
              expect(u, `at 0x${(m.cpu.pc - BASE).toString(16)}`).toEqual([BigInt(USER_SP), BigInt(RET_ADDR)]);
              checked++;
            }
            const t = m.cpu.run(1);
            if (t.kind === "budget") continue;
            if (t.kind === "page-fault" && t.addr === RET_ADDR) break;
            expect(t.kind).toBe("syscall");
            const nr = Number(m.cpu.getReg(arch === "arm64" ? 8 : X86.rax));
            // Return-flag and sigreturn syscalls end the glue; the others get an answer.
            if ((nr & BOUNCE.RETURN_FLAG) !== 0 || nr === syscallNr(arch, "rt_sigreturn")) break;
            m.cpu.setReg(arch === "arm64" ? 0 : X86.rax, 1n);
          }
          expect(checked).toBeGreaterThan(5);
        });
      }
    }
  }
});
