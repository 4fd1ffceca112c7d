import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { ParameterSpec } from "./spec";
import { resolveConfigPathAlias } from "../config/aliases";

/** A parameter value: number for ranges, any JSON scalar for choices. */
export type ParamValue = number | string | boolean;
/** A point of the search space: config path → value, in the spec's parameter order. */
export type ParamPoint = Record<string, ParamValue>;

/**
 * One axis of the search space. Every axis is discrete: a range `min..max` by `step` is the
 * finite list `min + i*step` computed in decimal arithmetic (so 0.1 steps give 0.3, not
 * 0.30000000000000004), and searchers move by index along it. A point is therefore a vector of
 * indices, which makes points comparable, hashable and cacheable exactly.
 */
export interface Axis {
  path: string;
  values: readonly ParamValue[];
  /** True for numeric ranges (ordered); choices are treated as ordered by listing. */
  numeric: boolean;
}

/** Build the axes of a spec's parameters. */
export function buildAxes(params: readonly ParameterSpec[]): Axis[] {
  return params.map((p, i) => {
    if ("choices" in p) return { path: p.path, values: [...p.choices], numeric: false };
    const min = new Decimal(p.min);
    const step = new Decimal(p.step);
    const n = new Decimal(p.max).minus(min).div(step).floor().toNumber() + 1;
    if (n > 100_000)
      throw new GrinderError(ErrorCode.CONFIG, `calibration spec: parameter '${p.path}' has ${n} values (> 100000)`, { field: `parameters[${i}].step` });
    const values: number[] = [];
    for (let k = 0; k < n; k++) values.push(min.plus(step.mul(k)).toNumber());
    return { path: p.path, values, numeric: true };
  });
}

/** Number of points of the full grid. */
export function gridSize(axes: readonly Axis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** Full grid in lexicographic index order (last axis fastest). */
export function enumerateGrid(axes: readonly Axis[]): number[][] {
  const out: number[][] = [];
  const idx = new Array<number>(axes.length).fill(0);
  const total = gridSize(axes);
  for (let n = 0; n < total; n++) {
    out.push(idx.slice());
    for (let a = axes.length - 1; a >= 0; a--) {
      if (++idx[a] < axes[a].values.length) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Index vector → named point. */
export function pointOf(axes: readonly Axis[], idx: readonly number[]): ParamPoint {
  const p: ParamPoint = {};
  axes.forEach((a, i) => (p[a.path] = a.values[idx[i]]));
  return p;
}

/** Map a unit-cube coordinate u ∈ [0,1) to the axis index (equal-width bins). */
export function indexOfUnit(axis: Axis, u: number): number {
  return Math.min(axis.values.length - 1, Math.floor(u * axis.values.length));
}

/**
 * Index of the axis value nearest `v` (the base config's own value), or -1 when `v` is not a
 * value the axis can represent (non-numeric on a numeric axis, or an unlisted choice).
 */
export function nearestIndex(axis: Axis, v: unknown): number {
  if (axis.numeric) {
    if (typeof v !== "number" || !Number.isFinite(v)) return -1;
    let best = 0;
    for (let i = 1; i < axis.values.length; i++)
      if (Math.abs((axis.values[i] as number) - v) < Math.abs((axis.values[best] as number) - v)) best = i;
    return best;
  }
  return axis.values.findIndex((x) => x === v);
}

/** Read a dotted path from a plain object (undefined when absent). */
export function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const k of dotted.split(".")) {
    if (!cur || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Deep copy of plain JSON data. */
export function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Apply a point to a config object (returns a new object). Intermediate objects are created
 * when the base config leaves a section to its defaults; the config schema (strict, every
 * field defaulted) then refuses paths that do not exist.
 */
export function applyPoint(base: Record<string, unknown>, point: ParamPoint): Record<string, unknown> {
  const out = cloneJson(base);
  for (const given of Object.keys(point)) {
    const dotted = resolveConfigPathAlias(given); // a spec / pre-ADR-160 name writes the current field
    const keys = dotted.split(".");
    let cur: Record<string, unknown> = out;
    for (let i = 0; i < keys.length - 1; i++) {
      const nxt = cur[keys[i]];
      if (nxt === undefined) cur[keys[i]] = {};
      else if (!nxt || typeof nxt !== "object" || Array.isArray(nxt))
        throw new GrinderError(ErrorCode.CONFIG, `parameter '${dotted}': '${keys.slice(0, i + 1).join(".")}' is not an object in the config`, {
          field: dotted,
        });
      cur = cur[keys[i]] as Record<string, unknown>;
    }
    cur[keys[keys.length - 1]] = point[given];
  }
  return out;
}
