import type { InstrumentSpec } from "../contracts/market";
import type { Fill, GridLevel, Intent, IntentType, Order, ReasonCode, Side } from "../contracts/trading";
import { quantizeQty } from "../util/quantize";
import type { Ledger } from "../ledger/ledger";
import type { ExecutionConfig } from "./config";
import { CycleEngine, type CycleContext, type CycleRecord, type PendingOrder } from "./cycle";
import { FeeModel, isMarketable, makeFillModel, type FillModel } from "./fill-models";

/** Reason codes of refused intents and cancels (stable: they are hashed). */
export const EXEC_REASONS = {
  MAX_OPEN_ORDERS_SYMBOL: "MAX_OPEN_ORDERS_SYMBOL",
  MAX_OPEN_ORDERS_PORTFOLIO: "MAX_OPEN_ORDERS_PORTFOLIO",
  RATE_LIMIT: "RATE_LIMIT",
  REDUCE_ONLY: "REDUCE_ONLY",
  REDUCE_ONLY_CAPACITY: "REDUCE_ONLY_CAPACITY",
  NOT_IN_PLAN: "NOT_IN_PLAN",
  ADDS_RISK: "ADDS_RISK",
  EXCESS_REDUCING: "EXCESS_REDUCING",
  EMERGENCY: "EMERGENCY",
  STOPPED: "STOPPED",
  REPRICE: "REPRICE",
  CAP_MAKE_ROOM: "CAP_MAKE_ROOM",
} as const;

/** A resting paper order with what the engine needs beyond the `Order` contract. */
export interface OpenOrder extends Order {
  /** Marketable when placed → charged the taker fee on fill. */
  taker: boolean;
  /** The numeric part of the id (placement sequence within the symbol). */
  seq: number;
  entry_price: number;
  entry_fee: number;
  entry_ts: number;
}

/** What the engine may do for one symbol right now (one object per symbol, updated in place). */
export interface SymbolExecContext extends CycleContext {
  /** No new risk: only orders that reduce |position| may be placed (adds off, DAMAGE_CONTROL). */
  reduce_only: boolean;
  /** EMERGENCY: nothing may be placed. */
  stopped: boolean;
}

/** Receives everything the execution engine does, in order. */
export interface ExecutionSink {
  intent(i: Intent): void;
  fill(f: Fill, o: OpenOrder, realized: number): void;
  cycle(c: CycleRecord): void;
}

export interface ExecutionCounters {
  place_accepted: number;
  place_refused: number;
  amend_accepted: number;
  amend_refused: number;
  cancels: number;
  fills: number;
  /** Σ (fill ts − order created ts), ms of data time. */
  time_to_fill_ms_sum: number;
  refused_by_reason: Record<string, number>;
}

/** Per-symbol order state; `handle(symbol)` gives it to the replay loop to skip a map lookup per snapshot. */
export interface SymState {
  readonly symbol: string;
  readonly inst: InstrumentSpec;
  orders: OpenOrder[];
  seq: number;
  readonly cycle: CycleEngine;
  /** [highest resting BUY, lowest resting SELL] (∓Infinity when none); valid unless `dirty`. Typed: stores never allocate. */
  readonly bounds: Float64Array;
  dirty: boolean;
}

const EPS = 1e-9;

/**
 * Spec 17.12.3: owns the resting paper orders of every symbol, reconciles desired orders (the
 * GridPlan's levels plus the CycleEngine's TPs and replenishments) into PLACE / CANCEL / AMEND
 * intents, enforces the open-order caps (per symbol, portfolio) and the order-rate token bucket
 * (data time), and matches resting orders against quotes with the configured fill model.
 * Every refused intent is emitted with its reason; nothing is dropped silently.
 */
export class ExecutionEngine {
  readonly fillModel: FillModel;
  readonly fees: FeeModel;
  readonly counters: ExecutionCounters = {
    place_accepted: 0,
    place_refused: 0,
    amend_accepted: 0,
    amend_refused: 0,
    cancels: 0,
    fills: 0,
    time_to_fill_ms_sum: 0,
    refused_by_reason: {},
  };
  private readonly syms = new Map<string, SymState>();
  private openTotal = 0;
  private tokens: number;
  private lastRefill = Number.NaN;
  private readonly scratch: OpenOrder[] = [];

  constructor(
    private readonly cfg: ExecutionConfig,
    instruments: Iterable<InstrumentSpec>,
    private readonly ledger: Ledger,
    private readonly sink: ExecutionSink,
  ) {
    this.fillModel = makeFillModel(cfg.fill_model);
    this.fees = new FeeModel(cfg.fees);
    this.tokens = cfg.rate_limit.capacity;
    for (const inst of [...instruments].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)))
      this.syms.set(inst.symbol, { symbol: inst.symbol, inst, orders: [], seq: 0, cycle: new CycleEngine(inst.symbol, inst, cfg.replenish, cfg.damage_control_tp_factor), bounds: new Float64Array([-Infinity, Infinity]), dirty: false });
  }

  /** Resting orders of a symbol (read-only view). */
  openOrders(symbol: string): ReadonlyArray<OpenOrder> {
    return this.state(symbol).orders;
  }
  get openCount(): number {
    return this.openTotal;
  }
  cycleEngine(symbol: string): CycleEngine {
    return this.state(symbol).cycle;
  }
  /** Tokens left in the rate-limit bucket (after the last refill). */
  get tokensLeft(): number {
    return this.tokens;
  }

  /** The state handle of a symbol (stable for the engine's life). */
  handle(symbol: string): SymState {
    return this.state(symbol);
  }

  private state(symbol: string): SymState {
    const s = this.syms.get(symbol);
    if (!s) throw new Error(`execution engine has no symbol '${symbol}'`);
    return s;
  }

  /**
   * Hot-path form of `matchFills` for the replay loop: reads bid/ask/mid from the snapshot object
   * (no double arguments to box) and returns at once when even the best-placed order cannot fill.
   */
  matchQuote(st: SymState, s: { ts: number; bid_price: number; ask_price: number }, ctx: SymbolExecContext): number {
    if (st.orders.length === 0) return 0;
    if (st.dirty) this.refreshBounds(st);
    // The models' rules inlined for the no-fill test (a call through the interface would box the
    // doubles); they must agree with `fills` of the model (property-tested against brute force).
    if (this.fillModel.kind === "touch") {
      if ((s.bid_price + s.ask_price) / 2 > st.bounds[0] && (s.bid_price + s.ask_price) / 2 < st.bounds[1]) return 0;
    } else if (s.ask_price > st.bounds[0] && s.bid_price < st.bounds[1]) return 0;
    return this.matchSnapshot(st, s, ctx);
  }

  /** Slow path of `matchQuote`, kept out of line so no double is boxed on the fast path. */
  private matchSnapshot(st: SymState, s: { ts: number; bid_price: number; ask_price: number }, ctx: SymbolExecContext): number {
    return this.matchFills(st, s.ts, s.bid_price, s.ask_price, (s.bid_price + s.ask_price) / 2, ctx);
  }

  private refreshBounds(st: SymState): void {
    let mb = -Infinity;
    let ms = Infinity;
    const orders = st.orders;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i];
      if (o.side === "BUY") {
        if (o.price > mb) mb = o.price;
      } else if (o.price < ms) ms = o.price;
    }
    st.bounds[0] = mb;
    st.bounds[1] = ms;
    st.dirty = false;
  }

  /**
   * Fill resting orders of `symbol` against a quote. Simultaneous fills are processed by price
   * ascending, then order id (stable). Each fill is booked in the ledger, handed to the
   * CycleEngine (which may queue TPs/replenishments), and reported to the sink. Returns the
   * number of fills.
   */
  matchFills(symbol: string | SymState, ts: number, bid: number, ask: number, mid: number, ctx: SymbolExecContext): number {
    const st = typeof symbol === "string" ? this.state(symbol) : symbol;
    const orders = st.orders;
    if (orders.length === 0) return 0;
    const fm = this.fillModel;
    if (st.dirty) this.refreshBounds(st);
    // fill rules are monotone in the limit price: nothing fills unless the best-placed order does
    if (!fm.fills("BUY", st.bounds[0], bid, ask, mid) && !fm.fills("SELL", st.bounds[1], bid, ask, mid)) return 0;
    symbol = st.symbol;
    const hit = this.scratch;
    hit.length = 0;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i];
      if (fm.fills(o.side, o.price, bid, ask, mid)) hit.push(o);
    }
    if (hit.length === 0) return 0;
    if (hit.length > 1) hit.sort(byPriceThenId);
    // remove the filled orders (order of the rest preserved)
    let w = 0;
    for (let i = 0; i < orders.length; i++) if (hit.indexOf(orders[i]) < 0) orders[w++] = orders[i];
    orders.length = w;
    st.dirty = true;
    this.openTotal -= hit.length;
    for (let k = 0; k < hit.length; k++) {
      const o = hit[k];
      const fee = this.fees.fee(o.price, o.qty, o.taker);
      const fill: Fill = { order_id: o.id, symbol, side: o.side, kind: o.kind, price: o.price, qty: o.qty, ts, fee, liquidity: o.taker ? "TAKER" : "MAKER" };
      const realized = this.ledger.applyFill(symbol, o.side, o.price, o.qty, fee).toNumber();
      this.counters.fills++;
      this.counters.time_to_fill_ms_sum += ts - o.created_ts;
      this.sink.fill(fill, o, realized);
      const outer = this.outermostGrid(st, o.side);
      const c = st.cycle.onFill(fill, o.level, ctx, outer.price, outer.level, o.kind === "TP" ? { price: o.entry_price, fee: o.entry_fee, ts: o.entry_ts } : undefined);
      if (c) this.sink.cycle(c);
    }
    const n = hit.length;
    hit.length = 0;
    return n;
  }

  private farthestGrid(st: SymState): OpenOrder | null {
    let best: OpenOrder | null = null;
    for (const o of st.orders) {
      if (o.kind !== "GRID") continue;
      if (best === null || o.level > best.level || (o.level === best.level && o.seq > best.seq)) best = o;
    }
    return best;
  }

  private outermostGrid(st: SymState, side: Side): { price: number; level: number } {
    let price = Number.NaN;
    let level = 0;
    for (const o of st.orders) {
      if (o.kind !== "GRID" || o.side !== side) continue;
      if (price !== price || (side === "BUY" ? o.price < price : o.price > price)) price = o.price;
      if (o.level > level) level = o.level;
    }
    return { price, level };
  }

  /** True when the CycleEngine of `symbol` has orders waiting to be placed. */
  hasPending(symbol: string | SymState): boolean {
    return (typeof symbol === "string" ? this.state(symbol) : symbol).cycle.pending.length > 0;
  }

  /**
   * Reconcile one symbol. `desired` = the plan's levels (bids then asks) or `null` to leave
   * grid orders alone and only place pending TPs/replenishments and apply reduce-only trimming.
   *
   * Rules (deterministic): (1) EMERGENCY → cancel everything. (2) Reduce-only → cancel every
   * order on the side that adds to |position| (both sides when flat), and keep reducing orders
   * (TPs first, closest first) only while their total ≤ |position|. (3) Pending CycleEngine
   * orders are placed first (TPs before replenishments), clipped to the reducing capacity in
   * reduce-only. (4) Grid: per side, resting GRID orders equal in price and qty to a desired
   * level are kept, then those within the amend tolerance of a desired level (price within
   * `amend_tolerance_steps` steps, qty at most the desired and at least (1 − amend_qty_tolerance)
   * of it); the rest are paired closest-first → AMEND; leftovers → PLACE / CANCEL.
   * Intents go out as CANCELs, then AMENDs, then PLACEs (levels by index, BUY before SELL).
   */
  reconcile(symbol: string, ts: number, bid: number, ask: number, desired: ReadonlyArray<GridLevel> | null, ctx: SymbolExecContext): void {
    const st = this.state(symbol);
    this.refill(ts);
    if (ctx.stopped) {
      this.cancelAllOf(st, ts, EXEC_REASONS.EMERGENCY);
      st.cycle.pending.length = 0;
      return;
    }
    const pos = this.ledger.book(symbol).posF;
    const reduce = ctx.reduce_only || !ctx.adds_allowed;
    const lot = st.inst.lot_size;
    let capacity = Infinity;
    if (reduce) {
      const reducing: Side | null = pos > EPS ? "SELL" : pos < -EPS ? "BUY" : null;
      const cancels: OpenOrder[] = [];
      const keep: OpenOrder[] = [];
      for (const o of st.orders) (o.side === reducing ? keep : cancels).push(o);
      keep.sort((a, b) => (a.kind !== b.kind ? (a.kind === "TP" ? -1 : 1) : closeness(a, b)));
      let cum = 0;
      const limit = Math.abs(pos) + lot * EPS;
      for (const o of keep) {
        if (cum + o.qty <= limit) cum += o.qty;
        else cancels.push(o);
      }
      for (const o of cancels) this.cancel(st, o, ts, o.side === reducing ? EXEC_REASONS.EXCESS_REDUCING : EXEC_REASONS.ADDS_RISK);
      capacity = reducing ? Math.abs(pos) - cum : 0;
    }
    // (3) pending CycleEngine orders: TPs first, then replenishments (queue order within kind)
    const pend = st.cycle.pending;
    if (pend.length) {
      pend.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "TP" ? -1 : 1));
      let w = 0;
      for (let i = 0; i < pend.length; i++) {
        const p = pend[i];
        let qty = p.qty;
        if (reduce) {
          const adds = pos > EPS ? p.side === "BUY" : pos < -EPS ? p.side === "SELL" : true;
          if (adds || capacity <= lot * EPS) {
            this.refuse("PLACE", st, ts, p.side, p.price, p.qty, adds ? EXEC_REASONS.REDUCE_ONLY : EXEC_REASONS.REDUCE_ONLY_CAPACITY);
            continue;
          }
          qty = Math.min(qty, quantizeQty(capacity + lot * EPS, lot));
          if (!(qty > 0) || qty * p.price < st.inst.min_notional) {
            this.refuse("PLACE", st, ts, p.side, p.price, p.qty, EXEC_REASONS.REDUCE_ONLY_CAPACITY);
            continue;
          }
        }
        if (p.waiting && this.tokens < 1) {
          pend[w++] = p; // already refused for the rate limit: wait quietly for a token
          continue;
        }
        // a TP closes risk: when a cap binds it displaces the farthest GRID order of the symbol
        if (p.kind === "TP" && (st.orders.length >= this.cfg.max_open_orders_per_symbol || this.openTotal >= this.cfg.max_open_orders_portfolio)) {
          const victim = this.farthestGrid(st);
          if (victim) this.cancel(st, victim, ts, EXEC_REASONS.CAP_MAKE_ROOM);
        }
        const placed = this.place(st, ts, bid, ask, p.side, p.price, qty, p.kind, p.level, reduce, p);
        if (placed) {
          if (reduce) capacity -= qty;
        } else if (p.kind === "TP" && this.tokens < 1) {
          // refused by the rate limit: recorded once, retried when a token is available
          p.waiting = true;
          pend[w++] = p;
        }
        // a refused replenishment (cap / rate) is dropped: the next plan tick re-derives the grid
      }
      pend.length = w;
    }
    if (desired === null) return;
    // (4) grid levels
    const want: GridLevel[] = [];
    for (const d of desired) {
      if (!reduce) {
        want.push(d);
        continue;
      }
      const adds = pos > EPS ? d.side === "BUY" : pos < -EPS ? d.side === "SELL" : true;
      if (adds) continue;
      const q = Math.min(d.qty, quantizeQty(Math.max(0, capacity) + lot * EPS, lot));
      if (!(q > 0) || q * d.price < st.inst.min_notional) continue;
      capacity -= q;
      want.push(q === d.qty ? d : { side: d.side, index: d.index, price: d.price, qty: q });
    }
    want.sort((a, b) => a.index - b.index || (a.side === b.side ? 0 : a.side === "BUY" ? -1 : 1));
    const grid = st.orders.filter((o) => o.kind === "GRID").sort(closeness);
    const used = new Set<OpenOrder>();
    const unmatched: GridLevel[] = [];
    for (const d of want) {
      const m = grid.find((o) => !used.has(o) && o.side === d.side && o.price === d.price && o.qty === d.qty);
      if (m) {
        used.add(m);
        if (m.level !== d.index) m.level = d.index;
      } else unmatched.push(d);
    }
    // within tolerance of the plan: keep rather than re-price (closest first, per side)
    const tolP = this.cfg.amend_tolerance_steps * ctx.step_pct;
    const tolQ = this.cfg.amend_qty_tolerance;
    if (unmatched.length && (tolP > 0 || tolQ > 0)) {
      let w = 0;
      for (const d of unmatched) {
        const maxDp = tolP * d.price;
        const minQ = d.qty * (1 - tolQ) - lot * EPS;
        const m = grid.find((o) => !used.has(o) && o.side === d.side && Math.abs(o.price - d.price) <= maxDp && o.qty <= d.qty && o.qty >= minQ);
        if (m) {
          used.add(m);
          if (m.level !== d.index) m.level = d.index;
        } else unmatched[w++] = d;
      }
      unmatched.length = w;
    }
    const amends: Array<[OpenOrder, GridLevel]> = [];
    const places: GridLevel[] = [];
    for (const d of unmatched) {
      const m = grid.find((o) => !used.has(o) && o.side === d.side);
      if (m) {
        used.add(m);
        amends.push([m, d]);
      } else places.push(d);
    }
    for (const o of grid) if (!used.has(o)) this.cancel(st, o, ts, EXEC_REASONS.NOT_IN_PLAN);
    for (const [o, d] of amends) this.amend(st, o, ts, bid, ask, d);
    for (const d of places) this.place(st, ts, bid, ask, d.side, d.price, d.qty, "GRID", d.index, reduce, null);
  }

  /** EMERGENCY: cancel every resting order of every symbol (lexical order) and drop pending ones. */
  cancelAll(ts: number, reason: ReasonCode): void {
    for (const st of this.syms.values()) {
      this.cancelAllOf(st, ts, reason);
      st.cycle.pending.length = 0;
    }
  }

  private cancelAllOf(st: SymState, ts: number, reason: ReasonCode): void {
    const list = st.orders.slice().sort(closeness);
    for (const o of list) this.cancel(st, o, ts, reason);
  }

  private refill(ts: number): void {
    const rl = this.cfg.rate_limit;
    if (this.lastRefill === this.lastRefill && ts > this.lastRefill)
      this.tokens = Math.min(rl.capacity, this.tokens + ((ts - this.lastRefill) * rl.refill_per_sec) / 1000);
    if (!(ts < this.lastRefill)) this.lastRefill = ts;
  }

  private refuse(type: IntentType, st: SymState, ts: number, side: Side, price: number, qty: number, reason: ReasonCode, id?: string): void {
    if (type === "PLACE") this.counters.place_refused++;
    else if (type === "AMEND") this.counters.amend_refused++;
    this.counters.refused_by_reason[reason] = (this.counters.refused_by_reason[reason] ?? 0) + 1;
    this.sink.intent({ type, ts, symbol: st.symbol, order_id: id ?? `${st.symbol}:${++st.seq}`, side, price, qty, accepted: false, reason });
  }

  private place(st: SymState, ts: number, bid: number, ask: number, side: Side, price: number, qty: number, kind: "GRID" | "TP", level: number, reduceOnly: boolean, src: PendingOrder | null): boolean {
    let reason: string | null = null;
    if (st.orders.length >= this.cfg.max_open_orders_per_symbol) reason = EXEC_REASONS.MAX_OPEN_ORDERS_SYMBOL;
    else if (this.openTotal >= this.cfg.max_open_orders_portfolio) reason = EXEC_REASONS.MAX_OPEN_ORDERS_PORTFOLIO;
    else if (this.tokens < 1) reason = EXEC_REASONS.RATE_LIMIT;
    if (reason) {
      this.refuse("PLACE", st, ts, side, price, qty, reason);
      return false;
    }
    this.tokens -= 1;
    const seq = ++st.seq;
    const id = `${st.symbol}:${seq}`;
    const o: OpenOrder = {
      id,
      seq,
      symbol: st.symbol,
      side,
      price,
      qty,
      kind,
      level,
      reduce_only: reduceOnly || kind === "TP",
      created_ts: ts,
      taker: isMarketable(side, price, bid, ask),
      entry_price: src ? src.entry_price : 0,
      entry_fee: src ? (src.qty === qty ? src.entry_fee : (src.entry_fee * qty) / src.qty) : 0,
      entry_ts: src ? src.entry_ts : 0,
    };
    st.orders.push(o);
    st.dirty = true;
    this.openTotal++;
    this.counters.place_accepted++;
    this.sink.intent({ type: "PLACE", ts, symbol: st.symbol, order_id: id, side, price, qty, accepted: true });
    return true;
  }

  private amend(st: SymState, o: OpenOrder, ts: number, bid: number, ask: number, d: GridLevel): void {
    if (this.tokens < 1) {
      this.refuse("AMEND", st, ts, d.side, d.price, d.qty, EXEC_REASONS.RATE_LIMIT, o.id);
      return;
    }
    this.tokens -= 1;
    o.price = d.price;
    o.qty = d.qty;
    st.dirty = true;
    o.level = d.index;
    o.taker = isMarketable(o.side, o.price, bid, ask);
    this.counters.amend_accepted++;
    this.sink.intent({ type: "AMEND", ts, symbol: st.symbol, order_id: o.id, side: o.side, price: o.price, qty: o.qty, accepted: true, reason: EXEC_REASONS.REPRICE });
  }

  /** Cancels are never rate limited: reducing risk must always be possible. */
  private cancel(st: SymState, o: OpenOrder, ts: number, reason: ReasonCode): void {
    const i = st.orders.indexOf(o);
    if (i < 0) return;
    for (let k = i + 1; k < st.orders.length; k++) st.orders[k - 1] = st.orders[k];
    st.orders.length--;
    st.dirty = true;
    this.openTotal--;
    this.counters.cancels++;
    this.sink.intent({ type: "CANCEL", ts, symbol: st.symbol, order_id: o.id, side: o.side, price: o.price, qty: o.qty, accepted: true, reason });
  }
}

function byPriceThenId(a: OpenOrder, b: OpenOrder): number {
  return a.price - b.price || a.seq - b.seq;
}

/** Closest to the market first: BUYs by price descending, SELLs ascending; then by id. */
function closeness(a: OpenOrder, b: OpenOrder): number {
  if (a.side !== b.side) return a.side === "BUY" ? -1 : 1;
  const d = a.side === "BUY" ? b.price - a.price : a.price - b.price;
  return d || a.seq - b.seq;
}
