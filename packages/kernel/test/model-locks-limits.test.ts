/** fcntl record locks across processes (POSIX and OFD) and RLIMIT_DATA / RLIMIT_AS on anonymous memory. */
import { describe, expect, it } from "vitest";
import { HostSys } from "./host-sys.js";

const AT_FDCWD = -100, O_RDWR = 2, O_CREAT = 0o100, O_RDONLY = 0;
const F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37;
const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
const EAGAIN = -11, EINVAL = -22, EBADF = -9, ENOMEM = -12;

function flock(s: HostSys, type: number, start: number, len: number, pid = 0): number {
  const b = new DataView(new ArrayBuffer(32));
  b.setInt16(0, type, true);
  b.setBigInt64(8, BigInt(start), true);
  b.setBigInt64(16, BigInt(len), true);
  b.setInt32(24, pid, true);
  return s.put(new Uint8Array(b.buffer));
}

describe("record locks", () => {
  it("a lock held by another descriptor table conflicts; F_GETLK reports the holder; close releases POSIX locks", () => {
    const s = new HostSys();
    const fd = s.call("openat", AT_FDCWD, "/tmp/lk", O_RDWR | O_CREAT, 0o644);
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_WRLCK, 10, 10))).toBe(0);
    // "Another process": the same file through a forked descriptor table (fork gives the child a copy; locks stay with the parent's).
    s.p.files = s.p.files.clone();
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_RDLCK, 15, 1))).toBe(EAGAIN);
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_RDLCK, 20, 5))).toBe(0); // just past the range
    const q = flock(s, F_WRLCK, 0, 0);
    expect(s.call("fcntl", fd, F_GETLK, q)).toBe(0);
    expect(s.p.mm.mem.read16(q)).toBe(F_WRLCK);
    expect(s.p.mm.mem.read64(q + 8)).toBe(10n);
    expect(s.p.mm.mem.read64(q + 16)).toBe(10n);
    expect(s.p.mm.mem.read32(q + 24)).toBe(s.p.pid);
    expect(() => s.call("fcntl", fd, F_SETLKW, flock(s, F_WRLCK, 12, 1))).toThrow(/blocked/); // waits for the holder
  });

  it("F_SETLKW waits until the holder closes; read locks share; OFD locks belong to the open file", () => {
    const s = new HostSys();
    const fd = s.call("openat", AT_FDCWD, "/tmp/lk2", O_RDWR | O_CREAT, 0o644);
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_RDLCK, 0, 0))).toBe(0);
    const mine = s.p.files;
    s.p.files = mine.clone();
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_RDLCK, 0, 100))).toBe(0); // shared
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_WRLCK, 0, 1))).toBe(EAGAIN);
    expect(() => s.call("fcntl", fd, F_SETLKW, flock(s, F_WRLCK, 0, 1))).toThrow(/blocked/);
    mine.close(fd); // the holder's close drops its POSIX locks
    s.k.scheduler.pollWait(s.t);
    expect(s.t.state).toBe("runnable");
    expect(s.call("fcntl", fd, F_SETLK, flock(s, F_UNLCK, 0, 0))).toBe(0);
    // OFD: the lock belongs to the open file description, so a dup shares it and another open conflicts.
    expect(s.call("fcntl", fd, F_OFD_SETLK, flock(s, F_WRLCK, 0, 0))).toBe(0);
    const fd2 = s.call("openat", AT_FDCWD, "/tmp/lk2", O_RDWR);
    expect(s.call("fcntl", fd2, F_OFD_SETLK, flock(s, F_WRLCK, 0, 0))).toBe(EAGAIN);
    const q = flock(s, F_RDLCK, 0, 0);
    expect(s.call("fcntl", fd2, F_OFD_GETLK, q)).toBe(0);
    expect(s.p.mm.mem.read32(q + 24)).toBe(0xffffffff); // pid -1 for an OFD lock
    expect(s.call("fcntl", fd2, F_OFD_SETLK, flock(s, F_RDLCK, 0, 0, 5))).toBe(EINVAL); // l_pid must be 0
    const d = s.call("dup", fd);
    expect(s.call("fcntl", d, F_OFD_SETLK, flock(s, F_WRLCK, 0, 0))).toBe(0);
    s.call("close", fd);
    s.call("close", d); // last reference: the OFD lock goes
    expect(s.call("fcntl", fd2, F_OFD_SETLK, flock(s, F_WRLCK, 0, 0))).toBe(0);
    const ro = s.call("openat", AT_FDCWD, "/tmp/lk2", O_RDONLY);
    expect(s.call("fcntl", ro, F_SETLK, flock(s, F_WRLCK, 0, 0))).toBe(EBADF);
    expect(s.call("fcntl", ro, F_GETLK, flock(s, F_UNLCK, 0, 0))).toBe(EINVAL);
    expect(s.call("fcntl", ro, F_SETLK, flock(s, F_RDLCK, -5, 2))).toBe(EINVAL);
  });
});

describe("RLIMIT_DATA and RLIMIT_AS", () => {
  it("limit private writable anonymous mmap and brk (not read-only or shared mappings); RLIMIT_AS limits everything", () => {
    const s = new HostSys();
    const lim = (res: number, bytes: bigint) => {
      const b = new DataView(new ArrayBuffer(16));
      b.setBigUint64(0, bytes, true);
      b.setBigUint64(8, bytes, true);
      expect(s.call("prlimit64", 0, res, s.put(new Uint8Array(b.buffer)), 0)).toBe(0);
    };
    const before = s.call("brk", 0);
    lim(2, 4n << 20n); // RLIMIT_DATA 4 MiB (the scratch area already counts 1 MiB)
    expect(s.call("mmap", 0, 8 << 20, 3, 0x22, -1, 0)).toBe(ENOMEM);
    expect(s.call("mmap", 0, 2 << 20, 3, 0x22, -1, 0)).toBeGreaterThan(0);
    expect(s.call("mmap", 0, 8 << 20, 1, 0x22, -1, 0)).toBeGreaterThan(0); // read-only: not data
    expect(s.call("mmap", 0, 8 << 20, 3, 0x21, -1, 0)).toBeGreaterThan(0); // shared: not data
    expect(s.call("brk", before + (4 << 20))).toBe(before); // refused: brk answers the old break
    lim(9, 32n << 20n); // RLIMIT_AS
    expect(s.call("mmap", 0, 32 << 20, 1, 0x22, -1, 0)).toBe(ENOMEM);
  });
});

describe("RLIMIT_NPROC", () => {
  const RLIMIT_NPROC = 6, EAGAIN = -11, SIGCHLD = 17;
  it("getrlimit reports the run's task limit when it is lower than Linux's default", () => {
    for (const [maxTasks, want] of [[40, 40n], [100_000, 63_432n]] as const) {
      const s = new HostSys("x86_64", { maxTasks });
      const r = s.alloc(16);
      expect(s.call("prlimit64", 0, RLIMIT_NPROC, 0, r)).toBe(0);
      expect([s.p.mm.mem.read64(r), s.p.mm.mem.read64(r + 8)]).toEqual([want, want]);
    }
  });

  it("a non-root caller at its soft limit gets EAGAIN from fork; root is exempt (copy_process)", () => {
    const s = new HostSys();
    const lim = s.alloc(16);
    s.p.mm.mem.write64(lim, 1n);
    s.p.mm.mem.write64(lim + 8, 1n);
    expect(s.call("prlimit64", 0, RLIMIT_NPROC, lim, 0)).toBe(0);
    const pid = s.call("clone", SIGCHLD, 0, 0, 0, 0);
    expect(pid).toBeGreaterThan(0); // root: exempt
    expect(s.call("setresuid", 1000, 1000, 1000)).toBe(0);
    expect(s.call("clone", SIGCHLD, 0, 0, 0, 0)).toBe(EAGAIN);
  });
});
