/** The CLI's process entry, shared by src/main.ts (tsc's dist/main.js, tsx) and the bundle the bin runs (scripts/bundle.mjs). */
import { hostIo, main } from "./cli.js";

/**
 * Runs the command and sets process.exitCode. Resolves to true when nothing of the command is left for Node's
 * event loop to finish (no output waiting in a full pipe, no timer, child or request still active): the bin
 * may then end the process at once, without waiting for V8's background compile jobs and the heap's teardown.
 */
export async function start(argv: readonly string[]): Promise<boolean> {
  // `uabi ... | head` closes the pipe early: that is not an error worth a stack trace.
  hostIo.stdout.onOpen = (s) =>
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  process.exitCode = await main(argv);
  return hostIo.stdout.pending === 0 && hostIo.stderr.pending === 0 && process.getActiveResourcesInfo().every((r) => STDIO_HANDLES.has(r));
}

/** What process.stdout/stderr hold open (a pipe, a terminal); nothing else may be active for an early exit. */
const STDIO_HANDLES = new Set(["PipeWrap", "TTYWrap"]);
