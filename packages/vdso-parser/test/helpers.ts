import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeElf, type ElfWriterInput, type WriterSymbol } from "@uabi/elf";

export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(import.meta.dirname, "fixtures", name)));
export const fixtureText = (name: string): string => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");

export const hasReadelf = (() => {
  try {
    execFileSync("readelf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

export interface TextSym { value: number; size: number; type: string; bind: string; ndx: string; name: string; version?: string; isDefault: boolean }
/** Parse `readelf --dyn-syms -W` symbol lines. */
export function parseDynsyms(text: string): TextSym[] {
  const out: TextSym[] = [];
  for (const m of text.matchAll(/^\s+\d+: ([0-9a-f]+)\s+(\d+) (\w+)\s+(\w+)\s+\w+\s+(\S+) ?(.*)$/gm)) {
    const full = m[6]!.replace(/ \(\d+\)$/, "");
    const at = full.indexOf("@");
    const isDefault = full.includes("@@");
    out.push({
      value: parseInt(m[1]!, 16), size: +m[2]!, type: m[3]!, bind: m[4]!, ndx: m[5]!,
      name: at < 0 ? full : full.slice(0, at), version: at < 0 ? undefined : full.slice(at + (isDefault ? 2 : 1)), isDefault,
    });
  }
  return out;
}

/** An arm64-style vDSO (SysV hash only, LINUX_2.6.39), built with our writer. */
export function arm64Vdso(over: Partial<ElfWriterInput> = {}, extra: WriterSymbol[] = []) {
  const text = new Uint8Array(64);
  const dv = new DataView(text.buffer);
  for (let i = 0; i < 16; i++) dv.setUint32(4 * i, 0xd503201f, true); // NOP fill
  dv.setUint32(4, 0xd2801168, true); // __kernel_rt_sigreturn: mov x8, #139
  dv.setUint32(8, 0xd4000001, true); //                         svc #0
  const v = "LINUX_2.6.39";
  return writeElf({
    machine: "aarch64", soname: "linux-vdso.so.1", versions: [v], hashStyle: "sysv", symbolic: true,
    sections: [{ name: ".text", data: text, exec: true, align: 16 }],
    symbols: [
      { name: "__kernel_rt_sigreturn", section: ".text", value: 4, size: 8, version: v },
      { name: "__kernel_gettimeofday", section: ".text", value: 16, size: 16, version: v },
      { name: "__kernel_clock_gettime", section: ".text", value: 32, size: 16, version: v },
      { name: "__kernel_clock_getres", section: ".text", value: 48, size: 16, version: v },
      ...extra,
    ],
    ...over,
  });
}
