import type { DepthChange, MarketEvent, QuoteEvent, TradeEvent } from "../../sdk/contracts/events";
import type { BookLevel, Snapshot } from "../../sdk/contracts/market";
import type { Side } from "../../sdk/contracts/trading";
import type { BookView, FillModel, LevelShare, SimOrder } from "../../sdk/sim";

/**
 * A minimal venue for fill-model tests: it keeps a book view, activates orders at their
 * arrival time (init with the book before the event), applies cancels at their effective time,
 * and offers each event to the live orders best price first, arrival order within a price, with
 * the `LevelShare` of ADR-041/053. It is the test's reference, not the engine's venue.
 */
export interface DriverFill {
  ts: number;
  id: string;
  side: Side;
  price: number;
  qty: number;
  ev: MarketEvent["type"];
  /** Index of the event in the stream. */
  at: number;
}

interface Ord {
  id: string;
  symbol: string;
  side: Side;
  price: number;
  qty: number;
  remaining: number;
  arrival_ts: number;
  arrival_seq: number;
  taker: boolean;
  state: unknown;
  live: boolean;
  cancel_ts: number;
}

class MutableBook implements BookView {
  symbol = "X";
  ts = NaN;
  bid_price = NaN;
  bid_qty = NaN;
  ask_price = NaN;
  ask_qty = NaN;
  bids: BookLevel[] | null = null;
  asks: BookLevel[] | null = null;
}

export class MiniVenue {
  readonly book = new MutableBook();
  readonly fills: DriverFill[] = [];
  private readonly orders: Ord[] = [];
  private seq = 0;
  private at = -1;
  constructor(
    readonly model: FillModel,
    readonly lot: number,
  ) {}

  /** A resting order live from `arrival_ts` (sent ts + entry latency). */
  place(id: string, side: Side, price: number, qty: number, arrival_ts: number): void {
    this.orders.push({ id, symbol: "X", side, price, qty, remaining: qty, arrival_ts, arrival_seq: ++this.seq, taker: false, state: null, live: false, cancel_ts: Infinity });
  }

  /** A cancel that reaches the venue at `effective_ts`: the order stays fillable until then. */
  cancel(id: string, effective_ts: number): void {
    const o = this.orders.find((x) => x.id === id);
    if (o) o.cancel_ts = effective_ts;
  }

  order(id: string): SimOrder {
    return this.orders.find((x) => x.id === id)!;
  }

  onEvent(ev: MarketEvent): DriverFill[] {
    this.at++;
    // Orders arriving by now go live with the book as it stands before this event (with the
    // book after it when nothing was known yet: the first event of a stream).
    const known = !Number.isNaN(this.book.bid_price);
    if (known) this.activate(ev.ts);
    this.apply(ev);
    if (!known) this.activate(ev.ts);
    const live = this.orders.filter((o) => o.live && o.remaining > 0);
    live.sort((a, b) => (a.side !== b.side ? (a.side === "BUY" ? -1 : 1) : a.price !== b.price ? (a.side === "BUY" ? b.price - a.price : a.price - b.price) : a.arrival_seq - b.arrival_seq));
    const out: DriverFill[] = [];
    const sideFilled = { BUY: 0, SELL: 0 };
    const priceFilled = new Map<string, number>();
    for (const o of live) {
      const key = `${o.side}:${o.price}`;
      const share: LevelShare = {
        own_ahead: live.filter((x) => x !== o && x.side === o.side && x.price === o.price && x.arrival_seq < o.arrival_seq).reduce((s, x) => s + x.remaining, 0),
        own_filled: priceFilled.get(key) ?? 0,
        side_filled: sideFilled[o.side],
      };
      const q = this.model.fillQty(o, ev, this.book, share, this.lot);
      if (q < 0 || q > o.remaining + 1e-12) throw new Error(`${this.model.id}: fill ${q} outside [0, ${o.remaining}]`);
      if (q > 0) {
        o.remaining = Math.round((o.remaining - q) * 1e9) / 1e9;
        sideFilled[o.side] += q;
        priceFilled.set(key, (priceFilled.get(key) ?? 0) + q);
        const f: DriverFill = { ts: ev.ts, id: o.id, side: o.side, price: o.price, qty: q, ev: ev.type, at: this.at };
        out.push(f);
        this.fills.push(f);
      }
    }
    return out;
  }

  private activate(ts: number): void {
    for (const o of this.orders) {
      if (!o.live && o.state === null && o.remaining > 0 && o.arrival_ts <= ts && o.cancel_ts > ts) {
        o.live = true;
        o.state = this.model.init(o, this.book) ?? 0;
      }
      if (o.live && o.cancel_ts <= ts) o.live = false;
    }
  }

  private apply(ev: MarketEvent): void {
    const b = this.book;
    b.ts = ev.ts;
    if (ev.type === "quote") {
      const s = ev.snapshot;
      b.bid_price = s.bid_price;
      b.bid_qty = s.bid_qty;
      b.ask_price = s.ask_price;
      b.ask_qty = s.ask_qty;
      b.bids = s.book ? s.book.bids.map((l) => ({ ...l })) : null;
      b.asks = s.book ? s.book.asks.map((l) => ({ ...l })) : null;
    } else if (ev.type === "depth_delta") {
      for (const c of ev.changes) applyChange(b, c);
    }
  }
}

function applyChange(b: MutableBook, c: DepthChange): void {
  const side = c.side === "bid" ? (b.bids ??= []) : (b.asks ??= []);
  const i = side.findIndex((l) => l.price === c.price);
  if (i >= 0) {
    if (c.qty === 0) side.splice(i, 1);
    else side[i].qty = c.qty;
  } else if (c.qty > 0) {
    side.push({ price: c.price, qty: c.qty });
    side.sort((x, y) => (c.side === "bid" ? y.price - x.price : x.price - y.price));
  }
  if (b.bids && b.bids.length) {
    b.bid_price = b.bids[0].price;
    b.bid_qty = b.bids[0].qty;
  }
  if (b.asks && b.asks.length) {
    b.ask_price = b.asks[0].price;
    b.ask_qty = b.asks[0].qty;
  }
}

export function quote(ts: number, bid: number, bidQty: number, ask: number, askQty: number, levels?: { bids: Array<[number, number]>; asks: Array<[number, number]> }, stale?: boolean): QuoteEvent {
  const snapshot: Snapshot = { ts, symbol: "X", bid_price: bid, bid_qty: bidQty, ask_price: ask, ask_qty: askQty };
  if (levels) {
    snapshot.book = { bids: levels.bids.map(([price, qty]) => ({ price, qty })), asks: levels.asks.map(([price, qty]) => ({ price, qty })), ts };
    if (stale) snapshot.book.stale = true;
  }
  return { type: "quote", ts, symbol: "X", snapshot };
}

export function print(ts: number, price: number, qty: number, aggressor: Side): TradeEvent {
  return { type: "trade", ts, symbol: "X", price, qty, aggressor };
}
