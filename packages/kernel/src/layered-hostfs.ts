/**
 * Several read-only host trees seen as one root filesystem, the first layer winning: a sysroot (the dynamic
 * loader and the libraries of a foreign ISA) over a root directory, so the guest finds /lib/ld-linux-aarch64.so.1
 * at its normal path while it lives in /usr/aarch64-linux-gnu on the host. This is qemu-user's `-L` rule (a path
 * is looked up under the prefix first, then in the real tree), except that directories present in several layers
 * list the union of their entries. Every call names a path the VFS resolver has already walked, so a layer
 * is only consulted where the union found a directory.
 */
import type { HostFs } from "./vfs.js";

export class LayeredHostFs implements HostFs {
  constructor(private readonly layers: readonly HostFs[]) {
    if (layers.length === 0) throw new Error("LayeredHostFs needs at least one layer");
  }
  /** The first layer that has `path` (lstat, symlinks not followed). */
  private owner(path: readonly string[]): HostFs | undefined {
    return this.layers.find((l) => l.lstat(path) !== undefined);
  }
  lstat(path: readonly string[]) {
    for (const l of this.layers) {
      const st = l.lstat(path);
      if (st) return st;
    }
    return undefined;
  }
  readdir(path: readonly string[]): string[] {
    // The directory of the first layer, plus the entries of the lower layers' directories at the same path.
    const names = new Set<string>();
    let first = true;
    for (const l of this.layers) {
      const st = l.lstat(path);
      if (!st) continue;
      if (st.kind !== "dir") {
        if (first) return [];
        continue;
      }
      first = false;
      for (const n of l.readdir(path)) names.add(n);
    }
    return [...names];
  }
  readFile(path: readonly string[]): Uint8Array {
    return this.owner(path)?.readFile(path) ?? new Uint8Array(0);
  }
  readlink(path: readonly string[]): string {
    return this.owner(path)?.readlink(path) ?? "";
  }
}
