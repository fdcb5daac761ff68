/**
 * The few per-ISA ABI facts handlers need beyond syscall numbers. Struct offsets come from
 * `@uabi/uapi`'s layouts (x86-64 `struct stat` arch/x86/include/uapi/asm/stat.h; arm64
 * include/uapi/asm-generic/stat.h; `struct statx` include/uapi/linux/stat.h), which are checked
 * against gcc there.
 */
import { type Arch, layout, syscallNr } from "@uabi/uapi";

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
  readonly statx: StatxLayout;
}

export interface StatxLayout {
  readonly size: number;
  readonly devMajor: number;
  readonly devMinor: number;
  readonly ino: number;
  readonly uid: number;
  readonly gid: number;
}

function field(arch: Arch, struct: string, name: string): number {
  const f = layout(arch, struct)?.fields[name];
  if (!f) throw new Error(`uapi has no ${struct}.${name} for ${arch}`);
  return f.offset;
}
function statOf(arch: Arch): StatLayout {
  const f = (n: string): number => field(arch, "stat", n);
  return { size: layout(arch, "stat")!.size, dev: f("st_dev"), ino: f("st_ino"), uid: f("st_uid"), gid: f("st_gid") };
}
function statxOf(arch: Arch): StatxLayout {
  const f = (n: string): number => field(arch, "statx", n);
  return {
    size: layout(arch, "statx")!.size, devMajor: f("stx_dev_major"), devMinor: f("stx_dev_minor"),
    ino: f("stx_ino"), uid: f("stx_uid"), gid: f("stx_gid"),
  };
}

const CACHE = new Map<Arch, Abi>();

export function abiFor(arch: Arch): Abi {
  let a = CACHE.get(arch);
  if (!a) {
    a = Object.freeze({ arch, nr: (name: string) => syscallNr(arch, name), stat: statOf(arch), statx: statxOf(arch) });
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
