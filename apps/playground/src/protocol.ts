/** Messages between the page and the simulator's worker. */
import type { Tour, RunOutcome, VdsoView } from "./engine.js";
import type { Arch, MachineConfig } from "@uabi/cli/core";

export type Request =
  | { readonly type: "tour" }
  | {
      readonly type: "run";
      /** A dropped file's bytes, or a built-in program's id and ISA. */
      readonly program: { readonly file: Uint8Array; readonly name: string } | { readonly builtin: string; readonly arch: Arch };
      readonly config: MachineConfig;
      readonly args: readonly string[];
      readonly stdin: string;
    }
  | { readonly type: "vdso"; readonly arch: Arch; readonly variant: "vdso" | "library"; readonly personality: "linux" | "fakeroot" };

export type Reply =
  | { readonly type: "ready"; readonly choices: Choices }
  | { readonly type: "tour"; readonly tour: Tour; readonly ms: number }
  | { readonly type: "out"; readonly fd: 1 | 2; readonly bytes: Uint8Array }
  | { readonly type: "trace"; readonly lines: string[] }
  | { readonly type: "exit"; readonly outcome: RunOutcome; readonly ms: number }
  | { readonly type: "vdso"; readonly view: VdsoView }
  | { readonly type: "error"; readonly message: string };

/** The worker's vocabulary, so the page itself loads none of the simulator. */
export interface Choices {
  readonly mechanisms: readonly { name: string; summary: string }[];
  readonly frames: readonly { name: string; summary: string }[];
  readonly personalities: readonly { name: string; summary: string }[];
  readonly builtins: readonly { id: string; title: string }[];
  readonly defaultMode: string;
}
