/**
 * The simulator's thread: every guest runs here, so the page stays responsive and Stop can end a runaway
 * guest by terminating this worker. Nothing here touches Node or the DOM.
 */
import { DEFAULT_MODE, FRAMES, MECHANISMS, PERSONALITIES } from "@uabi/cli/core";
import { BUILTINS, builtin } from "./builtins.js";
import { runElf, tour, vdsoView } from "./engine.js";
import type { Reply, Request } from "./protocol.js";

const post = (m: Reply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

/** Trace lines go out in batches: one message per line would flood the page on a long run. */
let traceBatch: string[] = [];
let lastFlush = 0;
function flushTrace(force = false): void {
  const now = performance.now();
  if (traceBatch.length && (force || traceBatch.length >= 200 || now - lastFlush > 50)) {
    post({ type: "trace", lines: traceBatch });
    traceBatch = [];
    lastFlush = now;
  }
}

function handle(req: Request): void {
  const t0 = performance.now();
  switch (req.type) {
    case "tour":
      post({ type: "tour", tour: tour(), ms: Math.round(performance.now() - t0) });
      return;
    case "vdso": {
      const view = vdsoView(req.arch, req.variant, req.personality);
      post({ type: "vdso", view });
      return;
    }
    case "run": {
      const p = req.program;
      const elf = "file" in p ? p.file : builtin(p.builtin, p.arch);
      const name = "file" in p ? p.name : p.builtin;
      const outcome = runElf({ elf, name, args: req.args, env: [], stdin: new TextEncoder().encode(req.stdin), config: req.config }, {
        stdout: (b) => post({ type: "out", fd: 1, bytes: b.slice() }),
        stderr: (b) => post({ type: "out", fd: 2, bytes: b.slice() }),
        trace: (l) => {
          traceBatch.push(l);
          flushTrace();
        },
      });
      flushTrace(true);
      post({ type: "exit", outcome, ms: Math.round(performance.now() - t0) });
      return;
    }
  }
}

self.onmessage = (e: MessageEvent<Request>) => {
  try {
    handle(e.data);
  } catch (err) {
    flushTrace(true);
    post({ type: "error", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
post({
  type: "ready",
  choices: {
    mechanisms: [...MECHANISMS], frames: [...FRAMES], personalities: [...PERSONALITIES], defaultMode: DEFAULT_MODE,
    builtins: BUILTINS.map((b) => ({ id: b.id, title: b.title })),
  },
});
