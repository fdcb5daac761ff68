/** A small typed argument parser: long/short flags, `--name=value`, booleans, `--` terminator, positionals. */

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type OptionType = "boolean" | "string" | "number";

export interface OptionSpec {
  /** Long name without dashes: "json" → --json. */
  readonly name: string;
  /** One letter: "j" → -j. */
  readonly short?: string;
  readonly type: OptionType;
  readonly summary: string;
  /** Shown in help for valued options: --base <addr>. */
  readonly valueName?: string;
  /** Collect every occurrence into a list (valued options); count them (booleans, read with num()). */
  readonly repeat?: boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly optional?: boolean;
  /** Takes all remaining positionals. */
  readonly rest?: boolean;
}

export type OptionValue = boolean | string | number | string[] | number[];

export class ParsedArgs {
  constructor(
    readonly options: ReadonlyMap<string, OptionValue>,
    readonly positionals: readonly string[],
  ) {}
  bool(name: string): boolean {
    return this.options.get(name) === true;
  }
  str(name: string): string | undefined {
    const v = this.options.get(name);
    return typeof v === "string" ? v : undefined;
  }
  num(name: string): number | undefined {
    const v = this.options.get(name);
    return typeof v === "number" ? v : undefined;
  }
  list(name: string): readonly (string | number)[] {
    const v = this.options.get(name);
    return Array.isArray(v) ? v : v === undefined || typeof v === "boolean" ? [] : [v];
  }
  has(name: string): boolean {
    return this.options.has(name);
  }
}

/** Integers in decimal or 0x-hex (addresses), finite decimals otherwise. */
export function parseNumber(text: string, what: string): number {
  const t = text.trim();
  const n = /^-?0x[0-9a-f]+$/i.test(t) ? (t.startsWith("-") ? -parseInt(t.slice(3), 16) : parseInt(t.slice(2), 16)) : Number(t);
  if (t === "" || !Number.isFinite(n)) throw new UsageError(`${what} expects a number, got '${text}'`);
  return n;
}

/**
 * Parse `argv` against `options` and `positionals`. `--help`/-h is always accepted (as option "help").
 * With `optionsFirst`, options end at the first positional (a command line for another program follows).
 * Throws UsageError on an unknown option, a missing or malformed value, or a wrong positional count.
 */
export function parseArgs(
  argv: readonly string[], options: readonly OptionSpec[], positionals: readonly PositionalSpec[], flags: { optionsFirst?: boolean } = {},
): ParsedArgs {
  const specs = [...options, { name: "help", short: "h", type: "boolean", summary: "show this help" } as const];
  const byLong = new Map(specs.map((o) => [o.name, o]));
  const byShort = new Map(specs.filter((o) => o.short).map((o) => [o.short!, o]));
  const values = new Map<string, OptionValue>();
  const pos: string[] = [];

  const set = (spec: OptionSpec, flag: string, raw: string | undefined): void => {
    if (spec.type === "boolean") {
      if (raw !== undefined) throw new UsageError(`option ${flag} does not take a value`);
      // A repeatable flag counts its occurrences (strace's -tt): the value is then a number.
      const prev = values.get(spec.name);
      values.set(spec.name, spec.repeat ? (typeof prev === "number" ? prev + 1 : 1) : true);
      return;
    }
    if (raw === undefined) throw new UsageError(`option ${flag} needs a value${spec.valueName ? ` <${spec.valueName}>` : ""}`);
    const v = spec.type === "number" ? parseNumber(raw, `option ${flag}`) : raw;
    if (spec.repeat) {
      const prev = values.get(spec.name);
      values.set(spec.name, [...(Array.isArray(prev) ? prev : []), v] as string[] | number[]);
    } else values.set(spec.name, v);
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--" || (flags.optionsFirst && pos.length > 0)) {
      // optionsFirst: after the first positional everything is positional (`uabi run prog --its-own-flag`).
      pos.push(...argv.slice(a === "--" ? i + 1 : i));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
      let raw = eq < 0 ? undefined : a.slice(eq + 1);
      if (raw === undefined && spec.type !== "boolean") {
        if (i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value${spec.valueName ? ` <${spec.valueName}>` : ""}`);
        raw = argv[++i]!;
      }
      set(spec, `--${name}`, raw);
    } else if (a.startsWith("-") && a.length > 1) {
      // -abc: a cluster of booleans; -b value / -bvalue for a valued option.
      for (let k = 1; k < a.length; k++) {
        const spec = byShort.get(a[k]!);
        if (!spec) throw new UsageError(`unknown option -${a[k]}`);
        if (spec.type === "boolean") {
          set(spec, `-${a[k]}`, undefined);
          continue;
        }
        let raw: string | undefined = a.slice(k + 1);
        if (raw === "") raw = i + 1 < argv.length ? argv[++i] : undefined;
        set(spec, `-${a[k]}`, raw);
        break;
      }
    } else {
      pos.push(a);
    }
  }

  if (!values.get("help")) {
    const required = positionals.filter((p) => !p.optional && !p.rest).length;
    const unbounded = positionals.some((p) => p.rest);
    if (pos.length < required) throw new UsageError(`missing <${positionals[pos.length]!.name}>`);
    if (!unbounded && pos.length > positionals.length) throw new UsageError(`unexpected argument '${pos[positionals.length]}'`);
  }
  return new ParsedArgs(values, pos);
}

/** One usage line from the specs: `[--json] [--base <addr>] <file>`. */
export function usageLine(options: readonly OptionSpec[], positionals: readonly PositionalSpec[]): string {
  const opts = options.map((o) => `[--${o.name}${o.type === "boolean" ? "" : ` <${o.valueName ?? o.type}>`}]`);
  const pos = positionals.map((p) => (p.rest ? `[${p.name}...]` : p.optional ? `[${p.name}]` : `<${p.name}>`));
  return [...opts, ...pos].join(" ");
}
