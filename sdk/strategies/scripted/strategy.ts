import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { MarketEvent } from "../../contracts/events";
import type { Side } from "../../contracts/trading";
import type { FillReport, OrderRequest } from "../../sim/types";
import type { RiskTransition, Strategy, StrategyContext, StrategyReport, StrategyStats } from "../../strategy/types";

/**
 * One recorded order request and where it goes in the replay (ADR-196): `after` = index of the
 * market event (quotes and prints, in feed order, from 0) during which the reference run sent it
 * (-1 = before the first event). The scripted strategy sends it once that event is processed.
 */
export interface ScriptedRequest {
  after: number;
  req: OrderRequest;
}

/** A request sent at a data time instead of after an event (the comparison's own cancels). */
export interface TimedRequest {
  /**
   * Sent after every market event with `ts <= at`, i.e. before the first one with `ts > at`
   * (the request's `ts` is `at`): an order cancelled at `at` still sees that whole millisecond.
   */
  at: number;
  req: OrderRequest;
}

/** A fill as the scripted strategy received it. */
export type ScriptedFill = Pick<FillReport, "ts" | "order_id" | "symbol" | "side" | "price" | "qty" | "remaining" | "fee">;

/**
 * Replays a fixed list of order requests at their recorded places in the event stream and
 * ignores every report (fills, rejects, risk transitions): the orders are the same whatever the
 * fill model does (ADR-196). The engine loop, venue, latency and fees are the ordinary ones.
 * The driver (`sameOrdersLadder`, `sdk/engine/same-orders.ts`) calls `emit` between market
 * events; the strategy's own `onMarket` sends nothing.
 *
 * Every request sent is logged as an accepted intent (the digest covers the script); fills are
 * kept in `fills` (not logged as fill records: the script does not know grid from take-profit).
 */
export class ScriptedOrdersStrategy implements Strategy {
  readonly id = "scripted-orders@1";
  readonly fills: ScriptedFill[] = [];
  /** PLACE requests sent, in order. */
  readonly placed: Array<Extract<OrderRequest, { type: "PLACE" }>> = [];
  private ctx!: StrategyContext;
  private next = 0;
  private nextTimed = 0;
  private readonly known = new Map<string, { side: Side; price: number; qty: number }>();
  private cancels = 0;
  private amends = 0;
  private readonly timed: TimedRequest[];

  constructor(
    private readonly script: ReadonlyArray<ScriptedRequest>,
    timed: ReadonlyArray<TimedRequest> = [],
  ) {
    for (let i = 1; i < script.length; i++)
      if (script[i].after < script[i - 1].after) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `scripted requests out of order at ${i}`, { field: "script" });
    // stable by time (sorted copy: the caller's array is not touched)
    this.timed = timed.map((t, i) => ({ t, i })).sort((a, b) => a.t.at - b.t.at || a.i - b.i).map((x) => x.t);
  }

  start(ctx: StrategyContext): void {
    this.ctx = ctx;
  }

  /**
   * Before market event `k` at data time `ts`: send the requests recorded after events `< k`,
   * then the timed ones with `at < ts`. At the end of the data the driver calls `emit(Infinity,
   * -Infinity)`: the rest of the recorded requests, no timed ones (nothing would follow them).
   */
  emit(k: number, ts: number): void {
    const s = this.script;
    while (this.next < s.length && s[this.next].after < k) this.send(s[this.next++].req);
    const t = this.timed;
    while (this.nextTimed < t.length && t[this.nextTimed].at < ts) this.send(t[this.nextTimed++].req);
  }

  private send(r: OrderRequest): void {
    let o = this.known.get(r.order_id);
    if (r.type === "PLACE") {
      o = { side: r.side, price: r.price, qty: r.qty };
      this.known.set(r.order_id, o);
      this.placed.push(r);
    } else {
      if (o === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `scripted ${r.type} of an order never placed: ${r.order_id}`, { field: "script" });
      if (r.type === "CANCEL") this.cancels++;
      else {
        this.amends++;
        o.price = r.price;
        o.qty = r.qty;
      }
    }
    // the intent line of the order manager: a cancel carries the order's last price and qty
    this.ctx.record({ t: "intent", type: r.type, ts: r.ts, symbol: r.symbol, order_id: r.order_id, side: o.side, price: o.price, qty: o.qty, accepted: true });
    this.ctx.send({ ...r });
  }

  onMarket(_ev: MarketEvent, _trading: boolean): boolean {
    return false;
  }

  onReports(batch: ReadonlyArray<StrategyReport>): void {
    for (let k = 0; k < batch.length; k++) {
      const r = batch[k];
      if (r.type === "FILL") this.fills.push({ ts: r.ts, order_id: r.order_id, symbol: r.symbol, side: r.side, price: r.price, qty: r.qty, remaining: r.remaining, fee: r.fee });
    }
  }

  onRisk(_tr: RiskTransition): void {}

  finish(): StrategyStats {
    return {
      ticks: 0, fills: this.fills.length, cycles: 0, cycle_profit: 0, intents_placed: this.placed.length, intents_refused: 0,
      cancels: this.cancels, amends: this.amends, regime_transitions: 0, symbols: [], time_in_regime_ms: {},
    };
  }
}
