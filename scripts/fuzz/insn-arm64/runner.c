/*
 * The qemu-aarch64 side of the arm64 differential instruction fuzzer (scripts/fuzz/insn-arm64/main.ts).
 * Reads records from stdin: u32 word, u32 0, then an input state; runs the word once with that state
 * in every register and writes u32 word, u32 signal (0, or the signal it raised), then the state after it.
 * State layout (800 bytes, little-endian u64s): x0..x30, sp, nzcv (bits 31..28), fpcr, fpsr, pad, v0..v31 (lo, hi).
 * The instruction runs in a trampoline copied to a fixed address (CODE), so PC-relative results are
 * reproducible; a signal raised by the instruction is recorded and the instruction skipped.
 * Built with: aarch64-linux-gnu-gcc -static -O2 (glibc: only for stdio and sigaction).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE 0x10000000UL
#define DATA (CODE + 0x1000)
#define IN_OFF 0x000
#define OUT_OFF 0x400
#define SAVE_OFF 0x800
#define STATE_BYTES 800

extern const uint32_t tramp_start[], tramp_insn[], tramp_end[];

/* The trampoline: save the callee-saved state, load the whole input state, run INSN, store every
 * register (x0 parked in TPIDR_EL0 while adr finds the output block), restore and return. */
__asm__(
  ".text\n.balign 16\n.global tramp_start\n.global tramp_insn\n.global tramp_end\n"
  "tramp_start:\n"
  "  adr x9, tramp_start + 0x1000 + 0x800\n"
  "  stp x19, x20, [x9, #0]\n  stp x21, x22, [x9, #16]\n  stp x23, x24, [x9, #32]\n"
  "  stp x25, x26, [x9, #48]\n  stp x27, x28, [x9, #64]\n  stp x29, x30, [x9, #80]\n"
  "  mov x10, sp\n  str x10, [x9, #96]\n"
  "  stp d8, d9, [x9, #104]\n  stp d10, d11, [x9, #120]\n  stp d12, d13, [x9, #136]\n  stp d14, d15, [x9, #152]\n"
  "  mrs x10, tpidr_el0\n  str x10, [x9, #168]\n"
  "  adr x9, tramp_start + 0x1000\n"
  "  ldr x10, [x9, #256]\n  msr nzcv, x10\n"
  "  ldr x10, [x9, #264]\n  msr fpcr, x10\n"
  "  ldr x10, [x9, #272]\n  msr fpsr, x10\n"
  "  add x10, x9, #288\n"
  "  ldp q0, q1, [x10], #32\n  ldp q2, q3, [x10], #32\n  ldp q4, q5, [x10], #32\n  ldp q6, q7, [x10], #32\n"
  "  ldp q8, q9, [x10], #32\n  ldp q10, q11, [x10], #32\n  ldp q12, q13, [x10], #32\n  ldp q14, q15, [x10], #32\n"
  "  ldp q16, q17, [x10], #32\n  ldp q18, q19, [x10], #32\n  ldp q20, q21, [x10], #32\n  ldp q22, q23, [x10], #32\n"
  "  ldp q24, q25, [x10], #32\n  ldp q26, q27, [x10], #32\n  ldp q28, q29, [x10], #32\n  ldp q30, q31, [x10], #32\n"
  "  ldr x10, [x9, #248]\n  mov sp, x10\n"
  "  ldp x0, x1, [x9, #0]\n  ldp x2, x3, [x9, #16]\n  ldp x4, x5, [x9, #32]\n  ldp x6, x7, [x9, #48]\n  ldr x8, [x9, #64]\n"
  "  ldp x10, x11, [x9, #80]\n  ldp x12, x13, [x9, #96]\n  ldp x14, x15, [x9, #112]\n  ldp x16, x17, [x9, #128]\n"
  "  ldp x18, x19, [x9, #144]\n  ldp x20, x21, [x9, #160]\n  ldp x22, x23, [x9, #176]\n  ldp x24, x25, [x9, #192]\n"
  "  ldp x26, x27, [x9, #208]\n  ldp x28, x29, [x9, #224]\n  ldr x30, [x9, #240]\n  ldr x9, [x9, #72]\n"
  "tramp_insn:\n  nop\n"
  "  msr tpidr_el0, x0\n"
  "  adr x0, tramp_start + 0x1000 + 0x400\n"
  "  stp x1, x2, [x0, #8]\n  stp x3, x4, [x0, #24]\n  stp x5, x6, [x0, #40]\n  stp x7, x8, [x0, #56]\n"
  "  stp x9, x10, [x0, #72]\n  stp x11, x12, [x0, #88]\n  stp x13, x14, [x0, #104]\n  stp x15, x16, [x0, #120]\n"
  "  stp x17, x18, [x0, #136]\n  stp x19, x20, [x0, #152]\n  stp x21, x22, [x0, #168]\n  stp x23, x24, [x0, #184]\n"
  "  stp x25, x26, [x0, #200]\n  stp x27, x28, [x0, #216]\n  stp x29, x30, [x0, #232]\n"
  "  mov x1, sp\n  str x1, [x0, #248]\n"
  "  mrs x1, tpidr_el0\n  str x1, [x0, #0]\n"
  "  mrs x1, nzcv\n  str x1, [x0, #256]\n"
  "  mrs x1, fpcr\n  str x1, [x0, #264]\n"
  "  mrs x1, fpsr\n  str x1, [x0, #272]\n"
  "  add x1, x0, #288\n"
  "  stp q0, q1, [x1], #32\n  stp q2, q3, [x1], #32\n  stp q4, q5, [x1], #32\n  stp q6, q7, [x1], #32\n"
  "  stp q8, q9, [x1], #32\n  stp q10, q11, [x1], #32\n  stp q12, q13, [x1], #32\n  stp q14, q15, [x1], #32\n"
  "  stp q16, q17, [x1], #32\n  stp q18, q19, [x1], #32\n  stp q20, q21, [x1], #32\n  stp q22, q23, [x1], #32\n"
  "  stp q24, q25, [x1], #32\n  stp q26, q27, [x1], #32\n  stp q28, q29, [x1], #32\n  stp q30, q31, [x1], #32\n"
  "  adr x9, tramp_start + 0x1000 + 0x800\n"
  "  ldr x10, [x9, #96]\n  mov sp, x10\n"
  "  ldp x19, x20, [x9, #0]\n  ldp x21, x22, [x9, #16]\n  ldp x23, x24, [x9, #32]\n"
  "  ldp x25, x26, [x9, #48]\n  ldp x27, x28, [x9, #64]\n  ldp x29, x30, [x9, #80]\n"
  "  ldp d8, d9, [x9, #104]\n  ldp d10, d11, [x9, #120]\n  ldp d12, d13, [x9, #136]\n  ldp d14, d15, [x9, #152]\n"
  "  ldr x10, [x9, #168]\n  msr tpidr_el0, x10\n"
  "  msr fpcr, xzr\n  msr fpsr, xzr\n"
  "  ret\n"
  "tramp_end:\n");

static volatile int raised;
static uint64_t insnAddr;

static void onSignal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  (void)si;
  if (uc->uc_mcontext.pc != insnAddr) { static const char m[] = "runner: signal outside the instruction\n"; write(2, m, sizeof m - 1); _exit(3); }
  raised = sig;
  uc->uc_mcontext.pc += 4;
}

int main(void) {
  size_t len = (size_t)((const char *)tramp_end - (const char *)tramp_start);
  uint8_t *code = mmap((void *)CODE, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (code == MAP_FAILED) { perror("mmap"); return 2; }
  memcpy(code, tramp_start, len);
  uint32_t *slot = (uint32_t *)(code + ((const char *)tramp_insn - (const char *)tramp_start));
  insnAddr = (uint64_t)slot;
  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = onSignal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  int sigs[] = { SIGILL, SIGSEGV, SIGBUS, SIGTRAP, SIGFPE };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, 0);
  /* First line of output: where the instruction sits (the simulator runs it at the same PC). */
  uint8_t rec[8 + STATE_BYTES];
  uint64_t hdr[2] = { 0x5a46534e49343661ull, insnAddr };
  fwrite(hdr, 8, 2, stdout);
  void (*tramp)(void) = (void (*)(void))code;
  while (fread(rec, sizeof rec, 1, stdin) == 1) {
    uint32_t word;
    memcpy(&word, rec, 4);
    memcpy(code + 0x1000 + IN_OFF, rec + 8, STATE_BYTES);
    *slot = word;
    __builtin___clear_cache((char *)slot, (char *)slot + 4);
    raised = 0;
    tramp();
    uint32_t sig = (uint32_t)raised;
    memcpy(rec + 4, &sig, 4);
    memcpy(rec + 8, code + 0x1000 + OUT_OFF, STATE_BYTES);
    fwrite(rec, sizeof rec, 1, stdout);
  }
  fflush(stdout);
  return 0;
}
