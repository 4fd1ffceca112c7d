import { z } from "zod";

const severity = z.enum(["LOW", "MID", "HIGH", "EXTREME"]);

/**
 * Toxicity gate configuration (spec 17.14.1). Each input has three ascending thresholds: at or
 * above `*_mid` → MID (THROTTLE), `*_high` → HIGH (PAUSE), `*_extreme` → EXTREME (EMERGENCY).
 * The assessment's severity is the worst component.
 */
export const ToxicityConfigSchema = z
  .object({
    /**
     * Spread spike = spread_bps / spread_bps_baseline. 2× the symbol's own normal spread is a
     * noticeable widening, 3.5× is a market maker pulling quotes, 8× a dislocation.
     */
    spread_ratio_mid: z.number().min(1).default(2),
    spread_ratio_high: z.number().min(1).default(3.5),
    spread_ratio_extreme: z.number().min(1).default(8),
    /**
     * A spike also needs an absolute excess spread_bps − baseline ≥ this (bps), so a 1 bp → 2 bp
     * wobble on a very tight book is not "2×".
     */
    spread_min_excess_bps: z.number().nonnegative().default(2),
    /**
     * impact_estimate_bps(Q) (spec 17.5.4, L2 only; ignored when null). Walking a healthy book
     * for Q = 50 000 quote costs 1-5 bps (half-spread included; median ≈ 1.5-2.5 bps on the L2
     * fixtures' normal books). 10 bps = several times the normal cost, 20 bps = Q cannot be
     * unloaded without real damage (the book behind the top is hollow), 100 bps = nearly empty.
     */
    impact_mid_bps: z.number().positive().default(10),
    impact_high_bps: z.number().positive().default(20),
    impact_extreme_bps: z.number().positive().default(100),
    /**
     * Jump = |bar_return| / natr (the NATR after that bar, i.e. in units of the typical bar
     * range). A Wilder ATR(14) absorbs 1/14 of a jump, so a move of 10 typical ranges reads ≈ 6.
     * 4 / 6 / 12 are well outside what a random walk produces (a bar return beyond 4 typical
     * ranges is a > 6σ event under Gaussian increments).
     */
    jump_natr_mid: z.number().positive().default(4),
    jump_natr_high: z.number().positive().default(6),
    jump_natr_extreme: z.number().positive().default(12),
    /** Severity when L1 is stale (l1_age_ms > features.l1_stale_ms): MID → THROTTLE, regime THIN_BOOK. */
    stale_l1_severity: severity.default("MID"),
    /**
     * Severe L1 staleness (spec 17.4.3 "enter THIN_BOOK or PAUSE depending on severity"): an L1
     * gap of at least this many ms raises the ACTION to PAUSE while the severity stays
     * `stale_l1_severity`. A feed gap is a data problem, not hostile flow: the regime stays
     * THIN_BOOK (not TOXIC) and the policy pauses. 30 s without a quote.
     */
    l1_severe_stale_ms: z.number().int().positive().default(30_000),
    /** Severity when the L2 book is stale: MID (the regime goes THIN_BOOK, spec 17.4.3). */
    stale_l2_severity: severity.default("MID"),
  })
  .strict()
  .superRefine((c, ctx) => {
    const triples: Array<[string, number, number, number]> = [
      ["spread_ratio", c.spread_ratio_mid, c.spread_ratio_high, c.spread_ratio_extreme],
      ["impact", c.impact_mid_bps, c.impact_high_bps, c.impact_extreme_bps],
      ["jump_natr", c.jump_natr_mid, c.jump_natr_high, c.jump_natr_extreme],
    ];
    for (const [name, m, h, e] of triples) {
      if (!(m <= h && h <= e))
        ctx.addIssue({ code: "custom", path: [name === "impact" ? "impact_high_bps" : `${name}_high`], message: `${name} thresholds must ascend mid <= high <= extreme` });
    }
  });

export type ToxicityConfig = z.infer<typeof ToxicityConfigSchema>;
export type ToxicityConfigInput = z.input<typeof ToxicityConfigSchema>;

/**
 * Regime controller configuration (spec 17.6). Enter/exit pairs give hysteresis; `min_dwell_bars`
 * keeps a regime for a minimum number of bars before it may fall to a LOWER-precedence regime
 * (escalation to a higher-precedence, more protective regime is always immediate).
 */
export const RegimeConfigSchema = z
  .object({
    /** Bars a regime is held before it may de-escalate (or flip TREND_UP ↔ TREND_DOWN). */
    min_dwell_bars: z.number().int().min(0).default(5),
    /**
     * |trend_strength| to enter TREND_* (spec 17.6.2 trend_th). trend_strength is the EMA
     * divergence in units of the random-walk noise expected over the EMA lag gap (ADR). On a
     * driftless Gaussian random walk (1 s steps, 1m bars, EMA 10/40) its 99th percentile of
     * |trend_strength| is ≈ 0.5 and on mean-reverting chop lower still; 1.0 (twice that) is a
     * drift the noise does not produce. Exit at 0.5, the random walk's 99th percentile.
     */
    trend_enter_th: z.number().positive().default(1.0),
    /** |trend_strength| below which TREND_* may end (hysteresis, ≤ trend_enter_th). */
    trend_exit_th: z.number().nonnegative().default(0.5),
    /** Slow EMA length (bars) of NATR: the "normal volatility" reference for VOL_SHOCK. */
    vol_baseline_bars: z.number().int().min(1).default(240),
    /**
     * Bars seen before the relative rules (vol-shock ratio, relative thin book) start: a
     * baseline must have some history before "×2 of normal" means anything. 30 bars.
     */
    baseline_warmup_bars: z.number().int().min(0).default(30),
    /** NATR / baseline NATR to enter VOL_SHOCK: volatility doubled. */
    vol_enter_ratio: z.number().positive().default(2),
    /** NATR / baseline NATR below which VOL_SHOCK may end. */
    vol_exit_ratio: z.number().positive().default(1.4),
    /**
     * A single bar with |bar_return| ≥ this × baseline NATR enters VOL_SHOCK at once (the ATR
     * needs several bars to react to a shock; a large jump should not wait for it).
     */
    vol_jump_natr: z.number().positive().default(4),
    /**
     * THIN_BOOK when min(bid, ask) top-of-book notional (thin_l1_quote) is below this (quote).
     * Also the L1 fallback when L2 is absent.
     */
    thin_l1_min_quote: z.number().nonnegative().default(2_000),
    /** THIN_BOOK when depth_topn_usd (both sides, top N) is below this (quote); L2 only. */
    thin_depth_min_quote: z.number().nonnegative().default(50_000),
    /**
     * Slow baseline (bars) of liquidity for the RELATIVE thin-book rules: geometric mean
     * (EMA of the log) of depth_topn_usd and of thin_l1_quote, each bar's log clipped to
     * baseline ± ln 2 so one collapse barely moves it. 240 bars = 4 h of 1m bars.
     */
    liq_baseline_bars: z.number().int().min(1).default(240),
    /**
     * THIN_BOOK when depth_topn_usd < this × its own baseline ("liquidity deteriorates",
     * spec 17.6.1, whatever the symbol's normal size). Normal books vary by a factor ~2 around
     * their baseline; a quarter of normal depth is a collapse.
     */
    thin_depth_rel: z.number().nonnegative().max(1).default(0.25),
    /**
     * THIN_BOOK when thin_l1_quote < this × its own baseline. The best level alone is much
     * noisier than the top-N depth (single-level quantities swing by ×3 routinely), hence the
     * lower factor: a tenth of normal.
     */
    thin_l1_rel: z.number().nonnegative().max(1).default(0.1),
    /** Leave THIN_BOOK only once liquidity is back above threshold × this (hysteresis). */
    thin_exit_factor: z.number().min(1).default(1.5),
    /** Stale L2 → THIN_BOOK (spec 17.4.3). */
    thin_on_l2_stale: z.boolean().default(true),
    /** Stale L1 → THIN_BOOK (spec 17.4.3; the severe case is TOXIC via the toxicity gate). */
    thin_on_l1_stale: z.boolean().default(true),
    /** Toxicity severity that enters TOXIC (spec 17.6.2: tox_severity ≥ HIGH). */
    tox_enter_severity: severity.default("HIGH"),
    /** TOXIC is held while severity ≥ this (hysteresis: MID keeps it, LOW lets it go). */
    tox_exit_severity: severity.default("MID"),
    /**
     * Latch EMERGENCY when the toxicity gate says EXTREME. Off by default: the gate's EMERGENCY
     * action already makes the policy cancel everything for that tick; the latch is the kill
     * switch (DD guard, operator) and only `resetEmergency` clears it.
     */
    emergency_on_extreme_tox: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.trend_exit_th > c.trend_enter_th)
      ctx.addIssue({ code: "custom", path: ["trend_exit_th"], message: "trend_exit_th must be <= trend_enter_th" });
    if (c.vol_exit_ratio > c.vol_enter_ratio)
      ctx.addIssue({ code: "custom", path: ["vol_exit_ratio"], message: "vol_exit_ratio must be <= vol_enter_ratio" });
    const order = ["LOW", "MID", "HIGH", "EXTREME"];
    if (order.indexOf(c.tox_exit_severity) > order.indexOf(c.tox_enter_severity))
      ctx.addIssue({ code: "custom", path: ["tox_exit_severity"], message: "tox_exit_severity must be <= tox_enter_severity" });
  });

export type RegimeConfig = z.infer<typeof RegimeConfigSchema>;
export type RegimeConfigInput = z.input<typeof RegimeConfigSchema>;

export function defaultToxicityConfig(): ToxicityConfig {
  return ToxicityConfigSchema.parse({});
}

export function defaultRegimeConfig(): RegimeConfig {
  return RegimeConfigSchema.parse({});
}
