/**
 * Process setup: the first process from an ELF image (spawn), execve's image replacement, the vDSO and its
 * data pages (vvar, uts, libkernel's per-task and per-fs pages) placed as map_vdso does, the auxv, and the
 * per-run refresh of the vvar page and the pages libkernel handlers read and write.
 */
import { PAGE_SIZE, PERM_EXEC, PERM_READ, PERM_WRITE, type Arch, type Cpu, type GuestMemory, type PageFiller } from "@uabi/isa-core";
import { RLIMIT, RLIM_INFINITY } from "@uabi/uapi";
import { buildVdso } from "@uabi/vdso";
import { VVAR_PAGE, VVAR_NCLOCKS, CLOCK_MODE, TASK_PAGE, FS_PAGE, UTS_PAGE } from "@uabi/libkernel";
import { arm64Adapter } from "./arch/arm64.js";
import type { ArchAdapter } from "./arch/types.js";
import { x86Adapter } from "./arch/x86_64.js";
import { ExecError, KernelUsageError } from "./errors.js";
import { AT, buildInitialStack, loadElf, loadInterpreter, parseElfForExec, type LoadedImage } from "./exec.js";
import { FdTable, OpenFile, O_RDONLY, O_WRONLY } from "./fd.js";
import { AddressSpace } from "./mm.js";
import { SS_DISABLE } from "./signal.js";
import type { KernelServices } from "./services.js";
import { Process, rootCredentials, type Thread } from "./task.js";
import { VIRTUAL_REALTIME_OFFSET_NS } from "./clock.js";
import type { SpawnOptions, VdsoImage } from "./types.js";
import { DirNode, FileNode, FileTooBigError, tooBigForExec, type CharDevNode } from "./vfs.js";

export const ADAPTERS: Record<Arch, ArchAdapter> = { arm64: arm64Adapter, x86_64: x86Adapter };

/** Which ISA an ELF image is for (by e_machine). Throws ExecError for other machines. */
export function archOf(elf: Uint8Array): Arch {
  const img = parseElfForExec(elf);
  for (const a of Object.values(ADAPTERS)) if (a.elfMachine === img.machine) return a.arch;
  throw new ExecError("bad-arch", `unsupported ELF machine ${img.machine}`);
}

/** Default resource limits (cur, max), as a Debian 12 login shell has them. */
/**
 * The first process's limits: Linux's defaults for a login on a machine of this size, except RLIMIT_NPROC,
 * which says the run's task limit (--max-tasks) when that is lower: getrlimit tells a program what fork will allow.
 */
export function defaultRlimits(maxTasks = Infinity): [bigint, bigint][] {
  const INF = RLIM_INFINITY;
  const r: [bigint, bigint][] = Array.from({ length: RLIMIT.NLIMITS }, () => [INF, INF] as [bigint, bigint]);
  r[RLIMIT.STACK] = [8n << 20n, INF];
  r[RLIMIT.CORE] = [0n, INF];
  const nproc = maxTasks < 63_432 ? BigInt(maxTasks) : 63_432n;
  r[RLIMIT.NPROC] = [nproc, nproc];
  r[RLIMIT.NOFILE] = [1024n, 1_048_576n];
  r[RLIMIT.MEMLOCK] = [8n << 20n, 8n << 20n];
  r[RLIMIT.SIGPENDING] = [63_432n, 63_432n];
  r[RLIMIT.MSGQUEUE] = [819_200n, 819_200n];
  r[RLIMIT.NICE] = [0n, 0n];
  r[RLIMIT.RTPRIO] = [0n, 0n];
  return r;
}

const BUILT_VDSO = new Map<string, VdsoImage>();
function defaultVdso(arch: Arch, fakeroot: boolean): VdsoImage {
  const key = `${arch}:${fakeroot}`;
  let v = BUILT_VDSO.get(key);
  if (!v) {
    v = buildVdso({ arch, ...(fakeroot ? { personalities: ["fakeroot"] as const } : {}) });
    BUILT_VDSO.set(key, v);
  }
  return v;
}

/** arm64's signal-return trampoline `mov x8, #139; svc #0`, the whole image when no vDSO is mapped. */
const SIGRETURN_TRAMPOLINE = new Uint8Array([0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]);
/** The vvar bytes the kernel writes: the header and one record per clock id. */
const VVAR_BYTES = VVAR_PAGE.clocks + VVAR_NCLOCKS * VVAR_PAGE.clockSize;
/** The per-task page fields the kernel writes (personality, pid, tid, robust list head and length). */
const TASK_PAGE_BYTES = 0x28;
const NS_PER_SEC = 1_000_000_000n;
/*
 * What the per-slice refresh reads, as module-local constants: imported bindings are live bindings, and under
 * the development loader (tsx) each use of one is a getter call — on this path, once per syscall.
 */
const NCLOCKS = VVAR_NCLOCKS;
const TP_PERSONALITY = TASK_PAGE.personality, TP_PID = TASK_PAGE.pid, TP_TID = TASK_PAGE.tid;
const TP_ROBUST_HEAD = TASK_PAGE.robustHead, TP_ROBUST_LEN = TASK_PAGE.robustLen;
const FS_UMASK = FS_PAGE.umask;
/**
 * A kernel-written guest page's storage (GuestMemory.kernelPage), kept while the memory's epoch is unchanged so
 * that the per-slice refresh writes into it directly instead of through poke's region search and page look-up.
 */
class PageRef {
  private mem: GuestMemory | undefined;
  private epoch = -1;
  private addr = -1;
  private page: Uint8Array | undefined;
  /** The page's bytes as a DataView, and whether userspace may read the page (as read32 would allow). */
  view: DataView | undefined;
  readable = false;
  /** The permissions of the region holding the page (0 when no page is cached). */
  perm = 0;

  /** Write `data` at `addr`, as mem.poke does (which it falls back to for an unmapped or code page, or a page crossing). */
  write(mem: GuestMemory, addr: number, data: Uint8Array): void {
    const page = this.get(mem, addr);
    const off = addr & (PAGE_SIZE - 1);
    if (page !== undefined && off + data.length <= PAGE_SIZE) page.set(data, off);
    else mem.poke(addr, data);
  }

  /** The page's storage, or undefined when poke must do the write (only a page found is kept). */
  get(mem: GuestMemory, addr: number): Uint8Array | undefined {
    if (this.page !== undefined && this.mem === mem && this.addr === addr && this.epoch === mem.epoch) return this.page;
    this.mem = mem;
    this.addr = addr;
    this.epoch = mem.epoch;
    const page = (this.page = mem.kernelPage(addr));
    this.view = page && new DataView(page.buffer, page.byteOffset, page.byteLength);
    this.perm = page !== undefined ? (mem.findRegion(addr)?.perm ?? 0) : 0;
    // GuestMemory's rule for reads: PROT_WRITE implies readable.
    this.readable = (this.perm & (PERM_READ | PERM_WRITE)) !== 0;
    return page;
  }

  /** The page's DataView when `addr` is on it and userspace could read [addr, addr+len) there; else undefined. */
  readable4(mem: GuestMemory, addr: number, len: number): DataView | undefined {
    if (this.get(mem, addr) === undefined || !this.readable || (addr & (PAGE_SIZE - 1)) + len > PAGE_SIZE) return undefined;
    return this.view;
  }
}

/** A process's vvar image, and the seconds last written into it (they change once a second: rewritten only then). */
interface VvarImage {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  /** The same bytes as 32-bit words, for the per-slice refresh on a little-endian host (see LE_HOST). */
  readonly words: Uint32Array;
  monoSec: number;
  realSec: number;
  /** Where the refresh writes: the vvar page, the library's vvar copy, the running thread's task page, the fs page. */
  readonly vvarRef: PageRef;
  readonly libVvarRef: PageRef;
  readonly taskRef: PageRef;
  readonly fsRef: PageRef;
  /**
   * The deferred refresh (see ProcessLoader.deferVvar): the values of the last slice's refresh, whether the
   * image holds them yet, the filler GuestMemory calls on the vvar page's next access, and the back-off that
   * stops deferring while the program reads the page every slice.
   */
  pendN: number;
  pendSeq: number;
  pendTp: number;
  pendFp: number;
  filled: boolean;
  filler: PageFiller;
  deferred: boolean;
  readonly vvarDefer: DeferPolicy;
  /** The deferred per-task page refresh: the page, its fields' values and offset, the filler. */
  taskAt: number;
  taskVals: [personality: number, pid: number, tid: number, robustList: number, robustLen: number];
  taskFiller: PageFiller;
  readonly taskDefer: DeferPolicy;
  /** The deferred per-fs page refresh: the umask field's address and value, the filler. */
  fsAt: number;
  fsUmask: number;
  fsFiller: PageFiller;
  readonly fsDefer: DeferPolicy;
}
/** The most slices the refresh stays eager after a deferred one was read (a bounce reads it every call). */
const MAX_DEFER_BACKOFF = 64;
/** The largest monotonic time in ns whose seconds/nanoseconds split is exact in doubles. */
const MAX_SAFE_NS = BigInt(Number.MAX_SAFE_INTEGER);
/** vvar offsets the refresh writes, resolved once. */
const OFF_SEQ = VVAR_PAGE.seq;
const OFF_CYCLE_LAST = VVAR_PAGE.cycleLast;
const OFF_TASK_PAGE_PTR = VVAR_PAGE.taskPagePtr;
const OFF_FS_PAGE_PTR = VVAR_PAGE.fsPagePtr;
const CLOCK_SEC_OFF = Array.from({ length: VVAR_NCLOCKS }, (_, id) => VVAR_PAGE.clocks + id * VVAR_PAGE.clockSize + VVAR_PAGE.clock.sec);
const CLOCK_NSEC_OFF = Array.from({ length: VVAR_NCLOCKS }, (_, id) => VVAR_PAGE.clocks + id * VVAR_PAGE.clockSize + VVAR_PAGE.clock.nsec);

/**
 * Does guest memory at `addr` already hold the bytes of `want` (a multiple of 4 long)? A page userspace cannot
 * read (or that is not mapped) answers false, and the caller writes it as the kernel does, ignoring permissions.
 * Equal bytes need no write: the page ends up the same, and a read through the TLB costs less than a poke.
 */
function holds(mem: GuestMemory, addr: number, want: DataView): boolean {
  try {
    for (let o = 0; o < want.byteLength; o += 4) if (mem.read32(addr + o) !== want.getUint32(o, true)) return false;
    return true;
  } catch {
    return false;
  }
}
/** The 32-bit words of the per-task page's first TASK_PAGE_BYTES that no field the kernel writes covers (written 0). */
const TASK_ZERO_WORDS = Array.from({ length: TASK_PAGE_BYTES / 4 }, (_, i) => i * 4).filter(
  (o) => ![[TASK_PAGE.personality, 4], [TASK_PAGE.pid, 4], [TASK_PAGE.tid, 4], [TASK_PAGE.robustHead, 8], [TASK_PAGE.robustLen, 8]].some(([f, n]) => o >= f! && o < f! + n!),
);
/** The per-task page's kernel-written bytes [0, TASK_PAGE_BYTES) at `o` in `v`: the fields, and zero elsewhere. */
function fillTaskFields(v: DataView, o: number, p: Process, t: Thread): void {
  storeTaskFields(v, o, p.personality, p.pid, t.tid, t.robustList, t.robustLen);
}
function storeTaskFields(v: DataView, o: number, personality: number, pid: number, tid: number, robustList: number, robustLen: number): void {
  v.setUint32(o + TP_PERSONALITY, personality, true);
  v.setUint32(o + TP_PID, pid, true);
  v.setUint32(o + TP_TID, tid, true);
  setU64(v, o + TP_ROBUST_HEAD, robustList);
  setU64(v, o + TP_ROBUST_LEN, robustLen);
  for (let i = 0; i < TASK_ZERO_WORDS.length; i++) v.setUint32(o + TASK_ZERO_WORDS[i]!, 0, true);
}

/** The per-task fields a deferred task-page fill will write (the values fillTaskFields takes, now). */
function recordTaskValues(img: VvarImage, p: Process, t: Thread): void {
  const v = img.taskVals;
  v[0] = p.personality;
  v[1] = p.pid;
  v[2] = t.tid;
  v[3] = t.robustList;
  v[4] = t.robustLen;
}

/** The per-fs page's umask field at `off`, stored only when the page does not already hold it (equal bytes need no write). */
function writeUmask(page: Uint8Array, off: number, umask: number): void {
  const old = page[off]! | (page[off + 1]! << 8) | (page[off + 2]! << 16) | (page[off + 3]! << 24);
  if (old >>> 0 === umask >>> 0) return;
  page[off] = umask & 0xff;
  page[off + 1] = (umask >>> 8) & 0xff;
  page[off + 2] = (umask >>> 16) & 0xff;
  page[off + 3] = (umask >>> 24) & 0xff;
}

/**
 * When to defer a page's per-slice refresh to its next access (GuestMemory.fillOnAccess). A deferred fill that
 * runs costs a TLB miss on top of the write, so after one does the refresh stays eager for a number of slices
 * that doubles while the program keeps touching the page every time (a bounce's glue reads the vvar and writes
 * the task page on every call), and halves after a deferred slice that left the page alone.
 */
class DeferPolicy {
  private backoff = 0;
  private skip = 0;
  /** A deferred fill was installed (in `mem`, when its fill generation was `stamp`) and has not run, as far as known. */
  armed = false;
  private mem: GuestMemory | undefined;
  private stamp = -1;
  /** Whether this slice may defer the page. */
  allow(): boolean {
    if (this.skip === 0) return true;
    this.skip--;
    return false;
  }
  /** The filler installed for page `pn` is certainly still pending (no filler of `mem` has left its table since). */
  pending(mem: GuestMemory): boolean {
    return this.armed && this.stamp === mem.fillGeneration && this.mem === mem;
  }
  /**
   * Defer this slice's refresh of page `pn` to `fill` (which reads the values the caller just stored). A filler
   * still pending from the last slice already reads them: it is left in place (the page was not touched, which
   * halves the back-off).
   */
  arm(mem: GuestMemory, pn: number, fill: PageFiller): void {
    if (this.armed) this.backoff >>= 1;
    if (this.pending(mem)) return;
    mem.fillOnAccess(pn, fill);
    this.armed = true;
    this.mem = mem;
    this.stamp = mem.fillGeneration;
  }
  /** The deferred fill ran: the page was touched. */
  fired(): void {
    this.armed = false;
    this.backoff = Math.min(MAX_DEFER_BACKOFF, this.backoff * 2 + 1);
    this.skip = this.backoff;
  }
}

/** A filler's place-holder until the image's own are made. */
const noFill: PageFiller = () => {};
/** The deferred fill of the page at `at` has not run: nothing touched the page since it was installed. */
function untouched(policy: DeferPolicy, mem: GuestMemory, at: number): boolean {
  return policy.armed && (policy.pending(mem) || mem.fillPending(Math.floor(at / PAGE_SIZE)));
}
/** Store a non-negative safe integer as a little-endian u64 without a BigInt. */
function setU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x >>> 0, true);
  v.setUint32(off + 4, Math.floor(x / 0x1_0000_0000) >>> 0, true); // an int32 store, not a double conversion
}
/**
 * Each clock id's vvar record, as Linux's vDSO serves them: REALTIME, REALTIME_COARSE, REALTIME_ALARM and TAI
 * read the realtime base, the rest the monotonic one; the *_COARSE clocks read the base alone (tick resolution,
 * 4 ms here); the CPU-time clocks and BOOTTIME_ALARM are not readable in userspace (the handler makes the call).
 */
const CLOCKS = Array.from({ length: VVAR_NCLOCKS }, (_, id) => {
  const coarse = id === 5 || id === 6;
  const syscallOnly = id === 2 || id === 3 || id === 10;
  return {
    realtime: [0, 5, 8, 11].includes(id),
    mode: syscallOnly ? CLOCK_MODE.syscall : coarse ? CLOCK_MODE.coarse : CLOCK_MODE.hres,
    resNsec: coarse ? 4_000_000 : 1,
  };
});

/** Which clock ids read the realtime base (1) rather than the monotonic one. */
const CLOCK_IS_REALTIME = Uint8Array.from(CLOCKS, (c) => (c.realtime ? 1 : 0));

/** The host stores a Uint32Array little-endian (as the guest's vvar page is): the refresh may write words. */
const LE_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** The vvar's 32-bit word indices the refresh writes (every offset is 8-byte aligned: checked below). */
const W_SEQ = OFF_SEQ / 4, W_CYCLE_LAST = OFF_CYCLE_LAST / 4, W_TASK_PAGE_PTR = OFF_TASK_PAGE_PTR / 4, W_FS_PAGE_PTR = OFF_FS_PAGE_PTR / 4;
const clockWords = (offs: readonly number[], realtime: boolean) => Int32Array.from(offs.filter((_, id) => (CLOCK_IS_REALTIME[id] === 1) === realtime), (o) => o / 4);
const W_MONO_SEC = clockWords(CLOCK_SEC_OFF, false), W_REAL_SEC = clockWords(CLOCK_SEC_OFF, true);
const W_MONO_NSEC = clockWords(CLOCK_NSEC_OFF, false), W_REAL_NSEC = clockWords(CLOCK_NSEC_OFF, true);
if (![OFF_CYCLE_LAST, OFF_TASK_PAGE_PTR, OFF_FS_PAGE_PTR, ...CLOCK_SEC_OFF, ...CLOCK_NSEC_OFF].every((o) => o % 8 === 0) || OFF_SEQ % 4 !== 0) {
  throw new Error("vvar layout: the refresh writes 32-bit words at 8-byte aligned u64 fields");
}

/** mmap protections and flags used for the kernel's own mappings. */
const PROT_R = 1, PROT_RW = 3, PROT_RX = 5, MAP_PRIVATE_ANON = 0x22;

export class ProcessLoader {
  constructor(
    private readonly k: KernelServices,
    /** Character devices behind fds 0, 1, 2 of spawned processes. */
    private readonly stdio: readonly CharDevNode[],
  ) {}

  /** A CPU for a thread of `owner`: its reads of the timer (CNTVCT_EL0 / RDTSC) are counted as `timerReads`. */
  createCpu(arch: ArchAdapter, mm: AddressSpace, owner: Process): Cpu {
    const clock = this.k.clock;
    const counter = () => {
      owner.ledger.add("timerReads");
      return clock.monotonicNs();
    };
    return arch.createCpu(mm.mem, { counter, counterFrequency: 1_000_000_000, jit: this.k.opts.core !== "interp" });
  }

  /** Create the first process from an ELF image. Throws ExecError for images Linux would refuse. */
  spawn(elf: Uint8Array, o: SpawnOptions = {}): Process {
    const { vfs, tasks } = this.k;
    const arch = ADAPTERS[archOf(elf)];
    const argv = o.argv ?? ["a.out"];
    const env = o.env ?? [];
    const path = o.path ?? `/bin/${(argv[0] ?? "a.out").split("/").pop() || "a.out"}`;
    // The executable appears in the VFS at `path` (for /proc/self/exe and re-exec) unless something is already there.
    const existing = vfs.resolve(path, vfs.root, { pid: 0 }, { follow: true });
    if (typeof existing === "number" || !existing.node) vfs.addNode(path, new FileNode(0o755, elf));
    const cwdR = vfs.resolve(o.cwd ?? "/", vfs.root, { pid: 0 }, { follow: true });
    if (typeof cwdR === "number" || !(cwdR.node instanceof DirNode)) throw new KernelUsageError(`cwd ${o.cwd} is not a directory`);
    const mm = new AddressSpace({ taskSize: arch.taskSize, stackTop: arch.taskSize }, this.k.memLimit);
    const files = new FdTable();
    files.install(0, new OpenFile(this.stdio[0]!, O_RDONLY, "/dev/stdin"), false);
    files.install(1, new OpenFile(this.stdio[1]!, O_WRONLY, "/dev/stdout"), false);
    files.install(2, new OpenFile(this.stdio[2]!, O_WRONLY, "/dev/stderr"), false);
    // pid 1 is the modelled shell that started the first process (its parent, not a guest process): the first
    // process is pid 2 with getppid() == 1 and is not init for the signal rules.
    if (tasks.processes.size === 0 && !tasks.root) tasks.allocPid();
    const p = new Process(tasks.allocPid(), undefined, arch, mm, files, { cwd: cwdR.node, umask: 0o022 });
    p.rlimits = defaultRlimits(this.k.maxTasks);
    p.cred = rootCredentials(this.k.opts.uid ?? 0, this.k.opts.gid ?? 0);
    tasks.processes.set(p.pid, p);
    const t = tasks.newThread(p, this.createCpu(arch, mm, p), p.pid);
    this.execInto(t, elf, path, argv, env);
    tasks.root ??= p;
    return p;
  }

  /** Replace the image of `t`'s process (execve core). Throws ExecError; on success the old image is gone. */
  execInto(t: Thread, elf: Uint8Array, path: string, argv: readonly string[], env: readonly string[]): void {
    const p = t.proc;
    const arch = ADAPTERS[archOf(elf)];
    const mm = new AddressSpace({ taskSize: arch.taskSize, stackTop: arch.taskSize }, this.k.memLimit);
    mm.stackLimit = Number(p.rlimits[RLIMIT.STACK]?.[0] ?? 8n << 20n);
    mm.dataLimit = p.rlimits[RLIMIT.DATA]?.[0] ?? RLIM_INFINITY;
    mm.asLimit = p.rlimits[RLIMIT.AS]?.[0] ?? RLIM_INFINITY;
    // execve: the saved ids become the effective ones (fs/exec.c, commit_creds in begin_new_exec).
    Object.assign(p.cred, { suid: p.cred.euid, fsuid: p.cred.euid, sgid: p.cred.egid, fsgid: p.cred.egid });
    const node = this.k.vfs.resolve(path, p.fs.cwd, { pid: p.pid }, { follow: true });
    const ino = typeof node === "number" || !node.node ? 0 : node.node.ino;
    const loaded = loadElf(mm, arch, elf, path, ino, true);
    // Stack: 128 KiB below the strings (setup_arg_pages' stack_expand), grows down on faults.
    const top = arch.taskSize;
    const stackSize = 132 * 1024 + Math.ceil((argv.join("\0").length + env.join("\0").length + path.length + 8192) / PAGE_SIZE) * PAGE_SIZE;
    mm.mapFixed(top - stackSize, stackSize, PROT_RW, "[stack]");
    mm.brkStart = mm.brkCur = loaded.brk;
    // load_elf_binary maps the interpreter after the program and before the vDSO, so the vDSO lands below it.
    const interp = loaded.interpreter === undefined ? undefined : this.loadInterp(mm, arch, p, loaded.interpreter);
    // Data pages + vDSO, placed top-down like map_vdso.
    const vd = this.vdsoFor(arch.arch);
    const dataPages = vd ? vd.pages.count : 1;
    const vdsoLen = vd ? vd.mapSize : PAGE_SIZE;
    const base = mm.findFree(dataPages * PAGE_SIZE + vdsoLen);
    if (base < 0) throw new ExecError("too-big", "no room for the vDSO");
    mm.mapFixed(base, dataPages * PAGE_SIZE, PROT_R, "[vvar]");
    mm.mapFixed(base + dataPages * PAGE_SIZE, vdsoLen, PROT_RX, "[vdso]");
    const vdsoBase = base + dataPages * PAGE_SIZE;
    let sigret: number;
    let taskPage = 0, fsPage = 0;
    if (vd) {
      mm.mem.poke(vdsoBase, vd.bytes);
      sigret = vdsoBase + vd.entries.sigreturn;
      // libkernel's per-task and per-fs pages (ordinary user memory the handlers read and write).
      taskPage = mm.mmap(0, PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON, 0);
      fsPage = mm.mmap(0, PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON, 0);
      if (taskPage < 0 || fsPage < 0) throw new ExecError("too-big", "no room for the libkernel pages");
      const uts = new Uint8Array(UTS_PAGE.newSize);
      this.utsFields(arch).forEach((f, i) => uts.set(new TextEncoder().encode(f).subarray(0, 64), i * UTS_PAGE.fieldLen));
      mm.mem.poke(vdsoBase + vd.pages.uts, uts);
    } else {
      // Minimal image: the arm64 trampoline only (no ELF, so no AT_SYSINFO_EHDR).
      mm.mem.poke(vdsoBase, SIGRETURN_TRAMPOLINE);
      sigret = vdsoBase;
    }
    // The new image must fit the run's memory budget once the old one (if no other process shares it) is given back.
    const budget = this.k.memoryBudget;
    if (budget.used - (p.mm.users === 1 ? p.mm.mappedBytes : 0) + mm.mappedBytes > budget.limit) throw new ExecError("too-big", "the image does not fit the run's memory budget");
    // Commit: from here on the old image is replaced.
    p.mm.release();
    mm.joinBudget(budget);
    const lifecycle = this.k.lifecycle;
    for (const other of p.threads.slice() /* reaping mutates the list */) if (other !== t) lifecycle.reapThread(other);
    p.threads = [t];
    p.mm = mm;
    p.arch = arch;
    p.vdsoBase = vd ? vdsoBase : 0;
    p.vdsoSigreturn = sigret;
    p.vvarBase = vd ? vdsoBase + vd.pages.vvar : 0;
    p.fsPage = fsPage;
    t.taskPage = taskPage;
    p.exePath = path;
    p.exeBytes = elf;
    p.comm = (path.split("/").pop() ?? "").slice(0, 15);
    p.vforkDone = true;
    this.k.cmdlines.set(p.pid, argv.map((a) => a + "\0").join(""));
    for (const a of p.sigactions) if (a.handler !== 1) Object.assign(a, { handler: 0, flags: 0, restorer: 0, mask: 0n });
    p.files.closeOnExec();
    lifecycle.releaseCpu(t);
    t.cpu = this.createCpu(arch, mm, p);
    t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
    t.rseq = { addr: 0, len: 0, sig: 0 };
    t.robustList = 0;
    t.clearChildTid = 0;
    const random = this.k.rng.bytes(16);
    const auxv: [number, bigint | number][] = [];
    if (vd) auxv.push([AT.SYSINFO_EHDR, vdsoBase]);
    auxv.push(
      [AT.MINSIGSTKSZ, arch.minSigStkSz],
      [AT.HWCAP, arch.hwcap],
      [AT.PAGESZ, PAGE_SIZE],
      [AT.CLKTCK, 100],
      [AT.PHDR, loaded.phdr],
      [AT.PHENT, loaded.phent],
      [AT.PHNUM, loaded.phnum],
      [AT.BASE, interp?.bias ?? 0],
      [AT.FLAGS, 0],
      [AT.ENTRY, loaded.entry],
      [AT.UID, p.cred.ruid],
      [AT.EUID, p.cred.euid],
      [AT.GID, p.cred.rgid],
      [AT.EGID, p.cred.egid],
      [AT.SECURE, 0],
      [AT.RANDOM, -1],
      [AT.HWCAP2, arch.hwcap2],
      [AT.EXECFN, -1],
      [AT.PLATFORM, -1],
      [AT.RSEQ_FEATURE_SIZE, 28],
      [AT.RSEQ_ALIGN, 32],
    );
    const st = buildInitialStack(mm, top, { argv, env, execfn: path, auxv, random, platform: arch.platform });
    arch.initRegisters(t.cpu, interp?.entry ?? loaded.entry, st.sp);
    this.k.mechanisms.onExec(t);
    this.updateVvar(p);
  }

  /**
   * The interpreter named by PT_INTERP, looked up in the guest's filesystem (a sysroot is the root filesystem's
   * business) and mapped by load_elf_interp's rules. A missing file is execve's ENOENT ("no-interpreter"); a
   * directory or device is EACCES ("interpreter-not-regular"), a non-ELF or foreign one ELIBBAD ("bad-interpreter").
   */
  private loadInterp(mm: AddressSpace, arch: ArchAdapter, p: Process, name: string): LoadedImage {
    const vfs = this.k.vfs;
    const r = vfs.resolve(name, vfs.root, { pid: p.pid }, { follow: true });
    if (typeof r === "number" || !r.node) throw new ExecError("no-interpreter", `interpreter ${name} not found`, name);
    if (!(r.node instanceof FileNode)) throw new ExecError("interpreter-not-regular", `interpreter ${name} is not a regular file`, name);
    // /proc/<pid>/maps names the file where the symlinks led (d_path), e.g. /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2.
    const dir = r.parent ? vfs.pathOf(r.parent) : "/";
    const real = `${dir === "/" ? "" : dir}/${r.name}`;
    let data: Uint8Array;
    try {
      data = r.node.data;
    } catch (e) {
      if (!(e instanceof FileTooBigError)) throw e;
      const why = tooBigForExec(r.node);
      throw new ExecError(why === "too-big" ? "too-big" : "bad-interpreter", `interpreter ${name} is a ${r.node.size}-byte sparse file`, name);
    }
    return loadInterpreter(mm, arch, { data, path: real, dev: r.node.dev, ino: r.node.ino }, name);
  }

  /** The vDSO image for an ISA per the options (undefined: none). */
  vdsoFor(arch: Arch): VdsoImage | undefined {
    const o = this.k.opts.vdso ?? true;
    if (o === false) return undefined;
    if (o === true) return defaultVdso(arch, this.k.opts.personality === "fakeroot");
    return o[arch];
  }

  utsFields(arch: ArchAdapter): string[] {
    return ["Linux", "uabi", "6.6.0-uabi", "#1 SMP PREEMPT_DYNAMIC", arch.machine, "(none)"];
  }

  /**
   * Defer each slice's page refresh to the pages' next access where that is equivalent (deferVvar,
   * writeTaskPages). False refreshes every page before every slice, as before: tests compare the two.
   */
  deferRefresh = true;

  /** Per process: the vvar image last written (constants filled once), and scratch for the per-task page. */
  private readonly vvarImages = new WeakMap<Process, VvarImage>();
  /** The last process refreshed and its image: most slices run the same process again. */
  private lastVvarProc: Process | undefined;
  private lastVvarImage: VvarImage | undefined;
  /** realtime − monotonic, last seen, split into seconds and nanoseconds (it changes only when the clock is set). */
  private realOffset = -1n;
  private realOffsetSec = 0;
  private realOffsetNsec = 0;
  /** realOffset is virtual mode's constant (a boolean test instead of a BigInt comparison per slice). */
  private realOffsetVirtual = false;
  private readonly taskScratch = new DataView(new ArrayBuffer(TASK_PAGE_BYTES));
  private readonly taskScratchBytes = new Uint8Array(this.taskScratch.buffer);
  private readonly fsScratch = new DataView(new ArrayBuffer(4));
  private readonly fsScratchBytes = new Uint8Array(this.fsScratch.buffer);

  private vvarImage(p: Process): VvarImage {
    if (p === this.lastVvarProc) return this.lastVvarImage!;
    let img = this.vvarImages.get(p);
    if (!img) {
      const v = new DataView(new ArrayBuffer(VVAR_BYTES));
      v.setUint32(VVAR_PAGE.mult, 1, true);
      v.setUint32(VVAR_PAGE.shift, 0, true);
      CLOCKS.forEach((c, id) => {
        const o = VVAR_PAGE.clocks + id * VVAR_PAGE.clockSize;
        v.setUint32(o + VVAR_PAGE.clock.mode, c.mode, true);
        v.setUint32(o + VVAR_PAGE.clock.resNsec, c.resNsec, true);
      });
      img = {
        view: v, bytes: new Uint8Array(v.buffer), words: new Uint32Array(v.buffer), monoSec: -1, realSec: -1,
        vvarRef: new PageRef(), libVvarRef: new PageRef(), taskRef: new PageRef(), fsRef: new PageRef(),
        pendN: 0, pendSeq: 0, pendTp: 0, pendFp: 0, filled: true, filler: noFill, deferred: false, vvarDefer: new DeferPolicy(),
        taskAt: 0, taskVals: [0, 0, 0, 0, 0], taskFiller: noFill, taskDefer: new DeferPolicy(),
        fsAt: 0, fsUmask: 0, fsFiller: noFill, fsDefer: new DeferPolicy(),
      };
      this.makeFillers(img);
      this.vvarImages.set(p, img);
    }
    this.lastVvarProc = p;
    this.lastVvarImage = img;
    return img;
  }

  /**
   * The image's deferred fills, made once (a closure made where the refresh runs would put the variables it
   * captures in a context allocated on every call). Each writes what the slice's refresh would have written.
   */
  private makeFillers(img: VvarImage): void {
    img.filler = (page) => {
      if (!img.filled) {
        this.fillVvarWords(img, img.pendN, img.pendSeq, img.pendTp, img.pendFp);
        img.filled = true;
        img.vvarDefer.fired();
      }
      page.set(img.bytes, 0);
    };
    img.taskFiller = (page) => {
      img.taskDefer.fired();
      const v = img.taskVals;
      storeTaskFields(new DataView(page.buffer, page.byteOffset, page.byteLength), img.taskAt & (PAGE_SIZE - 1), v[0], v[1], v[2], v[3], v[4]);
    };
    img.fsFiller = (page) => {
      img.fsDefer.fired();
      writeUmask(page, img.fsAt & (PAGE_SIZE - 1), img.fsUmask);
    };
  }

  /**
   * Refresh the vvar page (time bases under the seqlock) and the per-task/per-fs page slots and contents for
   * the thread about to run: the kernel's timer tick, here at every run slice. The counter is the virtual ns
   * clock (mult 1, shift 0), so userspace clock reads are exact between updates; coarse clocks read the bases.
   * Runs before every slice (once per syscall in a syscall-bound program), so it is written for speed: time is
   * split with Numbers, only the vvar's changing fields are rewritten in a per-process image, and the per-fs
   * umask is written only when the page does not already hold it.
   */
  updateVvar(p: Process, t?: Thread, retired?: number): void {
    if (!p.vvarBase) return;
    const img = this.vvarImage(p);
    const clock = this.k.clock;
    // Virtual time below 2^53 ns comes as a Number, with the constant realtime offset; else as BigInts. The run
    // loop passes the instructions retired so far, which it has just summed for the budget.
    const fast = retired === undefined ? clock.virtualNs() : clock.virtualNsAt(retired);
    if (fast >= 0 && t !== undefined && this.stillDeferred(p, img, fast, t)) return;
    if (fast >= 0 && LE_HOST && t !== undefined && this.deferVvar(p, img, fast, t)) {
      this.writeTaskPages(p, img, t);
      return;
    }
    if (fast >= 0 && LE_HOST) {
      p.vvarSeq = (p.vvarSeq + 2) >>> 0;
      this.fillVvarWords(img, fast, p.vvarSeq, t?.taskPage ?? 0, p.fsPage);
    } else this.fillVvar(p, img, fast, t);
    this.writePages(p, img, t);
  }

  /**
   * The usual slice of a syscall-bound thread: the same thread's vvar, task and fs fills all still pending from
   * its last slice (nothing touched the pages, no mapping changed: a filler would have run), at the same
   * addresses. Then the fillers stay and only the values they will write change — what deferVvar and
   * writeTaskPages would store, without their checks.
   */
  private stillDeferred(p: Process, img: VvarImage, n: number, t: Thread): boolean {
    const mem = p.mm.mem;
    if (!(this.deferRefresh && img.vvarDefer.pending(mem) && img.taskDefer.pending(mem) && img.fsDefer.pending(mem))) return false;
    if (img.taskAt !== t.taskPage || img.fsAt !== p.fsPage + FS_UMASK || img.pendTp !== t.taskPage) return false;
    p.vvarSeq = (p.vvarSeq + 2) >>> 0;
    img.pendN = n;
    img.pendSeq = p.vvarSeq;
    img.pendFp = p.fsPage;
    recordTaskValues(img, p, t);
    img.fsUmask = p.fs.umask;
    return true;
  }

  /**
   * Defer the vvar copy of a slice to the page's next access (GuestMemory.fillOnAccess): most syscall-bound
   * slices never read the vvar, and the filler writes exactly the image this slice's refresh would have, before
   * anything (the program, the kernel, a copy for fork or a checkpoint, a change of the mapping) can see the
   * page. Only for a page userspace can read but neither write nor execute, held as kernel page storage: a
   * writable page's user stores would otherwise land before the refresh instead of after it. While the program
   * reads the page slice after slice (a bounce's glue reads the task-page pointer), the refresh stays eager for
   * a while (a deferred fill costs a TLB miss on top of the copy).
   */
  private deferVvar(p: Process, img: VvarImage, n: number, t: Thread): boolean {
    if (!this.deferRefresh || !img.vvarDefer.allow()) return false;
    const mem = p.mm.mem;
    const vref = img.vvarRef;
    if (vref.get(mem, p.vvarBase) === undefined || vref.perm !== PERM_READ || (p.vvarBase & (PAGE_SIZE - 1)) !== 0) return false;
    const lib = this.k.mechanisms.libraryVvar(p);
    if (lib !== undefined) {
      const lref = img.libVvarRef;
      if (lref.get(mem, lib) === undefined || lref.perm !== PERM_READ || (lib & (PAGE_SIZE - 1)) !== 0) return false;
    }
    p.vvarSeq = (p.vvarSeq + 2) >>> 0;
    img.pendN = n;
    img.pendSeq = p.vvarSeq;
    img.pendTp = t.taskPage;
    img.pendFp = p.fsPage;
    img.filled = false;
    img.deferred = true;
    const filler = img.filler;
    // Both vvar pages share the filler and the policy: installed together, pending together unless one ran.
    const policy = img.vvarDefer;
    if (lib !== undefined && !policy.pending(mem)) mem.fillOnAccess(lib / PAGE_SIZE, filler);
    policy.arm(mem, p.vvarBase / PAGE_SIZE, filler);
    return true;
  }

  /**
   * The vvar image's changing fields for virtual time `n` < 2^53 ns, as fillVvar writes them, in 32-bit words:
   * every value is a non-negative integer, nanoseconds below 10^9 (high word 0), seconds below 2^53.
   */
  private fillVvarWords(img: VvarImage, n: number, seq: number, tp: number, fp: number): void {
    const w = img.words;
    const monoSec = wholeSeconds(n);
    const monoNsec = n - monoSec * 1e9;
    if (!this.realOffsetVirtual) this.splitRealOffset(VIRTUAL_REALTIME_OFFSET_NS);
    let realSec = monoSec + this.realOffsetSec;
    let realNsec = monoNsec + this.realOffsetNsec;
    if (realNsec >= 1e9) {
      realSec += 1;
      realNsec -= 1e9;
    }
    w[W_CYCLE_LAST] = n >>> 0;
    w[W_CYCLE_LAST + 1] = (n / 0x1_0000_0000) >>> 0;
    w[W_SEQ] = seq;
    w[W_TASK_PAGE_PTR] = tp >>> 0;
    w[W_TASK_PAGE_PTR + 1] = (tp / 0x1_0000_0000) >>> 0;
    w[W_FS_PAGE_PTR] = fp >>> 0;
    w[W_FS_PAGE_PTR + 1] = (fp / 0x1_0000_0000) >>> 0;
    if (monoSec !== img.monoSec) {
      img.monoSec = monoSec;
      const lo = monoSec >>> 0, hi = (monoSec / 0x1_0000_0000) >>> 0;
      for (let i = 0; i < W_MONO_SEC.length; i++) {
        w[W_MONO_SEC[i]!] = lo;
        w[W_MONO_SEC[i]! + 1] = hi;
      }
    }
    if (realSec !== img.realSec) {
      img.realSec = realSec;
      const lo = realSec >>> 0, hi = (realSec / 0x1_0000_0000) >>> 0;
      for (let i = 0; i < W_REAL_SEC.length; i++) {
        w[W_REAL_SEC[i]!] = lo;
        w[W_REAL_SEC[i]! + 1] = hi;
      }
    }
    // Nanoseconds are below 10^9: their high words are always 0 (as every store, this one included, leaves them).
    for (let i = 0; i < W_MONO_NSEC.length; i++) w[W_MONO_NSEC[i]!] = monoNsec;
    for (let i = 0; i < W_REAL_NSEC.length; i++) w[W_REAL_NSEC[i]!] = realNsec;
  }

  /** realtime − monotonic, split into seconds and nanoseconds (once per change of the offset). */
  private splitRealOffset(off: bigint): void {
    this.realOffset = off;
    this.realOffsetVirtual = off === VIRTUAL_REALTIME_OFFSET_NS;
    let sec = off / NS_PER_SEC, nsec = off % NS_PER_SEC;
    if (nsec < 0n) {
      sec -= 1n;
      nsec += NS_PER_SEC;
    }
    this.realOffsetSec = Number(sec);
    this.realOffsetNsec = Number(nsec);
  }

  /** The vvar image's changing fields, through the DataView (any host; real time, or time beyond 2^53 ns). */
  private fillVvar(p: Process, img: VvarImage, fast: number, t: Thread | undefined): void {
    const v = img.view;
    const clock = this.k.clock;
    const now = fast >= 0 ? 0n : clock.monotonicNs();
    const real = fast >= 0 ? 0n : clock.realtimeNs();
    let monoSec: number, monoNsec: number, realSec: number, realNsec: number;
    if (fast >= 0 || (now >= 0n && now <= MAX_SAFE_NS)) {
      const n = fast >= 0 ? fast : Number(now);
      monoSec = wholeSeconds(n);
      monoNsec = n - monoSec * 1e9;
      // realtime = monotonic + an offset that changes rarely (real-clock mode): split it once per change.
      const off = fast >= 0 ? VIRTUAL_REALTIME_OFFSET_NS : real - now;
      if (off !== this.realOffset) this.splitRealOffset(off);
      realSec = monoSec + this.realOffsetSec;
      realNsec = monoNsec + this.realOffsetNsec;
      if (realNsec >= 1e9) {
        realSec += 1;
        realNsec -= 1e9;
      }
      setU64(v, OFF_CYCLE_LAST, n);
    } else {
      monoSec = Number(now / NS_PER_SEC);
      monoNsec = Number(now % NS_PER_SEC);
      realSec = Number(real / NS_PER_SEC);
      realNsec = Number(real % NS_PER_SEC);
      v.setBigUint64(OFF_CYCLE_LAST, now, true);
    }
    p.vvarSeq = (p.vvarSeq + 2) >>> 0;
    v.setUint32(OFF_SEQ, p.vvarSeq, true);
    setU64(v, OFF_TASK_PAGE_PTR, t?.taskPage ?? 0);
    setU64(v, OFF_FS_PAGE_PTR, p.fsPage);
    const monoSecChanged = monoSec !== img.monoSec, realSecChanged = realSec !== img.realSec;
    img.monoSec = monoSec;
    img.realSec = realSec;
    for (let id = 0; id < NCLOCKS; id++) {
      const realtime = CLOCK_IS_REALTIME[id] === 1;
      if (realtime ? realSecChanged : monoSecChanged) setU64(v, CLOCK_SEC_OFF[id]!, realtime ? realSec : monoSec);
      setU64(v, CLOCK_NSEC_OFF[id]!, realtime ? realNsec : monoNsec);
    }
  }

  /** Copy the image to the vvar page(s) and refresh the per-task and per-fs pages. */
  private writePages(p: Process, img: VvarImage, t: Thread | undefined): void {
    const mem = p.mm.mem;
    // Each write as poke would do it (an unmapped page throws and ends the refresh), through the cached page.
    try {
      const page = img.bytes;
      const libVvar = this.k.mechanisms.libraryVvar(p);
      if (img.deferred) {
        img.deferred = false;
        img.filled = true;
        img.vvarDefer.armed = false;
      }
      // The copy below supersedes a deferred one: this process's, or (a vfork child sharing the memory) another's.
      if (mem.fillPending(p.vvarBase / PAGE_SIZE)) mem.cancelFill(p.vvarBase / PAGE_SIZE);
      if (libVvar !== undefined && mem.fillPending(libVvar / PAGE_SIZE)) mem.cancelFill(libVvar / PAGE_SIZE);
      img.vvarRef.write(mem, p.vvarBase, page);
      if (libVvar !== undefined) img.libVvarRef.write(mem, libVvar, page);
    } catch {
      // The user unmapped a libkernel page: nothing to refresh (the next exec maps them again).
      return;
    }
    if (t) this.writeTaskPages(p, img, t);
    else this.writeFsPage(p, img);
  }

  /**
   * Refresh the running thread's per-task page and the per-fs page. Like the vvar (deferVvar), each is written
   * when something next touches it rather than now, when it is kernel page storage userspace can read but not
   * execute (a core may fetch from its current code page without the TLB): its
   * fill runs before any access (a user store lands after it, as after an eager refresh), and a page nothing
   * touched during the slice needs no read-back (syncFromPages). Each deferred page has a page of its own (the
   * memory keeps one filler per page).
   */
  private writeTaskPages(p: Process, img: VvarImage, t: Thread): void {
    const mem = p.mm.mem;
    const at = t.taskPage;
    const fsAt = p.fsPage ? p.fsPage + FS_UMASK : 0;
    // Deferred fills need pages of their own (the memory keeps one filler per page), distinct from the vvar's.
    const taskPn = Math.floor(at / PAGE_SIZE), fsPn = Math.floor(fsAt / PAGE_SIZE);
    const lib = this.k.mechanisms.libraryVvar(p);
    const vvarPn = Math.floor(p.vvarBase / PAGE_SIZE), libPn = lib === undefined ? -1 : Math.floor(lib / PAGE_SIZE);
    const apart = this.deferRefresh && taskPn !== fsPn && taskPn !== vvarPn && taskPn !== libPn && fsPn !== vvarPn && fsPn !== libPn;
    if (at) {
      try {
        // Another thread's deferred fill still pending: written now, before its values are replaced.
        if (img.taskDefer.armed && img.taskAt !== at) this.flushDeferred(mem, img.taskAt, img.taskDefer);
        // Straight into the page when it is cached, else through the scratch and poke.
        const tref = img.taskRef;
        const off = at & (PAGE_SIZE - 1);
        if (tref.get(mem, at) !== undefined && off + TASK_PAGE_BYTES <= PAGE_SIZE) {
          if (apart && tref.readable && (tref.perm & PERM_EXEC) === 0 && img.taskDefer.allow()) {
            recordTaskValues(img, p, t);
            img.taskAt = at;
            img.taskDefer.arm(mem, taskPn, img.taskFiller);
          } else {
            if (img.taskDefer.armed) this.cancelDeferred(mem, img.taskAt, img.taskDefer);
            fillTaskFields(tref.view!, off, p, t);
          }
        } else {
          fillTaskFields(this.taskScratch, 0, p, t);
          mem.poke(at, this.taskScratchBytes);
        }
      } catch {
        return; // unmapped by the user, as above
      }
    }
    this.writeFsPage(p, img, apart);
  }

  /** Run a deferred fill now (kernelPage runs a page's pending filler), e.g. before its values are replaced. */
  private flushDeferred(mem: GuestMemory, at: number, policy: DeferPolicy): void {
    policy.armed = false;
    if (mem.fillPending(Math.floor(at / PAGE_SIZE))) mem.kernelPage(at);
  }

  /** Forget a deferred fill the caller is about to supersede with an eager write of the same fields. */
  private cancelDeferred(mem: GuestMemory, at: number, policy: DeferPolicy): void {
    policy.armed = false;
    const pn = Math.floor(at / PAGE_SIZE);
    if (mem.fillPending(pn)) mem.cancelFill(pn);
  }

  /** The per-fs page's umask, written only when the page does not already hold it (deferred when `defer`). */
  private writeFsPage(p: Process, img: VvarImage, defer = false): void {
    if (!p.fsPage) return;
    const mem = p.mm.mem;
    try {
      const umask = p.fs.umask;
      const at = p.fsPage + FS_UMASK;
      if (img.fsDefer.armed && img.fsAt !== at) this.flushDeferred(mem, img.fsAt, img.fsDefer);
      const fsPage = img.fsRef.get(mem, at);
      const off = at & (PAGE_SIZE - 1);
      if (fsPage !== undefined && off + 4 <= PAGE_SIZE) {
        if (defer && img.fsRef.readable && (img.fsRef.perm & PERM_EXEC) === 0 && img.fsDefer.allow()) {
          img.fsAt = at;
          img.fsUmask = umask;
          img.fsDefer.arm(mem, Math.floor(at / PAGE_SIZE), img.fsFiller);
          return;
        }
        if (img.fsDefer.armed) this.cancelDeferred(mem, img.fsAt, img.fsDefer);
        writeUmask(fsPage, off, umask);
      } else {
        this.fsScratch.setUint32(0, umask, true);
        if (!holds(mem, at, this.fsScratch)) mem.poke(at, this.fsScratchBytes);
      }
    } catch {
      // unmapped by the user, as above
    }
  }

  /**
   * Read back what userspace libkernel handlers changed in the per-task / per-fs pages (untrusted:
   * masked like the syscalls would), so the kernel's view stays coherent when ported code calls
   * __kernel_umask / __kernel_personality / __kernel_set_robust_list directly.
   */
  syncFromPages(p: Process, t: Thread): void {
    if (!p.vvarBase) return;
    const mem = p.mm.mem;
    const img = this.vvarImage(p);
    // A page whose deferred fill has not run was not touched during the slice: it still holds (once filled)
    // the values the refresh took from the kernel, so reading it back would change nothing.
    if (img.taskDefer.pending(mem) && img.fsDefer.pending(mem) && img.taskAt === t.taskPage && img.fsAt === p.fsPage + FS_UMASK) return;
    const task = t.taskPage !== 0 && !(img.taskAt === t.taskPage && untouched(img.taskDefer, mem, t.taskPage));
    const fs = p.fsPage !== 0 && !(img.fsAt === p.fsPage + FS_UMASK && untouched(img.fsDefer, mem, p.fsPage + FS_UMASK));
    if (!task && !fs) return;
    if (this.syncFromCachedPages(p, t, mem, img, task, fs)) return;
    try {
      if (task) {
        p.personality = mem.read32(t.taskPage + TP_PERSONALITY);
        // 64-bit fields as two 32-bit reads (no BigInt): hi × 2^32 + lo rounds exactly as Number(read64) does.
        const head = mem.read32(t.taskPage + TP_ROBUST_HEAD + 4) * 0x1_0000_0000 + mem.read32(t.taskPage + TP_ROBUST_HEAD);
        if (mem.read32(t.taskPage + TP_ROBUST_LEN) === 24 && mem.read32(t.taskPage + TP_ROBUST_LEN + 4) === 0) {
          t.robustList = head;
          t.robustLen = 24;
        }
      }
      if (fs) p.fs.umask = mem.read32(p.fsPage + FS_UMASK) & 0o777;
    } catch {
      // unmapped by the user: keep the kernel's values
    }
  }

  /**
   * syncFromPages through the pages the refresh cached, when each is mapped, readable by userspace and holds
   * the fields (so none of read32's faults can happen): the same reads without read32's TLB look-up per word.
   * False when some page is not like that, and the caller reads as before. `task` and `fs`: the pages to read.
   */
  private syncFromCachedPages(p: Process, t: Thread, mem: GuestMemory, img: VvarImage, task: boolean, fs: boolean): boolean {
    const tv = task ? img.taskRef.readable4(mem, t.taskPage, TASK_PAGE_BYTES) : undefined;
    if (task && tv === undefined) return false;
    const fsAt = p.fsPage + FS_UMASK;
    const fv = fs ? img.fsRef.readable4(mem, fsAt, 4) : undefined;
    if (fs && fv === undefined) return false;
    if (tv !== undefined) {
      const o = t.taskPage & (PAGE_SIZE - 1);
      p.personality = tv.getUint32(o + TP_PERSONALITY, true);
      const head = tv.getUint32(o + TP_ROBUST_HEAD + 4, true) * 0x1_0000_0000 + tv.getUint32(o + TP_ROBUST_HEAD, true);
      if (tv.getUint32(o + TP_ROBUST_LEN, true) === 24 && tv.getUint32(o + TP_ROBUST_LEN + 4, true) === 0) {
        t.robustList = head;
        t.robustLen = 24;
      }
    }
    if (fv !== undefined) p.fs.umask = fv.getUint32(fsAt & (PAGE_SIZE - 1), true) & 0o777;
    return true;
  }
}

/**
 * ⌊n / 10^9⌋ for an integral n below 2^53 ns, without BigInt: exact in doubles, except that the quotient may round
 * up (or down) across a second, which the remainder's sign corrects.
 */
function wholeSeconds(n: number): number {
  const s = Math.floor(n / 1e9);
  const r = n - s * 1e9;
  return r < 0 ? s - 1 : r >= 1e9 ? s + 1 : s;
}
