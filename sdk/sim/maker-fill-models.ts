import type { MarketEvent } from "../contracts/events";
import { quantizeQty } from "../util/quantize";
import type { FillModelKind } from "./config";
import { levelQtyAt as levelQtyAtImport, QueuePosition, type QueueRule } from "./queue";
import type { BookView, FillModel, LevelShare, SimOrder } from "./types";

/**
 * Maker fill models of the ladder (spec 17.13.2, ADR-053). Fills are at the order's limit.
 *
 * - `trade_through@2`: a resting order fills in full only when a print goes strictly through
 *   its price (BUY: an aggressive SELL printing below the limit) or the opposite best crosses
 *   it strictly (BUY: ask < limit; ADR-195 — `@1` filled on ask ≤ limit, i.e. whenever cross@1
 *   did). Prints AT the price fill nothing (there is a queue we cannot see).
 * - `queue_risk_averse@2`: queue-ahead = the market quantity at the price when the order
 *   ARRIVES; only prints at the price reduce it; it is capped at the level's current
 *   quantity; a print fills what is left of it after the queue ahead (partial fills in lots).
 * - `queue_prob@2 {n}`: as risk-averse, plus level decreases not explained by prints move the
 *   order forward by their expected share `(1−p)`, `p = f(back)/(f(back)+f(front))`,
 *   `f(x) = xⁿ` (hftbacktest's probabilistic queue, as an expected value: no RNG).
 *
 * Common to the queue rungs: a print's quantity is consumed once across all our orders (FIFO
 * by arrival within a price, best price first, `LevelShare`); a print strictly through the
 * price fills up to its quantity; the opposite best strictly crossing the limit (BUY: ask <
 * limit; `@1` used ask ≤ limit, ADR-195) fills everything left;
 * the own side's best moving behind the price (BUY: best bid below the limit) means nobody is
 * ahead any more (queue 0); a stale book (depth-sequence gap) stops observations and the first
 * fresh book resets the queue pessimistically to the whole level (counted in `counters`).
 * With L1 only, an order away from the best starts with an unknown queue (`Infinity`, counted
 * as `estimated_orders`): it fills only on prints through its price or a cross until its price
 * becomes the best and the best-level quantity caps the estimate.
 */

// A module-level binding: the per-order hot call does not go through the import's accessor.
const levelQtyAt = levelQtyAtImport;

/**
 * Hot-path pre-check for a print (ADR-150): a SELL print reaches some resting BUY (at or through
 * its limit) only if its price ≤ the best own BUY, a BUY print some SELL only if ≥ the best own
 * SELL. When it reaches none, every order's `fillQty` would return 0 without touching its state.
 */
function printReaches(ev: MarketEvent & { type: "trade" }, bounds: Float64Array): boolean {
  return ev.aggressor === "SELL" ? ev.price <= bounds[0] : ev.price >= bounds[1];
}

/**
 * The opposite best strictly through the limit (BUY: ask < limit, SELL: bid > limit; ADR-195).
 * The ask merely reaching a BUY's limit (cross@1's rule) does not fill the print-driven rungs:
 * that keeps every one of them within cross@1 on the quote side.
 */
function crossed(o: SimOrder, book: BookView): boolean {
  return o.side === "BUY" ? book.ask_price < o.price : book.bid_price > o.price;
}

/** True when `ev` is a print by the side that takes from `o`'s side (SELL aggressor hits BUYs). */
function hits(o: SimOrder, aggressor: "BUY" | "SELL"): boolean {
  return o.side === "BUY" ? aggressor === "SELL" : aggressor === "BUY";
}

/** Strictly through the limit: BUY sees a print below it, SELL above it. */
function through(o: SimOrder, price: number): boolean {
  return o.side === "BUY" ? price < o.price : price > o.price;
}

/** Floor to the lot; the full remaining quantity is returned exactly. */
function inLots(x: number, remaining: number, lot: number): number {
  if (!(x > 0)) return 0;
  if (x >= remaining) return remaining;
  const q = quantizeQty(x, lot);
  return q > 0 ? q : 0;
}

export const TradeThroughFillModel: FillModel = {
  kind: "trade_through",
  id: "trade_through@2",
  init: () => null,
  fillQty(o: SimOrder, ev: MarketEvent, book: BookView): number {
    if (ev.type === "trade") return hits(o, ev.aggressor) && through(o, ev.price) ? o.remaining : 0;
    return crossed(o, book) ? o.remaining : 0;
  },
  mayFill(ev: MarketEvent, book: BookView, bounds: Float64Array): boolean {
    if (ev.type === "trade") return printReaches(ev, bounds);
    return !(book.ask_price >= bounds[0] && book.bid_price <= bounds[1]);
  },
};

/** Counters of what the queue models approximated (for the run's result). */
export interface QueueCounters {
  /** Orders that arrived with an unknown (pessimistic) queue: L1 only and away from the best, or beyond the visible depth. */
  estimated_orders: number;
  /** Pessimistic queue resets after a stale book (depth-sequence gap). */
  gap_resets: number;
}

/** `queue_risk_averse@2` and `queue_prob@2`: one class, two observation rules (`@1`: ask ≤ limit crossed; ADR-195). */
export class QueueFillModel implements FillModel {
  readonly kind: FillModelKind;
  readonly id: string;
  readonly counters: QueueCounters = { estimated_orders: 0, gap_resets: 0 };

  constructor(
    readonly rule: QueueRule,
    /** Exponent of `f(x) = xⁿ` (prob rule only). */
    readonly n = 2,
  ) {
    if (rule === "prob" && !(Number.isFinite(n) && n > 0)) throw new RangeError(`queue_prob n must be a positive number, got ${n}`);
    this.kind = rule === "prob" ? "queue_prob" : "queue_risk_averse";
    this.id = rule === "prob" ? (n === 2 ? "queue_prob@2" : `queue_prob@2(n=${n})`) : "queue_risk_averse@2";
  }

  init(o: SimOrder, book: BookView): QueuePosition {
    const q = new QueuePosition(levelQtyAt(book, o.side, o.price));
    if (q.estimated) this.counters.estimated_orders++;
    return q;
  }

  /**
   * Prints that reach no own order are skipped (they would fill nothing and move no queue);
   * every quote and depth change is offered (each order's queue observes its level).
   */
  mayFill(ev: MarketEvent, _book: BookView, bounds: Float64Array): boolean {
    return ev.type !== "trade" || printReaches(ev, bounds);
  }

  /**
   * Beyond the horizon an order is not crossed (BUY: price < ask) and its level is not visible
   * (price behind the own best and behind the last visible level, or no levels at all), so a
   * call only records "not visible" (`observe(NaN)`: level NaN, nothing traded since) — or, in
   * a gap, resyncs to unknown once, after which the state is settled. A stale book is never
   * skipped (the gap must be noted). NaN prices compare false: nothing is skipped.
   */
  horizon(ev: MarketEvent, book: BookView, out: Float64Array): boolean {
    if (ev.type === "quote" && ev.snapshot.book?.stale === true) return false;
    let hb = book.bid_price < book.ask_price ? book.bid_price : book.ask_price;
    const bids = book.bids;
    if (bids !== null && bids.length > 0 && bids[bids.length - 1].price < hb) hb = bids[bids.length - 1].price;
    let hs = book.ask_price > book.bid_price ? book.ask_price : book.bid_price;
    const asks = book.asks;
    if (asks !== null && asks.length > 0 && asks[asks.length - 1].price > hs) hs = asks[asks.length - 1].price;
    out[0] = hb;
    out[1] = hs;
    return true;
  }

  fillQty(o: SimOrder, ev: MarketEvent, book: BookView, share: LevelShare, lot: number): number {
    const st = o.state as QueuePosition;
    if (ev.type === "trade") {
      if (!hits(o, ev.aggressor)) return 0;
      const sideFilled = share.side_filled ?? share.own_filled;
      // The print's quantity not taken by our own orders at better prices on this event.
      const avail = ev.qty - (sideFilled - share.own_filled);
      if (through(o, ev.price)) return inLots(st.tradeThrough(avail, share.own_ahead, share.own_filled, o.remaining), o.remaining, lot);
      if (ev.price === o.price) return inLots(st.tradeAtPrice(ev.qty, avail, share.own_ahead, share.own_filled, o.remaining), o.remaining, lot);
      return 0;
    }
    if (crossed(o, book)) return o.remaining;
    if (ev.type === "quote" && ev.snapshot.book?.stale === true) {
      if (!st.inGap) st.gap();
      return 0;
    }
    const q = levelQtyAt(book, o.side, o.price);
    if (st.inGap) {
      st.resync(q);
      this.counters.gap_resets++;
    } else st.observe(q, this.rule, this.n);
    return 0;
  }
}

/** Registry instances (shared; a run gets fresh ones from `makeFillModel`). */
export const QueueRiskAverseFillModel = new QueueFillModel("risk_averse");
export const QueueProbFillModel = new QueueFillModel("prob", 2);
