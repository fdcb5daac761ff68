/**
 * Re-record the binutils oracle fixtures: the generated images themselves, `readelf -a -W` of each,
 * and `objdump -d` of each (aarch64-linux-gnu-objdump for arm64). Run after any change to the
 * generator, libkernel's handlers or the uapi tables:
 *
 *   node_modules/.bin/tsx --conditions=@uabi/source packages/vdso/scripts/record-oracles.ts
 *
 * Fails (without writing) if readelf prints anything on stderr or any warning.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type VdsoImage, buildVdso } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "test", "fixtures");
const isMain = !!process.argv[1] && process.argv[1].endsWith("record-oracles.ts");

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0 || r.stderr !== "") throw new Error(`${cmd} ${args.join(" ")}: status ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function recordImages(tmp: string): void {
for (const arch of ["arm64", "x86_64"] as const) {
  for (const variant of ["vdso", "library"] as const) {
    const img = buildVdso({ arch, variant });
    const name = `${arch}-${variant}`;
    const file = join(tmp, `${name}.so`);
    writeFileSync(file, img.bytes);
    const readelf = run("readelf", ["-a", "-W", file]);
    if (/warning/i.test(readelf)) throw new Error(`${name}: readelf warned`);
    const objdump = run(arch === "arm64" ? "aarch64-linux-gnu-objdump" : "objdump", ["-d", file]);
    const strip = (s: string): string => s.replaceAll(file, `${name}.so`);
    writeFileSync(join(out, `${name}.so`), img.bytes);
    writeFileSync(join(out, `${name}.readelf.txt`), strip(readelf));
    writeFileSync(join(out, `${name}.objdump.txt`), strip(objdump));
    console.log(`${name}: ${img.bytes.length} bytes, readelf ${readelf.length} chars, objdump ${objdump.length} chars`);
  }
}
}

/**
 * GNU ld + the real dynamic loader: link fixtures/link-test.c against libkernel.so.1 and run it.
 * Shared with the live test, so both produce the same text.
 */
export function linkAndRun(arch: "arm64" | "x86_64", lib: Uint8Array, workDir: string): string {
  const libDir = join(workDir, `lib-${arch}`);
  mkdirSync(libDir, { recursive: true });
  writeFileSync(join(libDir, "libkernel.so.1"), lib);
  try {
    symlinkSync("libkernel.so.1", join(libDir, "libkernel.so"));
  } catch {
    // already there
  }
  const exe = join(workDir, `link-test-${arch}`);
  const cc = arch === "arm64" ? "aarch64-linux-gnu-gcc" : "gcc";
  run(cc, ["-o", exe, join(here, "..", "test", "fixtures", "link-test.c"), `-L${libDir}`, "-lkernel"]);
  const syms = run("readelf", ["--dyn-syms", "-W", exe]).split("\n").filter((l) => l.includes("__kernel_")).map((l) => l.trim().split(/\s+/).slice(3).join(" "));
  const r = arch === "arm64"
    ? spawnSync("qemu-aarch64", ["-L", "/usr/aarch64-linux-gnu", "-E", `LD_LIBRARY_PATH=${libDir}`, exe], { encoding: "utf8" })
    : spawnSync(exe, [], { encoding: "utf8", env: { ...process.env, LD_LIBRARY_PATH: libDir } });
  return [`stdout: ${JSON.stringify(r.stdout)}`, `status: ${r.status}`, ...syms.sort()].join("\n") + "\n";
}

/**
 * Build fixtures/native-x86_64.c against libkernel.so.1 and run it on the host: the generated glue
 * and handlers on a real CPU, SUD on the real kernel (x86-64 hosts only).
 */
export function nativeRun(lib: Uint8Array, workDir: string): { exe: string; libDir: string; stdout: string } {
  const libDir = join(workDir, "lib-native");
  mkdirSync(libDir, { recursive: true });
  writeFileSync(join(libDir, "libkernel.so.1"), lib);
  try {
    symlinkSync("libkernel.so.1", join(libDir, "libkernel.so"));
  } catch {
    // already there
  }
  const exe = join(workDir, "native-x86_64");
  run("gcc", ["-O1", "-mno-red-zone", "-o", exe, join(here, "..", "test", "fixtures", "native-x86_64.c"), `-L${libDir}`, "-lkernel"]);
  const r = spawnSync(exe, [], { encoding: "utf8", env: { ...process.env, LD_LIBRARY_PATH: libDir } });
  return { exe, libDir, stdout: `${r.stdout}status: ${r.status}\n` };
}

/** gdb's backtraces from inside the bounce entry and the SIGSYS entry, reduced to frame names. */
export function gdbUnwind(exe: string, libDir: string): string {
  const bt = (catchWhat: string): string[] => {
    const r = spawnSync("gdb", ["-nx", "-batch", "-ex", "set debuginfod enabled off", "-ex", "handle SIGSYS nostop noprint pass",
      "-ex", `catch syscall ${catchWhat}`, "-ex", "run", "-ex", "bt", exe], { encoding: "utf8", env: { ...process.env, LD_LIBRARY_PATH: libDir }, timeout: 60_000 });
    return r.stdout.split("\n").filter((l) => /^#\d/.test(l)).map((l) => l.replace(/0x[0-9a-f]+ in /, "").replace(/\s+\(.*$/, "").replace(/\s+/g, " ").trim());
  };
  return [`bounce (write): ${bt("write").join(" | ")}`, `sigsys (getppid): ${bt("getppid").join(" | ")}`].join("\n") + "\n";
}

/**
 * Compile fixtures/direct-call.c for `arch` and run it on a real CPU (x86-64 natively, arm64 under
 * qemu-aarch64) against `img`: it maps the image like the kernel maps the vDSO and calls the
 * handlers at the offsets passed in argv.
 */
export function directRun(arch: "arm64" | "x86_64", img: VdsoImage, workDir: string): string {
  const file = join(workDir, `image-${arch}.so`);
  writeFileSync(file, img.bytes);
  const exe = join(workDir, `direct-${arch}`);
  run(arch === "arm64" ? "aarch64-linux-gnu-gcc" : "gcc", ["-O1", "-o", exe, join(here, "..", "test", "fixtures", "direct-call.c")]);
  const at = (name: string, version: string): string => {
    const s = img.symbols.find((x) => x.name === name && x.version === version);
    if (!s) throw new Error(`no ${name}@${version}`);
    return `0x${s.address.toString(16)}`;
  };
  const pairs = ["getpid", "gettid", "umask", "personality", "set_robust_list", "get_robust_list", "clock_gettime", "clock_getres", "gettimeofday"]
    .map((n) => `${n}=${at(`__kernel_${n}`, "LIBKERNEL_1")}`);
  pairs.push(`uname=${at("__kernel_uname", "LIBKERNEL_2")}`, `uname_v1=${at("__kernel_uname", "LIBKERNEL_1")}`);
  const r = arch === "arm64"
    ? spawnSync("qemu-aarch64", ["-L", "/usr/aarch64-linux-gnu", exe, file, ...pairs], { encoding: "utf8" })
    : spawnSync(exe, [file, ...pairs], { encoding: "utf8" });
  return `${r.stdout}status: ${r.status}\n`;
}

if (isMain) {
  mkdirSync(out, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "vdso-oracle-"));
  recordImages(tmp);
  for (const arch of ["arm64", "x86_64"] as const) {
    const text = linkAndRun(arch, buildVdso({ arch, variant: "library" }).bytes, tmp);
    writeFileSync(join(out, `link-${arch}.txt`), text);
    console.log(`link-${arch}: ${text.trim().replaceAll("\n", " | ")}`);
  }
  const native = nativeRun(buildVdso({ arch: "x86_64", variant: "library" }).bytes, tmp);
  writeFileSync(join(out, "native-x86_64.txt"), native.stdout);
  const gdb = gdbUnwind(native.exe, native.libDir);
  writeFileSync(join(out, "gdb-x86_64.txt"), gdb);
  console.log(native.stdout + gdb);
  for (const arch of ["arm64", "x86_64"] as const) {
    const text = directRun(arch, buildVdso({ arch, variant: "vdso" }), tmp);
    writeFileSync(join(out, `direct-${arch}.txt`), text);
    console.log(`direct-${arch}:\n${text}`);
  }
}
