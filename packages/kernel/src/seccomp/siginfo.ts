/**
 * SIGSYS siginfo for SECCOMP_RET_TRAP (force_sig_seccomp; layout include/uapi/asm-generic/siginfo.h,
 * kernel/seccomp.c seccomp_init_siginfo, include/uapi/asm-generic/siginfo.h): si_signo 31, si_errno = the filter's 16-bit data, si_code SYS_SECCOMP (1),
 * si_call_addr = the PC after the syscall instruction, si_syscall, si_arch. 128 bytes, 64-bit layout.
 */
import { SIGSYS, SYS_SECCOMP } from "./constants.js";

export const SIGINFO_SIZE = 128;

export interface SigsysInfo {
  signo: number;
  errno: number;
  code: number;
  callAddr: bigint;
  syscall: number;
  arch: number;
}

export function seccompSigsysInfo(nr: number, arch: number, callAddr: bigint, data: number): SigsysInfo {
  return { signo: SIGSYS, errno: data & 0xffff, code: SYS_SECCOMP, callAddr, syscall: nr, arch: arch >>> 0 };
}

/** Serialises to the 128-byte siginfo_t the signal frame carries. */
export function encodeSigsysInfo(info: SigsysInfo, out: Uint8Array = new Uint8Array(SIGINFO_SIZE)): Uint8Array {
  out.fill(0, 0, SIGINFO_SIZE);
  const dv = new DataView(out.buffer, out.byteOffset, SIGINFO_SIZE);
  dv.setInt32(0x00, info.signo, true);
  dv.setInt32(0x04, info.errno, true);
  dv.setInt32(0x08, info.code, true);
  dv.setBigUint64(0x10, BigInt.asUintN(64, info.callAddr), true);
  dv.setInt32(0x18, info.syscall, true);
  dv.setUint32(0x1c, info.arch >>> 0, true);
  return out;
}

export function decodeSigsysInfo(bytes: Uint8Array): SigsysInfo {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SIGINFO_SIZE));
  return {
    signo: dv.getInt32(0, true), errno: dv.getInt32(4, true), code: dv.getInt32(8, true),
    callAddr: dv.getBigUint64(0x10, true), syscall: dv.getInt32(0x18, true), arch: dv.getUint32(0x1c, true),
  };
}
