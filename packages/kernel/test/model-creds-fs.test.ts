/**
 * Credentials (kernel/sys.c rules), process facts (pid/ppid), directory link counts, statfs, the utime and chown
 * families, /dev/shm, /dev/fd magic links and /etc/passwd — driven from the host through the syscall table.
 */
import { describe, expect, it } from "vitest";
import { HostSys } from "./host-sys.js";

const AT_FDCWD = -100, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100;
const EPERM = -1, EINVAL = -22, EACCES = -13;
const KEEP = 0xffffffff;

function ids(s: HostSys, which: "getresuid" | "getresgid"): number[] {
  const b = s.alloc(12);
  expect(s.call(which, b, b + 4, b + 8)).toBe(0);
  return [0, 4, 8].map((o) => s.p.mm.mem.read32(b + o));
}

describe("credentials", () => {
  it("default: root with a parent; KernelOptions.uid/gid set every id and AT_UID/AT_EUID", () => {
    const s = new HostSys();
    expect(s.call("getuid")).toBe(0);
    expect(s.call("getegid")).toBe(0);
    expect(s.call("getpid")).toBe(2);
    expect(s.call("getppid")).toBe(1); // the modelled shell: not init, not 0
    const u = new HostSys("arm64", { uid: 1000, gid: 100 });
    expect(ids(u, "getresuid")).toEqual([1000, 1000, 1000]);
    expect(ids(u, "getresgid")).toEqual([100, 100, 100]);
    expect(u.call("getgroups", 0, 0)).toBe(1);
  });

  it("setuid: root sets all three ids and loses privilege; an unprivileged caller only moves euid to ruid/suid", () => {
    const s = new HostSys();
    expect(s.call("setuid", 1000)).toBe(0);
    expect(ids(s, "getresuid")).toEqual([1000, 1000, 1000]);
    expect(s.call("setuid", 0)).toBe(EPERM); // no way back
    expect(s.call("setuid", KEEP)).toBe(EINVAL);
    expect(s.call("setgroups", 0, 0)).toBe(EPERM);
  });

  it("seteuid via setresuid keeps 0 saved, so privilege returns; setreuid updates the saved id as Linux does", () => {
    const s = new HostSys();
    expect(s.call("setresuid", KEEP, 1000, KEEP)).toBe(0);
    expect(ids(s, "getresuid")).toEqual([0, 1000, 0]);
    expect(s.call("setresuid", KEEP, 2000, KEEP)).toBe(EPERM); // 2000 is none of 0/1000/0
    expect(s.call("setresuid", KEEP, 0, KEEP)).toBe(0); // back to root: 0 was the saved id
    expect(s.call("setreuid", 1000, 1001)).toBe(0);
    expect(ids(s, "getresuid")).toEqual([1000, 1001, 1001]); // ruid set → suid = new euid
    expect(s.call("setreuid", 1001, KEEP)).toBe(0); // to the current euid: allowed
    expect(s.call("setreuid", 5, KEEP)).toBe(EPERM);
  });

  it("setfsuid answers the previous value and changes only to a permitted id; setgroups/getgroups round-trip sorted", () => {
    const s = new HostSys();
    const g = s.alloc(16);
    const list = new Uint8Array(12);
    new DataView(list.buffer).setUint32(0, 30, true);
    new DataView(list.buffer).setUint32(4, 10, true);
    new DataView(list.buffer).setUint32(8, 20, true);
    expect(s.call("setgroups", 3, s.put(list))).toBe(0);
    expect(s.call("getgroups", 2, g)).toBe(EINVAL);
    expect(s.call("getgroups", 3, g)).toBe(3);
    expect([0, 4, 8].map((o) => s.p.mm.mem.read32(g + o))).toEqual([10, 20, 30]);
    expect(s.call("setfsuid", 77)).toBe(0);
    expect(s.call("setfsuid", KEEP)).toBe(77);
    expect(s.call("setresuid", 5, 5, 5)).toBe(0);
    expect(s.call("setfsuid", 9)).toBe(5); // unprivileged, 9 not permitted: unchanged
    expect(s.call("setfsuid", KEEP)).toBe(5);
  });

  it("permissions follow the ids: access() uses the real uid, root overrides rw, kill needs a matching uid", () => {
    const s = new HostSys();
    const fd = s.call("openat", AT_FDCWD, "/tmp/secret", O_WRONLY | O_CREAT, 0o600);
    expect(fd).toBeGreaterThan(2);
    expect(s.call("access", "/tmp/secret", 6)).toBe(0); // root: rw regardless of the bits
    expect(s.call("access", "/tmp/secret", 1)).toBe(EACCES); // but x needs some x bit
    expect(s.call("setresuid", 1000, 1000, 0)).toBe(0);
    expect(s.call("access", "/tmp/secret", 4)).toBe(EACCES);
    expect(s.call("kill", s.p.pid, 0)).toBe(0);
  });
});

describe("filesystem facts", () => {
  it("a directory's link count is 2 + its subdirectories; a removed one reports 0", () => {
    const s = new HostSys();
    const st = s.alloc(144);
    s.call("mkdir", "/tmp/d", 0o755);
    expect(Number(s.p.mm.mem.read64((s.call("stat", "/tmp/d", st), st + 16)))).toBe(2);
    s.call("mkdir", "/tmp/d/a", 0o755);
    s.call("mkdir", "/tmp/d/b", 0o755);
    s.call("openat", AT_FDCWD, "/tmp/d/f", O_WRONLY | O_CREAT, 0o644);
    expect(s.call("stat", "/tmp/d", st)).toBe(0);
    expect(Number(s.p.mm.mem.read64(st + 16))).toBe(4);
    const dfd = s.call("openat", AT_FDCWD, "/tmp/d/a", O_RDONLY);
    expect(s.call("rmdir", "/tmp/d/a")).toBe(0);
    expect(s.call("fstat", dfd, st)).toBe(0);
    expect(Number(s.p.mm.mem.read64(st + 16))).toBe(0);
    expect(s.call("stat", "/tmp/d", st)).toBe(0);
    expect(Number(s.p.mm.mem.read64(st + 16))).toBe(3);
    expect(s.call("stat", "/dev", st)).toBe(0);
    expect(Number(s.p.mm.mem.read64(st + 16))).toBe(3); // /dev/shm
  });

  it("statfs/fstatfs: tmpfs for files and /dev/shm, proc for /proc, pipefs for pipes; ENOENT and EBADF", () => {
    const s = new HostSys("arm64");
    const b = s.alloc(120);
    expect(s.call("statfs", "/tmp", b)).toBe(0);
    expect(Number(s.p.mm.mem.read64(b))).toBe(0x01021994);
    expect(Number(s.p.mm.mem.read64(b + 8))).toBe(4096);
    expect(Number(s.p.mm.mem.read64(b + 64))).toBe(255);
    expect(s.call("statfs", "/proc/self", b)).toBe(0);
    expect(Number(s.p.mm.mem.read64(b))).toBe(0x9fa0);
    expect(s.call("statfs", "/dev/shm", b)).toBe(0);
    expect(Number(s.p.mm.mem.read64(b + 80)) & 6).toBe(6); // nosuid, nodev
    const p = s.alloc(8);
    s.call("pipe2", p, 0);
    expect(s.call("fstatfs", s.p.mm.mem.read32(p), b)).toBe(0);
    expect(Number(s.p.mm.mem.read64(b))).toBe(0x50495045);
    expect(s.call("statfs", "/nope", b)).toBe(-2);
    expect(s.call("fstatfs", 99, b)).toBe(-9);
  });

  it("utimensat: explicit times, UTIME_OMIT/UTIME_NOW, bad nsec, futimens on a NULL path; utimes with timevals", () => {
    const s = new HostSys();
    const fd = s.call("openat", AT_FDCWD, "/tmp/t", O_RDWR | O_CREAT, 0o644);
    const ts = new DataView(new ArrayBuffer(32));
    ts.setBigInt64(0, 1_000_000n, true);
    ts.setBigInt64(8, 5n, true);
    ts.setBigInt64(16, 2_000_000n, true);
    ts.setBigInt64(24, (1n << 30n) - 2n, true); // UTIME_OMIT
    expect(s.call("utimensat", AT_FDCWD, "/tmp/t", s.put(new Uint8Array(ts.buffer)), 0)).toBe(0);
    const st = s.alloc(144);
    s.call("fstat", fd, st);
    expect(s.p.mm.mem.read64(st + 72)).toBe(1_000_000n); // atime sec
    expect(s.p.mm.mem.read64(st + 80)).toBe(5n);
    const mtime = s.p.mm.mem.read64(st + 88);
    expect(mtime).not.toBe(2_000_000n); // omitted
    ts.setBigInt64(8, 1_000_000_000n, true);
    expect(s.call("utimensat", AT_FDCWD, "/tmp/t", s.put(new Uint8Array(ts.buffer)), 0)).toBe(EINVAL);
    ts.setBigInt64(8, 0n, true);
    ts.setBigInt64(24, 7n, true);
    expect(s.call("utimensat", fd, 0, s.put(new Uint8Array(ts.buffer)), 0)).toBe(0); // futimens
    s.call("fstat", fd, st);
    expect(s.p.mm.mem.read64(st + 88)).toBe(2_000_000n);
    expect(s.p.mm.mem.read64(st + 96)).toBe(7n);
    expect(s.call("utimensat", AT_FDCWD, 0, 0, 0)).toBe(-14);
    expect(s.call("utimensat", AT_FDCWD, "/tmp/t", 0, 0x8000)).toBe(EINVAL);
    const tv = new DataView(new ArrayBuffer(32));
    tv.setBigInt64(0, 10n, true);
    tv.setBigInt64(8, 3n, true);
    tv.setBigInt64(16, 20n, true);
    expect(s.call("utimes", "/tmp/t", s.put(new Uint8Array(tv.buffer)))).toBe(0);
    s.call("fstat", fd, st);
    expect([s.p.mm.mem.read64(st + 72), s.p.mm.mem.read64(st + 80), s.p.mm.mem.read64(st + 88)]).toEqual([10n, 3000n, 20n]);
    tv.setBigInt64(8, 1_000_000n, true);
    expect(s.call("futimesat", AT_FDCWD, "/tmp/t", s.put(new Uint8Array(tv.buffer)))).toBe(EINVAL);
    // Not the owner: explicit times are EPERM; "now" needs write permission.
    s.call("setresuid", 1000, 1000, 1000);
    tv.setBigInt64(8, 0n, true);
    expect(s.call("utimes", "/tmp/t", s.put(new Uint8Array(tv.buffer)))).toBe(EPERM);
    expect(s.call("utimes", "/tmp/t", 0)).toBe(EACCES);
  });

  it("chown: root changes owners; the owner may change the group only to one of its own", () => {
    const s = new HostSys();
    s.call("openat", AT_FDCWD, "/tmp/o", O_WRONLY | O_CREAT, 0o4755);
    const st = s.alloc(144);
    expect(s.call("chown", "/tmp/o", 1000, 50)).toBe(0);
    s.call("stat", "/tmp/o", st);
    expect([s.p.mm.mem.read32(st + 28), s.p.mm.mem.read32(st + 32)]).toEqual([1000, 50]);
    expect(s.p.mm.mem.read32(st + 24) & 0o7777).toBe(0o755); // set-user-ID dropped
    s.call("setresgid", 60, 60, 60);
    s.call("setresuid", 1000, 1000, 1000);
    expect(s.call("chown", "/tmp/o", KEEP, 60)).toBe(0);
    expect(s.call("chown", "/tmp/o", KEEP, 61)).toBe(EPERM);
    expect(s.call("chown", "/tmp/o", 0, KEEP)).toBe(EPERM);
  });

  it("/dev/fd/N reopens the descriptor's inode (a pipe end, as bash process substitution uses), /dev/shm exists", () => {
    const s = new HostSys();
    const p = s.alloc(8);
    s.call("pipe2", p, 0);
    const rfd = s.p.mm.mem.read32(p), wfd = s.p.mm.mem.read32(p + 4);
    expect(s.call("write", wfd, "hi", 2)).toBe(2);
    const again = s.call("openat", AT_FDCWD, `/dev/fd/${rfd}`, O_RDONLY);
    expect(again).toBeGreaterThan(wfd);
    const b = s.alloc(8);
    expect(s.call("read", again, b, 8)).toBe(2);
    expect(s.str(b, 2)).toBe("hi");
    const link = s.alloc(64);
    const n = s.call("readlink", `/proc/self/fd/${rfd}`, link, 64);
    expect(s.str(link, n)).toMatch(/^pipe:\[\d+\]$/);
    const st = s.alloc(144);
    expect(s.call("stat", "/dev/shm", st)).toBe(0);
    expect(s.p.mm.mem.read32(st + 24)).toBe(0o41777);
    expect(s.call("openat", AT_FDCWD, "/dev/shm/sem.x", O_RDWR | O_CREAT, 0o600)).toBeGreaterThan(2);
  });

  it("/etc/passwd and /etc/group name the default user (root), or the chosen uid", () => {
    const read = (s: HostSys, path: string) => {
      const fd = s.call("openat", AT_FDCWD, path, O_RDONLY);
      const b = s.alloc(256);
      return s.str(b, s.call("read", fd, b, 256));
    };
    expect(read(new HostSys(), "/etc/passwd")).toBe("root:x:0:0:root:/root:/bin/sh\n");
    expect(read(new HostSys(), "/etc/group")).toBe("root:x:0:\n");
    const u = new HostSys("x86_64", { uid: 1000, gid: 1000 });
    expect(read(u, "/etc/passwd")).toContain("user:x:1000:1000:");
  });
});
