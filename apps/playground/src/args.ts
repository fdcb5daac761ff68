/** The arguments field, split as a POSIX shell would split plain words, '…' and "…" (no expansions). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length && /["\\$`]/.test(text[i + 1]!)) cur += text[++i]!;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur ??= "";
    } else if (c === "\\" && i + 1 < text.length) {
      cur = (cur ?? "") + text[++i]!;
    } else if (/\s/.test(c)) {
      if (cur !== null) out.push(cur);
      cur = null;
    } else cur = (cur ?? "") + c;
  }
  if (quote) throw new Error(`arguments: unterminated ${quote}`);
  if (cur !== null) out.push(cur);
  return out;
}
