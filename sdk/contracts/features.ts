import type { ReasonCode, Regime, ToxAction, ToxSeverity } from "./trading";

/**
 * The per-symbol feature vector (spec 17.5) the feature engine keeps up to date. One object
 * per symbol, updated in place by the engine (no per-tick allocation): copy it if you keep it.
 * Ratios are fractions (0.01 = 1 %); `_bps` fields are basis points. `null` = not warmed up
 * or not available (L2 absent / stale → L2 fields null, spec 17.4.2 degradation).
 */
export interface Features {
  symbol: string;
  /** Data time of the last snapshot (ms). */
  ts: number;
  // --- L1 (17.5.3) ---
  mid: number;
  spread_bps: number;
  /** (bid_qty − ask_qty) / (bid_qty + ask_qty + eps). */
  imbalance_l1: number;
  /** min(bid_qty, ask_qty), base. */
  thin_l1: number;
  /** thin_l1 · mid, quote. */
  thin_l1_quote: number;
  /** Slow EMA of spread_bps: the symbol's normal spread, for spike detection. */
  spread_bps_baseline: number | null;
  // --- bars + volatility (17.5.1, 17.5.2) ---
  /** Closed bars so far. */
  bars: number;
  /** Close of the last closed bar (mid). */
  bar_close: number | null;
  /** Last closed bar's return close/prev_close − 1. */
  bar_return: number | null;
  atr: number | null;
  /** ATR / close, per bar interval. */
  natr: number | null;
  natr_source: "mid_bars" | "klines";
  // --- range / trend (17.5.5), over horizon H bars ---
  sum_abs_returns: number | null;
  net_return: number | null;
  range_score: number | null;
  /** Signed: > 0 up-trend, < 0 down-trend; |x| compared with the trend threshold. */
  trend_strength: number | null;
  // --- L2 (17.5.4): null without a fresh book ---
  depth_topn_usd: number | null;
  depth_imbalance_topn: number | null;
  spread_at_depth_bps: number | null;
  impact_bps: number | null;
  book_slope: number | null;
  /** Largest level qty / median level qty on either side of the top N. */
  wall_ratio: number | null;
  // --- staleness (17.4.3), data time ---
  /** ms since the previous L1 update of this symbol. */
  l1_age_ms: number;
  /** ms since the book's last update; null when no book was ever seen. */
  l2_age_ms: number | null;
  l1_stale: boolean;
  l2_stale: boolean;
  /** All bar-based features are available. */
  warm: boolean;
}

/** Toxicity gate output (spec 17.14.1). */
export interface ToxAssessment {
  severity: ToxSeverity;
  action: ToxAction;
  /** 0 (clean) .. 1 (worst), for scoring and allocation. */
  penalty: number;
  reasons: ReasonCode[];
}

/** One symbol as the portfolio selector sees it at a re-selection tick. */
export interface SymbolView {
  symbol: string;
  features: Readonly<Features>;
  tox: ToxAssessment;
  regime: Regime;
  /**
   * Last funding rate seen on the symbol's snapshots (futures), for the optional Top-K funding
   * gate (spec 17.15.1). Absent/null when the feed has none: the gate is then skipped.
   */
  funding_rate?: number | null;
}

/** Result of Top-K selection + allocation (spec 17.15, 17.7.2). */
export interface Selection {
  ts: number;
  /** Selected symbols, lexical order. */
  selected: string[];
  /** Per-symbol DD budget in quote; sums exactly to the portfolio budget over `selected`. */
  budgets: Record<string, number>;
  scores: Record<string, number>;
  /** Symbols not selected, with why (hard-gate codes, or BELOW_CUT). */
  excluded: Array<{ symbol: string; reasons: ReasonCode[] }>;
  /**
   * Symbols selected at the previous call and not now, lexical order: the engine unloads them
   * reduce-only (no new risk) rather than abandoning their inventory (spec 17.15.3). Every
   * symbol outside `selected` gets no new risk; this list marks the exits at this tick.
   */
  unloading?: string[];
}

/** What the engine calls at each re-selection tick when running a portfolio. */
export interface PortfolioSelector {
  select(ts: number, views: ReadonlyArray<SymbolView>, ddBudgetPortfolio: number): Selection;
}
