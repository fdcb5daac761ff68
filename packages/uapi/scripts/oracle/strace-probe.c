/*
 * strace formatting oracle (x86-64 only: strace traces native processes). Makes harmless syscalls with
 * chosen flag/enum values and prints, one JSON object per line, which syscall argument carries which value
 * and which uapi table formats it. ../record-oracle.mjs runs it under strace and pairs each call with
 * strace's rendering of that argument. Every call fails or is a no-op (bad fd, missing path, zero length).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MISSING "/nonexistent/uapi-probe"
#define SA_RESTORER 0x04000000 /* kernel uapi asm/signal.h; glibc does not export it */
#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif

static void note(const char *sys, int arg, const char *table, long long value) {
  printf("{\"syscall\":\"%s\",\"arg\":%d,\"table\":\"%s\",\"value\":%lld}\n", sys, arg, table, value);
  fflush(stdout);
}

static void restorer(void) {}

int main(void) {
  static const long open_flags[] = {
    O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_APPEND | O_CLOEXEC, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
    O_PATH | O_CLOEXEC, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_DSYNC, O_WRONLY | O_DIRECT | 0100000,
    O_RDWR | O_EXCL | O_CREAT | O_NOATIME | O_ASYNC, O_RDONLY | 0x10000000,
    /* every bit: pins strace's print order, multi-bit O_SYNC/O_TMPFILE and O_ACCMODE */
    0x7fffffff, O_ACCMODE | O_SYNC | O_DIRECTORY | O_PATH | O_CLOEXEC, O_RDWR | O_TMPFILE | O_ASYNC,
  };
  static const long prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE | PROT_EXEC,
    PROT_READ | PROT_GROWSDOWN, PROT_EXEC | 0x80, 0x7fffffff };
  static const long maps[] = { MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS,
    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT | MAP_POPULATE,
    MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_SYNC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_LOCKED,
    MAP_PRIVATE | MAP_ANONYMOUS | (21 << 26), 0xfffffff2L, 0x7ffffff3L };
  static const long at_flags[] = { 0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH | AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW | 0x10000000, 0x7fffffff };
  static const long modes[] = { F_OK, R_OK, R_OK | W_OK | X_OK, W_OK };
  static const long whences[] = { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE };
  static const long clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
    CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_TAI };
  static const long futex_ops[] = { FUTEX_WAKE, FUTEX_WAKE_PRIVATE, FUTEX_WAIT, FUTEX_WAIT_PRIVATE,
    FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, FUTEX_WAKE_BITSET };
  static const long prctls[] = { PR_GET_DUMPABLE, PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP, PR_GET_TIMERSLACK,
    PR_GET_CHILD_SUBREAPER, PR_GET_THP_DISABLE };
  static const long hows[] = { SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK };
  static const long unshares[] = { CLONE_FILES, CLONE_FS | CLONE_FILES, CLONE_SYSVSEM };
  static const long sa_flags[] = { SA_RESTORER | SA_RESTART, SA_RESTORER | SA_SIGINFO | SA_ONSTACK,
    SA_RESTORER | SA_NODEFER | SA_RESETHAND | SA_NOCLDSTOP, 0xffffffffL };
  static const long grnds[] = { 0, GRND_NONBLOCK, GRND_RANDOM | GRND_NONBLOCK, 0xff };
  static const long advices[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
    MADV_FREE, MADV_DONTFORK, MADV_DONTDUMP };
  static const long waits[] = { WNOHANG, WNOHANG | WUNTRACED | WCONTINUED, WNOHANG | __WALL, 0xffffffffL };
  static const long clones[] = { CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, CLONE_PARENT_SETTID | SIGCHLD,
    CLONE_FILES | CLONE_IO | SIGUSR2 };
  struct stat st;
  uint32_t word = 0;
  char buf[16];
  unsigned i;

  signal(SIGUSR2, SIG_IGN); /* the last clone child exits with SIGUSR2 */
  syscall(SYS_write, -1, "uapi-probe-begin", 16);
#define EACH(arr) for (i = 0; i < sizeof arr / sizeof arr[0]; i++)
  EACH(open_flags) { note("openat", 2, "open_flags", open_flags[i]); syscall(SYS_openat, AT_FDCWD, MISSING, open_flags[i], 0644); }
  EACH(prots) { note("mprotect", 2, "prot", prots[i]); syscall(SYS_mprotect, 0, 0, prots[i]); }
  EACH(maps) { note("mmap", 3, "map_flags", maps[i]); syscall(SYS_mmap, 0, 4096, PROT_NONE, maps[i], -1, 0); }
  EACH(at_flags) { note("newfstatat", 3, "at_flags", at_flags[i]); syscall(SYS_newfstatat, AT_FDCWD, MISSING, &st, at_flags[i]); }
  EACH(modes) { note("faccessat", 2, "access_mode", modes[i]); syscall(SYS_faccessat, AT_FDCWD, MISSING, modes[i]); }
  EACH(whences) { note("lseek", 2, "whence", whences[i]); syscall(SYS_lseek, -1, 0, whences[i]); }
  EACH(clocks) { note("clock_getres", 0, "clockid", clocks[i]); syscall(SYS_clock_getres, clocks[i], 0); }
  EACH(futex_ops) { note("futex", 1, "futex_op", futex_ops[i]); syscall(SYS_futex, &word, futex_ops[i], 1, 0, 0, FUTEX_BITSET_MATCH_ANY); }
  EACH(prctls) { note("prctl", 0, "prctl_option", prctls[i]); syscall(SYS_prctl, prctls[i], 0, 0, 0, 0); }
  EACH(hows) { note("rt_sigprocmask", 0, "sigprocmask_how", hows[i]); syscall(SYS_rt_sigprocmask, hows[i], 0, 0, 8); }
  EACH(unshares) { note("unshare", 0, "clone_flags", unshares[i]); syscall(SYS_unshare, unshares[i]); }
  EACH(sa_flags) {
    struct { void *h; unsigned long flags; void *r; unsigned long mask; } act = { 0, sa_flags[i], (void *)restorer, 0 };
    note("rt_sigaction", 1, "sa_flags", sa_flags[i]);
    syscall(SYS_rt_sigaction, SIGUSR1, &act, 0, 8);
  }
  EACH(grnds) { note("getrandom", 2, "grnd_flags", grnds[i]); syscall(SYS_getrandom, buf, 1, grnds[i]); }
  EACH(advices) { note("madvise", 2, "madvise", advices[i]); syscall(SYS_madvise, 0, 0, advices[i]); }
  EACH(waits) { note("wait4", 2, "wait_options", waits[i]); syscall(SYS_wait4, -1, 0, waits[i], 0); }
  EACH(clones) {
    int tid = 0;
    long pid;
    note("clone", 1, "clone_flags", clones[i]);
    /* x86-64 order: flags, stack, parent_tid, child_tid, tls; a fork-like clone whose child exits at once */
    pid = syscall(SYS_clone, clones[i], 0, &tid, &tid, 0);
    if (pid == 0) syscall(SYS_exit_group, 0);
    syscall(SYS_wait4, pid, 0, __WALL, 0);
  }
  return 0;
}
