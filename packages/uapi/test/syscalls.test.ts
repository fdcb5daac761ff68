import { describe, expect, it } from "vitest";
import { ARCHES, layout, parseArgs, syscallByName, syscallByNr, syscallNr, syscalls, UapiError } from "../src/index.js";

describe("syscall tables", () => {
  it("pins well-known numbers (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h)", () => {
    const pairs: [string, number, number | undefined][] = [
      ["read", 0, 63], ["write", 1, 64], ["openat", 257, 56], ["close", 3, 57], ["exit_group", 231, 94],
      ["rt_sigreturn", 15, 139], ["seccomp", 317, 277], ["clone3", 435, 435], ["rseq", 334, 293],
      ["newfstatat", 262, 79], ["fstat", 5, 80], ["mmap", 9, 222], ["open", 2, undefined], ["arch_prctl", 158, undefined],
      ["getrandom", 318, 278], ["mseal", 462, 462], ["file_setattr", 469, 469],
    ];
    for (const [name, x86, arm] of pairs) {
      expect(syscallByName("x86_64", name)?.nr, name).toBe(x86);
      expect(syscallByName("arm64", name)?.nr, name).toBe(arm);
    }
  });

  it("syscallNr throws a UapiError for a name or arch it does not know", () => {
    expect(() => syscallNr("arm64", "open")).toThrow(UapiError);
    expect(() => syscallNr("arm64", "open")).toThrow('arm64 has no syscall "open"');
    expect(() => syscallNr("riscv64" as never, "read")).toThrow(UapiError);
  });

  it("has unique numbers and names, and lookups agree", () => {
    for (const arch of ARCHES) {
      const list = syscalls(arch);
      expect(new Set(list.map((s) => s.nr)).size).toBe(list.length);
      expect(new Set(list.map((s) => s.name)).size).toBe(list.length);
      for (const s of list) {
        expect(syscallByNr(arch, s.nr)).toBe(s);
        expect(syscallByName(arch, s.name)).toBe(s);
        expect(syscallNr(arch, s.name)).toBe(s.nr);
        expect(s.args.length).toBeLessThanOrEqual(6);
        for (const a of s.args) if (a.len !== undefined) expect(a.len).toBeLessThan(s.args.length);
      }
    }
  });

  it("gives detailed signatures to the common calls", () => {
    const read = syscallByName("arm64", "read")!;
    expect(read.args.map((a) => a.kind)).toEqual(["fd", "buf", "size"]);
    expect(read.args[1]).toMatchObject({ out: true, len: 2 });
    const openat = syscallByName("x86_64", "openat")!;
    expect(openat.args.map((a) => a.kind)).toEqual(["dirfd", "path", "flags", "mode"]);
    expect(openat.args[2]!.table).toBe("open_flags");
    // clone's tls/child_tid order differs (kernel/fork.c CLONE_BACKWARDS on x86 vs default on arm64).
    expect(syscallByName("arm64", "clone")!.args[3]!.name).toBe("tls");
    expect(syscallByName("x86_64", "clone")!.args[4]!.name).toBe("tls");
    expect(syscalls("x86_64").filter((s) => s.detailed).length).toBeGreaterThan(120);
  });

  it("names only struct layouts that exist, and marks sys_ni_syscall rows", () => {
    for (const arch of ARCHES) {
      for (const s of syscalls(arch)) {
        for (const a of s.args) if (a.kind === "struct") expect(layout(arch, a.struct!), `${s.name}.${a.name}`).toBeDefined();
      }
    }
    expect(syscallByName("x86_64", "tuxcall")!.ni).toBe(true);
    expect(syscallByName("x86_64", "read")!.ni).toBe(false);
    expect(syscallByName("arm64", "lookup_dcookie")!.ni).toBe(true);
    expect(syscallByName("arm64", "nfsservctl")!.ni).toBe(true);
    expect(syscallByName("x86_64", "exit_group")!.ret).toBe("none");
    expect(syscallByName("arm64", "mmap")!.ret).toBe("hex");
  });

  it("parses the signature language and rejects bad specs", () => {
    expect(parseArgs("fd fd, >buf/2 buf, size count, flags:prot p, enum:whence w, >*stat st")).toEqual([
      { name: "fd", kind: "fd" },
      { name: "buf", kind: "buf", len: 2, out: true },
      { name: "count", kind: "size" },
      { name: "p", kind: "flags", table: "prot" },
      { name: "w", kind: "enum", table: "whence" },
      { name: "st", kind: "struct", struct: "stat", out: true },
    ]);
    expect(parseArgs("~ulong pos_h")).toEqual([{ name: "pos_h", kind: "ulong", hidden: true }]);
    // Property order as well (what JSON output shows): name, kind, then struct/table/len, then out/hidden.
    expect(JSON.stringify(parseArgs(">*stat st, ~ulong h, >buf/2 b, flags:open_flags f, enum:whence w"))).toBe(
      '[{"name":"st","kind":"struct","struct":"stat","out":true},{"name":"h","kind":"ulong","hidden":true},' +
        '{"name":"b","kind":"buf","len":2,"out":true},{"name":"f","kind":"flags","table":"open_flags"},{"name":"w","kind":"enum","table":"whence"}]',
    );
    expect(() => parseArgs("flags: x")).toThrow(UapiError);
    expect(() => parseArgs("flags:a:b x")).toThrow(UapiError);
    expect(parseArgs("")).toEqual([]);
    expect(() => parseArgs("bogus x")).toThrow(UapiError);
    expect(() => parseArgs("fd")).toThrow(UapiError);
  });

  it("handles misses and bad arch", () => {
    expect(syscallByNr("x86_64", 400)).toBeUndefined();
    expect(syscallByNr("arm64", -1)).toBeUndefined();
    expect(syscallByName("arm64", "nope")).toBeUndefined();
    expect(() => syscalls("mips" as never)).toThrow(UapiError);
  });
});
