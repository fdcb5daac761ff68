/**
 * Linux errno values for the kernel model: a thin layer over @uabi/uapi's errno table (generated from
 * <errno.h> and glibc strerror(); arm64 and x86-64 share the asm-generic numbering), which is the single
 * source of truth. This module only gives the kernel named constants and its historical helpers.
 */
import { ERRNO, errnoMessage as uapiErrnoMessage, errnoName as uapiErrnoName } from "@uabi/uapi";

/** ERRNO[name], failing at load time if the uapi table ever lacks a name the kernel relies on. */
function errno(name: string): number {
  const n = ERRNO[name];
  if (n === undefined) throw new Error(`@uabi/uapi has no errno ${name}`);
  return n;
}

export const EPERM = errno("EPERM"), ENOENT = errno("ENOENT"), ESRCH = errno("ESRCH"), EINTR = errno("EINTR"),
  EIO = errno("EIO"), ENXIO = errno("ENXIO"), E2BIG = errno("E2BIG"), ENOEXEC = errno("ENOEXEC"),
  EBADF = errno("EBADF"), ECHILD = errno("ECHILD"), EAGAIN = errno("EAGAIN"), ENOMEM = errno("ENOMEM"),
  EACCES = errno("EACCES"), EFAULT = errno("EFAULT"), ENOTBLK = errno("ENOTBLK"), EBUSY = errno("EBUSY"),
  EEXIST = errno("EEXIST"), EXDEV = errno("EXDEV"), ENODEV = errno("ENODEV"), ENOTDIR = errno("ENOTDIR"),
  EISDIR = errno("EISDIR"), EINVAL = errno("EINVAL"), ENFILE = errno("ENFILE"), EMFILE = errno("EMFILE"),
  ENOTTY = errno("ENOTTY"), ETXTBSY = errno("ETXTBSY"), EFBIG = errno("EFBIG"), ENOSPC = errno("ENOSPC"),
  ESPIPE = errno("ESPIPE"), EROFS = errno("EROFS"), EMLINK = errno("EMLINK"), EPIPE = errno("EPIPE"),
  EDOM = errno("EDOM"), ERANGE = errno("ERANGE"), EDEADLK = errno("EDEADLK"), ENAMETOOLONG = errno("ENAMETOOLONG"),
  ENOLCK = errno("ENOLCK"), ENOSYS = errno("ENOSYS"), ENOTEMPTY = errno("ENOTEMPTY"), ELOOP = errno("ELOOP"),
  ENOMSG = errno("ENOMSG"), ENODATA = errno("ENODATA"), EOVERFLOW = errno("EOVERFLOW"),
  EOPNOTSUPP = errno("EOPNOTSUPP"), ETIMEDOUT = errno("ETIMEDOUT"), ERESTARTSYS = errno("ERESTARTSYS");
/** Sockets and IPC. */
export const EAFNOSUPPORT = errno("EAFNOSUPPORT"), ECONNREFUSED = errno("ECONNREFUSED"), EISCONN = errno("EISCONN"),
  ENOTCONN = errno("ENOTCONN"), ENOTSOCK = errno("ENOTSOCK"), EPROTONOSUPPORT = errno("EPROTONOSUPPORT"),
  EADDRINUSE = errno("EADDRINUSE"), EADDRNOTAVAIL = errno("EADDRNOTAVAIL"), ENETUNREACH = errno("ENETUNREACH"), EDESTADDRREQ = errno("EDESTADDRREQ"), EMSGSIZE = errno("EMSGSIZE"),
  ENOPROTOOPT = errno("ENOPROTOOPT"), EPROTOTYPE = errno("EPROTOTYPE"), EIDRM = errno("EIDRM");
/** execve of a program whose PT_INTERP is not a loadable ELF for this machine (load_elf_binary). */
export const ELIBBAD = errno("ELIBBAD");

/**
 * strace's spelling of a positive errno ("ENOENT"); numbers the table does not name (and zero or negative
 * input, which uapi would otherwise fold with Math.abs) come back as `E${e}`, as this helper always did.
 */
export function errnoName(e: number): string {
  return (e > 0 ? uapiErrnoName(e) : undefined) ?? `E${e}`;
}

/** glibc's strerror() text for a positive errno; "Unknown error N" (N as given) otherwise. */
export function errnoMessage(e: number): string {
  return e > 0 ? uapiErrnoMessage(e) : "Unknown error " + e;
}
