import { describe, expect, it } from "vitest";
import {
  CLONE, ENUM_TABLES, UapiError, FLAG_TABLES, formatEnum, formatFlags, FUTEX, MAP, O_ARM64, O_X86_64, PROT, SIGNALS,
} from "../src/index.js";

const x = FLAG_TABLES.x86_64;
const a = FLAG_TABLES.arm64;

describe("formatFlags (strace spelling)", () => {
  it("open flags, with the access mode first and per-arch bits", () => {
    expect(formatFlags(x.open_flags!, O_X86_64.RDONLY | O_X86_64.CLOEXEC)).toBe("O_RDONLY|O_CLOEXEC");
    expect(formatFlags(x.open_flags!, 0o1101)).toBe("O_WRONLY|O_CREAT|O_TRUNC");
    expect(formatFlags(x.open_flags!, O_X86_64.DIRECTORY | O_X86_64.RDONLY)).toBe("O_RDONLY|O_DIRECTORY");
    // 0x4000 is O_DIRECTORY on arm64 but O_DIRECT on x86-64.
    expect(formatFlags(a.open_flags!, 0x4000)).toBe("O_RDONLY|O_DIRECTORY");
    expect(formatFlags(x.open_flags!, 0x4000)).toBe("O_RDONLY|O_DIRECT");
    expect(formatFlags(a.open_flags!, O_ARM64.NOFOLLOW | O_ARM64.CLOEXEC | 2)).toBe("O_RDWR|O_NOFOLLOW|O_CLOEXEC");
  });

  it("prot, map and clone", () => {
    expect(formatFlags(x.prot!, 0)).toBe("PROT_NONE");
    expect(formatFlags(x.prot!, PROT.READ | PROT.WRITE)).toBe("PROT_READ|PROT_WRITE");
    expect(formatFlags(a.prot!, PROT.READ | PROT.EXEC | 0x10)).toBe("PROT_READ|PROT_EXEC|PROT_BTI");
    expect(formatFlags(x.map_flags!, MAP.PRIVATE | MAP.ANONYMOUS)).toBe("MAP_PRIVATE|MAP_ANONYMOUS");
    expect(formatFlags(x.map_flags!, MAP.PRIVATE | MAP.FIXED | MAP.DENYWRITE)).toBe("MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
    expect(formatFlags(x.map_flags!, MAP.PRIVATE | 0x40)).toBe("MAP_PRIVATE|MAP_32BIT");
    expect(formatFlags(a.map_flags!, MAP.PRIVATE | 0x40)).toBe("MAP_PRIVATE|0x40");
    const threadFlags = CLONE.VM | CLONE.FS | CLONE.FILES | CLONE.SIGHAND | CLONE.THREAD | CLONE.SYSVSEM |
      CLONE.SETTLS | CLONE.PARENT_SETTID | CLONE.CHILD_CLEARTID;
    expect(formatFlags(x.clone_flags!, threadFlags)).toBe(
      "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID",
    );
    expect(formatFlags(x.clone_flags!, CLONE.CHILD_CLEARTID | CLONE.CHILD_SETTID | SIGNALS.SIGCHLD!)).toBe(
      "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD",
    );
  });

  it("unknown bits as hex, zero spellings, 64-bit values", () => {
    expect(formatFlags(x.at_flags!, 0x100 | 0x80000000)).toBe("AT_SYMLINK_NOFOLLOW|0x80000000");
    expect(formatFlags(x.at_flags!, 0)).toBe("0");
    expect(formatFlags(x.access_mode!, 0)).toBe("F_OK");
    expect(formatFlags(x.access_mode!, 6)).toBe("R_OK|W_OK");
    expect(formatFlags(x.sa_flags!, 0x04000000 | 4 | 0x10000000)).toBe("SA_RESTORER|SA_RESTART|SA_SIGINFO");
    expect(formatFlags(x.prot!, 1n << 40n)).toBe("0x10000000000");
    expect(formatFlags(x.st_mode!, 0o100644)).toBe("S_IFREG|0644");
    expect(formatFlags(x.st_mode!, 0o40000)).toBe("S_IFDIR|000");
  });
});

describe("formatEnum", () => {
  it("names values, appends modifiers, prints unknowns", () => {
    expect(formatEnum(ENUM_TABLES.futex_op!, FUTEX.WAIT | FUTEX.PRIVATE_FLAG)).toBe("FUTEX_WAIT_PRIVATE");
    expect(formatEnum(ENUM_TABLES.futex_op!, FUTEX.WAIT_BITSET | FUTEX.PRIVATE_FLAG | FUTEX.CLOCK_REALTIME)).toBe(
      "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME",
    );
    expect(formatEnum(ENUM_TABLES.prctl_option!, 38)).toBe("PR_SET_NO_NEW_PRIVS");
    expect(formatEnum(ENUM_TABLES.prctl_option!, 59)).toBe("PR_SET_SYSCALL_USER_DISPATCH");
    expect(formatEnum(ENUM_TABLES.arch_prctl_code!, 0x1002)).toBe("ARCH_SET_FS");
    expect(formatEnum(ENUM_TABLES.arch_prctl_code!, 0x9999)).toBe("0x9999");
    expect(formatEnum(ENUM_TABLES.clockid!, 1)).toBe("CLOCK_MONOTONIC");
    expect(formatEnum(ENUM_TABLES.clockid!, -7)).toBe("-7");
    expect(formatEnum(ENUM_TABLES.seccomp_op!, 1)).toBe("SECCOMP_SET_MODE_FILTER");
    expect(formatEnum(ENUM_TABLES.whence!, 2)).toBe("SEEK_END");
    expect(formatEnum(ENUM_TABLES.ioctl_cmd!, 0x5401)).toBe("TCGETS");
    expect(formatEnum(ENUM_TABLES.sigprocmask_how!, 2)).toBe("SIG_SETMASK");
    expect(formatEnum(ENUM_TABLES.seccomp_ret!, 0x7fff0000)).toBe("SECCOMP_RET_ALLOW");
    expect(() => formatEnum(ENUM_TABLES.whence!, 0.5)).toThrow(UapiError);
    expect(() => formatFlags(FLAG_TABLES.arm64.prot!, Number.NaN)).toThrow(UapiError);
  });

  it("every table named by a syscall signature exists", async () => {
    const { syscalls } = await import("../src/index.js");
    for (const arch of ["x86_64", "arm64"] as const) {
      for (const s of syscalls(arch)) {
        for (const arg of s.args) {
          if (arg.kind === "flags") expect(FLAG_TABLES[arch][arg.table!], `${s.name}.${arg.name}`).toBeDefined();
          if (arg.kind === "enum") expect(ENUM_TABLES[arg.table!], `${s.name}.${arg.name}`).toBeDefined();
        }
      }
    }
  });
});

describe("tables built on first read", () => {
  it("every flag and enum table builds, and a second read is the same object", () => {
    for (const tables of [x, a, ENUM_TABLES] as const) {
      const names = Object.keys(tables);
      expect(names.length).toBeGreaterThan(20);
      for (const name of names) {
        const t: object | undefined = (tables as Readonly<Record<string, object>>)[name];
        expect(t, name).toBeDefined();
        expect((tables as Readonly<Record<string, object>>)[name], name).toBe(t);
      }
    }
    expect(FLAG_TABLES.x86_64).toBe(x);
    expect(FLAG_TABLES.arm64).toBe(a);
    expect(Object.keys(FLAG_TABLES)).toEqual(["x86_64", "arm64"]);
    expect(Object.isFrozen(FLAG_TABLES) && Object.isFrozen(x) && Object.isFrozen(ENUM_TABLES)).toBe(true);
    expect(Object.keys(x)).toContain("open_flags");
    expect(Object.keys(ENUM_TABLES)[0]).toBe("futex_op");
  });
});
