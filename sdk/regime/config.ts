import { z } from "zod";

const severity = z.enum(["LOW", "MID", "HIGH", "EXTREME"]);

/**
 * Toxicity gate configuration (spec 17.14.1). Each input has three ascending thresholds: at or
 * above `*_mid` → MID (THROTTLE), `*_high` → HIGH (PAUSE), `*_extreme` → EXTREME (EMERGENCY).
 * The assessment's severity is the worst component. `.describe()` texts are the documentation
 * (exported to docs/CONFIG.md).
 */
export const ToxicityConfigSchema = z
  .object({
    spread_ratio_mid: z.number().min(1).default(2).describe("Spread spike = spread_bps / spread_bps_baseline. MID at 2× the symbol's own normal spread (a noticeable widening)."),
    spread_ratio_high: z.number().min(1).default(3.5).describe("Spread spike ratio for HIGH: 3.5× normal, a market maker pulling quotes."),
    spread_ratio_extreme: z.number().min(1).default(8).describe("Spread spike ratio for EXTREME: 8× normal, a dislocation."),
    spread_min_excess_bps: z
      .number()
      .nonnegative()
      .default(2)
      .describe("A spread spike also needs spread_bps − baseline ≥ this (bps), so a 1 bp → 2 bp wobble on a very tight book is not '2×'."),
    impact_mid_bps: z
      .number()
      .positive()
      .default(10)
      .describe("impact_estimate_bps(Q) for MID (spec 17.5.4, L2 only; ignored when null). Walking a healthy book for Q = 50 000 quote costs 1-5 bps, half-spread included (median ≈ 1.5-2.5 bps on the L2 fixtures' normal books): 10 bps is several times the normal cost."),
    impact_high_bps: z.number().positive().default(20).describe("impact_estimate_bps(Q) for HIGH: Q cannot be unloaded without real damage (the book behind the top is hollow)."),
    impact_extreme_bps: z.number().positive().default(100).describe("impact_estimate_bps(Q) for EXTREME: the book is nearly empty."),
    jump_natr_mid: z
      .number()
      .positive()
      .default(4)
      .describe("Jump = |bar_return| / natr (NATR after that bar, i.e. in typical bar ranges; a Wilder ATR(14) absorbs 1/14 of the jump, so a move of 10 ranges reads ≈ 6). MID at 4: beyond what a random walk's bar returns reach (> 6σ under Gaussian increments)."),
    jump_natr_high: z.number().positive().default(6).describe("Jump (|bar_return| / natr) for HIGH."),
    jump_natr_extreme: z.number().positive().default(12).describe("Jump (|bar_return| / natr) for EXTREME."),
    stale_l1_severity: severity.default("MID").describe("Severity when L1 is stale (l1_age_ms > features.l1_stale_ms): MID → THROTTLE; the regime goes THIN_BOOK (spec 17.4.3)."),
    l1_severe_stale_ms: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe("Severe L1 staleness (spec 17.4.3 'THIN_BOOK or PAUSE depending on severity'): an L1 gap of at least this many ms forces the ACTION to PAUSE while the severity stays stale_l1_severity. A feed gap is a data problem, not hostile flow: the regime stays THIN_BOOK and the policy pauses. 30 s without a quote (ADR-028)."),
    stale_l2_severity: severity.default("MID").describe("Severity when the L2 book is stale: MID (THROTTLE); the regime goes THIN_BOOK (spec 17.4.3)."),
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
  })
  .describe("Toxicity gate (spec 17.14.1): spread spikes, L2 impact, jumps and staleness → severity, action, penalty, reason codes.");

export type ToxicityConfig = z.infer<typeof ToxicityConfigSchema>;
export type ToxicityConfigInput = z.input<typeof ToxicityConfigSchema>;

/**
 * Regime classifier (spec 17.16, ADR-112). Absent or `{kind: "heuristic"}`: the rules below
 * classify RANGE / TREND / VOL_SHOCK. `{kind: "model", artifact}`: a hash-pinned
 * `grinder.ml.regime_model` proposes RANGE / TREND_UP / TREND_DOWN / VOL_SHOCK at each tick;
 * the safety regimes (EMERGENCY, PAUSED, TOXIC, THIN_BOOK) keep their rules, precedence and
 * hysteresis, and the dwell rule applies to the model's proposals as to the rules'.
 */
export const RegimeClassifierConfigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("heuristic") }).strict(),
  z
    .object({
      kind: z.literal("model"),
      artifact: z.string().min(1).describe("Path of the model file (relative to the working directory), e.g. models/regime-lr-v1-<hash12>.json. Verified byte for byte at load."),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional()
        .describe("When set, the model's sha256 must equal it (E_HASH_MISMATCH otherwise)."),
      trend_enter_prob: z.number().min(0).max(1).default(0.45).describe("p(TREND_UP) or p(TREND_DOWN) (the larger) at or above which the model proposes that trend."),
      trend_exit_prob: z.number().min(0).max(1).default(0.3).describe("A proposed trend is held while its probability stays at or above this (hysteresis, ≤ trend_enter_prob)."),
      vol_enter_prob: z.number().min(0).max(1).default(0.5).describe("p(VOL_SHOCK) at or above which the model proposes VOL_SHOCK."),
      vol_exit_prob: z.number().min(0).max(1).default(0.35).describe("VOL_SHOCK proposed while p(VOL_SHOCK) stays at or above this (≤ vol_enter_prob)."),
      keep_vol_rule: z
        .boolean()
        .default(true)
        .describe("Keep the rule-based VOL_SHOCK detection (NATR ratio, jump) as a floor under the model: protection is never weaker than the heuristic's."),
    })
    .strict(),
]).superRefine((c, ctx) => {
  if (c.kind !== "model") return;
  if (c.trend_exit_prob > c.trend_enter_prob) ctx.addIssue({ code: "custom", path: ["trend_exit_prob"], message: "trend_exit_prob must be <= trend_enter_prob" });
  if (c.vol_exit_prob > c.vol_enter_prob) ctx.addIssue({ code: "custom", path: ["vol_exit_prob"], message: "vol_exit_prob must be <= vol_enter_prob" });
});
export type RegimeClassifierConfig = z.infer<typeof RegimeClassifierConfigSchema>;

/**
 * Regime controller configuration (spec 17.6). Enter/exit pairs give hysteresis; `min_dwell_bars`
 * keeps a regime for a minimum number of bars before it may fall to a LOWER-precedence regime
 * (escalation to a higher-precedence, more protective regime is always immediate; ADR-028).
 */
export const RegimeConfigSchema = z
  .object({
    min_dwell_bars: z
      .number()
      .int()
      .min(0)
      .default(5)
      .describe("Bars a regime is held before it may de-escalate (or flip TREND_UP ↔ TREND_DOWN); escalation is immediate (ADR-028). 5 one-minute bars."),
    trend_enter_th: z
      .number()
      .positive()
      .default(1.0)
      .describe("|trend_strength| to enter TREND_* (spec 17.6.2 trend_th). trend_strength is the EMA divergence in units of the random-walk noise over the EMA lag gap (ADR-027): on a driftless Gaussian random walk (1 s steps, 1m bars, EMA 10/40) its 99th percentile is ≈ 0.5, on mean-reverting chop lower; 1.0 (twice that) is a drift the noise does not produce."),
    trend_exit_th: z.number().nonnegative().default(0.5).describe("|trend_strength| below which TREND_* may end (hysteresis, ≤ trend_enter_th): the random walk's 99th percentile."),
    vol_baseline_bars: z.number().int().min(1).default(240).describe("Slow EMA length (bars) of NATR: the 'normal volatility' reference for VOL_SHOCK (4 h of 1m bars). Compared before the current bar joins it."),
    baseline_warmup_bars: z
      .number()
      .int()
      .min(0)
      .default(30)
      .describe("Bars of history before the relative rules (vol-shock ratio and jump, relative thin book) start: a baseline needs some history before '×2 of normal' means anything."),
    vol_enter_ratio: z.number().positive().default(2).describe("NATR / baseline NATR to enter VOL_SHOCK: volatility doubled."),
    vol_exit_ratio: z.number().positive().default(1.4).describe("NATR / baseline NATR below which VOL_SHOCK may end (hysteresis, ≤ vol_enter_ratio)."),
    vol_jump_natr: z
      .number()
      .positive()
      .default(4)
      .describe("A single bar with |bar_return| ≥ this × baseline NATR enters VOL_SHOCK at once: the ATR needs several bars to react to a shock, a large jump should not wait for it."),
    thin_l1_min_quote: z.number().nonnegative().default(2_000).describe("THIN_BOOK when thin_l1_quote = min(bid, ask) top-of-book notional is below this (quote); also the L1 fallback when L2 is absent."),
    thin_depth_min_quote: z.number().nonnegative().default(50_000).describe("THIN_BOOK when depth_topn_usd (both sides, top N) is below this (quote), i.e. the book cannot absorb the impact notional Q; L2 only."),
    liq_baseline_bars: z
      .number()
      .int()
      .min(1)
      .default(240)
      .describe("Slow baseline (bars) of liquidity for the relative thin-book rules: geometric mean (EMA of the log) of depth_topn_usd and of thin_l1_quote, each bar's log clipped to baseline ± ln 2 so one collapse barely moves it. 4 h of 1m bars."),
    thin_depth_rel: z
      .number()
      .nonnegative()
      .max(1)
      .default(0.25)
      .describe("THIN_BOOK when depth_topn_usd < this × its own baseline ('liquidity deteriorates', spec 17.6.1, on any symbol's scale). Normal books vary by a factor ~2 around their baseline; a quarter of normal depth is a collapse."),
    thin_l1_rel: z
      .number()
      .nonnegative()
      .max(1)
      .default(0.1)
      .describe("THIN_BOOK when thin_l1_quote < this × its own baseline. The best level alone is much noisier than the top-N depth (single-level quantities swing ×3 routinely), hence the lower factor: a tenth of normal."),
    thin_exit_factor: z.number().min(1).default(1.5).describe("Leave THIN_BOOK only once liquidity is back above each threshold × this (hysteresis)."),
    thin_on_l2_stale: z.boolean().default(true).describe("Stale L2 → THIN_BOOK (spec 17.4.3)."),
    thin_on_l1_stale: z.boolean().default(true).describe("Stale L1 → THIN_BOOK (spec 17.4.3); a severe gap also makes the toxicity action PAUSE."),
    tox_enter_severity: severity.default("HIGH").describe("Toxicity severity that enters TOXIC (spec 17.6.2: tox_severity ≥ HIGH)."),
    tox_exit_severity: severity.default("MID").describe("TOXIC is held while severity ≥ this (hysteresis: MID keeps it, LOW lets it go after the dwell)."),
    emergency_on_extreme_tox: z
      .boolean()
      .default(false)
      .describe("Latch EMERGENCY when the toxicity gate says EXTREME. Off by default: the gate's EMERGENCY action already makes the policy cancel everything for that tick; the latch is the kill switch (DD guard, operator), cleared only by resetEmergency."),
    // No default: an absent classifier is the heuristic and leaves the resolved config (and its hash) as before (ADR-112).
    classifier: RegimeClassifierConfigSchema.optional().describe("Regime classifier: absent / {kind: heuristic} = the rules; {kind: model, artifact} = a hash-pinned ML model proposes RANGE/TREND/VOL_SHOCK (ADR-112)."),
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
  })
  .describe("Regime controller (spec 17.6): precedence, enter/exit hysteresis, minimum dwell, vol-shock and thin-book detection, latches.");

export type RegimeConfig = z.infer<typeof RegimeConfigSchema>;
export type RegimeConfigInput = z.input<typeof RegimeConfigSchema>;

export function defaultToxicityConfig(): ToxicityConfig {
  return ToxicityConfigSchema.parse({});
}

export function defaultRegimeConfig(): RegimeConfig {
  return RegimeConfigSchema.parse({});
}
