/**
 * The playground as a person uses it, in Debian's Chromium driven by playwright-core: load the built site from a
 * plain static server, run the tour and check it against `uabi demo --json`, inspect and download a vDSO and
 * check it against `uabi vdso build/inspect`, upload corpus binaries and check their output and exit status
 * against `uabi run`, stop a runaway guest. Screenshots go to docs/ (the README shows them).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoReport } from "@uabi/cli/core";
import { rowCells } from "../src/engine.js";
import { serve } from "./static-server.js";

const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = join(APP, "../..");
const DIST = join(APP, "dist");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CORPUS = join(ROOT, "fixtures/corpus/bin");
/** The worker bundle's budget (issue 18): gzipped bytes. */
const WORKER_BUDGET = 300 * 1024;

/** The CLI from its sources (the workspace's bin with UABI_FROM_SOURCE=1), so it is the same build as the page. */
function uabi(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "apps/uabi/bin/uabi.js"), ...args], {
    cwd, encoding: "utf8", input: "", env: { ...process.env, UABI_FROM_SOURCE: "1" },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let browser: BrowserContext;
let page: Page;
let site: { url: string; close: () => Promise<void> };
const errors: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`no built site in ${DIST}: run \`pnpm --filter playground build\` (test:e2e does)`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // Served one level up, at /dist/: the build's relative URLs must work below any path.
  site = await serve(APP);
  // A fresh profile each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "uabi-chromium-")), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1360, height: 900 }, acceptDownloads: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  await page.goto(`${site.url}dist/`);
  await page.waitForSelector("#worker-status[data-ready=true]");
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe("the built site", () => {
  it(`keeps the worker bundle under ${WORKER_BUDGET / 1024} KB gzipped and free of Node modules`, () => {
    const worker = readdirSync(join(DIST, "assets")).filter((f) => /^worker-.*\.js$/.test(f));
    expect(worker).toHaveLength(1);
    const code = readFileSync(join(DIST, "assets", worker[0]!));
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`worker bundle: ${(code.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
    expect(gz).toBeLessThan(WORKER_BUDGET);
    // Vite replaces a Node builtin it cannot bundle with a stub module of this name.
    expect(code.toString("latin1")).not.toMatch(/__vite-browser-external|from"node:|require\("node:/);
  });
});

describe("the tour", () => {
  it("shows the numbers of `uabi demo --json`, the text of `uabi demo`, and the path a clicked mechanism took", async () => {
    const cli = uabi(["demo", "--json"]);
    expect(cli.status, cli.stderr).toBe(0);
    const json = JSON.parse(cli.stdout) as DemoReport;
    const text = uabi(["demo"]).stdout;

    await page.click("button[data-tab=tour]");
    await page.click("#tour-run");
    await page.waitForSelector("#tour-status[data-state]", { timeout: 90_000 });
    expect(await page.textContent("#tour-status")).toMatch(/^\d+ runs in \d+ ms$/);
    const head = await page.$$eval("#tour-table thead th", (ths) => ths.map((t) => t.textContent));
    const cells = await page.$$eval("#tour-table tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(cells).toEqual(json.rows.map(rowCells));
    // Every column of the CLI's table, by name (formatDemo's header line).
    for (const h of head) expect(text).toContain(h!);
    // The whole text as `uabi demo` prints it, but for the last line (this run's duration).
    const pageText = await page.textContent("#tour-text");
    const body = (s: string) => s.replace(/\(\d+ runs in \d+ ms\)\n*$/, "");
    expect(body(pageText!)).toBe(body(text));
    // The walk-through: the CLI's lines, each PC disassembled by our own disassembler.
    const walk = await page.$$eval("#tour-walk tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
    expect(walk.map((w) => w[0])).toEqual(json.bounced!.lines);
    expect(walk[0]![1]).toMatch(json.bounced!.arch === "arm64" ? /svc\s+#0/ : /syscall/);
    expect(walk.filter((w) => w[0]!.includes("vDSO  ")).every((w) => /svc|syscall/.test(w[1]!))).toBe(true);

    await page.click("#tour-table tr[data-row='sud x86_64']");
    await page.waitForSelector("#tour-path[data-row='sud x86_64']");
    const sud = json.rows.find((r) => r.id === "sud" && r.arch === "x86_64")!;
    const pathText = await page.textContent("#tour-path");
    for (const s of sud.steps) if (s.marks.length) expect(pathText).toContain(s.marks.join(" "));
    expect(pathText).toContain("[sigsys]");
    await page.click("#tour-table tr[data-row='bounce arm64']");
    await page.waitForSelector("#tour-path[data-row='bounce arm64']");
    mkdirSync(join(APP, "docs"), { recursive: true });
    await page.screenshot({ path: join(APP, "docs/tour.png"), fullPage: false });
    expect(errors).toEqual([]);
  });
});

describe("the vDSO explorer", () => {
  it("prints `uabi vdso inspect` of the image `uabi vdso build` writes, and downloads the same bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uabi-vdso-"));
    expect(uabi(["vdso", "build", "--arch", "arm64", "--variant", "library", "-o", "libkernel-arm64.so"], dir).status).toBe(0);
    const inspect = uabi(["vdso", "inspect", "libkernel-arm64.so"], dir);
    expect(inspect.status).toBe(0);
    await page.click("button[data-tab=vdso]");
    await page.selectOption("#vdso-arch", "arm64");
    await page.selectOption("#vdso-variant", "library");
    await page.click("#vdso-show");
    await page.waitForSelector("#vdso-download:not([hidden])");
    expect(await page.textContent("#vdso-inspect")).toBe(inspect.stdout);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#vdso-download")]);
    expect(download.suggestedFilename()).toBe("libkernel-arm64.so");
    const saved = join(dir, "downloaded.so");
    await download.saveAs(saved);
    expect(readFileSync(saved).equals(readFileSync(join(dir, "libkernel-arm64.so")))).toBe(true);
  });
});

/** Choose a file, set the machine and arguments, run, and wait for the exit line. */
async function runUploaded(file: string, mode: string, args: string, stdin = ""): Promise<{ stdout: string; status: string; trace: string }> {
  await page.click("button[data-tab=run]");
  await page.setInputFiles("#run-file", file);
  await page.waitForFunction(() => document.querySelector<HTMLInputElement>("input[name=source][value=file]")!.checked);
  await page.selectOption("#run-mode", mode);
  await page.fill("#run-args", args);
  await page.fill("#run-stdin", stdin);
  await page.click("#run-start");
  await page.waitForSelector("#run-exit[data-status]", { timeout: 90_000 });
  return {
    stdout: await page.evaluate(() => (window as unknown as { playground: { stdout: () => string } }).playground.stdout()),
    status: (await page.getAttribute("#run-exit", "data-status"))!,
    trace: (await page.textContent("#run-trace"))!,
  };
}

describe("your own binary", () => {
  it("an uploaded x86-64 musl binary prints what `uabi run` prints and exits with its status (sud)", async () => {
    const dir = join(CORPUS, "x86_64-musl");
    const cli = uabi(["run", "--mode", "sud", "args-O2", "one", "two words"], dir);
    const got = await runUploaded(join(dir, "args-O2"), "sud", `one "two words"`);
    expect(got.stdout).toBe(cli.stdout);
    expect(got.status).toBe(String(cli.status));
    expect(cli.status).toBe(3);
    expect(got.trace).toMatch(/\[sigsys\]/);
    // The terminal shows it too (xterm's rows, as a person reads them).
    const rows = await page.$$eval("#terminal .xterm-rows > div", (ds) => ds.map((d) => d.textContent?.replace(/\s+$/, "") ?? ""));
    expect(rows.filter(Boolean)).toEqual(cli.stdout.trimEnd().split("\n"));
  });

  it("an uploaded arm64 glibc binary under bounce matches `uabi run`, with a marked trace and counters", async () => {
    const dir = join(CORPUS, "aarch64-glibc");
    const cli = uabi(["run", "--mode", "bounce", "hello-O2"], dir);
    const got = await runUploaded(join(dir, "hello-O2"), "bounce", "");
    expect(got.stdout).toBe(cli.stdout);
    expect(got.status).toBe(String(cli.status));
    expect(got.trace).toMatch(/\[bounce→(user|kernel)\]/);
    expect(await page.textContent("#run-counters")).toMatch(/modelled time/);
    await page.screenshot({ path: join(APP, "docs/run.png"), fullPage: false });
  });

  it("Stop ends a runaway guest and the page keeps working", async () => {
    await page.click("button[data-tab=run]");
    await page.check("input[name=source][value=builtin]");
    await page.selectOption("#run-builtin", "spin");
    await page.selectOption("#run-arch", "x86_64");
    await page.click("#run-start");
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>("#run-stop")!.disabled);
    await page.waitForTimeout(1500);
    // The page answers while the guest spins: the simulator is in its worker.
    expect(await page.evaluate(() => document.querySelector("#run-status")!.textContent)).toBe("running…");
    await page.click("#run-stop");
    await page.waitForSelector("#run-exit[data-status=stopped]");
    await page.waitForSelector("#worker-status[data-ready=true]");
    await page.selectOption("#run-builtin", "cat");
    await page.fill("#run-stdin", "after the stop\n");
    await page.click("#run-start");
    await page.waitForSelector("#run-exit[data-status='0']");
    expect(await page.evaluate(() => (window as unknown as { playground: { stdout: () => string } }).playground.stdout())).toBe("after the stop\n");
    expect(errors).toEqual([]);
  });
});
