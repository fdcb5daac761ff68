/**
 * The kernel's own part of the filesystem: /dev (null, zero, urandom, random and the host's stdio as pipes or
 * a terminal), an empty writable /tmp, and /proc generated from the live processes.
 */
import { EBADF } from "./errno.js";
import type { KernelServices } from "./services.js";
import { CharDevNode, DirNode, FileNode, GeneratedNode, SymlinkNode, S_IFIFO, type CharDevice } from "./vfs.js";

/** makedev(major, minor) as the old 16-bit encoding stat reports for these devices. */
const dev = (major: number, minor: number) => (major << 8) | minor;
/** The pipefs device number the host's stdio pipes report (as the oracle recordings had them). */
const PIPEFS_DEV = 0xd;

function stdinDevice(k: KernelServices): CharDevice {
  const src = k.opts.stdin;
  let buf = src instanceof Uint8Array ? src : new Uint8Array(0);
  let eof = src instanceof Uint8Array || src === undefined;
  return {
    read: (n) => {
      if (buf.length === 0 && !eof && typeof src === "function") {
        const next = src();
        if (next === null) eof = true;
        else buf = next;
      }
      if (buf.length === 0) return "eof";
      const out = buf.slice(0, n);
      buf = buf.subarray(out.length);
      return out;
    },
    write: () => -EBADF, // stdin is read-only
    // A pull source is asked for its next chunk when polled (it may wait for the host): readable with data, and at
    // EOF as a pipe whose writer closed (POLLHUP) — or, on a terminal, readable (read returns 0).
    poll: () => {
      if (buf.length === 0 && !eof && typeof src === "function") {
        const next = src();
        if (next === null) eof = true;
        else buf = next;
      }
      if (buf.length > 0) return 0x41; // POLLIN | POLLRDNORM
      if (!eof) return 0;
      return k.opts.tty ? 0x41 : 0x10; // POLLHUP
    },
    isTty: !!k.opts.tty,
  };
}

/** Build /dev, /tmp and /proc; returns the character devices behind fds 0, 1 and 2. */
export function buildFilesystem(k: KernelServices): CharDevNode[] {
  const v = k.vfs;
  const tty = !!k.opts.tty;
  const sink = (f?: (d: Uint8Array) => unknown): CharDevice => ({
    read: () => "eof",
    write: (d) => {
      // A host sink may answer -EPIPE when its reader is gone (the write then raises SIGPIPE). Other answers mean
      // "taken" (collectors are often `(d) => chunks.push(d)`, whose count is not a byte count).
      const r = f?.(d.slice());
      return typeof r === "number" && r < 0 ? r : d.length;
    },
    isTty: tty,
  });
  const devDir = v.mkdirp("/dev");
  devDir.entries.clear();
  const mk = (name: string, rdev: number, d: CharDevice) => devDir.linkEntry(name, new CharDevNode(0o666, rdev, d));
  mk("null", dev(1, 3), { read: () => "eof", write: (d) => d.length });
  mk("zero", dev(1, 5), { read: (n) => new Uint8Array(n), write: (d) => d.length });
  const urandom: CharDevice = { read: (n) => k.rng.bytes(n), write: (d) => d.length };
  mk("urandom", dev(1, 9), urandom);
  mk("random", dev(1, 8), urandom);
  // The host's stdio appear as pipes (S_IFIFO 0600, as the oracle recordings had them), or as a pty with `tty`.
  const mkStd = (d: CharDevice) => (tty ? new CharDevNode(0o620, dev(136, 0), d) : new CharDevNode(0o600, 0, d, S_IFIFO));
  const stdio = [mkStd(stdinDevice(k)), mkStd(sink(k.opts.stdout)), mkStd(sink(k.opts.stderr))];
  for (const n of stdio) n.dev = PIPEFS_DEV;
  devDir.linkEntry("stdin", new SymlinkNode("/proc/self/fd/0"));
  devDir.linkEntry("stdout", new SymlinkNode("/proc/self/fd/1"));
  devDir.linkEntry("stderr", new SymlinkNode("/proc/self/fd/2"));
  devDir.linkEntry("fd", new SymlinkNode("/proc/self/fd"));
  // /dev/shm: a world-writable sticky tmpfs directory (shm_open, sem_open create their files here).
  const shm = new DirNode(0o1777, devDir, "shm");
  devDir.linkEntry("shm", shm);
  devDir.nlink++;
  // /etc/passwd and /etc/group naming the default credentials (id, whoami, getpwuid), unless the root has its own.
  const hostEtc = v.root.lookup("etc", { pid: 0 });
  const etc = hostEtc instanceof DirNode ? hostEtc : v.mkdirp("/etc");
  const uid = k.opts.uid ?? 0, gid = k.opts.gid ?? 0;
  const user = uid === 0 ? "root" : "user", group = gid === 0 ? "root" : "users";
  const addEtc = (name: string, lines: string[]) => {
    if (!etc.lookup(name, { pid: 0 })) etc.linkEntry(name, new FileNode(0o644, new TextEncoder().encode(lines.map((l) => l + "\n").join(""))));
  };
  addEtc("passwd", [
    ...(uid === 0 ? [] : ["root:x:0:0:root:/root:/bin/sh"]),
    `${user}:x:${uid}:${gid}:${user}:${uid === 0 ? "/root" : "/tmp"}:/bin/sh`,
  ]);
  addEtc("group", [...(gid === 0 ? [] : ["root:x:0:"]), `${group}:x:${gid}:`]);
  const tmp = v.mkdirp("/tmp");
  tmp.entries.clear();
  tmp.host = undefined;
  tmp.mode = 0o41777;
  const proc = v.mkdirp("/proc");
  proc.entries.clear();
  proc.host = undefined;
  const text = (s: string) => new TextEncoder().encode(s);
  const processes = k.tasks.processes;
  const procDir = (pid: number | "self"): DirNode => {
    const d = new DirNode(0o555, proc, String(pid));
    const who = (ctx: { pid: number }) => processes.get(pid === "self" ? ctx.pid : pid);
    d.entries.set("exe", new SymlinkNode((ctx) => who(ctx)?.exePath ?? ""));
    d.entries.set("maps", new GeneratedNode((ctx) => text(who(ctx)?.mm.formatMaps() ?? "")));
    d.entries.set("cmdline", new GeneratedNode((ctx) => text(k.cmdlines.get(who(ctx)?.pid ?? -1) ?? "")));
    d.entries.set("comm", new GeneratedNode((ctx) => text((who(ctx)?.comm ?? "") + "\n")));
    d.entries.set("cwd", new SymlinkNode((ctx) => {
      const p = who(ctx);
      return p ? v.pathOf(p.fs.cwd) : "";
    }));
    const fdDir = new DirNode(0o500, d, "fd");
    fdDir.dynamic = (name, ctx) => {
      const p = who(ctx);
      const f = p && /^\d+$/.test(name) ? p.files.file(Number(name)) : undefined;
      return f ? new SymlinkNode(f.path, f.node) : undefined;
    };
    fdDir.dynamicList = (ctx) => (who(ctx)?.files.openFds() ?? []).map(String);
    d.entries.set("fd", fdDir);
    return d;
  };
  proc.dynamic = (name, ctx) => {
    if (name === "self") return procDir(ctx.pid);
    if (/^\d+$/.test(name) && processes.has(Number(name))) return procDir(Number(name));
    return undefined;
  };
  proc.dynamicList = () => ["self", ...[...processes.keys()].map(String)];
  proc.linkEntry("meminfo", new GeneratedNode(() => text(`MemTotal:       ${k.memLimit >> 10} kB\nMemFree:        ${k.memLimit >> 10} kB\n`)));
  proc.linkEntry("cpuinfo", new GeneratedNode(() => text("processor\t: 0\n\n")));
  return stdio;
}
