import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One project per workspace package; tests live in <pkg>/test/**/*.test.ts everywhere.
// The "@uabi/source" condition (project-scoped, so a consumer's own "source" condition never reaches our
// TypeScript sources) makes workspace imports resolve to src/: no build before tests.
// Paths are taken from this file's directory, not the working directory, so `pnpm --filter @uabi/elf test`,
// `cd packages/elf && pnpm test` and turbo (which runs each package's script in its own directory) all work.
const root = fileURLToPath(new URL(".", import.meta.url));
const dirs = [
  ...readdirSync(join(root, "packages")).map((d) => `packages/${d}`),
  ...readdirSync(join(root, "apps")).map((d) => `apps/${d}`),
].filter((d) => existsSync(join(root, d, "package.json")));

export default defineConfig({
  root,
  resolve: { conditions: ["@uabi/source"] },
  ssr: { resolve: { conditions: ["@uabi/source"] } },
  test: {
    testTimeout: 60_000,
    projects: [
      ...dirs.map((dir) => ({
        extends: true as const,
        test: {
          // Apps by their package name (apps/uabi is "@uabi/cli", apps/playground "playground").
          name: dir.startsWith("apps/") ? (JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { name: string }).name : `@uabi/${dir.slice("packages/".length)}`,
          root: join(root, dir),
          include: ["test/**/*.test.ts"],
        },
      })),
      { extends: true as const, test: { name: "repo", root, include: ["tests/**/*.test.ts"] } },
    ],
  },
});
