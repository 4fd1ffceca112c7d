import { ErrorCode, GrinderError } from "../contracts/errors";
import type { PortfolioSelector, Selection, SymbolView } from "../contracts/features";
import type { ReasonCode } from "../contracts/trading";
import { allocateBudgets } from "./allocate";
import { parsePortfolioConfig, type PortfolioConfig, type PortfolioConfigInput, type PortfolioWeights } from "./config";
import { applyGates, type GateExclusion } from "./gates";
import { BELOW_CUT, HYSTERESIS_HELD, SCORE_LIQ, SCORE_RANGE, SCORE_TOX, SCORE_TREND } from "./reasons";
import { scoreSymbols, type SymbolScore } from "./score";
import { fillSeats, selectTopK } from "./select";

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

/**
 * One pure Top-K step (spec 17.15 + 17.7.2): gates → scores → seats → budgets. `previous` is
 * the set selected at the last call; `rerank` says whether the ranking may change seats now
 * (otherwise only gate exits leave and empty seats are filled).
 */
export function selectPortfolio(
  ts: number,
  views: ReadonlyArray<SymbolView>,
  ddBudgetPortfolio: number,
  cfg: PortfolioConfig,
  previous: ReadonlySet<string> = new Set(),
  rerank = true,
): SelectionDetail {
  const { eligible, excluded: gated } = applyGates(ts, views, cfg.gates);
  const scores = scoreSymbols(eligible, cfg);
  const incumbents = new Set(scores.filter((s) => previous.has(s.symbol)).map((s) => s.symbol));
  const selected = rerank ? selectTopK(scores, cfg.k, incumbents, cfg.hysteresis.score_margin) : fillSeats(scores, cfg.k, incumbents);
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
  excluded.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const unloading = [...previous].filter((s) => !seated.has(s)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
 * immediately) and budgets are recomputed from `ddBudgetPortfolio`; the ranking itself is
 * re-evaluated only once `reselect_interval_ms` has passed since the last re-evaluation, and
 * in between empty seats are filled by the best candidates.
 *
 * @example
 * const selector = new TopKSelector({ k: 3 });
 * const sel = selector.select(ts, views, 1000);  // sel.selected, sel.budgets, sel.excluded
 */
export class TopKSelector implements PortfolioSelector {
  readonly config: PortfolioConfig;
  private seats = new Set<string>();
  private lastTs: number | null = null;
  private lastRerankTs: number | null = null;
  private lastDetailValue: SelectionDetail | null = null;

  constructor(cfg: PortfolioConfig | PortfolioConfigInput = {}) {
    this.config = parsePortfolioConfig(cfg);
  }

  select(ts: number, views: ReadonlyArray<SymbolView>, ddBudgetPortfolio: number): Selection {
    if (this.lastTs !== null && ts < this.lastTs)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `selection at ${ts} after one at ${this.lastTs}`, { field: "ts" });
    const rerank = this.lastRerankTs === null || ts - this.lastRerankTs >= this.config.reselect_interval_ms;
    const d = selectPortfolio(ts, views, ddBudgetPortfolio, this.config, this.seats, rerank);
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
    return [...this.seats].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Forget seats and timers (a fresh run). */
  reset(): void {
    this.seats = new Set();
    this.lastTs = null;
    this.lastRerankTs = null;
    this.lastDetailValue = null;
  }
}
