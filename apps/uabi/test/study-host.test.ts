/**
 * `uabi study --host`: the committed native run (fixtures/study/host/) has the shape the README quotes, every
 * workload behaved under SUD, seccomp and ptrace exactly as under the loader alone (and as under the kernel's own
 * execve), and its figures are what hostFigures computes from its samples. On an x86-64 Linux host with a C
 * compiler, the reflector is also built and run live on a few programs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allWorkloads, formatHost, hostUnavailable, parseReflectorOutput, selectWorkloads, STUDY_SCHEMA_VERSION, type StudyReport } from "../src/study/index.js";
import { hostFigures, median, runNative } from "../src/study/host.js";
import { spawnSync } from "node:child_process";
import { main, type Io } from "../src/cli.js";

const DIR = fileURLToPath(new URL("../../../fixtures/study/host/", import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

describe("uabi study --host: the committed run", () => {
  it("there is one, named by machine and date", () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^x86_64-[a-z0-9.-]+-\d{4}-\d{2}-\d{2}\.json$/);
  });
  for (const f of files) {
    const rep = JSON.parse(readFileSync(join(DIR, f), "utf8")) as StudyReport;
    const figs = rep.host.measured;
    const ws = [...new Set(figs.map((x) => x.workload))];
    const get = (w: string, m: string) => figs.find((x) => x.workload === w && x.mechanism === m);

    it(`${f}: shape — machine, rounds, every mechanism for every workload, ≥ 10 real workloads over 2 ms`, () => {
      expect(rep.schemaVersion).toBe(STUDY_SCHEMA_VERSION);
      expect(rep.host.machine?.kernel).toMatch(/^Linux .* x86_64$/);
      expect(rep.host.rounds).toBeGreaterThanOrEqual(5);
      for (const w of ws) {
        for (const m of ["direct", "exec", "sud", "seccomp", "ptrace"]) {
          const x = get(w, m);
          expect(x, `${w} ${m}`).toBeDefined();
          expect(x!.runs).toBe(rep.host.rounds);
          expect(x!.samplesNs).toHaveLength(x!.runs);
          expect(x!.medianNs).toBe(Math.round(median(x!.samplesNs)));
        }
      }
      const long = ws.filter((w) => (get(w, "direct")?.medianNs ?? 0) >= 2e6 && !/hello|signals|threads|fault/.test(w));
      expect(long.length).toBeGreaterThanOrEqual(10);
      // The modelled side is the study's own cells of the same run.
      for (const x of figs.filter((y) => y.mechanism !== "exec")) {
        const cell = rep.cells.find((c) => c.workload === x.workload && c.config === x.mechanism);
        expect(cell, `${x.workload} ${x.mechanism}`).toBeDefined();
        expect(x.modelledNs).toBe(Math.round(cell!.cost.modelledNs));
      }
    });

    it(`${f}: the reflector did not change behaviour — stdout, stderr and exit status as direct, and as execve`, () => {
      for (const x of figs) expect(x.sameAsDirect, `${x.workload} under ${x.mechanism}`).toBe(true);
      for (const w of ws) {
        const statuses = new Set(figs.filter((x) => x.workload === w).map((x) => x.status));
        expect([...statuses], w).toHaveLength(1);
      }
      // …and the simulation agrees with the host on the exit status of every workload.
      for (const w of ws) {
        const cell = rep.cells.find((c) => c.workload === w && c.config === "direct")!;
        const st = get(w, "direct")!.status;
        expect(st.startsWith("exit:") ? Number(st.slice(5)) : 128 + Number(st.slice(7)), w).toBe(cell.exitStatus);
      }
    });

    it(`${f}: every call reflected — SUD and seccomp count the same calls, ptrace stops twice for each`, () => {
      for (const w of ws) {
        const sud = get(w, "sud")!, sec = get(w, "seccomp")!.nativeCalls!, pt = get(w, "ptrace")!.nativeCalls!;
        expect(sud.nativeCalls, w).toBeGreaterThan(0);
        // Threads may add a call or two (a futex wait that races); otherwise the counts are equal.
        expect(Math.abs(sud.nativeCalls! - sec), w).toBeLessThanOrEqual(w.includes("threads") ? 4 : 0);
        // ptrace: exit_group has an entry stop only (½); under SUD/seccomp glibc's clone3 is refused then retried as
        // clone, one more call per thread.
        if (!sud.flags.includes("clone3-enosys")) expect(Math.abs(sud.nativeCalls! - pt), w).toBeLessThanOrEqual(1);
      }
    });

    it(`${f}: predicted ÷ measured is the modelled over the measured added time, null only with a reason`, () => {
      for (const x of figs.filter((y) => ["sud", "seccomp", "ptrace"].includes(y.mechanism))) {
        const d = get(x.workload, "direct")!;
        expect(x.measuredOverheadNs).toBe(Math.round(median(x.samplesNs) - median(d.samplesNs)));
        if (x.predictedOverMeasured === null) expect(x.note, `${x.workload} ${x.mechanism}`).not.toBe("");
        else expect(x.predictedOverMeasured).toBeCloseTo(x.predictedOverheadNs! / x.measuredOverheadNs!, 1);
      }
      const text = formatHost(figs).join("\n");
      for (const w of ws) expect(text).toContain(w);
    });
  }
});

describe("uabi study --host: parsing and joining", () => {
  const out = [
    "stub 0x7b0000000", "rounds 2",
    "run 0 0 direct ns=3000000 status=exit:0 out=3:aa err=0:bb calls=0 stops=0 same=1 flags=0",
    "run 0 0 sud ns=4000000 status=exit:0 out=3:aa err=0:bb calls=10 stops=0 same=1 flags=4",
    "run 1 0 direct ns=3100000 status=exit:0 out=3:aa err=0:bb calls=0 stops=0 same=1 flags=0",
    "run 1 0 sud ns=4200000 status=exit:0 out=3:aa err=0:bb calls=10 stops=0 same=0 flags=0",
  ].join("\n");
  it("parses the reflector's lines and flags", () => {
    const p = parseReflectorOutput(out);
    expect(p.stub).toBe("0x7b0000000");
    expect(p.sched).toBe("");
    expect(p.runs).toHaveLength(4);
    expect(p.runs[1]).toMatchObject({ mechanism: "sud", ns: 4e6, calls: 10, flags: ["clone-new-stack"], same: true });
    expect(p.runs[3]!.same).toBe(false);
  });
  it("joins with the modelled cells: added times, their ratio, and a differing run marks the figure", () => {
    const [w] = selectWorkloads("corpus:x86_64-glibc/hello-O2", allWorkloads());
    const figs = hostFigures([w!], { machine: { cpu: "", cpus: 1, kernel: "", date: "", loadavg: { before: "", after: "" }, sched: "fifo" }, rounds: 2, durationMs: 0, runs: parseReflectorOutput(out).runs },
      (_id, cfg) => ({ modelledNs: cfg === "direct" ? 1e6 : 1.5e6, calls: 9 }));
    const sud = figs.find((f) => f.mechanism === "sud")!;
    expect(sud.measuredOverheadNs).toBe(4.1e6 - 3.05e6);
    expect(sud.predictedOverheadNs).toBe(5e5);
    expect(sud.sameAsDirect).toBe(false);
    expect(sud.nativeCalls).toBe(10);
  });
});

const cc = spawnSync("cc", ["--version"]).status === 0;
describe.runIf(hostUnavailable() === null && cc)("uabi study --host: the reflector on this host", () => {
  it("runs signals, threads, a fault and hello natively under every mechanism with identical outputs", () => {
    const ws = selectWorkloads("x86_64-glibc/hello-O2,x86_64-glibc/signals-O2,x86_64-glibc/threads-O2,x86_64-glibc/fault-O2,x86_64-musl/signals-O2", allWorkloads());
    expect(ws).toHaveLength(5);
    const r = runNative(ws, { rounds: 1 });
    expect(r.runs).toHaveLength(5 * 5);
    for (const run of r.runs) {
      expect(run.same, `${ws[run.workload]!.id} ${run.mechanism}`).toBe(true);
      expect(run.flags).not.toContain("setup-failed");
    }
    const fault = r.runs.filter((x) => ws[x.workload]!.id.includes("fault"));
    for (const x of fault) expect(x.status).toBe("signal:11");
    // glibc's pthread_create under SUD/seccomp: clone3 refused, clone with a new stack through the trampoline.
    const thr = r.runs.find((x) => ws[x.workload]!.id.includes("threads") && x.mechanism === "sud")!;
    expect(thr.flags).toEqual(expect.arrayContaining(["clone3-enosys", "clone-new-stack"]));
  }, 120_000);
});

describe("uabi study --host: the command line", () => {
  const run = async (...argv: string[]) => {
    let out = "", err = "";
    const dec = (d: string | Uint8Array) => (typeof d === "string" ? d : new TextDecoder().decode(d));
    const io: Io = { stdout: { write: (d) => void (out += dec(d)) }, stderr: { write: (d) => void (err += dec(d)) }, stdin: new Uint8Array() };
    return { code: await main(argv, io), out, err };
  };
  it("--rounds and --cc belong to --host; --rounds must be a positive integer", async () => {
    expect((await run("study", "--rounds", "3")).code).toBe(2);
    expect((await run("study", "--cc", "gcc")).err).toContain("--host");
    expect((await run("study", "--host", "--rounds", "0")).err).toContain("--rounds");
  });
  it.runIf(hostUnavailable() === null && cc)("runs a program natively and prints the host table", async () => {
    const r = await run("study", "--host", "--workloads", "x86_64-musl/hello-O2", "--rounds", "2");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Host, measured");
    expect(r.out).toMatch(/corpus:x86_64-musl\/hello-O2 +\d+\.\d\d +\d+\.\d\d +\d+\/\d+/);
    expect(r.out).toContain("identical to the direct run");
  }, 120_000);
});
