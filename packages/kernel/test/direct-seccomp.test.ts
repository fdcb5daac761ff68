/**
 * Direct mode is today's Linux: a program may install its own seccomp filter there too (seccomp is a Linux
 * feature, not only a uabi mechanism).
 */
import { describe, expect, it } from "vitest";
import { A64Assembler, mem, sp, x } from "@uabi/isa-arm64";
import { Kernel } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

/** cBPF: getpid (172 on arm64) → SECCOMP_RET_ERRNO | 7, everything else → SECCOMP_RET_ALLOW. */
function getpidErrnoFilter(): Uint8Array {
  const insns: [code: number, jt: number, jf: number, k: number][] = [
    [0x20, 0, 0, 0], // ld [0]           (seccomp_data.nr)
    [0x15, 0, 1, 172], // jeq #172, 0, 1
    [0x06, 0, 0, 0x00050007], // ret ERRNO(7)
    [0x06, 0, 0, 0x7fff0000], // ret ALLOW
  ];
  const b = new Uint8Array(insns.length * 8);
  const v = new DataView(b.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code, true);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    v.setUint32(i * 8 + 4, k, true);
  });
  return b;
}

describe("direct mode", () => {
  it("seccomp(SECCOMP_SET_MODE_FILTER) attaches the program's filter, which answers later calls", () => {
    const a = new A64Assembler();
    const filter = a.newLabel();
    a.mov(x(0), 38).mov(x(1), 1).mov(x(2), 0).mov(x(3), 0).mov(x(4), 0).mov(x(8), 167).svc(0); // prctl(PR_SET_NO_NEW_PRIVS, 1)
    a.sub(sp, sp, 16);
    a.mov(x(9), 4).str(x(9), mem(sp, 0)); // sock_fprog.len
    a.adr(x(10), filter).str(x(10), mem(sp, 8)); // sock_fprog.filter
    a.mov(x(0), 1).mov(x(1), 0).mov(x(2), sp).mov(x(8), 277).svc(0); // seccomp(SET_MODE_FILTER, 0, &prog)
    a.mov(x(19), x(0)); // 0 on success
    a.mov(x(8), 172).svc(0); // getpid: -7 from the filter
    a.add(x(0), x(0), x(19));
    a.mov(x(8), 94).svc(0); // exit_group((-7 + 0) & 0xff)
    a.align(8);
    a.bind(filter);
    a.bytes(getpidErrnoFilter());
    const k = new Kernel();
    k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
    expect(k.run().exitStatus).toBe(256 - 7);
  });
});
