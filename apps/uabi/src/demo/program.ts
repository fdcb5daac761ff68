/**
 * The demo's fixed program, generated per ISA at run time with the ISA assemblers and @uabi/elf's
 * writer: a tiny static ET_EXEC (no libc), so every instruction and every kernel entry in the demo's
 * table belongs to the syscalls being compared, not to libc start-up.
 *
 * The program finds the vDSO through AT_SYSINFO_EHDR in its auxiliary vector and calls libkernel at the
 * symbol offsets of the image the kernel maps (`buildVdso` is deterministic), as a program linked
 * against that libkernel would. Each step stores its result in a buffer that the last step writes to
 * stdout; `decodeResults` reads it back.
 */
import { A64Assembler, mem as amem, post, sp, x, w } from "@uabi/isa-arm64";
import { X86Assembler, mem } from "@uabi/isa-x86";
import { writeElf } from "@uabi/elf";
import { syscallNr } from "@uabi/uapi";
import { buildVdso, type VdsoImage } from "@uabi/vdso";

export type Arch = "arm64" | "x86_64";

/** Result buffer layout (byte offsets); the buffer starts 0xff-filled so untouched bytes show. */
export const OUT = {
  rawPid: 0, umaskOld: 8, dup2: 16, clockRet: 24, ts: 32, portedPid: 48, uname1Ret: 56, uname2Ret: 64,
  uname1: 72, uname2: 464, redZone: 856, vdsoBase: 864, filterRet: 872, fprog: 880, filter: 896, bypass: 904, size: 912,
} as const;
/** old_utsname: 5 fields of 65 bytes; new_utsname: 6 (include/uapi/linux/utsname.h). */
export const UTS_FIELD = 65;
export const RED_ZONE_SENTINEL = 0x5a5a_5a5a_5a5a_5a5an;
const AT_SYSINFO_EHDR = 33;
const CLOCK_MONOTONIC = 1;
const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const BPF_RET_K = 0x06;

export type StepKind = "raw" | "userspace" | "legacy" | "clock" | "ported" | "uname1" | "uname2" | "bypass" | "filter" | "pass-through";

export interface Step {
  readonly id: string;
  readonly kind: StepKind;
  readonly title: string;
  /** Only for these ISAs (legacy syscalls exist on x86-64 only). */
  readonly arches?: readonly Arch[];
}

/** The program, in order. The pass-through write of the result buffer is last, then exit_group. */
export const STEPS: readonly Step[] = [
  { id: "getpid", kind: "raw", title: "raw syscall getpid (svc / syscall)" },
  { id: "umask", kind: "userspace", title: "umask(022), implemented by libkernel" },
  { id: "dup2", kind: "legacy", title: "legacy dup2(1, 1), rewritten onto its successor", arches: ["x86_64"] },
  { id: "clock", kind: "clock", title: "clock_gettime(CLOCK_MONOTONIC) via the vDSO" },
  { id: "ported", kind: "ported", title: "ported call __kernel_getpid@LIBKERNEL_1" },
  { id: "uname1", kind: "uname1", title: "__kernel_uname@LIBKERNEL_1 (old_utsname)" },
  { id: "uname2", kind: "uname2", title: "__kernel_uname@@LIBKERNEL_2 (new_utsname)" },
  { id: "bypass", kind: "bypass", title: "getppid through the vDSO's own syscall instruction (__kernel_getppid's pass-through stub)" },
  { id: "filter", kind: "filter", title: "the program installs its own seccomp filter" },
  { id: "write", kind: "pass-through", title: "write(1, results) passed through to the kernel" },
];

export interface StepRange {
  readonly step: Step;
  /** Guest addresses [start, end) of the step's code. */
  readonly start: number;
  readonly end: number;
}

export interface DemoProgram {
  readonly arch: Arch;
  readonly elf: Uint8Array;
  readonly entry: number;
  readonly steps: readonly StepRange[];
  /** The vDSO image the offsets were taken from (the kernel maps the same bytes). */
  readonly vdso: VdsoImage;
  /** The vDSO function each calling step calls: [start, end) as offsets from the vDSO base. */
  readonly callees: ReadonlyMap<string, readonly [number, number]>;
}

const BASE = 0x400000;

function symbol(img: VdsoImage, name: string, version: string): { address: number; size: number } {
  const s = img.symbols.find((y) => y.name === name && y.version === version);
  if (!s) throw new Error(`demo: the ${img.arch} vDSO has no ${name}@${version}`);
  return s;
}
const symbolOffset = (img: VdsoImage, name: string, version: string): number => symbol(img, name, version).address;

/** Which vDSO symbol each calling step calls. */
const CALLEES: Record<Arch, Record<string, [string, string]>> = {
  arm64: { clock: clockSymbol("arm64"), ported: ["__kernel_getpid", "LIBKERNEL_1"], uname1: ["__kernel_uname", "LIBKERNEL_1"], uname2: ["__kernel_uname", "LIBKERNEL_2"], bypass: ["__kernel_getppid", "LIBKERNEL_1"] },
  x86_64: { clock: clockSymbol("x86_64"), ported: ["__kernel_getpid", "LIBKERNEL_1"], uname1: ["__kernel_uname", "LIBKERNEL_1"], uname2: ["__kernel_uname", "LIBKERNEL_2"], bypass: ["__kernel_getppid", "LIBKERNEL_1"] },
};
function clockSymbol(arch: Arch): [string, string] {
  return arch === "arm64" ? ["__kernel_clock_gettime", "LINUX_2.6.39"] : ["__vdso_clock_gettime", "LINUX_2.6"];
}

/** vDSO offsets of the functions the program calls. */
function targets(img: VdsoImage, arch: Arch): Record<"clock" | "ported" | "uname1" | "uname2" | "bypass", number> {
  const c = CALLEES[arch];
  return {
    clock: symbolOffset(img, ...c.clock!), ported: symbolOffset(img, ...c.ported!), uname1: symbolOffset(img, ...c.uname1!),
    uname2: symbolOffset(img, ...c.uname2!), bypass: symbolOffset(img, ...c.bypass!),
  };
}

const nr = (arch: Arch, name: string): number => {
  const n = syscallNr(arch, name);
  if (n === undefined) throw new Error(`demo: no ${name} on ${arch}`);
  return n;
};

/** Code for one ISA; returns the bytes and each step's [start, end) offsets. */
function assemble(arch: Arch, steps: readonly Step[], t: ReturnType<typeof targets>): { code: Uint8Array; ranges: [number, number][] } {
  return arch === "arm64" ? assembleArm64(steps, t) : assembleX86(steps, t);
}

function assembleArm64(steps: readonly Step[], t: ReturnType<typeof targets>): { code: Uint8Array; ranges: [number, number][] } {
  const a = new A64Assembler();
  const R = x(19); // result buffer
  const V = x(20); // vDSO base (0 when there is none)
  const svc = (name: string) => a.mov(x(8), nr("arm64", name)).svc(0);
  // Prologue: a 1 KiB result buffer on the stack, 0xff-filled; find AT_SYSINFO_EHDR.
  a.add(x(29), sp, 0).sub(sp, sp, 1024).add(R, sp, 0);
  const fill = a.newLabel();
  a.mov(x(0), -1).add(x(1), R, 0).mov(x(2), 128).bind(fill).str(x(0), post(x(1), 8)).subs(x(2), x(2), 1).bcond("ne", fill);
  const env = a.newLabel(), aux = a.newLabel(), found = a.newLabel(), none = a.newLabel(), done = a.newLabel();
  a.ldr(x(1), amem(x(29))).add(x(2), x(29), 16).add(x(2), x(2), x(1), "lsl", 3); // envp = sp + 8 + 8*argc + 8
  a.bind(env).ldr(x(3), post(x(2), 8)).cbnz(x(3), env);
  a.bind(aux).ldr(x(3), amem(x(2))).cbz(x(3), none).cmp(x(3), AT_SYSINFO_EHDR).bcond("eq", found).add(x(2), x(2), 16).b(aux);
  a.bind(found).ldr(V, amem(x(2), 8)).b(done);
  a.bind(none).mov(V, 0).bind(done).str(V, amem(R, OUT.vdsoBase));
  const call = (off: number, skip: ReturnType<A64Assembler["newLabel"]>) => a.cbz(V, skip).mov(x(9), off).add(x(9), V, x(9)).blr(x(9));
  const ranges: [number, number][] = [];
  for (const s of steps) {
    const start = a.here();
    const skip = a.newLabel();
    switch (s.kind) {
      case "raw": svc("getpid").str(x(0), amem(R, OUT.rawPid)); break;
      case "userspace": a.mov(x(0), 0o22); svc("umask").str(x(0), amem(R, OUT.umaskOld)); break;
      case "legacy": break; // no legacy calls in the asm-generic table
      case "clock": a.mov(x(0), CLOCK_MONOTONIC).add(x(1), R, OUT.ts); call(t.clock, skip).str(x(0), amem(R, OUT.clockRet)); break;
      case "ported": call(t.ported, skip).str(x(0), amem(R, OUT.portedPid)); break;
      case "uname1": a.add(x(0), R, OUT.uname1); call(t.uname1, skip).str(x(0), amem(R, OUT.uname1Ret)); break;
      case "uname2": a.add(x(0), R, OUT.uname2); call(t.uname2, skip).str(x(0), amem(R, OUT.uname2Ret)); break;
      case "bypass": call(t.bypass, skip).str(x(0), amem(R, OUT.bypass)); break;
      case "filter":
        a.mov(x(0), PR_SET_NO_NEW_PRIVS).mov(x(1), 1).mov(x(2), 0).mov(x(3), 0).mov(x(4), 0);
        svc("prctl");
        a.mov(x(1), 1).strh(w(1), amem(R, OUT.fprog)).add(x(1), R, OUT.filter).str(x(1), amem(R, OUT.fprog + 8));
        a.mov(w(1), BPF_RET_K).str(w(1), amem(R, OUT.filter)).mov(w(1), SECCOMP_RET_ALLOW).str(w(1), amem(R, OUT.filter + 4));
        a.mov(x(0), SECCOMP_SET_MODE_FILTER).mov(x(1), 0).add(x(2), R, OUT.fprog);
        svc("seccomp").str(x(0), amem(R, OUT.filterRet));
        break;
      case "pass-through": a.mov(x(0), 1).add(x(1), R, 0).mov(x(2), OUT.size); svc("write"); break;
    }
    a.bind(skip);
    ranges.push([start, a.here()]);
  }
  a.mov(x(0), 0);
  svc("exit_group");
  return { code: a.finish(), ranges };
}

function assembleX86(steps: readonly Step[], t: ReturnType<typeof targets>): { code: Uint8Array; ranges: [number, number][] } {
  const a = new X86Assembler();
  const syscall = (name: string) => a.mov("eax", nr("x86_64", name)).syscall();
  // Prologue: result buffer in rbx (0xff-filled), vDSO base in r12.
  a.mov("rbp", "rsp").sub("rsp", 1024).mov("rbx", "rsp");
  a.mov("rdi", "rbx").mov("eax", 0xff).mov("ecx", 1024).repStosb();
  const env = a.newLabel(), aux = a.newLabel(), found = a.newLabel(), none = a.newLabel(), done = a.newLabel();
  a.mov("rcx", mem("rbp")).lea("rsi", mem({ base: "rbp", index: "rcx", scale: 8, disp: 16 }));
  a.bind(env).mov("rax", mem("rsi")).add("rsi", 8).test("rax", "rax").j("ne", env);
  a.bind(aux).mov("rax", mem("rsi")).test("rax", "rax").j("e", none).cmp("rax", AT_SYSINFO_EHDR).j("e", found).add("rsi", 16).jmp(aux);
  a.bind(found).mov("r12", mem("rsi", 8)).jmp(done);
  a.bind(none).xor("r12", "r12").bind(done).mov(mem("rbx", OUT.vdsoBase), "r12");
  const call = (off: number, skip: ReturnType<X86Assembler["newLabel"]>) => a.test("r12", "r12").j("e", skip).lea("rax", mem("r12", off)).call("rax");
  const ranges: [number, number][] = [];
  for (const s of steps) {
    const start = a.here();
    const skip = a.newLabel();
    switch (s.kind) {
      case "raw":
        // A sentinel in the red zone (the 128 bytes below rsp that leaf code may use): a bounce frame must not touch it.
        a.movabs("rax", RED_ZONE_SENTINEL).mov(mem("rsp", -8), "rax");
        syscall("getpid").mov(mem("rbx", OUT.rawPid), "rax");
        a.mov("rax", mem("rsp", -8)).mov(mem("rbx", OUT.redZone), "rax");
        break;
      case "userspace": a.mov("edi", 0o22); syscall("umask").mov(mem("rbx", OUT.umaskOld), "rax"); break;
      case "legacy": a.mov("edi", 1).mov("esi", 1); syscall("dup2").mov(mem("rbx", OUT.dup2), "rax"); break;
      case "clock": a.mov("edi", CLOCK_MONOTONIC).lea("rsi", mem("rbx", OUT.ts)); call(t.clock, skip).mov(mem("rbx", OUT.clockRet), "rax"); break;
      case "ported": call(t.ported, skip).mov(mem("rbx", OUT.portedPid), "rax"); break;
      case "uname1": a.lea("rdi", mem("rbx", OUT.uname1)); call(t.uname1, skip).mov(mem("rbx", OUT.uname1Ret), "rax"); break;
      case "uname2": a.lea("rdi", mem("rbx", OUT.uname2)); call(t.uname2, skip).mov(mem("rbx", OUT.uname2Ret), "rax"); break;
      case "bypass": call(t.bypass, skip).mov(mem("rbx", OUT.bypass), "rax"); break;
      case "filter":
        a.mov("edi", PR_SET_NO_NEW_PRIVS).mov("esi", 1).xor("edx", "edx").xor("r10", "r10").xor("r8", "r8");
        syscall("prctl");
        a.mov(mem("rbx", OUT.fprog, 16), 1).lea("rax", mem("rbx", OUT.filter)).mov(mem("rbx", OUT.fprog + 8), "rax");
        a.mov(mem("rbx", OUT.filter, 32), BPF_RET_K).mov(mem("rbx", OUT.filter + 4, 32), SECCOMP_RET_ALLOW);
        a.mov("edi", SECCOMP_SET_MODE_FILTER).xor("esi", "esi").lea("rdx", mem("rbx", OUT.fprog));
        syscall("seccomp").mov(mem("rbx", OUT.filterRet), "rax");
        break;
      case "pass-through": a.mov("edi", 1).mov("rsi", "rbx").mov("edx", OUT.size); syscall("write"); break;
    }
    a.bind(skip);
    ranges.push([start, a.here()]);
  }
  a.xor("edi", "edi");
  syscall("exit_group");
  return { code: a.finish(), ranges };
}

const VDSO_CACHE = new Map<Arch, VdsoImage>();

/** Build the program for `arch` (all steps that apply to it, or the given subset, in STEPS order). */
export function buildDemoProgram(arch: Arch, only?: readonly string[]): DemoProgram {
  let vdso = VDSO_CACHE.get(arch);
  if (!vdso) VDSO_CACHE.set(arch, (vdso = buildVdso({ arch })));
  const steps = STEPS.filter((s) => (!s.arches || s.arches.includes(arch)) && (!only || only.includes(s.id)));
  const { code, ranges } = assemble(arch, steps, targets(vdso, arch));
  const write = (entry: number) =>
    writeElf({ machine: arch === "arm64" ? "aarch64" : "x86_64", type: "exec", base: BASE, entry, sections: [{ name: ".text", data: code, exec: true, align: 16 }] });
  // The layout does not depend on e_entry: place once, then point e_entry at .text.
  const text = write(0).sections.get(".text")!.address;
  const elf = write(text).bytes;
  const callees = new Map(Object.entries(CALLEES[arch]).map(([id, [name, version]]) => {
    const sym = symbol(vdso, name, version);
    return [id, [sym.address, sym.address + sym.size] as const];
  }));
  return { arch, elf, entry: text, vdso, callees, steps: steps.map((step, i) => ({ step, start: text + ranges[i]![0], end: text + ranges[i]![1] })) };
}

export interface DemoResults {
  vdsoBase: bigint;
  rawPid: bigint;
  umaskOld: bigint;
  dup2: bigint | null;
  clockRet: bigint;
  clockNs: bigint;
  portedPid: bigint;
  uname1Ret: bigint;
  uname2Ret: bigint;
  /** Fields each uname version filled (5 = old_utsname, 6 = new_utsname), and their strings. */
  uname1Fields: string[];
  uname2Fields: string[];
  /** x86-64: the red-zone sentinel survived the getpid step. */
  redZoneIntact: boolean | null;
  filterRet: bigint;
  /** getppid's result through the vDSO's stub (0: no parent in the simulation). */
  bypassRet: bigint;
}

const UNTOUCHED = 0xffff_ffff_ffff_ffffn;

/** The chunks a run wrote, as one array (Buffer.concat without Node: the playground's worker uses this module). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Read the program's stdout (the result buffer) back. */
export function decodeResults(arch: Arch, out: Uint8Array): DemoResults | undefined {
  if (out.length < OUT.size) return undefined;
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const q = (o: number) => BigInt.asIntN(64, v.getBigUint64(o, true));
  const fields = (o: number): string[] => {
    const fs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const f = out.subarray(o + i * UTS_FIELD, o + (i + 1) * UTS_FIELD);
      if (f[0] === 0xff) break; // never written
      const z = f.indexOf(0);
      fs.push(String.fromCharCode(...f.subarray(0, z < 0 ? f.length : z))); // latin1, as Buffer would
    }
    return fs;
  };
  return {
    vdsoBase: v.getBigUint64(OUT.vdsoBase, true), rawPid: q(OUT.rawPid), umaskOld: q(OUT.umaskOld),
    dup2: arch === "x86_64" ? q(OUT.dup2) : null, clockRet: q(OUT.clockRet),
    clockNs: v.getBigUint64(OUT.ts, true) * 1_000_000_000n + v.getBigUint64(OUT.ts + 8, true),
    portedPid: q(OUT.portedPid), uname1Ret: q(OUT.uname1Ret), uname2Ret: q(OUT.uname2Ret),
    uname1Fields: fields(OUT.uname1), uname2Fields: fields(OUT.uname2),
    redZoneIntact: arch === "x86_64" ? v.getBigUint64(OUT.redZone, true) === RED_ZONE_SENTINEL : null,
    filterRet: q(OUT.filterRet), bypassRet: q(OUT.bypass),
  };
}

export { UNTOUCHED };

/**
 * A loop of `count` identical syscalls (getppid: passed through by every mechanism), then exit_group:
 * the workload of `uabi bench`'s syscalls-per-second figure. Returns the ELF and the loop's bounds.
 */
export function buildSyscallLoop(arch: Arch, count: number, name = "getppid"): Uint8Array {
  if (!(Number.isInteger(count) && count > 0 && count < 2 ** 31)) throw new RangeError(`syscall loop count ${count}`);
  let code: Uint8Array;
  if (arch === "arm64") {
    const a = new A64Assembler();
    const top = a.newLabel();
    a.mov(x(19), count).bind(top).mov(x(8), nr(arch, name)).svc(0).subs(x(19), x(19), 1).bcond("ne", top);
    code = a.mov(x(0), 0).mov(x(8), nr(arch, "exit_group")).svc(0).finish();
  } else {
    const a = new X86Assembler();
    const top = a.newLabel();
    a.mov("ebx", count).bind(top).mov("eax", nr(arch, name)).syscall().sub("ebx", 1).j("ne", top);
    code = a.xor("edi", "edi").mov("eax", nr(arch, "exit_group")).syscall().finish();
  }
  const write = (entry: number) =>
    writeElf({ machine: arch === "arm64" ? "aarch64" : "x86_64", type: "exec", base: BASE, entry, sections: [{ name: ".text", data: code, exec: true, align: 16 }] });
  return write(write(0).sections.get(".text")!.address).bytes;
}
