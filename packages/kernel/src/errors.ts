/**
 * Typed errors of the kernel model. Guest misbehaviour never throws out of
 * `Kernel.run`: syscalls answer -errno, CPU traps become signals. These
 * classes are for the host-side API (bad ELF, bad options) and for the
 * internal unwinding of a syscall handler (`SyscallError`).
 */
import { GuestMemoryFault } from "@uabi/isa-core";
import { EFAULT } from "./errno.js";

/** Thrown inside a syscall handler to answer -errno; caught by the dispatcher. */
export class SyscallError {
  constructor(readonly errno: number) {}
}

/** Why an ELF image cannot be executed. `code` is the errno execve would return. */
export type ExecErrorKind = "not-elf" | "bad-class" | "bad-arch" | "bad-type" | "dynamic" | "truncated" | "bad-segment" | "too-big"
  /** e_entry is not a user address (execve: EINVAL, load_elf_binary's BAD_ADDR). */
  | "bad-entry"
  /** PT_INTERP names a file that does not exist in the guest's filesystem (execve: ENOENT). */
  | "no-interpreter"
  /** PT_INTERP names a directory, device or other non-regular file (execve: open_exec's EACCES). */
  | "interpreter-not-regular"
  /** PT_INTERP names something that is not a loadable ELF for this machine (execve: ELIBBAD / ENOEXEC). */
  | "bad-interpreter";

export class ExecError extends Error {
  constructor(
    readonly kind: ExecErrorKind,
    message: string,
    /** The PT_INTERP path when kind is "dynamic" or one of the interpreter kinds. */
    readonly interpreter?: string,
  ) {
    super(message);
    this.name = "ExecError";
  }
}

/** Misuse of the host API (bad option values, run() without a process). */
export class KernelUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelUsageError";
  }
}

/** Convert a guest-memory fault raised during a syscall into EFAULT; rethrow anything else. */
export function asSyscallError(e: unknown): SyscallError {
  if (e instanceof SyscallError) return e;
  if (e instanceof GuestMemoryFault || e instanceof RangeError) return new SyscallError(EFAULT);
  throw e;
}
