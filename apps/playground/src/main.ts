/**
 * The page: tabs, forms and rendering. The simulator lives in ./worker.ts; this file imports only its
 * types, so the page loads none of it, and Stop ends a runaway guest by terminating the worker.
 */
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import "./style.css";
import type { DemoReport, DemoRow } from "@uabi/cli/core";
import type { RunOutcome, Tour } from "./engine.js";
import type { Choices, Reply, Request } from "./protocol.js";
import { splitArgs } from "./args.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e as T;
};
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

// ------------------------------------------------------------------------------------------- worker

let worker: Worker;
let busy: "tour" | "run" | "vdso" | null = null;
const workerStatus = $("worker-status");

function startWorker(): void {
  workerStatus.dataset.ready = "false";
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (e: MessageEvent<Reply>) => onReply(e.data);
  worker.onerror = (e) => {
    workerStatus.textContent = `simulator error: ${e.message}`;
    finish(`error: ${e.message}`);
  };
}
function send(req: Request, what: NonNullable<typeof busy>): void {
  busy = what;
  worker.postMessage(req);
}

function onReply(m: Reply): void {
  switch (m.type) {
    case "ready":
      fillChoices(m.choices);
      workerStatus.textContent = "simulator ready";
      workerStatus.dataset.ready = "true";
      return;
    case "tour":
      renderTour(m.tour, m.ms);
      busy = null;
      return;
    case "out":
      stdoutChunks.push(m.bytes);
      term.write(m.bytes);
      return;
    case "trace":
      appendTrace(m.lines);
      return;
    case "exit":
      renderExit(m.outcome, m.ms);
      return;
    case "vdso":
      renderVdso(m.view);
      busy = null;
      return;
    case "error":
      finish(`error: ${m.message}`);
      return;
  }
}

/** End whatever was running with a message in its panel. */
function finish(message: string): void {
  if (busy === "tour") {
    $("tour-status").textContent = message;
    $("tour-status").dataset.state = "error";
    $<HTMLButtonElement>("tour-run").disabled = false;
  }
  if (busy === "run") {
    $("run-status").textContent = message;
    if (!$("run-exit").dataset.status) {
      $("run-exit").textContent = message;
      $("run-exit").dataset.status = "error";
    }
    setRunning(false);
  }
  if (busy === "vdso") $("vdso-inspect").textContent = message;
  busy = null;
}

// --------------------------------------------------------------------------------------------- tabs

for (const b of document.querySelectorAll<HTMLButtonElement>("button.tab")) {
  b.addEventListener("click", () => {
    for (const o of document.querySelectorAll<HTMLButtonElement>("button.tab")) {
      o.setAttribute("aria-selected", String(o === b));
      $(`tab-${o.dataset.tab}`).hidden = o !== b;
    }
    if (b.dataset.tab === "run") term.refresh(0, term.rows - 1);
  });
}

// --------------------------------------------------------------------------------------------- tour

$("tour-run").addEventListener("click", () => {
  if (busy) return;
  $("tour-status").textContent = "running the demo under every mechanism…";
  $("tour-status").removeAttribute("data-state");
  $<HTMLButtonElement>("tour-run").disabled = true;
  send({ type: "tour" }, "tour");
});

function renderTour(t: Tour, ms: number): void {
  const rep = t.report;
  $("tour-out").hidden = false;
  $<HTMLButtonElement>("tour-run").disabled = false;
  $("tour-status").textContent = `${rep.rows.length} runs in ${ms} ms`;
  $("tour-status").dataset.state = "done";
  const prog = $("tour-program");
  prog.replaceChildren(...rep.program.map((s) => el("li", `${s.id}: ${s.title}${s.arches.length < 2 ? ` (${s.arches.join(", ")} only)` : ""}`)));
  const table = $<HTMLTableElement>("tour-table");
  const thead = el("thead");
  const hr = el("tr");
  for (const h of t.head) hr.append(el("th", h));
  thead.append(hr);
  const tbody = el("tbody");
  for (const [i, r] of rep.rows.entries()) {
    const tr = el("tr");
    tr.dataset.row = `${r.id} ${r.arch}`;
    tr.tabIndex = 0;
    t.cells[i]!.forEach((c, i) => tr.append(el("td", c, i >= 2 && i <= 7 ? "num" : undefined)));
    const pick = () => showPath(rep, r, t.cells[i]![6]!, tr);
    tr.addEventListener("click", pick);
    tr.addEventListener("keydown", (e) => e.key === "Enter" && pick());
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
  $("tour-note").textContent = `modelled: cost profile '${rep.profile}'; × direct: modelled time ÷ the direct row of the same ISA. Measured: ${rep.host.machine}; ${rep.host.source}.`;
  const walk = $<HTMLTableElement>("tour-walk");
  $("tour-walk-title").textContent = rep.bounced ? `One bounced syscall (${rep.bounced.arch}, ${rep.bounced.config}): the pass-through write` : "One bounced syscall: none (no bounce in this kernel)";
  walk.replaceChildren(...t.walk.map((w) => {
    const tr = el("tr");
    tr.append(el("td", w.text), el("td", w.disasm, "disasm"));
    return tr;
  }));
  $("tour-broke").replaceChildren(...rep.broke.map((b) => el("li", b)));
  $("tour-text").textContent = t.text;
  const first = tbody.querySelector<HTMLTableRowElement>("tr[data-row^='bounce ']");
  const firstRow = rep.rows.find((r) => r.mechanism === "bounce");
  if (first && firstRow) showPath(rep, firstRow, t.cells[rep.rows.indexOf(firstRow)]![6]!, first);
}

/** The path each step's calls took under one row's mechanism, and every kernel entry with its PC. */
function showPath(rep: DemoReport, r: DemoRow, modelled: string, tr: HTMLTableRowElement): void {
  for (const o of tr.parentElement!.children) o.classList.toggle("selected", o === tr);
  const card = $("tour-path");
  card.hidden = false;
  const steps = el("table");
  steps.className = "mono";
  for (const s of rep.program) {
    const st = r.steps.find((x) => x.id === s.id);
    if (!st) continue;
    const row = el("tr");
    row.append(el("td", s.id), el("td", st.marks.length ? st.marks.join(" ") : "— (no kernel entry)"), el("td", `${st.kernelEntries} entr${st.kernelEntries === 1 ? "y" : "ies"}`));
    steps.append(row);
  }
  const events = el("table");
  events.className = "mono";
  const eh = el("tr");
  for (const h of ["call", "pc after the syscall insn", "from", "path", "result"]) eh.append(el("th", h));
  events.append(eh);
  for (const e of r.events) {
    const row = el("tr");
    row.append(el("td", e.name), el("td", e.pc), el("td", e.where), el("td", e.mark), el("td", e.result === null ? "?" : String(e.result)));
    events.append(row);
  }
  card.replaceChildren(
    el("h3", `${r.id} on ${r.arch}${r.config ? ` (${r.config})` : ""}: ${r.counters.kernelEntries} kernel entries, ${modelled} modelled`),
    el("h4", "Paths taken, per step (one mark per kernel entry)"), steps,
    el("h4", "Every kernel entry, in order"), events,
  );
  card.dataset.row = `${r.id} ${r.arch}`;
}

// ---------------------------------------------------------------------------------------------- run

const term = new Terminal({ convertEol: true, rows: 14, cols: 100, fontSize: 13, disableStdin: true, scrollback: 5000 });
term.open($("terminal"));
let stdoutChunks: Uint8Array[] = [];
let dropped: { name: string; bytes: Uint8Array } | null = null;

function fillChoices(c: Choices): void {
  const opts = (sel: HTMLSelectElement, list: readonly { name: string; summary: string }[], def?: string) => {
    sel.replaceChildren(...list.map((m) => {
      const o = el("option", m.name);
      o.value = m.name;
      o.title = m.summary;
      o.selected = m.name === def;
      return o;
    }));
  };
  opts($("run-mode"), c.mechanisms, c.defaultMode);
  opts($("run-frame"), c.frames);
  opts($("run-personality"), c.personalities);
  const help = () => {
    const m = c.mechanisms.find((x) => x.name === $<HTMLSelectElement>("run-mode").value);
    $("run-mode-help").textContent = m ? `${m.name}: ${m.summary}` : "";
  };
  $("run-mode").addEventListener("change", help);
  help();
  $<HTMLSelectElement>("run-builtin").replaceChildren(...c.builtins.map((b) => {
    const o = el("option", b.title);
    o.value = b.id;
    return o;
  }));
}

const sourceIs = (v: string) => document.querySelector<HTMLInputElement>(`input[name=source][value=${v}]`)!;

async function takeFile(f: File): Promise<void> {
  dropped = { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
  sourceIs("file").checked = true;
  $("run-drop").textContent = `${f.name} (${dropped.bytes.length} bytes)`;
}
$<HTMLInputElement>("run-file").addEventListener("change", (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void takeFile(f);
});
const drop = $("run-drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const f = e.dataTransfer?.files[0];
  if (f) void takeFile(f);
});

function setRunning(on: boolean): void {
  $<HTMLButtonElement>("run-start").disabled = on;
  $<HTMLButtonElement>("run-stop").disabled = !on;
}

$("run-start").addEventListener("click", () => {
  if (busy) return;
  const useFile = sourceIs("file").checked;
  if (useFile && !dropped) {
    $("run-status").textContent = "choose or drop a file first";
    return;
  }
  let args: string[];
  try {
    args = splitArgs($<HTMLInputElement>("run-args").value);
  } catch (e) {
    $("run-status").textContent = e instanceof Error ? e.message : String(e);
    return;
  }
  term.reset();
  stdoutChunks = [];
  $("run-trace").textContent = "";
  $("run-counters").replaceChildren();
  $("run-exit").textContent = "";
  $("run-exit").removeAttribute("data-status");
  $("run-status").textContent = "running…";
  setRunning(true);
  const mode = $<HTMLSelectElement>("run-mode").value;
  const frame = $<HTMLSelectElement>("run-frame").value;
  const personality = $<HTMLSelectElement>("run-personality").value;
  send({
    type: "run",
    program: useFile ? { file: dropped!.bytes.slice(), name: dropped!.name } : { builtin: $<HTMLSelectElement>("run-builtin").value, arch: $<HTMLSelectElement>("run-arch").value as "arm64" | "x86_64" },
    // As the CLI: options left at their defaults are not passed (the stats' config line stays the same).
    config: { mode, ...(frame !== "stack" ? { frame } : {}), ...(personality !== "linux" ? { personality } : {}) },
    args, stdin: $<HTMLTextAreaElement>("run-stdin").value,
  }, "run");
});

$("run-stop").addEventListener("click", () => {
  if (busy !== "run") return;
  // A guest runs synchronously inside the worker: ending the worker is the only way to stop it.
  worker.terminate();
  workerStatus.textContent = "simulator restarted";
  startWorker();
  $("run-exit").textContent = "stopped: the guest was killed by Stop (the simulator's worker was terminated and restarted)";
  $("run-exit").dataset.status = "stopped";
  finish("stopped");
});

function appendTrace(lines: readonly string[]): void {
  const pre = $("run-trace");
  pre.append(document.createTextNode(`${lines.join("\n")}\n`));
  // Keep the DOM bounded on long runs: the newest 5000 lines.
  if (pre.childNodes.length > 200) pre.textContent = (pre.textContent ?? "").split("\n").slice(-5000).join("\n");
}

function renderExit(o: RunOutcome, ms: number): void {
  setRunning(false);
  busy = null;
  const exit = $("run-exit");
  exit.dataset.status = String(o.exitStatus);
  if (o.kind === "refused") {
    exit.textContent = `exit status 126: ${o.message}`;
    $("run-status").textContent = "refused";
    return;
  }
  const sig = o.exitStatus > 128 ? ` (killed by signal ${o.exitStatus - 128})` : "";
  exit.textContent = `exit status ${o.exitStatus}${sig}; ${o.reason}${o.messages.length ? `; ${o.messages.join("; ")}` : ""}`;
  $("run-status").textContent = `${o.arch}, ${o.stats.instructions.toLocaleString("en")} instructions in ${ms} ms`;
  const s = o.stats;
  const top = Object.entries(s.syscallsByName).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, c]) => `${n} ${c}`).join(", ");
  const rows: [string, string][] = [
    ["mechanism", s.config || `--mode ${s.mode}`],
    ["instructions", s.instructions.toLocaleString("en")],
    ["syscalls", `${s.syscalls}${top ? ` (${top})` : ""}`],
    ...Object.entries(s.counters).filter(([, v]) => v !== 0).map(([k, v]) => [k, v.toLocaleString("en")] as [string, string]),
    ["signals delivered", String(s.signalsDelivered)],
    ["modelled time", `${o.modelled} (cost profile ${s.profile})`],
  ];
  if (s.missingSyscalls.length) rows.push(["missing syscalls", s.missingSyscalls.join(", ")]);
  $("run-counters").replaceChildren(...rows.map(([k, v]) => {
    const tr = el("tr");
    tr.append(el("th", k), el("td", v));
    return tr;
  }));
}

// --------------------------------------------------------------------------------------------- vDSO

let downloadUrl: string | null = null;
$("vdso-show").addEventListener("click", () => {
  if (busy) return;
  $("vdso-inspect").textContent = "building…";
  send({
    type: "vdso", arch: $<HTMLSelectElement>("vdso-arch").value as "arm64" | "x86_64",
    variant: $<HTMLSelectElement>("vdso-variant").value as "vdso" | "library",
    personality: $<HTMLSelectElement>("vdso-personality").value as "linux" | "fakeroot",
  }, "vdso");
});

function renderVdso(v: { fileName: string; inspect: string; disasm: string; bytes: Uint8Array }): void {
  $("vdso-inspect").textContent = v.inspect;
  $("vdso-disasm").textContent = v.disasm;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([v.bytes.slice()], { type: "application/octet-stream" }));
  const a = $<HTMLAnchorElement>("vdso-download");
  a.href = downloadUrl;
  a.download = v.fileName;
  a.textContent = `Download ${v.fileName} (${v.bytes.length} bytes)`;
  a.hidden = false;
}

// ------------------------------------------------------------------------------------ test hooks

/** What the e2e tests read besides the DOM: the exact stdout bytes of the last run (the terminal reflows them). */
(window as unknown as { playground: object }).playground = {
  stdout: (): string => new TextDecoder().decode(concat(stdoutChunks)),
};
function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

startWorker();
