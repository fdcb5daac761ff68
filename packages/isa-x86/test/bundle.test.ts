/**
 * isa-x86 bundled as an application would bundle it: esbuild honours `"sideEffects": false` (package.json),
 * so a module imported only for what its loading does is dropped. The handlers must survive that: the bundle
 * runs integer, SSE and x87 instructions in a separate node process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const pkgDir = resolve(import.meta.dirname, "..");
/** The export condition that maps the package to its TypeScript sources (whatever the workspace calls it). */
const exportsMap = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { exports: Record<string, Record<string, string>> }).exports;
const sourceCondition = Object.entries(exportsMap["."] ?? {}).find(([, target]) => target === "./src/index.ts")?.[0] ?? "source";
const work = mkdtempSync(join(tmpdir(), "uabi-x86-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bundle `contents` (an ES module resolved from this package) into one file; returns its path and warnings. */
async function bundle(name: string, contents: string): Promise<{ file: string; text: string; warnings: string[] }> {
  const file = join(work, `${name}.mjs`);
  const r = await build({
    stdin: { contents, resolveDir: pkgDir, sourcefile: `${name}.ts`, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    conditions: [sourceCondition],
    treeShaking: true,
    write: false,
    logLevel: "silent",
  });
  const text = r.outputFiles[0]!.text;
  writeFileSync(file, text);
  return { file, text, warnings: r.warnings.map((w) => w.text) };
}

const PROGRAM = `
import { GuestMemory, PERM_EXEC, PERM_READ } from "@uabi/isa-core";
import { X86Assembler, X86Cpu } from "@uabi/isa-x86";

const a = new X86Assembler();
a.mov("eax", 6).imul("eax", "eax", 7).mov("edi", "eax");  // integer: edi = 42
a.mov("rax", 3);
a.bytes([0xf2, 0x48, 0x0f, 0x2a, 0xc0]);                  // cvtsi2sd %rax,%xmm0
a.bytes([0xf2, 0x0f, 0x58, 0xc0]);                        // addsd %xmm0,%xmm0
a.bytes([0xf2, 0x48, 0x0f, 0x2c, 0xf0]);                  // cvttsd2si %xmm0,%rsi: 6
a.bytes([0xd9, 0xe8, 0xd8, 0xc0]);                        // fld1; fadd %st(0),%st: st0 = 2
a.mov("eax", 60).syscall();
const code = a.finish();
const mem = new GuestMemory();
mem.map(0x401000, 0x1000, PERM_READ | PERM_EXEC);
mem.poke(0x401000, code);
const cpu = new X86Cpu(mem, { counter: () => 0n });
cpu.pc = 0x401000;
const trap = cpu.run(1000);
const st0 = Buffer.from(cpu.fxsave().subarray(32, 42)).toString("hex");
console.log(JSON.stringify({ trap, end: code.length, rdi: String(cpu.getReg(7)), rsi: String(cpu.getReg(6)), st0, n: cpu.counters.instructions }));
`;

describe("isa-x86 in a bundle", () => {
  it("esbuild drops a module imported only for its side effects (the premise of the next test)", async () => {
    const { text, warnings } = await bundle("bare", `import "./src/ops-int.ts";`);
    expect(text).not.toContain("INT_OPS");
    expect(warnings.join("\n")).toMatch(/side effects/);
  });

  it("a bundled CPU runs integer, SSE and x87 instructions to the syscall", async () => {
    const { file, text } = await bundle("run", PROGRAM);
    expect(text).toContain("INT_OPS");
    const out = JSON.parse(execFileSync(process.execPath, [file], { encoding: "utf8" })) as Record<string, unknown>;
    expect(out).toEqual({
      trap: { kind: "syscall", pc: 0x401000 + (out.end as number) - 2 },
      end: out.end,
      rdi: "42",
      rsi: "6",
      st0: "00000000000000800040", // 2.0: significand 0x8000000000000000, exponent 0x4000
      n: 11,
    });
  });
});
