/**
 * Random x86-64 instruction sequences drawn from the decoder's own opcode tables (packages/isa-x86/src/tables.ts):
 * every row that can run in user mode is a "form" (map, opcode, mandatory prefix, ModRM.reg/rm constraint), and a
 * sequence is a few forms with random prefixes, REX bits, registers, immediates and memory operands. Memory operands
 * always address the scratch page: absolute disp32, rip-relative, or base+index*scale+disp with the base and index
 * set by `mov` instructions placed before it; string instructions get rsi/rdi/rcx set up the same way.
 */
import { decode, Insn } from "../../packages/isa-x86/src/decode.js";
import { CodeBuf, CODE, Rng, SCRATCH, runUabi, type InState } from "../../packages/isa-x86/test/insn-diff.js";
import { F_BRANCH, F_LOCKOK, F_MEMONLY, F_REGONLY, F_SSE, F_STRING, isDef, MAPS, type OpDef, type Row } from "../../packages/isa-x86/src/tables.js";

export interface Form {
  map: 0 | 1;
  op: number;
  /** Mandatory prefix byte (0 for none). */
  pfx: number;
  /** ModRM.reg fixed by a group (-1: free). */
  reg: number;
  /** ModRM.rm fixed by a register-form table (-1: free). */
  rm: number;
  mod: "reg" | "mem" | "any" | "none";
  def: OpDef;
}

/** Rows left out, and why: they leave the sandbox, read host state that differs by design, or change the rules. */
const EXCLUDED_KEYS = new Set([
  "syscall", // a system call
  "cpuid", "rdtsc", "rdtscp", "xgetbv", // host identity and time: uabi reports its own baseline CPU and clock
  "endbr", // CET hints: tested by the corpus
  "callind", "jmpind", "ret", // indirect control flow to random addresses
  "fxsave", "fxrstor", "ldmxcsr", // fxrstor/ldmxcsr of random memory unmask exceptions or #GP on reserved bits
  "movmoff",
]);
const EXCLUDED_MN = new Set([
  "int", "iret", // int 0x80 is a system call; iret with a random frame
  "popf", // could set TF/AC, which trap natively
  "fldcw", "fldenv", "fnstenv", "frstor", "fnsave", // random control words change precision/masks; FIP/FDP are not modelled
  "incssp", "rdssp",
]);

export function allForms(): Form[] {
  const out: Form[] = [];
  const add = (map: 0 | 1, op: number, pfx: number, row: Row | OpDef | undefined, reg = -1, rm = -1, modHint?: "reg" | "mem"): void => {
    if (!row) return;
    if (isDef(row)) {
      const d = row;
      if (EXCLUDED_KEYS.has(d.key) || EXCLUDED_MN.has(d.mn)) return;
      let mod: Form["mod"] = d.modrm || reg >= 0 ? "any" : "none";
      if (d.flags & F_MEMONLY) mod = "mem";
      if (d.flags & F_REGONLY) mod = "reg";
      if (modHint) mod = modHint;
      if (!d.modrm && reg < 0) mod = "none";
      // Operand templates that are memory-only or register-only by letter.
      if (mod === "any" && d.ops.some((o) => o[0] === "M")) mod = "mem";
      if (mod === "any" && d.ops.some((o) => o[0] === "U")) mod = "reg";
      out.push({ map, op, pfx, reg, rm, mod, def: d });
      return;
    }
    if ("pfx" in row) {
      const v = row.pfx;
      add(map, op, 0, v.none as Row | undefined);
      add(map, op, 0x66, v.p66 as Row | undefined);
      add(map, op, 0xf3, v.pf3 as Row | undefined);
      add(map, op, 0xf2, v.pf2 as Row | undefined);
      return;
    }
    const g = row as { group: (OpDef | undefined)[]; regForm?: (OpDef | undefined | (OpDef | undefined)[])[] };
    for (let r = 0; r < 8; r++) {
      const d = g.group[r];
      if (d) add(map, op, pfx, d, r, -1, g.regForm ? "mem" : undefined);
      const e = g.regForm?.[r];
      if (Array.isArray(e)) e.forEach((x, m) => add(map, op, pfx, x, r, m, "reg"));
      else if (e) add(map, op, pfx, e, r, -1, "reg");
    }
  };
  for (const map of [0, 1] as const) {
    MAPS[map].forEach((row, op) => {
      if (map === 1 && op === 0x1e) return; // nop/endbr/rdssp hint space
      add(map, op, 0, row);
    });
  }
  // A (map, op, pfx) group row reached through a pfx split keeps its own pfx: fix those recorded with pfx 0.
  return out;
}

/** Immediate byte widths of a template given the operand size. */
function immBytes(t: string, osz: number): number {
  switch (t) {
    case "Ib": case "Ibs": case "Jb": return 1;
    case "Iw": return 2;
    case "Iz": return osz === 16 ? 2 : 4;
    case "Jz": return 4;
    case "Iv": return osz === 64 ? 8 : osz === 16 ? 2 : 4;
    default: return 0;
  }
}

const le = (v: number | bigint, n: number): number[] => {
  const out: number[] = [];
  let x = BigInt.asUintN(64, BigInt(v));
  for (let k = 0; k < n; k++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
};

/** One instruction (or setup move) of a sequence; branches get their displacement at layout. */
interface Item {
  bytes: number[];
  /** For relative branches: offset of the displacement and its width (the branch skips the next item or not). */
  rel?: { at: number; width: 1 | 4; skip: boolean };
  form?: Form;
}

const movImm32To64 = (reg: number, v: number): number[] => [0x48 | (reg >= 8 ? 1 : 0), 0xc7, 0xc0 | (reg & 7), ...le(v, 4)];
const movImm32 = (reg: number, v: number): number[] => [...(reg >= 8 ? [0x41] : []), 0xb8 + (reg & 7), ...le(v, 4)];

const SHIFT_COUNTS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 255];

function randImm(r: Rng, n: number, f: Form): number[] {
  if (n === 1) {
    if (f.def.key === "shift" || f.def.key === "shd") return [r.pick(SHIFT_COUNTS)];
    return [r.chance(0.5) ? r.pick([0, 1, 0x7f, 0x80, 0xff, 0x40, 0x20, 0x1f, 0x3f]) : r.below(256)];
  }
  if (n === 2) return le(r.chance(0.5) ? r.pick([0, 1, 0x7fff, 0x8000, 0xffff]) : r.below(0x10000), 2);
  if (n === 4) return le(r.chance(0.4) ? r.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xff]) : r.u32(), 4);
  return le(r.chance(0.3) ? r.pick([0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, (1n << 64n) - 1n]) : r.u64(), 8);
}

/**
 * Encode one form with random prefixes, registers and operands, with the setup moves its memory operand or string
 * operands need. Returns undefined when the decoder does not read back the intended row (a generator limit).
 */
export function encodeForm(r: Rng, f: Form): Item[] | undefined {
  const d = f.def;
  const setup: Item[] = [];
  const pre: number[] = [];
  const sse = (d.flags & F_SSE) !== 0 || f.pfx !== 0;
  if (f.pfx) pre.push(f.pfx);
  // Operand-size override on ordinary rows, rep/repne on string rows.
  if (!sse && !(d.flags & 512) && r.chance(0.2)) pre.unshift(0x66);
  if (d.flags & F_STRING && r.chance(0.6)) pre.unshift(r.chance(0.7) ? 0xf3 : 0xf2);
  let rex = 0;
  if (r.chance(0.55)) rex = 0x40 | (r.u32() & 0xf);
  let modrm = -1;
  const body: number[] = [];
  let isMem = false;
  let memKind = 0;
  let memTarget = 0;
  let align16 = d.ops.some((o) => o.endsWith("x")) && sse;
  if (f.mod !== "none") {
    isMem = f.mod === "mem" || (f.mod === "any" && r.chance(0.45));
    let reg = f.reg >= 0 ? f.reg : r.below(8);
    // Keep rsp out of register destinations most of the time: a random rsp makes every later push fault.
    if (f.reg < 0 && reg === 4 && !(rex & 4) && r.chance(0.85)) reg = r.below(4);
    if (isMem) {
      // A locked access split across cache lines is throttled by the host kernel (split-lock detection): keep
      // locked operands (LOCK prefix, xchg with memory) inside one line.
      const locked = (d.flags & F_LOCKOK) !== 0 && r.chance(0.3);
      if (locked) pre.unshift(0xf0);
      if (locked || d.mn === "xchg") align16 = true;
      memTarget = align16 && r.chance(0.9) ? 16 * r.below(0xb0) : r.below(0xbe0);
      memKind = r.below(3);
      if (memKind === 0) {
        // [disp32] through a SIB with no base and no index (REX.X must be clear).
        rex &= ~2;
        modrm = (reg << 3) | 4;
        body.push(modrm, (r.below(4) << 6) | (4 << 3) | 5, ...le(SCRATCH + memTarget, 4));
      } else if (memKind === 1) {
        modrm = (reg << 3) | 5; // rip-relative; the displacement is patched below
        body.push(modrm, 0, 0, 0, 0);
      } else {
        let base = r.below(16);
        while (base === 4 || base === 5 || base === 13) base = r.below(16);
        let index = r.below(16);
        while (index === 4 || index === base) index = r.below(16);
        const scale = r.below(4);
        const idxVal = r.below(32);
        const mod = r.below(3);
        const disp = mod === 0 ? 0 : mod === 1 ? r.below(256) - 128 : r.below(0x2000) - 0x1000;
        const baseVal = SCRATCH + memTarget - (idxVal << scale) - disp;
        setup.push({ bytes: movImm32To64(base, baseVal) }, { bytes: movImm32(index, idxVal) });
        rex = (rex & ~3) | 0x40 | (base >= 8 ? 1 : 0) | (index >= 8 ? 2 : 0);
        modrm = (mod << 6) | (reg << 3) | 4;
        body.push(modrm, (scale << 6) | ((index & 7) << 3) | (base & 7));
        if (mod === 1) body.push(disp & 0xff);
        if (mod === 2) body.push(...le(disp, 4));
      }
    } else {
      const rm = f.rm >= 0 ? f.rm : r.below(8);
      modrm = 0xc0 | (reg << 3) | rm;
      body.push(modrm);
      if (f.rm < 0 && rm === 4 && !(rex & 1) && r.chance(0.85)) body[0] = 0xc0 | (reg << 3) | r.below(4);
    }
  }
  if (d.flags & F_STRING && r.chance(0.85)) {
    setup.push({ bytes: movImm32(6, SCRATCH + 0x100 + r.below(0x900)) }, { bytes: movImm32(7, SCRATCH + 0x100 + r.below(0x900)) });
    setup.push({ bytes: movImm32(1, r.below(10)) });
  }
  if ((d.mn === "leave" || d.mn === "enter") && r.chance(0.7)) setup.push({ bytes: movImm32To64(5, SCRATCH + 0x600 + 8 * r.below(100)) });
  if ((d.key === "div" || d.key === "idiv") && r.chance(0.6)) setup.push({ bytes: movImm32(2, r.chance(0.5) ? 0 : r.below(4)) });
  if (d.key === "loop" && r.chance(0.5)) setup.push({ bytes: movImm32(1, r.below(3)) });
  const opBytes = f.map === 1 ? [0x0f, f.op] : [f.op];
  const head = [...pre, ...(rex ? [rex] : []), ...opBytes];
  // Operand size as the decoder will see it (for immediate widths).
  const rexW = (rex & 8) !== 0;
  const p66 = pre.includes(0x66) && f.pfx !== 0x66;
  let osz = rexW ? 64 : p66 ? 16 : 32;
  if (d.sizeKind === "b") osz = 8;
  else if (d.sizeKind === "w") osz = 16;
  else if (d.flags & 2 /* F_F64 */) osz = 64;
  else if (d.flags & 1 /* F_D64 */) osz = p66 ? 16 : 64;
  const imms: number[] = [];
  let rel: Item["rel"];
  for (const t of [d.imm1, d.imm2]) {
    if (!t) continue;
    if (t === "Jb" || t === "Jz") {
      const w = t === "Jb" ? 1 : 4;
      rel = { at: head.length + body.length + imms.length, width: w, skip: r.chance(0.6) };
      for (let k = 0; k < w; k++) imms.push(0);
    } else if (d.mn === "enter") imms.push(...(t === "Iw" ? le(8 * r.below(8), 2) : [r.below(3)]));
    else imms.push(...randImm(r, immBytes(t, osz), f));
  }
  const bytes = [...head, ...body, ...imms];
  if (isMem && memKind === 1) {
    const at = head.length + 1;
    const next = bytes.length; // relative to the instruction's own start; patched at layout
    const item: Item = { bytes, form: f, rel };
    (item as Item & { ripRel?: { at: number; next: number; target: number } }).ripRel = { at, next, target: SCRATCH + memTarget };
    return [...setup, item];
  }
  void align16;
  return [...setup, { bytes, form: f, rel }];
}

/** Lay out items at CODE, fixing branch and rip-relative displacements, and append the final int3. */
export function layout(items: Item[]): Uint8Array {
  const out: number[] = [];
  const starts: number[] = [];
  for (const it of items) {
    starts.push(out.length);
    out.push(...it.bytes);
  }
  starts.push(out.length);
  items.forEach((it, k) => {
    const s = starts[k]!;
    if (it.rel) {
      const after = s + it.bytes.length;
      const nextLen = k + 1 < items.length ? items[k + 1]!.bytes.length : 0;
      const disp = it.rel.skip ? nextLen : 0;
      const b = le(disp, it.rel.width);
      for (let j = 0; j < it.rel.width; j++) out[s + it.rel.at + j] = b[j]!;
      void after;
    }
    const rr = (it as Item & { ripRel?: { at: number; next: number; target: number } }).ripRel;
    if (rr) {
      const disp = rr.target - (CODE + s + rr.next);
      const b = le(disp, 4);
      for (let j = 0; j < 4; j++) out[s + rr.at + j] = b[j]!;
    }
  });
  out.push(0xcc);
  return Uint8Array.from(out);
}

/** Does the decoder read the item back as the intended row with the intended length? */
function decodesAs(it: Item): boolean {
  if (!it.form) return true;
  const buf = new Uint8Array(16).fill(0x90);
  buf.set(it.bytes);
  try {
    const i = decode(new CodeBuf(buf), CODE, new Insn());
    return i.def === it.form.def && i.len === it.bytes.length;
  } catch {
    return false;
  }
}

export interface Generated {
  code: Uint8Array;
  forms: Form[];
  rejects: number;
}

/**
 * A sequence of 1-8 forms for input state `st`: instructions whose outcome would depend on something the SDM leaves
 * undefined (a read of an undefined flag, bsf of 0, ...) are found by stepping the interpreter and replaced.
 */
export function generate(r: Rng, forms: readonly Form[], st: InState, weights?: (f: Form) => number): Generated {
  const n = 1 + r.below(8);
  let items: Item[] = [];
  let rejects = 0;
  const pickForm = (): Form => {
    for (;;) {
      const f = r.pick(forms);
      if (!weights || r.chance(weights(f))) return f;
    }
  };
  const add = (): void => {
    for (let t = 0; t < 20; t++) {
      const f = pickForm();
      const enc = encodeForm(r, f);
      if (enc && decodesAs(enc[enc.length - 1]!)) {
        items.push(...enc);
        return;
      }
      rejects++;
    }
  };
  for (let k = 0; k < n; k++) add();
  for (let attempt = 0; attempt < 12; attempt++) {
    const code = layout(items);
    const run = runUabi(code, st, false);
    if (!run.bad) return { code, forms: items.flatMap((i) => (i.form ? [i.form] : [])), rejects };
    // Cut at the offending instruction and continue with fresh ones.
    const off = run.bad.pc - CODE;
    let at = 0;
    let p = 0;
    while (at < items.length && p + items[at]!.bytes.length <= off) p += items[at++]!.bytes.length;
    items = items.slice(0, at);
    rejects++;
    if (attempt < 10) add();
  }
  const code = layout(items);
  return { code, forms: items.flatMap((i) => (i.form ? [i.form] : [])), rejects };
}

export const isBranch = (f: Form): boolean => (f.def.flags & F_BRANCH) !== 0;
