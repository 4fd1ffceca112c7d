import { z } from "zod";
import { GrinderError } from "../contracts/errors";
import { fromZodError } from "../contracts/zod";
import { REGIMES, TOX_SEVERITIES } from "../contracts/trading";

/**
 * Configuration of the Top-K portfolio stage (spec 17.15, 17.7.2): hard gates, score weights,
 * selection size and hysteresis, budget allocator. Every field has a default, so `{}` parses to
 * the documented defaults; unknown fields are refused (`.strict()`).
 *
 * The portfolio DD budget itself (spec 17.7.1, `equity · dd_budget_frac`) is not configured here:
 * the risk section owns it and the engine passes `dd_budget_portfolio` to
 * `PortfolioSelector.select` at each re-selection tick.
 */

/** Hard-gate thresholds (spec 17.15.1). A symbol failing any gate is never selected. */
export const PortfolioGatesSchema = z
  .object({
    /**
     * Stale feed: excluded when `select_ts − features.ts` (data time since the symbol's last
     * snapshot) exceeds this, or when the feature engine flags `l1_stale`. The age is measured
     * at the selection time, not from `l1_age_ms`, because a feed that stopped never produces
     * the snapshot that would update `l1_age_ms`.
     */
    max_stale_ms: z.number().int().positive().default(30_000),
    /**
     * A symbol seen stale stays excluded (GATE_STALE) until it has been fresh for this long at
     * the selector's calls: a feed that dropped is not trusted with a seat held for hours until
     * it has shown 4 h of clean data. 0 = no memory.
     */
    stale_recovery_ms: z.number().int().nonnegative().default(14_400_000),
    /** Toxicity at or above this severity is excluded ("toxic HIGH+"). */
    tox_severity: z.enum(TOX_SEVERITIES).default("HIGH"),
    /** Likewise for toxicity: GATE_TOXIC holds this long after the last HIGH+ seen. 0 = none. */
    tox_recovery_ms: z.number().int().nonnegative().default(900_000),
    /** Severe thin book (L1): `thin_l1_quote` = min(bid_qty, ask_qty)·mid below this (quote). */
    min_thin_l1_quote: z.number().finite().nonnegative().default(1_000),
    /** Severe thin book (L2, only when a fresh book exists): top-N depth below this (quote). */
    min_depth_topn_usd: z.number().finite().nonnegative().default(10_000),
    /** Severe thin book (L2, only when a fresh book exists): impact estimate above this (bps). */
    max_impact_bps: z.number().finite().positive().default(50),
    /**
     * Spread too high: the symbol's normal spread (`spread_bps_baseline`, the slow EMA; the
     * current `spread_bps` while the baseline is warming up) above this (bps). A momentary
     * spread spike is the toxicity gate's business, not a structural exclusion.
     */
    max_spread_bps: z.number().finite().positive().default(10),
    /**
     * Funding extreme (futures, optional): |funding_rate| above this excludes the symbol. Only
     * applied when the view carries a funding rate; `null` disables the gate.
     */
    max_abs_funding_rate: z.number().finite().positive().nullable().default(0.002),
    /** Regimes that exclude a symbol outright (manual pause, kill switch). */
    regimes: z.array(z.enum(REGIMES)).default(["PAUSED", "EMERGENCY"]),
    /** Exclude symbols whose bar-based features are not warm yet (they cannot be scored). */
    require_warm: z.boolean().default(true),
  })
  .strict();

/** Score weights (spec 17.15.2): score = w_range·R + w_liq·L − w_tox·T − w_trend·|trend|. */
export const PortfolioWeightsSchema = z
  .object({
    w_range: z.number().finite().nonnegative().default(1),
    w_liq: z.number().finite().nonnegative().default(1),
    w_tox: z.number().finite().nonnegative().default(1),
    w_trend: z.number().finite().nonnegative().default(1),
  })
  .strict();

/**
 * Hysteresis of the selection (ADR-008). An incumbent keeps its seat unless a
 * challenger's score beats the incumbent's by more than `score_margin` (score units: the
 * normalised components are in [0, 1], so the margin is a fraction of one full-weight
 * component).
 */
export const PortfolioHysteresisSchema = z
  .object({
    score_margin: z.number().finite().nonnegative().default(0.15),
  })
  .strict();

export const PortfolioConfigSchema = z
  .object({
    /** Spec 17.15.3: K in [k_min..k_max]. */
    k_min: z.number().int().min(3).max(5).default(3),
    k_max: z.number().int().min(3).max(5).default(5),
    /** Target number of selected symbols; must lie in [k_min, k_max]. */
    k: z.number().int().positive().default(3),
    /**
     * The ranking is re-evaluated once per this interval (data time), and at once while no seat
     * is held. In between only hard-gate exits happen; their seats are refilled at the next
     * re-evaluation (ADR-008).
     */
    reselect_interval_ms: z.number().int().positive().default(900_000),
    hysteresis: PortfolioHysteresisSchema.default({}),
    /**
     * The selector scores exponentially smoothed inputs (per symbol, over its calls, data-time
     * half-life): ln(1 + range_score), |trend_strength|, ln(1 + thin_l1_quote), L2 depth and
     * impact, tox penalty. Instantaneous 30-bar features swing too much to pick symbols for
     * hours; gates always use the instantaneous view. 0 = no smoothing.
     */
    smoothing_half_life_ms: z.number().int().nonnegative().default(3_600_000),
    weights: PortfolioWeightsSchema.default({}),
    /**
     * Normalisation of score components across the compared (gate-passing) symbols
     * (ADR-007). `max_ratio`: each component is a ratio to the best /
     * largest value among the compared symbols, on a tail-compressed scale, in [0, 1]; the tox
     * penalty is already on the contract's absolute 0..1 scale and is used as is.
     */
    normalisation: z.enum(["max_ratio"]).default("max_ratio"),
    /**
     * |trend_strength| is divided by max(largest |trend_strength| among the compared symbols,
     * this floor). trend_strength is in units of random-walk noise (below ~1 on a driftless
     * market), so among purely choppy symbols the trend component stays small instead of being
     * stretched to 1 by noise.
     */
    trend_scale_floor: z.number().finite().positive().default(1),
    gates: PortfolioGatesSchema.default({}),
    /**
     * Budget allocator (spec 17.7.2): `equal` = dd_portfolio / K; `weighted` =
     * w ∝ liquidity_score · (1 − tox_penalty), normalised.
     */
    allocator: z.enum(["equal", "weighted"]).default("equal"),
    /** Budgets are quantised to this step (quote); the remainder goes to one symbol (ADR-009). */
    budget_quantum: z.number().finite().positive().default(1e-8),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.k_min > c.k_max)
      ctx.addIssue({ code: "custom", path: ["k_min"], message: `k_min (${c.k_min}) must not exceed k_max (${c.k_max})` });
    if (c.k < c.k_min || c.k > c.k_max)
      ctx.addIssue({ code: "custom", path: ["k"], message: `k (${c.k}) must lie in [k_min, k_max] = [${c.k_min}, ${c.k_max}]` });
  });

export type PortfolioConfig = z.infer<typeof PortfolioConfigSchema>;
export type PortfolioConfigInput = z.input<typeof PortfolioConfigSchema>;
export type PortfolioGates = z.infer<typeof PortfolioGatesSchema>;
export type PortfolioWeights = z.infer<typeof PortfolioWeightsSchema>;

/**
 * Parse a portfolio config section; throws `GrinderError` (E_CONFIG / E_EXTRA_FIELD /
 * E_BAD_NUMBER ...) naming the field, prefixed with `portfolio.`.
 *
 * @example
 * const cfg = parsePortfolioConfig({ k: 4, allocator: "weighted" });
 */
export function parsePortfolioConfig(x: unknown = {}, file?: string): PortfolioConfig {
  const r = PortfolioConfigSchema.safeParse(x);
  if (!r.success) {
    const e = fromZodError(r.error, "portfolio config");
    throw new GrinderError(e.code, e.detail, { file, field: e.field === undefined ? "portfolio" : `portfolio.${e.field}` });
  }
  return r.data;
}

/** The documented defaults. */
export function defaultPortfolioConfig(): PortfolioConfig {
  return PortfolioConfigSchema.parse({});
}
