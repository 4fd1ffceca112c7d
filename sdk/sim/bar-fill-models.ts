import type { MarketEvent } from "../contracts/events";
import type { BookView, FillModel, SimOrder } from "./types";

/**
 * `bar_cross@1` (ADR-122): the conservative bar-level rule. On the quotes of a bar's intrabar
 * path (or any quote stream), a resting LIMIT BUY fills in full only when the ask goes STRICTLY
 * below its limit, a SELL only when the bid goes strictly above it. Prices are on the tick grid,
 * so "strictly" means the path crosses the order by at least one tick: a bar whose range only
 * touches the limit (ask = BUY limit) fills nothing, where `cross@1` would fill. Quote-driven:
 * trades and depth deltas fill nothing. One full fill at the limit price.
 */
export const BarCrossFillModel: FillModel = {
  kind: "bar_cross",
  id: "bar_cross@1",
  init: () => null,
  fillQty(o: SimOrder, ev: MarketEvent, book: BookView): number {
    if (ev.type !== "quote") return 0;
    return (o.side === "BUY" ? book.ask_price < o.price : book.bid_price > o.price) ? o.remaining : 0;
  },
  mayFill(ev: MarketEvent, book: BookView, bounds: Float64Array): boolean {
    if (ev.type !== "quote") return false;
    // some BUY (limit ≤ bounds[0]) can fill only if ask < bounds[0]; some SELL only if bid > bounds[1]
    return !(book.ask_price >= bounds[0] && book.bid_price <= bounds[1]);
  },
};
