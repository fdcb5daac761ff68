/**
 * The dispatch policy as data: for every syscall of an ISA, whether libkernel implements it in
 * userspace, rewrites it onto a successor, or passes it through to the kernel.
 */
import { type Arch, syscalls } from "@uabi/uapi";
import { type Abi, abiFor } from "./abi.js";
import { type Handler, branchOnFlag, passThrough } from "./ir.js";
import { ABI_PERSONALITY, TASK_PAGE } from "./layout.js";
import * as H from "./handlers.js";

/** Bad input to the policy (an unknown personality). */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

export type Disposition = "userspace" | "rewrite" | "passthrough";
export type Personality = "fakeroot";
export const PERSONALITIES: readonly Personality[] = ["fakeroot"];

interface Row {
  readonly name: string;
  readonly kind: Exclude<Disposition, "passthrough">;
  readonly arches: readonly Arch[];
  /** The successor syscall, for rewrites. */
  readonly successor?: string;
  readonly build: (abi: Abi) => Handler;
}

const BOTH: readonly Arch[] = ["arm64", "x86_64"];
const X86: readonly Arch[] = ["x86_64"];

/**
 * The base policy. Adding a userspace syscall is one row here plus its IR in handlers.ts; the
 * vDSO generator picks it up (export, dispatch table, lowering) with no other change.
 */
export const POLICY_ROWS: readonly Row[] = [
  { name: "personality", kind: "userspace", arches: BOTH, build: H.personality },
  { name: "set_robust_list", kind: "userspace", arches: BOTH, build: H.setRobustList },
  { name: "get_robust_list", kind: "userspace", arches: BOTH, build: H.getRobustList },
  { name: "umask", kind: "userspace", arches: BOTH, build: H.umask },
  { name: "getpid", kind: "userspace", arches: BOTH, build: H.getpid },
  { name: "gettid", kind: "userspace", arches: BOTH, build: H.gettid },
  { name: "uname", kind: "userspace", arches: BOTH, build: H.uname },
  { name: "clock_gettime", kind: "userspace", arches: BOTH, build: H.clockGettime },
  { name: "clock_getres", kind: "userspace", arches: BOTH, build: H.clockGetres },
  { name: "gettimeofday", kind: "userspace", arches: BOTH, build: H.gettimeofday },
  { name: "time", kind: "userspace", arches: X86, successor: "clock_gettime", build: H.time },
  { name: "getcpu", kind: "userspace", arches: X86, build: H.getcpu },
  ...H.REWRITES.map(([name, , successor]): Row => ({
    name, kind: "rewrite", arches: X86, successor, build: (abi) => H.rewriteHandler(abi, name),
  })),
  { name: "dup2", kind: "rewrite", arches: X86, successor: "dup3", build: H.dup2 },
];

export interface PolicyEntry {
  readonly nr: number;
  readonly name: string;
  readonly kind: Disposition;
  readonly successor?: string;
  /** Set for userspace and rewrite entries. */
  readonly handler?: Handler;
  /** The personality that installed this entry, if any. */
  readonly personality?: Personality;
}

export interface DispatchPolicy {
  readonly arch: Arch;
  readonly personalities: readonly Personality[];
  /** Personalities compiled in behind TASK_PAGE.abiPersonality bits. */
  readonly switchable: readonly Personality[];
  /** One entry per syscall of the ISA's table, by ascending number. */
  readonly entries: readonly PolicyEntry[];
  /** Entries with a handler, by number. */
  readonly handled: ReadonlyMap<number, PolicyEntry>;
  /** What happens to syscall `nr` (unknown numbers pass through: the kernel answers ENOSYS). */
  kindOf(nr: number): Disposition;
  /**
   * Numbers whose handler never issues the same syscall itself: a lean kernel may drop them
   * from its table (the "selective" mechanism bounces exactly these). Derived from the IR.
   */
  readonly movable: ReadonlySet<number>;
}

export interface PolicyOptions {
  /** Always on. */
  readonly personalities?: readonly Personality[];
  /**
   * Compiled in but off until the process turns them on with `__kernel_abi_personality`
   * (TASK_PAGE.abiPersonality): each affected call checks the bit, then runs the personality's
   * handler or the base behaviour (base handler, or the plain syscall).
   */
  readonly switchable?: readonly Personality[];
}

/** The policy for an ISA, with optional personalities layered on top (later ones win). */
export function dispatchPolicy(arch: Arch, options: PolicyOptions = {}): DispatchPolicy {
  const abi = abiFor(arch);
  const personalities = [...new Set(options.personalities ?? [])];
  for (const p of personalities) if (!PERSONALITIES.includes(p)) throw new PolicyError(`unknown personality ${JSON.stringify(p)}`);
  const byName = new Map<string, Omit<PolicyEntry, "nr">>();
  for (const row of POLICY_ROWS) {
    if (!row.arches.includes(arch)) continue;
    byName.set(row.name, { name: row.name, kind: row.kind, handler: row.build(abi), ...(row.successor ? { successor: row.successor } : {}) });
  }
  const switchable = [...new Set(options.switchable ?? [])].filter((p) => !personalities.includes(p));
  for (const p of switchable) if (!PERSONALITIES.includes(p)) throw new PolicyError(`unknown personality ${JSON.stringify(p)}`);
  if (personalities.includes("fakeroot")) {
    for (const [name, handler] of H.fakerootHandlers(abi)) {
      byName.set(name, { name, kind: "userspace", handler, personality: "fakeroot" });
    }
  } else if (switchable.includes("fakeroot")) {
    for (const [name, fake] of H.fakerootHandlers(abi)) {
      const base = byName.get(name);
      const info = syscalls(arch).find((s) => s.name === name)!;
      const clear = base?.handler ?? passThrough(name, info.nr, info.args.length);
      const handler = branchOnFlag(name, "task", TASK_PAGE.abiPersonality, BigInt(ABI_PERSONALITY.fakeroot), fake, clear);
      byName.set(name, { name, kind: "userspace", handler, personality: "fakeroot" });
    }
  }
  const entries: PolicyEntry[] = syscalls(arch).map((s) => {
    const e = byName.get(s.name);
    return Object.freeze(e ? { nr: s.nr, ...e } : { nr: s.nr, name: s.name, kind: "passthrough" as const });
  });
  const handled = new Map(entries.filter((e) => e.handler).map((e) => [e.nr, e]));
  const movable = new Set(
    [...handled.values()]
      .filter((e) => !e.handler!.code.some((i) => i.op === "syscall" && i.nr === e.nr))
      .map((e) => e.nr),
  );
  return Object.freeze({
    arch,
    personalities,
    switchable,
    entries: Object.freeze(entries),
    handled,
    movable,
    kindOf: (nr: number): Disposition => handled.get(nr)?.kind ?? "passthrough",
  });
}

/** Extra libkernel functions that are not the handler of a syscall number (versioned variants). */
export function versionedExtras(arch: Arch): readonly { name: string; version: string; handler: Handler; isDefault?: boolean }[] {
  void arch;
  return [
    { name: "uname", version: "LIBKERNEL_1", handler: H.unameV1() },
    // A libkernel-only function (no syscall number): new in LIBKERNEL_2.
    { name: "abi_personality", version: "LIBKERNEL_2", handler: H.abiPersonality(), isDefault: true },
  ];
}
