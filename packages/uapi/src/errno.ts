import { ERRNO_ROWS } from "./generated/errno.js";

// Kernel-internal errnos (include/linux/errno.h). User space never sees them, but a kernel model uses them
// for syscall restart (ERESTARTSYS & co. are turned into EINTR or a restart at signal delivery). Messages
// are strace's wording.
const KERNEL_INTERNAL: readonly (readonly [string, number, string])[] = [
  ["ERESTARTSYS", 512, "To be restarted if SA_RESTART is set"],
  ["ERESTARTNOINTR", 513, "To be restarted"],
  ["ERESTARTNOHAND", 514, "To be restarted if no handler"],
  ["ENOIOCTLCMD", 515, "No ioctl command"],
  ["ERESTART_RESTARTBLOCK", 516, "Interrupted by signal"],
];

/** errno name → number (every glibc name, aliases included, plus the kernel-internal restart codes). */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries([...ERRNO_ROWS.map(([n, v]) => [n, v] as const), ...KERNEL_INTERNAL.map(([n, v]) => [n, v])]),
);

/** Kernel-internal errno values (never returned to user space). */
export const KERNEL_ERRNO = Object.freeze({
  ERESTARTSYS: 512,
  ERESTARTNOINTR: 513,
  ERESTARTNOHAND: 514,
  ENOIOCTLCMD: 515,
  ERESTART_RESTARTBLOCK: 516,
} as const);

/** Largest value a syscall may return as -errno (include/linux/err.h MAX_ERRNO). */
export const MAX_ERRNO = 4095;

const NAME_BY_NUMBER = new Map<number, string>();
const MESSAGE_BY_NUMBER = new Map<number, string>();
for (const [name, n, msg, canonical] of ERRNO_ROWS) {
  if (canonical) {
    NAME_BY_NUMBER.set(n, name);
    MESSAGE_BY_NUMBER.set(n, msg);
  }
}
for (const [name, n, msg] of KERNEL_INTERNAL) {
  NAME_BY_NUMBER.set(n, name);
  MESSAGE_BY_NUMBER.set(n, msg);
}

/** Canonical name of an errno number (EAGAIN rather than EWOULDBLOCK), or undefined. Accepts -errno too. */
export function errnoName(n: number): string | undefined {
  return NAME_BY_NUMBER.get(Math.abs(n));
}

/** strerror() text as glibc prints it ("No such file or directory"); glibc's "Unknown error N" otherwise. */
export function errnoMessage(n: number): string {
  const a = Math.abs(n);
  return MESSAGE_BY_NUMBER.get(a) ?? `Unknown error ${a}`;
}

/** Every errno row: name, number, message, and whether the name is the canonical one for its number. */
export function errnoTable(): readonly { name: string; value: number; message: string; canonical: boolean }[] {
  return ERRNO_ROWS.map(([name, value, message, canonical]) => ({ name, value, message, canonical }));
}
