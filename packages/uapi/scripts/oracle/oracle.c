/*
 * uapi oracle: prints, as JSON, the values the C toolchain and libc headers give for syscall numbers,
 * errno values, signal numbers, constants and struct offsets/sizes. Compiled natively for x86-64 and
 * with aarch64-linux-gnu-gcc -static (run under qemu-aarch64) by ../record-oracle.mjs.
 * "gen.h" (written by the script) lists the __NR_* and E* names the headers define.
 * Structs that are kernel-internal (kernel sigaction, old_utsname, kernel termios, linux_dirent64, the x86-64
 * kernel ucontext/rt_sigframe) are declared below from their kernel definitions.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/ucontext.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __x86_64__
#include <asm/prctl.h>
#endif

struct k_sigaction { void *k_handler; unsigned long k_flags; void *k_restorer; unsigned long k_mask; };
struct k_old_utsname { char sysname[65], nodename[65], release[65], version[65], machine[65]; };
struct k_new_utsname { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; };
struct k_termios { unsigned c_iflag, c_oflag, c_cflag, c_lflag; unsigned char c_line; unsigned char c_cc[19]; };
struct k_linux_dirent64 { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };
struct k_robust_list_head { void *list; long futex_offset; void *list_op_pending; };
struct k_clone_args { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup; };
#ifdef __x86_64__
struct k_fpx_sw_bytes { uint32_t magic1, extended_size; uint64_t xfeatures; uint32_t xstate_size, padding[7]; };
struct k_ucontext { unsigned long uc_flags; void *uc_link; stack_t uc_stack; struct sigcontext uc_mcontext; unsigned long uc_sigmask; };
struct k_rt_sigframe { char *pretcode; struct k_ucontext uc; siginfo_t info; };
#else
struct k_rt_sigframe { siginfo_t info; ucontext_t uc; };
#endif

static int first;
static void key(const char *k) { printf("%s\n    \"%s\": ", first ? "" : ",", k); first = 0; }
static int sections;
static void section(const char *name) { printf("%s\n  \"%s\": {", sections++ ? "\n  }," : "", name); first = 1; }
#define V(name) (key(#name), printf("%lld", (long long)(name)))
#define VU(name) (key(#name), printf("%lld", (long long)(uint32_t)(name)))
#define NR(name) (key(#name), printf("%lld", (long long)(__NR_##name)))
#define ERR(name) (key(#name), printf("%lld", (long long)(name)))
#define SZ(k, type) (key(k), printf("%zu", sizeof(type)))
#define OFF(k, type, member) (key(k), printf("%zu", offsetof(type, member)))

int main(void) {
#ifdef __x86_64__
  printf("{\n  \"arch\": \"x86_64\",");
#else
  printf("{\n  \"arch\": \"arm64\",");
#endif
  section("syscalls");
#include "gen-nr.h"
  section("errno");
#include "gen-errno.h"
  section("signals");
  V(SIGHUP); V(SIGINT); V(SIGQUIT); V(SIGILL); V(SIGTRAP); V(SIGABRT); V(SIGBUS); V(SIGFPE); V(SIGKILL);
  V(SIGUSR1); V(SIGSEGV); V(SIGUSR2); V(SIGPIPE); V(SIGALRM); V(SIGTERM); V(SIGSTKFLT); V(SIGCHLD); V(SIGCONT);
  V(SIGSTOP); V(SIGTSTP); V(SIGTTIN); V(SIGTTOU); V(SIGURG); V(SIGXCPU); V(SIGXFSZ); V(SIGVTALRM); V(SIGPROF);
  V(SIGWINCH); V(SIGIO); V(SIGPWR); V(SIGSYS); V(SIGIOT); V(SIGPOLL);

  section("constants");
  V(O_RDONLY); V(O_WRONLY); V(O_RDWR); V(O_ACCMODE); V(O_CREAT); V(O_EXCL); V(O_NOCTTY); V(O_TRUNC); V(O_APPEND);
  V(O_NONBLOCK); V(O_DSYNC); V(O_ASYNC); V(O_DIRECT); V(O_DIRECTORY); V(O_NOFOLLOW); V(O_NOATIME);
  V(O_CLOEXEC); V(O_SYNC); V(O_PATH); V(O_TMPFILE); V(O_NDELAY);
  V(AT_FDCWD); V(AT_SYMLINK_NOFOLLOW); V(AT_EACCESS); V(AT_REMOVEDIR); V(AT_SYMLINK_FOLLOW); V(AT_NO_AUTOMOUNT);
  V(AT_EMPTY_PATH); V(AT_STATX_SYNC_AS_STAT); V(AT_STATX_FORCE_SYNC); V(AT_STATX_DONT_SYNC);
  V(AT_NULL); V(AT_IGNORE); V(AT_EXECFD); V(AT_PHDR); V(AT_PHENT); V(AT_PHNUM); V(AT_PAGESZ); V(AT_BASE);
  V(AT_FLAGS); V(AT_ENTRY); V(AT_NOTELF); V(AT_UID); V(AT_EUID); V(AT_GID); V(AT_EGID); V(AT_PLATFORM);
  V(AT_HWCAP); V(AT_CLKTCK); V(AT_SECURE); V(AT_BASE_PLATFORM); V(AT_RANDOM); V(AT_HWCAP2); V(AT_EXECFN);
  V(AT_SYSINFO_EHDR); V(AT_MINSIGSTKSZ);
  V(PROT_NONE); V(PROT_READ); V(PROT_WRITE); V(PROT_EXEC); V(PROT_GROWSDOWN); V(PROT_GROWSUP);
  V(MAP_SHARED); V(MAP_PRIVATE); V(MAP_SHARED_VALIDATE); V(MAP_TYPE); V(MAP_FIXED); V(MAP_ANONYMOUS);
  V(MAP_GROWSDOWN); V(MAP_DENYWRITE); V(MAP_EXECUTABLE); V(MAP_LOCKED); V(MAP_NORESERVE); V(MAP_POPULATE);
  V(MAP_NONBLOCK); V(MAP_STACK); V(MAP_HUGETLB); V(MAP_SYNC); V(MAP_FIXED_NOREPLACE);
  V(MREMAP_MAYMOVE); V(MREMAP_FIXED); V(MS_ASYNC); V(MS_INVALIDATE); V(MS_SYNC); V(MCL_CURRENT); V(MCL_FUTURE); V(MCL_ONFAULT);
  V(MADV_NORMAL); V(MADV_RANDOM); V(MADV_SEQUENTIAL); V(MADV_WILLNEED); V(MADV_DONTNEED); V(MADV_FREE);
  V(MADV_REMOVE); V(MADV_DONTFORK); V(MADV_DOFORK); V(MADV_MERGEABLE); V(MADV_UNMERGEABLE); V(MADV_HUGEPAGE);
  V(MADV_NOHUGEPAGE); V(MADV_DONTDUMP); V(MADV_DODUMP); V(MADV_WIPEONFORK); V(MADV_KEEPONFORK); V(MADV_COLD);
  V(MADV_PAGEOUT); V(MADV_HWPOISON);
  V(CLONE_VM); V(CLONE_FS); V(CLONE_FILES); V(CLONE_SIGHAND); V(CLONE_PIDFD); V(CLONE_PTRACE); V(CLONE_VFORK);
  V(CLONE_PARENT); V(CLONE_THREAD); V(CLONE_NEWNS); V(CLONE_SYSVSEM); V(CLONE_SETTLS); V(CLONE_PARENT_SETTID);
  V(CLONE_CHILD_CLEARTID); V(CLONE_DETACHED); V(CLONE_UNTRACED); V(CLONE_CHILD_SETTID); V(CLONE_NEWCGROUP);
  V(CLONE_NEWUTS); V(CLONE_NEWIPC); V(CLONE_NEWUSER); V(CLONE_NEWPID); V(CLONE_NEWNET); V(CLONE_IO);
  V(FUTEX_WAIT); V(FUTEX_WAKE); V(FUTEX_FD); V(FUTEX_REQUEUE); V(FUTEX_CMP_REQUEUE); V(FUTEX_WAKE_OP);
  V(FUTEX_LOCK_PI); V(FUTEX_UNLOCK_PI); V(FUTEX_TRYLOCK_PI); V(FUTEX_WAIT_BITSET); V(FUTEX_WAKE_BITSET);
  V(FUTEX_WAIT_REQUEUE_PI); V(FUTEX_CMP_REQUEUE_PI); V(FUTEX_PRIVATE_FLAG); V(FUTEX_CLOCK_REALTIME);
  V(FUTEX_WAITERS); V(FUTEX_OWNER_DIED); V(FUTEX_TID_MASK); V(ROBUST_LIST_LIMIT);
  V(SA_NOCLDSTOP); V(SA_NOCLDWAIT); V(SA_SIGINFO); V(SA_ONSTACK); V(SA_RESTART); V(SA_NODEFER); V(SA_RESETHAND);
  V(SIG_BLOCK); V(SIG_UNBLOCK); V(SIG_SETMASK); V(SS_ONSTACK); V(SS_DISABLE);
  V(SI_USER); V(SI_KERNEL); V(SI_QUEUE); V(SI_TIMER); V(SI_MESGQ); V(SI_ASYNCIO); V(SI_SIGIO); V(SI_TKILL);
#ifdef SYS_SECCOMP
  V(SYS_SECCOMP);
#endif
#ifdef SYS_USER_DISPATCH
  V(SYS_USER_DISPATCH);
#endif
  V(SEGV_MAPERR); V(SEGV_ACCERR); V(BUS_ADRALN); V(BUS_ADRERR); V(BUS_OBJERR); V(ILL_ILLOPC); V(ILL_ILLOPN);
  V(ILL_ILLADR); V(ILL_ILLTRP); V(ILL_PRVOPC); V(ILL_PRVREG); V(ILL_COPROC); V(ILL_BADSTK); V(TRAP_BRKPT); V(TRAP_TRACE);
  V(CLD_EXITED); V(CLD_KILLED); V(CLD_DUMPED); V(CLD_TRAPPED); V(CLD_STOPPED); V(CLD_CONTINUED);
  V(PR_SET_PDEATHSIG); V(PR_GET_DUMPABLE); V(PR_SET_DUMPABLE); V(PR_SET_NAME); V(PR_GET_NAME); V(PR_GET_SECCOMP);
  V(PR_SET_SECCOMP); V(PR_CAPBSET_READ); V(PR_SET_TIMERSLACK); V(PR_SET_MM); V(PR_SET_CHILD_SUBREAPER);
  V(PR_SET_NO_NEW_PRIVS); V(PR_GET_NO_NEW_PRIVS); V(PR_GET_TID_ADDRESS); V(PR_SET_THP_DISABLE); V(PR_CAP_AMBIENT);
  V(PR_SVE_SET_VL); V(PR_SVE_GET_VL); V(PR_GET_SPECULATION_CTRL); V(PR_SET_SPECULATION_CTRL);
  V(PR_PAC_RESET_KEYS); V(PR_SET_TAGGED_ADDR_CTRL); V(PR_GET_TAGGED_ADDR_CTRL); V(PR_SET_IO_FLUSHER);
  V(PR_GET_IO_FLUSHER); V(PR_SET_SYSCALL_USER_DISPATCH); V(PR_SYS_DISPATCH_OFF); V(PR_SYS_DISPATCH_ON);
  V(PR_PAC_SET_ENABLED_KEYS); V(PR_PAC_GET_ENABLED_KEYS); V(PR_SCHED_CORE);
#ifdef PR_SME_SET_VL
  V(PR_SME_SET_VL); V(PR_SME_GET_VL);
#endif
#ifdef PR_SET_VMA
  V(PR_SET_VMA);
#endif
  V(SYSCALL_DISPATCH_FILTER_ALLOW); V(SYSCALL_DISPATCH_FILTER_BLOCK);
  V(SECCOMP_MODE_DISABLED); V(SECCOMP_MODE_STRICT); V(SECCOMP_MODE_FILTER); V(SECCOMP_SET_MODE_STRICT);
  V(SECCOMP_SET_MODE_FILTER); V(SECCOMP_GET_ACTION_AVAIL); V(SECCOMP_GET_NOTIF_SIZES);
  V(SECCOMP_FILTER_FLAG_TSYNC); V(SECCOMP_FILTER_FLAG_LOG); V(SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  V(SECCOMP_FILTER_FLAG_NEW_LISTENER); V(SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
  VU(SECCOMP_RET_KILL_PROCESS); V(SECCOMP_RET_KILL_THREAD); V(SECCOMP_RET_KILL); V(SECCOMP_RET_TRAP);
  V(SECCOMP_RET_ERRNO); V(SECCOMP_RET_USER_NOTIF); V(SECCOMP_RET_TRACE); V(SECCOMP_RET_LOG); V(SECCOMP_RET_ALLOW);
  VU(SECCOMP_RET_ACTION_FULL); V(SECCOMP_RET_ACTION); V(SECCOMP_RET_DATA);
  V(BPF_LD); V(BPF_LDX); V(BPF_ST); V(BPF_STX); V(BPF_ALU); V(BPF_JMP); V(BPF_RET); V(BPF_MISC); V(BPF_W); V(BPF_H);
  V(BPF_B); V(BPF_IMM); V(BPF_ABS); V(BPF_IND); V(BPF_MEM); V(BPF_LEN); V(BPF_MSH); V(BPF_ADD); V(BPF_SUB);
  V(BPF_MUL); V(BPF_DIV); V(BPF_OR); V(BPF_AND); V(BPF_LSH); V(BPF_RSH); V(BPF_NEG); V(BPF_MOD); V(BPF_XOR);
  V(BPF_JA); V(BPF_JEQ); V(BPF_JGT); V(BPF_JGE); V(BPF_JSET); V(BPF_K); V(BPF_X); V(BPF_A); V(BPF_TAX); V(BPF_TXA);
  V(BPF_MAXINSNS); V(BPF_MEMWORDS);
  V(S_IFMT); V(S_IFSOCK); V(S_IFLNK); V(S_IFREG); V(S_IFBLK); V(S_IFDIR); V(S_IFCHR); V(S_IFIFO); V(S_ISUID);
  V(S_ISGID); V(S_ISVTX); V(S_IRWXU); V(S_IRUSR); V(S_IWUSR); V(S_IXUSR); V(S_IRWXG); V(S_IRWXO);
  V(F_OK); V(R_OK); V(W_OK); V(X_OK); V(SEEK_SET); V(SEEK_CUR); V(SEEK_END); V(SEEK_DATA); V(SEEK_HOLE);
  V(F_DUPFD); V(F_GETFD); V(F_SETFD); V(F_GETFL); V(F_SETFL); V(F_SETOWN); V(F_GETOWN); V(F_SETSIG); V(F_GETSIG);
  V(F_SETOWN_EX); V(F_GETOWN_EX); V(F_OFD_GETLK); V(F_OFD_SETLK); V(F_OFD_SETLKW); V(F_SETLEASE); V(F_GETLEASE);
  V(F_NOTIFY); V(F_DUPFD_CLOEXEC); V(F_SETPIPE_SZ); V(F_GETPIPE_SZ); V(F_ADD_SEALS); V(F_GET_SEALS);
  V(F_RDLCK); V(F_WRLCK); V(F_UNLCK); V(FD_CLOEXEC);
  V(TCGETS); V(TCSETS); V(TCSETSW); V(TCSETSF); V(TIOCSCTTY); V(TIOCGPGRP); V(TIOCSPGRP); V(TIOCGWINSZ);
  V(TIOCSWINSZ); V(FIONREAD); V(TIOCNOTTY); V(TIOCGPTN); V(TIOCSPTLCK); V(FIONBIO); V(FIOCLEX); V(FIONCLEX); V(FIOASYNC);
  V(RLIMIT_CPU); V(RLIMIT_FSIZE); V(RLIMIT_DATA); V(RLIMIT_STACK); V(RLIMIT_CORE); V(RLIMIT_RSS); V(RLIMIT_NPROC);
  V(RLIMIT_NOFILE); V(RLIMIT_MEMLOCK); V(RLIMIT_AS); V(RLIMIT_LOCKS); V(RLIMIT_SIGPENDING); V(RLIMIT_MSGQUEUE);
  V(RLIMIT_NICE); V(RLIMIT_RTPRIO); V(RLIMIT_RTTIME); V(RLIMIT_NLIMITS);
  V(CLOCK_REALTIME); V(CLOCK_MONOTONIC); V(CLOCK_PROCESS_CPUTIME_ID); V(CLOCK_THREAD_CPUTIME_ID);
  V(CLOCK_MONOTONIC_RAW); V(CLOCK_REALTIME_COARSE); V(CLOCK_MONOTONIC_COARSE); V(CLOCK_BOOTTIME);
  V(CLOCK_REALTIME_ALARM); V(CLOCK_BOOTTIME_ALARM); V(CLOCK_TAI); V(TIMER_ABSTIME);
  V(PER_LINUX); V(PER_LINUX_32BIT); V(PER_LINUX_FDPIC); V(PER_SVR4); V(PER_BSD); V(PER_MASK);
  V(UNAME26); V(ADDR_NO_RANDOMIZE); V(FDPIC_FUNCPTRS); V(MMAP_PAGE_ZERO); V(ADDR_COMPAT_LAYOUT);
  V(READ_IMPLIES_EXEC); V(ADDR_LIMIT_32BIT); V(SHORT_INODE); V(WHOLE_SECONDS); V(STICKY_TIMEOUTS); V(ADDR_LIMIT_3GB);
  V(GRND_NONBLOCK); V(GRND_RANDOM);
  V(WNOHANG); V(WUNTRACED); V(WSTOPPED); V(WEXITED); V(WCONTINUED); V(WNOWAIT); V(__WNOTHREAD); V(__WALL); V(__WCLONE);
  V(P_ALL); V(P_PID); V(P_PGID);
  V(AUDIT_ARCH_X86_64); V(AUDIT_ARCH_AARCH64); V(AUDIT_ARCH_I386); V(AUDIT_ARCH_ARM);
  V(EM_X86_64); V(EM_AARCH64); V(EM_386); V(EM_ARM);
#ifdef __x86_64__
  V(ARCH_SET_GS); V(ARCH_SET_FS); V(ARCH_GET_FS); V(ARCH_GET_GS); V(ARCH_GET_CPUID); V(ARCH_SET_CPUID);
  V(ARCH_MAP_VDSO_X32); V(ARCH_MAP_VDSO_32); V(ARCH_MAP_VDSO_64);
  V(MAP_32BIT);
#else
  V(FPSIMD_MAGIC); V(ESR_MAGIC); V(EXTRA_MAGIC); V(SVE_MAGIC);
#ifdef ZA_MAGIC
  V(ZA_MAGIC);
#endif
#ifdef TPIDR2_MAGIC
  V(TPIDR2_MAGIC);
#endif
#endif
#ifdef MADV_POPULATE_READ
  V(MADV_POPULATE_READ); V(MADV_POPULATE_WRITE);
#endif
#ifdef MADV_COLLAPSE
  V(MADV_COLLAPSE);
#endif
#ifdef PR_SET_MDWE
  V(PR_SET_MDWE); V(PR_GET_MDWE);
#endif

  section("sizes");
  SZ("seccomp_data", struct seccomp_data); SZ("siginfo", siginfo_t); SZ("timespec", struct timespec);
  SZ("timeval", struct timeval); SZ("timezone", struct timezone); SZ("itimerspec", struct itimerspec);
  SZ("old_utsname", struct k_old_utsname); SZ("new_utsname", struct utsname); SZ("stat", struct stat);
  SZ("statx_timestamp", struct statx_timestamp); SZ("statx", struct statx); SZ("rlimit", struct rlimit);
  SZ("kernel_sigaction", struct k_sigaction); SZ("stack_t", stack_t); SZ("iovec", struct iovec);
  SZ("robust_list_head", struct k_robust_list_head); SZ("pollfd", struct pollfd);
  SZ("linux_dirent64", struct k_linux_dirent64); SZ("sock_filter", struct sock_filter);
  SZ("sock_fprog", struct sock_fprog); SZ("winsize", struct winsize); SZ("termios", struct k_termios);
  SZ("open_how", struct open_how); SZ("clone_args", struct k_clone_args);
  SZ("rt_sigframe", struct k_rt_sigframe); SZ("sigcontext", struct sigcontext);
#ifdef __x86_64__
  SZ("_fpstate", struct _fpstate); SZ("_fpx_sw_bytes", struct k_fpx_sw_bytes); SZ("ucontext", struct k_ucontext);
#else
  SZ("ucontext", ucontext_t); SZ("_aarch64_ctx", struct _aarch64_ctx); SZ("fpsimd_context", struct fpsimd_context);
  SZ("esr_context", struct esr_context); SZ("extra_context", struct extra_context); SZ("sve_context", struct sve_context);
#endif

  section("offsets");
  OFF("seccomp_data.nr", struct seccomp_data, nr); OFF("seccomp_data.arch", struct seccomp_data, arch);
  OFF("seccomp_data.instruction_pointer", struct seccomp_data, instruction_pointer);
  OFF("seccomp_data.args", struct seccomp_data, args);
  OFF("siginfo.si_signo", siginfo_t, si_signo); OFF("siginfo.si_errno", siginfo_t, si_errno);
  OFF("siginfo.si_code", siginfo_t, si_code); OFF("siginfo.si_pid", siginfo_t, si_pid);
  OFF("siginfo.si_uid", siginfo_t, si_uid); OFF("siginfo.si_status", siginfo_t, si_status);
  OFF("siginfo.si_utime", siginfo_t, si_utime); OFF("siginfo.si_stime", siginfo_t, si_stime);
  OFF("siginfo.si_value", siginfo_t, si_value); OFF("siginfo.si_int", siginfo_t, si_int);
  OFF("siginfo.si_ptr", siginfo_t, si_ptr); OFF("siginfo.si_overrun", siginfo_t, si_overrun);
  OFF("siginfo.si_timerid", siginfo_t, si_timerid); OFF("siginfo.si_addr", siginfo_t, si_addr);
  OFF("siginfo.si_addr_lsb", siginfo_t, si_addr_lsb); OFF("siginfo.si_lower", siginfo_t, si_lower);
  OFF("siginfo.si_upper", siginfo_t, si_upper); OFF("siginfo.si_pkey", siginfo_t, si_pkey);
  OFF("siginfo.si_band", siginfo_t, si_band); OFF("siginfo.si_fd", siginfo_t, si_fd);
  OFF("siginfo.si_call_addr", siginfo_t, si_call_addr); OFF("siginfo.si_syscall", siginfo_t, si_syscall);
  OFF("siginfo.si_arch", siginfo_t, si_arch);
  OFF("timespec.tv_nsec", struct timespec, tv_nsec); OFF("timeval.tv_usec", struct timeval, tv_usec);
  OFF("itimerspec.it_value", struct itimerspec, it_value);
  OFF("new_utsname.nodename", struct utsname, nodename); OFF("new_utsname.machine", struct utsname, machine);
  OFF("new_utsname.domainname", struct utsname, domainname);
  OFF("stat.st_dev", struct stat, st_dev); OFF("stat.st_ino", struct stat, st_ino); OFF("stat.st_nlink", struct stat, st_nlink);
  OFF("stat.st_mode", struct stat, st_mode); OFF("stat.st_uid", struct stat, st_uid); OFF("stat.st_gid", struct stat, st_gid);
  OFF("stat.st_rdev", struct stat, st_rdev); OFF("stat.st_size", struct stat, st_size);
  OFF("stat.st_blksize", struct stat, st_blksize); OFF("stat.st_blocks", struct stat, st_blocks);
  OFF("stat.st_atime", struct stat, st_atim.tv_sec); OFF("stat.st_atime_nsec", struct stat, st_atim.tv_nsec);
  OFF("stat.st_mtime", struct stat, st_mtim.tv_sec); OFF("stat.st_mtime_nsec", struct stat, st_mtim.tv_nsec);
  OFF("stat.st_ctime", struct stat, st_ctim.tv_sec); OFF("stat.st_ctime_nsec", struct stat, st_ctim.tv_nsec);
  OFF("statx.stx_mask", struct statx, stx_mask); OFF("statx.stx_blksize", struct statx, stx_blksize);
  OFF("statx.stx_attributes", struct statx, stx_attributes); OFF("statx.stx_nlink", struct statx, stx_nlink);
  OFF("statx.stx_uid", struct statx, stx_uid); OFF("statx.stx_gid", struct statx, stx_gid);
  OFF("statx.stx_mode", struct statx, stx_mode); OFF("statx.stx_ino", struct statx, stx_ino);
  OFF("statx.stx_size", struct statx, stx_size); OFF("statx.stx_blocks", struct statx, stx_blocks);
  OFF("statx.stx_attributes_mask", struct statx, stx_attributes_mask); OFF("statx.stx_atime", struct statx, stx_atime);
  OFF("statx.stx_btime", struct statx, stx_btime); OFF("statx.stx_ctime", struct statx, stx_ctime);
  OFF("statx.stx_mtime", struct statx, stx_mtime); OFF("statx.stx_rdev_major", struct statx, stx_rdev_major);
  OFF("statx.stx_rdev_minor", struct statx, stx_rdev_minor); OFF("statx.stx_dev_major", struct statx, stx_dev_major);
  OFF("statx.stx_dev_minor", struct statx, stx_dev_minor); OFF("statx.stx_mnt_id", struct statx, stx_mnt_id);
  OFF("statx_timestamp.tv_nsec", struct statx_timestamp, tv_nsec);
  OFF("rlimit.rlim_max", struct rlimit, rlim_max);
  OFF("kernel_sigaction.sa_flags", struct k_sigaction, k_flags); OFF("kernel_sigaction.sa_restorer", struct k_sigaction, k_restorer);
  OFF("kernel_sigaction.sa_mask", struct k_sigaction, k_mask);
  OFF("stack_t.ss_sp", stack_t, ss_sp); OFF("stack_t.ss_flags", stack_t, ss_flags); OFF("stack_t.ss_size", stack_t, ss_size);
  OFF("iovec.iov_len", struct iovec, iov_len);
  OFF("robust_list_head.futex_offset", struct k_robust_list_head, futex_offset);
  OFF("robust_list_head.list_op_pending", struct k_robust_list_head, list_op_pending);
  OFF("pollfd.events", struct pollfd, events); OFF("pollfd.revents", struct pollfd, revents);
  OFF("linux_dirent64.d_reclen", struct k_linux_dirent64, d_reclen); OFF("linux_dirent64.d_type", struct k_linux_dirent64, d_type);
  OFF("linux_dirent64.d_name", struct k_linux_dirent64, d_name);
  OFF("sock_filter.jt", struct sock_filter, jt); OFF("sock_filter.jf", struct sock_filter, jf); OFF("sock_filter.k", struct sock_filter, k);
  OFF("sock_fprog.filter", struct sock_fprog, filter);
  OFF("winsize.ws_col", struct winsize, ws_col); OFF("winsize.ws_ypixel", struct winsize, ws_ypixel);
  OFF("termios.c_line", struct k_termios, c_line); OFF("termios.c_cc", struct k_termios, c_cc);
  OFF("open_how.mode", struct open_how, mode); OFF("open_how.resolve", struct open_how, resolve);
  OFF("clone_args.exit_signal", struct k_clone_args, exit_signal); OFF("clone_args.cgroup", struct k_clone_args, cgroup);
#ifdef __x86_64__
  OFF("sigcontext.r8", struct sigcontext, r8); OFF("sigcontext.r15", struct sigcontext, r15);
  OFF("sigcontext.rdi", struct sigcontext, rdi); OFF("sigcontext.rsi", struct sigcontext, rsi);
  OFF("sigcontext.rbp", struct sigcontext, rbp); OFF("sigcontext.rbx", struct sigcontext, rbx);
  OFF("sigcontext.rdx", struct sigcontext, rdx); OFF("sigcontext.rax", struct sigcontext, rax);
  OFF("sigcontext.rcx", struct sigcontext, rcx); OFF("sigcontext.rsp", struct sigcontext, rsp);
  OFF("sigcontext.rip", struct sigcontext, rip); OFF("sigcontext.eflags", struct sigcontext, eflags);
  OFF("sigcontext.cs", struct sigcontext, cs); OFF("sigcontext.gs", struct sigcontext, gs);
  OFF("sigcontext.fs", struct sigcontext, fs); OFF("sigcontext.ss", struct sigcontext, __pad0);
  OFF("sigcontext.err", struct sigcontext, err); OFF("sigcontext.trapno", struct sigcontext, trapno);
  OFF("sigcontext.oldmask", struct sigcontext, oldmask); OFF("sigcontext.cr2", struct sigcontext, cr2);
  OFF("sigcontext.fpstate", struct sigcontext, fpstate); OFF("sigcontext.reserved1", struct sigcontext, __reserved1);
  OFF("ucontext.uc_link", ucontext_t, uc_link); OFF("ucontext.uc_stack", ucontext_t, uc_stack);
  OFF("ucontext.uc_mcontext", ucontext_t, uc_mcontext); OFF("ucontext.uc_sigmask", ucontext_t, uc_sigmask);
  OFF("rt_sigframe.uc", struct k_rt_sigframe, uc); OFF("rt_sigframe.info", struct k_rt_sigframe, info);
  OFF("_fpstate.cwd", struct _fpstate, cwd); OFF("_fpstate.swd", struct _fpstate, swd); OFF("_fpstate.twd", struct _fpstate, ftw);
  OFF("_fpstate.fop", struct _fpstate, fop); OFF("_fpstate.rip", struct _fpstate, rip); OFF("_fpstate.rdp", struct _fpstate, rdp);
  OFF("_fpstate.mxcsr", struct _fpstate, mxcsr); OFF("_fpstate.mxcsr_mask", struct _fpstate, mxcr_mask);
  OFF("_fpstate.st_space", struct _fpstate, _st); OFF("_fpstate.xmm_space", struct _fpstate, _xmm);
  OFF("_fpstate.reserved2", struct _fpstate, __glibc_reserved1);
  OFF("_fpx_sw_bytes.xfeatures", struct k_fpx_sw_bytes, xfeatures); OFF("_fpx_sw_bytes.xstate_size", struct k_fpx_sw_bytes, xstate_size);
  OFF("_fpx_sw_bytes.padding", struct k_fpx_sw_bytes, padding);
#else
  OFF("sigcontext.fault_address", struct sigcontext, fault_address); OFF("sigcontext.regs", struct sigcontext, regs);
  OFF("sigcontext.sp", struct sigcontext, sp); OFF("sigcontext.pc", struct sigcontext, pc);
  OFF("sigcontext.pstate", struct sigcontext, pstate); OFF("sigcontext.__reserved", struct sigcontext, __reserved);
  OFF("ucontext.uc_link", ucontext_t, uc_link); OFF("ucontext.uc_stack", ucontext_t, uc_stack);
  OFF("ucontext.uc_sigmask", ucontext_t, uc_sigmask); OFF("ucontext.uc_mcontext", ucontext_t, uc_mcontext);
  OFF("rt_sigframe.uc", struct k_rt_sigframe, uc);
  OFF("fpsimd_context.fpsr", struct fpsimd_context, fpsr); OFF("fpsimd_context.fpcr", struct fpsimd_context, fpcr);
  OFF("fpsimd_context.vregs", struct fpsimd_context, vregs); OFF("esr_context.esr", struct esr_context, esr);
  OFF("extra_context.datap", struct extra_context, datap); OFF("extra_context.size", struct extra_context, size);
  OFF("sve_context.vl", struct sve_context, vl);
#endif
  printf("\n  }\n}\n");
  return 0;
}
