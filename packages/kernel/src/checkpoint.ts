/**
 * A minimal checkpoint/restore (CRIU-style) of a single-threaded process, for the talk's "what breaks":
 * a process stopped mid-bounce and restored onto a kernel whose vDSO differs.
 *
 * What a snapshot carries: every mapping (VMA list and page contents, copied) except the kernel-provided
 * `[vdso]` and `[vvar]` — like CRIU, the restoring kernel supplies its own vDSO at the same address —
 * and the thread's registers (general, flags, FP/SIMD, TLS, PC, SP). What it does not carry, because the
 * scenario does not need it: other threads, fds beyond the stdio a fresh spawn has, signal state, seccomp
 * and SUD state, and the mechanism's kernel-side bounce records (arm64's live-frame list), so a restore is
 * only faithful for a single-threaded x86-64 process (whose bounce keeps no kernel-side state).
 */
import { GuestMemory, PAGE_SIZE, PERM_READ } from "@uabi/isa-core";
import type { Cpu } from "@uabi/isa-core";
import type { KernelServices } from "./services.js";
import type { Vma } from "./mm.js";
import type { Process } from "./task.js";
import { KernelUsageError } from "./errors.js";

export interface ProcessSnapshot {
  readonly arch: "arm64" | "x86_64";
  readonly vmas: readonly Vma[];
  readonly mem: GuestMemory;
  /** A scratch core holding the thread's registers (never run). */
  readonly regs: Cpu;
  /** The result register, which `copyForClone` would zero. */
  readonly result: bigint;
}

/** Names of the mappings the kernel provides at exec and a restore does not take from the image. */
const KERNEL_PROVIDED = new Set(["[vdso]", "[vvar]"]);

export function checkpoint(p: Process): ProcessSnapshot {
  if (p.threads.length !== 1) throw new KernelUsageError("checkpoint: only single-threaded processes");
  const t = p.threads[0]!;
  const mem = p.mm.mem.clone();
  const regs = p.arch.createCpu(new GuestMemory(), { counter: () => 0n, counterFrequency: 1 });
  p.arch.copyForClone(t.cpu, regs, undefined, undefined);
  return { arch: p.arch.arch, vmas: p.mm.vmas.map((v) => ({ ...v })), mem, regs, result: p.arch.getSyscallResult(t.cpu) };
}

/**
 * Restore a snapshot into kernel `k`: spawn `elf` (the same executable, for the process structures, stdio and
 * the new kernel's vDSO, vvar and userspace pages), then put back every mapping of the snapshot except the
 * kernel-provided ones, at its address with its contents, and the registers. The caller then runs `k`.
 */
export function restore(k: KernelServices, elf: Uint8Array, snap: ProcessSnapshot, argv: readonly string[] = ["restored"]): Process {
  const p = k.loader.spawn(elf, { argv: [...argv] });
  if (p.arch.arch !== snap.arch) throw new KernelUsageError("restore: snapshot of another ISA");
  const kernelOwned = p.mm.vmas.filter((v) => KERNEL_PROVIDED.has(v.name)).map((v) => [v.start, v.end] as const);
  const overlapsKernel = (v: Vma) => kernelOwned.some(([s, e]) => v.start < e && v.end > s);
  // Drop what the fresh exec mapped that the snapshot does not have (its own vDSO and vvar stay).
  // (Collected first: munmap rewrites the VMA list.)
  const extra = p.mm.vmas.filter((v) => !KERNEL_PROVIDED.has(v.name) && !snap.vmas.some((s) => s.start === v.start && s.end === v.end));
  for (const v of extra) p.mm.munmap(v.start, v.end - v.start);
  for (const v of snap.vmas) {
    if (KERNEL_PROVIDED.has(v.name) || overlapsKernel(v)) continue;
    p.mm.mapFixed(v.start, v.end - v.start, v.prot, v.name, v.file, v.offset);
    for (let a = v.start; a < v.end; a += PAGE_SIZE) {
      const r = snap.mem.findRegion(a);
      if (!r || (r.perm & PERM_READ) === 0) continue; // PROT_NONE/unmapped: nothing a process could have stored
      p.mm.mem.poke(a, snap.mem.readBytes(a, PAGE_SIZE));
    }
  }
  const t = p.threads[0]!;
  p.arch.copyForClone(snap.regs, t.cpu, undefined, undefined);
  p.arch.setSyscallResult(t.cpu, snap.result);
  t.cpu.flushDecodeCache();
  return p;
}
