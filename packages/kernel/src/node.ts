/**
 * `@uabi/kernel/node`: the parts of the kernel that need Node.js — a host directory as the read-only root
 * filesystem. The main entry point imports nothing from Node, so the kernel also runs in a browser.
 *
 *   import { Kernel } from "@uabi/kernel";
 *   import { NodeHostFs } from "@uabi/kernel/node";
 *   const k = new Kernel({ root: new NodeHostFs("/srv/guest-root") });
 */
export { NodeHostFs } from "./hostfs.js";
