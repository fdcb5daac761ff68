/** AF_INET on loopback: UDP datagrams and TCP connections between guest sockets (libc-test's functional/socket). */
import { describe, expect, it } from "vitest";
import { HostSys } from "./host-sys.js";

const AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0o4000, IPPROTO_TCP = 6, IPPROTO_UDP = 17;
const EADDRINUSE = -98, EADDRNOTAVAIL = -99, ENETUNREACH = -101, ECONNREFUSED = -111, EPROTONOSUPPORT = -93, EAFNOSUPPORT = -97;

function sin(s: HostSys, ip: number, port: number): number {
  const b = new DataView(new ArrayBuffer(16));
  b.setUint16(0, AF_INET, true);
  b.setUint16(2, port);
  b.setUint32(4, ip);
  return s.put(new Uint8Array(b.buffer));
}
function nameOf(s: HostSys, fd: number, call = "getsockname"): { ip: number; port: number } {
  const a = s.alloc(16), len = s.alloc(4);
  s.p.mm.mem.write32(len, 16);
  expect(s.call(call, fd, a, len)).toBe(0);
  const v = new DataView(s.p.mm.mem.readBytes(a, 16).buffer);
  return { ip: v.getUint32(4), port: v.getUint16(2) };
}

describe("AF_INET loopback", () => {
  it("UDP: bind to port 0 picks an ephemeral port; sendto 127.0.0.1 reaches it with the sender's address", () => {
    const s = new HostSys();
    const srv = s.call("socket", AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    expect(s.call("bind", srv, sin(s, 0, 0), 16)).toBe(0);
    const { port } = nameOf(s, srv);
    expect(port).toBeGreaterThanOrEqual(32768);
    const cli = s.call("socket", AF_INET, SOCK_DGRAM, 0);
    expect(s.call("sendto", cli, "x", 1, 0, sin(s, 0x7f000001, port), 16)).toBe(1);
    const buf = s.alloc(8), from = s.alloc(16), len = s.alloc(4);
    s.p.mm.mem.write32(len, 16);
    expect(s.call("recvfrom", srv, buf, 8, 0, from, len)).toBe(1);
    expect(s.str(buf, 1)).toBe("x");
    const v = new DataView(s.p.mm.mem.readBytes(from, 16).buffer);
    expect([v.getUint16(0, true), v.getUint32(4), v.getUint16(2)]).toEqual([AF_INET, 0x7f000001, nameOf(s, cli).port]);
    // A datagram to a port nobody holds is dropped (no ICMP in the model); off-loopback is unreachable.
    expect(s.call("sendto", cli, "y", 1, 0, sin(s, 0x7f000001, 9), 16)).toBe(1);
    expect(s.call("sendto", cli, "y", 1, 0, sin(s, 0x08080808, 53), 16)).toBe(ENETUNREACH);
  });

  it("TCP: listen, a non-blocking connect, accept with the peer's address; ports are exclusive and freed on close", () => {
    const s = new HostSys();
    const l = s.call("socket", AF_INET, SOCK_STREAM, IPPROTO_TCP);
    expect(s.call("bind", l, sin(s, 0, 5555), 16)).toBe(0);
    const dup = s.call("socket", AF_INET, SOCK_STREAM, 0);
    expect(s.call("bind", dup, sin(s, 0, 5555), 16)).toBe(EADDRINUSE);
    expect(s.call("bind", dup, sin(s, 0x0a000001, 5556), 16)).toBe(EADDRNOTAVAIL);
    expect(s.call("listen", l, 1)).toBe(0);
    const c = s.call("socket", AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
    expect(s.call("connect", c, sin(s, 0x7f000001, 5555), 16)).toBe(0);
    const peer = s.alloc(16), len = s.alloc(4);
    s.p.mm.mem.write32(len, 16);
    const t = s.call("accept", l, peer, len);
    expect(t).toBeGreaterThanOrEqual(0);
    expect(s.call("write", c, "ping", 4)).toBe(4);
    const buf = s.alloc(8);
    expect(s.call("read", t, buf, 8)).toBe(4);
    expect(nameOf(s, c, "getpeername").port).toBe(5555);
    const c2 = s.call("socket", AF_INET, SOCK_STREAM, 0);
    expect(s.call("connect", c2, sin(s, 0x7f000001, 5557), 16)).toBe(ECONNREFUSED);
    s.call("close", l);
    const again = s.call("socket", AF_INET, SOCK_STREAM, 0);
    expect(s.call("bind", again, sin(s, 0, 5555), 16)).toBe(0);
  });

  it("protocols and families the model does not have", () => {
    const s = new HostSys();
    expect(s.call("socket", AF_INET, SOCK_STREAM, IPPROTO_UDP)).toBe(EPROTONOSUPPORT);
    expect(s.call("socket", 10 /* AF_INET6 */, SOCK_STREAM, 0)).toBe(EAFNOSUPPORT);
  });
});
