import { ErrorCode, GrinderError } from "../contracts/errors";

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
  dd_utilisation: number;
  /** Largest single-run drawdown budget. */
  dd_budget: number;
  cycles: number;
  duration_ms: number;
  emergency_ms: number;
  damage_control_ms: number;
}

/**
 * Combine independent runs: flows add up (PnL, fees, cycles, time), risk takes the worst run
 * (drawdown and its utilisation) because the runs are separate windows, not one equity curve.
 * Summation follows the given (sorted) order so the float result never depends on scheduling.
 */
export function aggregate(runs: readonly TrialMetrics[]): SetMetrics {
  const s: SetMetrics = {
    units: runs.length,
    net_pnl: 0,
    fees: 0,
    max_drawdown: 0,
    dd_utilisation: 0,
    dd_budget: 0,
    cycles: 0,
    duration_ms: 0,
    emergency_ms: 0,
    damage_control_ms: 0,
  };
  for (const r of runs) {
    s.net_pnl += r.net_pnl;
    s.fees += r.fees;
    s.max_drawdown = Math.max(s.max_drawdown, r.max_drawdown);
    s.dd_utilisation = Math.max(s.dd_utilisation, r.max_drawdown / r.dd_budget);
    s.dd_budget = Math.max(s.dd_budget, r.dd_budget);
    s.cycles += r.cycles;
    s.duration_ms += r.duration_ms;
    s.emergency_ms += r.emergency_ms;
    s.damage_control_ms += r.damage_control_ms;
  }
  return s;
}
