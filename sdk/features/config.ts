import { z } from "zod";

/**
 * Feature engine configuration (spec 17.5, 17.4.3). Every field has a documented default, so
 * `FeatureConfigSchema.parse({})` is the default config. Bars are counted in `bar_interval_ms`
 * units; all times are data time (ms), never the wall clock.
 */
export const FeatureConfigSchema = z
  .object({
    /** Bar length (spec 17.5.1). 60 000 = 1-minute mid-price bars. */
    bar_interval_ms: z.number().int().positive().default(60_000),
    /** Wilder ATR period in bars (spec 17.5.2). 14 is Wilder's own choice and the usual NATR(14). */
    atr_period: z.number().int().min(1).default(14),
    /**
     * Horizon H in bars for sum_abs_returns / net_return / range_score (spec 17.5.5).
     * 30 one-minute bars: long enough that a trend's net move dominates noise, short enough to
     * follow intraday regime changes.
     */
    horizon_bars: z.number().int().min(2).default(30),
    /** Fast EMA of bar closes, in bars (trend_strength, spec 17.5.5). */
    ema_fast_bars: z.number().int().min(1).default(10),
    /** Slow EMA of bar closes, in bars; must exceed `ema_fast_bars`. */
    ema_slow_bars: z.number().int().min(2).default(40),
    /**
     * EMA length (bars) of the per-bar mean spread that forms `spread_bps_baseline`, the
     * symbol's normal spread for spike detection (spec 17.14.1). One trading hour of 1m bars.
     */
    spread_baseline_bars: z.number().int().min(1).default(60),
    /**
     * Winsorisation of the baseline's input: a bar's mean spread enters the baseline capped at
     * `spread_baseline_clip × baseline`, so a long spike episode does not teach the baseline
     * that toxic spreads are normal.
     */
    spread_baseline_clip: z.number().min(1).default(3),
    /** Levels per side used by the L2 features (spec 17.5.4, depth_topN). */
    l2_top_n: z.number().int().min(1).default(10),
    /**
     * Notional Q (quote) for spread_at_depth(Q) and impact_estimate_bps(Q) (spec 17.5.4): the
     * size of a taker-like unload we care about, 50 000 quote. It must exceed a typical best
     * level (tens of thousands of quote on liquid books), or the walk never leaves the top
     * level and a hollow book behind it stays invisible.
     */
    impact_notional_quote: z.number().positive().default(50_000),
    /** L1 is stale when the gap since this symbol's previous snapshot exceeds this (spec 17.4.3). */
    l1_stale_ms: z.number().int().positive().default(5_000),
    /**
     * L2 is stale when the book is flagged `stale` or its age (snapshot ts − book.ts, or time
     * since the last snapshot that carried a book) exceeds this (spec 17.4.3).
     */
    l2_stale_ms: z.number().int().positive().default(5_000),
    /**
     * NATR input (spec 17.5.2): `mid_bars` = our own mid-price bars (the v1 truth note: this is
     * NATR(mid-bars), not exchange klines); `klines` = bars fed through `updateKline`.
     */
    natr_source: z.enum(["mid_bars", "klines"]).default("mid_bars"),
    /** eps in range_score = sum_abs_returns / (net_return + eps) (spec 17.5.5); 1e-4 = 1 bp. */
    range_eps: z.number().positive().default(1e-4),
  })
  .strict()
  .refine((c) => c.ema_fast_bars < c.ema_slow_bars, {
    message: "ema_fast_bars must be smaller than ema_slow_bars",
    path: ["ema_fast_bars"],
  });

export type FeatureConfig = z.infer<typeof FeatureConfigSchema>;
/** Input shape (all fields optional). */
export type FeatureConfigInput = z.input<typeof FeatureConfigSchema>;

/** The documented defaults. */
export function defaultFeatureConfig(): FeatureConfig {
  return FeatureConfigSchema.parse({});
}
