/**
 * The study's workloads: the C corpus (fixtures/corpus, with each binary's recorded argv, env and stdin), the
 * provoking programs of the catalogue (generated per ISA), and busybox-static when scripts/study/fetch-busybox.sh
 * has unpacked it. Each workload carries its binary, argv, env and stdin, so a host runner can run the same thing
 * natively (`hostWorkloads`).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../app-root.js";
import { PROVOKERS, buildProvoker } from "./provoke.js";
import type { Workload } from "./observe.js";

const REPO = repoRoot();
export const CORPUS_DIR = join(REPO, "fixtures/corpus");
/** Where scripts/study/fetch-busybox.sh unpacks Debian's busybox-static (not committed). */
export const BUSYBOX_DIR = join(REPO, "fixtures/study/busybox");

const TARGETS = ["aarch64-glibc", "x86_64-glibc", "x86_64-musl"] as const;
/** The default set: every -O2 corpus program of the two glibc targets except the 10⁸-instruction bench. */
const DEFAULT_CORPUS = /^(?:aarch64|x86_64)-glibc\/(?!bench-)[a-z0-9-]+-O2$/;

interface Expected {
  argv: string[];
  env: Record<string, string>;
  stdin: string;
}

function corpus(dir: string): Workload[] {
  const out: Workload[] = [];
  for (const target of TARGETS) {
    const bin = join(dir, "bin", target);
    if (!existsSync(bin)) continue;
    for (const name of readdirSync(bin).sort()) {
      const exp = join(dir, "expected", target, `${name}.json`);
      if (!existsSync(exp)) continue;
      const e = JSON.parse(readFileSync(exp, "utf8")) as Expected;
      const path = join(bin, name);
      out.push({
        id: `corpus:${target}/${name}`, arch: target.startsWith("aarch64") ? "arm64" : "x86_64", group: "corpus", path,
        elf: () => new Uint8Array(readFileSync(path)), argv: e.argv, env: Object.entries(e.env).map(([k, v]) => `${k}=${v}`),
        stdin: new TextEncoder().encode(e.stdin),
      });
    }
  }
  return out;
}

function provokers(): Workload[] {
  return PROVOKERS.flatMap((p) => p.arches.map((arch): Workload => ({
    id: `study:${p.id}/${arch}`, arch, group: "study", elf: () => buildProvoker(p, arch), argv: [p.id], env: [], stdin: new Uint8Array(0), provokes: p.cause,
  })));
}

/** A few busybox invocations (another engineer builds the full suite): applets, stdin, a shell pipeline. */
const BUSYBOX_RUNS: readonly { id: string; argv: string[]; stdin?: string }[] = [
  { id: "echo", argv: ["busybox", "echo", "hello", "from", "busybox"] },
  { id: "sort", argv: ["busybox", "sort", "-r"], stdin: "pear\napple\nfig\n" },
  { id: "sha256sum", argv: ["busybox", "sha256sum"], stdin: "uabi\n" },
  { id: "sh-pipeline", argv: ["busybox", "sh", "-c", "echo b a c | tr ' ' '\\n' | sort | head -n 2"] },
  { id: "sh-loop", argv: ["busybox", "sh", "-c", "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done"] },
];

function busybox(dir: string): Workload[] {
  const out: Workload[] = [];
  for (const arch of ["arm64", "x86_64"] as const) {
    const path = join(dir, arch, "bin", "busybox");
    if (!existsSync(path)) continue;
    for (const r of BUSYBOX_RUNS) {
      out.push({
        id: `busybox:${r.id}/${arch}`, arch, group: "busybox", path, elf: () => new Uint8Array(readFileSync(path)), argv: r.argv,
        env: ["PATH=/bin", "LANG=C"], stdin: new TextEncoder().encode(r.stdin ?? ""),
      });
    }
  }
  return out;
}

/** Every workload this checkout has. */
export function allWorkloads(opts: { corpusDir?: string; busyboxDir?: string } = {}): Workload[] {
  return [...corpus(opts.corpusDir ?? CORPUS_DIR), ...provokers(), ...busybox(opts.busyboxDir ?? BUSYBOX_DIR)];
}

/**
 * Select workloads: `default` (the -O2 glibc corpus without bench, every provoking program, busybox if fetched),
 * `all`, or comma-separated id substrings (`study:`, `corpus:x86_64-musl`, `hello`…).
 */
export function selectWorkloads(spec: string, all: readonly Workload[]): Workload[] {
  if (spec === "all") return [...all];
  if (spec === "default") return all.filter((w) => w.group !== "corpus" || DEFAULT_CORPUS.test(w.id.slice("corpus:".length)));
  const parts = spec.split(",").map((s) => s.trim()).filter(Boolean);
  return all.filter((w) => parts.some((p) => w.id.includes(p)));
}

/** The x86-64 workloads a native host runner can exec as they are (the hook for `uabi study --host`). */
export function hostWorkloads(ws: readonly Workload[]): Workload[] {
  return ws.filter((w) => w.arch === "x86_64");
}

export { provokers as provokingWorkloads };
