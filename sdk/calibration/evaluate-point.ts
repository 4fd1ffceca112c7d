import { parseConfig, type GrinderConfig } from "../config";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { resolveDatasets } from "./datasets";
import { aggregate, checkMetrics, type EvaluateFn } from "./evaluator";
import { buildUnits } from "./folds";
import { score, scoredColumns } from "./objective";
import { applyPoint, cloneJson, type ParamPoint } from "./space";
import { ObjectiveSchema, type DatasetSpec, type ObjectiveSpec, type ResolvedSpec } from "./spec";

/**
 * Notebook-first calibration helpers (ADR-068).
 *
 * @example
 * const cfg = withParams(defaultConfig(), { "policy.alpha": 1.2 });
 * const row = await evaluatePoint(loadSpec("calibration/specs/default.json"), { "policy.alpha": 1.4 });
 * row.objective; row.net_pnl; row.sharpe;
 */

/** A config with dotted-path overrides applied, validated by the config schema (E_CONFIG names the path). */
export function withParams(config: GrinderConfig | Record<string, unknown>, params: ParamPoint): GrinderConfig {
  return parseConfig(applyPoint(cloneJson(config as Record<string, unknown>), params));
}

/** What `evaluatePoint` evaluates on: a resolved spec, or datasets with optional segments / base / objective. */
export type PointTarget =
  | ResolvedSpec
  | { datasets: DatasetSpec[]; segments?: number; warmup_ms?: number; base?: Record<string, unknown>; objective?: Partial<ObjectiveSpec> };

/** One evaluated point: its parameters, score and metrics over every unit. */
export interface PointEvaluation {
  [param: string]: unknown;
  objective: number | null;
  feasible: boolean;
  reason: string;
  net_pnl: number;
  max_drawdown: number;
  dd_utilization: number;
  sharpe: number | null;
  sortino: number | null;
  turnover: number;
  fills: number;
  cycles: number;
  fees: number;
  bh_pnl: number | null;
  units: number;
}

/**
 * Evaluate one parameter point on a spec's units (or on datasets cut into `segments`), in this
 * thread, and return one row. The same metrics and objective as `runCalibration`.
 */
export async function evaluatePoint(target: PointTarget, params: ParamPoint, opts: { evaluate?: EvaluateFn; fixturesRoot?: string } = {}): Promise<PointEvaluation> {
  const isSpec = "spec" in target && "hash" in target;
  const datasets = isSpec ? (target as ResolvedSpec).spec.datasets : (target as { datasets: DatasetSpec[] }).datasets;
  const segments = isSpec ? (target as ResolvedSpec).spec.folds.segments : ((target as { segments?: number }).segments ?? 1);
  const base = isSpec ? (target as ResolvedSpec).base : ((target as { base?: Record<string, unknown> }).base ?? {});
  const objective: ObjectiveSpec = isSpec ? (target as ResolvedSpec).spec.objective : ObjectiveSchema.parse({ name: "pnl_per_dd", ...((target as { objective?: object }).objective ?? {}) });
  if (!datasets?.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "evaluatePoint needs at least one dataset", { field: "datasets" });
  const config = cloneJson(withParams(base, params)) as unknown as Record<string, unknown>;
  const ds = await resolveDatasets(datasets, { root: opts.fixturesRoot });
  const units = buildUnits(ds, segments, isSpec ? (target as ResolvedSpec).spec.folds.warmup_ms : (target as { warmup_ms?: number }).warmup_ms);
  const dirs = new Map(ds.map((d) => [d.fixture, d.dir]));
  const fn: EvaluateFn = opts.evaluate ?? (require("./replay-evaluator") as { evaluate: EvaluateFn }).evaluate;
  const runs = [];
  for (const u of units) runs.push(checkMetrics(await fn({ config, fixture_dir: dirs.get(u.fixture)!, unit: u }), `unit ${u.id}`));
  const m = aggregate(runs);
  const s = score(m, objective);
  return {
    ...params,
    ...scoredColumns(s, m),
    bh_pnl: m.bh_pnl,
    units: m.units,
  };
}
