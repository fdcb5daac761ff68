import type { Arch } from "./arch.js";
import * as C from "./constants.js";
import { ERRNO } from "./errno.js";
import { signalName } from "./signals.js";

/**
 * A flag set as strace prints it: named bits joined by "|", remaining bits as hex, `zero` when nothing is set.
 * `fields` are multi-bit sub-fields printed first (O_ACCMODE's O_RDONLY/O_WRONLY/O_RDWR, MAP_TYPE, clone's
 * exit signal in CSIGNAL).
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
  /** Names of the field's values, or "signal" to print the value as a signal name. */
  readonly values: ReadonlyMap<bigint, string> | "signal";
  /** Print after the bits (clone's exit signal: `CLONE_VM|…|SIGCHLD`) instead of first. */
  readonly last?: boolean;
}

/** An enumeration printed by name, with optional modifier bits appended ("FUTEX_WAIT_PRIVATE", "…|FUTEX_CLOCK_REALTIME"). */
export interface EnumTable {
  readonly values: ReadonlyMap<bigint, string>;
  readonly modifiers?: FlagTable;
  /** How to print an unknown value: decimal (default) or hex. */
  readonly unknown?: "dec" | "hex";
}

function flags(prefix: string, group: Readonly<Record<string, number | bigint>>, opts: { skip?: string[]; zero?: string; fields?: FlagField[]; rest?: "octal" } = {}): FlagTable {
  const bits: [bigint, string][] = [];
  for (const [k, v] of Object.entries(group)) {
    if (opts.skip?.includes(k)) continue;
    const b = BigInt.asUintN(64, BigInt(v));
    if (b !== 0n && (b & (b - 1n)) === 0n) bits.push([b, prefix + k]);
  }
  bits.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  return Object.freeze({ bits, ...(opts.zero ? { zero: opts.zero } : {}), ...(opts.fields ? { fields: opts.fields } : {}), ...(opts.rest ? { rest: opts.rest } : {}) });
}

function enumOf(prefix: string, group: Readonly<Record<string, number | bigint>>, opts: { skip?: string[]; unknown?: "dec" | "hex"; modifiers?: FlagTable } = {}): EnumTable {
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

function openFlags(o: C.OpenFlags): FlagTable {
  return flags("O_", o, {
    skip: ["RDONLY", "WRONLY", "RDWR", "ACCMODE", "NDELAY", "SYNC", "TMPFILE"],
    fields: [field(3, { RDONLY: 0, WRONLY: 1, RDWR: 2 }, "O_")],
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

function commonFlagTables(o: C.OpenFlags): Record<string, FlagTable> {
  return {
    open_flags: openFlags(o),
    at_flags: flags("AT_", C.AT_FLAGS, { skip: ["FDCWD", "EACCESS", "STATX_SYNC_AS_STAT"] }),
    prot: flags("PROT_", C.PROT, { zero: "PROT_NONE" }),
    map_flags: flags("MAP_", C.MAP, {
      skip: ["SHARED", "PRIVATE", "SHARED_VALIDATE", "TYPE"],
      fields: [field(0x0f, { SHARED: 1, PRIVATE: 2, SHARED_VALIDATE: 3 }, "MAP_")],
    }),
    mremap_flags: flags("MREMAP_", C.MREMAP, { zero: "0" }),
    msync_flags: flags("MS_", C.MSYNC),
    mlockall_flags: flags("MCL_", C.MCL),
    clone_flags: flags("CLONE_", C.CLONE, { skip: ["CSIGNAL", "NEWTIME"], fields: [{ mask: 0xffn, values: "signal", last: true }] }),
    sa_flags: flags("SA_", C.SA, { zero: "0" }),
    ss_flags: flags("SS_", C.SS, { zero: "0" }),
    seccomp_filter_flags: flags("SECCOMP_FILTER_FLAG_", Object.fromEntries(Object.entries(C.SECCOMP).filter(([k]) => k.startsWith("FILTER_FLAG_")).map(([k, v]) => [k.slice(12), v]))),
    access_mode: flags("", { R_OK: 4, W_OK: 2, X_OK: 1 }, { zero: "F_OK" }),
    wait_options: flags("", C.WAIT, { skip: ["WSTOPPED"], zero: "0" }),
    grnd_flags: flags("GRND_", C.GRND, { zero: "0" }),
    rseq_flags: flags("RSEQ_", { FLAG_UNREGISTER: 1 }, { zero: "0" }),
    close_range_flags: flags("CLOSE_RANGE_", C.CLOSE_RANGE, { zero: "0" }),
    memfd_flags: flags("MFD_", C.MFD, { zero: "0" }),
    rename_flags: flags("RENAME_", C.RENAME, { zero: "0" }),
    flock_op: flags("LOCK_", C.LOCK),
    statx_mask: flags("STATX_", C.STATX, { skip: ["BASIC_STATS"], zero: "0" }),
    timer_flags: flags("", { TIMER_ABSTIME: 1 }, { zero: "0" }),
    personality: flags("", C.PERSONALITY_FLAGS, { fields: [field(0xff, { LINUX: 0, BSD: 6 }, "PER_")] }),
    falloc_flags: flags("FALLOC_FL_", { KEEP_SIZE: 1, PUNCH_HOLE: 2, NO_HIDE_STALE: 4, COLLAPSE_RANGE: 8, ZERO_RANGE: 0x10, INSERT_RANGE: 0x20, UNSHARE_RANGE: 0x40 }, { zero: "0" }),
    splice_flags: flags("SPLICE_F_", { MOVE: 1, NONBLOCK: 2, MORE: 4, GIFT: 8 }, { zero: "0" }),
    rwf: flags("RWF_", { HIPRI: 1, DSYNC: 2, SYNC: 4, NOWAIT: 8, APPEND: 0x10, NOAPPEND: 0x20, ATOMIC: 0x40, DONTCACHE: 0x80 }, { zero: "0" }),
    socket_type: flags("SOCK_", { NONBLOCK: o.NONBLOCK, CLOEXEC: o.CLOEXEC }, {
      fields: [field(0xf, { STREAM: 1, DGRAM: 2, RAW: 3, RDM: 4, SEQPACKET: 5, DCCP: 6, PACKET: 10 }, "SOCK_")],
    }),
    // strace prints st_mode as the file type then the permission bits in octal: S_IFREG|0644.
    st_mode: flags("S_", {}, {
      rest: "octal",
      fields: [field(0o170000, { IFSOCK: 0o140000, IFLNK: 0o120000, IFREG: 0o100000, IFBLK: 0o60000, IFDIR: 0o40000, IFCHR: 0o20000, IFIFO: 0o10000 }, "S_")],
    }),
  };
}

function commonEnumTables(): Record<string, EnumTable> {
  const prctlOptions = Object.fromEntries(Object.entries(C.PR).filter(([k]) => !k.startsWith("SYS_DISPATCH")));
  return {
    futex_op: futexOp(),
    prctl_option: enumOf("PR_", prctlOptions),
    arch_prctl_code: enumOf("ARCH_", C.ARCH_PRCTL, { unknown: "hex" }),
    clockid: enumOf("CLOCK_", C.CLOCK),
    whence: enumOf("SEEK_", C.SEEK),
    seccomp_op: enumOf("SECCOMP_", { SET_MODE_STRICT: 0, SET_MODE_FILTER: 1, GET_ACTION_AVAIL: 2, GET_NOTIF_SIZES: 3 }),
    seccomp_ret: enumOf("SECCOMP_", Object.fromEntries(Object.entries(C.SECCOMP).filter(([k]) => k.startsWith("RET_") && k !== "RET_KILL" && !k.startsWith("RET_ACTION") && k !== "RET_DATA")), { unknown: "hex" }),
    madvise: enumOf("MADV_", C.MADV),
    sigprocmask_how: enumOf("SIG_", C.SIG_HOW),
    fcntl_cmd: enumOf("F_", C.F, { skip: ["RDLCK", "WRLCK", "UNLCK"] }),
    ioctl_cmd: enumOf("", C.IOCTL, { unknown: "hex" }),
    rlimit_resource: enumOf("RLIMIT_", C.RLIMIT, { skip: ["NLIMITS"] }),
    ptrace_request: enumOf("PTRACE_", Object.fromEntries(Object.entries(C.PTRACE).filter(([k]) => !k.startsWith("EVENT_") && !k.startsWith("O_"))), { unknown: "hex" }),
    epoll_ctl_op: enumOf("EPOLL_CTL_", C.EPOLL_CTL),
    idtype: enumOf("P_", C.P),
    itimer_which: enumOf("ITIMER_", C.ITIMER),
    sched_policy: enumOf("SCHED_", C.SCHED),
    prio_which: enumOf("PRIO_", C.PRIO),
    membarrier_cmd: enumOf("MEMBARRIER_CMD_", C.MEMBARRIER_CMD),
    fadvice: enumOf("POSIX_FADV_", { NORMAL: 0, RANDOM: 1, SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4, NOREUSE: 5 }),
    socket_family: enumOf("AF_", { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17 }),
    auxv_tag: enumOf("AT_", C.AT_AUX),
    errno: { values: new Map(Object.entries(ERRNO).map(([k, v]) => [BigInt(v), k])) },
    si_code_sigsys: enumOf("SYS_", C.SYS),
  };
}

/** Flag tables per arch (open_flags and socket_type differ: O_DIRECTORY & co. are arch-specific). */
export const FLAG_TABLES: { readonly [A in Arch]: Readonly<Record<string, FlagTable>> } = Object.freeze({
  x86_64: Object.freeze({ ...commonFlagTables(C.O_X86_64), map_flags: withBit(commonFlagTables(C.O_X86_64).map_flags!, 0x40n, "MAP_32BIT") }),
  arm64: Object.freeze({ ...commonFlagTables(C.O_ARM64), prot: withBit(commonFlagTables(C.O_ARM64).prot!, 0x10n, "PROT_BTI") }),
});
/** Enum tables (identical on both arches; arch_prctl is only meaningful on x86-64). */
export const ENUM_TABLES: Readonly<Record<string, EnumTable>> = Object.freeze(commonEnumTables());

function withBit(t: FlagTable, bit: bigint, name: string): FlagTable {
  return Object.freeze({ ...t, bits: [...t.bits, [bit, name] as const].sort((a, b) => (a[0] < b[0] ? -1 : 1)) });
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** C's "%#03o" (strace's st_mode permissions): 0644 → "0644", 0 → "000". */
const octal = (v: bigint) => (v === 0n ? "0" : `0${v.toString(8)}`).padStart(3, "0");

/**
 * Flag words as unsigned: a bigint is taken as 64 bits; a negative JS number in int32 range is the result of
 * JS bitwise operators on a 32-bit C flag word (`0x100 | 0x80000000`), so it is taken as uint32.
 */
function flagWord(value: number | bigint): bigint {
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
    const name = f.values === "signal" ? (fv === 0n ? undefined : signalName(Number(fv)) ?? hex(fv)) : f.values.get(fv);
    if (name !== undefined) {
      (f.last ? tail : parts).push(name);
      v &= ~f.mask;
    } else if (f.values === "signal") {
      v &= ~f.mask; // exit signal 0: nothing to print
    }
  }
  for (const [bit, name] of table.bits) {
    if (v & bit) {
      parts.push(name);
      v &= ~bit;
    }
  }
  if (v !== 0n || (table.rest === "octal" && parts.length > 0)) parts.push(table.rest === "octal" ? octal(v) : hex(v));
  parts.push(...tail);
  if (parts.length === 0) return table.zero ?? "0";
  return parts.join("|");
}

/** strace-style enum formatting: the name, or the number (decimal, or hex for `unknown: "hex"` tables). */
export function formatEnum(table: EnumTable, value: number | bigint): string {
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
