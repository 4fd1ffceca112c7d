/**
 * Synthetic evaluators for calibration tests: deterministic closed-form "replays" of a config on
 * an evaluation unit, so the calibration machinery is tested without the engine's cost.
 * `SYNTH_DELAY_MS` makes each call busy-wait (worker-pool and kill/resume tests).
 */
import type { EvalTask, TrialMetrics } from "../../sdk/calibration/evaluator";
import { hashCanonical } from "../../sdk/util/canonical";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";

function delay(): void {
  const ms = Number(process.env.SYNTH_DELAY_MS ?? 0);
  if (!(ms > 0)) return;
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end) {
    /* busy: models a CPU-bound replay */
  }
}

/** Deterministic pseudo-noise in [-1, 1) from any JSON value. */
function noise(x: unknown): number {
  return parseInt(hashCanonical(x).slice(0, 8), 16) / 0x80000000 - 1;
}

function cfg(t: EvalTask): { alpha: number; k: number } {
  const p = t.config.policy as { alpha: number; k_tail: { RANGE: number } };
  return { alpha: p.alpha, k: p.k_tail.RANGE };
}

/** Smooth objective peaking near alpha = 0.6, k_tail.RANGE = 2.5, plus small per-unit noise. */
export function evaluate(t: EvalTask): TrialMetrics {
  delay();
  const { alpha, k } = cfg(t);
  const dur = t.unit.to_ts - t.unit.from_ts;
  const n = noise({ u: t.unit.id, alpha, k });
  return {
    net_pnl: 100 * (1 - (alpha - 0.6) ** 2) - 20 * (k - 2.5) ** 2 + 5 * n,
    fees: 3 + alpha,
    max_drawdown: 40 + 30 * Math.abs(alpha - 0.6) + 10 * Math.abs(k - 2.5),
    dd_budget: 500,
    cycles: 10 + Math.round(alpha * 20),
    duration_ms: dur,
    emergency_ms: k < 1.6 ? dur / 10 : 0,
    damage_control_ms: 0,
    fill_model: "synthetic",
  };
}

/**
 * Overfitting bait: each time segment rewards a different alpha ("memorised noise"), so the
 * alpha selected in sample is worthless out of sample.
 */
export function evaluateOverfit(t: EvalTask): TrialMetrics {
  const { alpha } = cfg(t);
  const dur = t.unit.to_ts - t.unit.from_ts;
  const magic = [0.2, 0.4, 0.6, 0.8, 1.0, 0.3][t.unit.segment % 6];
  const hit = Math.abs(alpha - magic) < 1e-9;
  return {
    net_pnl: hit ? 200 : -50,
    fees: 1,
    max_drawdown: 50,
    dd_budget: 500,
    cycles: 20,
    duration_ms: dur,
    emergency_ms: 0,
    damage_control_ms: 0,
    fill_model: "synthetic",
  };
}

/** Fails on segment 1 with a GrinderError (error transport from worker threads). */
export function evaluateFailing(t: EvalTask): TrialMetrics {
  if (t.unit.segment === 1) throw new GrinderError(ErrorCode.BAD_NUMBER, "synthetic failure", { field: "net_pnl" });
  return evaluate(t);
}

/**
 * `evaluate` plus the per-bucket PnL series (8 buckets per unit, deterministic noise around
 * net_pnl / 8, summing to net_pnl), fills and a buy-and-hold figure: exercises PBO, DSR and the
 * baselines without the engine.
 */
export function evaluateSeries(t: EvalTask): TrialMetrics {
  const m = evaluate(t);
  const { alpha, k } = cfg(t);
  const raw = Array.from({ length: 8 }, (_, i) => m.net_pnl / 8 + 10 * noise({ u: t.unit.id, alpha, k, i }));
  const shift = (m.net_pnl - raw.reduce((a, b) => a + b, 0)) / 8;
  return { ...m, pnl_series: raw.map((x) => x + shift), series_ms: (t.unit.to_ts - t.unit.from_ts) / 8, fills: 2 * m.cycles, turnover: 1000 * alpha, bh_pnl: 5 * t.unit.segment };
}
