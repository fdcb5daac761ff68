/**
 * LD_PRELOAD of a guest library: fakeroot's real mechanism (libfakeroot, preloaded into a dynamically linked
 * program, answers the id calls with 0) against the kernel's fakeroot personality (libkernel answers them in the
 * vDSO), on the host's own /usr/bin/id. Skipped where the host is not x86-64 or has no libfakeroot.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Kernel, type KernelOptions } from "../src/index.js";
import { NodeHostFs } from "../src/node.js";

const LIBFAKEROOT = "/usr/lib/x86_64-linux-gnu/libfakeroot/libfakeroot-sysv.so";
const ID = "/usr/bin/id";
const available = process.arch === "x64" && existsSync(LIBFAKEROOT) && existsSync(ID);

function id(args: string[], env: string[], extra: Partial<KernelOptions> = {}): { out: string; status: number; calls: string[] } {
  let out = "";
  const calls: string[] = [];
  const k = new Kernel({ root: new NodeHostFs("/"), uid: 1000, gid: 1000, maxInstructions: 5e8, stdout: (b) => { out += new TextDecoder().decode(b); }, ...extra });
  k.syscallObservers.push((ev) => calls.push(ev.name ?? ""));
  k.spawn(new Uint8Array(readFileSync(ID)), { argv: ["id", ...args], env, path: ID });
  const status = k.run().exitStatus;
  return { out, status, calls };
}

describe.skipIf(!available)("LD_PRELOAD (libfakeroot) and the fakeroot personality", () => {
  it("without either, id reports the real ids", () => {
    expect(id(["-u"], []).out).toBe("1000\n");
  });

  it("the preloaded libfakeroot and the personality both make the ids 0; only the preload changes the libc's answers", () => {
    const preload = id(["-u"], [`LD_PRELOAD=${LIBFAKEROOT}`]);
    const personality = id(["-u"], [], { personality: "fakeroot", mode: "bounce" });
    expect([preload.out, preload.status]).toEqual(["0\n", 0]);
    expect([personality.out, personality.status]).toEqual(["0\n", 0]);
    // The loader opened and mapped the preloaded library before the program's own (glibc's ld.so: LD_PRELOAD first).
    expect(preload.calls.filter((c) => c === "openat").length).toBeGreaterThan(id(["-u"], []).calls.filter((c) => c === "openat").length);
  });

  it("they differ on the supplementary groups: libfakeroot fakes getgroups too, the personality keeps the real ones", () => {
    expect(id(["-G"], [`LD_PRELOAD=${LIBFAKEROOT}`]).out).toBe("0\n");
    expect(id(["-G"], [], { personality: "fakeroot", mode: "bounce" }).out).toBe("0 1000\n");
  });
});
