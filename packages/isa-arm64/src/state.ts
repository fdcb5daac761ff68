/**
 * Architectural constants and condition evaluation shared by the core (cpu.ts)
 * and the executors, so the executors need no value from cpu.ts (which imports them).
 */
import type { Arm64Cpu } from "./cpu.js";

/** Handler return codes (negative so they never collide with a PC). */
export const TRAP_RETIRED = -1; // trap after the instruction retired (svc): cpu.pendingTrap set, pc set
export const TRAP_FAULTED = -2; // trap with the instruction not retired (brk, udf, alignment)

/**
 * Identification registers: a Cortex-A72 r0p3 (Arm Cortex-A72 TRM, "MIDR_EL1"
 * 0x410FD083; "CTR_EL0" 0x8444C004: 64-byte I/D minimum lines; "DCZID_EL0" 0x4:
 * DC ZVA zeroes 2^4 words = 64 bytes, which is what `dc zva` does here).
 */
export const MIDR_EL1 = 0x410fd083n;
export const CTR_EL0 = 0x8444c004n;
export const DCZID_EL0 = 0x4n;
export const DC_ZVA_BYTES = 64;

/** Register slot of SP (slot 31 reads zero, 33 is the XZR write sink). */
export const SP_SLOT = 32;

/** ConditionHolds from the Arm ARM, on the core's 0/1 flag fields. */
export function holds(c: Arm64Cpu, cond: number): boolean {
  let r: boolean;
  switch (cond >> 1) {
    case 0: r = c.fZ === 1; break;
    case 1: r = c.fC === 1; break;
    case 2: r = c.fN === 1; break;
    case 3: r = c.fV === 1; break;
    case 4: r = c.fC === 1 && c.fZ === 0; break;
    case 5: r = c.fN === c.fV; break;
    case 6: r = c.fZ === 0 && c.fN === c.fV; break;
    default: return true;
  }
  return (cond & 1) === 1 ? !r : r;
}
