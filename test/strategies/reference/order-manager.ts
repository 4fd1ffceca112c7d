// The previous order manager (before the segmented matching scans): the oracle of test/strategies/reconcile-reference.test.ts.
import { qtyNotional, type InstrumentSpec } from "../../../sdk/contracts/market";
import type { GridLevel, Intent, IntentType, Order, ReasonCode, Side } from "../../../sdk/contracts/trading";
import type { ExecutionReport, OrderRequest } from "../../../sdk/sim/types";
import { quantizeQty } from "../../../sdk/util/quantize";
import type { ExecutionConfig } from "../../../sdk/execution/config";
import type { CycleContext, PendingOrder } from "../../../sdk/execution/cycle";

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

/** An order the strategy believes live, with what it needs beyond the `Order` contract. */
export interface OpenOrder extends Order {
  /** Unfilled qty as the execution reports told it (starts at `qty`). */
  remaining: number;
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

/** Receives everything the order manager does, in order: the intent record, then the request. */
export interface OrderSink {
  /** Every intent, accepted (sent) or refused here with a reason. */
  intent(i: Intent): void;
  /** An accepted intent as a request to the venue. */
  send(r: OrderRequest): void;
}

export interface OrderManagerOptions {
  /**
   * True when the venue confirms cancels with a report (a latency model other than `none`): a
   * cancelled order then stays in `cancelling` — still fillable at the venue — until the venue
   * reports it CANCELED or REJECTs the cancel. False (latency none): the cancel is immediate.
   */
  confirmCancels?: boolean;
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

/** Per-symbol order state. */
export interface SymState {
  readonly symbol: string;
  readonly inst: InstrumentSpec;
  orders: OpenOrder[];
  /** Cancel sent, not yet confirmed by the venue (only with `confirmCancels`). */
  readonly cancelling: Map<string, OpenOrder>;
  seq: number;
}

const EPS = 1e-9;

/**
 * Spec 17.12.3, strategy side (ADR-043): the strategy's view of its orders per symbol, built only
 * from what it sent and what execution reports told it. Reconciles desired orders (plan levels
 * plus pending TPs / replenishments) into PLACE / CANCEL / AMEND requests, enforces the
 * open-order caps (per symbol, portfolio) and the order-rate token bucket (data time). Pure:
 * position comes in as a number; it knows no ledger and no venue internals. Every refused
 * intent is emitted with its reason; nothing is dropped silently.
 */
export class OrderManager {
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
  private readonly confirmCancels: boolean;
  /** Scratch of `reconcile` (not re-entrant: nothing it calls reconciles). */
  private readonly gridScratch: OpenOrder[] = [];
  private used = new Uint8Array(64);

  constructor(
    private readonly cfg: ExecutionConfig,
    instruments: Iterable<InstrumentSpec>,
    private readonly sink: OrderSink,
    opts: OrderManagerOptions = {},
  ) {
    this.confirmCancels = opts.confirmCancels ?? false;
    this.tokens = cfg.rate_limit.capacity;
    for (const inst of [...instruments].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)))
      this.syms.set(inst.symbol, { symbol: inst.symbol, inst, orders: [], cancelling: new Map(), seq: 0 });
  }

  /** Resting orders of a symbol (read-only view). */
  openOrders(symbol: string): ReadonlyArray<OpenOrder> {
    return this.state(symbol).orders;
  }
  get openCount(): number {
    return this.openTotal;
  }
  /** Tokens left in the rate-limit bucket (after the last refill). */
  get tokensLeft(): number {
    return this.tokens;
  }

  /** Orders whose cancel is in flight (latency): still fillable at the venue. */
  cancellingOrders(symbol: string): ReadonlyArray<OpenOrder> {
    return [...this.state(symbol).cancelling.values()];
  }

  private state(symbol: string): SymState {
    const s = this.syms.get(symbol);
    if (!s) throw new Error(`order manager has no symbol '${symbol}'`);
    return s;
  }

  /**
   * Apply one execution report to the order view. A FILL reduces the order's `remaining` and
   * removes it when nothing is left (from the live or the cancelling set); it returns the order
   * (kind, level, entry of a TP) or null when the id is unknown. CANCELED / REJECT of a cancel
   * close a cancelling order. Reports of a batch are applied before any is acted on, so the
   * strategy sees the order set after the whole market event.
   */
  onReport(r: ExecutionReport): OpenOrder | null {
    const st = this.state(r.symbol);
    if (r.type === "FILL") {
      let o: OpenOrder | undefined = undefined;
      let live = -1;
      const orders = st.orders;
      for (let i = 0; i < orders.length; i++)
        if (orders[i].id === r.order_id) {
          o = orders[i];
          live = i;
          break;
        }
      if (o === undefined) o = st.cancelling.get(r.order_id);
      if (o === undefined) return null;
      o.remaining = r.remaining;
      if (r.remaining <= 0) {
        if (live >= 0) {
          for (let k = live + 1; k < orders.length; k++) orders[k - 1] = orders[k];
          orders.length--;
          this.openTotal--;
        } else st.cancelling.delete(o.id);
      }
      this.counters.fills++;
      this.counters.time_to_fill_ms_sum += r.ts - o.created_ts;
      return o;
    }
    if (r.type === "CANCELED" || (r.type === "REJECT" && r.request === "CANCEL")) {
      const o = st.cancelling.get(r.order_id);
      if (o) st.cancelling.delete(r.order_id);
      return o ?? null;
    }
    return null;
  }

  /**
   * Price of the outermost resting GRID order on `side` (NaN when none) and the highest grid
   * level index resting on that side.
   */
  outermostGrid(symbol: string, side: Side): { price: number; level: number } {
    const st = this.state(symbol);
    let price = Number.NaN;
    let level = 0;
    for (const o of st.orders) {
      if (o.kind !== "GRID" || o.side !== side) continue;
      if (price !== price || (side === "BUY" ? o.price < price : o.price > price)) price = o.price;
      if (o.level > level) level = o.level;
    }
    return { price, level };
  }

  private farthestGrid(st: SymState): OpenOrder | null {
    let best: OpenOrder | null = null;
    for (const o of st.orders) {
      if (o.kind !== "GRID") continue;
      if (best === null || o.level > best.level || (o.level === best.level && o.seq > best.seq)) best = o;
    }
    return best;
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
  reconcile(symbol: string, ts: number, pos: number, desired: ReadonlyArray<GridLevel> | null, pend: PendingOrder[], ctx: SymbolExecContext): void {
    const st = this.state(symbol);
    this.refill(ts);
    if (ctx.stopped) {
      this.cancelAllOf(st, ts, EXEC_REASONS.EMERGENCY);
      pend.length = 0;
      return;
    }
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
          if (!(qty > 0) || qtyNotional(st.inst, qty, p.price) < st.inst.min_notional) {
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
        const placed = this.place(st, ts, p.side, p.price, qty, p.kind, p.level, reduce, p);
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
      if (!(q > 0) || qtyNotional(st.inst, q, d.price) < st.inst.min_notional) continue;
      capacity -= q;
      want.push(q === d.qty ? d : { side: d.side, index: d.index, price: d.price, qty: q });
    }
    sortLevels(want);
    // resting GRID orders, closest first; `used[k]` marks grid[k] as matched (reused scratch, no Set or closures)
    const grid = this.gridScratch;
    grid.length = 0;
    for (let k = 0; k < st.orders.length; k++) if (st.orders[k].kind === "GRID") grid.push(st.orders[k]);
    sortByCloseness(grid);
    const n = grid.length;
    if (this.used.length < n) this.used = new Uint8Array(Math.max(n, 2 * this.used.length));
    const used = this.used;
    used.fill(0, 0, n);
    const unmatched: GridLevel[] = [];
    for (const d of want) {
      let m = -1;
      for (let k = 0; k < n; k++) {
        const o = grid[k];
        if (used[k] === 0 && o.side === d.side && o.price === d.price && o.qty === d.qty) {
          m = k;
          break;
        }
      }
      if (m >= 0) {
        used[m] = 1;
        if (grid[m].level !== d.index) grid[m].level = d.index;
      } else unmatched.push(d);
    }
    // within tolerance of the plan: keep rather than re-price (closest first, per side)
    const tolP = this.cfg.amend_tolerance_steps * ctx.step_frac;
    const tolQ = this.cfg.amend_qty_tolerance;
    if (unmatched.length && (tolP > 0 || tolQ > 0)) {
      let w = 0;
      for (const d of unmatched) {
        const maxDp = tolP * d.price;
        const minQ = d.qty * (1 - tolQ) - lot * EPS;
        let m = -1;
        for (let k = 0; k < n; k++) {
          const o = grid[k];
          if (used[k] === 0 && o.side === d.side && Math.abs(o.price - d.price) <= maxDp && o.qty <= d.qty && o.qty >= minQ) {
            m = k;
            break;
          }
        }
        if (m >= 0) {
          used[m] = 1;
          if (grid[m].level !== d.index) grid[m].level = d.index;
        } else unmatched[w++] = d;
      }
      unmatched.length = w;
    }
    const amendOrders: OpenOrder[] = [];
    const amendLevels: GridLevel[] = [];
    const places: GridLevel[] = [];
    for (const d of unmatched) {
      let m = -1;
      for (let k = 0; k < n; k++)
        if (used[k] === 0 && grid[k].side === d.side) {
          m = k;
          break;
        }
      if (m >= 0) {
        used[m] = 1;
        amendOrders.push(grid[m]);
        amendLevels.push(d);
      } else places.push(d);
    }
    // copy before acting: cancels and amends re-enter (records, venue requests), never this method
    const cancels: OpenOrder[] = [];
    for (let k = 0; k < n; k++) if (used[k] === 0) cancels.push(grid[k]);
    grid.length = 0;
    for (const o of cancels) this.cancel(st, o, ts, EXEC_REASONS.NOT_IN_PLAN);
    for (let k = 0; k < amendOrders.length; k++) this.amend(st, amendOrders[k], ts, amendLevels[k]);
    for (const d of places) this.place(st, ts, d.side, d.price, d.qty, "GRID", d.index, reduce, null);
  }

  /** EMERGENCY: cancel every resting order of every symbol (lexical order). The caller drops its pending orders. */
  cancelAll(ts: number, reason: ReasonCode): void {
    for (const st of this.syms.values()) this.cancelAllOf(st, ts, reason);
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

  private place(st: SymState, ts: number, side: Side, price: number, qty: number, kind: "GRID" | "TP", level: number, reduceOnly: boolean, src: PendingOrder | null): boolean {
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
      remaining: qty,
      kind,
      level,
      reduce_only: reduceOnly || kind === "TP",
      created_ts: ts,
      entry_price: src ? src.entry_price : 0,
      entry_fee: src ? (src.qty === qty ? src.entry_fee : (src.entry_fee * qty) / src.qty) : 0,
      entry_ts: src ? src.entry_ts : 0,
    };
    st.orders.push(o);
    this.openTotal++;
    this.counters.place_accepted++;
    this.sink.intent({ type: "PLACE", ts, symbol: st.symbol, order_id: id, side, price, qty, accepted: true });
    this.sink.send({ type: "PLACE", ts, symbol: st.symbol, order_id: id, side, price, qty });
    return true;
  }

  private amend(st: SymState, o: OpenOrder, ts: number, d: GridLevel): void {
    if (this.tokens < 1) {
      this.refuse("AMEND", st, ts, d.side, d.price, d.qty, EXEC_REASONS.RATE_LIMIT, o.id);
      return;
    }
    this.tokens -= 1;
    o.remaining = Math.max(0, o.remaining + d.qty - o.qty);
    o.price = d.price;
    o.qty = d.qty;
    o.level = d.index;
    this.counters.amend_accepted++;
    this.sink.intent({ type: "AMEND", ts, symbol: st.symbol, order_id: o.id, side: o.side, price: o.price, qty: o.qty, accepted: true, reason: EXEC_REASONS.REPRICE });
    this.sink.send({ type: "AMEND", ts, symbol: st.symbol, order_id: o.id, price: o.price, qty: o.qty });
  }

  /** Cancels are never rate limited: reducing risk must always be possible. */
  private cancel(st: SymState, o: OpenOrder, ts: number, reason: ReasonCode): void {
    const i = st.orders.indexOf(o);
    if (i < 0) return;
    for (let k = i + 1; k < st.orders.length; k++) st.orders[k - 1] = st.orders[k];
    st.orders.length--;
    this.openTotal--;
    if (this.confirmCancels) st.cancelling.set(o.id, o);
    this.counters.cancels++;
    this.sink.intent({ type: "CANCEL", ts, symbol: st.symbol, order_id: o.id, side: o.side, price: o.price, qty: o.qty, accepted: true, reason });
    this.sink.send({ type: "CANCEL", ts, symbol: st.symbol, order_id: o.id });
  }
}

/**
 * Desired levels by index, BUY before SELL at an index: a stable insertion sort, the order
 * `Array.prototype.sort` (stable) gives with that comparator, without its per-call work area
 * and comparator calls (a plan's ≈ 20 levels arrive bids then asks, each by index).
 */
function sortLevels(a: GridLevel[]): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && (a[j].index > x.index || (a[j].index === x.index && a[j].side !== x.side && a[j].side !== "BUY"))) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/** `closeness` order by a stable insertion sort (see `sortLevels`). */
function sortByCloseness(a: OpenOrder[]): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && closeness(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/** Closest to the market first: BUYs by price descending, SELLs ascending; then by id. */
function closeness(a: OpenOrder, b: OpenOrder): number {
  if (a.side !== b.side) return a.side === "BUY" ? -1 : 1;
  const d = a.side === "BUY" ? b.price - a.price : a.price - b.price;
  return d || a.seq - b.seq;
}
