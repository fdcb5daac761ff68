/**
 * Sparse in-memory files, as tmpfs keeps them (mm/shmem.c): only written pages exist and count against the size
 * limit; holes read as zeros; st_blocks counts allocated 512-byte blocks; SEEK_DATA/SEEK_HOLE see the holes.
 */
import { describe, expect, it } from "vitest";
import { FileNode } from "../src/index.js";
import { makeElf } from "./elf-helper.js";
import { HostSys } from "./host-sys.js";

const AT_FDCWD = -100, O_RDWR = 2, O_CREAT = 0o100, O_RDONLY = 0;
const SEEK_SET = 0, SEEK_DATA = 3, SEEK_HOLE = 4;
const PROT_READ = 1, MAP_PRIVATE = 2;
const ENOSPC = -28, ENXIO = -6, ENOMEM = -12, ENOEXEC = -8, EFBIG = -27, ELIBBAD = -80, ENOENT = -2, EACCES = -13;
const GiB = 2 ** 30, TiB = 2 ** 40;

function open(s: HostSys, path: string, mode = 0o644): number {
  const fd = s.call("openat", AT_FDCWD, path, O_RDWR | O_CREAT, mode);
  expect(fd).toBeGreaterThanOrEqual(0);
  return fd;
}

/** st_size and st_blocks from x86-64's struct stat. */
function stat(s: HostSys, fd: number): { size: number; blocks: number } {
  const buf = s.alloc(144);
  expect(s.call("fstat", fd, buf)).toBe(0);
  return { size: Number(s.p.mm.mem.read64(buf + 48)), blocks: Number(s.p.mm.mem.read64(buf + 64)) };
}

function pread(s: HostSys, fd: number, n: number, off: number): Uint8Array {
  const buf = s.alloc(n);
  const r = s.call("pread64", fd, buf, n, off);
  expect(r).toBe(n);
  return s.p.mm.mem.readBytes(buf, n);
}

function node(s: HostSys, path: string): FileNode {
  const r = s.k.vfs.resolve(path, s.k.vfs.root, { pid: 0 }, { follow: true });
  if (typeof r === "number" || !(r.node instanceof FileNode)) throw new Error(`no file ${path}`);
  return r.node;
}

describe("sparse files", () => {
  it("a truncate to 1 TiB succeeds with a 1 MiB tmpfs, costs no quota and no blocks; the hole reads as zeros", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    const fd = open(s, "/tmp/big");
    const t0 = Date.now();
    expect(s.call("ftruncate", fd, TiB)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(0);
    expect(stat(s, fd)).toEqual({ size: TiB, blocks: 0 });
    expect(pread(s, fd, 65536, TiB / 2).every((b) => b === 0)).toBe(true);
    expect(s.call("pread64", fd, s.alloc(16), 16, TiB - 4)).toBe(4); // short at the end of the file
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("a write at 1 GiB charges one page; st_blocks is 8; the bytes before it are zeros", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    const fd = open(s, "/tmp/far");
    expect(s.call("pwrite64", fd, "hello", 5, GiB)).toBe(5);
    expect(s.k.vfs.quota.used).toBe(4096);
    expect(stat(s, fd)).toEqual({ size: GiB + 5, blocks: 8 });
    expect([...pread(s, fd, 8, GiB - 3)]).toEqual([0, 0, 0, 104, 101, 108, 108, 111]);
    // lseek past the end and write: the same through the file position.
    expect(s.call("lseek", fd, 2 * GiB, SEEK_SET)).toBe(2 * GiB);
    expect(s.call("write", fd, "x", 1)).toBe(1);
    expect(s.k.vfs.quota.used).toBe(8192);
    expect(stat(s, fd)).toEqual({ size: 2 * GiB + 1, blocks: 16 });
  });

  it("SEEK_DATA and SEEK_HOLE find the written pages and the holes (page-granular, ENXIO at the end)", () => {
    const s = new HostSys();
    const fd = open(s, "/tmp/holes");
    expect(s.call("pwrite64", fd, "a", 1, 10)).toBe(1); // page 0
    expect(s.call("pwrite64", fd, "b", 1, 5 * 4096 + 7)).toBe(1); // page 5
    expect(s.call("ftruncate", fd, 10 * 4096)).toBe(0);
    expect(s.call("lseek", fd, 0, SEEK_DATA)).toBe(0);
    expect(s.call("lseek", fd, 0, SEEK_HOLE)).toBe(4096);
    expect(s.call("lseek", fd, 100, SEEK_DATA)).toBe(100);
    expect(s.call("lseek", fd, 4096, SEEK_DATA)).toBe(5 * 4096);
    expect(s.call("lseek", fd, 5 * 4096 + 3, SEEK_HOLE)).toBe(6 * 4096);
    expect(s.call("lseek", fd, 7 * 4096, SEEK_HOLE)).toBe(7 * 4096);
    expect(s.call("lseek", fd, 6 * 4096, SEEK_DATA)).toBe(ENXIO); // only a hole up to the end
    expect(s.call("lseek", fd, 10 * 4096, SEEK_HOLE)).toBe(ENXIO); // at the end
    expect(s.call("lseek", fd, -1, SEEK_DATA)).toBe(ENXIO);
    // A dense file: all data, the only hole at its end.
    const d = open(s, "/tmp/dense");
    expect(s.call("write", d, "0123456789", 10)).toBe(10);
    expect(s.call("lseek", d, 3, SEEK_DATA)).toBe(3);
    expect(s.call("lseek", d, 3, SEEK_HOLE)).toBe(10);
  });

  it("a truncate down frees and un-charges the pages past the end and zeroes the rest of the last one", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    const fd = open(s, "/tmp/shrink");
    expect(s.call("pwrite64", fd, "hello", 5, GiB)).toBe(5);
    expect(s.call("pwrite64", fd, "abc", 3, 0)).toBe(3);
    expect(s.k.vfs.quota.used).toBe(8192);
    expect(s.call("ftruncate", fd, GiB + 2)).toBe(0); // the page at 1 GiB stays, "llo" goes
    expect(s.k.vfs.quota.used).toBe(8192);
    expect(s.call("ftruncate", fd, GiB + 5)).toBe(0);
    expect([...pread(s, fd, 5, GiB)]).toEqual([104, 101, 0, 0, 0]);
    expect(s.call("ftruncate", fd, GiB)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(4096);
    expect(stat(s, fd)).toEqual({ size: GiB, blocks: 8 });
    expect(s.call("ftruncate", fd, 1)).toBe(0);
    expect(s.call("ftruncate", fd, 3)).toBe(0);
    expect([...pread(s, fd, 3, 0)]).toEqual([97, 0, 0]);
    expect(s.k.vfs.quota.used).toBe(4096);
    expect(s.call("ftruncate", fd, 0)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(0);
    expect(stat(s, fd)).toEqual({ size: 0, blocks: 0 });
  });

  it("the quota counts pages: a write is short at the page it cannot get; unlink and close return everything", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 3 * 4096 });
    const fd = open(s, "/tmp/q");
    const data = new Uint8Array(20000).fill(7);
    expect(s.call("pwrite64", fd, s.put(data), 20000, 100)).toBe(3 * 4096 - 100);
    expect(s.k.vfs.quota.used).toBe(3 * 4096);
    expect(s.call("pwrite64", fd, "z", 1, GiB)).toBe(ENOSPC);
    expect(s.call("pwrite64", fd, "z", 1, 5)).toBe(1); // inside an allocated page: no new page needed
    expect(s.call("ftruncate", fd, TiB)).toBe(0); // growing is still free
    expect(stat(s, fd)).toEqual({ size: TiB, blocks: 24 });
    expect(s.call("unlinkat", AT_FDCWD, "/tmp/q", 0)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(3 * 4096); // still open
    expect(s.call("close", fd)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(0);
  });

  it("a file far past the largest offset is EFBIG", () => {
    const s = new HostSys();
    const fd = open(s, "/tmp/efbig");
    expect(s.call("ftruncate", fd, 2 ** 62)).toBe(EFBIG);
    expect(s.call("pwrite64", fd, "z", 1, 2 ** 62)).toBe(EFBIG);
  });

  it("a sparse file filled in turns dense again; its contents are laid out in one piece for mmap", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    const fd = open(s, "/tmp/fill");
    expect(s.call("pwrite64", fd, "C", 1, 2 * 4096)).toBe(1);
    expect(s.call("pwrite64", fd, "A", 1, 0)).toBe(1);
    expect(stat(s, fd).blocks).toBe(16);
    const hole = node(s, "/tmp/fill").data; // laid out with the hole as zeros
    expect([hole.length, hole[0], hole[4096], hole[8192]]).toEqual([8193, 65, 0, 67]);
    expect(s.call("pwrite64", fd, "B", 1, 4096)).toBe(1);
    expect(stat(s, fd)).toEqual({ size: 8193, blocks: 24 });
    const addr = s.call("mmap", 0, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect([0, 4096, 8192, 8193].map((o) => s.p.mm.mem.readBytes(addr + o, 1)[0])).toEqual([65, 66, 67, 0]);
  });

  it("mmap of a huge sparse file is ENOMEM; a small one maps its holes as zeros", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    const fd = open(s, "/tmp/map");
    expect(s.call("ftruncate", fd, TiB)).toBe(0);
    expect(s.call("mmap", 0, 4096, PROT_READ, MAP_PRIVATE, fd, 0)).toBe(ENOMEM);
    const small = open(s, "/tmp/map2");
    expect(s.call("ftruncate", small, 16 * 4096)).toBe(0);
    expect(s.call("pwrite64", small, "q", 1, 8 * 4096 + 1)).toBe(1);
    const addr = s.call("mmap", 0, 16 * 4096, PROT_READ, MAP_PRIVATE, small, 0);
    expect(addr).toBeGreaterThan(0);
    expect([...s.p.mm.mem.readBytes(addr + 8 * 4096, 3)]).toEqual([0, 113, 0]);
    expect(s.p.mm.mem.readBytes(addr, 4096).every((b) => b === 0)).toBe(true);
  });

  it("execve of a huge sparse file is ENOEXEC (no ELF header) or ENOMEM (one), never a host allocation", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    const noArgs = s.put(new Uint8Array(8));
    const fd = open(s, "/tmp/prog", 0o755);
    expect(s.call("ftruncate", fd, TiB)).toBe(0);
    expect(s.call("close", fd)).toBe(0);
    expect(s.call("execve", "/tmp/prog", noArgs, noArgs)).toBe(ENOEXEC);
    const elf = open(s, "/tmp/elf", 0o755);
    expect(s.call("pwrite64", elf, s.put(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])), 7, 0)).toBe(7);
    expect(s.call("ftruncate", elf, TiB)).toBe(0);
    expect(s.call("close", elf)).toBe(0);
    expect(s.call("execve", "/tmp/elf", noArgs, noArgs)).toBe(ENOMEM);
    expect(s.p.threads[0]!.state).not.toBe("zombie");
    // A program whose PT_INTERP names a huge sparse file: the interpreter is refused the same way.
    const prog = makeElf({ machine: "x86_64", code: new Uint8Array([0xf4]), interp: "/tmp/elf" });
    const pfd = open(s, "/tmp/dyn", 0o755);
    expect(s.call("pwrite64", pfd, s.put(prog), prog.length, 0)).toBe(prog.length);
    expect(s.call("execve", "/tmp/dyn", noArgs, noArgs)).toBe(ENOMEM);
    const zfd = open(s, "/tmp/zeros", 0o755);
    expect(s.call("ftruncate", zfd, TiB)).toBe(0);
    const prog2 = makeElf({ machine: "x86_64", code: new Uint8Array([0xf4]), interp: "/tmp/zeros" });
    expect(s.call("pwrite64", pfd, s.put(prog2), prog2.length, 0)).toBe(prog2.length);
    expect(s.call("execve", "/tmp/dyn", noArgs, noArgs)).toBe(ELIBBAD); // not an ELF interpreter (load_elf_binary)
    const prog3 = makeElf({ machine: "x86_64", code: new Uint8Array([0xf4]), interp: "/tmp/no-such-ld.so" });
    expect(s.call("pwrite64", pfd, s.put(prog3), prog3.length, 0)).toBe(prog3.length);
    expect(s.call("execve", "/tmp/dyn", noArgs, noArgs)).toBe(ENOENT); // open_exec of the interpreter
    // An interpreter that is a directory: open_exec's EACCES (do_open_execat refuses what is not S_ISREG).
    const prog4 = makeElf({ machine: "x86_64", code: new Uint8Array([0xf4]), interp: "/tmp" });
    expect(s.call("pwrite64", pfd, s.put(prog4), prog4.length, 0)).toBe(prog4.length);
    expect(s.call("execve", "/tmp/dyn", noArgs, noArgs)).toBe(EACCES);
    expect(s.p.threads[0]!.state).not.toBe("zombie");
  });

  it("a host-backed file loads lazily, its pages are not charged, and its growth is", () => {
    const s = new HostSys("x86_64", { tmpfsSize: 1 << 20 });
    let loads = 0;
    const f = new FileNode(0o644, undefined, () => (loads++, new Uint8Array(5000).fill(9)), 5000);
    s.k.vfs.addNode("/tmp/host", f);
    f.quota = s.k.vfs.quota;
    expect(f.allocatedPages).toBe(2);
    expect(loads).toBe(0);
    const fd = s.call("openat", AT_FDCWD, "/tmp/host", O_RDWR);
    expect(stat(s, fd)).toEqual({ size: 5000, blocks: 16 });
    expect(s.call("pwrite64", fd, "x", 1, 3 * 4096)).toBe(1); // a hole at page 2, a charged page 3
    expect(loads).toBe(1);
    expect(s.k.vfs.quota.used).toBe(4096);
    expect([...pread(s, fd, 2, 4999)]).toEqual([9, 0]);
    expect(s.call("ftruncate", fd, 100)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(0);
    expect(s.call("pwrite64", fd, "y", 1, 4096)).toBe(1); // page 1 again: now charged
    expect(s.k.vfs.quota.used).toBe(4096);
    expect(s.call("ftruncate", fd, 0)).toBe(0);
    expect(s.k.vfs.quota.used).toBe(0);
    const ro = s.call("openat", AT_FDCWD, "/tmp/host", O_RDONLY);
    expect(stat(s, ro)).toEqual({ size: 0, blocks: 0 });
  });
});
