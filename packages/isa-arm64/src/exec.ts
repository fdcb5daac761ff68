/**
 * Instruction semantics: one compiler per table row turns decoded fields into
 * a closure specialised for its operands and PC (see cpu.ts for the state
 * layout). A compiler returns undefined for encodings its class leaves
 * unallocated or that are not implemented; those become an `undefined` trap.
 *
 * 64-bit arithmetic works on 32-bit halves; module-level temporaries (tl, th)
 * carry two-word results between helpers so nothing allocates per instruction.
 */
import { PAGE_SIZE, tlbSlot, type GuestMemory } from "@uabi/isa-core";
import { branchTarget, mulhu32, rbit32 } from "./bits.js";
import type { Arm64Cpu, Handler } from "./cpu.js";
import { decode, decodeBitMasks, type Decoded } from "./decode.js";
import { FP_SIMD } from "./exec-fp.js";
import { SCALAR } from "./exec-scalar.js";
import { MULT_OPCODES } from "./simd-tables.js";
import { CTR_EL0, DCZID_EL0, DC_ZVA_BYTES, holds, MIDR_EL1, SP_SLOT, TRAP_FAULTED, TRAP_RETIRED } from "./state.js";
import type { FieldMap, RowName } from "./table.js";

/**
 * The address of a register-offset load or store: base + (extended index << amt), all modulo 2^64 and added in
 * 32-bit halves, as the hardware's address arithmetic does (a "negative" base plus a pointer index, or an index
 * whose shift overflows, must wrap). `ihi` is the index's high half after extension (0 for UXTW, the sign for
 * SXTW, the register's for UXTX/SXTX). Exact for every real address (below 2^53); anything else faults anyway.
 */
export function regOffsetAddress(blo: number, bhi: number, ilo: number, ihi: number, amt: number): number {
  const slo = amt === 0 ? ilo >>> 0 : (ilo << amt) >>> 0;
  const shi = amt === 0 ? ihi : (ihi << amt) | (ilo >>> (32 - amt));
  const lo = (blo >>> 0) + slo;
  const hi = (bhi + shi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  return hi * TWO32 + (lo >>> 0);
}

/** One compiler per row, typed by that row's declared fields (exec-fp.ts has the FP/SIMD rows). */
export type Compilers = { readonly [N in RowName]: (c: Arm64Cpu, f: FieldMap[N], pc: number) => Handler | undefined };

const TWO32 = 4294967296;
let tl = 0;
let th = 0;

// -------------------------------------------------------------- 64-bit helpers

function shl64(lo: number, hi: number, s: number): void {
  if (s === 0) { tl = lo; th = hi; }
  else if (s < 32) { th = (hi << s) | (lo >>> (32 - s)); tl = lo << s; }
  else { th = lo << (s - 32); tl = 0; }
}
function lsr64(lo: number, hi: number, s: number): void {
  if (s === 0) { tl = lo; th = hi; }
  else if (s < 32) { tl = (lo >>> s) | (hi << (32 - s)); th = hi >>> s; }
  else { tl = hi >>> (s - 32); th = 0; }
}
function asr64(lo: number, hi: number, s: number): void {
  if (s === 0) { tl = lo; th = hi; }
  else if (s < 32) { tl = (lo >>> s) | (hi << (32 - s)); th = hi >> s; }
  else { tl = hi >> (s - 32); th = hi >> 31; }
}
function ror64(lo: number, hi: number, s: number): void {
  if (s >= 32) { const t = lo; lo = hi; hi = t; s -= 32; }
  if (s === 0) { tl = lo; th = hi; }
  else { tl = (lo >>> s) | (hi << (32 - s)); th = (hi >>> s) | (lo << (32 - s)); }
}
const SHIFT64 = [shl64, lsr64, asr64, ror64];
function shift32(v: number, type: number, s: number): number {
  switch (type) {
    case 0: return v << s;
    case 1: return v >>> s;
    case 2: return v >> s;
    default: return s === 0 ? v : (v >>> s) | (v << (32 - s));
  }
}
/** Low 64 bits of a 64×64 product into tl/th. */
function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  tl = Math.imul(alo, blo);
  th = (mulhu32(alo >>> 0, blo >>> 0) + Math.imul(ahi, blo) + Math.imul(alo, bhi)) | 0;
}
const big = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const sbig = (lo: number, hi: number) => (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
function fromBig(v: bigint): void {
  tl = Number(v & 0xffffffffn) | 0;
  th = Number((v >> 32n) & 0xffffffffn) | 0;
}
function clz64(lo: number, hi: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}
function bswap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) | 0;
}
function rev16(v: number): number {
  return (((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8)) | 0;
}
/** Mask of the low w bits (w = 0..64) into tl/th. */
function mask64(w: number): void {
  if (w >= 64) { tl = -1; th = -1; }
  else if (w >= 32) { tl = -1; th = w === 32 ? 0 : -1 >>> (64 - w); }
  else { tl = w === 0 ? 0 : -1 >>> (32 - w); th = 0; }
}

// ---------------------------------------------------------- register slots

/** Read slot: encoding 31 is XZR (slot 31 is always zero). */
const rz = (n: number) => n;
/** Write slot for an XZR destination: writes to 31 go to the discard slot. */
const wz = (n: number) => (n === 31 ? 33 : n);
/** Slot when encoding 31 means SP. */
const rs = (n: number) => (n === 31 ? SP_SLOT : n);


/** a + b + cin on 64 bits with flags. */
function adc64Flags(c: Arm64Cpu, alo: number, ahi: number, blo: number, bhi: number, cin: number): void {
  const l = (alo >>> 0) + (blo >>> 0) + cin;
  const h = (ahi >>> 0) + (bhi >>> 0) + (l > 0xffffffff ? 1 : 0);
  tl = l | 0;
  th = h | 0;
  c.fN = th < 0 ? 1 : 0;
  c.fZ = (tl | th) === 0 ? 1 : 0;
  c.fC = h > 0xffffffff ? 1 : 0;
  c.fV = ((ahi ^ th) & (bhi ^ th)) < 0 ? 1 : 0;
}
function adc32Flags(c: Arm64Cpu, a: number, b: number, cin: number): number {
  const s = (a >>> 0) + (b >>> 0) + cin;
  const r = s | 0;
  c.fN = r < 0 ? 1 : 0;
  c.fZ = r === 0 ? 1 : 0;
  c.fC = s > 0xffffffff ? 1 : 0;
  c.fV = ((a ^ r) & (b ^ r)) < 0 ? 1 : 0;
  return r;
}

function trap(c: Arm64Cpu, t: NonNullable<Arm64Cpu["pendingTrap"]>): number {
  c.pendingTrap = t;
  return TRAP_FAULTED;
}
const addrOf = (c: Arm64Cpu, slot: number) => (c.H[slot]! >>> 0) * TWO32 + (c.L[slot]! >>> 0);
function setAddr(c: Arm64Cpu, slot: number, a: number): void {
  c.L[slot] = a;
  c.H[slot] = Math.floor(a / TWO32);
}

// ------------------------------------------------------------- data processing

const C = {
  ADR(c, f, pc) {
    const v = f.op ? Math.floor(pc / 4096) * 4096 + f.imm * 4096 : pc + f.imm;
    const d = wz(f.rd);
    const lo = v | 0, hi = Math.floor(v / TWO32) | 0, next = pc + 4;
    const L = c.L, H = c.H;
    return () => { L[d] = lo; H[d] = hi; return next; };
  },

  ADDSUB_IMM(c, f, pc) {
    const { sf, op, S, sh, imm12 } = f;
    const imm = sh ? imm12 << 12 : imm12;
    const n = rs(f.rn), d = S ? wz(f.rd) : rs(f.rd), next = pc + 4;
    const L = c.L, H = c.H;
    if (sf) {
      if (!S) {
        if (!op) return () => { const l = (L[n]! >>> 0) + imm; L[d] = l; H[d] = H[n]! + (l > 0xffffffff ? 1 : 0); return next; };
        return () => { const l = (L[n]! >>> 0) - imm; L[d] = l; H[d] = H[n]! - (l < 0 ? 1 : 0); return next; };
      }
      const bl = op ? ~imm : imm, bh = op ? -1 : 0;
      return () => { adc64Flags(c, L[n]!, H[n]!, bl, bh, op); L[d] = tl; H[d] = th; return next; };
    }
    if (!S) {
      if (!op) return () => { L[d] = L[n]! + imm; H[d] = 0; return next; };
      return () => { L[d] = L[n]! - imm; H[d] = 0; return next; };
    }
    const b = op ? ~imm : imm;
    return () => { L[d] = adc32Flags(c, L[n]!, b, op); H[d] = 0; return next; };
  },

  LOGIC_IMM(c, f, pc) {
    const { sf, opc, N, immr, imms } = f;
    if (!sf && N) return undefined;
    const m = decodeBitMasks(N, imms, immr, !!sf);
    if (!m) return undefined;
    const [ml, mh] = m;
    const n = rz(f.rn), d = opc === 3 ? wz(f.rd) : rs(f.rd), next = pc + 4;
    const L = c.L, H = c.H;
    if (!sf) {
      // W forms: the result is zero-extended (the upper half is never the source's).
      switch (opc) {
        case 0: return () => { L[d] = L[n]! & ml; H[d] = 0; return next; };
        case 1: return () => { L[d] = L[n]! | ml; H[d] = 0; return next; };
        case 2: return () => { L[d] = L[n]! ^ ml; H[d] = 0; return next; };
        default: break;
      }
    }
    switch (opc) {
      case 0: return () => { L[d] = L[n]! & ml; H[d] = H[n]! & mh; return next; };
      case 1: return () => { L[d] = L[n]! | ml; H[d] = H[n]! | mh; return next; };
      case 2: return () => { L[d] = L[n]! ^ ml; H[d] = H[n]! ^ mh; return next; };
      default:
        return () => {
          const l = L[n]! & ml, h = H[n]! & mh;
          L[d] = l; H[d] = h;
          c.fN = (sf ? h : l) < 0 ? 1 : 0; c.fZ = (l | h) === 0 ? 1 : 0; c.fC = 0; c.fV = 0;
          return next;
        };
    }
  },

  MOVEWIDE(c, f, pc) {
    const { sf, opc, hw, imm16 } = f;
    if (opc === 1 || (!sf && hw >= 2)) return undefined;
    const d = wz(f.rd), next = pc + 4;
    const L = c.L, H = c.H;
    const sh = (hw & 1) * 16, inHi = hw >= 2;
    if (opc === 3) {
      const keep = ~(0xffff << sh), v = imm16 << sh;
      if (inHi) return () => { H[d] = (H[d]! & keep) | v; return next; };
      if (!sf) return () => { L[d] = (L[d]! & keep) | v; H[d] = 0; return next; }; // movk w: zero-extends
      return () => { L[d] = (L[d]! & keep) | v; return next; };
    }
    let lo = inHi ? 0 : imm16 << sh, hi = inHi ? imm16 << sh : 0;
    if (opc === 0) { lo = ~lo; hi = sf ? ~hi : 0; }
    return () => { L[d] = lo; H[d] = hi; return next; };
  },

  BITFIELD(c, f, pc) {
    const { sf, opc, N, immr: r, imms: s } = f;
    if (opc === 3 || N !== sf || (!sf && (r >= 32 || s >= 32))) return undefined;
    const n = rz(f.rn), d = wz(f.rd), next = pc + 4;
    const L = c.L, H = c.H;
    if (!sf) {
      // 32-bit forms.
      if (opc === 2 && s === 31) return () => { L[d] = L[n]! >>> r; H[d] = 0; return next; };
      if (opc === 0 && s === 31) return () => { L[d] = L[n]! >> r; H[d] = 0; return next; };
      if (opc === 2 && s + 1 === r) { const sh = 31 - s; return () => { L[d] = L[n]! << sh; H[d] = 0; return next; }; }
      if (s >= r) {
        const w = s - r + 1;
        if (opc === 2) { const m = w === 32 ? -1 : (1 << w) - 1; return () => { L[d] = (L[n]! >>> r) & m; H[d] = 0; return next; }; }
        if (opc === 0) { const up = 32 - r - w, dn = 32 - w; return () => { L[d] = (L[n]! << up) >> dn; H[d] = 0; return next; }; }
        const m = w === 32 ? -1 : (1 << w) - 1;
        return () => { L[d] = (L[d]! & ~m) | ((L[n]! >>> r) & m); H[d] = 0; return next; };
      }
      // insert: field of s+1 bits placed at lsb 32-r
      const w = s + 1, lsb = 32 - r, m = w === 32 ? -1 : (1 << w) - 1;
      if (opc === 2) return () => { L[d] = (L[n]! & m) << lsb; H[d] = 0; return next; };
      if (opc === 0) { const up = 32 - w; return () => { L[d] = ((L[n]! << up) >> up) << lsb; H[d] = 0; return next; }; }
      const dm = m << lsb;
      return () => { L[d] = (L[d]! & ~dm) | ((L[n]! << lsb) & dm); H[d] = 0; return next; };
    }
    // 64-bit forms; common aliases first.
    if (opc === 2 && s === 63) return () => { lsr64(L[n]!, H[n]!, r); L[d] = tl; H[d] = th; return next; };
    if (opc === 0 && s === 63) return () => { asr64(L[n]!, H[n]!, r); L[d] = tl; H[d] = th; return next; };
    if (opc === 2 && s + 1 === r) { const sh = 63 - s; return () => { shl64(L[n]!, H[n]!, sh); L[d] = tl; H[d] = th; return next; }; }
    if (opc === 0 && r === 0 && s === 31) return () => { const v = L[n]!; L[d] = v; H[d] = v >> 31; return next; };
    const extract = s >= r;
    const w = extract ? s - r + 1 : s + 1;
    const lsb = extract ? 0 : 64 - r;
    mask64(w);
    const fml = tl, fmh = th; // field mask (low w bits)
    shl64(fml, fmh, lsb);
    const dml = tl, dmh = th; // destination mask
    return () => {
      // field = (src >> (extract ? r : 0)) & mask(w), sign-extended for sbfm, then << lsb.
      if (extract) lsr64(L[n]!, H[n]!, r); else { tl = L[n]!; th = H[n]!; }
      let fl = tl & fml, fh = th & fmh;
      if (opc === 0) { shl64(fl, fh, 64 - w); asr64(tl, th, 64 - w); fl = tl; fh = th; }
      shl64(fl, fh, lsb);
      if (opc === 1) { L[d] = (L[d]! & ~dml) | (tl & dml); H[d] = (H[d]! & ~dmh) | (th & dmh); }
      else { L[d] = tl; H[d] = th; }
      return next;
    };
  },

  EXTR(c, f, pc) {
    const { sf, N, imms } = f;
    if (N !== sf || (!sf && imms >= 32)) return undefined;
    const n = rz(f.rn), m = rz(f.rm), d = wz(f.rd), next = pc + 4;
    const L = c.L, H = c.H;
    if (!sf) return () => { L[d] = imms === 0 ? L[m]! : (L[m]! >>> imms) | (L[n]! << (32 - imms)); H[d] = 0; return next; };
    return () => {
      if (imms === 0) { L[d] = L[m]!; H[d] = H[m]!; return next; }
      shl64(L[n]!, H[n]!, 64 - imms);
      const al = tl, ah = th;
      lsr64(L[m]!, H[m]!, imms);
      L[d] = tl | al; H[d] = th | ah;
      return next;
    };
  },

  // ------------------------------------------------------------ branches
  B(c, f, pc) {
    const t = branchTarget(pc, f.off);
    if (!f.op) return () => t;
    const L = c.L, H = c.H, ret = pc + 4, rl = ret | 0, rh = Math.floor(ret / TWO32);
    return () => { L[30] = rl; H[30] = rh; return t; };
  },
  B_COND(c, f, pc) {
    const t = branchTarget(pc, f.off), next = pc + 4, cond = f.cond;
    // One closure per condition so the hot compare-and-branch needs no switch.
    switch (cond) {
      case 0: return () => (c.fZ === 1 ? t : next);
      case 1: return () => (c.fZ === 0 ? t : next);
      case 2: return () => (c.fC === 1 ? t : next);
      case 3: return () => (c.fC === 0 ? t : next);
      case 4: return () => (c.fN === 1 ? t : next);
      case 5: return () => (c.fN === 0 ? t : next);
      case 8: return () => (c.fC === 1 && c.fZ === 0 ? t : next);
      case 9: return () => (c.fC === 1 && c.fZ === 0 ? next : t);
      case 10: return () => (c.fN === c.fV ? t : next);
      case 11: return () => (c.fN !== c.fV ? t : next);
      case 12: return () => (c.fZ === 0 && c.fN === c.fV ? t : next);
      case 13: return () => (c.fZ === 0 && c.fN === c.fV ? next : t);
      default: return () => (holds(c, cond) ? t : next);
    }
  },
  CBZ(c, f, pc) {
    const t = branchTarget(pc, f.off), next = pc + 4, r = rz(f.rt);
    const L = c.L, H = c.H;
    if (f.sf) return f.op ? () => ((L[r]! | H[r]!) !== 0 ? t : next) : () => ((L[r]! | H[r]!) === 0 ? t : next);
    return f.op ? () => (L[r]! !== 0 ? t : next) : () => (L[r]! === 0 ? t : next);
  },
  TBZ(c, f, pc) {
    const t = branchTarget(pc, f.off), next = pc + 4, r = rz(f.rt);
    const bit = f.bit;
    const arr = bit >= 32 ? c.H : c.L, m = 1 << (bit & 31);
    return f.op ? () => ((arr[r]! & m) !== 0 ? t : next) : () => ((arr[r]! & m) === 0 ? t : next);
  },
  BR(c, f, pc) {
    if (f.opc === 3) return undefined;
    const n = rz(f.rn), link = f.opc === 1, ret = pc + 4;
    const L = c.L, H = c.H, rl = ret | 0, rh = Math.floor(ret / TWO32);
    return () => {
      const t = addrOf(c, n);
      if (link) { L[30] = rl; H[30] = rh; }
      if ((t & 3) !== 0) {
        // PC alignment fault on the branch target (Linux: SIGBUS BUS_ADRALN at the target).
        c.pc = t;
        c.pendingTrap = { kind: "alignment", pc: t, addr: t };
        return TRAP_RETIRED;
      }
      return t;
    };
  },
  SVC(c, f, pc) {
    const next = pc + 4;
    return () => { c.pc = next; c.pendingTrap = { kind: "syscall", pc }; return TRAP_RETIRED; };
  },
  BRK(c, f, pc) {
    const imm = f.imm16;
    return () => trap(c, { kind: "breakpoint", pc, imm });
  },
  UDF: () => undefined,
  HINT(c, f, pc) {
    // Every hint (nop, yield, bti, PAC-in-hint-space) is a NOP on a core without those features.
    const next = pc + 4;
    return () => next;
  },
  BARRIER(c, f, pc) {
    const { crm, op2 } = f;
    const next = pc + 4;
    if (op2 === 2) return () => { c.exAddr = -1; return next; };
    // dsb/dmb/isb (any option: reserved isb options behave as SY) and sb: ordering is already total here.
    if (op2 === 4 || op2 === 5 || op2 === 6 || (op2 === 7 && crm === 0)) return () => next;
    return undefined;
  },
  SYS(c, f, pc) {
    const key = `${f.op1}.${f.crn}.${f.crm}.${f.op2}`;
    const t = rz(f.rt), next = pc + 4;
    if (key === "3.7.4.1") {
      const zero = new Uint8Array(DC_ZVA_BYTES);
      const wt = c.mem.writeTlb;
      return () => {
        const a = addrOf(c, t);
        const z = a - (a % DC_ZVA_BYTES), pn = Math.floor(z / PAGE_SIZE), i = tlbSlot(pn);
        // The write TLB's page when it holds it (writable, no decoded code: what writeBytes would find), as the
        // translated code does; glibc's memset zeroes with dc zva, 64 bytes a call.
        if (wt.tag[i] === pn) wt.bytes[i]!.fill(0, z & (PAGE_SIZE - 1), (z & (PAGE_SIZE - 1)) + DC_ZVA_BYTES);
        else c.mem.writeBytes(z, zero);
        return next;
      };
    }
    // Cache maintenance is invisible here: writes already invalidate decoded code.
    if (key === "3.7.14.1" || key === "3.7.11.1" || key === "3.7.10.1" || key === "3.7.12.1" || key === "3.7.5.1") return () => next;
    return undefined;
  },
  SYSREG(c, f, pc) {
    const key = `${2 + f.o0}.${f.op1}.${f.crn}.${f.crm}.${f.op2}`;
    const t = f.rt, next = pc + 4;
    const L = c.L, H = c.H;
    const d = wz(t);
    if (f.L) {
      const read = SYSREG_READ[key];
      if (!read) return undefined;
      return () => { fromBig(read(c)); L[d] = tl; H[d] = th; return next; };
    }
    const write = SYSREG_WRITE[key];
    if (!write) return undefined;
    return () => { write(c, L[t]!, H[t]!); return next; };
  },

  // ------------------------------------------------------------ loads/stores
  LDST_UIMM(c, f, pc) {
    const { size, V, opc, imm12 } = f;
    const acc = accessor(c, size, V, opc, f.rt);
    if (!acc) return undefined;
    const scale = V && opc >= 2 ? 4 : size;
    const off = imm12 * 2 ** scale;
    const n = rs(f.rn), next = pc + 4, L = c.L, H = c.H, mem = c.mem;
    const t = f.rt;
    // Fast paths for the most common integer forms.
    if (!V && size === 3 && opc === 1) {
      const d = wz(t);
      return () => {
        const a = (H[n]! >>> 0) * TWO32 + (L[n]! >>> 0) + off;
        const lo = mem.read32(a), hi = mem.read32(a + 4);
        L[d] = lo; H[d] = hi;
        return next;
      };
    }
    if (!V && size === 3 && opc === 0) {
      return () => {
        const a = (H[n]! >>> 0) * TWO32 + (L[n]! >>> 0) + off;
        if ((a & 4095) > 4088) mem.checkWritable(a, 8);
        mem.write32(a, L[t]!); mem.write32(a + 4, H[t]!);
        return next;
      };
    }
    if (!V && size === 2 && opc === 1) {
      const d = wz(t);
      return () => { L[d] = mem.read32((H[n]! >>> 0) * TWO32 + (L[n]! >>> 0) + off); H[d] = 0; return next; };
    }
    if (!V && size === 0 && opc === 1) {
      const d = wz(t);
      return () => { L[d] = mem.read8((H[n]! >>> 0) * TWO32 + (L[n]! >>> 0) + off); H[d] = 0; return next; };
    }
    return () => { acc((H[n]! >>> 0) * TWO32 + (L[n]! >>> 0) + off); return next; };
  },
  LDST_IMM9(c, f, pc) {
    const { size, V, opc, idx } = f;
    if (idx === 2 && (V || isPrefetch(size, V, opc))) return undefined;
    const acc = accessor(c, size, V, opc, f.rt);
    if (!acc) return undefined;
    const off = f.imm, n = rs(f.rn), next = pc + 4;
    // idx 2 is ldtr/sttr: at EL0 the unprivileged access is an ordinary one.
    if (idx === 0 || idx === 2) return () => { acc(addrOf(c, n) + off); return next; };
    if (isPrefetch(size, V, opc)) return undefined;
    if (idx === 1) return () => { const a = addrOf(c, n); acc(a); setAddr(c, n, a + off); return next; };
    return () => { const a = addrOf(c, n) + off; acc(a); setAddr(c, n, a); return next; };
  },
  LDST_REGOFF(c, f, pc) {
    const { size, V, opc, option, S } = f;
    if ((option & 2) === 0) return undefined;
    const acc = accessor(c, size, V, opc, f.rt);
    if (!acc) return undefined;
    const scale = V && opc >= 2 ? 4 : size;
    const amt = S ? scale : 0;
    const n = rs(f.rn), m = rz(f.rm), next = pc + 4, L = c.L, H = c.H;
    const signed = (option & 4) !== 0, is64 = (option & 1) !== 0;
    // The index's high half after extension: the register's (UXTX/LSL, SXTX), the sign (SXTW) or 0 (UXTW).
    const ihi: () => number = is64 ? () => H[m]! : signed ? () => L[m]! >> 31 : () => 0;
    const ea = () => regOffsetAddress(L[n]!, H[n]!, L[m]!, ihi(), amt);
    if (!V && opc <= 1 && size !== 3) {
      // Hot forms (ldrb/strb/ldrh/ldr w/str w) inline, without the accessor call.
      const t = f.rt, d = wz(t), mem = c.mem;
      if (opc === 1) {
        if (size === 0) return () => { L[d] = mem.read8(ea()); H[d] = 0; return next; };
        if (size === 1) return () => { L[d] = mem.read16(ea()); H[d] = 0; return next; };
        return () => { L[d] = mem.read32(ea()); H[d] = 0; return next; };
      }
      if (size === 0) return () => { mem.write8(ea(), L[t]! & 0xff); return next; };
    }
    return () => { acc(ea()); return next; };
  },
  LDR_LIT(c, f, pc) {
    const { opc, V } = f;
    const a = pc + f.off, next = pc + 4;
    if (!V && opc === 3) return () => next; // prfm literal
    const acc = V ? accessor(c, opc === 2 ? 0 : opc + 2, 1, opc === 2 ? 3 : 1, f.rt) : accessor(c, opc === 0 ? 2 : opc === 1 ? 3 : 2, 0, opc === 2 ? 2 : 1, f.rt);
    if (!acc) return undefined;
    return () => { acc(a); return next; };
  },
  LDSTP(c, f, pc) {
    const { opc, V, mode, L: load, imm } = f;
    let bytes: number;
    if (V) { if (opc === 3) return undefined; bytes = 4 << opc; }
    else { if (opc === 3 || (opc === 1 && (!load || mode === 0))) return undefined; bytes = opc === 2 ? 8 : 4; }
    const off = imm * bytes, n = rs(f.rn), next = pc + 4;
    const t1 = f.rt, t2 = f.rt2;
    const L = c.L, H = c.H, mem = c.mem;
    let access: (a: number) => void;
    if (!V && bytes === 8) {
      const d1 = wz(t1), d2 = wz(t2);
      access = load
        ? (a) => { const l1 = mem.read32(a), h1 = mem.read32(a + 4), l2 = mem.read32(a + 8), h2 = mem.read32(a + 12); L[d1] = l1; H[d1] = h1; L[d2] = l2; H[d2] = h2; }
        : (a) => { if ((a & 4095) > 4080) mem.checkWritable(a, 16); mem.write32(a, L[t1]!); mem.write32(a + 4, H[t1]!); mem.write32(a + 8, L[t2]!); mem.write32(a + 12, H[t2]!); };
    } else if (!V) {
      const d1 = wz(t1), d2 = wz(t2), sx = opc === 1;
      access = load
        ? (a) => { const v1 = mem.read32(a) | 0, v2 = mem.read32(a + 4) | 0; L[d1] = v1; H[d1] = sx ? v1 >> 31 : 0; L[d2] = v2; H[d2] = sx ? v2 >> 31 : 0; }
        : (a) => { if ((a & 4095) > 4088) mem.checkWritable(a, 8); mem.write32(a, L[t1]!); mem.write32(a + 4, L[t2]!); };
    } else {
      const words = bytes / 4, vw = c.vw;
      access = load
        ? (a) => {
            const tmp = pairTmp;
            for (let i = 0; i < words * 2; i++) tmp[i] = mem.read32(a + i * 4);
            for (let i = 0; i < 4; i++) { vw[t1 * 4 + i] = i < words ? tmp[i]! : 0; vw[t2 * 4 + i] = i < words ? tmp[words + i]! : 0; }
          }
        : (a) => {
            if ((a & 4095) > 4096 - 2 * bytes) mem.checkWritable(a, 2 * bytes);
            for (let i = 0; i < words; i++) { mem.write32(a + i * 4, vw[t1 * 4 + i]!); mem.write32(a + bytes + i * 4, vw[t2 * 4 + i]!); }
          };
    }
    if (mode === 0 || mode === 2) return () => { access(addrOf(c, n) + off); return next; };
    if (mode === 1) return () => { const a = addrOf(c, n); access(a); setAddr(c, n, a + off); return next; };
    return () => { const a = addrOf(c, n) + off; access(a); setAddr(c, n, a); return next; };
  },
  LDST_EXCL(c, f, pc) {
    const { size, o2, L: load, o1, rs: s, o0, rt2 } = f;
    if (o1 && !o2) return exclusivePair(c, f, pc);
    if (o1 || rt2 !== 31) return undefined; // CAS (LSE) is not implemented
    const n = rs(f.rn), t = f.rt, next = pc + 4, bytes = 1 << size;
    const L = c.L, H = c.H, mem = c.mem;
    const d = wz(t);
    const read = (a: number) => {
      if (size === 3) { tl = mem.read32(a); th = mem.read32(a + 4); }
      else { tl = size === 2 ? mem.read32(a) : size === 1 ? mem.read16(a) : mem.read8(a); th = 0; }
    };
    const write = (a: number) => {
      if (size === 3) { mem.write32(a, L[t]!); mem.write32(a + 4, H[t]!); }
      else if (size === 2) mem.write32(a, L[t]!);
      else if (size === 1) mem.write16(a, L[t]! & 0xffff);
      else mem.write8(a, L[t]! & 0xff);
    };
    const aligned = (a: number) => a % bytes === 0;
    if (o2) {
      if (!o0 || s !== 31) return undefined; // ldlar/stllr (LORegions) not implemented
      if (load) return () => { const a = addrOf(c, n); if (!aligned(a)) return trap(c, { kind: "alignment", pc, addr: a }); read(a); L[d] = tl; H[d] = th; return next; };
      return () => { const a = addrOf(c, n); if (!aligned(a)) return trap(c, { kind: "alignment", pc, addr: a }); write(a); return next; };
    }
    if (load) {
      if (s !== 31) return undefined;
      return () => {
        const a = addrOf(c, n);
        if (!aligned(a)) return trap(c, { kind: "alignment", pc, addr: a });
        read(a);
        c.exAddr = a; c.exLo = tl; c.exHi = th;
        L[d] = tl; H[d] = th;
        return next;
      };
    }
    const st = wz(s);
    return () => {
      const a = addrOf(c, n);
      if (!aligned(a)) return trap(c, { kind: "alignment", pc, addr: a });
      // The monitor holds if nothing changed the location since the load-exclusive
      // (a value comparison, as QEMU does: threads here interleave only between runs).
      let ok = c.exAddr === a;
      if (ok) { mem.checkWritable(a, bytes); read(a); ok = tl === c.exLo && th === c.exHi; }
      if (ok) write(a);
      c.exAddr = -1;
      L[st] = ok ? 0 : 1; H[st] = 0;
      return next;
    };
  },
  LDST_MULT: (c, f, pc) => ldstMult(c, f, pc, undefined),
  LDST_MULT_POST: (c, f, pc) => ldstMult(c, f, pc, f.rm),

  // ------------------------------------------------------------ register DP
  LOGIC_SREG(c, f, pc) {
    const { sf, opc, shift, N, imm6 } = f;
    if (!sf && imm6 >= 32) return undefined;
    const n = rz(f.rn), m = rz(f.rm), d = wz(f.rd), next = pc + 4;
    const L = c.L, H = c.H;
    const inv = N ? -1 : 0;
    if (!sf) {
      const op = (a: number, b: number) => (opc === 0 || opc === 3 ? a & b : opc === 1 ? a | b : a ^ b);
      if (opc === 1 && N === 0 && imm6 === 0 && shift === 0) {
        if (n === 31) return () => { L[d] = L[m]!; H[d] = 0; return next; };
        return () => { L[d] = L[n]! | L[m]!; H[d] = 0; return next; };
      }
      return () => {
        const r = op(L[n]!, shift32(L[m]!, shift, imm6) ^ inv);
        L[d] = r; H[d] = 0;
        if (opc === 3) { c.fN = r < 0 ? 1 : 0; c.fZ = r === 0 ? 1 : 0; c.fC = 0; c.fV = 0; }
        return next;
      };
    }
    if (imm6 === 0 && N === 0) {
      switch (opc) {
        case 0: return () => { L[d] = L[n]! & L[m]!; H[d] = H[n]! & H[m]!; return next; };
        case 1: return n === 31 ? () => { L[d] = L[m]!; H[d] = H[m]!; return next; } : () => { L[d] = L[n]! | L[m]!; H[d] = H[n]! | H[m]!; return next; };
        case 2: return () => { L[d] = L[n]! ^ L[m]!; H[d] = H[n]! ^ H[m]!; return next; };
        default: break;
      }
    }
    if (shift !== 3 && imm6 > 0 && imm6 < 32 && N === 0 && opc !== 3) {
      // Constant lsl/lsr/asr below 32 inline (xorshift-style code lives on these).
      const s1 = imm6, s2 = 32 - imm6;
      const opf = opc === 0 ? 0 : opc === 1 ? 1 : 2;
      return () => {
        const ml = L[m]!, mh = H[m]!;
        let bl: number, bh: number;
        if (shift === 0) { bl = ml << s1; bh = (mh << s1) | (ml >>> s2); }
        else if (shift === 1) { bl = (ml >>> s1) | (mh << s2); bh = mh >>> s1; }
        else { bl = (ml >>> s1) | (mh << s2); bh = mh >> s1; }
        if (opf === 2) { L[d] = L[n]! ^ bl; H[d] = H[n]! ^ bh; }
        else if (opf === 1) { L[d] = L[n]! | bl; H[d] = H[n]! | bh; }
        else { L[d] = L[n]! & bl; H[d] = H[n]! & bh; }
        return next;
      };
    }
    const sh = SHIFT64[shift]!;
    return () => {
      sh(L[m]!, H[m]!, imm6);
      const bl = tl ^ inv, bh = th ^ inv;
      let rl: number, rh: number;
      if (opc === 0 || opc === 3) { rl = L[n]! & bl; rh = H[n]! & bh; }
      else if (opc === 1) { rl = L[n]! | bl; rh = H[n]! | bh; }
      else { rl = L[n]! ^ bl; rh = H[n]! ^ bh; }
      L[d] = rl; H[d] = rh;
      if (opc === 3) { c.fN = rh < 0 ? 1 : 0; c.fZ = (rl | rh) === 0 ? 1 : 0; c.fC = 0; c.fV = 0; }
      return next;
    };
  },
  ADDSUB_SREG(c, f, pc) {
    const { sf, op, S, shift, imm6 } = f;
    if (shift === 3 || (!sf && imm6 >= 32)) return undefined;
    const n = rz(f.rn), m = rz(f.rm), d = wz(f.rd), next = pc + 4;
    return addSubReg(c, sf, op, S, n, d, next, sf ? (lo, hi) => SHIFT64[shift]!(lo, hi, imm6) : undefined, (v) => shift32(v, shift, imm6), m, imm6 === 0);
  },
  ADDSUB_EREG(c, f, pc) {
    const { sf, op, S, opt, option, imm3 } = f;
    if (opt !== 0 || imm3 > 4) return undefined;
    const n = rs(f.rn), m = rz(f.rm), d = S ? wz(f.rd) : rs(f.rd), next = pc + 4;
    const ext64 = (lo: number, hi: number) => {
      extend(lo, hi, option);
      shl64(tl, th, imm3);
    };
    const ext32 = (v: number) => { extend(v, 0, option); return tl << imm3; };
    return addSubReg(c, sf, op, S, n, d, next, ext64, ext32, m, false);
  },
  ADC(c, f, pc) {
    const { sf, op, S } = f;
    const n = rz(f.rn), m = rz(f.rm), d = wz(f.rd), next = pc + 4, L = c.L, H = c.H;
    const inv = op ? -1 : 0;
    if (sf) {
      return () => {
        const fl = c.fN, fz = c.fZ, fc = c.fC, fv = c.fV;
        adc64Flags(c, L[n]!, H[n]!, L[m]! ^ inv, H[m]! ^ inv, fc);
        if (!S) { c.fN = fl; c.fZ = fz; c.fC = fc; c.fV = fv; }
        L[d] = tl; H[d] = th;
        return next;
      };
    }
    return () => {
      const fl = c.fN, fz = c.fZ, fc = c.fC, fv = c.fV;
      const r = adc32Flags(c, L[n]!, L[m]! ^ inv, fc);
      if (!S) { c.fN = fl; c.fZ = fz; c.fC = fc; c.fV = fv; }
      L[d] = r; H[d] = 0;
      return next;
    };
  },
  CCMP(c, f, pc) {
    const { sf, op, cond, i, nzcv } = f;
    const n = rz(f.rn), m = f.rm, next = pc + 4, L = c.L, H = c.H;
    const imm = i === 1;
    return () => {
      if (holds(c, cond)) {
        const bl = imm ? m : L[m]!, bh = imm ? 0 : H[m]!;
        if (sf) adc64Flags(c, L[n]!, H[n]!, op ? ~bl : bl, op ? ~bh : bh, op);
        else adc32Flags(c, L[n]!, op ? ~bl : bl, op);
      } else c.nzcv = nzcv;
      return next;
    };
  },
  CSEL(c, f, pc) {
    const { sf, op, S, cond, o2 } = f;
    if (S) return undefined;
    const n = rz(f.rn), m = rz(f.rm), d = wz(f.rd), next = pc + 4, L = c.L, H = c.H;
    if (!op && !o2) return () => { const s = holds(c, cond) ? n : m; L[d] = L[s]!; H[d] = sf ? H[s]! : 0; return next; };
    return () => {
      if (holds(c, cond)) { L[d] = L[n]!; H[d] = sf ? H[n]! : 0; return next; }
      let lo = L[m]!, hi = sf ? H[m]! : 0;
      if (op) { lo = ~lo; hi = sf ? ~hi : 0; }
      if (o2) { const l = (lo >>> 0) + 1; lo = l | 0; if (sf && l > 0xffffffff) hi = (hi + 1) | 0; }
      L[d] = lo; H[d] = hi;
      return next;
    };
  },
  DP2(c, f, pc) {
    const { sf, S, opcode } = f;
    if (S) return undefined;
    const n = rz(f.rn), m = rz(f.rm), d = wz(f.rd), next = pc + 4, L = c.L, H = c.H;
    if (opcode >= 8 && opcode <= 11) {
      const t = opcode - 8;
      if (!sf) return () => { L[d] = shift32(L[n]!, t, L[m]! & 31); H[d] = 0; return next; };
      const sh = SHIFT64[t]!;
      return () => { sh(L[n]!, H[n]!, L[m]! & 63); L[d] = tl; H[d] = th; return next; };
    }
    if (opcode === 2) {
      // udiv: x/0 = 0 (A64 never traps on division).
      if (!sf) return () => { const b = L[m]! >>> 0; L[d] = b === 0 ? 0 : Math.floor((L[n]! >>> 0) / b); H[d] = 0; return next; };
      return () => {
        if (H[n] === 0 && H[m] === 0) { const b = L[m]! >>> 0; L[d] = b === 0 ? 0 : Math.floor((L[n]! >>> 0) / b); H[d] = 0; return next; }
        const b = big(L[m]!, H[m]!);
        fromBig(b === 0n ? 0n : big(L[n]!, H[n]!) / b);
        L[d] = tl; H[d] = th;
        return next;
      };
    }
    if (opcode === 3) {
      // sdiv: x/0 = 0, INT_MIN / -1 = INT_MIN (wraps).
      if (!sf) return () => { const b = L[m]!; L[d] = b === 0 ? 0 : Math.trunc(L[n]! / b); H[d] = 0; return next; };
      return () => {
        const b = sbig(L[m]!, H[m]!);
        fromBig(b === 0n ? 0n : BigInt.asIntN(64, sbig(L[n]!, H[n]!) / b));
        L[d] = tl; H[d] = th;
        return next;
      };
    }
    return undefined;
  },
  DP1(c, f, pc) {
    const { sf, S, opcode2, opcode } = f;
    if (S || opcode2) return undefined;
    const n = rz(f.rn), d = wz(f.rd), next = pc + 4, L = c.L, H = c.H;
    const set = (lo: number, hi: number) => { L[d] = lo; H[d] = hi; return next; };
    if (!sf) {
      switch (opcode) {
        case 0: return () => set(rbit32(L[n]!), 0);
        case 1: return () => set(rev16(L[n]!), 0);
        case 2: return () => set(bswap32(L[n]!), 0);
        case 4: return () => set(Math.clz32(L[n]!), 0);
        case 5: return () => { const v = L[n]!; return set(Math.clz32(v ^ (v >> 31)) - 1, 0); };
        default: return undefined;
      }
    }
    switch (opcode) {
      case 0: return () => set(rbit32(H[n]!), rbit32(L[n]!));
      case 1: return () => set(rev16(L[n]!), rev16(H[n]!));
      case 2: return () => set(bswap32(L[n]!), bswap32(H[n]!));
      case 3: return () => set(bswap32(H[n]!), bswap32(L[n]!));
      case 4: return () => set(clz64(L[n]!, H[n]!), 0);
      case 5: return () => { const s = H[n]! >> 31; return set(clz64(L[n]! ^ s, H[n]! ^ s) - 1, 0); };
      default: return undefined;
    }
  },
  DP3(c, f, pc) {
    const { sf, op54, op31, o0 } = f;
    if (op54) return undefined;
    const n = rz(f.rn), m = rz(f.rm), a = rz(f.ra), d = wz(f.rd), next = pc + 4, L = c.L, H = c.H;
    if (op31 === 0) {
      if (!sf) return () => { const p = Math.imul(L[n]!, L[m]!); L[d] = o0 ? L[a]! - p : L[a]! + p; H[d] = 0; return next; };
      return () => {
        mul64(L[n]!, H[n]!, L[m]!, H[m]!);
        let pl = tl, ph = th;
        if (o0) { pl = ~pl; ph = ~ph; const l = (pl >>> 0) + 1; pl = l | 0; if (l > 0xffffffff) ph = (ph + 1) | 0; }
        const l = (L[a]! >>> 0) + (pl >>> 0);
        L[d] = l; H[d] = H[a]! + ph + (l > 0xffffffff ? 1 : 0);
        return next;
      };
    }
    if (!sf) return undefined;
    if (op31 === 1 || op31 === 5) {
      const uns = op31 === 5;
      return () => {
        const x = L[n]!, y = L[m]!;
        // 32×32 → 64 product, then ± Xa.
        let pl = Math.imul(x, y), ph: number;
        if (uns) ph = mulhu32(x >>> 0, y >>> 0) | 0;
        else ph = (mulhu32(x >>> 0, y >>> 0) - (x < 0 ? y : 0) - (y < 0 ? x : 0)) | 0;
        if (o0) { pl = ~pl; ph = ~ph; const l = (pl >>> 0) + 1; pl = l | 0; if (l > 0xffffffff) ph = (ph + 1) | 0; }
        const l = (L[a]! >>> 0) + (pl >>> 0);
        L[d] = l; H[d] = H[a]! + ph + (l > 0xffffffff ? 1 : 0);
        return next;
      };
    }
    if ((op31 === 2 || op31 === 6) && !o0) {
      const uns = op31 === 6;
      return () => {
        const p = uns ? big(L[n]!, H[n]!) * big(L[m]!, H[m]!) : sbig(L[n]!, H[n]!) * sbig(L[m]!, H[m]!);
        fromBig(BigInt.asUintN(64, p >> 64n));
        L[d] = tl; H[d] = th;
        return next;
      };
    }
    return undefined;
  },
} satisfies Partial<Compilers>;

/** ldxp/ldaxp/stxp/stlxp: 2×32 or 2×64-bit exclusive pairs; the monitor compares the whole pair. */
function exclusivePair(c: Arm64Cpu, f: FieldMap["LDST_EXCL"], pc: number): Handler | undefined {
  const { size, L: load, rs: s, rt2 } = f;
  if (size < 2 || (load && s !== 31)) return undefined;
  const n = rs(f.rn), t = f.rt, next = pc + 4, wide = size === 3, bytes = wide ? 16 : 8;
  const L = c.L, H = c.H, mem = c.mem;
  const words = new Uint32Array(4);
  const read = (a: number) => { for (let i = 0; i < bytes / 4; i++) words[i] = mem.read32(a + 4 * i); };
  return () => {
    const a = addrOf(c, n);
    if (a % bytes !== 0) return trap(c, { kind: "alignment", pc, addr: a });
    if (load) {
      read(a);
      c.exAddr = a;
      c.exPair.set(words); // stxp re-reads and compares every word
      const d1 = wz(t), d2 = wz(rt2);
      if (wide) { L[d1] = words[0]!; H[d1] = words[1]!; L[d2] = words[2]!; H[d2] = words[3]!; }
      else { L[d1] = words[0]!; H[d1] = 0; L[d2] = words[1]!; H[d2] = 0; }
      return next;
    }
    let ok = c.exAddr === a;
    if (ok) {
      mem.checkWritable(a, bytes);
      read(a);
      for (let i = 0; i < bytes / 4; i++) if (words[i] !== c.exPair[i]) ok = false;
    }
    if (ok) {
      if (wide) { mem.write32(a, L[t]!); mem.write32(a + 4, H[t]!); mem.write32(a + 8, L[rt2]!); mem.write32(a + 12, H[rt2]!); }
      else { mem.write32(a, L[t]!); mem.write32(a + 4, L[rt2]!); }
    }
    c.exAddr = -1;
    const st = wz(s);
    L[st] = ok ? 0 : 1; H[st] = 0;
    return next;
  };
}

/** Extend (option 0..7: uxtb..sxtx) a register value into tl/th. */
function extend(lo: number, hi: number, option: number): void {
  switch (option) {
    case 0: tl = lo & 0xff; th = 0; break;
    case 1: tl = lo & 0xffff; th = 0; break;
    case 2: tl = lo; th = 0; break;
    case 3: tl = lo; th = hi; break;
    case 4: tl = (lo << 24) >> 24; th = tl >> 31; break;
    case 5: tl = (lo << 16) >> 16; th = tl >> 31; break;
    case 6: tl = lo; th = lo >> 31; break;
    default: tl = lo; th = hi; break;
  }
}

function addSubReg(
  c: Arm64Cpu, sf: number, op: number, S: number, n: number, d: number, next: number,
  op64: ((lo: number, hi: number) => void) | undefined, op32: (v: number) => number, m: number, plain: boolean,
): Handler {
  const L = c.L, H = c.H;
  if (sf) {
    const o = op64!;
    if (plain && !S) {
      if (!op) return () => { const l = (L[n]! >>> 0) + (L[m]! >>> 0); L[d] = l; H[d] = H[n]! + H[m]! + (l > 0xffffffff ? 1 : 0); return next; };
      return () => { const l = (L[n]! >>> 0) - (L[m]! >>> 0); L[d] = l; H[d] = H[n]! - H[m]! - (l < 0 ? 1 : 0); return next; };
    }
    if (plain) {
      if (op) return () => { adc64Flags(c, L[n]!, H[n]!, ~L[m]!, ~H[m]!, 1); L[d] = tl; H[d] = th; return next; };
      return () => { adc64Flags(c, L[n]!, H[n]!, L[m]!, H[m]!, 0); L[d] = tl; H[d] = th; return next; };
    }
    return () => {
      o(L[m]!, H[m]!);
      let bl = tl, bh = th;
      if (op) { bl = ~bl; bh = ~bh; }
      if (S) { adc64Flags(c, L[n]!, H[n]!, bl, bh, op); L[d] = tl; H[d] = th; }
      else { const l = (L[n]! >>> 0) + (bl >>> 0) + op; L[d] = l; H[d] = H[n]! + bh + (l > 0xffffffff ? 1 : 0); }
      return next;
    };
  }
  if (!S) {
    if (op) return () => { L[d] = L[n]! - op32(L[m]!); H[d] = 0; return next; };
    return () => { L[d] = L[n]! + op32(L[m]!); H[d] = 0; return next; };
  }
  return () => { L[d] = adc32Flags(c, L[n]!, op ? ~op32(L[m]!) : op32(L[m]!), op); H[d] = 0; return next; };
}

// ------------------------------------------------------------ memory access

function isPrefetch(size: number, V: number, opc: number): boolean {
  return !V && size === 3 && opc === 2;
}
const pairTmp = new Uint32Array(8);

/**
 * A load/store of one register at an address: size (0..3), V (SIMD&FP), opc
 * (0 store, 1 load, 2/3 sign-extending loads, or the 128-bit SIMD forms).
 * Loads read everything before writing the register, so a fault has no effect.
 */
function accessor(c: Arm64Cpu, size: number, V: number, opc: number, t: number): ((a: number) => void) | undefined {
  const mem: GuestMemory = c.mem, L = c.L, H = c.H;
  if (V) {
    const vw = c.vw, vh = c.vh, vb = c.vb, base = t * 4;
    const load = (opc & 1) === 1;
    if (opc >= 2) {
      if (size !== 0) return undefined;
      return load
        ? (a) => { const w0 = mem.read32(a), w1 = mem.read32(a + 4), w2 = mem.read32(a + 8), w3 = mem.read32(a + 12); vw[base] = w0; vw[base + 1] = w1; vw[base + 2] = w2; vw[base + 3] = w3; }
        : (a) => { if ((a & 4095) > 4080) mem.checkWritable(a, 16); for (let i = 0; i < 4; i++) mem.write32(a + 4 * i, vw[base + i]!); };
    }
    const zero = (from: number) => { for (let i = from; i < 4; i++) vw[base + i] = 0; };
    switch (size) {
      case 0: return load ? (a) => { const v = mem.read8(a); zero(0); vb[t * 16] = v; } : (a) => mem.write8(a, vb[t * 16]!);
      case 1: return load ? (a) => { const v = mem.read16(a); zero(0); vh[t * 8] = v; } : (a) => mem.write16(a, vh[t * 8]!);
      case 2: return load ? (a) => { const v = mem.read32(a); vw[base] = v; zero(1); } : (a) => mem.write32(a, vw[base]!);
      default:
        return load
          ? (a) => { const w0 = mem.read32(a), w1 = mem.read32(a + 4); vw[base] = w0; vw[base + 1] = w1; zero(2); }
          : (a) => { if ((a & 4095) > 4088) mem.checkWritable(a, 8); mem.write32(a, vw[base]!); mem.write32(a + 4, vw[base + 1]!); };
    }
  }
  const d = wz(t);
  if (opc === 0) {
    switch (size) {
      case 0: return (a) => mem.write8(a, L[t]! & 0xff);
      case 1: return (a) => mem.write16(a, L[t]! & 0xffff);
      case 2: return (a) => mem.write32(a, L[t]!);
      default: return (a) => { if ((a & 4095) > 4088) mem.checkWritable(a, 8); mem.write32(a, L[t]!); mem.write32(a + 4, H[t]!); };
    }
  }
  if (opc === 1) {
    switch (size) {
      case 0: return (a) => { L[d] = mem.read8(a); H[d] = 0; };
      case 1: return (a) => { L[d] = mem.read16(a); H[d] = 0; };
      case 2: return (a) => { L[d] = mem.read32(a); H[d] = 0; };
      default: return (a) => { const lo = mem.read32(a), hi = mem.read32(a + 4); L[d] = lo; H[d] = hi; };
    }
  }
  if (size === 3) return opc === 2 ? () => {} : undefined; // prfm: a hint, never faults
  if (size === 2 && opc === 3) return undefined;
  const to64 = opc === 2;
  const sh = size === 0 ? 24 : size === 1 ? 16 : 0;
  const rd = size === 0 ? (a: number) => mem.read8(a) : size === 1 ? (a: number) => mem.read16(a) : (a: number) => mem.read32(a);
  return (a) => { const v = (rd(a) << sh) >> sh; L[d] = v; H[d] = to64 ? v >> 31 : 0; };
}

/** ld1-4/st1-4; `rm` is the post-index register (31: by the transfer size), undefined without writeback. */
function ldstMult(c: Arm64Cpu, f: FieldMap["LDST_MULT"], pc: number, rm: number | undefined): Handler | undefined {
  const { Q, L: load, opcode, size } = f;
  const op = MULT_OPCODES[opcode];
  if (!op) return undefined;
  const [regs, sel] = op;
  if (size === 3 && !Q && sel !== 1) return undefined;
  const n = rs(f.rn), t = f.rt, next = pc + 4, mem = c.mem, vb = c.vb;
  const ebytes = 1 << size, lanes = (Q ? 16 : 8) / ebytes, total = regs * (Q ? 16 : 8);
  const buf = new Uint8Array(total);
  return () => {
    const a = addrOf(c, n);
    // Element e of structure s lives at a + (e*sel + k)*ebytes for register k of the structure.
    if (load) {
      for (let i = 0; i < total; i++) buf[i] = mem.read8(a + i);
      for (let r = 0; r < regs; r++) {
        const reg = (t + r) % 32;
        if (!Q) for (let i = 8; i < 16; i++) vb[reg * 16 + i] = 0;
      }
      for (let e = 0; e < lanes * regs; e++) {
        const k = e % sel, lane = Math.floor(e / sel) % lanes, group = Math.floor(e / (sel * lanes));
        const reg = (t + group * sel + k) % 32;
        for (let b = 0; b < ebytes; b++) vb[reg * 16 + lane * ebytes + b] = buf[e * ebytes + b]!;
      }
    } else {
      for (let e = 0; e < lanes * regs; e++) {
        const k = e % sel, lane = Math.floor(e / sel) % lanes, group = Math.floor(e / (sel * lanes));
        const reg = (t + group * sel + k) % 32;
        for (let b = 0; b < ebytes; b++) buf[e * ebytes + b] = vb[reg * 16 + lane * ebytes + b]!;
      }
      mem.writeBytes(a, buf);
    }
    if (rm !== undefined) setAddr(c, n, a + (rm === 31 ? total : addrOf(c, rm)));
    return next;
  };
}

// ------------------------------------------------------------ system registers

const SYSREG_READ: Record<string, (c: Arm64Cpu) => bigint> = {
  "3.3.13.0.2": (c) => c.tlsBase,
  "3.3.13.0.3": () => 0n, // TPIDRRO_EL0: Linux keeps it 0 for native tasks; EL0 cannot write it
  "3.3.4.2.0": (c) => BigInt(c.nzcv) << 28n,
  "3.3.4.4.0": (c) => BigInt(c.fpcr >>> 0),
  "3.3.4.4.1": (c) => BigInt(c.fpsr >>> 0),
  "3.3.0.0.1": () => CTR_EL0,
  "3.3.0.0.7": () => DCZID_EL0,
  "3.0.0.0.0": () => MIDR_EL1,
  "3.3.14.0.2": (c) => BigInt.asUintN(64, c.counterFn()),
  "3.3.14.0.0": (c) => BigInt(c.counterFrequency),
};
const SYSREG_WRITE: Record<string, (c: Arm64Cpu, lo: number, hi: number) => void> = {
  "3.3.13.0.2": (c, lo, hi) => { c.tpLo = lo; c.tpHi = hi; },
  "3.3.4.2.0": (c, lo) => { c.nzcv = (lo >>> 28) & 15; },
  // FPCR keeps only its defined control bits (AHP, DN, FZ, RMode, FZ16, IDE…IOE); FPSR its status bits.
  "3.3.4.4.0": (c, lo) => { c.fpcr = lo & 0x07f79f00; },
  "3.3.4.4.1": (c, lo) => { c.fpsr = lo & 0xf800009f; },
};

// ------------------------------------------------------------ entry point

/** Every row has a compiler: the type checker rejects a table that misses one. */
const ALL: Compilers = { ...C, ...FP_SIMD, ...SCALAR };

/** The row's compiler on the row's fields (generic in N so the pair type-checks without a cast). */
function compileDecoded<N extends RowName>(c: Arm64Cpu, d: Decoded<N>, pc: number): Handler | undefined {
  const comp: Compilers[N] = ALL[d.row.name];
  return comp(c, d.f, pc);
}

/** Compile one instruction word at `pc` into a handler (an `undefined` trap for unallocated/unsupported words). */
export function compileInstruction(c: Arm64Cpu, word: number, pc: number): Handler {
  const d = decode(word);
  let h: Handler | undefined;
  let detail = "unallocated encoding";
  if (d) {
    h = compileDecoded(c, d, pc);
    if (!h) detail = `unallocated or unimplemented ${d.row.name}`;
  }
  if (h) return h;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, word >>> 0, true);
  return () => trap(c, { kind: "undefined", pc, bytes, detail });
}

