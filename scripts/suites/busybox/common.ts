/** Shared by record.ts and check.ts: where things live and what a fixture holds. */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BusyboxCase } from "./cases.js";

export const REPO = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
export const CACHE = process.env.UABI_SUITES_CACHE ?? join(REPO, ".cache/suites");
export const FIXTURES = join(REPO, "fixtures/suites/busybox");
export const ISAS = ["x86_64", "aarch64"] as const;
export type Isa = (typeof ISAS)[number];

/** The guest root fetch.sh lays out for an ISA (bin/busybox plus applet symlinks, etc/passwd, etc/group). */
export const rootDir = (isa: Isa): string => join(CACHE, "busybox", `root-${isa}`);
export const busyboxVersion = (isa: Isa): string | undefined => {
  const f = join(rootDir(isa), ".version");
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
};

/** The argv a case runs (a string is `sh -c <string>`, with the tree prelude when `tree`). */
export function caseArgv(c: BusyboxCase, tree: string): string[] {
  if (typeof c.run !== "string") return [...c.run];
  return ["sh", "-c", c.tree ? `${tree} && { ${c.run}\n}` : c.run];
}

export interface Expected {
  /** What the case ran (so a changed case with a stale recording is noticed). */
  argv: string[];
  stdin: string;
  /** Guest stdout as bytes in a latin1 string. */
  stdout: string;
  status: number;
  /** Who produced it: "native" (x86-64 in a chroot), "qemu-aarch64", or "native-x86_64" (a reexec case on arm64). */
  oracle: string;
}

export interface FixtureFile {
  isa: Isa;
  busybox: string;
  credentials: { uid: number; gid: number };
  cases: Record<string, Expected>;
}

export const fixturePath = (isa: Isa): string => join(FIXTURES, `${isa}.json`);

export const latin1 = (b: Uint8Array): string => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
};
