import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The Chromium tests, apart from the workspace's `pnpm test` (see the README): one file, run in order,
// against the built site (`pnpm --filter playground test:e2e` builds first).
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  resolve: { conditions: ["@uabi/source"] },
  ssr: { resolve: { conditions: ["@uabi/source"] } },
  test: {
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
