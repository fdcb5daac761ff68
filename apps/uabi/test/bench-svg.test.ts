/** `uabi bench --svg`: the chart from a fixed report (no timing), and the duration format it uses. */
import { describe, expect, it } from "vitest";
import { benchSvg, formatBench, formatDuration, type BenchReport } from "../src/commands/bench.js";

const row = (mechanism: string, arch: "arm64" | "x86_64", modelled: number, measured: number | null, perSecond: number) => ({
  mechanism, config: `--mode ${mechanism}`, arch, calls: 20_000, seconds: 20_000 / perSecond, oneCallSeconds: 0.001, perSecond, kernelEntriesPerCall: 1, modelledNsPerCall: modelled, measuredNsPerCall: measured,
});

const REPORT: BenchReport = {
  date: "2026-12-01T23:16:00.000Z", core: "jit", quick: false, host: { cpu: "Test CPU", cpus: 2, node: "v20.20.2", platform: "linux x64", speedCheckMs: [41, 40, 42, 41] },
  mips: [
    { arch: "arm64", binary: "b", instructions: 128_794_688, seconds: 2.17, mips: 59.4, complete: true, others: [{ runner: "qemu-aarch64", seconds: 0.096, ratio: 22.6 }] },
    { arch: "x86_64", binary: "b", instructions: 161_525_780, seconds: 4.15, mips: 38.9, complete: true, others: [{ runner: "native", seconds: 0.023, ratio: 178 }] },
  ],
  syscalls: [row("direct", "arm64", 84.1, 84.3, 106_000), row("seccomp", "x86_64", 1264.2, 1270.9, 21_000), row("ptrace", "arm64", 42_061, 5250, 176_000)],
  measuredBy: { run: "fixtures/calibrate/run.txt", machine: "m", date: "2026-12-01" }, unsupported: [], runHello: [], durationMs: 14_000,
};

describe("uabi bench --svg", () => {
  it("formats durations in the unit that reads best", () => {
    expect([84.0, 84_001, 1_264.2, 42_061, 2.17e9, 667e6, 5].map(formatDuration)).toEqual(["84.0 ns", "84.0 µs", "1.26 µs", "42.1 µs", "2.17 s", "667 ms", "5.00 ns"]);
  });

  it("shows measured figures beside the modelled ones, with a legend and decade axes", () => {
    const svg = benchSvg(REPORT);
    expect(svg.startsWith("<svg")).toBe(true);
    // Measured guest speed and the ratios to qemu and native.
    for (const t of ["2.17 s · 59.4 MIPS", "96.0 ms · uabi 22.6× slower", "23.0 ms · uabi 178.0× slower"]) expect(svg).toContain(t);
    // Modelled cost, the Linux measurement, and the simulated rate; no raw nanosecond counts.
    for (const t of ["84.1 ns (Linux 84.3 ns) · 106.0 k calls/s", "1.26 µs (Linux 1.27 µs) · 21.0 k calls/s", "42.1 µs (Linux 5.25 µs) · 176.0 k calls/s"]) expect(svg).toContain(t);
    expect(svg).not.toMatch(/\d{4,} ns/);
    // The cost axis starts at the decade below the smallest figure (84.1 ns → 10 ns) and ends above the largest.
    const ticks = [...svg.matchAll(/text-anchor="middle" fill="#555">([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(expect.arrayContaining(["10 ns", "100 ns", "1 µs", "10 µs", "100 µs"]));
    expect(ticks).not.toContain("1 ns");
    // The speed axis: 23 ms → from 10 ms.
    expect(ticks).toContain("10 ms");
    for (const t of ["arm64 under uabi", "x86-64 under uabi", "other runners (qemu-user, native), measured", "the mechanism measured on Linux"]) expect(svg).toContain(t);
  });

  it("draws a --quick report (uabi only, no measured runners)", () => {
    const svg = benchSvg({ ...REPORT, quick: true, mips: REPORT.mips.map((m) => ({ ...m, others: [] })) });
    expect(svg).toContain("--quick");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });
});

describe("uabi bench's text report", () => {
  it("prints the host speed checks, and says so when the host's speed changed during the run", () => {
    const steady = formatBench(REPORT);
    expect(steady).toContain("Host speed check (a fixed loop before each section and at the end): 41, 40, 42, 41 ms\n");
    expect(steady).not.toContain("speed changed");
    const contended = formatBench({ ...REPORT, host: { ...REPORT.host, speedCheckMs: [41, 180, 42, 40] } });
    expect(contended).toContain("180, 42, 40 ms — the host's speed changed 4.5× during the run");
    expect(formatBench({ ...REPORT, quick: true, host: { ...REPORT.host, speedCheckMs: [] } })).not.toContain("Host speed check");
  });
});
