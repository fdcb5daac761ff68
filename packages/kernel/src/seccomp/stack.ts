/**
 * Per-task seccomp state as kernel/seccomp.c keeps it: a mode and a chain of attached filters
 * (newest first, shared with children after fork), `seccomp(2)` / `prctl(PR_SET_SECCOMP)` entry
 * points with Linux's checks and error order, and evaluation with Linux's action precedence.
 */
import { type BpfProgram, type BpfRun, decodeProgram, encodeProgram, runBpf, SOCK_FILTER_SIZE, type SockFilter } from "./bpf.js";
import {
  EACCES, EBUSY, EFAULT, EINVAL, ENOMEM, ENOSYS, EOPNOTSUPP, FILTER_PENALTY_INSNS, MAX_ERRNO,
  MAX_INSNS_PER_PATH, SECCOMP_DATA_SIZE, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_MASK,
  SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES, SECCOMP_MODE_DISABLED,
  SECCOMP_MODE_FILTER, SECCOMP_MODE_STRICT, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, SECCOMP_SET_MODE_FILTER, SECCOMP_SET_MODE_STRICT,
} from "./constants.js";
import { validateSeccompFilter } from "./validate.js";
import { syscallNr } from "@uabi/uapi";

/** One attached filter; `prev` links to the older ones (the kernel's f->prev chain). */
export interface AttachedFilter {
  readonly program: BpfProgram;
  /** prog->len after cBPF→eBPF conversion: what counts against MAX_INSNS_PER_PATH. */
  readonly pathLength: number;
  readonly prev: AttachedFilter | null;
  /** SECCOMP_FILTER_FLAG_LOG given at install. */
  readonly log: boolean;
  /** Installed with SECCOMP_FILTER_FLAG_NEW_LISTENER; the caller owns the fd. */
  listener: boolean;
  /** Installed with the vDSO-bounds seccomp_data extension. */
  readonly extended: boolean;
  /** 0 for the first filter installed in this chain, 1 for the next… */
  readonly index: number;
}

/** How the caller reaches guest memory. Returning null means the range is not readable (→ EFAULT). */
export type CopyIn = (addr: bigint, len: number) => Uint8Array | null;
/** Returns false when the range is not writable (→ EFAULT). */
export type CopyOut = (addr: bigint, bytes: Uint8Array) => boolean;

export interface SeccompCallEnv {
  copyIn: CopyIn;
  copyOut?: CopyOut;
  noNewPrivs: boolean;
  /** ns_capable(CAP_SYS_ADMIN) of the caller. */
  capSysAdmin: boolean;
  /** Use the vDSO-bounds extension for this filter (a per-process policy of the simulator). */
  extended?: boolean;
  /** Called for SECCOMP_FILTER_FLAG_NEW_LISTENER: returns a new fd number or a negative errno. */
  newListenerFd?: () => number;
}

export interface InstallDetail {
  ret: number;
  reason?: string;
  pc?: number;
}

/** Reused result of `evaluate`: the winning filter return value and the cBPF work done. */
export interface SeccompVerdict {
  /** Full 32-bit return value of the winning filter (ALLOW when no filter). */
  ret: number;
  /** ret & SECCOMP_RET_ACTION_FULL, as an unsigned number. */
  action: number;
  /** ret & SECCOMP_RET_DATA. */
  data: number;
  /** The filter whose value won (null when the result is the initial ALLOW or strict mode). */
  match: AttachedFilter | null;
  /** Strict mode (mode 1) and the syscall is not read/write/exit/rt_sigreturn. */
  strictViolation: boolean;
  /** Filters run and cBPF instructions executed (summed over filters). */
  filtersRun: number;
  insns: number;
}

/** ACTION_ONLY() in kernel/seccomp.c: compared as signed 32-bit. */
const actionOnly = (ret: number): number => (ret & SECCOMP_RET_ACTION_FULL) | 0;

/** Syscalls mode 1 (strict) permits: read, write, exit, rt_sigreturn (kernel/seccomp.c mode1_syscalls). */
export const STRICT_SYSCALLS = Object.fromEntries(
  (["x86_64", "arm64"] as const).map((a) => [a, ["read", "write", "exit", "rt_sigreturn"].map((n) => syscallNr(a, n))]),
) as unknown as Record<"x86_64" | "arm64", readonly number[]>;

export class SeccompState {
  mode = SECCOMP_MODE_DISABLED;
  filters: AttachedFilter | null = null;
  filterCount = 0;
  private readonly mem = new Uint32Array(16);
  private readonly run: BpfRun = { ret: 0, insns: 0 };
  private readonly verdict: SeccompVerdict = {
    ret: SECCOMP_RET_ALLOW, action: SECCOMP_RET_ALLOW, data: 0, match: null, strictViolation: false, filtersRun: 0, insns: 0,
  };

  /**
   * Per-process policy for the vDSO-bounds extension: filters installed while it is on may read the
   * 80-byte seccomp_data (a call's `env.extended` overrides it). Inherited by `fork`.
   */
  extendedData: boolean;

  constructor(readonly isa: "x86_64" | "arm64", opts: { extendedData?: boolean } = {}) {
    this.extendedData = opts.extendedData === true;
  }

  /** fork/clone: the child shares the parent's filter chain (filters are immutable once attached). */
  fork(): SeccompState {
    const c = new SeccompState(this.isa, { extendedData: this.extendedData });
    c.mode = this.mode;
    c.filters = this.filters;
    c.filterCount = this.filterCount;
    return c;
  }

  /** The attached filters, newest first. */
  list(): AttachedFilter[] {
    const out: AttachedFilter[] = [];
    for (let f = this.filters; f; f = f.prev) out.push(f);
    return out;
  }

  /** seccomp(op, flags, uargs) → 0, a listener fd, or a negative errno (do_seccomp). */
  seccomp(op: number, flags: number, uargs: bigint, env: SeccompCallEnv): number {
    return this.seccompDetail(op, flags, uargs, env).ret;
  }

  seccompDetail(op: number, flags: number, uargs: bigint, env: SeccompCallEnv): InstallDetail {
    switch (op) {
      case SECCOMP_SET_MODE_STRICT:
        if (flags !== 0 || uargs !== 0n) return { ret: -EINVAL, reason: "strict mode takes no flags or args" };
        if (this.mode !== SECCOMP_MODE_DISABLED && this.mode !== SECCOMP_MODE_STRICT) return { ret: -EINVAL, reason: "mode already set" };
        this.mode = SECCOMP_MODE_STRICT;
        return { ret: 0 };
      case SECCOMP_SET_MODE_FILTER:
        return this.setModeFilter(flags >>> 0, uargs, env);
      case SECCOMP_GET_ACTION_AVAIL: {
        if (flags !== 0) return { ret: -EINVAL };
        const b = env.copyIn(uargs, 4);
        if (!b || b.length < 4) return { ret: -EFAULT };
        const action = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
        return { ret: KNOWN_ACTIONS.has(action) ? 0 : -EOPNOTSUPP };
      }
      case SECCOMP_GET_NOTIF_SIZES: {
        if (flags !== 0) return { ret: -EINVAL };
        // struct seccomp_notif_sizes { u16 seccomp_notif (80); u16 seccomp_notif_resp (24); u16 seccomp_data (64); }
        const sizes = new Uint8Array(6);
        const dv = new DataView(sizes.buffer);
        dv.setUint16(0, 80, true);
        dv.setUint16(2, 24, true);
        dv.setUint16(4, SECCOMP_DATA_SIZE, true);
        return { ret: env.copyOut && env.copyOut(uargs, sizes) ? 0 : -EFAULT };
      }
      default:
        return { ret: -EINVAL, reason: `unknown seccomp op ${op}` };
    }
  }

  /**
   * Attach a filter the kernel itself supplies (e.g. the mechanism's filter at exec): the same checks
   * and errors as seccomp(SECCOMP_SET_MODE_FILTER), without guest memory.
   */
  attach(insns: readonly SockFilter[], opts: { flags?: number; noNewPrivs?: boolean; capSysAdmin?: boolean; extended?: boolean } = {}): InstallDetail {
    const bytes = encodeProgram(insns.slice(0, 0xffff));
    const fprog = new Uint8Array(16);
    const dv = new DataView(fprog.buffer);
    dv.setUint16(0, Math.min(insns.length, 0xffff), true);
    dv.setBigUint64(8, 2n, true);
    const copyIn: CopyIn = (addr, len) => (addr === 1n ? fprog.slice(0, len) : addr === 2n && len <= bytes.length ? bytes.slice(0, len) : null);
    return this.setModeFilter((opts.flags ?? 0) >>> 0, 1n, {
      copyIn, noNewPrivs: opts.noNewPrivs ?? true, capSysAdmin: opts.capSysAdmin ?? true, extended: opts.extended ?? this.extendedData,
    });
  }

  /** prctl(PR_SET_SECCOMP, mode, filter): flags are always 0 on this path. */
  prctlSetSeccomp(mode: number, filter: bigint, env: SeccompCallEnv): number {
    if (mode === SECCOMP_MODE_STRICT) return this.seccomp(SECCOMP_SET_MODE_STRICT, 0, 0n, env);
    if (mode === SECCOMP_MODE_FILTER) return this.seccomp(SECCOMP_SET_MODE_FILTER, 0, filter, env);
    return -EINVAL;
  }

  /** seccomp_set_mode_filter(): checks in the kernel's order (flags, copy-in, prepare, attach). */
  private setModeFilter(flags: number, fprogAddr: bigint, env: SeccompCallEnv): InstallDetail {
    if (flags & ~SECCOMP_FILTER_FLAG_MASK) return { ret: -EINVAL, reason: `unknown flags 0x${flags.toString(16)}` };
    if (flags & SECCOMP_FILTER_FLAG_TSYNC && flags & SECCOMP_FILTER_FLAG_NEW_LISTENER && !(flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH)) {
      return { ret: -EINVAL, reason: "TSYNC with NEW_LISTENER needs TSYNC_ESRCH" };
    }
    if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
      return { ret: -EINVAL, reason: "WAIT_KILLABLE_RECV needs NEW_LISTENER" };
    }
    // struct sock_fprog { u16 len; pad[6]; u64 filter; } on LP64.
    const fprog = env.copyIn(fprogAddr, 16);
    if (!fprog || fprog.length < 16) return { ret: -EFAULT, reason: "sock_fprog not readable" };
    const dv = new DataView(fprog.buffer, fprog.byteOffset, 16);
    const len = dv.getUint16(0, true);
    const filterAddr = dv.getBigUint64(8, true);
    // seccomp_prepare_filter(): length, then privileges, then bpf_prog_create_from_user().
    if (len === 0 || len > 4096) return { ret: -EINVAL, reason: `length ${len} not in 1..4096` };
    if (!env.noNewPrivs && !env.capSysAdmin) return { ret: -EACCES, reason: "needs no_new_privs or CAP_SYS_ADMIN" };
    if (filterAddr === 0n) return { ret: -EINVAL, reason: "NULL filter" };
    const bytes = env.copyIn(filterAddr, len * SOCK_FILTER_SIZE);
    if (!bytes || bytes.length < len * SOCK_FILTER_SIZE) return { ret: -EFAULT, reason: "filter not readable" };
    const extended = env.extended ?? this.extendedData;
    const v = validateSeccompFilter(decodeProgram(bytes.subarray(0, len * SOCK_FILTER_SIZE)), { extended });
    if (!v.ok) return { ret: v.error, reason: v.reason, pc: v.pc };
    if (this.mode !== SECCOMP_MODE_DISABLED && this.mode !== SECCOMP_MODE_FILTER) return { ret: -EINVAL, reason: "strict mode is set" };
    const wantsListener = (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0;
    if (wantsListener) {
      for (let f = this.filters; f; f = f.prev) if (f.listener) return { ret: -EBUSY, reason: "a listener already exists" };
    }
    // seccomp_attach_filter(): path-length limit over the converted (eBPF) lengths, with the
    // 4-instruction penalty per attached filter.
    let total = v.ebpfLength;
    for (let f = this.filters; f; f = f.prev) total += f.pathLength + FILTER_PENALTY_INSNS;
    if (total > MAX_INSNS_PER_PATH) return { ret: -ENOMEM, reason: `${total} instructions on the path > ${MAX_INSNS_PER_PATH}` };
    let ret = 0;
    if (wantsListener) {
      if (!env.newListenerFd) return { ret: -EINVAL, reason: "caller cannot create a listener fd" };
      ret = env.newListenerFd();
      if (ret < 0) return { ret };
    }
    this.filters = {
      program: v.program, pathLength: v.ebpfLength, prev: this.filters, log: (flags & SECCOMP_FILTER_FLAG_LOG) !== 0,
      listener: wantsListener, extended, index: this.filterCount,
    };
    this.filterCount++;
    this.mode = SECCOMP_MODE_FILTER;
    return { ret };
  }

  /**
   * seccomp_run_filters(): newest to oldest; a value replaces the current one only if its action,
   * as s32, is strictly lower, so on ties the newest filter's data wins. `data` is a buffer from
   * `newSeccompDataBuffer` filled for this syscall. Returns a reused object: copy what you keep.
   */
  evaluate(data: DataView): SeccompVerdict {
    const v = this.verdict;
    v.ret = SECCOMP_RET_ALLOW;
    v.match = null;
    v.strictViolation = false;
    v.filtersRun = 0;
    v.insns = 0;
    if (this.mode === SECCOMP_MODE_STRICT) {
      const nr = data.getInt32(0, true);
      v.strictViolation = !STRICT_SYSCALLS[this.isa].includes(nr);
      v.ret = v.strictViolation ? SECCOMP_RET_KILL_THREAD : SECCOMP_RET_ALLOW;
    } else if (this.mode === SECCOMP_MODE_FILTER) {
      for (let f = this.filters; f; f = f.prev) {
        const r = runBpf(f.program, data, this.mem, this.run).ret >>> 0;
        v.filtersRun++;
        v.insns += this.run.insns;
        if (actionOnly(r) < actionOnly(v.ret)) {
          v.ret = r;
          v.match = f;
        }
      }
    }
    v.action = (v.ret & SECCOMP_RET_ACTION_FULL) >>> 0;
    v.data = v.ret & SECCOMP_RET_DATA;
    return v;
  }
}

const KNOWN_ACTIONS: ReadonlySet<number> = new Set([
  SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
  SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW,
]);

/** What the syscall entry must do with a verdict (__seccomp_filter's switch). */
export type SeccompOutcome =
  | { kind: "allow"; log: boolean }
  | { kind: "errno"; errno: number; /** The syscall return value, -errno (0 for ERRNO(0)). */ ret: number }
  | { kind: "trap"; data: number }
  | { kind: "trace"; data: number }
  | { kind: "user-notif"; data: number }
  | { kind: "skip"; ret: number; why: string }
  | { kind: "kill"; scope: "process" | "thread"; signal: 31 | 9; coreDump: boolean };

export interface OutcomeEnv {
  /** A tracer with PTRACE_O_TRACESECCOMP is attached. */
  tracer?: boolean;
  /**
   * This evaluation re-runs the filters after the tracer's PTRACE_EVENT_SECCOMP stop
   * (__seccomp_filter(..., recheck_after_trace = true)): RET_TRACE then allows the call.
   */
  recheckAfterTrace?: boolean;
  /** Live threads in the thread group (KILL_THREAD of the last one kills the process). */
  liveThreads?: number;
}

export function seccompOutcome(
  v: Pick<SeccompVerdict, "action" | "data" | "match"> & { strictViolation?: boolean }, env: OutcomeEnv = {},
): SeccompOutcome {
  // __secure_computing_strict(): do_exit(SIGKILL) of the calling thread (the process if it is the last), no core.
  if (v.strictViolation) return { kind: "kill", scope: (env.liveThreads ?? 1) > 1 ? "thread" : "process", signal: 9, coreDump: false };
  switch (v.action) {
    case SECCOMP_RET_ERRNO: {
      const errno = Math.min(v.data, MAX_ERRNO);
      return { kind: "errno", errno, ret: errno === 0 ? 0 : -errno };
    }
    case SECCOMP_RET_TRAP:
      return { kind: "trap", data: v.data };
    case SECCOMP_RET_TRACE:
      if (env.recheckAfterTrace) return { kind: "allow", log: false };
      return env.tracer ? { kind: "trace", data: v.data } : { kind: "skip", ret: -ENOSYS, why: "RET_TRACE without a tracer" };
    case SECCOMP_RET_USER_NOTIF:
      return v.match?.listener ? { kind: "user-notif", data: v.data } : { kind: "skip", ret: -ENOSYS, why: "RET_USER_NOTIF without a listener" };
    case SECCOMP_RET_LOG:
      return { kind: "allow", log: true };
    case SECCOMP_RET_ALLOW:
      return { kind: "allow", log: false };
    case SECCOMP_RET_KILL_THREAD:
      if ((env.liveThreads ?? 1) > 1) return { kind: "kill", scope: "thread", signal: 31, coreDump: false };
      return { kind: "kill", scope: "process", signal: 31, coreDump: true };
    default:
      // KILL_PROCESS and any undefined action.
      return { kind: "kill", scope: "process", signal: 31, coreDump: true };
  }
}

