import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";

/**
 * Quantisation to the instrument grid (DESIGN: prices/quantities leave the policy quantised).
 * Done in decimal arithmetic so that 0.1-style ticks give exact decimal results; the result
 * is the float nearest that exact decimal, so `String(x)` prints it exactly.
 */
export type RoundMode = "floor" | "ceil" | "nearest";

const MODES: Record<RoundMode, Decimal.Rounding> = {
  floor: Decimal.ROUND_FLOOR,
  ceil: Decimal.ROUND_CEIL,
  nearest: Decimal.ROUND_HALF_EVEN,
};

export function quantize(x: number, step: number, mode: RoundMode = "nearest"): number {
  if (!Number.isFinite(x) || !(step > 0))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `cannot quantise ${x} to step ${step}`);
  const s = new Decimal(step);
  return new Decimal(x).div(s).toDecimalPlaces(0, MODES[mode]).mul(s).toNumber();
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
