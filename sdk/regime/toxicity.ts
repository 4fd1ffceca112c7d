import type { Features, ToxAssessment } from "../contracts/features";
import type { ToxAction, ToxSeverity } from "../contracts/trading";
import { ToxicityConfigSchema, type ToxicityConfig, type ToxicityConfigInput } from "./config";

/** Reason codes of the toxicity gate (spec 17.14.1). Stable: they are hashed in digests. */
export const TOX_SPREAD_SPIKE = "TOX_SPREAD_SPIKE";
export const TOX_IMPACT = "TOX_IMPACT";
export const TOX_JUMP = "TOX_JUMP";
export const TOX_STALE_L1 = "TOX_STALE_L1";
export const TOX_STALE_L1_SEVERE = "TOX_STALE_L1_SEVERE";
export const TOX_STALE_L2 = "TOX_STALE_L2";

export const TOX_REASON_CODES = [TOX_SPREAD_SPIKE, TOX_IMPACT, TOX_JUMP, TOX_STALE_L1, TOX_STALE_L1_SEVERE, TOX_STALE_L2] as const;

const SEV: readonly ToxSeverity[] = ["LOW", "MID", "HIGH", "EXTREME"];
const ACTION: readonly ToxAction[] = ["NORMAL", "THROTTLE", "PAUSE", "EMERGENCY"];

/** Ordinal of a severity: LOW 0 … EXTREME 3. */
export function severityRank(s: ToxSeverity): number {
  return SEV.indexOf(s);
}

/** The gate's action for a severity: LOW→NORMAL, MID→THROTTLE, HIGH→PAUSE, EXTREME→EMERGENCY. */
export function actionFor(s: ToxSeverity): ToxAction {
  return ACTION[SEV.indexOf(s)];
}

/**
 * Graded score of x against ascending thresholds (base < mid ≤ high ≤ extreme): below mid it
 * runs 0 → 0.25, mid → high 0.25 → 0.5, high → extreme 0.5 → 1, ≥ extreme 1. So the penalty's
 * band always agrees with the severity: LOW < 0.25 ≤ MID < 0.5 ≤ HIGH < 1 = EXTREME.
 */
export function gradedScore(x: number, base: number, mid: number, high: number, extreme: number): number {
  if (!(x > base)) return 0;
  if (x >= extreme) return 1;
  if (x >= high) return high === extreme ? 1 : 0.5 + (0.5 * (x - high)) / (extreme - high);
  if (x >= mid) return mid === high ? 0.5 : 0.25 + (0.25 * (x - mid)) / (high - mid);
  return (0.25 * (x - base)) / (mid - base);
}

function level(x: number, mid: number, high: number, extreme: number): number {
  return x >= extreme ? 3 : x >= high ? 2 : x >= mid ? 1 : 0;
}

const SEV_SCORE = [0, 0.25, 0.5, 1];

/** Running worst level and score of one assessment (module scratch: assessments are synchronous). */
const acc = { sev: 0, pen: 0 };

/** One graded component: its score raises the penalty; at MID or above it adds its reason and level. */
function grade(out: ToxAssessment, x: number, base: number, mid: number, high: number, extreme: number, reason: string): void {
  const sc = gradedScore(x, base, mid, high, extreme);
  if (sc > acc.pen) acc.pen = sc;
  const l = level(x, mid, high, extreme);
  if (l > 0) {
    out.reasons.push(reason);
    if (l > acc.sev) acc.sev = l;
  }
}


/**
 * Toxicity gate (spec 17.14.1), pure: from one feature vector, the severity (worst component),
 * the recommended action, a penalty in [0, 1] and the reason codes of every component at MID or
 * worse (in the fixed order spread, impact, jump, stale L1, severe stale L1, stale L2).
 *
 * Components:
 * - spread spike: spread_bps / spread_bps_baseline, counted only when the excess over the
 *   baseline is ≥ `spread_min_excess_bps` (needs a baseline);
 * - impact: impact_bps (L2; skipped when null — the L1 fallback is the spread component);
 * - jump: |bar_return| / natr (needs both);
 * - staleness (17.4.3): l1_stale → `stale_l1_severity`, l2_stale → `stale_l2_severity`;
 *   l1_age_ms ≥ `l1_severe_stale_ms` forces the action to at least PAUSE (severity unchanged:
 *   the regime goes THIN_BOOK, not TOXIC; "THIN_BOOK or PAUSE depending on severity").
 *
 * The action is `actionFor(severity)` except for that staleness rule. The penalty's band
 * always matches the severity (see `gradedScore`).
 *
 * @example
 * const tox = assessToxicity(fe.features, defaultToxicityConfig());
 * tox.severity; // "LOW" | "MID" | "HIGH" | "EXTREME"
 * tox.reasons;  // e.g. ["TOX_SPREAD_SPIKE", "TOX_IMPACT"]
 */
export function assessToxicity(f: Readonly<Features>, cfg: ToxicityConfig): ToxAssessment {
  const out: ToxAssessment = { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] };
  return assessToxicityInto(f, cfg, out);
}

/** `assessToxicity` writing into a reused object (its `reasons` array is cleared and refilled). */
export function assessToxicityInto(f: Readonly<Features>, cfg: ToxicityConfig, out: ToxAssessment): ToxAssessment {
  out.reasons.length = 0;
  acc.sev = 0;
  acc.pen = 0;
  const base = f.spread_bps_baseline;
  if (base !== null && base > 0 && f.spread_bps - base >= cfg.spread_min_excess_bps)
    grade(out, f.spread_bps / base, 1, cfg.spread_ratio_mid, cfg.spread_ratio_high, cfg.spread_ratio_extreme, TOX_SPREAD_SPIKE);
  if (f.impact_bps !== null) grade(out, f.impact_bps, 0, cfg.impact_mid_bps, cfg.impact_high_bps, cfg.impact_extreme_bps, TOX_IMPACT);
  if (f.bar_return !== null && f.natr !== null && f.natr > 0)
    grade(out, Math.abs(f.bar_return) / f.natr, 0, cfg.jump_natr_mid, cfg.jump_natr_high, cfg.jump_natr_extreme, TOX_JUMP);
  let sev = acc.sev;
  let pen = acc.pen;

  if (f.l1_stale) {
    const l = SEV.indexOf(cfg.stale_l1_severity);
    if (l > 0) {
      out.reasons.push(TOX_STALE_L1);
      if (l > sev) sev = l;
      if (SEV_SCORE[l] > pen) pen = SEV_SCORE[l];
    }
  }
  let pauseForStale = false;
  if (f.l1_age_ms >= cfg.l1_severe_stale_ms) {
    out.reasons.push(TOX_STALE_L1_SEVERE);
    pauseForStale = true;
  }
  if (f.l2_stale) {
    const l = SEV.indexOf(cfg.stale_l2_severity);
    if (l > 0) {
      out.reasons.push(TOX_STALE_L2);
      if (l > sev) sev = l;
      if (SEV_SCORE[l] > pen) pen = SEV_SCORE[l];
    }
  }

  out.severity = SEV[sev];
  // Severe staleness forces at least PAUSE without raising the severity (config doc, 17.4.3).
  out.action = pauseForStale && sev < 2 ? "PAUSE" : ACTION[sev];
  out.penalty = pen;
  return out;
}

/** Parse a toxicity config section (defaults for missing fields). */
export function toxicityConfig(x: ToxicityConfigInput = {}): ToxicityConfig {
  return ToxicityConfigSchema.parse(x);
}
