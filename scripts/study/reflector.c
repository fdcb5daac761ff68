/*
 * uabi's native reflector: runs static x86-64 workloads on this host, directly and with every syscall reflected
 * through Syscall User Dispatch, seccomp RET_TRAP or a PTRACE_SYSCALL tracer, and times each run. x86-64 Linux
 * only; built and run by apps/uabi/src/study/host.ts (`uabi study --host`), which parses the `run …` lines.
 *
 *   reflector < spec
 *
 * The spec (every string hex-encoded so that argv and env may hold anything):
 *   rounds R
 *   timeout S
 *   filter N  c jt jf k ...          the seccomp window filter (uabi's own vdsoWindowFilter over the stub page)
 *   workload PATH ARGC ARGV... ENVC ENV... STDIN
 * Output: `stub 0x…` then one line per run:
 *   run ROUND WORKLOAD MECH ns=N status=exit:N|signal:N out=LEN:FNV err=LEN:FNV calls=N stops=N same=0|1 flags=…
 *
 * Mechanisms (one fresh child per run; rounds interleave every workload and mechanism, so each samples the same
 * slow periods of a shared host; parent and child pinned to one CPU, which ptrace needs to be stable, and run
 * SCHED_FIFO where allowed: on a loaded host every run would otherwise be stretched by the time slices of every
 * other runnable task; RLIMIT_RTTIME kills a run that computes 20 s without blocking, so a runaway cannot keep
 * the CPU). `sched fifo|other` says which it got.
 *   exec     the kernel's execve (reference for the loader's own cost)
 *   direct   the userland loader below, no reflection
 *   sud      the loader + SUD: the stub page allowed, everything else SIGSYS
 *   seccomp  the loader + a RET_TRAP filter allowing only calls issued from the stub page
 *   ptrace   the loader, traced: every call runs in the kernel with an entry and an exit stop
 *
 * The userland exec loader maps the static ELF's PT_LOAD segments, builds the initial stack (argv, envp, auxv
 * with AT_PHDR, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM and the host's AT_SYSINFO_EHDR, AT_HWCAP…) and jumps to
 * the entry. The SIGSYS handler re-issues each call from the stub page (a fixed page holding the only syscall
 * instructions the mechanism allows) and writes the result into the ucontext. What a signal-frame reflection
 * cannot carry is handled here as uabi's libkernel would need to (see the handler): rt_sigreturn (re-issued on
 * the program's own stack), rt_sigprocmask (applied to the frame's saved mask, SIGSYS never blocked), clone with a
 * new stack (the child starts in a stub trampoline that restores the program's registers), a child of any clone
 * switching SUD on for itself (it is not inherited), vfork and CLONE_VM
 * without a stack (run as fork), clone3 (ENOSYS: glibc falls back to clone), sigaltstack (written into the
 * frame's uc_stack, or the handler's sigreturn would undo it), rt_sigaction(SIGSYS) (kept virtual), execve
 * (refused: a userland exec of the new image is not built; flagged).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

/* The stub page: a fixed address (the seccomp filter embeds it), far from static binaries (0x400000) and mmap. */
#define STUB_ADDR 0x7b0000000UL
#define STUB_LEN 4096UL

/* The stub code, assembled here and copied to STUB_ADDR (position-independent). */
extern char refl_stub_begin[], refl_stub_syscall[], refl_stub_restore_rt[], refl_stub_sigreturn_at[], refl_stub_clone[],
    refl_stub_end[];
__asm__(".text\n"
        ".globl refl_stub_begin\nrefl_stub_begin:\n"
        /* rax = nr, args in rdi rsi rdx r10 r8 r9 */
        ".globl refl_stub_syscall\nrefl_stub_syscall:\n  syscall\n  ret\n"
        /* The SIGSYS handler's sa_restorer: its rt_sigreturn must come from the allowed page too. */
        ".globl refl_stub_restore_rt\nrefl_stub_restore_rt:\n  mov $15, %eax\n  syscall\n  ud2\n"
        /* The program's own rt_sigreturn, re-issued with its stack pointer (rdi): the frame is at rsp - 8. */
        ".globl refl_stub_sigreturn_at\nrefl_stub_sigreturn_at:\n  mov %rdi, %rsp\n  mov $15, %eax\n  syscall\n  ud2\n"
        /* clone with a new stack; r12 = the child's slot (gregs[23], the signal mask, re-arm SUD?, the SUD region; on
         * the child's stack). */
        ".globl refl_stub_clone\nrefl_stub_clone:\n  syscall\n  test %rax, %rax\n  jz 1f\n  ret\n"
        "1:\n  mov $14, %eax\n  mov $2, %edi\n  lea 184(%r12), %rsi\n  xor %edx, %edx\n  mov $8, %r10d\n  syscall\n"
        /* SUD is not inherited by a new thread (see rearm_sud): re-arm it when the slot says so (slot[24]) */
        "  cmpq $0, 192(%r12)\n  je 2f\n  mov $157, %eax\n  mov $59, %edi\n  mov $1, %esi\n  mov 200(%r12), %rdx\n"
        "  mov $4096, %r10d\n  xor %r8d, %r8d\n  syscall\n2:\n"
        "  mov 0(%r12), %r8\n  mov 8(%r12), %r9\n  mov 16(%r12), %r10\n  mov 24(%r12), %r11\n  mov 40(%r12), %r13\n"
        "  mov 48(%r12), %r14\n  mov 56(%r12), %r15\n  mov 64(%r12), %rdi\n  mov 72(%r12), %rsi\n  mov 80(%r12), %rbp\n"
        "  mov 88(%r12), %rbx\n  mov 96(%r12), %rdx\n  mov 120(%r12), %rsp\n  mov 128(%r12), %rcx\n  mov 32(%r12), %r12\n"
        "  xor %eax, %eax\n  jmp *%rcx\n"
        ".globl refl_stub_end\nrefl_stub_end:\n");

#define STUB(sym) ((uintptr_t)STUB_ADDR + (uintptr_t)((sym) - refl_stub_begin))

/* Counters shared with the measured child (MAP_SHARED): reflected calls, and what the run ran into. */
struct shared {
  long calls;
  long flags;
};
#define FLAG_EXEC 1L       /* execve refused */
#define FLAG_SIGSYS_ACT 2L /* the program's own rt_sigaction(SIGSYS), kept virtual */
#define FLAG_CLONE_STACK 4L
#define FLAG_VFORK 8L
#define FLAG_CLONE3 16L
#define FLAG_SETUP 32L /* the mechanism could not be set up */
static struct shared *sh;
static uint64_t sud_mode; /* the mechanism is SUD: a new thread must switch it on for itself */
static struct kernel_sigaction_s {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
} virtual_sigsys;

/* ---- the SIGSYS handler: no libc, no TLS (the program owns %fs); every call through the stub page ---- */

/* The calls below step over the red zone: the compiler may keep a leaf function's locals there, and `call` pushes. */
static inline long sys6(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = a4;
  register long r9 __asm__("r9") = a5;
  long ret;
  __asm__ volatile("lea -128(%%rsp), %%rsp\n  call *%[s]\n  lea 128(%%rsp), %%rsp"
                   : "=a"(ret), "+r"(r10), "+r"(r8), "+r"(r9)
                   : "a"(nr), "D"(a0), "S"(a1), "d"(a2), [s] "r"(STUB(refl_stub_syscall))
                   : "rcx", "r11", "memory");
  return ret;
}

#define SIGSYS_BIT (1ULL << (SIGSYS - 1))

__attribute__((noreturn)) static void sigreturn_at(uintptr_t sp) {
  __asm__ volatile("jmp *%1" ::"D"(sp), "r"(STUB(refl_stub_sigreturn_at)) : "memory");
  __builtin_unreachable();
}

/* clone with a new stack: the child's registers and mask go on its own stack, below the stack pointer it gets. */
static long clone_new_stack(greg_t *g, uint64_t mask) {
  uintptr_t child_sp = (uintptr_t)g[REG_RSI];
  uint64_t *slot = (uint64_t *)((child_sp - 512) & ~15UL);
  for (int i = 0; i < NGREG; i++) slot[i] = (uint64_t)g[i];
  slot[REG_RSP] = child_sp;
  slot[REG_RIP] = (uint64_t)g[REG_RIP];
  slot[23] = mask;
  slot[24] = sud_mode;
  slot[25] = STUB_ADDR;
  register long r10 __asm__("r10") = g[REG_R10];
  register long r8 __asm__("r8") = g[REG_R8];
  register long r9 __asm__("r9") = g[REG_R9];
  register uint64_t *r12 __asm__("r12") = slot;
  long ret;
  __asm__ volatile("lea -128(%%rsp), %%rsp\n  call *%[s]\n  lea 128(%%rsp), %%rsp"
                   : "=a"(ret), "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r12)
                   : "a"((long)SYS_clone), "D"(g[REG_RDI]), "S"(g[REG_RSI]), "d"(g[REG_RDX]), [s] "r"(STUB(refl_stub_clone))
                   : "rcx", "r11", "memory");
  return ret;
}

/* SUD is per task and a child does not inherit it (observed on 6.18 for forked children and threads alike): the
 * child of a reflected fork switches it on for itself before it returns to the program. */
static void rearm_sud(void) {
  if (sud_mode) sys6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, STUB_ADDR, STUB_LEN, 0, 0);
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv) {
  (void)sig;
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  long nr = si->si_syscall;
  long a0 = g[REG_RDI], a1 = g[REG_RSI], a2 = g[REG_RDX], a3 = g[REG_R10], a4 = g[REG_R8], a5 = g[REG_R9];
  uint64_t *framemask = (uint64_t *)&uc->uc_sigmask;
  long ret;
  __atomic_fetch_add(&sh->calls, 1, __ATOMIC_RELAXED);
  switch (nr) {
  case SYS_rt_sigreturn: /* the program's handler returned: its frame is at its own stack pointer */
    sigreturn_at((uintptr_t)g[REG_RSP]);
  case SYS_rt_sigprocmask: /* the handler's sigreturn restores the frame's mask: change that one */
    if (a3 != 8) { ret = -EINVAL; break; }
    if (a2) *(uint64_t *)a2 = *framemask;
    if (a1) {
      uint64_t set = *(uint64_t *)a1;
      if (a0 == SIG_BLOCK) *framemask |= set;
      else if (a0 == SIG_UNBLOCK) *framemask &= ~set;
      else if (a0 == SIG_SETMASK) *framemask = set;
      else { ret = -EINVAL; break; }
      *framemask &= ~(SIGSYS_BIT | (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
    }
    ret = 0;
    break;
  case SYS_clone3:
    __atomic_fetch_or(&sh->flags, FLAG_CLONE3, __ATOMIC_RELAXED);
    ret = -ENOSYS;
    break;
  case SYS_vfork: /* the child would return through this handler on the parent's stack */
    __atomic_fetch_or(&sh->flags, FLAG_VFORK, __ATOMIC_RELAXED);
    ret = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (ret == 0) rearm_sud();
    break;
  case SYS_clone:
    if (a1) {
      __atomic_fetch_or(&sh->flags, FLAG_CLONE_STACK, __ATOMIC_RELAXED);
      ret = clone_new_stack(g, *framemask);
    } else if (a0 & CLONE_VM) {
      __atomic_fetch_or(&sh->flags, FLAG_VFORK, __ATOMIC_RELAXED);
      ret = sys6(SYS_clone, a0 & ~(long)(CLONE_VM | CLONE_VFORK), 0, a2, a3, a4, a5);
      if (ret == 0) rearm_sud();
    } else {
      ret = sys6(nr, a0, a1, a2, a3, a4, a5);
      if (ret == 0) rearm_sud();
    }
    break;
  case SYS_execve:
  case SYS_execveat:
    __atomic_fetch_or(&sh->flags, FLAG_EXEC, __ATOMIC_RELAXED);
    ret = -ENOSYS;
    break;
  case SYS_rt_sigaction:
    if (a3 != 8) { ret = -EINVAL; break; }
    if (a0 == SIGSYS) { /* the reflection's own signal: the program's action is kept, not installed */
      __atomic_fetch_or(&sh->flags, FLAG_SIGSYS_ACT, __ATOMIC_RELAXED);
      if (a2) *(struct kernel_sigaction_s *)a2 = virtual_sigsys;
      if (a1) virtual_sigsys = *(struct kernel_sigaction_s *)a1;
      ret = 0;
    } else if (a1) { /* SIGSYS blocked inside a handler would kill at its first call (force_sig_info) */
      struct kernel_sigaction_s act = *(struct kernel_sigaction_s *)a1;
      act.mask &= ~SIGSYS_BIT;
      ret = sys6(nr, a0, (long)&act, a2, a3, a4, a5);
    } else {
      ret = sys6(nr, a0, a1, a2, a3, a4, a5);
    }
    break;
  case SYS_sigaltstack:
    ret = sys6(nr, a0, a1, a2, a3, a4, a5);
    if (ret == 0 && a0) { /* else restore_altstack at the handler's sigreturn puts the old one back */
      const stack_t *ss = (const stack_t *)a0;
      uc->uc_stack.ss_sp = ss->ss_sp;
      uc->uc_stack.ss_size = ss->ss_size;
      uc->uc_stack.ss_flags = ss->ss_flags;
    }
    break;
  default:
    ret = sys6(nr, a0, a1, a2, a3, a4, a5);
  }
  g[REG_RAX] = ret;
}

/* ---- the loader ---- */

struct image {
  const char *path;
  unsigned char *data;
  size_t size;
};

struct workload {
  char *path;
  int argc, envc;
  char **argv, **envp;
  char *stdin_path;
  struct image img;
  unsigned char *ref_out, *ref_err; /* the first direct run's output */
  size_t ref_out_len, ref_err_len;
  int have_ref;
};

static void die(const char *what) {
  perror(what);
  _exit(120);
}

/* Maps the image; returns the entry point and fills the auxv fields that depend on where it went. */
static uintptr_t load_elf(const struct image *im, uintptr_t *phdr, long *phnum) {
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->data;
  if (im->size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_X86_64 ||
      (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) || eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > im->size) {
    fprintf(stderr, "%s: not a static x86-64 ELF\n", im->path);
    _exit(121);
  }
  const Elf64_Phdr *ph = (const Elf64_Phdr *)(im->data + eh->e_phoff);
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_INTERP) { fprintf(stderr, "%s: dynamic (PT_INTERP)\n", im->path); _exit(121); }
    if (ph[i].p_type != PT_LOAD) continue;
    if (ph[i].p_vaddr < lo) lo = ph[i].p_vaddr;
    if (ph[i].p_vaddr + ph[i].p_memsz > hi) hi = ph[i].p_vaddr + ph[i].p_memsz;
  }
  lo &= ~4095UL;
  hi = (hi + 4095) & ~4095UL;
  uintptr_t bias = 0;
  int fixed = MAP_FIXED_NOREPLACE;
  if (eh->e_type == ET_DYN) { /* static-pie: anywhere */
    void *r = mmap(NULL, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) die("mmap");
    bias = (uintptr_t)r - lo;
    fixed = MAP_FIXED;
  }
  unsigned char *span = mmap((void *)(lo + bias), hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
  if (span == MAP_FAILED || (uintptr_t)span != lo + bias) die("mmap segments");
  size_t npages = (hi - lo) / 4096;
  unsigned char *prot = calloc(npages, 1);
  *phdr = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    const Elf64_Phdr *p = &ph[i];
    if (p->p_type == PT_PHDR) *phdr = p->p_vaddr + bias;
    if (p->p_type != PT_LOAD) continue;
    if (p->p_offset + p->p_filesz > im->size || p->p_filesz > p->p_memsz) { fprintf(stderr, "%s: bad PT_LOAD\n", im->path); _exit(121); }
    memcpy(span + (p->p_vaddr - lo), im->data + p->p_offset, p->p_filesz);
    if (!*phdr && eh->e_phoff >= p->p_offset && eh->e_phoff < p->p_offset + p->p_filesz) *phdr = p->p_vaddr + (eh->e_phoff - p->p_offset) + bias;
    int pr = (p->p_flags & PF_R ? PROT_READ : 0) | (p->p_flags & PF_W ? PROT_WRITE : 0) | (p->p_flags & PF_X ? PROT_EXEC : 0);
    for (uintptr_t a = (p->p_vaddr & ~4095UL); a < p->p_vaddr + p->p_memsz; a += 4096) prot[(a - lo) / 4096] |= pr;
  }
  for (size_t i = 0; i < npages;) { /* runs of equal protection; a page shared by two segments gets both */
    size_t j = i;
    while (j < npages && prot[j] == prot[i]) j++;
    if (mprotect(span + i * 4096, (j - i) * 4096, prot[i])) die("mprotect");
    i = j;
  }
  free(prot);
  *phnum = eh->e_phnum;
  return eh->e_entry + bias;
}

/* The initial stack as execve builds it: argc, argv, envp, auxv, then the strings above them. */
static uintptr_t build_stack(const struct workload *w, uintptr_t entry, uintptr_t phdr, long phnum) {
  size_t size = 8UL << 20;
  unsigned char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) die("mmap stack");
  char *top = (char *)base + size;
  char *p = top - 16;
#define PUSH_STR(s) (p -= strlen(s) + 1, memcpy(p, (s), strlen(s) + 1), (uintptr_t)p)
  uintptr_t execfn = PUSH_STR(w->path);
  uintptr_t platform = PUSH_STR("x86_64");
  uintptr_t *argv = calloc(w->argc + 1, sizeof *argv), *envp = calloc(w->envc + 1, sizeof *envp);
  for (int i = w->envc - 1; i >= 0; i--) envp[i] = PUSH_STR(w->envp[i]);
  for (int i = w->argc - 1; i >= 0; i--) argv[i] = PUSH_STR(w->argv[i]);
  p -= 16;
  uintptr_t random = (uintptr_t)p;
  if (getrandom(p, 16, 0) != 16) memset(p, 0x5a, 16);
  uintptr_t aux[][2] = {
      {AT_SYSINFO_EHDR, getauxval(AT_SYSINFO_EHDR)}, {AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ)},
      {AT_HWCAP, getauxval(AT_HWCAP)}, {AT_PAGESZ, 4096}, {AT_CLKTCK, getauxval(AT_CLKTCK)}, {AT_PHDR, phdr},
      {AT_PHENT, sizeof(Elf64_Phdr)}, {AT_PHNUM, (uintptr_t)phnum}, {AT_BASE, 0}, {AT_FLAGS, 0}, {AT_ENTRY, entry},
      {AT_UID, getuid()}, {AT_EUID, geteuid()}, {AT_GID, getgid()}, {AT_EGID, getegid()}, {AT_SECURE, 0},
      {AT_RANDOM, random}, {AT_HWCAP2, getauxval(AT_HWCAP2)}, {AT_EXECFN, execfn}, {AT_PLATFORM, platform}, {AT_NULL, 0},
  };
  size_t naux = sizeof aux / sizeof aux[0];
  size_t words = 1 + (size_t)w->argc + 1 + (size_t)w->envc + 1 + 2 * naux;
  uintptr_t *sp = (uintptr_t *)(((uintptr_t)p - words * 8) & ~15UL);
  uintptr_t *q = sp;
  *q++ = (uintptr_t)w->argc;
  for (int i = 0; i <= w->argc; i++) *q++ = argv[i];
  for (int i = 0; i <= w->envc; i++) *q++ = envp[i];
  for (size_t i = 0; i < naux; i++) { *q++ = aux[i][0]; *q++ = aux[i][1]; }
  free(argv);
  free(envp);
  return (uintptr_t)sp;
}

/* direct first: every other run of a workload is compared with its first direct run */
enum mech { M_DIRECT, M_EXEC, M_SUD, M_SECCOMP, M_PTRACE, NMECH };
static const char *const MECH_NAMES[NMECH] = {"direct", "exec", "sud", "seccomp", "ptrace"};

static struct sock_filter filter[4096];
static unsigned filter_len;

/* In the child: load, set the mechanism up last (after it, no more syscalls outside the stub), jump. */
__attribute__((noreturn)) static void child(struct workload *w, enum mech m) {
  if (m == M_EXEC) {
    execve(w->path, w->argv, w->envp);
    die("execve");
  }
  uintptr_t phdr;
  long phnum;
  uintptr_t entry = load_elf(&w->img, &phdr, &phnum);
  uintptr_t sp = build_stack(w, entry, phdr, phnum);
  /* The program gets what execve would give it: default actions, nothing blocked, no rseq area of ours. */
  for (int s = 1; s < 65; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  if (__rseq_size) syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
  if (m == M_SUD || m == M_SECCOMP) {
    /* raw rt_sigaction: SA_RESTORER pointing into the stub page (glibc's restorer is outside it) */
    /* SA_NODEFER: a signal raised by a reflected call (raise → tgkill) runs the program's handler inside this one;
     * with SIGSYS blocked there, its first call would be forced to the default action (force_sig_info_to_task). */
    struct kernel_sigaction_s act = {(uintptr_t)on_sigsys, SA_SIGINFO | SA_NODEFER | 0x04000000 /* SA_RESTORER */, STUB(refl_stub_restore_rt), 0};
    if (syscall(SYS_rt_sigaction, SIGSYS, &act, NULL, 8)) die("rt_sigaction");
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  sud_mode = m == M_SUD;
  if (m == M_SUD && prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, STUB_ADDR, STUB_LEN, 0)) {
    sh->flags |= FLAG_SETUP;
    die("PR_SET_SYSCALL_USER_DISPATCH");
  }
  if (m == M_SECCOMP) {
    struct sock_fprog prog = {.len = (unsigned short)filter_len, .filter = filter};
    /* SPEC_ALLOW as calibrate.c: the speculation mitigations seccomp would switch on are not the mechanism's cost */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog)) {
      sh->flags |= FLAG_SETUP;
      die("seccomp");
    }
  }
  if (m == M_PTRACE) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0)) die("PTRACE_TRACEME");
    raise(SIGSTOP);
  }
  __asm__ volatile("mov %0, %%rsp\n  xor %%ebp, %%ebp\n  xor %%edx, %%edx\n  jmp *%1" ::"r"(sp), "a"(entry) : "memory");
  __builtin_unreachable();
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile pid_t running;
static void on_alarm(int s) {
  (void)s;
  if (running > 0) kill(running, SIGKILL);
}

/* Waits for a traced run: every stop resumed with PTRACE_SYSCALL, children of the program followed. */
static int trace(pid_t pid, long *stops) {
  int st, status = -1;
  if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) return st;
  ptrace(PTRACE_SETOPTIONS, pid, 0,
         PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  for (;;) {
    pid_t w = waitpid(-1, &st, __WALL);
    if (w < 0) break;
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (w == pid) status = st;
      continue;
    }
    int sig = WSTOPSIG(st), inject = 0;
    if (sig == (SIGTRAP | 0x80)) ++*stops;
    else if (st >> 16) inject = 0;                                    /* fork/clone event */
    else if (sig == SIGSTOP || sig == SIGTRAP) inject = 0;           /* a new child's first stop */
    else inject = sig;                                                /* signal-delivery-stop: deliver */
    ptrace(PTRACE_SYSCALL, w, 0, inject);
  }
  return status;
}

static uint64_t fnv(const unsigned char *b, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

static unsigned char *slurp(int fd, size_t *len) {
  struct stat stt;
  fstat(fd, &stt);
  *len = (size_t)stt.st_size;
  unsigned char *b = malloc(*len + 1);
  size_t got = 0;
  while (got < *len) {
    ssize_t r = pread(fd, b + got, *len - got, (off_t)got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  *len = got;
  return b;
}

static char *unhex(const char *s) {
  size_t n = strlen(s) / 2;
  char *o = malloc(n + 1);
  for (size_t i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", (unsigned char *)&o[i]);
  o[n] = 0;
  return o;
}

static char *word(void) {
  static char buf[1 << 20];
  if (scanf("%1048575s", buf) != 1) { fprintf(stderr, "spec: unexpected end\n"); exit(2); }
  return buf;
}

int main(void) {
  int rounds = 5, timeout = 60;
  struct workload ws[256];
  int nw = 0;
  for (;;) {
    char key[32];
    if (scanf("%31s", key) != 1) break;
    if (!strcmp(key, "rounds")) rounds = atoi(word());
    else if (!strcmp(key, "timeout")) timeout = atoi(word());
    else if (!strcmp(key, "filter")) {
      filter_len = (unsigned)atoi(word());
      if (filter_len == 0 || filter_len > 4096) { fprintf(stderr, "spec: bad filter\n"); return 2; }
      for (unsigned i = 0; i < filter_len; i++) {
        unsigned c, jt, jf, k;
        if (scanf("%u %u %u %u", &c, &jt, &jf, &k) != 4) return 2;
        filter[i] = (struct sock_filter){(unsigned short)c, (unsigned char)jt, (unsigned char)jf, k};
      }
    } else if (!strcmp(key, "workload") && nw < 256) {
      struct workload *w = &ws[nw++];
      memset(w, 0, sizeof *w);
      w->path = unhex(word());
      w->argc = atoi(word());
      w->argv = calloc(w->argc + 1, sizeof(char *));
      for (int i = 0; i < w->argc; i++) w->argv[i] = unhex(word());
      w->envc = atoi(word());
      w->envp = calloc(w->envc + 1, sizeof(char *));
      for (int i = 0; i < w->envc; i++) w->envp[i] = unhex(word());
      w->stdin_path = unhex(word());
      int fd = open(w->path, O_RDONLY);
      if (fd < 0) die(w->path);
      w->img.path = w->path;
      w->img.data = slurp(fd, &w->img.size);
      close(fd);
    } else { fprintf(stderr, "spec: unknown key %s\n", key); return 2; }
  }
  if (!filter_len) { fprintf(stderr, "spec: no filter\n"); return 2; }
  if (refl_stub_end - refl_stub_begin > (long)STUB_LEN - 16) return 2;
  unsigned char *stub = mmap((void *)STUB_ADDR, STUB_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (stub == MAP_FAILED) die("mmap stub");
  memcpy(stub, refl_stub_begin, (size_t)(refl_stub_end - refl_stub_begin));
  mprotect(stub, STUB_LEN, PROT_READ | PROT_EXEC);
  sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) die("mmap shared");
  int out = memfd_create("stdout", 0), err = memfd_create("stderr", 0);
  if (out < 0 || err < 0) die("memfd_create");
  /* Parent and children on one CPU (see the header). */
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
  sched_setaffinity(0, sizeof one, &one);
  struct sched_param fifo = {.sched_priority = 1};
  int rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
  struct rlimit rtt = {20000000, 20000000};
  signal(SIGALRM, on_alarm);
  printf("stub 0x%lx\nrounds %d\nworkloads %d\nsched %s\n", STUB_ADDR, rounds, nw, rt ? "fifo" : "other");
  fflush(stdout);
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < nw; i++) {
      struct workload *w = &ws[i];
      for (int m = 0; m < NMECH; m++) {
        int in = open(w->stdin_path, O_RDONLY);
        if (in < 0) die(w->stdin_path);
        ftruncate(out, 0), lseek(out, 0, SEEK_SET);
        ftruncate(err, 0), lseek(err, 0, SEEK_SET);
        sh->calls = 0;
        sh->flags = 0;
        long stops = 0;
        fflush(stdout);
        double t0 = now_ns();
        pid_t pid = fork();
        if (pid == 0) {
          if (rt) setrlimit(RLIMIT_RTTIME, &rtt);
          dup2(in, 0), dup2(out, 1), dup2(err, 2);
          syscall(SYS_close_range, 3, ~0U, 0);
          child(w, (enum mech)m);
        }
        running = pid;
        alarm((unsigned)timeout);
        int st = 0;
        if (m == M_PTRACE) st = trace(pid, &stops);
        else waitpid(pid, &st, 0);
        double t = now_ns() - t0;
        alarm(0);
        running = 0;
        close(in);
        size_t ol, el;
        unsigned char *ob = slurp(out, &ol), *eb = slurp(err, &el);
        unsigned long long oh = fnv(ob, ol), ehash = fnv(eb, el);
        int same = 1;
        if (m == M_DIRECT && !w->have_ref) {
          w->ref_out = ob, w->ref_out_len = ol, w->ref_err = eb, w->ref_err_len = el, w->have_ref = 1;
        } else {
          same = ol == w->ref_out_len && el == w->ref_err_len && !memcmp(ob, w->ref_out, ol) && !memcmp(eb, w->ref_err, el);
          free(ob), free(eb);
        }
        printf("run %d %d %s ns=%.0f status=%s:%d out=%zu:%016llx err=%zu:%016llx calls=%ld stops=%ld same=%d flags=%ld\n", r, i,
               MECH_NAMES[m], t, WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), ol, oh, el,
               ehash, sh->calls, stops, same, sh->flags);
        fflush(stdout);
      }
    }
  }
  return 0;
}
