/**
 * Records the busybox suite's expectations: every case of cases.ts run natively (x86-64) and under qemu-aarch64,
 * each in a fresh copy of the guest root (chroot, private /proc mount, uid/gid CREDENTIALS) so /etc/passwd,
 * /bin and /tmp are what uabi's `--root` gives the guest. Needs root (unshare -m, mount, chroot), the roots from
 * fetch.sh and Debian's qemu-user-static (a static qemu runs inside the chroot; fetched into the cache here).
 *
 *   bash scripts/suites/busybox/fetch.sh && node --import tsx scripts/suites/busybox/record.ts [--only name,...]
 *
 * Writes fixtures/suites/busybox/<isa>.json. Cases marked `reexec` take the native x86-64 result on arm64
 * (qemu-user cannot exec an arm64 binary without binfmt_misc), as do those marked `qemuDiffers`; the recorder
 * checks that qemu does differ on those and does not fail the others with an exec error, so the marks stay honest.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { join } from "node:path";
import { CASES, CREDENTIALS, ENV, TREE, type BusyboxCase } from "./cases.js";
import { CACHE, FIXTURES, REPO, busyboxVersion, caseArgv, fixturePath, latin1, rootDir, type Expected, type FixtureFile, type Isa } from "./common.js";

const argv = process.argv.slice(2);
const only = argv.includes("--only") ? new Set(argv[argv.indexOf("--only") + 1]!.split(",")) : undefined;
const QEMU = join(CACHE, "qemu-user-static/usr/bin/qemu-aarch64-static");

function ensureQemu(): void {
  if (existsSync(QEMU)) return;
  const r = spawnSync("bash", ["-c", `. scripts/suites/lib.sh && fetch_deb qemu-user-static "$CACHE/qemu-user-static"`], { cwd: REPO, stdio: "inherit" });
  if (r.status !== 0 || !existsSync(QEMU)) throw new Error("could not fetch qemu-user-static (a static qemu-aarch64 is needed inside the chroot)");
}

interface Raw {
  stdout: string;
  stderr: string;
  status: number;
}

/** One run in a throwaway copy of the root: unshare a mount namespace, mount /proc, chroot as CREDENTIALS. */
function runNative(isa: Isa, c: BusyboxCase): Raw {
  const dir = mkdtempSync("/tmp/uabi-bbsuite-");
  try {
    chmodSync(dir, 0o755); // the chroot runs as CREDENTIALS, not root
    cpSync(rootDir(isa), dir, { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(dir, "proc"));
    mkdirSync(join(dir, "tmp"));
    chmodSync(join(dir, "tmp"), 0o1777);
    const args = caseArgv(c, TREE);
    let cmd = args;
    if (isa === "aarch64") {
      copyFileSync(QEMU, join(dir, ".qemu-aarch64"));
      // -0: argv[0] as the applet name; the executable is /bin/busybox (what /proc/self/exe names in every run).
      cmd = ["/.qemu-aarch64", "-0", args[0]!, "/bin/busybox", ...args.slice(1)];
    }
    // /dev: the four devices uabi's VFS has, bound from the host, and the /proc/self/fd links.
    const dev = ["null", "zero", "urandom", "random"];
    mkdirSync(join(dir, "dev"));
    for (const d of dev) writeFileSync(join(dir, "dev", d), "");
    for (const [n, t] of [["fd", "/proc/self/fd"], ["stdin", "/proc/self/fd/0"], ["stdout", "/proc/self/fd/1"], ["stderr", "/proc/self/fd/2"]] as const) symlinkSync(t, join(dir, "dev", n));
    const binds = dev.map((d) => `mount --bind /dev/${d} "$R/dev/${d}"`).join(" && ");
    const script = `R="$1" && mount -t proc proc "$R/proc" && ${binds} && umask 022 && shift && exec env -i ${ENV.map((e) => `'${e}'`).join(" ")} chroot --userspec=${CREDENTIALS.uid}:${CREDENTIALS.gid} "$R" "$@"`;
    const r = spawnSync("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script, "record", dir, ...cmd], {
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      cwd: "/",
      input: Buffer.from(c.stdin ?? "", "latin1"),
      timeout: 30_000,
      maxBuffer: 64 << 20,
    });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return { stdout: latin1(r.stdout), stderr: "timed out", status: -1 };
    const status = r.status ?? 128 + (r.signal ? osConstants.signals[r.signal] : 127);
    return { stdout: latin1(r.stdout), stderr: r.stderr.toString(), status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  if (process.getuid?.() !== 0) {
    console.error("record.ts needs root (unshare -m, mount -t proc, chroot)");
    return 77;
  }
  for (const isa of ["x86_64", "aarch64"] as const) {
    if (!busyboxVersion(isa)) {
      console.error(`no busybox root for ${isa}: run scripts/suites/busybox/fetch.sh first`);
      return 77;
    }
  }
  ensureQemu();
  mkdirSync(FIXTURES, { recursive: true });
  const old = (isa: Isa): FixtureFile | undefined => (existsSync(fixturePath(isa)) ? (JSON.parse(readFileSync(fixturePath(isa), "utf8")) as FixtureFile) : undefined);
  const out: Record<Isa, FixtureFile> = {
    x86_64: { isa: "x86_64", busybox: busyboxVersion("x86_64")!, credentials: { ...CREDENTIALS }, cases: only ? { ...old("x86_64")?.cases } : {} },
    aarch64: { isa: "aarch64", busybox: busyboxVersion("aarch64")!, credentials: { ...CREDENTIALS }, cases: only ? { ...old("aarch64")?.cases } : {} },
  };
  const problems: string[] = [];
  const execFailure = /Exec format error|can't execute|not found/;
  for (const c of CASES) {
    if (only && !only.has(c.name)) continue;
    const args = caseArgv(c, TREE);
    const base = { argv: args, stdin: c.stdin ?? "" };
    const nat = runNative("x86_64", c);
    const emu = runNative("aarch64", c);
    out.x86_64.cases[c.name] = { ...base, stdout: nat.stdout, status: nat.status, oracle: "native" } satisfies Expected;
    const differs = emu.stdout !== nat.stdout || emu.status !== nat.status;
    if (c.reexec || c.qemuDiffers) {
      // find -exec reports nothing when its exec fails: a difference from native is the evidence.
      if (!differs) problems.push(`${c.name}: marked ${c.reexec ? "reexec" : "qemuDiffers"} but qemu-aarch64 gives the native output: drop the mark?`);
      out.aarch64.cases[c.name] = { ...base, stdout: nat.stdout, status: nat.status, oracle: "native-x86_64" };
    } else {
      if (execFailure.test(emu.stderr) && differs) problems.push(`${c.name}: qemu-aarch64 could not exec (${emu.stderr.trim().split("\n")[0]}): mark it reexec`);
      out.aarch64.cases[c.name] = { ...base, stdout: emu.stdout, status: emu.status, oracle: "qemu-aarch64" };
      if (differs) console.log(`note: ${c.name}: qemu-aarch64 and native differ (status ${emu.status} vs ${nat.status})`);
    }
    if (nat.status === -1 || (emu.status === -1 && !c.reexec)) problems.push(`${c.name}: timed out (native ${nat.status}, qemu ${emu.status})`);
    if (/^chroot: /m.test(nat.stderr)) problems.push(`${c.name}: the chroot failed: ${nat.stderr.trim()}`);
    console.log(`${c.name.padEnd(24)} native ${String(nat.status).padStart(3)} ${String(nat.stdout.length).padStart(6)} B   qemu ${String(emu.status).padStart(3)}${nat.stderr ? `   stderr: ${nat.stderr.trim().split("\n")[0]!.slice(0, 70)}` : ""}`);
  }
  for (const isa of ["x86_64", "aarch64"] as const) writeFileSync(fixturePath(isa), `${JSON.stringify(out[isa], null, 1)}\n`);
  for (const p of problems) console.error(`PROBLEM ${p}`);
  console.log(`recorded ${Object.keys(out.x86_64.cases).length} cases into ${FIXTURES}`);
  return problems.length ? 1 : 0;
}

process.exitCode = main();
