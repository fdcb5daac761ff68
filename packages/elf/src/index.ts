export * from "./constants.js";
export { ElfError, type ElfErrorCode } from "./errors.js";
export { elfHash, gnuHash } from "./hash.js";
export {
  parseElfForExec, loadExecutable, ExecLoadError,
  type ExecLoadErrorKind, type ExecSegment, type ExecHeaders, type FileMapping, type LoadTarget, type LoadOptions, type LoadedExecutable,
} from "./exec.js";
export { Bin } from "./bin.js";
export {
  readElf, ElfFile, walkVerdefs, walkVerneeds, parseNotes, sysvHashFind, gnuHashTable, gnuHashFind, gnuBloomAccepts, gnuHashSymbolCount,
  SYMBOL_TYPE_NAMES, SYMBOL_BINDING_NAMES,
  type ElfHeader, type ProgramHeader, type Section, type DynamicEntry, type ElfSymbol, type SymbolVersion,
  type VerdefEntry, type VerneedEntry, type VernauxEntry, type ElfNote, type GnuHashTable,
} from "./reader.js";
export {
  writeElf, ehFrameFdes,
  type ElfWriterInput, type WriterSection, type WriterSymbol, type WriterVersion, type SymbolType, type SymbolBinding,
  type ElfImage, type WrittenSymbol, type PlacedSection, type Layout,
} from "./writer.js";
