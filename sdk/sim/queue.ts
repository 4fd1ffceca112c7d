import type { Side } from "../contracts/trading";
import type { BookView } from "./types";
import * as libm from "../util/libm";

/**
 * Queue-position arithmetic of the maker fill models (ADR-053), pure and allocation-free after
 * construction: one `QueuePosition` per resting order, updated by trades at its price and by
 * observations of the market quantity resting at its price.
 *
 * Quantities are the MARKET's (the recorded book never contains our own orders); our own orders
 * at one price are ordered by the venue (`LevelShare`), not here.
 */
export type QueueRule = "risk_averse" | "prob";

/**
 * Market quantity resting at `price` on `side` as far as `book` shows it: 0 when the price is
 * better than the best on that side (nobody else is there), the best-level quantity at the
 * best, the L2 level's quantity (0 if the price lies inside the visible ladder but has no
 * level), NaN when it cannot be seen (L1 only and deeper than the best, or beyond the last
 * visible L2 level).
 */
export function levelQtyAt(book: BookView, side: Side, price: number): number {
  if (side === "BUY") {
    if (price > book.bid_price) return 0;
    if (price === book.bid_price) return book.bid_qty;
    const lv = book.bids;
    if (lv === null || lv.length === 0) return NaN;
    // beyond the last visible level (levels strictly descending: validated): not seen, no scan
    if (lv[lv.length - 1].price > price) return NaN;
    for (let i = 0; i < lv.length; i++) {
      const p = lv[i].price;
      if (p === price) return lv[i].qty;
      if (p < price) return 0;
    }
    return NaN;
  }
  if (price < book.ask_price) return 0;
  if (price === book.ask_price) return book.ask_qty;
  const lv = book.asks;
  if (lv === null || lv.length === 0) return NaN;
  if (lv[lv.length - 1].price < price) return NaN;
  for (let i = 0; i < lv.length; i++) {
    const p = lv[i].price;
    if (p === price) return lv[i].qty;
    if (p > price) return 0;
  }
  return NaN;
}

/**
 * Where one resting order stands in the market queue at its price.
 *
 * - `ahead`: market quantity ahead of the order (`Infinity` = unknown, treated as "never
 *   reached by trades at the price" until a visible level caps it: the pessimistic estimate).
 * - `level`: the market quantity last observed at the price (NaN = not observed since arrival,
 *   a gap, or while invisible).
 * - `traded`: quantity printed at the price since `level` was observed (so that a level decrease
 *   explained by trades is not counted twice).
 */
export class QueuePosition {
  ahead: number;
  level: number;
  traded = 0;
  /** The arrival estimate was pessimistic (the level was not visible). */
  readonly estimated: boolean;
  /** Inside a depth-sequence gap (stale book): observations are not trusted. */
  inGap = false;
  /** Pessimistic resets after gaps. */
  resets = 0;

  /** At arrival: everything resting at the price is ahead (we join the back of the queue). */
  constructor(levelAtArrival: number) {
    const known = !Number.isNaN(levelAtArrival);
    this.ahead = known ? levelAtArrival : Infinity;
    this.level = known ? levelAtArrival : NaN;
    this.estimated = !known;
  }

  /**
   * Fill of this order from a print of `qty` AT its price, and the queue update.
   * `avail` = the print's quantity not used by our own orders at better prices on this event;
   * `ownFilled` = what our earlier orders at this price took from it; `ownAhead` = their
   * quantity still resting. FIFO: market ahead, our earlier orders, then us.
   */
  tradeAtPrice(qty: number, avail: number, ownAhead: number, ownFilled: number, remaining: number): number {
    const ahead = this.ahead;
    // What our own orders took is not market quantity: the market queue shrinks by the rest.
    const eaten = avail - ownFilled;
    this.ahead = eaten >= ahead ? 0 : ahead - (eaten > 0 ? eaten : 0);
    this.traded += qty;
    const x = avail - ownFilled - ownAhead - ahead;
    return x <= 0 ? 0 : x < remaining ? x : remaining;
  }

  /** A print strictly through the price: everything at the price, market and own, has traded. */
  tradeThrough(avail: number, ownAhead: number, ownFilled: number, remaining: number): number {
    this.ahead = 0;
    const x = avail - ownFilled - ownAhead;
    return x <= 0 ? 0 : x < remaining ? x : remaining;
  }

  /**
   * A new observation `q` of the market quantity at the price (NaN = not visible: nothing
   * learnt). `risk_averse`: only trades reduce `ahead`; it is capped at the level. `prob`:
   * a decrease not explained by trades is split between front and back with
   * `p = f(back)/(f(back)+f(front))`, `f(x) = x^n` (hftbacktest's probabilistic queue model,
   * as an expected value).
   */
  observe(q: number, rule: QueueRule, n: number): void {
    if (Number.isNaN(q)) {
      this.level = NaN;
      this.traded = 0;
      return;
    }
    const prev = this.level;
    const traded = this.traded;
    this.level = q;
    this.traded = 0;
    if (rule === "prob" && !Number.isNaN(prev) && this.ahead !== Infinity) {
      const chg = prev - q - traded;
      if (chg > 0) {
        const front = this.ahead;
        const back0 = prev - traded - front;
        const back = back0 > 0 ? back0 : 0;
        const fb = libm.pow(back, n);
        const ff = libm.pow(front, n);
        let p = fb / (fb + ff);
        if (!Number.isFinite(p)) p = 1; // both empty: the change came from behind
        const over = back - p * chg;
        const est = front - (1 - p) * chg + (over < 0 ? over : 0);
        this.ahead = est < 0 ? 0 : est;
      }
    }
    if (this.ahead > q) this.ahead = q;
  }

  /** The book went stale (sequence gap): stop trusting observations until it is fresh again. */
  gap(): void {
    this.inGap = true;
    this.level = NaN;
    this.traded = 0;
  }

  /** First fresh book after a gap: pessimistic reset to the back of the queue at `q` (NaN → unknown). */
  resync(q: number): void {
    this.inGap = false;
    this.resets++;
    this.ahead = Number.isNaN(q) ? Infinity : q;
    this.level = q;
    this.traded = 0;
  }
}
