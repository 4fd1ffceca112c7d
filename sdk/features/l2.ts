import type { Features } from "../contracts/features";
import type { BookLevel, OrderBook } from "../contracts/market";

/** L2 microstructure features (spec 17.5.4), the subset of `Features` computed from a book. */
export type L2Features = Pick<Features, "depth_topn_usd" | "depth_imbalance_topn" | "spread_at_depth_bps" | "impact_bps" | "book_slope" | "wall_ratio">;

const EPS = 1e-12;

/** Scratch space for `computeL2Into`, allocated once per engine. */
export class L2Scratch {
  readonly qty: Float64Array;
  constructor(readonly topN: number) {
    this.qty = new Float64Array(topN);
  }
}

/**
 * Quote notional-weighted average fill price of a taker order for `q` quote notional walking
 * `levels` (best first, at most `topN`). If the visible levels cannot fill `q`, the remainder is
 * priced at the deepest visible level, so the result is a LOWER BOUND on the true cost; a book
 * that shallow (depth < q) is flagged THIN_BOOK by the regime controller anyway. O(N).
 * Returns NaN when the side is empty.
 */
export function walkAvgPrice(levels: ReadonlyArray<BookLevel>, topN: number, q: number): number {
  const n = levels.length < topN ? levels.length : topN;
  if (n === 0) return NaN;
  let rem = q;
  let qty = 0;
  let last = levels[0].price;
  for (let i = 0; i < n && rem > 0; i++) {
    const p = levels[i].price;
    const notional = p * levels[i].qty;
    const take = notional < rem ? notional : rem;
    qty += take / p;
    rem -= take;
    last = p;
  }
  if (rem > 0) qty += rem / last;
  return q / qty;
}

/** Largest / median level qty among the first `n` levels; NaN with fewer than 3 levels. */
function wallRatioSide(levels: ReadonlyArray<BookLevel>, n: number, scratch: Float64Array): number {
  if (n < 3) return NaN;
  // Insertion sort into scratch: N ≤ ~20, no allocation.
  for (let i = 0; i < n; i++) {
    const v = levels[i].qty;
    let j = i - 1;
    while (j >= 0 && scratch[j] > v) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = v;
  }
  const med = n % 2 === 1 ? scratch[(n - 1) / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
  return med > 0 ? scratch[n - 1] / med : NaN;
}

/**
 * L2 features from a book (spec 17.5.4), written into `out` (no allocation):
 * - `depth_topn_usd` = Σ price·qty over the top N bids and top N asks (quote);
 * - `depth_imbalance_topn` = (bid_depth − ask_depth) / (bid_depth + ask_depth);
 * - `spread_at_depth_bps` = (avg_buy(Q) − avg_sell(Q)) / mid · 1e4, the effective round-trip
 *   spread for Q quote notional;
 * - `impact_bps` = max(avg_buy(Q)/mid − 1, 1 − avg_sell(Q)/mid) · 1e4, the worse side's cost
 *   of a taker-like order of Q (includes the half-spread);
 * - `book_slope` = depth_topn_usd / (distance of the Nth bid + distance of the Nth ask from mid,
 *   bps): quote per bp, i.e. how fast liquidity accumulates away from mid (low = decays fast);
 * - `wall_ratio` = max over sides of (largest level qty / median level qty) in the top N.
 * Fields that cannot be computed (an empty side, < 3 levels for walls) are null.
 */
export function computeL2Into(book: OrderBook, mid: number, topN: number, q: number, out: L2Features, scratch: L2Scratch): void {
  const bids = book.bids;
  const asks = book.asks;
  const nb = bids.length < topN ? bids.length : topN;
  const na = asks.length < topN ? asks.length : topN;
  let bd = 0;
  let ad = 0;
  for (let i = 0; i < nb; i++) bd += bids[i].price * bids[i].qty;
  for (let i = 0; i < na; i++) ad += asks[i].price * asks[i].qty;
  const depth = bd + ad;
  out.depth_topn_usd = depth;
  out.depth_imbalance_topn = depth > 0 ? (bd - ad) / (depth + EPS) : null;
  if (nb === 0 || na === 0) {
    out.spread_at_depth_bps = null;
    out.impact_bps = null;
    out.book_slope = null;
  } else {
    const buy = walkAvgPrice(asks, topN, q);
    const sell = walkAvgPrice(bids, topN, q);
    out.spread_at_depth_bps = ((buy - sell) / mid) * 1e4;
    const ib = (buy / mid - 1) * 1e4;
    const is = (1 - sell / mid) * 1e4;
    out.impact_bps = ib > is ? ib : is;
    const dist = ((asks[na - 1].price - mid) / mid + (mid - bids[nb - 1].price) / mid) * 1e4;
    out.book_slope = dist > 0 ? depth / dist : null;
  }
  const wb = wallRatioSide(bids, nb, scratch.qty);
  const wa = wallRatioSide(asks, na, scratch.qty);
  out.wall_ratio = Number.isNaN(wb) ? (Number.isNaN(wa) ? null : wa) : Number.isNaN(wa) ? wb : wb > wa ? wb : wa;
}

/** Set every L2 field to null (book absent or stale, spec 17.4.2 degradation). */
export function clearL2(out: L2Features): void {
  out.depth_topn_usd = null;
  out.depth_imbalance_topn = null;
  out.spread_at_depth_bps = null;
  out.impact_bps = null;
  out.book_slope = null;
  out.wall_ratio = null;
}
