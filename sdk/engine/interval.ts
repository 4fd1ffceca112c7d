import { ErrorCode, GrinderError } from "../contracts/errors";
import { parseConfig, type GrinderConfig } from "../config";

/**
 * Adapt a config to a dataset's declared sampling interval (ADR-071): the staleness and
 * feature-bar thresholds of the defaults assume a quote every second or so; bar data quotes
 * four times per bar (the intrabar path model), so one quote a minute must not read as a stale
 * feed. With `k = max(1, interval_ms / features.l1_stale_ms)`:
 *
 * - `features.bar_interval_ms` = max(itself, interval_ms), rounded up to a multiple of interval_ms;
 * - `features.l1_stale_ms`, `features.l2_stale_ms`, `toxicity.l1_severe_stale_ms` and
 *   `portfolio.gates.max_stale_ms` are multiplied by `k` (their ratios are kept: one missing bar is
 *   stale, six missing bars are a severe gap that pauses).
 *
 * Counted-in-bars thresholds (warm-up, horizons, baselines) then follow the data by themselves.
 * Everything else is left as given. `interval_ms <= l1_stale_ms` returns the config unchanged
 * (second-level data needs no adaptation). The result is a fully validated config.
 */
export function configForInterval(config: GrinderConfig, interval_ms: number): GrinderConfig {
  if (!(Number.isInteger(interval_ms) && interval_ms > 0))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `data interval must be a positive integer ms, got ${interval_ms}`, { field: "interval_ms" });
  const f = config.features;
  const k = Math.max(1, interval_ms / f.l1_stale_ms);
  const barMs = Math.max(f.bar_interval_ms, interval_ms);
  const bar = Math.ceil(barMs / interval_ms) * interval_ms;
  if (k === 1 && bar === f.bar_interval_ms) return config;
  const raw = JSON.parse(JSON.stringify(config)) as Record<string, Record<string, unknown>>;
  raw.features.bar_interval_ms = bar;
  raw.features.l1_stale_ms = Math.round(f.l1_stale_ms * k);
  raw.features.l2_stale_ms = Math.round(f.l2_stale_ms * k);
  raw.toxicity.l1_severe_stale_ms = Math.round(config.toxicity.l1_severe_stale_ms * k);
  (raw.portfolio.gates as Record<string, unknown>).max_stale_ms = Math.round(config.portfolio.gates.max_stale_ms * k);
  return parseConfig(raw);
}
