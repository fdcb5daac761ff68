import { defaultClientConditions, defineConfig } from "vite";

// The workspace's packages resolve to their TypeScript sources through the project's own export
// condition, as in the tests: no package build is needed before `vite` or `vite build`.
export default defineConfig({
  // Relative asset URLs: the built folder works from any static server, at any path, or offline once loaded.
  base: "./",
  resolve: { conditions: ["@uabi/source", ...defaultClientConditions] },
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
