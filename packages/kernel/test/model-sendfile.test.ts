/** sendfile: file → pipe/file, with and without an offset pointer; what it refuses. */
import { describe, expect, it } from "vitest";
import { HostSys } from "./host-sys.js";

const AT_FDCWD = -100, O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0o100, O_APPEND = 0o2000, EINVAL = -22, EBADF = -9;

function fileWith(s: HostSys, path: string, text: string): number {
  const w = s.call("openat", AT_FDCWD, path, O_WRONLY | O_CREAT, 0o644);
  s.call("write", w, text, text.length);
  s.call("close", w);
  return s.call("openat", AT_FDCWD, path, O_RDONLY);
}
const text = (s: HostSys, addr: number, n: number) => new TextDecoder().decode(s.p.mm.mem.readBytes(addr, n));

describe("sendfile", () => {
  it("without an offset pointer it moves the source's position; with one it advances the pointer only", () => {
    const s = new HostSys();
    const src = fileWith(s, "/tmp/src", "0123456789");
    const dst = s.call("openat", AT_FDCWD, "/tmp/dst", O_WRONLY | O_CREAT, 0o644);
    expect(s.call("sendfile", dst, src, 0, 4)).toBe(4);
    expect(s.call("lseek", src, 0, 1)).toBe(4);
    const off = s.alloc(8);
    s.p.mm.mem.write64(off, 7n);
    expect(s.call("sendfile", dst, src, off, 100)).toBe(3);
    expect(s.p.mm.mem.read64(off)).toBe(10n);
    expect(s.call("lseek", src, 0, 1)).toBe(4);
    expect(s.call("sendfile", dst, src, 0, 100)).toBe(6);
    expect(s.call("sendfile", dst, src, 0, 100)).toBe(0);
    const back = s.call("openat", AT_FDCWD, "/tmp/dst", O_RDONLY);
    const buf = s.alloc(32);
    expect(s.call("read", back, buf, 32)).toBe(13);
    expect(text(s, buf, 13)).toBe("0123789456789");
  });

  it("into a pipe; a pipe as the source, an O_APPEND destination and a read-only destination are refused", () => {
    const s = new HostSys();
    const src = fileWith(s, "/tmp/src", "hello");
    const p = s.alloc(8);
    s.call("pipe2", p, 0);
    const [r, w] = [s.p.mm.mem.read32(p), s.p.mm.mem.read32(p + 4)];
    expect(s.call("sendfile", w, src, 0, 5)).toBe(5);
    const buf = s.alloc(8);
    expect(s.call("read", r, buf, 8)).toBe(5);
    expect(text(s, buf, 5)).toBe("hello");
    const dst = s.call("openat", AT_FDCWD, "/tmp/dst", O_WRONLY | O_CREAT, 0o644);
    expect(s.call("sendfile", dst, r, 0, 5)).toBe(EINVAL);
    const app = s.call("openat", AT_FDCWD, "/tmp/app", O_WRONLY | O_CREAT | O_APPEND, 0o644);
    expect(s.call("sendfile", app, src, 0, 5)).toBe(EINVAL);
    expect(s.call("sendfile", src, src, 0, 5)).toBe(EBADF);
  });
});

describe("hard links and rename's replaced file", () => {
  it("link/linkat count links; a directory is EPERM; rename over a file drops the replaced file's link", () => {
    const s = new HostSys();
    const fd = fileWith(s, "/tmp/a", "data");
    s.call("close", fd);
    expect(s.call("link", "/tmp/a", "/tmp/b")).toBe(0);
    expect(s.call("linkat", AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/b", 0)).toBe(-17);
    expect(s.call("linkat", AT_FDCWD, "/tmp", AT_FDCWD, "/tmp/d", 0)).toBe(-1);
    const st = s.alloc(256);
    const nlink = () => (s.call("newfstatat", AT_FDCWD, "/tmp/a", st, 0), Number(s.p.mm.mem.read64(st + 16)));
    expect(nlink()).toBe(2);
    const other = fileWith(s, "/tmp/c", "x");
    s.call("close", other);
    expect(s.call("rename", "/tmp/c", "/tmp/b")).toBe(0);
    expect(nlink()).toBe(1);
  });
});
