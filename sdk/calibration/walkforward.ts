import type { SetMetrics } from "./evaluator";
import type { Axis, ParamPoint, ParamValue } from "./space";
import type { GateSpec } from "./spec";
import type { DominanceCheck, EdgeFlag } from "./pareto";
import type { DeflatedSharpe, PboResult } from "./stats";

/** The final selection re-evaluated under the most realistic fill rung available (ADR-064). */
export interface RobustnessReport {
  /** Fill model id of the calibration's runs and of the re-evaluation. */
  fill_model: string;
  robust_fill_model: string;
  objective: number | null;
  robust_objective: number | null;
  reason?: string;
  /** (objective − robust) / max(|objective|, degradation_floor); null when either is infeasible. */
  degradation: number | null;
  net_pnl: number;
  robust_net_pnl: number;
  fills: number;
  robust_fills: number;
}

/** Research-validity inputs of the gate (ADR-062): overfitting statistics, dominance, edge, robustness. */
export interface ValidityInputs {
  pbo: PboResult | null;
  /** Why PBO could not be computed (when null). */
  pbo_reason?: string;
  dsr: DeflatedSharpe | null;
  dsr_reason?: string;
  dominance: DominanceCheck;
  edge: EdgeFlag[];
  /** Null when skipped (gate.robust_fill_model null, or the calibration already ran on it). */
  robustness: RobustnessReport | null;
}

/** Score of the selected point on one side of a fold. */
export interface SideReport {
  objective: number | null;
  /** Why `objective` is null (a violated constraint). */
  reason?: string;
  metrics: SetMetrics;
}

export interface FoldReport {
  id: string;
  train: string[];
  test: string[];
  selected: ParamPoint;
  in_sample: SideReport;
  out_of_sample: SideReport;
  /** (IS − OOS) / max(|IS|, gate.degradation_floor); null when either side is infeasible. */
  degradation: number | null;
}

export interface ParamStability {
  path: string;
  /** Selected value per fold, in fold order. */
  values: ParamValue[];
  /** Numeric: (max − min) / (axis max − axis min), on axis indices; choices: 1 − (modal count / folds). 0 = stable. */
  spread: number;
}

export interface WalkForwardSummary {
  folds: number;
  /** Folds whose selection or OOS score violated a constraint. */
  infeasible_folds: number;
  /** Means over feasible folds (null when there are none). */
  mean_in_sample: number | null;
  mean_out_of_sample: number | null;
  mean_degradation: number | null;
  stability: ParamStability[];
}

export interface GateCheck {
  name: string;
  value: number | null;
  limit: number;
  passed: boolean;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  /** One line per failed check; empty when passed. */
  reasons: string[];
}

/** Relative IS→OOS loss of objective: (IS − OOS) / max(|IS|, floor); null when either side is infeasible. */
export function degradation(is: number | null, oos: number | null, floor: number): number | null {
  if (is === null || oos === null) return null;
  return (is - oos) / Math.max(Math.abs(is), floor);
}

function mean(xs: number[]): number | null {
  if (!xs.length) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Summarise folds: IS/OOS means over feasible folds, degradation, parameter stability. */
export function summarise(folds: readonly FoldReport[], axes: readonly Axis[]): WalkForwardSummary {
  const feasible = folds.filter((f) => f.in_sample.objective !== null && f.out_of_sample.objective !== null);
  const stability = axes.map((a): ParamStability => {
    const values = folds.map((f) => f.selected[a.path]);
    let spread = 0;
    if (values.length) {
      if (a.numeric) {
        // On axis indices, so equal-step spreads are exact (0.5, not 0.49999999999999994).
        const ix = values.map((v) => a.values.indexOf(v));
        spread = a.values.length > 1 ? (Math.max(...ix) - Math.min(...ix)) / (a.values.length - 1) : 0;
      } else {
        const counts = new Map<ParamValue, number>();
        for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
        spread = 1 - Math.max(...counts.values()) / values.length;
      }
    }
    return { path: a.path, values, spread };
  });
  return {
    folds: folds.length,
    infeasible_folds: folds.length - feasible.length,
    mean_in_sample: mean(feasible.map((f) => f.in_sample.objective as number)),
    mean_out_of_sample: mean(feasible.map((f) => f.out_of_sample.objective as number)),
    mean_degradation: mean(feasible.map((f) => f.degradation as number)),
    stability,
  };
}

/**
 * The export gate (docs/CALIBRATION.md). Every configured check must pass; a check on a mean
 * that does not exist (no feasible fold) fails. `finalObjective` null (no feasible point on the
 * full data) always fails.
 */
export function applyGate(s: WalkForwardSummary, gate: GateSpec, finalObjective: number | null, finalReason?: string, v?: ValidityInputs): GateResult {
  const checks: GateCheck[] = [];
  const reasons: string[] = [];
  const add = (name: string, value: number | null, limit: number, ok: boolean, why: string): void => {
    checks.push({ name, value, limit, passed: ok });
    if (!ok) reasons.push(why);
  };
  add(
    "final_feasible",
    finalObjective,
    0,
    finalObjective !== null,
    `no parameter point satisfies the constraints on the full data${finalReason ? ` (${finalReason})` : ""}`,
  );
  add(
    "infeasible_folds",
    s.infeasible_folds,
    gate.max_infeasible_folds,
    s.infeasible_folds <= gate.max_infeasible_folds,
    `${s.infeasible_folds} fold(s) infeasible in or out of sample > max_infeasible_folds ${gate.max_infeasible_folds}`,
  );
  if (gate.min_oos_objective !== undefined && gate.min_oos_objective !== null) {
    const lim = gate.min_oos_objective;
    const v = s.mean_out_of_sample;
    add(
      "min_oos_objective",
      v,
      lim,
      v !== null && v >= lim,
      `mean out-of-sample objective ${v === null ? "n/a" : v.toPrecision(4)} < min_oos_objective ${lim}`,
    );
  }
  if (gate.max_degradation !== undefined) {
    const v = s.mean_degradation;
    add(
      "max_degradation",
      v,
      gate.max_degradation,
      v !== null && v <= gate.max_degradation,
      `mean IS→OOS degradation ${v === null ? "n/a" : v.toPrecision(4)} > max_degradation ${gate.max_degradation}`,
    );
  }
  if (gate.max_param_spread !== undefined) {
    const worst = s.stability.reduce((m, p) => Math.max(m, p.spread), 0);
    const bad = s.stability.filter((p) => p.spread > gate.max_param_spread!).map((p) => `${p.path} (${p.spread.toPrecision(3)})`);
    add("max_param_spread", worst, gate.max_param_spread, bad.length === 0, `parameter spread across folds > max_param_spread ${gate.max_param_spread}: ${bad.join(", ")}`);
  }
  if (v) {
    const d = v.dominance;
    const domWhy = `the selection is dominated on (${d.objectives.join(", ")}) by ${d.dominated_by.length} evaluated point(s), e.g. ${JSON.stringify(d.dominated_by[0] ?? {})}`;
    if (gate.refuse_dominated) add("not_dominated", d.dominated_by.length, 0, d.passed, domWhy);
    const edgeWhy = `the optimum sits on the edge of the search space: ${v.edge.map((e) => `${e.path} = ${String(e.value)} (${e.side})`).join(", ")}; widen the range`;
    if (gate.refuse_edge) add("not_on_edge", v.edge.length, 0, v.edge.length === 0, edgeWhy);
    if (gate.max_pbo !== null) {
      const p = v.pbo?.pbo ?? null;
      add("max_pbo", p, gate.max_pbo, p !== null && p <= gate.max_pbo,
        p === null ? `PBO not computable (${v.pbo_reason ?? "no PnL series"})` : `probability of backtest overfitting ${p.toPrecision(3)} > max_pbo ${gate.max_pbo}`);
    }
    if (gate.min_dsr !== null) {
      const x = v.dsr?.dsr ?? null;
      add("min_dsr", x, gate.min_dsr, x !== null && x >= gate.min_dsr,
        x === null ? `deflated Sharpe ratio not computable (${v.dsr_reason ?? "no PnL series"})` : `deflated Sharpe ratio ${x.toPrecision(3)} < min_dsr ${gate.min_dsr} (${v.dsr!.trials} trials)`);
    }
    const r = v.robustness;
    if (r && gate.min_robust_objective !== null) {
      add("min_robust_objective", r.robust_objective, gate.min_robust_objective, r.robust_objective !== null && r.robust_objective >= gate.min_robust_objective,
        `objective under fill model ${r.robust_fill_model} ${r.robust_objective === null ? `infeasible (${r.reason ?? ""})` : r.robust_objective.toPrecision(4)} < min_robust_objective ${gate.min_robust_objective}`);
    }
    if (r && gate.max_robust_degradation !== undefined) {
      add("max_robust_degradation", r.degradation, gate.max_robust_degradation, r.degradation !== null && r.degradation <= gate.max_robust_degradation,
        `degradation under fill model ${r.robust_fill_model} ${r.degradation === null ? "n/a" : r.degradation.toPrecision(4)} > max_robust_degradation ${gate.max_robust_degradation}`);
    }
  }
  return { passed: reasons.length === 0, checks, reasons };
}
