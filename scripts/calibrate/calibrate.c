/*
 * uabi calibration: measures the cost model's primitives in isolation on this machine, and the
 * composite mechanisms that exist natively, so the model's predictions (from primitives) can be
 * checked against direct measurements. x86_64 Linux only; built and run by
 * packages/kernel/src/cost/calibrate.ts, which parses the `key value` lines printed here.
 *
 *   calibrate --probe               prints the stub address the filter must allow
 *   calibrate [iterations [rounds]] < seccomp filter for the trap test: "<n> {code jt jf k}*n"
 *
 * Timing: every measurement runs in its own fresh child, `rounds` times, the rounds interleaved with
 * every other measurement's (a shared host has slow periods lasting seconds: interleaving lets each
 * measurement sample the same periods); each child times REPS short batches of run_loop(body, b)
 * (TRACED_REPS for traced loops). The
 * reported figure is the minimum ns per iteration over all batches of all rounds. Instruction counts
 * come from single-stepping STEP_ITERS iterations of the same run_loop under ptrace, each iteration
 * delimited by the arrival at body's first instruction in run_loop's frame (caller, handler, vDSO and
 * trampolines included); the count is the fewest of those iterations (see count_insns).
 *
 * Primitives:   user instruction (slope: empty call loop vs the same plus 400 straight-line
 *               integer instructions in four independent chains), syscall (raw getpid), ordered counter read
 *               (rdtscp, what the vDSO's clock_gettime executes), signal delivery+sigreturn
 *               (kill(self) with an empty SA_SIGINFO handler minus with SIG_IGN), cBPF instruction
 *               and filter run (getpid under 2- vs 4002-instruction filters), SUD entry check
 *               (getpid with dispatch on and the selector at ALLOW), ptrace stop (kill(self,
 *               ignored) traced minus untraced: one signal-delivery-stop, minus the signal's queueing
 *               and dequeueing, measured on its own as kill_queued minus kill_discarded).
 * Composites:   SUD trap, seccomp RET_TRAP trap, seccomp-allowed syscall, vDSO clock_gettime,
 *               getpid through the stub, getpid under PTRACE_SYSCALL.
 * Traced measurements pin tracer and tracee to one CPU: a cross-CPU wake-up of an idle virtual CPU
 * costs several µs more and varies from run to run; both the primitive and the composite are pinned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
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
/* Batches timed per child and round; the minimum is kept (the host is shared). Traced loops time ten
 * times as many batches of about the same size (their iterations are 1/5, not 1/50, of the others'): a
 * batch of a dozen stop round trips is clean only when nothing else runs on the pinned CPU, and at load
 * 15 on 2 vCPUs 20 batches in each of 15 rounds sometimes never caught one (the ignored-kill stop came
 * out 3.2, 3.5 and 4.1 µs in three runs within two minutes). */
#define REPS 20
#define TRACED_REPS (10 * REPS)

static long iterations = 100000;
static int rounds = 15;
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
/* Empty, but SA_SIGINFO like the SIGSYS handler: the kernel copies siginfo to the frame either way on x86_64. */
static void on_usr1(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)si, (void)uc;
}

static void body_empty(void) {}
/* body_empty plus 400 instructions of ordinary integer code (stack loads, each added into one of four
 * accumulators): the slope between the two loops is the marginal cost of a user instruction. Four
 * independent chains, not one: the model adds instruction costs, i.e. prices an instruction at the
 * throughput the composites' compiled code (loop, libc wrapper, vDSO, handler) runs at, where few
 * instructions wait on the one before. A single add chain runs at one add per cycle whatever the
 * core's width, so it measured the dependent add's latency: two to three times the cost per
 * instruction (0.17 against 0.05-0.08 ns on the committed runs' machine), which put the
 * 86-instruction vDSO call's prediction ~30 % high. */
static void body_straight(void) {
  __asm__ volatile(".rept 50\n\t"
                   "mov (%%rsp), %%r8\n\tadd %%r8, %%r9\n\tmov 8(%%rsp), %%r10\n\tadd %%r10, %%r11\n\t"
                   "mov 16(%%rsp), %%rsi\n\tadd %%rsi, %%rdi\n\tmov 24(%%rsp), %%rax\n\tadd %%rax, %%rdx\n\t.endr"
                   ::: "r8", "r9", "r10", "r11", "rsi", "rdi", "rax", "rdx", "memory");
}
static void body_getpid(void) { raw_getpid(); }
static void body_stub_getpid(void) { stub_call(SYS_getpid, 0, 0, 0, 0, 0, 0); }
static void body_kill(void) { kill(self_pid, SIGUSR1); }
/* With SIGUSR1 ignored but blocked, kill queues it (kernel/signal.c sig_ignored: a blocked signal is never
 * ignored at generation); unblocking makes it pending, and on the way out of rt_sigprocmask get_signal
 * dequeues it and drops it (SIG_IGN). body_kill_discarded makes the same three calls with SIGUSR2,
 * ignored and unblocked, which kill drops at generation. The difference is what a signal costs to queue
 * and dequeue: a traced task's ignored signal pays it too (sig_ignored never ignores for a ptraced task),
 * so the ptrace stop measured on an ignored signal includes it, and a syscall stop does not. */
static sigset_t usr1_set;
static void body_kill_queued(void) {
  kill(self_pid, SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &usr1_set, NULL);
  sigprocmask(SIG_BLOCK, &usr1_set, NULL);
}
static void body_kill_discarded(void) {
  kill(self_pid, SIGUSR2);
  sigprocmask(SIG_UNBLOCK, &usr1_set, NULL);
  sigprocmask(SIG_BLOCK, &usr1_set, NULL);
}
static void body_sud(void) {
  selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  raw_getpid();
}
/* What the vDSO executes to read the clock (rdtsc_ordered: rdtscp where the CPU has it). */
static void body_timer(void) {
  unsigned a, d, c;
  __asm__ volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
}
static void body_vdso(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  __asm__ volatile("" : : "r"(&ts) : "memory");
}

/* Setups run in the measured (child) process before timing or counting. */
static void setup_none(void) {}
static void setup_usr1_handler(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
}
static void setup_usr1_ignored(void) { signal(SIGUSR1, SIG_IGN); }
static void setup_usr12_ignored_usr1_blocked(void) {
  signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR2, SIG_IGN);
  sigemptyset(&usr1_set);
  sigaddset(&usr1_set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1_set, NULL);
}
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
/* SUD on, selector left at ALLOW: every entry from outside the window pays the dispatch check only. */
static void setup_sud_allowed(void) {
  setup_sud();
  selector = SYSCALL_DISPATCH_FILTER_ALLOW;
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

/* The minimum ns per iteration over `reps` batches of b iterations (after one warm-up batch). */
static double time_batches(body_fn body, long b, int reps) {
  run_loop(body, b);
  double per = 1e300;
  for (int r = 0; r < reps; r++) {
    double t0 = now_ns();
    run_loop(body, b);
    double t = (now_ns() - t0) / b;
    if (t < per) per = t;
  }
  return per;
}

/* One round: time_batches in a fresh child after setup(), untraced (request 0) or under a tracer that
 * resumes every stop with `request` (PTRACE_CONT or PTRACE_SYSCALL). */
static double time_in_child(body_fn setup, body_fn body, long b, int request) {
  int pfd[2];
  if (pipe(pfd)) exit(2);
  fflush(stdout);
  cpu_set_t saved;
  sched_getaffinity(0, sizeof saved, &saved);
  if (request) { /* tracer and tracee on one CPU (see the header) */
    cpu_set_t one;
    CPU_ZERO(&one);
    int cpu = sched_getcpu();
    CPU_SET(cpu < 0 ? 0 : cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
  }
  pid_t pid = fork();
  if (pid == 0) {
    self_pid = getpid();
    setup();
    if (request) {
      ptrace(PTRACE_TRACEME, 0, 0, 0);
      raise(SIGSTOP);
    }
    double per = time_batches(body, b, request ? TRACED_REPS : REPS);
    if (write(pfd[1], &per, sizeof per) != sizeof per) _exit(4);
    _exit(0);
  }
  close(pfd[1]);
  if (request) {
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
  }
  double per = -1;
  if (read(pfd[0], &per, sizeof per) != sizeof per) per = -1;
  close(pfd[0]);
  if (!request) waitpid(pid, NULL, 0);
  sched_setaffinity(0, sizeof saved, &saved);
  return per;
}

/* Iterations single-stepped per count: enough that the fewest is the no-retry path with certainty in
 * practice (2 to 9 of 64 single-stepped vDSO calls retried in the runs recorded on a loaded 2-vCPU VM). */
#define STEP_ITERS 64

/* How many single-stepped iterations took each distinct instruction count (the first few counts seen). */
#define COUNT_KINDS 8
struct insn_count {
  long fewest;
  long insns[COUNT_KINDS];
  int times[COUNT_KINDS], kinds;
};

/*
 * User instructions per iteration of run_loop(body) after setup(), by single-stepping one child through
 * STEP_ITERS + 1 iterations. An iteration ends when the child is about to execute body's first
 * instruction again with run_loop's stack pointer (a signal handler that the compiler folded into the
 * same code runs on a deeper stack and does not count as a boundary).
 *
 * The count is the FEWEST instructions of any iteration. Every loop here takes one path each time,
 * except for extra work that only ever adds instructions: one-time work (the first call's lazy PLT
 * binding), the carry of nanoseconds into seconds when the time read has crossed a second since the
 * last update (__iter_div_u64_rem(ns, NSEC_PER_SEC, &ns) in lib/vdso/gettimeofday.c: 5 instructions
 * here), and, the one that made the old count wrong, the vDSO clock's seqlock retry. do_hres reads the
 * clock as
 *     do { while ((seq = READ_ONCE(vc->seq)) & 1) cpu_relax(); ...read counter, compute...
 *     } while (unlikely(vdso_read_retry(vc, seq)));
 * and the timekeeper bumps vc->seq around every update (vdso_write_begin/end from update_vsyscall, on
 * each tick), so an update that lands between the read and the check runs the loop again (28 more
 * instructions on this project's machine: 114 instead of 86 per call). Single-stepped (~10 µs a
 * step), that window lasts some 300 µs and catches an update in 3-15 % of calls; timed at ~30 ns per
 * call, almost never. So
 * the fewest is the path the timed loop takes; the counts seen, printed as a comment, show how
 * often a stepped call went round again. Counting only the loop's first pass by recognising the
 * retry branch would tie the calibrator to one kernel's vDSO code layout; the minimum does not.
 * (The previous method, single-stepping run_loop(body, 2) and run_loop(body, 1) in two children and
 * subtracting, was off by a retry either way: one in the 2-iteration child added 28, one in the
 * 1-iteration child took 28 away: 58 = 86 - 28, the count of the run that was the default before.)
 */
static struct insn_count count_insns(body_fn setup, body_fn body) {
  fflush(stdout);
  /* Tracer and tracee on one CPU, SCHED_FIFO where allowed: fewer clock updates land mid-step. */
  cpu_set_t saved, one;
  sched_getaffinity(0, sizeof saved, &saved);
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
  sched_setaffinity(0, sizeof one, &one);
  struct sched_param fifo = {.sched_priority = 1}, other = {0};
  int rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
  pid_t pid = fork();
  if (pid == 0) {
    self_pid = getpid();
    setup();
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    kill(self_pid, SIGSTOP);
    run_loop(body, STEP_ITERS + 1);
    kill(self_pid, SIGSTOP);
    _exit(0);
  }
  struct insn_count c = {.fewest = -1};
  int st, inject = 0, started = 0;
  long steps = 0, frame_sp = 0;
  waitpid(pid, &st, 0);
  for (;;) {
    if (ptrace(PTRACE_SINGLESTEP, pid, 0, inject) < 0) break;
    if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) break;
    int sig = WSTOPSIG(st);
    if (sig == SIGSTOP) break;                   /* the closing marker */
    if (sig != SIGTRAP) { inject = sig; continue; } /* signal-delivery-stop: deliver it, not an instruction */
    inject = 0;
    steps++;
    long ip = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, rip), 0);
    if (ip != (long)body) continue;
    long sp = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, rsp), 0);
    if (!started) { started = 1; frame_sp = sp; steps = 0; continue; }
    if (sp != frame_sp) continue;
    if (c.fewest < 0 || steps < c.fewest) c.fewest = steps;
    int k = 0;
    while (k < c.kinds && c.insns[k] != steps) k++;
    if (k < COUNT_KINDS) {
      if (k == c.kinds) c.insns[c.kinds++] = steps;
      c.times[k]++;
    }
    steps = 0;
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  if (rt) sched_setscheduler(0, SCHED_OTHER, &other);
  sched_setaffinity(0, sizeof saved, &saved);
  return c;
}

/* Every timed loop: key, setup, body, iterations as a fraction of `iterations`, tracer request,
 * whether to count its instructions. */
struct measurement {
  const char *key;
  body_fn setup, body;
  long num, den;
  int request, count;
  double best;
};
static struct measurement table[] = {
  {"call", setup_none, body_empty, 10, 1, 0, 1, 0},
  {"straight", setup_none, body_straight, 1, 1, 0, 1, 0},
  {"getpid", setup_none, body_getpid, 1, 1, 0, 1, 0},
  {"timer", setup_none, body_timer, 1, 1, 0, 1, 0},
  {"kill_ignored", setup_usr1_ignored, body_kill, 1, 1, 0, 1, 0},
  {"kill_handled", setup_usr1_handler, body_kill, 1, 1, 0, 1, 0},
  {"kill_queued", setup_usr12_ignored_usr1_blocked, body_kill_queued, 1, 1, 0, 1, 0},
  {"kill_discarded", setup_usr12_ignored_usr1_blocked, body_kill_discarded, 1, 1, 0, 1, 0},
  {"filter_small", setup_filter_small, body_getpid, 1, 1, 0, 1, 0},
  {"filter_large", setup_filter_large, body_getpid, 1, 1, 0, 1, 0},
  {"sud_allowed", setup_sud_allowed, body_getpid, 1, 1, 0, 1, 0},
  {"ptrace_kill_ignored", setup_usr1_ignored, body_kill, 1, 5, PTRACE_CONT, 0, 0},
  {"stub_getpid", setup_none, body_stub_getpid, 1, 1, 0, 1, 0},
  {"vdso", setup_none, body_vdso, 1, 1, 0, 1, 0},
  {"sud_trap", setup_sud, body_sud, 1, 1, 0, 1, 0},
  {"seccomp_trap", setup_seccomp_trap, body_getpid, 1, 1, 0, 1, 0},
  {"seccomp_allowed", setup_seccomp_trap, body_stub_getpid, 1, 1, 0, 1, 0},
  {"seccomp_trap_mitigated", setup_seccomp_trap_mitigated, body_getpid, 1, 1, 0, 0, 0},
  {"ptrace_syscall", setup_none, body_getpid, 1, 5, PTRACE_SYSCALL, 1, 0},
};
#define NMEASURE (sizeof table / sizeof table[0])

int main(int argc, char **argv) {
  if (argc > 1) iterations = strtol(argv[1], NULL, 0);
  if (argc > 2) rounds = (int)strtol(argv[2], NULL, 0);
  if (iterations < 1000) iterations = 1000;
  if (rounds < 1) rounds = 1;
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
  printf("rounds %d\n", rounds);
  printf("reps %d\n", REPS);
  printf("# traced loops: iterations / 5 in %d batches per round\n", TRACED_REPS);
  printf("large_filter_extra %d\n", LARGE_FILTER_EXTRA);
  printf("stub 0x%lx\n", (unsigned long)stub);
  /* raw_getpid's syscall is its first instruction after any endbr64: report the post-syscall IP. */
  {
    unsigned char *p = (unsigned char *)raw_getpid;
    long off = -1;
    for (int i = 0; i < 32; i++) if (p[i] == 0x0f && p[i + 1] == 0x05) { off = i + 2; break; }
    printf("site_ip 0x%lx\n", (unsigned long)(p + off));
  }
  for (int r = 0; r < rounds; r++) {
    for (unsigned m = 0; m < NMEASURE; m++) {
      struct measurement *t = &table[m];
      long b = iterations * t->num / t->den / rounds / (t->request ? TRACED_REPS : REPS);
      double per = time_in_child(t->setup, t->body, b < 1 ? 1 : b, t->request);
      if (r == 0 || per < t->best) t->best = per;
    }
  }
  for (unsigned m = 0; m < NMEASURE; m++) {
    printf("t_%s %.3f\n", table[m].key, table[m].best);
    if (!table[m].count) continue;
    struct insn_count c = count_insns(table[m].setup, table[m].body);
    printf("n_%s %ld\n", table[m].key, c.fewest);
    printf("# n_%s: fewest of %d single-stepped iterations; instructions x iterations:", table[m].key, STEP_ITERS);
    for (int k = 0; k < c.kinds; k++) printf(" %ldx%d", c.insns[k], c.times[k]);
    printf("\n");
  }
  return 0;
}
