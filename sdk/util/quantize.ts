import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";

/**
 * Quantisation to the instrument grid (DESIGN: prices/quantities leave the policy quantised).
 *
 * The reference semantics are exact decimal arithmetic (decimal.js on the shortest decimal
 * form of `x`): k = round(x / step), result = the float nearest the exact decimal k·step, so
 * `String(result)` prints it exactly and 0.1-style ticks never drift.
 *
 * Fast path (same results, ADR-032): `step` is written as m·10^-d with integer m. Then
 * y = x·10^d / m in floats is within a few ulps of the exact quotient, so when y is farther
 * than its error bound (a few ulps of |y|) from an integer (or from a half, for "nearest") its floor/ceil/round is the exact
 * one; and k·m / 10^d, both exact integers below 2^53, divides to the correctly rounded
 * nearest float of the exact decimal. Near a boundary, or out of the exact-integer range, the
 * decimal path decides. A property test holds the two paths equal.
 */
export type RoundMode = "floor" | "ceil" | "nearest";

const MODES: Record<RoundMode, Decimal.Rounding> = {
  floor: Decimal.ROUND_FLOOR,
  ceil: Decimal.ROUND_CEIL,
  nearest: Decimal.ROUND_HALF_EVEN,
};

/** A step written as m / scale with integers m and scale = 10^d (ADR-032); null when it cannot be. */
export interface StepForm {
  /** step = m / scale, m and scale integers. */
  m: number;
  scale: number;
}
const stepForms = new Map<number, StepForm | null>();

export function stepForm(step: number): StepForm | null {
  let f = stepForms.get(step);
  if (f === undefined) {
    const d = new Decimal(step);
    const dp = d.decimalPlaces();
    let scale = 1;
    for (let i = 0; i < dp; i++) scale *= 10; // exact for dp <= 22 (ADR-180: no `**`)
    const m = d.mul(scale).toNumber();
    f = dp <= 15 && Number.isSafeInteger(m) && m > 0 ? { m, scale } : null;
    if (stepForms.size < 1024) stepForms.set(step, f);
  }
  return f;
}

const TWO_POW_50 = 1125899906842624;

/** Relative float error bound of y = x·10^d / m (a few ulps, with a wide margin). */
const REL_EDGE = 4e-15;

/** Exact decimal reference implementation (slow). */
export function quantizeExact(x: number, step: number, mode: RoundMode = "nearest"): number {
  const s = new Decimal(step);
  return new Decimal(x).div(s).toDecimalPlaces(0, MODES[mode]).mul(s).toNumber();
}

export function quantize(x: number, step: number, mode: RoundMode = "nearest"): number {
  checkQuantizeArgs(x, step);
  return quantizeWith(x, step, mode, stepForm(step));
}

/**
 * `quantize(x, step, "floor")` with the step's form looked up once by the caller (`stepForm(step)`)
 * for a loop over many values (ADR-175).
 */
export function quantizeFloorWith(x: number, step: number, f: StepForm | null): number {
  checkQuantizeArgs(x, step);
  return quantizeWith(x, step, "floor", f);
}

function checkQuantizeArgs(x: number, step: number): void {
  if (!Number.isFinite(x) || !(step > 0))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `cannot quantise ${x} to step ${step}`);
}

/** The fast path on the step's integer form `f` (null: none), else the exact decimal path. */
function quantizeWith(x: number, step: number, mode: RoundMode, f: StepForm | null): number {
  if (f !== null) {
    const y = (x * f.scale) / f.m;
    if (Math.abs(y) < TWO_POW_50) {
      const fl = Math.floor(y);
      const frac = y - fl;
      const edge = Math.abs(y) * REL_EDGE + 1e-12;
      if (frac > edge && frac < 1 - edge && (mode !== "nearest" || Math.abs(frac - 0.5) > edge)) {
        const k = mode === "floor" ? fl : mode === "ceil" ? fl + 1 : frac < 0.5 ? fl : fl + 1;
        const km = k * f.m;
        if (Number.isSafeInteger(km)) return km / f.scale + 0; // + 0 turns -0 into 0
      } else {
        // x already on the grid (ADR-127): when x is exactly the float k·m / scale with |k·m| < 10^15,
        // x's shortest decimal form IS k·step (at most 15 significant digits round-trip uniquely),
        // so the exact path would return x itself in every mode
        const k = Math.round(y);
        const km = k * f.m;
        if (x !== 0 && Math.abs(km) < 1e15 && km / f.scale === x && Math.abs(y - k) <= edge) return x;
      }
    }
  }
  return quantizeExact(x, step, mode);
}

/** Buy prices round down, sell prices round up: never a more aggressive price than asked. */
export function quantizePrice(price: number, tick: number, side: "BUY" | "SELL"): number {
  return quantize(price, tick, side === "BUY" ? "floor" : "ceil");
}

/** Quantities round down to the lot: never more size than the budget allows. */
export function quantizeQty(qty: number, lot: number): number {
  return quantize(qty, lot, "floor");
}

/** Number of decimals needed to print a step exactly (0.001 → 3). */
export function decimalsOf(step: number): number {
  return Math.max(0, new Decimal(step).decimalPlaces());
}
