import { type Arch, UapiError } from "./arch.js";
import * as C from "./constants.js";
import { ERRNO } from "./errno.js";
import { signalName } from "./signals.js";

/**
 * A flag set as strace prints it. `bits` are tried in order, like strace's xlat tables: an entry matches when
 * all its bits are set (entries may be multi-bit, e.g. O_SYNC = __O_SYNC|O_DSYNC), and its bits are then
 * consumed. Remaining bits print as hex (or octal); `zero` is printed when nothing is set. `fields` are
 * multi-bit sub-fields: O_ACCMODE's O_RDONLY/O_WRONLY/O_RDWR and MAP_TYPE print first, clone's exit signal
 * and mmap's huge-page size (`N<<MAP_HUGE_SHIFT`) last.
 */
export interface FlagTable {
  readonly bits: readonly (readonly [bigint, string])[];
  readonly zero?: string;
  readonly fields?: readonly FlagField[];
  /** How leftover bits print: hex (default, strace's unknown-flag style) or octal (st_mode permissions). */
  readonly rest?: "hex" | "octal";
}
export interface FlagField {
  readonly mask: bigint;
  /**
   * Names of the field's values; "signal" prints the value as a signal name; `{ shift, name }` prints
   * `value<<NAME` (strace's MAP_HUGE_SHIFT spelling).
   */
  readonly values: ReadonlyMap<bigint, string> | "signal" | { readonly shift: number; readonly name: string };
  /** Print after the bits instead of first. */
  readonly last?: boolean;
}

/** An enumeration printed by name, with optional modifier bits appended ("FUTEX_WAIT_PRIVATE", "…|FUTEX_CLOCK_REALTIME"). */
export interface EnumTable {
  readonly values: ReadonlyMap<bigint, string>;
  readonly modifiers?: FlagTable;
  /** How to print an unknown value: decimal (default) or hex. */
  readonly unknown?: "dec" | "hex";
}

type Group = Readonly<Record<string, number | bigint>>;

/** Flag table from `names` (keys of `group`, in strace's print order), each printed as prefix + key. */
function flags(prefix: string, group: Group, names: readonly string[], opts: { zero?: string; fields?: FlagField[]; rest?: "octal"; rename?: Readonly<Record<string, string>> } = {}): FlagTable {
  const bits = names.map((k) => {
    const v = group[k];
    if (v === undefined) throw new Error(`flag table ${prefix}: no ${k}`);
    return [BigInt.asUintN(64, BigInt(v)), opts.rename?.[k] ?? prefix + k] as const;
  });
  return Object.freeze({ bits, ...(opts.zero ? { zero: opts.zero } : {}), ...(opts.fields ? { fields: opts.fields } : {}), ...(opts.rest ? { rest: opts.rest } : {}) });
}

/** Every single-bit member of `group`, ascending (strace's order for most tables). */
function ascendingBits(group: Group, skip: readonly string[] = []): string[] {
  return Object.entries(group)
    .map(([k, v]) => [k, BigInt.asUintN(64, BigInt(v))] as const)
    .filter(([k, b]) => !skip.includes(k) && b !== 0n && (b & (b - 1n)) === 0n)
    .sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))
    .map(([k]) => k);
}

function enumOf(prefix: string, group: Group, opts: { skip?: string[]; unknown?: "dec" | "hex"; modifiers?: FlagTable } = {}): EnumTable {
  const values = new Map<bigint, string>();
  for (const [k, v] of Object.entries(group)) {
    if (opts.skip?.includes(k)) continue;
    const b = BigInt.asUintN(64, BigInt(v));
    if (!values.has(b)) values.set(b, prefix + k);
  }
  return Object.freeze({ values, ...(opts.unknown ? { unknown: opts.unknown } : {}), ...(opts.modifiers ? { modifiers: opts.modifiers } : {}) });
}

function field(mask: number, entries: Readonly<Record<string, number>>, prefix: string): FlagField {
  return { mask: BigInt(mask), values: new Map(Object.entries(entries).map(([k, v]) => [BigInt(v), prefix + k])) };
}

// Print orders below are strace 6.1's (recorded in test/fixtures/strace-x86_64.json by scripts/record-oracle.mjs).
const OPEN_ORDER = ["CREAT", "EXCL", "NOCTTY", "TRUNC", "APPEND", "NONBLOCK", "SYNC", "DSYNC", "DIRECT", "LARGEFILE",
  "NOFOLLOW", "NOATIME", "CLOEXEC", "PATH", "TMPFILE", "DIRECTORY", "ASYNC"];

function openFlags(o: C.OpenFlags): FlagTable {
  return flags("O_", o, OPEN_ORDER, {
    rename: { ASYNC: "FASYNC" },
    fields: [field(3, { RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3 }, "O_")],
  });
}

const FUTEX_OPS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(C.FUTEX).filter(([k, v]) => v >= 0 && v <= 13 && !k.includes("FLAG")),
);

function futexOp(): EnumTable {
  const values = new Map<bigint, string>();
  for (const [k, v] of Object.entries(FUTEX_OPS)) {
    values.set(BigInt(v), `FUTEX_${k}`);
    values.set(BigInt(v | C.FUTEX.PRIVATE_FLAG), `FUTEX_${k}_PRIVATE`);
  }
  return { values, modifiers: { bits: [[256n, "FUTEX_CLOCK_REALTIME"]] } };
}

const MAP_ORDER = ["FIXED", "ANONYMOUS", "32BIT", "NORESERVE", "POPULATE", "NONBLOCK", "GROWSDOWN", "DENYWRITE",
  "EXECUTABLE", "LOCKED", "STACK", "HUGETLB", "SYNC", "FIXED_NOREPLACE"];

function commonFlagTables(o: C.OpenFlags, arch: Arch): Record<string, () => FlagTable> {
  const atOrder = ["SYMLINK_NOFOLLOW", "REMOVEDIR", "SYMLINK_FOLLOW", "NO_AUTOMOUNT", "EMPTY_PATH", "RECURSIVE"];
  const mapGroup = { ...C.MAP, "32BIT": C.MAP_32BIT };
  return {
    open_flags: () => openFlags(o),
    at_flags: () => flags("AT_", C.AT_FLAGS, atOrder),
    // statx(2): the AT_STATX_* sync type (a 2-bit field) first, then the AT_ flags.
    statx_flags: () => flags("AT_", C.AT_FLAGS, atOrder, {
      fields: [field(0x6000, { STATX_SYNC_AS_STAT: 0, STATX_FORCE_SYNC: 0x2000, STATX_DONT_SYNC: 0x4000 }, "AT_")],
    }),
    prot: () => flags("PROT_", { ...C.PROT, BTI: C.PROT_BTI, MTE: 0x20 },
      arch === "arm64" ? ["READ", "WRITE", "EXEC", "SEM", "BTI", "MTE", "GROWSDOWN", "GROWSUP"] : ["READ", "WRITE", "EXEC", "SEM", "GROWSDOWN", "GROWSUP"],
      { zero: "PROT_NONE" }),
    map_flags: () => flags("MAP_", mapGroup, arch === "x86_64" ? MAP_ORDER : MAP_ORDER.filter((k) => k !== "32BIT"), {
      fields: [
        field(0x0f, { SHARED: 1, PRIVATE: 2, SHARED_VALIDATE: 3 }, "MAP_"),
        { mask: 0x3fn << 26n, values: { shift: 26, name: "MAP_HUGE_SHIFT" }, last: true },
      ],
    }),
    mremap_flags: () => flags("MREMAP_", C.MREMAP, ascendingBits(C.MREMAP), { zero: "0" }),
    msync_flags: () => flags("MS_", C.MSYNC, ascendingBits(C.MSYNC)),
    mlockall_flags: () => flags("MCL_", C.MCL, ascendingBits(C.MCL)),
    clone_flags: () => flags("CLONE_", C.CLONE, ascendingBits(C.CLONE, ["CSIGNAL", "NEWTIME"]), {
      fields: [{ mask: 0xffn, values: "signal", last: true }],
    }),
    sa_flags: () => flags("SA_", { ...C.SA, INTERRUPT: 0x20000000 },
      ["RESTORER", "ONSTACK", "RESTART", "INTERRUPT", "NODEFER", "RESETHAND", "SIGINFO", "NOCLDSTOP", "NOCLDWAIT"], { zero: "0" }),
    ss_flags: () => flags("SS_", C.SS, ["ONSTACK", "DISABLE", "AUTODISARM"], { zero: "0" }),
    seccomp_filter_flags: () => flags("SECCOMP_FILTER_FLAG_", C.SECCOMP,
      ["FILTER_FLAG_TSYNC", "FILTER_FLAG_LOG", "FILTER_FLAG_SPEC_ALLOW", "FILTER_FLAG_NEW_LISTENER", "FILTER_FLAG_TSYNC_ESRCH", "FILTER_FLAG_WAIT_KILLABLE_RECV"],
      { zero: "0", rename: Object.fromEntries(["TSYNC", "LOG", "SPEC_ALLOW", "NEW_LISTENER", "TSYNC_ESRCH", "WAIT_KILLABLE_RECV"].map((k) => [`FILTER_FLAG_${k}`, `SECCOMP_FILTER_FLAG_${k}`])) }),
    access_mode: () => flags("", C.ACCESS, ["R_OK", "W_OK", "X_OK"], { zero: "F_OK" }),
    wait_options: () => flags("", C.WAIT, ["WNOHANG", "WEXITED", "WSTOPPED", "WCONTINUED", "WNOWAIT", "__WCLONE", "__WALL", "__WNOTHREAD"], { zero: "0" }),
    grnd_flags: () => flags("GRND_", C.GRND, ["NONBLOCK", "RANDOM", "INSECURE"], { zero: "0" }),
    rseq_flags: () => flags("RSEQ_", { FLAG_UNREGISTER: 1 }, ["FLAG_UNREGISTER"], { zero: "0" }),
    close_range_flags: () => flags("CLOSE_RANGE_", C.CLOSE_RANGE, ["UNSHARE", "CLOEXEC"], { zero: "0" }),
    memfd_flags: () => flags("MFD_", C.MFD, ascendingBits(C.MFD), { zero: "0" }),
    rename_flags: () => flags("RENAME_", C.RENAME, ascendingBits(C.RENAME), { zero: "0" }),
    flock_op: () => flags("LOCK_", C.LOCK, ascendingBits(C.LOCK)),
    statx_mask: () => flags("STATX_", C.STATX, ["BASIC_STATS", ...ascendingBits(C.STATX)], { zero: "0" }),
    timer_flags: () => flags("", { TIMER_ABSTIME: 1 }, ["TIMER_ABSTIME"], { zero: "0" }),
    personality: () => flags("", C.PERSONALITY_FLAGS, ascendingBits(C.PERSONALITY_FLAGS), { fields: [field(0xff, { LINUX: 0, BSD: 6 }, "PER_")] }),
    falloc_flags: () => flags("FALLOC_FL_", FALLOC, ascendingBits(FALLOC), { zero: "0" }),
    splice_flags: () => flags("SPLICE_F_", SPLICE, ascendingBits(SPLICE), { zero: "0" }),
    rwf: () => flags("RWF_", RWF, ascendingBits(RWF), { zero: "0" }),
    socket_type: () => flags("SOCK_", { NONBLOCK: o.NONBLOCK, CLOEXEC: o.CLOEXEC }, ["CLOEXEC", "NONBLOCK"], {
      fields: [field(0xf, { STREAM: 1, DGRAM: 2, RAW: 3, RDM: 4, SEQPACKET: 5, DCCP: 6, PACKET: 10 }, "SOCK_")],
    }),
    // strace prints st_mode as the file type then the permission bits in octal: S_IFREG|0644.
    st_mode: () => flags("S_", {}, [], {
      rest: "octal",
      fields: [field(0o170000, { IFSOCK: 0o140000, IFLNK: 0o120000, IFREG: 0o100000, IFBLK: 0o60000, IFDIR: 0o40000, IFCHR: 0o20000, IFIFO: 0o10000 }, "S_")],
    }),
  };
}

const FALLOC = { KEEP_SIZE: 1, PUNCH_HOLE: 2, NO_HIDE_STALE: 4, COLLAPSE_RANGE: 8, ZERO_RANGE: 0x10, INSERT_RANGE: 0x20, UNSHARE_RANGE: 0x40 };
const SPLICE = { MOVE: 1, NONBLOCK: 2, MORE: 4, GIFT: 8 };
const RWF = { HIPRI: 1, DSYNC: 2, SYNC: 4, NOWAIT: 8, APPEND: 0x10, NOAPPEND: 0x20, ATOMIC: 0x40, DONTCACHE: 0x80 };

function commonEnumTables(): Record<string, () => EnumTable> {
  const prctlOptions = Object.fromEntries(Object.entries(C.PR).filter(([k]) => !k.startsWith("SYS_DISPATCH")));
  return {
    futex_op: futexOp,
    prctl_option: () => enumOf("PR_", prctlOptions),
    arch_prctl_code: () => enumOf("ARCH_", C.ARCH_PRCTL, { unknown: "hex" }),
    clockid: () => enumOf("CLOCK_", C.CLOCK),
    whence: () => enumOf("SEEK_", C.SEEK),
    seccomp_op: () => enumOf("SECCOMP_", { SET_MODE_STRICT: 0, SET_MODE_FILTER: 1, GET_ACTION_AVAIL: 2, GET_NOTIF_SIZES: 3 }),
    seccomp_ret: () => enumOf("SECCOMP_", Object.fromEntries(Object.entries(C.SECCOMP).filter(([k]) => k.startsWith("RET_") && k !== "RET_KILL" && !k.startsWith("RET_ACTION") && k !== "RET_DATA")), { unknown: "hex" }),
    madvise: () => enumOf("MADV_", C.MADV),
    sigprocmask_how: () => enumOf("SIG_", C.SIG_HOW),
    fcntl_cmd: () => enumOf("F_", C.F, { skip: ["RDLCK", "WRLCK", "UNLCK"] }),
    ioctl_cmd: () => enumOf("", C.IOCTL, { unknown: "hex" }),
    rlimit_resource: () => enumOf("RLIMIT_", C.RLIMIT, { skip: ["NLIMITS"] }),
    ptrace_request: () => enumOf("PTRACE_", Object.fromEntries(Object.entries(C.PTRACE).filter(([k]) => !k.startsWith("EVENT_") && !k.startsWith("O_"))), { unknown: "hex" }),
    epoll_ctl_op: () => enumOf("EPOLL_CTL_", C.EPOLL_CTL),
    idtype: () => enumOf("P_", C.P),
    itimer_which: () => enumOf("ITIMER_", C.ITIMER),
    sched_policy: () => enumOf("SCHED_", C.SCHED),
    prio_which: () => enumOf("PRIO_", C.PRIO),
    membarrier_cmd: () => enumOf("MEMBARRIER_CMD_", C.MEMBARRIER_CMD),
    fadvice: () => enumOf("POSIX_FADV_", { NORMAL: 0, RANDOM: 1, SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4, NOREUSE: 5 }),
    socket_family: () => enumOf("AF_", { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17 }),
    auxv_tag: () => enumOf("AT_", C.AT_AUX),
    errno: () => ({ values: new Map(Object.entries(ERRNO).map(([k, v]) => [BigInt(v), k])) }),
    si_code_sigsys: () => enumOf("SYS_", C.SYS),
  };
}

/**
 * A frozen record whose values are built on first read and kept: only tracing reads these tables, and building
 * them all cost 2-20 ms of every start-up. Keys, their order and enumerability are those of `make`.
 */
function lazily<T>(make: Readonly<Record<string, () => T>>): Readonly<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const [k, build] of Object.entries(make)) {
    let v: T | undefined;
    Object.defineProperty(out, k, { enumerable: true, get: () => (v ??= build()) });
  }
  return Object.freeze(out);
}

let x86Flags: Readonly<Record<string, FlagTable>> | undefined;
let arm64Flags: Readonly<Record<string, FlagTable>> | undefined;
/** Flag tables per arch (open_flags and socket_type differ: O_DIRECTORY & co. are arch-specific). */
export const FLAG_TABLES: { readonly [A in Arch]: Readonly<Record<string, FlagTable>> } = Object.freeze({
  get x86_64() { return (x86Flags ??= lazily(commonFlagTables(C.O_X86_64, "x86_64"))); },
  get arm64() { return (arm64Flags ??= lazily(commonFlagTables(C.O_ARM64, "arm64"))); },
});
/** Enum tables (identical on both arches; arch_prctl is only meaningful on x86-64). */
export const ENUM_TABLES: Readonly<Record<string, EnumTable>> = lazily(commonEnumTables());

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** C's "%#03o" (strace's st_mode permissions): 0644 → "0644", 0 → "000". */
const octal = (v: bigint) => (v === 0n ? "0" : `0${v.toString(8)}`).padStart(3, "0");

/**
 * Flag words as unsigned: a bigint is taken as 64 bits; a negative JS number in int32 range is the result of
 * JS bitwise operators on a 32-bit C flag word (`0x100 | 0x80000000`), so it is taken as uint32.
 */
function flagWord(value: number | bigint): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new UapiError(`flag/enum value ${value} is not an integer`);
  if (typeof value === "number" && value < 0 && value >= -0x80000000) return BigInt(value >>> 0);
  return BigInt.asUintN(64, BigInt(value));
}

/** strace-style flag formatting: `O_RDONLY|O_CLOEXEC`, `PROT_READ|PROT_WRITE`, `CLONE_VM|…|SIGCHLD`, unknown bits `0x…`. */
export function formatFlags(table: FlagTable, value: number | bigint): string {
  let v = flagWord(value);
  const parts: string[] = [];
  const tail: string[] = [];
  for (const f of table.fields ?? []) {
    const fv = v & f.mask;
    let name: string | undefined;
    if (f.values === "signal") {
      if (fv !== 0n) name = signalName(Number(fv)) ?? hex(fv);
      else v &= ~f.mask; // exit signal 0: nothing to print
    } else if ("shift" in f.values) {
      if (fv !== 0n) name = `${fv >> BigInt(f.values.shift)}<<${f.values.name}`;
    } else {
      name = f.values.get(fv);
    }
    if (name !== undefined) {
      (f.last ? tail : parts).push(name);
      v &= ~f.mask;
    }
  }
  for (const [bits, name] of table.bits) {
    if (bits !== 0n && (v & bits) === bits) {
      parts.push(name);
      v &= ~bits;
    }
  }
  if (v !== 0n || (table.rest === "octal" && parts.length > 0)) parts.push(table.rest === "octal" ? octal(v) : hex(v));
  parts.push(...tail);
  if (parts.length === 0) return table.zero ?? "0";
  return parts.join("|");
}

/** strace-style enum formatting: the name, or the number (decimal, or hex for `unknown: "hex"` tables). */
export function formatEnum(table: EnumTable, value: number | bigint): string {
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new UapiError(`flag/enum value ${value} is not an integer`);
  const v = BigInt.asUintN(64, BigInt(value));
  const direct = table.values.get(v);
  if (direct !== undefined) return direct;
  if (table.modifiers) {
    let base = v;
    for (const [bit] of table.modifiers.bits) base &= ~bit;
    const name = table.values.get(base);
    if (name !== undefined) return `${name}|${formatFlags(table.modifiers, v & ~base)}`;
  }
  if (table.unknown === "hex") return hex(v);
  return BigInt.asIntN(64, v).toString();
}

/** Look up a table by the name an ArgSpec carries; undefined if unknown. */
export function flagTable(arch: Arch, name: string): FlagTable | undefined {
  return FLAG_TABLES[arch][name];
}
export function enumTable(name: string): EnumTable | undefined {
  return ENUM_TABLES[name];
}
