import type { ElfErrorCode } from "@uabi/elf";

/**
 * node:fs when running under Node, else undefined. Fetched at call time (not a static import) so that the
 * package also loads in a browser, where only the byte-array and guest-memory readers make sense.
 */
function nodeFs(): typeof import("node:fs") | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return p?.getBuiltinModule?.("node:fs") as typeof import("node:fs") | undefined;
}

/** Where the vDSO bytes come from: guest memory, a byte array, or the live process. Throws on a bad address. */
export interface MemoryReader {
  read(addr: number, len: number): Uint8Array;
}

export type VdsoErrorCode = ElfErrorCode | "unreadable";

/** A malformed or unreadable vDSO image; `address` is in the reader's address space. */
export class VdsoError extends Error {
  override readonly name = "VdsoError";
  constructor(
    readonly code: VdsoErrorCode,
    readonly address: number,
    detail: string,
    cause?: unknown,
  ) {
    super(`${code}: ${detail} (address 0x${address.toString(16)})`, { cause });
  }
}

/** Read from `bytes` as if they were mapped at `base`. */
export function bytesReader(bytes: Uint8Array, base = 0): MemoryReader {
  return {
    read(addr, len) {
      const off = addr - base;
      if (!(Number.isSafeInteger(off) && Number.isSafeInteger(len) && off >= 0 && len >= 0 && off + len <= bytes.length)) {
        throw new VdsoError("unreadable", addr, `${len} bytes at 0x${addr.toString(16)} are outside the ${bytes.length}-byte image at 0x${base.toString(16)}`);
      }
      return bytes.subarray(off, off + len);
    },
  };
}

/** Adapt anything with GuestMemory's `readBytes` (faults propagate and become "unreadable"). */
export function guestMemoryReader(mem: { readBytes(addr: number, len: number): Uint8Array }): MemoryReader {
  return { read: (addr, len) => mem.readBytes(addr, len) };
}

export interface LiveVdso {
  /** Start of the `[vdso]` mapping (equals AT_SYSINFO_EHDR). */
  readonly base: number;
  readonly size: number;
  /** Reads /proc/self/mem, refusing addresses outside the mapping. */
  readonly reader: MemoryReader;
}

/** The `[vdso]` range of this process from /proc/self/maps; undefined when there is none (or not Linux). */
export function liveProcessVdso(): LiveVdso | undefined {
  const fs = nodeFs();
  if (!fs) return undefined;
  let maps: string;
  try {
    maps = fs.readFileSync("/proc/self/maps", "utf8");
  } catch {
    return undefined;
  }
  const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s+\[vdso\]$/m.exec(maps);
  if (!m) return undefined;
  const base = parseInt(m[1]!, 16);
  const size = parseInt(m[2]!, 16) - base;
  return { base, size, reader: processMemoryReader(base, size) };
}

/** Read [base, base+size) of this process through /proc/self/mem. */
export function processMemoryReader(base: number, size: number): MemoryReader {
  return {
    read(addr, len) {
      if (!(addr >= base && len >= 0 && addr + len <= base + size)) {
        throw new VdsoError("unreadable", addr, `${len} bytes at 0x${addr.toString(16)} are outside [0x${base.toString(16)}, +0x${size.toString(16)})`);
      }
      const fs = nodeFs();
      if (!fs) throw new VdsoError("unreadable", addr, "no /proc/self/mem outside Node");
      const out = new Uint8Array(len);
      const fd = fs.openSync("/proc/self/mem", "r");
      try {
        let done = 0;
        while (done < len) {
          const n = fs.readSync(fd, out, done, len - done, BigInt(addr + done));
          if (n <= 0) throw new VdsoError("unreadable", addr + done, "short read from /proc/self/mem");
          done += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      return out;
    },
  };
}

/** AT_SYSINFO_EHDR (auxv tag 33) of this process from /proc/self/auxv, if readable. */
export function liveSysinfoEhdr(): number | undefined {
  const fs = nodeFs();
  if (!fs) return undefined;
  let auxv: Uint8Array;
  try {
    auxv = fs.readFileSync("/proc/self/auxv");
  } catch {
    return undefined;
  }
  const dv = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  for (let o = 0; o + 16 <= auxv.length; o += 16) {
    const tag = dv.getBigUint64(o, true);
    if (tag === 0n) break;
    if (tag === 33n) return Number(dv.getBigUint64(o + 8, true));
  }
  return undefined;
}
