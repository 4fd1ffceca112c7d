import { ErrorCode, GrinderError } from "../contracts/errors";
import type { BookLevel, InstrumentSpec } from "../contracts/market";
import type { DepthChange, MarketEvent } from "../contracts/events";
import { quantizeQty } from "../util/quantize";
import { isMarketable, type FeeSchedule } from "./fees";
import { VENUE_REJECTS, type BookView, type ExecutionReport, type FillModel, type FillReport, type LevelShare, type OrderRequest, type SimOrder, type VenueSink } from "./types";

interface VenueOrder extends SimOrder {
  price: number;
  qty: number;
  remaining: number;
  taker: boolean;
  /** Quantity granted on the event being matched (valid only for orders in the venue's `hit` list). */
  fill: number;
  /** The model's state is settled beyond its horizon (`FillModel.horizon`): calls beyond it are skipped. */
  settled: boolean;
}

interface MutableBook extends BookView {
  ts: number;
  bid_price: number;
  bid_qty: number;
  ask_price: number;
  ask_qty: number;
  bids: BookLevel[] | null;
  asks: BookLevel[] | null;
}

interface VenueSymbol {
  readonly inst: InstrumentSpec;
  readonly book: MutableBook;
  /** Resting orders in arrival order. */
  readonly orders: VenueOrder[];
  /** The same orders by id (ids are unique among resting orders): a request finds its order without comparing ids one by one. */
  readonly byId: Map<string, VenueOrder>;
  /**
   * The same orders by match priority, kept sorted incrementally (ADR-150): BUYs best (highest)
   * price first, SELLs lowest first, arrival order within a price. A market event walks them
   * once, with running sums for the shared liquidity of a price level: no copy, sort or inner
   * loop per event.
   */
  readonly buys: VenueOrder[];
  readonly sells: VenueOrder[];
  /** [best own BUY, best own SELL] (∓Infinity when none), kept with `buys`/`sells`. Typed: never allocates. */
  readonly bounds: Float64Array;
  /** True once the L2 arrays are the venue's own copy (depth deltas mutate them). */
  ownLevels: boolean;
}

export interface SimVenueOptions {
  /**
   * Send ACK and CANCELED reports (a latency model other than `none`). With latency `none` the
   * strategy's view is exact by construction, so only FILLs and REJECTs are reported.
   */
  confirmations?: boolean;
}

const LOT_EPS = 1e-9;
/** `-Infinity` as a constant: a unary minus first evaluated late (a side emptied) deoptimises every function it is inlined in. */
const NEG_INF = -Infinity;

/**
 * The simulated venue (exchange side, ADR-041): keeps the resting orders of every symbol, applies
 * requests at their arrival, updates its book view from market events and matches resting orders
 * through the `FillModel` (a quantity per order: partial fills possible), charging the fee
 * schedule. Fills of one event are reported together, by price ascending then arrival. It knows
 * nothing of grids, levels or take-profits. Marketable orders rest (taker fee) and fill at the
 * next market event the model accepts; the venue never fills on a request.
 */
export class SimVenue {
  private readonly syms = new Map<string, VenueSymbol>();
  /** Same objects in construction order (the engine's lexical order: `symbol_index`). */
  private readonly byIndex: VenueSymbol[] = [];
  private arrivals = 0;
  private openTotal = 0;
  private readonly hit: VenueOrder[] = [];
  private readonly share: LevelShare = { own_ahead: 0, own_filled: 0, side_filled: 0 };
  /** [BUY, SELL] horizon of the event being matched (`FillModel.horizon`); NaN = none. */
  private readonly horizon = new Float64Array(2);
  private readonly confirmations: boolean;
  fills = 0;

  constructor(
    instruments: Iterable<InstrumentSpec>,
    readonly fillModel: FillModel,
    private readonly fees: FeeSchedule,
    private readonly sink: VenueSink,
    opts: SimVenueOptions = {},
  ) {
    this.confirmations = opts.confirmations ?? false;
    for (const inst of instruments) {
      const v: VenueSymbol = {
        inst,
        book: { symbol: inst.symbol, ts: Number.NaN, bid_price: Number.NaN, bid_qty: 0, ask_price: Number.NaN, ask_qty: 0, bids: null, asks: null },
        orders: [],
        byId: new Map(),
        buys: [],
        sells: [],
        bounds: new Float64Array([-Infinity, Infinity]),
        ownLevels: false,
      };
      this.syms.set(inst.symbol, v);
      this.byIndex.push(v);
    }
  }

  /** Resting orders of a symbol in arrival order (read-only view). */
  openOrders(symbol: string): ReadonlyArray<SimOrder> {
    return this.sym(symbol).orders;
  }
  get openCount(): number {
    return this.openTotal;
  }
  book(symbol: string): BookView {
    return this.sym(symbol).book;
  }

  private sym(symbol: string): VenueSymbol {
    const v = this.syms.get(symbol);
    if (v === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `venue has no symbol '${symbol}'`, { field: "symbol" });
    return v;
  }

  /** A request arrives now (`ts` = its arrival time: sent ts + entry latency). */
  submit(req: OrderRequest, ts: number): void {
    const v = this.syms.get(req.symbol);
    if (v === undefined) return this.reject(req, ts, VENUE_REJECTS.UNKNOWN_SYMBOL);
    const orders = v.orders;
    const found = v.byId.get(req.order_id);
    if (req.type === "PLACE") {
      if (found !== undefined) return this.reject(req, ts, VENUE_REJECTS.DUPLICATE_ID);
      // the number fields start as doubles (0.5, then assigned): one shape whatever the first order's numbers
      const o: VenueOrder = {
        id: req.order_id, symbol: req.symbol, side: req.side, price: 0.5, qty: 0.5, remaining: 0.5,
        arrival_ts: ts, arrival_seq: ++this.arrivals, taker: isMarketable(req.side, req.price, v.book.bid_price, v.book.ask_price), state: null, fill: 0.5, settled: false,
      };
      o.price = req.price;
      o.qty = req.qty;
      o.remaining = req.qty;
      o.fill = 0;
      o.state = this.fillModel.init(o, v.book);
      orders.push(o);
      v.byId.set(o.id, o);
      rank(v, o);
      this.openTotal++;
      if (this.confirmations) this.sink.reports([{ type: "ACK", ts, symbol: req.symbol, order_id: req.order_id, request: "PLACE", sent_ts: req.ts }]);
      return;
    }
    if (found === undefined) return this.reject(req, ts, VENUE_REJECTS.UNKNOWN_ORDER);
    const o = found;
    if (req.type === "CANCEL") {
      orders.splice(orders.indexOf(o), 1);
      v.byId.delete(o.id);
      unrank(v, o);
      this.openTotal--;
      if (this.confirmations) this.sink.reports([{ type: "CANCELED", ts, symbol: req.symbol, order_id: req.order_id, remaining: o.remaining, sent_ts: req.ts }]);
      return;
    }
    // AMEND: new total qty (what already filled stays filled); keeps its arrival rank, new model state
    o.remaining = Math.max(0, quantizeQty(o.remaining + req.qty - o.qty + v.inst.lot_size * LOT_EPS, v.inst.lot_size));
    o.price = req.price;
    o.qty = req.qty;
    o.taker = isMarketable(o.side, o.price, v.book.bid_price, v.book.ask_price);
    o.state = this.fillModel.init(o, v.book);
    o.settled = false;
    rerank(v, o);
    if (this.confirmations) this.sink.reports([{ type: "ACK", ts, symbol: req.symbol, order_id: req.order_id, request: "AMEND", sent_ts: req.ts }]);
  }

  private reject(req: OrderRequest, ts: number, reason: string): void {
    this.sink.reports([{ type: "REJECT", ts, symbol: req.symbol, order_id: req.order_id, request: req.type, reason }]);
  }

  /**
   * Apply a market event to the book view and match the symbol's resting orders. Returns the
   * number of fills (reported to the sink as one batch). Only objects cross the calls on the
   * no-fill path (no boxed doubles, no allocation).
   */
  onMarket(ev: MarketEvent): number {
    const ix = ev.symbol_index;
    const v = ix !== undefined && this.byIndex[ix] !== undefined && this.byIndex[ix].inst.symbol === ev.symbol ? this.byIndex[ix] : this.syms.get(ev.symbol);
    if (v === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `venue has no symbol '${ev.symbol}'`, { field: "symbol" });
    const b = v.book;
    b.ts = ev.ts;
    if (ev.type === "quote") {
      const s = ev.snapshot;
      b.bid_price = s.bid_price;
      b.bid_qty = s.bid_qty;
      b.ask_price = s.ask_price;
      b.ask_qty = s.ask_qty;
      if (s.book !== undefined) {
        b.bids = s.book.bids;
        b.asks = s.book.asks;
        v.ownLevels = false;
      }
    } else if (ev.type === "depth_delta") this.applyDepth(v, ev.changes);
    if (v.orders.length === 0) return 0;
    const fm = this.fillModel;
    if (fm.mayFill !== undefined && !fm.mayFill(ev, b, v.bounds)) return 0;
    return this.match(v, ev);
  }

  /**
   * Offer `ev` to the resting orders, best price first per side (BUYs, then SELLs), arrival order
   * within a price. The shared-liquidity figures of each order (`LevelShare`: own quantity ahead
   * at its price, own fills at its price and on its side during this event) are running sums
   * over the orders before it, accumulated in the same order as a pairwise sum would be.
   */
  private match(v: VenueSymbol, ev: MarketEvent): number {
    const lot = v.inst.lot_size;
    const hit = this.hit; // empty between events (cleared after each fill batch)
    const hz = this.horizon;
    const fm = this.fillModel;
    if (ev.type === "trade" || fm.horizon === undefined || !fm.horizon(ev, v.book, hz)) {
      hz[0] = Number.NaN;
      hz[1] = Number.NaN;
    }
    this.offer(v.buys, true, v, ev, lot);
    this.offer(v.sells, false, v, ev, lot);
    if (hit.length === 0) return 0;
    const batch: FillReport[] = [];
    hit.sort(byPriceThenArrival);
    for (let k = 0; k < hit.length; k++) {
      const o = hit[k];
      const q = o.fill;
      const left = q >= o.remaining - lot * LOT_EPS ? 0 : quantizeQty(o.remaining - q + lot * LOT_EPS, lot);
      o.remaining = left;
      batch.push({
        type: "FILL", ts: ev.ts, symbol: o.symbol, order_id: o.id, side: o.side, price: o.price, qty: q, remaining: left,
        fee: this.fees.fee(o.price, q, o.taker, o.symbol), liquidity: o.taker ? "TAKER" : "MAKER",
      });
    }
    // remove the completed orders (order of the rest preserved)
    // (every order with nothing left goes, also one an amend left at 0: drop them from the index too)
    for (let k = 0; k < v.orders.length; k++) if (!(v.orders[k].remaining > 0)) v.byId.delete(v.orders[k].id);
    const removed = compact(v.orders);
    compact(v.buys);
    compact(v.sells);
    this.openTotal -= removed;
    refreshBounds(v);
    this.fills += batch.length;
    hit.length = 0;
    this.sink.reports(batch);
    return batch.length;
  }

  private offer(side: VenueOrder[], buy: boolean, v: VenueSymbol, ev: MarketEvent, lot: number): void {
    const fm = this.fillModel;
    const sh = this.share;
    const book = v.book;
    // NaN horizon (none on this event): every comparison false, nothing skipped, nothing settles
    const h = this.horizon[buy ? 0 : 1];
    let price = Number.NaN;
    let ahead = 0;
    let done = 0;
    let sideDone = 0;
    for (let i = 0; i < side.length; i++) {
      const o = side[i];
      if (o.price !== price) {
        price = o.price;
        ahead = 0;
        done = 0;
      }
      const rem = o.remaining;
      if (ev.ts >= o.arrival_ts) {
        const beyond = buy ? o.price < h : o.price > h;
        if (beyond && o.settled) {
          ahead += rem;
          continue;
        }
        o.settled = beyond;
        sh.own_ahead = ahead;
        sh.own_filled = done;
        sh.side_filled = sideDone; // ADR-053: one print consumed once across own prices
        const q = fm.fillQty(o, ev, book, sh, lot);
        if (q !== 0) {
          if (!(q > 0) || q > rem + lot * LOT_EPS || Math.abs(q / lot - Math.round(q / lot)) > 1e-6) {
            this.hit.length = 0;
            throw new GrinderError(ErrorCode.INVARIANT, `fill model ${fm.id} returned qty ${q} for order ${o.id} (remaining ${rem}, lot ${lot})`, { field: "qty" });
          }
          o.fill = q;
          this.hit.push(o);
          done += q;
          sideDone += q;
        }
      }
      ahead += rem;
    }
  }

  private applyDepth(v: VenueSymbol, changes: ReadonlyArray<DepthChange>): void {
    const b = v.book;
    if (!v.ownLevels) {
      b.bids = b.bids ? b.bids.map((l) => ({ price: l.price, qty: l.qty })) : [];
      b.asks = b.asks ? b.asks.map((l) => ({ price: l.price, qty: l.qty })) : [];
      v.ownLevels = true;
    }
    for (const c of changes) {
      const side = c.side === "bid" ? b.bids! : b.asks!;
      const better = c.side === "bid" ? (a: number, x: number) => a > x : (a: number, x: number) => a < x;
      let i = 0;
      while (i < side.length && better(side[i].price, c.price)) i++;
      if (i < side.length && side[i].price === c.price) {
        if (c.qty > 0) side[i].qty = c.qty;
        else side.splice(i, 1);
      } else if (c.qty > 0) side.splice(i, 0, { price: c.price, qty: c.qty });
    }
    if (b.bids!.length) {
      b.bid_price = b.bids![0].price;
      b.bid_qty = b.bids![0].qty;
    }
    if (b.asks!.length) {
      b.ask_price = b.asks![0].price;
      b.ask_qty = b.asks![0].qty;
    }
  }
}

function refreshBounds(v: VenueSymbol): void {
  v.bounds[0] = v.buys.length > 0 ? v.buys[0].price : NEG_INF;
  v.bounds[1] = v.sells.length > 0 ? v.sells[0].price : Infinity;
}

/** True when `a` is offered an event before `b` (same side): better price, then earlier arrival. */
function before(a: VenueOrder, b: VenueOrder): boolean {
  if (a.price !== b.price) return a.side === "BUY" ? a.price > b.price : a.price < b.price;
  return a.arrival_seq < b.arrival_seq;
}

/** Insert `o` into its side's priority list (binary search; requests are rare next to market events). */
function rank(v: VenueSymbol, o: VenueOrder): void {
  const side = o.side === "BUY" ? v.buys : v.sells;
  let lo = 0;
  let hi = side.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(side[mid], o)) lo = mid + 1;
    else hi = mid;
  }
  side.splice(lo, 0, o);
  refreshBounds(v);
}

/**
 * `o` changed price (an amend; its arrival rank stays): move it to its new place in its side's
 * priority list. The list is sorted by `before` (a strict total order: arrival ranks are
 * unique), so when `o` still sorts between its neighbours it is already where `unrank` +
 * `rank` would put it (ADR-206) — the common case of a grid re-centred by a step, whose orders
 * all move together. Otherwise it moves by one unrank and rank.
 */
function rerank(v: VenueSymbol, o: VenueOrder): void {
  const side = o.side === "BUY" ? v.buys : v.sells;
  const i = side.indexOf(o);
  if (i >= 0 && (i === 0 || before(side[i - 1], o)) && (i === side.length - 1 || before(o, side[i + 1]))) {
    refreshBounds(v);
    return;
  }
  if (i >= 0) side.splice(i, 1);
  rank(v, o);
}

function unrank(v: VenueSymbol, o: VenueOrder): void {
  const side = o.side === "BUY" ? v.buys : v.sells;
  const i = side.indexOf(o);
  if (i >= 0) side.splice(i, 1);
  refreshBounds(v);
}

/** Drop the orders with nothing left, keeping the order of the rest; returns how many went. */
function compact(list: VenueOrder[]): number {
  let w = 0;
  for (let i = 0; i < list.length; i++) if (list[i].remaining > 0) list[w++] = list[i];
  const removed = list.length - w;
  list.length = w;
  return removed;
}

function byPriceThenArrival(a: VenueOrder, b: VenueOrder): number {
  return a.price - b.price || a.arrival_seq - b.arrival_seq;
}

export type { ExecutionReport };
