/**
 * The playground's built-in programs: tiny static ELFs made at run time by the project's own assemblers and
 * ELF writer (no libc), so a person can run something before having a binary to drop.
 */
import { A64Assembler, sp, x } from "@uabi/isa-arm64";
import { X86Assembler, mem } from "@uabi/isa-x86";
import { writeElf } from "@uabi/elf";
import { syscallNr } from "@uabi/uapi";
import { buildSyscallLoop, type Arch } from "@uabi/cli/core";

export interface Builtin {
  readonly id: string;
  readonly title: string;
  readonly build: (arch: Arch) => Uint8Array;
}

const nr = (arch: Arch, name: string): number => {
  const n = syscallNr(arch, name);
  if (n === undefined) throw new Error(`no ${name} on ${arch}`);
  return n;
};

/** One .text section at the default base, e_entry at its start (the layout does not depend on e_entry). */
function elf(arch: Arch, code: Uint8Array): Uint8Array {
  const write = (entry: number) =>
    writeElf({ machine: arch === "arm64" ? "aarch64" : "x86_64", type: "exec", base: 0x400000, entry, sections: [{ name: ".text", data: code, exec: true, align: 16 }] });
  return write(write(0).sections.get(".text")!.address).bytes;
}

const enc = new TextEncoder();
/** arm64 data must keep instructions aligned: pad to 4 bytes. */
const padded = (b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.ceil(b.length / 4) * 4);
  out.set(b);
  return out;
};

function hello(arch: Arch): Uint8Array {
  const msg = enc.encode(`hello from uabi on ${arch}\n`);
  if (arch === "arm64") {
    const a = new A64Assembler();
    const text = a.newLabel();
    a.mov(x(0), 1).adr(x(1), text).mov(x(2), msg.length).mov(x(8), nr(arch, "write")).svc(0);
    a.mov(x(0), 0).mov(x(8), nr(arch, "exit_group")).svc(0);
    return elf(arch, a.bind(text).bytes(padded(msg)).finish());
  }
  const a = new X86Assembler();
  const text = a.newLabel();
  a.mov("edi", 1).lea("rsi", mem({ base: "rip", label: text })).mov("edx", msg.length).mov("eax", nr(arch, "write")).syscall();
  a.xor("edi", "edi").mov("eax", nr(arch, "exit_group")).syscall();
  return elf(arch, a.bind(text).bytes(msg).finish());
}

/** cat: copy stdin to stdout in 4 KiB reads until EOF (or an error), then exit 0. */
function cat(arch: Arch): Uint8Array {
  if (arch === "arm64") {
    const a = new A64Assembler();
    const loop = a.newLabel(), done = a.newLabel();
    a.sub(sp, sp, 4096).add(x(19), sp, 0);
    a.bind(loop).mov(x(0), 0).add(x(1), x(19), 0).mov(x(2), 4096).mov(x(8), nr(arch, "read")).svc(0);
    a.cmp(x(0), 0).bcond("le", done).add(x(2), x(0), 0).mov(x(0), 1).add(x(1), x(19), 0).mov(x(8), nr(arch, "write")).svc(0).b(loop);
    a.bind(done).mov(x(0), 0).mov(x(8), nr(arch, "exit_group")).svc(0);
    return elf(arch, a.finish());
  }
  const a = new X86Assembler();
  const loop = a.newLabel(), done = a.newLabel();
  a.sub("rsp", 4096).mov("rbx", "rsp");
  a.bind(loop).xor("edi", "edi").mov("rsi", "rbx").mov("edx", 4096).mov("eax", nr(arch, "read")).syscall();
  a.test("rax", "rax").j("le", done).mov("rdx", "rax").mov("edi", 1).mov("rsi", "rbx").mov("eax", nr(arch, "write")).syscall().jmp(loop);
  a.bind(done).xor("edi", "edi").mov("eax", nr(arch, "exit_group")).syscall();
  return elf(arch, a.finish());
}

/** A runaway guest: an endless loop that never enters the kernel (only Stop, or the budget, ends it). */
function spin(arch: Arch): Uint8Array {
  if (arch === "arm64") {
    const a = new A64Assembler();
    const top = a.newLabel();
    a.mov(x(0), 0).bind(top).add(x(0), x(0), 1).b(top);
    return elf(arch, a.finish());
  }
  const a = new X86Assembler();
  const top = a.newLabel();
  a.xor("eax", "eax").bind(top).add("rax", 1).jmp(top);
  return elf(arch, a.finish());
}

export const BUILTINS: readonly Builtin[] = [
  { id: "hello", title: "hello: one write, then exit_group", build: hello },
  { id: "cat", title: "cat: copies stdin to stdout (give it stdin below)", build: cat },
  { id: "getppid-1000", title: "1000 getppid calls (the bench's syscall loop)", build: (arch) => buildSyscallLoop(arch, 1000) },
  { id: "spin", title: "spin: a runaway loop with no syscalls (press Stop)", build: spin },
];

export function builtin(id: string, arch: Arch): Uint8Array {
  const b = BUILTINS.find((p) => p.id === id);
  if (!b) throw new Error(`no built-in program '${id}'`);
  return b.build(arch);
}
