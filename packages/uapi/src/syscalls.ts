import { type Arch, UapiError, checkArch } from "./arch.js";
import { ARM64_NUMBERS, X86_64_NUMBERS } from "./generated/syscall-numbers.js";
import { ARITY, SIGNATURES } from "./signatures.js";

/**
 * How a tracer should print one syscall argument (strace conventions):
 * - int/uint/long/ulong decimal; hex `0x…`; ptr `0x…` or NULL; size/off decimal; mode octal `0644`
 * - fd / dirfd (AT_FDCWD) / pid / uid / gid decimal with the special values named
 * - path / string: C string read from guest memory; buf: `len` names the argument holding its length
 * - flags / enum: `table` names an entry of FLAG_TABLES / ENUM_TABLES
 * - struct: `struct` names a LAYOUTS entry; sigset: a kernel sigset_t pointer; iovec: array, length in `len`
 * - strarray: NULL-terminated array of C strings (argv, envp)
 * `out` marks memory the kernel writes: strace prints it on the syscall's exit, not its entry.
 */
export type ArgKind =
  | "int" | "uint" | "long" | "ulong" | "hex" | "ptr" | "size" | "off" | "mode"
  | "fd" | "dirfd" | "pid" | "uid" | "gid" | "signal"
  | "path" | "string" | "buf" | "iovec" | "strarray"
  | "flags" | "enum" | "struct" | "sigset";

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** FLAG_TABLES / ENUM_TABLES key, for kind "flags" | "enum". */
  readonly table?: string;
  /** LAYOUTS key, for kind "struct". */
  readonly struct?: string;
  /** Index of the argument that holds the length/count, for "buf" | "string" | "iovec". */
  readonly len?: number;
  /** Written by the kernel: print on exit. */
  readonly out?: boolean;
  /** Passed in a register but not printed by strace (the high half of preadv's split 64-bit offset). */
  readonly hidden?: boolean;
}

/** How to print the return value: errno on -1..-4095 always; otherwise as this kind ("mode": octal, umask). "none": never returns. */
export type RetKind = "int" | "uint" | "mode" | "hex" | "fd" | "pid" | "size" | "off" | "uid" | "gid" | "none";

export interface SyscallInfo {
  readonly nr: number;
  readonly name: string;
  readonly args: readonly ArgSpec[];
  readonly ret: RetKind;
  /** true when args come from a hand-written signature, false when they are generic (hex) by arity. */
  readonly detailed: boolean;
  /** The number is reserved but the kernel returns -ENOSYS (sys_ni_syscall / no entry point). */
  readonly ni: boolean;
}

// Rows with no entry point or sys_ni_syscall on current kernels (syscall_64.tbl, scripts/syscall.tbl):
// always -ENOSYS.
const NI: Readonly<Record<Arch, ReadonlySet<string>>> = {
  x86_64: new Set([
    "uselib", "_sysctl", "create_module", "get_kernel_syms", "query_module", "nfsservctl", "getpmsg", "putpmsg",
    "afs_syscall", "tuxcall", "security", "set_thread_area", "get_thread_area", "epoll_ctl_old", "epoll_wait_old",
    "vserver", "lookup_dcookie",
  ]),
  // arm64: nfsservctl is sys_ni_syscall in asm-generic/unistd.h (and absent from scripts/syscall.tbl since 6.11).
  arm64: new Set(["lookup_dcookie", "nfsservctl"]),
};

const KIND_TOKENS: ReadonlySet<string> = new Set<ArgKind>([
  "int", "uint", "long", "ulong", "hex", "ptr", "size", "off", "mode", "fd", "dirfd", "pid", "uid", "gid",
  "signal", "path", "string", "buf", "iovec", "strarray", "sigset",
]);

/**
 * Parses the signature mini-language of signatures.ts, one argument per comma:
 *   `[>]kind[/lenIndex] name`, `[>]flags:table name`, `enum:table name`, `[>]*struct name`.
 * `>` marks an output argument, `~` one strace does not print.
 */
export function parseArgs(sig: string): ArgSpec[] {
  if (sig.trim() === "") return [];
  return sig.split(",").map((part) => {
    const m = /^\s*([>~]?)(\S+)\s+(\w+)\s*$/.exec(part);
    if (!m) throw new UapiError(`bad signature argument ${JSON.stringify(part)} in ${JSON.stringify(sig)}`);
    const [, mark, type, name] = m as unknown as [string, string, string, string];
    // Properties set in place, in the order the spec lists them (no object spreads: the guest's table is built
    // at its first process, and this was most of that).
    let a: { -readonly [K in keyof ArgSpec]: ArgSpec[K] };
    if (type.charCodeAt(0) === 42 /* * */) a = { name, kind: "struct", struct: type.slice(1) };
    else {
      const colon = type.indexOf(":");
      if (colon > 0 && /^(flags|enum):\w+$/.test(type)) a = { name, kind: type.slice(0, colon) as "flags" | "enum", table: type.slice(colon + 1) };
      else {
        const slash = /^(\w+)(?:\/(\d))?$/.exec(type);
        if (!slash || !KIND_TOKENS.has(slash[1]!)) throw new UapiError(`unknown argument kind ${JSON.stringify(type)}`);
        a = { name, kind: slash[1] as ArgKind };
        if (slash[2] !== undefined) a.len = Number(slash[2]);
      }
    }
    if (mark === ">") a.out = true;
    else if (mark === "~") a.hidden = true;
    return a;
  });
}

function genericArgs(n: number): ArgSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `arg${i}`, kind: "hex" as const }));
}

/**
 * One row; its `args` are parsed from the signature (or made from the arity) when first read. The kernel builds
 * the guest ISA's whole table at its first process, and a run that traces nothing reads no row's arguments:
 * parsing ~350 signatures was most of that (2-6 ms of a `uabi run hello`).
 */
function info(nr: number, name: string, sig: string | number, ret: RetKind, detailed: boolean, ni: boolean): SyscallInfo {
  let args: readonly ArgSpec[] | undefined;
  return Object.freeze({
    nr,
    name,
    get args(): readonly ArgSpec[] {
      return (args ??= Object.freeze(typeof sig === "string" ? parseArgs(sig) : genericArgs(sig)));
    },
    ret,
    detailed,
    ni,
  });
}

function build(arch: Arch, numbers: readonly (readonly [number, string])[]): readonly SyscallInfo[] {
  const rows: SyscallInfo[] = [];
  for (let i = 0; i < numbers.length; i++) {
    const [nr, name] = numbers[i]!;
    const sig = SIGNATURES[`${name}@${arch}`] ?? SIGNATURES[name];
    const ni = NI[arch].has(name);
    if (sig) rows.push(info(nr, name, sig[1], sig[0], true, ni));
    else {
      const arity = ARITY[name];
      if (arity === undefined) throw new UapiError(`no arity for syscall ${name}`);
      rows.push(info(nr, name, arity, "int", false, ni));
    }
  }
  return Object.freeze(rows);
}

interface Table {
  readonly list: readonly SyscallInfo[];
  readonly byName: ReadonlyMap<string, SyscallInfo>;
  readonly byNr: readonly (SyscallInfo | undefined)[];
}
const TABLES = new Map<Arch, Table>();

function table(arch: Arch): Table {
  let t = TABLES.get(arch);
  if (!t) {
    const list = build(arch, arch === "x86_64" ? X86_64_NUMBERS : ARM64_NUMBERS);
    const byNr: (SyscallInfo | undefined)[] = [];
    for (const s of list) byNr[s.nr] = s;
    t = { list, byName: new Map(list.map((s) => [s.name, s])), byNr };
    TABLES.set(arch, t);
  }
  return t;
}

/** Every syscall of the arch's 64-bit native ABI, sorted by number. */
export function syscalls(arch: Arch): readonly SyscallInfo[] {
  return table(checkArch(arch)).list;
}

/** Look up by name (e.g. "openat", "newfstatat"); undefined if the arch has no such syscall. */
export function syscallByName(arch: Arch, name: string): SyscallInfo | undefined {
  return table(checkArch(arch)).byName.get(name);
}

/** Look up by number; undefined for holes and out-of-range numbers. */
export function syscallByNr(arch: Arch, nr: number): SyscallInfo | undefined {
  return table(checkArch(arch)).byNr[nr];
}

// Name to number alone, from the generated list: modules that only need numbers (the kernel's seccomp and
// mechanism tables, at load) then build no SyscallInfo and parse no signature, for either arch.
const NUMBERS = new Map<Arch, ReadonlyMap<string, number>>();

/** Number of a syscall that must exist (throws UapiError otherwise): handy for kernel tables. */
export function syscallNr(arch: Arch, name: string): number {
  let byName = NUMBERS.get(checkArch(arch));
  if (!byName) {
    byName = new Map((arch === "x86_64" ? X86_64_NUMBERS : ARM64_NUMBERS).map(([nr, n]) => [n, nr]));
    NUMBERS.set(arch, byName);
  }
  const nr = byName.get(name);
  if (nr === undefined) throw new UapiError(`${arch} has no syscall ${JSON.stringify(name)}`);
  return nr;
}
