/**
 * Showing figures, tables and HTML in a tslab notebook.
 *
 * A figure is sent as ONE display message carrying a MIME bundle:
 * - `application/vnd.plotly.v1+json` — the figure itself, for front ends with a plotly renderer;
 * - `text/html` — a `<div>` plus a script calling `Plotly.newPlot`, so classic Notebook, JupyterLab
 *   without the renderer and nbconvert's HTML export all show it offline. plotly.js is read from
 *   the installed `plotly.js-dist-min` package and inlined in the FIRST figure's HTML of the
 *   kernel session (i.e. the notebook); later figures reuse `window.Plotly`. Never a CDN.
 * - `text/plain` — the title.
 * See docs/DECISIONS.md (plotly MIME bundle and offline inclusion).
 *
 * Two kernels: tslab (`grinder`) and Deno's (`grinder-deno`, ADR-165). The same bundles go to
 * both: through tslab's display writer, or through `Deno.jupyter.broadcast` when the code runs
 * inside `deno jupyter`.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { PlotlyFigure } from "./plotly";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** A Jupyter MIME bundle: MIME type → payload. */
export type MimeBundle = Record<string, unknown>;

let plotlySource: string | null = null;
let libraryIncluded = false;
let figureCount = 0;

/** plotly.js (minified bundle) from node_modules, made safe to inline in a `<script>` element. */
export function plotlyLibrarySource(): string {
  if (plotlySource === null) {
    const file = require.resolve("plotly.js-dist-min/plotly.min.js");
    // "<!--" and "</script" inside an inline script confuse the HTML parser; in plotly's bundle
    // they only occur in string literals, where "\x21" / "<\/" mean the same characters.
    plotlySource = readFileSync(file, "utf8").split("<!--").join("<\\x21--").split("</script").join("<\\/script");
  }
  return plotlySource;
}

/** Forget that plotly.js was already sent (e.g. after clearing all outputs of a notebook). */
export function resetPlotlyInclusion(): void {
  libraryIncluded = false;
}

/** Whether the next figure will carry the library. */
export function plotlyLibraryPending(): boolean {
  return !libraryIncluded;
}

function escapeScriptJson(json: string): string {
  // JSON inside <script>: keep "</script" and "<!--" from ending or escaping the element.
  return json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export interface FigureHtmlOptions {
  /** Inline plotly.js in this HTML (default: only for the first figure of the session). */
  includeLibrary?: boolean;
  /** Element id (default: derived from the figure and a session counter). */
  divId?: string;
}

/**
 * Self-contained HTML for a figure. Without the library inlined, the script waits (up to
 * ~10 s) for `window.Plotly` from an earlier output, since front ends may render outputs
 * out of order; then it says in the output that plotly.js is missing (e.g. the output that
 * carried it was cleared) instead of staying blank.
 */
export function figureHtml(fig: PlotlyFigure, opts: FigureHtmlOptions = {}): string {
  const json = JSON.stringify(fig);
  const divId = opts.divId ?? `grinder-plot-${createHash("sha256").update(json).digest("hex").slice(0, 10)}-${++figureCount}`;
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 420;
  const lib = opts.includeLibrary ? `<script type="text/javascript">${plotlyLibrarySource()}</script>\n` : "";
  const script =
    `(function(){var fig=${escapeScriptJson(json)};var tries=0;` +
    `function draw(){var el=document.getElementById(${JSON.stringify(divId)});` +
    `if(window.Plotly&&el){window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true,displaylogo:false});}` +
    `else if(tries++<200){setTimeout(draw,50);}` +
    `else if(el){el.style.height="auto";el.textContent="plotly.js is not loaded on this page: the notebook's first chart carries it; re-run the notebook from the top.";}}` +
    `draw();})();`;
  return `${lib}<div id="${divId}" class="grinder-plot" style="width:100%;height:${height}px;"></div>\n<script type="text/javascript">${script}</script>`;
}

/** The MIME bundle for a figure (marks the library as included when it carries it). */
export function figureBundle(fig: PlotlyFigure, opts: FigureHtmlOptions = {}): MimeBundle {
  const includeLibrary = opts.includeLibrary ?? !libraryIncluded;
  const html = figureHtml(fig, { ...opts, includeLibrary });
  if (includeLibrary) libraryIncluded = true;
  return { [PLOTLY_MIME]: fig, "text/html": html, "text/plain": `<figure: ${fig.layout.title.text}>` };
}

type DisplayWriter = (msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** The part of Deno's `Deno.jupyter` namespace the display layer uses. */
interface DenoJupyter {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void> | void;
}

/**
 * `Deno.jupyter` when this code runs inside Deno's Jupyter kernel, else null (Node.js, or Deno
 * outside `deno jupyter`, where reading `Deno.jupyter` throws).
 */
export function denoJupyter(): DenoJupyter | null {
  const deno = (globalThis as { Deno?: { jupyter?: unknown } }).Deno;
  if (deno === undefined) return null;
  try {
    const j = deno.jupyter as Partial<DenoJupyter> | undefined;
    return j && typeof j.broadcast === "function" ? (j as DenoJupyter) : null;
  } catch {
    return null;
  }
}

/** Which kernel this code runs in: "tslab", "deno", or null outside a kernel. */
export function notebookKernel(): "tslab" | "deno" | null {
  if (denoJupyter()) return "deno";
  return tslabWriter() ? "tslab" : null;
}

let pauseCell: Int32Array | null = null;

/**
 * Deno's kernel forwards a cell's messages from a queue on another thread and may report the
 * cell finished (status idle) before the queue is empty; the remaining messages then go out
 * under the NEXT request and land in the wrong cell, or are dropped by headless runners. A short
 * pause after each message (2 ms plus 1 ms per 256 KiB sent) lets the queue drain while the
 * cell still runs. It changes nothing but wall time (docs/DECISIONS.md ADR-165).
 */
function pauseAfterSend(bytes: number): void {
  pauseCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(pauseCell, 0, 0, 2 + Math.ceil(bytes / 262144));
}

function denoWriter(j: DenoJupyter): DisplayWriter {
  return (msg, update) => {
    const bytes = Object.values(msg.data).reduce<number>((n, v) => n + (typeof v === "string" ? v.length : JSON.stringify(v).length), 0);
    const fail = (e: unknown): void => console.error(`grinder: a display message was not sent: ${e instanceof Error ? e.message : String(e)}`);
    try {
      // A Promise in Deno's typings; Deno 2.9 queues the message synchronously and returns nothing.
      const sent: unknown = j.broadcast(update ? "update_display_data" : "display_data", msg);
      if (sent instanceof Promise) sent.catch(fail);
    } catch (e) {
      fail(e);
    }
    pauseAfterSend(bytes);
  };
}

/**
 * tslab's writer of display messages while a cell runs (null outside a kernel). tslab's
 * public `display.raw` sends a single MIME type; its internal writer takes a whole bundle.
 */
function tslabWriter(): DisplayWriter | null {
  try {
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: DisplayWriter | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** The display writer of the kernel this code runs in (Deno's or tslab's), or null. */
function kernelWriter(): DisplayWriter | null {
  const deno = denoJupyter();
  return deno ? denoWriter(deno) : tslabWriter();
}

/**
 * Send a MIME bundle under a display id; `update` replaces the output shown under that id
 * (Jupyter's update_display_data). Outside a kernel it prints the `text/plain` part.
 */
export function displayUpdatable(bundle: MimeBundle, displayId: string, update: boolean): boolean {
  const write = kernelWriter();
  if (!write) {
    if (typeof bundle["text/plain"] === "string") process.stdout.write(`${bundle["text/plain"]}\n`);
    return false;
  }
  write({ data: bundle, metadata: {}, transient: { display_id: displayId } }, update);
  return true;
}

/**
 * Send a MIME bundle to the notebook. Outside a kernel (a script, a test) it prints the
 * `text/plain` part and returns false.
 */
export function displayBundle(bundle: MimeBundle): boolean {
  const write = kernelWriter();
  if (!write) {
    if (typeof bundle["text/plain"] === "string") process.stdout.write(`${bundle["text/plain"]}\n`);
    return false;
  }
  write({ data: bundle, metadata: {}, transient: {} }, false);
  return true;
}

/**
 * Display a plotly figure in the notebook.
 * @example
 * const s = (await fixtureSeries("fixtures/range_day_l1", { every: 60 })).get("RANGEUSDT")!;
 * showFigure(priceGridFigure({ symbol: "RANGEUSDT", ts: s.ts, mid: s.mid }));
 */
export function showFigure(fig: PlotlyFigure): void {
  displayBundle(figureBundle(fig));
}

/** Display an HTML fragment. */
export function showHtml(html: string, plain = ""): void {
  displayBundle({ "text/html": html, "text/plain": plain });
}

/** Display Markdown (rendered by the front end; nbconvert renders it in exports). */
export function showMarkdown(md: string): void {
  displayBundle({ "text/markdown": md, "text/plain": md });
}

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
