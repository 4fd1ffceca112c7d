import type { ReplaySummary } from "./replay";
import type { BarReplayResult } from "./replay-bars";

/** `datasets/<name>/expected.json`: what a replay of the recipe with the default config must give (ADR-072). */
export interface ExpectedBarReplay {
  dataset: string;
  interval_ms: number;
  fill_model: string;
  config_hash: string;
  digest: string;
  events_count: number;
  summary: ReplaySummary;
}

export function expectedOfBarReplay(r: BarReplayResult): ExpectedBarReplay {
  return { dataset: r.dataset, interval_ms: r.interval_ms, fill_model: r.fill_model, config_hash: r.config_hash, digest: r.digest, events_count: r.events_count, summary: r.summary };
}
