/** The interface between the image builder and the per-ISA code generators. */
import type { Arch } from "@uabi/uapi";
import type { Handler } from "@uabi/libkernel";

/** One function of the text: a lowered IR handler or a pass-through stub. */
export interface FuncSpec {
  /** Unique key, e.g. "h:umask", "h:uname@LIBKERNEL_1", "stub:write". */
  readonly key: string;
  readonly kind: "handler" | "stub";
  readonly handler?: Handler;
  /** Syscall number, for stubs. */
  readonly nr?: number;
}

/** Link-time addresses (image base 0) the code refers to PC-relatively. */
export interface GenContext {
  readonly textAddr: number;
  readonly vvarAddr: number;
  readonly utsAddr: number;
  readonly tableAddr: number;
  /** Entries in the dispatch table (max syscall number + 1). */
  readonly tableLen: number;
  /** NOP bytes at the start of the text (a different build's layout; multiple of 16). */
  readonly textPad?: number;
}

/** Stack depth below the entry SP from `offset` on (for the CFI of the entries). */
export interface CfiMark {
  readonly offset: number;
  readonly depth: number;
}

/** A syscall instruction in the text: offset just past it (the PC the kernel sees), and what it issues. */
export interface SyscallSite {
  readonly offset: number;
  /** The number it always issues, or "any" (the glue's pass-through re-issue). */
  readonly nr: number | "any";
}

export interface TextResult {
  readonly code: Uint8Array;
  /** Offsets inside .text: every FuncSpec key, plus "@bounce", "@sigsys", "@sigreturn". */
  readonly offsets: ReadonlyMap<string, { offset: number; size: number }>;
  readonly cfi: Readonly<Record<"bounce" | "sigsys", readonly CfiMark[]>>;
  readonly sites: readonly SyscallSite[];
}

/**
 * The ISA-neutral bookkeeping both code generators keep while emitting the text: function offsets and
 * sizes, CFI marks for the two entries, and the syscall sites (for pinning). `fn` aligns with the ISA's
 * own padding, emits `body`, and records the function's extent under `key`.
 */
export function textRecorder(asm: { here(): number }, alignFunction: () => void) {
  const offsets = new Map<string, { offset: number; size: number }>();
  const cfi: Record<"bounce" | "sigsys", CfiMark[]> = { bounce: [], sigsys: [] };
  const sites: SyscallSite[] = [];
  return {
    offsets,
    cfi,
    sites,
    site(nr: number | "any"): void {
      sites.push({ offset: asm.here(), nr });
    },
    mark(which: "bounce" | "sigsys", depth: number): void {
      cfi[which].push({ offset: asm.here(), depth });
    },
    fn(key: string, body: () => void): void {
      alignFunction();
      const start = asm.here();
      body();
      offsets.set(key, { offset: start, size: asm.here() - start });
    },
  };
}

export interface CfiRegs {
  /** DWARF numbers of the stack pointer and the return-address column. */
  readonly sp: number;
  readonly ra: number;
  readonly codeAlign: number;
  readonly frameSize: number;
  /** Offset of the ucontext inside the rt_sigframe at SIGSYS entry SP. */
  readonly ucOffset: number;
}

export interface CodeGen {
  readonly arch: Arch;
  assemble(funcs: readonly FuncSpec[], ctx: GenContext): TextResult;
  readonly cfiRegs: CfiRegs;
}
