/**
 * Guest memory: a sparse 64-bit address space of 4 KiB pages.
 *
 * Mappings are kept as a sorted list of regions (start, end, permissions);
 * page storage is allocated lazily, zero-filled, on first touch, so a large
 * mmap costs nothing until used. Hot accesses go through three small
 * direct-mapped TLBs (read, write, execute) that cache the page's bytes and
 * a DataView; a miss falls back to a binary search over the regions.
 *
 * Faults are thrown as {@link GuestMemoryFault} (a plain object, no stack
 * capture) so that interpreters can catch them at the run-loop boundary and
 * turn them into a trap; callers that want a result instead of an exception
 * use the `try*` helpers.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = PAGE_SIZE - 1;

/** Permission bits; the values match Linux PROT_* so callers can pass them through. */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_EXEC = 4;
export type Perm = number;

export type AccessKind = "read" | "write" | "exec";
export type FaultReason = "unmapped" | "protection";

/** Thrown by memory accessors; caught by the CPU run loop and by the kernel's copy helpers. */
export class GuestMemoryFault {
  constructor(
    readonly addr: number,
    readonly access: AccessKind,
    readonly reason: FaultReason,
  ) {}
  toString(): string {
    return `guest ${this.access} fault at 0x${this.addr.toString(16)} (${this.reason})`;
  }
}

export interface Region {
  start: number;
  end: number; // exclusive
  perm: Perm;
}

/** Listener told which pages lost their cached code (written, unmapped or reprotected). */
export type CodeInvalidationListener = (firstPage: number, lastPage: number) => void;

/** Writes a deferred page's contents into its storage (see {@link GuestMemory.fillOnAccess}). */
export type PageFiller = (page: Uint8Array) => void;

// 1024 slots: bench-O2's 489-page sieve array fits (with 256 it missed on every page change).
const TLB_BITS = 10;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_INDEX_MASK = TLB_SIZE - 1;

/**
 * A TLB's slot for page number `pn` (see {@link TlbArrays}). Everything that probes a TLB (the accessors, the
 * JITs' inline probes via {@link tlbSlotSource}, the kernel's copies) uses this, so none can disagree: the JITs
 * once hard-coded `& 255`, which made a larger TLB miss inline on three pages in four. (Mixing in higher bits,
 * `pn ^ (pn >>> TLB_BITS)`, separates x86-64's vvar and stack-top pages but measured no faster.)
 */
export function tlbSlot(pn: number): number {
  return pn & TLB_INDEX_MASK;
}

/** {@link tlbSlot} as a JS expression over the variable `pn`, for translated code's inline probes. */
export function tlbSlotSource(pn: string): string {
  return `(${pn} & ${TLB_INDEX_MASK})`;
}

/** Highest address a guest can use: 2^53 keeps every address an exact JS number. */
export const MAX_GUEST_ADDRESS = 2 ** 53;

/**
 * One direct-mapped TLB as translated code reads it inline: page number `pn` (`Math.floor(addr / PAGE_SIZE)`)
 * is cached in slot `tlbSlot(pn)` when `tag[slot] === pn`, its bytes in `bytes[slot]` and `view[slot]`.
 * A hit means the access is allowed and has no side effect beyond the bytes; on a miss call the accessor
 * (`read32`, `write32`, …), which faults, fills the slot or invalidates code exactly as before. The arrays
 * are updated in place, so a reference stays current for the memory's life.
 */
export interface TlbArrays {
  readonly tag: Float64Array;
  readonly bytes: readonly (Uint8Array | undefined)[];
  readonly view: readonly (DataView | undefined)[];
}

class Tlb implements TlbArrays {
  // NaN never equals a page number; -1 did, so addresses in [-4096, 0) hit an empty slot.
  readonly tag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly bytes: (Uint8Array | undefined)[] = Array.from({ length: TLB_SIZE }, () => undefined);
  readonly view: (DataView | undefined)[] = Array.from({ length: TLB_SIZE }, () => undefined);
  flush(): void {
    this.tag.fill(NaN);
  }
  flushPage(pn: number): void {
    const i = tlbSlot(pn);
    if (this.tag[i] === pn) this.tag[i] = NaN;
  }
}

export class GuestMemory {
  private regions: Region[] = [];
  private readonly pages = new Map<number, Uint8Array>();
  private readonly views = new Map<number, DataView>();
  /** Pages some decoder has cached instructions from; writes to them notify listeners. */
  private readonly codePages = new Set<number>();
  private readonly listeners: CodeInvalidationListener[] = [];
  private readonly rTlb = new Tlb();
  private readonly wTlb = new Tlb();
  private readonly xTlb = new Tlb();
  /** Bumped by every change that can make a `kernelPage` reference stale (see there). */
  private pageEpoch = 0;
  /** Pages whose contents are written on their next access (fillOnAccess), by page number. */
  private readonly fillers = new Map<number, PageFiller>();
  /** Bumped whenever a filler leaves the table: it ran, was cancelled or was replaced (see fillGeneration). */
  private fillEvents = 0;

  /**
   * The read TLB (pages readable now; see {@link TlbArrays}): translated code's inline fast path for loads.
   * map/unmap/protect flush it.
   */
  get readTlb(): TlbArrays {
    return this.rTlb;
  }
  /**
   * The write TLB: pages writable now that no decoder has cached code from (a store to one of those always
   * misses, and the accessor drops the cached code first), so a hit needs no code invalidation.
   */
  get writeTlb(): TlbArrays {
    return this.wTlb;
  }

  /** Bytes of page storage actually allocated (touched pages × 4 KiB). */
  get residentBytes(): number {
    return this.pages.size * PAGE_SIZE;
  }

  // ---------------------------------------------------------------- mapping

  /** Map [addr, addr+len) with `perm`, replacing whatever was there (like MAP_FIXED). Contents become zero. */
  map(addr: number, len: number, perm: Perm): void {
    checkRange(addr, len);
    if (len === 0) return;
    if (this.fillers.size !== 0) this.fillAll();
    this.unmap(addr, len);
    const region: Region = { start: addr, end: addr + len, perm };
    const i = this.regionInsertionIndex(addr);
    this.regions.splice(i, 0, region);
    this.coalesce();
  }

  /** Remove [addr, addr+len) from the address space; its contents are dropped. */
  unmap(addr: number, len: number): void {
    checkRange(addr, len);
    if (len === 0) return;
    if (this.fillers.size !== 0) this.fillAll();
    const end = addr + len;
    this.splitAt(addr);
    this.splitAt(end);
    this.regions = this.regions.filter((r) => r.end <= addr || r.start >= end);
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((end - 1) / PAGE_SIZE);
    // Cost in proportion to what is resident, not to the range: a 2^46-byte munmap visits the touched pages only.
    if (last - first < this.pages.size) {
      for (let pn = first; pn <= last; pn++) {
        this.pages.delete(pn);
        this.views.delete(pn);
      }
    } else {
      for (const pn of this.pages.keys()) if (pn >= first && pn <= last) this.pages.delete(pn);
      for (const pn of this.views.keys()) if (pn >= first && pn <= last) this.views.delete(pn);
    }
    this.invalidate(first, last);
  }

  /** Change permissions of [addr, addr+len). Returns false if part of the range is unmapped (ENOMEM in Linux). */
  protect(addr: number, len: number, perm: Perm): boolean {
    checkRange(addr, len);
    if (len === 0) return true;
    const end = addr + len;
    if (!this.isMapped(addr, len)) return false;
    if (this.fillers.size !== 0) this.fillAll();
    this.splitAt(addr);
    this.splitAt(end);
    for (const r of this.regions) if (r.start >= addr && r.end <= end) r.perm = perm;
    this.coalesce();
    this.invalidate(Math.floor(addr / PAGE_SIZE), Math.floor((end - 1) / PAGE_SIZE));
    return true;
  }

  /** True when every byte of [addr, addr+len) is mapped (any permission). */
  isMapped(addr: number, len: number): boolean {
    let cursor = addr;
    const end = addr + len;
    while (cursor < end) {
      const r = this.findRegion(cursor);
      if (!r) return false;
      cursor = r.end;
    }
    return true;
  }

  /** The region containing `addr`, or undefined. */
  findRegion(addr: number): Region | undefined {
    const rs = this.regions;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid]!;
      if (addr < r.start) hi = mid - 1;
      else if (addr >= r.end) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** A snapshot of the mapped regions, sorted by address. */
  listRegions(): readonly Readonly<Region>[] {
    return this.regions.map((r) => ({ ...r }));
  }

  /** Deep copy (used for fork): same regions, copied page contents. */
  clone(): GuestMemory {
    if (this.fillers.size !== 0) this.fillAll();
    const m = new GuestMemory();
    m.regions = this.regions.map((r) => ({ ...r }));
    for (const [pn, bytes] of this.pages) m.pages.set(pn, bytes.slice());
    return m;
  }

  // ------------------------------------------------------- code invalidation

  onCodeInvalidated(listener: CodeInvalidationListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** A decoder calls this when it caches instructions from page `pn`; later writes to it will invalidate. */
  markCodePage(pn: number): void {
    if (!this.codePages.has(pn)) {
      this.codePages.add(pn);
      this.pageEpoch++;
      this.wTlb.flushPage(pn);
    }
  }

  private invalidate(first: number, last: number): void {
    this.pageEpoch++;
    this.rTlb.flush();
    this.wTlb.flush();
    this.xTlb.flush();
    let any = false;
    if (last - first < 4096) {
      for (let pn = first; pn <= last; pn++) if (this.codePages.delete(pn)) any = true;
    } else {
      for (const pn of this.codePages) if (pn >= first && pn <= last) { this.codePages.delete(pn); any = true; }
    }
    if (any) for (const l of this.listeners) l(first, last);
  }

  // ------------------------------------------------------------ translation

  /** Resolve the page holding `addr` for `access`, filling the TLB; throws GuestMemoryFault. */
  private page(addr: number, access: AccessKind): Uint8Array {
    const pn = Math.floor(addr / PAGE_SIZE);
    const r = addr >= 0 && addr < MAX_GUEST_ADDRESS ? this.findRegion(addr) : undefined;
    if (!r) throw new GuestMemoryFault(addr, access, "unmapped");
    if (this.fillers.size !== 0) this.fillPage(pn);
    const need = access === "read" ? PERM_READ : access === "write" ? PERM_WRITE : PERM_EXEC;
    // The MMUs of both ISAs cannot map a page write-only: PROT_WRITE implies readable.
    const readable = access === "read" && (r.perm & PERM_WRITE) !== 0;
    if ((r.perm & need) === 0 && !readable) throw new GuestMemoryFault(addr, access, "protection");
    let bytes = this.pages.get(pn);
    if (!bytes) {
      bytes = new Uint8Array(PAGE_SIZE);
      this.pages.set(pn, bytes);
    }
    let view = this.views.get(pn);
    if (!view) {
      view = new DataView(bytes.buffer);
      this.views.set(pn, view);
    }
    const i = tlbSlot(pn);
    if (access === "write") {
      if (this.codePages.has(pn)) {
        // Self-modifying code: drop cached decodes of this page, then allow the write.
        this.codePages.delete(pn);
        for (const l of this.listeners) l(pn, pn);
      }
      this.wTlb.tag[i] = pn;
      this.wTlb.bytes[i] = bytes;
      this.wTlb.view[i] = view;
    } else {
      const tlb = access === "read" ? this.rTlb : this.xTlb;
      tlb.tag[i] = pn;
      tlb.bytes[i] = bytes;
      tlb.view[i] = view;
    }
    return bytes;
  }

  // --------------------------------------------------------------- accessors

  read8(addr: number): number {
    const pn = Math.floor(addr / PAGE_SIZE);
    const i = tlbSlot(pn);
    if (this.rTlb.tag[i] === pn) return this.rTlb.bytes[i]![addr & PAGE_MASK]!;
    return this.page(addr, "read")[addr & PAGE_MASK]!;
  }

  read16(addr: number): number {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 2) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.rTlb.tag[i] !== pn) this.page(addr, "read");
      return this.rTlb.view[i]!.getUint16(off, true);
    }
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.rTlb.tag[i] !== pn) this.page(addr, "read");
      return this.rTlb.view[i]!.getUint32(off, true);
    }
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) >>> 0;
  }

  read64(addr: number): bigint {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 8) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.rTlb.tag[i] !== pn) this.page(addr, "read");
      return this.rTlb.view[i]!.getBigUint64(off, true);
    }
    return BigInt(this.read32(addr)) | (BigInt(this.read32(addr + 4)) << 32n);
  }

  write8(addr: number, value: number): void {
    const pn = Math.floor(addr / PAGE_SIZE);
    const i = tlbSlot(pn);
    if (this.wTlb.tag[i] !== pn) this.page(addr, "write");
    this.wTlb.bytes[i]![addr & PAGE_MASK] = value;
  }

  write16(addr: number, value: number): void {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 2) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.wTlb.tag[i] !== pn) this.page(addr, "write");
      this.wTlb.view[i]!.setUint16(off, value, true);
      return;
    }
    this.checkWritable(addr, 2);
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }

  write32(addr: number, value: number): void {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.wTlb.tag[i] !== pn) this.page(addr, "write");
      this.wTlb.view[i]!.setUint32(off, value >>> 0, true);
      return;
    }
    this.checkWritable(addr, 4);
    this.write16(addr, value & 0xffff);
    this.write16(addr + 2, (value >>> 16) & 0xffff);
  }

  write64(addr: number, value: bigint): void {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 8) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.wTlb.tag[i] !== pn) this.page(addr, "write");
      this.wTlb.view[i]!.setBigUint64(off, BigInt.asUintN(64, value), true);
      return;
    }
    this.checkWritable(addr, 8);
    this.write32(addr, Number(value & 0xffffffffn));
    this.write32(addr + 4, Number((value >> 32n) & 0xffffffffn));
  }

  /** Read 128 bits as [low, high] 64-bit halves. */
  read128(addr: number): [bigint, bigint] {
    return [this.read64(addr), this.read64(addr + 8)];
  }

  write128(addr: number, lo: bigint, hi: bigint): void {
    this.checkWritable(addr, 16);
    this.write64(addr, lo);
    this.write64(addr + 8, hi);
  }

  /** Instruction fetch of one byte (execute permission). */
  fetch8(addr: number): number {
    const pn = Math.floor(addr / PAGE_SIZE);
    const i = tlbSlot(pn);
    if (this.xTlb.tag[i] === pn) return this.xTlb.bytes[i]![addr & PAGE_MASK]!;
    return this.page(addr, "exec")[addr & PAGE_MASK]!;
  }

  /** Instruction fetch of a 32-bit little-endian word (execute permission). */
  fetch32(addr: number): number {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      const pn = Math.floor(addr / PAGE_SIZE);
      const i = tlbSlot(pn);
      if (this.xTlb.tag[i] !== pn) this.page(addr, "exec");
      return this.xTlb.view[i]!.getUint32(off, true);
    }
    return (this.fetch8(addr) | (this.fetch8(addr + 1) << 8) | (this.fetch8(addr + 2) << 16) | (this.fetch8(addr + 3) << 24)) >>> 0;
  }

  /** The executable page's bytes, for decoders that scan ahead within a page. Throws on fault. */
  fetchPage(addr: number): Uint8Array {
    const pn = Math.floor(addr / PAGE_SIZE);
    const i = tlbSlot(pn);
    if (this.xTlb.tag[i] === pn) return this.xTlb.bytes[i]!;
    return this.page(addr, "exec");
  }

  /** Copy guest bytes out. Throws GuestMemoryFault at the first inaccessible byte. */
  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const off = a & PAGE_MASK;
      const n = Math.min(len - done, PAGE_SIZE - off);
      const page = this.page(a, "read");
      out.set(page.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** Copy bytes into the guest. Checks the whole range first so a fault leaves memory unchanged. */
  writeBytes(addr: number, data: Uint8Array): void {
    this.checkWritable(addr, data.length);
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const off = a & PAGE_MASK;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      const page = this.page(a, "write");
      page.set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Write bytes ignoring permissions (loader and kernel use: filling read-only or exec-only pages). */
  poke(addr: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const pn = Math.floor(a / PAGE_SIZE);
      if (!this.findRegion(a)) throw new GuestMemoryFault(a, "write", "unmapped");
      if (this.fillers.size !== 0) this.fillPage(pn);
      let page = this.pages.get(pn);
      if (!page) {
        page = new Uint8Array(PAGE_SIZE);
        this.pages.set(pn, page);
      }
      const off = a & PAGE_MASK;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      page.set(data.subarray(done, done + n), off);
      done += n;
      if (this.codePages.delete(pn)) for (const l of this.listeners) l(pn, pn);
    }
  }

  /**
   * Changes whenever a page reference from `kernelPage` may have gone stale: a map, unmap or protect anywhere,
   * or a page becoming a code page. A reference taken at one epoch stays valid while the epoch is unchanged.
   */
  get epoch(): number {
    return this.pageEpoch;
  }

  /**
   * The storage of the mapped page holding `addr` (allocated if needed), for a kernel that rewrites a page of
   * its own before every run slice (the vvar and per-task pages): writing into it is what `poke` does, without
   * poke's region search, page look-up and code-page check on every write. Undefined when the page is unmapped
   * or holds cached code (write that with `poke`, which invalidates the code). Valid while `epoch` is unchanged.
   */
  kernelPage(addr: number): Uint8Array | undefined {
    if (!(addr >= 0 && addr < MAX_GUEST_ADDRESS) || !this.findRegion(addr)) return undefined;
    const pn = Math.floor(addr / PAGE_SIZE);
    if (this.codePages.has(pn)) return undefined;
    if (this.fillers.size !== 0) this.fillPage(pn);
    let page = this.pages.get(pn);
    if (!page) {
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(pn, page);
    }
    return page;
  }

  /**
   * Defer writing the mapped, non-code page `pn`: `fill` is called once with the page's storage just before
   * anything next resolves the page — a TLB miss of any accessor or of translated code (its TLB entries are
   * dropped here, so the next access misses), `poke`, `kernelPage` — or copies it (`clone`), and before any
   * map, unmap or protect. For a kernel that refreshes a page before every run slice (the vvar) which its
   * program seldom reads: the page holds the refreshed bytes whenever anything can see them. A later call for
   * the same page replaces the filler.
   */
  fillOnAccess(pn: number, fill: PageFiller): void {
    if (this.fillers.has(pn)) this.fillEvents++;
    this.fillers.set(pn, fill);
    const i = tlbSlot(pn);
    if (this.rTlb.tag[i] === pn) this.rTlb.tag[i] = NaN;
    if (this.wTlb.tag[i] === pn) this.wTlb.tag[i] = NaN;
    if (this.xTlb.tag[i] === pn) this.xTlb.tag[i] = NaN;
  }

  /**
   * Changes whenever a filler leaves the table (it ran, or was cancelled or replaced): every filler installed
   * while it had one value is still pending, unrun, while it has that value. Cheaper than fillPending per page.
   */
  get fillGeneration(): number {
    return this.fillEvents;
  }

  /** True while page `pn` has a filler that has not run (see fillOnAccess). */
  fillPending(pn: number): boolean {
    return this.fillers.size !== 0 && this.fillers.has(pn);
  }

  /** Forget page `pn`'s filler without running it (its owner wrote the page itself). */
  cancelFill(pn: number): void {
    if (this.fillers.delete(pn)) this.fillEvents++;
  }

  /** Run page `pn`'s filler, if it has one (removed first: the filler may use the memory). */
  private fillPage(pn: number): void {
    const fill = this.fillers.get(pn);
    if (fill === undefined) return;
    this.fillers.delete(pn);
    this.fillEvents++;
    let page = this.pages.get(pn);
    if (!page) {
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(pn, page);
    }
    fill(page);
  }

  /** Run every pending filler (before the mapping changes or the memory is copied). */
  private fillAll(): void {
    for (const pn of this.fillers.keys()) this.fillPage(pn); // deleting the visited entry is safe in a Map's iteration
  }

  /** Read a NUL-terminated string of at most `max` bytes (without the NUL). Returns undefined if no NUL within max. */
  readCString(addr: number, max = 4096): Uint8Array | undefined {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.read8(addr + i);
      if (b === 0) return Uint8Array.from(bytes);
      bytes.push(b);
    }
    return undefined;
  }

  /** Non-throwing read: the bytes, or the fault. */
  tryReadBytes(addr: number, len: number): Uint8Array | GuestMemoryFault {
    try {
      return this.readBytes(addr, len);
    } catch (e) {
      if (e instanceof GuestMemoryFault) return e;
      throw e;
    }
  }

  /** Non-throwing write: undefined on success, or the fault (memory unchanged). */
  tryWriteBytes(addr: number, data: Uint8Array): GuestMemoryFault | undefined {
    try {
      this.writeBytes(addr, data);
      return undefined;
    } catch (e) {
      if (e instanceof GuestMemoryFault) return e;
      throw e;
    }
  }

  /** Throws the fault the first inaccessible byte of the range would raise on write. */
  checkWritable(addr: number, len: number): void {
    let cursor = addr;
    const end = addr + len;
    while (cursor < end) {
      const r = cursor >= 0 && cursor < MAX_GUEST_ADDRESS ? this.findRegion(cursor) : undefined;
      if (!r) throw new GuestMemoryFault(cursor, "write", "unmapped");
      if ((r.perm & PERM_WRITE) === 0) throw new GuestMemoryFault(cursor, "write", "protection");
      cursor = r.end;
    }
  }

  // ---------------------------------------------------------------- regions

  private regionInsertionIndex(addr: number): number {
    let lo = 0;
    let hi = this.regions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.regions[mid]!.start < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private splitAt(addr: number): void {
    const r = this.findRegion(addr);
    if (!r || r.start === addr) return;
    const i = this.regions.indexOf(r);
    this.regions.splice(i + 1, 0, { start: addr, end: r.end, perm: r.perm });
    r.end = addr;
  }

  private coalesce(): void {
    const out: Region[] = [];
    for (const r of this.regions) {
      const prev = out[out.length - 1];
      if (prev && prev.end === r.start && prev.perm === r.perm) prev.end = r.end;
      else out.push(r);
    }
    this.regions = out;
  }
}

function checkRange(addr: number, len: number): void {
  if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len < 0 || addr + len > MAX_GUEST_ADDRESS) {
    throw new RangeError(`bad guest range 0x${addr.toString(16)}+0x${len.toString(16)}`);
  }
  if ((addr & PAGE_MASK) !== 0 || (len & PAGE_MASK) !== 0) {
    throw new RangeError(`guest range 0x${addr.toString(16)}+0x${len.toString(16)} is not page aligned`);
  }
}
