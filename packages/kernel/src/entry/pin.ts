/**
 * Pinned syscall sites (OpenBSD's pinsyscalls(2), Zircon's vDSO-only syscalls): with pinning on, a syscall
 * from inside the libkernel text must come from a site the image declares for that number, or from a
 * pass-through re-issue site while a reflection is live. Anything else is a jump into the vDSO's syscall
 * instruction and the task is killed with SIGSYS (OpenBSD sends SIGABRT from its pin check; SIGSYS is what
 * Linux gives for a disallowed call, and what the rest of uabi's mechanisms use).
 */
import { SIGSYS } from "../signal.js";
import type { LibkernelImage, ThreadMech } from "../mechanisms/state.js";
import { CONTINUE, type EntryStage } from "./types.js";

const SITES = new WeakMap<LibkernelImage, Map<number, number | "any">>();

/** Is a syscall with number `nr` at post-instruction offset `off` one the image's text really issues there? */
function sitePermits(img: LibkernelImage, off: number, nr: number, s: ThreadMech): boolean {
  let m = SITES.get(img);
  if (!m) {
    m = new Map((img.syscallSites ?? []).map((x) => [x.pc, x.nr] as const));
    SITES.set(img, m);
  }
  const want = m.get(off);
  if (want === undefined) return false;
  if (want === "any") return s.open.length > 0 || s.frames.length > 0;
  return want === nr;
}

export const pinStage: EntryStage = {
  name: "pin",
  inert: (config) => !config.pinSyscalls,
  run(call, s) {
    if (!s.config.pinSyscalls || !call.fromText || !call.lib) return CONTINUE;
    if (sitePermits(call.lib.img, call.post - call.lib.base, call.ev.nr, call.mech)) return CONTINUE;
    call.ev.mark = "unpinned";
    return { kind: "kill", signal: SIGSYS };
  },
};
