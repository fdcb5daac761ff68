/**
 * Sockets inside the guest. AF_UNIX (net/unix/af_unix.c): socketpair, and socket/bind/listen/connect/accept4 on
 * filesystem names (a socket inode in the VFS) and abstract names (a leading NUL, kernel-wide); stream,
 * seqpacket and datagram transfer with send/recv/sendto/recvfrom/sendmsg/recvmsg, shutdown, get{sock,peer}name
 * and the common SOL_SOCKET options. AF_INET on the loopback network only (127.0.0.0/8; the model has no other
 * interface, so other destinations are ENETUNREACH): TCP as a reliable stream and UDP as datagrams between guest
 * sockets, ports bound per protocol with ephemeral ports from 32768 (ip_local_port_range's default). Other
 * families answer EAFNOSUPPORT. Ancillary data (SCM_RIGHTS, SCM_CREDENTIALS) is not carried: msg_controllen
 * comes back 0.
 */
import { SyscallError } from "../errors.js";
import {
  EAFNOSUPPORT, EAGAIN, ECONNREFUSED, EEXIST, EINVAL, EISCONN, ENOENT, ENOTCONN, ENOTSOCK, EOPNOTSUPP, EPIPE, EPROTONOSUPPORT,
  EADDRINUSE, EDESTADDRREQ, EMSGSIZE, ENOPROTOOPT, EPROTOTYPE, EADDRNOTAVAIL, ENETUNREACH,
} from "../errno.js";
import { OpenFile, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM, WOULD_BLOCK, O_CLOEXEC, O_NONBLOCK, O_RDWR, type SpecialNode } from "../fd.js";
import { SIGPIPE } from "../signal.js";
import { latin1, type Handler, type HandlerResult, type SyscallContext } from "../syscall.js";
import type { KernelServices } from "../services.js";
import { Inode, S_IFSOCK } from "../vfs.js";
import { resolveAt, fileOf, linkNew, AT_FDCWD } from "./fs.js";

const AF_UNIX = 1, AF_INET = 2;
const IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_UDP = 17;
/** The first ephemeral port (net.ipv4.ip_local_port_range defaults to 32768–60999). */
const EPHEMERAL_LOW = 32768, EPHEMERAL_HIGH = 60999;
const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5, SOCK_TYPE_MASK = 0xf;
const MSG_PEEK = 2, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
const SOL_SOCKET = 1, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_DOMAIN = 39, SO_ACCEPTCONN = 30, SO_PROTOCOL = 38;
/** The per-socket receive queue limit (sk_rcvbuf-like; the default 212992 bytes). */
const RCVBUF = 212992;

interface Message {
  data: Uint8Array;
  from: Uint8Array | undefined;
}

export class Socket extends Inode implements SpecialNode {
  peer: Socket | undefined;
  /** Received data: stream bytes as chunks, datagram/seqpacket as whole messages. */
  readonly queue: Message[] = [];
  queued = 0;
  /** Bound address: the sockaddr bytes after the family (sockaddr_un's path, sockaddr_in's port + address). */
  addr: Uint8Array | undefined;
  /** Gives the bound name or port back when the last file goes (abstract names, AF_INET ports). */
  unbind: (() => void) | undefined;
  listening = false;
  backlog: Socket[] = [];
  backlogMax = 0;
  /** This end can no longer receive (SHUT_RD) / send (SHUT_WR); the peer's close sets peerClosed. */
  shutRd = false;
  shutWr = false;
  peerClosed = false;
  /** Datagram sockets: the default destination from connect(), and its address (AF_INET: even with nobody there). */
  dgramPeer: Socket | undefined;
  dgramName: Uint8Array | undefined;
  files = 0;
  constructor(
    readonly stype: number,
    readonly family = AF_UNIX,
  ) {
    super(S_IFSOCK | 0o777);
  }
  get stream(): boolean {
    return this.stype === SOCK_STREAM;
  }
  readFile(f: OpenFile, n: number): Uint8Array | number | typeof WOULD_BLOCK {
    const r = this.recv(n, 0, f.flags);
    return typeof r === "object" ? r.data : r;
  }
  writeFile(f: OpenFile, data: Uint8Array): number | typeof WOULD_BLOCK {
    return this.send(data, undefined, f.flags);
  }
  /** unix_poll / unix_dgram_poll. */
  pollMask(): number {
    let m = 0;
    if (this.listening) return this.backlog.length ? POLLIN | POLLRDNORM : 0;
    if (this.queued > 0 || this.queue.length > 0) m |= POLLIN | POLLRDNORM;
    if (this.shutRd || this.peerClosed) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.stream && this.peerClosed && this.shutWr) m |= POLLHUP;
    if (this.stype !== SOCK_DGRAM && !this.peer && !this.peerClosed) return m;
    const dest = this.peer ?? this.dgramPeer;
    if (!dest || dest.queued < RCVBUF) m |= POLLOUT | POLLWRNORM;
    return m;
  }
  releaseFile(): void {
    if (--this.files > 0) return;
    const p = this.peer;
    if (p) {
      p.peerClosed = true;
      p.peer = undefined;
    }
    for (const s of this.backlog) s.releaseFile();
    this.backlog = [];
    this.unbind?.();
    this.unbind = undefined;
  }

  /** Queue `data` at the destination; -errno, WOULD_BLOCK, or the bytes taken. */
  send(data: Uint8Array, to: Socket | undefined, flags: number): number | typeof WOULD_BLOCK {
    if (this.shutWr) return -EPIPE;
    if (this.stype === SOCK_DGRAM) {
      const dest = to ?? this.dgramPeer;
      if (!dest) return -ENOTCONN;
      if (data.length > RCVBUF) return -EMSGSIZE;
      if (dest.queued + data.length > RCVBUF) return flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
      dest.queue.push({ data: data.slice(), from: this.addr && this.family === AF_INET ? encodeAddr(AF_INET, this.addr, true).slice(2) : this.addr });
      dest.queued += data.length;
      return data.length;
    }
    if (this.peerClosed) return -EPIPE;
    const dest = this.peer;
    if (!dest) return -ENOTCONN;
    if (dest.shutRd) return -EPIPE;
    const room = RCVBUF - dest.queued;
    if (room <= 0) return flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
    if (!this.stream) {
      if (data.length > RCVBUF) return -EMSGSIZE;
      if (data.length > room) return flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
    }
    const n = this.stream ? Math.min(room, data.length) : data.length;
    dest.queue.push({ data: data.slice(0, n), from: this.addr });
    dest.queued += n;
    return n;
  }

  /** Take up to `n` bytes (a stream) or one message; `trunc` reports a datagram's real length. */
  recv(n: number, msgFlags: number, fileFlags: number): { data: Uint8Array; from: Uint8Array | undefined; full: number } | number | typeof WOULD_BLOCK {
    if (this.queue.length === 0) {
      if (this.shutRd || this.peerClosed) return { data: new Uint8Array(0), from: undefined, full: 0 };
      if (this.stype !== SOCK_DGRAM && !this.peer) return this.stream ? -EINVAL : -ENOTCONN;
      return fileFlags & O_NONBLOCK || msgFlags & MSG_DONTWAIT ? -EAGAIN : WOULD_BLOCK;
    }
    const peek = (msgFlags & MSG_PEEK) !== 0;
    if (!this.stream) {
      const m = peek ? this.queue[0]! : this.queue.shift()!;
      if (!peek) this.queued -= m.data.length;
      return { data: m.data.subarray(0, n), from: m.from, full: m.data.length };
    }
    const out = new Uint8Array(Math.min(n, this.queued));
    let got = 0, i = 0;
    while (got < out.length) {
      const c = this.queue[i]!;
      const take = Math.min(c.data.length, out.length - got);
      out.set(c.data.subarray(0, take), got);
      got += take;
      if (peek) i++;
      else if (take === c.data.length) this.queue.shift();
      else c.data = c.data.subarray(take);
    }
    if (!peek) this.queued -= got;
    return { data: out, from: this.peer?.addr, full: got };
  }
}

/** AF_INET ports in use, per kernel: "tcp:80", "udp:53". */
const PORTS = new WeakMap<KernelServices, Map<string, Socket>>();
function ports(k: KernelServices): Map<string, Socket> {
  let m = PORTS.get(k);
  if (!m) PORTS.set(k, (m = new Map()));
  return m;
}
const portKey = (s: Socket, port: number) => `${s.stype === SOCK_DGRAM ? "udp" : "tcp"}:${port}`;

/** sockaddr_in after the family: port (big-endian), address, 8 zero bytes. */
function inetAddr(port: number, ip: number): Uint8Array {
  const b = new Uint8Array(14);
  const v = new DataView(b.buffer);
  v.setUint16(0, port);
  v.setUint32(2, ip);
  return b;
}
const inetPort = (a: Uint8Array) => (a[0]! << 8) | a[1]!;
const inetIp = (a: Uint8Array) => ((a[2]! << 24) | (a[3]! << 16) | (a[4]! << 8) | a[5]!) >>> 0;
const LOOPBACK = 0x7f000001;
const isLoopback = (ip: number) => ip >>> 24 === 127;

/** Claim `port` (0: the first free ephemeral one) for `s`, keeping `ip`; the port goes back when `s` closes. */
function bindInet(c: SyscallContext, s: Socket, port: number, ip: number): number {
  const m = ports(c.kernel);
  if (port === 0) {
    for (let p = EPHEMERAL_LOW; p <= EPHEMERAL_HIGH && !port; p++) if (!m.has(portKey(s, p))) port = p;
    if (!port) return -EADDRINUSE;
  } else if (m.has(portKey(s, port))) return -EADDRINUSE;
  const key = portKey(s, port);
  m.set(key, s);
  s.unbind = () => m.delete(key);
  s.addr = inetAddr(port, ip);
  return 0;
}

/** An unbound AF_INET socket that sends or connects gets an ephemeral port first (inet_autobind). */
function autobind(c: SyscallContext, s: Socket): void {
  if (s.family !== AF_INET || s.addr) return;
  const r = bindInet(c, s, 0, 0);
  if (r < 0) throw new SyscallError(-r);
}

/** Abstract-namespace names, per kernel. */
const ABSTRACT = new WeakMap<KernelServices, Map<string, Socket>>();
function abstractNames(k: KernelServices): Map<string, Socket> {
  let m = ABSTRACT.get(k);
  if (!m) ABSTRACT.set(k, (m = new Map()));
  return m;
}

function install(c: SyscallContext, s: Socket, flags: number): number {
  s.files++;
  const f = new OpenFile(s, O_RDWR | (flags & O_NONBLOCK), `socket:[${s.ino}]`);
  const fd = c.proc.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) f.release();
  return fd;
}

function sockOf(c: SyscallContext, fd: number): { s: Socket; f: OpenFile } {
  const f = fileOf(c, fd);
  if (!(f.node instanceof Socket)) throw new SyscallError(ENOTSOCK);
  return { s: f.node, f };
}

/** The protocols each family and type accept (0 picks the first); AF_INET6, AF_NETLINK, AF_PACKET: not modelled. */
const PROTOCOLS: Record<number, Record<number, readonly number[]>> = {
  [AF_UNIX]: { [SOCK_STREAM]: [0], [SOCK_DGRAM]: [0], [SOCK_SEQPACKET]: [0] },
  [AF_INET]: { [SOCK_STREAM]: [IPPROTO_TCP], [SOCK_DGRAM]: [IPPROTO_UDP] },
};

/** socket()'s checks: the type, or -errno; `protocol` 0 means the family's default for the type. */
function checkType(family: number, type: number, protocol = 0): number {
  const byType = PROTOCOLS[family];
  if (!byType) return -EAFNOSUPPORT;
  const t = type & SOCK_TYPE_MASK;
  if (type & ~(SOCK_TYPE_MASK | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  const protos = byType[t];
  if (!protos) return -EPROTONOSUPPORT;
  if (protocol !== 0 && !protos.includes(protocol)) return -EPROTONOSUPPORT;
  return t;
}

/** A sockaddr for `s`'s family → the bytes after the family (sockaddr_un: the name; sockaddr_in: port + address). */
function readAddr(c: SyscallContext, addr: number, len: number, family = AF_UNIX): Uint8Array {
  if (family === AF_INET) {
    if (len < 16) throw new SyscallError(EINVAL);
    const b = c.read(addr, 16);
    if ((b[0]! | (b[1]! << 8)) !== AF_INET) throw new SyscallError(EAFNOSUPPORT);
    return b.slice(2);
  }
  if (len < 2 || len > 110) throw new SyscallError(EINVAL);
  const b = c.read(addr, len);
  if ((b[0]! | (b[1]! << 8)) !== AF_UNIX) throw new SyscallError(EINVAL);
  let name = b.subarray(2);
  if (name.length > 0 && name[0] !== 0) {
    const z = name.indexOf(0);
    if (z >= 0) name = name.subarray(0, z);
  }
  return name;
}

/**
 * The sockaddr bytes for a name of `family`. An AF_INET socket bound to INADDR_ANY is seen by its peers at
 * 127.0.0.1, the loopback route's source address.
 */
function encodeAddr(family: number, name: Uint8Array | undefined, asPeer = false): Uint8Array {
  if (family === AF_INET) {
    const a = name ?? inetAddr(0, 0);
    const full = new Uint8Array(16);
    full[0] = AF_INET;
    full.set(a, 2);
    if (asPeer && inetIp(a) === 0) new DataView(full.buffer).setUint32(4, LOOPBACK);
    return full;
  }
  const full = new Uint8Array(2 + (name?.length ?? 0) + (name && name[0] !== 0 ? 1 : 0));
  full[0] = AF_UNIX;
  if (name) full.set(name, 2);
  return full;
}

function writeAddr(c: SyscallContext, addr: number, lenAddr: number, name: Uint8Array | undefined, family = AF_UNIX, asPeer = false): void {
  if (!addr) return;
  const have = c.readU32(lenAddr);
  const full = encodeAddr(family, name, asPeer);
  c.write(addr, full.subarray(0, Math.min(have, full.length)));
  c.writeU32(lenAddr, full.length);
}

/** The AF_INET socket listening or bound at a loopback address; undefined when nothing is there. */
function lookupInet(c: SyscallContext, s: Socket, name: Uint8Array): Socket | undefined {
  const ip = inetIp(name);
  if (ip !== 0 && !isLoopback(ip)) throw new SyscallError(ENETUNREACH); // the model's only interface is lo
  return ports(c.kernel).get(portKey(s, inetPort(name)));
}

function lookupName(c: SyscallContext, name: Uint8Array): Socket {
  if (name.length === 0) throw new SyscallError(EINVAL);
  if (name[0] === 0) {
    const s = abstractNames(c.kernel).get(latin1(name));
    if (!s) throw new SyscallError(ECONNREFUSED);
    return s;
  }
  const r = resolveAt(c, AT_FDCWD, latin1(name), true);
  if (!r.node) throw new SyscallError(ENOENT);
  if (!(r.node instanceof Socket)) throw new SyscallError(ECONNREFUSED);
  return r.node;
}

function bind(c: SyscallContext): number {
  const { s } = sockOf(c, c.int(0));
  const name = readAddr(c, c.ptr(1), c.int(2), s.family);
  if (s.addr) return -EINVAL;
  if (s.family === AF_INET) {
    const ip = inetIp(name);
    if (ip !== 0 && !isLoopback(ip)) return -EADDRNOTAVAIL;
    return bindInet(c, s, inetPort(name), ip);
  }
  if (name.length === 0) return -EINVAL; // autobind is not modelled
  if (name[0] === 0) {
    const names = abstractNames(c.kernel);
    const key = latin1(name);
    if (names.has(key)) return -EADDRINUSE;
    names.set(key, s);
    s.unbind = () => names.delete(key);
  } else {
    const r = resolveAt(c, AT_FDCWD, latin1(name), false, true);
    if (r.node) return -EADDRINUSE;
    if (r.parent.dynamic) return -EEXIST;
    s.mode = S_IFSOCK | (0o777 & ~c.proc.fs.umask);
    linkNew(c, r.parent, r.name, s);
  }
  s.addr = name;
  return 0;
}

function connect(c: SyscallContext): number {
  const { s } = sockOf(c, c.int(0));
  const name = readAddr(c, c.ptr(1), c.int(2), s.family);
  let target: Socket;
  if (s.family === AF_INET) {
    autobind(c, s);
    const found = lookupInet(c, s, name);
    if (!found) {
      if (s.stype !== SOCK_DGRAM) return -ECONNREFUSED;
      // UDP connect only records the destination; datagrams to a port nobody holds are dropped.
      s.dgramPeer = undefined;
      s.dgramName = name;
      return 0;
    }
    target = found;
  } else target = lookupName(c, name);
  if (s.stype === SOCK_DGRAM) {
    if (target.stype !== SOCK_DGRAM) return -EPROTOTYPE;
    s.dgramPeer = target;
    s.dgramName = target.addr;
    return 0;
  }
  if (s.peer || s.peerClosed) return -EISCONN;
  if (!target.listening || target.stype !== s.stype) return -ECONNREFUSED;
  // A full backlog: EAGAIN (Linux would make a blocking connect wait for an accept).
  if (target.backlog.length > target.backlogMax) return -EAGAIN;
  // The server side of the new connection waits in the listener's backlog until accept().
  const server = new Socket(s.stype, s.family);
  server.addr = target.addr;
  server.files = 1; // held by the backlog until accepted
  server.peer = s;
  s.peer = server;
  target.backlog.push(server);
  return 0;
}

function accept4(c: SyscallContext, flags: number): HandlerResult {
  const { s, f } = sockOf(c, c.int(0));
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  if (s.stype === SOCK_DGRAM) return -EOPNOTSUPP;
  if (!s.listening) return -EINVAL;
  const take = (): number | undefined => {
    const server = s.backlog.shift();
    if (!server) return f.flags & O_NONBLOCK ? -EAGAIN : undefined;
    server.files = 0;
    const fd = install(c, server, flags);
    if (fd >= 0) writeAddr(c, c.ptr(1), c.ptr(2), server.peer?.addr, s.family, true);
    return fd;
  };
  const r = take();
  if (r !== undefined) return r;
  return { block: { poll: take, restartable: true, what: "accept" } };
}

function sigpipe(c: SyscallContext, r: number, flags: number): number {
  if (r === -EPIPE && !(flags & MSG_NOSIGNAL)) c.kernel.signals.queueThread(c.thread, { signo: SIGPIPE, code: 0, pid: c.proc.pid, uid: c.proc.cred.ruid });
  return r;
}

function doSend(c: SyscallContext, fd: number, data: Uint8Array, flags: number, toAddr: number, toLen: number): HandlerResult {
  const { s, f } = sockOf(c, fd);
  let to: Socket | undefined;
  if (s.family === AF_INET && s.stype === SOCK_DGRAM) {
    // UDP: a destination nobody holds swallows the datagram (no ICMP errors are modelled).
    const name = toAddr ? readAddr(c, toAddr, toLen, AF_INET) : s.dgramName;
    if (!name) return -EDESTADDRREQ;
    autobind(c, s);
    to = lookupInet(c, s, name);
    if (!to) return data.length;
  } else if (toAddr && s.stype === SOCK_DGRAM) to = lookupName(c, readAddr(c, toAddr, toLen));
  else if (toAddr && s.stream && (s.peer || s.peerClosed)) return -EISCONN;
  if (s.stype === SOCK_DGRAM && !to && !s.dgramPeer) return -EDESTADDRREQ;
  const fileFlags = f.flags | (flags & MSG_DONTWAIT ? O_NONBLOCK : 0);
  const attempt = (): number | undefined => {
    const r = s.send(data, to, fileFlags);
    return r === WOULD_BLOCK ? undefined : sigpipe(c, r, flags);
  };
  const r = attempt();
  if (r !== undefined) return r;
  return { block: { poll: attempt, restartable: true, what: "send" } };
}

function doRecv(c: SyscallContext, fd: number, n: number, flags: number, deliver: (data: Uint8Array, from: Uint8Array | undefined, full: number) => number): HandlerResult {
  const { s, f } = sockOf(c, fd);
  const attempt = (): number | undefined => {
    const r = s.recv(n, flags, f.flags);
    if (r === WOULD_BLOCK) return undefined;
    if (typeof r === "number") return r;
    return deliver(r.data, r.from, r.full);
  };
  const r = attempt();
  if (r !== undefined) return r;
  return { block: { poll: attempt, restartable: true, what: "recv" } };
}

/** struct msghdr (56 bytes): name, namelen, iov, iovlen, control, controllen, flags. */
function readMsghdr(c: SyscallContext, addr: number) {
  const b = new DataView(c.read(addr, 56).buffer);
  const iovAddr = Number(b.getBigUint64(16, true)), iovLen = Number(b.getBigUint64(24, true));
  if (iovLen > 1024) throw new SyscallError(EMSGSIZE);
  const iov = Array.from({ length: iovLen }, (_, i) => ({ base: Number(c.readU64(iovAddr + 16 * i)), len: Number(c.readU64(iovAddr + 16 * i + 8)) }));
  return { name: Number(b.getBigUint64(0, true)), namelen: b.getInt32(8, true), iov };
}

function sockopt(c: SyscallContext, get: boolean): number {
  const { s } = sockOf(c, c.int(0));
  const level = c.int(1), opt = c.int(2);
  // IP- and TCP/UDP-level options on loopback change nothing the model shows (TCP_NODELAY, IP_TOS…): accepted.
  if (!get && s.family === AF_INET && (level === IPPROTO_IP || level === IPPROTO_TCP || level === IPPROTO_UDP)) return c.int(4) < 4 ? -EINVAL : 0;
  if (level !== SOL_SOCKET) return -ENOPROTOOPT;
  if (!get) return c.int(4) < 4 && opt !== 0 ? -EINVAL : 0; // accepted, no effect
  const values: Record<number, number> = {
    [SO_TYPE]: s.stype, [SO_ERROR]: 0, [SO_SNDBUF]: RCVBUF, [SO_RCVBUF]: RCVBUF, [SO_DOMAIN]: s.family,
    [SO_ACCEPTCONN]: s.listening ? 1 : 0, [SO_PROTOCOL]: s.family === AF_INET ? (s.stream ? IPPROTO_TCP : IPPROTO_UDP) : 0,
  };
  const v = values[opt];
  if (v === undefined) return -ENOPROTOOPT;
  const lenAddr = c.ptr(4);
  const have = c.readU32(lenAddr);
  if ((have | 0) < 0) return -EINVAL;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  c.write(c.ptr(3), b.subarray(0, Math.min(4, have)));
  c.writeU32(lenAddr, Math.min(4, have));
  return 0;
}

export const SOCKET_HANDLERS: Record<string, Handler> = {
  socket: (c) => {
    const t = checkType(c.int(0), c.int(1), c.int(2));
    if (t < 0) return t;
    return install(c, new Socket(t, c.int(0)), c.int(1));
  },
  socketpair: (c) => {
    // socketpair is AF_UNIX only (inet_create has no ->socketpair: EOPNOTSUPP).
    if (c.int(0) === AF_INET) return -EOPNOTSUPP;
    const t = checkType(c.int(0), c.int(1));
    if (t < 0) return t;
    if (c.int(2) !== 0) return -EPROTONOSUPPORT;
    const a = new Socket(t), b = new Socket(t);
    a.peer = b;
    b.peer = a;
    if (t === SOCK_DGRAM) [a.dgramPeer, b.dgramPeer] = [b, a];
    const fa = install(c, a, c.int(1));
    if (fa < 0) return fa;
    const fb = install(c, b, c.int(1));
    if (fb < 0) {
      c.proc.files.close(fa);
      return fb;
    }
    const out = new Uint8Array(8);
    new DataView(out.buffer).setInt32(0, fa, true);
    new DataView(out.buffer).setInt32(4, fb, true);
    try {
      c.write(c.ptr(3), out);
    } catch (e) {
      c.proc.files.close(fa);
      c.proc.files.close(fb);
      throw e;
    }
    return 0;
  },
  bind,
  listen: (c) => {
    const { s } = sockOf(c, c.int(0));
    if (s.stype === SOCK_DGRAM) return -EOPNOTSUPP;
    autobind(c, s); // an unbound AF_INET socket listens on an ephemeral port (inet_csk_get_port)
    if (!s.addr || s.peer) return -EINVAL;
    s.listening = true;
    s.backlogMax = Math.max(0, Math.min(c.int(1), 4096));
    return 0;
  },
  connect,
  accept: (c) => accept4(c, 0),
  accept4: (c) => accept4(c, c.int(3)),
  shutdown: (c) => {
    const { s } = sockOf(c, c.int(0));
    const how = c.int(1);
    if (how < 0 || how > 2) return -EINVAL;
    if (!s.peer && !s.peerClosed && s.stype !== SOCK_DGRAM) return -ENOTCONN;
    if (how !== 1) s.shutRd = true;
    if (how !== 0) {
      s.shutWr = true;
      if (s.peer) s.peer.peerClosed = true;
    }
    return 0;
  },
  getsockname: (c) => {
    const { s } = sockOf(c, c.int(0));
    writeAddr(c, c.ptr(1), c.ptr(2), s.addr, s.family);
    return 0;
  },
  getpeername: (c) => {
    const { s } = sockOf(c, c.int(0));
    const p = s.peer?.addr ?? s.dgramName ?? s.dgramPeer?.addr;
    if (!s.peer && !s.dgramName && !s.dgramPeer) return -ENOTCONN;
    writeAddr(c, c.ptr(1), c.ptr(2), p, s.family, true);
    return 0;
  },
  sendto: (c) => doSend(c, c.int(0), c.read(c.ptr(1), c.ulong(2)), c.int(3), c.ptr(4), c.int(5)),
  recvfrom: (c) => {
    const buf = c.ptr(1), flags = c.int(3);
    return doRecv(c, c.int(0), c.ulong(2), flags, (data, from, full) => {
      c.write(buf, data);
      if (c.ptr(4)) writeAddr(c, c.ptr(4), c.ptr(5), from, sockOf(c, c.int(0)).s.family);
      return flags & MSG_TRUNC ? full : data.length;
    });
  },
  sendmsg: (c) => {
    const m = readMsghdr(c, c.ptr(1));
    const parts = m.iov.map((v) => c.read(v.base, v.len));
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return doSend(c, c.int(0), all, c.int(2), m.name, m.namelen);
  },
  recvmsg: (c) => {
    const hdr = c.ptr(1), flags = c.int(2);
    const m = readMsghdr(c, hdr);
    const total = m.iov.reduce((n, v) => n + v.len, 0);
    return doRecv(c, c.int(0), total, flags, (data, from, full) => {
      let o = 0;
      for (const v of m.iov) {
        if (o >= data.length) break;
        const take = Math.min(v.len, data.length - o);
        c.write(v.base, data.subarray(o, o + take));
        o += take;
      }
      if (m.name) {
        const name = encodeAddr(sockOf(c, c.int(0)).s.family, from);
        c.write(m.name, name.subarray(0, Math.min(Math.max(m.namelen, 0), name.length)));
        c.writeI32(hdr + 8, name.length);
      }
      c.writeU64(hdr + 40, 0); // msg_controllen: no ancillary data
      c.writeI32(hdr + 48, full > data.length ? MSG_TRUNC : 0);
      return flags & MSG_TRUNC ? full : data.length;
    });
  },
  setsockopt: (c) => sockopt(c, false),
  getsockopt: (c) => sockopt(c, true),
};

