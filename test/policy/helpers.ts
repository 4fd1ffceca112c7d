import type { Features, ToxAssessment } from "../../sdk/contracts/features";
import type { InstrumentSpec } from "../../sdk/contracts/market";
import type { PlanInput } from "../../sdk/policy";

/** A warm feature vector with only the fields the policy reads set meaningfully. */
export function features(over: Partial<Features> = {}): Features {
  return {
    symbol: "TESTUSDT", ts: 0, mid: 100, spread_bps: 2, imbalance_l1: 0, thin_l1: 10, thin_l1_quote: 1000, spread_bps_baseline: 2,
    bars: 100, bar_close: 100, bar_return: 0, atr: 0.2, natr: 0.002, natr_source: "mid_bars", sum_abs_returns: 0.05,
    net_return: 0, range_score: 0.5, trend_strength: 0, depth_topn_usd: null, depth_imbalance_topn: null,
    spread_at_depth_bps: null, impact_bps: null, book_slope: null, wall_ratio: null, l1_age_ms: 100, l2_age_ms: null,
    l1_stale: false, l2_stale: false, warm: true, ...over,
  };
}

export const CLEAN_TOX: ToxAssessment = { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] };

export const INSTRUMENT: InstrumentSpec = { symbol: "TESTUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 };

export function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    symbol: "TESTUSDT", ts: 1_000, instrument: INSTRUMENT, features: features(), regime: "RANGE", tox: CLEAN_TOX,
    dd_budget: 100, equity: 10_000, inventory_qty: 0, guard: "NORMAL", ...over,
  };
}
