import { readdirSync, existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One project per workspace package; tests live in <pkg>/test/**/*.test.ts everywhere.
// The "source" condition makes workspace imports resolve to TypeScript sources: no build before tests.
const dirs = [
  ...readdirSync("packages").map((d) => `packages/${d}`),
  ...readdirSync("apps").map((d) => `apps/${d}`),
].filter((d) => existsSync(`${d}/package.json`));

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    testTimeout: 60_000,
    projects: [
      ...dirs.map((dir) => ({
        extends: true as const,
        test: {
          name: dir.startsWith("apps/") ? "@uabi/cli" : `@uabi/${dir.slice("packages/".length)}`,
          root: dir,
          include: ["test/**/*.test.ts"],
        },
      })),
      { extends: true as const, test: { name: "repo", root: ".", include: ["tests/**/*.test.ts"] } },
    ],
  },
});
