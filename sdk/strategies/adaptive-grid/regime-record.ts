import type { Features, ToxAssessment } from "../../contracts/features";
import type { ReasonCode, Regime, ToxAction, ToxSeverity } from "../../contracts/trading";
import type { RegimeStage } from "./stages";

/** One policy tick of one symbol as the engine traded it: the engine's own regime record. */
export interface RegimeRow {
  symbol: string;
  /** Data time of the policy tick (features as of that snapshot). */
  ts: number;
  bar: number;
  regime: Regime;
  changed: boolean;
  reasons: string;
  tox_severity: ToxSeverity;
  tox_action: ToxAction;
  tox_penalty: number;
  tox_reasons: string;
  mid: number;
  natr: number | null;
  vol_ratio: number | null;
  trend_strength: number | null;
  range_score: number | null;
  spread_bps: number;
  spread_bps_baseline: number | null;
  impact_bps: number | null;
  depth_topn_usd: number | null;
  /** depth_topn_usd / its slow baseline (regime controller). */
  depth_ratio: number | null;
  thin_l1_quote: number;
  l1_age_ms: number;
  l1_stale: boolean;
  l2_stale: boolean;
  warm: boolean;
}

export function regimeRow(symbol: string, f: Features, tox: ToxAssessment, d: { regime: Regime; changed: boolean; reasons: ReasonCode[] }, rc: RegimeStage): RegimeRow {
  const diag = rc.diagnostics;
  return {
    symbol,
    ts: f.ts,
    bar: f.bars,
    regime: d.regime,
    changed: d.changed,
    reasons: d.reasons.join(","),
    tox_severity: tox.severity,
    tox_action: tox.action,
    tox_penalty: tox.penalty,
    tox_reasons: tox.reasons.join(","),
    mid: f.mid,
    natr: f.natr,
    vol_ratio: diag ? diag.vol_ratio : null,
    trend_strength: f.trend_strength,
    range_score: f.range_score,
    spread_bps: f.spread_bps,
    spread_bps_baseline: f.spread_bps_baseline,
    impact_bps: f.impact_bps,
    depth_topn_usd: f.depth_topn_usd,
    depth_ratio: diag ? diag.depth_ratio : null,
    thin_l1_quote: f.thin_l1_quote,
    l1_age_ms: f.l1_age_ms,
    l1_stale: f.l1_stale,
    l2_stale: f.l2_stale,
    warm: f.warm,
  };
}
