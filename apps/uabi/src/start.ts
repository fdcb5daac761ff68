/** The CLI's process entry, shared by src/main.ts (tsc's dist/main.js, tsx) and the bundle the bin runs (scripts/bundle.mjs). */
import { main } from "./cli.js";

export async function start(argv: readonly string[]): Promise<void> {
  // `uabi ... | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await main(argv);
}
