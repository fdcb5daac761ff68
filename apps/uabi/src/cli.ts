/**
 * `uabi` command dispatch. Every command is ONE ROW of COMMANDS below: its path, summary, options,
 * positionals and a lazily imported handler module under commands/. To add a command (run, demo, bench,
 * vdso build, calibrate...), add a row and a module exporting `run(args, io): Promise<number>`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { appRoot } from "./app-root.js";
import { ParsedArgs, UsageError, parseArgs, usageLine, type OptionSpec, type PositionalSpec } from "./args.js";
import { CORES, DEFAULT_MODE, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, type Choice } from "./choices.js";

export { UsageError, ParsedArgs };

/** Output sinks; process.stdout/stderr fit, and tests pass collectors. */
export interface Writer {
  /** Text from uabi itself; bytes from a guest (`uabi run`). */
  write(data: string | Uint8Array): unknown;
}
export interface Io {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Guest stdin for `uabi run` (default: the host's fd 0, read when the guest reads). */
  readonly stdin?: Uint8Array | (() => Uint8Array | null);
}

export type Handler = (args: ParsedArgs, io: Io) => Promise<number>;

export interface CommandSpec {
  /** Words after `uabi`, e.g. ["vdso", "inspect"]. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  readonly positionals: readonly PositionalSpec[];
  /** Extra help text (constraints between options, examples). */
  readonly details?: string;
  /** Options end at the first positional (the rest is another program's command line). */
  readonly optionsFirst?: boolean;
  /** Loaded only when the command runs, so `uabi --help` stays fast. */
  readonly handler: () => Promise<{ run: Handler }>;
}

const choices = (t: readonly Choice[]): string => t.map((c) => c.name).join("|");

/** `--core`, shared by every command that makes a machine. */
const CORE_OPTION: OptionSpec = {
  name: "core", type: "string", valueName: choices(CORES),
  summary: "CPU core tier: jit translates hot guest code (default), interp only interprets (the reference); every counter is the same",
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ["demo"],
    summary: "the tour: one program per ISA through every mechanism, one comparison table, what broke",
    options: [
      { name: "arch", type: "string", valueName: "arm64|x86_64|all", summary: "which ISAs (default all)" },
      { name: "json", type: "boolean", summary: "print the whole report as JSON" },
      { name: "profile", type: "string", valueName: "file", summary: "cost profile JSON for modelled times (default: the kernel's, from its committed calibrate run)" },
      CORE_OPTION,
    ],
    positionals: [],
    handler: () => import("./commands/demo.js"),
  },
  {
    path: ["run"],
    summary: "run a static Linux binary (arm64 or x86-64, from e_machine) on the simulated machine",
    options: [
      { name: "mode", type: "string", valueName: "mechanism", summary: `syscall mechanism: ${choices(MECHANISMS)} (default ${DEFAULT_MODE})` },
      { name: "frame", type: "string", valueName: "where", summary: `bounce frame: ${choices(FRAMES)} (default stack)` },
      { name: "libkernel", type: "string", valueName: "variant", summary: `libkernel: ${choices(LIBKERNELS)} (default vdso)` },
      { name: "personality", type: "string", valueName: "abi", summary: `ABI personality: ${choices(PERSONALITIES)} (default linux)` },
      CORE_OPTION,
      { name: "pin", type: "boolean", summary: "pin the vDSO's syscall sites: a syscall from libkernel's text at a site not declared for it kills the task with SIGSYS" },
      { name: "trace", type: "boolean", summary: "strace-format lines on stderr, each marked with its path ([direct], [bounce→user], ...)" },
      { name: "output", short: "o", type: "string", valueName: "file", summary: "strace -o: trace lines (or the -c table) to a file instead of stderr" },
      { name: "expr", short: "e", type: "string", valueName: "trace=SET", summary: "strace -e: trace only SET (names, %file %desc %process %network %signal %memory %ipc %creds %clock, /regex, !negation)" },
      { name: "summary-only", short: "c", type: "boolean", summary: "strace -c: a table per syscall (calls, errors, modelled seconds, kernel entries, paths) instead of lines" },
      { name: "summary", short: "C", type: "boolean", summary: "strace -C: the lines and the -c table" },
      { name: "syscall-times", short: "T", type: "boolean", summary: "strace -T: each call's modelled cost, <seconds> (deterministic)" },
      { name: "absolute-timestamps", short: "t", type: "boolean", repeat: true, summary: "strace -t/-tt/-ttt: virtual clock before each line (UTC)" },
      { name: "follow-forks", short: "f", type: "boolean", summary: "strace -f: accepted; children are always traced (with [pid N] prefixes)" },
      { name: "stats", type: "boolean", summary: "counters (syscall entries, kernel entries, ...) and modelled cost on stderr at exit" },
      { name: "json", type: "boolean", summary: "with --stats: one JSON line on stdout (after the guest's output) instead of the table on stderr" },
      { name: "stats-file", type: "string", valueName: "file", summary: "with --stats: write the table or the JSON to this file instead" },
      { name: "profile", type: "string", valueName: "file", summary: "with --stats: cost profile JSON (e.g. from uabi calibrate --out)" },
      { name: "root", type: "string", valueName: "dir", summary: "host directory mounted read-only as / (writes go to memory)" },
      { name: "sysroot", type: "string", valueName: "dir", summary: "where PT_INTERP and the libraries are found (qemu -L): laid over --root, the guest sees normal paths (env UABI_SYSROOT)" },
      { name: "env", type: "string", valueName: "NAME=VALUE", repeat: true, summary: "guest environment variable (repeatable; nothing is inherited)" },
      { name: "cwd", type: "string", valueName: "dir", summary: "guest working directory (default /)" },
      { name: "max-insns", type: "number", valueName: "n", summary: "instruction budget over all threads (default 2e10)" },
      { name: "mem-limit", type: "string", valueName: "size", summary: "mapped bytes per process, e.g. 256M (default 1G)" },
      { name: "mem-budget", type: "string", valueName: "size", summary: "mapped bytes over all processes together; fork and mmap beyond it fail with ENOMEM (default 4G, at least --mem-limit)" },
      { name: "max-tasks", type: "number", valueName: "n", summary: "threads and unreaped processes at once, like RLIMIT_NPROC; fork/clone beyond it fail with EAGAIN (default 512)" },
      { name: "tmpfs-size", type: "string", valueName: "size", summary: "size of the in-memory filesystem (/tmp, /dev/shm, the overlay), counted in written 4 KiB pages as tmpfs does (holes are free); ENOSPC beyond it (default 1G)" },
      { name: "uid", type: "number", valueName: "n", summary: "the guest's uid: real, effective and saved (default 0, with /etc/passwd naming root)" },
      { name: "gid", type: "number", valueName: "n", summary: "the guest's gid (default 0)" },
    ],
    positionals: [{ name: "elf" }, { name: "args", rest: true }],
    optionsFirst: true,
    details: [
      "Exit status: the guest's, or 128+n when signal n killed it; 126 when the file cannot run (not ELF,",
      "32-bit, truncated: one line says why); 127 when it or its interpreter does not exist; 2 for usage errors.",
      "Dynamically linked programs: the interpreter (PT_INTERP) and the libraries are looked up in --sysroot",
      "first, then in --root. Without --sysroot: $UABI_SYSROOT; else, for a program with PT_INTERP only,",
      "/usr/aarch64-linux-gnu for arm64 (Debian's libc6-arm64-cross) when it exists, and / for x86-64 on an x86-64 host.",
      "Put uabi's options before <elf>; everything after <elf> goes to the guest (or use --).",
    ].join("\n"),
    handler: () => import("./commands/run.js"),
  },
  {
    path: ["study"],
    summary: "what breaks and what it costs: workloads under every mechanism (and pinning) on both ISAs, compared with direct",
    options: [
      { name: "workloads", type: "string", valueName: "spec", summary: "default | all | comma-separated id substrings (study:, corpus:x86_64-musl, busybox:…)" },
      { name: "arch", type: "string", valueName: "arm64|x86_64|all", summary: "which ISAs (default all)" },
      { name: "configs", type: "string", valueName: "list", summary: "configuration ids to run besides direct (default all)" },
      { name: "json", type: "boolean", summary: "print the whole report as JSON (with schemaVersion)" },
      { name: "profile", type: "string", valueName: "file", summary: "cost profile JSON for modelled times" },
      { name: "max-insns", type: "number", valueName: "n", summary: "instruction budget per run (default 3e8)" },
      { name: "host", type: "boolean", summary: "also run the x86-64 workloads natively (SUD, seccomp, ptrace; x86-64 Linux + cc): predicted vs measured" },
      { name: "rounds", type: "number", valueName: "n", summary: "--host: interleaved native runs per workload and mechanism (default 7)" },
      { name: "cc", type: "string", valueName: "compiler", summary: "--host: C compiler for scripts/study/reflector.c (default cc)" },
      CORE_OPTION,
    ],
    positionals: [],
    details: "Exit 1 when a difference is not explained by the catalogue. Progress goes to stderr.",
    handler: () => import("./commands/study.js"),
  },
  {
    path: ["bench"],
    summary: "guest MIPS vs qemu/native, simulated syscalls per second per mechanism, uabi run start-up",
    options: [
      { name: "json", type: "boolean", summary: "print the report as JSON" },
      { name: "svg", type: "string", valueName: "file", summary: "also draw the mechanism-cost bar chart" },
      { name: "quick", type: "boolean", summary: "partial runs only, no qemu/native comparison (seconds)" },
      CORE_OPTION,
    ],
    positionals: [],
    details: "Progress goes to stderr; the report ends with its own duration. The full bench takes about 15 s on an idle\n2-CPU host and up to 2 minutes on a loaded one (113 s measured 2026-12-01 with six jobs sharing 2 CPUs); --quick about 10 s.",
    handler: () => import("./commands/bench.js"),
  },
  {
    path: ["vdso", "inspect"],
    summary: "show a vDSO's soname, version definitions and symbols (like readelf --dyn-syms -V)",
    options: [
      { name: "self", type: "boolean", summary: "inspect this process's own [vdso] (from /proc/self/mem)" },
      { name: "json", type: "boolean", summary: "print JSON for scripts" },
      { name: "check", type: "boolean", summary: "resolve every versioned function as parse_vdso and musl do, and the C library's functions as glibc's loader does (hash, bloom, vd_hash, version); exit 1 on a miss" },
      { name: "disasm", type: "boolean", summary: "disassemble every function (uabi's own arm64/x86-64 disassemblers, objdump syntax)" },
    ],
    positionals: [{ name: "file", optional: true }],
    details: "Give either <file> (an ELF shared object) or --self.",
    handler: () => import("./commands/vdso-inspect.js"),
  },
  {
    path: ["vdso", "build"],
    summary: "write the generated vDSO (or the standalone libkernel.so.1) for one ISA",
    options: [
      { name: "arch", type: "string", valueName: "arm64|x86_64", summary: "target ISA (required)" },
      { name: "variant", type: "string", valueName: "vdso|library", summary: "linux-vdso.so.1 (default) or libkernel.so.1" },
      { name: "personality", type: "string", valueName: "abi", summary: `ABI personality compiled into libkernel: ${choices(PERSONALITIES)}` },
      { name: "out", short: "o", type: "string", valueName: "file", summary: "output file (required)" },
    ],
    positionals: [],
    handler: () => import("./commands/vdso-build.js"),
  },
  { path: ["syscalls"], summary: "the syscalls the kernel implements per ISA, with notes on partial support (others answer ENOSYS)", options: [{ name: "arch", type: "string", valueName: "arm64|x86_64", summary: "one ISA (default both)" }, { name: "json", type: "boolean", summary: "print the table as JSON" }], positionals: [], handler: () => import("./commands/syscalls.js") },
  {
    path: ["calibrate"],
    summary: "measure the cost primitives on this host; print predicted vs measured composites",
    options: [
      { name: "json", type: "boolean", summary: "print the report as JSON" },
      { name: "out", type: "string", valueName: "profile.json", summary: "write the measured cost profile here" },
      { name: "iterations", type: "number", valueName: "n", summary: "iterations per timed loop (default 200000)" },
      { name: "cc", type: "string", valueName: "compiler", summary: "C compiler for the calibration program (default cc)" },
    ],
    positionals: [],
    details: "Needs Linux on x86_64 and a C compiler; takes about 15 seconds (15 interleaved rounds). The profile it writes (the path is printed) feeds modelled times.",
    handler: () => import("./commands/calibrate.js"),
  },
];

export const VERSION: string = (JSON.parse(readFileSync(join(appRoot(), "package.json"), "utf8")) as { version: string }).version;

/**
 * The process's stdout or stderr as a Writer whose Node stream is made at its first write. `uabi run` writes the
 * guest's bytes to fd 1 and 2 itself (commands/run.ts), so a run that prints nothing of its own never makes the
 * streams: making them loads tty/net and the stream machinery, ~2-4 ms of a start.
 */
export class HostOutput implements Writer {
  #stream: NodeJS.WriteStream | undefined;
  /** Called once with the stream when it is made (src/start.ts handles EPIPE on stdout). */
  onOpen: ((stream: NodeJS.WriteStream) => void) | undefined;
  constructor(readonly fd: 1 | 2) {}
  write(data: string | Uint8Array): boolean {
    return this.stream().write(data);
  }
  stream(): NodeJS.WriteStream {
    if (this.#stream === undefined) {
      this.#stream = this.fd === 1 ? process.stdout : process.stderr;
      this.onOpen?.(this.#stream);
    }
    return this.#stream;
  }
  /** Bytes written but not yet handed to the system (a full pipe); 0 when the stream was never made. */
  get pending(): number {
    return this.#stream?.writableLength ?? 0;
  }
}

/** The CLI's own output when `main` is given no Io: the process's fd 1 and 2. */
export const hostIo = { stdout: new HostOutput(1), stderr: new HostOutput(2) } as const satisfies Io;

function commandHelp(c: CommandSpec): string {
  const lines = [`usage: uabi ${c.path.join(" ")} ${usageLine(c.options, c.positionals)}`.trimEnd(), "", c.summary];
  if (c.details) lines.push("", c.details);
  lines.push("", "options:");
  const all = [...c.options, { name: "help", short: "h", type: "boolean", summary: "show this help" } as const];
  const flag = (o: OptionSpec): string => `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.type === "boolean" ? "" : ` <${o.valueName ?? o.type}>`}`;
  const width = Math.max(24, ...all.map((o) => flag(o).length));
  for (const o of all) lines.push(`  ${flag(o).padEnd(width)} ${o.summary}`);
  return `${lines.join("\n")}\n`;
}

function generalHelp(prefix: readonly string[] = []): string {
  const rows = COMMANDS.filter((c) => prefix.every((w, i) => c.path[i] === w));
  const width = Math.max(...rows.map((c) => c.path.join(" ").length));
  return [
    `usage: uabi ${prefix.length ? `${prefix.join(" ")} ` : ""}<command> [options]`,
    "",
    "commands:",
    ...rows.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Run 'uabi <command> --help' for a command's options. 'uabi --version' prints the version.",
    "",
  ].join("\n");
}

/** Longest command path that prefixes argv. */
function findCommand(argv: readonly string[]): CommandSpec | undefined {
  let best: CommandSpec | undefined;
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

/** Run the CLI; returns the exit status (0 ok, 1 failure, 2 usage error). Never throws. */
export async function main(argv: readonly string[], io: Io = hostIo): Promise<number> {
  try {
    const first = argv[0];
    if (first === "--version" || first === "-V") {
      io.stdout.write(`uabi ${VERSION}\n`);
      return 0;
    }
    if (first === "--help" || first === "-h" || first === "help") {
      io.stdout.write(generalHelp());
      return 0;
    }
    if (first === undefined) throw new UsageError("missing command (try 'uabi --help')");
    const cmd = findCommand(argv);
    if (!cmd) {
      // A group word alone (`uabi vdso`) or followed by an unknown word.
      const words = argv.filter((a) => !a.startsWith("-"));
      const group = COMMANDS.filter((c) => c.path[0] === first);
      if (group.length > 0) {
        if (argv.includes("--help") || argv.includes("-h")) {
          io.stdout.write(generalHelp([first]));
          return 0;
        }
        const subs = group.map((c) => c.path.slice(1).join(" ")).join(", ");
        throw new UsageError(words[1] ? `unknown command '${first} ${words[1]}' (one of: ${subs})` : `'${first}' needs a subcommand (one of: ${subs})`);
      }
      throw new UsageError(`unknown command '${first}' (try 'uabi --help')`);
    }
    const args = parseArgs(argv.slice(cmd.path.length), cmd.options, cmd.positionals, { optionsFirst: cmd.optionsFirst ?? false });
    if (args.bool("help")) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    const { run } = await cmd.handler();
    return await run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`uabi: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`uabi: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
