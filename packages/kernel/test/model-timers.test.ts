/** alarm, setitimer/getitimer and POSIX timers: values, rounding, and signals fired on the virtual clock. */
import { describe, expect, it } from "vitest";
import { X86Assembler } from "@uabi/isa-x86";
import { A64Assembler, x, mem as amem } from "@uabi/isa-arm64";
import { Kernel } from "../src/index.js";
import { HostSys } from "./host-sys.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

const EINVAL = -22;

describe("interval timers", () => {
  it("alarm returns the previous alarm's seconds (rounded, at least 1); getitimer/setitimer round-trip", () => {
    const s = new HostSys();
    expect(s.call("alarm", 5)).toBe(0);
    expect(s.call("alarm", 3)).toBe(5);
    const v = s.alloc(32);
    expect(s.call("getitimer", 0, v)).toBe(0);
    expect(s.p.mm.mem.read64(v + 16)).toBe(3n); // it_value.tv_sec (no time has passed)
    expect(s.call("alarm", 0)).toBe(3);
    expect(s.call("getitimer", 0, v)).toBe(0);
    expect(s.p.mm.mem.read64(v + 16) + s.p.mm.mem.read64(v + 24)).toBe(0n);
    const it = new DataView(new ArrayBuffer(32));
    it.setBigInt64(8, 250_000n, true); // interval 0.25 s
    it.setBigInt64(16, 2n, true); // value 2 s
    expect(s.call("setitimer", 1, s.put(new Uint8Array(it.buffer)), 0)).toBe(0);
    expect(s.call("getitimer", 1, v)).toBe(0);
    expect(s.p.mm.mem.read64(v + 8)).toBe(250_000n);
    it.setBigInt64(8, 1_000_000n, true);
    expect(s.call("setitimer", 0, s.put(new Uint8Array(it.buffer)), 0)).toBe(EINVAL);
    expect(s.call("setitimer", 3, 0, 0)).toBe(EINVAL);
  });

  it("timer_create/settime/gettime/delete: ids, sigevent checks, relative and absolute expiry", () => {
    const s = new HostSys();
    const idp = s.alloc(4);
    expect(s.call("timer_create", 1, 0, idp)).toBe(0);
    const id = s.p.mm.mem.read32(idp);
    const spec = new DataView(new ArrayBuffer(32));
    spec.setBigInt64(16, 10n, true);
    expect(s.call("timer_settime", id, 0, s.put(new Uint8Array(spec.buffer)), 0)).toBe(0);
    const cur = s.alloc(32);
    expect(s.call("timer_gettime", id, cur)).toBe(0);
    expect(s.p.mm.mem.read64(cur + 16)).toBe(10n); // no virtual time passes between host-driven calls
    expect(s.call("timer_getoverrun", id)).toBe(0);
    expect(s.call("timer_delete", id)).toBe(0);
    expect(s.call("timer_gettime", id, cur)).toBe(EINVAL);
    const sev = new DataView(new ArrayBuffer(20));
    sev.setInt32(8, 99, true); // bad signal
    expect(s.call("timer_create", 0, s.put(new Uint8Array(sev.buffer)), idp)).toBe(EINVAL);
    expect(s.call("timer_create", 42, 0, idp)).toBe(EINVAL);
    spec.setBigInt64(24, 1_000_000_000n, true);
    expect(s.call("timer_create", 0, 0, idp)).toBe(0);
    expect(s.call("timer_settime", s.p.mm.mem.read32(idp), 0, s.put(new Uint8Array(spec.buffer)), 0)).toBe(EINVAL);
  });
});

describe("timers fire on the virtual clock", () => {
  it("alarm(1) then pause(): SIGALRM's default action ends the process (x86-64)", () => {
    const a = new X86Assembler();
    a.mov("edi", 1).mov("eax", 37).syscall(); // alarm(1)
    a.mov("eax", 34).syscall(); // pause
    a.mov("edi", 0).mov("eax", 231).syscall();
    const k = new Kernel();
    k.spawn(makeElf({ machine: "x86_64", code: a.finish() }));
    const r = k.run();
    expect(r.signal).toBe(14);
    expect(r.stats.virtualTimeNs).toBeGreaterThanOrEqual(2_000_000_000n - 1_000_000n); // one virtual second after boot (1 s)
  });

  it("a POSIX timer interrupts a program that never makes a syscall (arm64 busy loop)", () => {
    const a = new A64Assembler();
    const spin = a.newLabel();
    // timer_create(CLOCK_MONOTONIC, NULL, sp-16); timer_settime(id, 0, {0, 0, 0, 5 ms}, NULL); for (;;);
    a.mov(x(9), DATA_BASE).mov(x(0), 1).mov(x(1), 0).mov(x(2), x(9)).mov(x(8), 107).svc(0);
    a.ldr(x(0), amem(x(9), 0)).and(x(0), x(0), 0xffffffff);
    a.add(x(2), x(9), 16).mov(x(10), 5_000_000).str(x(10), amem(x(9), 40)); // it_value.tv_nsec (the rest is zero)
    a.mov(x(1), 0).mov(x(3), 0).mov(x(8), 110).svc(0);
    a.bind(spin).b(spin);
    const k = new Kernel({ maxInstructions: 1e8 });
    k.spawn(makeElf({ machine: "arm64", code: a.finish() }));
    const r = k.run();
    expect(r.signal).toBe(14);
    expect(r.reason).toBe("signal");
  });
});
