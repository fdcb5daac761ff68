/** The two guest ISAs uabi models. */
export type Arch = "arm64" | "x86_64";
export const ARCHES: readonly Arch[] = ["arm64", "x86_64"];

/** A value that differs per ISA. */
export type PerArch<T> = { readonly [A in Arch]: T };

/** Thrown for bad input to uapi lookups (unknown arch, name or number where one is required). */
export class UapiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UapiError";
  }
}

export function checkArch(arch: string): Arch {
  if (arch !== "arm64" && arch !== "x86_64") throw new UapiError(`unknown arch ${JSON.stringify(arch)}`);
  return arch;
}
