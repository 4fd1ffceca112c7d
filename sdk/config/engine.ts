import { z } from "zod";

/** Engine section of the GRINDER config: policy cadence, event log and marks. */
export const EngineConfigSchema = z
  .object({
    /**
     * When the policy runs: `bar` = at each bar close of the symbol's feature engine;
     * `interval` = every `tick_interval_ms` of data time (per symbol, on its snapshots).
     */
    policy_tick: z.enum(["bar", "interval"]).default("bar"),
    tick_interval_ms: z.number().int().positive().default(60_000),
    /** Keep the full event log in the result (memory grows with the stream). */
    keep_events: z.boolean().default(false),
    /** A ledger mark event every this many ms of data time (0 = none). */
    mark_interval_ms: z.number().int().nonnegative().default(300_000),
    /**
     * How often (data time) the portfolio selector is called when one is given. Every minute: the
     * Top-K selector applies its hard gates (stale feed, toxicity) at every call and re-ranks only
     * on its own `portfolio.reselect_interval_ms`, so a sparse cadence would miss feed gaps.
     */
    reselect_interval_ms: z.number().int().positive().default(60_000),
    /** Alerts of spec 17.18.2: a condition must hold this long (data time) to count as sustained. */
    alert_sustain_ms: z.number().int().nonnegative().default(300_000),
  })
  .strict();
export type EngineConfig = z.infer<typeof EngineConfigSchema>;
