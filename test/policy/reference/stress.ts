import type { Features } from "../../../sdk/contracts/features";
import type { PolicyConfig, GeometryRegime } from "../../../sdk/policy/config";
import { PolicyReason } from "../../../sdk/policy/reasons";
import type { ReasonCode } from "../../../sdk/contracts/trading";

/** Result of the stress model (spec 17.8): every intermediate, for notebooks and reasons. */
export interface StressResult {
  /** n = H / TF bars in the horizon. */
  n: number;
  horizon_minutes: number;
  k_tail: number;
  /** sigma_H = NATR · √n. */
  sigma_h: number;
  /** X_base = k_tail · sigma_H. */
  x_base: number;
  l2_penalty: number;
  trend_penalty: number;
  /** clamp(X_base · l2_penalty · trend_penalty, X_min, X_cap). */
  x_stress: number;
  width_up: number;
  width_down: number;
  reasons: ReasonCode[];
}

/**
 * L2 penalty >= 1 (spec 17.8.1) from impact and depth; exactly 1 when both are null (no fresh
 * book). penalty = clamp(1 + w_i·max(0, impact/impact_ref − 1) + w_d·max(0, depth_ref/depth − 1), 1, max).
 */
export function computeL2Penalty(
  impactBps: number | null,
  depthQuote: number | null,
  cfg: PolicyConfig["l2_penalty"],
): number {
  let p = 1;
  if (impactBps !== null && Number.isFinite(impactBps)) p += cfg.impact_weight * Math.max(0, impactBps / cfg.impact_ref_bps - 1);
  if (depthQuote !== null && Number.isFinite(depthQuote)) {
    // Zero depth is the thinnest book possible: the penalty saturates at the clamp.
    p += depthQuote > 0 ? cfg.depth_weight * Math.max(0, cfg.depth_ref_quote / depthQuote - 1) : Infinity;
  }
  return Math.min(cfg.max, Math.max(1, p));
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/**
 * X_stress and per-side widths (spec 17.8.2, 17.8.3).
 * n = H/TF, sigma_H = NATR·√n, X_base = k_tail·sigma_H, X_stress = clamp(X_base·l2_penalty·trend_penalty, X_min, X_cap).
 * TREND: the side against the trend (up in TREND_UP) is widened by `against_width_factor`, the
 * side with it narrowed by `with_width_factor`; side widths are clamped to [X_min, X_cap] again.
 *
 * @example
 * computeStress(0.002, "RANGE", 1, { impact_bps: null, depth_topn_usd: null }, defaultPolicyConfig()).x_stress
 */
export function computeStress(
  natr: number,
  regime: GeometryRegime,
  barIntervalMinutes: number,
  l2: Pick<Features, "impact_bps" | "depth_topn_usd">,
  cfg: PolicyConfig,
): StressResult {
  const reasons: ReasonCode[] = [];
  const H = cfg.horizon_minutes[regime];
  const k = cfg.k_tail[regime];
  const n = H / barIntervalMinutes;
  const sigma_h = natr * Math.sqrt(n);
  const x_base = k * sigma_h;
  const hasL2 = l2.impact_bps !== null || l2.depth_topn_usd !== null;
  const l2_penalty = computeL2Penalty(l2.impact_bps, l2.depth_topn_usd, cfg.l2_penalty);
  if (!hasL2) reasons.push(PolicyReason.L2_ABSENT);
  else if (l2_penalty > 1) reasons.push(PolicyReason.L2_PENALTY);
  const trend = regime === "TREND_UP" || regime === "TREND_DOWN";
  const trend_penalty = trend ? cfg.trend.penalty : 1;
  if (trend && trend_penalty > 1) reasons.push(PolicyReason.TREND_PENALTY);
  const raw = x_base * l2_penalty * trend_penalty;
  const x_stress = clamp(raw, cfg.x_min_frac, cfg.x_cap_frac);
  if (raw < cfg.x_min_frac) reasons.push(PolicyReason.X_CLAMPED_MIN);
  else if (raw > cfg.x_cap_frac) reasons.push(PolicyReason.X_CLAMPED_CAP);
  let width_up = x_stress;
  let width_down = x_stress;
  if (trend) {
    const against = clamp(x_stress * cfg.trend.against_width_factor, cfg.x_min_frac, cfg.x_cap_frac);
    const withT = clamp(x_stress * cfg.trend.with_width_factor, cfg.x_min_frac, cfg.x_cap_frac);
    if (regime === "TREND_UP") {
      width_up = against;
      width_down = withT;
    } else {
      width_down = against;
      width_up = withT;
    }
    if (width_up !== width_down) reasons.push(PolicyReason.TREND_ASYMMETRIC_WIDTH);
  }
  return { n, horizon_minutes: H, k_tail: k, sigma_h, x_base, l2_penalty, trend_penalty, x_stress, width_up, width_down, reasons };
}
