import type { EvalUnit } from "./evaluator";
import type { FoldsSpec } from "./spec";

/** A dataset after resolution: fixture identity (hashed) plus its folder and time span. */
export interface ResolvedDataset {
  /** Manifest name. */
  fixture: string;
  /** Manifest version. */
  version: number;
  /** Manifest `content_sha256` (SHA-256 of the snapshot lines). */
  content_sha256: string;
  rows: number;
  /** Symbols replayed (sorted). */
  symbols: string[];
  /** Whether the spec restricted the symbols (passed on to the replay only then). */
  symbols_restricted: boolean;
  first_ts: number;
  last_ts: number;
  /** Absolute folder; never hashed (differs per machine). */
  dir: string;
}

/** A walk-forward fold: select on `train`, score on `test` (unit ids, sorted). */
export interface Fold {
  id: string;
  train: string[];
  test: string[];
}

/**
 * Cut each dataset's span [first_ts, last_ts] into `segments` equal windows
 * `[from_ts, to_ts)` on integer milliseconds. Units are ordered by fixture name then segment.
 * `warmupMs` (ADR-260): each unit's bounded warm-up (its window's `warmup_ms`).
 */
export function buildUnits(datasets: readonly ResolvedDataset[], segments: number, warmupMs?: number): EvalUnit[] {
  const out: EvalUnit[] = [];
  for (const d of datasets) {
    const start = d.first_ts;
    const end = d.last_ts + 1;
    const span = end - start;
    for (let s = 0; s < segments; s++) {
      const u: EvalUnit = {
        id: `${d.fixture}#${s}`,
        fixture: d.fixture,
        segment: s,
        from_ts: start + Math.floor((s * span) / segments),
        to_ts: s === segments - 1 ? end : start + Math.floor(((s + 1) * span) / segments),
      };
      if (d.symbols_restricted) u.symbols = d.symbols.slice();
      if (warmupMs !== undefined) u.warmup_ms = warmupMs;
      out.push(u);
    }
  }
  return out;
}

/**
 * Walk-forward folds (docs/CALIBRATION.md):
 * - time, rolling: fold j tests segments [T + j·t, T + (j+1)·t) of every fixture and trains on
 *   the T segments right before; anchored: trains on all segments before the test window.
 *   (T = `train`, t = `test`.)
 * - leave-one-fixture-out: fold per fixture, tested on all its segments, trained on all the
 *   other fixtures' segments.
 * Time folds come first, then LOFO folds in fixture-name order.
 */
export function buildFolds(datasets: readonly ResolvedDataset[], spec: FoldsSpec): Fold[] {
  const S = spec.segments;
  const names = datasets.map((d) => d.fixture);
  const ids = (segs: number[], fx: readonly string[]): string[] => fx.flatMap((f) => segs.map((s) => `${f}#${s}`));
  const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  const folds: Fold[] = [];
  if (spec.time) {
    const { train, test, mode } = spec.time;
    for (let j = 0; train + (j + 1) * test <= S; j++) {
      const t0 = train + j * test;
      folds.push({
        id: `time-${j}`,
        train: ids(range(mode === "rolling" ? t0 - train : 0, t0), names),
        test: ids(range(t0, t0 + test), names),
      });
    }
  }
  if (spec.leave_one_fixture_out) {
    for (const f of names)
      folds.push({
        id: `lofo-${f}`,
        train: ids(
          range(0, S),
          names.filter((n) => n !== f),
        ),
        test: ids(range(0, S), [f]),
      });
  }
  return folds;
}
