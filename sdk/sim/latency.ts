import type { LatencyConfig } from "./config";

/**
 * Latency model (ADR-042): how long a request takes to reach the venue and a report to reach
 * the strategy, in ms of data time. A closed set chosen by config (`makeLatencyModel`); room
 * for a recorded distribution (it would draw from a seeded generator, never the wall clock).
 */
export interface LatencyModel {
  readonly kind: LatencyConfig["kind"];
  /** `none` or `constant(entry,response)`; in the digest header when not `none`. */
  readonly id: string;
  /** True for `none`: the engine calls venue and strategy synchronously (no queue). */
  readonly immediate: boolean;
  entry(sentTs: number): number;
  response(venueTs: number): number;
}

export const NoLatency: LatencyModel = {
  kind: "none",
  id: "none",
  immediate: true,
  entry: (ts) => ts,
  response: (ts) => ts,
};

export function makeLatencyModel(cfg: LatencyConfig | undefined): LatencyModel {
  if (cfg === undefined) return NoLatency;
  const kind = cfg.kind;
  switch (kind) {
    case "none":
      return NoLatency;
    case "constant": {
      const e = cfg.entry_ms;
      const r = cfg.response_ms;
      return { kind, id: `constant(${e},${r})`, immediate: false, entry: (ts) => ts + e, response: (ts) => ts + r };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown latency model ${String(never)}`);
    }
  }
}
