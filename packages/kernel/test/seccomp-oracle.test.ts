/**
 * Our seccomp engine against the real kernel: fixtures/seccomp/oracle.json was recorded by
 * scripts/seccomp/record.ts (oracle.c run on Linux). The fixture comparison always runs; the live
 * re-run of the oracle runs only where gcc and seccomp are available.
 */
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { behaviourCases, installCases, LIBC_IP, STUB_ADDR, type BehaviourCase, type InstallCase } from "../../../scripts/seccomp/cases.js";
import {
  type BehaviourOutcome, compileOracle, fromFixture, type InstallOutcome, type OracleFixtureFile, runOracle, seccompUsable,
} from "../../../scripts/seccomp/oracle-io.js";
import {
  AUDIT_ARCH_X86_64, encodeProgram, fillSeccompData, newSeccompDataBuffer, SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_SET_MODE_FILTER, SeccompState, seccompOutcome, seccompSigsysInfo, type SockFilter,
} from "../src/seccomp/index.js";

const file = JSON.parse(readFileSync(new URL("../../../fixtures/seccomp/oracle.json", import.meta.url), "utf8")) as OracleFixtureFile;
const fixture = fromFixture(file);

const FPROG = 0x10000n;
const FILTER = 0x20000n;
const BAD = 0x10n;

/** A fake address space: one sock_fprog and one filter buffer, everything else unmapped. */
function memoryFor(len: number, filterPtr: bigint, insns: SockFilter[]) {
  const fprog = new Uint8Array(16);
  const dv = new DataView(fprog.buffer);
  dv.setUint16(0, len, true);
  dv.setBigUint64(8, filterPtr, true);
  const filter = encodeProgram(insns);
  return (addr: bigint, n: number): Uint8Array | null => {
    if (addr === FPROG && n <= 16) return fprog.slice(0, n);
    if (addr === FILTER && n <= filter.length) return filter.slice(0, n);
    return null;
  };
}

const toInsns = (f: number[][]): SockFilter[] => f.map(([code = 0, jt = 0, jf = 0, k = 0]) => ({ code, jt, jf, k }));

function engineInstall(c: InstallCase): InstallOutcome {
  const st = new SeccompState("x86_64");
  let nnp = false;
  let cap = true;
  let nextFd = 3;
  const out: number[] = [];
  for (const s of c.steps) {
    for (let r = 0; r < (s.repeat ?? 1); r++) {
      if (s.dropCaps) cap = false;
      if (s.nnp !== false) nnp = true;
      const filterPtr = s.filterPtr === "null" ? 0n : s.filterPtr === "bad" ? BAD : FILTER;
      const copyIn = memoryFor(s.len ?? s.filter.length, filterPtr, toInsns(s.filter));
      const env = { copyIn, noNewPrivs: nnp, capSysAdmin: cap, newListenerFd: () => nextFd++ };
      const arg = s.fprog === "bad" ? BAD : FPROG;
      out.push(s.prctl ? st.prctlSetSeccomp(2, arg, env) : st.seccomp(SECCOMP_SET_MODE_FILTER, s.flags ?? 0, arg, env));
    }
  }
  return out;
}

function engineBehaviour(c: BehaviourCase): BehaviourOutcome {
  const st = new SeccompState("x86_64");
  for (const f of c.filters) {
    const insns = toInsns(f);
    const r = st.seccomp(SECCOMP_SET_MODE_FILTER, 0, FPROG, { copyIn: memoryFor(insns.length, FILTER, insns), noNewPrivs: true, capSysAdmin: false });
    if (r !== 0) throw new Error(`engine refused a filter the kernel accepted (${r})`);
  }
  let refused: { strictRefused?: number } = {};
  if (c.strict) {
    const r = st.prctlSetSeccomp(1, 0n, { copyIn: () => null, noNewPrivs: true, capSysAdmin: false });
    if (r < 0) refused = { strictRefused: -r };
  }
  const ip = c.site === "stub" ? STUB_ADDR + 2n : LIBC_IP;
  const data = fillSeccompData(newSeccompDataBuffer(), { nr: c.nr, arch: AUDIT_ARCH_X86_64, instructionPointer: ip, args: c.args.map((a) => BigInt(a)) });
  const v = st.evaluate(data);
  const o = seccompOutcome(v, { liveThreads: c.site === "thread" ? 2 : 1 });
  switch (o.kind) {
    case "allow": return c.ranResult !== undefined ? { kind: "ret", ret: c.ranResult, ...refused } : { kind: "ran", ...refused };
    case "errno": return { kind: "ret", ret: o.ret, ...refused };
    case "skip": return { kind: "ret", ret: o.ret, ...refused };
    case "kill": return o.scope === "thread" ? { kind: "thread-killed" } : { kind: "killed", signal: o.signal };
    case "trap": {
      const si = seccompSigsysInfo(c.nr, AUDIT_ARCH_X86_64, ip, o.data);
      // The x86_64 rollback leaves the syscall number in RAX (kernel/seccomp.c, syscall_rollback in arch/*/include/asm/syscall.h): the kernel model's job, asserted below.
      return { kind: "sigsys", code: si.code, errno: si.errno, syscall: si.syscall, arch: si.arch, callAddrMinusStub: Number(si.callAddr - STUB_ADDR), callAddrIsRip: true, raxAtHandler: c.nr };
    }
    default: throw new Error(`outcome ${o.kind} cannot happen without a tracer or listener`);
  }
}

/** Addresses outside the stub page differ per run (ASLR); compare them only for the stub site. */
function normalise(c: BehaviourCase, o: BehaviourOutcome): BehaviourOutcome {
  return o.kind === "sigsys" && c.site !== "stub" ? { ...o, callAddrMinusStub: 0 } : o;
}

describe("seccomp engine vs recorded Linux behaviour", () => {
  it("covers the current case table (re-record after editing scripts/seccomp/cases.ts)", () => {
    expect(fixture.install.map((c) => c.name)).toEqual(installCases.map((c) => c.name));
    expect(fixture.behaviour.map((c) => c.name)).toEqual(behaviourCases.map((c) => c.name));
    expect(fixture.install.map((c) => c.steps)).toEqual(installCases.map((c) => c.steps));
    expect(fixture.behaviour.map((c) => c.filters)).toEqual(behaviourCases.map((c) => c.filters));
  });

  it.each(fixture.install.map((c) => [c.name, c] as const))("install %s", (_n, c) => {
    const ours = engineInstall(c);
    const listener = c.steps.some((s) => (s.flags ?? 0) & SECCOMP_FILTER_FLAG_NEW_LISTENER);
    // Listener fds are numbered by the caller; compare success/failure and errnos.
    const norm = (o: InstallOutcome) => (Array.isArray(o) && listener ? o.map((r) => (r >= 0 ? 0 : r)) : o);
    expect(norm(ours)).toEqual(norm(c.outcome));
  });

  it.each(fixture.behaviour.map((c) => [c.name, c] as const))("behaviour %s", (_n, c) => {
    expect(normalise(c, engineBehaviour(c))).toEqual(normalise(c, c.outcome));
  });

  it("RET_TRAP facts the kernel model must reproduce: si_call_addr = uc RIP, RAX = nr at the handler", () => {
    const traps = fixture.behaviour.filter((c) => c.outcome.kind === "sigsys");
    expect(traps.length).toBeGreaterThan(4);
    for (const c of traps) {
      if (c.outcome.kind !== "sigsys") continue;
      expect(c.outcome.callAddrIsRip).toBe(true);
      expect(c.outcome.raxAtHandler).toBe(c.nr);
    }
  });

  const gcc = spawnSync("gcc", ["--version"]).status === 0;
  it.skipIf(!gcc || !seccompUsable())("live: the real kernel still gives the recorded outcomes", () => {
    const bin = compileOracle("gcc");
    expect(bin).not.toBeNull();
    const live = runOracle(bin!, installCases, behaviourCases);
    for (const c of fixture.install) expect([c.name, live.install.get(c.name)]).toEqual([c.name, c.outcome]);
    for (const c of fixture.behaviour) expect([c.name, normalise(c, live.behaviour.get(c.name)!)]).toEqual([c.name, normalise(c, c.outcome)]);
  });
});
