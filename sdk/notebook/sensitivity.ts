/**
 * Fill-model sensitivity in notebooks and the acceptance report (spec 17.13.2, ADR-146): a
 * plotly figure of the SDK's `fillModelSensitivity` rows (one bar trace per metric, one bar per
 * rung) and an HTML table with one row per fixture and rung.
 */
import type { SensitivityRow } from "../engine/sensitivity";
import { escapeHtml } from "./display";
import { baseLayout } from "./figures";
import type { PlotlyFigure, PlotlyTrace } from "./plotly";

/** The metrics drawn by `sensitivityFigure`, in panel order: [row field, panel title]. */
export const SENSITIVITY_METRICS: ReadonlyArray<readonly [keyof SensitivityRow, string]> = [
  ["fills", "fills"],
  ["fill_ratio", "fill ratio (filled / placed qty)"],
  ["net_pnl", "net PnL (quote)"],
  ["max_dd", "max drawdown (quote)"],
];

const METRIC_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728"];

/**
 * Fills, fill ratio, net PnL and max drawdown per rung, as four panels side by side (2 × 2):
 * one bar trace per metric, its x the rungs' versioned ids in the rows' order.
 */
export function sensitivityFigure(rows: ReadonlyArray<SensitivityRow>, opts: { title?: string } = {}): PlotlyFigure {
  const x = rows.map((r) => r.fill_model);
  const data: PlotlyTrace[] = [];
  const layout = baseLayout(opts.title ?? "Fill-model sensitivity", { height: 560, showlegend: false });
  const gap = 0.12;
  SENSITIVITY_METRICS.forEach(([field, title], i) => {
    const col = i % 2;
    const row = Math.floor(i / 2);
    const ax = i === 0 ? "" : String(i + 1);
    data.push({
      type: "bar",
      name: title,
      x,
      y: rows.map((r) => r[field] as number),
      xaxis: `x${ax}`,
      yaxis: `y${ax}`,
      marker: { color: METRIC_COLORS[i] },
      hovertemplate: `%{x}<br>${title}: %{y}<extra></extra>`,
    });
    const xd: [number, number] = col === 0 ? [0, 0.5 - gap / 2] : [0.5 + gap / 2, 1];
    const yd: [number, number] = row === 0 ? [0.5 + gap, 1] : [0, 0.5 - gap / 2];
    layout[`xaxis${ax}`] = { domain: xd, anchor: `y${ax}`, type: "category", automargin: true };
    layout[`yaxis${ax}`] = { domain: yd, anchor: `x${ax}`, title: { text: title }, automargin: true };
  });
  return { data, layout };
}

/** Columns of `sensitivityTableHtml`. */
const COLUMNS: ReadonlyArray<readonly [string, (r: SensitivityRow) => string]> = [
  ["fills", (r) => String(r.fills)],
  ["orders filled / placed", (r) => `${r.orders_filled} / ${r.orders_placed}`],
  ["fill ratio", (r) => r.fill_ratio.toFixed(3)],
  ["median time to fill s", (r) => (r.median_time_to_fill_ms === null ? "—" : (r.median_time_to_fill_ms / 1000).toFixed(1))],
  ["cycles", (r) => String(r.cycles)],
  ["net PnL", (r) => r.net_pnl.toFixed(2)],
  ["max DD", (r) => r.max_dd.toFixed(2)],
  ["DD util", (r) => r.max_dd_utilization.toFixed(3)],
  ["prints", (r) => String(r.trades)],
  ["approximations", (r) => (r.counters ? Object.entries(r.counters).map(([k, v]) => `${k}=${v}`).join(" ") : "")],
];

const TD = "padding:2px 8px;border-bottom:1px solid #eee;";
const TH = "padding:2px 8px;border-bottom:1px solid #888;text-align:left;background:#f4f4f4;";

/**
 * The sensitivity table of several fixtures: `table.grinder-sensitivity`, one
 * `tr.grinder-sensitivity-row[data-fixture][data-fill-model]` per fixture and rung.
 */
export function sensitivityTableHtml(perFixture: ReadonlyArray<{ fixture: string; rows: ReadonlyArray<SensitivityRow> }>): string {
  const head = ["fixture", "fill model", ...COLUMNS.map((c) => c[0])].map((h) => `<th style="${TH}">${escapeHtml(h)}</th>`).join("");
  const body = perFixture
    .flatMap(({ fixture, rows }) =>
      rows.map(
        (r) =>
          `<tr class="grinder-sensitivity-row" data-fixture="${escapeHtml(fixture)}" data-fill-model="${escapeHtml(r.fill_model)}">` +
          [fixture, r.fill_model, ...COLUMNS.map((c) => c[1](r))].map((c) => `<td style="${TD}">${escapeHtml(c)}</td>`).join("") +
          "</tr>",
      ),
    )
    .join("");
  return `<table class="grinder-sensitivity" style="border-collapse:collapse;font:12px system-ui,sans-serif;"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
