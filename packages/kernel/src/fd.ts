/**
 * Open file descriptions and the per-process descriptor table.
 * A description holds the node, the offset and the status flags; reads and
 * writes dispatch on the node kind. Pipes are in-memory ring queues.
 */
import { EAGAIN, EBADF, EINVAL, EISDIR, EMFILE, EPIPE, ESPIPE, EOVERFLOW } from "./errno.js";
import { CharDevNode, DirNode, FileNode, GeneratedNode, Inode, S_IFIFO, SymlinkNode } from "./vfs.js";

export const O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
export const O_NONBLOCK = 0o4000, O_APPEND = 0o2000, O_CLOEXEC = 0o2000000;

/** The "would block" answer of a read or write: the caller decides whether to wait. */
export const WOULD_BLOCK = Symbol("would-block");

export class Pipe extends Inode {
  chunks: Uint8Array[] = [];
  bytes = 0;
  readers = 0;
  writers = 0;
  /**
   * Opens so far by each side (fs/pipe.c's r_counter/w_counter): a FIFO opener waiting for the other side wakes
   * when the count moves, even if that opener has closed again by the time the waiter looks.
   */
  readerOpens = 0;
  writerOpens = 0;
  static readonly CAPACITY = 65536;
  /** An anonymous pipe is 0600; a named FIFO (mknod) has the creator's permissions. */
  constructor(perm = 0o600) {
    super(S_IFIFO | perm);
  }
  override get size(): number {
    return 0;
  }
}

/** poll(2) event bits (include/uapi/asm-generic/poll.h). */
export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20, POLLRDNORM = 0x40,
  POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLRDHUP = 0x2000;
const ALWAYS_READY = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/**
 * An inode whose open files read, write and poll through the inode itself (eventfd, epoll, sockets): the
 * descriptor layer stays one table and the new kinds live in their own modules.
 */
export interface SpecialNode {
  readFile(f: OpenFile, n: number): Uint8Array | number | typeof WOULD_BLOCK;
  writeFile(f: OpenFile, data: Uint8Array): number | typeof WOULD_BLOCK;
  /** The file's current readiness (POLL* bits), as the driver's ->poll answers. */
  pollMask(f: OpenFile): number;
  /** The last reference to an open file of this inode is gone. */
  releaseFile?(f: OpenFile): void;
}
export function isSpecial(n: Inode): n is Inode & SpecialNode {
  return typeof (n as Partial<SpecialNode>).pollMask === "function";
}

/** What poll/select/epoll see for an open file (each driver's ->poll; regular files and directories are always ready). */
export function pollMask(f: OpenFile): number {
  const node = f.node;
  if (isSpecial(node)) return node.pollMask(f);
  if (node instanceof Pipe) {
    // fs/pipe.c pipe_poll: readable with data, HUP without writers; writable with room, ERR without readers.
    let m = 0;
    if (f.readable) {
      if (node.bytes > 0) m |= POLLIN | POLLRDNORM;
      if (node.writers === 0) m |= POLLHUP;
    }
    if (f.writable) {
      if (node.bytes < Pipe.CAPACITY) m |= POLLOUT | POLLWRNORM;
      if (node.readers === 0) m |= POLLERR;
    }
    return m;
  }
  if (node instanceof CharDevNode) return node.device.poll ? node.device.poll() : ALWAYS_READY;
  return ALWAYS_READY;
}

export class OpenFile {
  pos = 0;
  /** Directory stream position: index into the listing snapshot. */
  dirList: string[] | undefined;
  /** Snapshot of a generated file, taken at open. */
  snapshot: Uint8Array | undefined;
  refs = 0;
  constructor(
    readonly node: Inode,
    public flags: number,
    /** The guest path used to open it (for /proc/self/fd and messages). */
    readonly path: string,
  ) {
    if (node instanceof Pipe) {
      // O_RDWR (only possible on a FIFO) counts on both sides, as fifo_open does.
      if (this.readable) {
        node.readers++;
        node.readerOpens++;
      }
      if (this.writable) {
        node.writers++;
        node.writerOpens++;
      }
    }
    if (node instanceof FileNode) node.opens++;
  }
  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== O_WRONLY;
  }
  get writable(): boolean {
    return (this.flags & O_ACCMODE) !== O_RDONLY;
  }
  /** Last reference dropped. */
  release(): void {
    dropLocks(this.node, this); // OFD locks go with the open file (locks_remove_file)
    if (isSpecial(this.node)) this.node.releaseFile?.(this);
    if (this.node instanceof FileNode) {
      this.node.opens--;
      this.node.dropIfUnused();
    }
    if (this.node instanceof Pipe) {
      if (this.readable) this.node.readers--;
      if (this.writable) this.node.writers--;
    }
  }

  read(n: number): Uint8Array | number | typeof WOULD_BLOCK {
    if (!this.readable) return -EBADF;
    const node = this.node;
    if (isSpecial(node)) return node.readFile(this, n);
    if (node instanceof DirNode) return -EISDIR;
    if (node instanceof FileNode) {
      const out = node.read(this.pos, n);
      this.pos += out.length;
      return out;
    }
    if (node instanceof GeneratedNode) {
      const s = this.snapshot ?? new Uint8Array(0);
      const out = s.slice(Math.min(this.pos, s.length), Math.min(s.length, this.pos + n));
      this.pos += out.length;
      return out;
    }
    if (node instanceof CharDevNode) {
      const r = node.device.read(n);
      return r === "eof" ? new Uint8Array(0) : r;
    }
    if (node instanceof Pipe) {
      if (node.bytes === 0) {
        if (node.writers === 0) return new Uint8Array(0);
        return this.flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
      }
      const want = Math.min(n, node.bytes);
      const out = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const c = node.chunks[0]!;
        const take = Math.min(c.length, want - got);
        out.set(c.subarray(0, take), got);
        got += take;
        if (take === c.length) node.chunks.shift();
        else node.chunks[0] = c.subarray(take);
      }
      node.bytes -= want;
      return out;
    }
    return -EINVAL;
  }

  /** Returns bytes written, -errno, or WOULD_BLOCK. -EPIPE also means "raise SIGPIPE". */
  write(data: Uint8Array): number | typeof WOULD_BLOCK {
    if (!this.writable) return -EBADF;
    const node = this.node;
    if (isSpecial(node)) return node.writeFile(this, data);
    if (node instanceof DirNode) return -EISDIR;
    if (node instanceof FileNode) {
      if (this.flags & O_APPEND) this.pos = node.size;
      if (this.pos + data.length > Number.MAX_SAFE_INTEGER) return -EOVERFLOW;
      const n = node.write(this.pos, data);
      if (n > 0) this.pos += n;
      return n;
    }
    if (node instanceof CharDevNode) return node.device.write(data);
    if (node instanceof Pipe) {
      if (node.readers === 0) return -EPIPE;
      const room = Pipe.CAPACITY - node.bytes;
      if (room === 0) return this.flags & O_NONBLOCK ? -EAGAIN : WOULD_BLOCK;
      const n = Math.min(room, data.length);
      node.chunks.push(data.slice(0, n));
      node.bytes += n;
      return n;
    }
    return -EINVAL;
  }

  pread(pos: number, n: number): Uint8Array | number {
    if (!this.readable) return -EBADF;
    if (this.node instanceof FileNode) return this.node.read(pos, n);
    if (this.node instanceof GeneratedNode) return (this.snapshot ?? new Uint8Array(0)).slice(pos, pos + n);
    if (this.node instanceof DirNode) return -EISDIR;
    return -ESPIPE;
  }

  pwrite(pos: number, data: Uint8Array): number {
    if (!this.writable) return -EBADF;
    if (this.node instanceof FileNode) return this.node.write(pos, data);
    if (this.node instanceof DirNode) return -EISDIR;
    return -ESPIPE;
  }

  /** SEEK_DATA/SEEK_HOLE's answer: the new position, or -ENXIO leaving it alone. */
  private seekHoleData(r: number): number {
    if (r >= 0) this.pos = r;
    return r;
  }

  lseek(off: number, whence: number): number {
    const node = this.node;
    if (node instanceof Pipe || node.type === S_IFIFO) return -ESPIPE;
    if (node instanceof CharDevNode) return 0;
    if (node instanceof SymlinkNode) return -EINVAL;
    const size = node instanceof FileNode ? node.size : node instanceof GeneratedNode ? (this.snapshot?.length ?? 0) : 0;
    let base: number;
    switch (whence) {
      case 0: base = 0; break; // SEEK_SET
      case 1: base = this.pos; break; // SEEK_CUR
      case 2: base = size; break; // SEEK_END
      case 3: // SEEK_DATA
        if (node instanceof FileNode) return this.seekHoleData(node.seekHoleData(off, false));
        if (off >= size) return -6; // ENXIO
        base = 0; break;
      case 4: // SEEK_HOLE
        if (node instanceof FileNode) return this.seekHoleData(node.seekHoleData(off, true));
        if (off >= size) return -6;
        this.pos = size; return size;
      default: return -EINVAL;
    }
    const np = base + off;
    if (np < 0) return -EINVAL;
    if (node instanceof DirNode && np !== 0 && whence !== 1) {
      this.pos = np;
      return np;
    }
    if (node instanceof DirNode && np === 0) this.dirList = undefined;
    this.pos = np;
    return np;
  }
}

export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

// ------------------------------------------------------------------ record locks (fs/locks.c)

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

/** One byte-range lock: POSIX locks belong to a descriptor table (fl_owner = current->files), OFD locks to an open file. */
export interface RecordLock {
  owner: FdTable | OpenFile;
  /** The holder's pid for F_GETLK (-1 for OFD locks). */
  pid: number;
  type: typeof F_RDLCK | typeof F_WRLCK;
  start: number;
  /** Exclusive end; Infinity for "to end of file". */
  end: number;
}

const LOCKS = new WeakMap<Inode, RecordLock[]>();

/** The first lock another owner holds that conflicts with the request (a write lock conflicts with anything). */
export function lockConflict(node: Inode, owner: FdTable | OpenFile, type: number, start: number, end: number): RecordLock | undefined {
  for (const l of LOCKS.get(node) ?? []) {
    if (l.owner === owner || l.end <= start || l.start >= end) continue;
    if (type === F_WRLCK || l.type === F_WRLCK) return l;
  }
  return undefined;
}

/** Replace `owner`'s locks on [start,end) with `type` (F_UNLCK removes), splitting the ones that straddle it. */
export function setLock(node: Inode, owner: FdTable | OpenFile, pid: number, type: number, start: number, end: number): void {
  const out: RecordLock[] = [];
  for (const l of LOCKS.get(node) ?? []) {
    if (l.owner !== owner || l.end <= start || l.start >= end) {
      out.push(l);
      continue;
    }
    if (l.start < start) out.push({ ...l, end: start });
    if (l.end > end) out.push({ ...l, start: end });
  }
  if (type !== F_UNLCK) out.push({ owner, pid, type: type as 0 | 1, start, end });
  out.sort((a, b) => a.start - b.start);
  LOCKS.set(node, out);
}

function dropLocks(node: Inode, owner: FdTable | OpenFile): void {
  const ls = LOCKS.get(node);
  if (ls?.some((l) => l.owner === owner)) LOCKS.set(node, ls.filter((l) => l.owner !== owner));
}

export class FdTable {
  private readonly fds: (FdEntry | undefined)[] = [];
  limit = 1024; // RLIMIT_NOFILE soft limit

  get(fd: number): FdEntry | undefined {
    return fd >= 0 && fd < this.fds.length ? this.fds[fd] : undefined;
  }
  file(fd: number): OpenFile | undefined {
    return this.get(fd)?.file;
  }
  /** Lowest free descriptor ≥ min, or -EMFILE. */
  alloc(file: OpenFile, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.fds[fd]) {
        this.fds[fd] = { file, cloexec };
        file.refs++;
        return fd;
      }
    }
    return -EMFILE;
  }
  install(fd: number, file: OpenFile, cloexec: boolean): void {
    this.close(fd);
    this.fds[fd] = { file, cloexec };
    file.refs++;
  }
  close(fd: number): number {
    const e = this.get(fd);
    if (!e) return -EBADF;
    this.fds[fd] = undefined;
    // Closing any descriptor of a file drops every POSIX lock this table holds on it (locks_remove_posix).
    dropLocks(e.file.node, this);
    if (--e.file.refs === 0) e.file.release();
    return 0;
  }
  closeAll(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
  }
  closeOnExec(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]?.cloexec) this.close(fd);
  }
  clone(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    this.fds.forEach((e, fd) => {
      if (e) t.install(fd, e.file, e.cloexec);
    });
    return t;
  }
  openFds(): number[] {
    const out: number[] = [];
    this.fds.forEach((e, fd) => e && out.push(fd));
    return out;
  }
}
