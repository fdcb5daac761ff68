/**
 * Re-record the binutils oracle fixtures: the generated images themselves, `readelf -a -W` of each,
 * and `objdump -d` of each (aarch64-linux-gnu-objdump for arm64). Run after any change to the
 * generator, libkernel's handlers or the uapi tables:
 *
 *   node_modules/.bin/tsx --conditions=source packages/vdso/scripts/record-oracles.ts
 *
 * Fails (without writing) if readelf prints anything on stderr or any warning.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildVdso } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "test", "fixtures");
mkdirSync(out, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "vdso-oracle-"));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0 || r.stderr !== "") throw new Error(`${cmd} ${args.join(" ")}: status ${r.status}: ${r.stderr}`);
  return r.stdout;
}

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
