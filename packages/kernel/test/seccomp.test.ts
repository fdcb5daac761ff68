import { describe, expect, it } from "vitest";
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, BPF_ABS, BPF_ALU, BPF_DIV, BPF_IMM, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_LEN,
  BPF_RET, BPF_W, BpfAsmError, BpfEncodingError, BpfRuntimeError, assemble, buildSeccompData, decodeProgram,
  decodeSigsysInfo, disassembleBpf, encodeProgram, encodeSigsysInfo, fillSeccompData,
  jump, newSeccompDataBuffer, runBpf, SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES, SECCOMP_MODE_FILTER,
  SECCOMP_MODE_STRICT, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF, SECCOMP_SET_MODE_FILTER, SECCOMP_SET_MODE_STRICT, SeccompState, seccompOutcome,
  seccompSigsysInfo, type SockFilter, stmt, toProgram, validateSeccompFilter, vdsoWindowFilter,
} from "../src/seccomp/index.js";
import { EFAULT, EINVAL, ENOSYS, EOPNOTSUPP } from "../src/seccomp/constants.js";

const ALLOW = stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
const ld = (k: number) => stmt(BPF_LD | BPF_W | BPF_ABS, k);

function install(st: SeccompState, insns: SockFilter[], opts: { extended?: boolean; flags?: number } = {}) {
  const bytes = encodeProgram(insns);
  const fprog = new Uint8Array(16);
  new DataView(fprog.buffer).setUint16(0, insns.length, true);
  new DataView(fprog.buffer).setBigUint64(8, 0x2000n, true);
  const copyIn = (a: bigint, n: number) => (a === 0x1000n ? fprog.slice(0, n) : a === 0x2000n ? bytes.slice(0, n) : null);
  return st.seccompDetail(SECCOMP_SET_MODE_FILTER, opts.flags ?? 0, 0x1000n, { copyIn, noNewPrivs: true, capSysAdmin: false, extended: opts.extended });
}

function evalAt(st: SeccompState, nr: number, ip: bigint, arch = AUDIT_ARCH_X86_64, vdso?: { start: bigint; end: bigint }) {
  const dv = fillSeccompData(newSeccompDataBuffer(), { nr, arch, instructionPointer: ip, args: [] }, vdso);
  const v = st.evaluate(dv);
  return { ret: v.ret, insns: v.insns, filters: v.filtersRun };
}

describe("cBPF encoding", () => {
  it("round-trips sock_filter records little-endian", () => {
    const prog = [ld(4), jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 1), ALLOW, stmt(BPF_RET | BPF_K, 0)];
    const bytes = encodeProgram(prog);
    expect(bytes.length).toBe(32);
    expect([...bytes.subarray(8, 16)]).toEqual([0x15, 0, 0, 1, 0x3e, 0, 0, 0xc0]);
    expect(decodeProgram(bytes)).toEqual(prog);
  });
  it("rejects malformed input with typed errors", () => {
    expect(() => decodeProgram(new Uint8Array(9))).toThrow(BpfEncodingError);
    expect(() => encodeProgram([{ code: 0x10000, jt: 0, jf: 0, k: 0 }])).toThrow(BpfEncodingError);
    expect(() => encodeProgram([{ code: 6, jt: 256, jf: 0, k: 0 }])).toThrow(BpfEncodingError);
  });
  it("the label assembler refuses backward and unknown targets", () => {
    expect(() => assemble([{ label: "a" }, { code: BPF_JMP | BPF_JEQ | BPF_K, jt: "a", jf: 0 }, { code: 6 }])).toThrow(BpfAsmError);
    expect(() => assemble([{ ja: "nowhere" }])).toThrow(BpfAsmError);
  });
});

describe("validation details beyond the oracle table", () => {
  it("rewrites LD|W|LEN to an immediate of sizeof(seccomp_data)", () => {
    const v = validateSeccompFilter([stmt(BPF_LD | BPF_W | BPF_LEN), ALLOW]);
    expect(v.ok && v.insns[0]).toEqual({ code: BPF_LD | BPF_IMM, jt: 0, jf: 0, k: 64 });
    const e = validateSeccompFilter([stmt(BPF_LD | BPF_W | BPF_LEN), ALLOW], { extended: true });
    expect(e.ok && e.insns[0]?.k).toBe(80);
  });
  it("accepts loads at 64..79 only with the vDSO-bounds extension", () => {
    expect(validateSeccompFilter([ld(64), ALLOW]).ok).toBe(false);
    expect(validateSeccompFilter([ld(76), ALLOW], { extended: true }).ok).toBe(true);
    const r = validateSeccompFilter([ld(80), ALLOW], { extended: true });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe(-EINVAL);
  });
  it("reports the failing pc", () => {
    const r = validateSeccompFilter([ALLOW, stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ALLOW]);
    expect(r).toMatchObject({ ok: false, error: -EINVAL, pc: 1 });
  });
});

describe("interpreter", () => {
  it("counts executed instructions, not program length", () => {
    const st = new SeccompState("x86_64");
    install(st, vdsoWindowFilter("x86_64", 0x7000n, 0x8000n));
    const inside = evalAt(st, 39, 0x7402n);
    expect(inside.ret).toBe(SECCOMP_RET_ALLOW);
    const above = evalAt(st, 39, 0x401002n);
    const below = evalAt(st, 39, 0x1002n);
    expect([above.ret, below.ret]).toEqual([SECCOMP_RET_TRAP, SECCOMP_RET_TRAP]);
    // ld arch, jeq, (ld hi, jgt, jeq, ld lo, jge) for the start, then the same five for the end, ret.
    expect([inside.insns, above.insns, below.insns]).toEqual([13, 13, 8]);
  });
  it("throws a typed error when given an unvalidated out-of-bounds load", () => {
    const p = toProgram([ld(200), ALLOW], 64);
    expect(() => runBpf(p, newSeccompDataBuffer(), new Uint32Array(16), { ret: 0, insns: 0 })).toThrow(BpfRuntimeError);
  });
});

describe("vdsoWindowFilter", () => {
  const cases: [bigint, bigint][] = [
    [0x7000n, 0x8000n],
    [0x1fffff000n, 0x200001000n], // the window straddles a 4 GiB boundary: high halves differ
    [0xffff800000000000n, 0xffff800000002000n],
  ];
  for (const arch of ["x86_64", "arm64"] as const) {
    for (const [start, end] of cases) {
      for (const extended of [false, true]) {
        it(`${arch} [0x${start.toString(16)}, 0x${end.toString(16)}) extended=${extended}`, () => {
          const st = new SeccompState(arch);
          expect(install(st, vdsoWindowFilter(arch, start, end, { extended }), { extended }).ret).toBe(0);
          const audit = arch === "x86_64" ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64;
          const vdso = extended ? { start, end } : undefined;
          const probe = (ip: bigint) => evalAt(st, 172, ip, audit, vdso).ret;
          for (const ip of [start, start + 1n, end - 1n]) expect(probe(ip)).toBe(SECCOMP_RET_ALLOW);
          for (const ip of [start - 1n, end, end + 1n, 0n, 0x401000n, start - 0x100000000n, end + 0x100000000n]) {
            expect(probe(ip & 0xffffffffffffffffn)).toBe(SECCOMP_RET_TRAP);
          }
          const foreign = arch === "x86_64" ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64;
          expect(evalAt(st, 172, start, foreign, vdso).ret).toBe(0x80000000);
        });
      }
    }
  }
  it("the extended form follows the vDSO when it moves, the standard one does not", () => {
    const ext = new SeccompState("arm64");
    install(ext, vdsoWindowFilter("arm64", 0x1000n, 0x2000n, { extended: true }), { extended: true });
    const std = new SeccompState("arm64");
    install(std, vdsoWindowFilter("arm64", 0x1000n, 0x2000n));
    const moved = { start: 0x5000n, end: 0x6000n };
    expect(evalAt(ext, 172, 0x5004n, AUDIT_ARCH_AARCH64, moved).ret).toBe(SECCOMP_RET_ALLOW);
    expect(evalAt(std, 172, 0x5004n, AUDIT_ARCH_AARCH64, moved).ret).toBe(SECCOMP_RET_TRAP);
  });
  it("an extended filter is rejected when the extension is off", () => {
    expect(install(new SeccompState("x86_64"), vdsoWindowFilter("x86_64", 1n, 2n, { extended: true })).ret).toBe(-EINVAL);
  });
  it("disassembles in bpf_asm syntax with seccomp annotations", () => {
    const text = disassembleBpf(vdsoWindowFilter("x86_64", 0x7fff00001000n, 0x7fff00003000n)).join("\n");
    expect(text.split("\n")[0]).toBe("l0:\tld [4]                      ; arch");
    expect(text).toContain("jeq #0xc000003e, l2, l14");
    expect(text).toContain("; AUDIT_ARCH_X86_64");
    expect(text).toContain("ld [12]                     ; instruction_pointer (hi)");
    expect(text).toMatch(/ret #0x7fff0000\s+; ALLOW/);
    expect(text).toMatch(/ret #0x30000\s+; TRAP/);
    expect(text).toMatch(/ret #0x80000000\s+; KILL_PROCESS/);
  });
});

describe("seccomp(2) entry points", () => {
  it("GET_ACTION_AVAIL and GET_NOTIF_SIZES", () => {
    const st = new SeccompState("x86_64");
    const word = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; };
    const env = (v: number) => ({ copyIn: (a: bigint) => (a === 0x10n ? word(v) : null), noNewPrivs: false, capSysAdmin: false });
    expect(st.seccomp(SECCOMP_GET_ACTION_AVAIL, 0, 0x10n, env(SECCOMP_RET_USER_NOTIF))).toBe(0);
    expect(st.seccomp(SECCOMP_GET_ACTION_AVAIL, 0, 0x10n, env(0x00010000))).toBe(-EOPNOTSUPP);
    expect(st.seccomp(SECCOMP_GET_ACTION_AVAIL, 0, 0x20n, env(0))).toBe(-EFAULT);
    expect(st.seccomp(SECCOMP_GET_ACTION_AVAIL, 1, 0x10n, env(0))).toBe(-EINVAL);
    let written: Uint8Array | undefined;
    const r = st.seccomp(SECCOMP_GET_NOTIF_SIZES, 0, 0x30n, { copyIn: () => null, copyOut: (_a, b) => ((written = b), true), noNewPrivs: false, capSysAdmin: false });
    expect(r).toBe(0);
    expect([...written!]).toEqual([80, 0, 24, 0, 64, 0]);
    expect(st.seccomp(9, 0, 0n, env(0))).toBe(-EINVAL);
  });
  it("strict mode allows read/write/exit/rt_sigreturn and blocks filters", () => {
    const st = new SeccompState("arm64");
    const env = { copyIn: () => null, noNewPrivs: true, capSysAdmin: false };
    expect(st.seccomp(SECCOMP_SET_MODE_STRICT, 0, 0n, env)).toBe(0);
    expect(st.mode).toBe(SECCOMP_MODE_STRICT);
    expect(evalAt(st, 64, 0n, AUDIT_ARCH_AARCH64).ret).toBe(SECCOMP_RET_ALLOW);
    expect(evalAt(st, 172, 0n, AUDIT_ARCH_AARCH64).ret).toBe(SECCOMP_RET_KILL_THREAD);
    expect(install(st, [ALLOW]).ret).toBe(-EINVAL);
  });
  it("fork shares the chain; later filters in the child do not affect the parent", () => {
    const parent = new SeccompState("x86_64");
    install(parent, [stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1)]);
    const child = parent.fork();
    install(child, [stmt(BPF_RET | BPF_K, SECCOMP_RET_TRAP)]);
    expect(child.list().length).toBe(2);
    expect(parent.list().length).toBe(1);
    expect(evalAt(parent, 1, 0n).ret).toBe(SECCOMP_RET_ERRNO | 1);
    expect(evalAt(child, 1, 0n)).toEqual({ ret: SECCOMP_RET_TRAP, insns: 2, filters: 2 });
    expect(child.mode).toBe(SECCOMP_MODE_FILTER);
  });
});

describe("actions", () => {
  it("TRACE and USER_NOTIF skip with ENOSYS unless a tracer / listener exists", () => {
    const base = { data: 7, match: null };
    expect(seccompOutcome({ ...base, action: SECCOMP_RET_TRACE })).toEqual({ kind: "skip", ret: -ENOSYS, why: "RET_TRACE without a tracer" });
    expect(seccompOutcome({ ...base, action: SECCOMP_RET_TRACE }, { tracer: true })).toEqual({ kind: "trace", data: 7 });
    const st = new SeccompState("x86_64");
    const r = install(st, [stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF)], { flags: 8 });
    expect(r.ret).toBe(-EINVAL); // the caller offered no way to create a listener fd
    expect(seccompOutcome({ ...base, action: SECCOMP_RET_USER_NOTIF, match: { listener: true } as never })).toEqual({ kind: "user-notif", data: 7 });
  });
  it("SIGSYS siginfo layout (include/uapi/asm-generic/siginfo.h)", () => {
    const si = seccompSigsysInfo(39, AUDIT_ARCH_X86_64, 0x401002n, 0x1234);
    const bytes = encodeSigsysInfo(si);
    expect(bytes.length).toBe(128);
    const dv = new DataView(bytes.buffer);
    expect([dv.getInt32(0, true), dv.getInt32(4, true), dv.getInt32(8, true)]).toEqual([31, 0x1234, 1]);
    expect(dv.getBigUint64(0x10, true)).toBe(0x401002n);
    expect([dv.getInt32(0x18, true), dv.getUint32(0x1c, true)]).toEqual([39, 0xc000003e]);
    expect(decodeSigsysInfo(bytes)).toEqual(si);
  });
  it("seccomp_data is 64 bytes, 80 with the extension, fields little-endian", () => {
    const d = { nr: -1, arch: AUDIT_ARCH_AARCH64, instructionPointer: 0x1122334455667788n, args: [1n, 2n, 3n, 4n, 5n, (1n << 64n) - 1n] };
    const b = buildSeccompData(d);
    expect(b.length).toBe(64);
    const dv = new DataView(b.buffer, b.byteOffset);
    expect([dv.getInt32(0, true), dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true)]).toEqual([-1, 0xc00000b7, 0x55667788, 0x11223344]);
    expect(dv.getBigUint64(56, true)).toBe((1n << 64n) - 1n);
    const e = buildSeccompData(d, { start: 0xaaaan, end: 0xbbbbn });
    expect(e.length).toBe(80);
    expect(new DataView(e.buffer).getBigUint64(72, true)).toBe(0xbbbbn);
  });
});

describe("SeccompState.attach and TRACE recheck", () => {
  it("attach applies the same checks as seccomp(2)", () => {
    const st = new SeccompState("x86_64");
    expect(st.attach([ALLOW]).ret).toBe(0);
    expect(st.attach([ld(64), ALLOW])).toMatchObject({ ret: -EINVAL, pc: 0 });
    expect(st.attach([ALLOW], { noNewPrivs: false, capSysAdmin: false }).ret).toBe(-13);
    expect(st.attach([], {}).ret).toBe(-EINVAL);
    expect(st.attach([ld(64), ALLOW], { extended: true }).ret).toBe(0);
    expect(st.list().map((f) => [f.index, f.extended])).toEqual([[1, true], [0, false]]);
  });
  it("RET_TRACE allows on the re-check after the tracer's stop", () => {
    expect(seccompOutcome({ action: SECCOMP_RET_TRACE, data: 0, match: null }, { tracer: true, recheckAfterTrace: true })).toEqual({ kind: "allow", log: false });
  });
});

describe("extension policy and disassembly of every opcode", () => {
  it("a process with extendedData installs extended filters by default, and children inherit it", () => {
    const st = new SeccompState("arm64", { extendedData: true });
    expect(st.attach(vdsoWindowFilter("arm64", 1n, 2n, { extended: true })).ret).toBe(0);
    expect(st.fork().extendedData).toBe(true);
    expect(new SeccompState("arm64").attach([ld(72), ALLOW]).ret).toBe(-EINVAL);
  });
  it("prints classic opcodes in bpf_asm syntax", () => {
    const prog: SockFilter[] = [
      stmt(0x28, 12), stmt(0x30, 3), stmt(0x40, 1), stmt(0xb1, 14), stmt(0x80), stmt(0x81), stmt(0x00, 5), stmt(0x61, 2),
      stmt(0x02, 1), stmt(0x03, 2), stmt(0x0c), stmt(0x94, 7), stmt(0x84), stmt(0x87), stmt(0x07), stmt(0x05, 1),
      jump(0x4d, 0, 0, 1), stmt(0x16), stmt(0xffff),
    ];
    expect(disassembleBpf(prog, { seccomp: false })).toEqual([
      "l0:\tldh [12]", "l1:\tldb [3]", "l2:\tld [x + 1]", "l3:\tldxb 4*([14]&0xf)", "l4:\tld len", "l5:\tldx len", "l6:\tld #0x5",
      "l7:\tldx M[2]", "l8:\tst M[1]", "l9:\tstx M[2]", "l10:\tadd x", "l11:\tmod #0x7", "l12:\tneg", "l13:\ttxa", "l14:\ttax",
      "l15:\tja l17", "l16:\tjset x, l17, l18", "l17:\tret a", "l18:\t.word 0xffff, 0, 0, #0x0    ; unknown opcode",
    ]);
  });
});
