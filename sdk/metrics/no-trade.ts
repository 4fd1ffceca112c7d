import type { GridPlan } from "../contracts/trading";

/** Why a symbol did not trade (ADR-073): its plans counted by what kept them from quoting. */
export interface SymbolNoTrade {
  symbol: string;
  fills: number;
  plans: number;
  /** `MODE/FIRST_REASON` of plans with no level (e.g. `PAUSE/FEATURES_NOT_WARM`), `NOT_SELECTED`, `QUOTED`; sorted by count, then key. */
  reasons: Array<{ key: string; count: number }>;
}

export interface NoTradeReport {
  /** Symbols with 0 fills (all of them when the run made no fill). */
  symbols: SymbolNoTrade[];
  /** One line per symbol, e.g. `ETHUSD: 0 fills in 11 plans — PAUSE/FEATURES_NOT_WARM ×11`. */
  lines: string[];
}

/**
 * Counts, per symbol, the reason codes of the plans the engine made (ADR-073). A plan with no
 * bid and no ask is keyed by its mode and first reason code (the regime action or guard that
 * stopped it: `PAUSE/FEATURES_NOT_WARM`, `REDUCE_ONLY/REGIME_VOL_SHOCK`, ...); a plan of a
 * symbol the portfolio selector did not seat is `NOT_SELECTED`; a plan with levels is `QUOTED`
 * (quoted, but the market never reached an order). Fed through the engine's `onPlan` hook;
 * no effect on the event log or the digest.
 */
export class NoTradeTally {
  private readonly per = new Map<string, { plans: number; keys: Map<string, number> }>();

  add(plan: GridPlan, selected: boolean): void {
    let e = this.per.get(plan.symbol);
    if (!e) this.per.set(plan.symbol, (e = { plans: 0, keys: new Map() }));
    e.plans++;
    const key = !selected ? "NOT_SELECTED" : plan.bids.length + plan.asks.length > 0 ? "QUOTED" : `${plan.mode}/${plan.reasons[0] ?? "NO_REASON"}`;
    e.keys.set(key, (e.keys.get(key) ?? 0) + 1);
  }

  /** The report for the symbols with 0 fills; `symbols` lists every instrument of the run. */
  report(fillsBySymbol: ReadonlyMap<string, number>, symbols: Iterable<string>): NoTradeReport {
    const out: SymbolNoTrade[] = [];
    for (const symbol of [...symbols].sort()) {
      const fills = fillsBySymbol.get(symbol) ?? 0;
      if (fills > 0) continue;
      const e = this.per.get(symbol);
      const reasons = e ? [...e.keys].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)) : [];
      out.push({ symbol, fills, plans: e?.plans ?? 0, reasons });
    }
    const lines = out.map((s) => `${s.symbol}: 0 fills in ${s.plans} plans${s.plans ? " — " + s.reasons.map((r) => `${r.key} ×${r.count}`).join(", ") : " (no policy tick: too few snapshots for one bar)"}`);
    return { symbols: out, lines };
  }
}
