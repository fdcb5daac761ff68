/**
 * The vector scratch register the SIMD/FP executors build results in before
 * writing V<d>, so a destination that is also a source reads its old value.
 * One buffer for all executors: a handler fills it and commits before it returns.
 */
import type { Arm64Cpu } from "./cpu.js";

const tmp = new ArrayBuffer(16);
export const tb = new Uint8Array(tmp);
export const th16 = new Uint16Array(tmp);
export const tw = new Uint32Array(tmp);
export const tf = new Float32Array(tmp);
export const td = new Float64Array(tmp);
export const tq = new BigUint64Array(tmp);

/** Write the scratch vector into V<d>; Q=0 keeps only the low 8 bytes and zeroes the rest. */
export function commit(c: Arm64Cpu, d: number, q: number): void {
  const vw = c.vw;
  vw[d * 4] = tw[0]!;
  vw[d * 4 + 1] = tw[1]!;
  vw[d * 4 + 2] = q ? tw[2]! : 0;
  vw[d * 4 + 3] = q ? tw[3]! : 0;
}
