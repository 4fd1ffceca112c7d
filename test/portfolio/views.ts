import type { Features, SymbolView, ToxAssessment } from "../../sdk/contracts/features";
import type { Regime } from "../../sdk/contracts/trading";

/** A warm, liquid, choppy, clean feature vector; override what a test is about. */
export function features(symbol: string, o: Partial<Features> = {}): Features {
  return {
    symbol,
    ts: 1_000_000,
    mid: 100,
    spread_bps: 2,
    imbalance_l1: 0,
    thin_l1: 500,
    thin_l1_quote: 50_000,
    spread_bps_baseline: 2,
    bars: 100,
    bar_close: 100,
    bar_return: 0,
    atr: 0.2,
    natr: 0.002,
    natr_source: "mid_bars",
    sum_abs_returns: 0.05,
    net_return: 0.002,
    range_score: 20,
    trend_strength: 0.2,
    depth_topn_usd: null,
    depth_imbalance_topn: null,
    spread_at_depth_bps: null,
    impact_bps: null,
    book_slope: null,
    wall_ratio: null,
    l1_age_ms: 500,
    l2_age_ms: null,
    l1_stale: false,
    l2_stale: false,
    warm: true,
    ...o,
  };
}

export function tox(o: Partial<ToxAssessment> = {}): ToxAssessment {
  return { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [], ...o };
}

export function view(
  symbol: string,
  f: Partial<Features> = {},
  t: Partial<ToxAssessment> = {},
  regime: Regime = "RANGE",
  funding_rate?: number | null,
): SymbolView {
  const v: SymbolView = { symbol, features: features(symbol, f), tox: tox(t), regime };
  if (funding_rate !== undefined) v.funding_rate = funding_rate;
  return v;
}

/** The multisymbol_topk_l1 cast on synthetic views: 3 choppy liquid, trending, toxic, thin, stale. */
export function castViews(ts = 1_000_000): SymbolView[] {
  return [
    view("CHOP1", { range_score: 22, trend_strength: 0.1, thin_l1_quote: 60_000 }),
    view("CHOP2", { range_score: 18, trend_strength: -0.3, thin_l1_quote: 45_000 }),
    view("CHOP3", { range_score: 25, trend_strength: 0.2, thin_l1_quote: 52_000 }),
    view("TREND", { range_score: 1.6, trend_strength: 3.2, thin_l1_quote: 80_000 }, {}, "TREND_UP"),
    view("TOXIC", { range_score: 20, spread_bps: 30 }, { severity: "HIGH", action: "PAUSE", penalty: 0.8 }, "TOXIC"),
    view("THIN", { range_score: 21, thin_l1_quote: 300 }, {}, "THIN_BOOK"),
    view("STALE", { range_score: 23, ts: ts - 120_000 }),
  ];
}
