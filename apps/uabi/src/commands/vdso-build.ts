/** `uabi vdso build --arch arm64|x86_64 [--variant vdso|library] [--personality P] -o FILE`: write the generated image. */
import { writeFileSync } from "node:fs";
import { buildVdso } from "@uabi/vdso";
import { UsageError, type ParsedArgs } from "../args.js";
import type { Io } from "../cli.js";
import { PERSONALITIES, pick } from "../machine.js";

const ARCHES = ["arm64", "x86_64"] as const;
const VARIANTS = ["vdso", "library"] as const;
const hex = (n: number): string => `0x${n.toString(16)}`;

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const arch = args.str("arch");
  const variant = args.str("variant") ?? "vdso";
  const out = args.str("out");
  if (!arch || !ARCHES.includes(arch as (typeof ARCHES)[number])) throw new UsageError(`vdso build: --arch must be ${ARCHES.join(" or ")}${arch ? ` (got '${arch}')` : ""}`);
  if (!VARIANTS.includes(variant as (typeof VARIANTS)[number])) throw new UsageError(`vdso build: --variant must be ${VARIANTS.join(" or ")} (got '${variant}')`);
  if (!out) throw new UsageError("vdso build: -o FILE is required");
  const personality = pick("personality", args.str("personality"), PERSONALITIES);
  const img = buildVdso({
    arch: arch as (typeof ARCHES)[number], variant: variant as (typeof VARIANTS)[number],
    ...(personality && personality !== "linux" ? { personalities: [personality as "fakeroot"] } : {}),
  });
  try {
    writeFileSync(out, img.bytes);
  } catch (e) {
    throw new Error(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const versions = [...new Set(img.symbols.map((s) => s.version).filter((v): v is string => !!v))];
  io.stdout.write(
    `${out}: ${img.soname} for ${arch}, ${img.bytes.length} bytes (maps ${img.mapSize}), ${img.symbols.length} symbols in ${versions.join(", ")}\n` +
      `  text ${hex(img.textStart)}–${hex(img.textEnd)}; entries: bounce ${hex(img.entries.bounce)}, sigsys ${hex(img.entries.sigsys)}, sigreturn ${hex(img.entries.sigreturn)}\n` +
      `  inspect: uabi vdso inspect ${out} --disasm   (or readelf -a -W ${out})\n`,
  );
  return 0;
}
