/** Command dispatch for `uabi`. Each command lives in its own module under commands/. */
export const VERSION = "0.1.0";

export async function main(argv: string[]): Promise<number> {
  const [cmd] = argv;
  if (cmd === "--version") {
    process.stdout.write(`uabi ${VERSION}\n`);
    return 0;
  }
  process.stdout.write("usage: uabi <command> [options]\n");
  return cmd === undefined || cmd === "--help" ? 0 : 2;
}
