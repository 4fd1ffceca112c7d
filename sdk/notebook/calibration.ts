/**
 * Calibration views for notebooks: objective per evaluated parameter point (from a trial
 * journal) for heatmaps, and walk-forward folds for the fold chart.
 */
import { existsSync, readFileSync } from "node:fs";
import { aggregate, type TrialMetrics } from "../calibration/evaluator";
import { score } from "../calibration/objective";
import type { ObjectiveSpec } from "../calibration/spec";
import type { CalibrationResult } from "../calibration/calibrate";
import type { ParamPoint } from "../calibration/space";
import { canonicalJson } from "../util/canonical";
import type { WalkForwardFold } from "./figures";

/** The objective of one parameter point over the units it was evaluated on. */
export interface PointScore {
  point: ParamPoint;
  /** Objective value (higher is better); null when a hard constraint was violated. */
  value: number | null;
  reason?: string;
  units: number;
}

/**
 * Objective of every point in a calibration trial journal, over the units given (default:
 * every unit the point was evaluated on); points missing one of `units` are left out.
 * Points come back in the order they were first journalled.
 */
export function journalPointScores(journalFile: string, objective: ObjectiveSpec, units?: ReadonlyArray<string>): PointScore[] {
  if (!existsSync(journalFile)) return [];
  const byPoint = new Map<string, { point: ParamPoint; runs: Map<string, TrialMetrics> }>();
  for (const line of readFileSync(journalFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let rec: { point?: ParamPoint; unit?: string; metrics?: TrialMetrics };
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // a torn last line: the journal itself truncates it on resume
    }
    if (!rec.point || !rec.unit || !rec.metrics) continue;
    const key = canonicalJson(rec.point);
    let e = byPoint.get(key);
    if (!e) byPoint.set(key, (e = { point: rec.point, runs: new Map() }));
    e.runs.set(rec.unit, rec.metrics);
  }
  const out: PointScore[] = [];
  for (const { point, runs } of byPoint.values()) {
    const want = units ?? [...runs.keys()].sort();
    if (!want.every((u) => runs.has(u))) continue;
    const s = score(aggregate(want.map((u) => runs.get(u) as TrialMetrics)), objective);
    out.push({ point, value: s.value, ...(s.reason !== undefined ? { reason: s.reason } : {}), units: want.length });
  }
  return out;
}

/** Walk-forward folds of a calibration, for `walkForwardFigure`. */
export function walkForwardFolds(r: CalibrationResult): { units: string[]; folds: WalkForwardFold[] } {
  return {
    units: r.units.map((u) => u.id),
    folds: r.folds.map((f) => ({ id: f.id, train: f.train, test: f.test, in_sample: f.in_sample.objective, out_of_sample: f.out_of_sample.objective })),
  };
}
