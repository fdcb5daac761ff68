/** Offsets inside the kernel's rt_sigframe, from `@uabi/uapi`'s layouts (checked against gcc there). */
import { type Arch, layout } from "@uabi/uapi";

export function sigframeOffset(arch: Arch, field: string): number {
  const f = layout(arch, "rt_sigframe")?.fields[field];
  if (!f) throw new Error(`uapi has no rt_sigframe.${field} for ${arch}`);
  return f.offset;
}
