import type { Axis } from "./space";

/**
 * A batch ask/tell optimiser over a spec's discrete axes (ADR-063). `ask()` proposes a batch of
 * index vectors (one per candidate; duplicates allowed, the trial store evaluates each distinct
 * point once); `tell()` receives one result per candidate, in the order asked. Everything an
 * optimiser does depends only on its seed and on the results told — never on which worker
 * evaluated what — so a calibration is byte-identical for any worker count and after a resume.
 */
export interface Optimiser {
  /** Next batch (empty when finished). */
  ask(): number[][];
  tell(results: ReadonlyArray<OptimiserResult>): void;
  readonly done: boolean;
}

export interface OptimiserResult {
  /** Scalar objective (higher is better; null = infeasible, ranked last). */
  score: number | null;
  /** Objective vector oriented so that higher is better (multi-objective optimisers). */
  objectives: ReadonlyArray<number | null>;
}

/** Unit-cube coordinate of an index: the centre of its bin. */
export function unitOfIndex(axis: Axis, i: number): number {
  return (i + 0.5) / axis.values.length;
}

/** Index of a unit-cube coordinate, clamped to the axis (equal-width bins). */
export function indexOfCoord(axis: Axis, u: number): number {
  const n = axis.values.length;
  const c = Math.min(1 - 1e-12, Math.max(0, u));
  return Math.min(n - 1, Math.floor(c * n));
}

/** Rank candidates: higher score first, null last, ties to the earlier candidate. */
export function rankByScore(results: ReadonlyArray<OptimiserResult>): number[] {
  return results
    .map((r, i) => ({ s: r.score, i }))
    .sort((a, b) => {
      if (a.s === null) return b.s === null ? a.i - b.i : 1;
      if (b.s === null) return -1;
      return b.s - a.s || a.i - b.i;
    })
    .map((x) => x.i);
}
