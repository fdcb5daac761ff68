/** exec: typed refusals, the initial stack and auxv, the trace format, unknown syscalls. */
import { describe, expect, it } from "vitest";
import { A64Assembler, x } from "@uabi/isa-arm64";
import { X86Assembler } from "@uabi/isa-x86";
import { ExecError, Kernel, AT } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

const exit0 = () => {
  const a = new A64Assembler();
  a.mov(x(0), 0).mov(x(8), 94).svc(0);
  return a.finish();
};

describe("exec refusals", () => {
  it("names the interpreter of a dynamically linked binary when it is not in the filesystem (execve's ENOENT)", () => {
    const k = new Kernel();
    const elf = makeElf({ machine: "arm64", code: exit0(), interp: "/lib/ld-linux-aarch64.so.1" });
    try {
      k.spawn(elf);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExecError);
      expect((e as ExecError).kind).toBe("no-interpreter");
      expect((e as ExecError).interpreter).toBe("/lib/ld-linux-aarch64.so.1");
      expect((e as ExecError).message).toContain("/lib/ld-linux-aarch64.so.1");
    }
  });
  it("rejects non-ELF, 32-bit, big-endian, ET_REL and truncated images with typed errors", () => {
    const good = makeElf({ machine: "arm64", code: exit0() });
    const bad = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return b;
    };
    const kind = (b: Uint8Array) => {
      try {
        new Kernel().spawn(b);
        return "ok";
      } catch (e) {
        return e instanceof ExecError ? e.kind : `host ${(e as Error).message}`;
      }
    };
    expect(kind(new TextEncoder().encode("#!/bin/sh\n"))).toBe("not-elf");
    expect(kind(bad((b) => (b[4] = 1)))).toBe("bad-class");
    expect(kind(bad((b) => (b[5] = 2)))).toBe("bad-class");
    expect(kind(bad((b) => (b[16] = 1)))).toBe("bad-type");
    expect(kind(bad((b) => (b[18] = 40)))).toBe("bad-arch");
    expect(kind(good.slice(0, 100))).toBe("truncated");
    expect(kind(good)).toBe("ok");
  });
});

describe("initial stack", () => {
  it("has argc, argv, envp and Linux's auxv (x86-64 and arm64)", () => {
    for (const machine of ["arm64", "x86_64"] as const) {
      const code = machine === "arm64" ? exit0() : new X86Assembler().mov("edi", 0).mov("eax", 231).syscall().finish();
      const k = new Kernel();
      const p = k.spawn(makeElf({ machine, code }), { argv: ["prog", "a b"], env: ["K=V"], path: "/bin/prog" });
      const t = p.threads[0]!;
      const sp = Number(t.cpu.sp);
      const m = p.mm.mem;
      expect(sp % 16).toBe(0);
      expect(m.read64(sp)).toBe(2n);
      const str = (a: number) => new TextDecoder().decode(m.readCString(a)!);
      expect(str(Number(m.read64(sp + 8)))).toBe("prog");
      expect(str(Number(m.read64(sp + 16)))).toBe("a b");
      expect(m.read64(sp + 24)).toBe(0n);
      expect(str(Number(m.read64(sp + 32)))).toBe("K=V");
      expect(m.read64(sp + 40)).toBe(0n);
      const aux = new Map<number, bigint>();
      const order: number[] = [];
      for (let o = sp + 48; ; o += 16) {
        const key = Number(m.read64(o));
        if (key === 0) break;
        aux.set(key, m.read64(o + 8));
        order.push(key);
      }
      expect(aux.get(AT.PAGESZ)).toBe(4096n);
      expect(aux.get(AT.PHNUM)).toBe(2n);
      expect(aux.get(AT.PHENT)).toBe(56n);
      expect(aux.get(AT.PHDR)).toBe(0x400040n);
      expect(aux.get(AT.ENTRY)).toBe(BigInt(t.cpu.pc));
      expect(aux.get(AT.UID)).toBe(0n); // the default credentials: root (KernelOptions.uid)
      expect(aux.get(AT.SECURE)).toBe(0n);
      expect(aux.get(AT.CLKTCK)).toBe(100n);
      expect(Number(aux.get(AT.SYSINFO_EHDR))).toBe(p.vdsoBase);
      expect(m.read32(p.vdsoBase)).toBe(0x464c457f); // the vDSO is an ELF image
      expect(aux.get(AT.HWCAP)).toBe(p.arch.hwcap);
      expect(aux.get(AT.MINSIGSTKSZ)).toBe(BigInt(p.arch.minSigStkSz));
      expect(str(Number(aux.get(AT.PLATFORM)))).toBe(machine === "arm64" ? "aarch64" : "x86_64");
      expect(str(Number(aux.get(AT.EXECFN)))).toBe("/bin/prog");
      expect(m.readBytes(Number(aux.get(AT.RANDOM)), 16).length).toBe(16);
      // Linux's order: ARCH_DLINFO (SYSINFO_EHDR, MINSIGSTKSZ), then HWCAP, PAGESZ, CLKTCK, PHDR...
      expect(order.slice(0, 6)).toEqual([AT.SYSINFO_EHDR, AT.MINSIGSTKSZ, AT.HWCAP, AT.PAGESZ, AT.CLKTCK, AT.PHDR]);
      const maps = p.mm.formatMaps();
      expect(maps).toMatch(/r-xp 00000000 00:1f \d+ +\/bin\/prog\n/);
      expect(maps).toContain("[stack]");
      expect(maps).toContain("[vdso]");
      expect(maps).toContain("[vvar]");
    }
  });
});

describe("syscall table front end", () => {
  it("traces in strace format and reports an unknown syscall once with -ENOSYS", () => {
    const lines: string[] = [];
    const missing: number[] = [];
    const k = new Kernel({ trace: (l) => lines.push(l), onMissingSyscall: (_a, nr) => missing.push(nr) });
    const a = new A64Assembler();
    const str = a.newLabel(), skip = a.newLabel();
    a.mov(x(0), 1).adr(x(1), str).mov(x(2), 3).mov(x(8), 64).svc(0); // write(1, "hi\n", 3)
    a.b(skip).bind(str).word(0x000a6968).bind(skip); // "hi\n" (jumped over)
    a.mov(x(8), 999).svc(0).mov(x(8), 999).svc(0); // unknown, twice
    a.mov(x(0), -1).mov(x(1), 0).mov(x(2), 0).mov(x(8), 56).svc(0); // openat(-1, NULL, O_RDONLY) → EFAULT
    a.mov(x(0), 3).mov(x(8), 94).svc(0);
    const events: string[] = [];
    k.syscallObservers.push((e) => events.push(`${e.name}:${e.path.join(">")}:${e.result}`));
    k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
    expect(k.run().exitStatus).toBe(3);
    expect(lines[0]).toBe('write(1, "hi\\n", 3) = 3');
    expect(lines[1]).toMatch(/= -1 ENOSYS \(Function not implemented\)$/);
    expect(lines[3]).toBe("openat(-1, NULL, O_RDONLY) = -1 EFAULT (Bad address)"); // strace omits the mode without O_CREAT
    expect(lines.at(-1)).toBe("+++ exited with 3 +++");
    expect(missing).toEqual([999]);
    expect(k.stats.missingSyscalls).toEqual(["arm64:999"]);
    expect(events[0]).toBe("write:dispatch:3");
  });
});
