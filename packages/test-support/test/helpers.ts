/** Test helpers: a scripted fake CPU (no ISA needed) and a hand-made static ELF. */
import { CpuCounters, GuestMemory, runWithinStepped, type Arch, type Cpu, type Trap } from "@uabi/isa-core";

/** One scripted step: mutate the CPU (registers, memory) and say which trap ends it. */
export type Step = (cpu: ScriptedCpu) => Trap;

/**
 * A Cpu whose "program" is a list of JS steps, each retiring one instruction. It lets the harness's
 * loader, syscall ABI and table be tested without an ISA core.
 */
export class ScriptedCpu implements Cpu {
  readonly mem = new GuestMemory();
  readonly counters = new CpuCounters();
  pc = 0;
  sp = 0n;
  tlsBase = 0n;
  readonly regs: bigint[] = Array.from({ length: 32 }, () => 0n);
  private next = 0;
  /** GPR 0 (the syscall result register on both ISAs) after each step, signed. */
  readonly seen: bigint[] = [];
  constructor(readonly arch: Arch, private readonly steps: Step[]) {}
  getReg(i: number): bigint {
    return this.regs[i]!;
  }
  setReg(i: number, v: bigint): void {
    this.regs[i] = BigInt.asUintN(64, v);
  }
  run(budget: number): Trap {
    if (budget <= 0) return { kind: "budget", pc: this.pc };
    // The return register (x0 / rax, both GPR 0) as the previous step left it, i.e. a syscall's result.
    if (this.next > 0) this.seen.push(BigInt.asIntN(64, this.regs[0]!));
    const step = this.steps[this.next++];
    const trap: Trap = step ? step(this) : { kind: "undefined", pc: this.pc, detail: "end of script" };
    this.counters.record(trap, 1);
    this.pc += 4;
    return trap;
  }
  /** The leave watch, stepped: a scripted program has no blocks, so the reference semantics are exact. */
  runWithin(lo: number, hi: number, budget: number): Trap {
    return runWithinStepped(this, lo, hi, budget);
  }
  flushDecodeCache(): void {}
  setExecWatch(): void {} // scripted: executes no guest code
}

const ABI = { arm64: { nr: 8, args: [0, 1, 2, 3, 4, 5] }, x86_64: { nr: 0, args: [7, 6, 2, 10, 8, 9] } } as const;

/** A step that issues syscall `nr` with `args` using the ISA's register convention. */
export function sys(nr: number, ...args: (number | bigint)[]): Step {
  return (cpu) => {
    const abi = ABI[cpu.arch];
    cpu.setReg(abi.nr, BigInt(nr));
    args.forEach((a, i) => cpu.setReg(abi.args[i]!, BigInt(a)));
    return { kind: "syscall", pc: cpu.pc };
  };
}

/** A step that runs arbitrary code, then continues with a syscall-free "instruction". */
export function doThen(fn: (cpu: ScriptedCpu) => void, then: Step): Step {
  return (cpu) => {
    fn(cpu);
    return then(cpu);
  };
}

export interface TinyElfOptions {
  machine?: number;
  type?: number;
  interp?: boolean;
  entry?: number;
}

/**
 * A minimal static ELF64: ELF header + 3 program headers (PT_PHDR, a R+X text PT_LOAD that also
 * covers the headers, a RW data PT_LOAD with a .bss tail), text at 0x400000, data at 0x401000.
 */
export function tinyElf(opts: TinyElfOptions = {}): { bytes: Uint8Array; text: Uint8Array; data: Uint8Array } {
  const text = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 1) & 0xff);
  const data = new TextEncoder().encode("hello from data\n");
  const phnum = opts.interp ? 4 : 3;
  const textOff = 0x200;
  const dataOff = 0x1000;
  const bytes = new Uint8Array(dataOff + data.length);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  v.setUint16(16, opts.type ?? 2, true);
  v.setUint16(18, opts.machine ?? 183, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(opts.entry ?? 0x400000 + textOff), true);
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setBigUint64(40, 0n, true); // e_shoff
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, phnum, true);
  v.setUint16(58, 64, true);
  const ph = (i: number, type: number, flags: number, off: number, vaddr: number, filesz: number, memsz: number, align: number): void => {
    const o = 64 + i * 56;
    v.setUint32(o, type, true);
    v.setUint32(o + 4, flags, true);
    v.setBigUint64(o + 8, BigInt(off), true);
    v.setBigUint64(o + 16, BigInt(vaddr), true);
    v.setBigUint64(o + 24, BigInt(vaddr), true);
    v.setBigUint64(o + 32, BigInt(filesz), true);
    v.setBigUint64(o + 40, BigInt(memsz), true);
    v.setBigUint64(o + 48, BigInt(align), true);
  };
  ph(0, 6, 4, 64, 0x400040, phnum * 56, phnum * 56, 8); // PT_PHDR
  ph(1, 1, 5, 0, 0x400000, textOff + text.length, textOff + text.length, 0x1000); // text R+X
  ph(2, 1, 6, dataOff, 0x401000, data.length, 0x3000, 0x1000); // data RW + bss
  if (opts.interp) ph(3, 3, 4, 0, 0x400000, 1, 1, 1);
  bytes.set(text, textOff);
  bytes.set(data, dataOff);
  return { bytes, text, data };
}
