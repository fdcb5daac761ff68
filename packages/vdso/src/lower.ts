/**
 * Lower arbitrary IR handlers to machine code, outside an image: for differential tests of the
 * lowering and for tools that want a handler's code on its own.
 */
import { type Handler, validate } from "@uabi/libkernel";
import type { Arch } from "@uabi/uapi";
import { ARM64_CODEGEN } from "./arm64.js";
import type { FuncSpec } from "./codegen.js";
import { X86_CODEGEN } from "./x86.js";

export interface LoweredCode {
  /** Code to load at `textAddr`; it also contains the glue entries (unusable without an image). */
  readonly code: Uint8Array;
  /** Address of each handler's entry, by handler index. */
  readonly entries: readonly number[];
}

export interface LowerOptions {
  /** Where the code will be loaded; the data pages are expected at vvarAddr / utsAddr. */
  readonly textAddr: number;
  readonly vvarAddr: number;
  readonly utsAddr: number;
}

export function lowerHandlers(arch: Arch, handlers: readonly Handler[], o: LowerOptions): LoweredCode {
  const cg = arch === "arm64" ? ARM64_CODEGEN : arch === "x86_64" ? X86_CODEGEN : undefined;
  if (!cg) throw new Error(`unknown arch ${JSON.stringify(arch)}`);
  // Handlers not made by IrBuilder.build() get the same structural checks (IrError) before lowering.
  for (const h of handlers) validate(h);
  const funcs: FuncSpec[] = handlers.map((h, k) => ({ key: `h${k}:${h.name}`, kind: "handler", handler: h }));
  // No dispatch table: point it at the text itself with length 0, so the glue always passes through.
  const r = cg.assemble(funcs, { textAddr: o.textAddr, vvarAddr: o.vvarAddr, utsAddr: o.utsAddr, tableAddr: o.textAddr, tableLen: 0 });
  return { code: r.code, entries: funcs.map((f) => o.textAddr + r.offsets.get(f.key)!.offset) };
}
