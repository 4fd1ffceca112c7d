import { z } from "zod";

/**
 * Feature engine configuration (spec 17.5, 17.4.3). Every field has a documented default
 * (`.describe()` is the documentation, exported to docs/CONFIG.md), so
 * `FeatureConfigSchema.parse({})` is the default config. Bars are counted in `bar_interval_ms`
 * units; all times are data time (ms), never the wall clock.
 */
export const FeatureConfigSchema = z
  .object({
    bar_interval_ms: z.number().int().positive().default(60_000).describe("Bar length in ms (spec 17.5.1); 60 000 = 1-minute mid-price bars. Empty intervals become counted flat bars (ADR-025)."),
    atr_period: z.number().int().min(1).default(14).describe("Wilder ATR period in bars (spec 17.5.2); 14 is Wilder's own choice, the usual NATR(14)."),
    horizon_bars: z
      .number()
      .int()
      .min(2)
      .default(30)
      .describe("Horizon H in bars for sum_abs_returns / net_return / range_score (spec 17.5.5). 30 one-minute bars: long enough for a trend's net move to dominate noise, short enough to follow intraday regime changes."),
    ema_fast_bars: z.number().int().min(1).default(10).describe("Fast EMA of bar closes, in bars (trend_strength, spec 17.5.5, ADR-027)."),
    ema_slow_bars: z.number().int().min(2).default(40).describe("Slow EMA of bar closes, in bars; must exceed ema_fast_bars. trend_strength is valid after this many bars."),
    spread_baseline_bars: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe("EMA length (bars) of each bar's mean spread_bps, forming spread_bps_baseline, the symbol's normal spread for spike detection (spec 17.14.1). One trading hour of 1m bars; seeded by the first bar."),
    spread_baseline_clip: z
      .number()
      .min(1)
      .default(3)
      .describe("Winsorisation of the baseline input: a bar's mean spread enters capped at this × baseline, so a long spike episode does not teach the baseline that toxic spreads are normal."),
    l2_top_n: z.number().int().min(1).default(10).describe("Levels per side used by the L2 features (spec 17.5.4, depth_topN)."),
    impact_notional_quote: z
      .number()
      .positive()
      .default(50_000)
      .describe("Notional Q (quote) for spread_at_depth(Q) and impact_estimate_bps(Q) (spec 17.5.4): a taker-like unload we care about. It must exceed a typical best level (tens of thousands of quote on liquid books), or the walk never leaves the top level and a hollow book behind it stays invisible."),
    l1_stale_ms: z.number().int().positive().default(5_000).describe("L1 is stale when the gap since the symbol's previous snapshot exceeds this many ms of data time (spec 17.4.3)."),
    l2_stale_ms: z
      .number()
      .int()
      .positive()
      .default(5_000)
      .describe("L2 is stale when the book is flagged stale or its age (snapshot ts − book.ts, else time since the snapshot that carried it) exceeds this many ms (spec 17.4.3); L2 features are then null."),
    natr_source: z
      .enum(["mid_bars", "klines"])
      .default("mid_bars")
      .describe("NATR input (spec 17.5.2): mid_bars = our own mid-price bars (the truth note: NATR(mid-bars), not exchange klines); klines = bars fed through FeatureEngine.updateKline (ADR-013, ADR-026)."),
    range_eps: z.number().positive().default(1e-4).describe("eps in range_score = sum_abs_returns / (net_return + eps) (spec 17.5.5); 1e-4 = 1 bp."),
  })
  .strict()
  .refine((c) => c.ema_fast_bars < c.ema_slow_bars, {
    message: "ema_fast_bars must be smaller than ema_slow_bars",
    path: ["ema_fast_bars"],
  })
  .describe("Feature engine (spec 17.5): mid-price bars, Wilder NATR, L1/L2 microstructure, range/trend indicators, staleness.");

export type FeatureConfig = z.infer<typeof FeatureConfigSchema>;
/** Input shape (all fields optional). */
export type FeatureConfigInput = z.input<typeof FeatureConfigSchema>;

/** The documented defaults. */
export function defaultFeatureConfig(): FeatureConfig {
  return FeatureConfigSchema.parse({});
}
