/**
 * The VFS: namei rules, /dev and /proc nodes, and the read-only host root with its in-memory
 * overlay. Escapes: neither `..` nor a symlink (absolute, relative, chained, or a host symlink
 * pointing outside) may reach a file outside the mounted directory.
 */
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Kernel, Vfs, FileNode, DirNode, SymlinkNode } from "../src/index.js";
import { NodeHostFs } from "../src/node.js";

const ctx = { pid: 1 };

describe("namei", () => {
  const v = new Vfs();
  v.mkdirp("/a/b");
  v.addNode("/a/b/f", new FileNode(0o644, new TextEncoder().encode("hi")));
  v.addNode("/a/loop", new SymlinkNode("/a/loop"));
  v.addNode("/a/rel", new SymlinkNode("b/f"));
  it("resolves, follows symlinks, and answers ENOENT/ENOTDIR/ELOOP/ENAMETOOLONG", () => {
    const r = v.resolve("/a/rel", v.root, ctx, { follow: true });
    expect(typeof r !== "number" && r.node instanceof FileNode).toBe(true);
    expect(v.resolve("/a/nope", v.root, ctx, { follow: true })).toBe(2);
    expect(v.resolve("/a/b/f/x", v.root, ctx, { follow: true })).toBe(20);
    expect(v.resolve("/a/b/f/", v.root, ctx, { follow: true })).toBe(20);
    expect(v.resolve("/a/loop", v.root, ctx, { follow: true })).toBe(40);
    expect(v.resolve("/" + "x".repeat(256), v.root, ctx, { follow: true })).toBe(36);
    expect(v.resolve("", v.root, ctx, { follow: true })).toBe(2);
    const nf = v.resolve("/a/loop", v.root, ctx, { follow: false });
    expect(typeof nf !== "number" && nf.node instanceof SymlinkNode).toBe(true);
  });
  it("keeps `..` at the root", () => {
    const r = v.resolve("/../../../a/b/../../..", v.root, ctx, { follow: true });
    expect(typeof r !== "number" && r.node).toBe(v.root);
  });
});

describe("host root: read-only, overlay writes, no escapes", () => {
  const base = mkdtempSync(join(tmpdir(), "uabi-vfs-"));
  const root = join(base, "root");
  const outside = join(base, "secret.txt");
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc", "hostname"), "guest\n");
  writeFileSync(outside, "SECRET\n");
  symlinkSync(outside, join(root, "abs-escape")); // absolute host path outside
  symlinkSync("../secret.txt", join(root, "rel-escape")); // relative, climbing out
  symlinkSync("../../../../../../../..", join(root, "etc", "up")); // many ..
  symlinkSync("/etc/hostname", join(root, "good")); // absolute inside the guest namespace
  afterAll(() => undefined);

  const k = () => new Kernel({ root: new NodeHostFs(root), vdso: false });
  const read = (kern: Kernel, path: string): string | number => {
    const r = kern.vfs.resolve(path, kern.vfs.root, ctx, { follow: true });
    if (typeof r === "number") return r;
    return r.node instanceof FileNode ? new TextDecoder().decode(r.node.data) : "dir";
  };

  it("reads host files", () => {
    expect(read(k(), "/etc/hostname")).toBe("guest\n");
    expect(read(k(), "/good")).toBe("guest\n");
  });
  it("never reaches outside through .., absolute or relative symlinks", () => {
    const kern = k();
    expect(read(kern, "/../secret.txt")).toBe(2);
    expect(read(kern, "/etc/../../secret.txt")).toBe(2);
    expect(read(kern, "/abs-escape")).toBe(2); // the target is interpreted in the guest namespace
    expect(read(kern, "/rel-escape")).toBe(2); // .. stops at the guest root
    expect(read(kern, "/etc/up/secret.txt")).toBe(2);
    const up = kern.vfs.resolve("/etc/up", kern.vfs.root, ctx, { follow: true });
    expect(typeof up !== "number" && up.node).toBe(kern.vfs.root);
    // A guest-made symlink cannot do better.
    kern.vfs.addNode("/tmp/x", new SymlinkNode(outside));
    expect(read(kern, "/tmp/x")).toBe(2);
  });
  it("writes go to the overlay; the host directory is untouched", () => {
    const kern = k();
    const etc = kern.vfs.resolve("/etc", kern.vfs.root, ctx, { follow: true });
    if (typeof etc === "number" || !(etc.node instanceof DirNode)) throw new Error("no /etc");
    const f = etc.node.lookup("hostname", ctx) as FileNode;
    f.write(0, new TextEncoder().encode("CHANGED"));
    kern.vfs.unlink(etc.node, "hostname", f, false, ctx);
    kern.vfs.mkdir(etc.node, "newdir", 0o755);
    expect(read(kern, "/etc/hostname")).toBe(2);
    expect(readFileSync(join(root, "etc", "hostname"), "utf8")).toBe("guest\n");
    expect(existsSync(join(root, "etc", "newdir"))).toBe(false);
    expect(read(k(), "/etc/hostname")).toBe("guest\n");
  });
  it("NodeHostFs rejects components that could climb", () => {
    const h = new NodeHostFs(root);
    expect(() => h.readFile([".."])).not.toThrow();
    expect(h.readFile([".."]).length).toBe(0);
    expect(h.lstat(["..", "secret.txt"])).toBeUndefined();
    expect(h.readFile(["abs-escape"]).length).toBe(0); // O_NOFOLLOW: a symlink is never opened by the host
  });
});

describe("/dev and /proc", () => {
  it("/dev/null, /dev/zero, seedable /dev/urandom, /proc/self/exe and /proc/self/maps", () => {
    const mk = (seed: number) => new Kernel({ seed, vdso: false });
    const a = mk(7), b = mk(7), c = mk(8);
    const dev = (kern: Kernel, name: string) => {
      const r = kern.vfs.resolve(`/dev/${name}`, kern.vfs.root, ctx, { follow: true });
      if (typeof r === "number") throw new Error(name);
      return (r.node as unknown as { device: { read(n: number): Uint8Array | "eof" } }).device;
    };
    expect(dev(a, "null").read(5)).toBe("eof");
    expect(dev(a, "zero").read(4)).toEqual(new Uint8Array(4));
    const ra = dev(a, "urandom").read(16), rb = dev(b, "urandom").read(16), rc = dev(c, "urandom").read(16);
    expect(ra).toEqual(rb);
    expect(ra).not.toEqual(rc);
  });
});
