import { describe, expect, it } from "vitest";
import { BUILTINS, builtin } from "../src/builtins.js";
import { runElf, type RunRequest } from "../src/engine.js";

const dec = new TextDecoder();
function run(elf: Uint8Array, extra: Partial<RunRequest> = {}) {
  const out: Uint8Array[] = [];
  const trace: string[] = [];
  const r = runElf({ elf, name: "prog", args: [], env: [], stdin: new Uint8Array(), config: { mode: "bounce" }, ...extra }, {
    stdout: (b) => out.push(b.slice()), stderr: () => {}, trace: (l) => trace.push(l),
  });
  return { r, out: out.map((b) => dec.decode(b)).join(""), trace };
}

describe("built-in programs", () => {
  for (const arch of ["arm64", "x86_64"] as const) {
    it(`${arch}: hello writes its line and exits 0, traced with path marks`, () => {
      const { r, out, trace } = run(builtin("hello", arch));
      expect(out).toBe(`hello from uabi on ${arch}\n`);
      expect(r.exitStatus).toBe(0);
      expect(trace.some((l) => l.startsWith('write(1, "hello from uabi') && l.endsWith(" [bounce→kernel]"))).toBe(true);
    });
    it(`${arch}: cat copies stdin to stdout`, () => {
      const stdin = new TextEncoder().encode("line one\nline two\n".repeat(400));
      const { r, out } = run(builtin("cat", arch), { stdin });
      expect(out).toBe(dec.decode(stdin));
      expect(r.exitStatus).toBe(0);
    });
    it(`${arch}: the syscall loop makes 1000 getppid calls`, () => {
      const { r } = run(builtin("getppid-1000", arch), { config: { mode: "direct" } });
      expect(r.kind === "exited" && r.stats.syscallsByName.getppid).toBe(1000);
    });
    it(`${arch}: spin runs until the budget ends it`, () => {
      const { r } = run(builtin("spin", arch), { maxInstructions: 100_000 });
      expect(r.kind === "exited" && r.reason).toBe("budget");
    });
  }
  it("every built-in has a distinct id", () => {
    expect(new Set(BUILTINS.map((b) => b.id)).size).toBe(BUILTINS.length);
  });
});
