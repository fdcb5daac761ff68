/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h and errno.h;
 * arm64 and x86-64 share them). Kept local so the kernel compiles without
 * waiting on @uabi/uapi; `errnoName` feeds the strace-format tracer.
 */
export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9,
  ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18,
  ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26,
  EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35,
  ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42, ENODATA = 61,
  EOVERFLOW = 75, EOPNOTSUPP = 95, ETIMEDOUT = 110, ERESTARTSYS = 512;

const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF",
  10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST",
  18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY",
  26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM",
  34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG", 37: "ENOLCK", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP",
  42: "ENOMSG", 61: "ENODATA", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT",
};

/** strace's spelling of the errno, e.g. "ENOENT (No such file or directory)" minus the message. */
export function errnoName(e: number): string {
  return NAMES[e] ?? `E${e}`;
}

const MESSAGES: Record<number, string> = {
  1: "Operation not permitted", 2: "No such file or directory", 3: "No such process", 4: "Interrupted system call",
  9: "Bad file descriptor", 10: "No child processes", 11: "Resource temporarily unavailable", 12: "Cannot allocate memory",
  13: "Permission denied", 14: "Bad address", 17: "File exists", 20: "Not a directory", 21: "Is a directory",
  22: "Invalid argument", 24: "Too many open files", 25: "Inappropriate ioctl for device", 28: "No space left on device",
  29: "Illegal seek", 30: "Read-only file system", 32: "Broken pipe", 34: "Numerical result out of range",
  36: "File name too long", 38: "Function not implemented", 39: "Directory not empty", 40: "Too many levels of symbolic links",
  61: "No data available", 75: "Value too large for defined data type", 95: "Operation not supported", 110: "Connection timed out",
};

export function errnoMessage(e: number): string {
  return MESSAGES[e] ?? "Unknown error " + e;
}
