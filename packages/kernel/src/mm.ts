/**
 * A process address space: the kernel's VMA list on top of isa-core's
 * GuestMemory (which holds the page contents and permissions the CPU checks).
 * Implements the mmap family with Linux's argument checks and errno values
 * (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c), a memory limit on
 * mapped bytes (ENOMEM instead of a host out-of-memory), a top-down mmap
 * allocator, a grow-down stack, and /proc/<pid>/maps in the real format.
 */
import { GuestMemory, PAGE_SIZE, PAGE_MASK, MAX_GUEST_ADDRESS } from "@uabi/isa-core";
import { EACCES, EEXIST, EFAULT, EINVAL, ENOMEM, EPERM } from "./errno.js";

export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_SEM = 8, PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
export const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_SHARED_VALIDATE = 3, MAP_TYPE = 0xf, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
  MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000,
  MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000,
  MAP_FIXED_NOREPLACE = 0x100000;
export const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
/** Linux's default vm.mmap_min_addr: MAP_FIXED below it is EPERM. */
export const MMAP_MIN_ADDR = 65536;

/** What backs a file mapping: enough to copy the contents in and print the maps line. */
export interface FileBacking {
  data: Uint8Array;
  path: string;
  dev: number;
  ino: number;
}

export interface Vma {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  /** Byte offset into the file (file mappings), or 0. */
  offset: number;
  /** "[heap]", "[stack]", "[vdso]", "[vvar]", a file path, or "" for anonymous memory. */
  name: string;
  dev: number;
  ino: number;
  file?: FileBacking;
}

export interface AddressSpaceLayout {
  /** One past the highest user address (TASK_SIZE). */
  taskSize: number;
  /** Highest address of the initial stack VMA (exclusive). */
  stackTop: number;
}

const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
const pageDown = (n: number) => Math.floor(n / PAGE_SIZE) * PAGE_SIZE;

type Result = number; // >= 0 address/value, < 0 -errno

/**
 * The guest memory budget of a whole run, shared by every address space that joined it: mapped bytes over all
 * processes stay under `limit` (mmap, brk, stack growth and fork answer ENOMEM beyond it), so a fork bomb or many
 * processes each under their own limit cannot take the host's memory.
 */
export class MemoryBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

export class AddressSpace {
  readonly mem: GuestMemory;
  /** Sorted, non-overlapping. */
  vmas: Vma[] = [];
  private mapped = 0;
  private limit: number;
  /** The run's budget this address space counts against (from exec's commit until the process is gone). */
  private budget: MemoryBudget | undefined;
  /** Processes using this address space (CLONE_VM without CLONE_THREAD, vfork): released with the last. */
  users = 1;
  brkStart = 0;
  brkCur = 0;
  readonly mmapBase: number;
  /** RLIMIT_STACK: how far the stack VMA may grow down. */
  stackLimit = 8 * 1024 * 1024;
  /** RLIMIT_DATA (bytes): private writable non-stack memory, brk included (mm/mmap.c may_expand_vm, is_data_mapping). */
  dataLimit = 2n ** 64n - 1n;
  /** RLIMIT_AS (bytes): every mapping (may_expand_vm's total_vm check). */
  asLimit = 2n ** 64n - 1n;

  constructor(
    readonly layout: AddressSpaceLayout,
    /** Maximum total mapped bytes (ENOMEM beyond it). */
    memLimit: number,
    mem?: GuestMemory,
  ) {
    this.limit = memLimit;
    this.mem = mem ?? new GuestMemory();
    // mm/util.c mmap_base(): gap = clamp(RLIMIT_STACK + guard gap, 128 MiB, 5/6 TASK_SIZE); no randomisation.
    this.mmapBase = pageDown(layout.taskSize - 128 * 1024 * 1024);
  }

  get mappedBytes(): number {
    return this.mapped;
  }
  set mappedBytes(n: number) {
    if (this.budget) this.budget.used += n - this.mapped;
    this.mapped = n;
  }
  /** The per-process limit, lowered to what the run's budget has left: every ENOMEM check sees both. */
  get memLimit(): number {
    const b = this.budget;
    return b ? Math.min(this.limit, this.mapped + b.limit - b.used) : this.limit;
  }
  set memLimit(n: number) {
    this.limit = n;
  }
  /** Whether `bytes` more fit the run's budget (fork asks before copying). */
  budgetFits(bytes: number): boolean {
    return !this.budget || this.budget.used + bytes <= this.budget.limit;
  }
  /** Count against `b` from now on (exec's commit). */
  joinBudget(b: MemoryBudget): void {
    this.budget = b;
    b.used += this.mapped;
  }
  /**
   * A process stopped using this address space; the last one gives its bytes back to the budget and, with
   * `dropPages`, its pages back to the host (the VMA list stays for anyone still printing it).
   */
  release(dropPages = true): void {
    if (--this.users > 0) return;
    if (dropPages) this.mem.unmap(0, MAX_GUEST_ADDRESS - PAGE_SIZE);
    if (!this.budget) return;
    this.budget.used -= this.mapped;
    this.budget = undefined;
  }

  // ------------------------------------------------------------------ queries

  findVma(addr: number): Vma | undefined {
    const vs = this.vmas;
    let lo = 0, hi = vs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = vs[mid]!;
      if (addr < v.start) hi = mid - 1;
      else if (addr >= v.end) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  isFree(start: number, end: number): boolean {
    if (start < 0 || end > this.layout.taskSize || end <= start) return false;
    for (const v of this.vmas) if (v.start < end && v.end > start) return false;
    return true;
  }

  /** Highest free gap of `len` bytes below `below` (top-down allocator, mm/mmap.c unmapped_area_topdown). */
  findFree(len: number, below = this.mmapBase): number {
    let top = below;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = this.vmas[i];
      const vEnd = v ? v.end : 0;
      if (v && v.start >= top) continue;
      const gapStart = Math.max(vEnd, MMAP_MIN_ADDR);
      if (top - gapStart >= len) return top - len;
      if (!v) break;
      top = Math.min(top, v.start);
    }
    return -ENOMEM;
  }

  // ------------------------------------------------------------------ core edits

  /** Insert a mapping (caller checked the range is free or cleared it). */
  private insert(v: Vma): void {
    const data = v.file ? v.file.data : undefined;
    this.mem.map(v.start, v.end - v.start, v.prot & 7);
    if (data && v.offset < data.length) {
      const chunk = data.subarray(v.offset, Math.min(data.length, v.offset + (v.end - v.start)));
      this.mem.poke(v.start, chunk);
    }
    let i = 0;
    while (i < this.vmas.length && this.vmas[i]!.start < v.start) i++;
    this.vmas.splice(i, 0, v);
    this.mappedBytes += v.end - v.start;
    this.merge();
  }

  /** Split VMAs so that `addr` is a boundary. */
  private splitAt(addr: number): void {
    const v = this.findVma(addr);
    if (!v || v.start === addr) return;
    const right: Vma = { ...v, start: addr, offset: v.file ? v.offset + (addr - v.start) : v.offset };
    v.end = addr;
    this.vmas.splice(this.vmas.indexOf(v) + 1, 0, right);
  }

  /** Linux merges neighbouring VMAs with identical attributes (vma_merge); /proc/self/maps shows the result. */
  private merge(): void {
    const out: Vma[] = [];
    for (const v of this.vmas) {
      const p = out[out.length - 1];
      if (
        p && p.end === v.start && p.prot === v.prot && p.shared === v.shared && p.name === v.name &&
        p.file === v.file && (!v.file || p.offset + (p.end - p.start) === v.offset)
      ) p.end = v.end;
      else out.push(v);
    }
    this.vmas = out;
  }

  /** Remove [start,end) from the VMA list and the memory. */
  private remove(start: number, end: number): void {
    if (end <= start) return;
    this.splitAt(start);
    this.splitAt(end);
    const keep: Vma[] = [];
    for (const v of this.vmas) {
      if (v.start >= start && v.end <= end) this.mappedBytes -= v.end - v.start;
      else keep.push(v);
    }
    this.vmas = keep;
    this.mem.unmap(start, end - start);
  }

  /** Map a kernel-made region (ELF segment, stack, vdso) at a fixed address. */
  mapFixed(start: number, len: number, prot: number, name: string, file?: FileBacking, offset = 0): void {
    const end = start + pageUp(len);
    this.remove(start, end);
    this.insert({ start, end, prot, shared: false, offset, name, dev: file?.dev ?? 0, ino: file?.ino ?? 0, ...(file ? { file } : {}) });
  }

  // ------------------------------------------------------------------ syscalls

  mmap(addr: number, len: number, prot: number, flags: number, offset: number, file?: FileBacking): Result {
    if (len === 0) return -EINVAL;
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
    if (offset % PAGE_SIZE !== 0 || offset < 0) return -EINVAL;
    const plen = pageUp(len);
    if (!Number.isSafeInteger(plen) || plen > this.layout.taskSize) return -ENOMEM;
    if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
    if (flags & MAP_FIXED) {
      if (addr & PAGE_MASK) return -EINVAL;
      if (addr + plen > this.layout.taskSize) return -ENOMEM;
      if (addr < MMAP_MIN_ADDR) return -EPERM;
      if (flags & MAP_FIXED_NOREPLACE && !this.isFree(addr, addr + plen)) return -EEXIST;
    }
    const overlapBytes = flags & MAP_FIXED ? this.overlap(addr, addr + plen) : 0;
    if (this.mappedBytes - overlapBytes + plen > this.memLimit) return -ENOMEM;
    const isData = prot & PROT_WRITE && (flags & MAP_TYPE) === MAP_PRIVATE && !(flags & MAP_GROWSDOWN);
    if (!this.mayExpand(plen, isData ? plen : 0, flags & MAP_FIXED ? addr : 0, flags & MAP_FIXED ? addr + plen : 0)) return -ENOMEM;
    let start: number;
    if (flags & MAP_FIXED) {
      start = addr;
      this.remove(start, start + plen);
    } else {
      const hint = pageDown(addr);
      if (hint >= MMAP_MIN_ADDR && this.isFree(hint, hint + plen)) start = hint;
      else {
        start = this.findFree(plen);
        if (start < 0) return start;
      }
    }
    const anon = (flags & MAP_ANONYMOUS) !== 0 || !file;
    this.insert({
      start,
      end: start + plen,
      prot: prot & (PROT_READ | PROT_WRITE | PROT_EXEC),
      shared: type !== MAP_PRIVATE,
      offset: anon ? 0 : offset,
      name: anon ? "" : file!.path,
      dev: anon ? 0 : file!.dev,
      ino: anon ? 0 : file!.ino,
      ...(anon ? {} : { file: file! }),
    });
    return start;
  }

  /** Bytes of [start,end) that count as data (private, writable, not the stack); the whole space without a range. */
  private dataBytes(start = 0, end = Number.MAX_SAFE_INTEGER): number {
    let n = 0;
    for (const v of this.vmas) {
      if (v.shared || !(v.prot & PROT_WRITE) || v.name === "[stack]") continue;
      if (v.start < end && v.end > start) n += Math.min(v.end, end) - Math.max(v.start, start);
    }
    return n;
  }

  /**
   * may_expand_vm(): growing by `add` bytes (of which `addData` are data) after dropping [dropStart,dropEnd) fits
   * RLIMIT_AS and RLIMIT_DATA.
   */
  private mayExpand(add: number, addData: number, dropStart = 0, dropEnd = 0): boolean {
    const total = this.mappedBytes - (dropEnd > dropStart ? this.overlap(dropStart, dropEnd) : 0) + add;
    if (BigInt(total) > this.asLimit) return false;
    if (addData > 0) {
      const data = this.dataBytes() - (dropEnd > dropStart ? this.dataBytes(dropStart, dropEnd) : 0) + addData;
      if (BigInt(data) > this.dataLimit) return false;
    }
    return true;
  }

  private overlap(start: number, end: number): number {
    let n = 0;
    for (const v of this.vmas) if (v.start < end && v.end > start) n += Math.min(v.end, end) - Math.max(v.start, start);
    return n;
  }

  munmap(addr: number, len: number): Result {
    if (addr & PAGE_MASK || len === 0) return -EINVAL;
    const plen = pageUp(len);
    if (addr + plen > this.layout.taskSize || !Number.isSafeInteger(addr + plen)) return -EINVAL;
    this.remove(addr, addr + plen);
    return 0;
  }

  mprotect(addr: number, len: number, prot: number): Result {
    if (addr & PAGE_MASK) return -EINVAL;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
    if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) === (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
    if (len === 0) return 0;
    const plen = pageUp(len);
    const end = addr + plen;
    if (end <= addr || end > this.layout.taskSize) return -ENOMEM;
    // Every page must be mapped (mm/mprotect.c answers ENOMEM for holes).
    let cur = addr;
    while (cur < end) {
      const v = this.findVma(cur);
      if (!v) return -ENOMEM;
      if (v.shared && v.file && prot & PROT_WRITE && !(v.prot & PROT_WRITE) && v.name.startsWith("/")) {
        // A shared file mapping opened read-only cannot become writable.
        return -EACCES;
      }
      cur = v.end;
    }
    this.splitAt(addr);
    this.splitAt(end);
    const p = prot & 7;
    for (const v of this.vmas) if (v.start >= addr && v.end <= end) v.prot = p;
    this.mem.protect(addr, plen, p);
    this.merge();
    return 0;
  }

  mremap(oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): Result {
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
    if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
    if (oldAddr & PAGE_MASK) return -EINVAL;
    oldLen = pageUp(oldLen);
    newLen = pageUp(newLen);
    if (newLen === 0) return -EINVAL;
    const v = this.findVma(oldAddr);
    if (!v || (oldLen > 0 && oldAddr + oldLen > v.end)) return -EFAULT;
    if (oldLen === 0) return -EINVAL; // only valid for shared mappings (duplicate); not modelled
    if (flags & MREMAP_FIXED) {
      if (newAddr & PAGE_MASK) return -EINVAL;
      if (newAddr < oldAddr + oldLen && newAddr + newLen > oldAddr) return -EINVAL;
      if (this.mappedBytes - this.overlap(newAddr, newAddr + newLen) + newLen - oldLen > this.memLimit) return -ENOMEM;
      return this.move(v, oldAddr, oldLen, newAddr, newLen);
    }
    if (newLen <= oldLen) {
      this.remove(oldAddr + newLen, oldAddr + oldLen);
      return oldAddr;
    }
    if (this.mappedBytes + newLen - oldLen > this.memLimit) return -ENOMEM;
    if (!this.mayExpand(newLen - oldLen, !v.shared && v.prot & PROT_WRITE ? newLen - oldLen : 0)) return -ENOMEM;
    // Grow in place when the old range ends its VMA and the space after it is free.
    if (oldAddr + oldLen === v.end && this.isFree(v.end, oldAddr + newLen)) {
      const extra = oldAddr + newLen - v.end;
      this.mem.map(v.end, extra, v.prot);
      if (v.file) {
        const fileOff = v.offset + (v.end - v.start);
        if (fileOff < v.file.data.length) this.mem.poke(v.end, v.file.data.subarray(fileOff, Math.min(v.file.data.length, fileOff + extra)));
      }
      v.end += extra;
      this.mappedBytes += extra;
      this.merge();
      return oldAddr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    const dest = this.findFree(newLen);
    if (dest < 0) return dest;
    return this.move(v, oldAddr, oldLen, dest, newLen);
  }

  private move(v: Vma, oldAddr: number, oldLen: number, newAddr: number, newLen: number): Result {
    const copyLen = Math.min(oldLen, newLen);
    const saved = this.peek(oldAddr, copyLen);
    const offset = v.file ? v.offset + (oldAddr - v.start) : 0;
    const attrs = { prot: v.prot, shared: v.shared, name: v.name, dev: v.dev, ino: v.ino, file: v.file };
    this.remove(oldAddr, oldAddr + oldLen);
    this.remove(newAddr, newAddr + newLen);
    const nv: Vma = { start: newAddr, end: newAddr + newLen, prot: attrs.prot, shared: attrs.shared, offset, name: attrs.name, dev: attrs.dev, ino: attrs.ino };
    if (attrs.file) nv.file = attrs.file;
    this.insert(nv);
    this.mem.poke(newAddr, saved);
    return newAddr;
  }

  /** Read bytes ignoring permissions (kernel-internal copies). Unmapped pages read as zero. */
  peek(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let off = 0; off < len; off += PAGE_SIZE) {
      const r = this.mem.findRegion(addr + off);
      if (!r) continue;
      if (r.perm & 1) out.set(this.mem.readBytes(addr + off, Math.min(PAGE_SIZE, len - off)), off);
      else {
        // Temporarily readable to copy a PROT_NONE page, then restored.
        this.mem.protect(addr + off, PAGE_SIZE, r.perm | 1);
        out.set(this.mem.readBytes(addr + off, Math.min(PAGE_SIZE, len - off)), off);
        this.mem.protect(addr + off, PAGE_SIZE, r.perm);
      }
    }
    return out;
  }

  /** brk(2): returns the new break, or the old one when the request cannot be met (Linux never answers -errno). */
  brk(req: number): number {
    if (req < this.brkStart) return this.brkCur;
    const oldEnd = pageUp(this.brkCur);
    const newEnd = pageUp(req);
    if (newEnd === oldEnd) {
      this.brkCur = req;
      return req;
    }
    if (newEnd < oldEnd) {
      this.remove(newEnd, oldEnd);
      this.brkCur = req;
      return req;
    }
    // Growing: must not collide with the next mapping (plus Linux's stack guard gap) and must fit the limit.
    if (!this.isFree(oldEnd, newEnd)) return this.brkCur;
    if (this.mappedBytes + (newEnd - oldEnd) > this.memLimit) return this.brkCur;
    // check_data_rlimit(): the heap counts against RLIMIT_DATA (with the rest of the data mappings, as data_vm).
    if (!this.mayExpand(newEnd - oldEnd, newEnd - oldEnd)) return this.brkCur;
    this.insert({ start: oldEnd, end: newEnd, prot: PROT_READ | PROT_WRITE, shared: false, offset: 0, name: "[heap]", dev: 0, ino: 0 });
    this.brkCur = req;
    return req;
  }

  madvise(addr: number, len: number, advice: number): Result {
    if (addr & PAGE_MASK) return -EINVAL;
    // MADV_* values accepted by mm/madvise.c madvise_behavior_valid(); others EINVAL.
    const valid = new Set([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25, 100, 101, 102, 103]);
    if (!valid.has(advice)) return -EINVAL;
    if (len === 0) return 0;
    const end = addr + pageUp(len);
    if (end < addr) return -EINVAL;
    let cur = addr, hole = false;
    while (cur < end) {
      const v = this.findVma(cur);
      if (!v) {
        hole = true;
        const next = this.vmas.find((x) => x.start > cur);
        if (!next) break;
        cur = next.start;
        continue;
      }
      // MADV_DONTNEED (4) and MADV_FREE (8) on private anonymous memory: later reads see zeroes.
      if ((advice === 4 || advice === 8) && !v.shared && !v.file) {
        const s = Math.max(cur, v.start), e = Math.min(end, v.end);
        this.mem.unmap(s, e - s);
        this.mem.map(s, e - s, v.prot);
      }
      cur = v.end;
    }
    return hole ? -ENOMEM : 0;
  }

  /**
   * Grow the stack VMA down to cover `addr` after a fault below it (mm/mmap.c expand_downwards).
   * Returns true when the access can be retried.
   */
  growStack(addr: number): boolean {
    const stack = this.vmas.find((v) => v.name === "[stack]");
    if (!stack || addr >= stack.start) return false;
    const top = this.layout.stackTop;
    const newStart = pageDown(addr);
    if (top - newStart > this.stackLimit) return false;
    if (!this.isFree(newStart, stack.start)) return false;
    if (this.mappedBytes + (stack.start - newStart) > this.memLimit) return false;
    this.mem.map(newStart, stack.start - newStart, stack.prot);
    this.mappedBytes += stack.start - newStart;
    stack.start = newStart;
    return true;
  }

  /** The text of /proc/<pid>/maps (fs/proc/task_mmu.c show_map_vma). */
  formatMaps(): string {
    let out = "";
    for (const v of this.vmas) {
      let line =
        `${hex8(v.start)}-${hex8(v.end)} ${v.prot & 1 ? "r" : "-"}${v.prot & 2 ? "w" : "-"}${v.prot & 4 ? "x" : "-"}${v.shared ? "s" : "p"} ` +
        `${hex8(v.offset)} ${hex2(v.dev >>> 8)}:${hex2(v.dev & 0xff)} ${v.ino} `;
      if (v.name) line = line.padEnd(72, " ") + " " + v.name;
      out += line + "\n";
    }
    return out;
  }

  /** fork: a deep copy of the VMAs and the memory. */
  clone(): AddressSpace {
    const as = new AddressSpace(this.layout, this.limit, this.mem.clone());
    as.vmas = this.vmas.map((v) => ({ ...v }));
    as.budget = this.budget; // the copy counts too (fork checked budgetFits first)
    as.mappedBytes = this.mappedBytes;
    as.brkStart = this.brkStart;
    as.brkCur = this.brkCur;
    as.stackLimit = this.stackLimit;
    as.dataLimit = this.dataLimit;
    as.asLimit = this.asLimit;
    return as;
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}
function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

export { MAX_GUEST_ADDRESS };
