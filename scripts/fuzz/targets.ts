/**
 * The fuzz targets: each takes one input, does everything its package does with such a file, and lets any
 * exception escape. `typed` says which exceptions are the package's own refusals (anything else is an untyped
 * failure: a host exception a hostile file reached).
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ElfError, ExecLoadError, loadExecutable, parseElfForExec, readElf, EM } from "../../packages/elf/src/index.js";
import { parseVdso, bytesReader, VdsoError } from "../../packages/vdso-parser/src/index.js";
import { ExecError, Kernel } from "../../packages/kernel/src/index.js";

export const ROOT = new URL("../..", import.meta.url).pathname;

export interface Target {
  name: string;
  summary: string;
  /** Seed files (unmutated inputs). */
  seeds(): Uint8Array[];
  run(input: Uint8Array): void;
  typed(e: unknown): boolean;
  /** Wall time one input may take before it counts as a hang (ms). */
  hangMs: number;
}

const corpus = (dir: string, names: readonly string[]) =>
  names.map((n) => join(ROOT, "fixtures/corpus/bin", dir, n)).filter((p) => existsSync(p)).map((p) => new Uint8Array(readFileSync(p)));
/** Small static programs of both ISAs: fast to mutate, and each reaches main and a few syscalls. */
function programSeeds(): Uint8Array[] {
  return [
    ...corpus("aarch64-glibc", ["nostdlib-hello-O0", "nostdlib-hello-O2", "nostdlib-loop-O2"]),
    ...corpus("x86_64-glibc", ["nostdlib-hello-O0", "nostdlib-hello-O2", "nostdlib-loop-O2"]),
    ...corpus("x86_64-musl", ["hello-O2", "exit42-O2", "args-O2", "malloc-O2"]),
  ];
}
let vdsos: Uint8Array[] | undefined;
function vdsoSeeds(): Uint8Array[] {
  if (!vdsos) {
    const k = new Kernel();
    vdsos = (["arm64", "x86_64"] as const).map((a) => k.vdsoFor(a)!.bytes.slice());
  }
  return vdsos;
}
/** Fixture files of one target (fixtures/fuzz/<target>/*.elf): the minimized crashers, replayed by a test. */
export function fixtureFiles(target: string): string[] {
  const dir = join(ROOT, "fixtures/fuzz", target);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".elf")).sort().map((f) => join(dir, f)) : [];
}

/** Everything @uabi/elf's reader offers, each reached once (lazy tables throw when first asked for). */
function readEverything(bytes: Uint8Array): void {
  const f = readElf(bytes);
  const tries: (() => unknown)[] = [
    () => f.sections.map((s) => f.sectionData(s)),
    () => f.programHeaders.map((p) => f.segmentData(p)),
    () => f.interpreter, () => f.tlsSegment, () => f.gnuStack, () => f.phdrAddress, () => f.vaddrToOffset(f.entry, 4),
    () => f.symbols, () => f.dynamicSymbols, () => f.dynamic, () => f.soname, () => f.needed, () => f.versyms,
    () => f.verdefs, () => f.verneeds, () => f.notes, () => f.buildId,
    () => f.lookup("__vdso_clock_gettime", "LINUX_2.6"), () => f.lookup("__kernel_clock_gettime"), () => f.gnuLookup("main"), () => f.sysvLookup("main"),
  ];
  // Each accessor on its own: one table's refusal must not hide another's crash.
  for (const t of tries) {
    try {
      t();
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
    }
  }
}

/** ELF_ET_DYN_BASE per machine, as the kernel's adapters have them. */
const MACHINES: Record<number, number> = { [EM.AARCH64]: 0xaaaa_aaaa_0000, [EM.X86_64]: 0x5555_5555_4000 };

export const TARGETS: Record<string, Target> = {
  "elf-reader": {
    name: "elf-reader",
    summary: "@uabi/elf readElf and every table it reads (sections, symbols, dynamic, versions, notes, hash lookups)",
    seeds: () => [...programSeeds(), ...vdsoSeeds()],
    run: readEverything,
    typed: (e) => e instanceof ElfError,
    hangMs: 2000,
  },
  exec: {
    name: "exec",
    summary: "@uabi/elf parseElfForExec + loadExecutable (load_elf_binary's checks and segment arithmetic) into a recording target",
    seeds: programSeeds,
    run: (bytes) => {
      parseElfForExec(bytes, 4096);
      let mapped = 0;
      const note = (start: number, len: number) => {
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(len) || len < 0) throw new TypeError(`mapping [${start}, +${len}) is not an exact address range`);
        mapped += len;
      };
      for (const interpreter of ["refuse", "allow"] as const) {
        loadExecutable(bytes, { mapFile: (m) => note(m.start, m.length), mapAnon: note, zero: note }, {
          dynBase: MACHINES, cpu: "fuzz", lowest: 0, highest: 2 ** 47 - 4096, pageSize: 4096, interpreter,
        });
      }
      if (mapped < 0) throw new Error("unreachable");
    },
    typed: (e) => e instanceof ExecLoadError,
    hangMs: 2000,
  },
  "vdso-parser": {
    name: "vdso-parser",
    summary: "@uabi/vdso-parser parseVdso on a mutated vDSO image, then every lookup (GNU/SysV hash, versions, musl rules)",
    seeds: vdsoSeeds,
    run: (bytes) => {
      const v = parseVdso(bytesReader(bytes, 0x7f00_0000_0000), 0x7f00_0000_0000);
      v.symbols();
      void v.versions;
      void v.symbolCount;
      for (const [n, ver] of [["__vdso_clock_gettime", "LINUX_2.6"], ["__kernel_clock_gettime", "LINUX_2.6.39"], ["__vdso_getpid", "UABI_1"], ["nope", "NOPE"]] as const) {
        v.lookup(n, ver);
        v.lookupMusl(n, ver);
      }
    },
    typed: (e) => e instanceof VdsoError || e instanceof ElfError,
    hangMs: 2000,
  },
  spawn: {
    name: "spawn",
    summary: "@uabi/kernel spawn + run in-process (20 000 instructions, 64 MiB per process)",
    seeds: programSeeds,
    run: (bytes) => {
      const k = new Kernel({ maxInstructions: 20_000, memLimit: 64 << 20, quantum: 5_000 });
      try {
        k.spawn(bytes, { argv: ["fuzz", "a"], env: ["A=1"] });
      } catch (e) {
        if (e instanceof ExecError) return;
        throw e;
      }
      k.run();
    },
    typed: (e) => e instanceof ExecError,
    hangMs: 5000,
  },
};
