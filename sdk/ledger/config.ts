import { z } from "zod";

/**
 * Risk section of the GRINDER config: capital, the portfolio drawdown budget and its window
 * (spec 17.7.1) and the drawdown guard thresholds (spec 17.14.3, alerts 17.18.2).
 */
export const DdWindowSchema = z
  .object({
    /**
     * `daily`: fixed UTC days of data time; `session`: fixed windows of `length_ms` starting at
     * `anchor_ms` (e.g. 8 h sessions); `rolling`: the trailing `length_ms`.
     */
    kind: z.enum(["daily", "session", "rolling"]).default("daily"),
    /** Window length in ms of data time (ignored for `daily`, which is 86 400 000). */
    length_ms: z.number().int().positive().default(86_400_000),
    /** Start of the first session, ms since the epoch modulo `length_ms` (session only). */
    anchor_ms: z.number().int().nonnegative().default(0),
    /** Rolling windows keep one high-water sample per bucket of this many ms. */
    rolling_bucket_ms: z.number().int().positive().default(60_000),
  })
  .strict();

export const RiskConfigSchema = z
  .object({
    /** Starting portfolio equity in quote (spec 17.3). */
    equity: z.number().finite().positive().default(10_000),
    /** dd_budget_portfolio = equity · dd_budget_frac (spec 17.7.1 `dd_budget_pct`, accepted as an alias), fraction (0.05 = 5 %). */
    dd_budget_frac: z.number().finite().positive().max(1).default(0.05),
    /** Absolute budget in quote; when set it wins over `dd_budget_frac`. */
    dd_budget_abs: z.number().finite().positive().nullable().default(null),
    window: DdWindowSchema.default({}),
    /** dd_utilization at/above which the guard enters DAMAGE_CONTROL (spec 17.14.3). */
    damage_control_utilization: z.number().finite().positive().default(0.6),
    /** DAMAGE_CONTROL is left only when utilization falls back to/below this (hysteresis). */
    damage_control_exit_utilization: z.number().finite().nonnegative().default(0.4),
    /** dd_utilization at/above which the budget counts as breached → EMERGENCY (latched). */
    emergency_utilization: z.number().finite().positive().default(1.0),
    /** Alert thresholds of spec 17.18.2. */
    alert_warning_utilization: z.number().finite().positive().default(0.8),
    alert_emergency_utilization: z.number().finite().positive().default(1.0),
    /** Portfolio effective leverage cap (spec 17.7.3); above it the leverage alert fires. */
    max_effective_leverage: z.number().finite().positive().default(3),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!(r.damage_control_exit_utilization < r.damage_control_utilization))
      ctx.addIssue({ code: "custom", path: ["damage_control_exit_utilization"], message: "must be below damage_control_utilization" });
    if (!(r.damage_control_utilization <= r.emergency_utilization))
      ctx.addIssue({ code: "custom", path: ["damage_control_utilization"], message: "must not exceed emergency_utilization" });
  });
export type RiskConfig = z.infer<typeof RiskConfigSchema>;
export type DdWindowConfig = z.infer<typeof DdWindowSchema>;
