/**
 * A read-only host directory for the VFS root, on node:fs. Only lstat,
 * readdir, readFile and readlink are used, always on `root` joined with
 * components the VFS resolver has validated (no "", ".", "..", or "/"), and
 * lstat never follows a symlink: the guest resolves symlinks itself inside
 * its own namespace. The root is canonicalised once with realpath.
 */
// Named imports: a namespace import makes the CommonJS bundle copy every property of both modules at load.
import { closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { HostFs } from "./vfs.js";

export class NodeHostFs implements HostFs {
  private readonly root: string;
  constructor(root: string) {
    this.root = realpathSync(root);
    if (!statSync(this.root).isDirectory()) throw new Error(`host root ${root} is not a directory`);
  }
  private p(path: readonly string[]): string {
    for (const c of path) if (c === "" || c === "." || c === ".." || c.includes("/") || c.includes("\0")) throw new Error(`bad component ${c}`);
    return join(this.root, ...path);
  }
  lstat(path: readonly string[]) {
    try {
      const st = lstatSync(this.p(path));
      const kind = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
      return { kind, size: st.size, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs } as const;
    } catch {
      return undefined;
    }
  }
  readdir(path: readonly string[]): string[] {
    try {
      return readdirSync(this.p(path));
    } catch {
      return [];
    }
  }
  readFile(path: readonly string[]): Uint8Array {
    try {
      // O_NOFOLLOW: the last component was lstat'ed as a regular file; refuse if it changed into a symlink since.
      const fd = openSync(this.p(path), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return new Uint8Array(readFileSync(fd));
      } finally {
        closeSync(fd);
      }
    } catch {
      return new Uint8Array(0);
    }
  }
  readlink(path: readonly string[]): string {
    try {
      return readlinkSync(this.p(path));
    } catch {
      return "";
    }
  }
}
