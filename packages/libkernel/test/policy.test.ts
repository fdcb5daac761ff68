import { describe, expect, it } from "vitest";
import { syscalls, syscallNr } from "@uabi/uapi";
import { dispatchPolicy } from "../src/index.js";

describe("dispatch policy", () => {
  it("has one entry per syscall of each ISA's table", () => {
    for (const arch of ["arm64", "x86_64"] as const) {
      const p = dispatchPolicy(arch);
      expect(p.entries.map((e) => e.nr)).toEqual(syscalls(arch).map((s) => s.nr));
    }
  });
  it("handles the trivial calls in userspace on both ISAs", () => {
    for (const arch of ["arm64", "x86_64"] as const) {
      const p = dispatchPolicy(arch);
      for (const n of ["personality", "set_robust_list", "get_robust_list", "umask", "getpid", "gettid", "uname", "clock_gettime", "clock_getres", "gettimeofday"]) {
        expect(p.kindOf(syscallNr(arch, n)), `${arch} ${n}`).toBe("userspace");
      }
      expect(p.kindOf(syscallNr(arch, "write"))).toBe("passthrough");
      expect(p.kindOf(100000)).toBe("passthrough");
    }
  });
  it("rewrites x86-64's superseded calls and only those", () => {
    const p = dispatchPolicy("x86_64");
    const rewrites = p.entries.filter((e) => e.kind === "rewrite").map((e) => `${e.name}->${e.successor}`).sort();
    expect(rewrites).toEqual([
      "access->faccessat", "creat->openat", "dup2->dup3", "fork->clone", "getpgrp->getpgid", "lstat->newfstatat",
      "mkdir->mkdirat", "open->openat", "pipe->pipe2", "readlink->readlinkat", "rename->renameat2", "rmdir->unlinkat",
      "stat->newfstatat", "unlink->unlinkat",
    ]);
    expect(p.kindOf(syscallNr("x86_64", "time"))).toBe("userspace");
    expect(p.kindOf(syscallNr("x86_64", "getcpu"))).toBe("userspace");
    expect(dispatchPolicy("arm64").entries.some((e) => e.kind === "rewrite")).toBe(false);
    expect(dispatchPolicy("arm64").kindOf(syscallNr("arm64", "getcpu"))).toBe("passthrough");
  });
  it("derives the movable set from the IR: handlers that never re-issue their own number", () => {
    const p = dispatchPolicy("x86_64");
    const movable = new Set([...p.movable].map((nr) => p.entries.find((e) => e.nr === nr)!.name));
    expect(movable.has("getpid")).toBe(true);
    expect(movable.has("open")).toBe(true);
    expect(movable.has("clock_gettime")).toBe(false); // falls back to itself
    expect(movable.has("get_robust_list")).toBe(false); // other pids go to the kernel
  });
  it("layers the fakeroot personality on top", () => {
    const base = dispatchPolicy("arm64");
    const fr = dispatchPolicy("arm64", { personalities: ["fakeroot"] });
    expect(base.kindOf(syscallNr("arm64", "getuid"))).toBe("passthrough");
    expect(fr.kindOf(syscallNr("arm64", "getuid"))).toBe("userspace");
    expect(fr.handled.get(syscallNr("arm64", "fchownat"))?.personality).toBe("fakeroot");
    expect(() => dispatchPolicy("arm64", { personalities: ["nope" as "fakeroot"] })).toThrow(/unknown personality/);
  });
  it("compiles a switchable personality behind the task's ABI bit, keeping the base behaviour reachable", () => {
    const sw = dispatchPolicy("x86_64", { switchable: ["fakeroot"] });
    const getuid = sw.handled.get(syscallNr("x86_64", "getuid"))!;
    expect(getuid.personality).toBe("fakeroot");
    // Bit clear → the real getuid, so a lean kernel must keep it: not movable.
    expect(sw.movable.has(syscallNr("x86_64", "getuid"))).toBe(false);
    // stat keeps its rewrite when the bit is clear: the handler issues newfstatat in both halves.
    const stat = sw.handled.get(syscallNr("x86_64", "stat"))!.handler!;
    expect(stat.code.filter((i) => i.op === "syscall").length).toBe(2);
    expect(sw.switchable).toEqual(["fakeroot"]);
    // Always-on wins over switchable.
    expect(dispatchPolicy("x86_64", { personalities: ["fakeroot"], switchable: ["fakeroot"] }).switchable).toEqual([]);
  });
});
