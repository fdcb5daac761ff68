/** What the kernel does with a signal whose disposition is SIG_DFL. */
export type SignalDefaultAction = "term" | "core" | "ignore" | "stop" | "cont";

// Numbers are the same on x86-64 (arch/x86/include/uapi/asm/signal.h) and arm64 (asm-generic/signal.h).
// Default actions: the SIG_KERNEL_{COREDUMP,STOP,IGNORE}_MASK sets in include/linux/signal.h; everything
// else (and every RT signal) terminates. SIGCONT is in the ignore mask but resumes a stopped group first.
const ROWS: readonly (readonly [string, number, SignalDefaultAction])[] = [
  ["SIGHUP", 1, "term"],
  ["SIGINT", 2, "term"],
  ["SIGQUIT", 3, "core"],
  ["SIGILL", 4, "core"],
  ["SIGTRAP", 5, "core"],
  ["SIGABRT", 6, "core"],
  ["SIGBUS", 7, "core"],
  ["SIGFPE", 8, "core"],
  ["SIGKILL", 9, "term"],
  ["SIGUSR1", 10, "term"],
  ["SIGSEGV", 11, "core"],
  ["SIGUSR2", 12, "term"],
  ["SIGPIPE", 13, "term"],
  ["SIGALRM", 14, "term"],
  ["SIGTERM", 15, "term"],
  ["SIGSTKFLT", 16, "term"],
  ["SIGCHLD", 17, "ignore"],
  ["SIGCONT", 18, "cont"],
  ["SIGSTOP", 19, "stop"],
  ["SIGTSTP", 20, "stop"],
  ["SIGTTIN", 21, "stop"],
  ["SIGTTOU", 22, "stop"],
  ["SIGURG", 23, "ignore"],
  ["SIGXCPU", 24, "core"],
  ["SIGXFSZ", 25, "core"],
  ["SIGVTALRM", 26, "term"],
  ["SIGPROF", 27, "term"],
  ["SIGWINCH", 28, "ignore"],
  ["SIGIO", 29, "term"],
  ["SIGPWR", 30, "term"],
  ["SIGSYS", 31, "core"],
];

/** Kernel signal numbering limits: _NSIG 64, SIGRTMIN 32 (the kernel's; glibc reserves 32–34 for itself). */
export const NSIG = 64;
export const SIGRTMIN = 32;
export const SIGRTMAX = 64;

/** Signal name → number, 1–31 plus the aliases SIGIOT and SIGPOLL (SIGUNUSED left the uapi headers in 4.18). */
export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  ...Object.fromEntries(ROWS.map(([n, v]) => [n, v])),
  SIGIOT: 6,
  SIGPOLL: 29,
});

const NAMES = new Map(ROWS.map(([n, v]) => [v, n] as const));
const ACTIONS = new Map(ROWS.map(([, v, a]) => [v, a] as const));

/** "SIGSEGV", "SIGRTMIN", "SIGRT_5" (strace's spelling for RT signals), or undefined outside 1..64. */
export function signalName(n: number): string | undefined {
  const name = NAMES.get(n);
  if (name !== undefined) return name;
  if (n === SIGRTMIN) return "SIGRTMIN";
  if (Number.isInteger(n) && n > SIGRTMIN && n <= SIGRTMAX) return `SIGRT_${n - SIGRTMIN}`;
  return undefined;
}

/** Default action of a signal (RT signals terminate); undefined for an invalid number. */
export function signalDefaultAction(n: number): SignalDefaultAction | undefined {
  const a = ACTIONS.get(n);
  if (a !== undefined) return a;
  if (Number.isInteger(n) && n >= SIGRTMIN && n <= SIGRTMAX) return "term";
  return undefined;
}

/** The signals that can be neither caught, blocked nor ignored. */
export const UNBLOCKABLE_SIGNALS: readonly number[] = [9, 19];

/** Bit for signal n in a kernel sigset_t (bit n-1 of a 64-bit mask). */
export function sigmask(n: number): bigint {
  return 1n << BigInt(n - 1);
}
