/**
 * The layer table from docs/architecture.md as data. A package may import the
 * packages listed for it (its allowed dependencies), nothing else in @uabi/*.
 */
export const LAYERS = {
  allowed: {
    "@uabi/uapi": [],
    "@uabi/isa-core": [],
    "@uabi/isa-arm64": ["@uabi/isa-core"],
    "@uabi/isa-x86": ["@uabi/isa-core"],
    "@uabi/elf": [],
    "@uabi/vdso-parser": ["@uabi/elf"],
    "@uabi/libkernel": ["@uabi/uapi"],
    "@uabi/vdso": ["@uabi/uapi", "@uabi/elf", "@uabi/isa-core", "@uabi/isa-arm64", "@uabi/isa-x86", "@uabi/libkernel", "@uabi/vdso-parser"],
    "@uabi/kernel": ["@uabi/uapi", "@uabi/isa-core", "@uabi/isa-arm64", "@uabi/isa-x86", "@uabi/elf", "@uabi/vdso-parser", "@uabi/libkernel", "@uabi/vdso"],
    "@uabi/test-support": ["@uabi/isa-core", "@uabi/elf", "@uabi/uapi"],
    "@uabi/cli": ["@uabi/uapi", "@uabi/isa-core", "@uabi/isa-arm64", "@uabi/isa-x86", "@uabi/elf", "@uabi/vdso-parser", "@uabi/libkernel", "@uabi/vdso", "@uabi/kernel"],
    // The browser playground sits on top: every package, and the CLI's Node-free core (the demo report).
    playground: ["@uabi/uapi", "@uabi/isa-core", "@uabi/isa-arm64", "@uabi/isa-x86", "@uabi/elf", "@uabi/vdso-parser", "@uabi/libkernel", "@uabi/vdso", "@uabi/kernel", "@uabi/cli"],
  } as Record<string, string[]>,
  dirs: {
    "@uabi/uapi": "packages/uapi",
    "@uabi/isa-core": "packages/isa-core",
    "@uabi/isa-arm64": "packages/isa-arm64",
    "@uabi/isa-x86": "packages/isa-x86",
    "@uabi/elf": "packages/elf",
    "@uabi/vdso-parser": "packages/vdso-parser",
    "@uabi/libkernel": "packages/libkernel",
    "@uabi/vdso": "packages/vdso",
    "@uabi/kernel": "packages/kernel",
    "@uabi/test-support": "packages/test-support",
    "@uabi/cli": "apps/uabi",
    playground: "apps/playground",
  } as Record<string, string>,
};

/** Entry points a package publishes besides its main one (package.json "exports" subpaths). */
export const PUBLIC_SUBPATHS: Record<string, readonly string[]> = {
  "@uabi/kernel": ["node"],
  "@uabi/cli": ["core"],
};

const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;

/** Problems with the import specifiers in one source file of `pkg` (path relative to the package root). */
export function checkImports(pkg: string, fileInPkg: string, text: string): string[] {
  const problems: string[] = [];
  const allowed = LAYERS.allowed[pkg] ?? [];
  const depth = fileInPkg.split("/").length - 1;
  for (const m of text.matchAll(SPEC)) {
    const spec = m[1]!;
    if (spec.startsWith("@uabi/")) {
      const [scope, name, ...rest] = spec.split("/");
      const target = `${scope}/${name}`;
      if (target !== pkg && !allowed.includes(target)) problems.push(`imports ${target}, which is not below ${pkg} in the layer table`);
      const sub = rest.join("/");
      if (rest.length > 0 && sub !== "package.json" && !(PUBLIC_SUBPATHS[target] ?? []).includes(sub)) problems.push(`reaches into ${spec} instead of the package's public entry point`);
    } else if (spec.startsWith(".")) {
      const ups = spec.split("/").filter((s) => s === "..").length;
      if (ups > depth) problems.push(`relative import ${spec} leaves the package`);
    }
  }
  return problems;
}
