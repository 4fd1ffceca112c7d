import { baseEquivalent, isSpotLike, qtyForNotional, qtyNotional, type InstrumentSpec } from "../contracts/market";
import type { ReasonCode, Side } from "../contracts/trading";
import { quantizeFloorWith, quantizePrice, stepForm, type StepForm } from "../util/quantize";
import type { PolicyConfig } from "./config";
import { PolicyReason } from "./reasons";

/**
 * `quantizePrice(Number(raw.toPrecision(12)), tick, side)` without the string round trip, or NaN
 * when this shortcut cannot decide (ADR-175). With the tick as m / 10^d (`stepForm`), y = raw·10^d / m
 * is within a few ulps of the exact quotient, and rounding raw to 12 significant digits moves it
 * by at most 5e-12·|raw|, so when y is farther than 1e-10·|y| + 1e-12 from an integer both roads
 * floor / ceil to the same k, and k·m / 10^d (exact integers below 2^53) is the float the decimal
 * path returns. Otherwise (near a tick edge, huge values, a tick without that form) NaN.
 */
function fastTickPrice(raw: number, f: StepForm | null, buy: boolean): number {
  if (f === null) return Number.NaN;
  const y = (raw * f.scale) / f.m;
  const ay = Math.abs(y);
  if (!(ay < 1125899906842624)) return Number.NaN; // 2^50
  const fl = Math.floor(y);
  const frac = y - fl;
  const edge = ay * 1e-10 + 1e-12;
  if (!(frac > edge && frac < 1 - edge)) return Number.NaN;
  const km = (buy ? fl : fl + 1) * f.m;
  return Number.isSafeInteger(km) ? km / f.scale + 0 : Number.NaN;
}

/**
 * Level prices of one side, closest first: BUY i at C·(1 − i·step) floored to the tick, SELL i
 * at C·(1 + i·step) ceiled (never a more aggressive price than asked, ADR-001). Prices are kept
 * strictly monotone (a collision moves the level one tick further out); a BUY ladder stops
 * before reaching zero.
 */
export function ladderPrices(side: Side, center: number, step: number, n: number, tick: number): number[] {
  const out: number[] = [];
  const buy = side === "BUY";
  const f = stepForm(tick);
  let prev = Number.NaN;
  for (let i = 1; i <= n; i++) {
    const r = buy ? center * (1 - i * step) : center * (1 + i * step);
    let p = fastTickPrice(r, f, buy);
    // 12 significant digits first: 100·(1 − 0.8) = 19.999999999999996 must floor to 20, not 19.99.
    if (p !== p) p = quantizePrice(Number(r.toPrecision(12)), tick, side);
    if (i > 1) {
      if (buy && p >= prev) p = quantizePrice(prev - tick, tick, "BUY");
      if (!buy && p <= prev) p = quantizePrice(prev + tick, tick, "SELL");
    }
    if (!(p > 0)) break;
    out.push(p);
    prev = p;
  }
  return out;
}

/**
 * The price at which a side's worst case is marked (ADR-015): the stress move
 * C·(1 ∓ width), or one step past the deepest level when the ladder reaches further than the
 * stress width (levels_min, ceil, widened step). Every planned level is therefore filled in the
 * worst case and carries a strictly positive loss, so F > 0.
 */
export function stressMark(side: Side, center: number, width: number, prices: ReadonlyArray<number>, step: number): number {
  const deepest = prices.length ? prices[prices.length - 1] : center;
  return side === "BUY"
    ? Math.min(center * (1 - width), deepest * (1 - step))
    : Math.max(center * (1 + width), deepest * (1 + step));
}

/**
 * Notional weights per level, closest first, summing to 1 (spec 17.11.3 / 17.11.4).
 * equal_notional: 1/n each. tapered: a linear ramp from 1 to max_weight_ratio (outward
 * increasing or decreasing), normalised: monotonic, max/min = max_weight_ratio, never exponential.
 */
export function sizingWeights(n: number, cfg: PolicyConfig["sizing"]): number[] {
  if (n <= 0) return [];
  // one array, normalised in place (the same sums and quotients as a raw array mapped to a new one)
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    if (cfg.mode === "equal_notional" || n === 1) w.push(1);
    else {
      const t = i / (n - 1);
      const u = cfg.taper === "increasing_outward" ? t : 1 - t;
      w.push(1 + (cfg.max_weight_ratio - 1) * u);
    }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i];
  for (let i = 0; i < n; i++) w[i] = w[i] / sum;
  return w;
}

/**
 * Loss coefficient F (spec 17.11.3): worst-case loss per unit of total notional A, by summation
 * over the actual level prices: with notional_i = A·w_i and qty_i = notional_i / p_i, the loss
 * marked at `mark` is Σ qty_i·|p_i − mark| = A · Σ w_i·|p_i − mark| / p_i = A · F.
 */
export function lossCoefficient(side: Side, prices: ReadonlyArray<number>, weights: ReadonlyArray<number>, mark: number): number {
  let f = 0;
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i];
    f += (weights[i] * (side === "BUY" ? p - mark : mark - p)) / p;
  }
  return f;
}

export interface SideSizes {
  side: Side;
  /** Prices of the levels kept (closest first). */
  prices: number[];
  /** Lot-quantised base qty per kept level. */
  qtys: number[];
  /** Stress mark of the side. */
  mark: number;
  /** Loss coefficient over the planned (pre-drop) levels. */
  f: number;
  /** Total notional the budget allows: dd_budget / F. */
  a_budget: number;
  /** Total notional used after the cap room: min(a_budget, room). */
  a: number;
  /** True when the cap room cut the sizes (caps step 1, reduce sizes). */
  scaled: boolean;
  /** Levels dropped for min_notional after quantisation. */
  dropped: number;
  /** Σ qty_i·|p_i − mark| over kept levels (quote). */
  worst_loss: number;
  /** Σ qty_i·p_i over kept levels (quote). */
  notional: number;
  reasons: ReasonCode[];
}

/**
 * Size one side's ladder (spec 17.11): weights → A = budget / F → notional_i = A·w_i, reduced to
 * the cap room when it is smaller → qty_i = notional_i / p_i floored to the lot; a level whose
 * quantised notional is below min_notional (or zero) is dropped and counted.
 *
 * Because quantities round down and F is computed on the quantised prices, the worst-case loss
 * at the mark never exceeds `budget` (spec 17.11.2).
 */
export function computeSizes(
  side: Side,
  prices: ReadonlyArray<number>,
  mark: number,
  budget: number,
  room: number,
  instrument: InstrumentSpec,
  cfg: PolicyConfig["sizing"],
): SideSizes {
  const reasons: ReasonCode[] = [];
  const w = sizingWeights(prices.length, cfg);
  const f = lossCoefficient(side, prices, w, mark);
  const a_budget = f > 0 ? budget / f : 0;
  const scaled = a_budget > room;
  const a = scaled ? room : a_budget;
  const lot = instrument.lot_size;
  // the lot's decimal form once per side, not once per level (quantizeQty's own fast path)
  const lotForm = a > 0 && lot > 0 ? stepForm(lot) : null;
  const keptP: number[] = [];
  const keptQ: number[] = [];
  let dropped = 0;
  const spot = isSpotLike(instrument);
  let worst = 0;
  let notional = 0;
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i];
    const q = a > 0 ? quantizeFloorWith(qtyForNotional(instrument, a * w[i], p), lot, lotForm) : 0;
    if (!(q > 0) || qtyNotional(instrument, q, p) < instrument.min_notional) {
      dropped++;
      continue;
    }
    keptP.push(p);
    keptQ.push(q);
    worst += (spot ? q : baseEquivalent(instrument, q, p)) * (side === "BUY" ? p - mark : mark - p);
    notional += qtyNotional(instrument, q, p);
  }
  if (dropped > 0) reasons.push(PolicyReason.LEVEL_BELOW_MIN_NOTIONAL);
  return { side, prices: keptP, qtys: keptQ, mark, f, a_budget, a, scaled, dropped, worst_loss: worst, notional, reasons };
}
