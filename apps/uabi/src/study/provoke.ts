/**
 * The provoking programs of the catalogue: one tiny static program per cause, generated per ISA with the
 * project's assemblers and ELF writer (no toolchain needed), each printing what it observed so a difference
 * from direct mode shows in its stdout or exit status.
 *
 * Layout at run time: B (x19 / rbx) = initial SP − 0x1000 is a 4 KiB scratch buffer; ALT = B − 0x10000 is a
 * 64 KiB region the sigaltstack program uses; SP starts below both, so nothing the program pushes reaches them.
 */
import { A64Assembler, mem as amem, sp, x, w } from "@uabi/isa-arm64";
import { X86Assembler, mem } from "@uabi/isa-x86";
import { writeElf } from "@uabi/elf";
import { syscallNr } from "@uabi/uapi";
import { buildVdso, type VdsoImage } from "@uabi/vdso";

export type Arch = "arm64" | "x86_64";

const BASE = 0x400000;
const AT_SYSINFO_EHDR = 33;
/** Scratch-buffer slots (offsets from B). */
const S = { vdso: 0, ss: 16, act: 64, mask: 128, fprog: 160, filter: 192, text: 2048 } as const;
const ALT = -0x10000, ALT_SIZE = 0x10000;
const SA_SIGINFO = 4, SA_ONSTACK = 0x0800_0000, SA_RESTORER = 0x0400_0000;
const SIGSEGV = 11, SIGSYS = 31;

type Imm = number | bigint;
/** A syscall argument: an immediate, an address in the buffer, a code label, or a 64-bit value loaded from the buffer. */
type Arg = Imm | { buf: number } | { label: Label } | { load: number };
interface Label { readonly id: number }

/** The few operations the programs need, emitted for either ISA. */
interface Gen {
  readonly arch: Arch;
  label(): Label;
  bind(l: Label): void;
  sys(name: string, args?: readonly Arg[]): void;
  /** Store a 64-bit value (immediate, buffer address, label address) at B + off. */
  put64(off: number, v: Arg): void;
  /** write(1, text). */
  say(text: string): void;
  exit(code: number): void;
  /** Branch when the last syscall's result equals `v`. */
  ifRet(v: number, l: Label): void;
  /** Branch when SP lies in [B + lo, B + lo + size). */
  ifSpIn(lo: number, size: number, l: Label): void;
  /** Load from address 0 (SIGSEGV). */
  fault(): void;
  /** Call vDSO base (from the buffer) + off with the syscall number register set to `nr` (a jump into a vDSO syscall instruction). */
  callVdso(off: number, nr: number): void;
  /** x86-64 only: the restorer stub (rt_sigreturn). */
  restorer(): Label | undefined;
  finish(): Uint8Array;
}

const nr = (arch: Arch, name: string): number => {
  const n = syscallNr(arch, name);
  if (n === undefined) throw new Error(`study: no ${name} on ${arch}`);
  return n;
};

function a64(): Gen {
  const a = new A64Assembler();
  const B = x(19);
  const labels = new Map<number, ReturnType<A64Assembler["newLabel"]>>();
  let next = 0;
  const L = (l: Label) => labels.get(l.id)!;
  const load = (r: number, v: Arg) => {
    if (typeof v === "number" || typeof v === "bigint") a.mov(x(r), v);
    else if ("buf" in v) {
      a.mov(x(r), BigInt.asUintN(64, BigInt(v.buf)));
      a.add(x(r), B, x(r));
    } else if ("label" in v) a.adr(x(r), L(v.label));
    else a.ldr(x(r), amem(B, v.load));
  };
  // Prologue: B and the stack below it; the vDSO base from AT_SYSINFO_EHDR.
  a.add(x(20), sp, 0);
  a.mov(x(9), 0x1000).sub(B, x(20), x(9));
  a.mov(x(9), 0x12000).sub(x(9), x(20), x(9)).add(sp, x(9), 0);
  const env = a.newLabel(), aux = a.newLabel(), found = a.newLabel(), done = a.newLabel();
  a.ldr(x(1), amem(x(20))).add(x(2), x(20), 16).add(x(2), x(2), x(1), "lsl", 3);
  a.bind(env).ldr(x(3), amem(x(2))).add(x(2), x(2), 8).cbnz(x(3), env);
  a.bind(aux).ldr(x(3), amem(x(2))).cbz(x(3), done).cmp(x(3), AT_SYSINFO_EHDR).bcond("eq", found).add(x(2), x(2), 16).b(aux);
  a.bind(found).ldr(x(3), amem(x(2), 8)).str(x(3), amem(B, S.vdso));
  a.bind(done);
  const g: Gen = {
    arch: "arm64",
    label: () => {
      const id = next++;
      labels.set(id, a.newLabel());
      return { id };
    },
    bind: (l) => void a.bind(L(l)),
    sys(name, args = []) {
      args.forEach((v, i) => load(i, v));
      a.mov(x(8), nr("arm64", name)).svc(0);
    },
    put64(off, v) {
      load(9, v);
      a.str(x(9), amem(B, off));
    },
    say(text) {
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i++) a.mov(w(9), bytes[i]!).strb(w(9), amem(B, S.text + i));
      g.sys("write", [1, { buf: S.text }, bytes.length]);
    },
    exit: (code) => g.sys("exit_group", [code]),
    ifRet(v, l) {
      a.mov(x(9), BigInt.asUintN(64, BigInt(v))).cmp(x(0), x(9)).bcond("eq", L(l));
    },
    ifSpIn(lo, size, l) {
      const out = a.newLabel();
      a.add(x(10), sp, 0);
      load(9, { buf: lo });
      a.cmp(x(10), x(9)).bcond("lo", out);
      a.mov(x(11), size).add(x(9), x(9), x(11)).cmp(x(10), x(9)).bcond("lo", L(l));
      a.bind(out);
    },
    fault: () => void a.mov(x(9), 0).ldr(x(9), amem(x(9))),
    callVdso(off, n) {
      a.ldr(x(9), amem(B, S.vdso)).mov(x(10), off).add(x(9), x(9), x(10)).mov(x(8), n).blr(x(9));
    },
    restorer: () => undefined,
    finish: () => a.finish(),
  };
  return g;
}

function x86(): Gen {
  const a = new X86Assembler();
  const labels = new Map<number, ReturnType<X86Assembler["newLabel"]>>();
  let next = 0;
  const L = (l: Label) => labels.get(l.id)!;
  const REGS = ["rdi", "rsi", "rdx", "r10", "r8", "r9"] as const;
  const load = (r: (typeof REGS)[number] | "rax", v: Arg) => {
    if (typeof v === "number" || typeof v === "bigint") a.movabs(r, BigInt.asUintN(64, BigInt(v)));
    else if ("buf" in v) a.lea(r, mem("rbx", v.buf));
    else if ("label" in v) a.lea(r, mem({ base: "rip", label: L(v.label) }));
    else a.mov(r, mem("rbx", v.load));
  };
  a.mov("rbp", "rsp").lea("rbx", mem("rsp", -0x1000)).lea("rsp", mem("rsp", -0x12000));
  const env = a.newLabel(), aux = a.newLabel(), found = a.newLabel(), done = a.newLabel();
  a.mov("rcx", mem("rbp")).lea("rsi", mem({ base: "rbp", index: "rcx", scale: 8, disp: 16 }));
  a.bind(env).mov("rax", mem("rsi")).add("rsi", 8).test("rax", "rax").j("ne", env);
  a.bind(aux).mov("rax", mem("rsi")).test("rax", "rax").j("e", done).cmp("rax", AT_SYSINFO_EHDR).j("e", found).add("rsi", 16).jmp(aux);
  a.bind(found).mov("rax", mem("rsi", 8)).mov(mem("rbx", S.vdso), "rax");
  a.bind(done);
  let rest: Label | undefined;
  const g: Gen = {
    arch: "x86_64",
    label: () => {
      const id = next++;
      labels.set(id, a.newLabel());
      return { id };
    },
    bind: (l) => void a.bind(L(l)),
    sys(name, args = []) {
      args.forEach((v, i) => load(REGS[i]!, v));
      a.mov("eax", nr("x86_64", name)).syscall();
    },
    put64(off, v) {
      load("rax", v);
      a.mov(mem("rbx", off), "rax");
    },
    say(text) {
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += 8) {
        let q = 0n;
        for (let j = 7; j >= 0; j--) q = (q << 8n) | BigInt(bytes[i + j] ?? 0);
        a.movabs("rax", q).mov(mem("rbx", S.text + i), "rax");
      }
      g.sys("write", [1, { buf: S.text }, bytes.length]);
    },
    exit: (code) => g.sys("exit_group", [code]),
    ifRet(v, l) {
      a.movabs("rcx", BigInt.asUintN(64, BigInt(v))).cmp("rax", "rcx").j("e", L(l));
    },
    ifSpIn(lo, size, l) {
      const out = a.newLabel();
      a.lea("rcx", mem("rbx", lo)).cmp("rsp", "rcx").j("b", out);
      a.add("rcx", size).cmp("rsp", "rcx").j("b", L(l));
      a.bind(out);
    },
    fault: () => void a.xor("eax", "eax").mov("rax", mem("rax")),
    callVdso(off, n) {
      a.mov("r11", mem("rbx", S.vdso)).add("r11", off).mov("eax", n).call("r11");
    },
    restorer() {
      if (!rest) rest = g.label();
      return rest;
    },
    finish() {
      if (rest) {
        g.bind(rest);
        a.mov("eax", 15).syscall();
      }
      return a.finish();
    },
  };
  return g;
}

/** rt_sigaction(sig, {handler, flags, restorer, mask 0}) — the kernel's struct sigaction, the same on both ISAs. */
function sigaction(g: Gen, sig: number, handler: Label, flags: number): void {
  const r = g.restorer();
  g.put64(S.act, { label: handler });
  g.put64(S.act + 8, flags | (r ? SA_RESTORER : 0));
  g.put64(S.act + 16, r ? { label: r } : 0);
  g.put64(S.act + 24, 0);
  g.sys("rt_sigaction", [sig, { buf: S.act }, 0, 8]);
}

const VDSO = new Map<Arch, VdsoImage>();
function vdso(arch: Arch): VdsoImage & { syscallSites: readonly { pc: number; nr: number | "any" }[] } {
  let v = VDSO.get(arch);
  if (!v) VDSO.set(arch, (v = buildVdso({ arch })));
  return v as VdsoImage & { syscallSites: readonly { pc: number; nr: number | "any" }[] };
}

export interface Provoker {
  readonly id: string;
  /** The catalogue cause this program provokes. */
  readonly cause: string;
  readonly title: string;
  readonly arches: readonly Arch[];
  /** The program, through the portable operations; or `elf` for one that needs ISA-specific code. */
  readonly build?: (g: Gen) => void;
  readonly elf?: (arch: Arch) => Uint8Array;
}

export const PROVOKERS: readonly Provoker[] = [
  {
    id: "sigaltstack", cause: "sigaltstack", arches: ["arm64", "x86_64"],
    title: "sigaltstack, then a SIGSEGV handler with SA_ONSTACK reports which stack it runs on",
    build(g) {
      const h = g.label(), onAlt = g.label();
      g.put64(S.ss, { buf: ALT });
      g.put64(S.ss + 8, 0);
      g.put64(S.ss + 16, ALT_SIZE);
      g.sys("sigaltstack", [{ buf: S.ss }, 0]);
      sigaction(g, SIGSEGV, h, SA_SIGINFO | SA_ONSTACK);
      g.fault();
      g.say("no fault\n");
      g.exit(2);
      g.bind(h);
      g.ifSpIn(ALT, ALT_SIZE, onAlt);
      g.say("handler on the main stack\n");
      g.exit(0);
      g.bind(onAlt);
      g.say("handler on the alternate stack\n");
      g.exit(0);
    },
  },
  {
    id: "own-filter", cause: "own-seccomp-filter", arches: ["arm64", "x86_64"],
    title: "installs a seccomp filter returning EPERM for getpid (which libkernel answers in userspace), then calls getpid",
    build(g) {
      const eperm = g.label();
      g.sys("prctl", [38, 1, 0, 0, 0]); // PR_SET_NO_NEW_PRIVS
      const ins = (code: number, jt: number, jf: number, k: number) => BigInt(code) | (BigInt(jt) << 16n) | (BigInt(jf) << 24n) | (BigInt(k >>> 0) << 32n);
      g.put64(S.filter, ins(0x20, 0, 0, 0)); // ld [nr]
      g.put64(S.filter + 8, ins(0x15, 0, 1, nr(g.arch, "getpid"))); // jeq getpid
      g.put64(S.filter + 16, ins(0x06, 0, 0, 0x0005_0001)); // ret ERRNO(EPERM)
      g.put64(S.filter + 24, ins(0x06, 0, 0, 0x7fff_0000)); // ret ALLOW
      g.put64(S.fprog, 4);
      g.put64(S.fprog + 8, { buf: S.filter });
      g.sys("seccomp", [1, 0, { buf: S.fprog }]); // SECCOMP_SET_MODE_FILTER
      g.sys("getpid");
      g.ifRet(-1, eperm);
      g.say("getpid allowed: the filter did not apply\n");
      g.exit(0);
      g.bind(eperm);
      g.say("getpid = -EPERM (the filter applied)\n");
      g.exit(0);
    },
  },
  {
    id: "sud-off", cause: "sud-toggled", arches: ["arm64", "x86_64"],
    title: "prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF), then more calls",
    build(g) {
      const ok = g.label();
      g.sys("prctl", [59, 0, 0, 0, 0]);
      g.ifRet(0, ok);
      g.say("prctl failed\n");
      g.bind(ok);
      g.sys("getppid");
      g.sys("getpid");
      g.say("after SUD off\n");
      g.exit(0);
    },
  },
  {
    id: "own-sigsys", cause: "own-sigsys-handler", arches: ["arm64", "x86_64"],
    title: "installs its own SIGSYS handler, then calls getpid",
    build(g) {
      const h = g.label();
      sigaction(g, SIGSYS, h, SA_SIGINFO);
      g.sys("getpid");
      g.say("no SIGSYS\n");
      g.exit(0);
      g.bind(h);
      g.say("SIGSYS caught by the program\n");
      g.exit(3);
    },
  },
  {
    id: "sigsys-blocked", cause: "sigsys-blocked", arches: ["arm64", "x86_64"],
    title: "blocks SIGSYS with rt_sigprocmask, then makes calls",
    build(g) {
      g.put64(S.mask, 1n << BigInt(SIGSYS - 1));
      g.sys("rt_sigprocmask", [0, { buf: S.mask }, 0, 8]); // SIG_BLOCK
      g.sys("getppid");
      g.sys("getpid");
      g.say("calls returned with SIGSYS blocked\n");
      g.exit(0);
    },
  },
  {
    id: "vdso-unmap", cause: "vdso-unmapped", arches: ["arm64", "x86_64"],
    title: "munmap the vDSO (found through AT_SYSINFO_EHDR), then getppid and exit(5)",
    build(g) {
      g.sys("munmap", [{ load: S.vdso }, vdso(g.arch).mapSize]);
      g.sys("getppid");
      g.exit(5);
    },
  },
  {
    id: "vdso-bypass", cause: "vdso-bypass", arches: ["arm64", "x86_64"],
    title: "calls the syscall instruction inside __kernel_getppid with getpid's number (a jump to a vDSO syscall site)",
    build(g) {
      const img = vdso(g.arch);
      const sym = img.symbols.find((s) => s.name === "__kernel_getppid")!;
      const n = nr(g.arch, "getppid");
      const site = img.syscallSites.find((s) => s.nr === n && s.pc > sym.address && s.pc <= sym.address + sym.size)!;
      g.callVdso(site.pc - (g.arch === "arm64" ? 4 : 2), nr(g.arch, "getpid"));
      g.say("returned from the vDSO's syscall instruction\n");
      g.exit(0);
    },
  },
  {
    id: "red-zone", cause: "red-zone", arches: ["x86_64"],
    title: "keeps data in the 128-byte red zone below rsp across a syscall and checks it",
    elf: () => redZone(),
  },
];

/** One provoking program as a static ELF for `arch`. */
export function buildProvoker(p: Provoker, arch: Arch): Uint8Array {
  if (!p.arches.includes(arch)) throw new Error(`study: ${p.id} has no ${arch} version`);
  if (p.elf) return p.elf(arch);
  const g = arch === "arm64" ? a64() : x86();
  p.build!(g);
  return elfOf(arch, g.finish());
}

function elfOf(arch: Arch, code: Uint8Array): Uint8Array {
  const write = (entry: number) =>
    writeElf({ machine: arch === "arm64" ? "aarch64" : "x86_64", type: "exec", base: BASE, entry, sections: [{ name: ".text", data: code, exec: true, align: 16 }] });
  return write(write(0).sections.get(".text")!.address).bytes;
}

/** x86-64: 16 sentinels in the red zone (rsp − 128 … rsp − 8), a syscall, then each checked. */
function redZone(): Uint8Array {
  const a = new X86Assembler();
  const bad = a.newLabel();
  for (let i = 1; i <= 16; i++) a.movabs("rax", 0xabcd_0000n + BigInt(i)).mov(mem("rsp", -8 * i), "rax");
  a.mov("eax", nr("x86_64", "getppid")).syscall();
  for (let i = 1; i <= 16; i++) a.movabs("rax", 0xabcd_0000n + BigInt(i)).cmp(mem("rsp", -8 * i), "rax").j("ne", bad);
  const say = (t: string, code: number) => {
    const bytes = new TextEncoder().encode(t);
    a.lea("rsi", mem("rsp", -0x1000));
    for (let i = 0; i < bytes.length; i++) a.mov(mem("rsi", i, 8), bytes[i]!);
    a.mov("edi", 1).mov("edx", bytes.length).mov("eax", 1).syscall();
    a.mov("edi", code).mov("eax", 231).syscall();
  };
  say("red zone intact\n", 0);
  a.bind(bad);
  say("red zone clobbered\n", 1);
  return elfOf("x86_64", a.finish());
}
