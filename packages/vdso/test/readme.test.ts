import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it, vi } from "vitest";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");

it("the README example runs", async () => {
  const md = readFileSync(join(pkg, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!
    .replace('"@uabi/vdso"', JSON.stringify(join(pkg, "src/index.ts")))
    .replace('"@uabi/vdso-parser"', JSON.stringify(join(pkg, "../vdso-parser/src/index.ts")))
    .replace('"/tmp/vdso-arm64.so"', JSON.stringify(join(mkdtempSync(join(tmpdir(), "vdso-readme-")), "vdso-arm64.so")));
  expect(code.trim().split("\n").length).toBeLessThanOrEqual(15);
  const file = join(mkdtempSync(join(tmpdir(), "vdso-readme-")), "example.mts");
  writeFileSync(file, code);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(pathToFileURL(file).href);
    const out = log.mock.calls.map((c) => c.map(String).join(" "));
    expect(out[0]).toMatch(/^linux-vdso\.so\.1 [0-9a-f]+$/);
    expect(out[1]).toBe("true");
    expect(out[3]).toMatch(/__kernel_rt_sigreturn@@LINUX_2\.6\.39/);
  } finally {
    log.mockRestore();
  }
});
