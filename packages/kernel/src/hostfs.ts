/**
 * A read-only host directory for the VFS root, on node:fs. Only lstat,
 * readdir, readFile and readlink are used, always on `root` joined with
 * components the VFS resolver has validated (no "", ".", "..", or "/"), and
 * lstat never follows a symlink: the guest resolves symlinks itself inside
 * its own namespace. The root is canonicalised once with realpath.
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import type { HostFs } from "./vfs.js";

export class NodeHostFs implements HostFs {
  private readonly root: string;
  constructor(root: string) {
    this.root = fs.realpathSync(root);
    if (!fs.statSync(this.root).isDirectory()) throw new Error(`host root ${root} is not a directory`);
  }
  private p(path: readonly string[]): string {
    for (const c of path) if (c === "" || c === "." || c === ".." || c.includes("/") || c.includes("\0")) throw new Error(`bad component ${c}`);
    return nodePath.join(this.root, ...path);
  }
  lstat(path: readonly string[]) {
    try {
      const st = fs.lstatSync(this.p(path));
      const kind = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
      return { kind, size: st.size, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs } as const;
    } catch {
      return undefined;
    }
  }
  readdir(path: readonly string[]): string[] {
    try {
      return fs.readdirSync(this.p(path));
    } catch {
      return [];
    }
  }
  readFile(path: readonly string[]): Uint8Array {
    try {
      // O_NOFOLLOW: the last component was lstat'ed as a regular file; refuse if it changed into a symlink since.
      const fd = fs.openSync(this.p(path), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        return new Uint8Array(fs.readFileSync(fd));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return new Uint8Array(0);
    }
  }
  readlink(path: readonly string[]): string {
    try {
      return fs.readlinkSync(this.p(path));
    } catch {
      return "";
    }
  }
}
