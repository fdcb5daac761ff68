/**
 * The in-memory VFS: directories, regular files, symlinks, character devices
 * and FIFOs, plus generated /proc files, resolved with Linux's namei rules
 * (symlink depth 40 → ELOOP, ENOTDIR/ENOENT/ENAMETOOLONG, trailing slashes).
 *
 * An optional host directory can be mounted read-only as the root. Its nodes
 * materialise lazily and every change lands in memory (copy-up), so the host
 * is never written. Containment: the resolver works on guest path components
 * only; `..` at the root stays at the root and symlink targets (host ones
 * included) are interpreted in the guest namespace, so neither can reach
 * outside. The host is only asked about paths built from validated components
 * under directories the resolver has already entered, with lstat (never
 * following a host symlink).
 */
import { EEXIST, EFBIG, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, ENXIO, EPERM, EXDEV, EBUSY } from "./errno.js";

export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000, S_IFBLK = 0o060000,
  S_IFDIR = 0o040000, S_IFCHR = 0o020000, S_IFIFO = 0o010000;
export const DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

export const PATH_MAX = 4096;
export const NAME_MAX = 255;
const MAXSYMLINKS = 40;

/** A host directory tree, read-only. Paths are component lists relative to the mount root. */
export interface HostFs {
  lstat(path: readonly string[]): { kind: "dir" | "file" | "symlink" | "other"; size: number; mode: number; mtimeMs: number } | undefined;
  readdir(path: readonly string[]): string[];
  readFile(path: readonly string[]): Uint8Array;
  readlink(path: readonly string[]): string;
}

export interface Timestamps {
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

let nextIno = 2;

export abstract class Inode {
  readonly ino = nextIno++;
  dev = 0x1f; // one fake device for the whole VFS (major 0, minor 31)
  nlink = 1;
  uid = 0;
  gid = 0;
  times: Timestamps = { atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };
  constructor(public mode: number) {}
  get type(): number {
    return this.mode & S_IFMT;
  }
  get size(): number {
    return 0;
  }
  rdev = 0;
}

export class DirNode extends Inode {
  readonly entries = new Map<string, Inode>();
  parent: DirNode;
  name: string;
  /** Host backing: the host path of this directory and the names removed from it in the overlay. */
  host?: { fs: HostFs; path: string[]; listed: boolean; whiteouts: Set<string> };
  /** Generated children (/proc): consulted when `entries` has no match. */
  dynamic?: (name: string, ctx: ResolveContext) => Inode | undefined;
  dynamicList?: (ctx: ResolveContext) => string[];
  constructor(mode: number, parent: DirNode | undefined, name: string) {
    super(S_IFDIR | (mode & 0o7777));
    this.parent = parent ?? this;
    this.name = name;
    this.nlink = 2;
  }
  override get size(): number {
    return 4096;
  }

  lookup(name: string, ctx: ResolveContext): Inode | undefined {
    const hit = this.entries.get(name);
    if (hit) return hit;
    if (this.dynamic) {
      const d = this.dynamic(name, ctx);
      if (d) return d;
    }
    if (this.host && !this.host.whiteouts.has(name)) {
      const node = materialise(this.host.fs, [...this.host.path, name], this, name);
      if (node) this.entries.set(name, node);
      return node;
    }
    return undefined;
  }

  list(ctx: ResolveContext): string[] {
    if (this.host && !this.host.listed) {
      for (const n of this.host.fs.readdir(this.host.path)) if (!this.host.whiteouts.has(n)) this.lookup(n, ctx);
      this.host.listed = true;
    }
    const names = [...this.entries.keys()];
    if (this.dynamicList) for (const n of this.dynamicList(ctx)) if (!this.entries.has(n)) names.push(n);
    return names;
  }

  unlinkEntry(name: string): void {
    this.entries.delete(name);
    if (this.host) this.host.whiteouts.add(name);
  }

  linkEntry(name: string, node: Inode): void {
    this.entries.set(name, node);
    if (node instanceof DirNode) {
      node.parent = this;
      node.name = name;
    }
  }
}

/**
 * The in-memory filesystem's size (tmpfs size=): the file pages the guest writes (4096 bytes each; holes cost
 * nothing) are counted against `limit`, and a write past it is short or ENOSPC, so a guest filling /tmp cannot take
 * the host's memory.
 */
export class SpaceQuota {
  used = 0;
  constructor(public limit: number) {}
}

/** tmpfs's allocation unit: a file's bytes live in pages, and only written pages exist (mm/shmem.c). */
export const FILE_PAGE = 4096;
/**
 * The largest file the model will lay out contiguously (exec, mmap and the interpreter need the whole image) when
 * that means allocating host memory for holes: a guest must not make the host allocate a terabyte by mapping a
 * sparse file. A hole-free file is handed out as it is stored, whatever its size.
 */
export const MAX_CONTIGUOUS = 256 * 2 ** 20;
/** The largest size a file can have: offsets are JS numbers (Linux's s_maxbytes is 2^63-1; past ours, EFBIG). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** {@link FileNode.data} of a sparse file past {@link MAX_CONTIGUOUS}: each caller answers with its own errno. */
export class FileTooBigError extends Error {
  constructor(readonly size: number) {
    super(`a sparse file of ${size} bytes is too large to lay out contiguously`);
    this.name = "FileTooBigError";
  }
}

/**
 * A regular file, stored as tmpfs stores it: only pages that were written exist, holes read as zeros and cost
 * neither host memory nor quota, and the quota is charged a whole page when a write first touches it (so a
 * truncate to 1 TiB is free and a write at 1 GiB costs one page). Two layouts: the common case, a dense prefix of
 * pages in one growable buffer (bytes `[0, dense)`, every page up to `ceil(dense / 4096)` allocated, the rest of
 * the file a trailing hole); and, once a write leaves a whole-page hole before it, a map of pages. A sparse file
 * whose pages all come back turns dense again.
 */
export class FileNode extends Inode {
  /** Dense layout: the bytes; zero past `dense` (so a view up to `len` reads the trailing hole as zeros). */
  private buf: Uint8Array;
  /** Dense layout: the end of the stored bytes (≤ len). */
  private dense: number;
  /** Sparse layout: page index → its 4096 bytes (zero past `len`); undefined in the dense layout. */
  private pages: Map<number, Uint8Array> | undefined;
  private len: number;
  private loader: (() => Uint8Array) | undefined;
  /**
   * Pages below this index were never charged (the file's initial or host contents, or pages written before a
   * quota was attached); a page at or above it was charged when it was allocated. Only a truncate frees pages,
   * from the top, so a page's charge never changes while it exists and the quota gets back exactly what it gave.
   */
  private basePages: number;
  /** The quota this file's growth counts against (set when the guest creates or writes it). */
  quota: SpaceQuota | undefined;
  /** Open files of this inode: an unlinked file's bytes go back to the quota when the last one closes. */
  opens = 0;
  constructor(mode: number, data?: Uint8Array, loader?: () => Uint8Array, lazySize?: number) {
    super(S_IFREG | (mode & 0o7777));
    this.buf = data ?? new Uint8Array(0);
    this.len = this.dense = data ? data.length : (lazySize ?? 0);
    this.loader = loader;
    this.basePages = pagesFor(this.len);
  }
  private load(): void {
    if (this.loader) {
      const d = this.loader();
      this.loader = undefined;
      this.buf = d;
      this.len = this.dense = d.length;
      this.basePages = pagesFor(d.length);
    }
  }
  override get size(): number {
    return this.len;
  }
  /** Allocated pages (st_blocks is this times 8). */
  get allocatedPages(): number {
    return this.pages ? this.pages.size : pagesFor(this.dense);
  }
  /** Pages charged to the quota. */
  private get charged(): number {
    if (!this.pages) return Math.max(0, pagesFor(this.dense) - this.basePages);
    let n = 0;
    for (const i of this.pages.keys()) if (i >= this.basePages) n++;
    return n;
  }
  /**
   * The contents in one piece (a view or a fresh copy; copy before keeping). Holes are laid out as zeros, so a
   * file with holes past {@link MAX_CONTIGUOUS} throws {@link FileTooBigError} instead.
   */
  get data(): Uint8Array {
    this.load();
    if (!this.pages && this.buf.length >= this.len) return this.buf.subarray(0, this.len);
    if (this.len > MAX_CONTIGUOUS) throw new FileTooBigError(this.len);
    return this.read(0, this.len);
  }
  read(pos: number, n: number): Uint8Array {
    this.load();
    const end = Math.min(this.len, pos + n);
    if (pos >= end) return new Uint8Array(0);
    if (!this.pages) {
      if (end <= this.dense) return this.buf.slice(pos, end);
      const out = new Uint8Array(end - pos);
      if (pos < this.dense) out.set(this.buf.subarray(pos, this.dense));
      return out;
    }
    const out = new Uint8Array(end - pos);
    for (let p = pos; p < end; ) {
      const idx = Math.floor(p / FILE_PAGE), off = p - idx * FILE_PAGE, take = Math.min(FILE_PAGE - off, end - p);
      const page = this.pages.get(idx);
      if (page) out.set(page.subarray(off, off + take), p - pos);
      p += take;
    }
    return out;
  }
  /**
   * Write at `pos`: the bytes written, short when the quota runs out at a page that must be allocated (as
   * generic_perform_write stops at the page shmem cannot get), -ENOSPC when none fit, -EFBIG past the largest size.
   */
  write(pos: number, data: Uint8Array): number {
    this.load();
    if (data.length === 0) return 0;
    if (pos + data.length > MAX_FILE_SIZE) return -EFBIG;
    const first = Math.floor(pos / FILE_PAGE);
    // Pages this write would allocate, and how many of them the quota has room for.
    if (!this.pages && first <= pagesFor(this.dense)) {
      const newPages = pagesFor(pos + data.length) - pagesFor(this.dense);
      const room = this.room(pagesFor(this.dense), newPages);
      if (room < newPages) {
        const fit = (pagesFor(this.dense) + room) * FILE_PAGE - pos;
        if (fit <= 0) return -ENOSPC;
        data = data.subarray(0, fit);
      }
      this.chargeRange(pagesFor(this.dense), pagesFor(pos + data.length));
      const end = pos + data.length;
      this.ensure(end);
      this.buf.set(data, pos);
      if (end > this.dense) this.dense = end;
      if (end > this.len) this.len = end;
      return data.length;
    }
    const pages = this.sparse();
    let done = 0;
    while (done < data.length) {
      const p = pos + done, idx = Math.floor(p / FILE_PAGE), off = p - idx * FILE_PAGE;
      const take = Math.min(FILE_PAGE - off, data.length - done);
      let page = pages.get(idx);
      if (!page) {
        if (this.room(idx, 1) === 0) break;
        this.chargeRange(idx, idx + 1);
        pages.set(idx, (page = new Uint8Array(FILE_PAGE)));
      }
      page.set(data.subarray(done, done + take), off);
      done += take;
    }
    if (done === 0) return -ENOSPC;
    if (pos + done > this.len) this.len = pos + done;
    this.maybeDense();
    return done;
  }
  /**
   * Set the size: growing is free (a hole), shrinking frees and un-charges the pages past the end and zeroes the
   * rest of the last one (shmem_setattr → truncate_setsize). 0, or -EFBIG past the largest size.
   */
  truncate(n: number): number {
    if (n > MAX_FILE_SIZE) return -EFBIG;
    if (n === 0 && this.loader) this.loader = undefined; // O_TRUNC of a host file: no need to read it first
    this.load();
    if (n >= this.len) {
      this.len = n;
      return 0;
    }
    const keep = pagesFor(n);
    if (!this.pages) {
      this.unchargeRange(keep, pagesFor(this.dense));
      if (n < this.dense) {
        this.buf.fill(0, n, this.dense);
        this.dense = n;
      }
    } else {
      for (const [i, page] of this.pages) {
        if (i >= keep) {
          this.unchargeRange(i, i + 1);
          this.pages.delete(i);
        } else if (i === keep - 1 && n % FILE_PAGE) page.fill(0, n % FILE_PAGE);
      }
    }
    this.basePages = Math.min(this.basePages, keep);
    this.len = n;
    if (this.pages) this.maybeDense();
    if (n === 0 && this.buf.length > 256) this.buf = new Uint8Array(0); // give an emptied file's memory back
    return 0;
  }
  /** Unlinked and closed: the pages go back to the quota and the host. */
  dropIfUnused(): void {
    if (this.nlink > 0 || this.opens > 0) return;
    if (this.quota) this.quota.used -= this.charged * FILE_PAGE;
    this.quota = undefined;
    this.loader = undefined;
    this.buf = new Uint8Array(0);
    this.pages = undefined;
    this.len = this.dense = this.basePages = 0;
  }
  /**
   * SEEK_DATA / SEEK_HOLE (mapping_seek_hole_data, page-granular as shmem's): the first offset at or after `off`
   * in an allocated page, or in a hole (the end of the file counts as one); -ENXIO at or past the end.
   */
  seekHoleData(off: number, hole: boolean): number {
    if (off < 0 || off >= this.len) return -ENXIO;
    if (!this.pages) {
      // Dense: data up to the end of the last stored page, a hole after it.
      const dataEnd = pagesFor(this.dense) * FILE_PAGE;
      if (hole) return off >= dataEnd ? off : Math.min(this.len, dataEnd);
      return off < dataEnd ? off : -ENXIO;
    }
    const pages = this.pages;
    let idx = Math.floor(off / FILE_PAGE);
    if (hole) {
      while (pages.has(idx)) idx++; // at most as many steps as there are pages
      return Math.min(this.len, Math.max(off, idx * FILE_PAGE));
    }
    let next = Infinity;
    for (const i of pages.keys()) if (i >= idx && i < next) next = i;
    return next === Infinity ? -ENXIO : Math.max(off, next * FILE_PAGE);
  }
  /** How many of `n` new pages starting at index `from` the quota can still pay for. */
  private room(from: number, n: number): number {
    const q = this.quota;
    if (!q) return n;
    const uncharged = Math.max(0, Math.min(from + n, this.basePages) - from);
    return Math.min(n, uncharged + Math.max(0, Math.floor((q.limit - q.used) / FILE_PAGE)));
  }
  /** Charge newly allocated pages [from, to) (those at or above basePages); without a quota they stay uncharged. */
  private chargeRange(from: number, to: number): void {
    if (to <= from) return;
    if (!this.quota) this.basePages = Math.max(this.basePages, to);
    else this.quota.used += Math.max(0, to - Math.max(from, this.basePages)) * FILE_PAGE;
  }
  private unchargeRange(from: number, to: number): void {
    if (to <= from || !this.quota) return;
    this.quota.used -= Math.max(0, to - Math.max(from, this.basePages)) * FILE_PAGE;
  }
  /** Switch to the page map (a write is about to leave a hole before it). */
  private sparse(): Map<number, Uint8Array> {
    if (this.pages) return this.pages;
    const pages = new Map<number, Uint8Array>();
    for (let i = 0; i < pagesFor(this.dense); i++) {
      const page = new Uint8Array(FILE_PAGE);
      page.set(this.buf.subarray(i * FILE_PAGE, Math.min(this.dense, (i + 1) * FILE_PAGE)));
      pages.set(i, page);
    }
    this.buf = new Uint8Array(0);
    this.dense = 0;
    return (this.pages = pages);
  }
  /** Back to one buffer when the page map has no holes left (every page up to the end exists). */
  private maybeDense(): void {
    const pages = this.pages!;
    if (pages.size !== pagesFor(this.len)) return;
    const buf = new Uint8Array(pages.size * FILE_PAGE);
    for (const [i, page] of pages) buf.set(page, i * FILE_PAGE);
    buf.fill(0, this.len);
    this.buf = buf;
    this.dense = this.len;
    this.pages = undefined;
  }
  private ensure(n: number): void {
    if (n <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(n, this.buf.length * 2, 256));
    nb.set(this.buf.subarray(0, this.dense));
    this.buf = nb;
  }
}

/**
 * Why exec cannot take a file too big to lay out ({@link FileTooBigError}): without the ELF magic at its start
 * no binary format claims it (execve's ENOEXEC, ELIBBAD for an interpreter), with it the image cannot be mapped
 * (ENOMEM).
 */
export function tooBigForExec(node: FileNode): "not-elf" | "too-big" {
  const m = node.read(0, 4);
  return m.length === 4 && m[0] === 0x7f && m[1] === 0x45 && m[2] === 0x4c && m[3] === 0x46 ? "too-big" : "not-elf";
}

function pagesFor(bytes: number): number {
  return Math.ceil(bytes / FILE_PAGE);
}

export class SymlinkNode extends Inode {
  constructor(
    private readonly targetText: string | ((ctx: ResolveContext) => string),
    /**
     * A /proc/<pid>/fd magic link: following it reaches this inode itself (proc_fd_link), whatever the text
     * says — so /dev/fd/N reopens a pipe (bash process substitution) or an unlinked file.
     */
    readonly magic?: Inode,
  ) {
    super(S_IFLNK | 0o777);
  }
  target(ctx: ResolveContext): string {
    return typeof this.targetText === "string" ? this.targetText : this.targetText(ctx);
  }
  override get size(): number {
    return typeof this.targetText === "string" ? new TextEncoder().encode(this.targetText).length : 0;
  }
}

/** Device behaviour behind a character device node. */
export interface CharDevice {
  read(n: number): Uint8Array | "eof";
  write(data: Uint8Array): number;
  /** Readiness for poll (POLL* bits); absent: always readable and writable. */
  poll?(): number;
  readonly isTty?: boolean;
}

export class CharDevNode extends Inode {
  constructor(
    mode: number,
    rdev: number,
    readonly device: CharDevice,
    /** S_IFCHR for devices; S_IFIFO for the host-wired stdio streams (they behave as pipes). */
    type: number = S_IFCHR,
  ) {
    super(type | (mode & 0o7777));
    this.rdev = rdev;
  }
}

/** A /proc file whose contents are generated when it is opened. */
export class GeneratedNode extends Inode {
  constructor(readonly generate: (ctx: ResolveContext) => Uint8Array) {
    super(S_IFREG | 0o444);
  }
}

/** What the resolver needs to know about the calling process (for /proc/self). */
export interface ResolveContext {
  readonly pid: number;
}

export interface Resolved {
  node: Inode | undefined;
  parent: DirNode;
  name: string;
}

/** Create the node for host path `path` (lstat only: a host symlink becomes a guest symlink). */
function materialise(fs: HostFs, path: string[], parent: DirNode, name: string): Inode | undefined {
  const st = fs.lstat(path);
  if (!st) return undefined;
  let node: Inode;
  switch (st.kind) {
    case "dir": {
      const d = new DirNode(st.mode, parent, name);
      d.host = { fs, path, listed: false, whiteouts: new Set() };
      node = d;
      break;
    }
    case "file":
      node = new FileNode(st.mode, undefined, () => fs.readFile(path), st.size);
      break;
    case "symlink":
      node = new SymlinkNode(fs.readlink(path));
      break;
    default:
      return undefined; // sockets, devices and FIFOs of the host are not exposed
  }
  const ns = BigInt(Math.floor(st.mtimeMs)) * 1_000_000n;
  node.times = { atimeNs: ns, mtimeNs: ns, ctimeNs: ns };
  return node;
}

export type Errno = number;

export class Vfs {
  readonly root: DirNode;
  /** Bytes of file data the guest may write (the kernel sets the limit; tmpfs size=). */
  readonly quota = new SpaceQuota(Infinity);
  /** The virtual clock for timestamps (set by the kernel). */
  now: () => bigint = () => 0n;

  constructor(host?: HostFs) {
    this.root = new DirNode(0o755, undefined, "/");
    if (host) this.root.host = { fs: host, path: [], listed: false, whiteouts: new Set() };
  }

  /**
   * Resolve `path` from `base`. With `wantParent`, a missing last component is not an error
   * (node is undefined; parent and name say where it would go).
   */
  resolve(path: string, base: DirNode, ctx: ResolveContext, opts: { follow: boolean; wantParent?: boolean }): Resolved | Errno {
    if (path.length === 0) return ENOENT;
    if (path.length >= PATH_MAX) return ENAMETOOLONG;
    let comps = path.split("/").filter((c) => c.length > 0);
    const trailingSlash = path.endsWith("/") && comps.length > 0;
    let cur: DirNode = path.startsWith("/") ? this.root : base;
    let links = 0;
    if (comps.length === 0) return { node: cur, parent: cur.parent, name: cur === this.root ? "/" : cur.name };
    for (let i = 0; i < comps.length; i++) {
      const name = comps[i]!;
      const last = i === comps.length - 1;
      if (name.length > NAME_MAX) return ENAMETOOLONG;
      if (name === ".") {
        if (last) return { node: cur, parent: cur.parent, name: cur.name };
        continue;
      }
      if (name === "..") {
        // The guest root is its own parent: `..` can never climb out of it.
        cur = cur === this.root ? this.root : cur.parent;
        if (last) return { node: cur, parent: cur.parent, name: cur.name };
        continue;
      }
      const node = cur.lookup(name, ctx);
      if (!node) {
        if (last && opts.wantParent) return { node: undefined, parent: cur, name };
        return ENOENT;
      }
      if (node instanceof SymlinkNode && (!last || opts.follow || trailingSlash)) {
        if (++links > MAXSYMLINKS) return ELOOP;
        if (node.magic) {
          if (last) {
            if (trailingSlash && !(node.magic instanceof DirNode)) return ENOTDIR;
            return { node: node.magic, parent: cur, name };
          }
          if (!(node.magic instanceof DirNode)) return ENOTDIR;
          cur = node.magic;
          continue;
        }
        const target = node.target(ctx);
        if (target.length === 0) return ENOENT;
        const rest = comps.slice(i + 1);
        const tcomps = target.split("/").filter((c) => c.length > 0);
        if (target.startsWith("/")) cur = this.root;
        comps = [...tcomps, ...rest];
        if (comps.length === 0) return { node: cur, parent: cur.parent, name: cur.name };
        i = -1;
        continue;
      }
      if (last) {
        if (trailingSlash && !(node instanceof DirNode)) return ENOTDIR;
        return { node, parent: cur, name };
      }
      if (!(node instanceof DirNode)) return ENOTDIR;
      cur = node;
    }
    return { node: cur, parent: cur.parent, name: cur.name };
  }

  /** The absolute guest path of a directory (getcwd). */
  pathOf(dir: DirNode): string {
    if (dir === this.root) return "/";
    const parts: string[] = [];
    let d = dir;
    let guard = 0;
    while (d !== this.root && guard++ < 4096) {
      parts.unshift(d.name);
      d = d.parent;
    }
    return "/" + parts.join("/");
  }

  touch(node: Inode): void {
    const t = this.now();
    node.times = { atimeNs: t, mtimeNs: t, ctimeNs: t };
  }

  // ------------------------------------------------------------ building

  mkdirp(path: string): DirNode {
    let cur = this.root;
    for (const c of path.split("/").filter((x) => x)) {
      let n = cur.entries.get(c);
      if (!(n instanceof DirNode)) {
        n = new DirNode(0o755, cur, c);
        cur.entries.set(c, n);
      }
      cur = n as DirNode;
    }
    return cur;
  }

  addNode(path: string, node: Inode): void {
    const slash = path.lastIndexOf("/");
    const dir = this.mkdirp(path.slice(0, slash));
    dir.linkEntry(path.slice(slash + 1), node);
  }

  // ------------------------------------------------------------ operations

  mkdir(parent: DirNode, name: string, mode: number): Errno | DirNode {
    if (parent.lookup(name, { pid: 0 })) return EEXIST;
    const d = new DirNode(mode, parent, name);
    this.touch(d);
    parent.linkEntry(name, d);
    parent.nlink++;
    return d;
  }

  unlink(parent: DirNode, name: string, node: Inode, dirFlag: boolean, ctx: ResolveContext): Errno {
    if (node instanceof DirNode) {
      if (!dirFlag) return EISDIR;
      if (node === this.root) return EBUSY;
      if (node.list(ctx).length > 0) return ENOTEMPTY;
      if (node.dynamic) return EPERM;
      parent.nlink--;
    } else if (dirFlag) return ENOTDIR;
    if (node instanceof GeneratedNode) return EPERM;
    parent.unlinkEntry(name);
    // rmdir clears a directory's link count (clear_nlink in simple_rmdir / shmem_rmdir).
    node.nlink = node instanceof DirNode ? 0 : Math.max(0, node.nlink - 1);
    if (node instanceof FileNode) node.dropIfUnused();
    return 0;
  }

  /** A hard link (vfs_link): not to a directory (EPERM), not into or out of generated trees (EXDEV). */
  link(node: Inode, np: DirNode, nname: string, ctx: ResolveContext): Errno {
    if (node instanceof DirNode) return EPERM;
    if (node instanceof GeneratedNode || np.dynamic) return EXDEV;
    if (np.lookup(nname, ctx)) return EEXIST;
    if (node.nlink === 0 && node instanceof FileNode) return ENOENT; // an unlinked open file cannot come back (without AT_EMPTY_PATH+O_TMPFILE)
    np.linkEntry(nname, node);
    node.nlink++;
    node.times.ctimeNs = this.now();
    return 0;
  }

  rename(op: DirNode, oname: string, np: DirNode, nname: string, flags: number, ctx: ResolveContext): Errno {
    const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) || (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE)) return EINVAL;
    const src = op.lookup(oname, ctx);
    if (!src) return ENOENT;
    if (src instanceof GeneratedNode || op.dynamic || np.dynamic) return EXDEV;
    const dst = np.lookup(nname, ctx);
    // A directory cannot move below itself.
    if (src instanceof DirNode) {
      for (let d: DirNode = np; ; d = d.parent) {
        if (d === src) return EINVAL;
        if (d === this.root) break;
      }
    }
    if (flags & RENAME_EXCHANGE) {
      if (!dst) return ENOENT;
      op.unlinkEntry(oname);
      np.unlinkEntry(nname);
      op.linkEntry(oname, dst);
      np.linkEntry(nname, src);
      return 0;
    }
    if (dst) {
      if (flags & RENAME_NOREPLACE) return EEXIST;
      if (dst === src) return 0;
      if (dst instanceof DirNode) {
        if (!(src instanceof DirNode)) return EISDIR;
        if (dst.list(ctx).length > 0) return ENOTEMPTY;
      } else if (src instanceof DirNode) return ENOTDIR;
    }
    op.unlinkEntry(oname);
    np.entries.delete(nname);
    np.linkEntry(nname, src);
    // The replaced file loses a link; its bytes go back to the tmpfs quota once nothing holds it.
    if (dst && !(dst instanceof DirNode)) {
      dst.nlink = Math.max(0, dst.nlink - 1);
      if (dst instanceof FileNode) dst.dropIfUnused();
    }
    return 0;
  }
}

/** d_type for getdents64. */
export function dtype(node: Inode): number {
  switch (node.type) {
    case S_IFDIR: return DT_DIR;
    case S_IFREG: return DT_REG;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFIFO: return DT_FIFO;
    default: return 0;
  }
}
