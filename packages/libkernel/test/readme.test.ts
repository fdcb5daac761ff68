import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it, vi } from "vitest";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");

it("the README example runs and prints what it says", async () => {
  const md = readFileSync(join(pkg, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(md)![1]!
    .replace('"@uabi/libkernel"', JSON.stringify(join(pkg, "src/index.ts")))
    .replace('"@uabi/uapi"', JSON.stringify(join(pkg, "../uapi/src/index.ts")));
  expect(code.trim().split("\n").length).toBeLessThanOrEqual(15);
  const file = join(mkdtempSync(join(tmpdir(), "lk-readme-")), "example.mts");
  writeFileSync(file, code);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(pathToFileURL(file).href);
    expect(log.mock.calls.map((c) => c.join(" "))).toEqual(["rewrite openat", "22 777"]);
  } finally {
    log.mockRestore();
  }
});
