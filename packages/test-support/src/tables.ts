/**
 * Syscall-number and errno lookups for the harness and the oracle-log parsers, as thin views over
 * @uabi/uapi (which owns the ABI as data and pins it to the real headers with its own oracle).
 */
import type { Arch } from "@uabi/isa-core";
import { ERRNO, errnoName as uapiErrnoName, syscallByName, syscallByNr } from "@uabi/uapi";

/** errno number → name, for every errno Linux defines (the kernel-internal restart codes excluded). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(ERRNO).filter(([, n]) => n < 512).map(([name, n]) => [n, name])),
);

/** The syscall's name, or `syscall_<nr>` for a number the table does not know. */
export function syscallName(arch: Arch, nr: number): string {
  return syscallByNr(arch, nr)?.name ?? `syscall_${nr}`;
}

/** The syscall's number on `arch`, or undefined when the ISA lacks it (e.g. `open` on arm64). */
export function syscallNumber(arch: Arch, name: string): number | undefined {
  return syscallByName(arch, name)?.nr;
}

/** `ENOENT` for 2, or `E<n>` for an unknown number. */
export function errnoName(errno: number): string {
  return uapiErrnoName(errno) ?? `E${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return ERRNO[name];
}
