/**
 * Shared constants and the handler registry: ops-*.ts modules register a
 * factory per table key; the CPU links them to table rows once.
 */
import type { Trap } from "@uabi/isa-core";
import type { Insn } from "./decode.js";
import { allDefs, type OpDef } from "./tables.js";
import type { X86Cpu } from "./cpu.js";

// Lazy flag operations.
export const FL_EAGER = 0;
export const FL_ADD = 1;
export const FL_ADC = 2;
export const FL_SUB = 3;
export const FL_SBB = 4;
export const FL_LOGIC = 5;
export const FL_INC = 6;
export const FL_DEC = 7;

export const CF = 1;
export const PF = 4;
export const AF = 16;
export const ZF = 64;
export const SF = 128;
export const TF = 256;
export const IF = 512;
export const DF = 1024;
export const OF = 2048;
export const STATUS = CF | PF | AF | ZF | SF | OF;
/** RFLAGS bits user code can change with popf: status, DF, TF, AC (18), ID (21). */
export const USER_WRITABLE = STATUS | DF | TF | (1 << 18) | (1 << 21);

export const PARITY = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let n = 0;
  for (let b = v; b; b >>= 1) n ^= b & 1;
  PARITY[v] = n ? 0 : 1;
}


/** Thrown by handlers to stop with a trap (rare paths only: faults use GuestMemoryFault). */
export class TrapSignal {
  constructor(readonly trap: Trap) {}
}

// ------------------------------------------------------------------ linking

export type HandlerFactory = (d: OpDef, form: string) => ((cpu: X86Cpu, i: Insn) => void) | undefined;
const factories = new Map<string, HandlerFactory>();

/** Register the handler factory for a table key (ops-*.ts modules call this at load). */
export function defineOp(keys: string | string[], f: HandlerFactory): void {
  for (const k of Array.isArray(keys) ? keys : [keys]) factories.set(k, f);
}

/** Operand shape used to pick a handler: E (r/m, Z, moffs, accumulator-as-E), G, I, C (cl), 1, ... */
export function formOf(d: OpDef): string {
  let s = "";
  for (const o of d.ops) {
    const c = o[0]!;
    if (c === "E" || c === "Z" || c === "O" || c === "M") s += "E";
    else if (c === "A" && o !== "AXw") s += d.ops.some((x) => /^[EZOMXY]/.test(x)) ? "G" : "E";
    else if (c === "G") s += "G";
    else if (c === "I") s += "I";
    else if (o === "CL") s += "C";
    else if (o === "1") s += "1";
    else s += c;
  }
  return s;
}

export type SpecialFactory = (d: OpDef, form: string) => ((insn: Insn) => ((cpu: X86Cpu, i: Insn) => void) | undefined) | undefined;
const specials = new Map<string, SpecialFactory>();
/** Register per-instruction fast paths for a table key (chosen at decode time from the operands). */
export function defineSpecial(keys: string | string[], f: SpecialFactory): void {
  for (const k of Array.isArray(keys) ? keys : [keys]) {
    const prev = specials.get(k);
    // Several fast-path families may cover one key: the first that accepts the instruction wins.
    specials.set(k, prev ? (d, form) => {
      const a = prev(d, form);
      const b = f(d, form);
      if (!a) return b;
      if (!b) return a;
      return (insn) => a(insn) ?? b(insn);
    } : f);
  }
}

let linked = false;
/** Attach handlers to every table row (idempotent). Rows without a handler decode but trap as undefined. */
export function linkHandlers(): void {
  if (linked) return;
  linked = true;
  for (const d of allDefs()) {
    const f = factories.get(d.key);
    d.exec = f ? f(d, formOf(d)) : undefined;
    const sp = specials.get(d.key);
    d.special = sp ? sp(d, formOf(d)) : undefined;
  }
}
