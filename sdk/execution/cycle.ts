import Decimal from "decimal.js";
import { isSpotLike, type InstrumentSpec } from "../contracts/market";
import { contractNotional, contractPnl, contractTerms } from "../ledger/contract";
import type { Fill, OrderKind, Side } from "../contracts/trading";
import type { CycleRecord } from "../contracts/events";
import { quantizePrice } from "../util/quantize";

/** An order the CycleEngine wants resting; the OrderManager sends it (or refuses it). */
export interface PendingOrder {
  side: Side;
  price: number;
  qty: number;
  kind: OrderKind;
  level: number;
  /** TP only: the fill this TP closes. */
  entry_price: number;
  entry_fee: number;
  entry_ts: number;
  /** Refused once for the rate limit; retried silently when a token is available. */
  waiting?: boolean;
}

export type { CycleRecord };

/** The state the CycleEngine needs at a fill: the plan's step and what is allowed now. */
export interface CycleContext {
  step_frac: number;
  adds_allowed: boolean;
  damage_control: boolean;
}

/**
 * Spec 17.12.2, one per symbol. A GRID fill at p queues a take-profit on the other side for the
 * same qty: SELL at p·(1+step) rounded UP to the tick, BUY at p·(1−step) rounded DOWN (never a
 * tighter TP than the step); in DAMAGE_CONTROL the distance is step·`dcTpFactor` (faster
 * unloading, 17.14.3). When adds are allowed it also queues a replenishment GRID order one step
 * beyond the outermost resting grid order of the filled side (keeps the level count); when adds
 * are off it queues nothing that adds risk. A TP fill completes a cycle.
 */
export class CycleEngine {
  readonly pending: PendingOrder[] = [];
  cycles = 0;
  private profit = new Decimal(0);
  profitFloat = 0;
  profitBpsSum = 0;

  constructor(
    readonly symbol: string,
    readonly instrument: InstrumentSpec,
    private readonly replenish: boolean,
    private readonly dcTpFactor: number,
  ) {}

  /**
   * React to a fill. `outermost` is the price of the outermost resting GRID order on the fill's
   * side (NaN when none rests) and `maxLevel` the highest grid level index resting on that side.
   */
  onFill(fill: Fill, level: number, ctx: CycleContext, outermost: number, maxLevel: number, entry?: { price: number; fee: number; ts: number }): CycleRecord | null {
    if (fill.kind === "TP") {
      if (!entry) return null;
      const dir = fill.side === "SELL" ? 1 : -1;
      // contract instruments (ADR-120): PnL of the contracts in the settlement currency (base coin for inverse)
      const terms = isSpotLike(this.instrument) ? null : contractTerms(this.instrument);
      const gross = terms === null
        ? new Decimal(fill.price).sub(entry.price).mul(fill.qty).mul(dir)
        : contractPnl(terms, dir === 1 ? "BUY" : "SELL", fill.qty, entry.price, fill.price);
      const fees = new Decimal(entry.fee).add(fill.fee);
      const net = gross.sub(fees);
      this.cycles++;
      this.profit = this.profit.add(net);
      this.profitFloat = this.profit.toNumber();
      const bps = net.div(terms === null ? new Decimal(entry.price).mul(fill.qty) : contractNotional(terms, fill.qty, entry.price)).mul(10_000).toNumber();
      this.profitBpsSum += bps;
      return {
        symbol: this.symbol,
        side: fill.side === "SELL" ? "BUY" : "SELL",
        level,
        entry_ts: entry.ts,
        ts: fill.ts,
        entry_price: entry.price,
        exit_price: fill.price,
        qty: fill.qty,
        fees: fees.toNumber(),
        profit: net.toNumber(),
        profit_bps: bps,
      };
    }
    const step = ctx.damage_control ? ctx.step_frac * this.dcTpFactor : ctx.step_frac;
    const tick = this.instrument.tick_size;
    const tpSide: Side = fill.side === "BUY" ? "SELL" : "BUY";
    const raw = fill.side === "BUY" ? fill.price * (1 + step) : fill.price * (1 - step);
    let tp = quantizePrice(raw, tick, tpSide);
    // a TP must be at least one tick away from its entry
    if (tpSide === "SELL" && tp <= fill.price) tp = new Decimal(fill.price).add(tick).toNumber();
    if (tpSide === "BUY" && tp >= fill.price) tp = new Decimal(fill.price).sub(tick).toNumber();
    if (tp > 0)
      this.pending.push({ side: tpSide, price: tp, qty: fill.qty, kind: "TP", level, entry_price: fill.price, entry_fee: fill.fee, entry_ts: fill.ts });
    if (ctx.adds_allowed && this.replenish && ctx.step_frac > 0) {
      const base = outermost === outermost ? outermost : fill.price;
      const p = quantizePrice(fill.side === "BUY" ? base * (1 - ctx.step_frac) : base * (1 + ctx.step_frac), tick, fill.side);
      if (p > 0 && p !== base)
        this.pending.push({ side: fill.side, price: p, qty: fill.qty, kind: "GRID", level: Math.max(maxLevel, level) + 1, entry_price: 0, entry_fee: 0, entry_ts: 0 });
    }
    return null;
  }

  /** Total completed-cycle profit (quote, after fees), exact. */
  get totalProfit(): number {
    return this.profitFloat;
  }
}
