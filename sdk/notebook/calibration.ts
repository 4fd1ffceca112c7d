/**
 * Calibration views for notebooks: the result's scored points, folds, gate, validity statistics,
 * baselines and Pareto front as tables and figures; an updating progress display; and (older)
 * objective per point read back from a trial journal.
 */
import { existsSync, readFileSync } from "node:fs";
import { aggregate, type TrialMetrics } from "../calibration/evaluator";
import { score } from "../calibration/objective";
import type { ObjectiveSpec } from "../calibration/spec";
import type { CalibrationBaselines, CalibrationResult } from "../calibration/calibrate";
import type { ProgressEvent } from "../calibration/search";
import type { FoldReport, GateResult, ValidityInputs } from "../calibration/walkforward";
import { displayUpdatable, escapeHtml, type MimeBundle } from "./display";
import type { PlotlyFigure, PlotlyTrace } from "./plotly";
import type { ParamPoint } from "../calibration/space";
import { canonicalJson } from "../util/canonical";
import type { WalkForwardFold } from "./figures";

/** The objective of one parameter point over the units it was evaluated on. */
export interface PointScore {
  point: ParamPoint;
  /** Objective value (higher is better); null when a hard constraint was violated. */
  value: number | null;
  reason?: string;
  units: number;
}

/**
 * Objective of every point in a calibration trial journal, over the units given (default:
 * every unit the point was evaluated on); points missing one of `units` are left out.
 * Points come back in the order they were first journalled.
 */
export function journalPointScores(journalFile: string, objective: ObjectiveSpec, units?: ReadonlyArray<string>): PointScore[] {
  if (!existsSync(journalFile)) return [];
  const byPoint = new Map<string, { point: ParamPoint; runs: Map<string, TrialMetrics> }>();
  for (const line of readFileSync(journalFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let rec: { point?: ParamPoint; unit?: string; metrics?: TrialMetrics };
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // a torn last line: the journal itself truncates it on resume
    }
    if (!rec.point || !rec.unit || !rec.metrics) continue;
    const key = canonicalJson(rec.point);
    let e = byPoint.get(key);
    if (!e) byPoint.set(key, (e = { point: rec.point, runs: new Map() }));
    e.runs.set(rec.unit, rec.metrics);
  }
  const out: PointScore[] = [];
  for (const { point, runs } of byPoint.values()) {
    const want = units ?? [...runs.keys()].sort();
    if (!want.every((u) => runs.has(u))) continue;
    const s = score(aggregate(want.map((u) => runs.get(u) as TrialMetrics)), objective);
    out.push({ point, value: s.value, ...(s.reason !== undefined ? { reason: s.reason } : {}), units: want.length });
  }
  return out;
}

/** Walk-forward folds of a calibration, for `walkForwardFigure`. */
export function walkForwardFolds(r: CalibrationResult): { units: string[]; folds: WalkForwardFold[] } {
  return {
    units: r.units.map((u) => u.id),
    folds: r.folds.map((f) => ({ id: f.id, train: f.train, test: f.test, in_sample: f.in_sample.objective, out_of_sample: f.out_of_sample.objective })),
  };
}

// ---------------------------------------------------------------------------------------
// Notebook-first calibration views (ADR-068)
// ---------------------------------------------------------------------------------------

let progressDisplays = 0;

/**
 * A progress display for `runCalibration({ onProgress })` in a notebook: one output line that
 * updates in place (like the CLI's bar), at most every 2 % of the trials; outside a kernel it
 * prints a line per 10 %. Call `finish()` after the run for the final count.
 *
 * @example
 * const rs = parseSpec({ name: "doc-progress", version: 1, parameters: [{ path: "policy.alpha", choices: [1.2, 1.6] }],
 *   datasets: [{ fixture: "thin_book_l2" }], objective: { name: "pnl_per_dd" },
 *   folds: { segments: 2, time: { mode: "rolling", train: 1 } }, search: { method: "grid" } });
 * const progress = notebookProgress("calibration");
 * const r = await runCalibration(rs, { onProgress: progress.onProgress });
 * progress.finish();
 */
export function notebookProgress(label = "calibrate"): { onProgress: (e: ProgressEvent) => void; finish: () => void } {
  const id = `grinder-progress-${++progressDisplays}`;
  let started = false;
  let lastStep = -1;
  let last: ProgressEvent | null = null;
  const render = (e: ProgressEvent): MimeBundle => {
    const pct = e.total ? Math.floor((100 * e.done) / e.total) : 0;
    const best = e.best === null ? "—" : e.best.toFixed(4);
    const text = `${label}: ${e.done}/${e.total} trials (${pct} %), resumed ${e.resumed}, best ${best}`;
    const html =
      `<div class="grinder-progress" data-done="${e.done}" data-total="${e.total}" style="font:12px ui-monospace,Menlo,monospace;">` +
      `<progress value="${e.done}" max="${Math.max(1, e.total)}" style="width:240px;vertical-align:middle;"></progress> ${escapeHtml(text)}</div>`;
    return { "text/html": html, "text/plain": text };
  };
  const onProgress = (e: ProgressEvent): void => {
    last = e;
    const step = e.total ? Math.floor((50 * e.done) / e.total) : 0;
    if (started && step === lastStep) return;
    lastStep = step;
    const inKernel = displayUpdatable(render(e), id, started);
    if (!inKernel) lastStep = e.total ? Math.floor((10 * e.done) / e.total) * 5 : 0;
    started = true;
  };
  return {
    onProgress,
    finish: () => {
      if (last) displayUpdatable(render(last), id, started);
    },
  };
}

/** Folds as table rows (IS, OOS, degradation, selection). */
export function foldRows(folds: ReadonlyArray<FoldReport>): Array<Record<string, unknown>> {
  return folds.map((f) => ({
    fold: f.id,
    train: f.train.join(" "),
    test: f.test.join(" "),
    selected: JSON.stringify(f.selected),
    in_sample: f.in_sample.objective,
    out_of_sample: f.out_of_sample.objective,
    degradation: f.degradation,
    oos_net_pnl: f.out_of_sample.metrics.net_pnl,
    oos_reason: f.out_of_sample.reason ?? "",
  }));
}

/** Gate checks as table rows. */
export function gateRows(gate: GateResult): Array<Record<string, unknown>> {
  return gate.checks.map((c) => ({ check: c.name, value: c.value, limit: c.limit, passed: c.passed }));
}

/** Validity statistics (PBO, DSR, dominance, edge, fill-model robustness) as rows. */
export function validityRows(v: ValidityInputs): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [
    { statistic: "PBO (CSCV)", value: v.pbo?.pbo ?? null, detail: v.pbo ? `${v.pbo.splits} splits of ${v.pbo.blocks} blocks, ${v.pbo.strategies} points, ${v.pbo.observations} hours` : (v.pbo_reason ?? "") },
    {
      statistic: "Deflated Sharpe ratio",
      value: v.dsr?.dsr ?? null,
      detail: v.dsr ? `hourly Sharpe ${v.dsr.sharpe.toFixed(4)}, SR0 ${v.dsr.sr0.toFixed(4)}, ${v.dsr.trials} trials, ${v.dsr.observations} hours` : (v.dsr_reason ?? ""),
    },
    { statistic: "dominated", value: v.dominance.passed ? "no" : "yes", detail: v.dominance.passed ? `on ${v.dominance.objectives.join(", ")}` : JSON.stringify(v.dominance.dominated_by) },
    { statistic: "on the edge", value: v.edge.length ? "yes" : "no", detail: v.edge.map((e) => `${e.path} = ${String(e.value)} (${e.side})`).join(", ") },
  ];
  const r = v.robustness;
  if (r)
    rows.push({
      statistic: `fill model ${r.fill_model} → ${r.robust_fill_model}`,
      value: r.robust_objective,
      detail: `objective ${r.objective === null ? "—" : r.objective.toFixed(4)} → ${r.robust_objective === null ? "—" : r.robust_objective.toFixed(4)}; net PnL ${r.net_pnl.toFixed(2)} → ${r.robust_net_pnl.toFixed(2)}; fills ${r.fills} → ${r.robust_fills}`,
    });
  return rows;
}

/** Baselines as rows (adaptive selection, static grid, buy-and-hold; uplift of the adaptive grid over each). */
export function baselineRows(b: CalibrationBaselines): Array<Record<string, unknown>> {
  return [
    { strategy: "adaptive grid (selection)", net_pnl: b.adaptive.net_pnl, max_drawdown: b.adaptive.max_drawdown, objective: b.adaptive.objective, uplift: 0 },
    { strategy: "static grid", net_pnl: b.static_grid.net_pnl, max_drawdown: b.static_grid.max_drawdown, objective: b.static_grid.objective, uplift: b.uplift_vs_static },
    { strategy: "buy and hold", net_pnl: b.buy_and_hold.net_pnl, max_drawdown: null, objective: null, uplift: b.uplift_vs_buy_and_hold },
  ];
}

/**
 * Scatter of every point scored on all units (net PnL vs max drawdown), the Pareto front on
 * `objective.pareto` highlighted and the selection marked. Takes the result's `points` rows.
 */
export function paretoFigure(rows: ReadonlyArray<Record<string, unknown>>, selected: ParamPoint, opts: { title?: string; x?: string; y?: string } = {}): PlotlyFigure {
  const xk = opts.x ?? "max_drawdown";
  const yk = opts.y ?? "net_pnl";
  const all = rows.filter((r) => r.fold === "all");
  const label = (r: Record<string, unknown>) =>
    Object.keys(selected)
      .map((k) => `${k}=${String(r[k])}`)
      .join("<br>");
  const isSel = (r: Record<string, unknown>) => Object.keys(selected).every((k) => r[k] === selected[k]);
  const trace = (name: string, rs: Array<Record<string, unknown>>, marker: Record<string, unknown>): PlotlyTrace => ({
    type: "scatter",
    mode: "markers",
    name,
    x: rs.map((r) => r[xk] as number),
    y: rs.map((r) => r[yk] as number),
    text: rs.map(label),
    hovertemplate: `%{text}<br>${xk} %{x}<br>${yk} %{y}<extra>${name}</extra>`,
    marker,
  });
  const data: PlotlyTrace[] = [
    trace("evaluated points", all.filter((r) => !r.pareto), { color: "#9e9e9e", size: 7 }),
    trace("Pareto front", all.filter((r) => r.pareto), { color: "#1f77b4", size: 10 }),
  ];
  const sel = all.filter(isSel);
  if (sel.length) data.push(trace("selection", sel, { color: "#d62728", size: 16, symbol: "x" }));
  return {
    data,
    layout: { title: { text: opts.title ?? `Pareto front: ${yk} vs ${xk} (all units)` }, xaxis: { title: { text: xk } }, yaxis: { title: { text: yk } } },
  };
}
