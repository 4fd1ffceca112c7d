import { baseEquivalent, isSpotLike, qtyNotional, type InstrumentSpec } from "../contracts/market";
import type { ReasonCode, Side } from "../contracts/trading";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { PolicyConfig } from "./config";
import { PolicyReason } from "./reasons";
import { computeSizes, ladderPrices, stressMark } from "./sizing";
import { reduceOnlyLadder } from "./reduce";
import { emptyNumbers } from "./levels";

/** What a side of the plan may do: budgeted new-risk grid, inventory-reducing ladder, or nothing. */
export type SideKind = "grid" | "reduce" | "off";

/** The notional cap of one symbol (spec 17.7.3) and which limit binds. */
export interface NotionalCap {
  cap: number;
  binding: "INVENTORY" | "LEVERAGE";
}

/** min(max_inventory_notional, max_effective_leverage · equity); 0 when equity <= 0. */
export function notionalCap(equity: number, cfg: PolicyConfig["caps"]): NotionalCap {
  const inv = cfg.max_inventory_notional.kind === "quote" ? cfg.max_inventory_notional.value : cfg.max_inventory_notional.value * Math.max(0, equity);
  const lev = cfg.max_effective_leverage * Math.max(0, equity);
  return lev < inv ? { cap: lev, binding: "LEVERAGE" } : { cap: inv, binding: "INVENTORY" };
}

/** Per-side request handed to the caps resolution. */
export interface SideRequest {
  kind: SideKind;
  /** Levels (grid) or maximum reduce-only levels (reduce). */
  levels: number;
  /** Stress width of the side (fraction). */
  width: number;
  /** DD budget (quote) this side may put at risk, before held-inventory loss (grid only). */
  budget: number;
}

export interface CapsInput {
  center: number;
  mid: number;
  step: number;
  /** Multiplier of the step for reduce-only ladders (damage-control TP distance). */
  reduce_step_factor: number;
  inventory_qty: number;
  equity: number;
  instrument: InstrumentSpec;
  buy: SideRequest;
  sell: SideRequest;
}

/** One side after sizing and caps. */
export interface SideBuild {
  side: Side;
  kind: SideKind;
  prices: number[];
  qtys: number[];
  /** Stress mark of the side (spec 17.11.2 worst case, ADR-015). */
  mark: number;
  /** Worst-case loss of this side's new-risk orders at the mark (0 for reduce / off). */
  ladder_loss: number;
  /** Held inventory's loss at the mark (quote, >= 0). */
  inventory_loss: number;
  /** Budget left for new risk after the held inventory's loss. */
  budget_used: number;
  /** Σ qty·price of the side's orders. */
  notional: number;
  scaled: boolean;
  dropped: number;
  reasons: ReasonCode[];
}

/**
 * Ladder prices are sequential (level i depends only on level i−1), so the first n prices of a
 * longer ladder ARE the n-level ladder: the caps loop reuses them while it removes levels.
 */
export type PriceCache = Map<string, { n: number; prices: number[] }>;

function cachedLadder(cache: PriceCache | undefined, side: Side, center: number, step: number, n: number, tick: number): number[] {
  if (!cache) return ladderPrices(side, center, step, n, tick);
  const key = `${side}:${step}`;
  const hit = cache.get(key);
  if (hit && hit.n >= n) return hit.prices.slice(0, n);
  const prices = ladderPrices(side, center, step, n, tick);
  cache.set(key, { n, prices });
  return prices.slice();
}

/** The held inventory's loss at `mark` on one side (quote, >= 0); invB = signed base equivalent. */
function inventoryLoss(side: Side, invB: number, mid: number, mark: number): number {
  return side === "BUY" ? Math.max(0, invB) * Math.max(0, mid - mark) : Math.max(0, -invB) * Math.max(0, mark - mid);
}

/**
 * Every `SideBuild` is made here, so all have one shape. The number fields start as doubles
 * (0.5, then assigned): a first side whose losses are integers (0) would otherwise give the shape
 * integer fields, and the first fractional loss would change it under the optimised planner.
 */
function sideBuild(
  side: Side, kind: SideKind, prices: number[], qtys: number[], mark: number, ladderLoss: number, inventoryLoss: number,
  budgetUsed: number, notional: number, scaled: boolean, dropped: number, reasons: ReasonCode[],
): SideBuild {
  const b: SideBuild = {
    side, kind, prices, qtys, mark: 0.5, ladder_loss: 0.5, inventory_loss: 0.5, budget_used: 0.5, notional: 0.5, scaled, dropped, reasons,
  };
  b.mark = mark;
  b.ladder_loss = ladderLoss;
  b.inventory_loss = inventoryLoss;
  b.budget_used = budgetUsed;
  b.notional = notional;
  return b;
}

function emptySide(side: Side, kind: SideKind, invB: number, mid: number, mark: number, reasons: ReasonCode[]): SideBuild {
  return sideBuild(side, kind, emptyNumbers(), emptyNumbers(), mark, 0, inventoryLoss(side, invB, mid, mark), 0, 0, false, 0, reasons);
}

/** Build one side at a given step and level count (no resolution). */
export function buildSide(
  side: Side,
  kind: SideKind,
  levels: number,
  step: number,
  x: CapsInput,
  cfg: PolicyConfig,
  cap: NotionalCap,
  cache?: PriceCache,
): SideBuild {
  return buildSideWith(side, kind, levels, step, x, cfg, cap, cache, null);
}

/** The last ladder of one side inside `applyCaps`: center and tick are fixed there, the step only grows. */
interface SideLadder {
  step: number;
  n: number;
  prices: number[];
}

function buildSideWith(
  side: Side,
  kind: SideKind,
  levels: number,
  step: number,
  x: CapsInput,
  cfg: PolicyConfig,
  cap: NotionalCap,
  cache: PriceCache | undefined,
  ladder: { last: SideLadder | null } | null,
): SideBuild {
  const req = side === "BUY" ? x.buy : x.sell;
  // contract instruments (ADR-120): losses and exposure on the base equivalent of the contracts at the mid
  const inv = x.inventory_qty;
  const spot = isSpotLike(x.instrument);
  const invB = spot ? inv : Math.sign(inv) * baseEquivalent(x.instrument, Math.abs(inv), x.mid);
  if (kind === "off" || levels <= 0) return emptySide(side, kind, invB, x.mid, stressMark(side, x.center, req.width, [], step), []);
  if (kind === "reduce") {
    const held = side === "SELL" ? Math.max(0, inv) : Math.max(0, -inv);
    const rs = step * x.reduce_step_factor;
    const r = reduceOnlyLadder(side, x.center, rs, held, levels, x.instrument);
    const mark = stressMark(side, x.center, req.width, [], step);
    let notional = 0;
    for (let i = 0; i < r.prices.length; i++) notional += spot ? r.prices[i] * r.qtys[i] : qtyNotional(x.instrument, r.qtys[i], r.prices[i]);
    return sideBuild(side, kind, r.prices, r.qtys, mark, 0, inventoryLoss(side, invB, x.mid, mark), 0, notional, false, 0, r.reasons);
  }
  let prices: number[];
  if (ladder !== null) {
    // ladder prices are sequential: the first n of a longer ladder at the same step ARE the n-level ladder
    const last = ladder.last;
    // (only read below, never kept: the cached array itself when the prefix is all of it)
    if (last !== null && last.step === step && last.n >= levels) prices = last.prices.length <= levels ? last.prices : last.prices.slice(0, levels);
    else {
      prices = ladderPrices(side, x.center, step, levels, x.instrument.tick_size);
      ladder.last = { step, n: levels, prices };
    }
  } else prices = cachedLadder(cache, side, x.center, step, levels, x.instrument.tick_size);
  const reasons: ReasonCode[] = [];
  if (prices.length < levels) reasons.push(PolicyReason.LADDER_TRUNCATED_AT_ZERO);
  const mark = stressMark(side, x.center, req.width, prices, step);
  const il = inventoryLoss(side, invB, x.mid, mark);
  const budget = Math.max(0, req.budget - il);
  const exposure = spot ? inv * x.mid : Math.sign(inv) * qtyNotional(x.instrument, Math.abs(inv), x.mid);
  const room = Math.max(0, side === "BUY" ? cap.cap - exposure : cap.cap + exposure);
  if (!(budget > 0)) return emptySide(side, kind, invB, x.mid, mark, [...reasons, PolicyReason.BUDGET_EXHAUSTED]);
  if (!(room > 0)) return emptySide(side, kind, invB, x.mid, mark, [...reasons, PolicyReason.CAP_INVENTORY_FULL]);
  const s = computeSizes(side, prices, mark, budget, room, x.instrument, cfg.sizing);
  return sideBuild(side, kind, s.prices, s.qtys, mark, s.worst_loss, il, budget, s.notional, s.scaled, s.dropped, s.reasons.length ? [...reasons, ...s.reasons] : reasons);
}

export interface CapsResult {
  step: number;
  buy: SideBuild;
  sell: SideBuild;
  /** Resolution steps applied, in order, with their causes (canonical order, no duplicates). */
  reasons: ReasonCode[];
}

/** Canonical order of the caps reason codes in a plan. */
const CAPS_ORDER: ReadonlyArray<ReasonCode> = [
  PolicyReason.CAP_INVENTORY_NOTIONAL,
  PolicyReason.CAP_EFFECTIVE_LEVERAGE,
  PolicyReason.CAP_MAX_OPEN_ORDERS,
  PolicyReason.CAP_MIN_NOTIONAL,
  PolicyReason.CAPS_REDUCE_SIZES,
  PolicyReason.CAPS_REDUCE_LEVELS,
  PolicyReason.CAPS_WIDEN_STEP,
  PolicyReason.CAPS_THROTTLE,
];

/** Bit of each caps reason in `applyCaps`' applied set: 1 << its CAPS_ORDER index. */
const BIT_INVENTORY_NOTIONAL = 1 << 0;
const BIT_EFFECTIVE_LEVERAGE = 1 << 1;
const BIT_MAX_OPEN_ORDERS = 1 << 2;
const BIT_MIN_NOTIONAL = 1 << 3;
const BIT_REDUCE_SIZES = 1 << 4;
const BIT_REDUCE_LEVELS = 1 << 5;
const BIT_WIDEN_STEP = 1 << 6;
const BIT_THROTTLE = 1 << 7;

/** The reasons of an applied set, in CAPS_ORDER (a new array: the plan keeps it). */
function capsReasons(applied: number): ReasonCode[] {
  const out: ReasonCode[] = [];
  for (let i = 0; i < CAPS_ORDER.length; i++) if ((applied & (1 << i)) !== 0) out.push(CAPS_ORDER[i]);
  return out;
}

const MAX_ITERATIONS = 10_000;

/**
 * The side with more orders; a tie goes to a grid side before a reduce-only side, then to the side
 * that adds to the inventory.
 */
function orderOffender(nb: number, ns: number, kind: Record<Side, SideKind>, addingSide: Side): Side {
  return nb !== ns ? (nb > ns ? "BUY" : "SELL") : kind.BUY !== kind.SELL ? (kind.BUY === "grid" ? "BUY" : "SELL") : addingSide;
}

/** The side built at (kind, levels, step), or the memo's build when none of them changed. */
function memoBuild(m: SideMemo, side: Side, k: SideKind, n: number, at: { x: CapsInput; cfg: PolicyConfig; cap: NotionalCap; step: number }): SideBuild {
  if (m.built !== null && m.kind === k && m.levels === n && m.step === at.step) return m.built;
  const built = buildSideWith(side, k, n, at.step, at.x, at.cfg, at.cap, undefined, m.ladder);
  m.kind = k;
  m.levels = n;
  m.step = at.step;
  m.built = built;
  return built;
}

interface SideMemo {
  kind: SideKind;
  levels: number;
  step: number;
  built: SideBuild | null;
  ladder: { last: SideLadder | null };
}

/**
 * Caps integration (spec 17.11.5) with ONE deterministic resolution order (ADR-014):
 *  1. reduce sizes — a side whose full fill would push the inventory notional past
 *     min(max_inventory_notional, max_effective_leverage · equity) is scaled to the room left;
 *  2. reduce levels — while the plan has more than max_open_orders orders, or a side lost levels
 *     to min_notional, the offending side loses its furthest level, down to levels_min;
 *  3. widen step — then the step is multiplied by `widen_step_factor` and each grid side keeps
 *     ceil(width / step) levels (the same width covered by fewer, larger levels, below levels_min);
 *  4. throttle / pause — a side still in violation at one level is switched off; the plan
 *     becomes THROTTLE (one side left) or PAUSE (nothing left) in `planGrid`.
 * The offender for max_open_orders is the side with more orders; ties go to a grid side before a
 * reduce-only side, then to the side that adds to the inventory (BUY when flat or long).
 */
export function applyCaps(x: CapsInput, cfg: PolicyConfig): CapsResult {
  const cap = notionalCap(x.equity, cfg.caps);
  let step = x.step;
  const kind: Record<Side, SideKind> = { BUY: x.buy.kind, SELL: x.sell.kind };
  const levels: Record<Side, number> = { BUY: x.buy.levels, SELL: x.sell.levels };
  // the caps reasons applied, as bits of their CAPS_ORDER index (no Set per plan)
  let applied = 0;
  const width: Record<Side, number> = { BUY: x.buy.width, SELL: x.sell.width };
  const addingSide: Side = x.inventory_qty < 0 ? "SELL" : "BUY";
  // A side is rebuilt only when its (kind, levels, step) changed; its last ladder is reused while
  // levels are removed at the same step (no string keys or closures per call, ADR-175).
  const memoB: SideMemo = { kind: "off", levels: -1, step: Number.NaN, built: null, ladder: { last: null } };
  const memoS: SideMemo = { kind: "off", levels: -1, step: Number.NaN, built: null, ladder: { last: null } };
  const at = { x, cfg, cap, step };
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    at.step = step;
    const b = memoBuild(memoB, "BUY", kind.BUY, levels.BUY, at);
    const s = memoBuild(memoS, "SELL", kind.SELL, levels.SELL, at);
    const offenders: Side[] = [];
    if (b.kind === "grid" && b.dropped > 0) {
      offenders.push(b.side);
      applied |= BIT_MIN_NOTIONAL;
    }
    if (s.kind === "grid" && s.dropped > 0) {
      offenders.push(s.side);
      applied |= BIT_MIN_NOTIONAL;
    }
    if (offenders.length === 0 && b.qtys.length + s.qtys.length > cfg.caps.max_open_orders) {
      applied |= BIT_MAX_OPEN_ORDERS;
      // Step 2 for the order count, one level at a time on integer counts (removing a level never
      // makes the remaining levels smaller, so no min_notional drop can appear on the way); the
      // loop rebuilds once at the end, or hands over to step 3 / 4 at a side's floor.
      const count: Record<Side, number> = { BUY: b.qtys.length, SELL: s.qtys.length };
      let moved = false;
      while (count.BUY + count.SELL > cfg.caps.max_open_orders) {
        const side = orderOffender(count.BUY, count.SELL, kind, addingSide);
        if (kind[side] === "reduce" ? count[side] <= 1 : levels[side] <= cfg.levels_min) break;
        if (kind[side] === "reduce") levels[side] = count[side] - 1;
        else levels[side] -= 1;
        count[side] = Math.min(count[side], levels[side]);
        moved = true;
        applied |= BIT_REDUCE_LEVELS;
      }
      if (moved) continue;
      offenders.push(orderOffender(count.BUY, count.SELL, kind, addingSide));
    }
    if (offenders.length === 0) {
      if (b.scaled || s.scaled) {
        applied |= cap.binding === "LEVERAGE" ? BIT_EFFECTIVE_LEVERAGE : BIT_INVENTORY_NOTIONAL;
        applied |= BIT_REDUCE_SIZES;
      }
      return { step, buy: b, sell: s, reasons: capsReasons(applied) };
    }
    let widened = false;
    for (const side of offenders) {
      const built = side === "BUY" ? b : s;
      const n = Math.min(levels[side], kind[side] === "reduce" ? built.qtys.length : levels[side]);
      if (kind[side] === "reduce") {
        if (n > 1) {
          levels[side] = n - 1;
          applied |= BIT_REDUCE_LEVELS;
        } else {
          kind[side] = "off";
          applied |= BIT_THROTTLE;
        }
      } else if (n > cfg.levels_min) {
        levels[side] = n - 1;
        applied |= BIT_REDUCE_LEVELS;
      } else if (n > 1) {
        if (!widened) {
          step *= cfg.caps.widen_step_factor;
          widened = true;
          applied |= BIT_WIDEN_STEP;
          for (const sd of ["BUY", "SELL"] as const) {
            if (kind[sd] === "grid") levels[sd] = Math.min(levels[sd], Math.max(1, Math.ceil((width[sd] / step) * (1 - 1e-9))));
          }
        }
      } else {
        kind[side] = "off";
        applied |= BIT_THROTTLE;
      }
    }
  }
  throw new GrinderError(ErrorCode.INVARIANT, `caps resolution did not converge in ${MAX_ITERATIONS} iterations`);
}
