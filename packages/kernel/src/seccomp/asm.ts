/**
 * A tiny label assembler for cBPF: write programs with symbolic jump targets; offsets are resolved
 * (and checked to fit in u8 / be forward) here rather than counted by hand.
 */
import type { SockFilter } from "./bpf.js";
import { BPF_JA, BPF_JMP } from "./constants.js";

export type AsmItem =
  | { label: string }
  | { code: number; k?: number }
  | { code: number; k?: number; jt: string | number; jf: string | number }
  | { ja: string };

export class BpfAsmError extends Error {
  override name = "BpfAsmError";
}

/** Resolves labels. A numeric jt/jf is a raw relative offset; a string is a label. */
export function assemble(items: readonly AsmItem[]): SockFilter[] {
  const labels = new Map<string, number>();
  let n = 0;
  for (const it of items) {
    if ("label" in it) {
      if (labels.has(it.label)) throw new BpfAsmError(`duplicate label ${it.label}`);
      labels.set(it.label, n);
    } else n++;
  }
  const out: SockFilter[] = [];
  const rel = (pc: number, t: string | number, max: number): number => {
    if (typeof t === "number") return t;
    const at = labels.get(t);
    if (at === undefined) throw new BpfAsmError(`unknown label ${t}`);
    const off = at - pc - 1;
    if (off < 0 || off > max) throw new BpfAsmError(`label ${t} is ${off} instructions from pc ${pc}`);
    return off;
  };
  for (const it of items) {
    if ("label" in it) continue;
    const pc = out.length;
    if ("ja" in it) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: rel(pc, it.ja, 0xffffffff) });
    else if ("jt" in it) out.push({ code: it.code, jt: rel(pc, it.jt, 255), jf: rel(pc, it.jf, 255), k: (it.k ?? 0) >>> 0 });
    else out.push({ code: it.code, jt: 0, jf: 0, k: (it.k ?? 0) >>> 0 });
  }
  return out;
}
