/**
 * ELF64 constants used by the reader, the writer and the exec loader (values from glibc elf.h and
 * Linux's include/uapi/linux/elf.h and elf-em.h). The one definition of ET_*, EM_*, PT_* and PF_* in uabi.
 */

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const DYN_SIZE = 16;
export const VERDEF_SIZE = 20;
export const VERDAUX_SIZE = 8;
export const VERNEED_SIZE = 16;
export const VERNAUX_SIZE = 16;

/** e_type */
export const ET = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;

/** e_machine: the two we simulate and the neighbours a wrong-architecture message names (EM_386 is I386). */
export const EM = { I386: 3, ARM: 40, X86_64: 62, AARCH64: 183, RISCV: 243 } as const;
/** How exec's "cannot run on" message names an e_machine. */
export const EM_NAMES: Readonly<Record<number, string>> = {
  [EM.I386]: "i386", [EM.ARM]: "ARM", [EM.X86_64]: "x86-64", [EM.AARCH64]: "AArch64", [EM.RISCV]: "RISC-V",
};

/** p_type */
export const PT = {
  NULL: 0, LOAD: 1, DYNAMIC: 2, INTERP: 3, NOTE: 4, SHLIB: 5, PHDR: 6, TLS: 7,
  GNU_EH_FRAME: 0x6474e550, GNU_STACK: 0x6474e551, GNU_RELRO: 0x6474e552, GNU_PROPERTY: 0x6474e553,
} as const;

/** p_flags */
export const PF = { X: 1, W: 2, R: 4 } as const;

/** sh_type */
export const SHT = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, REL: 9,
  DYNSYM: 11, INIT_ARRAY: 14, FINI_ARRAY: 15, PREINIT_ARRAY: 16, GROUP: 17, SYMTAB_SHNDX: 18,
  GNU_HASH: 0x6ffffff6, GNU_VERDEF: 0x6ffffffd, GNU_VERNEED: 0x6ffffffe, GNU_VERSYM: 0x6fffffff,
} as const;

/** sh_flags */
export const SHF = { WRITE: 1, ALLOC: 2, EXECINSTR: 4, MERGE: 0x10, STRINGS: 0x20, INFO_LINK: 0x40, TLS: 0x400 } as const;

/** Special section indices. */
export const SHN = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2, XINDEX: 0xffff } as const;

/** e_phnum escape: the real count is in section 0's sh_info. */
export const PN_XNUM = 0xffff;

/** d_tag */
export const DT = {
  NULL: 0, NEEDED: 1, PLTRELSZ: 2, PLTGOT: 3, HASH: 4, STRTAB: 5, SYMTAB: 6, RELA: 7, RELASZ: 8, RELAENT: 9,
  STRSZ: 10, SYMENT: 11, INIT: 12, FINI: 13, SONAME: 14, RPATH: 15, SYMBOLIC: 16, REL: 17, RELSZ: 18, RELENT: 19,
  PLTREL: 20, DEBUG: 21, TEXTREL: 22, JMPREL: 23, BIND_NOW: 24, INIT_ARRAY: 25, FINI_ARRAY: 26,
  INIT_ARRAYSZ: 27, FINI_ARRAYSZ: 28, RUNPATH: 29, FLAGS: 30, PREINIT_ARRAY: 32, PREINIT_ARRAYSZ: 33,
  GNU_HASH: 0x6ffffef5, VERSYM: 0x6ffffff0, RELACOUNT: 0x6ffffff9, RELCOUNT: 0x6ffffffa, FLAGS_1: 0x6ffffffb,
  VERDEF: 0x6ffffffc, VERDEFNUM: 0x6ffffffd, VERNEED: 0x6ffffffe, VERNEEDNUM: 0x6fffffff,
} as const;

/** DT_FLAGS bits */
export const DF = { ORIGIN: 1, SYMBOLIC: 2, TEXTREL: 4, BIND_NOW: 8, STATIC_TLS: 0x10 } as const;
/** DT_FLAGS_1 bits */
export const DF_1 = { NOW: 1, PIE: 0x08000000 } as const;

export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, GNU_IFUNC: 10 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2, GNU_UNIQUE: 10 } as const;
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** Symbol versioning (glibc elf.h). */
export const VER_DEF_CURRENT = 1;
export const VER_NEED_CURRENT = 1;
export const VER_FLG_BASE = 1;
export const VER_FLG_WEAK = 2;
export const VER_NDX_LOCAL = 0;
export const VER_NDX_GLOBAL = 1;
/** versym bit 15 marks a hidden (non-default, `@`) version; consumers mask with 0x7fff. */
export const VERSYM_HIDDEN = 0x8000;
export const VERSYM_VERSION = 0x7fff;

/** Note types we name. */
export const NT_GNU_BUILD_ID = 3;
export const NT_GNU_PROPERTY_TYPE_0 = 5;
export const NT_GNU_ABI_TAG = 1;

/** DWARF pointer encodings used in .eh_frame / .eh_frame_hdr (LSB "Exception Frames"). */
export const DW_EH_PE = {
  absptr: 0x00, uleb128: 0x01, udata2: 0x02, udata4: 0x03, udata8: 0x04,
  sleb128: 0x09, sdata2: 0x0a, sdata4: 0x0b, sdata8: 0x0c,
  pcrel: 0x10, datarel: 0x30, indirect: 0x80, omit: 0xff,
} as const;
