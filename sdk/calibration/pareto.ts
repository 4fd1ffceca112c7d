import type { SetMetrics } from "./evaluator";
import type { Axis, ParamPoint } from "./space";

/**
 * Multi-objective view of a calibration (ADR-060): Pareto dominance on a list of metrics, the
 * non-dominated front, the dominance check of an exported point and the edge check.
 */

/** Metrics a Pareto objective may name, with their sense. */
export const PARETO_METRICS = {
  net_pnl: "max",
  max_drawdown: "min",
  dd_utilization: "min",
  sharpe: "max",
  sortino: "max",
  turnover: "min",
  fills: "max",
  cycles: "max",
  fees: "min",
} as const;
export type ParetoMetric = keyof typeof PARETO_METRICS;

/** The metric vector of a point, oriented so that larger is better (null metrics → −∞ as null). */
export function orientedVector(m: SetMetrics, objectives: readonly ParetoMetric[]): Array<number | null> {
  return objectives.map((k) => {
    const v = m[k];
    if (v === null || v === undefined || !Number.isFinite(v)) return null;
    return PARETO_METRICS[k] === "max" ? v : -v;
  });
}

/** a dominates b: at least as good on every objective and strictly better on one (null is worst). */
export function dominates(a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): boolean {
  let strict = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? -Infinity;
    const y = b[i] ?? -Infinity;
    if (x < y) return false;
    if (x > y) strict = true;
  }
  return strict;
}

/** Indices of the non-dominated vectors, in input order. */
export function paretoFront(vs: ReadonlyArray<ReadonlyArray<number | null>>): number[] {
  const out: number[] = [];
  for (let i = 0; i < vs.length; i++) {
    let dominated = false;
    for (let j = 0; j < vs.length && !dominated; j++) if (j !== i && dominates(vs[j], vs[i])) dominated = true;
    if (!dominated) out.push(i);
  }
  return out;
}

/**
 * NSGA-II's fast non-dominated sort: fronts of indices (front 0 = Pareto front), each in input
 * order.
 */
export function nonDominatedSort(vs: ReadonlyArray<ReadonlyArray<number | null>>): number[][] {
  const n = vs.length;
  const dominatedBy = Array.from({ length: n }, () => [] as number[]);
  const count = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      if (dominates(vs[i], vs[j])) dominatedBy[i].push(j);
      else if (dominates(vs[j], vs[i])) count[i]++;
    }
  const fronts: number[][] = [];
  let cur = [] as number[];
  for (let i = 0; i < n; i++) if (count[i] === 0) cur.push(i);
  while (cur.length) {
    fronts.push(cur);
    const next: number[] = [];
    for (const i of cur)
      for (const j of dominatedBy[i]) if (--count[j] === 0) next.push(j);
    next.sort((a, b) => a - b);
    cur = next;
  }
  return fronts;
}

/** Crowding distance of each member of one front (same order as `front`); boundary points get Infinity. */
export function crowdingDistance(vs: ReadonlyArray<ReadonlyArray<number | null>>, front: readonly number[]): number[] {
  const d = new Array<number>(front.length).fill(0);
  if (!front.length) return d;
  const m = vs[front[0]].length;
  for (let k = 0; k < m; k++) {
    const val = (i: number): number => vs[front[i]][k] ?? -1e300;
    const order = front.map((_, i) => i).sort((a, b) => val(a) - val(b) || front[a] - front[b]);
    d[order[0]] = Infinity;
    d[order[order.length - 1]] = Infinity;
    const span = val(order[order.length - 1]) - val(order[0]);
    if (!(span > 0)) continue;
    for (let r = 1; r < order.length - 1; r++) d[order[r]] += (val(order[r + 1]) - val(order[r - 1])) / span;
  }
  return d;
}

/** Result of the dominance check of one selected point. */
export interface DominanceCheck {
  objectives: ParetoMetric[];
  /** True when no evaluated point dominates the selection. */
  passed: boolean;
  /** Points that dominate it (first few, in point order). */
  dominated_by: ParamPoint[];
}

/** Is `selected` dominated by any of `others` on `objectives`? */
export function dominanceCheck(
  selected: { point: ParamPoint; metrics: SetMetrics },
  others: ReadonlyArray<{ point: ParamPoint; metrics: SetMetrics }>,
  objectives: readonly ParetoMetric[],
): DominanceCheck {
  const v = orientedVector(selected.metrics, objectives);
  const by: ParamPoint[] = [];
  for (const o of others) if (dominates(orientedVector(o.metrics, objectives), v)) by.push(o.point);
  return { objectives: [...objectives], passed: by.length === 0, dominated_by: by.slice(0, 5) };
}

/** One parameter of a selection sitting on a boundary of its search range. */
export interface EdgeFlag {
  path: string;
  value: ParamPoint[string];
  side: "min" | "max";
}

/**
 * Edge check: parameters whose selected value is the smallest or largest value of an ordered
 * numeric axis (ranges, and choices that are all numbers) with at least 3 values — the optimum
 * may lie outside the searched space. Non-numeric choices have no edge.
 */
export function edgeFlags(point: ParamPoint, axes: readonly Axis[]): EdgeFlag[] {
  const out: EdgeFlag[] = [];
  for (const a of axes) {
    if (a.values.length < 3 || !a.values.every((v) => typeof v === "number")) continue;
    const nums = a.values as number[];
    const v = point[a.path];
    if (typeof v !== "number") continue;
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    if (v === lo) out.push({ path: a.path, value: v, side: "min" });
    else if (v === hi) out.push({ path: a.path, value: v, side: "max" });
  }
  return out;
}
