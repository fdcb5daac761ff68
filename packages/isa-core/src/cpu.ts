/**
 * The CPU interface every ISA core implements, and the trap union it returns.
 *
 * A core runs guest code until something needs the world outside the CPU:
 * a syscall instruction, a fault, an undefined encoding, a breakpoint, or an
 * exhausted instruction budget. It then returns a {@link Trap} describing
 * the architectural event; it never throws for guest misbehaviour. What the
 * event *means* (SIGSEGV, a syscall number, …) is the kernel layer's business:
 * the ISA packages know nothing about Linux.
 */
import type { AccessKind, FaultReason, GuestMemory } from "./memory.js";

export type Arch = "arm64" | "x86_64";

/**
 * Why `run` stopped. `pc` is always the address of the instruction that
 * trapped (for `syscall` the syscall instruction itself; the CPU's own PC has
 * already advanced past it, as the hardware leaves it for the kernel).
 * For faults, the CPU's PC is left *at* the faulting instruction and none of
 * its architectural effects are visible, so it can be restarted.
 */
export type Trap =
  | { kind: "syscall"; pc: number }
  | { kind: "page-fault"; pc: number; addr: number; access: AccessKind; reason: FaultReason }
  | { kind: "undefined"; pc: number; /** raw bytes of the offending encoding, when known */ bytes?: Uint8Array; detail?: string }
  | { kind: "breakpoint"; pc: number; /** brk #imm on arm64; 3 for int3 on x86 */ imm: number }
  | { kind: "alignment"; pc: number; addr: number }
  | { kind: "divide-error"; pc: number }
  | { kind: "privileged"; pc: number; detail: string }
  | { kind: "budget"; pc: number };

export type TrapKind = Trap["kind"];

export const TRAP_KINDS: readonly TrapKind[] = [
  "syscall",
  "page-fault",
  "undefined",
  "breakpoint",
  "alignment",
  "divide-error",
  "privileged",
  "budget",
];

/**
 * Event counters. Instruction retirement is accounted per `run` call from the
 * budget consumed, so counting costs nothing inside the hot loop.
 */
export class CpuCounters {
  instructions = 0;
  readonly traps: Record<TrapKind, number> = {
    syscall: 0,
    "page-fault": 0,
    undefined: 0,
    breakpoint: 0,
    alignment: 0,
    "divide-error": 0,
    privileged: 0,
    budget: 0,
  };
  record(trap: Trap, retired: number): void {
    this.instructions += retired;
    this.traps[trap.kind]++;
  }
  reset(): void {
    this.instructions = 0;
    for (const k of TRAP_KINDS) this.traps[k] = 0;
  }
}

/**
 * What the kernel layer needs from any core. Each ISA package exports a
 * concrete class with richer, ISA-specific register access (named registers,
 * flags, FP/SIMD state) that the kernel's per-arch code uses.
 */
export interface Cpu {
  readonly arch: Arch;
  readonly mem: GuestMemory;
  readonly counters: CpuCounters;
  /** Program counter. User addresses always fit a JS number exactly. */
  pc: number;
  /** Stack pointer (sp / rsp). */
  sp: bigint;
  /** General-purpose register by architectural number (x0..x30 / rax..r15 in encoding order). */
  getReg(index: number): bigint;
  setReg(index: number, value: bigint): void;
  /** The thread-pointer register: TPIDR_EL0 on arm64, the FS base on x86-64. */
  tlsBase: bigint;
  /**
   * Execute at most `budget` instructions. Returns the trap that stopped it;
   * `{ kind: "budget" }` when the budget ran out. `counters.instructions`
   * grows by exactly the number of instructions retired.
   */
  run(budget: number): Trap;
  /** Drop every cached decode (after the kernel rewrites code behind the core's back). */
  flushDecodeCache(): void;
  /**
   * PC-range watch. While [lo, hi) is non-empty, `run` stops before executing a block that starts inside it,
   * returning `{ kind: "page-fault", access: "exec", reason: "protection", addr: pc }` with nothing of it
   * retired, exactly as if the range were not executable — but without touching page permissions, so
   * decoded code stays cached. Costs one comparison per block entered. Control can only enter another
   * mapping through a branch, which always starts a block, so a watch over whole mappings misses nothing.
   * `setExecWatch(0, 0)` turns it off.
   */
  setExecWatch(lo: number, hi: number): void;
  /**
   * Leave watch: `run(budget)` that also stops before the first instruction outside [lo, hi), returning
   * `{ kind: "budget", pc }` with that instruction not executed (and `pc` outside the range). Everything
   * else — instructions retired, traps, fault PCs, the counters — is exactly what single-stepping with
   * `run(1)` while the PC stays in the range gives, at full speed: the range is checked at each block entry
   * and a block reaching past `hi` is cut there (control leaves a range only by a branch, which ends a block,
   * or by falling through `hi`). Translated code runs when its whole region lies inside the range.
   * An empty range stops at once.
   */
  runWithin(lo: number, hi: number, budget: number): Trap;
}

/**
 * What `runWithin` means, by definition: `run(1)` while the PC stays in [lo, hi) and budget is left. The cores
 * implement it at speed; this is the reference their tests compare with, and an exact implementation for a
 * fake CPU that has no blocks.
 */
export function runWithinStepped(cpu: Pick<Cpu, "run" | "pc">, lo: number, hi: number, budget: number): Trap {
  for (let left = budget; left > 0 && cpu.pc >= lo && cpu.pc < hi; left--) {
    const t = cpu.run(1);
    if (t.kind !== "budget") return t;
  }
  return { kind: "budget", pc: cpu.pc };
}
