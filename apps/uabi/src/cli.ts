/**
 * `uabi` command dispatch. Every command is ONE ROW of COMMANDS below: its path, summary, options,
 * positionals and a lazily imported handler module under commands/. To add a command (run, demo, bench,
 * vdso build, calibrate...), add a row and a module exporting `run(args, io): Promise<number>`.
 */
import { readFileSync } from "node:fs";
import { ParsedArgs, UsageError, parseArgs, usageLine, type OptionSpec, type PositionalSpec } from "./args.js";

export { UsageError, ParsedArgs };

/** Output sinks; process.stdout/stderr fit, and tests pass collectors. */
export interface Writer {
  write(text: string): unknown;
}
export interface Io {
  readonly stdout: Writer;
  readonly stderr: Writer;
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
  /** Loaded only when the command runs, so `uabi --help` stays fast. */
  readonly handler: () => Promise<{ run: Handler }>;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ["vdso", "inspect"],
    summary: "show a vDSO's soname, version definitions and symbols (like readelf --dyn-syms -V)",
    options: [
      { name: "self", type: "boolean", summary: "inspect this process's own [vdso] (from /proc/self/mem)" },
      { name: "json", type: "boolean", summary: "print JSON for scripts" },
      { name: "check", type: "boolean", summary: "resolve every versioned function as parse_vdso and musl do; exit 1 on a miss" },
    ],
    positionals: [{ name: "file", optional: true }],
    details: "Give either <file> (an ELF shared object) or --self.",
    handler: () => import("./commands/vdso-inspect.js"),
  },
];

export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const nodeIo: Io = { stdout: process.stdout, stderr: process.stderr };

function commandHelp(c: CommandSpec): string {
  const lines = [`usage: uabi ${c.path.join(" ")} ${usageLine(c.options, c.positionals)}`.trimEnd(), "", c.summary];
  if (c.details) lines.push("", c.details);
  lines.push("", "options:");
  for (const o of [...c.options, { name: "help", short: "h", type: "boolean", summary: "show this help" } as const]) {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.type === "boolean" ? "" : ` <${o.valueName ?? o.type}>`}`;
    lines.push(`  ${flag.padEnd(24)} ${o.summary}`);
  }
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
export async function main(argv: readonly string[], io: Io = nodeIo): Promise<number> {
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
    const args = parseArgs(argv.slice(cmd.path.length), cmd.options, cmd.positionals);
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
