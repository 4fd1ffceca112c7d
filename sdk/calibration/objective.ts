import type { SetMetrics } from "./evaluator";
import type { ObjectiveSpec } from "./spec";

/**
 * A score: `value` (higher is better) or `null` with the `reason` a hard constraint was
 * violated. `null` ranks below every number — it is the deterministic, JSON-representable
 * form of −∞ (canonical JSON has no Infinity).
 */
export interface Score {
  value: number | null;
  reason?: string;
  /** The terms the value was built from, for reports. */
  terms: { base: number; penalty: number; emergency_frac: number; damage_control_frac: number; cycles_per_hour: number };
}

const HOUR_MS = 3_600_000;

/**
 * Score a set of runs under an objective. Formulas (docs/CALIBRATION.md):
 * - `pnl_per_dd`: with F = dd_floor · dd_budget and D = max(max_drawdown, F):
 *                 net_pnl / D for a gain, (net_pnl / F) · (D / F) for a loss — so a loss is never
 *                 improved by a larger drawdown (it is made worse), ADR-060
 * - `net_pnl`:    net_pnl / dd_budget
 * - `cycles`:     cycles per hour of replayed data
 * - `sharpe`:     Sharpe ratio of the per-bucket (hourly) mark-to-market PnL series
 * then minus `penalty_emergency · emergency_frac + penalty_damage_control · damage_control_frac`
 * (fractions of replayed time). Hard constraints are checked first, in a fixed order, and the
 * first violated one gives `null` with its reason.
 */
export function score(m: SetMetrics, obj: ObjectiveSpec): Score {
  const dur = m.duration_ms;
  const emergency_frac = dur > 0 ? m.emergency_ms / dur : 0;
  const damage_control_frac = dur > 0 ? m.damage_control_ms / dur : 0;
  const cycles_per_hour = dur > 0 ? (m.cycles * HOUR_MS) / dur : 0;
  const terms = { base: 0, penalty: 0, emergency_frac, damage_control_frac, cycles_per_hour };
  const c = obj.constraints;
  const fail = (reason: string): Score => ({ value: null, reason, terms });
  if (m.units === 0 || dur <= 0) return fail("no replayed data");
  if (m.cycles < c.min_cycles) return fail(`cycles ${m.cycles} < min_cycles ${c.min_cycles}`);
  if (cycles_per_hour < c.min_cycles_per_hour) return fail(`cycles/hour ${fmt(cycles_per_hour)} < min_cycles_per_hour ${c.min_cycles_per_hour}`);
  if (m.dd_utilization > c.max_dd_utilization) return fail(`dd utilization ${fmt(m.dd_utilization)} > max_dd_utilization ${c.max_dd_utilization}`);
  if (emergency_frac > c.max_emergency_frac) return fail(`emergency time fraction ${fmt(emergency_frac)} > max_emergency_frac ${c.max_emergency_frac}`);
  let base: number;
  switch (obj.name) {
    case "pnl_per_dd":
      base = pnlPerDd(m.net_pnl, m.max_drawdown, obj.dd_floor * m.dd_budget);
      break;
    case "sharpe":
      if (m.sharpe === null) return fail("no PnL series with variance (sharpe undefined)");
      base = m.sharpe;
      break;
    case "net_pnl":
      base = m.net_pnl / m.dd_budget;
      break;
    case "cycles":
      base = cycles_per_hour;
      break;
  }
  const penalty = obj.penalty_emergency * emergency_frac + obj.penalty_damage_control * damage_control_frac;
  terms.base = base;
  terms.penalty = penalty;
  const value = base - penalty;
  if (!Number.isFinite(value)) return fail(`objective is not finite (${value})`);
  return { value, terms };
}

/**
 * PnL per unit of drawdown that never rewards a bigger drawdown: with D = max(dd, floor),
 * net / D when net ≥ 0 (more PnL per unit of risk is better), (net / floor) · (D / floor) when
 * net < 0 (the loss, in floor units, scaled up by the drawdown in floor units). Continuous at 0,
 * increasing in net and non-increasing in dd on both sides (ADR-060).
 */
export function pnlPerDd(net: number, dd: number, floor: number): number {
  const D = Math.max(dd, floor);
  return net >= 0 ? net / D : (net / floor) * (D / floor);
}

/** The old formula net / max(dd, floor) (kept for the comparison test and the docs only). */
export function pnlPerDdV1(net: number, dd: number, floor: number): number {
  return net / Math.max(dd, floor);
}

/** Total order on scores: higher value first, `null` last; equal → 0 (callers break ties by trial index). */
export function compareScores(a: number | null, b: number | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return a > b ? -1 : a < b ? 1 : 0;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/**
 * The score and headline metrics of one point, as the flat columns of a scored-points row
 * (`CalibrationResult.table`, `evaluatePoint`): one definition for both.
 */
export function scoredColumns(s: Score, m: SetMetrics) {
  return {
    objective: s.value,
    feasible: s.value !== null,
    reason: s.reason ?? "",
    net_pnl: m.net_pnl,
    max_drawdown: m.max_drawdown,
    dd_utilization: m.dd_utilization,
    sharpe: m.sharpe,
    sortino: m.sortino,
    turnover: m.turnover,
    fills: m.fills,
    cycles: m.cycles,
    fees: m.fees,
  };
}
