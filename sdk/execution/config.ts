import { z } from "zod";
import { FeeConfigSchema, FillModelConfigSchema, LatencyConfigSchema } from "../sim/config";

export { FeeConfigSchema, FillModelConfigSchema, LatencyConfigSchema };
export type { FeeConfig, FillModelConfig, LatencyConfig } from "../sim/config";

/** Order-rate token bucket, refilled in DATA time (never the wall clock). */
export const RateLimitConfigSchema = z
  .object({
    /** Bucket size: the largest burst of PLACE/AMEND intents. */
    capacity: z.number().int().positive().default(100),
    /** Tokens added per second of data time. */
    refill_per_sec: z.number().finite().positive().default(10),
  })
  .strict();

/**
 * Execution section of the GRINDER config (spec 17.12.3, 17.13, 17.7.3 order caps).
 * Every field is defaulted so `{}` parses to the documented defaults; unknown fields are refused.
 */
export const ExecutionConfigSchema = z
  .object({
    fill_model: FillModelConfigSchema.default({}),
    fees: FeeConfigSchema.default({}),
    /**
     * Strategy ↔ venue latency (ADR-042): `{kind: "none"}` (same as absent) or
     * `{kind: "constant", entry_ms, response_ms}`. Absent = none, so configs without it keep their hash.
     */
    latency: LatencyConfigSchema.optional(),
    /** Hard cap on resting orders per symbol (spec 17.7.3); placements beyond it are refused. */
    max_open_orders_per_symbol: z.number().int().positive().default(40),
    /** Hard cap on resting orders over the whole portfolio (spec 17.7.3). */
    max_open_orders_portfolio: z.number().int().positive().default(120),
    rate_limit: RateLimitConfigSchema.default({}),
    /**
     * Reconcile keeps a resting GRID order instead of amending it when its price is within
     * this many grid steps of the desired level's price (relative: |Δp| ≤ tol · step_frac · p) and
     * its qty is within `amend_qty_tolerance` below the desired qty (never above: a kept order
     * never carries more risk than the plan). 0 = amend on any difference. Without it every
     * plan tick re-prices every level (cancel/replace churn that real venues rate-limit).
     */
    amend_tolerance_steps: z.number().finite().min(0).max(1).default(0.25),
    /** See `amend_tolerance_steps`: fraction of the desired qty a kept order may be short of it. */
    amend_qty_tolerance: z.number().finite().min(0).max(1).default(0.1),
    /**
     * Take-profit distance multiplier in DAMAGE_CONTROL (spec 17.14.3 "accelerate unloading"):
     * new TPs are placed at p·(1 ± step·factor).
     */
    damage_control_tp_factor: z.number().finite().positive().max(1).default(0.5),
    /** Replenish a grid level further out after a grid fill when adds are allowed (spec 17.12.2). */
    replenish: z.boolean().default(true),
  })
  .strict();
export type ExecutionConfig = z.infer<typeof ExecutionConfigSchema>;
export type ExecutionConfigInput = z.input<typeof ExecutionConfigSchema>;
