/**
 * The workloads `uabi study --host` measures natively: real static x86-64 programs that run long enough on a host
 * (milliseconds) for a mechanism's per-call cost to rise above the noise of process creation — Debian's
 * busybox-static driven over generated, deterministic inputs (syscall-heavy: dd with small blocks, a shell loop of
 * echo builtins; compute-heavy: gzip, sort, sha256sum…) and the corpus's bench — plus short corpus programs that
 * exercise what a reflection must carry (signals, threads, a fault), for behaviour, not for timing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Workload } from "./observe.js";
import { BUSYBOX_DIR, CORPUS_DIR } from "./workloads.js";

/** Deterministic text: `n` lines of pseudo-random words (a fixed LCG, so uabi and the host read the same bytes). */
export function generatedText(n: number, seed = 12345): string {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"];
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = 3 + (next() % 6);
    const ws: string[] = [];
    for (let j = 0; j < k; j++) ws.push(`${words[next() % words.length]}${next() % 1000}`);
    lines.push(ws.join(" "));
  }
  return `${lines.join("\n")}\n`;
}

const enc = (s: string) => new TextEncoder().encode(s);

/** busybox invocations: argv and how its stdin is made. */
const BUSYBOX_HOST_RUNS: readonly { id: string; argv: string[]; stdin: () => Uint8Array }[] = [
  // Syscall-heavy: small blocks, builtins that write or stat per iteration, the shell's byte-at-a-time `read`.
  { id: "dd-bs64", argv: ["busybox", "dd", "bs=64", "status=none"], stdin: () => enc(generatedText(3000)) },
  { id: "dd-bs512", argv: ["busybox", "dd", "bs=512", "status=none"], stdin: () => enc(generatedText(12000)) },
  { id: "sh-echo-loop", argv: ["busybox", "sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"], stdin: () => new Uint8Array(0) },
  { id: "sh-printf-loop", argv: ["busybox", "sh", "-c", "i=0; while [ $i -lt 1500 ]; do printf '%05d %s\\n' $i x; i=$((i+1)); done"], stdin: () => new Uint8Array(0) },
  { id: "sh-test-loop", argv: ["busybox", "sh", "-c", "i=0; while [ $i -lt 3000 ]; do [ -d / ] && i=$((i+1)); done; echo $i"], stdin: () => new Uint8Array(0) },
  { id: "sh-read-loop", argv: ["busybox", "sh", "-c", "n=0; while read a b; do n=$((n+1)); done; echo $n"], stdin: () => enc(generatedText(200)) },
  { id: "awk-fflush", argv: ["busybox", "awk", "{ print NR, $1; fflush() }"], stdin: () => enc(generatedText(2000)) },
  { id: "cat", argv: ["busybox", "cat"], stdin: () => enc(generatedText(12000)) },
  { id: "md5sum", argv: ["busybox", "md5sum"], stdin: () => enc(generatedText(6000)) },
  { id: "awk", argv: ["busybox", "awk", "{ n += NF; c[$1]++ } END { print NR, n; for (k in c) m++; print m }"], stdin: () => enc(generatedText(2000)) },
  { id: "wc", argv: ["busybox", "wc"], stdin: () => enc(generatedText(6000)) },
  { id: "tr", argv: ["busybox", "tr", "a-z", "A-Z"], stdin: () => enc(generatedText(6000)) },
  // Compute-bound controls: few calls, so the overhead should vanish in both columns.
  { id: "sh-arith-loop", argv: ["busybox", "sh", "-c", "i=0; s=0; while [ $i -lt 4000 ]; do s=$((s+i*i)); i=$((i+1)); done; echo $s"], stdin: () => new Uint8Array(0) },
  { id: "sha256sum", argv: ["busybox", "sha256sum"], stdin: () => enc(generatedText(6000)) },
  { id: "gzip", argv: ["busybox", "gzip", "-c"], stdin: () => enc(generatedText(1500)) },
  { id: "sort", argv: ["busybox", "sort"], stdin: () => enc(generatedText(3000)) },
];

/** Corpus programs: the compute-bound bench (long), and short ones that exercise the reflection's hard cases. */
const CORPUS_HOST = ["x86_64-glibc/bench-O2", "x86_64-glibc/hello-O2", "x86_64-glibc/signals-O2", "x86_64-glibc/threads-O2", "x86_64-glibc/fault-O2", "x86_64-musl/signals-O2"];

interface Expected {
  argv: string[];
  env: Record<string, string>;
  stdin: string;
}

/** The host set (ids `host:busybox-<run>` and `host:corpus-<target>/<name>`); busybox only when it has been fetched. */
export function hostBenchWorkloads(opts: { corpusDir?: string; busyboxDir?: string } = {}): Workload[] {
  const out: Workload[] = [];
  const corpusDir = opts.corpusDir ?? CORPUS_DIR;
  for (const c of CORPUS_HOST) {
    const path = join(corpusDir, "bin", c);
    const exp = join(corpusDir, "expected", `${c}.json`);
    if (!existsSync(path) || !existsSync(exp)) continue;
    const e = JSON.parse(readFileSync(exp, "utf8")) as Expected;
    out.push({
      id: `host:corpus-${c}`, arch: "x86_64", group: "corpus", path, elf: () => new Uint8Array(readFileSync(path)), argv: e.argv,
      env: Object.entries(e.env).map(([k, v]) => `${k}=${v}`), stdin: enc(e.stdin),
    });
  }
  const bb = join(opts.busyboxDir ?? BUSYBOX_DIR, "x86_64", "bin", "busybox");
  if (existsSync(bb)) {
    for (const r of BUSYBOX_HOST_RUNS) {
      out.push({
        id: `host:busybox-${r.id}`, arch: "x86_64", group: "busybox", path: bb, elf: () => new Uint8Array(readFileSync(bb)), argv: r.argv,
        env: ["PATH=/bin", "LANG=C"], stdin: r.stdin(),
      });
    }
  }
  return out;
}
