import type { SymbolView } from "../contracts/features";
import { hasFreshL2 } from "./gates";
import * as libm from "../util/libm";

interface State {
  ts: number;
  logRange: number;
  absTrend: number;
  logThin: number;
  logDepth: number | null;
  impact: number | null;
  penalty: number;
}

/**
 * Exponential smoothing of the Top-K score inputs, per symbol, over the selector's calls
 * (data-time half-life; spec 17.15.2 inputs): ln(1 + range_score), |trend_strength|,
 * ln(1 + thin_l1_quote), ln(1 + depth_topn_usd) and impact_bps while a fresh L2 book exists,
 * tox penalty. The 30-bar features swing within minutes; a selection that holds for hours
 * should rank what a symbol has been doing over about the half-life. Gates never see the
 * smoothed values. A symbol that cannot be scored (null range/trend) keeps its state.
 */
export class InputSmoother {
  private readonly state = new Map<string, State>();

  constructor(readonly halfLifeMs: number) {}

  /** Update with the views at `ts` and return views carrying the smoothed inputs (same order). */
  smooth(ts: number, views: ReadonlyArray<SymbolView>): SymbolView[] {
    return views.map((v) => this.one(ts, v));
  }

  private one(ts: number, v: SymbolView): SymbolView {
    const f = v.features;
    if (this.halfLifeMs === 0 || f.range_score === null || f.trend_strength === null) return v;
    const l2 = hasFreshL2(v);
    const x: State = {
      ts,
      logRange: libm.log1p(Math.max(0, f.range_score)),
      absTrend: Math.abs(f.trend_strength),
      logThin: libm.log1p(Math.max(0, f.thin_l1_quote)),
      logDepth: l2 ? libm.log1p(Math.max(0, f.depth_topn_usd as number)) : null,
      impact: l2 && f.impact_bps !== null ? Math.max(0, f.impact_bps) : null,
      penalty: v.tox.penalty,
    };
    const s = this.state.get(v.symbol);
    if (s !== undefined && ts > s.ts) {
      const a = 1 - libm.pow(2, -(ts - s.ts) / this.halfLifeMs);
      x.logRange = s.logRange + a * (x.logRange - s.logRange);
      x.absTrend = s.absTrend + a * (x.absTrend - s.absTrend);
      x.logThin = s.logThin + a * (x.logThin - s.logThin);
      // L2 sub-scores restart when the book (re)appears.
      if (x.logDepth !== null && s.logDepth !== null) x.logDepth = s.logDepth + a * (x.logDepth - s.logDepth);
      if (x.impact !== null && s.impact !== null) x.impact = s.impact + a * (x.impact - s.impact);
      x.penalty = s.penalty + a * (x.penalty - s.penalty);
    } else if (s !== undefined && ts === s.ts) {
      return this.view(v, s);
    }
    this.state.set(v.symbol, x);
    return this.view(v, x);
  }

  private view(v: SymbolView, s: State): SymbolView {
    return {
      ...v,
      features: {
        ...v.features,
        range_score: libm.expm1(s.logRange),
        trend_strength: s.absTrend,
        thin_l1_quote: libm.expm1(s.logThin),
        depth_topn_usd: s.logDepth === null ? v.features.depth_topn_usd : libm.expm1(s.logDepth),
        impact_bps: s.impact === null ? v.features.impact_bps : s.impact,
      },
      tox: { ...v.tox, penalty: Math.min(1, Math.max(0, s.penalty)) },
    };
  }

  reset(): void {
    this.state.clear();
  }
}
