/** File and descriptor syscalls with Linux's semantics and errno values, driven from the host. */
import { describe, expect, it } from "vitest";
import { HostSys } from "./host-sys.js";

const AT_FDCWD = -100, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000, O_DIRECTORY_X86 = 0o200000, AT_REMOVEDIR = 0x200;

describe("files (x86-64 numbering and flag values)", () => {
  it("create, write, seek, read, stat, rename, unlink", () => {
    const s = new HostSys();
    expect(s.call("mkdirat", AT_FDCWD, "/tmp/d", 0o777)).toBe(0);
    expect(s.call("mkdirat", AT_FDCWD, "/tmp/d", 0o777)).toBe(-17);
    const fd = s.call("openat", AT_FDCWD, "/tmp/d/f", O_RDWR | O_CREAT | O_EXCL, 0o666);
    expect(fd).toBe(3);
    expect(s.call("openat", AT_FDCWD, "/tmp/d/f", O_RDWR | O_CREAT | O_EXCL, 0o666)).toBe(-17);
    expect(s.call("write", fd, "hello", 5)).toBe(5);
    expect(s.call("lseek", fd, 1, 0)).toBe(1);
    const buf = s.alloc(16);
    expect(s.call("read", fd, buf, 16)).toBe(4);
    expect(s.str(buf, 4)).toBe("ello");
    expect(s.call("lseek", fd, -1, 0)).toBe(-22);
    expect(s.call("pread64", fd, buf, 2, 3)).toBe(2);
    expect(s.str(buf, 2)).toBe("lo");
    const st = s.alloc(144);
    expect(s.call("fstat", fd, st)).toBe(0);
    expect(s.p.mm.mem.read32(st + 24) & 0o170777).toBe(0o100644); // S_IFREG | 0666 & ~022
    expect(Number(s.p.mm.mem.read64(st + 48))).toBe(5);
    expect(s.call("renameat2", AT_FDCWD, "/tmp/d/f", AT_FDCWD, "/tmp/g", 0)).toBe(0);
    expect(s.call("newfstatat", AT_FDCWD, "/tmp/d/f", st, 0)).toBe(-2);
    expect(s.call("unlinkat", AT_FDCWD, "/tmp/d", 0)).toBe(-21); // EISDIR without AT_REMOVEDIR
    expect(s.call("unlinkat", AT_FDCWD, "/tmp/d", AT_REMOVEDIR)).toBe(0);
    expect(s.call("unlinkat", AT_FDCWD, "/tmp", AT_REMOVEDIR)).toBe(-39); // ENOTEMPTY
    expect(s.call("close", fd)).toBe(0);
    expect(s.call("close", fd)).toBe(-9);
  });

  it("O_APPEND, O_TRUNC, O_DIRECTORY, EISDIR, ENOTDIR, faccessat, readlinkat, getcwd/chdir", () => {
    const s = new HostSys();
    const fd = s.call("openat", AT_FDCWD, "/tmp/a", O_WRONLY | O_CREAT | O_APPEND, 0o600);
    s.call("write", fd, "ab", 2);
    s.call("lseek", fd, 0, 0);
    s.call("write", fd, "cd", 2);
    const st = s.alloc(144);
    s.call("newfstatat", AT_FDCWD, "/tmp/a", st, 0);
    expect(Number(s.p.mm.mem.read64(st + 48))).toBe(4);
    s.call("openat", AT_FDCWD, "/tmp/a", O_WRONLY | O_TRUNC);
    s.call("newfstatat", AT_FDCWD, "/tmp/a", st, 0);
    expect(Number(s.p.mm.mem.read64(st + 48))).toBe(0);
    expect(s.call("openat", AT_FDCWD, "/tmp/a", O_RDONLY | O_DIRECTORY_X86)).toBe(-20);
    expect(s.call("openat", AT_FDCWD, "/tmp", O_WRONLY)).toBe(-21);
    expect(s.call("openat", AT_FDCWD, "/tmp/a/x", O_RDONLY)).toBe(-20);
    expect(s.call("faccessat", AT_FDCWD, "/tmp/a", 4)).toBe(0);
    expect(s.call("faccessat", AT_FDCWD, "/tmp/a", 1)).toBe(-13);
    expect(s.call("faccessat", AT_FDCWD, "/tmp/a", 8)).toBe(-22);
    const b = s.alloc(64);
    expect(s.call("readlinkat", AT_FDCWD, "/proc/self/exe", b, 64)).toBe(6);
    expect(s.str(b, 6)).toBe("/bin/h");
    expect(s.call("readlinkat", AT_FDCWD, "/tmp/a", b, 64)).toBe(-22);
    expect(s.call("chdir", "/tmp")).toBe(0);
    expect(s.call("getcwd", b, 64)).toBe(5);
    expect(s.str(b, 5)).toBe("/tmp\0");
    expect(s.call("getcwd", b, 3)).toBe(-34);
    expect(s.call("chdir", "/tmp/a")).toBe(-20);
    expect(s.call("openat", AT_FDCWD, "a", O_RDONLY)).toBeGreaterThan(2); // relative to the new cwd
  });

  it("getdents64 lists ., .. and the entries with d_type; a too-small buffer is EINVAL", () => {
    const s = new HostSys();
    s.call("mkdirat", AT_FDCWD, "/tmp/x", 0o755);
    s.call("openat", AT_FDCWD, "/tmp/x/file", O_WRONLY | O_CREAT, 0o644);
    const dfd = s.call("openat", AT_FDCWD, "/tmp/x", O_RDONLY | O_DIRECTORY_X86);
    expect(s.call("getdents64", dfd, s.alloc(8), 8)).toBe(-22);
    const buf = s.alloc(512);
    const n = s.call("getdents64", dfd, buf, 512);
    const names: string[] = [];
    for (let o = 0; o < n; ) {
      const reclen = s.p.mm.mem.read16(buf + o + 16);
      const type = s.p.mm.mem.read8(buf + o + 18);
      const name = new TextDecoder().decode(s.p.mm.mem.readCString(buf + o + 19));
      names.push(`${name}:${type}`);
      o += reclen;
    }
    expect(names).toEqual([".:4", "..:4", "file:8"]);
    expect(s.call("getdents64", dfd, buf, 512)).toBe(0);
    expect(s.call("getdents64", 0, buf, 512)).toBe(-20); // stdin is not a directory
  });

  it("dup, dup3, fcntl, pipe2, ioctl on pipes and files", () => {
    const s = new HostSys();
    expect(s.call("dup", 1)).toBe(3);
    expect(s.call("dup3", 1, 1, 0)).toBe(-22);
    expect(s.call("dup3", 1, 10, O_CLOEXEC)).toBe(10);
    expect(s.call("fcntl", 10, 1 /* F_GETFD */)).toBe(1);
    expect(s.call("fcntl", 1, 3 /* F_GETFL */) & 3).toBe(O_WRONLY);
    expect(s.call("dup3", 99, 10, 0)).toBe(-9);
    const fds = s.alloc(8);
    expect(s.call("pipe2", fds, 0o4000 /* O_NONBLOCK */)).toBe(0);
    const r = s.p.mm.mem.read32(fds), w = s.p.mm.mem.read32(fds + 4);
    const b = s.alloc(8);
    expect(s.call("read", r, b, 8)).toBe(-11); // EAGAIN on an empty non-blocking pipe
    expect(s.call("write", w, "xy", 2)).toBe(2);
    expect(s.call("ioctl", r, 0x541b /* FIONREAD */, b)).toBe(0);
    expect(s.p.mm.mem.read32(b)).toBe(2);
    expect(s.call("ioctl", 1, 0x5401 /* TCGETS */, b)).toBe(-25);
    expect(s.call("ioctl", 1, 0x5413 /* TIOCGWINSZ */, b)).toBe(-25);
    expect(s.call("lseek", r, 0, 0)).toBe(-29); // ESPIPE
    expect(s.call("close", r)).toBe(0);
    expect(s.call("write", w, "z", 1)).toBe(-32); // EPIPE (and SIGPIPE queued)
    expect(s.t.pending & (1n << 12n)).toBe(1n << 12n);
    expect(s.call("pipe2", fds, 1)).toBe(-22);
  });

  it("EFAULT for bad pointers, ENAMETOOLONG for long paths, EBADF for bad descriptors", () => {
    const s = new HostSys();
    expect(s.call("write", 1, 0x1000, 4)).toBe(-14);
    expect(s.call("read", 0, 0xdead0000, 4)).toBe(0); // stdin at EOF: nothing copied
    expect(s.call("openat", AT_FDCWD, 0x1000, 0)).toBe(-14);
    expect(s.call("openat", AT_FDCWD, "/" + "a".repeat(5000), 0)).toBe(-36);
    expect(s.call("write", 77, "x", 1)).toBe(-9);
    expect(s.call("fstat", 1, 1n << 60n)).toBe(-14);
  });

  it("a huge count is bounded by the mapped buffer (short transfer), never a huge host allocation", () => {
    const s = new HostSys();
    const zero = s.call("openat", AT_FDCWD, "/dev/zero", O_RDONLY);
    const page = s.p.mm.mmap(0, 8192, 3, 0x22, 0);
    s.p.mm.mprotect(page + 4096, 4096, 0); // a guard page right after the buffer
    expect(s.call("read", zero, page, 1n << 40n)).toBe(4096);
    expect(s.call("write", 1, page, 1n << 40n)).toBe(4096);
    expect(s.call("getrandom", page, 0x1ffffff, 0)).toBe(4096);
  });
});

describe("process syscalls", () => {
  it("identity, uname, prlimit64, sched_getaffinity, getrandom, rseq, personality, robust list", () => {
    const s = new HostSys("arm64");
    expect(s.call("getpid")).toBe(s.p.pid);
    const u = s.alloc(390);
    expect(s.call("uname", u)).toBe(0);
    expect(s.str(u, 5)).toBe("Linux");
    expect(s.str(u + 65 * 4, 7)).toBe("aarch64");
    const rl = s.alloc(16);
    expect(s.call("prlimit64", 0, 3, 0, rl)).toBe(0);
    expect(s.p.mm.mem.read64(rl)).toBe(8n << 20n);
    expect(s.call("prlimit64", 0, 99, 0, rl)).toBe(-22);
    const mask = s.alloc(128);
    expect(s.call("sched_getaffinity", 0, 128, mask)).toBe(8);
    expect(s.call("sched_getaffinity", 0, 3, mask)).toBe(-22);
    expect(s.call("getrandom", s.alloc(32), 32, 0)).toBe(32);
    expect(s.call("getrandom", s.alloc(32), 32, 6)).toBe(-22);
    const aligned = Math.ceil(s.alloc(96) / 32) * 32; // struct rseq is 32-byte aligned
    expect(s.call("rseq", aligned, 32, 0, 0x53053053)).toBe(0);
    expect(s.call("rseq", aligned, 32, 0, 0x53053053)).toBe(-16); // EBUSY
    expect(s.call("rseq", aligned, 32, 1, 0x1)).toBe(-1); // unregister with a wrong signature: EPERM
    expect(s.call("rseq", aligned, 32, 1, 0x53053053)).toBe(0);
    expect(s.call("personality", 0xffffffff)).toBe(0);
    expect(s.call("personality", 0x40000)).toBe(0);
    expect(s.call("personality", 0xffffffff)).toBe(0x40000);
    expect(s.call("set_robust_list", 0x1234, 23)).toBe(-22);
    expect(s.call("set_robust_list", 0x1230, 24)).toBe(0);
    const hp = s.alloc(8), lp = s.alloc(8);
    expect(s.call("get_robust_list", 0, hp, lp)).toBe(0);
    expect(s.p.mm.mem.read64(hp)).toBe(0x1230n);
    expect(s.p.mm.mem.read64(lp)).toBe(24n);
  });

  it("signal syscalls: rt_sigaction rules, sigprocmask, sigaltstack errors, kill/tgkill errors", () => {
    const s = new HostSys();
    const act = s.put(new Uint8Array(32));
    expect(s.call("rt_sigaction", 9, act, 0, 8)).toBe(-22); // SIGKILL
    expect(s.call("rt_sigaction", 10, act, 0, 4)).toBe(-22); // sigsetsize
    expect(s.call("rt_sigaction", 65, act, 0, 8)).toBe(-22);
    const a = new DataView(new ArrayBuffer(32));
    a.setBigUint64(0, 0x401000n, true);
    a.setBigUint64(8, 0x04000004n | 0x1000n, true); // SA_RESTORER|SA_SIGINFO plus an unknown bit
    a.setBigUint64(24, (1n << 8n) | (1n << 9n), true); // mask SIGKILL (bit 8) and SIGSEGV... (bit 9 = SIGUSR1)
    const act2 = s.put(new Uint8Array(a.buffer));
    expect(s.call("rt_sigaction", 10, act2, 0, 8)).toBe(0);
    const old = s.alloc(32);
    expect(s.call("rt_sigaction", 10, 0, old, 8)).toBe(0);
    expect(s.p.mm.mem.read64(old + 8)).toBe(0x04000004n); // unknown flag cleared
    expect(s.p.mm.mem.read64(old + 24)).toBe(1n << 9n); // SIGKILL dropped from the mask
    const set = s.put(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(s.call("rt_sigprocmask", 2, set, 0, 8)).toBe(0);
    expect(s.t.sigmask & ((1n << 8n) | (1n << 18n))).toBe(0n); // KILL and STOP never blocked
    expect(s.call("rt_sigprocmask", 7, set, 0, 8)).toBe(-22);
    const ss = new DataView(new ArrayBuffer(24));
    ss.setBigUint64(0, 0x20000000n, true);
    ss.setBigUint64(16, 1024n, true);
    expect(s.call("sigaltstack", s.put(new Uint8Array(ss.buffer)), 0)).toBe(-12); // below MINSIGSTKSZ
    ss.setInt32(8, 5, true);
    ss.setBigUint64(16, 65536n, true);
    expect(s.call("sigaltstack", s.put(new Uint8Array(ss.buffer)), 0)).toBe(-22); // bad flags
    expect(s.call("kill", 999, 0)).toBe(-3);
    expect(s.call("tgkill", s.p.pid, 999, 10)).toBe(-3);
    expect(s.call("tgkill", 0, 1, 10)).toBe(-22);
    expect(s.call("kill", s.p.pid, 0)).toBe(0);
  });

  it("mmap of a file maps its contents; brk stays put below its start", () => {
    const s = new HostSys();
    const fd = s.call("openat", AT_FDCWD, "/tmp/m", O_RDWR | O_CREAT, 0o644);
    s.call("write", fd, "mapped!", 7);
    const addr = s.call("mmap", 0, 4096, 1, 2, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect(s.str(addr, 7)).toBe("mapped!");
    expect(s.p.mm.formatMaps()).toMatch(/r--p 00000000 00:1f \d+ +\/tmp\/m/);
    expect(s.call("mmap", 0, 4096, 1, 2, 99, 0)).toBe(-9);
    const wfd = s.call("openat", AT_FDCWD, "/tmp/m", O_WRONLY);
    expect(s.call("mmap", 0, 4096, 1, 2, wfd, 0)).toBe(-13);
    const cur = s.call("brk", 0);
    expect(s.call("brk", 1)).toBe(cur);
  });
});
