/**
 * The generated vDSO images, cached on disk per build of the packages that generate them, for the built CLI:
 * generating an image (lowering libkernel's handlers, assembling, writing the ELF) costs more than a whole
 * `uabi run hello`, and its result depends only on the code that generates it.
 *
 * The cache key is the build of every package the image comes from: each one's tsbuildinfo (tsc writes it at
 * every build that emits anything) and its dist/index.js (what a turbo cache restore rewrites), by mtime and
 * size, with the package version; in the bundle the bin runs (dist/uabi.cjs, which holds all that code itself),
 * the bundle's own mtime and size. A rebuild of any of them is a new key; the image is then generated once more
 * and written. Running from sources (the development loader) never caches: the key would need a walk of the
 * sources. A cache directory that cannot be written (an installed, read-only package) just means no cache.
 *
 * The image read back is the generated one, field for field; its dispatch policy, which holds functions, is
 * recomputed from @uabi/libkernel when more than its dispositions is read (test/vdso-cache.test.ts compares both).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Arch } from "@uabi/isa-core";
import { dispatchPolicy, type DispatchPolicy, type Disposition, type Personality } from "@uabi/libkernel";
import { buildVdso, type VdsoImage } from "@uabi/vdso";

/** Every package whose code goes into a generated image (@uabi/vdso and what it builds on). */
const GENERATORS = ["@uabi/vdso", "@uabi/libkernel", "@uabi/uapi", "@uabi/elf", "@uabi/isa-core", "@uabi/isa-arm64", "@uabi/isa-x86", "@uabi/vdso-parser"];

/**
 * On-disk form: the image with its bytes in base64, its map as pairs, and of its policy only what the kernel
 * asks at run time (each handled call's disposition, the movable set); the rest of the policy holds functions.
 */
interface Stored {
  key: string;
  image: Omit<VdsoImage, "bytes" | "syscallEntries" | "policy"> & { bytes: string; syscallEntries: [number, number][] };
  personalities: Personality[];
  kinds: [number, Disposition][];
  movable: number[];
}

export function serializeVdso(img: VdsoImage, key: string, personalities: readonly Personality[]): string {
  const { bytes, syscallEntries, policy, ...rest } = img;
  const stored: Stored = {
    key,
    image: { ...rest, bytes: Buffer.from(bytes).toString("base64"), syscallEntries: [...syscallEntries] },
    personalities: [...personalities],
    kinds: [...policy.handled.values()].map((e) => [e.nr, e.kind]),
    movable: [...policy.movable],
  };
  return JSON.stringify(stored);
}

/**
 * The policy `dispatchPolicy` gives, with what the kernel asks per call (kindOf, movable) answered from the
 * cache and the rest (entries and their handlers' IR, ~10 ms to build) computed only when first read.
 */
function lazyPolicy(arch: Arch, s: Stored): DispatchPolicy {
  let full: DispatchPolicy | undefined;
  const get = () => (full ??= dispatchPolicy(arch, { personalities: s.personalities, switchable: [] }));
  const kinds = new Map(s.kinds);
  return Object.freeze({
    arch,
    personalities: s.personalities,
    switchable: [],
    get entries() {
      return get().entries;
    },
    get handled() {
      return get().handled;
    },
    movable: new Set(s.movable),
    kindOf: (nr: number): Disposition => kinds.get(nr) ?? "passthrough",
  });
}

export function deserializeVdso(text: string, key: string): VdsoImage | undefined {
  const s = JSON.parse(text) as Stored;
  if (s.key !== key) return undefined;
  const { bytes, syscallEntries, ...rest } = s.image;
  const b = Buffer.from(bytes, "base64");
  return {
    ...rest,
    bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    syscallEntries: new Map(syscallEntries),
    policy: lazyPolicy(rest.arch, s),
  };
}

/** True in the bundle the bin runs (scripts/bundle.mjs defines it); undeclared elsewhere. */
declare const __UABI_BUNDLED__: boolean | undefined;

/**
 * 64-bit FNV-1a of a string, as 16 hex digits: a file name for a key, not a defence against anyone (node:crypto
 * would cost ~10 ms of the CLI's start to load).
 */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, "0");
}

/** The build of the generating packages, as one hash; undefined when running from sources. */
function buildKey(): string | undefined {
  // The bundle holds every generator's code itself: it is the build (its modification time and size).
  if (typeof __UABI_BUNDLED__ !== "undefined") {
    const st = statSync(fileURLToPath(import.meta.url));
    return fnv1a64(`bundle:${st.mtimeMs}:${st.size}`);
  }
  if (!/[\\/]dist[\\/]/.test(fileURLToPath(import.meta.url))) return undefined;
  // node:module only here: imported at the top, the bundle would load it (and the ES module loader parts it
  // pulls in, 2-10 ms) at every start of `uabi run`.
  const req = process.getBuiltinModule("node:module").createRequire(import.meta.url);
  let key = "";
  for (const name of GENERATORS) {
    const entry = req.resolve(name); // the "default" condition: <package>/dist/index.js
    const pkg = dirname(dirname(entry));
    key += name;
    for (const f of [entry, join(pkg, "tsconfig.build.tsbuildinfo"), join(pkg, "package.json")]) {
      try {
        const st = statSync(f);
        key += `:${st.mtimeMs}:${st.size}`;
      } catch {
        key += ":-";
      }
    }
  }
  return fnv1a64(key);
}

let key: string | undefined | null = null;
const dir = () => join(dirname(fileURLToPath(import.meta.url)), ".vdso-cache");

/** The image `new Kernel()` would generate for `arch` (with the fakeroot personality or not), from the cache when it has it. */
export function cachedVdso(arch: Arch, fakeroot: boolean): VdsoImage {
  const personalities: Personality[] = fakeroot ? ["fakeroot"] : [];
  const build = () => buildVdso({ arch, ...(fakeroot ? { personalities: ["fakeroot"] as const } : {}) });
  if (key === null) key = buildKey();
  if (key === undefined) return build();
  const name = `${arch}${fakeroot ? "-fakeroot" : ""}`;
  const file = join(dir(), `${name}-${key}.json`);
  try {
    const img = deserializeVdso(readFileSync(file, "utf8"), key);
    if (img) return img;
  } catch {
    // not cached yet (or unreadable): generate it
  }
  const img = build();
  try {
    mkdirSync(dir(), { recursive: true });
    // Other builds' images of this name go; the new one appears whole (written aside, then renamed).
    for (const old of readdirSync(dir())) if (old.startsWith(`${name}-`) && old !== `${name}-${key}.json`) unlinkSync(join(dir(), old));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, serializeVdso(img, key, personalities));
    renameSync(tmp, file);
  } catch {
    // a read-only installation: no cache
  }
  return img;
}

/** The kernel's `vdso` option with both ISAs' images looked up only when a process of that ISA is made. */
export function cachedVdsoOption(fakeroot: boolean): Partial<Record<Arch, VdsoImage>> {
  const memo: Partial<Record<Arch, VdsoImage>> = {};
  return {
    get arm64() {
      return (memo.arm64 ??= cachedVdso("arm64", fakeroot));
    },
    get x86_64() {
      return (memo.x86_64 ??= cachedVdso("x86_64", fakeroot));
    },
  };
}
