/** Parse `objdump -d` output into instructions (bytes re-assembled across continuation lines). */
export interface ObjdumpInsn {
  address: number;
  bytes: number[];
  text: string;
}
export function parseObjdump(text: string): ObjdumpInsn[] {
  const out: ObjdumpInsn[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$/.exec(line);
    if (!m) continue;
    const bytes = m[2]!.split(" ").filter(Boolean).map((h) => parseInt(h, 16));
    if (m[3] === undefined) {
      const last = out[out.length - 1];
      if (last) last.bytes.push(...bytes);
      continue;
    }
    out.push({ address: parseInt(m[1]!, 16), bytes, text: m[3] });
  }
  return out;
}
/** objdump text without `<symbol>` and `# comment` annotations, trailing spaces trimmed. */
export function normaliseObjdump(t: string): string {
  return t.replace(/\s+#.*$/, "").replace(/\s*<[^>]*>/g, "").replace(/\s+$/, "");
}
