/** AF_UNIX sockets: socketpair, named and abstract listeners, datagrams, msghdr transfer, shutdown, poll. */
import { describe, expect, it } from "vitest";
import { HostSys } from "./host-sys.js";

const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0o4000;
const EAFNOSUPPORT = -97, EAGAIN = -11, EPIPE = -32, ENOTSOCK = -88, ECONNREFUSED = -111, EADDRINUSE = -98, ENOTCONN = -107;

function pair(s: HostSys, type: number): [number, number] {
  const b = s.alloc(8);
  expect(s.call("socketpair", AF_UNIX, type, 0, b)).toBe(0);
  return [s.p.mm.mem.read32(b), s.p.mm.mem.read32(b + 4)];
}

function sun(s: HostSys, name: string, abstract = false): [number, number] {
  const path = new TextEncoder().encode(name);
  const b = new Uint8Array(2 + (abstract ? 1 : 0) + path.length + (abstract ? 0 : 1));
  b[0] = AF_UNIX;
  b.set(path, abstract ? 3 : 2);
  return [s.put(b), b.length];
}

describe("AF_UNIX", () => {
  it("socketpair stream: both directions, EOF after close, EPIPE and SIGPIPE on a closed peer, EAGAIN when nonblocking", () => {
    const s = new HostSys();
    const [a, b] = pair(s, SOCK_STREAM | SOCK_NONBLOCK);
    const buf = s.alloc(64);
    expect(s.call("write", a, "ping", 4)).toBe(4);
    expect(s.call("read", b, buf, 64)).toBe(4);
    expect(s.str(buf, 4)).toBe("ping");
    expect(s.call("sendto", b, "pong", 4, 0, 0, 0)).toBe(4);
    expect(s.call("recvfrom", a, buf, 2, 0, 0, 0)).toBe(2); // a stream hands out partial reads
    expect(s.call("recvfrom", a, buf, 64, 0, 0, 0)).toBe(2);
    expect(s.call("read", a, buf, 64)).toBe(EAGAIN);
    s.call("close", b);
    expect(s.call("read", a, buf, 64)).toBe(0);
    expect(s.call("write", a, "x", 1)).toBe(EPIPE);
    expect(s.t.pending & (1n << 12n)).not.toBe(0n); // SIGPIPE
    expect(s.call("sendto", a, "x", 1, 0x4000, 0, 0)).toBe(EPIPE); // MSG_NOSIGNAL
    const st = s.alloc(144);
    s.call("fstat", a, st);
    expect(s.p.mm.mem.read32(st + 24) & 0o170000).toBe(0o140000);
    const link = s.alloc(64);
    expect(s.str(link, s.call("readlink", `/proc/self/fd/${a}`, link, 64))).toMatch(/^socket:\[\d+\]$/);
  });

  it("socketpair datagrams keep message boundaries; recvmsg scatters and reports MSG_TRUNC", () => {
    const s = new HostSys("arm64");
    const [a, b] = pair(s, SOCK_DGRAM);
    s.call("write", a, "hello", 5);
    s.call("write", a, "world!", 6);
    const buf = s.alloc(64);
    expect(s.call("read", b, buf, 64)).toBe(5);
    // recvmsg into two 3-byte iovecs of a 6-byte message with MSG_TRUNC off: 6 bytes, flags 0.
    const iov = new DataView(new ArrayBuffer(32));
    iov.setBigUint64(0, BigInt(buf), true);
    iov.setBigUint64(8, 3n, true);
    iov.setBigUint64(16, BigInt(buf + 32), true);
    iov.setBigUint64(24, 2n, true);
    const msg = new DataView(new ArrayBuffer(56));
    msg.setBigUint64(16, BigInt(s.put(new Uint8Array(iov.buffer))), true);
    msg.setBigUint64(24, 2n, true);
    const m = s.put(new Uint8Array(msg.buffer));
    expect(s.call("recvmsg", b, m, 0)).toBe(5);
    expect(s.str(buf, 3) + s.str(buf + 32, 2)).toBe("world");
    expect(s.p.mm.mem.read32(m + 48)).toBe(0x20); // MSG_TRUNC in msg_flags: the sixth byte was dropped
  });

  it("bind/listen/connect/accept4 on a path and on an abstract name; names and errors", () => {
    const s = new HostSys();
    expect(s.call("socket", 10 /* AF_INET6 */, SOCK_STREAM, 0)).toBe(EAFNOSUPPORT);
    const srv = s.call("socket", AF_UNIX, SOCK_STREAM, 0);
    const [addr, len] = sun(s, "/tmp/sock");
    expect(s.call("bind", srv, addr, len)).toBe(0);
    expect(s.call("listen", srv, 5)).toBe(0);
    const st = s.alloc(144);
    expect(s.call("stat", "/tmp/sock", st)).toBe(0);
    expect(s.p.mm.mem.read32(st + 24) & 0o170000).toBe(0o140000);
    const other = s.call("socket", AF_UNIX, SOCK_STREAM, 0);
    expect(s.call("bind", other, addr, len)).toBe(EADDRINUSE);
    const cli = s.call("socket", AF_UNIX, SOCK_STREAM, 0);
    const [nope, nlen] = sun(s, "/tmp/none");
    expect(s.call("connect", cli, nope, nlen)).toBe(-2);
    expect(s.call("connect", cli, addr, len)).toBe(0);
    const peer = s.alloc(112), plen = s.put(new Uint8Array([112, 0, 0, 0]));
    const conn = s.call("accept4", srv, 0, 0, SOCK_NONBLOCK);
    expect(conn).toBeGreaterThan(cli);
    expect(s.call("getpeername", cli, peer, plen)).toBe(0);
    expect(s.str(peer + 2, 9)).toBe("/tmp/sock");
    s.call("write", cli, "req", 3);
    const buf = s.alloc(16);
    expect(s.call("read", conn, buf, 16)).toBe(3);
    expect(() => s.call("accept4", srv, 0, 0, 0)).toThrow(/blocked/);
  });

  it("abstract names, datagram sendto by name, shutdown, poll readiness, ENOTSOCK", () => {
    const s = new HostSys();
    const d1 = s.call("socket", AF_UNIX, SOCK_DGRAM, 0), d2 = s.call("socket", AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    const [a1, l1] = sun(s, "one", true), [a2, l2] = sun(s, "two", true);
    expect(s.call("bind", d1, a1, l1)).toBe(0);
    expect(s.call("bind", d2, a2, l2)).toBe(0);
    const [a3, l3] = sun(s, "three", true);
    expect(s.call("sendto", d1, "hi", 2, 0, a3, l3)).toBe(ECONNREFUSED);
    expect(s.call("sendto", d1, "hi", 2, 0, a2, l2)).toBe(2);
    const pf = new DataView(new ArrayBuffer(8));
    pf.setInt32(0, d2, true);
    pf.setInt16(4, 1, true);
    const pfa = s.put(new Uint8Array(pf.buffer));
    expect(s.call("poll", pfa, 1, 0)).toBe(1);
    const from = s.alloc(112), flen = s.put(new Uint8Array([112, 0, 0, 0]));
    const buf = s.alloc(8);
    expect(s.call("recvfrom", d2, buf, 8, 0, from, flen)).toBe(2);
    expect(s.p.mm.mem.read32(flen)).toBe(6); // family + NUL + "one"
    expect(s.str(from + 3, 3)).toBe("one");
    expect(s.call("recvfrom", d2, buf, 8, 0, 0, 0)).toBe(EAGAIN);
    expect(s.call("poll", pfa, 1, 0)).toBe(0);
    const [x, y] = pair(s, SOCK_STREAM);
    expect(s.call("shutdown", x, 1)).toBe(0); // SHUT_WR: y sees EOF, x cannot write
    expect(s.call("read", y, buf, 8)).toBe(0);
    expect(s.call("write", x, "z", 1)).toBe(EPIPE);
    const lone = s.call("socket", AF_UNIX, SOCK_STREAM, 0);
    expect(s.call("shutdown", lone, 2)).toBe(ENOTCONN);
    expect(s.call("getsockname", 0, from, flen)).toBe(ENOTSOCK);
    const ov = s.alloc(4), olen = s.put(new Uint8Array([4, 0, 0, 0]));
    expect(s.call("getsockopt", d1, 1, 3, ov, olen)).toBe(0); // SO_TYPE
    expect(s.p.mm.mem.read32(ov)).toBe(SOCK_DGRAM);
  });
});
