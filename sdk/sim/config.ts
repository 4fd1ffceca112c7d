import { z } from "zod";

/**
 * Config of the simulated venue (ADR-041/042), embedded in the `execution` section: the fill
 * model, the fee model and the latency model. Every field is defaulted; unknown fields are refused.
 */
export const FillModelConfigSchema = z
  .object({
    /**
     * `touch` = spec 17.13.1 (BUY fills when mid ≤ limit, SELL when mid ≥ limit);
     * `cross` = stricter: BUY fills when ask ≤ limit, SELL when bid ≥ limit.
     * Maker ladder (ADR-053): `trade_through` = a print strictly through the limit or the
     * opposite best crossing it; `queue_risk_averse` / `queue_prob` = queue position from the
     * book at arrival, reduced by prints at the price (prob: also by unexplained level
     * decreases), partial fills in lots, one print consumed once across own orders.
     * `bar_cross` (ADR-122) = conservative bar rule: BUY fills only when the ask goes strictly
     * below the limit, SELL when the bid goes strictly above it (crossed by at least one tick).
     */
    kind: z.enum(["touch", "cross", "trade_through", "queue_risk_averse", "queue_prob", "bar_cross"]).default("touch"),
    /** `queue_prob` only: exponent n of f(x) = x^n (absent = 2). */
    n: z.number().finite().positive().max(10).optional(),
  })
  .strict();

export const FeeConfigSchema = z
  .object({
    /** Fee on resting (maker) fills, basis points of notional; negative = rebate. */
    maker_bps: z.number().finite().min(-100).max(100).default(1),
    /** Fee on marketable (taker) fills, basis points of notional. */
    taker_bps: z.number().finite().min(-100).max(100).default(5),
  })
  .strict();

/**
 * Latency between the strategy and the venue, data time (ADR-042). A closed set:
 * `none` = requests reach the venue and reports reach the strategy in the same instant
 * (the behaviour every committed digest was pinned with); `constant` = a request sent at t is
 * live at the venue at t + entry_ms, a report the venue sends at t reaches the strategy at
 * t + response_ms. Absent = `none` (so configs without the field hash as before).
 */
export const LatencyConfigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }).strict(),
  z
    .object({
      kind: z.literal("constant"),
      /** Strategy → venue, ms of data time. */
      entry_ms: z.number().int().nonnegative().max(60_000),
      /** Venue → strategy, ms of data time. */
      response_ms: z.number().int().nonnegative().max(60_000).default(0),
    })
    .strict(),
]);

export type FillModelConfig = z.infer<typeof FillModelConfigSchema>;
export type FillModelKind = FillModelConfig["kind"];
export type FeeConfig = z.infer<typeof FeeConfigSchema>;
export type LatencyConfig = z.infer<typeof LatencyConfigSchema>;
