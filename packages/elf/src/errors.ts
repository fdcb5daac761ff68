/** Typed failure for malformed or unsupported ELF input; `offset` is the file (or image) offset at fault. */
export type ElfErrorCode =
  | "truncated" //      a structure runs past the end of the bytes
  | "bad-magic" //      not \x7fELF
  | "bad-class" //      not ELFCLASS64
  | "bad-data" //       not little-endian
  | "bad-version" //    e_version / vd_version / vn_version not 1
  | "bad-entsize" //    e_phentsize, e_shentsize or sh_entsize is not the ELF64 size
  | "out-of-range" //   an offset, index or address points outside its container
  | "too-large" //      a 64-bit value does not fit a JS number exactly (> 2^53 - 1)
  | "bad-string" //     a string is not NUL-terminated inside its table
  | "bad-link" //       sh_link / sh_info names the wrong kind of section
  | "bad-note" //       a note record does not fit its section
  | "bad-hash" //       a hash table's header does not fit or is inconsistent
  | "cycle" //          a chain (hash chain, verdef/verneed list) revisits an entry or never ends
  | "missing" //        a required table is absent
  | "invalid-input"; // the writer was given inconsistent input

export class ElfError extends Error {
  override readonly name = "ElfError";
  constructor(
    readonly code: ElfErrorCode,
    readonly offset: number,
    /** The message without the code and offset. */
    readonly detail: string,
  ) {
    super(`${code}: ${detail} (offset 0x${offset.toString(16)})`);
  }
}
