/*
 * seccomp oracle: runs filter installs and syscalls under filters on the real kernel, in forked
 * children, and prints what happened. Input (stdin) and output (stdout) are whitespace-separated
 * lines produced/consumed by scripts/seccomp/record.ts; see the grammar there. x86_64 only.
 *
 *   INSTALL <name> <nsteps>, then per step:
 *     STEP <flags> <nnp> <dropcaps> <prctl> <fprog 0 ok|1 bad> <filterptr 0 ok|1 null|2 bad> <len> <n> {code jt jf k}*n
 *   -> INSTALL <name> <ret>...            (ret = return value, or -errno)
 *   BEHAVIOUR <name> <site 0 libc|1 stub|2 thread> <strict 0|1> <nr> <a0..a5 hex> <nfilters>, then per filter:
 *     FILTER <n> {code jt jf k}*n
 *   -> BEHAVIOUR <name> RAN | RET <r> | SIGSYS <code> <errno> <syscall> <arch> <calladdr-stub> <calladdr==rip> <rax>
 *      | KILLED <signal> | THREAD_KILLED
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define STUB_ADDR 0x7a0000000UL
#define MAXF 4100
#define BAD_PTR ((void *)0x10UL)

static struct sock_filter *read_filter(unsigned *n_out) {
  unsigned n;
  if (scanf("%u", &n) != 1 || n > MAXF) { fprintf(stderr, "bad filter length\n"); exit(2); }
  struct sock_filter *f = calloc(n ? n : 1, sizeof *f);
  for (unsigned i = 0; i < n; i++) {
    unsigned code, jt, jf, k;
    if (scanf("%u %u %u %u", &code, &jt, &jf, &k) != 4) { fprintf(stderr, "bad insn\n"); exit(2); }
    f[i].code = code; f[i].jt = jt; f[i].jf = jf; f[i].k = k;
  }
  *n_out = n;
  return f;
}

/* syscall; ret at a fixed address, so filters can see a known instruction_pointer (STUB_ADDR + 2). */
static long stub_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = a4;
  register long r9 __asm__("r9") = a5;
  long ret;
  __asm__ volatile("call *%[stub]"
                   : "=a"(ret)
                   : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9), [stub] "r"(STUB_ADDR)
                   : "rcx", "r11", "memory");
  return ret;
}

static volatile sig_atomic_t got_sigsys;
static volatile long s_code, s_errno, s_syscall, s_rax;
static volatile unsigned long s_arch, s_call, s_rip;

static void on_sigsys(int sig, siginfo_t *si, void *ucv) {
  (void)sig;
  ucontext_t *uc = ucv;
  got_sigsys = 1;
  s_code = si->si_code;
  s_errno = si->si_errno;
  s_syscall = si->si_syscall;
  s_arch = si->si_arch;
  s_call = (unsigned long)si->si_call_addr;
  s_rip = uc->uc_mcontext.gregs[REG_RIP];
  s_rax = uc->uc_mcontext.gregs[REG_RAX];
  uc->uc_mcontext.gregs[REG_RAX] = 0x5eed; /* what the interrupted code will see */
}

struct call { int site; int strict; long nr; long a[6]; long ret; int done; };

static void *thread_main(void *p) {
  struct call *c = p;
  c->ret = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
  if (c->ret == -1) c->ret = -errno;
  c->done = 1;
  return NULL;
}

static void run_install(const char *name) {
  unsigned nsteps;
  if (scanf("%u", &nsteps) != 1) exit(2);
  struct step { unsigned flags, nnp, dropcaps, use_prctl, fprog_bad, fptr, len, n; struct sock_filter *f; } *steps = calloc(nsteps, sizeof *steps);
  for (unsigned i = 0; i < nsteps; i++) {
    char tag[16];
    struct step *s = &steps[i];
    if (scanf("%15s %u %u %u %u %u %u %u", tag, &s->flags, &s->nnp, &s->dropcaps, &s->use_prctl, &s->fprog_bad, &s->fptr, &s->len) != 8) exit(2);
    s->f = read_filter(&s->n);
  }
  int pfd[2];
  if (pipe(pfd)) exit(2);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(pfd[0]);
    FILE *out = fdopen(pfd[1], "w");
    fprintf(out, "INSTALL %s", name);
    for (unsigned i = 0; i < nsteps; i++) {
      struct step *s = &steps[i];
      if (s->dropcaps && setresuid(65534, 65534, 65534) != 0) { fprintf(out, " SETUID_FAILED"); break; }
      if (s->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { fprintf(out, " NNP_FAILED"); break; }
      struct sock_fprog prog = { .len = (unsigned short)s->len, .filter = s->fptr == 1 ? NULL : s->fptr == 2 ? BAD_PTR : s->f };
      void *arg = s->fprog_bad ? BAD_PTR : &prog;
      long r = s->use_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, arg, 0, 0)
                            : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, arg);
      fprintf(out, " %ld", r < 0 ? -(long)errno : r);
    }
    fprintf(out, "\n");
    fclose(out);
    _exit(0);
  }
  close(pfd[1]);
  char buf[1 << 16];
  size_t got = 0;
  ssize_t r;
  while ((r = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0) got += r;
  buf[got] = 0;
  close(pfd[0]);
  int st;
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st)) printf("INSTALL %s KILLED %d\n", name, WTERMSIG(st));
  else fputs(buf, stdout);
  for (unsigned i = 0; i < nsteps; i++) free(steps[i].f);
  free(steps);
}

static void run_behaviour(const char *name) {
  struct call c = {0};
  unsigned nf;
  char hex[6][32];
  if (scanf("%d %d %ld %31s %31s %31s %31s %31s %31s %u", &c.site, &c.strict, &c.nr, hex[0], hex[1], hex[2], hex[3], hex[4], hex[5], &nf) != 10) exit(2);
  for (int i = 0; i < 6; i++) c.a[i] = (long)strtoull(hex[i], NULL, 0);
  struct sock_filter *fs[16];
  unsigned ns[16];
  if (nf > 16) exit(2);
  for (unsigned i = 0; i < nf; i++) {
    char tag[16];
    if (scanf("%15s", tag) != 1) exit(2);
    fs[i] = read_filter(&ns[i]);
  }
  int pfd[2];
  if (pipe(pfd)) exit(2);
  pid_t parent = getpid();
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(pfd[0]);
    char line[256];
    void *stub = mmap((void *)STUB_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (stub != (void *)STUB_ADDR) _exit(3);
    memcpy(stub, "\x0f\x05\xc3", 3);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    pthread_t th;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(4);
    for (unsigned i = 0; i < nf; i++) {
      struct sock_fprog prog = { .len = (unsigned short)ns[i], .filter = fs[i] };
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        snprintf(line, sizeof line, "BEHAVIOUR %s INSTALL_FAILED %d\n", name, errno);
        write(pfd[1], line, strlen(line));
        _exit(0);
      }
    }
    long ret;
    if (c.strict) {
      /* Strict mode allows only read, write, exit and rt_sigreturn: report with write, leave with SYS_exit. */
      char pre[64] = "";
      if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) snprintf(pre, sizeof pre, " STRICT_REFUSED %d", errno);
      ret = syscall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
      if (ret == -1) ret = -errno;
      if (ret == parent) snprintf(line, sizeof line, "BEHAVIOUR %s%s RAN\n", name, pre);
      else snprintf(line, sizeof line, "BEHAVIOUR %s%s RET %ld\n", name, pre, ret);
      write(pfd[1], line, strlen(line));
      syscall(SYS_exit, 0);
    }
    if (c.site == 1) {
      ret = stub_syscall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
    } else if (c.site == 2) {
      if (pthread_create(&th, NULL, thread_main, &c) != 0) _exit(5);
      pthread_join(th, NULL);
      if (!c.done) {
        snprintf(line, sizeof line, "BEHAVIOUR %s THREAD_KILLED\n", name);
        write(pfd[1], line, strlen(line));
        _exit(0);
      }
      ret = c.ret;
    } else {
      ret = syscall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
      if (ret == -1) ret = -errno;
    }
    if (got_sigsys)
      snprintf(line, sizeof line, "BEHAVIOUR %s SIGSYS %ld %ld %ld %lu %ld %d %ld\n", name, s_code, s_errno, s_syscall, s_arch,
               (long)(s_call - STUB_ADDR), s_call == s_rip, s_rax);
    else if (ret == parent)
      snprintf(line, sizeof line, "BEHAVIOUR %s RAN\n", name);
    else
      snprintf(line, sizeof line, "BEHAVIOUR %s RET %ld\n", name, ret);
    write(pfd[1], line, strlen(line));
    _exit(0);
  }
  close(pfd[1]);
  char buf[512];
  ssize_t got = read(pfd[0], buf, sizeof buf - 1);
  close(pfd[0]);
  int st;
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st)) printf("BEHAVIOUR %s KILLED %d\n", name, WTERMSIG(st));
  else if (got > 0) { buf[got] = 0; fputs(buf, stdout); }
  else printf("BEHAVIOUR %s NO_RESULT %d\n", name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  for (unsigned i = 0; i < nf; i++) free(fs[i]);
}

int main(void) {
  char kind[32], name[128];
  /* A core dump per killed child would be slow and litter the disk. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  while (scanf("%31s %127s", kind, name) == 2) {
    if (!strcmp(kind, "INSTALL")) run_install(name);
    else if (!strcmp(kind, "BEHAVIOUR")) run_behaviour(name);
    else { fprintf(stderr, "unknown record %s\n", kind); return 2; }
    fflush(stdout);
  }
  return 0;
}
