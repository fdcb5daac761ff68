/**
 * The few per-ISA ABI facts handlers need beyond syscall numbers. Struct offsets are from the
 * uapi headers: x86-64 `struct stat` arch/x86/include/uapi/asm/stat.h; arm64 uses
 * include/uapi/asm-generic/stat.h.
 */
import { type Arch, syscallNr } from "@uabi/uapi";

export interface StatLayout {
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  readonly uid: number;
  readonly gid: number;
}

export interface Abi {
  readonly arch: Arch;
  /** Syscall number by name; throws (UapiError) for a name the ISA does not have. */
  nr(name: string): number;
  readonly stat: StatLayout;
}

const STAT: Readonly<Record<Arch, StatLayout>> = {
  // st_dev u64 @0, st_ino u64 @8, st_nlink u64 @16, st_mode u32 @24, st_uid @28, st_gid @32 … 144 bytes.
  x86_64: { size: 144, dev: 0, ino: 8, uid: 28, gid: 32 },
  // st_dev u64 @0, st_ino u64 @8, st_mode u32 @16, st_nlink u32 @20, st_uid @24, st_gid @28 … 128 bytes.
  arm64: { size: 128, dev: 0, ino: 8, uid: 24, gid: 28 },
};

const CACHE = new Map<Arch, Abi>();

export function abiFor(arch: Arch): Abi {
  let a = CACHE.get(arch);
  if (!a) {
    a = Object.freeze({ arch, nr: (name: string) => syscallNr(arch, name), stat: STAT[arch] });
    CACHE.set(arch, a);
  }
  return a;
}

/** Constants the handlers pass to successor syscalls (include/uapi/linux/fcntl.h, asm-generic/fcntl.h, signal.h). */
export const K = Object.freeze({
  AT_FDCWD: -100n,
  AT_SYMLINK_NOFOLLOW: 0x100n,
  AT_REMOVEDIR: 0x200n,
  AT_EMPTY_PATH: 0x1000n,
  O_WRONLY: 0o1n,
  O_CREAT: 0o100n,
  O_TRUNC: 0o1000n,
  F_GETFD: 1n,
  SIGCHLD: 17n,
  CLOCK_REALTIME: 0n,
  EINVAL: 22n,
  /** sizeof(struct robust_list_head) on LP64: three pointers-worth (list, futex_offset, list_op_pending). */
  ROBUST_LIST_HEAD_SIZE: 24n,
  NSEC_PER_SEC: 1_000_000_000n,
});
