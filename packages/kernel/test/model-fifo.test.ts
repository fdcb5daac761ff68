/** Named FIFOs (mknod/mknodat + fifo_open's rules): creation, the open handshake, data and EOF. */
import { describe, expect, it } from "vitest";
import { SyscallContext, type SyscallEvent } from "../src/index.js";
import { OpenFile, Pipe, O_WRONLY } from "../src/fd.js";
import { HostSys } from "./host-sys.js";

const O_RDONLY = 0, O_RDWR = 2, O_NONBLOCK = 0o4000, S_IFIFO = 0o010000, S_IFCHR = 0o020000;
const AT_FDCWD = -100, EEXIST = -17, ENXIO = -6, EPERM = -1;

function start(s: HostSys, name: string, ...args: (number | bigint | string)[]): SyscallEvent {
  const row = s.k.table(s.p.arch.arch).find((r) => r?.name === name)!;
  const c = new SyscallContext(s.k, s.t);
  c.nr = row.nr;
  c.name = name;
  args.forEach((a, i) => (c.args[i] = BigInt.asUintN(64, BigInt(typeof a === "string" ? s.put(new TextEncoder().encode(a + "\0")) : a))));
  const ev: SyscallEvent = { pid: s.p.pid, tid: s.t.tid, nr: row.nr, name, pc: 0, args: c.args.slice(), path: [] };
  s.k.entry.dispatch(s.t, c, row, ev);
  if (s.t.state === "blocked" && s.t.waitingSyscall) s.t.waitingSyscall.event = ev;
  return ev;
}

function fifoNode(s: HostSys, path: string): Pipe {
  const r = s.k.vfs.resolve(path, s.k.vfs.root, { pid: s.p.pid }, { follow: true });
  const n = typeof r === "number" ? undefined : r.node;
  expect(n).toBeInstanceOf(Pipe);
  return n as Pipe;
}

describe("named FIFOs", () => {
  it("mknodat makes a FIFO with the umask applied; a second one is EEXIST; device nodes are EPERM", () => {
    const s = new HostSys();
    expect(s.call("mknodat", AT_FDCWD, "/tmp/ff", S_IFIFO | 0o666, 0)).toBe(0);
    expect(fifoNode(s, "/tmp/ff").mode).toBe(S_IFIFO | (0o666 & ~s.p.fs.umask));
    expect(s.call("mknodat", AT_FDCWD, "/tmp/ff", S_IFIFO | 0o666, 0)).toBe(EEXIST);
    expect(s.call("mknodat", AT_FDCWD, "/tmp/dev", S_IFCHR | 0o666, 0x0103)).toBe(EPERM);
  });

  it("O_NONBLOCK: a writer without readers gets ENXIO; a reader opens at once; then data flows and EOF follows", () => {
    const s = new HostSys();
    s.call("mknodat", AT_FDCWD, "/tmp/ff", S_IFIFO | 0o600, 0);
    expect(s.call("openat", AT_FDCWD, "/tmp/ff", O_WRONLY | O_NONBLOCK)).toBe(ENXIO);
    const r = s.call("openat", AT_FDCWD, "/tmp/ff", O_RDONLY | O_NONBLOCK);
    expect(r).toBeGreaterThanOrEqual(0);
    const w = s.call("openat", AT_FDCWD, "/tmp/ff", O_WRONLY | O_NONBLOCK);
    expect(w).toBeGreaterThanOrEqual(0);
    expect(s.call("write", w, "hi", 2)).toBe(2);
    const buf = s.alloc(8);
    expect(s.call("read", r, buf, 8)).toBe(2);
    s.call("close", w);
    expect(s.call("read", r, buf, 8)).toBe(0);
  });

  it("a blocking reader waits for a writer; a writer that opened and closed meanwhile still wakes it", () => {
    const s = new HostSys();
    s.call("mknodat", AT_FDCWD, "/tmp/ff", S_IFIFO | 0o600, 0);
    const ev = start(s, "openat", AT_FDCWD, "/tmp/ff", O_RDONLY);
    expect(s.t.state).toBe("blocked");
    s.k.scheduler.pollWait(s.t);
    expect(s.t.state).toBe("blocked");
    const pipe = fifoNode(s, "/tmp/ff");
    expect(pipe.readers).toBe(1); // the waiting reader already counts: a writer opening now does not wait
    new OpenFile(pipe, O_WRONLY, "/tmp/ff").release(); // another process opens and closes at once
    s.k.scheduler.pollWait(s.t);
    expect(ev.result).toBeGreaterThanOrEqual(0);
  });

  it("O_RDWR never waits and counts on both sides", () => {
    const s = new HostSys();
    s.call("mknodat", AT_FDCWD, "/tmp/ff", S_IFIFO | 0o600, 0);
    const fd = s.call("openat", AT_FDCWD, "/tmp/ff", O_RDWR);
    expect(fd).toBeGreaterThanOrEqual(0);
    const pipe = fifoNode(s, "/tmp/ff");
    expect([pipe.readers, pipe.writers]).toEqual([1, 1]);
    s.call("close", fd);
    expect([pipe.readers, pipe.writers]).toEqual([0, 0]);
  });
});
