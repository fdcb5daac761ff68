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
/** Result-based flags with CF in fcin and OF in fs, AF clear (shifts by a constant, from the translating tier). */
export const FL_RES = 8;
/** imul: SF/ZF/PF from the result, CF = OF = signed overflow of fd:fdh × fs:fsh at fsz, AF clear (translating tier). */
export const FL_IMUL = 9;

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

export type Handler = (cpu: X86Cpu, i: Insn) => void;
export type HandlerFactory = (d: OpDef, form: string) => Handler | undefined;
export type SpecialFactory = (d: OpDef, form: string) => ((insn: Insn) => Handler | undefined) | undefined;

/**
 * The handlers one ops module contributes, by table key. Each ops-*.ts module exports its set and the CPU
 * links the sets it imports by name (cpu.ts), so a bundler honouring `"sideEffects": false` keeps them:
 * nothing depends on a module being imported only for what its loading does.
 */
export class OpSet {
  readonly factories = new Map<string, HandlerFactory>();
  readonly specials = new Map<string, SpecialFactory[]>();
  constructor(readonly name: string) {}

  /** The handler factory for table keys (one per key and set). */
  op(keys: string | string[], f: HandlerFactory): void {
    for (const k of Array.isArray(keys) ? keys : [keys]) {
      if (this.factories.has(k)) throw new Error(`${this.name}: handler for ${k} defined twice`);
      this.factories.set(k, f);
    }
  }

  /** Per-instruction fast paths for table keys (chosen at decode time from the operands). */
  special(keys: string | string[], f: SpecialFactory): void {
    for (const k of Array.isArray(keys) ? keys : [keys]) {
      const list = this.specials.get(k);
      if (list) list.push(f);
      else this.specials.set(k, [f]);
    }
  }
}

/** Operand shape used to pick a handler: E (r/m, Z, moffs, accumulator-as-E), G, I, C (cl), 1, ... */
export function formOf(d: OpDef): string {
  let s = "";
  for (const o of d.ops) {
    const c = o[0];
    if (c === "E" || c === "Z" || c === "O" || c === "M") s += "E";
    else if (c === "A" && o !== "AXw") s += d.ops.some((x) => /^[EZOMXY]/.test(x)) ? "G" : "E";
    else if (c === "G") s += "G";
    else if (c === "I") s += "I";
    else if (o === "CL") s += "C";
    else if (o === "1") s += "1";
    else s += c ?? "";
  }
  return s;
}

/** Several fast-path families may cover one key: the first (in set order) that accepts the instruction wins. */
function composeSpecials(list: readonly SpecialFactory[], d: OpDef, form: string): ((insn: Insn) => Handler | undefined) | undefined {
  const picks = list.map((f) => f(d, form)).filter((p) => p !== undefined);
  if (picks.length === 0) return undefined;
  if (picks.length === 1) return picks[0];
  return (insn) => {
    for (const p of picks) {
      const h = p(insn);
      if (h) return h;
    }
    return undefined;
  };
}

/** The sets' factories merged by key (a key defined by two sets is an error) and their fast paths in set order. */
function mergeSets(sets: readonly OpSet[]): { factories: Map<string, HandlerFactory>; specials: Map<string, SpecialFactory[]> } {
  const factories = new Map<string, HandlerFactory>();
  const specials = new Map<string, SpecialFactory[]>();
  for (const set of sets) {
    for (const [k, f] of set.factories) {
      if (factories.has(k)) throw new Error(`handler for ${k} defined by two op sets (${set.name})`);
      factories.set(k, f);
    }
    for (const [k, list] of set.specials) specials.set(k, [...(specials.get(k) ?? []), ...list]);
  }
  return { factories, specials };
}

/** Table rows that decode but for which `sets` build no handler (they would trap as undefined). */
export function rowsWithoutHandler(sets: readonly OpSet[]): OpDef[] {
  const { factories } = mergeSets(sets);
  return allDefs().filter((d) => factories.get(d.key)?.(d, formOf(d)) === undefined);
}

let linked: readonly OpSet[] | null = null;
let merged: ReturnType<typeof mergeSets> | null = null;
/**
 * Choose the sets whose handlers table rows get (once per process: the rows are shared). Each row is linked on
 * its first decode (linkDef): building all ~700 rows' handlers up front cost a short run several milliseconds.
 * Rows without a handler decode but trap as undefined (test/handlers.test.ts keeps that list empty).
 */
export function linkHandlers(sets: readonly OpSet[]): void {
  if (linked) {
    if (linked.length !== sets.length || linked.some((s, k) => s !== sets[k])) throw new Error("x86 handlers already linked with other sets");
    return;
  }
  merged = mergeSets(sets);
  linked = sets;
}
/** Attach the linked sets' handler and fast paths to one row (a no-op once done). */
export function linkDef(d: OpDef): void {
  if (d.linked === true) return;
  if (merged === null) throw new Error("x86 handlers not linked (construct an X86Cpu first)");
  const form = formOf(d);
  d.exec = merged.factories.get(d.key)?.(d, form);
  const sp = merged.specials.get(d.key);
  d.special = sp ? composeSpecials(sp, d, form) : undefined;
  d.linked = true;
}
