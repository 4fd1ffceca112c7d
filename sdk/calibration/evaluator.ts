import { ErrorCode, GrinderError } from "../contracts/errors";
import { sharpeRatio, sortinoRatio } from "./stats";

/**
 * What one replay of one evaluation unit (a fixture's time segment) reports to calibration.
 * Amounts are in quote currency. The calibration objective (docs/CALIBRATION.md) is a function
 * of these numbers only.
 */
export interface TrialMetrics {
  /** Realised + unrealised PnL at the end of the window, after fees. */
  net_pnl: number;
  /** Fees paid. */
  fees: number;
  /** Largest peak-to-trough equity drop (≥ 0). */
  max_drawdown: number;
  /** Drawdown budget the run was given (> 0), spec 17.7.1. */
  dd_budget: number;
  /** Completed grid cycles (fill → take-profit). */
  cycles: number;
  /** Replayed data time. */
  duration_ms: number;
  /** Data time spent with the guard in EMERGENCY. */
  emergency_ms: number;
  /** Data time spent with the guard in DAMAGE_CONTROL. */
  damage_control_ms: number;
  /** Fill model id of the run (all runs of one calibration must agree). */
  fill_model: string;
  /** Replay digest of the run (informative; identical inputs give identical digests). */
  digest?: string;
  /** Paper fills of the run. */
  fills?: number;
  /** Traded notional (quote). */
  turnover?: number;
  /**
   * Mark-to-market PnL (quote, fees included) per `series_ms` bucket of the window, buckets
   * aligned on the unit's `from_ts` (the last one ends at `to_ts`); sums to `net_pnl`. The
   * per-trial vector behind Sharpe/Sortino, PBO and the Deflated Sharpe Ratio (ADR-061).
   */
  pnl_series?: number[];
  /** Bucket length of `pnl_series` (ms; default hourly). */
  series_ms?: number;
  /** Buy-and-hold baseline on the same window (quote): equity invested at the first mid, equal weights per symbol. */
  bh_pnl?: number;
}

/** One evaluation unit: a time segment of one fixture, replayed on its own from a flat book. */
export interface EvalUnit {
  /** Stable id: `<fixture>#<segment>`. */
  id: string;
  /** Fixture name (manifest name). */
  fixture: string;
  /** Segment number within the fixture (0-based). */
  segment: number;
  /** Window start, inclusive (ms). */
  from_ts: number;
  /** Window end, exclusive (ms). */
  to_ts: number;
  /** Symbols to replay; undefined = all of the fixture's. */
  symbols?: string[];
  /** Data before `from_ts − warmup_ms` is not replayed (ADR-260; `folds.warmup_ms`); undefined = all of it. */
  warmup_ms?: number;
}

/** What a worker receives: the full resolved config and where to replay it. */
export interface EvalTask {
  config: Record<string, unknown>;
  /** Absolute fixture folder. */
  fixture_dir: string;
  unit: EvalUnit;
}

/** A function that evaluates one task; must be deterministic. */
export type EvaluateFn = (task: EvalTask) => TrialMetrics | Promise<TrialMetrics>;

/**
 * A module exporting an `EvaluateFn` (named `export`, default `evaluate`): the form worker
 * threads can load. `id` names the evaluator in the journal so that a resume never mixes
 * results of different evaluators.
 */
export interface EvaluatorRef {
  module: string;
  export?: string;
  id: string;
}

const NUMERIC: readonly (keyof TrialMetrics)[] = [
  "net_pnl",
  "fees",
  "max_drawdown",
  "dd_budget",
  "cycles",
  "duration_ms",
  "emergency_ms",
  "damage_control_ms",
];

/** Check an evaluator's answer: every number finite, budget positive, fill model named. */
export function checkMetrics(m: TrialMetrics, where: string): TrialMetrics {
  for (const k of NUMERIC) {
    const v = m[k];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new GrinderError(ErrorCode.BAD_NUMBER, `evaluator returned ${String(v)} for '${k}' (${where})`, { field: k });
  }
  if (!(m.dd_budget > 0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `evaluator returned dd_budget ${m.dd_budget} (${where})`, { field: "dd_budget" });
  if (m.max_drawdown < 0) throw new GrinderError(ErrorCode.BAD_NUMBER, `evaluator returned negative max_drawdown (${where})`, { field: "max_drawdown" });
  if (typeof m.fill_model !== "string" || !m.fill_model)
    throw new GrinderError(ErrorCode.MISSING_FIELD, `evaluator returned no fill_model (${where})`, { field: "fill_model" });
  const out: TrialMetrics = {
    net_pnl: m.net_pnl,
    fees: m.fees,
    max_drawdown: m.max_drawdown,
    dd_budget: m.dd_budget,
    cycles: m.cycles,
    duration_ms: m.duration_ms,
    emergency_ms: m.emergency_ms,
    damage_control_ms: m.damage_control_ms,
    fill_model: m.fill_model,
  };
  if (m.digest !== undefined) out.digest = m.digest;
  for (const k of ["fills", "turnover", "series_ms", "bh_pnl"] as const) {
    const v = m[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `evaluator returned ${String(v)} for '${k}' (${where})`, { field: k });
    out[k] = v;
  }
  if (m.pnl_series !== undefined) {
    if (!Array.isArray(m.pnl_series)) throw new GrinderError(ErrorCode.BAD_TYPE, `evaluator returned a non-array pnl_series (${where})`, { field: "pnl_series" });
    m.pnl_series.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v))
        throw new GrinderError(ErrorCode.BAD_NUMBER, `evaluator returned ${String(v)} for 'pnl_series[${i}]' (${where})`, { field: `pnl_series[${i}]` });
    });
    out.pnl_series = m.pnl_series.slice();
  }
  return out;
}

/** Metrics of a set of units, each replayed independently (see `aggregate`). */
export interface SetMetrics {
  units: number;
  net_pnl: number;
  fees: number;
  /** Largest single-run max drawdown. */
  max_drawdown: number;
  /** Largest single-run max_drawdown / dd_budget. */
  dd_utilization: number;
  /** Largest single-run drawdown budget. */
  dd_budget: number;
  cycles: number;
  duration_ms: number;
  emergency_ms: number;
  damage_control_ms: number;
  /** Paper fills (0 when the evaluator does not report them). */
  fills: number;
  /** Traded notional (quote; 0 when not reported). */
  turnover: number;
  /** Sharpe ratio of the concatenated per-bucket PnL series (mean / sd, not annualised); null without a series or with sd 0. */
  sharpe: number | null;
  /** Sortino ratio of the same series (mean / downside deviation); null without a series or without a losing bucket. */
  sortino: number | null;
  /** Buckets in the series. */
  buckets: number;
  /** Buy-and-hold baseline PnL on the same units (null when not reported by every run). */
  bh_pnl: number | null;
}

/** The per-bucket PnL vectors of runs, concatenated in the given (sorted unit) order; null when a run has none. */
export function concatSeries(runs: readonly TrialMetrics[]): number[] | null {
  const out: number[] = [];
  for (const r of runs) {
    if (!r.pnl_series) return null;
    for (const v of r.pnl_series) out.push(v);
  }
  return out;
}

/**
 * Combine independent runs: flows add up (PnL, fees, cycles, time), risk takes the worst run
 * (drawdown and its utilization) because the runs are separate windows, not one equity curve.
 * Summation follows the given (sorted) order so the float result never depends on scheduling.
 */
export function aggregate(runs: readonly TrialMetrics[]): SetMetrics {
  const s: SetMetrics = {
    units: runs.length,
    net_pnl: 0,
    fees: 0,
    max_drawdown: 0,
    dd_utilization: 0,
    dd_budget: 0,
    cycles: 0,
    duration_ms: 0,
    emergency_ms: 0,
    damage_control_ms: 0,
    fills: 0,
    turnover: 0,
    sharpe: null,
    sortino: null,
    buckets: 0,
    bh_pnl: runs.length ? 0 : null,
  };
  for (const r of runs) {
    s.fills += r.fills ?? 0;
    s.turnover += r.turnover ?? 0;
    if (r.bh_pnl === undefined) s.bh_pnl = null;
    else if (s.bh_pnl !== null) s.bh_pnl += r.bh_pnl;
    s.net_pnl += r.net_pnl;
    s.fees += r.fees;
    s.max_drawdown = Math.max(s.max_drawdown, r.max_drawdown);
    s.dd_utilization = Math.max(s.dd_utilization, r.max_drawdown / r.dd_budget);
    s.dd_budget = Math.max(s.dd_budget, r.dd_budget);
    s.cycles += r.cycles;
    s.duration_ms += r.duration_ms;
    s.emergency_ms += r.emergency_ms;
    s.damage_control_ms += r.damage_control_ms;
  }
  const series = concatSeries(runs);
  if (series) {
    s.buckets = series.length;
    s.sharpe = sharpeRatio(series);
    s.sortino = sortinoRatio(series);
  }
  return s;
}
