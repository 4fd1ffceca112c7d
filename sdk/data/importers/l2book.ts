import type { BookLevel } from "../../contracts/market";

/**
 * One side of a full L2 book: prices kept sorted best-first in a plain array with a parallel
 * quantity array; a price is found by binary search. Real books hold ~1000 levels per side and
 * most updates touch the top, so splicing is cheap and iteration is cache-friendly.
 */
export class BookSide {
  readonly prices: number[] = [];
  readonly qtys: number[] = [];
  /** Bids: best = highest price first; asks: best = lowest first. */
  constructor(readonly descending: boolean) {}

  get size(): number {
    return this.prices.length;
  }

  /** Index of `price`, or `-(insertion point) - 1` when absent. */
  find(price: number): number {
    const p = this.prices;
    let lo = 0;
    let hi = p.length - 1;
    const desc = this.descending;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = p[mid];
      if (x === price) return mid;
      if (desc ? x > price : x < price) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  /** Set a level's quantity; quantity 0 deletes the level (Binance depth semantics). */
  set(price: number, qty: number): void {
    const i = this.find(price);
    if (i >= 0) {
      if (qty === 0) {
        this.prices.splice(i, 1);
        this.qtys.splice(i, 1);
      } else this.qtys[i] = qty;
    } else if (qty !== 0) {
      const at = -i - 1;
      this.prices.splice(at, 0, price);
      this.qtys.splice(at, 0, qty);
    }
  }

  clear(): void {
    this.prices.length = 0;
    this.qtys.length = 0;
  }

  /** The best `n` levels as fresh `BookLevel` objects. */
  top(n: number): BookLevel[] {
    const k = Math.min(n, this.prices.length);
    const out: BookLevel[] = new Array(k);
    for (let i = 0; i < k; i++) out[i] = { price: this.prices[i], qty: this.qtys[i] };
    return out;
  }
}

/** A full two-sided L2 book. */
export class L2Book {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }
}
