/**
 * `struct seccomp_data` (64 bytes, include/uapi/linux/seccomp.h) and the talk's extension.
 *
 * Extension (uabi, not Linux): the same struct followed by the vDSO text bounds,
 *   u64 vdso_start @ 64, u64 vdso_end @ 72   (80 bytes in all).
 * A filter installed with the extension enabled may load words below 80 and sees
 * `BPF_LD|BPF_W|BPF_LEN` = 80; any other filter is held to Linux's 64-byte limit. Because the bounds
 * are data rather than constants, one generic filter stays correct when the vDSO moves.
 */
import { SECCOMP_DATA_EXT_SIZE, SECCOMP_DATA_SIZE, SECCOMP_DATA_VDSO_END, SECCOMP_DATA_VDSO_START } from "./constants.js";

export interface SeccompData {
  nr: number;
  arch: number;
  /** The user PC after the syscall instruction (KSTK_EIP at entry). */
  instructionPointer: bigint;
  /** Up to six argument registers; missing ones are 0. */
  args: readonly bigint[];
}

export interface VdsoBounds {
  start: bigint;
  end: bigint;
}

/** Allocates an 80-byte buffer; the first 64 bytes are plain seccomp_data. Reuse it per task. */
export function newSeccompDataBuffer(): DataView {
  return new DataView(new ArrayBuffer(SECCOMP_DATA_EXT_SIZE));
}

/**
 * Fills `dv` (from `newSeccompDataBuffer`) in place: no allocation on the syscall path. setBigUint64 stores its
 * value modulo 2^64, which is what masking with 2^64 - 1 gives (negative values in two's complement).
 */
export function fillSeccompData(dv: DataView, d: SeccompData, vdso?: VdsoBounds): DataView {
  dv.setInt32(0, d.nr | 0, true);
  dv.setUint32(4, d.arch >>> 0, true);
  dv.setBigUint64(8, d.instructionPointer, true);
  setArgs(dv, d.args);
  dv.setBigUint64(SECCOMP_DATA_VDSO_START, vdso ? vdso.start : 0n, true);
  dv.setBigUint64(SECCOMP_DATA_VDSO_END, vdso ? vdso.end : 0n, true);
  return dv;
}

/**
 * The same for the kernel's entry path, where the instruction pointer and the vDSO bounds are user addresses
 * held as integral Numbers: stored as two 32-bit words, no BigInt made.
 */
export function fillSeccompDataAt(dv: DataView, nr: number, arch: number, ip: number, args: readonly bigint[], vdsoStart: number, vdsoEnd: number): DataView {
  dv.setInt32(0, nr | 0, true);
  dv.setUint32(4, arch >>> 0, true);
  setAddress(dv, 8, ip);
  setArgs(dv, args);
  setAddress(dv, SECCOMP_DATA_VDSO_START, vdsoStart);
  setAddress(dv, SECCOMP_DATA_VDSO_END, vdsoEnd);
  return dv;
}

function setArgs(dv: DataView, args: readonly bigint[]): void {
  for (let i = 0; i < 6; i++) dv.setBigUint64(16 + 8 * i, args[i] ?? 0n, true);
}

/** An integral Number as 64 bits (two's complement for a negative one, as BigInt.asUintN(64, BigInt(x)) gives). */
function setAddress(dv: DataView, off: number, x: number): void {
  dv.setInt32(off, x | 0, true); // ToInt32: x modulo 2^32
  dv.setInt32(off + 4, Math.floor(x / 0x1_0000_0000) | 0, true);
}

/** The bytes of seccomp_data: 64, or 80 with the vDSO bounds appended. */
export function buildSeccompData(d: SeccompData, vdso?: VdsoBounds): Uint8Array {
  const dv = fillSeccompData(newSeccompDataBuffer(), d, vdso);
  return new Uint8Array(dv.buffer, 0, vdso ? SECCOMP_DATA_EXT_SIZE : SECCOMP_DATA_SIZE);
}

/** Field names by word offset, for the disassembler's comments. */
export function seccompDataField(off: number): string | undefined {
  if (off === 0) return "nr";
  if (off === 4) return "arch";
  if (off === 8) return "instruction_pointer (lo)";
  if (off === 12) return "instruction_pointer (hi)";
  if (off >= 16 && off < 64) return `args[${(off - 16) >> 3}] (${(off & 4) === 0 ? "lo" : "hi"})`;
  if (off === 64) return "vdso_start (lo) [ext]";
  if (off === 68) return "vdso_start (hi) [ext]";
  if (off === 72) return "vdso_end (lo) [ext]";
  if (off === 76) return "vdso_end (hi) [ext]";
  return undefined;
}
