/**
 * Tables for notebooks: engine results as arquero tables and danfojs-node DataFrames (both
 * ways), and a compact HTML rendering. danfojs-node (and its TensorFlow.js) is loaded only
 * when a DataFrame is asked for.
 */
import * as aq from "arquero";
import type { DataFrame } from "danfojs-node";
import { displayBundle, escapeHtml } from "./display";

/** An arquero table (what `aq.table(...)` returns). */
export type ArqueroTable = ReturnType<typeof aq.table>;

/** A plain value of a table cell. */
export type Cell = number | string | boolean | null;

/** Rows (array of records) → arquero table; column order from the first row, then new keys in order seen. */
export function rowsToTable(rows: ReadonlyArray<Record<string, unknown>>, columns?: ReadonlyArray<string>): ArqueroTable {
  const names: string[] = columns ? [...columns] : [];
  if (!columns) {
    const seen = new Set<string>();
    for (const r of rows)
      for (const k of Object.keys(r)) {
        if (seen.has(k)) continue;
        seen.add(k);
        names.push(k);
      }
  }
  const cols: Record<string, unknown[]> = {};
  for (const n of names) cols[n] = rows.map((r) => (r[n] === undefined ? null : r[n]));
  return aq.table(cols);
}

/** Column arrays of an arquero table, in column order. */
export function tableColumns(t: ArqueroTable): Record<string, Cell[]> {
  const out: Record<string, Cell[]> = {};
  for (const n of t.columnNames()) out[n] = Array.from(t.array(n) as ArrayLike<Cell>);
  return out;
}

function danfo(): typeof import("danfojs-node") {
  return require("danfojs-node");
}

/** arquero table → danfojs DataFrame (same column names, order and values). */
export function arqueroToDanfo(t: ArqueroTable): DataFrame {
  const cols = tableColumns(t);
  const names = Object.keys(cols);
  if (t.numRows() === 0) return new (danfo().DataFrame)([], { columns: names });
  return new (danfo().DataFrame)(cols, { columns: names });
}

/**
 * danfojs DataFrame → arquero table (same column names, order and values). Row labels that are not
 * the default 0…n−1 (e.g. `describe()`'s count/mean/std…) become a first column `index`.
 */
export function danfoToArquero(df: DataFrame): ArqueroTable {
  const names = df.columns.map(String);
  const values = df.values as unknown as Cell[][];
  const cols: Record<string, Cell[]> = {};
  const index = ((df as unknown as { index?: unknown[] }).index ?? []) as Cell[];
  const labelled = index.length === values.length && index.some((v, i) => v !== i);
  if (labelled && !names.includes("index")) cols.index = index.map((v) => (typeof v === "number" || typeof v === "string" ? v : String(v)));
  names.forEach((n, j) => (cols[n] = values.map((row) => (Array.isArray(row) ? row[j] : (row as Cell)))));
  return aq.table(cols);
}

/**
 * Anything the table helpers accept: an arquero table, a danfojs DataFrame (row labels kept), an
 * array of records (any interface: `GateCheck[]`, `FoldReport[]`, …) or one record (a summary,
 * shown as one row).
 */
export type TableLike = ArqueroTable | DataFrame | ReadonlyArray<object> | object;

function isArquero(t: unknown): t is ArqueroTable {
  return typeof (t as ArqueroTable).columnNames === "function" && typeof (t as ArqueroTable).numRows === "function";
}

function isDanfo(t: unknown): t is DataFrame {
  const d = t as { columns?: unknown; values?: unknown; index?: unknown };
  return Array.isArray(d.columns) && Array.isArray(d.values) && Array.isArray(d.index) && typeof (t as { print?: unknown }).print === "function";
}

/** Normalise any table-like value to an arquero table. */
export function asTable(t: TableLike): ArqueroTable {
  if (Array.isArray(t)) return rowsToTable(t as ReadonlyArray<Record<string, unknown>>);
  if (isArquero(t)) return t;
  if (isDanfo(t)) return danfoToArquero(t);
  return rowsToTable([t as Record<string, unknown>]);
}

const EPOCH_MS_MIN = 946_684_800_000; // 2000-01-01
const EPOCH_MS_MAX = 4_102_444_800_000; // 2100-01-01

/** Whether a column holds data times: named `ts`, `*_ts`, `*time` and integer epoch ms. */
export function isTimeColumn(name: string, values: ArrayLike<unknown>): boolean {
  if (!/(^|_)ts$|time$/i.test(name)) return false;
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < EPOCH_MS_MIN || v > EPOCH_MS_MAX) return false;
    seen++;
  }
  return seen > 0;
}

/** Epoch milliseconds as ISO 8601 UTC (`2024-01-01T00:00:00Z`; milliseconds shown when not 0). */
export function isoUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

/** Number formatting for tables: integers as is, others with `digits` significant digits. */
export function formatCell(v: unknown, digits = 6): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const s = v.toPrecision(digits);
    return s.includes("e") ? s : String(Number(s));
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export interface TableHtmlOptions {
  /** Rows shown (default 20); the rest are counted. */
  maxRows?: number;
  /** Data-time columns (`ts`, `*_ts`, `*time` with epoch ms) as ISO UTC (default true). */
  isoTimes?: boolean;
  digits?: number;
  caption?: string;
}

/** A compact HTML table (numbers right-aligned), with "N more rows" when truncated. */
export function tableHtml(t: TableLike, opts: TableHtmlOptions = {}): string {
  const table = asTable(t);
  const maxRows = opts.maxRows ?? 20;
  const names = table.columnNames();
  const n = table.numRows();
  const shown = Math.min(n, maxRows);
  const cols = names.map((c) => table.array(c) as ArrayLike<unknown>);
  const times = names.map((c, j) => opts.isoTimes !== false && isTimeColumn(c, cols[j]));
  const css =
    "border-collapse:collapse;font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,monospace;margin:4px 0;";
  const th = "padding:2px 8px;border-bottom:1px solid #888;text-align:left;background:#f4f4f4;";
  const parts: string[] = [`<table class="grinder-table" style="${css}">`];
  if (opts.caption) parts.push(`<caption style="text-align:left;font-weight:bold;padding:2px 0;">${escapeHtml(opts.caption)}</caption>`);
  parts.push("<thead><tr>", ...names.map((c) => `<th style="${th}">${escapeHtml(c)}</th>`), "</tr></thead><tbody>");
  for (let i = 0; i < shown; i++) {
    parts.push("<tr>");
    cols.forEach((col, j) => {
      const v = col[i];
      const time = times[j] && typeof v === "number";
      const align = typeof v === "number" && !time ? "right" : "left";
      parts.push(`<td style="padding:1px 8px;border-bottom:1px solid #eee;text-align:${align};">${escapeHtml(time ? isoUtc(v) : formatCell(v, opts.digits))}</td>`);
    });
    parts.push("</tr>");
  }
  parts.push("</tbody></table>");
  if (n > shown) parts.push(`<div style="font:11px sans-serif;color:#666;">… ${n - shown} more rows (${n} total)</div>`);
  return parts.join("");
}

/** Plain-text rendering (first rows), for `text/plain`. */
export function tableText(t: TableLike, maxRows = 10): string {
  const table = asTable(t);
  const names = table.columnNames();
  const rows = table.objects({ limit: maxRows }) as Array<Record<string, unknown>>;
  const times = new Set(names.filter((c) => isTimeColumn(c, table.array(c) as ArrayLike<unknown>)));
  const cell = (c: string, v: unknown) => (times.has(c) && typeof v === "number" ? isoUtc(v) : formatCell(v));
  return [names.join("\t"), ...rows.map((r) => names.map((c) => cell(c, r[c])).join("\t"))].join("\n");
}

/** Display a table in the notebook as compact HTML. */
export function showTable(t: TableLike, opts: TableHtmlOptions = {}): void {
  displayBundle({ "text/html": tableHtml(t, opts), "text/plain": tableText(t) });
}
