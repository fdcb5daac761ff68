import { ElfError } from "./errors.js";

const TWO32 = 0x1_0000_0000;
const dec = new TextDecoder("utf-8", { fatal: false });

/**
 * Bounds-checked little-endian access to a byte array. Every read checks its range first, so a bad offset
 * becomes an ElfError instead of a RangeError or a silent `undefined`.
 */
export class Bin {
  readonly view: DataView;
  readonly length: number;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.length;
  }

  /** Throw unless [off, off+len) lies inside the bytes. */
  check(off: number, len: number, what: string): void {
    if (Number.isSafeInteger(off) && Number.isSafeInteger(len) && off >= 0 && len >= 0 && off + len <= this.length) return;
    const code = off >= 0 && off <= this.length ? "truncated" : "out-of-range";
    throw new ElfError(code, Number.isSafeInteger(off) ? off : -1, `${what}: ${len} bytes at 0x${off.toString(16)} do not fit in ${this.length} bytes`);
  }

  u8(off: number, what = "u8"): number {
    this.check(off, 1, what);
    return this.bytes[off]!;
  }
  u16(off: number, what = "u16"): number {
    this.check(off, 2, what);
    return this.view.getUint16(off, true);
  }
  u32(off: number, what = "u32"): number {
    this.check(off, 4, what);
    return this.view.getUint32(off, true);
  }
  i32(off: number, what = "i32"): number {
    this.check(off, 4, what);
    return this.view.getInt32(off, true);
  }
  /** u64 as an exact number; values above 2^53 - 1 raise "too-large" (no ELF64 file we read needs them). */
  u64(off: number, what = "u64"): number {
    this.check(off, 8, what);
    const lo = this.view.getUint32(off, true);
    const hi = this.view.getUint32(off + 4, true);
    if (hi > 0x1fffff) throw new ElfError("too-large", off, `${what}: 64-bit value 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} exceeds 2^53`);
    return hi * TWO32 + lo;
  }
  /** u64 as a bigint, for fields that may legitimately use all 64 bits. */
  u64big(off: number, what = "u64"): bigint {
    this.check(off, 8, what);
    return this.view.getBigUint64(off, true);
  }

  /** NUL-terminated string starting at `off`, which must end before `end`. */
  cstr(off: number, end: number, what = "string"): string {
    if (!(off >= 0 && off < end && end <= this.length)) {
      throw new ElfError("out-of-range", off, `${what}: string offset outside its table [..0x${end.toString(16)})`);
    }
    // Search only inside the table: a table without NULs must not cost a scan of the whole file per string.
    const rel = this.bytes.subarray(off, end).indexOf(0);
    const nul = rel < 0 ? -1 : off + rel;
    if (nul < 0) throw new ElfError("bad-string", off, `${what}: string is not NUL-terminated inside its table`);
    return dec.decode(this.bytes.subarray(off, nul));
  }

  slice(off: number, len: number, what = "bytes"): Uint8Array {
    this.check(off, len, what);
    return this.bytes.subarray(off, off + len);
  }
}
