import type { SymbolView } from "../contracts/features";
import type { PortfolioConfig } from "./config";
import { bySymbol, hasFreshL2 } from "./gates";
import * as libm from "../util/libm";

/**
 * Score of one gate-passing symbol (spec 17.15.2) with its normalised components, all in
 * [0, 1]: `range_score` and `liquidity_score` (higher = better), `tox_penalty` and
 * `trend_strength` (higher = worse; trend as |trend_strength|).
 */
export interface SymbolScore {
  symbol: string;
  /** w_range·range_score + w_liq·liquidity_score − w_tox·tox_penalty − w_trend·trend_strength. */
  score: number;
  range_score: number;
  liquidity_score: number;
  tox_penalty: number;
  trend_strength: number;
  /** The feature values the components came from. */
  raw: {
    range_score: number;
    trend_strength: number;
    thin_l1_quote: number;
    /** null when the symbol had no fresh L2 book. */
    depth_topn_usd: number | null;
    impact_bps: number | null;
  };
}

/** Largest value, or 0 for none; NaN never gets here (validateViews). */
function maxOf(xs: ReadonlyArray<number>): number {
  let m = 0;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** x / max(xs) in [0, 1]; 1 for everyone when all are zero (no information to tell them apart). */
function ratioToMax(xs: ReadonlyArray<number>): number[] {
  const m = maxOf(xs);
  return xs.map((x) => (m > 0 ? x / m : 1));
}

/**
 * Score the compared symbols (spec 17.15.2). Normalisation `max_ratio` (ADR-007), computed
 * across exactly the views passed in (the gate-passing symbols):
 *
 * - range: ln(1 + range_score) / max over the compared symbols. The log tames the heavy tail
 *   of sum_abs / (net + eps) when the net move is near zero.
 * - liquidity: mean of the sub-scores the symbol has: L1 ln(1 + thin_l1_quote) / max (every
 *   symbol); with a fresh L2 book also ln(1 + depth_topn_usd) / max and
 *   (1 + min impact_bps) / (1 + impact_bps), each among the symbols that have it.
 * - tox: the toxicity penalty as is (the contract already puts it on an absolute 0..1 scale).
 * - trend: |trend_strength| / max(largest |trend_strength|, `trend_scale_floor`).
 *
 * Ratios to the best keep magnitudes (a symbol twice as liquid stays twice as liquid on the log
 * scale) and do not stretch tiny differences between similar symbols to the full range, unlike
 * ranks or min-max. Every step is symmetric in the symbols, so the result does not depend on
 * the input order; output is lexical by symbol.
 *
 * @example
 * const cfg = defaultPortfolioConfig();
 * const scores = scoreSymbols(applyGates(ts, views, cfg.gates).eligible, cfg);
 */
export function scoreSymbols(views: ReadonlyArray<SymbolView>, cfg: PortfolioConfig): SymbolScore[] {
  const vs = [...views].sort(bySymbol);
  const n = vs.length;
  const rawRange = vs.map((v) => v.features.range_score ?? 0);
  const rawTrend = vs.map((v) => Math.abs(v.features.trend_strength ?? 0));
  const range = ratioToMax(rawRange.map((r) => libm.log1p(Math.max(0, r))));
  const thin = ratioToMax(vs.map((v) => libm.log1p(Math.max(0, v.features.thin_l1_quote))));

  const l2 = vs.map(hasFreshL2);
  const depthIdx: number[] = [];
  const impactIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!l2[i]) continue;
    depthIdx.push(i);
    if (vs[i].features.impact_bps !== null) impactIdx.push(i);
  }
  const depth = ratioToMax(depthIdx.map((i) => libm.log1p(Math.max(0, vs[i].features.depth_topn_usd as number))));
  let minImpact = Infinity;
  for (const i of impactIdx) minImpact = Math.min(minImpact, Math.max(0, vs[i].features.impact_bps as number));
  const depthOf = new Map<number, number>(depthIdx.map((i, j) => [i, depth[j]]));

  const trendScale = Math.max(maxOf(rawTrend), cfg.trend_scale_floor);
  const w = cfg.weights;
  const out: SymbolScore[] = [];
  for (let i = 0; i < n; i++) {
    const f = vs[i].features;
    let liqSum = thin[i];
    let liqN = 1;
    const d = depthOf.get(i);
    if (d !== undefined) {
      liqSum += d;
      liqN++;
      if (f.impact_bps !== null) {
        liqSum += (1 + minImpact) / (1 + Math.max(0, f.impact_bps));
        liqN++;
      }
    }
    const liquidity = liqSum / liqN;
    const tox = vs[i].tox.penalty;
    const trend = rawTrend[i] / trendScale;
    const score = w.w_range * range[i] + w.w_liq * liquidity - w.w_tox * tox - w.w_trend * trend;
    out.push({
      symbol: vs[i].symbol,
      score,
      range_score: range[i],
      liquidity_score: liquidity,
      tox_penalty: tox,
      trend_strength: trend,
      raw: {
        range_score: rawRange[i],
        trend_strength: f.trend_strength ?? 0,
        thin_l1_quote: f.thin_l1_quote,
        depth_topn_usd: l2[i] ? f.depth_topn_usd : null,
        impact_bps: l2[i] ? f.impact_bps : null,
      },
    });
  }
  return out;
}
