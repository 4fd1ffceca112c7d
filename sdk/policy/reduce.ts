import Decimal from "decimal.js";
import { qtyNotional, type InstrumentSpec } from "../contracts/market";
import type { ReasonCode, Side } from "../contracts/trading";
import { quantizeQty, stepForm, type StepForm } from "../util/quantize";
import { ladderPrices } from "./sizing";
import { PolicyReason } from "./reasons";
import { emptyNumbers } from "./levels";

/**
 * k when `x` is exactly the float of the decimal k·lot (lot = m / 10^d, |k·m| < 10^15), else NaN.
 * Then x's shortest decimal form IS k·lot (at most 15 significant digits round-trip uniquely,
 * ADR-127), so decimal.js on it would compute with k exactly (ADR-175).
 */
function lotCount(x: number, f: StepForm | null): number {
  if (f === null) return Number.NaN;
  const k = Math.round((x * f.scale) / f.m);
  const km = k * f.m;
  return Math.abs(km) < 1e15 && km / f.scale === x ? k : Number.NaN;
}

export interface ReduceLadder {
  prices: number[];
  qtys: number[];
  reasons: ReasonCode[];
}

/**
 * A reduce-only ladder (spec 17.6.3, 17.14.2): the held inventory `qty` (absolute base; long →
 * SELL side, short → BUY side) split over at most `maxLevels` levels one `step` apart from the
 * centre. Equal lot-quantised pieces, the remainder on level 1 (closest) so the ladder sums to
 * exactly the lot-quantised inventory and never more. Fewer levels are used when a piece would be
 * under min_notional; none when even one order would be.
 */
export function reduceOnlyLadder(
  side: Side,
  center: number,
  step: number,
  qty: number,
  maxLevels: number,
  instrument: InstrumentSpec,
): ReduceLadder {
  const total = qty > 0 ? quantizeQty(qty, instrument.lot_size) : 0;
  if (!(total > 0) || maxLevels < 1) return { prices: emptyNumbers(), qtys: emptyNumbers(), reasons: [] };
  const lot = stepForm(instrument.lot_size);
  const totalLots = lotCount(total, lot);
  const lots = totalLots === totalLots ? totalLots : new Decimal(total).div(instrument.lot_size).toNumber();
  let n = Math.max(1, Math.min(maxLevels, Math.floor(lots)));
  let prices = ladderPrices(side, center, step, n, instrument.tick_size);
  n = prices.length;
  for (;;) {
    if (n === 0) return { prices: emptyNumbers(), qtys: emptyNumbers(), reasons: [PolicyReason.REDUCE_BELOW_MIN_NOTIONAL] };
    const piece = quantizeQty(total / n, instrument.lot_size);
    // The smallest notional is the furthest BUY (lowest price) or any piece for SELL (≥ level 1 price).
    const pMin = Math.min(prices[0], prices[n - 1]);
    if (piece > 0 && qtyNotional(instrument, piece, pMin) >= instrument.min_notional) {
      // total − piece·(n − 1) on integer lot counts when both are exact (the same float as the
      // decimal difference: an exact integer over 10^d rounds once), else in decimal
      const pieceLots = lotCount(piece, lot);
      const firstM = (totalLots - pieceLots * (n - 1)) * (lot === null ? 0 : lot.m);
      const first =
        lot !== null && totalLots === totalLots && pieceLots === pieceLots && Number.isSafeInteger(firstM)
          ? firstM / lot.scale + 0
          : new Decimal(total).minus(new Decimal(piece).mul(n - 1)).toNumber();
      const qtys = [first];
      for (let i = 1; i < n; i++) qtys.push(piece);
      return { prices: prices.slice(0, n), qtys, reasons: [] };
    }
    if (n === 1) return { prices: emptyNumbers(), qtys: emptyNumbers(), reasons: [PolicyReason.REDUCE_BELOW_MIN_NOTIONAL] };
    n--;
    prices = prices.slice(0, n);
  }
}
