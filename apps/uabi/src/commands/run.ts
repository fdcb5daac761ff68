/**
 * `uabi run [options] <elf> [args...]`: run a static Linux binary on the simulated machine. The guest's
 * stdout/stderr are ours; our exit status is the guest's (128+n when signal n killed it).
 * Exit 126: the file is not something uabi can run (dynamic, wrong class, not ELF, truncated); 127: no
 * such file; 2: usage error.
 */
import { existsSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError, type ParsedArgs } from "../args.js";
import { HostOutput, type Io } from "../cli.js";
import {
  CORES, DEFAULT_MODE, ExecError, FRAMES, LIBKERNELS, MECHANISMS, PERSONALITIES, Kernel, createKernel, execErrorLine,
  pick, type MachineConfig,
} from "../machine.js";
import { formatNs } from "../format.js";
import { loadProfile } from "../profile-file.js";
import { statsReport } from "../stats.js";
import { DEFAULT_PROFILE, LayeredHostFs, parseElfForExec, type CostProfile, type HostFs, type RunResult } from "@uabi/kernel";
import { NodeHostFs } from "@uabi/kernel/node";
import { attachStrace, straceOptions } from "../strace.js";
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { reportJson } from "../report-json.js";
import { cachedVdsoOption } from "../vdso-cache.js";
import type { StatsReport } from "../stats.js";

export { formatNs, statsReport };
export type { StatsReport } from "../stats.js";

/** `--mem-limit 256M`: bytes with an optional K/M/G suffix (powers of 1024). */
export function parseSize(text: string, option = "mem-limit"): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--${option} expects a size like 268435456, 256M or 1G (got '${text}')`);
  const n = Math.floor(Number(m[1]) * 1024 ** " kmg".indexOf((m[2] || " ").toLowerCase()));
  if (!(n >= 1 << 20)) throw new UsageError(`--${option} must be at least 1M (got '${text}')`);
  return n;
}

/**
 * The guest's stdout/stderr on the host's fd: written synchronously (a full host pipe stops the simulation until
 * its reader takes the bytes, so nothing piles up inside Node), and -EPIPE when the reader has gone (the guest gets
 * EPIPE and SIGPIPE, as `yes | head -c1` does). Any other writer (tests, collectors) is called as it is.
 */
function hostSink(w: Io["stdout"], fd: 1 | 2): (b: Uint8Array) => number | void {
  // The CLI's own fd writer, checked first: comparing with process.stdout would make the stream (see HostOutput).
  const host = w instanceof HostOutput ? w.fd === fd : w === (fd === 1 ? process.stdout : process.stderr);
  if (!host) return (b) => void w.write(b);
  return (b) => {
    let off = 0;
    while (off < b.length) {
      try {
        off += writeSync(fd, b, off, b.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // non-blocking pipe: wait for room
        else if (code === "EPIPE") return off > 0 ? off : -32; // -EPIPE (after a partial write, the next write gets it)
        else throw e;
      }
    }
    return off;
  };
}

/** `--env K=V`, repeatable; the guest environment is exactly these (nothing inherited: runs are reproducible). */
export function parseEnv(list: readonly (string | number)[]): string[] {
  return list.map((e) => {
    const s = String(e);
    if (!/^[^=]+=/.test(s)) throw new UsageError(`--env expects NAME=VALUE (got '${s}')`);
    return s;
  });
}

export function machineConfig(args: ParsedArgs): MachineConfig {
  return {
    mode: pick("mode", args.str("mode"), MECHANISMS) ?? DEFAULT_MODE,
    frame: pick("frame", args.str("frame"), FRAMES),
    libkernel: pick("libkernel", args.str("libkernel"), LIBKERNELS),
    personality: pick("personality", args.str("personality"), PERSONALITIES),
    core: pick("core", args.str("core"), CORES),
  };
}

/** Host stdin as a pull source: read when the guest reads, null at EOF. */
function hostStdin(): Uint8Array | null {
  const buf = Buffer.alloc(65536);
  for (;;) {
    try {
      const n = readSync(0, buf, 0, buf.length, null);
      return n === 0 ? null : new Uint8Array(buf.subarray(0, n));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // non-blocking stdin: wait for data
        continue;
      }
      return null; // closed or unreadable stdin reads as EOF
    }
  }
}

/** Where a dynamic program's interpreter and libraries come from when neither --sysroot nor UABI_SYSROOT says. */
export const DEFAULT_SYSROOTS: Readonly<Record<string, { dir: string; when: () => boolean }>> = {
  // Debian's libc6-arm64-cross (what qemu-aarch64 -L uses).
  arm64: { dir: "/usr/aarch64-linux-gnu", when: () => existsSync("/usr/aarch64-linux-gnu") },
  // The host's own libraries, when the host runs x86-64 programs itself.
  x86_64: { dir: "/", when: () => process.arch === "x64" },
};

/**
 * The sysroot for a run: --sysroot, else $UABI_SYSROOT, else (only for a program with PT_INTERP) the
 * default of its ISA. Undefined: none (a dynamic program then finds its interpreter in --root or not at all).
 */
export function chooseSysroot(explicit: string | undefined, env: NodeJS.ProcessEnv, elf: Uint8Array): string | undefined {
  if (explicit !== undefined) return explicit;
  if (env.UABI_SYSROOT) return env.UABI_SYSROOT;
  let dynamic = false;
  let arch: string | undefined;
  try {
    dynamic = parseElfForExec(elf).interpreter !== undefined;
    arch = Kernel.archOf(elf);
  } catch {
    return undefined; // spawn reports the bad image
  }
  const d = dynamic && arch ? DEFAULT_SYSROOTS[arch] : undefined;
  return d?.when() ? d.dir : undefined;
}

/** The root filesystem: the sysroot laid over --root (either may be absent). */
function rootFs(root: string | undefined, sysroot: string | undefined): HostFs | undefined {
  for (const [opt, dir] of [["--root", root], ["--sysroot", sysroot]] as const) {
    if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) throw new UsageError(`${opt} ${dir} is not a directory`);
  }
  const layers = [sysroot, root].filter((d): d is string => d !== undefined).map((d) => new NodeHostFs(d));
  if (layers.length === 0) return undefined;
  return layers.length === 1 ? layers[0] : new LayeredHostFs(layers);
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const [file, ...guestArgs] = args.positionals as [string, ...string[]];
  const config = machineConfig(args);
  const maxInsns = args.num("max-insns");
  if (maxInsns !== undefined && !(Number.isInteger(maxInsns) && maxInsns > 0)) throw new UsageError(`--max-insns must be a positive integer (got ${maxInsns})`);
  const memLimit = args.str("mem-limit") !== undefined ? parseSize(args.str("mem-limit")!) : undefined;
  const memBudget = args.str("mem-budget") !== undefined ? parseSize(args.str("mem-budget")!, "mem-budget") : undefined;
  const tmpfsSize = args.str("tmpfs-size") !== undefined ? parseSize(args.str("tmpfs-size")!, "tmpfs-size") : undefined;
  const maxTasks = args.num("max-tasks");
  if (maxTasks !== undefined && !(Number.isInteger(maxTasks) && maxTasks > 0)) throw new UsageError(`--max-tasks must be a positive integer (got ${maxTasks})`);
  const env = parseEnv(args.list("env"));
  if (args.bool("json") && !args.bool("stats")) throw new UsageError("--json goes with --stats");
  if (args.has("stats-file") && !args.bool("stats")) throw new UsageError("--stats-file goes with --stats");
  if (args.has("profile") && !args.bool("stats")) throw new UsageError("--profile goes with --stats");
  const profile = loadProfile(args.str("profile"));

  let elf: Uint8Array;
  try {
    // execve gives EACCES for anything but a regular file: never read /dev/zero forever or hang on a FIFO.
    if (existsSync(file) && !statSync(file).isFile() && !statSync(file).isDirectory()) {
      io.stderr.write(`uabi: ${file}: permission denied (not a regular file)\n`);
      return 126;
    }
    elf = new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.stderr.write(`uabi: ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : `cannot read (${code ?? String(e)})`}\n`);
    return code === "ENOENT" ? 127 : 126;
  }

  const sysroot = chooseSysroot(args.str("sysroot"), process.env, elf);
  const root = rootFs(args.str("root"), sysroot);
  const strace = straceOptions(args);
  let trace: ReturnType<typeof attachStrace> | undefined;
  let traceFd: number | undefined;
  const warned = new Set<string>();
  const kernel = createKernel(config, {
    stdout: hostSink(io.stdout, 1),
    stderr: hostSink(io.stderr, 2),
    stdin: io.stdin ?? hostStdin,
    ...(root ? { root } : {}),
    ...(maxInsns !== undefined ? { maxInstructions: maxInsns } : {}),
    ...(memLimit !== undefined ? { memLimit } : {}),
    ...(memBudget !== undefined ? { memBudget } : {}),
    ...(maxTasks !== undefined ? { maxTasks } : {}),
    ...(tmpfsSize !== undefined ? { tmpfsSize } : {}),
    ...(args.num("uid") !== undefined ? { uid: args.num("uid")! >>> 0 } : {}),
    ...(args.num("gid") !== undefined ? { gid: args.num("gid")! >>> 0 } : {}),
    // The generated vDSO images from the per-build cache (src/vdso-cache.ts): the same images, without the
    // generation at every start.
    vdso: cachedVdsoOption(config.personality === "fakeroot"),
    // --pin: OpenBSD-style pinned syscall sites (packages/kernel/src/entry/pin.ts).
    ...(args.bool("pin") ? { pinSyscalls: true } : {}),
    ...(strace.enabled ? { trace: (l: string) => trace!.line(l) } : {}),
    onMissingSyscall: (arch, nr, name) => {
      const key = `${arch}:${nr}`;
      if (!warned.has(key)) io.stderr.write(`uabi: warning: syscall ${name ?? "#" + nr} (${arch} ${nr}) is not implemented; the guest got ENOSYS\n`);
      warned.add(key);
    },
  });
  if (strace.enabled) {
    // strace -o: the file is created (truncated) before the program runs, as strace does.
    let fd: number | undefined;
    try {
      if (strace.output !== undefined) fd = openSync(strace.output, "w");
    } catch (e) {
      throw new UsageError(`-o ${strace.output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    trace = attachStrace(kernel, Kernel.archOf(elf), strace, fd !== undefined ? (t) => writeSync(fd, t) : (t) => io.stderr.write(t), profile);
    if (fd !== undefined) traceFd = fd;
    kernel.syscallObservers.push(trace.trace.event);
    // A call libkernel answered in userspace returns to its caller with no kernel entry on x86-64 (and a
    // SIGSYS reflection through its sigreturn), so no syscall event carries its result: the kernel reports
    // it when the thread leaves the vDSO. Replayed as the "[return]" event arm64's return-only entry
    // gives (result in the first argument), which completes the pending line instead of printing `?`.
    kernel.reflectionReturnObservers.push((ev) => trace!.trace.event({ ...ev, mark: "return", args: [BigInt(ev.result ?? 0)], path: [] }));
  }

  try {
    kernel.spawn(elf, { argv: [file, ...guestArgs], env, ...(args.str("cwd") !== undefined ? { cwd: args.str("cwd")! } : {}) });
  } catch (e) {
    if (e instanceof ExecError && e.kind === "no-interpreter") {
      // execve's ENOENT for a missing PT_INTERP: say which host path was looked up (the shell's 127).
      const where = [sysroot, args.str("root")].filter((d): d is string => d !== undefined).map((d) => join(d, e.interpreter ?? ""));
      io.stderr.write(`uabi: ${file}: interpreter ${e.interpreter} not found (looked up ${where.length ? where.join(", ") : "in the in-memory root; give --sysroot"})\n`);
      return 127;
    }
    if (e instanceof ExecError) {
      io.stderr.write(`uabi: ${execErrorLine(file, e)}\n`);
      return 126;
    }
    if (e instanceof Error && e.name === "KernelUsageError") throw new UsageError(e.message);
    throw e;
  }
  trace?.exec(file, [file, ...guestArgs], env.length);
  const arch = Kernel.archOf(elf);
  const result = kernel.run();
  trace?.end();
  if (traceFd !== undefined) closeSync(traceFd);
  if (result.reason === "budget") io.stderr.write(`uabi: instruction budget exhausted (--max-insns ${maxInsns ?? "default"}); the guest was killed\n`);
  if (result.reason === "deadlock") io.stderr.write("uabi: every guest thread is blocked forever (deadlock); the guest was killed\n");
  if (args.bool("stats")) {
    // The JSON report goes to stdout (after the guest's own output: the guest has exited) or --stats-file,
    // never into the guest's stderr; the table is for people and stays on stderr unless --stats-file.
    const text = args.bool("json") ? reportJson(cliStats(statsReport(config, arch, result, profile)), 0) : formatStats(config, arch, result, profile);
    const file = args.str("stats-file");
    if (file !== undefined) writeFileSync(file, text);
    else if (args.bool("json")) io.stdout.write(text);
    else io.stderr.write(text);
  }
  return result.exitStatus;
}

/**
 * The CLI's JSON names for StatsReport: its `syscalls` counts kernel syscall entries (a call libkernel
 * re-issues from the vDSO, and a SIGSYS handler's rt_sigreturn, count too), so the report says so.
 */
export function cliStats(rep: StatsReport): Omit<StatsReport, "syscalls" | "syscallsByName"> & { syscallEntries: number; syscallEntriesByName: Record<string, number> } {
  const { syscalls, syscallsByName, ...rest } = rep;
  return { ...rest, syscallEntries: syscalls, syscallEntriesByName: syscallsByName };
}

function formatStats(config: MachineConfig, arch: string, r: RunResult, profile: CostProfile): string {
  const rep = statsReport(config, arch, r, profile);
  const top = Object.entries(rep.syscallsByName).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, c]) => `${n} ${c}`).join(", ");
  const rows: [string, string][] = [
    ["machine", `${arch}, ${rep.config}`],
    ["exit", `${rep.exitStatus} (${rep.reason})`],
    ["instructions", String(rep.instructions)],
    ["syscall entries", `${rep.syscalls}${top ? `  (${top})` : ""}`],
    ...Object.entries(rep.counters).filter(([k, v]) => v !== 0 || k === "kernelEntries").map(([k, v]) => [k, String(v)] as [string, string]),
    ["signal frames", rep.signalFrameBytes.length ? rep.signalFrameBytes.join(", ") + " bytes" : "none"],
    ["context switches", String(rep.contextSwitches)],
    ["modelled time", `${formatNs(rep.modelledNs)} (cost profile ${profile === DEFAULT_PROFILE ? "default, from the committed calibrate run" : `'${profile.name}'`})`],
  ];
  if (rep.missingSyscalls.length) rows.push(["missing syscalls", rep.missingSyscalls.join(", ")]);
  return `uabi: stats\n${rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`).join("\n")}\n`;
}
