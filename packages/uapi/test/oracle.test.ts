import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  type Arch, ARM64_SIGFRAME, CONSTANT_GROUPS, ERRNO, FD_CLOEXEC, LAYOUTS, MAP_32BIT, ROBUST_LIST_LIMIT, SIGNALS,
  TIMER_ABSTIME, syscallByName, syscalls,
} from "../src/index.js";

/**
 * Compares the tables against values recorded from gcc + glibc headers (Debian 12, kernel 6.1 uapi) by
 * scripts/record-oracle.mjs. The fixtures are committed, so this runs without any toolchain.
 */
interface Oracle {
  arch: Arch;
  syscalls: Record<string, number>;
  errno: Record<string, number>;
  signals: Record<string, number>;
  constants: Record<string, number>;
  sizes: Record<string, number>;
  offsets: Record<string, number>;
}
const load = (arch: Arch): Oracle =>
  JSON.parse(readFileSync(new URL(`./fixtures/oracle-${arch}.json`, import.meta.url), "utf8")) as Oracle;

// Syscalls newer than the recorded 6.1 headers (see scripts/gen-tables.mjs for sources).
const NEWER = ["cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue", "statmount",
  "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal", "setxattrat", "getxattrat",
  "listxattrat", "removexattrat", "open_tree_attr", "file_getattr", "file_setattr"];
const NEWER_X86 = ["uretprobe", "uprobe"];

function constantsFor(arch: Arch): Map<string, bigint[]> {
  const m = new Map<string, bigint[]>();
  const add = (name: string, v: number | bigint) => m.set(name, [...(m.get(name) ?? []), BigInt(v)]);
  for (const [group, { prefix, values }] of Object.entries(CONSTANT_GROUPS)) {
    if (group === (arch === "arm64" ? "O_X86_64" : "O_ARM64")) continue;
    for (const [k, v] of Object.entries(values)) add(prefix + k, v);
  }
  add("FD_CLOEXEC", FD_CLOEXEC);
  add("EM_386", 3); // EM.I386: a C name that is not a valid identifier key
  add("TIMER_ABSTIME", TIMER_ABSTIME);
  add("ROBUST_LIST_LIMIT", ROBUST_LIST_LIMIT);
  if (arch === "x86_64") add("MAP_32BIT", MAP_32BIT);
  for (const k of ["FPSIMD_MAGIC", "ESR_MAGIC", "EXTRA_MAGIC", "SVE_MAGIC", "ZA_MAGIC"] as const) add(k, ARM64_SIGFRAME[k]);
  return m;
}

describe.each(["x86_64", "arm64"] as const)("oracle fixtures: %s", (arch) => {
  const o = load(arch);

  it("has every syscall number the headers define, and nothing else but newer calls", () => {
    expect(o.arch).toBe(arch);
    for (const [name, nr] of Object.entries(o.syscalls)) expect(syscallByName(arch, name)?.nr, name).toBe(nr);
    const extra = syscalls(arch).map((s) => s.name).filter((n) => !(n in o.syscalls)).sort();
    expect(extra).toEqual([...NEWER, ...(arch === "x86_64" ? NEWER_X86 : [])].sort());
  });

  it("has every errno and signal number", () => {
    for (const [name, n] of Object.entries(o.errno)) expect(ERRNO[name], name).toBe(n);
    for (const [name, n] of Object.entries(o.signals)) expect(SIGNALS[name], name).toBe(n);
  });

  it("has every recorded constant with the recorded value", () => {
    const ours = constantsFor(arch);
    const wrong: string[] = [];
    for (const [name, v] of Object.entries(o.constants)) {
      const have = ours.get(name);
      if (!have) wrong.push(`${name}: missing`);
      else if (!have.some((x) => BigInt.asIntN(64, x) === BigInt(v) || x === BigInt(v))) wrong.push(`${name}: ${have} != ${v}`);
    }
    expect(wrong).toEqual([]);
  });

  it("matches every recorded sizeof and offsetof", () => {
    const L = LAYOUTS[arch] as unknown as Record<string, { size: number; fields: Record<string, { offset: number }> }>;
    const wrong: string[] = [];
    for (const [name, size] of Object.entries(o.sizes)) {
      if (L[name]?.size !== size) wrong.push(`sizeof ${name}: ${L[name]?.size} != ${size}`);
    }
    for (const [key, off] of Object.entries(o.offsets)) {
      const [s, f] = key.split(/\.(.*)/s) as [string, string];
      const got = L[s]?.fields[f]?.offset;
      if (got !== off) wrong.push(`offsetof ${key}: ${got} != ${off}`);
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(o.offsets).length).toBeGreaterThan(100);
  });
});

// Live check: the headers on this machine still agree with the fixture (skipped without the toolchain).
const hasGcc = (() => {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
describe("live headers", () => {
  it.skipIf(!hasGcc)("x86-64 __NR_* from the installed headers match the fixture", () => {
    const out = execFileSync("gcc", ["-E", "-dM", "-"], { input: "#include <asm/unistd.h>\n", encoding: "utf8" });
    const o = load("x86_64");
    let n = 0;
    for (const m of out.matchAll(/^#define __NR_(\w+) (\d+)$/gm)) {
      expect(o.syscalls[m[1]!], m[1]).toBe(Number(m[2]));
      n++;
    }
    expect(n).toBeGreaterThan(300);
  });
});
