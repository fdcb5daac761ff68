/** What makes two failures "the same": the exception's class, its message with numbers blanked, and where it was thrown. */
export function signature(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error ${typeof e}: ${String(e).slice(0, 80)}`;
  const frame = (e.stack ?? "").split("\n").find((l) => /^\s+at /.test(l) && !l.includes("node:")) ?? "";
  const where = /\(?([^()\s]*\/(packages|apps)\/[^():]+:\d+)/.exec(frame)?.[1]?.replace(/^.*\/(packages|apps)\//, "$1/") ?? frame.trim();
  return `${e.name}: ${e.message.split("\n")[0]!.replace(/0x[0-9a-f]+|\d+/gi, "N").slice(0, 120)} @ ${where}`;
}
