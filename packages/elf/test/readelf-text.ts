/** Parsers for the recorded `readelf -W` outputs used as oracle fixtures. */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PT } from "../src/index.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");
export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));
export const fixtureText = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

export const hasReadelf = (() => {
  try {
    execFileSync("readelf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const PT_NAMES: Record<string, number> = {
  LOAD: PT.LOAD, DYNAMIC: PT.DYNAMIC, INTERP: PT.INTERP, NOTE: PT.NOTE, PHDR: PT.PHDR, TLS: PT.TLS,
  GNU_EH_FRAME: PT.GNU_EH_FRAME, GNU_STACK: PT.GNU_STACK, GNU_RELRO: PT.GNU_RELRO, GNU_PROPERTY: PT.GNU_PROPERTY,
};

export interface TextPhdr { type: number; offset: number; vaddr: number; filesz: number; memsz: number; flags: string; align: number }
export function parsePhdrs(text: string): TextPhdr[] {
  const out: TextPhdr[] = [];
  const re = /^\s+([A-Z_]+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)$/gm;
  for (const m of text.matchAll(re)) {
    const type = PT_NAMES[m[1]!];
    if (type === undefined) throw new Error(`unknown segment type ${m[1]}`);
    out.push({ type, offset: parseInt(m[2]!, 16), vaddr: parseInt(m[3]!, 16), filesz: parseInt(m[4]!, 16), memsz: parseInt(m[5]!, 16), flags: m[6]!.replace(/ /g, ""), align: parseInt(m[7]!, 16) });
  }
  return out;
}

export interface TextSection { index: number; name: string; addr: number; offset: number; size: number }
export function parseSections(text: string): TextSection[] {
  const out: TextSection[] = [];
  const re = /^\s*\[\s*(\d+)\] (\S+)\s+\S+\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) /gm;
  for (const m of text.matchAll(re)) {
    out.push({ index: +m[1]!, name: m[2]!, addr: parseInt(m[3]!, 16), offset: parseInt(m[4]!, 16), size: parseInt(m[5]!, 16) });
  }
  return out;
}

export interface TextSym { index: number; value: number; size: number; type: string; bind: string; ndx: string; name: string; version?: string; isDefault: boolean }
export function parseDynsyms(text: string): TextSym[] {
  const out: TextSym[] = [];
  const re = /^\s+(\d+): ([0-9a-f]+)\s+(\d+) (\w+)\s+(\w+)\s+\w+\s+(\S+) ?(.*)$/gm;
  for (const m of text.matchAll(re)) {
    const full = m[7]!.replace(/ \(\d+\)$/, "");
    const at = full.indexOf("@");
    const name = at < 0 ? full : full.slice(0, at);
    const isDefault = full.includes("@@");
    const version = at < 0 ? undefined : full.slice(at + (isDefault ? 2 : 1));
    out.push({ index: +m[1]!, value: parseInt(m[2]!, 16), size: +m[3]!, type: m[4]!, bind: m[5]!, ndx: m[6]!, name, version, isDefault });
  }
  return out;
}
