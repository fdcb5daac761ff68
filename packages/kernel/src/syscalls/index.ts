/** Every handler by syscall name; the per-ISA tables pick them up by uapi's names. */
import type { Handler } from "../syscall.js";
import { CRED_HANDLERS } from "./cred.js";
import { FS_HANDLERS } from "./fs.js";
import { FSMETA_HANDLERS } from "./fsmeta.js";
import { IPC_HANDLERS } from "./ipc.js";
import { MM_HANDLERS } from "./mm.js";
import { POLL_HANDLERS } from "./poll.js";
import { PROC_HANDLERS } from "./proc.js";
import { SOCKET_HANDLERS } from "./socket.js";
import { SIGNAL_HANDLERS } from "./signal.js";
import { TIMER_HANDLERS } from "./timer.js";

export const HANDLERS: Readonly<Record<string, Handler>> = Object.freeze({
  ...FS_HANDLERS,
  ...CRED_HANDLERS,
  ...FSMETA_HANDLERS,
  ...IPC_HANDLERS,
  ...MM_HANDLERS,
  ...POLL_HANDLERS,
  ...PROC_HANDLERS,
  ...SOCKET_HANDLERS,
  ...SIGNAL_HANDLERS,
  ...TIMER_HANDLERS,
});
