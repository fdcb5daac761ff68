/**
 * The per-slice page refresh deferred to the pages' next access (ProcessLoader.deferRefresh) against the eager
 * refresh before every slice: the same programs under several mechanisms give the same stdout, RunResult (every
 * counter), syscall events, trace, and the same bytes in the vvar, per-task and per-fs pages wherever the
 * program or the kernel looks — whether something reads the pages after every call or never.
 */
import { describe, expect, it } from "vitest";
import { VVAR_PAGE, VVAR_NCLOCKS, FS_PAGE } from "@uabi/libkernel";
import { corpusFixtures, readFixtureBinary, type CorpusFixture } from "@uabi/test-support";
import { Kernel, type Mode } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

const VVAR_BYTES = VVAR_PAGE.clocks + VVAR_NCLOCKS * VVAR_PAGE.clockSize;
const big = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);

interface Program {
  elf: Uint8Array;
  argv: string[];
  env: string[];
  stdin: Uint8Array;
}

function run(prog: Program, mode: Mode, defer: boolean, peek: boolean): string {
  const out: number[] = [];
  const trace: string[] = [];
  const k = new Kernel({ mode, stdout: (d) => out.push(...d), stdin: prog.stdin, maxInstructions: 5e7, trace: (l) => trace.push(l) });
  k.loader.deferRefresh = defer;
  const seen: string[] = [];
  const look = (ev: object) => {
    const parts = [JSON.stringify(ev, big)];
    if (peek) {
      // What the program would read now: the pages through the memory's ordinary accessors.
      for (const p of k.processes.values()) {
        if (!p.alive || !p.vvarBase) continue;
        const mem = p.mm.mem;
        parts.push(Buffer.from(mem.readBytes(p.vvarBase, VVAR_BYTES)).toString("hex"));
        if (p.fsPage) parts.push(String(mem.read32(p.fsPage + FS_PAGE.umask)));
        for (const t of p.threads) if (t.taskPage && t.state !== "dead") parts.push(Buffer.from(mem.readBytes(t.taskPage, 0x28)).toString("hex"));
      }
    }
    seen.push(parts.join(" "));
  };
  k.syscallObservers.push(look);
  k.reflectionReturnObservers.push(look);
  k.spawn(prog.elf, { argv: prog.argv, env: prog.env, cwd: "/" });
  const r = k.run();
  return JSON.stringify({ r, out: Buffer.from(out).toString("hex"), trace, seen }, big);
}

function fixture(target: string, id: string): Program {
  const f = corpusFixtures().find((x: CorpusFixture) => x.target === target && x.id === id);
  if (!f) throw new Error(`no fixture ${target}/${id}`);
  return { elf: readFixtureBinary(f), argv: f.expected.argv, env: Object.entries(f.expected.env).map(([a, b]) => `${a}=${b}`), stdin: new TextEncoder().encode(f.expected.stdin) };
}

/** x86-64 getppid × 200 then exit: the syscall-bound loop the deferral is for. */
function loop(): Program {
  const code: number[] = [0xbb, 200, 0, 0, 0]; // mov ebx, 200
  code.push(0xb8, 110, 0, 0, 0, 0x0f, 0x05); // mov eax, getppid; syscall
  code.push(0x83, 0xeb, 0x01, 0x75, 0xf4); // sub ebx, 1; jne back to mov eax
  code.push(0x31, 0xff, 0xb8, 231, 0, 0, 0, 0x0f, 0x05); // exit_group(0)
  return { elf: makeElf({ machine: "x86_64", code: new Uint8Array(code) }), argv: ["loop"], env: [], stdin: new Uint8Array() };
}

const MODES: Mode[] = ["direct", "bounce", "sud", "seccomp"];
/** Each program and the mechanisms it runs under (threads-O2 is long: two of them). */
const PROGRAMS: [string, () => Program, Mode[]][] = [
  ["getppid loop", loop, MODES],
  ...["umask-O2", "personality-O2", "ported-O2", "threads-O2", "signals-O2"].flatMap((id) =>
    ["aarch64-glibc", "x86_64-glibc"].map((t): [string, () => Program, Mode[]] => [`${t}/${id}`, () => fixture(t, id), id === "threads-O2" ? ["direct", "bounce"] : MODES]),
  ),
];

describe("deferred page refresh", () => {
  for (const [name, make, modes] of PROGRAMS) {
    it(`${name}: the same run, pages and events as the eager refresh`, () => {
      const prog = make();
      for (const mode of modes) {
        for (const peek of [false, true]) {
          const eager = run(prog, mode, false, peek);
          expect(run(prog, mode, true, peek), `${mode}${peek ? " (pages read after every call)" : ""}`).toBe(eager);
        }
      }
    }, 120_000);
  }
});
