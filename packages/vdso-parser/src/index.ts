export { parseVdso, Vdso, type VdsoSymbol, type VdsoVersion, type ParseOptions } from "./parse.js";
export {
  VdsoError, bytesReader, guestMemoryReader, liveProcessVdso, processMemoryReader, liveSysinfoEhdr,
  type MemoryReader, type VdsoErrorCode, type LiveVdso,
} from "./reader.js";
