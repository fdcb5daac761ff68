/*
 * uabi calibration: measures the cost model's primitives in isolation on this machine, and the
 * composite mechanisms that exist natively, so the model's predictions (from primitives) can be
 * checked against direct measurements. x86_64 Linux only; built and run by
 * packages/kernel/src/cost/calibrate.ts, which parses the `key value` lines printed here.
 *
 *   calibrate --probe        prints the stub address the filter must allow
 *   calibrate [iterations]   < seccomp filter for the trap test: "<n> {code jt jf k}*n"
 *
 * Every timed loop is run_loop(body, iterations); instruction counts come from single-stepping
 * run_loop(body, 2) and run_loop(body, 1) under ptrace and taking the difference, which is exactly
 * one iteration of the timed loop (user-mode instructions: caller, handler, vDSO, trampolines).
 *
 * Primitives:   syscall (raw getpid), user instruction (empty call loop), signal delivery+sigreturn
 *               (kill(self) with a handler minus with SIG_IGN, minus the handler's instructions),
 *               cBPF instruction and filter run (getpid under 2- vs 202-instruction filters),
 *               ptrace stop (kill(self, ignored) traced minus untraced: one signal-delivery-stop).
 * Composites:   SUD trap, seccomp RET_TRAP trap, seccomp-allowed syscall, vDSO clock_gettime,
 *               getpid under PTRACE_SYSCALL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif

typedef void (*body_fn)(void);

/* The large filter executes this many more cBPF instructions than the small one (with the JIT on,
 * a few hundred would drown in noise). */
#define LARGE_FILTER_EXTRA 4000
/* Each timing is the minimum over this many runs in the same child: the host is shared. */
#define REPS 3

static long iterations = 100000;
static unsigned char *stub; /* "syscall; ret": the allowed window for SUD and seccomp */
static volatile char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static pid_t self_pid;
static struct sock_filter trap_filter[4096];
static unsigned trap_filter_len;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

__attribute__((noinline)) static void run_loop(body_fn body, long n) {
  for (long i = 0; i < n; i++) {
    body();
    __asm__ volatile("" ::: "memory");
  }
}

static long stub_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = a4;
  register long r9 __asm__("r9") = a5;
  long ret;
  __asm__ volatile("call *%[s]" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9), [s] "r"(stub)
                   : "rcx", "r11", "memory");
  return ret;
}

/* The trapped call site: a raw syscall instruction outside the stub page. */
__attribute__((noinline)) static long raw_getpid(void) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
  return ret;
}

/* SIGSYS handler shared by SUD and seccomp: re-issue the call from the allowed stub. */
static void on_sigsys(int sig, siginfo_t *si, void *ucv) {
  (void)sig;
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  selector = SYSCALL_DISPATCH_FILTER_ALLOW; /* so rt_sigreturn is not dispatched (SUD) */
  g[REG_RAX] = stub_call(si->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
}
static void on_usr1(int sig) { (void)sig; }

static void body_empty(void) {}
static void body_getpid(void) { raw_getpid(); }
static void body_stub_getpid(void) { stub_call(SYS_getpid, 0, 0, 0, 0, 0, 0); }
static void body_kill(void) { kill(self_pid, SIGUSR1); }
static void body_sud(void) {
  selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  raw_getpid();
}
static void body_vdso(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  __asm__ volatile("" : : "r"(&ts) : "memory");
}

/* Setups run in the measured (child) process before timing or counting. */
static void setup_none(void) {}
static void setup_usr1_handler(void) { signal(SIGUSR1, on_usr1); }
static void setup_usr1_ignored(void) { signal(SIGUSR1, SIG_IGN); }
static void setup_sigsys(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, NULL);
}
static void setup_sud(void) {
  setup_sigsys();
  if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (unsigned long)stub, 4096, &selector)) {
    perror("PR_SET_SYSCALL_USER_DISPATCH");
    _exit(3);
  }
}
/* Filters are installed with SECCOMP_FILTER_FLAG_SPEC_ALLOW unless `mitigate`: by default seccomp
 * also turns on speculative-execution mitigations for the task (arch_seccomp_spec_mitigate), which
 * slow everything the task does and are not part of the mechanism's own cost. */
static void install_flags(struct sock_filter *f, unsigned n, int mitigate) {
  struct sock_fprog p = {.len = (unsigned short)n, .filter = f};
  unsigned flags = mitigate ? 0 : SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p)) {
    perror("seccomp");
    _exit(3);
  }
}
static void install(struct sock_filter *f, unsigned n) { install_flags(f, n, 0); }
static void setup_seccomp_trap(void) {
  setup_sigsys();
  install(trap_filter, trap_filter_len);
}
static void setup_seccomp_trap_mitigated(void) {
  setup_sigsys();
  install_flags(trap_filter, trap_filter_len, 1);
}
/* 1 + k loads of args[0] then RET ALLOW: reading args defeats the constant-action cache. */
static void setup_filter_k(unsigned k) {
  static struct sock_filter f[4096];
  for (unsigned i = 0; i <= k; i++) f[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16);
  f[k + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  install(f, k + 2);
}
static void setup_filter_small(void) { setup_filter_k(0); }
static void setup_filter_large(void) { setup_filter_k(LARGE_FILTER_EXTRA); }

/* Time run_loop(body, n) in a fresh child after setup(); returns ns per iteration. */
static double time_in_child(body_fn setup, body_fn body, long n) {
  int pfd[2];
  if (pipe(pfd)) exit(2);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    self_pid = getpid();
    setup();
    run_loop(body, n / 20 + 1); /* warm up */
    double per = 1e300;
    for (int r = 0; r < REPS; r++) {
      double t0 = now_ns();
      run_loop(body, n);
      double t = (now_ns() - t0) / n;
      if (t < per) per = t;
    }
    if (write(pfd[1], &per, sizeof per) != sizeof per) _exit(4);
    _exit(0);
  }
  close(pfd[1]);
  double per = -1;
  if (read(pfd[0], &per, sizeof per) != sizeof per) per = -1;
  close(pfd[0]);
  waitpid(pid, NULL, 0);
  return per;
}

/* Same, but the child runs under a tracer that resumes every stop (PTRACE_CONT or PTRACE_SYSCALL). */
static double time_traced(body_fn setup, body_fn body, long n, int request) {
  int pfd[2];
  if (pipe(pfd)) exit(2);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    self_pid = getpid();
    setup();
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    run_loop(body, n / 20 + 1);
    double per = 1e300;
    for (int r = 0; r < REPS; r++) {
      double t0 = now_ns();
      run_loop(body, n);
      double t = (now_ns() - t0) / n;
      if (t < per) per = t;
    }
    if (write(pfd[1], &per, sizeof per) != sizeof per) _exit(4);
    _exit(0);
  }
  close(pfd[1]);
  int st;
  waitpid(pid, &st, 0); /* the initial SIGSTOP */
  ptrace(request, pid, 0, 0);
  for (;;) {
    if (waitpid(pid, &st, 0) < 0 || WIFEXITED(st) || WIFSIGNALED(st)) break;
    int sig = WSTOPSIG(st);
    /* Suppress the measured SIGUSR1 (it is ignored anyway); pass any other signal on. */
    int inject = (sig == SIGUSR1 || sig == SIGTRAP || sig == (SIGTRAP | 0x80)) ? 0 : sig;
    ptrace(request, pid, 0, inject);
  }
  double per = -1;
  if (read(pfd[0], &per, sizeof per) != sizeof per) per = -1;
  close(pfd[0]);
  return per;
}

/* User instructions of run_loop(body, iters) after setup(), by single-stepping the child. */
static long steps_in_child(body_fn setup, body_fn body, long iters) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    self_pid = getpid();
    setup();
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    kill(self_pid, SIGSTOP);
    run_loop(body, iters);
    kill(self_pid, SIGSTOP);
    _exit(0);
  }
  int st;
  long steps = 0;
  waitpid(pid, &st, 0);
  int inject = 0;
  for (;;) {
    if (ptrace(PTRACE_SINGLESTEP, pid, 0, inject) < 0) break;
    if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) break;
    int sig = WSTOPSIG(st);
    if (sig == SIGTRAP) { steps++; inject = 0; }
    else if (sig == SIGSTOP) break; /* the closing marker */
    else inject = sig;               /* signal-delivery-stop: deliver it, not an instruction */
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return steps;
}

/* Minimum over three tries: a vDSO seqlock retry (a timer tick while single-stepping) adds a pass. */
static long insns_per_iteration(body_fn setup, body_fn body) {
  long best = -1;
  for (int i = 0; i < 3; i++) {
    long n = steps_in_child(setup, body, 2) - steps_in_child(setup, body, 1);
    if (best < 0 || n < best) best = n;
  }
  return best;
}

static void report(const char *name, body_fn setup, body_fn body, long n) {
  printf("t_%s %.3f\n", name, time_in_child(setup, body, n));
  printf("n_%s %ld\n", name, insns_per_iteration(setup, body));
}

int main(int argc, char **argv) {
  if (argc > 1) iterations = strtol(argv[1], NULL, 0);
  if (iterations < 100) iterations = 100;
  /* The seccomp trap filter comes from the TypeScript side (the same generator the simulator uses). */
  if (scanf("%u", &trap_filter_len) != 1 || trap_filter_len == 0 || trap_filter_len > 4096) {
    fprintf(stderr, "expected a filter on stdin\n");
    return 2;
  }
  for (unsigned i = 0; i < trap_filter_len; i++) {
    unsigned c, jt, jf, k;
    if (scanf("%u %u %u %u", &c, &jt, &jf, &k) != 4) return 2;
    trap_filter[i] = (struct sock_filter){(unsigned short)c, (unsigned char)jt, (unsigned char)jf, k};
  }
  stub = mmap((void *)0x7b0000000UL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (stub == MAP_FAILED) { perror("mmap"); return 2; }
  memcpy(stub, "\x0f\x05\xc3", 3);
  mprotect(stub, 4096, PROT_READ | PROT_EXEC);
  self_pid = getpid();
  if (argc > 1 && !strcmp(argv[1], "--probe")) { /* where the stub lands, so the caller can build the filter */
    printf("stub 0x%lx\n", (unsigned long)stub);
    return 0;
  }
  printf("iterations %ld\n", iterations);
  printf("reps %d\n", REPS);
  printf("large_filter_extra %d\n", LARGE_FILTER_EXTRA);
  printf("stub 0x%lx\n", (unsigned long)stub);
  /* raw_getpid's syscall is its first instruction after any endbr64: report the post-syscall IP. */
  {
    unsigned char *p = (unsigned char *)raw_getpid;
    long off = -1;
    for (int i = 0; i < 32; i++) if (p[i] == 0x0f && p[i + 1] == 0x05) { off = i + 2; break; }
    printf("site_ip 0x%lx\n", (unsigned long)(p + off));
  }
  long slow = iterations / 50 + 10;
  report("call", setup_none, body_empty, iterations * 10);
  report("getpid", setup_none, body_getpid, iterations);
  report("stub_getpid", setup_none, body_stub_getpid, iterations);
  report("kill_ignored", setup_usr1_ignored, body_kill, iterations);
  report("kill_handled", setup_usr1_handler, body_kill, iterations);
  report("filter_small", setup_filter_small, body_getpid, iterations);
  report("filter_large", setup_filter_large, body_getpid, iterations);
  printf("t_ptrace_kill_ignored %.3f\n", time_traced(setup_usr1_ignored, body_kill, slow, PTRACE_CONT));
  report("vdso", setup_none, body_vdso, iterations);
  report("sud_trap", setup_sud, body_sud, iterations);
  report("seccomp_trap", setup_seccomp_trap, body_getpid, iterations);
  report("seccomp_allowed", setup_seccomp_trap, body_stub_getpid, iterations);
  printf("t_seccomp_trap_mitigated %.3f\n", time_in_child(setup_seccomp_trap_mitigated, body_getpid, iterations));
  printf("t_ptrace_syscall %.3f\n", time_traced(setup_none, body_getpid, slow, PTRACE_SYSCALL));
  printf("n_ptrace_syscall %ld\n", insns_per_iteration(setup_none, body_getpid));
  return 0;
}
