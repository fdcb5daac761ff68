/** The two ELF symbol hash functions (System V gABI hash and glibc's dl_new_hash), over the name's UTF-8 bytes. */

const enc = new TextEncoder();

function bytesOf(name: string | Uint8Array): Uint8Array {
  return typeof name === "string" ? enc.encode(name) : name;
}

/** SysV ELF hash: used by `.hash` and by Verdef `vd_hash` / Vernaux `vna_hash`. Always < 2^28. */
export function elfHash(name: string | Uint8Array): number {
  const b = bytesOf(name);
  let h = 0;
  for (let i = 0; i < b.length; i++) {
    h = ((h << 4) + b[i]!) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h &= ~g;
  }
  return h >>> 0;
}

/** GNU hash (Bernstein h*33 + c, modulo 2^32): used by `.gnu.hash`. */
export function gnuHash(name: string | Uint8Array): number {
  const b = bytesOf(name);
  let h = 5381;
  for (let i = 0; i < b.length; i++) h = (Math.imul(h, 33) + b[i]!) >>> 0;
  return h;
}
