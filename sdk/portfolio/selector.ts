import { ErrorCode, GrinderError } from "../contracts/errors";
import type { PortfolioSelector, Selection, SymbolView } from "../contracts/features";
import type { ReasonCode } from "../contracts/trading";
import { allocateBudgets } from "./allocate";
import { parsePortfolioConfig, type PortfolioConfig, type PortfolioConfigInput, type PortfolioWeights } from "./config";
import { applyGates, isStaleNow, isToxicNow, validateViews, type GateExclusion, type RecentFlags } from "./gates";
import { InputSmoother } from "./smooth";
import { BELOW_CUT, HYSTERESIS_HELD, SCORE_LIQ, SCORE_RANGE, SCORE_TOX, SCORE_TREND } from "./reasons";
import { scoreSymbols, type SymbolScore } from "./score";
import { selectTopK } from "./select";

function lex(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameSeats(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Everything one `select` call decided, for notebooks and reports (superset of `Selection`). */
export interface SelectionDetail {
  selection: Selection;
  /** Scores of the gate-passing symbols, lexical. */
  scores: SymbolScore[];
  /** Hard-gate exclusions, lexical. */
  gated: GateExclusion[];
  /** True when the ranking was re-evaluated at this call (interval elapsed or first call). */
  reranked: boolean;
}

/**
 * Why a below-cut symbol lost: the component with the largest weighted deficit against the
 * weakest selected symbol (SCORE_* code), none when it is not behind on any component.
 */
export function weakestComponent(s: SymbolScore, cut: SymbolScore, w: PortfolioWeights): ReasonCode | null {
  const deficits: Array<[ReasonCode, number]> = [
    [SCORE_RANGE, w.w_range * (cut.range_score - s.range_score)],
    [SCORE_LIQ, w.w_liq * (cut.liquidity_score - s.liquidity_score)],
    [SCORE_TOX, w.w_tox * (s.tox_penalty - cut.tox_penalty)],
    [SCORE_TREND, w.w_trend * (s.trend_strength - cut.trend_strength)],
  ];
  let best: [ReasonCode, number] | null = null;
  for (const d of deficits) if (d[1] > 0 && (best === null || d[1] > best[1])) best = d;
  return best ? best[0] : null;
}

/** Optional state of a `selectPortfolio` call (what `TopKSelector` keeps between calls). */
export interface SelectOptions {
  /** The set selected at the previous call (incumbents for hysteresis; exits → `unloading`). */
  previous?: ReadonlySet<string>;
  /** Whether the ranking may change seats now (default true); otherwise only gate exits leave. */
  rerank?: boolean;
  /** When each symbol was last seen stale / toxic, for the gates' recovery memory. */
  recent?: ReadonlyMap<string, RecentFlags>;
  /** Views to score instead of the gated ones (e.g. smoothed inputs), by symbol. */
  scoreViews?: ReadonlyMap<string, SymbolView>;
}

/**
 * One pure Top-K step (spec 17.15 + 17.7.2): gates → scores → seats → budgets. Without options
 * it is plain Top-K on the views given.
 *
 * @example
 * const { selection, scores } = selectPortfolio(ts, views, 1000, defaultPortfolioConfig());
 */
export function selectPortfolio(
  ts: number,
  views: ReadonlyArray<SymbolView>,
  ddBudgetPortfolio: number,
  cfg: PortfolioConfig,
  opts: SelectOptions = {},
): SelectionDetail {
  const previous = opts.previous ?? new Set<string>();
  const rerank = opts.rerank ?? true;
  const { eligible, excluded: gated } = applyGates(ts, views, cfg.gates, opts.recent);
  const sv = opts.scoreViews;
  const scores = scoreSymbols(sv ? eligible.map((v) => sv.get(v.symbol) ?? v) : eligible, cfg);
  const incumbents = new Set(scores.filter((s) => previous.has(s.symbol)).map((s) => s.symbol));
  // Between re-evaluations seats only empty (gate exits); they are refilled at the next one.
  const selected = rerank ? selectTopK(scores, cfg.k, incumbents, cfg.hysteresis.score_margin) : [...incumbents].sort(lex);
  const seated = new Set(selected);
  const chosen = scores.filter((s) => seated.has(s.symbol));
  const budgets = allocateBudgets(chosen, ddBudgetPortfolio, cfg.allocator, cfg.budget_quantum);

  let cut: SymbolScore | null = null;
  for (const s of chosen) if (cut === null || s.score < cut.score || (s.score === cut.score && s.symbol > cut.symbol)) cut = s;
  const excluded: Array<{ symbol: string; reasons: ReasonCode[] }> = gated.map((g) => ({ symbol: g.symbol, reasons: [...g.reasons] }));
  const scoreRec: Record<string, number> = {};
  for (const s of scores) {
    scoreRec[s.symbol] = s.score;
    if (seated.has(s.symbol)) continue;
    const reasons: ReasonCode[] = [BELOW_CUT];
    if (cut !== null && s.score > cut.score) reasons.push(HYSTERESIS_HELD);
    const why = cut === null ? null : weakestComponent(s, cut, cfg.weights);
    if (why !== null) reasons.push(why);
    excluded.push({ symbol: s.symbol, reasons });
  }
  excluded.sort((a, b) => lex(a.symbol, b.symbol));
  const unloading = [...previous].filter((s) => !seated.has(s)).sort(lex);
  return {
    selection: { ts, selected, budgets, scores: scoreRec, excluded, unloading },
    scores,
    gated,
    reranked: rerank,
  };
}

/**
 * The Top-K portfolio selector (spec 17.15): a `PortfolioSelector` holding the hysteresis
 * state (the current seats and the time of the last re-evaluation). Calls must come in
 * non-decreasing data time. At every call: hard gates apply at once (a gated symbol leaves
 * immediately; a stale / toxic one stays gated for the recovery time). Budgets are allocated
 * at re-evaluations and whenever the seats or `ddBudgetPortfolio` change, else held. The
 * ranking, on exponentially smoothed inputs, is re-evaluated once `reselect_interval_ms` has
 * passed since the last re-evaluation, or at once while no seat is held; seats emptied by a
 * gate are refilled then.
 *
 * @example
 * const selector = new TopKSelector({ k: 3 });
 * const sel = selector.select(ts, views, 1000);  // sel.selected, sel.budgets, sel.excluded
 */
export class TopKSelector implements PortfolioSelector {
  readonly config: PortfolioConfig;
  private seats = new Set<string>();
  private lastTs: number | null = null;
  private lastDd = Number.NaN;
  private lastRerankTs: number | null = null;
  private lastDetailValue: SelectionDetail | null = null;
  private readonly recent = new Map<string, RecentFlags>();
  private readonly smoother: InputSmoother;

  constructor(cfg: PortfolioConfig | PortfolioConfigInput = {}) {
    this.config = parsePortfolioConfig(cfg);
    this.smoother = new InputSmoother(this.config.smoothing_half_life_ms);
  }

  select(ts: number, views: ReadonlyArray<SymbolView>, ddBudgetPortfolio: number): Selection {
    if (this.lastTs !== null && ts < this.lastTs)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `selection at ${ts} after one at ${this.lastTs}`, { field: "ts" });
    validateViews(ts, views);
    const g = this.config.gates;
    for (const v of views) {
      const stale = isStaleNow(ts, v, g);
      const toxic = isToxicNow(v, g);
      if (!stale && !toxic) continue;
      const r = this.recent.get(v.symbol) ?? { stale_ts: null, toxic_ts: null };
      if (stale) r.stale_ts = ts;
      if (toxic) r.toxic_ts = ts;
      this.recent.set(v.symbol, r);
    }
    const smoothed = this.smoother.smooth(ts, views);
    const scoreViews = new Map(smoothed.map((v) => [v.symbol, v]));
    // Re-evaluate on the interval, or at once when no seat is held (start, warm-up, all gated).
    const rerank = this.lastRerankTs === null || this.seats.size === 0 || ts - this.lastRerankTs >= this.config.reselect_interval_ms;
    const d = selectPortfolio(ts, views, ddBudgetPortfolio, this.config, { previous: this.seats, rerank, recent: this.recent, scoreViews });
    // Budgets are allocated at re-evaluations and when the seats or the portfolio budget change;
    // otherwise the last ones hold, so weighted budgets do not drift (and re-size grids) every call.
    const last = this.lastDetailValue?.selection;
    if (!rerank && last && ddBudgetPortfolio === this.lastDd && sameSeats(last.selected, d.selection.selected)) d.selection.budgets = { ...last.budgets };
    this.lastDd = ddBudgetPortfolio;
    this.lastTs = ts;
    if (rerank) this.lastRerankTs = ts;
    this.seats = new Set(d.selection.selected);
    this.lastDetailValue = d;
    return d.selection;
  }

  /** Full detail (component scores, gate exclusions) of the last call; null before the first. */
  get lastDetail(): SelectionDetail | null {
    return this.lastDetailValue;
  }

  /** Currently selected symbols, lexical. */
  get selected(): string[] {
    return [...this.seats].sort(lex);
  }

  /** Forget seats, timers, recovery memory and smoothing (a fresh run). */
  reset(): void {
    this.seats = new Set();
    this.lastTs = null;
    this.lastRerankTs = null;
    this.lastDetailValue = null;
    this.lastDd = Number.NaN;
    this.recent.clear();
    this.smoother.reset();
  }
}
