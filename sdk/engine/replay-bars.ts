import type { GrinderConfig } from "../config";
import { defaultConfig, parseConfig } from "../config";
import type { FillModelKind } from "../sim/config";
import { sensitivityRow, type SensitivityRow } from "./sensitivity";
import { runReplay, type ReplayOptions } from "./run";
import type { ReplayResult } from "./replay";
import { openBarDataset, streamBarDataset, type OpenedBarDataset } from "../data/dataset";
import { configForInterval } from "./interval";

export interface BarReplayOptions extends Omit<ReplayOptions, "fixture" | "snapshots" | "instruments" | "config"> {
  /** Config before the interval adaptation (default: the default config). */
  config?: GrinderConfig;
  /** Adapt staleness / bar thresholds to the dataset's interval (ADR-071; default true). */
  adapt?: boolean;
}

export interface BarReplayResult extends ReplayResult {
  dataset: string;
  interval_ms: number;
  /** The config the run used (after adaptation). */
  config_used: GrinderConfig;
  /** Path-model counters (bars, crossed_points). */
  path_counts: Record<string, number>;
}

/**
 * Replay a bar dataset recipe (ADR-072): verify the source hashes, stream the bars through the
 * intrabar path model, adapt the config to the declared interval (ADR-071), replay.
 */
export async function replayBarDataset(ds: string | OpenedBarDataset, opts: BarReplayOptions = {}): Promise<BarReplayResult> {
  const d = typeof ds === "string" ? await openBarDataset(ds) : ds;
  const base = opts.config ?? defaultConfig();
  const config = opts.adapt === false ? base : configForInterval(base, d.spec.interval_ms);
  const counts: Record<string, number> = {};
  const r = await runReplay({ ...opts, config, snapshots: streamBarDataset(d, counts), instruments: d.instruments });
  return Object.assign(r, { dataset: d.spec.name, interval_ms: d.spec.interval_ms, config_used: config, path_counts: counts });
}

/**
 * Fill-model sensitivity on a bar dataset (ADR-122): the recipe is opened (hash-checked) once and
 * replayed under each kind with the same config and window; one row per kind, as for fixtures.
 */
export async function barFillModelSensitivity(
  ds: string | OpenedBarDataset,
  opts: { config?: GrinderConfig; window?: ReplayOptions["window"]; kinds: readonly FillModelKind[] },
): Promise<SensitivityRow[]> {
  const d = typeof ds === "string" ? await openBarDataset(ds) : ds;
  const base = opts.config ?? defaultConfig();
  const rows: SensitivityRow[] = [];
  for (const kind of opts.kinds) {
    const n = base.execution.fill_model.n;
    const fm = kind === "queue_prob" && n !== undefined ? { kind, n } : { kind };
    const config = parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: fm } });
    rows.push(sensitivityRow(await replayBarDataset(d, { config, window: opts.window, keepEvents: true })));
  }
  return rows;
}
