/**
 * The filter the `seccomp` mechanism installs at exec: allow a syscall whose instruction_pointer
 * (the PC *after* the syscall instruction) lies in [start, end), trap everything else with
 * SECCOMP_RET_TRAP so the vDSO's SIGSYS handler can dispatch it, and kill on a foreign arch.
 * cBPF words are 32 bits, so the 64-bit comparisons go through the high then the low halves.
 *
 * Standard form: the bounds are constants in the program (it must be regenerated if the vDSO moves).
 * Extended form: the bounds are read from seccomp_data offsets 64..79 (see data.ts), so the same
 * program stays valid after the vDSO is remapped; it needs the extension enabled at install.
 */
import { type AsmItem, assemble } from "./asm.js";
import type { SockFilter } from "./bpf.js";
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, BPF_ABS, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_MISC,
  BPF_RET, BPF_TAX, BPF_W, BPF_X, SECCOMP_DATA_VDSO_END, SECCOMP_DATA_VDSO_START, SECCOMP_RET_ALLOW,
  SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP,
} from "./constants.js";

export type SeccompArch = "x86_64" | "arm64";
export const AUDIT_ARCH: Record<SeccompArch, number> = { x86_64: AUDIT_ARCH_X86_64, arm64: AUDIT_ARCH_AARCH64 };

const LD = (off: number): AsmItem => ({ code: BPF_LD | BPF_W | BPF_ABS, k: off });
const TAX: AsmItem = { code: BPF_MISC | BPF_TAX };
const RET = (k: number): AsmItem => ({ code: BPF_RET | BPF_K, k });
const IP_LO = 8;
const IP_HI = 12;

export interface WindowFilterOptions {
  /** Read the bounds from the extended seccomp_data instead of embedding them. */
  extended?: boolean;
  /** Data returned with SECCOMP_RET_TRAP (si_errno in the handler). Default 0. */
  trapData?: number;
}

export function vdsoWindowFilter(arch: SeccompArch, vdsoStart: bigint, vdsoEnd: bigint, opts: WindowFilterOptions = {}): SockFilter[] {
  if (vdsoStart < 0n || vdsoEnd > 0xffffffffffffffffn || vdsoStart >= vdsoEnd) {
    throw new RangeError(`bad vDSO window [0x${vdsoStart.toString(16)}, 0x${vdsoEnd.toString(16)})`);
  }
  const hi = (v: bigint) => Number(v >> 32n);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  // Compare the IP half loaded into A with a bound half: constant (K) or X loaded from the data.
  const ext = opts.extended === true;
  const cmp = (op: number, half: number, jt: string, jf: string): AsmItem =>
    ext ? { code: BPF_JMP | op | BPF_X, jt, jf } : { code: BPF_JMP | op | BPF_K, k: half, jt, jf };
  const bound = (off: number): AsmItem[] => (ext ? [LD(off), TAX] : []);
  const items: AsmItem[] = [
    LD(4),
    { code: BPF_JMP | BPF_JEQ | BPF_K, k: AUDIT_ARCH[arch], jt: 0, jf: "kill" },
    // ip >= start
    ...bound(SECCOMP_DATA_VDSO_START + 4), LD(IP_HI),
    cmp(BPF_JGT, hi(vdsoStart), "check_end", "start_hi_eq"),
    { label: "start_hi_eq" },
    cmp(BPF_JEQ, hi(vdsoStart), "start_lo", "trap"),
    { label: "start_lo" },
    ...bound(SECCOMP_DATA_VDSO_START), LD(IP_LO),
    cmp(BPF_JGE, lo(vdsoStart), "check_end", "trap"),
    // ip < end
    { label: "check_end" },
    ...bound(SECCOMP_DATA_VDSO_END + 4), LD(IP_HI),
    cmp(BPF_JGT, hi(vdsoEnd), "trap", "end_hi_eq"),
    { label: "end_hi_eq" },
    cmp(BPF_JEQ, hi(vdsoEnd), "end_lo", "allow"),
    { label: "end_lo" },
    ...bound(SECCOMP_DATA_VDSO_END), LD(IP_LO),
    cmp(BPF_JGE, lo(vdsoEnd), "trap", "allow"),
    { label: "allow" }, RET(SECCOMP_RET_ALLOW),
    { label: "trap" }, RET(SECCOMP_RET_TRAP | ((opts.trapData ?? 0) & 0xffff)),
    { label: "kill" }, RET(SECCOMP_RET_KILL_PROCESS),
  ];
  return assemble(items);
}
