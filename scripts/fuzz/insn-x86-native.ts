/**
 * The native side of the x86-64 differential fuzzer: a C harness (built once with gcc, cached in the temp dir by
 * source hash) that maps the code page at CODE, the scratch page at SCRATCH and a control page, loads each case's
 * state (FXRSTOR, GPRs, POPFQ), jumps to the code and catches the trap that ends it (SIGTRAP from the final int3,
 * or SIGSEGV/SIGILL/SIGFPE/SIGBUS from a fault) on an alternate stack, dumping the registers, flags and FXSAVE image
 * from the signal frame and the scratch page. Cases stream through stdin/stdout in a fixed binary layout.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CODE, PAGE, SCRATCH, nativeClass, type InState, type OutState } from "../../packages/isa-x86/test/insn-diff.js";

// Far from SCRATCH + 2^k, so a random bit offset (bt) or index reaching past the scratch page faults natively too.
const CTL = 0x5a7c3000;
const ctl = (off: number) => `0x${(CTL + off).toString(16)}`;

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE ${CODE}UL
#define SCR ${SCRATCH}UL
#define CTL ${CTL}UL
#define PAGE ${PAGE}

struct out { uint64_t gpr[16], rip, rflags; uint32_t trapno, signo; uint64_t addr; uint8_t fx[512]; };
static struct out O;
static sigjmp_buf env;
static const int GMAP[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
  REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void handler(int sig, siginfo_t *si, void *p) {
  ucontext_t *uc = p;
  greg_t *g = uc->uc_mcontext.gregs;
  for (int i = 0; i < 16; i++) O.gpr[i] = g[GMAP[i]];
  O.rip = g[REG_RIP];
  O.rflags = g[REG_EFL];
  O.trapno = g[REG_TRAPNO];
  O.signo = sig;
  O.addr = (uint64_t)si->si_addr;
  memcpy(O.fx, uc->uc_mcontext.fpregs, 512);
  siglongjmp(env, 1);
}

/* Load the state from the control page with absolute addressing only, then jump to the code. */
extern void enter_guest(void);
__asm__(
  ".text\n.globl enter_guest\nenter_guest:\n"
  "fxrstor64 ${ctl(512)}\n"
  "mov ${ctl(0)},%rax\n mov ${ctl(8)},%rcx\n mov ${ctl(16)},%rdx\n mov ${ctl(24)},%rbx\n"
  "mov ${ctl(40)},%rbp\n mov ${ctl(48)},%rsi\n mov ${ctl(56)},%rdi\n mov ${ctl(64)},%r8\n"
  "mov ${ctl(72)},%r9\n mov ${ctl(80)},%r10\n mov ${ctl(88)},%r11\n mov ${ctl(96)},%r12\n"
  "mov ${ctl(104)},%r13\n mov ${ctl(112)},%r14\n mov ${ctl(120)},%r15\n"
  "movq $${ctl(128)},%rsp\n popfq\n mov ${ctl(32)},%rsp\n jmp *${ctl(136)}\n");

static int readall(void *p, size_t n) { return fread(p, 1, n, stdin) == n; }

int main(void) {
  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGBUS, SIGALRM};
  for (unsigned k = 0; k < sizeof sigs / sizeof *sigs; k++) sigaction(sigs[k], &sa, 0);
  uint8_t *code = mmap((void *)CODE, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *scr = mmap((void *)SCR, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *ctl = mmap((void *)CTL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE || scr != (void *)SCR || ctl != (void *)CTL) { fprintf(stderr, "mmap failed\n"); return 2; }
  setvbuf(stdout, 0, _IOFBF, 1 << 20);
  uint32_t len;
  while (readall(&len, 4)) {
    if (len > PAGE) return 3;
    memset(code, 0xcc, PAGE);
    if (!readall(code, len) || !readall(ctl, 0x88) || !readall(ctl + 0x200, 512) || !readall(scr, PAGE)) return 4;
    *(uint64_t *)(ctl + 0x88) = CODE;
    memset(&O, 0, sizeof O);
    alarm(2);
    if (!sigsetjmp(env, 1)) enter_guest();
    alarm(0);
    fwrite(&O, sizeof O, 1, stdout);
    fwrite(scr, 1, PAGE, stdout);
  }
  fflush(stdout);
  return 0;
}
`;

const OUT_BYTES = 16 * 8 + 8 + 8 + 4 + 4 + 8 + 512 + PAGE;

/** Build (or reuse) the harness binary. */
export function buildHarness(): string {
  const h = createHash("sha256").update(C_SOURCE).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "uabi-insn-x86");
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, `harness-${h}`);
  if (!existsSync(bin)) {
    writeFileSync(join(dir, `harness-${h}.c`), C_SOURCE);
    execFileSync("gcc", ["-O1", "-o", bin, join(dir, `harness-${h}.c`)]);
  }
  return bin;
}

function encodeInput(code: Uint8Array, st: InState): Buffer {
  const b = Buffer.alloc(4 + code.length + 0x88 + 512 + PAGE);
  let o = 0;
  b.writeUInt32LE(code.length, o); o += 4;
  b.set(code, o); o += code.length;
  for (let i = 0; i < 16; i++) { b.writeBigUInt64LE(st.gpr[i]!, o); o += 8; }
  b.writeBigUInt64LE(BigInt(st.rflags), o); o += 8;
  b.set(st.fx, o); o += 512;
  b.set(st.scratch, o);
  return b;
}

function decodeOutput(b: Buffer, o: number): OutState {
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) gpr.push(b.readBigUInt64LE(o + 8 * i));
  const rip = Number(b.readBigUInt64LE(o + 128));
  const rflags = Number(b.readBigUInt64LE(o + 136) & 0xffffffffn);
  const trapno = b.readUInt32LE(o + 144);
  const signo = b.readUInt32LE(o + 148);
  const fx = Uint8Array.from(b.subarray(o + 160, o + 160 + 512));
  const scratch = Uint8Array.from(b.subarray(o + 672, o + 672 + PAGE));
  return { cls: nativeClass(signo, trapno), rip, gpr, rflags, fx, scratch };
}

/** Run a batch of cases natively; results in order. */
export async function runNative(bin: string, cases: { code: Uint8Array; st: InState }[]): Promise<OutState[]> {
  const child = spawn(bin, [], { stdio: ["pipe", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d));
  const done = new Promise<number>((res) => child.on("close", (c) => res(c ?? -1)));
  for (const c of cases) if (!child.stdin.write(encodeInput(c.code, c.st))) await new Promise((r) => child.stdin.once("drain", r));
  child.stdin.end();
  const rc = await done;
  const all = Buffer.concat(chunks);
  if (rc !== 0 || all.length !== cases.length * OUT_BYTES) throw new Error(`native harness exited ${rc} after ${all.length / OUT_BYTES} of ${cases.length} cases`);
  return cases.map((_, k) => decodeOutput(all, k * OUT_BYTES));
}
