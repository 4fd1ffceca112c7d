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

/** danfojs DataFrame → arquero table (same column names, order and values). */
export function danfoToArquero(df: DataFrame): ArqueroTable {
  const names = df.columns.map(String);
  const values = df.values as unknown as Cell[][];
  const cols: Record<string, Cell[]> = {};
  names.forEach((n, j) => (cols[n] = values.map((row) => (Array.isArray(row) ? row[j] : (row as Cell)))));
  return aq.table(cols);
}

/** Anything the table helpers accept. */
export type TableLike = ArqueroTable | DataFrame | ReadonlyArray<Record<string, unknown>>;

function isArquero(t: TableLike): t is ArqueroTable {
  return typeof (t as ArqueroTable).columnNames === "function" && typeof (t as ArqueroTable).numRows === "function";
}

/** Normalise any table-like value to an arquero table. */
export function asTable(t: TableLike): ArqueroTable {
  if (Array.isArray(t)) return rowsToTable(t as ReadonlyArray<Record<string, unknown>>);
  if (isArquero(t as TableLike)) return t as ArqueroTable;
  return danfoToArquero(t as DataFrame);
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
  const css =
    "border-collapse:collapse;font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,monospace;margin:4px 0;";
  const th = "padding:2px 8px;border-bottom:1px solid #888;text-align:left;background:#f4f4f4;";
  const parts: string[] = [`<table class="grinder-table" style="${css}">`];
  if (opts.caption) parts.push(`<caption style="text-align:left;font-weight:bold;padding:2px 0;">${escapeHtml(opts.caption)}</caption>`);
  parts.push("<thead><tr>", ...names.map((c) => `<th style="${th}">${escapeHtml(c)}</th>`), "</tr></thead><tbody>");
  for (let i = 0; i < shown; i++) {
    parts.push("<tr>");
    for (const col of cols) {
      const v = col[i];
      const align = typeof v === "number" ? "right" : "left";
      parts.push(`<td style="padding:1px 8px;border-bottom:1px solid #eee;text-align:${align};">${escapeHtml(formatCell(v, opts.digits))}</td>`);
    }
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
  return [names.join("\t"), ...rows.map((r) => names.map((c) => formatCell(r[c])).join("\t"))].join("\n");
}

/** Display a table in the notebook as compact HTML. */
export function showTable(t: TableLike, opts: TableHtmlOptions = {}): void {
  displayBundle({ "text/html": tableHtml(t, opts), "text/plain": tableText(t) });
}
