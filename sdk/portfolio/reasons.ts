/**
 * Reason codes of the Top-K stage (spec 17.15). Published codes keep their meaning: they are
 * part of every `Selection` and so of the replay digest.
 */

/** Hard gate (17.15.1): no fresh L1 quote within `gates.max_stale_ms`, or `l1_stale`. */
export const GATE_STALE = "GATE_STALE";
/** Hard gate: toxicity severity at or above `gates.tox_severity` (HIGH+ by default). */
export const GATE_TOXIC = "GATE_TOXIC";
/** Hard gate: severe thin book (L1 best-level notional, or fresh L2 depth / impact). */
export const GATE_THIN = "GATE_THIN";
/** Hard gate: the symbol's normal spread above `gates.max_spread_bps`. */
export const GATE_SPREAD = "GATE_SPREAD";
/** Hard gate (optional, futures): |funding_rate| above `gates.max_abs_funding_rate`. */
export const GATE_FUNDING = "GATE_FUNDING";
/** Hard gate: regime in `gates.regimes` (PAUSED, EMERGENCY by default). */
export const GATE_REGIME = "GATE_REGIME";
/** Hard gate: bar-based features not warm yet, so the symbol cannot be scored. */
export const GATE_WARMUP = "GATE_WARMUP";
/** Passed every gate but did not win a seat. */
export const BELOW_CUT = "BELOW_CUT";
/** Below the cut although its score beats a selected incumbent's (within the hysteresis margin). */
export const HYSTERESIS_HELD = "HYSTERESIS_HELD";
/**
 * With BELOW_CUT: the score component that cost the symbol most against the weakest selected
 * symbol (largest weighted deficit). Explains, e.g., a trending symbol as SCORE_TREND.
 */
export const SCORE_RANGE = "SCORE_RANGE";
export const SCORE_LIQ = "SCORE_LIQ";
export const SCORE_TOX = "SCORE_TOX";
export const SCORE_TREND = "SCORE_TREND";

/** All hard-gate codes, in the order they are reported. */
export const GATE_CODES = [GATE_STALE, GATE_TOXIC, GATE_THIN, GATE_SPREAD, GATE_FUNDING, GATE_REGIME, GATE_WARMUP] as const;
