import { describe, expect, it } from "vitest";
import { LAYOUTS, offsetOf, readField, writeField, defineStruct, UapiError } from "../src/index.js";

describe("struct layouts", () => {
  it("matches the kernel's uapi headers (seccomp.h, siginfo.h, sigcontext.h)", () => {
    const a = LAYOUTS.arm64;
    const x = LAYOUTS.x86_64;
    expect(offsetOf(a.seccomp_data, "args", 5)).toBe(56);
    expect(a.siginfo.fields.si_call_addr!.offset).toBe(0x10);
    expect(a.siginfo.fields.si_syscall!.offset).toBe(0x18);
    expect(a.siginfo.fields.si_arch!.offset).toBe(0x1c);
    expect(a.ucontext.fields.uc_mcontext!.offset).toBe(176);
    expect(a.rt_sigframe.fields["uc.uc_mcontext.__reserved"]!.offset).toBe(592);
    expect(a.rt_sigframe.fields["uc.uc_mcontext.regs"]!.offset).toBe(312);
    expect(a.sigcontext.fields.pstate!.offset).toBe(272);
    expect(a.fpsimd_context.size).toBe(528);
    expect(x.rt_sigframe.fields.info!.offset).toBe(312);
    expect(x.rt_sigframe.fields["uc.uc_mcontext.rip"]!.offset).toBe(48 + 128);
    expect(x.sigcontext.fields.fpstate!.offset).toBe(184);
    expect(x.ucontext.fields.uc_sigmask!.offset).toBe(296);
    expect(x.stat.size).toBe(144);
    expect(a.stat.size).toBe(128);
    expect(x._fpstate.fields["sw_reserved.magic1"]!.offset).toBe(464);
    expect(a.sock_fprog.fields.filter!.offset).toBe(8);
  });

  it("reads and writes fields little-endian", () => {
    const buf = new DataView(new ArrayBuffer(256));
    const L = LAYOUTS.x86_64.seccomp_data;
    writeField(buf, 16, L, "nr", -1);
    writeField(buf, 16, L, "args", 0x1122334455667788n, 2);
    expect(readField(buf, 16, L, "nr")).toBe(-1);
    expect(readField(buf, 16, L, "args", 2)).toBe(0x1122334455667788n);
    expect(buf.getUint32(16 + 32, true)).toBe(0x55667788);
    expect(() => readField(buf, 0, L, "args", 6)).toThrow(UapiError);
    expect(() => readField(buf, 0, L, "nope")).toThrow(UapiError);
    const si = LAYOUTS.arm64.siginfo;
    writeField(buf, 0, si, "si_code", -6);
    writeField(buf, 0, si, "si_addr_lsb", 0x12345);
    writeField(buf, 0, si, "si_arch", 0xc00000b7n);
    expect(readField(buf, 0, si, "si_code")).toBe(-6);
    expect(readField(buf, 0, si, "si_addr_lsb")).toBe(0x2345);
    expect(readField(buf, 0, si, "si_arch")).toBe(0xc00000b7);
    writeField(buf, 0, si, "si_utime", -2);
    expect(readField(buf, 0, si, "si_utime")).toBe(-2n);
    expect(() => readField(buf, 0, LAYOUTS.arm64.fpsimd_context, "vregs")).toThrow(/not a scalar/);
    expect(() => writeField(buf, 0, si, "si_addr", 1.5)).toThrow(UapiError);
    expect(() => writeField(buf, 0, LAYOUTS.arm64.rt_sigframe, "uc", 0)).toThrow(/not a scalar/);
  });

  it("rejects a wrong asserted size", () => {
    expect(() => defineStruct("t", [["a", "u8"], ["b", "u64"]], { size: 9 })).toThrow(/computed size 16/);
  });
});
