/**
 * The seccomp oracle's inputs: install-time validation cases and behaviour cases. `record.ts` runs
 * them on the real kernel (scripts/seccomp/oracle.c) and writes inputs + outcomes to
 * fixtures/seccomp/oracle.json; packages/kernel/test/seccomp-oracle.test.ts replays them on our engine.
 * Behaviour filters only act on getppid (x86_64 nr 110) so the oracle child can still write and exit;
 * the vDSO-window cases run the generated filter behind that same guard.
 */
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL,
  BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, BPF_A,
  SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF,
  SKF_AD_OFF, type SockFilter, jump, stmt, vdsoWindowFilter, ebpfLength, MAX_INSNS_PER_PATH,
} from "../../packages/kernel/src/seccomp/index.js";

export type Insn = [code: number, jt: number, jf: number, k: number];
const enc = (f: SockFilter[]): Insn[] => f.map((i) => [i.code, i.jt, i.jf, i.k >>> 0]);

export interface InstallStep {
  filter: Insn[];
  flags?: number;
  /** Set PR_SET_NO_NEW_PRIVS first (default true). */
  nnp?: boolean;
  /** setresuid(65534) first, dropping CAP_SYS_ADMIN (default false). */
  dropCaps?: boolean;
  /** Install through prctl(PR_SET_SECCOMP) instead of seccomp(2). */
  prctl?: boolean;
  /** `bad`: the sock_fprog pointer is unmapped. */
  fprog?: "ok" | "bad";
  /** `null` / `bad`: sock_fprog.filter is NULL / unmapped. */
  filterPtr?: "ok" | "null" | "bad";
  /** sock_fprog.len when it differs from filter.length. */
  len?: number;
  /** Install the same step this many times (default 1); one result per install. */
  repeat?: number;
}
export interface InstallCase { name: string; steps: InstallStep[]; note?: string }

export type Site = "libc" | "stub" | "thread";
export interface BehaviourCase {
  name: string;
  /** Oldest first (installation order). */
  filters: Insn[][];
  site: Site;
  nr: number;
  /** Six u64 arguments as hex strings. */
  args: string[];
  /** Enter strict mode (prctl(PR_SET_SECCOMP, 1)) after the filters, before the call. */
  strict?: boolean;
  /** What the syscall itself returns when it runs (for calls other than getppid, whose success the oracle recognises). */
  ranResult?: number;
  note?: string;
}

/** Where the oracle maps its `syscall; ret` stub (the "stub" site); IP seen by filters = STUB + 2. */
export const STUB_ADDR = 0x7a0000000n;
/** Instruction pointer our engine uses for the "libc"/"thread" sites: any address outside the stub page. */
export const LIBC_IP = 0x401002n;
export const NR_GETPPID = 110;

const ALLOW = stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
const ret = (k: number) => stmt(BPF_RET | BPF_K, k);
const ld = (off: number) => stmt(BPF_LD | BPF_W | BPF_ABS, off);
/** Filters for behaviour cases: pass every syscall but getppid straight through. */
const onlyGetppid = (...body: SockFilter[]): Insn[] =>
  enc([ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, NR_GETPPID, 1, 0), ALLOW, ...body]);
const pad = (n: number): SockFilter[] => Array.from({ length: n }, () => stmt(BPF_LD | BPF_IMM, 0));
const allowOfLen = (n: number): Insn[] => enc([...pad(n - 1), ALLOW]);

const one = (name: string, filter: SockFilter[], extra: Partial<InstallStep> = {}, note?: string): InstallCase =>
  ({ name, steps: [{ filter: enc(filter), ...extra }], note });

export const installCases: InstallCase[] = [
  one("allow-only", [ALLOW]),
  one("arch-and-nr", [ld(4), jump(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 0, 3), ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 110, 0, 1),
    ret(SECCOMP_RET_ERRNO | 1), ALLOW]),
  one("ld-len", [stmt(BPF_LD | BPF_W | BPF_LEN), jump(BPF_JMP | BPF_JEQ | BPF_K, 64, 0, 0), ALLOW]),
  one("ldx-len", [stmt(BPF_LDX | BPF_W | BPF_LEN), stmt(BPF_MISC | BPF_TXA), ALLOW]),
  one("ld-last-word", [ld(60), ALLOW]),
  one("scratch-store-load", [stmt(BPF_LD | BPF_IMM, 7), stmt(BPF_ST, 3), stmt(BPF_LDX | BPF_MEM, 3), stmt(BPF_STX, 15), stmt(BPF_LD | BPF_MEM, 15), ALLOW]),
  one("scratch-store-both-paths", [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2), stmt(BPF_ST, 0), stmt(BPF_JMP | BPF_JA, 1),
    stmt(BPF_ST, 0), stmt(BPF_LD | BPF_MEM, 0), ALLOW]),
  one("all-alu", [
    ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR].map((op) => stmt(BPF_ALU | op | BPF_K, 3)),
    stmt(BPF_ALU | BPF_DIV | BPF_K, 3), stmt(BPF_ALU | BPF_LSH | BPF_K, 31), stmt(BPF_ALU | BPF_RSH | BPF_K, 31),
    stmt(BPF_LDX | BPF_IMM, 2),
    ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].map((op) => stmt(BPF_ALU | op | BPF_X)),
    stmt(BPF_ALU | BPF_NEG), stmt(BPF_MISC | BPF_TAX), ALLOW]),
  one("all-jumps", [ld(0), jump(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 0), jump(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 0),
    jump(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0), jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0), stmt(BPF_JMP | BPF_JA, 0), ALLOW]),
  one("jump-to-last", [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1), ret(SECCOMP_RET_ERRNO | 1), ALLOW]),
  one("ret-a", [stmt(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW), stmt(BPF_RET | BPF_A)]),
  one("max-length-4096", [...pad(4095), ALLOW]),
  one("len-0", [ALLOW], { len: 0 }),
  one("len-4097", [...pad(4096), ALLOW]),
  one("ld-64-out-of-bounds", [ld(64), ALLOW]),
  one("ld-unaligned", [ld(2), ALLOW]),
  one("ld-huge-offset", [ld(0x100000), ALLOW]),
  one("ldh-abs", [stmt(BPF_LD | BPF_H | BPF_ABS, 0), ALLOW]),
  one("ldb-abs", [stmt(BPF_LD | BPF_B | BPF_ABS, 0), ALLOW]),
  one("ld-ind", [stmt(BPF_LD | BPF_W | BPF_IND, 0), ALLOW]),
  one("ldx-msh", [stmt(BPF_LDX | BPF_B | BPF_MSH, 0), ALLOW]),
  one("ldx-w-abs-raw", [stmt(BPF_LDX | BPF_W | BPF_ABS, 0), ALLOW], {}, "the code seccomp rewrites LD|W|ABS to internally is not accepted from userspace"),
  one("mod-k", [stmt(BPF_ALU | BPF_MOD | BPF_K, 3), ALLOW]),
  one("mod-x", [stmt(BPF_ALU | BPF_MOD | BPF_X), ALLOW]),
  one("div-k-zero", [stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ALLOW]),
  one("lsh-k-32", [stmt(BPF_ALU | BPF_LSH | BPF_K, 32), ALLOW]),
  one("rsh-k-31", [stmt(BPF_ALU | BPF_RSH | BPF_K, 31), ALLOW]),
  one("mem-16", [stmt(BPF_ST, 16), ALLOW]),
  one("load-before-store", [stmt(BPF_LD | BPF_MEM, 0), ALLOW]),
  one("store-one-path-only", [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), stmt(BPF_ST, 0), stmt(BPF_LD | BPF_MEM, 0), ALLOW]),
  one("ja-out-of-bounds", [stmt(BPF_JMP | BPF_JA, 1), ALLOW]),
  one("ja-huge", [stmt(BPF_JMP | BPF_JA, 0xffffffff), ALLOW]),
  one("jeq-jt-beyond", [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0), ALLOW]),
  one("jeq-jf-beyond", [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 5), ALLOW]),
  one("last-not-ret", [ALLOW, ld(0)]),
  one("unknown-opcode", [stmt(0xff, 0), ALLOW]),
  one("ld-imm-with-size-bits", [stmt(BPF_LD | BPF_H | BPF_IMM, 0), ALLOW]),
  one("ancillary-known", [stmt(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + 4), ALLOW]),
  one("ancillary-unknown", [stmt(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + 0x100), ALLOW]),
  one("flags-unknown-bit", [ALLOW], { flags: 1 << 6 }),
  one("flags-wait-killable-without-listener", [ALLOW], { flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV }),
  one("flags-tsync-listener-without-esrch", [ALLOW], { flags: SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER }),
  one("flags-log", [ALLOW], { flags: SECCOMP_FILTER_FLAG_LOG }),
  one("flags-spec-allow", [ALLOW], { flags: SECCOMP_FILTER_FLAG_SPEC_ALLOW }),
  one("flags-tsync-single-thread", [ALLOW], { flags: SECCOMP_FILTER_FLAG_TSYNC }),
  { name: "listener-twice", steps: [{ filter: enc([ALLOW]), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER }, { filter: enc([ALLOW]), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER }] },
  one("no-nnp-no-cap", [ALLOW], { nnp: false, dropCaps: true }),
  one("no-nnp-with-cap-sys-admin", [ALLOW], { nnp: false }),
  one("no-privs-len-0-checked-first", [ALLOW], { nnp: false, dropCaps: true, len: 0 }),
  one("no-privs-before-bad-filter-ptr", [ALLOW], { nnp: false, dropCaps: true, filterPtr: "bad" }),
  one("no-privs-bad-filter-checked-after", [stmt(BPF_ALU | BPF_MOD | BPF_K, 3), ALLOW], { nnp: false, dropCaps: true }),
  one("fprog-unmapped", [ALLOW], { fprog: "bad" }),
  one("filter-unmapped", [ALLOW], { filterPtr: "bad" }),
  one("filter-null", [ALLOW], { filterPtr: "null" }),
  one("flags-checked-before-fprog", [ALLOW], { fprog: "bad", flags: 1 << 7 }),
  one("prctl-valid", [ALLOW], { prctl: true }),
  one("prctl-invalid", [ld(64), ALLOW], { prctl: true }),
  { name: "path-limit-cbpf-arithmetic-would-fit", steps: [{ filter: allowOfLen(4096), repeat: 7 }, { filter: allowOfLen(4068) }],
    note: "counting cBPF lengths, 7·(4096+4) + 4068 = 32768 would fit; Linux counts eBPF lengths (n + 4 each) and refuses" },
  { name: "path-limit-many-small", steps: [{ filter: enc([ALLOW]), repeat: 6555 }],
    note: "a 1-insn filter converts to 5 eBPF insns: 5 + 9(n-1) ≤ 32768 gives 3641 filters" },
  ...boundary("ebpf-pad", pad(0)),
  ...boundary("ebpf-jeq-both-targets", chain(jump(BPF_JMP | BPF_JEQ | BPF_K, 7, 1, 1))),
  ...boundary("ebpf-jeq-inverted", chain(jump(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1))),
  ...boundary("ebpf-jgt-inverted", chain(jump(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1))),
  ...boundary("ebpf-jset-not-inverted", chain(jump(BPF_JMP | BPF_JSET | BPF_K, 7, 0, 1))),
  ...boundary("ebpf-jeq-negative-k", chain(jump(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 0, 0))),
  ...boundary("ebpf-div-x", [stmt(BPF_LDX | BPF_IMM, 1), ...Array.from({ length: 200 }, () => stmt(BPF_ALU | BPF_DIV | BPF_X))]),
  ...boundary("ebpf-ret-a", [stmt(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW), stmt(BPF_RET | BPF_A)], true),
  ...boundary("ebpf-mixed", [ld(0), stmt(BPF_ST, 1), stmt(BPF_LD | BPF_W | BPF_LEN), stmt(BPF_MISC | BPF_TAX), stmt(BPF_LD | BPF_MEM, 1),
    stmt(BPF_JMP | BPF_JA, 0), stmt(BPF_ALU | BPF_NEG)]),
];

/** 200 copies of a conditional jump whose targets are at most 2 ahead, in a valid program body. */
function chain(j: SockFilter): SockFilter[] {
  return [ld(0), ...Array.from({ length: 200 }, () => j), stmt(BPF_LD | BPF_IMM, 0)];
}

/**
 * Pins the eBPF length Linux assigns to `body` (+ RET ALLOW unless `complete`): attach it, then seven
 * 4096-insn filters (eBPF 4100 each), then a padding filter sized by our `ebpfLength` so the path is
 * exactly 32768 ("fits") or one over ("exceeds"). Only a correct length model gets both right.
 */
function boundary(name: string, body: SockFilter[], complete = false): InstallCase[] {
  const f = complete ? body : [...body, ALLOW];
  const used = ebpfLength(f) + 4 + 7 * (4100 + 4);
  const n = MAX_INSNS_PER_PATH - used - 4; // pad(n-1)+RET → n + 4 eBPF insns
  const steps = (last: number): InstallStep[] => [
    { filter: enc(f) }, { filter: allowOfLen(4096), repeat: 7 }, { filter: allowOfLen(last) },
  ];
  return [{ name: `${name}-fits`, steps: steps(n) }, { name: `${name}-exceeds`, steps: steps(n + 1) }];
}

const A = (v: bigint | number) => `0x${BigInt(v).toString(16)}`;
const noArgs = ["0", "0", "0", "0", "0", "0"];
const b = (name: string, filters: Insn[][], extra: Partial<BehaviourCase> = {}): BehaviourCase =>
  ({ name, filters, site: "libc", nr: NR_GETPPID, args: noArgs, ...extra });

const window = vdsoWindowFilter("x86_64", STUB_ADDR, STUB_ADDR + 0x1000n);
const windowTight = vdsoWindowFilter("x86_64", STUB_ADDR + 2n, STUB_ADDR + 3n, { trapData: 0x77 });
const windowBelow = vdsoWindowFilter("x86_64", STUB_ADDR - 0x1000n, STUB_ADDR + 2n, { trapData: 0x78 });
const guard = (f: SockFilter[]): Insn[] => onlyGetppid(...f);

export const behaviourCases: BehaviourCase[] = [
  b("allow", [onlyGetppid(ALLOW)]),
  b("errno-1", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 1))]),
  b("errno-0", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 0))]),
  b("errno-capped-4095", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 0x1234))]),
  b("errno-tie-newest-wins", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 5)), onlyGetppid(ret(SECCOMP_RET_ERRNO | 7))]),
  b("trap-beats-errno-older", [onlyGetppid(ret(SECCOMP_RET_TRAP | 0x42)), onlyGetppid(ret(SECCOMP_RET_ERRNO | 3))]),
  b("trap-beats-errno-newer", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 3)), onlyGetppid(ret(SECCOMP_RET_TRAP | 0x99))]),
  b("trap-tie-newest-data", [onlyGetppid(ret(SECCOMP_RET_TRAP | 1)), onlyGetppid(ret(SECCOMP_RET_TRAP | 2))]),
  b("trap-stub-site", [onlyGetppid(ret(SECCOMP_RET_TRAP | 0x1234))], { site: "stub" }),
  b("log-vs-allow", [onlyGetppid(ret(SECCOMP_RET_LOG)), onlyGetppid(ALLOW)]),
  b("trace-no-tracer", [onlyGetppid(ret(SECCOMP_RET_TRACE | 5))]),
  b("user-notif-no-listener", [onlyGetppid(ret(SECCOMP_RET_USER_NOTIF))]),
  b("errno-beats-trace", [onlyGetppid(ret(SECCOMP_RET_TRACE)), onlyGetppid(ret(SECCOMP_RET_ERRNO | 9))]),
  b("errno-beats-log", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 4)), onlyGetppid(ret(SECCOMP_RET_LOG))]),
  b("kill-process", [onlyGetppid(ret(SECCOMP_RET_KILL_PROCESS))]),
  b("kill-thread-single", [onlyGetppid(ret(SECCOMP_RET_KILL_THREAD))]),
  b("kill-thread-in-thread", [onlyGetppid(ret(SECCOMP_RET_KILL_THREAD))], { site: "thread" }),
  b("kill-process-in-thread", [onlyGetppid(ret(SECCOMP_RET_KILL_PROCESS))], { site: "thread" }),
  b("errno-in-thread", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 6))], { site: "thread" }),
  b("kill-process-beats-kill-thread", [onlyGetppid(ret(SECCOMP_RET_KILL_THREAD)), onlyGetppid(ret(SECCOMP_RET_KILL_PROCESS))], { site: "thread" }),
  b("undefined-action-low-kills", [onlyGetppid(ret(0x00010000))]),
  b("undefined-action-ranked-by-value", [onlyGetppid(ret(0x7fe00000)), onlyGetppid(ret(SECCOMP_RET_ERRNO | 2))]),
  b("undefined-action-high-kills", [onlyGetppid(ret(0x7fe00000)), onlyGetppid(ret(SECCOMP_RET_LOG))]),
  b("arg-64bit-match", [guard([ld(16), jump(BPF_JMP | BPF_JEQ | BPF_K, 0xdeadbeef, 0, 3), ld(20), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
    ret(SECCOMP_RET_ERRNO | 11), ALLOW])], { args: [A(0x1deadbeefn), "0", "0", "0", "0", "0"] }),
  b("arg-64bit-nomatch", [guard([ld(16), jump(BPF_JMP | BPF_JEQ | BPF_K, 0xdeadbeef, 0, 3), ld(20), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
    ret(SECCOMP_RET_ERRNO | 11), ALLOW])], { args: [A(0xdeadbeefn), "0", "0", "0", "0", "0"] }),
  b("arg5-jge-boundary", [guard([ld(56), jump(BPF_JMP | BPF_JGE | BPF_K, 100, 0, 1), ret(SECCOMP_RET_ERRNO | 1), ret(SECCOMP_RET_ERRNO | 2)])],
    { args: ["0", "0", "0", "0", "0", A(100)] }),
  b("arg5-jgt-boundary", [guard([ld(56), jump(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1), ret(SECCOMP_RET_ERRNO | 1), ret(SECCOMP_RET_ERRNO | 2)])],
    { args: ["0", "0", "0", "0", "0", A(100)] }),
  b("jset", [guard([ld(24), jump(BPF_JMP | BPF_JSET | BPF_K, 0x80, 0, 1), ret(SECCOMP_RET_ERRNO | 1), ret(SECCOMP_RET_ERRNO | 2)])],
    { args: ["0", A(0x81), "0", "0", "0", "0"] }),
  b("jgt-unsigned", [guard([ld(24), jump(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 1), ret(SECCOMP_RET_ERRNO | 1), ret(SECCOMP_RET_ERRNO | 2)])],
    { args: ["0", A(0xfffffffe), "0", "0", "0", "0"] }),
  b("ret-a-from-nr", [guard([stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("tax-txa-direction", [guard([stmt(BPF_LD | BPF_IMM, SECCOMP_RET_ERRNO | 5), stmt(BPF_MISC | BPF_TAX), stmt(BPF_LD | BPF_IMM, SECCOMP_RET_ERRNO | 6),
    stmt(BPF_MISC | BPF_TXA), stmt(BPF_RET | BPF_A)])], { note: "TAX: X = A; TXA: A = X (net/core/filter.c)" }),
  b("div-by-x-zero-returns-0", [guard([stmt(BPF_LDX | BPF_IMM, 0), stmt(BPF_ALU | BPF_DIV | BPF_X), ret(SECCOMP_RET_ERRNO | 1)])]),
  b("lsh-by-x-33", [guard([stmt(BPF_LD | BPF_IMM, 1), stmt(BPF_LDX | BPF_IMM, 33), stmt(BPF_ALU | BPF_LSH | BPF_X),
    stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("rsh-by-x-35", [guard([stmt(BPF_LD | BPF_IMM, 0x100), stmt(BPF_LDX | BPF_IMM, 35), stmt(BPF_ALU | BPF_RSH | BPF_X),
    stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("mul-wraps", [guard([stmt(BPF_LD | BPF_IMM, 0x10001), stmt(BPF_ALU | BPF_MUL | BPF_K, 0x10003), stmt(BPF_ALU | BPF_AND | BPF_K, 0xfff),
    stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("neg-sub-div", [guard([stmt(BPF_LD | BPF_IMM, 10), stmt(BPF_ALU | BPF_NEG), stmt(BPF_ALU | BPF_SUB | BPF_K, 6), stmt(BPF_ALU | BPF_DIV | BPF_K, 0x1000000),
    stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("scratch-memory", [guard([stmt(BPF_LD | BPF_IMM, 21), stmt(BPF_ST, 4), stmt(BPF_LD | BPF_IMM, 0), stmt(BPF_LDX | BPF_MEM, 4), stmt(BPF_MISC | BPF_TXA),
    stmt(BPF_ALU | BPF_ADD | BPF_X), stmt(BPF_ALU | BPF_XOR | BPF_K, 1), stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("ld-len-is-64", [guard([stmt(BPF_LD | BPF_W | BPF_LEN), stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("ja-skips", [guard([stmt(BPF_JMP | BPF_JA, 1), ret(SECCOMP_RET_ERRNO | 1), ret(SECCOMP_RET_ERRNO | 2)])]),
  b("arch-word", [guard([ld(4), stmt(BPF_ALU | BPF_AND | BPF_K, 0xfff), stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])]),
  b("ip-low-bits-stub", [guard([ld(8), stmt(BPF_ALU | BPF_AND | BPF_K, 0xfff), stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), stmt(BPF_RET | BPF_A)])],
    { site: "stub", note: "instruction_pointer is the address after the 2-byte syscall instruction" }),
  b("strict-getppid-killed", [], { strict: true, note: "mode 1: do_exit(SIGKILL), not SIGSYS" }),
  b("strict-write-allowed", [], { strict: true, nr: 1, args: [A(0xffffffffffffffffn), "0", "0", "0", "0", "0"], ranResult: -9,
    note: "write(-1, NULL, 0) runs and fails with EBADF" }),
  b("strict-after-filter-refused", [onlyGetppid(ret(SECCOMP_RET_ERRNO | 3))], { strict: true,
    note: "prctl(PR_SET_SECCOMP, 1) fails once a filter is attached; the filter still applies" }),
  b("vdso-window-inside", [guard(window)], { site: "stub" }),
  b("vdso-window-outside", [guard(window)], { site: "libc" }),
  b("vdso-window-tight-post-pc", [guard(windowTight)], { site: "stub", note: "[S+2, S+3) contains the post-instruction IP" }),
  b("vdso-window-excludes-post-pc", [guard(windowBelow)], { site: "stub", note: "[.., S+2) ends exactly at the post-instruction IP: trapped" }),
];
