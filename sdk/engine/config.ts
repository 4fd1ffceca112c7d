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
    /** Portfolio re-selection cadence (data time) when a selector is given. */
    reselect_interval_ms: z.number().int().positive().default(3_600_000),
    /** Alerts of spec 17.18.2: a condition must hold this long (data time) to count as sustained. */
    alert_sustain_ms: z.number().int().nonnegative().default(300_000),
  })
  .strict();
export type EngineConfig = z.infer<typeof EngineConfigSchema>;
